//! Baselines: the failures a team already knows about, so that CI fails on new ones only.
//!
//! A decoder with one known finding (tokio-util's `LengthDelimitedCodec` losing a frame at EOF
//! right after its header, say) fails every run; without a baseline a team can only switch the
//! check off or live with red. A baseline file lists those findings, each with a reason:
//!
//! ```json
//! {
//!   "framecheck_baseline": 1,
//!   "known": [
//!     {
//!       "framing": "u32be",
//!       "decoder": "tokio-util07-decode",
//!       "kind": "truncation-ignored",
//!       "stream": "truncation",
//!       "reason": "a stream cut right after a header ends cleanly at EOF",
//!       "link": "https://example.com/tracker/4815"
//!     }
//!   ]
//! }
//! ```
//!
//! | field | |
//! |---|---|
//! | `framing` | a framing spec, compared as framecheck prints it (`u32be` is `u32be:max=8388608`), or `"*"` for any framing |
//! | `kind` | a failure kind (`truncation-ignored`, `panic`, ...) |
//! | `decoder` | optional: a bundled decoder id, or the start of one up to a `-` (`tokio-util07` is every tokio-util decoder); an entry without one applies to any decoder, including a program under `--exec` |
//! | `stream` | optional: one stream (`vector:ID`, `len=max+1`) or a group of streams, named as the matrix's columns are: `vectors`, `messages`, `length-edges`, `hostile-headers`, `truncation`, `random`, `many-frames` |
//! | `reason` | why the failure is accepted: required, not empty |
//! | `link` | optional: where it is tracked |
//!
//! A failed case that an entry matches becomes [`Status::Known`]: it is reported as skipped,
//! with the entry's reason, and does not fail the run. Anything else that fails is new and
//! fails the run. An entry that matches no case of a run it applies to is *fixed* (or no longer
//! reached): it is reported, and a ratchet ([`Known::ratchet`]) fails the run on it too, so
//! that a baseline can only shrink. A run that lets known failures through and then stops
//! early (a fault limit) does not pass either: the baseline cannot vouch for what did not run.
//!
//! A baseline never allows a failure silently: a malformed file, an unknown field or kind, an
//! empty reason, or an entry that applies to no run at all (a framing or decoder not run, see
//! [`Baseline::check_applies`]) is an [`Error`] naming the file and the entry.
//!
//! ```
//! use framecheck::baseline::Baseline;
//! use framecheck::{zoo, Framing, Suite};
//!
//! let framing: Framing = "u16be:max=64".parse().unwrap();
//! let baseline = Baseline::parse("known.json", r#"{"framecheck_baseline": 1, "known": [
//!     {"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "no drain loop, on purpose"}
//! ]}"#).unwrap();
//! baseline.check_applies(&[(None, framing)]).unwrap();
//! let buggy = zoo::by_name("no-drain-loop").unwrap();
//! let report = Suite::new(framing)
//!     .random_cases(20)
//!     .known(baseline.for_run(None, framing))
//!     .run(move || buggy.build(framing));
//! // The stuck frames are let through, and said so; the late rejections (its other bug) are new.
//! assert_eq!(report.known[0].reason, "no drain loop, on purpose");
//! assert!(report.known_failed > 0);
//! assert!(!report.is_pass());
//! assert_eq!(report.by_kind.keys().map(|k| k.name()).collect::<Vec<_>>(), ["late-rejection"]);
//! ```

use std::fmt;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::framing::Framing;
use crate::kind::StreamKind;
use crate::oracle::FailureKind;
use crate::report::{KnownFailure, Report, Status};
use crate::Error;

/// The version of the file format, in its `framecheck_baseline` field.
pub const FORMAT: u64 = 1;

/// The stream groups an entry's `stream` may name (the matrix's columns).
pub const STREAM_GROUPS: [&str; 7] = [
    "vectors",
    "messages",
    "length-edges",
    "hostile-headers",
    "truncation",
    "random",
    "many-frames",
];

/// The group a stream of `kind` belongs to, as an entry's `stream` names it.
pub fn stream_group(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Vector => "vectors",
        StreamKind::Truncation(_) => "truncation",
        StreamKind::HostileHeader(_) => "hostile-headers",
        StreamKind::LengthEdge(_) => "length-edges",
        StreamKind::Random => "random",
        StreamKind::Bulk(_) | StreamKind::LongLived => "many-frames",
        StreamKind::Messages
        | StreamKind::WorkedExample
        | StreamKind::WireEdge
        | StreamKind::Other => "messages",
    }
}

/// One known failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The framing, or `None` for any (`"*"`).
    pub framing: Option<Framing>,
    /// The bundled decoder id prefix it is limited to, if any.
    pub decoder: Option<String>,
    /// The failure kind.
    pub kind: FailureKind,
    /// The stream, or group of streams, it is limited to, if any.
    pub stream: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// Where it is tracked.
    pub link: Option<String>,
}

impl Entry {
    /// Whether the entry applies to a run of `decoder` (a bundled decoder id, `None` for a
    /// program or a decoder of the user's) under `framing`.
    pub fn applies_to(&self, decoder: Option<&str>, framing: Framing) -> bool {
        let framing_ok = self
            .framing
            .is_none_or(|f| f.to_string() == framing.to_string());
        let decoder_ok = match (&self.decoder, decoder) {
            (None, _) => true,
            (Some(p), Some(d)) => id_has_prefix(d, p),
            (Some(_), None) => false,
        };
        framing_ok && decoder_ok
    }

    /// Whether a failure of `kind` in a stream named `stream` (of kind `stream_kind`) is
    /// this entry's.
    pub fn matches(&self, kind: FailureKind, stream: &str, stream_kind: StreamKind) -> bool {
        kind == self.kind
            && self
                .stream
                .as_deref()
                .is_none_or(|s| s == stream || s == stream_group(stream_kind))
    }

    fn label(&self) -> String {
        let framing = self
            .framing
            .map_or_else(|| "*".to_string(), |f| f.to_string());
        let mut s = format!("{} under {framing}", self.kind);
        if let Some(d) = &self.decoder {
            s = format!("{d}: {s}");
        }
        if let Some(st) = &self.stream {
            s.push_str(&format!(" in {st}"));
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        let framing = self
            .framing
            .map_or_else(|| "*".to_string(), |f| f.to_string());
        m.insert("framing".into(), json!(framing));
        if let Some(d) = &self.decoder {
            m.insert("decoder".into(), json!(d));
        }
        m.insert("kind".into(), json!(self.kind.name()));
        if let Some(s) = &self.stream {
            m.insert("stream".into(), json!(s));
        }
        m.insert("reason".into(), json!(self.reason));
        if let Some(l) = &self.link {
            m.insert("link".into(), json!(l));
        }
        Value::Object(m)
    }
}

/// Whether decoder id `id` is `prefix` or starts with it at a `-` (`tokio-util07` matches
/// `tokio-util07-decode`, not `tokio-util07x`; `tokio-util07-lines` does not match
/// `tokio-util07-linescodec-decode`); a prefix ending in `-` matches what follows it.
pub fn id_has_prefix(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-') || prefix.ends_with('-'))
}

/// A baseline file, read and checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    origin: String,
    entries: Vec<Entry>,
}

impl Baseline {
    /// Reads the baseline at `path`.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("{origin}: cannot read the baseline: {e}")))?;
        Baseline::parse(&origin, &text)
    }

    /// Parses a baseline; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Baseline, Error> {
        let err = |what: String| Error::new(format!("{origin}: {what}"));
        let value: Value = serde_json::from_str(text).map_err(|e| {
            err(format!(
                "not JSON: {e} (a baseline is an object with `known`)"
            ))
        })?;
        let Value::Object(top) = value else {
            return Err(err("a baseline is a JSON object with `known`".into()));
        };
        for key in top.keys() {
            if key != "framecheck_baseline" && key != "known" {
                return Err(err(format!(
                    "unknown field {key:?} (expected `framecheck_baseline` and `known`)"
                )));
            }
        }
        match top.get("framecheck_baseline") {
            Some(v) if v.as_u64() == Some(FORMAT) => {}
            Some(v) => {
                return Err(err(format!(
                    "`framecheck_baseline` is {v}, but this framecheck reads version {FORMAT}"
                )))
            }
            None => return Err(err(format!("missing `\"framecheck_baseline\": {FORMAT}`"))),
        }
        let Some(Value::Array(items)) = top.get("known") else {
            return Err(err("`known` must be an array of entries".into()));
        };
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_entry(item).map_err(|e| err(format!("known[{i}]: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Baseline {
            origin: origin.to_string(),
            entries,
        })
    }

    /// A baseline of `entries` given directly; `origin` names it in errors.
    pub fn from_entries(origin: &str, entries: Vec<Entry>) -> Baseline {
        Baseline {
            origin: origin.to_string(),
            entries,
        }
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Where the baseline came from (its path), as errors name it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The entries that apply to a run of `decoder` under `framing` (see
    /// [`Entry::applies_to`]), for [`Suite::known`](crate::Suite::known).
    pub fn for_run(&self, decoder: Option<&str>, framing: Framing) -> Known {
        Known {
            entries: self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.applies_to(decoder, framing))
                .map(|(i, e)| (i, e.clone()))
                .collect(),
            ratchet: false,
        }
    }

    /// Checks that every entry applies to at least one of `runs` (`(decoder id, framing)`): an
    /// entry that applies to none is stale (its framing or decoder is not run here), and would
    /// otherwise be a promise that is never checked.
    pub fn check_applies(&self, runs: &[(Option<&str>, Framing)]) -> Result<(), Error> {
        for (i, e) in self.entries.iter().enumerate() {
            if !runs.iter().any(|(d, f)| e.applies_to(*d, *f)) {
                let ran: Vec<String> = runs
                    .iter()
                    .map(|(d, f)| match d {
                        Some(d) => format!("{d} under {f}"),
                        None => f.to_string(),
                    })
                    .collect();
                return Err(Error::new(format!(
                    "{}: known[{i}] ({}) applies to nothing this run tests ({}): a stale \
                     entry? remove it, or run what it names",
                    self.origin,
                    e.label(),
                    ran.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Whether a failure of `kind` by `decoder` under `framing` is known by an entry for any
    /// stream (one without a `stream`): what a fuzz target, whose inputs have no stream names,
    /// allows.
    pub fn allows(&self, decoder: &str, framing: Framing, kind: FailureKind) -> bool {
        self.entries
            .iter()
            .any(|e| e.kind == kind && e.stream.is_none() && e.applies_to(Some(decoder), framing))
    }

    /// A baseline of the failures in `runs` (`(decoder id, report)`): one entry per framing
    /// and kind that failed (known or new), limited to the decoder when there is one. An
    /// entry of `previous` that still matches is kept as it was (its reason, link and scope);
    /// the others get a reason that says what was found, to be edited.
    pub fn from_reports(runs: &[(Option<&str>, &Report)], previous: Option<&Baseline>) -> Baseline {
        let mut entries: Vec<Entry> = Vec::new();
        for (decoder, report) in runs {
            for c in &report.results {
                let (Status::Fail(kind) | Status::Known(kind)) = c.status else {
                    continue;
                };
                let kept = previous.and_then(|p| {
                    p.entries.iter().find(|e| {
                        e.applies_to(*decoder, report.framing) && e.matches(kind, &c.stream, c.kind)
                    })
                });
                let entry = match kept {
                    Some(e) => e.clone(),
                    None => {
                        let found = report.failures.iter().find(|f| f.failure.kind == kind);
                        let what = found.map_or_else(
                            || c.detail.clone().unwrap_or_default(),
                            |f| format!("{} ({})", f.failure.detail, f.minimal.token()),
                        );
                        Entry {
                            framing: Some(report.framing),
                            decoder: decoder.map(str::to_string),
                            kind,
                            stream: None,
                            reason: format!("recorded by --write-baseline: {what}"),
                            link: None,
                        }
                    }
                };
                if !entries.contains(&entry) {
                    entries.push(entry);
                }
            }
        }
        Baseline {
            origin: String::new(),
            entries,
        }
    }

    /// The baseline as its file holds it.
    pub fn to_json(&self) -> String {
        let known: Vec<Value> = self.entries.iter().map(Entry::to_json).collect();
        let v = json!({"framecheck_baseline": FORMAT, "known": known});
        serde_json::to_string_pretty(&v).expect("plain JSON values") + "\n"
    }
}

fn parse_entry(item: &Value) -> Result<Entry, String> {
    let Value::Object(m) = item else {
        return Err("an entry is an object with `framing`, `kind` and `reason`".into());
    };
    const FIELDS: [&str; 6] = ["framing", "decoder", "kind", "stream", "reason", "link"];
    if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {k:?} (expected {})",
            FIELDS.join(", ")
        ));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(format!("`{key}` must be a string, not {v}")),
        }
    };
    let framing = match text("framing")?.as_deref() {
        None => return Err("missing `framing` (a framing spec, or \"*\" for any)".into()),
        Some("*") => None,
        Some(spec) => Some(
            spec.parse::<Framing>()
                .map_err(|e| format!("`framing` {spec:?}: {e}"))?,
        ),
    };
    let kind = match text("kind")? {
        None => return Err("missing `kind` (a failure kind, such as `truncation-ignored`)".into()),
        Some(k) => FailureKind::from_name(&k).ok_or_else(|| {
            let names: Vec<&str> = FailureKind::ALL.iter().map(|k| k.name()).collect();
            format!("{k:?} is not a failure kind (one of: {})", names.join(", "))
        })?,
    };
    let reason = text("reason")?.unwrap_or_default();
    if reason.trim().is_empty() {
        return Err("missing `reason`: say why this failure is accepted".into());
    }
    let stream = text("stream")?;
    if let Some(s) = &stream {
        if s.is_empty() {
            return Err(format!(
                "`stream` is empty (a stream name such as `vector:ID`, or one of: {})",
                STREAM_GROUPS.join(", ")
            ));
        }
    }
    let decoder = text("decoder")?;
    if decoder.as_deref() == Some("") {
        return Err("`decoder` is empty (leave it out to match any decoder)".into());
    }
    Ok(Entry {
        framing,
        decoder,
        kind,
        stream,
        reason,
        link: text("link")?,
    })
}

/// The entries of a baseline that apply to one run: what the runner marks known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// Each entry with its place in the baseline file.
    entries: Vec<(usize, Entry)>,
    ratchet: bool,
}

impl Known {
    /// Known failures given directly rather than from a file (numbered in order).
    pub fn new(entries: Vec<Entry>) -> Known {
        Known {
            entries: entries.into_iter().enumerate().collect(),
            ratchet: false,
        }
    }

    /// With `yes`, a known failure that no longer happens fails the run (see
    /// [`Report::is_pass`]): the baseline can only shrink.
    pub fn ratchet(mut self, yes: bool) -> Known {
        self.ratchet = yes;
        self
    }

    /// No entry applies.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether an entry for any stream (one without a `stream`) expects failures of `kind`:
    /// what a fuzz input, whose stream has no name, is allowed.
    pub fn allows_kind(&self, kind: FailureKind) -> bool {
        self.entries
            .iter()
            .any(|(_, e)| e.kind == kind && e.stream.is_none())
    }

    /// The first entry that a failure of `kind` in stream `stream` matches (its index among
    /// these entries).
    pub fn find(&self, kind: FailureKind, stream: &str, stream_kind: StreamKind) -> Option<usize> {
        self.entries
            .iter()
            .position(|(_, e)| e.matches(kind, stream, stream_kind))
    }

    /// Marks the report's failures that an entry matches as known: their status becomes
    /// [`Status::Known`], they leave the failed count, and each entry's case count is kept in
    /// [`Report::known`] (or [`Report::fixed`] when it covered none, in a run that ran every
    /// case). Sets [`Report::ratchet`].
    pub fn apply(&self, report: &mut Report) {
        report.ratchet = self.ratchet;
        if self.entries.is_empty() {
            return;
        }
        let mut counts = vec![0usize; self.entries.len()];
        for c in &mut report.results {
            let Status::Fail(kind) = c.status else {
                continue;
            };
            if let Some(i) = self.find(kind, &c.stream, c.kind) {
                counts[i] += 1;
                c.status = Status::Known(kind);
                c.known = Some(i);
                report.failed -= 1;
                report.known_failed += 1;
                if let Some(n) = report.by_kind.get_mut(&kind) {
                    *n -= 1;
                    if *n == 0 {
                        report.by_kind.remove(&kind);
                    }
                }
            }
        }
        // Indexes into `report.known`, which holds the entries that covered a case.
        let mut slot = vec![None; self.entries.len()];
        for (i, (at, e)) in self.entries.iter().enumerate() {
            let known = KnownFailure {
                entry: *at,
                scope: format!("known[{at}] ({})", e.label()),
                kind: e.kind,
                stream: e.stream.clone(),
                reason: e.reason.clone(),
                link: e.link.clone(),
                cases: counts[i],
            };
            if counts[i] > 0 {
                slot[i] = Some(report.known.len());
                report.known.push(known);
            } else if report.not_run == 0 {
                // A run that stopped early cannot say what is fixed.
                report.fixed.push(known);
            }
        }
        for c in &mut report.results {
            c.known = c.known.and_then(|i| slot[i]);
        }
        for f in &mut report.failures {
            let kind = f.failure.kind;
            let new_of_kind = report.by_kind.contains_key(&kind);
            f.known = self
                .find(kind, f.original.stream.name(), f.original.stream.kind())
                .filter(|_| !new_of_kind)
                .and_then(|i| slot[i]);
        }
    }
}

/// Settles the entries that apply to several reports of one run (`"framing": "*"`, several
/// framings): an entry is fixed only when it covered no case in any of them, so it leaves the
/// [`Report::fixed`] of a report when another report saw it.
pub fn reconcile(reports: &mut [Report]) {
    let seen: Vec<usize> = reports
        .iter()
        .flat_map(|r| r.known.iter().map(|k| k.entry))
        .collect();
    for r in reports.iter_mut() {
        r.fixed.retain(|k| !seen.contains(&k.entry));
    }
}

/// Checks that every entry naming a `stream` names one the run has (a stream name, a
/// `vector:ID` of a vector that ran, or a group with streams in it): a misspelt stream would
/// otherwise let nothing through and read as "fixed".
pub fn check_streams(baseline: &Baseline, reports: &[Report]) -> Result<(), Error> {
    for (i, e) in baseline.entries.iter().enumerate() {
        let Some(stream) = &e.stream else {
            continue;
        };
        let exists = reports
            .iter()
            .flat_map(|r| &r.results)
            .any(|c| &c.stream == stream || stream_group(c.kind) == stream);
        if !exists {
            return Err(Error::new(format!(
                "{}: known[{i}] ({}): no stream of this run is named {stream:?} (a stream name \
                 as the report prints it, such as `vector:ID` or `len=max+1`, or one of: {})",
                baseline.origin,
                e.label(),
                STREAM_GROUPS.join(", ")
            )));
        }
    }
    Ok(())
}

/// What a baseline made of a set of reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Failed cases no entry expected.
    pub new: usize,
    /// Failed cases an entry expected.
    pub known: usize,
    /// The entries that covered no case in any report (after [`reconcile`]).
    pub fixed: Vec<String>,
    /// Why the run does not pass beyond its new failures (see [`Report::is_pass`]).
    pub other: Vec<String>,
}

impl Outcome {
    /// Sums up `reports` (after [`Known::apply`] and [`reconcile`]).
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Outcome {
        let mut out = Outcome::default();
        for r in reports {
            out.new += r.failed;
            out.known += r.known_failed;
            for k in &r.fixed {
                let line = format!("{}: {} ({})", k.scope, k.kind, k.reason);
                if !out.fixed.contains(&line) {
                    out.fixed.push(line);
                }
            }
            if let Some(why) = r.why_not_pass_beyond_failures() {
                out.other.push(format!("{}: {why}", r.framing));
            }
        }
        out
    }

    /// Whether the run passes: no new failure, every case run when known failures were let
    /// through, and under a ratchet no entry fixed.
    pub fn passes(&self) -> bool {
        self.new == 0 && self.other.is_empty()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "baseline: {} new failure(s), {} known failure(s) let through",
            self.new, self.known
        )?;
        for fixed in &self.fixed {
            write!(
                f,
                "\n  fixed (or no longer reached): {fixed}: remove it from the baseline"
            )?;
        }
        for why in &self.other {
            write!(f, "\n  not a pass: {why}")?;
        }
        Ok(())
    }
}
