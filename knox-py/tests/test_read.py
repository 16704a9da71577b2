"""knox.read checked against `knox json` and `knox export`: the same records, tokens and events,
field by field."""

import base64
import io
import json
import warnings

import pyarrow as pa
import pytest

import knox
from conftest import CORPUS

SAMPLE = CORPUS / "sample.bsm"
DAMAGED = CORPUS / "damaged.bsm"
NAMES = dict(flavor="macos", passwd=CORPUS / "passwd")


def rows(reader):
    return reader.read_all().to_pylist()


def test_records_are_the_records_knox_json_writes(json_records):
    want = [r for r in json_records(SAMPLE) if r["kind"] != "file"]
    got = rows(knox.read(SAMPLE, **NAMES))
    assert len(got) == len(want) > 100
    for g, w in zip(got, want):
        assert g["offset"] == w["offset"]
        assert g["file"] == w["file"]
        assert g["event"] == w["event"]["number"]
        assert g["event_name"] == w["event"]["name"]
        assert g["success"] == w["success"]
        assert int(g["time"].timestamp() * 1000) == w["sec"] * 1000 + w["msec"]
        subject = next((t for t in w["tokens"] if t["type"].startswith("subject")), None)
        assert g["pid"] == (subject["pid"] if subject else None)
        assert g["euid"] == (subject["euid"] if subject else None)
        paths = [t["path"] for t in w["tokens"] if t["type"] == "path" and isinstance(t["path"], str)]
        assert g["paths"][: len(paths)] == paths[: len(g["paths"])]
        args = next((t for t in w["tokens"] if t["type"] == "exec_args"), None)
        assert g["argv"] == (args["strings"] if args else None)
        assert g["host"] is None
        # The process model's id names the subject's pid.
        if g["process_id"] is not None:
            assert g["process_id"].split("@")[0] == str(g["pid"])


def flat(token):
    """A knox json token flattened as the tokens table names its columns."""
    out = {}
    for k, v in token.items():
        if k == "type":
            continue
        if isinstance(v, dict) and "base64" in v and len(v) == 1:
            out[f"{k}_base64"] = v["base64"]
        elif isinstance(v, dict):
            for k2, v2 in v.items():
                out[f"{k}_{k2}"] = v2
        elif k == "offset":
            out["ip_offset"] = v
        elif k == "host":
            out["header_host"] = str(v)
        elif k == "kind" and isinstance(v, int):
            out[k] = str(v)
        else:
            out[k] = v
    return out


def test_tokens_are_the_tokens_knox_json_writes(json_records):
    want = []
    for r in json_records(SAMPLE):
        for i, t in enumerate(r["tokens"]):
            want.append((r["offset"], i, t))
    table = knox.read(SAMPLE, "tokens", **NAMES).read_all()
    got = table.to_pylist()
    assert len(got) == len(want) > 1000
    fields = [f for f in table.column_names if f not in ("file", "offset", "index", "type", "host", "day")]
    for g, (offset, index, token) in zip(got, want):
        assert (g["offset"], g["index"], g["type"]) == (offset, index, token["type"])
        expected = flat(token)
        for f in fields:
            if f.endswith("_base64") and isinstance(g[f], list):
                continue
            if isinstance(expected.get(f), list):
                items = [x if isinstance(x, (str, int)) else None for x in expected[f]]
                assert g[f] == items, (f, token)
            else:
                assert g[f] == expected.get(f), (f, token)


def test_bytes_that_are_not_text_keep_every_byte():
    # A path token with a byte that is not UTF-8, in a record of its own.
    trail = knox_trail_with_path(b"/tmp/caf\xe9")
    table = knox.read(trail, "tokens").read_all()
    path = [r for r in table.to_pylist() if r["type"] == "path"][0]
    assert path["path"] is None
    assert base64.b64decode(path["path_base64"]) == b"/tmp/caf\xe9"
    records = knox.read(trail).read_all().to_pylist()
    assert records[0]["paths"] == ["/tmp/caf\ufffd"]


def knox_trail_with_path(path: bytes) -> bytes:
    """One header32 record: header, path token, trailer (FORMAT.md's layout)."""
    body = bytes([0x23]) + (len(path) + 1).to_bytes(2, "big") + path + b"\0"
    size = 18 + len(body) + 7
    header = bytes([0x14]) + size.to_bytes(4, "big") + bytes([11]) + (72).to_bytes(2, "big")
    header += (0).to_bytes(2, "big") + (1_700_000_000).to_bytes(4, "big") + (0).to_bytes(4, "big")
    trailer = bytes([0x13]) + (0xB105).to_bytes(2, "big") + size.to_bytes(4, "big")
    return header + body + trailer


def test_ocsf_events_are_the_events_knox_export_writes(knox_cli):
    code, out, _ = knox_cli("export", "--format", "ocsf", "--flavor", "macos", "--passwd", CORPUS / "passwd", SAMPLE)
    assert code == 0
    want = [json.loads(line) for line in out.splitlines()]
    got = rows(knox.read(SAMPLE, "ocsf", **NAMES))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for k in ("class_uid", "activity_id", "type_uid", "status_id", "status_code", "message"):
            assert g[k] == w.get(k), k
        assert g["unmapped"]["bsm"]["offset"] == w["unmapped"]["bsm"]["offset"]
        if "process" in w:
            assert g["process"]["uid"] == w["process"].get("uid")
            assert g["process"]["cmd_line"] == w["process"].get("cmd_line")
        if "actor" in w:
            assert g["actor"]["user"]["uid"] == w["actor"]["user"]["uid"]
            assert g["actor"]["process"]["pid"] == w["actor"]["process"]["pid"]
        else:
            assert g["actor"] is None


def test_bytes_file_objects_and_paths_give_the_same_rows():
    by_path = knox.read(SAMPLE, **NAMES).read_all().drop_columns(["file"])
    data = SAMPLE.read_bytes()
    by_bytes = knox.read(data, **NAMES).read_all()
    by_file = knox.read(io.BytesIO(data), **NAMES).read_all()
    assert by_bytes.column("file")[0].as_py() == "<bytes 0>"
    assert by_bytes.drop_columns(["file"]).equals(by_path)
    assert by_file.drop_columns(["file"]).equals(by_path)
    with pytest.raises(TypeError):
        knox.read(io.StringIO("text"))


@pytest.mark.parametrize("table", knox.TABLES)
def test_the_rows_are_the_same_at_any_thread_count(table):
    one = knox.read([SAMPLE, DAMAGED], table, threads=1, problems=[], **NAMES).read_all()
    three = knox.read([SAMPLE, DAMAGED], table, threads=3, problems=[], **NAMES).read_all()
    assert one.num_rows > 0
    assert one.equals(three)
    assert one.schema.equals(knox.schema(table))


def test_decode_problems_are_warnings_with_file_and_offset(knox_cli):
    _, _, stderr = knox_cli("json", DAMAGED)
    said = [line.removeprefix("knox json: ") for line in stderr.splitlines() if " at offset " in line]
    assert said
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = knox.read(DAMAGED).read_all()
    assert got.num_rows > 0
    problems = [w.message.problem for w in caught if issubclass(w.category, knox.DecodeProblem)]
    assert [str(p) for p in problems] == said
    assert all(p.file == str(DAMAGED) and p.offset >= 0 for p in problems)
    listed = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        knox.read(DAMAGED, problems=listed).read_all()
    assert listed == problems


def test_unreadable_inputs_raise_naming_the_path(tmp_path):
    missing = tmp_path / "20231114221320.not_terminated"
    with pytest.raises(FileNotFoundError, match="20231114221320.not_terminated"):
        knox.read(missing)
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    with pytest.raises(OSError, match="nothing: no trail files"):
        knox.read(empty_dir)
    with pytest.raises(ValueError, match="unknown schema"):
        knox.read(SAMPLE, "rows")
    with pytest.raises(ValueError, match="unknown event"):
        knox.read(SAMPLE, event=["no_such_event"])


def test_trees_of_hosts_name_each_row_and_event_selects(case, json_records):
    table = knox.read(case, **NAMES).read_all()
    hosts = table.group_by("host").aggregate([("offset", "count")]).to_pylist()
    counts = {h["host"]: h["offset_count"] for h in hosts}
    for host in ("mac1", "mac2"):
        want = [r for r in json_records(case / host) if r["kind"] != "file"]
        assert counts[host] == len(want)
    execs = knox.read(case, event=["execve", "AUE_POSIX_SPAWN"], **NAMES).read_all()
    names = set(execs.column("event_name").to_pylist())
    assert execs.num_rows > 0 and names <= {"AUE_EXECVE", "AUE_POSIX_SPAWN"}
    assert knox.expand(case) == [
        (str(case / "mac1" / "20231114221320.20231114221500"), "mac1"),
        (str(case / "mac2" / "20231114221320.20231114221500"), "mac2"),
    ]


def test_duckdb_scans_the_reader_and_polars_reads_it(json_records):
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    want = [r for r in json_records(SAMPLE) if r["kind"] != "file"]
    execs = sum(1 for r in want if r["event"]["name"] == "AUE_EXECVE")
    reader = knox.read(SAMPLE, **NAMES)
    got = duckdb.sql("select count(*) from reader where event_name = 'AUE_EXECVE'").fetchall()[0][0]
    assert got == execs > 0
    paths = knox.read(SAMPLE, "tokens", **NAMES)
    n = duckdb.sql("select count(path) from paths where type = 'path'").fetchall()[0][0]
    assert n == sum(1 for r in want for t in r["tokens"] if t["type"] == "path" and isinstance(t["path"], str))
    df = polars.from_arrow(knox.read(SAMPLE, **NAMES).read_all())
    assert df.height == len(want)
    assert df.filter(polars.col("event_name") == "AUE_EXECVE").height == execs
