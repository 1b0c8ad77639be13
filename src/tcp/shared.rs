//! State shared across connections: two connections interleaved, each of which must get its
//! own frame back.
//!
//! A server that keeps one buffer for all its connections (instead of one per connection)
//! passes every case run alone: the bytes of one connection only mix with another's when both
//! are in the middle of a frame at once. So this check makes that happen on purpose:
//! connection A sends the first part of a frame, connection B then sends a whole frame, and A
//! sends the rest. Each must get back exactly its own frame.

use std::sync::Arc;
use std::time::Instant;

use super::conn::{Connection, Received};
use super::echo::EchoReader;
use super::{Target, Wire};
use crate::case::{Case, Stream};
use crate::error::Error;
use crate::framing::{End, Framing};
use crate::oracle::{short_hex, Call, Failure, FailureKind, Transcript};
use crate::schedule::Schedule;

/// Runs the two-connection check against the server at `target`: `None` when each connection
/// got its own frame back, or the failure, on connection A's case (which passes when replayed
/// alone: the failure needs the second connection).
pub fn shared_state(
    target: &Target,
    framing: Framing,
    wire: &Wire,
) -> Result<Option<(Case, Failure)>, Error> {
    let a = one_frame(framing, "shared-state", b"framecheck: connection A's frame")?;
    let b = one_frame(
        framing,
        "shared-state-B",
        b"framecheck: the frame of connection B",
    )?;
    let ea = a.stream.bytes();
    let eb = b.stream.bytes();
    // Inside the header where there is one to cut, else the middle.
    let cut = (framing.header_len(0).clamp(1, 4) / 2)
        .max(ea.len() / 2)
        .clamp(1, ea.len() - 1);
    let a = Case::new(
        a.stream.clone(),
        "interleaved",
        Schedule::from_cuts(vec![cut], ea.len()),
    );
    let connect = |what: &str| {
        target
            .connect(wire.timeout)
            .map_err(|f| Error::new(format!("the shared-state check: {what}: {}", f.detail)))
    };
    let mut conn_a = connect("connection A")?;
    let mut conn_b = connect("connection B")?;
    let mut echo_a = EchoReader::new(&a);
    let mut echo_b = EchoReader::new(&b);
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    conn_a.send(&ea[..cut], Instant::now() + wire.timeout);
    conn_a.settle(Instant::now() + wire.gap);
    conn_b.send(eb, Instant::now() + wire.timeout);
    read_frames(&mut conn_b, &mut echo_b, &mut got_b, 1, wire);
    conn_a.send(&ea[cut..], Instant::now() + wire.timeout);
    read_frames(&mut conn_a, &mut echo_a, &mut got_a, 1, wire);
    for conn in [&mut conn_a, &mut conn_b] {
        let _ = conn.finish();
    }
    let want_a = a.stream.messages().to_vec();
    let want_b = b.stream.messages().to_vec();
    // In reply mode, one reply each, whatever it says.
    let right = |got: &[Vec<u8>], want: &[Vec<u8>]| {
        if wire.reply {
            got.len() == want.len()
        } else {
            got == want
        }
    };
    if right(&got_a, &want_a) && right(&got_b, &want_b) {
        return Ok(None);
    }
    let show = |frames: &[Vec<u8>]| match frames {
        [] => "nothing".to_string(),
        fs => fs
            .iter()
            .map(|f| short_hex(f))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let kind = if got_a.is_empty() || got_b.is_empty() {
        FailureKind::MissingFrame
    } else {
        FailureKind::WrongFrame
    };
    let detail = format!(
        "two connections at once: connection A sent the first {cut} of its {} bytes, \
         connection B then sent a whole frame ({}), and A the rest. B got back {} (expected \
         {}), A got back {} (expected {}): the connections' bytes mixed, so the server keeps \
         state (a buffer) shared across connections instead of one per connection. (This needs \
         two connections: the case replayed alone passes.)",
        ea.len(),
        short_hex(eb),
        show(&got_b),
        show(&want_b),
        show(&got_a),
        show(&want_a),
    );
    let failure = Failure {
        kind,
        call: Call::Chunk(1),
        detail,
        transcript: Transcript::default(),
    };
    Ok(Some((a, failure)))
}

/// A case of one frame carrying `message`, or the longest start of it that makes one valid
/// frame under `framing` (a small maximum, a framing whose encoding grows the message).
fn one_frame(framing: Framing, name: &str, message: &[u8]) -> Result<Case, Error> {
    let mut last = None;
    for len in (1..=message.len()).rev() {
        let stream =
            Stream::with_tail_lenient(framing, name, vec![message[..len].to_vec()], vec![]);
        match stream {
            Ok(s) if s.expectation().end == End::Clean && s.expectation().frames.len() == 1 => {
                let n = s.bytes().len();
                return Ok(Case::new(
                    Arc::new(s),
                    "whole",
                    Schedule::from_cuts(vec![], n),
                ));
            }
            Ok(_) => {}
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::new(format!(
            "the shared-state check: no message of 1 to {} bytes is one valid frame of {framing}",
            message.len()
        ))
    }))
}

/// Reads until `want` frames are in, the connection ends, or the promptness timeout.
fn read_frames(
    conn: &mut dyn Connection,
    echo: &mut EchoReader,
    got: &mut Vec<Vec<u8>>,
    want: usize,
    wire: &Wire,
) {
    let deadline = Instant::now() + wire.prompt;
    let mut inbox = Vec::new();
    while got.len() < want {
        match conn.recv(&mut inbox, deadline) {
            Received::Data(_) => {
                if echo.push(&inbox, got).is_err() {
                    return;
                }
                inbox.clear();
            }
            Received::Closed(_) | Received::TimedOut => return,
        }
    }
}
