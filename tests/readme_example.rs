use framecheck::{FrameDecoder, Framing, Rejection, Suite};

/// Your decoder: a 2-byte little-endian length, then the payload, at most 4096 bytes.
#[derive(Default)]
struct MyDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder for MyDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        while self.buf.len() >= 2 {
            let len = u16::from_le_bytes([self.buf[0], self.buf[1]]) as usize;
            if len > 4096 {
                return Err(Rejection::new(format!("frame of {len} bytes is too long")));
            }
            if self.buf.len() < 2 + len {
                break;
            }
            frames.push(self.buf[2..2 + len].to_vec());
            self.buf.drain(..2 + len);
        }
        Ok(())
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(Rejection::new(format!(
                "{n} bytes of a truncated frame at EOF"
            ))),
        }
    }
}

// Turns on the memory-bomb check for this test binary.
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

#[test]
fn my_decoder_conforms() {
    let framing: Framing = "u16le:max=4096".parse().unwrap();
    // Panics with the minimal failing case and a `Reproduce with:` line.
    Suite::new(framing).check(MyDecoder::default);
}
