//! The soak loop against decoders that break each thing it checks.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::adapter::Rejection;
use crate::case::Case;
use crate::ReferenceDecoder;

fn framing(s: &str) -> Framing {
    s.parse().unwrap()
}

/// The reference decoder with a twist applied to its output, frame by frame; the twist sees
/// the frame's number (counting from 0) and may drop (`None`) or change it.
struct Twisted<T> {
    inner: ReferenceDecoder,
    count: u64,
    twist: T,
    buf: Vec<Vec<u8>>,
}

impl<T: FnMut(u64, Vec<u8>) -> Option<Vec<u8>>> FrameDecoder for Twisted<T> {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.inner.feed(chunk, &mut self.buf)?;
        for f in self.buf.drain(..) {
            let n = self.count;
            self.count += 1;
            if let Some(f) = (self.twist)(n, f) {
                frames.push(f);
            }
        }
        Ok(())
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.inner.eof(frames)
    }
}

fn twisted<T>(f: Framing, twist: T) -> Factory
where
    T: Fn(u64, Vec<u8>) -> Option<Vec<u8>> + Clone + Send + Sync + 'static,
{
    Arc::new(move || {
        Box::new(Twisted {
            inner: ReferenceDecoder::new(f),
            count: 0,
            twist: twist.clone(),
            buf: Vec::new(),
        }) as Box<dyn FrameDecoder>
    })
}

fn reference(f: Framing) -> Factory {
    Arc::new(move || Box::new(ReferenceDecoder::new(f)) as Box<dyn FrameDecoder>)
}

fn failed(o: &Outcome) -> &Failed {
    match &o.end {
        End::Fail(f) => f,
        other => panic!("not caught: {other:?}"),
    }
}

#[test]
fn the_reference_decoder_passes_a_soak_in_every_catalog_framing() {
    for f in Framing::catalog() {
        let o = Soak::new(f, Limit::Bytes(1 << 20))
            .run(&reference(f))
            .unwrap();
        assert!(o.is_pass(), "{f}: {:?}", o.end);
        assert!(o.covered.bytes >= 1 << 20);
        assert!(o.covered.frames > 100, "{f}: {}", o.covered);
    }
}

#[test]
fn a_frame_count_limit_checks_exactly_that_many_frames() {
    let f = framing("u8");
    let o = Soak::new(f, Limit::Frames(100_000))
        .sizes(Sizes::Empty)
        .run(&reference(f))
        .unwrap();
    assert!(o.is_pass());
    assert_eq!(o.covered.frames, 100_000);
    assert_eq!(o.covered.bytes, 100_000);
}

#[test]
fn a_counter_that_wraps_at_256_frames_is_caught_and_shrunk_to_257_frames() {
    let f = framing("u16be");
    // Frame 256 (the 257th) is lost, as when a u8 counter wraps.
    let factory = twisted(f, |n, frame| (n != 256).then_some(frame));
    let soak = Soak::new(f, Limit::Frames(50_000)).seed(3);
    let o = soak.run(&factory).unwrap();
    let fail = failed(&o);
    assert!(
        matches!(
            fail.kind,
            FailureKind::MissingFrame | FailureKind::StuckFrame
        ),
        "{fail}"
    );
    assert!(fail.detail.contains("#256"), "{fail}");
    let shrunk = soak.shrink(fail, &factory);
    assert!(shrunk.reproduced && shrunk.minimal, "{shrunk:?}");
    assert_eq!(shrunk.frames, 257);
    assert!(soak.args(shrunk.frames).ends_with("--frames 257"));
}

#[test]
fn a_stateless_bug_gets_a_replay_token_that_fails_on_its_own() {
    let f = framing("u32be");
    // Frames over 5000 bytes lose their last byte.
    let factory = twisted(f, |_, mut frame| {
        if frame.len() > 5000 {
            frame.pop();
        }
        Some(frame)
    });
    let soak = Soak::new(f, Limit::Bytes(4 << 20)).seed(1);
    let o = soak.run(&factory).unwrap();
    let fail = failed(&o);
    assert_eq!(fail.kind, FailureKind::WrongFrame, "{fail}");
    let shrunk = soak.shrink(fail, &factory);
    let case = soak
        .window_case(&shrunk, &factory, "replay '{token}'")
        .expect("a fresh decoder fails on the window");
    assert!(case.token().len() <= MAX_TOKEN_CHARS);
    let replayed = Case::from_token(&case.token()).unwrap();
    let mut d = factory();
    assert!(!crate::judge(&mut d, &replayed).is_pass());
}

#[test]
fn a_batch_limit_leaves_frames_stuck() {
    let f = framing("u8");
    // At most 100 frames per call, "for fairness"; the rest wait for the next call.
    struct Batched {
        inner: ReferenceDecoder,
        queue: std::collections::VecDeque<Vec<u8>>,
    }
    impl FrameDecoder for Batched {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            let mut got = Vec::new();
            self.inner.feed(chunk, &mut got)?;
            self.queue.extend(got);
            let n = self.queue.len().min(100);
            frames.extend(self.queue.drain(..n));
            Ok(())
        }
        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            frames.extend(self.queue.drain(..));
            self.inner.eof(frames)
        }
    }
    let factory: Factory = Arc::new(move || {
        Box::new(Batched {
            inner: ReferenceDecoder::new(f),
            queue: Default::default(),
        }) as Box<dyn FrameDecoder>
    });
    let o = Soak::new(f, Limit::Frames(100_000))
        .sizes(Sizes::Tiny)
        .run(&factory)
        .unwrap();
    assert_eq!(failed(&o).kind, FailureKind::StuckFrame, "{}", failed(&o));
}

#[test]
fn a_panic_a_rejection_and_a_hang_are_verdicts() {
    let f = framing("u16le");
    let panics = twisted(f, |n, frame| {
        assert!(n < 1000, "frame counter overflow");
        Some(frame)
    });
    let o = Soak::new(f, Limit::Frames(5000)).run(&panics).unwrap();
    assert_eq!(failed(&o).kind, FailureKind::Panic);
    assert!(failed(&o).detail.contains("frame counter overflow"));

    let rejects: Factory = Arc::new(move || {
        let mut count = 0;
        Box::new(crate::adapter::from_fn(
            ReferenceDecoder::new(f),
            move |d, chunk: &[u8], frames: &mut Vec<Vec<u8>>| {
                count += 1;
                if count == 50 {
                    return Err(Rejection::new("buffer full"));
                }
                d.feed(chunk, frames)
            },
            |d, frames: &mut Vec<Vec<u8>>| d.eof(frames),
        )) as Box<dyn FrameDecoder>
    });
    let o = Soak::new(f, Limit::Frames(50_000)).run(&rejects).unwrap();
    assert_eq!(failed(&o).kind, FailureKind::FalseRejection);
    assert_eq!(failed(&o).read, Some(49));

    let hangs = twisted(f, |n, frame| {
        if n == 300 {
            std::thread::sleep(Duration::from_secs(5));
        }
        Some(frame)
    });
    let o = Soak::new(f, Limit::Frames(5000))
        .timeout(Duration::from_millis(300))
        .run(&hangs)
        .unwrap();
    assert_eq!(failed(&o).kind, FailureKind::Hang);
}

#[test]
fn frames_at_eof_are_extra() {
    let f = framing("u8");
    let factory: Factory = Arc::new(move || {
        Box::new(crate::adapter::from_fn(
            ReferenceDecoder::new(f),
            |d, chunk: &[u8], frames: &mut Vec<Vec<u8>>| d.feed(chunk, frames),
            |_, frames: &mut Vec<Vec<u8>>| {
                frames.push(b"bye".to_vec());
                Ok(())
            },
        )) as Box<dyn FrameDecoder>
    });
    let o = Soak::new(f, Limit::Frames(10)).run(&factory).unwrap();
    assert_eq!(failed(&o).kind, FailureKind::ExtraFrame);
    assert_eq!(failed(&o).read, None);
}

#[test]
fn a_set_stop_flag_interrupts_the_soak() {
    static STOP: AtomicBool = AtomicBool::new(true);
    let f = framing("u8");
    let o = Soak::new(f, Limit::Bytes(u64::MAX))
        .stop_when(&STOP)
        .run(&reference(f))
        .unwrap();
    assert_eq!(o.end, End::Interrupted);
}

#[test]
fn bad_settings_are_errors() {
    let f = framing("fixed:size=8");
    assert!(Soak::new(f, Limit::Frames(1))
        .sizes(Sizes::Empty)
        .validate()
        .is_err());
    let f = framing("u8");
    assert!(Soak::new(f, Limit::Frames(1))
        .max_read(0)
        .validate()
        .is_err());
    assert!(Soak::new(f, Limit::Frames(1))
        .max_read(MAX_READ_LIMIT + 1)
        .validate()
        .is_err());
}
