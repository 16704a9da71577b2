#!/usr/bin/env bash
# Hostile input at scale: `knox stats` over 256 MiB and 1 GiB of zeros and of random bytes
# (made once, kept in target/), with wall time and peak memory, and `cat` of the same file in the
# same run. Time should grow linearly with the size and memory not at all.
# Usage: benches/hostile.sh [MiB ...]   (default: 256 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)
cargo build --release -q -p knox-cli
printf '%-28s %9s %9s %10s %11s\n' input "cat s" "knox s" "MB/s" "peak RSS"
for mib in "${sizes[@]}"; do
  for kind in zeros random; do
    f=target/hostile-$kind-${mib}mib.big.bsm
    if [ ! -s "$f" ]; then
      src=/dev/zero
      [ $kind = random ] && src=/dev/urandom
      head -c "${mib}M" "$src" > "$f"
    fi
    cat "$f" > /dev/null # warm the page cache
    t0=$(date +%s.%N); cat "$f" > /dev/null; t1=$(date +%s.%N)
    # `knox stats` exits 1 (it reports decode errors); /usr/bin/time writes its figures anyway.
    /usr/bin/time -o target/hostile.time -f '%e %M' target/release/knox stats "$f" > /dev/null 2>&1 || true
    read -r secs kb < <(tail -n 1 target/hostile.time)
    awk -v n="$kind ${mib} MiB" -v t0="$t0" -v t1="$t1" -v s="$secs" -v kb="$kb" -v b=$((mib * 1048576)) \
      'BEGIN { printf "%-28s %9.3f %9.2f %10.0f %8.1f MB\n", n, t1 - t0, s, b / s / 1e6, kb / 1024 }'
  done
done
