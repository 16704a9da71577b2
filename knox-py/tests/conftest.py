"""Shared fixtures: the repository's sample trails, and the knox binary whose JSON output the
tables are checked against (``KNOX``, else ``target/debug/knox`` or ``target/release/knox``)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"


def knox_binary() -> str:
    given = os.environ.get("KNOX")
    if given:
        return given
    for build in ("debug", "release"):
        p = ROOT / "target" / build / "knox"
        if p.exists():
            return str(p)
    found = shutil.which("knox")
    if found:
        return found
    pytest.fail("no knox binary: build it (cargo build -p knox-cli) or set KNOX")


@pytest.fixture(scope="session")
def knox_cli():
    """Runs the knox command line; returns (exit code, stdout, stderr)."""
    binary = knox_binary()

    def run(*args):
        r = subprocess.run([binary, *map(str, args)], capture_output=True, check=False)
        return r.returncode, r.stdout, r.stderr.decode()

    return run


@pytest.fixture(scope="session")
def json_records(knox_cli):
    """`knox json`'s objects for a trail, by offset."""

    def records(path, *extra):
        code, out, _ = knox_cli("json", "--flavor", "macos", "--passwd", CORPUS / "passwd", *extra, path)
        assert code in (0, 1)
        return [json.loads(line) for line in out.splitlines()]

    return records


@pytest.fixture
def case(tmp_path):
    """A case folder: two copied machines, one trail each."""
    for host, trail in [("mac1", "sample.bsm"), ("mac2", "macos-h32.bsm")]:
        d = tmp_path / "case" / host
        d.mkdir(parents=True)
        shutil.copy(CORPUS / trail, d / "20231114221320.20231114221500")
    return tmp_path / "case"
