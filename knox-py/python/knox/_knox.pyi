import os
from typing import List, Optional, Tuple, Union

class Reader:
    skipped: List[str]
    inputs: List[str]
    def __init__(
        self,
        inputs: List[Union[str, bytes, Tuple[str, bytes]]],
        schema: str = "records",
        threads: Optional[int] = None,
        host: Optional[str] = None,
        passwd: Optional[str] = None,
        group: Optional[str] = None,
        events: Optional[str] = None,
        flavor: Optional[str] = None,
        classes: Optional[str] = None,
        select_events: Optional[List[str]] = None,
    ) -> None: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    def take_problems(self) -> List[Tuple[str, int, str]]: ...

class Schema:
    def __init__(self, name: str) -> None: ...
    def __arrow_c_schema__(self) -> object: ...

def expand_paths(paths: List[Union[str, os.PathLike[str]]]) -> List[Tuple[str, Optional[str]]]: ...
def version() -> str: ...
