//! Scenarios at the edges of the contract: what the oracle must accept from a correct decoder
//! that takes a legitimate shortcut, and what it must catch that the zoo does not cover.
//!
//! This binary installs the counting allocator, so the memory-bomb check is on.

use framecheck::{adapter::from_fn, CountingAlloc, FailureKind, Framing, Rejection, Suite};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// A u32be decoder with max 1000, with hooks for the scenario under test.
fn decoder(
    eager: bool,
    check_max_only_when_waiting: bool,
    clear_output: bool,
    reserve: usize,
) -> impl framecheck::FrameDecoder {
    from_fn(
        Vec::<u8>::new(),
        move |buf, chunk: &[u8], frames: &mut Vec<Vec<u8>>| {
            if clear_output {
                frames.clear(); // BUG: throws away what the caller collected
            }
            if buf.capacity() < reserve {
                buf.reserve(reserve);
            }
            buf.extend_from_slice(chunk);
            loop {
                if eager && !buf.is_empty() && buf.len() < 4 {
                    // The bytes so far already prove the length over the max.
                    let mut known = [0u8; 4];
                    known[..buf.len()].copy_from_slice(buf);
                    if u32::from_be_bytes(known) > 1000 {
                        return Err(Rejection::new("too long (seen early)"));
                    }
                }
                if buf.len() < 4 {
                    return Ok(());
                }
                let len = u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize;
                if !check_max_only_when_waiting && len > 1000 {
                    return Err(Rejection::new("too long"));
                }
                if buf.len() < 4 + len {
                    if len > 1000 {
                        return Err(Rejection::new("too long"));
                    }
                    return Ok(());
                }
                frames.push(buf[4..4 + len].to_vec());
                buf.drain(..4 + len);
            }
        },
        |buf, _: &mut Vec<Vec<u8>>| {
            if buf.is_empty() {
                Ok(())
            } else {
                Err(Rejection::new("truncated"))
            }
        },
    )
}

fn framing() -> Framing {
    "u32be:max=1000".parse().unwrap()
}

fn kinds(report: &framecheck::Report) -> Vec<FailureKind> {
    report.by_kind.keys().copied().collect()
}

/// Rejecting as soon as the header bytes seen so far prove the length too large (`00 00 04`
/// of a big-endian u32 with max 1000) is correct, not early.
#[test]
fn rejecting_a_header_as_soon_as_its_prefix_proves_it_bad_is_accepted() {
    let report = Suite::new(framing()).run(|| decoder(true, false, false, 0));
    assert!(report.is_pass(), "{report}");
}

/// A decoder that checks the max only when it has to wait for more bytes emits an oversized
/// frame whose payload arrived whole.
#[test]
fn an_oversized_frame_that_arrives_whole_must_still_be_rejected() {
    let report = Suite::new(framing()).run(|| decoder(false, true, false, 0));
    assert!(
        kinds(&report).contains(&FailureKind::ExtraFrame),
        "{report}"
    );
}

#[test]
fn clearing_the_output_vector_is_caught() {
    let report = Suite::new(framing())
        .fail_fast(true)
        .run(|| decoder(false, false, true, 0));
    let f = &report.failures[0].failure;
    assert_eq!(f.kind, FailureKind::WrongFrame);
    assert!(f.detail.contains("must only push"), "{}", f.detail);
}

/// A fixed 1 MiB receive buffer is over the default budget at max 1000, and within it once
/// the slack allows for it.
#[test]
fn memory_slack_admits_a_fixed_receive_buffer() {
    let strict = Suite::new(framing())
        .fail_fast(true)
        .run(|| decoder(false, false, false, 1 << 20));
    assert_eq!(kinds(&strict), [FailureKind::MemoryBomb]);
    let roomy = Suite::new(framing())
        .memory_slack(2 << 20)
        .run(|| decoder(false, false, false, 1 << 20));
    assert!(roomy.is_pass(), "{roomy}");
}

/// A decoder's own declaration of its maximum replaces the suite's, and the report says so.
#[test]
fn a_declared_maximum_replaces_the_framings() {
    let declared: Framing = "u32be:max=1000".parse().unwrap();
    let report =
        Suite::new(Framing::default()).run(move || framecheck::ReferenceDecoder::new(declared));
    assert!(report.is_pass(), "{report}");
    assert_eq!(report.framing.max_frame_len(), 1000);
    assert_eq!(report.declared, ["maximum frame length 1000"]);
    assert!(report
        .to_string()
        .contains("as the decoder declares: maximum frame length 1000"));
}
