//! A framing as the vector files write it (`{"type": "length-prefix", "width": 4, …}`),
//! read and written side by side so that the two cannot drift: a field added to one is added
//! to the other here, and the round-trip test below covers every built-in wire format.

use serde_json::{json, Value};

use crate::error::Error;
use crate::framing::{Endian, Framing, LineEof, Wire, LARGEST_FIXED_SIZE};

use super::ctx::{show, Ctx};

/// Reads a `framing` object; `ctx` is already within `framing.`.
pub(crate) fn load_framing(ctx: &Ctx<'_>, v: &Value) -> Result<Framing, Error> {
    let o = ctx.object(v, "")?;
    let ty = ctx.str(o, "type")?;
    if ty == "netstring" {
        ctx.only(o, &["type", "max_frame_len"])?;
        let max = ctx.u64(o, "max_frame_len")?;
        return Ok(Framing::netstring().with_max_frame_len(max));
    }
    if ty == "fixed" {
        ctx.only(o, &["type", "size"])?;
        let size = ctx.u64(o, "size")?;
        if !(1..=LARGEST_FIXED_SIZE).contains(&size) {
            return Err(ctx.err(
                "size",
                format!("is {size}; a fixed frame holds 1 to {LARGEST_FIXED_SIZE} bytes"),
            ));
        }
        return Ok(Framing::fixed(size));
    }
    if ty == "lines" {
        ctx.only(
            o,
            &["type", "max_frame_len", "eof", "resync", "text", "crlf"],
        )?;
        let eof = match o.get("eof") {
            None => LineEof::Reject,
            Some(Value::String(e)) if e == "reject" => LineEof::Reject,
            Some(Value::String(e)) if e == "emit" => LineEof::Emit,
            Some(other) => {
                return Err(ctx.err(
                    "eof",
                    format!("{}: must be \"reject\" or \"emit\"", show(other)),
                ))
            }
        };
        let flag = |name: &str| match o.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(ctx.err(name, format!("must be a boolean, found {}", show(other)))),
        };
        let (resync, text, crlf) = (flag("resync")?, flag("text")?, flag("crlf")?);
        let max = ctx.u64(o, "max_frame_len")?;
        return Ok(Framing::lines()
            .with_line_eof(eof)
            .with_resync(resync)
            .with_text(text)
            .with_crlf(crlf)
            .with_max_frame_len(max));
    }
    if ty == "varint" {
        ctx.only(o, &["type", "max_frame_len", "overlong"])?;
        let overlong = match o.get("overlong") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(ctx.err(
                    "overlong",
                    format!("must be a boolean, found {}", show(other)),
                ))
            }
        };
        let max = ctx.u64(o, "max_frame_len")?;
        return Ok(Framing::varint()
            .with_overlong_varints(overlong)
            .with_max_frame_len(max));
    }
    if ty != "length-prefix" {
        return Err(ctx.err(
            "type",
            format!(
                "{ty:?} is not supported (supported: \"length-prefix\", \"varint\", \
                 \"netstring\", \"lines\", \"fixed\")"
            ),
        ));
    }
    ctx.only(
        o,
        &[
            "type",
            "width",
            "endian",
            "max_frame_len",
            "length_includes_header",
        ],
    )?;
    let width = ctx.u64(o, "width")?;
    if !matches!(width, 1 | 2 | 4 | 8) {
        return Err(ctx.err("width", format!("{width} is not 1, 2, 4 or 8")));
    }
    let endian = match (width, o.get("endian")) {
        (_, Some(Value::String(e))) if e == "big" => Endian::Big,
        (_, Some(Value::String(e))) if e == "little" => Endian::Little,
        (1, None) => Endian::Big,
        (_, None) => {
            return Err(ctx.err(
                "endian",
                format!("missing: a {width}-byte length needs \"big\" or \"little\""),
            ))
        }
        (_, Some(other)) => {
            return Err(ctx.err(
                "endian",
                format!("{}: must be \"big\" or \"little\"", show(other)),
            ))
        }
    };
    let incl = match o.get("length_includes_header") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ctx.err(
                "length_includes_header",
                format!("must be a boolean, found {}", show(other)),
            ))
        }
    };
    let framing = Framing::length_prefix(width as u8, endian).with_length_includes_header(incl);
    let max = ctx.u64(o, "max_frame_len")?;
    if max > framing.largest_payload() {
        return Err(ctx.err(
            "max_frame_len",
            format!(
                "{max} is more than the field can describe ({})",
                framing.largest_payload()
            ),
        ));
    }
    Ok(framing.with_max_frame_len(max))
}

/// A framing as a `framing` object, as [`load_framing`] reads it back.
pub(crate) fn framing_json(framing: Framing) -> Value {
    match framing.wire() {
        Wire::LengthPrefix(lp) => json!({
            "type": "length-prefix",
            "width": lp.width,
            "endian": if lp.endian == Endian::Big { "big" } else { "little" },
            "max_frame_len": framing.max_frame_len(),
            "length_includes_header": lp.includes_header,
        }),
        Wire::Varint(v) => json!({
            "type": "varint",
            "max_frame_len": framing.max_frame_len(),
            "overlong": v.overlong,
        }),
        Wire::Lines(l) => json!({
            "type": "lines",
            "max_frame_len": framing.max_frame_len(),
            "eof": if l.eof == LineEof::Emit { "emit" } else { "reject" },
            "resync": l.resync,
            "text": l.text,
            "crlf": l.crlf,
        }),
        Wire::Fixed(f) => json!({"type": "fixed", "size": f.size}),
        Wire::Netstring => json!({"type": "netstring", "max_frame_len": framing.max_frame_len()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every wire format and every option of each, written and read back.
    #[test]
    fn every_builtin_framing_round_trips() {
        let framings = [
            "u8:max=100",
            "u16be:max=1024",
            "u16le:max=1024",
            "u32be:max=1024",
            "u32le:max=0",
            "u64be:max=18446744073709551607",
            "u64le:max=1024",
            "u16be:max=1024:incl",
            "u32le:max=1024:incl",
            "varint:max=1024",
            "varint:max=1024:overlong",
            "lines:max=16",
            "lines:max=16:eof=emit",
            "lines:max=16:eof=emit:resync",
            "lines:max=16:eof=emit:resync:text:crlf",
            "lines:max=18446744073709551615:resync:text",
            "fixed:size=1",
            "fixed:size=16",
            "netstring:max=1024",
        ];
        let mut wires = std::collections::BTreeSet::new();
        for text in framings {
            let framing: Framing = text.parse().unwrap();
            wires.insert(match framing.wire() {
                Wire::LengthPrefix(_) => "length-prefix",
                Wire::Varint(_) => "varint",
                Wire::Lines(_) => "lines",
                Wire::Fixed(_) => "fixed",
                Wire::Netstring => "netstring",
            });
            let ctx = Ctx {
                file: "t.json",
                at: String::new(),
                path: "framing.".into(),
            };
            let json = framing_json(framing);
            let back = load_framing(&ctx, &json).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, framing, "{text}: {json}");
            assert_eq!(back.to_string(), framing.to_string(), "{text}");
        }
        assert_eq!(
            wires.len(),
            5,
            "a wire format without a round trip: {wires:?}"
        );
    }
}
