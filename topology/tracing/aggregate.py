"""In-memory aggregation of one client's traffic between two publishes, and the record it publishes.

A **producer** counts every record by topic, partition (``-1`` when the partitioner chose), the
1-minute bucket of the record timestamp and the record's trace *path* (hop, origin, via -- see
:mod:`airstream.common.traces.header`).

A **consumer** counts every record by topic, partition and minute -- reading only the record's
partition and timestamp, which is cheap -- and reads the trace header of at most ``sample_rate``
records a second, spread evenly over the batches (librdkafka materialises headers per record on first
access, which costs as much as receiving the record, so reading every header would halve a lean
consumer's rate; a fixed rate bounds the cost whatever the throughput). Each sampled
record adds to a per-path row: a sample count, the hop latency (receive time - this hop's produce
time) and, for forwarded records, the end-to-end latency (receive time - origin produce time), as
:class:`~airstream.common.traces.histogram.LatencyHistogram`. Records without a trace header are sampled
with ``origin`` ``None`` and a latency from their timestamp. With ``sample_rate=None`` every header
is read and the per-path counts are exact; otherwise :mod:`airstream.monitor.traces` attributes the exact totals
to paths from what the producers reported (exact whenever a group has read all that was produced).

Each publish is a *delta*: the rows since the previous publish, in the metrics record format of
:mod:`airstream.common.traces.record`, after which the aggregation starts again.

>>> from confluent_kafka import Message
>>> from airstream.common.traces.header import TRACE_HEADER, new_trace
>>> m = Message(topic="tweets", partition=0, timestamp=(1, 60_500),
...             headers=[(TRACE_HEADER, new_trace("replay", now_ms=60_500))])
>>> c = ConsumerMetrics("scorer-1", "scorer", now_ms=60_000, sample_rate=None)
>>> c.observe([m, m], now_ms=60_700)
>>> record = c.record(now_ms=61_000)
>>> record["rows"]
[{'topic': 'tweets', 'partition': 0, 'bucket': 60000, 'count': 2}]
>>> sample = record["samples"][0]
>>> sample["origin"], sample["count"], sample["latency"]["max"]
('replay', 2, 200)
"""

from __future__ import annotations

import socket
import struct
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from airstream.common.traces.header import (
    TRACE_HEADER,
    TraceHeaderError,
    decode_path,
    path_of,
    trace_value,
)
from airstream.common.traces.record import BUCKET_MS, RECORD_VERSION, SampledLatency, bucket_of
from airstream.topology.records import MessageRun, message_runs, record_of, without_errors

__all__ = ["ConsumerMetrics", "ProducerMetrics"]

_TIMES = struct.Struct(">qq")
_HOST = socket.gethostname()

RowKey = tuple[str, int, int, bytes | None]
_timestamp_of, _topic_partition_of = itemgetter(3), itemgetter(0, 1)  # of an InputRecord


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
    counts: Mapping[Any, int]

    def __init__(self, client_id: str, group: str | None, now_ms: int) -> None:
        self.client_id, self.group = client_id, group
        self.from_ms = now_ms
        self.last_ms: int | None = None
        self._paths = _Paths()

    @property
    def empty(self) -> bool:
        """No record since the last reset."""
        return not self.counts

    def _rows(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _row(self, key: RowKey, count: int) -> dict[str, Any]:
        topic, partition, bucket, path = key
        decoded = self._paths.get(path) if path is not None else None
        hop, origin, via = decoded if decoded else (None, None, None)
        return {"topic": topic, "partition": partition, "bucket": bucket, "origin": origin, "hop": hop,
                "via": via, "count": count}

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

    def produced(self, topic: str, partition: int, timestamp_ms: int, path: bytes | None, now_ms: int) -> None:
        """Count one record (``path``: its header bytes from offset 17, ``None`` if untraced)."""
        key = (topic, partition, timestamp_ms - timestamp_ms % BUCKET_MS, path)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.last_ms = now_ms

    def add(self, counts: Mapping[RowKey, int], now_ms: int) -> None:
        """Count a batch: ``counts`` per key as :meth:`produced` makes them."""
        mine = self.counts
        for key, n in counts.items():
            mine[key] = mine.get(key, 0) + n
        self.last_ms = now_ms

    def _rows(self) -> Iterable[dict[str, Any]]:
        return (self._row(k, n) for k, n in self.counts.items())

    def _clear(self) -> None:
        self.counts = {}


class ConsumerMetrics(_ClientMetrics):
    """Counts of the records a consumer received, and latencies of a sample (see the module docstring)."""

    kind = "consumer"

    def __init__(self, client_id: str, group: str | None, now_ms: int, *,
                 sample_rate: float | None = 100.0, run: str | None = None) -> None:
        super().__init__(client_id, group, now_ms)
        self.run = run
        if sample_rate is not None and not sample_rate > 0:
            raise ValueError(f"sample_rate must be a positive number of records a second, or None to read "
                             f"every trace header; got {sample_rate!r}")
        self.sample_rate = sample_rate
        # (topic, partition, minute): a message without an error always has its topic and partition
        self.counts: dict[tuple[Any, Any, int], int] = {}
        self.samples: dict[RowKey, SampledLatency] = {}
        # A token bucket: sample_rate tokens a second, at most one second's worth saved up.
        self._tokens = sample_rate or 0.0
        self._tokens_ms = now_ms

    def observe(self, messages: Sequence[Any], now_ms: int, topic: str | None = None) -> None:
        """Account for a batch of confluent-kafka messages received at ``now_ms`` (those with an error
        are left out): :meth:`observe_runs` of their runs of one topic and partition. ``topic``: the
        one topic the consumer reads, when it is known; runs are then told apart by partition alone.
        Only the sampled messages' headers are read: librdkafka builds a message's headers on their
        first read, which costs several times what the rest of the message does."""
        messages = without_errors(messages)
        self.observe_runs(messages, message_runs(messages, topic), now_ms)

    def observe_records(self, records: Sequence[tuple[Any, ...]], now_ms: int,
                        runs: Iterable[Sequence[tuple[Any, ...]]] | None = None) -> None:
        """Account for a batch of records (tuples in :class:`~airstream.topology.records.InputRecord`
        order, as :func:`~airstream.topology.records.from_messages` makes them) received at ``now_ms``.
        ``runs``: the same records split into runs of one topic and partition, when the caller has
        split them anyway (a stream processor does, to hand them to its tasks); each is then counted
        by its length.

        Per record this reads the timestamp by position with ``map`` (and, without ``runs``, the topic
        and partition), so the per-record work stays out of the interpreter loop; only ``sample_rate``
        records a second have their header read and decoded.
        """
        if not records:
            return
        for run in runs if runs is not None else (list(g) for _, g in groupby(records, key=_topic_partition_of)):
            self._count(run[0][0], run[0][1], list(map(_timestamp_of, run)))
        for rec in self._to_sample(records, now_ms):
            self._sample(rec, now_ms)
        self.last_ms = now_ms

    def observe_runs(self, messages: Sequence[Any], runs: Iterable[MessageRun], now_ms: int) -> None:
        """Account for a batch of confluent-kafka messages (none with an error) received at ``now_ms``,
        already split into ``runs`` (:func:`~airstream.topology.records.message_runs`): a stream
        processor splits its batches so anyway, reading the timestamps once for its tasks and for
        these counts. Only the sampled messages are read here.

        >>> from confluent_kafka import Message
        >>> m = Message(topic="tweets", partition=0, timestamp=(1, 60_500))
        >>> c = ConsumerMetrics("scorer-1", "scorer", now_ms=60_000)
        >>> c.observe_runs([m, m], message_runs([m, m]), now_ms=60_700)
        >>> c.record(now_ms=61_000)["rows"]
        [{'topic': 'tweets', 'partition': 0, 'bucket': 60000, 'count': 2}]
        """
        if not messages:
            return
        for run in runs:
            self._count(run.topic, run.partition, run.timestamps)
        for message in self._to_sample(messages, now_ms):
            self._sample(record_of(message), now_ms)
        self.last_ms = now_ms

    def _count(self, topic: str, partition: int, stamps: Sequence[int]) -> None:
        """Count the records of one topic and partition with timestamps ``stamps``."""
        counts = self.counts
        bucket = bucket_of(min(stamps))
        if bucket == bucket_of(max(stamps)):  # the usual run: all of one minute, counted by its length
            key = (topic, partition, bucket)
            counts[key] = counts.get(key, 0) + len(stamps)
            return
        for bucket, c in Counter(map(bucket_of, stamps)).items():
            key = (topic, partition, bucket)
            counts[key] = counts.get(key, 0) + c

    def _to_sample(self, records: Sequence[Any], now_ms: int) -> Sequence[Any]:
        rate = self.sample_rate
        if rate is None:
            return records
        self._tokens = min(rate, self._tokens + (now_ms - self._tokens_ms) * rate / 1000)
        self._tokens_ms = now_ms
        k = min(int(self._tokens), len(records))
        if k < 1:
            return ()
        chosen = records[::-(-len(records) // k)]  # evenly spread over the batch
        self._tokens -= len(chosen)
        return chosen

    def _sample(self, rec: tuple[Any, ...], now_ms: int) -> None:
        topic, partition, _offset, ts, _key, _value, h = rec
        value: bytes | None = h[0][1] if h and h[0][0] == TRACE_HEADER else trace_value(h)
        path = path_of(value)
        decoded = None if path is None else self._paths.get(path)
        if decoded is None:
            path = None
        key = (topic, partition, bucket_of(ts), path)
        row = self.samples.get(key)
        if row is None:
            row = self.samples[key] = SampledLatency()
        row.count += 1
        if decoded is None or value is None:
            if ts > 0:
                row.latency.add(now_ms - ts)
            return
        hop_ms, origin_ms = _TIMES.unpack_from(value, 1)
        row.latency.add(now_ms - hop_ms)
        if decoded[0]:  # forwarded: the end-to-end latency differs from the hop's
            row.e2e.add(now_ms - origin_ms)

    def _rows(self) -> Iterable[dict[str, Any]]:
        return ({"topic": t, "partition": p, "bucket": b, "count": c} for (t, p, b), c in self.counts.items())

    def _samples(self) -> list[dict[str, Any]]:
        out = []
        for key, r in self.samples.items():
            row = self._row(key, r.count)
            row["latency"] = r.latency.as_dict() if r.latency.count else None
            row["e2e"] = r.e2e.as_dict() if r.e2e.count else None
            out.append(row)
        return out

    def record(self, now_ms: int) -> dict[str, Any]:
        """The metrics record for the traffic since the last :meth:`reset`."""
        record = {**super().record(now_ms), "samples": self._samples(), "sample_rate": self.sample_rate}
        if self.run:
            record["run"] = self.run  # the run this group forwards under (see TracingConsumer)
        return record

    def _clear(self) -> None:
        self.counts = {}
        self.samples = {}
