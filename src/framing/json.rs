//! A framing as the vector files write it: a JSON object with a `"type"`, the shared
//! `"max_frame_len"`, and the format's own fields. Both directions live here and in each
//! format's [`Format::to_json`] / [`Registered::from_json`], side by side, so that they
//! cannot drift apart; a unit test round-trips every built-in framing.

use serde_json::{Map, Value};

#[cfg(doc)]
use super::format::{Format, Registered};
use super::{Framing, Preset, Wire};

/// A field of a framing object that cannot be read: which field, and what is wrong with it.
/// The vector loader adds the file and the vector's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// What is wrong, as in `"missing"` or `"must be a boolean, found 3"`.
    pub what: String,
}

impl FieldError {
    /// An error about `field`.
    pub fn new(field: &str, what: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            what: what.into(),
        }
    }
}

/// A JSON value as an error message shows it: short, cut with `…` past 40 characters.
pub fn show(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Reads the non-negative integer `field`, which must be there.
pub fn u64_field(o: &Map<String, Value>, field: &str) -> Result<u64, FieldError> {
    let v = o
        .get(field)
        .ok_or_else(|| FieldError::new(field, "missing"))?;
    v.as_u64().ok_or_else(|| {
        FieldError::new(
            field,
            format!("must be a non-negative integer, found {}", show(v)),
        )
    })
}

/// Reads the boolean `field`; `false` when it is absent.
pub fn bool_field(o: &Map<String, Value>, field: &str) -> Result<bool, FieldError> {
    match o.get(field) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(FieldError::new(
            field,
            format!("must be a boolean, found {}", show(other)),
        )),
    }
}

/// Reads the string `field` as one of `choices`, or `default` when it is absent.
pub fn choice_field<'c>(
    o: &Map<String, Value>,
    field: &str,
    choices: &[&'c str],
    default: Option<&'c str>,
) -> Result<&'c str, FieldError> {
    let quoted = || {
        let q: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
        q.join(" or ")
    };
    match o.get(field) {
        None => default.ok_or_else(|| FieldError::new(field, format!("missing: {}", quoted()))),
        Some(Value::String(s)) => choices
            .iter()
            .find(|c| **c == s.as_str())
            .copied()
            .ok_or_else(|| {
                FieldError::new(field, format!("{}: must be {}", show(&o[field]), quoted()))
            }),
        Some(other) => Err(FieldError::new(
            field,
            format!("{}: must be {}", show(other), quoted()),
        )),
    }
}

impl Framing {
    /// This framing as a vector file's `framing` object.
    ///
    /// ```
    /// use framecheck::Framing;
    ///
    /// let f: Framing = "u16be:max=1024:incl".parse().unwrap();
    /// let json = f.to_json();
    /// assert_eq!(json["type"], "length-prefix");
    /// assert_eq!(json["length_includes_header"], true);
    /// assert_eq!(Framing::from_json(json.as_object().unwrap()), Ok(f));
    /// ```
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let format = self.format();
        o.insert("type".into(), Value::from(format.json_type()));
        if let Some(p) = self.preset() {
            o.insert("preset".into(), Value::from(p.name()));
        }
        if format.fixed_size().is_none() {
            o.insert("max_frame_len".into(), Value::from(self.max_frame_len()));
        }
        format.to_json(&mut o);
        Value::Object(o)
    }

    /// Reads a vector file's `framing` object. Unknown fields are an error: a misspelt
    /// optional field must not pass silently.
    pub fn from_json(o: &Map<String, Value>) -> Result<Framing, FieldError> {
        let ty = match o.get("type") {
            None => return Err(FieldError::new("type", "missing")),
            Some(Value::String(t)) => t.as_str(),
            Some(other) => {
                return Err(FieldError::new(
                    "type",
                    format!("must be a string, found {}", show(other)),
                ))
            }
        };
        let (fields, read) = Wire::json_reader(ty).ok_or_else(|| {
            let types: Vec<String> = Wire::JSON_TYPES.iter().map(|t| format!("{t:?}")).collect();
            FieldError::new(
                "type",
                format!("{ty:?} is not supported (supported: {})", types.join(", ")),
            )
        })?;
        let wire = read(o)?;
        // The same checks as the framing string's: a layout that describes no frame.
        wire.format()
            .finish(&format!("{{type: {ty}}}"))
            .map_err(|e| FieldError::new("type", e.to_string()))?;
        let shared: &[&str] = if wire.format().fixed_size().is_none() {
            &["type", "max_frame_len", "preset"]
        } else {
            &["type"]
        };
        if let Some(k) = o
            .keys()
            .find(|k| !shared.contains(&k.as_str()) && !fields.contains(&k.as_str()))
        {
            let known: Vec<&str> = shared.iter().chain(fields).copied().collect();
            return Err(FieldError::new(
                k,
                format!("unknown field (expected one of: {})", known.join(", ")),
            ));
        }
        let mut framing = Framing::of(wire);
        if framing.format().fixed_size().is_some() {
            return Ok(framing);
        }
        if let Some(v) = o.get("preset") {
            let p = v.as_str().and_then(Preset::named).ok_or_else(|| {
                let names = Preset::names().join(", ");
                FieldError::new("preset", format!("{}: must be one of {names}", show(v)))
            })?;
            let base: Framing = p.name().parse().expect("presets parse");
            if base.wire() != wire {
                let what = format!(
                    "{} is {}, which is not this framing",
                    p.name(),
                    p.expands_to()
                );
                return Err(FieldError::new("preset", what));
            }
            framing.preset = Some(p);
        }
        let max = u64_field(o, "max_frame_len")?;
        if max > framing.largest_payload() {
            return Err(FieldError::new(
                "max_frame_len",
                format!(
                    "{max} is more than the field can describe ({})",
                    framing.largest_payload()
                ),
            ));
        }
        framing
            .check_max(max)
            .map_err(|e| FieldError::new("max_frame_len", e))?;
        Ok(framing.with_max_frame_len(max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_framing_round_trips_through_json() {
        let mut framings = Framing::catalog();
        for s in [
            "u16be:max=300:incl",
            "u32le:max=70000:incl",
            "varint:max=99:overlong",
            "lines:max=9:eof=emit:resync:text:crlf",
            "netstring:max=5",
            "fixed:size=3",
        ] {
            framings.push(s.parse().unwrap());
        }
        for f in framings {
            let json = f.to_json();
            let back = Framing::from_json(json.as_object().unwrap());
            assert_eq!(back, Ok(f), "{json}");
        }
    }

    #[test]
    fn bad_framing_objects_name_the_field() {
        let read = |text: &str| {
            let v: Value = serde_json::from_str(text).unwrap();
            Framing::from_json(v.as_object().unwrap()).unwrap_err()
        };
        let e = read(r#"{"type": "u24"}"#);
        assert_eq!(e.field, "type");
        assert!(e.what.contains("\"length-prefix\""), "{}", e.what);
        let e = read(r#"{"type": "varint", "max_frame_len": 9, "overlong": 1}"#);
        assert_eq!(
            (e.field.as_str(), e.what.as_str()),
            ("overlong", "must be a boolean, found 1")
        );
        let e = read(r#"{"type": "lines", "max_frame_len": 9, "resynch": true}"#);
        assert_eq!(e.field, "resynch");
        assert!(e.what.starts_with("unknown field"), "{}", e.what);
        let e = read(r#"{"type": "length-prefix", "width": 2, "max_frame_len": 9}"#);
        assert_eq!(e.field, "endian");
        let e = read(r#"{"type": "length-prefix", "width": 1, "max_frame_len": 256}"#);
        assert_eq!(e.field, "max_frame_len");
        let e = read(r#"{"type": "fixed", "size": 0}"#);
        assert_eq!(e.field, "size");
    }
}
