#!/usr/bin/env bash
# How fast coverage-guided fuzzing finds each zoo decoder's bug: through the harness
# (`zoo`, framecheck::fuzz::check_bytes) and through a plain raw-bytes target (`zoo_raw`, the
# baseline). Each pair runs from an empty corpus under several seeds; the table gives the
# median inputs and seconds to the first crash, and the median executions per second of the
# runs that lasted a second or more (shorter ones are mostly start-up).
#
#   fuzz/zoo-table.sh [SEEDS] [CAP_SECONDS] [RAW_SEEDS] [RAW_CAP_SECONDS]   # defaults: 5 60 3 30
#
# Stable is enough (`-s none`). A run that finds nothing within CAP_SECONDS counts as not found;
# the median is over the seeds that found the bug, and the table says how many did.
set -euo pipefail
cd "$(dirname "$0")"
seeds="${1:-5}"
cap="${2:-60}"
raw_seeds="${3:-3}"
raw_cap="${4:-30}"
cargo fuzz build -s none zoo >/dev/null 2>&1
cargo fuzz build -s none zoo_raw >/dev/null 2>&1
bin="$(pwd)/target/x86_64-unknown-linux-gnu/release"
work="$(mktemp -d)"
names="${ZOO_NAMES:-$(grep -o 'name: "[a-z-]*"' ../src/zoo.rs | cut -d'"' -f2)}"

# run TARGET NAME SEED -> "found units seconds"
run() {
  local target=$1 name=$2 seed=$3 dir="$work/$1-$2-$3" cap=$cap
  if [ "$target" = zoo_raw ]; then cap=$raw_cap; fi
  mkdir -p "$dir/corpus"
  local start end out
  start=$(date +%s.%N)
  out=$(FRAMECHECK_ZOO="$name" "$bin/$target" "$dir/corpus" -seed="$seed" -max_total_time="$cap" \
        -timeout=2 -rss_limit_mb=2048 -artifact_prefix="$dir/" -print_final_stats=1 2>&1 || true)
  end=$(date +%s.%N)
  local units found=no
  units=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n1)
  if [ -n "$(find "$dir" -maxdepth 1 \( -name "crash-*" -o -name "timeout-*" -o -name "oom-*" \) -print -quit)" ]; then found=yes; fi
  echo "$found ${units:-0} $(echo "$end - $start" | bc -l)"
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

summary() { # TARGET NAME N -> "found/N | median inputs | median s | exec/s"
  local target=$1 name=$2 n=$3 lines="" s
  for s in $(seq 1 "$n"); do lines+="$(run "$target" "$name" "$s")"$'\n'; done
  local hits units secs rate
  hits=$(echo -n "$lines" | grep -c '^yes' || true)
  units=$(echo -n "$lines" | awk '$1=="yes"{print $2}' | median)
  secs=$(echo -n "$lines" | awk '$1=="yes"{printf "%.2f\n", $3}' | median)
  # Runs shorter than a second are mostly start-up: their rate says nothing.
  rate=$(echo -n "$lines" | awk '$3>=1{printf "%.0f\n", $2/$3}' | median)
  echo "$hits/$n | $units | $secs | $rate"
}

echo "| zoo decoder | harness: found | inputs to crash | seconds | exec/s | raw: found | inputs to crash | seconds | exec/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in $names; do
  echo "| $name | $(summary zoo "$name" "$seeds") | $(summary zoo_raw "$name" "$raw_seeds") |"
done
rm -rf "$work"
