import os
from typing import IO, Iterable, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str
TABLES: Tuple[str, str, str]

Source = Union[str, os.PathLike[str], bytes, bytearray, memoryview, IO[bytes], Tuple[str, bytes]]

class Problem:
    """A decode problem: the input it was found in, its byte offset there, and what was wrong."""

    file: str
    offset: int
    message: str
    def __init__(self, file: str, offset: int, message: str) -> None: ...

class DecodeProblem(UserWarning):
    """The warning for a decode problem; ``.problem`` holds its :class:`Problem`."""

    problem: Problem
    def __init__(self, problem: Problem) -> None: ...

def read(
    paths: Union[Source, Sequence[Source]],
    schema: str = "records",
    *,
    threads: Optional[int] = None,
    host: Optional[str] = None,
    passwd: Optional[Union[str, os.PathLike[str]]] = None,
    group: Optional[Union[str, os.PathLike[str]]] = None,
    events: Optional[Union[str, os.PathLike[str]]] = None,
    flavor: Optional[str] = None,
    classes: Optional[Union[str, os.PathLike[str]]] = None,
    event: Optional[Iterable[Union[str, int]]] = None,
    problems: Optional[List[Problem]] = None,
) -> pa.RecordBatchReader:
    """Reads BSM trails (files, trail directories, trees of hosts, bytes, binary file objects)
    as the record batches of a table: ``records``, ``tokens`` or ``ocsf``."""
    ...

def schema(name: str = "records") -> pa.Schema:
    """The Arrow schema of a table (``records``, ``tokens`` or ``ocsf``)."""
    ...

def expand(
    paths: Union[str, os.PathLike[str], Sequence[Union[str, os.PathLike[str]]]],
) -> List[Tuple[str, Optional[str]]]:
    """What paths expand to, as the command line expands them: ``(file, host)`` per trail file."""
    ...
