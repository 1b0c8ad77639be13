#!/usr/bin/env bash
# Regenerates the committed seed corpora under corpus/ from the golden vectors, and keeps each
# folder minimal:
#
#   fuzz/seed-corpus.sh [TARGET...]      # default: every target that has generated seeds
#
# For each target: the seeds that `framecheck corpus generate` writes (from vectors/ and the
# suite's message sets), plus what corpus/TARGET already holds (hand-written seeds, inputs a
# campaign added), are merged by `cargo fuzz cmin` (stable, -s none) into the smallest set
# with the same coverage, which replaces corpus/TARGET. `cargo test` (tests/corpus.rs) then
# replays every file on stable. corpus/regressions/ is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run --quiet --release -- corpus generate --out "$work/seeds" >/dev/null
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(ls "$work/seeds")
fi
for target in "${targets[@]}"; do
  dir="$work/seeds/$target"
  mkdir -p "$dir" "corpus/$target"
  cp -r "corpus/$target/." "$dir/" 2>/dev/null || true
  before=$(find "$dir" -type f | wc -l)
  (cd fuzz && cargo fuzz cmin -s none "$target" "$dir" >"$work/cmin-$target.log" 2>&1) || {
    echo "cargo fuzz cmin $target failed:" >&2
    tail -n 20 "$work/cmin-$target.log" >&2
    exit 1
  }
  after=$(find "$dir" -type f | wc -l)
  if [ "$after" -eq 0 ]; then
    echo "$target: cmin left nothing; corpus/$target unchanged" >&2
    continue
  fi
  rm -rf "corpus/$target"
  cp -r "$dir" "corpus/$target"
  echo "$target: $before inputs -> $after after cmin"
done
