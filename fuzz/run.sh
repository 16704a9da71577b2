#!/usr/bin/env bash
# Runs fuzz targets for a while each: fuzz/run.sh SECONDS [TARGET...] (default: every target).
# Uses cargo-fuzz with AddressSanitizer on nightly (installing cargo-fuzz if needed); without
# nightly it runs the same targets built on stable without sanitizers (-s none).
# Each run starts from fuzz/seeds/<target> and grows fuzz/corpus/<target> (not committed).
# A crash stops the script with the fuzzer's report; put its input in fuzz/regressions/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v knox-fuzz)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz || exit 1
if rustup toolchain list | grep -q '^nightly'; then
  run=(cargo +nightly fuzz run)
else
  run=(cargo fuzz run -s none)
fi
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t for ${secs}s"
  "${run[@]}" "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 > "logs/$t.log" 2>&1
  status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)|SUMMARY|panicked|Test unit written' "logs/$t.log"
  if [ $status != 0 ]; then
    echo "fuzz target $t failed (log: fuzz/logs/$t.log)"
    exit 1
  fi
done
