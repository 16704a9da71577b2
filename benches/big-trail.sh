#!/usr/bin/env bash
# The side-by-side benchmark: makes a trail of generated realistic records (once; kept in
# target/), then times `cat`, OpenBSM's libbsm (`../shared/reference/decode_only`, walking every
# token) and every knox tool at -j 1 and -j N on the same page-cached file, in one run, best of
# three, with peak RSS. Prints a Markdown table; ratios are to decode_only's time (lower is faster).
#
#   benches/big-trail.sh [MB] [N]     defaults: 300 MB, N = the available cores
#
# On a machine with more cores, pass N to see the curve (for example 2, 4, 8, 16 in turn).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-300}
n=${2:-$(nproc)}
ref=${DECODE_ONLY:-../shared/reference/decode_only}
cargo build --release -q -p knox-benches -p knox-cli
bin=target/release
# The name carries the generator's version, so that a changed generator makes a new trail.
gen_hash=$(sha256sum bsm-format/src/generate.rs | cut -c1-8)
trail=target/bench-${mb}mb-${gen_hash}.big.bsm
[ -s "$trail" ] || "$bin/gen-trail" "$trail" --mb "$mb" --seed 1 --headers mixed >/dev/null
size=$(stat -L -c %s "$trail")
cat "$trail" > /dev/null  # warm the page cache

# One run: wall time in milliseconds' precision and peak RSS in kilobytes ("seconds kilobytes"),
# output to /dev/null (Python's clock and getrusage, so that no `time` binary is needed).
run_once() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
d = time.perf_counter() - t
print(f"{d:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

# Best wall time of three runs and the peak RSS of the last, as "seconds kilobytes".
measure() {
  local best= rss=
  for _ in 1 2 3; do
    local out
    out=$(run_once "$@")
    local s=${out% *}
    rss=${out#* }
    best=$(awk -v s="$s" -v b="$best" 'BEGIN { if (b == "" || s < b) print s; else print b }')
  done
  echo "$best $rss"
}

read -r ref_s ref_rss < <(measure "$ref" "$trail")
printf '%s MB trail, %s records of generated realistic records, page cache warm, %s cores.\n\n' \
  "$((size / 1000000))" "$("$bin/knox" stats --json -j "$n" "$trail" | awk -F': ' '/"records"/ {gsub(",","",$2); print $2}')" "$(nproc)"
echo "| command | threads | seconds | MB/s | vs decode_only | peak RSS |"
echo "|---|---|---|---|---|---|"
row() {
  local name=$1 threads=$2; shift 2
  local s rss
  read -r s rss < <(measure "$@")
  awk -v n="$name" -v t="$threads" -v s="$s" -v r="$ref_s" -v b="$size" -v m="$rss" \
    'BEGIN { printf "| %s | %s | %.3f | %.0f | %.2fx | %.0f MB |\n", n, t, s, b / s / 1e6, s / r, m / 1024 }'
}
row "cat" 1 cat "$trail"
row "libbsm decode_only (every token)" 1 "$ref" "$trail"
row "decode-walk (RecordReader, every token)" 1 "$bin/decode-walk" "$trail"
for tool in "stats" "praudit -l" "praudit" "praudit -x" "json" "auditreduce -c ex" "commands" \
  "commands --long" "ps" "tree" "files" "errors" "net" "export --format ocsf" \
  "export --format timesketch"; do
  threads_flag=-j
  [ "${tool%% *}" = auditreduce ] && threads_flag=--threads
  for j in 1 "$n"; do
    # shellcheck disable=SC2086
    row "knox $tool" "$j" "$bin/knox" $tool "$threads_flag" "$j" "$trail"
    [ "$n" = 1 ] && break
  done
done
# Sigma: every rule of ../shared/sigma/rules (SigmaHQ's macOS rules), next to `commands` above
# (issue 22's goal: hunt -j 1 within 1.5x commands -j 1).
sigma=${SIGMA_RULES:-../shared/sigma/rules}
if [ -d "$sigma" ]; then
  for j in 1 "$n"; do
    row "knox hunt --sigma (SigmaHQ macOS, $(find "$sigma" -name '*.yml' | wc -l) rules)" "$j" \
      "$bin/knox" hunt --sigma "$sigma" -j "$j" "$trail"
    [ "$n" = 1 ] && break
  done
fi
# Parquet: each run writes a fresh table (the removal of the last run's files is timed too; it
# is small next to the export).
sizes=""
for schema in records tokens ocsf; do
  for j in 1 "$n"; do
    row "knox export --format parquet --schema $schema" "$j" sh -c \
      'rm -rf target/bench-parquet && exec "$@"' sh \
      "$bin/knox" export --format parquet --schema "$schema" -j "$j" --to target/bench-parquet "$trail"
    [ "$n" = 1 ] && break
  done
  bytes=$(du -sb target/bench-parquet | cut -f1)
  sizes="$sizes$(awk -v s="$schema" -v b="$bytes" -v t="$size" 'BEGIN { printf "%s %.0f MB (%.2fx the trail); ", s, b / 1e6, b / t }')"
done
rm -rf target/bench-parquet
# Python: knox.read(...).read_all() of the records table, through the Arrow C stream, in the
# venv tests/run.sh makes (or $KNOX_PYTHON: a Python with knox-bsm installed).
py=${KNOX_PYTHON:-target/test-venv/bin/python}
if [ -x "$py" ] && "$py" -c "import knox" 2>/dev/null; then
  for j in 1 "$n"; do
    row "python knox.read(records).read_all()" "$j" "$py" -c \
      "import knox, sys; knox.read(sys.argv[1], threads=int(sys.argv[2]), problems=[]).read_all()" "$trail" "$j"
    [ "$n" = 1 ] && break
  done
fi
for j in 1 "$n"; do
  row "knox timeline --html" "$j" "$bin/knox" timeline -j "$j" --html target/bench-timeline.html "$trail"
  [ "$n" = 1 ] && break
done
echo
echo "Parquet files: ${sizes%; }."
