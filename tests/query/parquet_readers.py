#!/usr/bin/env python3
"""Reads knox's Parquet export with DuckDB and with Spark (local mode), as they are, and checks
that both count what knox counted: the records per host, the OCSF events per class, one
question an analyst would ask (which programs ran most, per host), and typed token fields of
the tokens table (every path token's path, every subject's pid) against `knox json`.

    tests/query/parquet_readers.py KNOX_BINARY [duckdb|spark ...]

Exits non-zero when a reader disagrees or fails.
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOX = sys.argv[1]
READERS = sys.argv[2:] or ["duckdb", "spark"]

# The question, in the SQL both readers speak.
QUESTION = """
    SELECT host, command_line, count(*) AS execs
    FROM records
    WHERE act IN ('exec', 'spawn') AND success AND command_line IS NOT NULL
    GROUP BY host, command_line
    ORDER BY host, execs DESC, command_line
"""


def knox(*args):
    r = subprocess.run([KNOX, *args], capture_output=True, check=False)
    if r.returncode > 1:
        sys.exit(f"knox {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout


def tree(base):
    """A case folder: two hosts, two trails."""
    for host, trail in [("mac1", "sample.bsm"), ("mac2", "macos-h32.bsm")]:
        d = base / "case" / host
        d.mkdir(parents=True)
        shutil.copy(ROOT / "corpus" / trail, d / "20231114221320.20231114221500")
    return base / "case"


def expected(case):
    per_host = {}
    for host in ("mac1", "mac2"):
        stats = json.loads(knox("stats", "--json", str(case / host)))
        per_host[host] = stats["records"]
    classes = {}
    for line in knox("export", "--format", "ocsf", str(case)).splitlines():
        c = json.loads(line)["class_uid"]
        classes[c] = classes.get(c, 0) + 1
    return per_host, classes


def expected_tokens(case):
    """From `knox json`: (host, path) of every path token with a text path, and the sum of the
    pids of subject tokens per host."""
    paths, pids = [], {}
    for line in knox("json", str(case)).splitlines():
        r = json.loads(line)
        for t in r["tokens"]:
            if t["type"] == "path" and isinstance(t["path"], str):
                paths.append((r["host"], t["path"]))
            if t["type"].startswith("subject"):
                pids[r["host"]] = pids.get(r["host"], 0) + t["pid"]
    return sorted(paths), pids


def duckdb_counts(out):
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW records AS SELECT * FROM read_parquet('{out}/records/**/*.parquet', hive_partitioning = true)"
    )
    # Each OCSF class and each token type has its own columns: read them by name.
    con.execute(
        f"CREATE VIEW ocsf AS SELECT * FROM read_parquet('{out}/ocsf/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )
    con.execute(
        f"CREATE VIEW tokens AS SELECT * FROM read_parquet('{out}/tokens/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )
    hosts = dict(con.execute("SELECT host, count(*) FROM records GROUP BY host").fetchall())
    classes = dict(con.execute("SELECT class_uid, count(*) FROM ocsf GROUP BY class_uid").fetchall())
    answer = con.execute(QUESTION).fetchall()
    # The stable process ids link a Launch to its parent in the same table.
    linked = con.execute(
        """SELECT count(*) FROM ocsf c JOIN ocsf p
           ON c.process.parent_process.uid = p.process.uid
           WHERE c.class_uid = 1007 AND c.activity_id = 1 AND p.class_uid = 1007"""
    ).fetchone()[0]
    paths = sorted(con.execute("SELECT host, path FROM tokens WHERE type = 'path' AND path IS NOT NULL").fetchall())
    pids = dict(con.execute("SELECT host, sum(pid) FROM tokens WHERE type LIKE 'subject%' GROUP BY host").fetchall())
    return hosts, classes, answer, linked, (paths, {h: int(v) for h, v in pids.items()})


def spark_counts(out):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("knox-parquet")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.parquet(f"{out}/records").createOrReplaceTempView("records")
    # Each OCSF class and each token type has its own columns: merge the files' schemas.
    spark.read.option("mergeSchema", "true").parquet(f"{out}/ocsf").createOrReplaceTempView("ocsf")
    spark.read.option("mergeSchema", "true").parquet(f"{out}/tokens").createOrReplaceTempView("tokens")
    hosts = {r[0]: r[1] for r in spark.sql("SELECT host, count(*) FROM records GROUP BY host").collect()}
    classes = {r[0]: r[1] for r in spark.sql("SELECT class_uid, count(*) FROM ocsf GROUP BY class_uid").collect()}
    answer = [tuple(r) for r in spark.sql(QUESTION).collect()]
    linked = spark.sql(
        """SELECT count(*) FROM ocsf c JOIN ocsf p
           ON c.process.parent_process.uid = p.process.uid
           WHERE c.class_uid = 1007 AND c.activity_id = 1 AND p.class_uid = 1007"""
    ).collect()[0][0]
    paths = sorted(tuple(r) for r in spark.sql("SELECT host, path FROM tokens WHERE type = 'path' AND path IS NOT NULL").collect())
    pids = {r[0]: int(r[1]) for r in spark.sql("SELECT host, sum(pid) FROM tokens WHERE type LIKE 'subject%' GROUP BY host").collect()}
    spark.stop()
    return hosts, classes, answer, linked, (paths, pids)


def main():
    base = Path(tempfile.mkdtemp(prefix="knox-readers-"))
    try:
        case = tree(base)
        out = base / "parquet"
        for schema in ("records", "ocsf", "tokens"):
            knox("export", "--format", "parquet", "--schema", schema, "--to", str(out / schema), str(case))
        per_host, classes = expected(case)
        token_truth = expected_tokens(case)
        answers = []
        for reader in READERS:
            hosts, got_classes, answer, linked, tokens = {"duckdb": duckdb_counts, "spark": spark_counts}[reader](out)
            if tokens != token_truth:
                sys.exit(f"{reader}: typed token fields differ from knox json: "
                         f"{len(tokens[0])} paths (want {len(token_truth[0])}), pids {tokens[1]} (want {token_truth[1]})")
            if hosts != per_host:
                sys.exit(f"{reader}: records per host {hosts}, knox counted {per_host}")
            if got_classes != classes:
                sys.exit(f"{reader}: OCSF events per class {got_classes}, knox wrote {classes}")
            if not answer or linked == 0:
                sys.exit(f"{reader}: the question found nothing ({len(answer)} rows, {linked} links)")
            answers.append(answer)
            print(f"{reader}: {sum(per_host.values())} records on {len(hosts)} hosts, "
                  f"{sum(classes.values())} OCSF events in {len(classes)} classes, "
                  f"{len(answer)} (host, command) rows, {linked} launches linked to their parent, "
                  f"{len(tokens[0])} path tokens and the subjects' pids as knox json has them: ok")
        if len(answers) == 2 and answers[0] != answers[1]:
            sys.exit("DuckDB and Spark answer the question differently")
    finally:
        shutil.rmtree(base, ignore_errors=True)


main()
