//! The in-process server driver (`tcp::duplex`): connection handlers over tokio's in-memory
//! stream, one correct and one for each bug the wire shows, each caught with its kind.
#![cfg(all(unix, feature = "tokio1"))]

use std::io;

use framecheck::tcp::duplex::{replay_handler, run_handler};
use framecheck::tcp::Wire;
use framecheck::{FailureKind, Suite};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

const MAX: usize = 1000;

/// A u16be echo handler (max 1000). `one_per_read`: the seed explainer's missing while loop;
/// `no_max`: never checks the maximum; `panic_on_empty`: panics on an empty frame.
async fn handler(
    mut s: DuplexStream,
    one_per_read: bool,
    no_max: bool,
    panic_on_empty: bool,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        while buf.len() >= 2 {
            let len = u16::from_be_bytes([buf[0], buf[1]]) as usize;
            if len > MAX && !no_max {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
            }
            if buf.len() < 2 + len {
                break;
            }
            let frame: Vec<u8> = buf.drain(..2 + len).collect();
            if panic_on_empty && len == 0 {
                panic!("an empty frame");
            }
            s.write_all(&frame).await?;
            if one_per_read {
                break;
            }
        }
    }
}

fn suite() -> Suite {
    Suite::new("u16be:max=1000".parse().unwrap())
        .random_cases(50)
        .bulk(false)
        .fail_fast(true)
}

#[test]
fn a_correct_handler_passes_the_suite_in_process() {
    let report = run_handler(&suite(), Wire::default(), |s| {
        handler(s, false, false, false)
    });
    assert!(report.is_pass(), "{report}");
    assert!(report.total > 1000, "{}", report.total);
}

/// The seed explainer's bug: two frames in one read, one echoed. The second stays in the
/// buffer: missing when nothing follows, stuck when the next read brings it out.
#[test]
fn a_handler_without_the_drain_loop_leaves_a_frame_behind() {
    let report = run_handler(&suite(), Wire::default(), |s| {
        handler(s, true, false, false)
    });
    let f = &report.failures[0];
    assert_eq!(f.failure.kind, FailureKind::MissingFrame, "{report}");
    assert!(report.to_string().contains("replay_handler("), "{report}");
    // Its minimal case replays as a failure of the same kind, and passes a correct handler.
    let token = f.minimal.token();
    let v = replay_handler(|s| handler(s, true, false, false), &token).unwrap();
    assert_eq!(v.failure().map(|f| f.kind), Some(FailureKind::MissingFrame));
    let v = replay_handler(|s| handler(s, false, false, false), &token).unwrap();
    assert!(v.is_pass(), "{v:?}");
    let stuck = "u16be:max=1000/00000000.0000/4";
    let v = replay_handler(|s| handler(s, true, false, false), stuck).unwrap();
    assert_eq!(
        v.failure().map(|f| f.kind),
        Some(FailureKind::StuckFrame),
        "{v:?}"
    );
}

#[test]
fn a_handler_without_a_maximum_echoes_an_oversized_frame() {
    let v = replay_handler(
        |s| handler(s, false, true, false),
        "u16be:max=1000/03e9.00*1001/-",
    )
    .unwrap();
    assert_eq!(
        v.failure().map(|f| f.kind),
        Some(FailureKind::ExtraFrame),
        "{v:?}"
    );
    let v = replay_handler(
        |s| handler(s, false, false, false),
        "u16be:max=1000/03e9.00*1001/-",
    )
    .unwrap();
    assert!(v.is_pass(), "{v:?}");
}

#[test]
fn a_handler_that_panics_is_a_crash_with_its_message() {
    let v = replay_handler(|s| handler(s, false, false, true), "u16be:max=1000/0000/-").unwrap();
    let f = v.failure().expect("a failure");
    assert_eq!(f.kind, FailureKind::Crash, "{f:?}");
    assert!(f.detail.contains("an empty frame"), "{}", f.detail);
}
