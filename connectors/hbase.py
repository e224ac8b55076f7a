"""HBase sink: records as rows through the HBase Thrift server (happybase), batched, reconnecting.

Each record becomes one row: the row key is a field of the record, every other non-null field a cell
``family:field`` (null fields are skipped, as NiFi's PutHBaseRecord does). Values are encoded as

* ``"string"``: UTF-8 text (numbers as written, booleans ``true``/``false``, lists and objects as JSON);
* ``"binary"``: HBase ``Bytes.toBytes`` layout (longs as 8-byte big-endian, doubles as IEEE 754,
  booleans as ``0xFF``/``0x00``, text as UTF-8) for Java readers.

Puts go out in batches of ``batch_size`` rows (``mutateRows``). A failed batch is retried on a fresh
connection with backoff; puts are idempotent by row key, so a retry or a replay after a crash
overwrites the same cells instead of adding rows.

    >>> sink = HBaseSink("airline", column_family="sentiment", row_key="tweet_id", host="hbase-thrift")
    >>> sink.describe()
    'HBaseSink(hbase-thrift:9090 table=airline family=sentiment row_key=tweet_id encoding=string batch=1000)'
    >>> encode_value(True, "binary"), encode_value(-0.5, "string")
    (b'\\xff', b'-0.5')
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable
from typing import Any, Literal

import orjson

from airstream.common.sink import Dataset, Rejected, SinkError, SinkRecord
from airstream.connectors.batching import BatchingSink

__all__ = ["Encoding", "HBaseSink", "MissingTable", "encode_value", "thrift_error_text"]

Encoding = Literal["string", "binary"]

_DDL_TIMEOUT_MS = 60_000  # ensure_table()'s Thrift timeout


def encode_value(value: Any, encoding: Encoding) -> bytes:
    """One field value as HBase cell bytes (see the module docstring for the two encodings)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        if encoding == "binary":
            return b"\xff" if value else b"\x00"
        return b"true" if value else b"false"
    if isinstance(value, int):
        if encoding == "binary":
            try:
                return struct.pack(">q", value)
            except struct.error:
                raise ValueError(f"{value} does not fit a 64-bit HBase long; use encoding='string'") from None
        return str(value).encode()
    if isinstance(value, float):
        return struct.pack(">d", value) if encoding == "binary" else repr(value).encode()
    try:
        return orjson.dumps(value)
    except TypeError as exc:
        raise ValueError(f"cannot encode a {type(value).__name__} for HBase: {exc}") from None


def thrift_error_text(exc: BaseException) -> str:
    """The text of an error from the HBase Thrift server or its transport, without the Java stack trace.

    Thrift exceptions (``IOError``, ``IllegalArgument``) carry it in ``.message``, often as bytes, and
    the server appends the stack frames of the Java exception (``\\n\\tat ...``)."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return str(message).split("\n\tat ")[0].strip()


class MissingTable(Exception):
    """The sink's table or column family is not there: the message says which and how to create it."""


class HBaseSink(BatchingSink[tuple[bytes, dict[bytes, bytes]]]):
    """Puts records into an HBase table through its Thrift server (see the module docstring).

    Args:
        table: the table, ``"name"`` or ``"namespace:name"``; it must exist with ``column_family``.
        column_family: the family every field is written to.
        row_key: the record field that is the row key (always string-encoded, so keys sort and
            read as text).
        host / port / timeout_ms / transport / protocol: the Thrift server, as happybase takes them.
        encoding: ``"string"`` or ``"binary"`` for cell values.
        batch_size: rows per ``mutateRows`` call.
        retries / backoff_s: reconnect attempts for a failing batch, and the first pause (doubles).
        connection_factory: builds a happybase-compatible connection (tests, pools, TLS wrappers).
    """

    unit = "puts"

    def __init__(
        self,
        table: str,
        *,
        column_family: str,
        row_key: str,
        host: str = "localhost",
        port: int = 9090,
        encoding: Encoding = "string",
        batch_size: int = 1000,
        timeout_ms: int | None = 10_000,
        transport: Literal["buffered", "framed"] = "buffered",
        protocol: Literal["binary", "compact"] = "binary",
        retries: int = 3,
        backoff_s: float = 0.5,
        connection_factory: Callable[[], Any] | None = None,
    ) -> None:
        if encoding not in ("string", "binary"):
            raise ValueError(f"encoding {encoding!r}: use 'string' or 'binary'")
        if not column_family or ":" in column_family:
            raise ValueError(f"column family {column_family!r}: give the family name alone, e.g. 'sentiment'")
        super().__init__(batch_size=batch_size, retries=retries, backoff_s=backoff_s)
        self.table, self.column_family, self.row_key = table, column_family, row_key
        self.host, self.port, self.encoding = host, port, encoding
        self._factory = connection_factory or (lambda: self._happybase_connection(timeout_ms, transport, protocol))
        # Creating a table waits until its region is open: on a cluster that has just started that
        # takes longer than any put, so ensure_table() waits longer than the sink's timeout_ms.
        self._ddl_factory = connection_factory or (
            lambda: self._happybase_connection(_DDL_TIMEOUT_MS, transport, protocol))
        self._conn: Any = None
        self._family = column_family.encode() + b":"

    def describe(self) -> str:
        """Target and settings."""
        return (f"HBaseSink({self.host}:{self.port} table={self.table} family={self.column_family} "
                f"row_key={self.row_key} encoding={self.encoding} batch={self.batch_size})")

    def lineage(self) -> list[Dataset]:
        """The HBase table."""
        namespace, _, name = self.table.rpartition(":")
        return [Dataset("hbase_table", name, namespace=namespace or "default")]

    def ensure_table(self) -> bool:
        """Create the table with the sink's column family when the Thrift server does not have it; whether
        it was created.

        A table that exists is left as it is: when it lacks the family, the first write says so
        (:class:`MissingTable`, with the ``alter`` command that adds it). The connection is one of the
        sink's own settings with a 60 s timeout (or its ``connection_factory``), closed before this
        returns.

        Example::

            sink = HBaseSink("airline", column_family="sentiment", row_key="tweet_id", host="hbase-thrift")
            if sink.ensure_table():
                print("created the table airline with the family sentiment")
        """
        connection = self._ddl_factory()
        try:
            if self._families(connection) is not None:
                return False
            connection.create_table(self.table, {self.column_family: {}})
            return True
        finally:
            connection.close()

    # -- records to puts ---------------------------------------------------------------------------

    def _convert(self, record: SinkRecord) -> tuple[bytes, dict[bytes, bytes]] | Rejected:
        key = record.value.get(self.row_key)
        if key is None or key == "":
            return Rejected(record, f"row key field {self.row_key!r} is missing or empty; every HBase "
                                    f"row needs one (set row_key= to a field all records have)", self.row_key)
        cells: dict[bytes, bytes] = {}
        for name, v in record.value.items():
            if v is None:
                continue
            try:
                cells[self._family + name.encode()] = encode_value(v, self.encoding)
            except ValueError as exc:
                return Rejected(record, f"field {name!r}: {exc}", name)
        return encode_value(key, "string"), cells

    # -- sending -----------------------------------------------------------------------------------

    def _send(self, items: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        if self._conn is None:
            self._conn = self._factory()
            # HBase itself only says "Failed 1 action: <table>: 1 time, servers with issues: null".
            self._check_table(self._conn)
        batch = self._conn.table(self.table).batch()
        for row, cells in items:
            batch.put(row, cells)
        batch.send()

    def _families(self, connection: Any) -> list[str] | None:
        """The column families of the table, sorted; ``None`` when there is no such table."""
        if self.table not in {t.decode() for t in connection.tables()}:
            return None
        return sorted(f.decode().rstrip(":") for f in connection.table(self.table).families())

    def _check_table(self, connection: Any) -> None:
        families = self._families(connection)
        if families is None:
            create = f"create '{self.table}', '{self.column_family}'   (HBase shell)"
            raise MissingTable(f"table {self.table!r} does not exist on {self.host}:{self.port}; create it: {create}")
        if self.column_family not in families:
            raise MissingTable(f"table {self.table!r} has no column family {self.column_family!r} (families: "
                               f"{', '.join(families)}); add it: alter '{self.table}', '{self.column_family}'   "
                               "(HBase shell)")

    def _reset(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken; a new connection is made on the next send
                self._conn.close()
            self._conn = None

    def _reason(self, exc: Exception) -> str:
        if isinstance(exc, MissingTable):
            return str(exc)
        return f"{type(exc).__name__}: {thrift_error_text(exc)}"

    def _advice(self) -> str:
        return ("Check that the HBase Thrift server is up and the table and family exist; the puts stay "
                "buffered and the next flush retries them.")

    def _happybase_connection(self, timeout_ms: int | None, transport: str, protocol: str) -> Any:
        try:
            import happybase
        except ImportError as exc:
            raise SinkError("happybase is not installed: pip install 'airstream[hbase]'") from exc
        return happybase.Connection(self.host, self.port, timeout=timeout_ms, transport=transport,
                                    protocol=protocol)
