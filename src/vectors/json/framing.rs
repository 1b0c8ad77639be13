//! A framing as the vector files write it (`{"type": "length-prefix", "width": 4, …}`),
//! read and written side by side so that the two cannot drift: a field added to one is added
//! to the other here, and the round-trip test below covers every built-in wire format.

use serde_json::Value;

use crate::error::Error;
use crate::framing::Framing;
#[cfg(test)]
use crate::framing::Wire;

use super::ctx::Ctx;

/// Reads a `framing` object; `ctx` is already within `framing.`. Each format reads its own
/// fields ([`Framing::from_json`]); this adds where the object is.
pub(crate) fn load_framing(ctx: &Ctx<'_>, v: &Value) -> Result<Framing, Error> {
    let o = ctx.object(v, "")?;
    Framing::from_json(o).map_err(|e| ctx.err(&e.field, e.what))
}

/// Writes a `framing` object ([`Framing::to_json`]).
pub(crate) fn framing_json(framing: Framing) -> Value {
    framing.to_json()
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
            "varint:max=1024:offset=1:bytes=4:strip=0",
            "field:max=100:width=3:le:offset=2:adjust=-3:adjust-base=strip:strip=1",
            "field:max=100:width=8:maxof=field:trailer=ce",
            "field:max=100:width=1:maxof=frame",
            "postgres",
            "http2:max=65536",
            "mqtt",
            "cbor-seq:max=1024",
        ];
        let mut wires = std::collections::BTreeSet::new();
        for text in framings {
            let framing: Framing = text.parse().unwrap();
            wires.insert(framing.format().json_type());
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
            Wire::JSON_TYPES.len(),
            "a wire format without a round trip: {wires:?}"
        );
    }
}
