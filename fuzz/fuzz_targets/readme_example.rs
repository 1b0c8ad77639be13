#![no_main]
use framecheck::{FrameDecoder, Framing, Rejection};
use libfuzzer_sys::fuzz_target;

// Counts allocations inside decoder calls, so that a memory bomb fails too.
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

/// Your decoder: a 2-byte little-endian length, then the payload, at most 4096 bytes. With a
/// planted bug: `if` where a drain loop needs `while`.
#[derive(Default)]
struct MyDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder for MyDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        if self.buf.len() >= 2 {
            let len = u16::from_le_bytes([self.buf[0], self.buf[1]]) as usize;
            if len > 4096 {
                return Err(Rejection::new(format!("frame of {len} bytes is too long")));
            }
            if self.buf.len() >= 2 + len {
                frames.push(self.buf[2..2 + len].to_vec());
                self.buf.drain(..2 + len);
            }
        }
        Ok(())
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(Rejection::new(format!("{n} bytes of a truncated frame at EOF"))),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let framing: Framing = "u16le:max=4096".parse().unwrap();
    framecheck::fuzz::check_bytes(framing, data, MyDecoder::default());
});
