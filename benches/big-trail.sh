#!/usr/bin/env bash
# The big-trail benchmark: makes a 256 MB trail (once; kept in target/) and measures knox next to
# `cat` of the same file in the same run. Usage: benches/big-trail.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
cargo build --release -q -p knox-benches -p knox-cli
# The name carries the generator's version, so that a changed generator makes a new trail.
gen_hash=$(sha256sum bsm-format/src/generate.rs | cut -c1-8)
trail=target/bench-${mb}mb-${gen_hash}.big.bsm
[ -s "$trail" ] || target/release/gen-trail "$trail" --mb "$mb" --seed 1 --headers mixed
size=$(stat -c %s "$trail")
cat "$trail" > /dev/null  # warm the page cache

secs() { # runs a command 3 times, prints the best wall time in seconds
  local best=
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v z="$t1" -v b="$best" 'BEGIN { d = z - a; if (b == "" || d < b) print d; else print b }')
  done
  echo "$best"
}

cat_s=$(secs cat "$trail")
printf '%-46s %8s %10s %8s\n' "command ($((size / 1000000)) MB trail)" "seconds" "MB/s" "vs cat"
row() {
  local name=$1; shift
  local s; s=$(secs "$@")
  awk -v n="$name" -v s="$s" -v c="$cat_s" -v b="$size" 'BEGIN { printf "%-46s %8.3f %10.0f %8.2f\n", n, s, b / s / 1e6, c / s }'
}
row "cat" cat "$trail"
row "decode-walk (frame + decode every token)" target/release/decode-walk "$trail"
row "knox stats" target/release/knox stats "$trail"
row "knox praudit -l (event and user names)" target/release/knox praudit -l "$trail"
row "knox praudit (default)" target/release/knox praudit "$trail"
row "knox praudit -x" target/release/knox praudit -x "$trail"
row "knox auditreduce -c ex (raw out)" target/release/knox auditreduce -c ex "$trail"
row "knox auditreduce -o file=/etc/.*" target/release/knox auditreduce -o 'file=/etc/.*' "$trail"
row "knox commands" target/release/knox commands "$trail"
row "knox commands --long" target/release/knox commands --long "$trail"
row "knox json" target/release/knox json "$trail"
row "knox ps" target/release/knox ps "$trail"
row "knox tree" target/release/knox tree "$trail"
row "knox files" target/release/knox files "$trail"
row "knox files --by-path" target/release/knox files --by-path "$trail"
row "knox errors" target/release/knox errors "$trail"
row "knox net" target/release/knox net "$trail"
row "knox timeline --html" target/release/knox timeline --html target/bench-timeline.html "$trail"
echo "peak memory (KB):"
for c in "stats" "praudit -l" "commands" "json" "ps" "tree" "files" "files --by-path" "errors" "net" \
  "timeline --html target/bench-timeline.html"; do
  /usr/bin/time -f "  knox $c: %M" target/release/knox $c "$trail" > /dev/null
done
target/release/decode-walk "$trail"
