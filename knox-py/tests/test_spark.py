"""Spark's bsm data source in local mode with two workers: its rows are knox.read's."""

import os
import sys

import pyarrow as pa
import pytest

import knox
from conftest import CORPUS

pyspark = pytest.importorskip("pyspark")

NAMES = dict(flavor="macos", passwd=str(CORPUS / "passwd"))


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    from knox.spark import BsmDataSource

    # The workers run this interpreter, the one knox-bsm is installed in.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (
        SparkSession.builder.master("local[2]")
        .appName("knox-bsm-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    s.dataSource.register(BsmDataSource)
    yield s
    s.stop()


def load(spark, paths, table="records", **options):
    r = spark.read.format("bsm").option("schema", table)
    for k, v in {**NAMES, **options}.items():
        r = r.option(k, v)
    return r.load(paths)


def sorted_rows(rows):
    return sorted(rows, key=lambda r: (r["file"], r["offset"], r.get("index", 0)))


def test_records_are_knox_reads_per_file(spark, case):
    df = load(spark, str(case))
    assert df.rdd.getNumPartitions() == 2
    got = sorted_rows([r.asDict(recursive=True) for r in df.collect()])
    want = []
    for f, host in knox.expand(case):
        want.extend(knox.read(f, host=host, **NAMES).read_all().to_pylist())
    want = sorted_rows(want)
    assert len(got) == len(want) > 100
    for g, w in zip(got, want):
        for k in ("file", "offset", "event_name", "pid", "process_id", "parent_id", "command_line", "argv", "host"):
            assert g[k] == w[k], k
        assert g["time"].replace(tzinfo=None) == w["time"].replace(tzinfo=None)
        assert g["day"] == w["day"]


def test_typed_token_fields_and_a_glob(spark, case):
    glob = os.path.join(str(case), "*")
    df = load(spark, glob, "tokens")
    paths = {r["path"] for r in df.where("type = 'path'").select("path").collect()}
    want = set()
    for f, host in knox.expand(case):
        t = knox.read(f, "tokens", host=host).read_all()
        want |= {r["path"] for r in t.to_pylist() if r["type"] == "path"}
    assert paths == want and len(paths) > 10
    # 64-bit unsigned fields are decimals for Spark, as Spark reads them from Parquet.
    secs = df.where("type like 'header%'").selectExpr("min(time_sec)").collect()[0][0]
    assert int(secs) > 1_000_000_000
    # One partition per host keeps the files of a host together.
    by_host = load(spark, glob, "records", partitions="host")
    assert by_host.rdd.getNumPartitions() == 2
    assert by_host.count() == load(spark, glob).count()


def test_ocsf_and_comma_separated_paths(spark, case):
    files = [f for f, _ in knox.expand(case)]
    df = load(spark, ",".join(files), "ocsf")
    want = sum(knox.read(f, "ocsf", **NAMES).read_all().num_rows for f in files)
    assert df.count() == want
    got = {
        (r[0], r[1], r[2])
        for r in df.where("class_uid = 1007").selectExpr("unmapped.bsm.file", "unmapped.bsm.offset", "process.uid").collect()
    }
    expect = set()
    for f in files:
        for r in knox.read(f, "ocsf", **NAMES).read_all().to_pylist():
            if r["class_uid"] == 1007:
                expect.add((r["unmapped"]["bsm"]["file"], r["unmapped"]["bsm"]["offset"], r["process"]["uid"]))
    assert got == expect and len(got) > 10
