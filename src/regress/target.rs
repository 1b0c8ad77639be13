//! A failure's minimal case as an input of the fuzz target that runs the same decoder under
//! the same framing, or why there is none.
//!
//! | decoder | target | input |
//! |---|---|---|
//! | a third-party adapter | its `adapter_*` target ([`ADAPTER_TARGETS`]) | a byte choosing the decoder × framing pair ([`bundled_pairs`]), then the case ([`bytes_for_case`]) |
//! | `reference` under `u32be:max=4096` | `reference_u32be` | the case |
//! | `reference` under `lines` with a maximum below 20 | `reference_lines` | a byte of line policies, a byte for the maximum, then the case |
//!
//! The reference may be matched by a target framing of another maximum when the case's
//! expectation is the same under it (its behaviour is the specification's); an adapter only
//! by its own framing, since what a decoder does with a maximum is what is under test. The
//! `zoo` target (one zoo decoder chosen by `FRAMECHECK_ZOO`, under `u32be:max=4096`) is left
//! out: [`corpus::replay`](crate::corpus::replay), through which `cargo test` replays kept
//! inputs, does not run it.

use crate::case::Case;
use crate::corpus::{bytes_for_case, u32be_target_framing, ADAPTER_TARGETS};
use crate::framing::Framing;
use crate::fuzz::{bundled_pairs, lines_framing_from_bytes};

/// What [`bytes_for_case`] cannot encode, in words.
const TOO_LARGE: &str = "the minimal case does not fit the fuzz input encoding (at most 7 \
                         messages of at most 255 bytes, a tail of at most 7 bytes, reads of at \
                         most 32 bytes)";

/// `(target, input)` for `case` as `decoder` failed it, or why there is none.
pub(super) fn input_for(
    decoder: Option<&str>,
    case: &Case,
) -> Result<(&'static str, Vec<u8>), String> {
    let framing = case.stream.framing();
    let Some(id) = decoder else {
        return Err(
            "a program under --exec: no fuzz target runs it (its vector replays \
                    with framecheck vectors run DIR --exec PROGRAM)"
                .into(),
        );
    };
    let encode = |target: Framing| -> Result<Vec<u8>, String> {
        if target.expect(case.stream.bytes()) != *case.stream.expectation() {
            return Err(format!(
                "its stream carries an expectation that {target} does not read from its bytes"
            ));
        }
        bytes_for_case(target, case).ok_or_else(|| TOO_LARGE.to_string())
    };
    if id == "reference" {
        if same_but_max(framing, u32be_target_framing(), case) {
            return Ok(("reference_u32be", encode(u32be_target_framing())?));
        }
        // Its own framing if a target runs it, else one of another maximum.
        let lines = (0..16u8).flat_map(|p| (0..20u8).map(move |m| [p, m]));
        let exact = lines
            .clone()
            .find(|b| lines_framing_from_bytes(b).0 == framing);
        let near = || {
            lines
                .clone()
                .find(|b| same_but_max(framing, lines_framing_from_bytes(b).0, case))
        };
        if let Some(prefix) = exact.or_else(near) {
            let target = lines_framing_from_bytes(&prefix).0;
            return Ok((
                "reference_lines",
                [prefix.to_vec(), encode(target)?].concat(),
            ));
        }
        return Err(format!(
            "the reference's fuzz targets run u32be:max=4096 (reference_u32be) and lines with \
             a maximum below 20 (reference_lines), not {framing}"
        ));
    }
    if id.starts_with("zoo:") {
        return Err(
            "the zoo fuzz target (FRAMECHECK_ZOO=NAME) is a fuzzing benchmark, and \
                    framecheck::corpus::replay does not run it"
                .into(),
        );
    }
    let Some(&(target, prefix)) = ADAPTER_TARGETS.iter().find(|(_, p)| id.starts_with(p)) else {
        return Err(format!("no fuzz target runs {id}"));
    };
    let pairs = bundled_pairs(prefix);
    let Some(pick) = pairs
        .iter()
        .position(|(e, f)| e.id() == id && *f == framing)
    else {
        return Err(format!(
            "{target} chooses among {id}'s matrix framings (registry::framings), and {framing} \
             is not one of them"
        ));
    };
    let pick = u8::try_from(pick)
        .map_err(|_| format!("{target}: pair {pick} is past what its first byte can choose"))?;
    Ok((target, [vec![pick], encode(framing)?].concat()))
}

/// Whether `target` is `framing` but for its maximum, and the case's stream decodes the same
/// under both.
fn same_but_max(framing: Framing, target: Framing, case: &Case) -> bool {
    let wire_equal = framing.name() == target.name()
        && framing.with_max_frame_len(target.max_frame_len()) == target;
    wire_equal && target.expect(case.stream.bytes()) == *case.stream.expectation()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus;
    use crate::fuzz::case_from_bytes;

    #[test]
    fn the_reference_under_u32be_gets_reference_u32be_even_with_another_maximum() {
        // A frame of "abc", then a header announcing 5 bytes, cut at EOF.
        let case = Case::from_token("u32be:max=1024/0000000361626300000005/3").unwrap();
        let (target, data) = input_for(Some("reference"), &case).unwrap();
        assert_eq!(target, "reference_u32be");
        let again = case_from_bytes(u32be_target_framing(), &data);
        assert_eq!(again.stream.bytes(), case.stream.bytes());
        assert_eq!(again.schedule, case.schedule);
        corpus::replay(target, &data).unwrap();
        // Over 4096 the expectation differs: no target.
        let big = Case::from_token("u32be:max=8192/00001001/-").unwrap();
        assert!(input_for(Some("reference"), &big)
            .unwrap_err()
            .contains("u32be:max=4096"));
    }

    #[test]
    fn the_reference_under_lines_gets_reference_lines_with_its_policies() {
        let case = Case::from_token("lines:max=16:eof=emit:resync/61620a6364/2").unwrap();
        let (target, data) = input_for(Some("reference"), &case).unwrap();
        assert_eq!(target, "reference_lines");
        let (framing, rest) = lines_framing_from_bytes(&data);
        assert_eq!(framing, case.stream.framing());
        assert_eq!(case_from_bytes(framing, rest).stream.bytes(), b"ab\ncd");
        corpus::replay(target, &data).unwrap();
    }

    /// tokio-util's LengthDelimitedCodec ends silently at EOF right after a header (a known
    /// finding, `corpus::known_findings`): the saved input reproduces it once nothing is
    /// allowed, and `cargo test`'s replay, which allows it, passes it.
    #[cfg(feature = "tokio-util07")]
    #[test]
    fn a_third_party_finding_gets_an_input_of_its_adapter_target_that_reproduces_it() {
        let case = Case::from_token("u32be:max=1024/00000003/-").unwrap();
        let (target, data) = input_for(Some("tokio-util07-decode"), &case).unwrap();
        assert_eq!(target, "adapter_tokio_util07");
        let (entry, framing) = bundled_pairs("tokio-util07")[data[0] as usize];
        assert_eq!(
            (entry.id(), framing),
            ("tokio-util07-decode", case.stream.framing())
        );
        use crate::oracle::{catch_quietly, FailureKind};
        let none: &[(&str, FailureKind)] = &[];
        let err =
            catch_quietly(|| crate::fuzz::check_bundled_allowing("tokio-util07", &data, none))
                .unwrap_err()
                .to_string();
        assert!(err.contains("truncation-ignored"), "{err}");
        corpus::replay(target, &data).unwrap();
        // A framing its target does not choose from: no input, and why.
        let other = Case::from_token("u32be:max=1000/00000003/-").unwrap();
        assert!(input_for(Some("tokio-util07-decode"), &other)
            .unwrap_err()
            .contains("matrix framings"));
    }

    #[test]
    fn a_case_past_the_fuzz_input_encoding_gets_no_input() {
        // Eight frames: the encoding holds seven.
        let case = Case::from_token(&format!("u32be:max=1024/{}/-", "00000000".repeat(8))).unwrap();
        assert_eq!(
            input_for(Some("reference"), &case).unwrap_err(),
            TOO_LARGE.to_string()
        );
    }
}
