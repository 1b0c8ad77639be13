#!/usr/bin/env bash
# ClusterFuzzLite / OSS-Fuzz build script: builds every cargo-fuzz target in fuzz/ and puts
# into $OUT one binary per target and, where corpus/<target>/ exists, the seed corpus
# $OUT/<target>_seed_corpus.zip (the OSS-Fuzz naming that libFuzzer runs pick up).
#
# In the builder image (.clusterfuzzlite/Dockerfile) this file is $SRC/build.sh, the working
# directory is the repository ($SRC/framecheck), and SRC, OUT and SANITIZER are set.
# It also runs by hand, without Docker:
#
#   bash .clusterfuzzlite/build.sh                     # stable, no sanitizer, into /tmp/cflite-out
#   SANITIZER=address bash .clusterfuzzlite/build.sh   # nightly, AddressSanitizer
#
# Environment: OUT (default /tmp/cflite-out), SRC (default: the repository's parent),
# SANITIZER (default none; address, memory, undefined, coverage or none), CARGO_TARGET_DIR
# (default fuzz/target; the binaries are copied from its x86_64-unknown-linux-gnu/release/),
# CFLITE_EXCLUDE (targets to leave out, shell patterns; default: the zoo targets and the
# adapters with known findings, see below).
set -euo pipefail

# The repository: this script's parent folder when run from .clusterfuzzlite/, else the
# working directory (in the image, build.sh is copied to $SRC/ and WORKDIR is the repository).
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -f "$script_dir/../fuzz/Cargo.toml" ]; then
  repo="$(cd "$script_dir/.." && pwd)"
else
  repo="$(pwd)"
fi
if [ ! -f "$repo/fuzz/Cargo.toml" ]; then
  echo "build.sh: no fuzz/Cargo.toml under $repo" >&2
  exit 1
fi

# Where cargo puts the binaries: fuzz/ is its own workspace, so fuzz/target unless
# CARGO_TARGET_DIR says otherwise (made absolute here, before the change of directory).
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  target_dir="$(realpath -m "$CARGO_TARGET_DIR")"
  export CARGO_TARGET_DIR="$target_dir"
else
  target_dir="$repo/fuzz/target"
fi
bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
cd "$repo"

# Defaults for a run outside the image.
export SRC="${SRC:-$(dirname "$repo")}"
export OUT="${OUT:-/tmp/cflite-out}"
SANITIZER="${SANITIZER:-none}"
mkdir -p "$OUT"

# Targets left out of continuous fuzzing (shell patterns; CFLITE_EXCLUDE replaces the list).
# They crash on their first inputs, which would fail every ClusterFuzzLite run:
#   zoo, zoo_raw  the deliberately buggy decoders of src/zoo.rs (FRAMECHECK_ZOO).
#   readme_example  the README's example, with its planted bug.
#   adapter_tokio_util07, adapter_unsigned_varint08, adapter_actix_codec05
#                 third-party decoders with known findings (tests/third_party.rs): they come
#                 back at once unless FRAMECHECK_FUZZ_ALLOW lists them, and ClusterFuzzLite
#                 sets no environment variables for a target. The prost and
#                 asynchronous-codec adapters pass, and are fuzzed.
read -r -a exclude <<<"${CFLITE_EXCLUDE-zoo zoo_raw readme_example adapter_tokio_util07 adapter_unsigned_varint08 adapter_actix_codec05}"

# Sanitizer flags for cargo fuzz. In the image, RUSTFLAGS already carries
# -Zsanitizer=$SANITIZER for address and memory, so cargo-fuzz must ask for the same one.
case "$SANITIZER" in
  none)
    sanitizer_args=(--sanitizer none)
    ;;
  address | memory)
    sanitizer_args=(--sanitizer "$SANITIZER")
    ;;
  undefined)
    # rustc and cargo-fuzz have no UndefinedBehaviorSanitizer. Safe Rust checks bounds
    # itself, and --debug-assertions below adds integer overflow checks.
    echo "build.sh: SANITIZER=undefined is not supported by cargo-fuzz; building without a sanitizer" >&2
    sanitizer_args=(--sanitizer none)
    ;;
  coverage)
    # The image's `cargo` wrapper turns `cargo fuzz build` into a coverage build and ignores
    # the arguments; it leaves the binaries where the copy below looks.
    sanitizer_args=()
    ;;
  *)
    echo "build.sh: unsupported SANITIZER=$SANITIZER (address, memory, undefined, coverage, none)" >&2
    exit 1
    ;;
esac

# Sanitizers need a nightly rustc (-Zsanitizer). The image's default toolchain is nightly;
# by hand, switch to rustup's nightly when the default is not.
if [ "$SANITIZER" != none ] && [[ "$(rustc --version)" != *nightly* ]]; then
  if grep -q '^nightly' <<<"$(rustup toolchain list 2>/dev/null)"; then
    export RUSTUP_TOOLCHAIN=nightly
  else
    echo "build.sh: SANITIZER=$SANITIZER needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
  fi
fi

# The targets, from fuzz/Cargo.toml, so that a new target is picked up without editing this.
targets="$(cargo fuzz list)"
if [ -z "$targets" ]; then
  echo "build.sh: cargo fuzz list printed no targets" >&2
  exit 1
fi

# Build every target: -O is release mode (the documented convention); --debug-assertions keeps
# debug_assert! and integer overflow checks on, as in a local `cargo fuzz run`.
cargo fuzz build -O --debug-assertions "${sanitizer_args[@]}"

# Copy each binary and zip its seed corpus. -j stores the files without their folder, as
# libFuzzer expects; a stale zip is removed first so deleted seeds do not linger.
copied=0
for target in $targets; do
  skip=no
  for pattern in "${exclude[@]}"; do
    # shellcheck disable=SC2053  # $pattern is a glob on purpose
    if [[ "$target" == $pattern ]]; then skip=yes; fi
  done
  if [ "$skip" = yes ]; then
    echo "build.sh: skipping $target (excluded from continuous fuzzing)"
    continue
  fi
  cp "$bin_dir/$target" "$OUT/$target"
  copied=$((copied + 1))
  rm -f "$OUT/${target}_seed_corpus.zip"
  if [ -d "corpus/$target" ] && [ -n "$(ls -A "corpus/$target")" ]; then
    find "corpus/$target" -type f -print | zip -q -j "$OUT/${target}_seed_corpus.zip" -@
    echo "build.sh: $target -> $OUT/$target, seeds $OUT/${target}_seed_corpus.zip ($(find "corpus/$target" -type f | wc -l) files)"
  else
    echo "build.sh: $target -> $OUT/$target (no corpus/$target, no seed corpus)"
  fi
done
echo "build.sh: $copied fuzz targets in $OUT (SANITIZER=$SANITIZER)"
