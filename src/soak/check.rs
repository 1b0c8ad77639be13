//! Checking what one call returned against the window, without storing the stream: each
//! frame is compared with the payload the generator wrote (the regenerated message), and the
//! count with the frames that call completed (the stuck-frame rule).

use super::stream::Window;
use crate::oracle::FailureKind;

/// What went wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The verdict kind.
    pub kind: FailureKind,
    /// What happened, for the report.
    pub detail: String,
}

impl Found {
    pub(crate) fn new(kind: FailureKind, detail: impl Into<String>) -> Found {
        Found {
            kind,
            detail: detail.into(),
        }
    }
}

/// How many pending frames a read that delivered the stream up to `read_end` completed.
pub(crate) fn completed(w: &Window, read_end: u64) -> usize {
    w.pending.partition_point(|p| p.end <= read_end)
}

/// Checks the frames one call returned (`out`), after the stream was delivered up to
/// `read_end`, and retires the frames it completed. `call` names the call for messages.
pub(crate) fn check_call(
    w: &mut Window,
    read_end: u64,
    out: &[Vec<u8>],
    call: &dyn Fn() -> String,
) -> Result<(), Found> {
    let due = completed(w, read_end);
    for (k, frame) in out.iter().enumerate() {
        let index = w.first + k as u64;
        let Some(p) = w.pending.get(k).copied() else {
            return Err(Found::new(
                FailureKind::ExtraFrame,
                format!(
                    "{} returned {} frames; the stream so far holds no frame #{index} \
                     (the extra frame is {} bytes)",
                    call(),
                    out.len(),
                    frame.len()
                ),
            ));
        };
        if k >= due {
            return Err(Found::new(
                FailureKind::ExtraFrame,
                format!(
                    "{} returned {} frames, but completed only {due}: frame #{index} came out \
                     before its last byte (at offset {}) was delivered",
                    call(),
                    out.len(),
                    p.end - 1
                ),
            ));
        }
        let expected = w.payload(&p);
        // Lengths first: most frames of a soak are short, and a call into memcmp is not free.
        if frame.len() != p.len || (p.len > 0 && frame[..] != *expected) {
            // A frame that is the next one's: this one was lost.
            let next_is = w
                .pending
                .get(k + 1)
                .is_some_and(|n| k + 1 < due && frame[..] == *w.payload(n));
            if next_is {
                return Err(Found::new(
                    FailureKind::MissingFrame,
                    format!(
                        "frame #{index} ({}) is missing: {} returned frame #{} in its place",
                        crate::error::n_bytes(p.len as u64),
                        call(),
                        index + 1
                    ),
                ));
            }
            return Err(Found::new(
                FailureKind::WrongFrame,
                format!(
                    "frame #{index} from {} is wrong: {}",
                    call(),
                    difference(expected, frame)
                ),
            ));
        }
    }
    if out.len() < due {
        let index = w.first + out.len() as u64;
        let p = w.pending[out.len()];
        return Err(Found::new(
            FailureKind::StuckFrame,
            format!(
                "{} completed {due} frame(s) and returned {}: frame #{index} ({} bytes, last \
                 byte at offset {}) did not come out of the call that delivered its last byte",
                call(),
                out.len(),
                p.len,
                p.end - 1
            ),
        ));
    }
    w.retire(due);
    Ok(())
}

/// Where two frames differ, in words.
fn difference(expected: &[u8], got: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let show = |b: &[u8]| {
        let end = (at + 8).min(b.len());
        crate::error::hex(&b[at..end])
    };
    format!(
        "{} bytes, expected {}; first difference at byte {at} (expected {}…, got {}…)",
        got.len(),
        expected.len(),
        show(expected),
        show(got)
    )
}

#[cfg(test)]
mod tests {
    use super::super::stream::{Generator, Limit, Sizes};
    use super::*;

    fn window(frames: u64) -> Window {
        let f = "u16be".parse().unwrap();
        let mut w = Window::new(
            Generator::new(f, 4, Sizes::Mixed).unwrap(),
            Limit::Frames(frames),
        );
        w.fill(u64::MAX).unwrap();
        w
    }

    fn payloads(w: &Window, n: usize) -> Vec<Vec<u8>> {
        w.pending
            .iter()
            .take(n)
            .map(|p| w.payload(p).to_vec())
            .collect()
    }

    fn call() -> String {
        "read 3".to_string()
    }

    #[test]
    fn a_read_that_completes_n_frames_must_yield_n_frames() {
        let mut w = window(10);
        let end = w.pending[4].end;
        let out = payloads(&w, 5);
        check_call(&mut w, end, &out, &call).unwrap();
        assert_eq!(w.first, 5);
        let mut w = window(10);
        let out = payloads(&w, 4);
        let found = check_call(&mut w, end, &out, &call).unwrap_err();
        assert_eq!(found.kind, FailureKind::StuckFrame, "{}", found.detail);
        assert!(found.detail.contains("frame #4"), "{}", found.detail);
    }

    #[test]
    fn a_frame_before_its_last_byte_is_extra() {
        let mut w = window(10);
        let end = w.pending[4].end - 1;
        let out = payloads(&w, 5);
        let found = check_call(&mut w, end, &out, &call).unwrap_err();
        assert_eq!(found.kind, FailureKind::ExtraFrame, "{}", found.detail);
        let mut w = window(2);
        let out = [payloads(&w, 2), vec![vec![1]]].concat();
        let found = check_call(&mut w, u64::MAX, &out, &call).unwrap_err();
        assert_eq!(found.kind, FailureKind::ExtraFrame, "{}", found.detail);
    }

    #[test]
    fn a_changed_byte_is_a_wrong_frame_and_a_skipped_frame_is_missing() {
        let mut w = window(10);
        let i = (0..10).find(|&i| w.pending[i].len > 0).unwrap();
        let end = w.pending[9].end;
        let mut out = payloads(&w, 10);
        out[i][0] ^= 1;
        let found = check_call(&mut w, end, &out, &call).unwrap_err();
        assert_eq!(found.kind, FailureKind::WrongFrame, "{}", found.detail);
        assert!(
            found.detail.contains(&format!("frame #{i} ")),
            "{}",
            found.detail
        );

        let mut w = window(10);
        // Find a frame whose successor differs from it, and drop it.
        let all = payloads(&w, 10);
        let i = (0..9).find(|&i| all[i] != all[i + 1]).unwrap();
        let mut out = all.clone();
        out.remove(i);
        let found = check_call(&mut w, end, &out, &call).unwrap_err();
        assert_eq!(found.kind, FailureKind::MissingFrame, "{}", found.detail);
    }
}
