#!/usr/bin/env bash
# The tests, as the README's test command runs them: on a fresh Debian machine that has only
# Rust (and Python 3 with pip), it installs what the tests need beyond Rust, then runs
#   1. cargo test --workspace (every Rust test; the praudit oracle is in tests/oracle/),
#   2. the Parquet export read back by DuckDB and by Spark in local mode,
#   3. the Python package (knox-py) pip-installed into a fresh venv and tested with pytest
#      (knox.read against knox json, DuckDB, polars, and the Spark data source).
# What it installs: Debian's chromium (the timeline page test), jq (the README's examples) and
# openjdk-17-jre-headless (Spark), with apt-get when run as root; a venv in target/test-venv
# with duckdb, polars, pyspark, pytest and knox-bsm. Without root it says what to install.
#
#   tests/run.sh            everything
#   tests/run.sh rust       only cargo test
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
what=${1:-all}
target=${CARGO_TARGET_DIR:-target}

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
if [ "$what" = all ] && ! java -version 2>&1 | grep -q 'version "\(1[7-9]\|2[0-9]\)'; then
  need_apt+=(openjdk-17-jre-headless)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "The tests need these Debian packages: ${need_apt[*]}"
    echo "  sudo apt-get install ${need_apt[*]}"
    echo "(or set KNOX_BROWSER=skip to skip the timeline page test; its skip is recorded)"
    exit 1
  fi
fi

echo "== cargo test --workspace"
mkdir -p "$target"
rm -f "$target/knox-skipped.txt"
set +e
cargo test --workspace 2>&1 | tee "$target/test.log"
status=${PIPESTATUS[0]}
set -e
[ "$what" = rust ] && exit "$status"

echo "== a fresh venv: knox-bsm (pip install ./knox-py), pytest, duckdb, polars, pyspark"
venv="$target/test-venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check pytest duckdb polars pyspark
"$venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check ./knox-py

echo "== Parquet read back by DuckDB and by Spark (local mode)"
cargo build -q -p knox-cli --bin knox
knox="$target/debug/knox"
log=$(mktemp)
# Spark's chatter goes to the log; the script's verdicts to the console.
"$venv/bin/python" tests/query/parquet_readers.py "$knox" duckdb spark 2>"$log" || {
  status=1
  cat "$log"
}

echo "== knox-py: pytest"
KNOX="$PWD/$knox" PYSPARK_PYTHON="$PWD/$venv/bin/python" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider knox-py/tests || status=1

exit "$status"
