//! Adapters for third-party decoders, each behind a feature named after its crate and major
//! version.
//!
//! | feature | module | what it drives |
//! |---|---|---|
//! | (always) | [`read`] | a pull decoder over `std::io::Read`, fed short reads, `Interrupted` and `WouldBlock` |
//! | `tokio-util07` | `tokio_util07` | a tokio-util 0.7 `codec::Decoder`, directly (`decode` in a loop, `decode_eof` at EOF) and through the real `FramedRead` over a scripted `AsyncRead` |
//! | `unsigned-varint08` | `unsigned_varint08` | unsigned-varint 0.8's `UviBytes`, through the tokio-util drivers |
//! | `prost014` | `prost014` | prost 0.14's `decode_length_delimiter` and the payload after it |

#[cfg(feature = "prost014")]
pub mod prost014;
pub mod read;
#[cfg(feature = "tokio-util07")]
pub mod tokio_util07;
#[cfg(feature = "unsigned-varint08")]
pub mod unsigned_varint08;
