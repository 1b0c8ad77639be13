//! Golden vectors: language-neutral test data in `vectors/`, and the code that loads, checks,
//! generates and runs it.
//!
//! A vector is a stream exactly as it arrives (its chunks, in hex), the framing it is in, and
//! what a conforming decoder must do with it: which frames come out, and which call emits each;
//! for an invalid stream, the class of error and the call that must report it. The format is
//! documented in `vectors/README.md` and `vectors/schema.json`; any implementation in any
//! language can read it.
//!
//! ```
//! use framecheck::vectors::{self, Profile, Reported};
//! use framecheck::ReferenceDecoder;
//!
//! let all = vectors::bundled().unwrap();
//! let worked = all.iter().find(|v| v.id == "seed-worked-example").unwrap();
//! assert_eq!(worked.chunks.len(), 4);
//! // Emitted by the 2nd chunk:
//! assert_eq!(worked.outcome.frames[0], (b"abc".to_vec(), Reported::Chunk(1)));
//!
//! // Every bundled vector, as given and under the schedule catalog, against the reference.
//! let report = vectors::run(&all, Profile::default(), |framing| Some(ReferenceDecoder::new(framing)));
//! assert!(report.is_pass());
//! ```
//!
//! Loading checks each vector twice: against the format (every error names the file, the
//! vector id and the field), and against the framing's specification, so that a vector that
//! says something the specification does not is an error, not a silent disagreement.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::adapter::FrameDecoder;
use crate::adversarial;
use crate::case::{Case, Stream};
use crate::error::{decode_hex, hex, Error};
use crate::framing::{
    At, End, Endian, ErrorClass, Expectation, Framing, HeaderParse, LineEof, Wire,
    LARGEST_FIXED_SIZE,
};
use crate::schedule::{catalog, Schedule};
use crate::suite::{message_sets, Report, Suite};

/// The value of the `format` field.
pub const FORMAT: &str = "framecheck-vectors";
/// The format version this library reads and writes.
pub const VERSION: u64 = 1;

/// The vector files shipped with the library: `(file name, contents)`.
pub const BUNDLED: &[(&str, &str)] = &[
    ("seed.json", include_str!("../vectors/seed.json")),
    (
        "regressions.json",
        include_str!("../vectors/regressions.json"),
    ),
    (
        "generated/u8.json",
        include_str!("../vectors/generated/u8.json"),
    ),
    (
        "generated/u16be.json",
        include_str!("../vectors/generated/u16be.json"),
    ),
    (
        "generated/lines.json",
        include_str!("../vectors/generated/lines.json"),
    ),
    (
        "generated/lines-emit-resync.json",
        include_str!("../vectors/generated/lines-emit-resync.json"),
    ),
    (
        "generated/lines-text.json",
        include_str!("../vectors/generated/lines-text.json"),
    ),
    (
        "generated/netstring.json",
        include_str!("../vectors/generated/netstring.json"),
    ),
    (
        "generated/fixed.json",
        include_str!("../vectors/generated/fixed.json"),
    ),
    (
        "generated/u16le.json",
        include_str!("../vectors/generated/u16le.json"),
    ),
    (
        "generated/u32be.json",
        include_str!("../vectors/generated/u32be.json"),
    ),
    (
        "generated/u32le.json",
        include_str!("../vectors/generated/u32le.json"),
    ),
    (
        "generated/u64be.json",
        include_str!("../vectors/generated/u64be.json"),
    ),
    (
        "generated/u64le.json",
        include_str!("../vectors/generated/u64le.json"),
    ),
    (
        "generated/u16be-incl.json",
        include_str!("../vectors/generated/u16be-incl.json"),
    ),
    (
        "generated/u32le-incl.json",
        include_str!("../vectors/generated/u32le-incl.json"),
    ),
    (
        "generated/varint.json",
        include_str!("../vectors/generated/varint.json"),
    ),
];

/// Whether a vector's stream is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Every frame must come out; EOF is clean.
    Valid,
    /// The decoder must reject the stream where the vector says.
    Invalid,
    /// Implementation-defined: resolved by what the decoder declares (its [`Profile`]).
    Acceptable,
}

impl Expected {
    fn name(self) -> &'static str {
        match self {
            Expected::Valid => "valid",
            Expected::Invalid => "invalid",
            Expected::Acceptable => "acceptable",
        }
    }
}

/// Which call must report an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    /// The call that delivers chunk N (from 0).
    Chunk(usize),
    /// EOF.
    Eof,
}

impl Reported {
    /// `chunk 3` or `EOF`, for messages.
    pub fn name(self) -> String {
        match self {
            Reported::Chunk(i) => format!("chunk {i}"),
            Reported::Eof => "EOF".to_string(),
        }
    }

    fn json(self) -> Value {
        match self {
            Reported::Eof => json!("eof"),
            Reported::Chunk(i) => json!(i),
        }
    }
}

/// What a decoder must do with a vector's stream.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Each frame's bytes, and the call that must emit it: the chunk holding its last byte,
    /// or EOF for an unterminated last line under `:eof=emit`.
    pub frames: Vec<(Vec<u8>, Reported)>,
    /// For an invalid stream: the error class, and which calls may report it.
    pub error: Option<ExpectedError>,
    /// After an error the decoder recovers from (`lines:resync`), what the rest of the stream
    /// decodes to: one outcome per stretch between recovered errors, in order, each with an
    /// empty `resumed` (in the file, each is nested in the one before).
    pub resumed: Vec<Outcome>,
}

/// The rejection an invalid stream must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedError {
    /// What is wrong.
    pub class: ErrorClass,
    /// The call by which the stream must have been rejected (`reported_by` in the file).
    pub reported_by: Reported,
    /// The first call at which a rejection is justified (`earliest_by`; when the file omits
    /// it, the same as `reported_by`).
    pub earliest_by: Reported,
}

impl ExpectedError {
    fn describe(&self) -> String {
        let at = |r: Reported| match r {
            Reported::Eof => "EOF".to_string(),
            Reported::Chunk(i) => format!("chunk {i}"),
        };
        if self.earliest_by == self.reported_by {
            format!("{} by {}", self.class.name(), at(self.reported_by))
        } else {
            format!(
                "{} from {} to {}",
                self.class.name(),
                at(self.earliest_by),
                at(self.reported_by)
            )
        }
    }
}

/// What a decoder under test declares about itself, which resolves `acceptable` vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Whether the decoder accepts zero-length frames (most do; some protocols forbid them).
    pub empty_frames: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile { empty_frames: true }
    }
}

/// A note on what a flag tests, with links to the issue or advisory behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagNote {
    /// What the flag means.
    pub note: String,
    /// Issues, advisories, documents.
    pub links: Vec<String>,
}

/// One golden vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vector {
    /// Stable id, unique across all files.
    pub id: String,
    /// The file it came from.
    pub file: String,
    /// Why the vector exists.
    pub comment: String,
    /// What it tests; each flag is explained in its file's `flags`.
    pub flags: Vec<String>,
    /// The framing, with its maximum frame length.
    pub framing: Framing,
    /// The stream, as the reads that deliver it.
    pub chunks: Vec<Vec<u8>>,
    /// Valid, invalid or acceptable.
    pub result: Expected,
    /// The outcome (for `acceptable`, the outcome when the capability is declared).
    pub outcome: Outcome,
    /// For `acceptable`: the capability it depends on (`empty-frames`).
    pub depends_on: Option<String>,
    /// For `acceptable`: the outcome when the capability is not declared.
    pub otherwise: Option<Outcome>,
}

impl Vector {
    /// The vector's stream cut into its chunks, as given (labelled `vector:ID`).
    pub fn case(&self) -> Case {
        self.case_under(self.framing)
    }

    /// The same, read under `framing` (one with the same wire format and another maximum).
    pub fn case_under(&self, framing: Framing) -> Case {
        let stream = Stream::raw(framing, format!("vector:{}", self.id), self.chunks.concat());
        Case::new(Arc::new(stream), "as-given", given_schedule(&self.chunks))
    }

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
        fields.extend(outcome_json(&self.outcome));
        if let (Some(dep), Some(other)) = (&self.depends_on, &self.otherwise) {
            fields.insert("depends_on".into(), json!(dep));
            fields.insert("otherwise".into(), Value::Object(outcome_json(other)));
        }
        v
    }

    /// The framing and outcome that apply to a decoder with `profile`.
    pub fn resolve(&self, profile: Profile) -> (Framing, &Outcome) {
        match (&self.otherwise, self.depends_on.as_deref()) {
            (Some(other), Some("empty-frames")) if !profile.empty_frames => {
                (self.framing.with_empty_frames(false), other)
            }
            _ => (self.framing, &self.outcome),
        }
    }

    /// The vector's stream as given, then under every catalog schedule (labelled
    /// `id / schedule`), for a decoder with `profile`.
    pub fn cases(&self, profile: Profile) -> Vec<Case> {
        let (framing, _) = self.resolve(profile);
        let bytes: Vec<u8> = self.chunks.concat();
        let stream = Arc::new(Stream::raw(framing, self.id.clone(), bytes));
        let given = given_schedule(&self.chunks);
        let mut cases = vec![Case::new(stream.clone(), "as-given", given.clone())];
        for (name, schedule) in catalog(&stream.layout()) {
            if schedule != given {
                cases.push(Case::new(stream.clone(), name, schedule));
            }
        }
        cases
    }
}

fn given_schedule(chunks: &[Vec<u8>]) -> Schedule {
    let len = chunks.iter().map(|c| c.len()).sum();
    Schedule::from_sizes(&chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), len)
}

/// The outcome the specification gives a stream cut into `chunks`.
pub fn spec_outcome(framing: Framing, chunks: &[Vec<u8>]) -> Outcome {
    let bytes = chunks.concat();
    let schedule = given_schedule(chunks);
    let exp = framing.expect(&bytes);
    let mut first = outcome_of(&exp, &bytes, &schedule, None);
    let mut after = first.error.map(|e| e.reported_by);
    for segment in &exp.resumed {
        let next = outcome_of(segment, &bytes, &schedule, after);
        after = next.error.map(|e| e.reported_by);
        first.resumed.push(next);
    }
    first
}

/// The outcome of one segment (its `resumed` left empty). `after` is the call that reported
/// the recoverable error before it, if any: the call that returned `Err` emitted nothing after it, so what its bytes
/// completed is due from the next call on.
fn outcome_of(
    exp: &Expectation,
    bytes: &[u8],
    schedule: &Schedule,
    after: Option<Reported>,
) -> Outcome {
    let chunks = schedule.ranges(bytes.len()).len();
    let from = after.map(|r| match r {
        Reported::Chunk(c) if c + 1 < chunks => Reported::Chunk(c + 1),
        _ => Reported::Eof,
    });
    let reported = |at: At| {
        let r = match at {
            At::Byte(b) => Reported::Chunk(schedule.chunk_of(b)),
            At::Eof => Reported::Eof,
        };
        match (r, from) {
            (Reported::Chunk(a), Some(Reported::Chunk(b))) => Reported::Chunk(a.max(b)),
            (Reported::Chunk(_), Some(Reported::Eof)) => Reported::Eof,
            (r, _) => r,
        }
    };
    let frames = exp
        .frames
        .iter()
        .map(|f| (bytes[f.payload.clone()].to_vec(), reported(f.due())))
        .collect();
    let error = match exp.end {
        End::Clean => None,
        End::Reject {
            class,
            at,
            earliest,
            ..
        } => Some(ExpectedError {
            class,
            reported_by: reported(at),
            earliest_by: reported(earliest),
        }),
    };
    Outcome {
        frames,
        error,
        resumed: Vec::new(),
    }
}

/// Every bundled vector, loaded and checked (once per process).
pub fn bundled() -> Result<Vec<Vector>, Error> {
    static CACHE: std::sync::OnceLock<Result<Vec<Vector>, Error>> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| {
            let mut ids = HashSet::new();
            let mut out = Vec::new();
            for (name, text) in BUNDLED {
                out.extend(load_str(name, text, &mut ids)?.vectors);
            }
            Ok(out)
        })
        .clone()
}

/// The bundled vectors that apply to `framing`, each as given (labelled `vector:ID`).
///
/// A vector applies when its wire format is the same and the specification of `framing`
/// (with its own maximum and empty-frame rule) gives its stream the very outcome the vector
/// states, so a vector written for `max=1024` also serves a decoder with a larger maximum
/// whenever no length in it falls between the two.
pub fn cases_for(framing: Framing) -> Vec<Case> {
    let Ok(all) = bundled() else {
        return Vec::new();
    };
    let profile = Profile {
        empty_frames: framing.empty_frames(),
    };
    all.iter()
        .filter(|v| v.framing.wire() == framing.wire())
        .filter(|v| spec_outcome(framing, &v.chunks) == *v.resolve(profile).1)
        .map(|v| v.case_under(framing))
        .collect()
}

/// A loaded vector file.
#[derive(Clone, Debug)]
pub struct VectorFile {
    /// The flags it defines.
    pub flags: BTreeMap<String, FlagNote>,
    /// Its vectors.
    pub vectors: Vec<Vector>,
}

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

struct Ctx<'a> {
    file: &'a str,
    /// `vector ID: ` or `vectors[N]: `, or empty at the top level.
    at: String,
    /// The path of the object being read, such as `frames[1].`.
    path: String,
}

impl Ctx<'_> {
    fn within(&self, path: &str) -> Ctx<'_> {
        Ctx {
            file: self.file,
            at: self.at.clone(),
            path: format!("{}{path}", self.path),
        }
    }
    fn err(&self, field: &str, what: String) -> Error {
        Error::new(format!(
            "{}: {}{}{field}: {what}",
            self.file, self.at, self.path
        ))
    }
    fn get<'v>(&self, o: &'v Map<String, Value>, field: &str) -> Result<&'v Value, Error> {
        o.get(field)
            .ok_or_else(|| self.err(field, "missing".to_string()))
    }
    /// Rejects fields other than `known`: a misspelt optional field must not pass silently.
    fn only(&self, o: &Map<String, Value>, known: &[&str]) -> Result<(), Error> {
        match o.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                k,
                format!("unknown field (expected one of: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }
    fn object<'v>(&self, v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, Error> {
        v.as_object()
            .ok_or_else(|| self.err(what, format!("must be an object, found {}", kind(v))))
    }
    fn array<'v>(&self, v: &'v Value, what: &str) -> Result<&'v Vec<Value>, Error> {
        v.as_array()
            .ok_or_else(|| self.err(what, format!("must be an array, found {}", kind(v))))
    }
    fn str<'v>(&self, o: &'v Map<String, Value>, field: &str) -> Result<&'v str, Error> {
        let v = self.get(o, field)?;
        v.as_str()
            .ok_or_else(|| self.err(field, format!("must be a string, found {}", kind(v))))
    }
    fn u64(&self, o: &Map<String, Value>, field: &str) -> Result<u64, Error> {
        let v = self.get(o, field)?;
        v.as_u64().ok_or_else(|| {
            self.err(
                field,
                format!("must be a non-negative integer, found {}", show(v)),
            )
        })
    }
    fn hex(&self, v: &Value, field: &str) -> Result<Vec<u8>, Error> {
        let s = v
            .as_str()
            .ok_or_else(|| self.err(field, format!("must be a hex string, found {}", kind(v))))?;
        decode_hex(
            &format!("{}: {}{}{field}", self.file, self.at, self.path),
            s,
        )
    }
    /// A chunk index below `chunks`, or `"eof"` when `eof` allows it.
    fn call(
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

fn kind(v: &Value) -> &'static str {
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
fn show(v: &Value) -> String {
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
    let framing = load_framing(&ctx.within("framing."), ctx.get(o, "framing")?)?;
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
    let outcome = load_outcome(&ctx, o, chunks.len())?;
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

    // The vector must agree with the specification.
    check_against_spec(&ctx, framing, &chunks, &outcome)?;
    match &otherwise {
        Some(other) => check_against_spec(
            &ctx.within("otherwise."),
            framing.with_empty_frames(false),
            &chunks,
            other,
        )?,
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
    })
}

/// Reads a `framing` object; `ctx` is already within `framing.`.
fn load_framing(ctx: &Ctx<'_>, v: &Value) -> Result<Framing, Error> {
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

/// Checks an outcome against the specification; `ctx` is within `otherwise.` for that branch.
fn check_against_spec(
    ctx: &Ctx<'_>,
    framing: Framing,
    chunks: &[Vec<u8>],
    outcome: &Outcome,
) -> Result<(), Error> {
    let spec = spec_outcome(framing, chunks);
    let disagree = |field: String, what: String| {
        ctx.err(
            &field,
            format!("{what} (by the specification of {framing})"),
        )
    };
    for (i, ((bytes, by), (sbytes, sby))) in outcome.frames.iter().zip(&spec.frames).enumerate() {
        if bytes != sbytes {
            return Err(disagree(
                format!("frames[{i}].hex"),
                format!("is {} where the stream holds {}", hex(bytes), hex(sbytes)),
            ));
        }
        if by != sby {
            let due = match sby {
                Reported::Chunk(c) => format!("the frame's last byte arrives in chunk {c}"),
                Reported::Eof => "only EOF completes the frame".to_string(),
            };
            return Err(disagree(
                format!("frames[{i}].emitted_by"),
                format!("is {}; {due}", by.name()),
            ));
        }
    }
    if outcome.frames.len() != spec.frames.len() {
        return Err(disagree(
            "frames".to_string(),
            format!(
                "lists {} frames where the stream holds {}",
                outcome.frames.len(),
                spec.frames.len()
            ),
        ));
    }
    if outcome.error != spec.error {
        let show = |e: &Option<ExpectedError>| e.map_or("no error".to_string(), |e| e.describe());
        return Err(disagree(
            "error".to_string(),
            format!(
                "says {}; the stream gives {}",
                show(&outcome.error),
                show(&spec.error)
            ),
        ));
    }
    check_resumed(ctx, framing, outcome, &spec)
}

/// Checks what an outcome says follows a recoverable error against the specification.
fn check_resumed(
    ctx: &Ctx<'_>,
    framing: Framing,
    outcome: &Outcome,
    spec: &Outcome,
) -> Result<(), Error> {
    let mut path = String::new();
    for k in 0..outcome.resumed.len().max(spec.resumed.len()) {
        path.push_str("resumed.");
        let (o, s) = (outcome.resumed.get(k), spec.resumed.get(k));
        let rctx = ctx.within(&path[..path.len() - "resumed.".len()]);
        match (o, s) {
            (Some(_), None) => {
                return Err(rctx.err(
                    "resumed",
                    format!("is given, but under {framing} the stream ends with the error before"),
                ))
            }
            (None, Some(_)) => {
                return Err(rctx.err(
                    "resumed",
                    format!(
                        "is missing: under {framing} the decoder recovers from the error, and \
                         the vector must say what follows"
                    ),
                ))
            }
            (Some(o), Some(s)) if (&o.frames, &o.error) != (&s.frames, &s.error) => {
                return Err(ctx.within(&path).err(
                    "frames",
                    format!(
                        "disagree with what follows the error (by the specification of \
                         {framing}: {} frames, {})",
                        s.frames.len(),
                        s.error.map_or("no error".to_string(), |e| e.describe())
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The result of running vectors against a decoder.
#[derive(Debug)]
pub struct VectorReport {
    /// One report per framing the vectors use.
    pub reports: Vec<Report>,
    /// Vectors not run, with why.
    pub skipped: Vec<(String, String)>,
}

impl VectorReport {
    /// No case failed.
    pub fn is_pass(&self) -> bool {
        self.reports.iter().all(|r| r.is_pass())
    }

    /// Ids of the vectors with at least one failing case.
    pub fn failing_vectors(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .reports
            .iter()
            .flat_map(|r| r.results.iter())
            .filter(|c| matches!(c.status, crate::suite::Status::Fail(_)))
            .filter_map(|c| c.label.split(' ').nth(1).map(String::from))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Runs `vectors`, each as given and under the schedule catalog, against decoders from
/// `factory`, which returns `None` for a framing its decoder cannot be configured for (those
/// vectors are skipped and listed). `acceptable` vectors resolve by `profile` and by the
/// decoder's own [`FrameDecoder::empty_frames`]: if either says no empty frames, it is no.
pub fn run<F, D>(vectors: &[Vector], profile: Profile, factory: F) -> VectorReport
where
    F: Fn(Framing) -> Option<D> + Send + Sync + 'static,
    D: FrameDecoder,
{
    run_with(vectors, profile, factory, |s| s)
}

/// [`run`], with each per-framing [`Suite`] adjusted by `configure` (timeout, reproduce line).
pub fn run_with<F, D>(
    vectors: &[Vector],
    profile: Profile,
    factory: F,
    configure: impl Fn(Suite) -> Suite,
) -> VectorReport
where
    F: Fn(Framing) -> Option<D> + Send + Sync + 'static,
    D: FrameDecoder,
{
    let factory = Arc::new(factory);
    let mut groups: BTreeMap<Framing, Vec<Case>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for v in vectors {
        let (framing, _) = v.resolve(profile);
        if factory(framing).is_none() {
            skipped.push((
                v.id.clone(),
                format!("the decoder does not support {framing}"),
            ));
            continue;
        }
        groups.entry(framing).or_default().extend(v.cases(profile));
    }
    let reports = groups
        .into_iter()
        .map(|(framing, cases)| {
            let f = factory.clone();
            configure(Suite::new(framing)).run_cases(cases, move || {
                f(framing).expect("the factory supported this framing a moment ago")
            })
        })
        .collect();
    VectorReport { reports, skipped }
}

/// The flags the generator uses, with their notes.
pub fn flag_notes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("worked-example", "The seed explainer's worked example (FRAMING-BUGS.md #1)."),
        ("coalesced", "Several frames arrive in one read; every one must come out of that call (#2, the seed's \"Check yourself\")."),
        ("split-header", "A read ends inside a length header (#3, #4)."),
        ("bytewise", "The stream arrives one byte per read (#1, #3, #4)."),
        ("seam", "A read boundary one byte before or after a frame boundary (#2, #5)."),
        ("empty-frame", "Zero-length frames, valid unless the decoder declares otherwise (#14)."),
        ("many-empty-frames", "A long run of consecutive empty frames (#14)."),
        ("max-length", "A payload of exactly the maximum frame length, which is valid (#10)."),
        ("oversized", "A header announcing more than the maximum: rejected by the call that completes the header, before any payload is buffered (#9, #10)."),
        ("field-width-boundary", "A length at a power-of-two boundary of a field width: 255/256, 2^16, 2^24, 2^31, 2^32, 2^63 (#8)."),
        ("length-overflow", "A length that wraps when the header width is added to it (#7)."),
        ("top-bit", "A header with its top bit set, negative if read as signed (#8)."),
        ("field-max", "The largest value the field can hold (#7, #9)."),
        ("truncated-at-eof", "The stream ends inside a frame; EOF must report it (#13)."),
        ("eof-inside-header", "The stream ends inside a length header (#13)."),
        ("eof-after-header", "The stream ends exactly after a complete header (#13)."),
        ("eof-inside-payload", "The stream ends inside a payload (#13)."),
        ("malformed-header", "A length that counts the header but is smaller than it (#17)."),
        ("length-includes-header", "The length field counts the header bytes too (#17)."),
        ("little-endian", "The length field is little endian (#16)."),
        ("large-frame", "A frame of 255 bytes or more, past a one-byte boundary (#8)."),
        ("varint", "A varint (unsigned LEB128) length prefix (#15)."),
        ("lines", "Newline-delimited lines: a frame is the bytes before each 0a."),
        ("resync", "An over-long line is an error, after which the decoder goes on from the next newline (`lines` with `resync`)."),
        ("fixed", "Fixed-size frames."),
        ("netstring", "Netstrings: `<decimal length>:<payload>,` (D. J. Bernstein)."),
        ("varint-edge", "A non-minimal, overflowing, endless or truncated varint, or one of ten bytes (#15)."),
    ]
}

fn flag_links(flag: &str) -> Vec<&'static str> {
    match flag {
        "oversized" | "field-max" => {
            vec!["https://docs.rs/tokio-util/latest/tokio_util/codec/length_delimited/"]
        }
        "length-includes-header" => vec!["https://github.com/tokio-rs/tokio/issues/4815"],
        _ => vec![],
    }
}

/// The framings the generator writes a file for: `(file stem, framing)`.
pub fn generated_framings() -> Vec<(&'static str, Framing)> {
    [
        ("u8", "u8:max=100"),
        ("u16be", "u16be:max=1024"),
        ("u16le", "u16le:max=1024"),
        ("u32be", "u32be:max=1024"),
        ("u32le", "u32le:max=1024"),
        ("u64be", "u64be:max=1024"),
        ("u64le", "u64le:max=1024"),
        ("u16be-incl", "u16be:max=1024:incl"),
        ("u32le-incl", "u32le:max=1024:incl"),
        ("varint", "varint:max=1024"),
        ("lines", "lines:max=16"),
        ("lines-emit-resync", "lines:max=16:eof=emit:resync"),
        ("lines-text", "lines:max=16:eof=emit:resync:text:crlf"),
        ("fixed", "fixed:size=4"),
        ("netstring", "netstring:max=1024"),
    ]
    .into_iter()
    .map(|(n, s)| (n, s.parse().expect("generator framings parse")))
    .collect()
}

/// The generated vector files, `(path under vectors/, contents)`: the message sets and the
/// adversarial streams of each generated framing, each cut by one schedule of the catalog.
pub fn generate() -> Vec<(String, String)> {
    const PREFERRED: [&str; 8] = [
        "whole",
        "seam+1",
        "header-cut-1",
        "frame-boundaries",
        "bytewise",
        "seam-1",
        "header-split-1-2",
        "fixed-3",
    ];
    let mut files = Vec::new();
    for (stem, framing) in generated_framings() {
        let mut streams = message_sets(framing);
        streams.extend(adversarial::streams(framing));
        let mut vectors = Vec::new();
        let mut used: BTreeMap<String, ()> = BTreeMap::new();
        for (i, s) in streams.iter().enumerate() {
            if s.bytes().len() > 2048 {
                continue;
            }
            let cat = catalog(&s.layout());
            let (schedule_name, schedule) = (0..PREFERRED.len())
                .find_map(|k| {
                    let want = PREFERRED[(i + k) % PREFERRED.len()];
                    cat.iter().find(|(n, _)| n == want).cloned()
                })
                .unwrap_or_else(|| ("whole".to_string(), Schedule::whole()));
            let chunks: Vec<Vec<u8>> = schedule.chunks(s.bytes()).map(|c| c.to_vec()).collect();
            let id = format!("{stem}-{}-{schedule_name}", s.name());
            if used.insert(id.clone(), ()).is_some() {
                continue;
            }
            vectors.push(vector_json(&id, framing, s, &schedule_name, &chunks));
        }
        let used: HashSet<&str> = vectors
            .iter()
            .flat_map(|v| v["flags"].as_array().into_iter().flatten())
            .filter_map(|f| f.as_str())
            .collect();
        let flags: Map<String, Value> = flag_notes()
            .into_iter()
            .filter(|(f, _)| used.contains(f))
            .map(|(f, note)| (f.to_string(), json!({"note": note, "links": flag_links(f)})))
            .collect();
        let file = json!({
            "format": FORMAT,
            "version": VERSION,
            "generator": "framecheck vectors generate",
            "flags": flags,
            "vectors": vectors,
        });
        let mut text = serde_json::to_string_pretty(&file).expect("JSON values serialize");
        text.push('\n');
        files.push((format!("generated/{stem}.json"), text));
    }
    files
}

fn framing_json(framing: Framing) -> Value {
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
        Wire::Netstring(_) => {
            json!({"type": "netstring", "max_frame_len": framing.max_frame_len()})
        }
    }
}

/// `frames`, `error` and (when the decoder recovers from the error) `resumed`.
fn outcome_json(o: &Outcome) -> Map<String, Value> {
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

fn vector_json(
    id: &str,
    framing: Framing,
    s: &Stream,
    schedule_name: &str,
    chunks: &[Vec<u8>],
) -> Value {
    let outcome = spec_outcome(framing, chunks);
    let has_empty = outcome.frames.iter().any(|(b, _)| b.is_empty());
    let result = match (&outcome.error, has_empty) {
        (_, true) => Expected::Acceptable,
        (None, false) => Expected::Valid,
        (Some(_), false) => Expected::Invalid,
    };
    let mut flags: Vec<&str> = Vec::new();
    let name = s.name();
    if name == "worked-example" {
        flags.push("worked-example");
    }
    if chunks.iter().any(|c| {
        let e = framing.expect(c);
        e.frames.len() > 1
    }) || (schedule_name == "whole" && outcome.frames.len() > 1)
    {
        flags.push("coalesced");
    }
    match schedule_name {
        "bytewise" => flags.push("bytewise"),
        n if n.starts_with("header-") && framing.has_length_field() => flags.push("split-header"),
        n if n.starts_with("seam") => flags.push("seam"),
        _ => {}
    }
    if has_empty {
        flags.push("empty-frame");
    }
    if name.starts_with("empty-x") && has_empty {
        flags.push("many-empty-frames");
    }
    if name == "len=max" {
        flags.push("max-length");
    }
    if outcome.frames.iter().any(|(b, _)| b.len() >= 255) {
        flags.push("large-frame");
    }
    if name.starts_with("field=") {
        flags.push("field-width-boundary");
    }
    if name.starts_with("overflow-") {
        flags.push("length-overflow");
    }
    if name.starts_with("top-bit") {
        flags.push("top-bit");
    }
    if name == "field=max-field" {
        flags.push("field-max");
    }
    if name.starts_with("varint-") {
        flags.push("varint-edge");
    }
    match &outcome.error {
        Some(ExpectedError {
            class: ErrorClass::Oversized,
            ..
        }) => flags.push("oversized"),
        Some(ExpectedError {
            class: ErrorClass::MalformedHeader,
            ..
        }) => flags.push("malformed-header"),
        Some(ExpectedError {
            class: ErrorClass::TruncatedAtEof,
            ..
        }) => {
            flags.push("truncated-at-eof");
            let exp = framing.expect(&chunks.concat());
            if let (End::Reject { start, .. }, true) = (exp.end, framing.has_length_field()) {
                let bytes = chunks.concat();
                let rest = bytes.len() - start;
                flags.push(match framing.parse_header(&bytes[start..]) {
                    HeaderParse::Frame { header_len, .. } if header_len == rest => {
                        "eof-after-header"
                    }
                    HeaderParse::Frame { .. } => "eof-inside-payload",
                    _ => "eof-inside-header",
                });
            }
        }
        _ => {}
    }
    match framing.wire() {
        Wire::LengthPrefix(lp) => {
            if lp.includes_header {
                flags.push("length-includes-header");
            }
            if lp.endian == Endian::Little && lp.width > 1 {
                flags.push("little-endian");
            }
        }
        Wire::Varint(_) => flags.push("varint"),
        Wire::Lines(l) => {
            flags.push("lines");
            if l.resync && !outcome.resumed.is_empty() {
                flags.push("resync");
            }
        }
        Wire::Fixed(_) => flags.push("fixed"),
        Wire::Netstring(_) => flags.push("netstring"),
    }
    let mut comment =
        format!("Generated: the {name} stream of {framing}, cut by the {schedule_name} schedule. ");
    match &outcome.error {
        None => {
            let _ = write!(comment, "All {} frames must come out", outcome.frames.len());
            comment.push_str(", each from the chunk that completes it.");
            if outcome.frames.iter().any(|(_, by)| *by == Reported::Eof) {
                comment.push_str(" The unterminated last line comes out at EOF.");
            }
        }
        Some(e) => {
            let _ = write!(
                comment,
                "{} frame(s) before a {} frame, reported {}.",
                outcome.frames.len(),
                e.class.name(),
                match (e.earliest_by, e.reported_by) {
                    (_, Reported::Eof) => "at EOF".to_string(),
                    (Reported::Chunk(a), Reported::Chunk(b)) if a < b => format!(
                        "by chunk {b}, which completes the header, or as early as chunk {a}, \
                         whose bytes already prove it bad"
                    ),
                    (_, Reported::Chunk(b)) if !framing.has_length_field() => {
                        format!("by chunk {b}, which proves it")
                    }
                    (_, Reported::Chunk(b)) => {
                        format!("by chunk {b}, which completes the header")
                    }
                }
            );
            if let Some(r) = outcome.resumed.first() {
                let _ = write!(
                    comment,
                    " The decoder then goes on after the next newline: {} more frame(s){}.",
                    r.frames.len(),
                    if r.error.is_some() {
                        " and another error"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    let mut v = json!({
        "id": id,
        "comment": comment,
        "flags": flags,
        "framing": framing_json(framing),
        "chunks": chunks.iter().map(|c| hex(c)).collect::<Vec<_>>(),
        "result": result.name(),
    });
    let fields = v.as_object_mut().expect("an object");
    fields.extend(outcome_json(&outcome));
    if result == Expected::Acceptable {
        let other = spec_outcome(framing.with_empty_frames(false), chunks);
        fields.insert("depends_on".into(), json!("empty-frames"));
        fields.insert("otherwise".into(), Value::Object(outcome_json(&other)));
    }
    v
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
    fn duplicate_ids_are_an_error() {
        let mut ids = HashSet::new();
        load_str("a.json", GOOD, &mut ids).unwrap();
        let e = load_str("b.json", GOOD, &mut ids).unwrap_err().to_string();
        assert!(e.contains("b.json: vector v1: id: duplicate id"), "{e}");
    }

    #[test]
    fn regenerating_the_vectors_changes_nothing() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
        for (name, text) in generate() {
            let committed = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("vectors/{name}: {e}"));
            assert!(
                committed == text,
                "vectors/{name} differs from the generator's output: run \
                 `cargo run -- vectors generate` and commit the result"
            );
        }
    }

    #[test]
    fn bundled_vectors_are_many_and_cover_every_framing() {
        let all = bundled().unwrap();
        assert!(all.len() >= 150, "only {} vectors", all.len());
        for (_, framing) in generated_framings() {
            assert!(
                all.iter().filter(|v| v.framing == framing).count() >= 15,
                "{framing}"
            );
        }
        for kind in ["valid", "invalid", "acceptable"] {
            assert!(
                all.iter().any(|v| v.result.name() == kind),
                "no {kind} vector"
            );
        }
    }

    #[test]
    fn acceptable_vectors_resolve_by_profile() {
        let all = bundled().unwrap();
        let v = all
            .iter()
            .find(|v| v.result == Expected::Acceptable)
            .unwrap();
        let (f, o) = v.resolve(Profile {
            empty_frames: false,
        });
        assert!(!f.empty_frames());
        assert!(matches!(
            o.error,
            Some(ExpectedError {
                class: ErrorClass::EmptyFrame,
                ..
            })
        ));
        assert!(v.resolve(Profile::default()).0.empty_frames());
    }
}
