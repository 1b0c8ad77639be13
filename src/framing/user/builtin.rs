//! The built-in formats as user framings: one trait describes every framing the harness
//! drives.

use super::{of, UserEncoded, UserFrame, UserFraming};
use crate::framing::Framing;

/// Every framing is a user framing: [`Framing::encode`], with each message's range read back
/// by the specification ([`Framing::expect`]); a registered user framing's own encoder. A
/// layout whose decoder emits more or less than the message (a `strip` other than its header,
/// as `postgres` keeps its header) is refused: a user framing's decoder emits the message.
impl UserFraming for Framing {
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        if let Some(u) = of(self) {
            return u.framing().encode(messages);
        }
        let enc = Framing::encode(self, messages).map_err(|e| e.to_string())?;
        let spec = self.expect(&enc.bytes);
        if spec.frames.len() != enc.frames.len() {
            return Err(format!("{self} reads back {} frames", spec.frames.len()));
        }
        let mut frames = Vec::with_capacity(enc.frames.len());
        for (r, f) in enc.frames.iter().zip(&spec.frames) {
            if f.body(self, &enc.bytes) != f.payload {
                return Err(format!(
                    "{self} emits part of its header or strips part of the message, which a \
                     user framing cannot say"
                ));
            }
            frames.push(UserFrame {
                frame: r.clone(),
                message: f.payload.clone(),
            });
        }
        Ok(UserEncoded {
            bytes: enc.bytes,
            frames,
        })
    }

    fn name(&self) -> String {
        self.to_string()
    }

    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        Framing::conform(self, message)
    }

    fn max_message_len(&self) -> Option<u64> {
        Some(self.max_frame_len())
    }
}
