//! User-defined framings (`framing::user`): the suite runs on a framing given by its encoder
//! alone, catches a planted bug in a decoder of one, shrinks and replays it, and refuses an
//! encoder that contradicts itself as a usage error, never as the decoder's failure.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use framecheck::framing::cbor_seq::item_len;
use framecheck::framing::user::{
    self, InvalidStream, TailEnd, UserEncoded, UserFrame, UserFraming,
};
use framecheck::framing::ErrorClass;
use framecheck::{
    replay, Case, CountingAlloc, FailureKind, FrameDecoder, Framing, Rejection, Schedule, Stream,
    Suite,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Measures the frame at the start of a buffer: `Ok(Some((frame length, message range)))`,
/// `Ok(None)` for more bytes, `Err` for a bad frame.
type Measure = fn(&[u8]) -> Result<Option<(usize, Range<usize>)>, String>;

/// A decoder of any self-delimiting framing, from its measure; `drop_split` plants the bug of
/// dropping a frame that arrived across two reads.
struct ItemDecoder {
    buf: Vec<u8>,
    measure: Measure,
    drop_split: bool,
}

impl ItemDecoder {
    fn new(measure: Measure) -> ItemDecoder {
        ItemDecoder {
            buf: Vec::new(),
            measure,
            drop_split: false,
        }
    }
}

impl FrameDecoder for ItemDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let carried = !self.buf.is_empty();
        self.buf.extend_from_slice(chunk);
        let mut first = true;
        loop {
            match (self.measure)(&self.buf).map_err(Rejection::new)? {
                None => return Ok(()),
                Some((len, message)) => {
                    if !(self.drop_split && carried && first) {
                        frames.push(self.buf[message].to_vec());
                    }
                    first = false;
                    self.buf.drain(..len);
                }
            }
        }
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new("a frame cut short"))
        }
    }
}

fn cbor(buf: &[u8]) -> Result<Option<(usize, Range<usize>)>, String> {
    match item_len(buf) {
        Ok(Some(n)) => Ok(Some((n, 0..n))),
        Ok(None) => Ok(None),
        Err(i) => Err(format!("malformed item at byte {i}")),
    }
}

/// RS, text, LF (json-seq) or text, LF (ndjson): strict, one compact text per line.
fn json_line(buf: &[u8], rs: bool) -> Result<Option<(usize, Range<usize>)>, String> {
    if rs && !buf.is_empty() && buf[0] != 0x1e {
        return Err("no RS".into());
    }
    let Some(lf) = buf.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let text = usize::from(rs)..lf;
    serde_json::from_slice::<serde_json::Value>(&buf[text.clone()]).map_err(|e| e.to_string())?;
    Ok(Some((lf + 1, text)))
}

fn json_seq(buf: &[u8]) -> Result<Option<(usize, Range<usize>)>, String> {
    json_line(buf, true)
}

fn ndjson(buf: &[u8]) -> Result<Option<(usize, Range<usize>)>, String> {
    json_line(buf, false)
}

fn quick(framing: Framing) -> Suite {
    Suite::new(framing).random_cases(100)
}

#[test]
fn a_cbor_sequence_decoder_passes_every_case_from_the_encoder_alone() {
    let framing: Framing = "cbor-seq".parse().unwrap();
    let report = quick(framing).run(|| ItemDecoder::new(cbor));
    assert!(report.is_pass(), "{report}");
    // Every schedule, truncation at every offset, the framing's own invalid streams, random
    // messages and many frames: all there.
    let names: Vec<&str> = report.results.iter().map(|c| c.stream.as_str()).collect();
    for want in [
        "worked-example",
        "trunc@1",
        "mixed-trunc@4",
        "lone-break",
        "random#3",
    ] {
        assert!(names.contains(&want), "no {want} in {}", names.len());
    }
    assert!(report.total > 2000, "{}", report.total);
}

#[test]
fn json_text_sequence_and_ndjson_decoders_pass() {
    for (name, measure) in [("json-seq", json_seq as Measure), ("ndjson", ndjson)] {
        let framing: Framing = name.parse().unwrap();
        let report = quick(framing).run(move || ItemDecoder::new(measure));
        assert!(report.is_pass(), "{name}: {report}");
    }
}

/// The planted bug: a frame split across two reads is dropped. The suite catches it, shrinks
/// it to a frame in two reads, and the printed token replays it in this process.
#[test]
fn a_cbor_decoder_that_drops_a_split_item_is_caught_shrunk_and_replayed() {
    let framing: Framing = "cbor-seq".parse().unwrap();
    let buggy = || ItemDecoder {
        drop_split: true,
        ..ItemDecoder::new(cbor)
    };
    let report = quick(framing).run(buggy);
    assert!(!report.is_pass());
    let f = &report.failures[0];
    assert_eq!(f.failure.kind, FailureKind::MissingFrame, "{report}");
    let minimal = &f.minimal;
    assert!(minimal.stream.is_explicit());
    assert!(minimal.stream.messages().len() <= 2, "{}", minimal.token());
    assert_eq!(minimal.schedule.cuts().len(), 1, "{}", minimal.token());
    let token = minimal.token();
    assert_eq!(token.split('/').count(), 4, "{token}");
    let verdict = replay(&mut buggy(), &token).unwrap();
    assert_eq!(
        verdict.failure().map(|f| f.kind),
        Some(FailureKind::MissingFrame)
    );
    assert!(replay(&mut ItemDecoder::new(cbor), &token)
        .unwrap()
        .is_pass());
}

#[test]
fn a_user_token_without_its_expectation_is_refused() {
    let e = Case::from_token("cbor-seq/4161/-").unwrap_err().to_string();
    assert!(
        e.contains("user framing") && e.contains("fourth part"),
        "{e}"
    );
    let e = Case::from_token("cbor-seq/4161/-/3;clean")
        .unwrap_err()
        .to_string();
    assert!(e.contains("runs past"), "{e}");
    // A hand-written expectation that the decoder is held to.
    let case = Case::from_token("cbor-seq/416142/1/2;truncated-at-eof@eof").unwrap();
    assert!(judge_ok(&case));
}

fn judge_ok(case: &Case) -> bool {
    framecheck::judge(&mut ItemDecoder::new(cbor), case).is_pass()
}

/// Truncation at every offset, from the encoder's ranges: a cut between frames is a valid
/// stream, a cut inside one is a rejection at EOF after the frames before it.
#[test]
fn truncations_are_read_from_the_encoders_ranges() {
    let framing: Framing = "json-seq".parse().unwrap();
    let streams = framecheck::adversarial::streams(framing);
    let at = |k: usize| {
        streams
            .iter()
            .find(|s| s.name() == format!("mixed-trunc@{k}"))
            .unwrap()
    };
    // 1e "12345" 0a: a cut after the last digit is still inside the frame.
    let s = at(6);
    assert_eq!(s.bytes(), b"\x1e12345");
    assert!(s.expectation().frames.is_empty());
    assert!(matches!(
        s.expectation().end,
        framecheck::framing::End::Reject {
            class: ErrorClass::TruncatedAtEof,
            ..
        }
    ));
    let s = at(7);
    assert_eq!(s.expectation().frames.len(), 1);
    assert_eq!(s.expectation().end, framecheck::framing::End::Clean);
}

/// An encoder that breaks its contract in one of the ways the issue names.
struct Liar(&'static str);

impl UserFraming for Liar {
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        let mut out = UserEncoded::default();
        for m in messages {
            out.push(&[m.len() as u8], m, &[]);
        }
        // It lies only about a last message `lie`, so that it registers, and the lie is met
        // when a stream is built.
        let lying = messages.last().is_some_and(|m| m == b"lie");
        if let Some(last) = out.frames.last_mut().filter(|_| lying) {
            match self.0 {
                "overlap" => {
                    last.frame.start -= 1;
                }
                "gap" => out.bytes.push(0),
                "mismatch" => last.message = last.frame.clone(),
                "missing" => {
                    out.frames.pop();
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn name(&self) -> String {
        format!("liar-{}", self.0)
    }
}

fn liar(kind: &'static str) -> Framing {
    static ALL: OnceLock<std::sync::Mutex<Vec<(String, Framing)>>> = OnceLock::new();
    let all = ALL.get_or_init(Default::default);
    let mut all = all.lock().unwrap();
    if let Some((_, f)) = all.iter().find(|(n, _)| n == kind) {
        return *f;
    }
    let f = user::register(Liar(kind)).unwrap();
    all.push((kind.to_string(), f));
    f
}

#[test]
fn an_encoder_that_contradicts_itself_is_a_usage_error_naming_the_message() {
    for (kind, needle) in [
        (
            "overlap",
            "message 1: its frame 2..7 overlaps the frame before, which ends at 3",
        ),
        (
            "gap",
            "after the last message: bytes 7..8 belong to no frame",
        ),
        (
            "mismatch",
            "message 1: its message range 3..7 holds 4 bytes (036c6965), not the 3-byte message (6c6965)",
        ),
        ("missing", "returned 1 frame ranges for 2 messages"),
    ] {
        let framing = liar(kind);
        let e = Stream::from_messages(framing, "x", vec![b"ab".to_vec(), b"lie".to_vec()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(needle) && e.contains(&format!("liar-{kind}")),
            "{kind}: {e}"
        );
    }
    // The gap variant, on one message, through the check itself.
    let enc = UserEncoded {
        bytes: vec![9, 9],
        frames: vec![UserFrame {
            frame: 1..2,
            message: 1..2,
        }],
    };
    let e = enc.check("hand", &[vec![9]]).unwrap_err().to_string();
    assert!(
        e.contains("message 0: bytes 0..1 belong to no frame"),
        "{e}"
    );
}

/// An encoder that contradicts itself on the first messages it is given is refused when it
/// registers.
#[test]
fn a_framing_whose_encoder_always_lies_is_refused_at_registration() {
    struct Always;
    impl UserFraming for Always {
        fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
            let mut out = UserEncoded::default();
            for m in messages {
                out.push(&[], m, &[0]);
                out.frames.last_mut().unwrap().message.end += 1;
            }
            Ok(out)
        }
    }
    let e = user::register(Always).unwrap_err().to_string();
    assert!(
        e.contains("user framing always") && e.contains("message 0"),
        "{e}"
    );
    assert!("always".parse::<Framing>().is_err());
}

#[test]
fn registration_refuses_taken_and_bad_names() {
    struct Named(&'static str);
    impl UserFraming for Named {
        fn encode(&self, _: &[Vec<u8>]) -> Result<UserEncoded, String> {
            Ok(UserEncoded::default())
        }
        fn name(&self) -> String {
            self.0.into()
        }
    }
    for (name, needle) in [
        ("u32be", "a built-in format has that name"),
        ("cbor-seq", "registered already"),
        ("a/b", "a name is letters"),
        ("", "a name is letters"),
    ] {
        let e = user::register(Named(name)).unwrap_err().to_string();
        assert!(e.contains(needle), "{name:?}: {e}");
    }
}

/// A user's invalid stream whose rejection is due past its tail is refused when built.
#[test]
fn an_invalid_stream_due_past_its_tail_is_a_usage_error() {
    let framing: Framing = "cbor-seq".parse().unwrap();
    let inv = InvalidStream::new(
        "bad",
        vec![vec![0x01]],
        vec![0xff],
        TailEnd::at_byte(ErrorClass::MalformedHeader, 3, "past"),
    );
    let e = Stream::with_tail_end(framing, &inv.name, inv.messages, inv.tail, Some(inv.end))
        .unwrap_err()
        .to_string();
    assert!(e.contains("due at byte 3 of a 1-byte tail"), "{e}");
}

/// The stream's expectation can be given outright, with a replay token that carries it.
#[test]
fn an_explicit_stream_round_trips_through_its_token() {
    let framing: Framing = "ndjson".parse().unwrap();
    let s = Stream::with_tail_end(
        framing,
        "x",
        vec![b"[1]".to_vec(), b"2".to_vec()],
        b"[".to_vec(),
        Some(TailEnd::truncated()),
    )
    .unwrap();
    let case = Case::new(Arc::new(s), "c", Schedule::from_cuts(vec![2, 5], 7));
    let token = case.token();
    assert_eq!(
        token,
        "ndjson:max=8388608/5b315d0a320a5b/2,5/4:0+3,2:0+1;truncated-at-eof@eof"
    );
    let again = Case::from_token(&token).unwrap();
    assert_eq!(
        again.stream.expectation().frames,
        case.stream.expectation().frames
    );
    assert_eq!(again.token(), token);
    assert_eq!(again.stream.messages(), case.stream.messages());
    assert_eq!(again.stream.tail(), b"[");
}

/// The built-in formats implement `UserFraming` too: every built-in framing and preset whose
/// decoder emits the message encodes through the trait into ranges its own check accepts, and
/// a layout that keeps its header (`postgres`) is refused with the reason.
#[test]
fn built_in_framings_are_user_framings_where_they_emit_the_message() {
    let messages: Vec<Vec<u8>> = vec![b"abc".to_vec(), b"hi".to_vec(), Vec::new()];
    let mut checked = 0;
    for framing in Framing::catalog().into_iter().chain(Framing::presets()) {
        let conformed: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| Framing::conform(&framing, m.clone()))
            .collect();
        match UserFraming::encode(&framing, &conformed) {
            Ok(enc) => {
                enc.check(&framing.to_string(), &conformed)
                    .unwrap_or_else(|e| panic!("{framing}: {e}"));
                checked += 1;
            }
            Err(e) => {
                let strip =
                    framing.format().emit_start(framing.header_len(0)) != framing.header_len(0);
                assert!(
                    strip && e.contains("emits part of its header"),
                    "{framing}: {e}"
                );
            }
        }
    }
    assert!(
        checked >= 13,
        "only {checked} built-in framings went through the trait"
    );
    let postgres: Framing = "postgres".parse().unwrap();
    assert!(UserFraming::encode(&postgres, &[b"x".to_vec()]).is_err());
}
