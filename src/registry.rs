//! The registry of bundled decoders: the reference, the zoo of buggy decoders, and every
//! third-party adapter compiled in, each as an [`Entry`] with an id, a display name, a kind and
//! a way to build it for a framing.
//!
//! Everything that picks a bundled decoder reads this one list: the command line's
//! `--decoder`, the conformance `matrix` (its rows), the adapter fuzz targets
//! (`fuzz::check_bundled` and the tests.
//!
//! ```
//! use framecheck::registry::{self, Kind};
//! use framecheck::Framing;
//!
//! let framing: Framing = "u32be:max=1024".parse().unwrap();
//! let reference = registry::find("reference").unwrap();
//! assert_eq!(reference.kind(), Kind::Reference);
//! assert!(reference.build(framing).is_some());
//!
//! // The zoo is fixed-width length prefixes only: no decoder for lines.
//! let stuck = registry::find("zoo:no-drain-loop").unwrap();
//! assert!(stuck.supports(framing));
//! assert!(!stuck.supports("lines".parse().unwrap()));
//! ```
//!
//! The command line resolves `--decoder NAME` with [`find`], lists the choices from [`all`]
//! (ids in order), and makes a decoder with [`Entry::supports`] and [`Entry::build`].
//!
//! # Contract
//! - Ids are unique (a unit test checks it) and stable: they appear in `Reproduce with:` lines,
//!   in `fuzz/known-findings.json`, the baseline the CI fuzz smoke passes.
//! - [`all`] lists the reference first, then the adapters (in the matrix's row order), then the
//!   zoo; [`Entry::build`] returns `None` for a framing the decoder cannot be configured for.
//! - An adapter is built declaring the framing it was configured for as its profile
//!   ([`declare`](crate::adapter::declare)): maximum, empty frames, and for lines the EOF and recovery policies.
//!
//! # Adding a decoder
//! Each variant declares its own entries beside its code: each adapter module has an
//! `entries()` (`adapters::tokio_util07::entries`, say), and the zoo has
//! [`zoo::entries`](crate::zoo::entries). A new adapter is one file with an `entries()` and one
//! line in the list of [`adapters`](crate::adapters), gated by the same feature as its `mod`
//! line; its rows come after the existing ones. The design follows ripgrep's flag list: one
//! list that parsing, help and the docs all read, so that no caller keeps a copy that can
//! drift.

use std::sync::OnceLock;

pub use crate::bundled::{Build, Entry, Kind};
use crate::framing::Framing;

/// Every bundled decoder: the reference, the adapters compiled in (in the matrix's row
/// order), then the zoo. Built once.
pub fn all() -> &'static [Entry] {
    static ALL: OnceLock<Vec<Entry>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut adapters = crate::adapters::entries();
        adapters.sort_by_key(|e| e.rank);
        let mut out = vec![crate::reference::entry()];
        out.extend(adapters);
        out.extend(crate::zoo::entries());
        out
    })
}

/// The entry with id `id`.
pub fn find(id: &str) -> Option<&'static Entry> {
    all().iter().find(|e| e.id() == id)
}

/// The entries of one kind, in [`all`]'s order.
pub fn of_kind(kind: Kind) -> impl Iterator<Item = &'static Entry> {
    all().iter().filter(move |e| e.kind() == kind)
}

/// The decoders the conformance matrix runs, one row group each: the reference and every
/// adapter (not the zoo, which is buggy on purpose and has `framecheck selftest`).
pub fn matrix() -> impl Iterator<Item = &'static Entry> {
    all().iter().filter(|e| e.kind() != Kind::Zoo)
}

/// The framings the bundled decoders are tried under: the matrix's rows for each decoder, and
/// what the adapter fuzz targets choose from. Besides the usual configurations, each
/// adapter's own profile where it has one (no maximum, UTF-8, `\r\n`).
pub fn framings() -> Vec<Framing> {
    [
        "u8:max=100",
        "u16be:max=1024",
        "u32be:max=1024",
        "u32le:max=1024",
        "u64be:max=1024",
        "u32be:max=1024:incl",
        "varint:max=1024",
        "varint:max=1024:overlong",
        // asynchronous-codec's LengthCodec: no maximum.
        "u64be:max=18446744073709551615",
        "lines:max=64",
        "lines:max=64:eof=emit",
        "lines:max=64:eof=emit:resync",
        // tokio-util's LinesCodec: UTF-8, `\r\n`.
        "lines:max=64:eof=emit:text:crlf",
        "lines:max=64:eof=emit:resync:text:crlf",
        // asynchronous-codec's LinesCodec: UTF-8, no maximum.
        "lines:max=18446744073709551615:resync:text",
        "fixed:size=16",
        "netstring:max=1024",
        // Length-field layouts: every protocol preset, and two layouts of no protocol.
        "postgres",
        "grpc",
        "mysql",
        "http2",
        "tls",
        "amqp",
        "kafka",
        "dns",
        "mqtt",
        "field:max=1024:width=3:le:offset=2:adjust=-3",
        "field:max=1024:width=2:offset=1:adjust=1:strip=3",
    ]
    .iter()
    .map(|s| s.parse().expect("matrix framings parse"))
    .collect()
}

/// The user framings (`framing::user`) the adapters are tried under in the matrix: the worked
/// examples `cbor-seq`, `ndjson` and `json-seq`. They are apart from [`framings`], which the
/// adapter fuzz targets choose from (a fuzz case is read from raw bytes, which a user framing
/// cannot do), and the reference decoder has no row for them (it reads headers, which a user
/// framing does not have).
pub fn user_framings() -> Vec<Framing> {
    ["cbor-seq", "ndjson", "json-seq"]
        .iter()
        .map(|s| s.parse().expect("the worked user framings are registered"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique() {
        let mut seen = HashSet::new();
        for e in all() {
            assert!(seen.insert(e.id()), "two entries with id {:?}", e.id());
        }
    }

    #[test]
    fn find_round_trips_every_id() {
        for e in all() {
            let found = find(e.id()).unwrap_or_else(|| panic!("{} not found", e.id()));
            assert!(std::ptr::eq(found, e), "{}", e.id());
        }
        assert!(find("no-such-decoder").is_none());
        assert!(find("zoo:").is_none());
    }

    #[test]
    fn the_reference_comes_first_then_adapters_then_the_zoo() {
        let kinds: Vec<Kind> = all().iter().map(Entry::kind).collect();
        assert_eq!(kinds[0], Kind::Reference);
        assert!(kinds.windows(2).all(|w| w[0] <= w[1]), "{kinds:?}");
        let zoo = crate::zoo::all().len() + crate::zoo::presets::all().len();
        assert_eq!(of_kind(Kind::Zoo).count(), zoo);
        assert_eq!(matrix().count(), all().len() - zoo);
    }

    /// Every decoder id that the known findings name (`fuzz/known-findings.json`, which
    /// `.ci/run` passes to the adapter fuzz targets) is the prefix of a registered id, and
    /// every prefix an adapter fuzz target chooses from matches one.
    #[cfg(all(
        feature = "tokio-util07",
        feature = "unsigned-varint08",
        feature = "prost014",
        feature = "asynchronous-codec07",
        feature = "actix-codec05"
    ))]
    #[test]
    fn every_id_the_known_findings_name_is_registered() {
        let mut named = 0;
        for e in crate::corpus::known_findings_baseline().entries() {
            let id = e
                .decoder
                .as_deref()
                .expect("a known finding names its decoder");
            assert!(
                matrix().any(|d| d.id().starts_with(id)),
                "fuzz/known-findings.json names {id:?}, which no registered adapter id starts with"
            );
            named += 1;
        }
        assert!(named >= 10, "read {named} entries");
        for (target, prefix) in crate::corpus::ADAPTER_TARGETS {
            assert!(
                of_kind(Kind::Adapter).any(|e| e.id().starts_with(prefix)),
                "{target}: no adapter id starts with {prefix:?}"
            );
        }
    }

    /// The ranks keep the adapters in the order the matrix has always printed its rows.
    #[cfg(all(
        feature = "tokio-util07",
        feature = "unsigned-varint08",
        feature = "prost014",
        feature = "asynchronous-codec07",
        feature = "actix-codec05"
    ))]
    #[test]
    fn the_matrix_rows_keep_their_order() {
        let ids: Vec<&str> = matrix().map(Entry::id).collect();
        assert_eq!(
            ids,
            [
                "reference",
                "tokio-util07-decode",
                "tokio-util07-framed",
                "tokio-util07-naive-max",
                "unsigned-varint08-decode",
                "unsigned-varint08-framed",
                "tokio-util07-lines-decode",
                "tokio-util07-lines-framed",
                "tokio-util07-linescodec-decode",
                "tokio-util07-linescodec-framed",
                "actix-codec05-length",
                "actix-codec05-lines",
                "asynchronous-codec07-decode",
                "asynchronous-codec07-lines-decode",
                "asynchronous-codec07-lines-framed",
                "asynchronous-codec07-framed",
                "asynchronous-codec07-cbor-decode",
                "asynchronous-codec07-cbor-framed",
                "asynchronous-codec07-json-decode",
                "asynchronous-codec07-json-framed",
                "prost014",
            ]
        );
    }

    #[test]
    fn zoo_entries_build_only_for_length_prefixes() {
        let u32be: Framing = "u32be:max=64".parse().unwrap();
        let lines: Framing = "lines:max=64".parse().unwrap();
        for e in of_kind(Kind::Zoo) {
            assert!(e.id().starts_with("zoo:"), "{}", e.id());
            let preset = crate::zoo::presets::by_name(e.name()).is_some();
            assert!(
                e.supports(u32be) != preset && !e.supports(lines),
                "{}",
                e.id()
            );
        }
    }
}
