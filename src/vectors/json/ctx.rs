//! The reading context of the vector JSON: where in which file a value is, so that every
//! error names the file, the vector and the field (`seed.json: vector v1: frames[0].hex: …`).
//!
//! Field paths are built as the reader descends, never patched into a message afterwards, so a
//! vector id that happens to contain a field name stays intact.

use serde_json::{Map, Value};

use crate::error::{decode_hex, Error};
use crate::vectors::model::Reported;

/// Where the reader is: the file, the vector, the path of the object being read.
pub(crate) struct Ctx<'a> {
    /// The file name, as errors print it.
    pub file: &'a str,
    /// `vector ID: ` or `vectors[N]: `, or empty at the top level.
    pub at: String,
    /// The path of the object being read, such as `frames[1].`.
    pub path: String,
}

impl Ctx<'_> {
    pub(crate) fn within(&self, path: &str) -> Ctx<'_> {
        Ctx {
            file: self.file,
            at: self.at.clone(),
            path: format!("{}{path}", self.path),
        }
    }
    pub(crate) fn err(&self, field: &str, what: String) -> Error {
        Error::new(format!(
            "{}: {}{}{field}: {what}",
            self.file, self.at, self.path
        ))
    }
    pub(crate) fn get<'v>(
        &self,
        o: &'v Map<String, Value>,
        field: &str,
    ) -> Result<&'v Value, Error> {
        o.get(field)
            .ok_or_else(|| self.err(field, "missing".to_string()))
    }
    /// Rejects fields other than `known`: a misspelt optional field must not pass silently.
    pub(crate) fn only(&self, o: &Map<String, Value>, known: &[&str]) -> Result<(), Error> {
        match o.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                k,
                format!("unknown field (expected one of: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }
    pub(crate) fn object<'v>(
        &self,
        v: &'v Value,
        what: &str,
    ) -> Result<&'v Map<String, Value>, Error> {
        v.as_object()
            .ok_or_else(|| self.err(what, format!("must be an object, found {}", kind(v))))
    }
    pub(crate) fn array<'v>(&self, v: &'v Value, what: &str) -> Result<&'v Vec<Value>, Error> {
        v.as_array()
            .ok_or_else(|| self.err(what, format!("must be an array, found {}", kind(v))))
    }
    pub(crate) fn str<'v>(&self, o: &'v Map<String, Value>, field: &str) -> Result<&'v str, Error> {
        let v = self.get(o, field)?;
        v.as_str()
            .ok_or_else(|| self.err(field, format!("must be a string, found {}", kind(v))))
    }
    pub(crate) fn u64(&self, o: &Map<String, Value>, field: &str) -> Result<u64, Error> {
        let v = self.get(o, field)?;
        v.as_u64().ok_or_else(|| {
            self.err(
                field,
                format!("must be a non-negative integer, found {}", show(v)),
            )
        })
    }
    pub(crate) fn hex(&self, v: &Value, field: &str) -> Result<Vec<u8>, Error> {
        let s = v
            .as_str()
            .ok_or_else(|| self.err(field, format!("must be a hex string, found {}", kind(v))))?;
        decode_hex(
            &format!("{}: {}{}{field}", self.file, self.at, self.path),
            s,
        )
    }
    /// A chunk index below `chunks`, or `"eof"` when `eof` allows it.
    pub(crate) fn call(
        &self,
        o: &Map<String, Value>,
        field: &str,
        chunks: usize,
        eof: bool,
    ) -> Result<Reported, Error> {
        let v = self.get(o, field)?;
        match v {
            Value::String(s) if eof && s == "eof" => Ok(Reported::Eof),
            v if v.as_u64().is_some_and(|n| (n as usize) < chunks) => {
                Ok(Reported::Chunk(v.as_u64().unwrap_or(0) as usize))
            }
            v => Err(self.err(
                field,
                format!(
                    "{}: must be a chunk index below {chunks} (the vector has {chunks} chunks){}",
                    show(v),
                    if eof { " or \"eof\"" } else { "" }
                ),
            )),
        }
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as it stands in the file, shortened.
pub(crate) fn show(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 40 {
        format!(
            "{}… ({})",
            &text[..text.floor_char_boundary_compat(40)],
            kind(v)
        )
    } else {
        text
    }
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, i: usize) -> usize {
        (0..=i.min(self.len()))
            .rev()
            .find(|&k| self.is_char_boundary(k))
            .unwrap_or(0)
    }
}
