//! `framecheck new`: writes an exec-protocol adapter skeleton that passes out of the box, in the
//! spirit of `cargo fuzz init`.
//!
//! One template per language (`cli/templates/`, embedded with `include_str!`) holds the
//! protocol loop once and one decoder per supported framing kind, in sections:
//!
//! ```text
//! @@prefix      lines kept for a fixed-width length prefix (u8 … u64le)
//! @@lines       lines kept for newline-delimited lines
//! @@end         back to lines kept for every kind
//! ```
//!
//! and `{{NAME}}` placeholders for the framing's numbers, filled with literals of the
//! language. The framing's parameters are constants in the written file rather than program
//! arguments: the skeleton decodes exactly the framing it was made for, and the command that
//! runs it is the one printed, with the canonical spec (`u16be:max=4096`) the constants were
//! taken from.
//!
//! Each skeleton is a correct incremental decoder (a drain loop, headers split across reads,
//! the maximum checked as soon as the header is complete, truncation at EOF rejected), so that
//! `framecheck run` passes before the user changes anything; `cli/tests/new.rs` runs each one
//! whose toolchain is present, and each with a planted bug, which must fail.
//!
//! Only a length prefix without `:incl`/`:noempty` and lines without `:resync`/`:text`/
//! `:crlf` have skeletons: anything else is refused with the list of what is supported,
//! before any file is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use framecheck::framing::{Endian, LineEof, Wire};
use framecheck::Framing;

/// Arguments of `framecheck new`.
#[derive(Args)]
pub(crate) struct NewArgs {
    /// The language of the adapter.
    #[arg(long, value_enum)]
    lang: Lang,
    /// The framing its decoder decodes: u8, u16be, u16le, u32be, u32le, u64be or u64le with
    /// an optional :max=N, or lines with optional :max=N and :eof=emit|reject.
    #[arg(long)]
    framing: String,
    /// The folder to write into, created if missing.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Overwrite the adapter's file if it exists.
    #[arg(long)]
    force: bool,
}

/// The languages a skeleton is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Lang {
    /// Python 3 (`python3 decoder.py`).
    Python,
    /// JavaScript on Node.js (`node decoder.js`).
    Node,
    /// C99 with POSIX `getline` (`cc -O2 -o decoder decoder.c`).
    C,
    /// Go, standard library only (`go build -o decoder decoder.go`).
    Go,
    /// Java 8 or later, one source file (`javac Decoder.java`, then `java -cp . Decoder`).
    /// Compiled once rather than run by the source launcher (`java Decoder.java`), which
    /// compiles it at every start: 1.5 s idle, 7 s on a loaded machine, against 0.1 to 0.7 s.
    Java,
    /// Rust, standard library only, one file built by `rustc` (no Cargo, no network).
    Rust,
}

impl Lang {
    /// Every language, in the order of the help text.
    #[cfg(test)]
    pub(crate) const ALL: [Lang; 6] = [
        Lang::Python,
        Lang::Node,
        Lang::C,
        Lang::Go,
        Lang::Java,
        Lang::Rust,
    ];

    /// The name `--lang` takes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Node => "node",
            Lang::C => "c",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::Rust => "rust",
        }
    }

    /// The file the skeleton is written to, in the `--out` folder.
    pub(crate) fn file(self) -> &'static str {
        match self {
            Lang::Python => "decoder.py",
            Lang::Node => "decoder.js",
            Lang::C => "decoder.c",
            Lang::Go => "decoder.go",
            Lang::Java => "Decoder.java",
            Lang::Rust => "decoder.rs",
        }
    }

    /// The command that builds the program, run in its folder; `None` for an interpreter.
    pub(crate) fn build(self) -> Option<&'static str> {
        match self {
            Lang::Python | Lang::Node => None,
            Lang::Java => Some("javac Decoder.java"),
            Lang::C => Some("cc -O2 -o decoder decoder.c"),
            Lang::Go => Some("go build -o decoder decoder.go"),
            Lang::Rust => Some("rustc -O -o decoder decoder.rs"),
        }
    }

    /// The command `--exec` runs, in the program's folder, for `framing`.
    ///
    /// Java's fixes its heap ([`JavaHeap`]), touched at start-up: otherwise the JVM grows its
    /// heap rather than collect, and the resident memory at `BEGIN` rises steadily across a run
    /// of 19,000 streams by 10 to 40 MiB, which the harness rightly reports as a `memory-leak`
    /// (with `-Xmx` alone, still now and then).
    pub(crate) fn run(self, framing: &Framing) -> String {
        match self {
            Lang::Python => "python3 decoder.py".into(),
            Lang::Node => "node decoder.js".into(),
            Lang::C | Lang::Go | Lang::Rust => "./decoder".into(),
            Lang::Java => {
                let heap = JavaHeap::of(framing);
                format!(
                    "java -Xms{}m -Xmx{}m -XX:+AlwaysPreTouch -cp . Decoder",
                    heap.touched_mib, heap.max_mib
                )
            }
        }
    }

    fn template(self) -> &'static str {
        match self {
            Lang::Python => include_str!("../templates/decoder.py"),
            Lang::Node => include_str!("../templates/decoder.js"),
            Lang::C => include_str!("../templates/decoder.c"),
            Lang::Go => include_str!("../templates/decoder.go"),
            Lang::Java => include_str!("../templates/Decoder.java"),
            Lang::Rust => include_str!("../templates/decoder.rs"),
        }
    }

    /// A boolean literal of the language.
    fn bool(self, b: bool) -> &'static str {
        match (self, b) {
            (Lang::Python, true) => "True",
            (Lang::Python, false) => "False",
            (_, true) => "true",
            (_, false) => "false",
        }
    }

    /// An unsigned 64-bit literal of the language (Java has no unsigned literal: the constant
    /// is parsed, and compared with `Long.compareUnsigned`; JavaScript's is a `BigInt`).
    fn u64(self, n: u64) -> String {
        match self {
            Lang::Python | Lang::Go => n.to_string(),
            Lang::Node => format!("{n}n"),
            Lang::C => format!("UINT64_C({n})"),
            Lang::Java => format!("Long.parseUnsignedLong(\"{n}\")"),
            Lang::Rust => format!("{n}_u64"),
        }
    }
}

/// The Java skeleton's heap, in MiB: 64 MiB plus 16 bytes per byte of the maximum frame (the
/// buffer, the request line, the answer, their copies).
///
/// All of it is reserved and touched at start-up (`-Xms` = `-Xmx`) up to 1 GiB; past that,
/// only the first GiB is (touching gigabytes takes seconds and the machine's memory before the
/// first answer), and the heap may grow to `-Xmx`. `-Xmx` stops at what a frame of 2 GiB needs:
/// a Java array holds less than 2 GiB, so no larger frame fits in the skeleton's buffer anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JavaHeap {
    /// `-Xms`: reserved and touched at start-up.
    pub(crate) touched_mib: u64,
    /// `-Xmx`: the most the heap may grow to.
    pub(crate) max_mib: u64,
    /// What the framing's maximum frame alone would ask for, before the array cap.
    pub(crate) wanted_mib: u64,
}

impl JavaHeap {
    /// The most of the heap touched at start-up.
    pub(crate) const TOUCHED_CAP_MIB: u64 = 1024;
    /// The most `-Xmx` is: the heap for a 2 GiB frame, past what a Java array holds.
    pub(crate) const MAX_CAP_MIB: u64 = 64 + 16 * 2048;

    /// The heap for `framing`'s maximum frame.
    pub(crate) fn of(framing: &Framing) -> JavaHeap {
        let per_frame = framing.max_frame_len().saturating_mul(16).div_ceil(1 << 20);
        let wanted_mib = 64u64.saturating_add(per_frame);
        let max_mib = wanted_mib.min(Self::MAX_CAP_MIB);
        JavaHeap {
            touched_mib: max_mib.min(Self::TOUCHED_CAP_MIB),
            max_mib,
            wanted_mib,
        }
    }

    /// The line `framecheck new` prints when the heap was capped (what to, and why), or `None`
    /// for a heap fixed and touched whole.
    pub(crate) fn note(self) -> Option<String> {
        let mut why = Vec::new();
        if self.max_mib < self.wanted_mib {
            why.push(format!(
                "-Xmx{}m, not the {} MiB the maximum frame asks for, as a Java array holds less \
                 than 2 GiB",
                self.max_mib, self.wanted_mib
            ));
        }
        if self.touched_mib < self.max_mib {
            why.push(format!(
                "-Xms{}m, so that start-up touches at most 1 GiB; the heap may grow to \
                 -Xmx{}m, and if a long run reports that growth as a memory-leak, raise -Xms",
                self.touched_mib, self.max_mib
            ));
        }
        (!why.is_empty()).then(|| format!("(Java heap capped: {}.)", why.join("; ")))
    }
}

/// The decoder a framing needs: which section of the templates, with its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A length field of `width` bytes in `endian` order, then the payload.
    Prefix {
        /// The field's width in bytes.
        width: u8,
        /// The field's byte order.
        endian: Endian,
    },
    /// Newline-delimited lines; `eof_emit` makes an unterminated last line a frame.
    Lines {
        /// `:eof=emit`.
        eof_emit: bool,
    },
}

/// What `framecheck new` writes skeletons for, for the error that refuses anything else.
const SUPPORTED: &str = "u8, u16be, u16le, u32be, u32le, u64be, u64le (with :max=N) and lines \
                         (with :max=N and :eof=emit|reject)";

/// The decoder kind and the canonical framing of `spec`, or why there is no skeleton for it.
pub(crate) fn kind_of(spec: &str) -> Result<(Kind, Framing)> {
    let framing: Framing = spec
        .parse()
        .with_context(|| format!("--framing {spec:?}"))?;
    let unsupported = |what: &str| -> Result<(Kind, Framing)> {
        bail!(
            "--framing {spec}: framecheck new has no skeleton for {what}; it writes them for \
             {SUPPORTED}"
        )
    };
    if framing.preset().is_some() {
        return unsupported("a protocol preset");
    }
    let kind = match framing.wire() {
        Wire::LengthPrefix(p) if p.includes_header => return unsupported(":incl"),
        Wire::LengthPrefix(p) => Kind::Prefix {
            width: p.width,
            endian: p.endian,
        },
        Wire::Lines(l) if l.resync || l.text || l.crlf => {
            return unsupported("lines with :resync, :text or :crlf")
        }
        Wire::Lines(l) => Kind::Lines {
            eof_emit: l.eof == LineEof::Emit,
        },
        _ => return unsupported(&format!("the {} framing", framing.name())),
    };
    if !framing.empty_frames() {
        return unsupported(":noempty");
    }
    Ok((kind, framing))
}

/// The skeleton's text: `lang`'s template with the sections of `kind` and the placeholders
/// filled for `framing`.
pub(crate) fn render(lang: Lang, kind: Kind, framing: &Framing) -> String {
    let keep = match kind {
        Kind::Prefix { .. } => "@@prefix",
        Kind::Lines { .. } => "@@lines",
    };
    let mut out = String::new();
    let mut section: Option<&str> = None;
    for line in lang.template().lines() {
        match line.trim_end() {
            "@@end" => section = None,
            s @ ("@@prefix" | "@@lines") => section = Some(s),
            _ if section.is_none_or(|s| s == keep) => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    let (width, big, eof_emit) = match kind {
        Kind::Prefix { width, endian } => (width, endian == Endian::Big, false),
        Kind::Lines { eof_emit } => (0, false, eof_emit),
    };
    let vars = [
        ("{{SPEC}}", framing.to_string()),
        ("{{RUN}}", lang.run(framing)),
        ("{{BUILD}}", lang.build().unwrap_or("").to_string()),
        ("{{WIDTH}}", width.to_string()),
        (
            "{{BYTE_ORDER}}",
            if big { "big" } else { "little" }.to_string(),
        ),
        ("{{BIG_ENDIAN}}", lang.bool(big).to_string()),
        ("{{MAX}}", lang.u64(framing.max_frame_len())),
        ("{{EOF_EMIT}}", lang.bool(eof_emit).to_string()),
    ];
    for (name, value) in vars {
        out = out.replace(name, &value);
    }
    out
}

/// A path or command word as a POSIX shell reads it: as is when it is plain, else quoted.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:=@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Writes the skeleton and prints the commands that build and run it.
pub(crate) fn run(args: NewArgs) -> Result<bool> {
    let (kind, framing) = kind_of(&args.framing)?;
    let text = render(args.lang, kind, &framing);
    let path = args.out.join(args.lang.file());
    write_new(&path, &text, args.force)?;
    print!("{}", next_steps(&args, &path, &framing));
    Ok(true)
}

/// Writes `text` to `path` (creating its folder), refusing to replace a file unless `force`.
fn write_new(path: &Path, text: &str, force: bool) -> Result<()> {
    if !force && path.symlink_metadata().is_ok() {
        bail!(
            "{} already exists: framecheck new does not overwrite it without --force",
            path.display()
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    if text.starts_with("#!") {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", path.display()))?;
    }
    Ok(())
}

/// What `framecheck new` prints: the file written, then the commands to build and run it.
fn next_steps(args: &NewArgs, path: &Path, framing: &Framing) -> String {
    let lang = args.lang;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Wrote {}: a {} exec-protocol adapter for {framing} that passes as written.",
        path.display(),
        lang.name()
    );
    let _ = writeln!(s, "Next:");
    if args.out != Path::new(".") {
        let _ = writeln!(s, "  cd {}", shell_word(&args.out.display().to_string()));
    }
    if let Some(build) = lang.build() {
        let _ = writeln!(s, "  {build}");
    }
    let _ = writeln!(
        s,
        "  framecheck run --exec '{}' --framing {framing}",
        lang.run(framing)
    );
    if lang == Lang::Java {
        if let Some(note) = JavaHeap::of(framing).note() {
            let _ = writeln!(s, "{note}");
        }
        let _ = writeln!(
            s,
            "(A JVM is slow to start: if the first BEGIN times out, add --startup-ms 20000.)"
        );
    }
    let _ = writeln!(
        s,
        "Then replace the part marked YOUR DECODER HERE with your own decoder{}, and run it \
         again.",
        if lang.build().is_some() {
            ", build"
        } else {
            ""
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<(Kind, Framing)> {
        [
            "u8",
            "u16be:max=4096",
            "u16le",
            "u32be",
            "u32le",
            "u64be",
            "u64le:max=18446744073709551615",
            "lines",
            "lines:max=100:eof=emit",
        ]
        .iter()
        .map(|s| kind_of(s).unwrap())
        .collect()
    }

    /// Every section marker is consumed and every placeholder filled, in every language, for
    /// every kind.
    #[test]
    fn every_template_renders_without_markers_or_placeholders() {
        for lang in Lang::ALL {
            for (kind, framing) in kinds() {
                let text = render(lang, kind, &framing);
                assert!(!text.contains("{{"), "{lang:?} {framing}: {text}");
                assert!(!text.contains("@@"), "{lang:?} {framing}: {text}");
                assert!(text.contains("YOUR DECODER HERE"), "{lang:?}");
                assert!(text.contains("END OF YOUR DECODER"), "{lang:?}");
                let run = format!(
                    "framecheck run --exec '{}' --framing {framing}",
                    lang.run(&framing)
                );
                assert!(text.contains(&run), "{lang:?} {framing}: no {run:?}");
            }
        }
    }

    /// A lines skeleton holds no length-prefix decoder, and the other way round.
    #[test]
    fn a_skeleton_holds_only_its_own_framing_s_decoder() {
        let (kind, framing) = kind_of("lines:max=64").unwrap();
        let text = render(Lang::Python, kind, &framing);
        assert!(text.contains("EOF_EMITS_LAST_LINE = False"), "{text}");
        assert!(!text.contains("WIDTH"), "{text}");
        let (kind, framing) = kind_of("u32le").unwrap();
        let text = render(Lang::Python, kind, &framing);
        assert!(text.contains("WIDTH = 4"), "{text}");
        assert!(text.contains("BYTE_ORDER = \"little\""), "{text}");
        assert!(!text.contains("EOF_EMITS_LAST_LINE"), "{text}");
    }

    /// The canonical spec, with the maximum the constants hold, is what the skeleton names.
    #[test]
    fn the_default_maximum_is_written_out() {
        let (kind, framing) = kind_of("u16be").unwrap();
        let text = render(Lang::C, kind, &framing);
        assert!(text.contains("--framing u16be:max=65535"), "{text}");
        assert!(text.contains("UINT64_C(65535)"), "{text}");
    }

    /// Framings without a skeleton are refused with the list of those that have one.
    #[test]
    fn unsupported_framings_are_refused_naming_what_is_supported() {
        for (spec, what) in [
            ("varint", "the varint framing"),
            ("netstring", "the netstring framing"),
            ("fixed:size=16", "the fixed framing"),
            ("field:offset=1:width=4", "the field framing"),
            ("postgres", "a protocol preset"),
            ("u32be:incl", ":incl"),
            ("u16be:noempty", ":noempty"),
            ("lines:resync", ":resync"),
            ("lines:crlf", ":crlf"),
        ] {
            let e = format!("{:#}", kind_of(spec).unwrap_err());
            assert!(e.contains(what), "{spec}: {e}");
            assert!(e.contains(SUPPORTED), "{spec}: {e}");
        }
        let e = format!("{:#}", kind_of("u17be").unwrap_err());
        assert!(e.contains("--framing \"u17be\""), "{e}");
    }

    /// An existing file is kept unless --force, and the error names it.
    #[test]
    fn an_existing_file_is_not_overwritten_without_force() {
        let dir = std::env::temp_dir().join(format!("framecheck-new-unit-{}", std::process::id()));
        let path = dir.join("decoder.py");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, "mine").unwrap();
        let e = format!("{:#}", write_new(&path, "theirs", false).unwrap_err());
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert!(e.contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        write_new(&path, "theirs", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Ordinary maxima get a heap fixed and touched whole; a huge maximum touches at most
    /// 1 GiB, grows to no more than a 2 GiB frame needs, and says so in one line.
    #[test]
    fn the_java_heap_is_fixed_for_ordinary_maxima_and_capped_for_huge_ones() {
        let heap = |spec: &str| JavaHeap::of(&kind_of(spec).unwrap().1);
        let default = heap("u32be");
        assert_eq!((default.touched_mib, default.max_mib), (64 + 128, 64 + 128));
        assert_eq!(default.note(), None);
        let run = Lang::Java.run(&kind_of("u32be").unwrap().1);
        assert!(
            run.starts_with("java -Xms192m -Xmx192m -XX:+AlwaysPreTouch"),
            "{run}"
        );
        // 60 MiB frames: 64 + 960 MiB, exactly the touched cap, still fixed.
        let edge = heap("u32be:max=62914560");
        assert_eq!((edge.touched_mib, edge.max_mib), (1024, 1024));
        assert_eq!(edge.note(), None);
        // 100 MiB frames: 1,664 MiB, of which 1 GiB is touched.
        let big = heap("u32be:max=104857600");
        assert_eq!((big.touched_mib, big.max_mib), (1024, 64 + 1600));
        let note = big.note().unwrap();
        assert!(
            note.contains("-Xms1024m") && note.contains("-Xmx1664m"),
            "{note}"
        );
        assert!(!note.contains("Java array"), "{note}");
        let run = Lang::Java.run(&kind_of("u32be:max=104857600").unwrap().1);
        assert!(run.contains("-Xms1024m -Xmx1664m"), "{run}");
        // The largest u64 maximum: the heap a 2 GiB frame needs, no more.
        let huge = heap("u64le:max=18446744073709551615");
        assert_eq!((huge.touched_mib, huge.max_mib), (1024, 64 + 32 * 1024));
        let note = huge.note().unwrap();
        assert!(
            note.contains("Java array") && note.contains("-Xms1024m"),
            "{note}"
        );
        assert_eq!(note.lines().count(), 1, "{note}");
    }

    /// `framecheck new` prints the heap note for Java when the heap was capped, and only then.
    #[test]
    fn framecheck_new_prints_the_java_heap_note_only_when_capped() {
        let steps = |spec: &str| {
            let args = NewArgs {
                lang: Lang::Java,
                framing: spec.to_string(),
                out: PathBuf::from("."),
                force: false,
            };
            let framing = kind_of(spec).unwrap().1;
            next_steps(&args, Path::new("Decoder.java"), &framing)
        };
        assert!(!steps("u16be").contains("heap capped"));
        let s = steps("u32be:max=1073741824");
        assert!(s.contains("(Java heap capped: -Xms1024m"), "{s}");
        assert!(s.contains("--exec 'java -Xms1024m -Xmx16448m"), "{s}");
    }

    /// Paths with spaces or quotes are quoted for the shell.
    #[test]
    fn printed_paths_are_shell_quoted() {
        assert_eq!(shell_word("adapters/c"), "adapters/c");
        assert_eq!(shell_word("my dir"), "'my dir'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
