//! Opaque framings: a framing that a vectors file names (`{"type": "opaque", "name": "tlv"}`)
//! and the harness cannot parse, encode or generate. Its vectors say everything: each frame's
//! byte range, the bytes the decoder must emit from it, and where an error is due. That is
//! how a decoder in any language, of any framing, is tested from a file its author writes
//! (`framecheck run --exec PROGRAM --vectors FILE`).
//!
//! # Contract
//! - An opaque framing is a user framing (`framing::user`) registered under the file's name,
//!   so that framing strings and replay tokens (`tlv:max=8388608/…/…/EXPECTATION`) name it; a
//!   process knows it once it has loaded a file that names it (`framecheck replay --vectors
//!   FILE` loads the file first).
//! - It has no encoder: its `encode` refuses, and nothing a run does calls it. Its streams are
//!   [explicit](crate::Stream::explicit): the vector's stream with the expectation the file
//!   states, and the same cut after every byte (`model`, truncations). Shrinking therefore
//!   cannot re-encode messages; it drops cuts only, so a minimal case is the vector's stream
//!   (or one of its truncations) under the fewest cuts that still fail.
//! - A name a built-in format or an encoder-backed user framing has is an error: that framing's
//!   vectors use its own `type` (`length-prefix`, `user`, …) and its specification.
//!
//! # Design
//! Registering goes through [`user::register_with`] without its encoder checks (there is no
//! encoder to check). Which registered names are opaque is kept here, under one lock that is
//! held across the registration, so that two files loaded at once register a name once.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use crate::framing::user::{self, UserEncoded, UserFraming};
use crate::framing::Framing;

/// A framing known by name alone: see the module docs.
struct Opaque(String);

impl UserFraming for Opaque {
    fn encode(&self, _messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        Err(format!(
            "{} is an opaque framing, known from a vectors file only: it has no encoder, and \
             only the file's streams (and their truncations) can be run",
            self.0
        ))
    }

    fn name(&self) -> String {
        self.0.clone()
    }
}

fn names() -> &'static Mutex<BTreeSet<String>> {
    static NAMES: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    NAMES.get_or_init(|| Mutex::new(BTreeSet::new()))
}

/// The opaque framing named `name`, registered on first use. The error says why the name
/// cannot be one (not a framing name, or a framing the harness knows already).
pub fn opaque(name: &str) -> Result<Framing, String> {
    let mut known = names().lock().unwrap_or_else(|e| e.into_inner());
    if known.contains(name) {
        return name.parse::<Framing>().map_err(|e| e.to_string());
    }
    if name.parse::<Framing>().is_ok() {
        return Err(format!(
            "{name:?} is a framing framecheck knows (a built-in format, a preset or a \
             registered user framing): give its own framing object, whose specification the \
             vectors are checked against, or choose another name for an opaque framing"
        ));
    }
    let framing = user::register_with(Opaque(name.to_string()), false).map_err(|e| {
        let text = e.to_string();
        text.strip_prefix("user framing ")
            .map_or(text.clone(), |t| t.to_string())
    })?;
    known.insert(name.to_string());
    Ok(framing)
}

/// Whether `framing` is an opaque framing of a vectors file.
pub fn is_opaque(framing: &Framing) -> bool {
    user::of(framing).is_some_and(|u| {
        names()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(u.user_name())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opaque_framing_is_registered_once_and_named_by_framing_strings() {
        let a = opaque("opaque-test-once").unwrap();
        let b = opaque("opaque-test-once").unwrap();
        assert_eq!(a, b);
        assert!(is_opaque(&a));
        assert_eq!(
            "opaque-test-once".parse::<Framing>().unwrap(),
            a.with_max_frame_len(a.max_frame_len())
        );
        assert!(!is_opaque(&"u8".parse().unwrap()));
        assert!(!is_opaque(&"cbor-seq".parse().unwrap()));
    }

    #[test]
    fn a_known_or_malformed_name_is_not_an_opaque_framing() {
        for (name, needle) in [
            ("u16be", "a framing framecheck knows"),
            ("cbor-seq", "a framing framecheck knows"),
            ("postgres", "a framing framecheck knows"),
            ("no spaces", "a name is letters"),
            ("", "a name is letters"),
        ] {
            let e = opaque(name).unwrap_err();
            assert!(e.contains(needle), "{name:?}: {e}");
        }
    }

    #[test]
    fn its_encoder_refuses() {
        let f = opaque("opaque-test-encoder").unwrap();
        let e = crate::Stream::from_messages(f, "x", vec![b"a".to_vec()]).unwrap_err();
        assert!(e.to_string().contains("no encoder"), "{e}");
    }
}
