from typing import Iterator, List

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.types import StructType

def spark_schema(table: str = "records") -> StructType: ...

class BsmPartition(InputPartition):
    files: List[tuple]

class BsmReader(DataSourceReader):
    def partitions(self) -> List[BsmPartition]: ...
    def read(self, partition: BsmPartition) -> Iterator[pa.RecordBatch]: ...

class BsmDataSource(DataSource):
    @classmethod
    def name(cls) -> str: ...
    def schema(self) -> StructType: ...
    def reader(self, schema: StructType) -> BsmReader: ...
