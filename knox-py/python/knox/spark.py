"""Spark's ``bsm`` data source: trails decoded where they lie, on the executors.

>>> from knox.spark import BsmDataSource                               # doctest: +SKIP
>>> spark.dataSource.register(BsmDataSource)
>>> df = (spark.read.format("bsm").option("schema", "records")
...       .load("s3://audit-lake/hosts/*/var/audit/"))

``load`` takes a path, a comma-separated list of paths or a glob (``*``, ``?``, ``[...]``),
expanded on the driver as the ``knox`` command line expands paths: a trail file, a trail
directory (its trail files in time order), a tree of hosts. With a glob, a file's host is what
the glob's first wildcard matched (``hosts/*/var/audit``: the host directory), unless auditd's
file name names it. Each trail file is one partition,
decoded on an executor by ``knox.read`` (Rust, no Python per row) and handed to Spark as Arrow
record batches. Paths with a scheme (``s3://``, ``gs://``, ``abfs://``, ``hdfs://``) are opened
with fsspec, which the executors need installed with the filesystem's package (s3fs, gcsfs).

Options: ``schema`` (``records``, ``tokens``, ``ocsf``), ``host``, ``passwd``, ``group``,
``events``, ``flavor``, ``classes`` as in ``knox.read``; ``threads`` (per partition, default 1,
since Spark runs a partition per core); ``partitions`` = ``file`` (default) or ``host`` (one
partition per host: its files in time order, so that processes crossing a file rotation keep
their stable ids, as on one machine).

Spark has no unsigned integers: the ``tokens`` table's 32-bit fields come as ``bigint`` and its
64-bit ones (``value``, ``nodeid``, ``device``, ``tid_port``, ``time_sec``, ``time_msec``) as
``decimal(20,0)``, as Spark reads them from Parquet.
"""

from __future__ import annotations

import glob as _glob
import json
import os
from typing import Iterator, List, Optional, Sequence

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.types import StructType

import knox

__all__ = ["BsmDataSource", "spark_schema"]


def _spark_type(t: pa.DataType) -> pa.DataType:
    """The Arrow type Spark takes for a knox column's type."""
    if pa.types.is_uint64(t):
        return pa.decimal128(20, 0)
    if pa.types.is_uint32(t):
        return pa.int64()
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz="UTC")
    if pa.types.is_list(t):
        return pa.list_(_spark_field(t.value_field))
    if pa.types.is_struct(t):
        return pa.struct([_spark_field(t.field(i)) for i in range(t.num_fields)])
    return t


def _spark_field(f: pa.Field) -> pa.Field:
    return pa.field(f.name, _spark_type(f.type), nullable=True)


def spark_schema(table: str = "records") -> StructType:
    """A knox table's schema as Spark's ``StructType``."""
    from pyspark.sql.pandas.types import from_arrow_schema

    s = knox.schema(table)
    return from_arrow_schema(pa.schema([_spark_field(f) for f in s]))


def _has_scheme(p: str) -> bool:
    return "://" in p and not p.startswith("file://")


def _local(p: str) -> str:
    return p[len("file://") :] if p.startswith("file://") else p


def _paths(options: dict) -> List[str]:
    """The paths ``load`` was given: one path, a comma-separated list, or Spark's JSON list."""
    if "paths" in options:
        try:
            given = json.loads(options["paths"])
        except ValueError:
            given = [options["paths"]]
    else:
        given = [options.get("path", "")]
    out: List[str] = []
    for g in given:
        out.extend(x.strip() for x in str(g).split(",") if x.strip())
    if not out:
        raise ValueError("the bsm data source needs a path: spark.read.format('bsm').load(PATH)")
    return out


def _expand_remote(p: str) -> List[tuple]:
    """Trail files under a remote path or glob, through fsspec: directories are listed, a file
    is taken as it is. The host is the directory above a trail directory, as knox names it."""
    import fsspec

    fs, _, found = fsspec.get_fs_token_paths(p)
    proto = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    pattern = p.split("://", 1)[1]
    out = []
    for f in found:
        host = _wildcard_host(pattern, f)
        if fs.isdir(f):
            for x in sorted(fs.find(f)):
                if not os.path.basename(x).startswith("."):
                    out.append((f"{proto}://{x}", host))
        else:
            out.append((f"{proto}://{f}", host))
    return out


def _wildcard_host(pattern: str, path: str) -> Optional[str]:
    """What the first wildcard of a glob matched in a path: in ``hosts/*/var/audit``, the host
    directory of each match."""
    parts = pattern.rstrip("/").split("/")
    for i, part in enumerate(parts):
        if _glob.has_magic(part):
            got = path.rstrip("/").split("/")
            return got[i] if i < len(got) else None
    return None


def _plan(paths: Sequence[str], by_host: bool) -> List[List[tuple]]:
    """Groups of (file, host) to decode together: one per file, or one per host."""
    files: List[tuple] = []
    for p in paths:
        if _has_scheme(p):
            files.extend(_expand_remote(p))
            continue
        p = _local(p)
        if not _glob.has_magic(p):
            files.extend(knox.expand([p]))
            continue
        matches = sorted(_glob.glob(p))
        if not matches:
            raise FileNotFoundError(f"{p}: no such file or directory")
        for m in matches:
            # The file's own name says its host when auditd wrote one; else the wildcard's match.
            files.extend((f, h or _wildcard_host(p, m)) for f, h in knox.expand([m]))
    if not by_host:
        return [[f] for f in files]
    groups: dict = {}
    for f in files:
        groups.setdefault(f[1], []).append(f)
    return list(groups.values())


class BsmPartition(InputPartition):
    """Trail files decoded together by one task, with their hosts."""

    def __init__(self, files: List[tuple]) -> None:
        super().__init__(files)
        self.files = files


class BsmReader(DataSourceReader):
    def __init__(self, options: dict, schema: StructType) -> None:
        self.options = dict(options)
        self.schema = schema
        self.table = self.options.get("schema", "records")

    def partitions(self) -> List[BsmPartition]:
        by_host = self.options.get("partitions", "file") == "host"
        return [BsmPartition(g) for g in _plan(_paths(self.options), by_host)]

    def read(self, partition: BsmPartition) -> Iterator[pa.RecordBatch]:
        from pyspark.sql.pandas.types import to_arrow_schema

        target = to_arrow_schema(self.schema, timezone="UTC")
        o = self.options
        inputs = []
        for path, host in partition.files:
            if _has_scheme(path):
                import fsspec

                with fsspec.open(path, "rb") as f:
                    inputs.append((path, f.read()))
            else:
                inputs.append(path)
        hosts = {h for _, h in partition.files}
        host = o.get("host") or (next(iter(hosts)) if len(hosts) == 1 else None)
        reader = knox.read(
            inputs,
            self.table,
            threads=int(o.get("threads", "1")),
            host=host,
            passwd=o.get("passwd"),
            group=o.get("group"),
            events=o.get("events"),
            flavor=o.get("flavor"),
            classes=o.get("classes"),
        )
        for batch in reader:
            yield batch.cast(target)


class BsmDataSource(DataSource):
    """``spark.read.format("bsm")``: BSM trails decoded by knox on the executors."""

    @classmethod
    def name(cls) -> str:
        return "bsm"

    def schema(self) -> StructType:
        return spark_schema(self.options.get("schema", "records"))

    def reader(self, schema: StructType) -> BsmReader:
        return BsmReader(self.options, schema)
