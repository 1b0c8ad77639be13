#!/usr/bin/env bash
# A long local fuzzing campaign for one cargo-fuzz target, then minimization:
#
#   fuzz/campaign.sh TARGET [SECONDS] [JOBS]     # defaults: 3600 s, one job per core (nproc)
#
# 1. Copies corpus/TARGET/ (if it exists) into a work folder. While fuzzing, only the work
#    folder is written; the committed corpus is not touched.
# 2. cargo fuzz run TARGET <work>/corpus -s none -- -fork=JOBS -ignore_crashes=1
#    -max_total_time=SECONDS -timeout=TIMEOUT -artifact_prefix=<work>/artifacts/
#    In fork mode a crash ends only the job that hit it; every crashing input is kept.
# 3. cargo fuzz cmin on a copy of the grown work corpus. If the result is not empty it
#    replaces corpus/TARGET/; committed seeds that survive keep their file names, the rest
#    are named by SHA-1 as libFuzzer names them. Seeds cmin drops are gone unless KEEP_SEEDS=1.
# 4. Runs each crash, timeout, OOM or leak artifact once and groups them by crash signature;
#    cargo fuzz tmin shrinks the smallest of each group, and the result (or the artifact itself
#    when tmin cannot shrink it) goes to corpus/regressions/TARGET/<kind>-<sha1>.
# 5. Prints a summary. Exit status: 0 no crash, 1 crashes found, 2 usage or build error.
#
# Environment:
#   SANITIZER  none (default: stable toolchain, -s none), or address, leak, memory, thread
#              (nightly toolchain, `cargo +nightly fuzz ... -s SANITIZER`).
#   TIMEOUT    libFuzzer -timeout in seconds for one input (default 10; libFuzzer's own default
#              is 1200, which lets one hang take a fork job for 20 minutes).
#   TMIN_RUNS  cargo fuzz tmin --runs (default 255, cargo-fuzz's default).
#   KEEP_SEEDS 1 keeps every committed seed in corpus/TARGET/, also those cmin drops because
#              other inputs cover the same code (default 0: cmin's result alone).
#   WORK       work folder (default fuzz/target/campaign/TARGET-<UTC time>, kept afterwards for
#              its logs and raw artifacts). It must be on the same file system as fuzz/,
#              because cargo fuzz cmin moves folders with rename(2).
#   Variables the target reads (e.g. FRAMECHECK_ZOO for zoo and zoo_raw) are passed through.
set -euo pipefail

usage() {
  echo "usage: fuzz/campaign.sh TARGET [SECONDS] [JOBS]" >&2
  exit 2
}
if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
target=$1
seconds=${2:-3600}
jobs=${3:-$(nproc)}
# Both at least 1: libFuzzer reads -max_total_time=0 as "no limit".
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ && "$jobs" =~ ^[1-9][0-9]*$ ]]; then usage; fi
sanitizer=${SANITIZER:-none}
timeout=${TIMEOUT:-10}
tmin_runs=${TMIN_RUNS:-255}
keep_seeds=${KEEP_SEEDS:-0}

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$fuzz_dir")"
cd "$fuzz_dir"

# The toolchain and sanitizer flags shared by every cargo fuzz call, so that run, cmin and
# tmin reuse one build instead of rebuilding.
if [ "$sanitizer" = none ]; then
  cargo_fuzz=(cargo fuzz)
else
  cargo_fuzz=(cargo +nightly fuzz)
fi
san=(-s "$sanitizer")

targets="$(cargo fuzz list)"
if ! grep -qx -- "$target" <<<"$targets"; then
  echo "campaign.sh: no fuzz target '$target'; cargo fuzz list prints:" >&2
  echo "$targets" >&2
  exit 2
fi

committed="$repo/corpus/$target"
regressions="$repo/corpus/regressions/$target"
work="${WORK:-$fuzz_dir/target/campaign/$target-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts" "$work/min" "$work/tmin-artifacts" \
  "$work/cmin-artifacts"

# files DIR / bytes DIR: size of a corpus folder (0 if it does not exist).
files() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
bytes() { if [ -d "$1" ]; then find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; else echo 0; fi; }

# 1. Seeds: a snapshot of the committed corpus (kept to restore seed names after cmin) and the
#    copy the fuzzer grows.
if [ -d "$committed" ]; then
  cp -r "$committed/." "$work/seeds/"
  cp -r "$committed/." "$work/corpus/"
fi
before_files=$(files "$work/seeds")
before_bytes=$(bytes "$work/seeds")
echo "campaign.sh: $target for ${seconds}s, $jobs jobs, sanitizer $sanitizer; work folder $work"
echo "campaign.sh: seeds: $before_files files from ${committed#"$repo"/}/"

# Build once up front so that a build error stops here, before any fuzzing.
if ! "${cargo_fuzz[@]}" build "${san[@]}" "$target" >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  echo "campaign.sh: build failed (log: $work/build.log)" >&2
  exit 2
fi

# 2. Fuzz. The full libFuzzer output goes to fuzz.log; the fork-mode status lines and crash
#    reports are shown as they come. The exit status is that of the last job, so crashes are
#    counted from the artifacts instead.
set +e
"${cargo_fuzz[@]}" run "${san[@]}" "$target" "$work/corpus" -- \
  -fork="$jobs" -ignore_crashes=1 -max_total_time="$seconds" -timeout="$timeout" \
  -artifact_prefix="$work/artifacts/" 2>&1 |
  tee "$work/fuzz.log" |
  grep --line-buffered -E '^#[0-9]+:|ERROR:|^INFO: (fuzzed for|exiting)'
fuzz_rc=${PIPESTATUS[0]}
set -e
status_line="$(grep -E '^#[0-9]+:' "$work/fuzz.log" | tail -n 1 || true)"
executions="$(echo "$status_line" | sed -n 's/^#\([0-9]*\):.*/\1/p')"
mapfile -t artifacts < <(find "$work/artifacts" -maxdepth 1 -type f \
  \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) -printf '%s %p\n' |
  sort -n | cut -d' ' -f2-)
if [ -z "$status_line" ] && [ "${#artifacts[@]}" -eq 0 ]; then
  tail -n 30 "$work/fuzz.log" >&2
  echo "campaign.sh: the fuzzer did not run (exit $fuzz_rc; log: $work/fuzz.log)" >&2
  exit 2
fi

# 3. Corpus minimization. cargo fuzz cmin merges a folder into a fresh one and renames it back
#    in place, so it runs on a copy. It reports a failed merge on stdout but exits 0.
echo "campaign.sh: cargo fuzz cmin ($(files "$work/corpus") inputs)"
rm -rf "$work/cmin"
cp -r "$work/corpus" "$work/cmin"
corpus_note=""
if "${cargo_fuzz[@]}" cmin "${san[@]}" "$target" "$work/cmin" -- \
  -timeout="$timeout" -artifact_prefix="$work/cmin-artifacts/" >"$work/cmin.log" 2>&1 &&
  ! grep -q 'Failed to minimize corpus' "$work/cmin.log"; then
  if [ "$(files "$work/cmin")" -gt 0 ]; then
    # Committed seeds that cmin kept get their names back (cmin names files by SHA-1).
    dropped=()
    kept=()
    for seed in "$work/seeds"/*; do
      [ -f "$seed" ] || continue
      name="$(basename "$seed")"
      sha="$(sha1sum "$seed" | cut -d' ' -f1)"
      if [ -f "$work/cmin/$sha" ]; then
        [ "$sha" = "$name" ] || mv "$work/cmin/$sha" "$work/cmin/$name"
      elif [ ! -f "$work/cmin/$name" ]; then
        if [ "$keep_seeds" = 1 ]; then
          cp "$seed" "$work/cmin/$name"
          kept+=("$name")
        else
          dropped+=("$name")
        fi
      fi
    done
    rm -rf "$committed.new"
    cp -r "$work/cmin" "$committed.new"
    rm -rf "$committed"
    mv "$committed.new" "$committed"
    if [ "${#dropped[@]}" -gt 0 ]; then
      corpus_note="committed seeds dropped by cmin (no coverage of their own): ${dropped[*]}"
    fi
    if [ "${#kept[@]}" -gt 0 ]; then
      corpus_note="committed seeds cmin would drop, kept (KEEP_SEEDS=1): ${kept[*]}"
    fi
  else
    corpus_note="cmin produced an empty corpus; ${committed#"$repo"/}/ left as it was"
  fi
else
  corpus_note="cmin failed (log: $work/cmin.log); ${committed#"$repo"/}/ left as it was"
fi

# 4. Crash triage and minimization. In fork mode every job that crashes leaves its own input,
#    so one shallow bug can leave hundreds of artifacts. Each artifact is run once and reduced
#    to a signature: the panic location and the first line of the panic message up to its
#    first colon, digits blanked (for framecheck's harness: "src/fuzz.rs:LINE:COL: FAIL <class>"),
#    or libFuzzer's or the sanitizer's error kind when nothing panicked. Only the smallest
#    artifact of each signature is minimized. -exact_artifact_path makes libFuzzer write the
#    smallest crashing input it found to a known path. The artifact itself is kept when that
#    is not smaller, or when it crashes with another signature (the minimizer accepts any
#    crash). The destination is named <kind>-<sha1>.

# The fuzz target binary, from cargo's "Running `BINARY ...`" line.
# shellcheck disable=SC2016  # the backquote is literal
bin="$(sed -n 's/^ *Running `\([^ `]*\).*/\1/p; T; q' "$work/fuzz.log")"

# signature FILE: one line naming how FILE crashes ("" when it does not crash).
signature() {
  local out
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    out="$("$bin" -timeout="$timeout" "$1" 2>&1 || true)"
  else
    out="$("${cargo_fuzz[@]}" run "${san[@]}" "$target" "$1" -- -timeout="$timeout" 2>&1 || true)"
  fi
  if grep -q 'panicked at ' <<<"$out"; then
    local place message
    place="$(grep -m 1 -o 'panicked at .*' <<<"$out" | sed "s|^panicked at ||; s|$repo/||")"
    message="$(grep -m 1 -A 1 'panicked at ' <<<"$out" | tail -n 1 | cut -d: -f1 | sed 's/[0-9][0-9]*/N/g')"
    echo "$place $message"
  elif grep -qE 'ERROR: (libFuzzer|[A-Za-z]+Sanitizer): ' <<<"$out"; then
    grep -m 1 -oE '(libFuzzer|[A-Za-z]+Sanitizer): [a-z-]+' <<<"$out"
  elif grep -q 'ERROR: ' <<<"$out"; then
    grep -m 1 -o 'ERROR: .*' <<<"$out" | cut -c 1-80 | sed 's/[0-9][0-9]*/N/g'
  fi
}

declare -A first_of   # signature -> smallest artifact with it
declare -A count_of   # signature -> number of artifacts with it
signatures=()
not_reproduced=()
for artifact in "${artifacts[@]}"; do
  sig="$(signature "$artifact")"
  if [ -z "$sig" ]; then
    not_reproduced+=("$(basename "$artifact")")
    continue
  fi
  if [ -z "${first_of[$sig]+set}" ]; then
    first_of[$sig]="$artifact"
    count_of[$sig]=0
    signatures+=("$sig")
  fi
  count_of[$sig]=$((count_of[$sig] + 1))
done

new_regressions=()
for sig in "${signatures[@]}"; do
  artifact="${first_of[$sig]}"
  base="$(basename "$artifact")"
  kind="${base%%-*}"
  echo "campaign.sh: cargo fuzz tmin $base ($(stat -c %s "$artifact") bytes): $sig"
  rm -f "$work/min/$base"
  "${cargo_fuzz[@]}" tmin "${san[@]}" --runs "$tmin_runs" "$target" "$artifact" -- \
    -timeout="$timeout" -artifact_prefix="$work/tmin-artifacts/" \
    -exact_artifact_path="$work/min/$base" >"$work/tmin-$base.log" 2>&1 || true
  minimized="$artifact"
  how="tmin could not make it smaller"
  if [ -f "$work/min/$base" ] && [ "$(stat -c %s "$work/min/$base")" -lt "$(stat -c %s "$artifact")" ]; then
    if [ "$(signature "$work/min/$base")" = "$sig" ]; then
      minimized="$work/min/$base"
      how="minimized from $(stat -c %s "$artifact") bytes"
    else
      how="the minimized input crashed differently; kept as found"
    fi
  fi
  mkdir -p "$regressions"
  dest="$regressions/$kind-$(sha1sum "$minimized" | cut -d' ' -f1)"
  if [ -f "$dest" ]; then
    how="$how; already there"
  else
    cp "$minimized" "$dest"
  fi
  new_regressions+=("${dest#"$repo"/}: $(stat -c %s "$dest") bytes, $how; ${count_of[$sig]} artifacts: $sig")
done

# 5. Summary.
after_files=$(files "$committed")
after_bytes=$(bytes "$committed")
echo
echo "== campaign summary: $target"
echo "time: ${seconds}s, jobs: $jobs, sanitizer: $sanitizer, timeout per input: ${timeout}s"
echo "executions: ${executions:-unknown}   (last status: ${status_line:-none})"
echo "corpus/$target: before $before_files files, $before_bytes bytes; after $after_files files, $after_bytes bytes"
if [ -n "$corpus_note" ]; then echo "  $corpus_note"; fi
echo "crashes found: ${#artifacts[@]} artifacts (crash, timeout, oom, leak) in $work/artifacts/"
if [ "${#artifacts[@]}" -gt 0 ]; then
  echo "distinct crash signatures: ${#signatures[@]}; one input each in ${regressions#"$repo"/}/:"
  for line in "${new_regressions[@]}"; do echo "  $line"; done
  if [ "${#not_reproduced[@]}" -gt 0 ]; then
    echo "did not crash when run again (left in the work folder): ${not_reproduced[*]}"
  fi
  echo "replay one: cd fuzz && ${cargo_fuzz[*]} run ${san[*]} $target ../corpus/regressions/$target/<file>"
fi
echo "logs and raw artifacts: $work"
if [ "${#artifacts[@]}" -gt 0 ]; then exit 1; fi
exit 0
