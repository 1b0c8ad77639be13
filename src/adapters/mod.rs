//! Adapters for third-party decoders, each behind a feature named after its crate and major
//! version.
//!
//! | feature | module | what it drives |
//! |---|---|---|
//! | `tokio-util07` | [`tokio_util07`] | a tokio-util 0.7 `codec::Decoder`, directly (`decode` in a loop, `decode_eof` at EOF) and through the real `FramedRead` over a scripted `AsyncRead` |

#[cfg(feature = "tokio-util07")]
pub mod tokio_util07;
