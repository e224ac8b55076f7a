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

import logging
import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import orjson

from connectors.sink import Dataset, OffsetTracker, Rejected, RejectedRecords, SinkError, SinkRecord, TopicPartition

__all__ = ["Encoding", "HBaseSink", "encode_value"]

log = logging.getLogger(__name__)

Encoding = Literal["string", "binary"]


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


class HBaseSink:
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
        if batch_size <= 0 or retries < 0:
            raise ValueError("batch_size must be positive and retries non-negative")
        if not column_family or ":" in column_family:
            raise ValueError(f"column family {column_family!r}: give the family name alone, e.g. 'sentiment'")
        self.table, self.column_family, self.row_key = table, column_family, row_key
        self.host, self.port, self.encoding, self.batch_size = host, port, encoding, batch_size
        self.retries, self.backoff_s = retries, backoff_s
        self._factory = connection_factory or (lambda: self._happybase_connection(timeout_ms, transport, protocol))
        self._conn: Any = None
        self._family = column_family.encode() + b":"
        self._pending: list[tuple[TopicPartition, bytes, dict[bytes, bytes]]] = []
        self._offsets = OffsetTracker()

    # -- the Sink protocol -------------------------------------------------------------------------

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Buffer one put per record, sending full batches; raise :class:`RejectedRecords` for misfits."""
        rejected: list[Rejected] = []
        for r in records:
            self._offsets.seen(r.topic_partition, r.offset)
            key = r.value.get(self.row_key)
            if key is None or key == "":
                rejected.append(Rejected(r, f"row key field {self.row_key!r} is missing or empty; every HBase "
                                            f"row needs one (set row_key= to a field all records have)",
                                         self.row_key))
                continue
            cells, problem = self._cells(r.value)
            if problem:
                rejected.append(Rejected(r, f"field {problem[0]!r}: {problem[1]}", problem[0]))
                continue
            self._pending.append((r.topic_partition, encode_value(key, "string"), cells))
        try:
            while len(self._pending) >= self.batch_size:
                self._send(self.batch_size)
        except SinkError as exc:  # the batch is accepted and buffered; flush() retries and reports
            log.warning("%s", exc)
        if rejected:
            raise RejectedRecords(self.describe(), rejected)

    def flush(self) -> dict[TopicPartition, int]:
        """Send every buffered put; return the next offset to commit per input partition."""
        while self._pending:
            self._send(self.batch_size)
        return self._offsets.committable({})

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop buffered puts of revoked partitions (their next owner replays them)."""
        gone = set(partitions)
        self._pending = [p for p in self._pending if p[0] not in gone]
        self._offsets.forget(gone)

    def close(self) -> None:
        """Close the connection (buffered puts are dropped: flush first)."""
        self._pending.clear()
        self._disconnect()

    def describe(self) -> str:
        """Target and settings."""
        return (f"HBaseSink({self.host}:{self.port} table={self.table} family={self.column_family} "
                f"row_key={self.row_key} encoding={self.encoding} batch={self.batch_size})")

    def lineage(self) -> list[Dataset]:
        """The HBase table."""
        namespace, _, name = self.table.rpartition(":")
        return [Dataset("hbase_table", name, namespace=namespace or "default")]

    def _cells(self, value: Mapping[str, Any]) -> tuple[dict[bytes, bytes], tuple[str, str] | None]:
        """``family:field -> bytes`` for the non-null fields, or the field that cannot be encoded."""
        cells: dict[bytes, bytes] = {}
        for name, v in value.items():
            if v is None:
                continue
            try:
                cells[self._family + name.encode()] = encode_value(v, self.encoding)
            except ValueError as exc:
                return cells, (name, str(exc))
        return cells, None

    # -- sending -----------------------------------------------------------------------------------

    def _send(self, n: int) -> None:
        chunk = self._pending[:n]
        attempt = 0
        while True:
            try:
                if self._conn is None:
                    self._conn = self._factory()
                batch = self._conn.table(self.table).batch()
                for _, row, cells in chunk:
                    batch.put(row, cells)
                batch.send()
                break
            except Exception as exc:  # transport errors, server IOError: reconnect and resend (idempotent)
                self._disconnect()
                if attempt >= self.retries:
                    raise SinkError(
                        f"{self.describe()}: {len(chunk)} puts failed after {attempt + 1} attempts: "
                        f"{_message(exc)}. Check that the HBase Thrift server is up and the table and family "
                        f"exist; the puts stay buffered and the next flush retries them.") from None
                pause = self.backoff_s * 2 ** attempt
                log.warning("HBaseSink: batch of %d puts failed (%s); reconnecting in %.1fs",
                            len(chunk), _message(exc), pause)
                time.sleep(pause)
                attempt += 1
        del self._pending[:n]

    def _disconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken; a new connection is made on the next send
                pass
            self._conn = None

    def _happybase_connection(self, timeout_ms: int | None, transport: str, protocol: str) -> Any:
        try:
            import happybase
        except ImportError as exc:
            raise SinkError("happybase is not installed: pip install 'airstream[hbase]'") from exc
        return happybase.Connection(self.host, self.port, timeout=timeout_ms, transport=transport,
                                    protocol=protocol)


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return f"{type(exc).__name__}: {message}"
