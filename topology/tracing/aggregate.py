"""In-memory aggregation of one client's traffic between two publishes, and the record it publishes.

Rows are keyed by topic, partition, the 1-minute bucket of the record timestamp and the record's
trace *path* (hop, origin, via -- see :mod:`topology.tracing.header`). A producer counts records;
a consumer counts records and keeps two :class:`~topology.tracing.histogram.LatencyHistogram` per
row: the hop latency (consume time - this hop's produce time) and, for forwarded records, the
end-to-end latency (consume time - origin produce time). Records without a trace header are counted
with ``origin`` ``None`` and their latency is taken from the record timestamp.

Each publish is a *delta*: the rows since the previous publish, after which the aggregation starts
again. A reader adds deltas up; histograms merge by adding bins. The metrics record (JSON)::

    {"v": 1, "kind": "producer" | "consumer", "client_id": "replay-1", "group": null | "scorer",
     "host": "web-3", "from_ms": ..., "to_ms": ..., "last_ms": <last produce/consume, ms>,
     "rows": [{"topic": "tweets", "partition": 0 | -1 (producer: the partitioner chose),
               "bucket": <minute start, ms>, "origin": "replay-1" | null, "hop": 0 | null, "via": "",
               "count": 120, "latency": <histogram> | null, "e2e": <histogram> | null}]}

>>> from confluent_kafka import Message
>>> from topology.tracing.header import TRACE_HEADER, new_trace
>>> m = Message(topic="tweets", partition=0, timestamp=(1, 60_500),
...             headers=[(TRACE_HEADER, new_trace("replay", now_ms=60_500))])
>>> c = ConsumerMetrics("scorer-1", "scorer", now_ms=60_000)
>>> c.observe([m, m], now_ms=60_700)
>>> row = c.record(now_ms=61_000)["rows"][0]
>>> row["origin"], row["count"], row["bucket"], row["latency"]["max"]
('replay', 2, 60000, 200)
"""

from __future__ import annotations

import socket
import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from topology.tracing.header import PATH_OFFSET, TRACE_HEADER, VERSION, TraceHeaderError, decode_path, trace_value
from topology.tracing.histogram import LatencyHistogram

__all__ = ["BUCKET_MS", "RECORD_VERSION", "ConsumerMetrics", "ProducerMetrics", "bucket_of"]

BUCKET_MS = 60_000
RECORD_VERSION = 1
_TIMES = struct.Struct(">qq")
_HOST = socket.gethostname()

RowKey = tuple[str, int, int, bytes | None]


def bucket_of(timestamp_ms: int) -> int:
    """The start (ms) of the minute holding ``timestamp_ms``; ``-1`` for an unknown timestamp.

    >>> bucket_of(125_000), bucket_of(-1)
    (120000, -1)
    """
    return timestamp_ms - timestamp_ms % BUCKET_MS if timestamp_ms >= 0 else -1


class _Paths:
    """Decoded paths by their bytes (a client sees few distinct paths, so decode each once)."""

    def __init__(self) -> None:
        self._known: dict[bytes, tuple[int, str, str] | None] = {}

    def get(self, path: bytes) -> tuple[int, str, str] | None:
        try:
            return self._known[path]
        except KeyError:
            pass
        try:
            decoded: tuple[int, str, str] | None = decode_path(path)
        except TraceHeaderError:
            decoded = None
        if len(self._known) < 10_000:
            self._known[path] = decoded
        return decoded


class _ClientMetrics:
    kind = ""

    def __init__(self, client_id: str, group: str | None, now_ms: int) -> None:
        self.client_id, self.group = client_id, group
        self.from_ms = now_ms
        self.last_ms: int | None = None
        self._paths = _Paths()

    def _rows(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _row(self, key: RowKey, count: int) -> dict[str, Any]:
        topic, partition, bucket, path = key
        decoded = self._paths.get(path) if path is not None else None
        hop, origin, via = decoded if decoded else (None, None, None)
        return {"topic": topic, "partition": partition, "bucket": bucket, "origin": origin, "hop": hop,
                "via": via, "count": count, "latency": None, "e2e": None}

    def record(self, now_ms: int) -> dict[str, Any]:
        """The metrics record for the traffic since the last :meth:`reset`."""
        return {"v": RECORD_VERSION, "kind": self.kind, "client_id": self.client_id, "group": self.group,
                "host": _HOST, "from_ms": self.from_ms, "to_ms": now_ms, "last_ms": self.last_ms,
                "rows": list(self._rows())}

    def reset(self, now_ms: int) -> None:
        """Start a new interval (after its record was handed to the publisher)."""
        self._clear()
        self.from_ms = now_ms


class ProducerMetrics(_ClientMetrics):
    """Counts of records a producer wrote, by topic, partition, minute and path.

    The producer calls :meth:`produced` once per record; it is a dict increment.
    """

    kind = "producer"

    def __init__(self, client_id: str, now_ms: int) -> None:
        super().__init__(client_id, None, now_ms)
        self.counts: dict[RowKey, int] = {}

    @property
    def empty(self) -> bool:
        """No record since the last reset."""
        return not self.counts

    def produced(self, topic: str, partition: int, timestamp_ms: int, path: bytes | None, now_ms: int) -> None:
        """Count one record (``path``: its header bytes from offset 17, ``None`` if untraced)."""
        key = (topic, partition, timestamp_ms - timestamp_ms % BUCKET_MS, path)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.last_ms = now_ms

    def _rows(self) -> Iterable[dict[str, Any]]:
        return (self._row(k, n) for k, n in self.counts.items())

    def _clear(self) -> None:
        self.counts = {}


class _ConsumedRow:
    __slots__ = ("count", "e2e", "latency")

    def __init__(self) -> None:
        self.count = 0
        self.latency = LatencyHistogram()
        self.e2e = LatencyHistogram()


class ConsumerMetrics(_ClientMetrics):
    """Counts and latencies of the records a consumer received, by topic, partition, minute and path."""

    kind = "consumer"

    def __init__(self, client_id: str, group: str | None, now_ms: int) -> None:
        super().__init__(client_id, group, now_ms)
        self.rows: dict[RowKey, _ConsumedRow] = {}

    @property
    def empty(self) -> bool:
        """No record since the last reset."""
        return not self.rows

    def observe(self, messages: Sequence[Any], now_ms: int) -> None:
        """Account for a batch of confluent-kafka messages received at ``now_ms``.

        Per record this only reads topic, partition, timestamp and the trace header into a tuple;
        ``Counter`` groups equal tuples in C, and the decoding and binning happen once per distinct
        tuple (records produced in the same millisecond on the same path share one).
        """
        seen = Counter([
            (m.topic(), m.partition(), m.timestamp()[1],
             h[0][1] if (h := m.headers()) and h[0][0] == TRACE_HEADER else trace_value(h))
            for m in messages if m.error() is None])
        if not seen:
            return
        rows, paths = self.rows, self._paths
        for (topic, partition, ts, value), n in seen.items():
            path = None
            if value is not None and len(value) > PATH_OFFSET + 2 and value[0] == VERSION:
                path = value[PATH_OFFSET:]
                decoded = paths.get(path)
                if decoded is None:
                    path = None
            if path is None:
                hop_ms, origin_ms = (ts if ts > 0 else None), None
            else:
                hop_ms, origin_ms = _TIMES.unpack_from(value, 1)
                if not decoded[0]:  # hop 0: the end-to-end latency is the hop latency
                    origin_ms = None
            key = (topic, partition, bucket_of(ts), path)
            row = rows.get(key)
            if row is None:
                row = rows[key] = _ConsumedRow()
            row.count += n
            if hop_ms is not None:
                row.latency.add(now_ms - hop_ms, n)
            if origin_ms is not None:
                row.e2e.add(now_ms - origin_ms, n)
        self.last_ms = now_ms

    def _rows(self) -> Iterable[dict[str, Any]]:
        for key, r in self.rows.items():
            row = self._row(key, r.count)
            row["latency"] = r.latency.as_dict() if r.latency.count else None
            row["e2e"] = r.e2e.as_dict() if r.e2e.count else None
            yield row

    def _clear(self) -> None:
        self.rows = {}
