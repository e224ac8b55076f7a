"""Kudu sinks: rows by primary key, batched, in ``UPSERT`` or ``INSERT_IGNORE`` mode (as NiFi's PutKudu).

Two writers share one record-to-row mapping and the sink contract:

* :class:`KuduSink` talks to the Kudu masters with ``kudu-python``. That package needs the Kudu C++
  client library installed first, so it is an optional extra; without it the sink says how to
  install it and points at the alternative below.
* :class:`ImpalaKuduSink` writes the same rows through Impala SQL (``UPSERT INTO`` / ``INSERT INTO``
  a Kudu-backed table) with impyla, for hosts where the C++ client is not available.

A record becomes a row of the table's columns. Records missing a primary key column, or carrying a
field the table does not have (unless ``extra_fields="ignore"``), are rejected with the field named.
Both modes are idempotent by primary key, so a replay after a crash cannot add rows: ``UPSERT``
rewrites them and ``INSERT_IGNORE`` keeps the first version.

    >>> sink = ImpalaKuduSink("cloudair", "airline", connect=None)
    >>> sink.describe()
    'ImpalaKuduSink(cloudair.airline mode=UPSERT batch=500)'
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from airstream.common.sink import Dataset, Rejected, SinkError, SinkRecord
from airstream.connectors.batching import BatchingSink
from airstream.connectors.impala import ImpalaSettings, quote_identifier
from airstream.connectors.kudu_schema import KuduTable

__all__ = ["KUDU_INSTALL_HINT", "ImpalaKuduSink", "KuduMode", "KuduSink"]

KuduMode = Literal["UPSERT", "INSERT_IGNORE"]

KUDU_INSTALL_HINT = (
    "kudu-python is not installed. It needs the Kudu C++ client library first "
    "(packages kudu-client0 and kudu-client-dev, or a Kudu build; see https://kudu.apache.org/docs/installation.html), "
    "then: pip install 'airstream[kudu]' (set KUDU_HOME if the library is not in a standard place). "
    "Without it, write through Impala instead: airstream.connectors.kudu.ImpalaKuduSink (UPSERT INTO via impyla)."
)


class _RowSink(BatchingSink[dict[str, Any]]):
    """Shared by both writers: mapping records to the table's rows."""

    def __init__(self, mode: KuduMode, batch_size: int, retries: int, backoff_s: float,
                 extra_fields: Literal["reject", "ignore"]) -> None:
        if mode not in ("UPSERT", "INSERT_IGNORE"):
            raise ValueError(f"mode {mode!r}: use 'UPSERT' or 'INSERT_IGNORE'")
        if extra_fields not in ("reject", "ignore"):
            raise ValueError(f"extra_fields {extra_fields!r}: use 'reject' or 'ignore'")
        super().__init__(batch_size=batch_size, retries=retries, backoff_s=backoff_s)
        self.mode, self.extra_fields = mode, extra_fields
        self._columns: tuple[str, ...] = ()  # loaded on the first write: a table always has a key column
        self._keys: tuple[str, ...] = ()
        self._known: frozenset[str] = frozenset()

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Map records to rows and buffer them, sending full batches; raise RejectedRecords for misfits."""
        if not self._columns:
            self._columns, self._keys = self._load_columns()
            self._known = frozenset(self._columns)
        super().write(records)

    def _convert(self, record: SinkRecord) -> dict[str, Any] | Rejected:
        missing = [k for k in self._keys if record.value.get(k) is None]
        if missing:
            return Rejected(record, f"primary key column {missing[0]!r} is missing or null; Kudu needs "
                                    f"every key column ({', '.join(self._keys)})", missing[0])
        extra = sorted(record.value.keys() - self._known)
        if extra and self.extra_fields == "reject":
            return Rejected(record, f"field {extra[0]!r} is not a column of {self._target()} "
                                    f"({', '.join(self._columns)}); add the column or pass "
                                    f"extra_fields='ignore'", extra[0])
        row = {k: v for k, v in record.value.items() if k in self._known}
        problem = self._check_row(row)
        if problem:
            return Rejected(record, f"field {problem[0]!r}: {problem[1]}", problem[0])
        return row

    @abstractmethod
    def _target(self) -> str:
        """The table, for messages."""

    @abstractmethod
    def _load_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The table's column names and primary key columns."""

    def _check_row(self, row: dict[str, Any]) -> tuple[str, str] | None:
        """``(field, problem)`` when the row cannot be written, found before sending."""
        return None


class KuduSink(_RowSink):
    """Writes rows to a Kudu table through ``kudu-python`` (see the module docstring).

    Args:
        table: the Kudu table name (for Impala-created tables, ``impala::db.table``).
        masters: ``"host:port"`` of each Kudu master.
        mode: ``"UPSERT"`` (default) or ``"INSERT_IGNORE"``.
        batch_size: rows applied per session flush.
        retries / backoff_s: attempts for a failing batch, and the first pause (doubles).
        timeout_ms: the session's operation timeout.
        extra_fields: ``"reject"`` record fields the table lacks, or ``"ignore"`` them.
        client_factory: returns a connected kudu-python client (tests pass a fake; the default uses
            ``kudu.connect``).
    """

    def __init__(self, table: str, *, masters: Sequence[str] = ("localhost:7051",), mode: KuduMode = "UPSERT",
                 batch_size: int = 500, retries: int = 3, backoff_s: float = 0.5, timeout_ms: int = 10_000,
                 extra_fields: Literal["reject", "ignore"] = "reject",
                 client_factory: Callable[[], Any] | None = None) -> None:
        super().__init__(mode, batch_size, retries, backoff_s, extra_fields)
        self.table_name = table
        self.masters = [masters] if isinstance(masters, str) else list(masters)
        self.timeout_ms = timeout_ms
        self._factory = client_factory or self._kudu_connect
        self._client: Any = None
        self._table: Any = None

    def describe(self) -> str:
        """Target and settings."""
        return (f"KuduSink({','.join(self.masters)} table={self.table_name} mode={self.mode} "
                f"batch={self.batch_size})")

    def lineage(self) -> list[Dataset]:
        """The Kudu table."""
        return [Dataset("kudu_table", self.table_name)]

    def _target(self) -> str:
        return f"Kudu table {self.table_name}"

    def _open_table(self) -> Any:
        if self._table is None:
            if self._client is None:
                self._client = self._factory()
            try:
                self._table = self._client.table(self.table_name)
            except Exception as exc:
                self._client = None
                raise SinkError(f"{self.describe()}: cannot open the table: {_kudu_text(exc)}. Check the name "
                                f"(Impala-created tables are called impala::db.table) and the masters.") from None
        return self._table

    def ensure_table(self, definition: KuduTable) -> bool:
        """Create the table from ``definition`` when the masters do not have it, as ``kudu table create``
        with its :meth:`~airstream.connectors.kudu_schema.KuduTable.kudu_json` would; whether it was created.

        ``definition.name`` must be this sink's table."""
        if definition.name != self.table_name:
            raise ValueError(f"the definition is of table {definition.name!r}, the sink writes {self.table_name!r}")
        kudu = _kudu_python()
        if self._client is None:
            self._client = self._factory()
        if self._client.table_exists(self.table_name):
            return False
        builder = kudu.schema_builder()
        for column in definition.kudu_json()["schema"]["columns"]:
            builder.add_column(column["column_name"], type_=_KUDU_PYTHON_TYPES[column["column_type"]],
                               nullable=column["is_nullable"], **column.get("type_attributes", {}))
        builder.set_primary_keys(list(definition.primary_key))
        partitioning = kudu.client.Partitioning().add_hash_partitions(list(definition.primary_key),
                                                                      definition.hash_buckets)
        self._client.create_table(self.table_name, builder.build(), partitioning, n_replicas=definition.replicas)
        return True

    def _load_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        schema = self._open_table().schema
        return tuple(schema.names), tuple(schema.primary_keys())

    def _new_op(self, row: dict[str, Any]) -> Any:
        table = self._open_table()
        return table.new_upsert(row) if self.mode == "UPSERT" else table.new_insert_ignore(row)

    def _check_row(self, row: dict[str, Any]) -> tuple[str, str] | None:
        # kudu-python converts values when the operation is built: a wrong type fails here, per record.
        try:
            self._new_op(row)
        except (TypeError, ValueError, OverflowError) as exc:
            for name, value in row.items():  # find the column: one value at a time
                try:
                    self._new_op({name: value})
                except (TypeError, ValueError, OverflowError) as column_exc:
                    return name, f"value {value!r} does not fit the column: {column_exc}"
            return "?", f"{exc}; fix the record or the column types"
        return None

    def _send(self, rows: list[dict[str, Any]]) -> None:
        self._open_table()
        session = self._client.new_session(flush_mode="manual", timeout_ms=self.timeout_ms)
        for row in rows:
            session.apply(self._new_op(row))
        try:
            session.flush()
        except Exception as exc:
            errors, overflowed = session.get_pending_errors()
            shown = "; ".join(repr(e) for e in errors[:3]) or str(exc)
            more = f" (+{len(errors) - 3} more{', overflowed' if overflowed else ''})" if len(errors) > 3 else ""
            raise SinkError(f"Kudu rejected the batch: {shown}{more}") from None

    def _reset(self) -> None:
        self._table = None
        self._client = None

    def _kudu_connect(self) -> Any:
        kudu = _kudu_python()
        hosts, ports = [], []
        for m in self.masters:
            host, _, port = m.partition(":")
            hosts.append(host)
            ports.append(int(port or 7051))
        return kudu.connect(host=hosts, port=ports)


def _kudu_text(exc: BaseException) -> str:
    """An error of kudu-python as text: its exceptions carry Kudu's status message as bytes."""
    message = exc.args[0] if len(exc.args) == 1 else str(exc)
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _kudu_python() -> Any:
    try:
        import kudu
    except ImportError:
        raise SinkError(KUDU_INSTALL_HINT) from None
    return kudu


# Kudu's column types (KuduTable.kudu_json) by the names kudu-python gives them.
_KUDU_PYTHON_TYPES = {"BOOL": "bool", "INT8": "int8", "INT16": "int16", "INT32": "int32", "INT64": "int64",
                      "FLOAT": "float", "DOUBLE": "double", "STRING": "string", "BINARY": "binary",
                      "UNIXTIME_MICROS": "unixtime_micros", "DATE": "date", "DECIMAL": "decimal"}


class ImpalaKuduSink(_RowSink):
    """Writes rows to a Kudu-backed Impala table with ``UPSERT INTO`` / ``INSERT INTO`` through impyla.

    ``connect`` is :class:`airstream.connectors.impala.ImpalaSettings` or a callable returning a DB-API connection.
    The columns and primary key come from ``DESCRIBE db.table`` on first use. In ``INSERT_IGNORE``
    mode the sink issues ``INSERT INTO``: Impala skips rows whose key already exists in a Kudu table.
    """

    def __init__(self, database: str, table: str, *, connect: ImpalaSettings | Callable[[], Any] | None,
                 mode: KuduMode = "UPSERT", batch_size: int = 500, retries: int = 3, backoff_s: float = 0.5,
                 extra_fields: Literal["reject", "ignore"] = "reject") -> None:
        super().__init__(mode, batch_size, retries, backoff_s, extra_fields)
        self.database, self.table_name = database, table
        self._connect = connect.connect if isinstance(connect, ImpalaSettings) else connect
        self._conn: Any = None

    def describe(self) -> str:
        """Target and settings (the Impala password never appears)."""
        return f"ImpalaKuduSink({self.database}.{self.table_name} mode={self.mode} batch={self.batch_size})"

    def lineage(self) -> list[Dataset]:
        """The Kudu table, as Impala names it."""
        return [Dataset("kudu_table", f"impala::{self.database}.{self.table_name}")]

    def _target(self) -> str:
        return f"table {self.database}.{self.table_name}"

    def _cursor(self) -> Any:
        if self._connect is None:
            raise SinkError(f"{self.describe()}: no Impala connection configured (set IMPALA_HOST)")
        if self._conn is None:
            self._conn = self._connect()
        return self._conn.cursor()

    def _load_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        cursor = self._cursor()
        try:
            cursor.execute(f"DESCRIBE {quote_identifier(self.database)}.{quote_identifier(self.table_name)}")
            described = cursor.fetchall()
        except Exception as exc:
            self._reset()
            raise SinkError(f"{self.describe()}: cannot describe the table: {exc}") from None
        finally:
            cursor.close()
        columns = tuple(str(row[0]) for row in described)
        keys = tuple(str(row[0]) for row in described if len(row) > 3 and str(row[3]).lower() == "true")
        if not keys:
            raise SinkError(f"{self.describe()}: the table has no primary key; is it a Kudu table "
                            f"(STORED AS KUDU)?")
        return columns, keys

    def statement(self, rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]]:
        """The SQL (with ``%s`` placeholders, impyla's paramstyle) and parameters for rows of one shape."""
        columns = list(rows[0])
        verb = "UPSERT INTO" if self.mode == "UPSERT" else "INSERT INTO"
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = (f"{verb} {quote_identifier(self.database)}.{quote_identifier(self.table_name)} "
               f"({', '.join(quote_identifier(c) for c in columns)}) VALUES " + ", ".join([one] * len(rows)))
        return sql, [row[c] for row in rows for c in columns]

    def _send(self, rows: list[dict[str, Any]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        cursor = self._cursor()
        try:
            for group in groups.values():
                cursor.execute(*self.statement(group))
        finally:
            cursor.close()

    def _reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken; the retry reconnects
                self._conn.close()
            self._conn = None

