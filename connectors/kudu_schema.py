"""A Kudu table's definition from an Arrow schema: the Kudu schema and Impala's ``CREATE TABLE ... STORED AS KUDU``.

The two writers of :mod:`airstream.connectors.kudu` need the table made beforehand, and the two ways
of making it differ:

* for :class:`~airstream.connectors.kudu.KuduSink` (kudu-python), the table is created in Kudu
  itself: :meth:`KuduTable.kudu_json` is the document ``kudu table create MASTERS '<json>'`` takes
  (Kudu's own CLI), and :meth:`KuduTable.impala_external_sql` maps it into Impala for queries;
* for :class:`~airstream.connectors.kudu.ImpalaKuduSink`, Impala creates it:
  :meth:`KuduTable.impala_create_sql` (Kudu then names it ``impala::db.table``).

Primary key columns come first and are ``NOT NULL``; the rows are hash-partitioned on the key.

    >>> import pyarrow as pa
    >>> table = KuduTable("airlinesentiment", pa.schema([("tweetid", pa.string()), ("polarity", pa.float64())]),
    ...                   primary_key=("tweetid",), hash_buckets=2, replicas=1)
    >>> print(table.impala_create_sql("cloudair"))
    CREATE TABLE IF NOT EXISTS `cloudair`.`airlinesentiment` (
      `tweetid` STRING NOT NULL,
      `polarity` DOUBLE NULL,
      PRIMARY KEY (`tweetid`)
    )
    PARTITION BY HASH (`tweetid`) PARTITIONS 2
    STORED AS KUDU
    TBLPROPERTIES ('kudu.num_tablet_replicas' = '1')
    >>> table.kudu_json()["schema"]["columns"][1]
    {'column_name': 'polarity', 'column_type': 'DOUBLE', 'is_nullable': True}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from airstream.connectors.impala import impala_type, quote_identifier

__all__ = ["KuduSchemaError", "KuduTable", "kudu_type"]


class KuduSchemaError(ValueError):
    """A schema Kudu cannot hold (a nested or unsigned type, a key column missing)."""


def kudu_type(t: pa.DataType, field_name: str = "?") -> str:
    """The Kudu column type of an Arrow type (``kudu table create``'s ``column_type``).

        >>> kudu_type(pa.timestamp("us", tz="UTC")), kudu_type(pa.decimal128(12, 2))
        ('UNIXTIME_MICROS', 'DECIMAL')
    """
    simple: list[tuple[Callable[[pa.DataType], bool], str]] = [
        (pa.types.is_boolean, "BOOL"), (pa.types.is_int8, "INT8"), (pa.types.is_int16, "INT16"),
        (pa.types.is_int32, "INT32"), (pa.types.is_int64, "INT64"), (pa.types.is_float32, "FLOAT"),
        (pa.types.is_float64, "DOUBLE"), (pa.types.is_string, "STRING"), (pa.types.is_large_string, "STRING"),
        (pa.types.is_binary, "BINARY"), (pa.types.is_large_binary, "BINARY"),
        (pa.types.is_timestamp, "UNIXTIME_MICROS"), (pa.types.is_date32, "DATE"), (pa.types.is_decimal, "DECIMAL"),
    ]
    if pa.types.is_dictionary(t):
        return kudu_type(t.value_type, field_name)
    for test, name in simple:
        if test(t):
            if name == "DECIMAL" and t.precision > 38:
                raise KuduSchemaError(f"field {field_name!r}: DECIMAL({t.precision},{t.scale}) exceeds Kudu's "
                                      "precision 38; declare a narrower decimal or a DOUBLE")
            return name
    hint = ("Kudu has no unsigned integers: declare a signed type one size up" if pa.types.is_unsigned_integer(t)
            else "Kudu columns are scalars: store nested values as JSON text (a string field)")
    raise KuduSchemaError(f"field {field_name!r}: Arrow type {t} has no Kudu equivalent; {hint}")


@dataclass(frozen=True)
class KuduTable:
    """A Kudu table: its name in Kudu, columns (an Arrow schema), primary key and partitioning.

    ``hash_buckets`` tablets hash-partitioned on the primary key, each with ``replicas`` copies (3 on
    a production cluster; 1 for a single tablet server).
    """

    name: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    hash_buckets: int = 4
    replicas: int = 3

    def __post_init__(self) -> None:
        if not self.primary_key:
            raise KuduSchemaError(f"Kudu table {self.name!r}: name its primary key column(s)")
        missing = [k for k in self.primary_key if k not in self.schema.names]
        if missing:
            raise KuduSchemaError(f"Kudu table {self.name!r}: primary key column(s) {missing} are not in the "
                                  f"schema {self.schema.names}")
        if self.hash_buckets < 2:
            raise KuduSchemaError(f"Kudu table {self.name!r}: hash_buckets must be at least 2 (Kudu's minimum), "
                                  f"got {self.hash_buckets}")
        for f in self.schema:
            kudu_type(f.type, f.name)  # refuses what Kudu cannot hold, naming the field

    def _ordered(self) -> list[pa.Field]:
        """The key columns first, in key order (Kudu requires it), then the others in schema order."""
        keys = [self.schema.field(k) for k in self.primary_key]
        return keys + [f for f in self.schema if f.name not in self.primary_key]

    def kudu_json(self) -> dict[str, Any]:
        """The table as ``kudu table create MASTERS '<json>'`` takes it (Kudu's CLI; JSON-encode it first)."""
        columns: list[dict[str, Any]] = []
        for f in self._ordered():
            column: dict[str, Any] = {"column_name": f.name, "column_type": kudu_type(f.type, f.name),
                                      "is_nullable": f.name not in self.primary_key}
            if pa.types.is_decimal(f.type):
                column["type_attributes"] = {"precision": f.type.precision, "scale": f.type.scale}
            columns.append(column)
        return {"table_name": self.name,
                "schema": {"columns": columns, "key_column_names": list(self.primary_key)},
                "partition": {"hash_partitions": [{"columns": list(self.primary_key),
                                                   "num_buckets": self.hash_buckets}]},
                "num_replicas": self.replicas}

    def impala_create_sql(self, database: str, table: str | None = None) -> str:
        """Impala's ``CREATE TABLE ... STORED AS KUDU`` for this table as ``database.table`` (default: its
        name); Kudu then calls it ``impala::database.table``, the name ImpalaKuduSink's lineage uses."""
        columns = [f"  {quote_identifier(f.name)} {impala_type(f.type, f.name)} "
                   f"{'NOT NULL' if f.name in self.primary_key else 'NULL'}" for f in self._ordered()]
        key = ", ".join(map(quote_identifier, self.primary_key))
        return "\n".join([
            f"CREATE TABLE IF NOT EXISTS {quote_identifier(database)}.{quote_identifier(table or self.name)} (",
            ",\n".join([*columns, f"  PRIMARY KEY ({key})"]),
            ")",
            f"PARTITION BY HASH ({key}) PARTITIONS {self.hash_buckets}",
            "STORED AS KUDU",
            f"TBLPROPERTIES ('kudu.num_tablet_replicas' = '{self.replicas}')",
        ])

    def impala_external_sql(self, database: str, table: str | None = None) -> str:
        """Impala's ``CREATE EXTERNAL TABLE`` over the table made in Kudu (Impala reads its columns from Kudu)."""
        name = self.name.replace("\\", "\\\\").replace("'", "\\'")
        ref = f"{quote_identifier(database)}.{quote_identifier(table or self.name)}"
        return (f"CREATE EXTERNAL TABLE IF NOT EXISTS {ref}\nSTORED AS KUDU\n"
                f"TBLPROPERTIES ('kudu.table_name' = '{name}')")
