//! The vector file format, read and written side by side: a file ([`load_str`]), a vector
//! ([`Vector::to_json`]), an outcome, and (in `framing`) a framing. Each reader sits next
//! to its writer, so that a field added to one is added to the other.
//!
//! Reading checks each vector twice: against the format (every error names the file, the
//! vector id and the field, see `ctx`), and against the framing's specification
//! ([`super::spec`]), so that a vector that says something the specification does not is an
//! error, not a silent disagreement.
//!
//! A vector's stream is held to the same limits as a replay token's
//! ([`MAX_STREAM_LEN`](crate::case::MAX_STREAM_LEN) bytes, and
//! [`MAX_RESYNC_LINES`](crate::case::MAX_RESYNC_LINES) lines under `lines:resync`): the
//! specification's cross-check costs memory per frame, and a file is read whole.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use crate::error::{hex, Error};
use crate::framing::ErrorClass;

use super::model::{Expected, ExpectedError, FlagNote, Outcome, Reported, Vector, VectorFile};
use super::spec::{check_against_spec, spec_outcome};
use super::{FORMAT, VERSION};

pub(crate) mod ctx;
pub(crate) mod explicit;
pub(crate) mod framing;

use ctx::Ctx;
use framing::{framing_json, load_framing};

/// Loads and checks the vector file `name` with contents `text`. `ids` collects the ids seen
/// so far, across files: a duplicate is an error.
pub fn load_str(name: &str, text: &str, ids: &mut HashSet<String>) -> Result<VectorFile, Error> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        Error::new(format!(
            "{name}: not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let ctx = Ctx {
        file: name,
        at: String::new(),
        path: String::new(),
    };
    let obj = ctx.object(&root, "the top level")?;
    ctx.only(obj, &["format", "version", "generator", "flags", "vectors"])?;
    let format = ctx.str(obj, "format")?;
    if format != FORMAT {
        return Err(ctx.err("format", format!("is {format:?}, expected {FORMAT:?}")));
    }
    let version = ctx.u64(obj, "version")?;
    if version != VERSION {
        return Err(ctx.err(
            "version",
            format!("{version} is not supported (this framecheck reads version {VERSION})"),
        ));
    }
    let mut flags = BTreeMap::new();
    for (flag, v) in ctx.object(ctx.get(obj, "flags")?, "flags")? {
        let c = Ctx {
            file: name,
            at: String::new(),
            path: format!("flags.{flag}."),
        };
        let o = c.object(v, "")?;
        c.only(o, &["note", "links"])?;
        let links = c
            .array(c.get(o, "links")?, "links")?
            .iter()
            .map(|l| l.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| c.err("links", "must be an array of strings".to_string()))?;
        flags.insert(
            flag.clone(),
            FlagNote {
                note: c.str(o, "note")?.to_string(),
                links,
            },
        );
    }
    let mut vectors = Vec::new();
    for (i, v) in ctx
        .array(ctx.get(obj, "vectors")?, "vectors")?
        .iter()
        .enumerate()
    {
        let vector = load_vector(name, i, v, &flags)?;
        if !ids.insert(vector.id.clone()) {
            return Err(Error::new(format!(
                "{name}: vector {}: id: duplicate id (already used by another vector)",
                vector.id
            )));
        }
        vectors.push(vector);
    }
    Ok(VectorFile { flags, vectors })
}

const VECTOR_FIELDS: &[&str] = &[
    "id",
    "comment",
    "flags",
    "framing",
    "chunks",
    "result",
    "frames",
    "error",
    "resumed",
    "depends_on",
    "otherwise",
];

fn load_vector(
    file: &str,
    index: usize,
    v: &Value,
    flags: &BTreeMap<String, FlagNote>,
) -> Result<Vector, Error> {
    let mut ctx = Ctx {
        file,
        at: format!("vectors[{index}]: "),
        path: String::new(),
    };
    let o = ctx.object(v, "vector")?;
    let id = ctx.str(o, "id")?.to_string();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._=+@#-".contains(c))
    {
        return Err(ctx.err(
            "id",
            format!("{id:?} must be non-empty and use only letters, digits and . _ = + @ # -"),
        ));
    }
    ctx.at = format!("vector {id}: ");
    ctx.only(o, VECTOR_FIELDS)?;
    let comment = ctx.str(o, "comment")?.to_string();
    let mut vflags = Vec::new();
    for (i, f) in ctx.array(ctx.get(o, "flags")?, "flags")?.iter().enumerate() {
        let f = f
            .as_str()
            .ok_or_else(|| ctx.err(&format!("flags[{i}]"), "must be a string".into()))?;
        if !flags.contains_key(f) {
            return Err(ctx.err(
                &format!("flags[{i}]"),
                format!("{f:?} is not defined in the file's flags"),
            ));
        }
        vflags.push(f.to_string());
    }
    let framing_value = ctx.get(o, "framing")?;
    let opaque = framing_value.get("type").and_then(Value::as_str) == Some(explicit::OPAQUE);
    let framing = match opaque {
        true => explicit::load_opaque_framing(&ctx.within("framing."), framing_value)?,
        false => load_framing(&ctx.within("framing."), framing_value)?,
    };
    let mut chunks = Vec::new();
    for (i, c) in ctx
        .array(ctx.get(o, "chunks")?, "chunks")?
        .iter()
        .enumerate()
    {
        let bytes = ctx.hex(c, &format!("chunks[{i}]"))?;
        if bytes.is_empty() {
            return Err(ctx.err(
                &format!("chunks[{i}]"),
                "is empty; a read delivers at least one byte".into(),
            ));
        }
        chunks.push(bytes);
    }
    crate::case::check_stream_limits(framing, &chunks.concat(), "a vector")
        .map_err(|e| ctx.err("chunks", e))?;
    let result = match ctx.str(o, "result")? {
        "valid" => Expected::Valid,
        "invalid" => Expected::Invalid,
        "acceptable" => Expected::Acceptable,
        other => {
            return Err(ctx.err(
                "result",
                format!("{other:?} is not one of \"valid\", \"invalid\", \"acceptable\""),
            ))
        }
    };
    let (outcome, expectation) = match opaque {
        true => {
            if result == Expected::Acceptable {
                return Err(ctx.err(
                    "result",
                    "\"acceptable\" is for a framing whose rules the harness knows; a vector \
                     of an opaque framing is \"valid\" or \"invalid\""
                        .into(),
                ));
            }
            if let Some(field) = ["resumed", "depends_on", "otherwise"]
                .into_iter()
                .find(|f| o.contains_key(*f))
            {
                return Err(ctx.err(field, "is not for a vector of an opaque framing".into()));
            }
            let (outcome, exp) = explicit::load_explicit(&ctx, o, &chunks)?;
            (outcome, Some(exp))
        }
        false => (load_outcome(&ctx, o, chunks.len())?, None),
    };
    match (result, &outcome.error) {
        (Expected::Valid, Some(_)) => {
            return Err(ctx.err("error", "must be null for a valid vector".into()))
        }
        (Expected::Invalid, None) => {
            return Err(ctx.err("error", "is required for an invalid vector".into()))
        }
        _ => {}
    }
    let (depends_on, otherwise) = if result == Expected::Acceptable {
        let dep = ctx.str(o, "depends_on")?;
        if dep != "empty-frames" {
            return Err(ctx.err(
                "depends_on",
                format!("{dep:?} is not a known capability (known: \"empty-frames\")"),
            ));
        }
        let other = ctx.object(ctx.get(o, "otherwise")?, "otherwise")?;
        let octx = ctx.within("otherwise.");
        octx.only(other, &["frames", "error", "resumed"])?;
        (
            Some(dep.to_string()),
            Some(load_outcome(&octx, other, chunks.len())?),
        )
    } else {
        for field in ["depends_on", "otherwise"] {
            if o.contains_key(field) {
                return Err(ctx.err(field, "is only for acceptable vectors".into()));
            }
        }
        (None, None)
    };

    if expectation.is_some() {
        // Its file is its specification: `load_explicit` checked it against the stream.
        return Ok(Vector {
            id,
            file: file.to_string(),
            comment,
            flags: vflags,
            framing,
            chunks,
            result,
            outcome,
            depends_on: None,
            otherwise: None,
            expectation,
        });
    }
    // The vector must agree with the specification.
    check_against_spec(framing, &chunks, &outcome).map_err(|d| ctx.err(&d.field, d.what))?;
    match &otherwise {
        Some(other) => check_against_spec(framing.with_empty_frames(false), &chunks, other)
            .map_err(|d| ctx.within("otherwise.").err(&d.field, d.what))?,
        None => {
            // A stream whose outcome depends on whether empty frames are allowed is not
            // valid or invalid for every decoder: it must say so.
            if spec_outcome(framing.with_empty_frames(false), &chunks) != outcome {
                return Err(ctx.err(
                    "result",
                    format!(
                        "is {:?}, but the stream holds an empty frame, so the outcome depends \
                         on whether the decoder allows them: make it \"acceptable\" with \
                         \"depends_on\": \"empty-frames\" and an \"otherwise\" outcome",
                        result.name()
                    ),
                ));
            }
        }
    }
    Ok(Vector {
        id,
        file: file.to_string(),
        comment,
        flags: vflags,
        framing,
        chunks,
        result,
        outcome,
        depends_on,
        otherwise,
        expectation: None,
    })
}

impl Vector {
    /// The vector as a JSON object of the file format, as [`load_str`] reads it back.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "comment": self.comment,
            "flags": self.flags,
            "framing": framing_json(self.framing),
            "chunks": self.chunks.iter().map(|c| hex(c)).collect::<Vec<_>>(),
            "result": self.result.name(),
        });
        let fields = v.as_object_mut().expect("an object");
        if let Some(exp) = &self.expectation {
            fields.insert(
                "framing".into(),
                explicit::opaque_framing_json(self.framing),
            );
            fields.extend(explicit::explicit_json(exp, &self.chunks.concat()));
            return v;
        }
        fields.extend(outcome_json(&self.outcome));
        if let (Some(dep), Some(other)) = (&self.depends_on, &self.otherwise) {
            fields.insert("depends_on".into(), json!(dep));
            fields.insert("otherwise".into(), Value::Object(outcome_json(other)));
        }
        v
    }
}

/// Reads `frames` and `error` from `o`; `ctx` is within `otherwise.` for that branch.
fn load_outcome(ctx: &Ctx<'_>, o: &Map<String, Value>, chunks: usize) -> Result<Outcome, Error> {
    let mut frames = Vec::new();
    for (i, f) in ctx
        .array(ctx.get(o, "frames")?, "frames")?
        .iter()
        .enumerate()
    {
        let fctx = ctx.within(&format!("frames[{i}]."));
        let fo = fctx.object(f, "")?;
        fctx.only(fo, &["hex", "emitted_by"])?;
        let bytes = fctx.hex(fctx.get(fo, "hex")?, "hex")?;
        let by = fctx.call(fo, "emitted_by", chunks, true)?;
        frames.push((bytes, by));
    }
    let error = match o.get("error") {
        None | Some(Value::Null) => None,
        Some(e) => {
            let ectx = ctx.within("error.");
            let eo = ectx.object(e, "")?;
            ectx.only(eo, &["class", "reported_by", "earliest_by"])?;
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
            let reported_by = ectx.call(eo, "reported_by", chunks, true)?;
            let earliest_by = if eo.contains_key("earliest_by") {
                ectx.call(eo, "earliest_by", chunks, true)?
            } else {
                reported_by
            };
            Some(ExpectedError {
                class,
                reported_by,
                earliest_by,
            })
        }
    };
    // The nested `resumed` objects, read into a flat list (the JSON reader's depth limit keeps
    // the nesting, and so this recursion, shallow).
    let mut resumed = Vec::new();
    if let Some(r) = o.get("resumed").filter(|r| !r.is_null()) {
        let rctx = ctx.within("resumed.");
        let ro = rctx.object(r, "")?;
        rctx.only(ro, &["frames", "error", "resumed"])?;
        let mut next = load_outcome(&rctx, ro, chunks)?;
        let rest = std::mem::take(&mut next.resumed);
        resumed.push(next);
        resumed.extend(rest);
    }
    Ok(Outcome {
        frames,
        error,
        resumed,
    })
}

/// `frames`, `error` and (when the decoder recovers from the error) `resumed`.
pub(crate) fn outcome_json(o: &Outcome) -> Map<String, Value> {
    let frames: Vec<Value> = o
        .frames
        .iter()
        .map(|(b, by)| json!({"hex": hex(b), "emitted_by": by.json()}))
        .collect();
    let call = |r: Reported| r.json();
    let error = match &o.error {
        None => Value::Null,
        Some(e) if e.earliest_by == e.reported_by => {
            json!({"class": e.class.name(), "reported_by": call(e.reported_by)})
        }
        Some(e) => json!({
            "class": e.class.name(),
            "reported_by": call(e.reported_by),
            "earliest_by": call(e.earliest_by),
        }),
    };
    let mut out = Map::new();
    out.insert("frames".into(), Value::Array(frames));
    out.insert("error".into(), error);
    // Each outcome after a recovered error is nested in the one before, built from the last.
    let mut nested: Option<Map<String, Value>> = None;
    for r in o.resumed.iter().rev() {
        let mut m = outcome_json(&Outcome {
            resumed: Vec::new(),
            ..r.clone()
        });
        if let Some(inner) = nested.take() {
            m.insert("resumed".into(), Value::Object(inner));
        }
        nested = Some(m);
    }
    if let Some(inner) = nested {
        out.insert("resumed".into(), Value::Object(inner));
    }
    out
}

impl Reported {
    /// `"eof"` or the chunk index, as `emitted_by`, `reported_by` and `earliest_by` hold it.
    pub(crate) fn json(self) -> Value {
        match self {
            Reported::Eof => json!("eof"),
            Reported::Chunk(i) => json!(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<VectorFile, Error> {
        load_str("t.json", text, &mut HashSet::new())
    }

    const GOOD: &str = r#"{
      "format": "framecheck-vectors", "version": 1,
      "flags": {"x": {"note": "n", "links": []}},
      "vectors": [{
        "id": "v1", "comment": "c", "flags": ["x"],
        "framing": {"type": "length-prefix", "width": 1, "max_frame_len": 255},
        "chunks": ["0361", "6263"], "result": "valid",
        "frames": [{"hex": "616263", "emitted_by": 1}], "error": null
      }]
    }"#;

    #[test]
    fn a_minimal_hand_written_file_loads() {
        let f = load(GOOD).unwrap();
        assert_eq!(
            f.vectors[0].outcome.frames,
            [(b"abc".to_vec(), Reported::Chunk(1))]
        );
    }

    #[test]
    fn errors_name_the_file_the_vector_and_the_field() {
        for (from, to, needle) in [
            (
                r#""emitted_by": 1"#,
                r#""emitted_by": 0"#,
                "t.json: vector v1: frames[0].emitted_by: is chunk 0",
            ),
            (
                r#""emitted_by": 1"#,
                r#""emitted_by": 7"#,
                "vector v1: frames[0].emitted_by: 7: must be a chunk index below 2",
            ),
            (
                r#""6263""#,
                r#""62zz""#,
                "vector v1: chunks[1]: invalid hex digit",
            ),
            (r#""6263""#, r#""""#, "vector v1: chunks[1]: is empty"),
            (
                r#""width": 1"#,
                r#""width": 3"#,
                "vector v1: framing.width: 3 is not 1, 2, 4 or 8",
            ),
            (
                r#""flags": ["x"]"#,
                r#""flags": ["y"]"#,
                "vector v1: flags[0]: \"y\" is not defined",
            ),
            (
                r#""result": "valid""#,
                r#""result": "maybe""#,
                "vector v1: result: \"maybe\"",
            ),
            (
                r#""result": "valid""#,
                r#""result": "invalid""#,
                "vector v1: error: is required",
            ),
            (r#""id": "v1", "#, "", "vectors[0]: id: missing"),
            (
                r#""version": 1"#,
                r#""version": 2"#,
                "t.json: version: 2 is not supported",
            ),
            (
                r#""616263""#,
                r#""616264""#,
                "frames[0].hex: is 616264 where the stream holds 616263",
            ),
            (
                r#""max_frame_len": 255"#,
                r#""max_frame_len": 2"#,
                "vector v1: frames: lists 1 frames where the stream holds 0",
            ),
        ] {
            let text = GOOD.replace(from, to);
            assert_ne!(text, GOOD, "{from} not found");
            let e = load(&text).unwrap_err().to_string();
            assert!(e.contains(needle), "expected {needle:?} in: {e}");
        }
        let e = load("{\"format\": ").unwrap_err().to_string();
        assert!(e.contains("t.json: not valid JSON at line 1"), "{e}");
        // Field paths are built, not patched into the message: names that contain a field
        // name stay intact.
        let text = GOOD.replace(r#""id": "v1""#, r#""id": "class-emitted_by""#);
        let text = text.replace(r#""hex": "616263", "#, "");
        let e = load_str("classid.json", &text, &mut HashSet::new())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "classid.json: vector class-emitted_by: frames[0].hex: missing"
        );
    }

    #[test]
    fn a_vector_past_the_resync_line_limit_is_an_error_naming_it() {
        let lines = crate::case::MAX_RESYNC_LINES + 1;
        let text = format!(
            r#"{{"format": "framecheck-vectors", "version": 1, "flags": {{}}, "vectors": [
            {{"id": "many", "comment": "", "flags": [],
              "framing": {{"type": "lines", "max_frame_len": 16, "eof": "reject",
                "resync": true, "text": false, "crlf": false}},
              "chunks": ["{}"], "result": "valid", "frames": [], "error": null}}]}}"#,
            "0a".repeat(lines)
        );
        let e = load(&text).unwrap_err().to_string();
        assert!(
            e.contains("vector many: chunks: the stream holds 4194305 lines")
                && e.contains("MAX_RESYNC_LINES"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_ids_are_an_error() {
        let mut ids = HashSet::new();
        load_str("a.json", GOOD, &mut ids).unwrap();
        let e = load_str("b.json", GOOD, &mut ids).unwrap_err().to_string();
        assert!(e.contains("b.json: vector v1: id: duplicate id"), "{e}");
    }
}
