#!/usr/bin/env bash
# Regenerates the praudit outputs of tests/oracle/ with a real praudit (default: OpenBSM's, in
# ../shared/reference/praudit): every input of records/, trails/, malformed/ in every mode of
# modes.tsv, with TZ=UTC LC_ALL=C and the oracle's event and class tables installed in
# /etc/security (so: as root). Outputs are rewritten in place; `git diff tests/oracle` shows
# what changed. See tests/oracle/README.md.
#
#   tools/regen-oracle.sh [PRAUDIT]
set -euo pipefail
cd "$(dirname "$0")/.."
praudit=${1:-../shared/reference/praudit}
oracle=tests/oracle
[ -x "$praudit" ] || { echo "no praudit at $praudit" >&2; exit 2; }
mkdir -p /etc/security
cp "$oracle/env/audit_event" /etc/security/audit_event
cp "$oracle/env/audit_class" /etc/security/audit_class

# suffix -> flags, from modes.tsv's praudit lines (the -p mode runs under a timeout: praudit
# loops for ever on input without a header32).
modes=()
while IFS=$'\t' read -r suffix argv; do
  case "$argv" in
    praudit*|"timeout 5 praudit"*) modes+=("$suffix"$'\t'"$argv") ;;
  esac
done < <(tail -n +2 "$oracle/modes.tsv")

n=0
for dir in records trails malformed; do
  for input in "$oracle/$dir"/*.bsm; do
    stem=${input%.bsm}
    for m in "${modes[@]}"; do
      suffix=${m%%$'\t'*}
      argv=${m#*$'\t'}
      argv=${argv%%   (*}
      out="$stem$suffix"
      # Only the outputs the oracle has (not every input has every mode).
      [ -e "$out" ] || continue
      flags=${argv#*praudit}
      set +e
      # shellcheck disable=SC2086
      eval "TZ=UTC LC_ALL=C ${argv%%praudit*}\"$praudit\" $flags \"$input\"" >"$out" 2>"$out.stderr"
      set -e
      [ -s "$out.stderr" ] || rm -f "$out.stderr"
      n=$((n + 1))
    done
  done
done
echo "rewrote $n outputs under $oracle (git diff $oracle shows the changes)"
