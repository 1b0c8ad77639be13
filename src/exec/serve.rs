//! The program's side of the protocol for a decoder in this process: what `framecheck serve`
//! runs, and so what `framecheck run --isolate` talks to in a child process.
//!
//! Contract: [`serve`] reads requests line by line until its input ends and answers each one
//! exactly as the protocol asks of any program (the frames the call completed, then `DONE` or
//! `ERROR`), flushing after every answer. A request it cannot read is an [`Error`], which ends
//! the serving (the harness on the other side sees a crash). A panic in the decoder is not
//! caught: it ends the process, which the harness reports as a crash with the stderr tail.
//! That is the point of `--isolate`.
//!
//! ```
//! use framecheck::exec::serve;
//! use framecheck::{Framing, ReferenceDecoder};
//!
//! let framing: Framing = "u8".parse().unwrap();
//! let mut out = Vec::new();
//! serve(&b"BEGIN\nCHUNK 0268\nCHUNK 6900\nEOF\n"[..], &mut out, || {
//!     ReferenceDecoder::new(framing)
//! })
//! .unwrap();
//! assert_eq!(out, b"DONE\nDONE\nFRAME 6869\nFRAME \nDONE\nDONE\n");
//! ```

use std::io::{BufRead, Write};

use super::request::Request;
use crate::adapter::FrameDecoder;
use crate::error::{write_hex, Error};

/// Serves the decoders that `decoder` builds over the exec protocol: requests from `input`,
/// answers to `output`. A decoder is built at the start and again at every `BEGIN`. Returns
/// when `input` ends; the error is a request that could not be read or an answer that could not
/// be written.
pub fn serve<D, F>(input: impl BufRead, mut output: impl Write, mut decoder: F) -> Result<(), Error>
where
    D: FrameDecoder,
    F: FnMut() -> D,
{
    let io = |e: std::io::Error| Error::new(e.to_string());
    let mut d = decoder();
    let mut frames = Vec::new();
    for line in input.lines() {
        let line = line.map_err(io)?;
        frames.clear();
        let result = match Request::parse(&line)? {
            Request::Begin => {
                d = decoder();
                Ok(())
            }
            Request::Chunk(bytes) => d.feed(&bytes, &mut frames),
            Request::Eof => d.eof(&mut frames),
        };
        for f in &frames {
            output.write_all(b"FRAME ").map_err(io)?;
            write_hex(&mut output, f).map_err(io)?;
            output.write_all(b"\n").map_err(io)?;
        }
        match result {
            Ok(()) => writeln!(output, "DONE").map_err(io)?,
            Err(e) => writeln!(output, "ERROR {}", e.message().replace('\n', " ")).map_err(io)?,
        }
        output.flush().map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::serve;
    use crate::adapter::{from_fn, Rejection};
    use crate::exec::{parse_answer, Answer};
    use crate::{FrameDecoder, Framing, ReferenceDecoder};

    fn served(framing: &str, input: &str) -> String {
        let framing: Framing = framing.parse().unwrap();
        let mut out = Vec::new();
        serve(input.as_bytes(), &mut out, || {
            ReferenceDecoder::new(framing)
        })
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_stream_split_across_chunks_is_answered_frame_by_frame() {
        assert_eq!(
            served("u8", "BEGIN\nCHUNK 03616263\nCHUNK 0278\nCHUNK 79\nEOF\n"),
            "DONE\nFRAME 616263\nDONE\nDONE\nFRAME 7879\nDONE\nDONE\n"
        );
    }

    #[test]
    fn an_empty_frame_is_frame_and_a_space() {
        let out = served("u8", "BEGIN\nCHUNK 00\n");
        assert_eq!(out, "DONE\nFRAME \nDONE\n");
        assert_eq!(parse_answer(b"FRAME "), Ok(Answer::Frame(Vec::new())));
    }

    #[test]
    fn a_rejection_is_error_on_one_line() {
        let out = served("u8:max=3", "BEGIN\nCHUNK 05\n");
        assert!(out.starts_with("DONE\nERROR "), "{out}");
        assert_eq!(out.lines().count(), 2, "{out}");
        let out = served("u8", "BEGIN\nCHUNK 0361\nEOF\n");
        assert!(
            out.starts_with("DONE\nDONE\nERROR "),
            "a truncated frame at EOF: {out}"
        );
        let multi = || {
            from_fn(
                (),
                |_, _: &[u8], _: &mut Vec<Vec<u8>>| Err(Rejection::new("two\nlines")),
                |_, _: &mut Vec<Vec<u8>>| Ok(()),
            )
        };
        let mut out = Vec::new();
        serve(&b"CHUNK 00\n"[..], &mut out, multi).unwrap();
        assert_eq!(out, b"ERROR two lines\n");
    }

    #[test]
    fn begin_builds_a_fresh_decoder() {
        let mut built = 0;
        let mut out = Vec::new();
        serve(&b"BEGIN\nBEGIN\nEOF\n"[..], &mut out, || {
            built += 1;
            Box::new(ReferenceDecoder::new("u8".parse().unwrap())) as Box<dyn FrameDecoder>
        })
        .unwrap();
        assert_eq!(built, 3, "one at the start and one per BEGIN");
        assert_eq!(out, b"DONE\nDONE\nDONE\n");
    }

    #[test]
    fn a_bad_request_ends_the_serving_with_its_reason() {
        let e = served_err("BEGIN\nHELLO\n");
        assert_eq!(e, "unknown request \"HELLO\"");
        let e = served_err("CHUNK 6\n");
        assert!(e.contains("CHUNK: odd number of hex digits"), "{e}");
    }

    fn served_err(input: &str) -> String {
        let framing: Framing = "u8".parse().unwrap();
        serve(input.as_bytes(), Vec::new(), || {
            ReferenceDecoder::new(framing)
        })
        .unwrap_err()
        .to_string()
    }
}
