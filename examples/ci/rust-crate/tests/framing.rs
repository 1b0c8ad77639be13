//! framecheck's conformance tests of the decoder: the default suite (every chunk schedule,
//! hostile headers, truncations, random streams) and a fuzz smoke, as two `#[test]`s.

use framecheck::{FrameDecoder, Rejection};
use lenframe::Decoder;

// Lets the suite check that the decoder's memory stays bounded whatever a header announces.
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

/// The decoder as framecheck drives it: one read at a time, then the end of the stream.
struct Adapter(Decoder);

impl FrameDecoder for Adapter {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0.push(chunk, frames).map_err(Rejection::new)
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0.finish().map_err(Rejection::new)
    }
}

fn decoder() -> Adapter {
    Adapter(Decoder::new(4096))
}

framecheck::conformance_tests!(u16be, "u16be:max=4096", decoder);
