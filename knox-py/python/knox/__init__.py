"""knox: BSM audit trails (macOS, FreeBSD: ``/var/audit``, ``/dev/auditpipe``) as Apache Arrow
tables, on any OS.

``knox.read`` decodes trails in Rust, on as many threads as you ask, and hands the rows to
pyarrow as record batches through the Arrow C stream interface: no row ever becomes a Python
object. The tables are those ``knox export --format parquet`` writes (``records``, ``tokens``,
``ocsf``), with their ``host`` and ``day`` columns; their columns are listed in the project's
``docs/arrow-tables.md``.

>>> import knox, duckdb                                         # doctest: +SKIP
>>> reader = knox.read("/cases/42/var/audit", passwd="/cases/42/etc/passwd")
>>> duckdb.sql("select command_line, count(*) from reader where act = 'exec' group by 1")

Decode problems (damaged records, garbage between records) never stop a read and are never
silent: each one is a :class:`DecodeProblem` warning naming its file and byte offset, or goes
to the list given as ``problems=``. An input that cannot be read raises ``OSError`` naming it.
"""

from __future__ import annotations

import os
import warnings
from typing import IO, Iterable, Iterator, List, Optional, Sequence, Union

import pyarrow as pa

from . import _knox

__all__ = ["read", "schema", "DecodeProblem", "Problem", "TABLES", "__version__"]

__version__ = _knox.version()

#: The tables knox builds.
TABLES = ("records", "tokens", "ocsf")

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]


class Problem:
    """A decode problem: the input it was found in, its byte offset there, and what was wrong."""

    __slots__ = ("file", "offset", "message")

    def __init__(self, file: str, offset: int, message: str) -> None:
        self.file = file
        self.offset = offset
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}: {self.message} at offset {self.offset}"

    def __repr__(self) -> str:
        return f"Problem({self.file!r}, {self.offset}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.file, self.offset, self.message) == (
            other.file,
            other.offset,
            other.message,
        )


class DecodeProblem(UserWarning):
    """The warning for a decode problem; ``.problem`` holds its :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _inputs(paths: Union[Source, Sequence[Source]]) -> List[Union[str, bytes]]:
    """Paths as text, bytes as bytes, binary file objects read whole."""
    if isinstance(paths, (str, bytes, bytearray, memoryview, os.PathLike)) or hasattr(paths, "read"):
        paths = [paths]  # type: ignore[list-item]
    out: List[Union[str, bytes]] = []
    for p in paths:  # type: ignore[union-attr]
        if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], (bytes, bytearray)):
            # (name, bytes): bytes whose rows name them as `name` (a remote file).
            out.append((str(p[0]), bytes(p[1])))  # type: ignore[arg-type]
        elif isinstance(p, (bytes, bytearray, memoryview)):
            out.append(bytes(p))
        elif hasattr(p, "read"):
            data = p.read()
            if not isinstance(data, (bytes, bytearray)):
                raise TypeError("file objects must be opened in binary mode ('rb')")
            out.append(bytes(data))
        elif isinstance(p, (str, os.PathLike)):
            out.append(os.fspath(p))
        else:
            raise TypeError(f"not a path, bytes or binary file object: {p!r}")
    return out


def read(
    paths: Union[Source, Sequence[Source]],
    schema: str = "records",
    *,
    threads: Optional[int] = None,
    host: Optional[str] = None,
    passwd: Optional[Union[str, "os.PathLike[str]"]] = None,
    group: Optional[Union[str, "os.PathLike[str]"]] = None,
    events: Optional[Union[str, "os.PathLike[str]"]] = None,
    flavor: Optional[str] = None,
    classes: Optional[Union[str, "os.PathLike[str]"]] = None,
    event: Optional[Iterable[Union[str, int]]] = None,
    problems: Optional[list] = None,
) -> pa.RecordBatchReader:
    """Reads BSM trails as a table's record batches.

    paths
        What the ``knox`` command line takes: a trail file, a trail directory (a copied
        ``/var/audit``: its trail files in time order), a tree of hosts (auditdistd's
        ``/var/audit/remote``, a case folder of copied machines), or a list of them; also
        ``bytes`` and binary file objects (read whole: give large trails as paths).
    schema
        ``"records"`` (one row per record), ``"tokens"`` (one row per token) or ``"ocsf"``
        (one row per OCSF 1.8.0 event).
    threads
        Decoding threads (default: the available cores). The rows are the same at any number.
    host
        The host of every row, instead of what the names say.
    passwd, group
        The audited machine's ``/etc/passwd`` and ``/etc/group``, for user names (default:
        this machine's accounts).
    events, flavor, classes
        The audited machine's ``audit_event`` file, or the embedded table to use (``"macos"``
        or ``"freebsd"``), and its ``audit_class`` file.
    event
        Keep only these events (names such as ``"execve"`` or ``"AUE_EXECVE"``, or numbers).
    problems
        A list to append each decode problem to, instead of warning.

    Returns a ``pyarrow.RecordBatchReader``: iterate it, ``read_all()`` it, or hand it to
    DuckDB, polars or anything that reads Arrow streams.
    """
    if schema not in TABLES:
        raise ValueError(f"unknown schema {schema!r}: one of {', '.join(TABLES)}")
    reader = _knox.Reader(
        _inputs(paths),
        schema,
        threads,
        host,
        None if passwd is None else os.fspath(passwd),
        None if group is None else os.fspath(group),
        None if events is None else os.fspath(events),
        flavor,
        None if classes is None else os.fspath(classes),
        None if event is None else [str(e) for e in event],
    )
    inner = pa.RecordBatchReader.from_stream(reader)

    def report() -> None:
        for file, offset, message in reader.take_problems():
            p = Problem(file, offset, message)
            if problems is not None:
                problems.append(p)
            else:
                warnings.warn(DecodeProblem(p), stacklevel=3)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for b in inner:
                report()
                yield b
        finally:
            report()

    return pa.RecordBatchReader.from_batches(inner.schema, batches())


def schema(name: str = "records") -> pa.Schema:
    """The Arrow schema of a table (``records``, ``tokens`` or ``ocsf``)."""
    return pa.schema(_knox.Schema(name))


def expand(paths: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]) -> List[tuple]:
    """What paths expand to, as the command line expands them: ``(file, host)`` for each trail
    file, in reading order."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [tuple(x) for x in _knox.expand_paths([os.fspath(p) for p in paths])]
