"""Reading the records of one partition for airmon's Messages screen, and showing them safely.

A :class:`KafkaBrowser` reads a page of records from a position (earliest, latest, an offset, or a
timestamp) and then, for a live tail, whatever arrived since. It assigns partitions directly with its
own throwaway ``group.id``: it never joins a consumer group and never commits, so browsing cannot move
anybody's offsets. All calls block; the TUI runs them in a worker.

Record bytes come from strangers, so nothing is shown raw: text that is valid UTF-8 is shown with
control characters escaped (no terminal escape sequence ever reaches the screen), anything else as an
escaped bytes literal, and JSON values are pretty-printed.

Example::

    browser = KafkaBrowser({"bootstrap.servers": "127.0.0.1:9092"})
    page = browser.read("tweets", 0, Position.earliest(), limit=50)
    for m in page.messages:
        print(m.offset, m.key_text, m.value_text)
    newer = browser.read("tweets", 0, Position.at_offset(page.next_offset), limit=50)
    browser.close()
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import orjson
from confluent_kafka import Consumer, KafkaError, TopicPartition

from airstream.common.cluster_view import ClusterView
from airstream.common.redact import scrub
from airstream.common.traces.header import TRACE_HEADER, TraceHeaderError, decode_trace, split_via
from airstream.monitor.kafka_log import with_kafka_logger

__all__ = ["BrowsedMessage", "EmbeddedBrowser", "KafkaBrowser", "MessageBrowser", "Page", "Position", "show_bytes"]

_CONTROL = {i: f"\\x{i:02x}" for i in range(32) if chr(i) not in "\n\t"} | {0x7F: "\\x7f"}


def show_bytes(data: bytes | None) -> str:
    """Bytes as text that is safe on a terminal: UTF-8 with control characters escaped, else a bytes literal.

    >>> show_bytes(b"Delta lost my bag"), show_bytes(None)
    ('Delta lost my bag', '')
    >>> show_bytes(b"\\x1b[2Jgone")
    '\\\\x1b[2Jgone'
    >>> show_bytes(bytes([0xff, 0x00, 0x41]))
    "b'\\\\xff\\\\x00A'"
    """
    if data is None:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)
    return text.translate(_CONTROL)


@dataclass(frozen=True, slots=True)
class Position:
    """Where to start reading: ``earliest``, ``latest`` (the last ``limit`` records), an offset, a timestamp.

    >>> Position.parse("earliest"), Position.parse("1200").offset
    (Position(kind='earliest', offset=None, timestamp_ms=None), 1200)
    >>> Position.parse("2024-02-01T10:00:00+00:00").timestamp_ms
    1706781600000
    """

    kind: Literal["earliest", "latest", "offset", "timestamp"]
    offset: int | None = None
    timestamp_ms: int | None = None

    @classmethod
    def earliest(cls) -> Position:
        """The oldest record still stored."""
        return cls("earliest")

    @classmethod
    def latest(cls) -> Position:
        """The newest records: the last page before the end of the partition."""
        return cls("latest")

    @classmethod
    def at_offset(cls, offset: int) -> Position:
        """A given offset (clamped to what is stored)."""
        return cls("offset", offset=offset)

    @classmethod
    def at_time(cls, timestamp_ms: int) -> Position:
        """The first record whose timestamp is at or after ``timestamp_ms`` (epoch milliseconds)."""
        return cls("timestamp", timestamp_ms=timestamp_ms)

    @classmethod
    def parse(cls, text: str) -> Position:
        """Read what a user typed: ``earliest``, ``latest``, an offset, or an ISO 8601 date/time.

        A date/time without a zone is taken as UTC. The error says which forms are accepted.
        """
        text = text.strip()
        if text.lower() == "earliest":
            return cls.earliest()
        if text.lower() == "latest":
            return cls.latest()
        if text.isdigit():
            return cls.at_offset(int(text))
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"cannot start reading from {text!r}: type earliest, latest, an offset (1200) "
                             "or a date/time (2024-02-01T10:00:00)") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return cls.at_time(int(when.timestamp() * 1000))

    def __str__(self) -> str:
        if self.kind == "offset":
            return f"offset {self.offset}"
        if self.kind == "timestamp":
            return f"time {datetime.fromtimestamp((self.timestamp_ms or 0) / 1000, UTC).isoformat()}"
        return self.kind


@dataclass(frozen=True, slots=True)
class BrowsedMessage:
    """One record as read: raw bytes kept, display text derived.

    >>> m = BrowsedMessage("t", 0, 7, 1_700_000_000_000, b"k", b'{"a": [1, 2]}', (("trace", b"x1"),))
    >>> m.value_text, m.value_pretty.splitlines()[0], m.matches("TRACE"), m.matches("zzz")
    ('{"a": [1, 2]}', '{', True, False)
    """

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()

    @property
    def key_text(self) -> str:
        """The key, shown safely (empty for a null key)."""
        return show_bytes(self.key)

    @property
    def value_text(self) -> str:
        """The value, shown safely on one logical line as stored."""
        return show_bytes(self.value)

    @property
    def value_pretty(self) -> str:
        """The value pretty-printed when it is JSON (indented, non-ASCII kept), else :attr:`value_text`."""
        if self.value is None:
            return "(null)"
        try:
            parsed = orjson.loads(self.value)
        except orjson.JSONDecodeError:
            return self.value_text
        return show_bytes(json.dumps(parsed, indent=2, ensure_ascii=False).encode())

    @property
    def header_text(self) -> list[str]:
        """``name: value`` per header, shown safely; airstream's trace header decoded (who wrote the
        record, when, and from which origin producer).

        >>> from airstream.common.traces.header import TRACE_HEADER, new_trace
        >>> trace = new_trace("replay", now_ms=1_700_000_000_250)
        >>> BrowsedMessage("t", 0, 0, None, None, None, ((TRACE_HEADER, trace),)).header_text
        ['airstream.trace: written by replay at 2023-11-14 22:13:20.250 UTC (hop 0)']
        """
        return [_trace_text(value) if name == TRACE_HEADER else f"{show_bytes(name.encode())}: {show_bytes(value)}"
                for name, value in self.headers]

    def matches(self, text: str) -> bool:
        """Whether ``text`` (any case) occurs in the key, the value, or a header name or value."""
        needle = text.casefold()
        haystack = [self.key_text, self.value_text, *self.header_text]
        return any(needle in part.casefold() for part in haystack)


def _utc_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def _trace_text(value: bytes | None) -> str:
    """The trace header in words; a value that is not one says why, with its bytes."""
    try:
        trace = decode_trace(value or b"")
    except TraceHeaderError as exc:
        return f"{TRACE_HEADER}: {show_bytes(value)} (not readable: {exc})"
    if trace.hop == 0:
        return f"{TRACE_HEADER}: written by {trace.origin} at {_utc_ms(trace.hop_ms)} (hop 0)"
    writer = split_via(trace.via)[0]
    return (f"{TRACE_HEADER}: written by {writer} at {_utc_ms(trace.hop_ms)} (hop {trace.hop}), first produced by "
            f"{trace.origin} at {_utc_ms(trace.origin_ms)}")


@dataclass(frozen=True, slots=True)
class Page:
    """Records read from one partition, with the partition's watermarks at the time of reading.

    ``next_offset`` is where reading on (a live tail) continues.
    """

    topic: str
    partition: int
    messages: tuple[BrowsedMessage, ...]
    low_watermark: int
    high_watermark: int
    next_offset: int


class MessageBrowser(Protocol):
    """Reads pages of records from a partition (``KafkaBrowser``, or a fake in tests)."""

    def read(self, topic: str, partition: int, position: Position, *, limit: int = 200) -> Page:
        """Up to ``limit`` records from ``position``; blocks."""
        ...

    def close(self) -> None:
        """Release the client."""
        ...


class KafkaBrowser:
    """Reads records with a standalone ``confluent_kafka.Consumer`` (assign, never subscribe or commit).

    ``config`` is the same librdkafka client configuration as the source's (SASL/SSL pass through).
    One consumer is created on first use and reused, so a live tail does not reconnect every second.
    """

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 5.0) -> None:
        self._config = dict(config)
        self.timeout = timeout
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KafkaBrowser({self._config.get('bootstrap.servers')!r})"

    def _client(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer({
                **with_kafka_logger(self._config),
                "group.id": f"airmon-browse-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False, "enable.auto.offset.store": False,
                "enable.partition.eof": True, "auto.offset.reset": "earliest",
            })
        return self._consumer

    def read(self, topic: str, partition: int, position: Position, *, limit: int = 200) -> Page:
        """Up to ``limit`` records of ``topic``/``partition`` from ``position``.

        Stops at the end of the partition or after ``timeout`` seconds, whichever comes first. Errors
        (unknown topic, unreachable broker) raise ``RuntimeError`` naming the partition, secrets scrubbed.
        """
        with self._lock:
            try:
                return self._read(topic, partition, position, limit)
            except Exception as exc:
                raise RuntimeError(scrub(f"reading {topic}/{partition} from {position}: {exc}", self._config)) \
                    from None

    def _read(self, topic: str, partition: int, position: Position, limit: int) -> Page:
        consumer = self._client()
        tp = TopicPartition(topic, partition)
        low, high = consumer.get_watermark_offsets(tp, timeout=self.timeout, cached=False)
        start = self._start(consumer, tp, position, low, high, limit)
        messages: list[BrowsedMessage] = []
        next_offset = start
        if start < high:
            consumer.assign([TopicPartition(topic, partition, start)])
            deadline = time.monotonic() + self.timeout
            try:
                while len(messages) < limit and next_offset < high and time.monotonic() < deadline:
                    for msg in consumer.consume(num_messages=limit - len(messages), timeout=0.2):
                        err = msg.error()
                        if err is not None:
                            if err.code() == KafkaError._PARTITION_EOF:
                                end = msg.offset()  # the offset the partition ended at, when the event has one
                                if end is not None:
                                    next_offset = max(next_offset, end)
                                high = next_offset
                                break
                            raise RuntimeError(err.str())
                        message = _browsed(msg)
                        messages.append(message)
                        next_offset = message.offset + 1
            finally:
                consumer.unassign()
        return Page(topic, partition, tuple(messages), low, max(high, next_offset), next_offset)

    def _start(self, consumer: Consumer, tp: TopicPartition, position: Position, low: int, high: int,
               limit: int) -> int:
        if position.kind == "earliest":
            return low
        if position.kind == "latest":
            return max(high - limit, low)
        if position.kind == "offset":
            return min(max(position.offset or 0, low), high)
        found = consumer.offsets_for_times([TopicPartition(tp.topic, tp.partition, position.timestamp_ms or 0)],
                                           timeout=self.timeout)[0]
        return high if found.offset < 0 else found.offset

    def close(self) -> None:
        """Close the consumer (it never joined a group, so nothing is left behind)."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None


class EmbeddedBrowser:
    """Reads records of an in-process run through the embedded engine's read-only view.

    ``view``: a :class:`~airstream.common.cluster_view.ClusterView` (``EmbeddedCluster.view()``), the
    same object ``EmbeddedSource`` reads.

    >>> from airstream.topology.engine.cluster import EmbeddedCluster
    >>> cluster = EmbeddedCluster()
    >>> cluster.create_topic("tweets", partitions=1)
    >>> for n in range(5):
    ...     _ = cluster.produce("tweets", b"k", b"v%d" % n, timestamp=1000 * n)
    >>> page = EmbeddedBrowser(cluster.view()).read("tweets", 0, Position.at_time(2500), limit=2)
    >>> [(m.offset, m.value_text) for m in page.messages], page.next_offset
    ([(3, 'v3'), (4, 'v4')], 5)
    """

    _SCAN = 1000  # records per view call while looking for a timestamp

    def __init__(self, view: ClusterView) -> None:
        self._view = view

    def read(self, topic: str, partition: int, position: Position, *, limit: int = 200) -> Page:
        """Up to ``limit`` records of ``topic``/``partition`` from ``position``; ``KeyError`` for an unknown topic."""
        info = self._view.topic(topic).partitions[partition]
        low, high = info.low_watermark, info.high_watermark
        if position.kind == "earliest":
            start = low
        elif position.kind == "latest":
            start = max(high - limit, low)
        elif position.kind == "offset":
            start = min(max(position.offset or 0, low), high)
        else:
            start = self._first_at(topic, partition, low, high, position.timestamp_ms or 0)
        records = self._view.records(topic, partition, start, limit) if start < high else []
        messages = tuple(BrowsedMessage(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value,
                                        tuple(r.headers or ())) for r in records)
        return Page(topic, partition, messages, low, high, messages[-1].offset + 1 if messages else start)

    def _first_at(self, topic: str, partition: int, low: int, high: int, timestamp_ms: int) -> int:
        offset = low
        while offset < high:
            chunk = self._view.records(topic, partition, offset, self._SCAN)
            if not chunk:
                break
            for r in chunk:
                if r.timestamp >= timestamp_ms:
                    return r.offset
            offset = chunk[-1].offset + 1
        return high

    def close(self) -> None:
        """Nothing to release."""


def _browsed(msg: Any) -> BrowsedMessage:
    kind, ts = msg.timestamp()
    return BrowsedMessage(msg.topic(), msg.partition(), msg.offset(), ts if kind else None, msg.key(),
                          msg.value(), tuple(msg.headers() or ()))
