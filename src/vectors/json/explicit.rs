//! The fields of a vector of an opaque framing (`{"type": "opaque", "name": "tlv"}`), which
//! the harness cannot read from the stream: each frame's byte range (`frame`), the bytes the
//! decoder must emit from it (`hex`, inside the range), and the error with the byte it is due
//! at (`at`, or `"eof"`) and, optionally, the byte from which it is provable (`earliest`).
//! Read and written side by side, like the rest of the format.
//!
//! The reader turns them into the stream's [`Expectation`] (what [`crate::Stream::explicit`]
//! takes), and checks them as a specification would be checked: frames back to back from
//! byte 0 that cover the stream up to the error, each emitted frame inside its range, an
//! error inside the bytes after the last frame. Each mistake is an error naming the file, the
//! vector and the field, never a verdict on a decoder. The chunk indexes of the other
//! framings (`emitted_by`, `reported_by`, `earliest_by`) follow from the byte offsets and the
//! chunks; they may be given, and must then agree.

use serde_json::{json, Map, Value};

use crate::error::{hex, Error};
use crate::framing::{user, At, End, ErrorClass, Expectation, ExpectedFrame, Framing};
use crate::vectors::model::{given_schedule, Outcome, Reported};
use crate::vectors::opaque::opaque;
use crate::vectors::spec::explicit_outcome;

use super::ctx::{show, Ctx};

/// The `type` of an opaque framing.
pub(crate) const OPAQUE: &str = "opaque";

/// Reads `{"type": "opaque", "name": NAME}`; `ctx` is within `framing.`.
pub(crate) fn load_opaque_framing(ctx: &Ctx<'_>, v: &Value) -> Result<Framing, Error> {
    let o = ctx.object(v, "")?;
    ctx.only(o, &["type", "name"])?;
    let name = ctx.str(o, "name")?;
    opaque(name).map_err(|e| ctx.err("name", e))
}

/// Reads `frames` and `error` of an opaque framing's vector whose stream is `chunks`: its
/// outcome (chunk indexes, as every vector has) and its expectation.
pub(crate) fn load_explicit(
    ctx: &Ctx<'_>,
    o: &Map<String, Value>,
    chunks: &[Vec<u8>],
) -> Result<(Outcome, Expectation), Error> {
    let bytes = chunks.concat();
    let len = bytes.len();
    let schedule = given_schedule(chunks);
    let mut frames: Vec<ExpectedFrame> = Vec::new();
    let mut pos = 0;
    for (i, f) in ctx
        .array(ctx.get(o, "frames")?, "frames")?
        .iter()
        .enumerate()
    {
        let fctx = ctx.within(&format!("frames[{i}]."));
        let fo = fctx.object(f, "")?;
        fctx.only(fo, &["hex", "frame", "emitted_by"])?;
        let (start, end) = byte_range(&fctx, fo, "frame", len)?;
        if start < pos {
            return Err(fctx.err(
                "frame",
                format!(
                    "[{start}, {end}] overlaps frames[{}], which ends at byte {pos}",
                    i - 1
                ),
            ));
        }
        if start > pos {
            let before = match i {
                0 => "the stream starts".to_string(),
                _ => format!("frames[{}] ends", i - 1),
            };
            return Err(fctx.err(
                "frame",
                format!(
                    "starts at byte {start}, but {before} at byte {pos}: bytes {pos}..{start} \
                     belong to no frame (frames lie back to back from byte 0)"
                ),
            ));
        }
        let want = fctx.hex(fctx.get(fo, "hex")?, "hex")?;
        let inside = &bytes[start..end];
        let offset = (0..=inside.len().saturating_sub(want.len()))
            .rev()
            .find(|&k| inside.len() >= want.len() && inside[k..k + want.len()] == want[..])
            .ok_or_else(|| {
                fctx.err(
                    "hex",
                    format!(
                        "{} does not lie inside the frame: its bytes {start}..{end} are {} (the \
                         bytes a decoder emits come from inside its frame)",
                        show_hex(&want),
                        show_hex(inside)
                    ),
                )
            })?;
        if fo.contains_key("emitted_by") {
            let by = fctx.call(fo, "emitted_by", chunks.len(), false)?;
            let due = Reported::Chunk(schedule.chunk_of(end - 1));
            if by != due {
                return Err(fctx.err(
                    "emitted_by",
                    format!(
                        "is {}; the frame's last byte (byte {}) arrives in {}",
                        by.name(),
                        end - 1,
                        due.name()
                    ),
                ));
            }
        }
        frames.push(ExpectedFrame {
            start,
            payload: start + offset..start + offset + want.len(),
            last_byte: end - 1,
            at_eof: false,
        });
        pos = end;
    }
    let end = match o.get("error") {
        None | Some(Value::Null) if pos < len => {
            return Err(ctx.err(
                "frames",
                format!(
                    "end at byte {pos}, but the stream is {len} bytes: list the frames that \
                     cover the rest, or give the error that bytes {pos}..{len} are"
                ),
            ))
        }
        None | Some(Value::Null) => End::Clean,
        Some(e) => {
            let ectx = ctx.within("error.");
            let eo = ectx.object(e, "")?;
            ectx.only(
                eo,
                &["class", "at", "earliest", "reported_by", "earliest_by"],
            )?;
            let class_name = ectx.str(eo, "class")?;
            let class = ErrorClass::from_name(class_name).ok_or_else(|| {
                ectx.err(
                    "class",
                    format!(
                        "{class_name:?} is not one of \"oversized\", \"malformed-header\", \
                         \"truncated-at-eof\", \"empty-frame\", \"not-utf8\""
                    ),
                )
            })?;
            if pos >= len {
                return Err(ctx.err(
                    "error",
                    format!(
                        "the frames cover the whole {len}-byte stream, so no byte is left to be \
                         bad: a stream that ends cleanly has \"error\": null"
                    ),
                ));
            }
            let at = point(&ectx, eo, "at", pos, len, &frames)?;
            let earliest = match eo.contains_key("earliest") {
                true => point(&ectx, eo, "earliest", pos, len, &frames)?,
                false => at,
            };
            let offset = |a: At| match a {
                At::Byte(b) => b,
                At::Eof => usize::MAX,
            };
            if offset(earliest) > offset(at) {
                return Err(ectx.err(
                    "earliest",
                    format!(
                        "is {}, after the error is due ({}): it is the first byte that proves \
                         the stream bad, at or before \"at\"",
                        at_name(earliest),
                        at_name(at)
                    ),
                ));
            }
            End::Reject {
                class,
                start: pos,
                at,
                earliest,
                why: format!("{} says so", ctx.at.trim_end_matches(": ")),
            }
        }
    };
    let exp = Expectation {
        frames,
        end,
        resumed: Vec::new(),
    };
    // What the checks above established, in the terms `Stream::explicit` checks.
    crate::explicit::check(&bytes, &exp).map_err(|e| ctx.err("frames", e))?;
    let outcome = explicit_outcome(&exp, chunks);
    if let (Some(e), Some(Value::Object(eo))) = (&outcome.error, o.get("error")) {
        let ectx = ctx.within("error.");
        for (field, due) in [
            ("reported_by", e.reported_by),
            ("earliest_by", e.earliest_by),
        ] {
            if eo.contains_key(field) {
                let by = ectx.call(eo, field, chunks.len(), true)?;
                if by != due {
                    return Err(ectx.err(
                        field,
                        format!(
                            "is {}; by the byte offsets and the chunks, it is {}",
                            by.name(),
                            due.name()
                        ),
                    ));
                }
            }
        }
    }
    Ok((outcome, exp))
}

/// `[start, end]`: a non-empty byte range inside a `len`-byte stream, end exclusive.
fn byte_range(
    ctx: &Ctx<'_>,
    o: &Map<String, Value>,
    field: &str,
    len: usize,
) -> Result<(usize, usize), Error> {
    let v = ctx.get(o, field)?;
    let pair = v
        .as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| Some((a[0].as_u64()?, a[1].as_u64()?)));
    let Some((start, end)) = pair else {
        return Err(ctx.err(
            field,
            format!(
                "{}: must be [start, end], two byte offsets (end exclusive)",
                show(v)
            ),
        ));
    };
    if start >= end || end > len as u64 {
        return Err(ctx.err(
            field,
            format!(
                "[{start}, {end}] is not a non-empty range of the {len}-byte stream (start < end \
                 <= {len}; end is exclusive)"
            ),
        ));
    }
    Ok((start as usize, end as usize))
}

/// A byte offset inside the bad bytes `pos..len`, or `"eof"`.
fn point(
    ctx: &Ctx<'_>,
    o: &Map<String, Value>,
    field: &str,
    pos: usize,
    len: usize,
    frames: &[ExpectedFrame],
) -> Result<At, Error> {
    let v = ctx.get(o, field)?;
    if v.as_str() == Some("eof") {
        return Ok(At::Eof);
    }
    let Some(b) = v.as_u64() else {
        return Err(ctx.err(
            field,
            format!(
                "{}: must be a byte offset of the stream (from 0) or \"eof\"",
                show(v)
            ),
        ));
    };
    if b >= len as u64 {
        return Err(ctx.err(
            field,
            format!("byte {b} is past the {len}-byte stream (offsets count from 0)"),
        ));
    }
    let b = b as usize;
    if b < pos {
        let i = frames.partition_point(|f| f.last_byte < b);
        return Err(ctx.err(
            field,
            format!(
                "byte {b} lies inside frames[{i}] ({}..{}): the error is in the bytes after the \
                 last frame, {pos}..{len}",
                frames[i].start,
                frames[i].last_byte + 1
            ),
        ));
    }
    Ok(At::Byte(b))
}

fn at_name(a: At) -> String {
    match a {
        At::Byte(b) => format!("byte {b}"),
        At::Eof => "EOF".to_string(),
    }
}

fn show_hex(b: &[u8]) -> String {
    if b.is_empty() {
        "empty".to_string()
    } else if b.len() > 32 {
        format!("{}…", hex(&b[..32]))
    } else {
        hex(b)
    }
}

/// The framing object of an opaque framing.
pub(crate) fn opaque_framing_json(framing: Framing) -> Value {
    let name = user::of(&framing).map_or_else(|| framing.to_string(), |u| u.user_name().into());
    json!({"type": OPAQUE, "name": name})
}

/// `frames` (each `hex` and `frame`) and `error` (`class`, `at`, `earliest` when it differs),
/// as [`load_explicit`] reads them back.
pub(crate) fn explicit_json(exp: &Expectation, bytes: &[u8]) -> Map<String, Value> {
    let frames: Vec<Value> = exp
        .frames
        .iter()
        .map(|f| {
            json!({
                "hex": hex(&bytes[f.payload.clone()]),
                "frame": [f.start, f.last_byte + 1],
            })
        })
        .collect();
    let point = |a: &At| match a {
        At::Byte(b) => json!(b),
        At::Eof => json!("eof"),
    };
    let error = match &exp.end {
        End::Clean => Value::Null,
        End::Reject {
            class,
            at,
            earliest,
            ..
        } => {
            let mut e = json!({"class": class.name(), "at": point(at)});
            if earliest != at {
                e["earliest"] = point(earliest);
            }
            e
        }
    };
    let mut out = Map::new();
    out.insert("frames".into(), Value::Array(frames));
    out.insert("error".into(), error);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::vectors::load_str;

    const FILE: &str = r#"{"format": "framecheck-vectors", "version": 1, "flags": {}, "vectors": [
      {"id": "o1", "comment": "", "flags": [],
       "framing": {"type": "opaque", "name": "opaque-json-test"},
       "chunks": ["0a61", "620b00", "ff"], "result": "invalid",
       "frames": [{"hex": "6162", "frame": [0, 3]}, {"hex": "", "frame": [3, 4]}],
       "error": {"class": "malformed-header", "at": 5, "earliest": 4}}]}"#;

    #[test]
    fn an_opaque_vector_loads_into_an_explicit_stream_and_writes_back() {
        let v = &load_str("o.json", FILE, &mut HashSet::new())
            .unwrap()
            .vectors[0];
        let exp = v.expectation.as_ref().unwrap();
        assert_eq!(
            crate::explicit::to_text(exp),
            "3:1+2,1:1+0;malformed-header@5~4"
        );
        // The chunk indexes follow from the byte offsets.
        let e = v.outcome.error.unwrap();
        assert_eq!(
            (e.earliest_by, e.reported_by),
            (super::Reported::Chunk(1), super::Reported::Chunk(2))
        );
        let text = serde_json::json!({
            "format": "framecheck-vectors", "version": 1, "flags": {}, "vectors": [v.to_json()]
        })
        .to_string();
        let back = &load_str("o.json", &text, &mut HashSet::new())
            .unwrap()
            .vectors[0];
        assert_eq!(back, v);
        // The stream is explicit, and its truncations too.
        assert!(v.case().stream.is_explicit());
        let cut = v.truncated_cases(Default::default());
        assert!(cut.iter().all(|c| c.stream.is_explicit()));
        let mut names: Vec<&str> = cut.iter().map(|c| c.stream.name()).collect();
        names.dedup();
        assert_eq!(
            names,
            [
                "o1 trunc@1",
                "o1 trunc@2",
                "o1 trunc@3",
                "o1 trunc@4",
                "o1 trunc@5"
            ]
        );
    }

    #[test]
    fn an_opaque_vector_cannot_be_acceptable_or_resume() {
        for (from, to, needle) in [
            (
                r#""result": "invalid""#,
                r#""result": "acceptable""#,
                "vector o1: result: \"acceptable\" is for a framing",
            ),
            (
                r#""earliest": 4}"#,
                r#""earliest": 4}, "resumed": null"#,
                "vector o1: resumed: is not for a vector of an opaque framing",
            ),
            (
                r#""at": 5"#,
                r#""at": 5, "reported_by": 1"#,
                "vector o1: error.reported_by: is chunk 1; by the byte offsets and the chunks, \
                 it is chunk 2",
            ),
            (
                r#""error": {"class": "malformed-header", "at": 5, "earliest": 4}"#,
                r#""error": null"#,
                "vector o1: frames: end at byte 4, but the stream is 6 bytes",
            ),
        ] {
            let text = FILE.replace(from, to);
            assert_ne!(text, FILE, "{from}");
            let e = load_str("o.json", &text, &mut HashSet::new())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }
}
