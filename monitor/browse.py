"""Reading and searching a topic's records for airmon's Messages screen: every partition at once, or one.

A browser reads a page of records from a :class:`Position` (earliest, latest, an offset, a time, or a
consumer group's committed position) over all partitions of a topic, merged by timestamp, or over one
partition in offset order; a live tail reads on from where the page ended. :meth:`MessageBrowser.search`
scans forward through the topic for records matching a :class:`~airstream.monitor.search.Query`,
bounded by a record count and by the query's time range, reporting progress and stopping when told.

:class:`KafkaBrowser` assigns partitions directly with its own throwaway ``group.id``: it never joins a
consumer group and never commits, so browsing cannot move anybody's offsets. All calls block; the TUI
runs them in a worker. Record bytes are decoded by a :class:`~airstream.monitor.decode.Decoder` (JSON,
text, hex, Avro with a schema registry) and shown safely.

Example::

    browser = KafkaBrowser({"bootstrap.servers": "127.0.0.1:9092"})
    page = browser.read("tweets", Position.earliest(), limit=50)          # all partitions, by time
    for m in page.messages:
        print(m.partition, m.offset, m.key_text, m.value_text)
    newer = browser.read("tweets", page.next_position(), limit=50)
    found = browser.search("tweets", Query.parse("$.tweet_id=570306133677760513"), Position.earliest())
    browser.close()
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec

from airstream.common.cluster_view import ClusterView
from airstream.common.redact import scrub
from airstream.common.traces.header import TRACE_HEADER, TraceHeaderError, decode_trace, split_via
from airstream.monitor.decode import Decoded, Decoder, show_bytes
from airstream.monitor.kafka_log import with_kafka_logger
from airstream.monitor.search import Query, parse_time_ms
from airstream.monitor.widgets.format import fmt_time_ms

__all__ = ["BrowsedMessage", "EmbeddedBrowser", "KafkaBrowser", "MessageBrowser", "Page", "PartitionRange",
           "Position", "SearchResult", "show_bytes"]

_PLAIN = Decoder()

Progress = Callable[[int, int], None]
"""Told ``(records scanned, records to scan)`` as a search goes."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where to start reading, in every partition read.

    ``earliest``; ``latest`` (the last ``limit`` records); an ``offset`` (the same in each partition, as
    ``kcat -o`` does); a ``timestamp`` (the first record at or after it); a consumer ``group``'s
    committed offsets (where it would resume; the start of a partition it never committed); or
    ``resume`` at given offsets per partition (where a page ended, see :meth:`Page.next_position`).

    >>> Position.parse("earliest"), Position.parse("1200").offset, Position.parse("group:cloudair").group
    (Position(kind='earliest', offset=None, timestamp_ms=None, group=None, offsets=()), 1200, 'cloudair')
    >>> Position.parse("2024-02-01T10:00:00+00:00").timestamp_ms
    1706781600000
    """

    kind: Literal["earliest", "latest", "offset", "timestamp", "group", "resume"]
    offset: int | None = None
    timestamp_ms: int | None = None
    group: str | None = None
    offsets: tuple[tuple[int, int], ...] = ()

    @classmethod
    def earliest(cls) -> Position:
        """The oldest records still stored."""
        return cls("earliest")

    @classmethod
    def latest(cls) -> Position:
        """The newest records: the last page before the end."""
        return cls("latest")

    @classmethod
    def at_offset(cls, offset: int) -> Position:
        """A given offset (clamped to what is stored in each partition)."""
        return cls("offset", offset=offset)

    @classmethod
    def at_time(cls, timestamp_ms: int) -> Position:
        """The first record whose timestamp is at or after ``timestamp_ms`` (epoch milliseconds)."""
        return cls("timestamp", timestamp_ms=timestamp_ms)

    @classmethod
    def committed(cls, group: str) -> Position:
        """Where consumer group ``group`` would resume: its committed offsets."""
        return cls("group", group=group)

    @classmethod
    def resume(cls, offsets: Mapping[int, int]) -> Position:
        """On from these offsets, by partition."""
        return cls("resume", offsets=tuple(sorted(offsets.items())))

    @classmethod
    def parse(cls, text: str) -> Position:
        """Read what a user typed: ``earliest``, ``latest``, an offset, an ISO 8601 date/time, or
        ``group:NAME``. A date/time without a zone is taken as UTC; the error says which forms are accepted.
        """
        text = text.strip()
        if text.lower() in ("earliest", "latest"):
            return cls(text.lower())  # type: ignore[arg-type]
        if text.isdigit():
            return cls.at_offset(int(text))
        if text.startswith("group:") and text[6:].strip():
            return cls.committed(text[6:].strip())
        try:
            return cls.at_time(parse_time_ms(text))
        except ValueError:
            raise ValueError(f"cannot start reading from {text!r}: type earliest, latest, an offset (1200), "
                             "a date/time (2024-02-01T10:00:00) or group:NAME") from None

    def __str__(self) -> str:
        if self.kind == "offset":
            return f"offset {self.offset}"
        if self.kind == "timestamp":
            return f"time {datetime.fromtimestamp((self.timestamp_ms or 0) / 1000, UTC).isoformat()}"
        if self.kind == "group":
            return f"group {self.group}'s commits"
        if self.kind == "resume":
            return "where the last page ended"
        return self.kind


@dataclass(frozen=True, slots=True)
class BrowsedMessage:
    """One record as read: raw bytes kept, key and value decoded for display.

    >>> m = BrowsedMessage("t", 0, 7, 1_700_000_000_000, b"k", b'{"a": [1, 2]}', (("trace", b"x1"),))
    >>> m.value_text, m.value_pretty.splitlines()[0], m.value_view.format
    ('{"a": [1, 2]}', '{', 'json')
    """

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()
    key_decoded: Decoded | None = field(default=None, repr=False, compare=False)
    value_decoded: Decoded | None = field(default=None, repr=False, compare=False)
    """Decoded by the browser's decoder (Avro needs its registry); built without, read as JSON, text or hex."""

    @property
    def key_view(self) -> Decoded:
        """The key as decoded."""
        return self.key_decoded or _PLAIN.decode(self.key)

    @property
    def value_view(self) -> Decoded:
        """The value as decoded."""
        return self.value_decoded or _PLAIN.decode(self.value)

    @property
    def key_text(self) -> str:
        """The key on one line, shown safely (empty for a null key)."""
        return self.key_view.text

    @property
    def value_text(self) -> str:
        """The value on one line, shown safely."""
        return self.value_view.text

    @property
    def value_pretty(self) -> str:
        """The value in full: JSON and Avro indented, text as stored, anything else as a hex dump."""
        return self.value_view.pretty

    def header_values(self) -> list[tuple[str, str]]:
        """``(name, value)`` per header, values shown safely; airstream's trace header decoded."""
        return [(name, _trace_text(value) if name == TRACE_HEADER else show_bytes(value))
                for name, value in self.headers]

    @property
    def header_text(self) -> list[str]:
        """``name: value`` per header, shown safely; airstream's trace header decoded (who wrote the
        record, when, and from which origin producer).

        >>> from airstream.common.traces.header import TRACE_HEADER, new_trace
        >>> trace = new_trace("replay", now_ms=1_700_000_000_250)
        >>> BrowsedMessage("t", 0, 0, None, None, None, ((TRACE_HEADER, trace),)).header_text
        ['airstream.trace: written by replay at 2023-11-14 22:13:20.250 UTC (hop 0)']
        """
        return [f"{show_bytes(name.encode())}: {value}" for name, value in self.header_values()]

    def searchable_text(self) -> list[str]:
        """What a plain search term is looked for in: key, value and headers, as shown."""
        return [self.key_text, self.value_text, *self.header_text]

    def matches(self, text: str) -> bool:
        """Whether ``text`` (any case) occurs in the key, the value, or a header name or value."""
        needle = text.casefold()
        return any(needle in part.casefold() for part in self.searchable_text())


def _trace_text(value: bytes | None) -> str:
    """The trace header in words; a value that is not one says why, with its bytes."""
    try:
        trace = decode_trace(value or b"")
    except TraceHeaderError as exc:
        return f"{show_bytes(value)} (not readable: {exc})"
    if trace.hop == 0:
        return f"written by {trace.origin} at {fmt_time_ms(trace.hop_ms)} UTC (hop 0)"
    writer = split_via(trace.via)[0]
    return (f"written by {writer} at {fmt_time_ms(trace.hop_ms)} UTC (hop {trace.hop}), first produced by "
            f"{trace.origin} at {fmt_time_ms(trace.origin_ms)} UTC")


@dataclass(frozen=True, slots=True)
class PartitionRange:
    """One partition as a page saw it: its watermarks, and the offset reading on continues from."""

    partition: int
    low_watermark: int
    high_watermark: int
    next_offset: int


@dataclass(frozen=True, slots=True)
class Page:
    """Records read from a topic: all partitions merged by timestamp, or one in offset order."""

    topic: str
    messages: tuple[BrowsedMessage, ...]
    partitions: tuple[PartitionRange, ...]

    @property
    def stored(self) -> int:
        """Records stored in the partitions read."""
        return sum(p.high_watermark - p.low_watermark for p in self.partitions)

    def next_position(self) -> Position:
        """Where to read on from: after the last record shown in each partition."""
        return Position.resume({p.partition: p.next_offset for p in self.partitions})


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found (in timestamp order), how much it read, and why it stopped."""

    topic: str
    query: str
    matches: tuple[BrowsedMessage, ...]
    scanned: int
    to_scan: int
    stopped: str
    """``end of topic``, ``limit of N records``, ``cancelled``, ``past before:``, or why reading failed."""
    partitions: tuple[PartitionRange, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every record in range was looked at."""
        return self.stopped in ("end of topic", "past before:")


class MessageBrowser(Protocol):
    """Reads and searches a topic's records (:class:`KafkaBrowser`, :class:`EmbeddedBrowser`)."""

    def read(self, topic: str, position: Position, *, partition: int | None = None, limit: int = 200) -> Page:
        """Up to ``limit`` records from ``position``: all partitions merged by time, or ``partition``; blocks."""
        ...

    def search(self, topic: str, query: Query, position: Position, *, partition: int | None = None,
               max_records: int = 100_000, max_matches: int = 1000, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> SearchResult:
        """Scan forward from ``position`` for records matching ``query``; blocks."""
        ...

    def close(self) -> None:
        """Release the client."""
        ...


class _Scan:
    """The state of one pass over some partitions: what each still has to read, and why it ended."""

    def __init__(self, ranges: Mapping[int, tuple[int, int]], cancel: threading.Event | None) -> None:
        self.pending = {p: span for p, span in ranges.items() if span[0] < span[1]}
        self.cancel = cancel
        self.stalled = False

    def finish(self, partition: int) -> None:
        """Read no more of ``partition``."""
        self.pending.pop(partition, None)

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


class _Browser:
    """Reading and searching over partition primitives, which each backend provides."""

    def _extents(self, topic: str, partition: int | None) -> dict[int, tuple[int, int]]:
        """``{partition: (low, high)}`` for the partitions to read; raises for an unknown topic."""
        raise NotImplementedError

    def _offsets_at(self, topic: str, partitions: Mapping[int, tuple[int, int]], timestamp_ms: int) -> dict[int, int]:
        """The first offset at or after ``timestamp_ms`` in each partition (its high watermark if none)."""
        raise NotImplementedError

    def _committed(self, topic: str, partitions: Mapping[int, tuple[int, int]], group: str) -> dict[int, int]:
        """Group ``group``'s committed offset in each partition (its low watermark where it never committed)."""
        raise NotImplementedError

    def _batches(self, topic: str, scan: _Scan) -> Iterator[list[BrowsedMessage]]:
        """Records of ``scan.pending``'s ranges, each partition in offset order, until all are read."""
        raise NotImplementedError

    def _starts(self, topic: str, extents: Mapping[int, tuple[int, int]], position: Position,
                limit: int) -> dict[int, int]:
        def clamp(p: int, offset: int) -> int:
            low, high = extents[p]
            return min(max(offset, low), high)

        if position.kind == "earliest":
            return {p: low for p, (low, _) in extents.items()}
        if position.kind == "latest":
            return {p: max(high - limit, low) for p, (low, high) in extents.items()}
        if position.kind == "offset":
            return {p: clamp(p, position.offset or 0) for p in extents}
        if position.kind == "timestamp":
            return self._offsets_at(topic, extents, position.timestamp_ms or 0)
        if position.kind == "group":
            return {p: clamp(p, o) for p, o in self._committed(topic, extents, position.group or "").items()}
        resumed = dict(position.offsets)
        return {p: clamp(p, resumed.get(p, extents[p][0])) for p in extents}

    def read(self, topic: str, position: Position, *, partition: int | None = None, limit: int = 200) -> Page:
        """Up to ``limit`` records of ``topic`` from ``position``, over all partitions merged by timestamp
        (``latest``: the newest ``limit`` over all of them), or of ``partition`` only, in offset order.

        Each partition is read no further than ``limit`` records past its start, which is all a merged
        page can need from it.
        """
        extents = self._extents(topic, partition)
        starts = self._starts(topic, extents, position, limit)
        scan = _Scan({p: (s, min(s + limit, extents[p][1])) for p, s in starts.items()}, None)
        read = [m for batch in self._batches(topic, scan) for m in batch]
        order = _by_offset if partition is not None else _by_time
        read.sort(key=order)
        shown = read[-limit:] if position.kind == "latest" else read[:limit]
        last = {m.partition: m.offset + 1 for m in shown}
        ranges = tuple(PartitionRange(p, low, high, extents[p][1] if position.kind == "latest"
                                      else last.get(p, starts[p])) for p, (low, high) in sorted(extents.items()))
        return Page(topic, tuple(shown), ranges)

    def search(self, topic: str, query: Query, position: Position, *, partition: int | None = None,
               max_records: int = 100_000, max_matches: int = 1000, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> SearchResult:
        """Scan ``topic`` (or ``partition``) forward from ``position`` for records matching ``query``.

        Stops at the end of what was stored when the search began, after ``max_records`` records (the
        query's ``limit:`` when it has one), once every partition has passed the query's ``before:``
        time, or when ``cancel`` is set. A query with
        ``after:`` starting from ``earliest`` starts at that time instead. Matches beyond ``max_matches``
        are counted in ``scanned`` but not kept. ``progress`` is called after every batch.
        """
        if query.limit is not None:
            max_records = query.limit
        extents = self._extents(topic, partition)
        if position.kind == "earliest" and query.after_ms is not None:
            position = Position.at_time(query.after_ms)
        starts = self._starts(topic, extents, position, 0)
        scan = _Scan({p: (s, extents[p][1]) for p, s in starts.items()}, cancel)
        to_scan = min(max_records, sum(end - start for start, end in scan.pending.values()))
        matches: list[BrowsedMessage] = []
        scanned, stopped, next_offsets = 0, "", dict(starts)
        for batch in self._batches(topic, scan):
            for m in batch:
                if query.before_ms is not None and m.timestamp_ms is not None and m.timestamp_ms >= query.before_ms:
                    scan.finish(m.partition)
                    continue
                scanned += 1
                next_offsets[m.partition] = m.offset + 1
                if len(matches) < max_matches and query.matches(m):
                    matches.append(m)
                if scanned >= max_records:
                    stopped = f"limit of {max_records:,} records"
                    break
            if progress is not None:
                progress(scanned, to_scan)
            if stopped:
                break
        if not stopped:
            stopped = ("cancelled" if scan.cancelled else "no record arrived for a while" if scan.stalled
                       else "past before:" if query.before_ms is not None and len(scan.pending) < len(starts)
                       else "end of topic")
        matches.sort(key=_by_offset if partition is not None else _by_time)
        ranges = tuple(PartitionRange(p, low, high, next_offsets[p]) for p, (low, high) in sorted(extents.items()))
        return SearchResult(topic, query.text, tuple(matches), scanned, to_scan, stopped, ranges)


def _by_time(m: BrowsedMessage) -> tuple[int, int, int]:
    return (m.timestamp_ms if m.timestamp_ms is not None else -1, m.partition, m.offset)


def _by_offset(m: BrowsedMessage) -> tuple[int, int]:
    return (m.partition, m.offset)


class KafkaBrowser(_Browser):
    """Reads records with a standalone ``confluent_kafka.Consumer`` (assign, never subscribe or commit),
    and finds offsets (watermarks, times, a group's commits) with an ``AdminClient``.

    ``config`` is the same librdkafka client configuration as the source's (SASL/SSL pass through).
    ``decoder`` reads keys and values (give it a schema registry for Avro). Clients are created on first
    use and reused, so a live tail does not reconnect every second. A read ends early when no record
    arrives for ``timeout`` seconds.
    """

    _BATCH = 500

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 5.0, decoder: Decoder | None = None) -> None:
        self._config = dict(config)
        self.timeout = timeout
        self.decoder = decoder or _PLAIN
        self._consumer: Consumer | None = None
        self._admin: AdminClient | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KafkaBrowser({self._config.get('bootstrap.servers')!r})"

    def read(self, topic: str, position: Position, *, partition: int | None = None, limit: int = 200) -> Page:
        """Up to ``limit`` records (see :meth:`_Browser.read`). Errors (an unknown topic, unreachable
        brokers) raise ``RuntimeError`` naming the topic, secrets scrubbed."""
        with self._lock, self._errors(topic, partition, f"reading from {position}"):
            return super().read(topic, position, partition=partition, limit=limit)

    def search(self, topic: str, query: Query, position: Position, *, partition: int | None = None,
               max_records: int = 100_000, max_matches: int = 1000, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> SearchResult:
        """Scan for ``query`` (see :meth:`_Browser.search`); errors as for :meth:`read`."""
        with self._lock, self._errors(topic, partition, f"searching for {query.text!r}"):
            return super().search(topic, query, position, partition=partition, max_records=max_records,
                                  max_matches=max_matches, progress=progress, cancel=cancel)

    @contextlib.contextmanager
    def _errors(self, topic: str, partition: int | None, doing: str) -> Iterator[None]:
        """Any error re-raised as ``RuntimeError("<doing> in <topic>: <why>")``, the client's secrets removed."""
        where = topic if partition is None else f"{topic}/{partition}"
        try:
            yield
        except Exception as exc:
            why = exc.args[0].str() if isinstance(exc, KafkaException) and exc.args else str(exc)
            raise RuntimeError(scrub(f"{doing} in {where}: {why}", self._config)) from None

    def _client(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer({
                **with_kafka_logger(self._config),
                "group.id": f"airmon-browse-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False, "enable.auto.offset.store": False,
                "enable.partition.eof": True, "auto.offset.reset": "earliest",
            })
        return self._consumer

    def _admin_client(self) -> AdminClient:
        if self._admin is None:
            self._admin = AdminClient(with_kafka_logger(self._config))
        return self._admin

    def _extents(self, topic: str, partition: int | None) -> dict[int, tuple[int, int]]:
        # describe_topics, not list_topics(topic=...): a metadata request naming a topic makes a broker
        # with auto.create.topics.enable create it, and looking must never create anything.
        future = self._admin_client().describe_topics(TopicCollection([topic]), request_timeout=self.timeout)[topic]
        try:
            description = future.result()
        except KafkaException as exc:
            if exc.args and exc.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise RuntimeError(f"topic {topic!r} does not exist") from None
            raise
        partitions = sorted(p.id for p in description.partitions)
        if partition is not None:
            if partition not in partitions:
                raise RuntimeError(f"topic {topic!r} has no partition {partition} (it has {len(partitions)})")
            partitions = [partition]
        low = self._list_offsets(topic, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
        high = self._list_offsets(topic, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
        return {p: (low[p], high[p]) for p in partitions}

    def _list_offsets(self, topic: str, partitions: list[int], spec: OffsetSpec) -> dict[int, int]:
        futures = self._admin_client().list_offsets({TopicPartition(topic, p): spec for p in partitions},
                                                    request_timeout=self.timeout)
        return {tp.partition: future.result().offset for tp, future in futures.items()}

    def _offsets_at(self, topic: str, partitions: Mapping[int, tuple[int, int]], timestamp_ms: int) -> dict[int, int]:
        found = self._list_offsets(topic, list(partitions), OffsetSpec.for_timestamp(timestamp_ms))
        return {p: found[p] if found[p] >= 0 else high for p, (_, high) in partitions.items()}

    def _committed(self, topic: str, partitions: Mapping[int, tuple[int, int]], group: str) -> dict[int, int]:
        request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])
        answer = self._admin_client().list_consumer_group_offsets([request], request_timeout=self.timeout)
        committed = {tp.partition: tp.offset for tp in answer[group].result().topic_partitions or []}
        if all(committed.get(p, -1) < 0 for p in partitions):
            raise RuntimeError(f"group {group!r} has no committed offset on {topic!r}")
        return {p: committed[p] if committed.get(p, -1) >= 0 else low for p, (low, _) in partitions.items()}

    def _batches(self, topic: str, scan: _Scan) -> Iterator[list[BrowsedMessage]]:
        if not scan.pending:
            return
        consumer = self._client()
        assigned = [TopicPartition(topic, p, start) for p, (start, _) in scan.pending.items()]
        consumer.assign(assigned)
        quiet_since = time.monotonic()
        try:
            while scan.pending and not scan.cancelled:
                batch: list[BrowsedMessage] = []
                for msg in consumer.consume(num_messages=self._BATCH, timeout=0.2):
                    p, offset, err = msg.partition() or 0, msg.offset() or 0, msg.error()
                    if err is not None:
                        if err.code() != KafkaError._PARTITION_EOF:
                            raise RuntimeError(err.str())
                        scan.finish(p)
                        continue
                    span = scan.pending.get(p)
                    if span is None:
                        continue
                    if offset < span[1]:
                        batch.append(self._browsed(msg))
                    if offset + 1 >= span[1]:
                        scan.finish(p)
                done = [TopicPartition(topic, p) for p in {m.partition for m in batch} if p not in scan.pending]
                if done:
                    consumer.pause(done)  # a merged page needs nothing past each partition's range
                if batch:
                    quiet_since = time.monotonic()
                    yield batch
                elif time.monotonic() - quiet_since > self.timeout:
                    scan.stalled = True
                    return
        finally:
            consumer.resume(assigned)  # librdkafka keeps a partition paused across assignments
            consumer.unassign()

    def _browsed(self, msg: Any) -> BrowsedMessage:
        kind, ts = msg.timestamp()
        key, value = msg.key(), msg.value()
        return BrowsedMessage(msg.topic(), msg.partition(), msg.offset(), ts if kind else None, key, value,
                              tuple(msg.headers() or ()), self.decoder.decode(key), self.decoder.decode(value))

    def close(self) -> None:
        """Close the clients (the consumer never joined a group, so nothing is left behind)."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None
            self._admin = None


class EmbeddedBrowser(_Browser):
    """Reads records of an in-process run through the embedded engine's read-only view.

    ``view``: a :class:`~airstream.common.cluster_view.ClusterView` (``EmbeddedCluster.view()``), the
    same object ``EmbeddedSource`` reads.

    >>> from airstream.topology.engine.cluster import EmbeddedCluster
    >>> cluster = EmbeddedCluster()
    >>> cluster.create_topic("tweets", partitions=2)
    >>> for n in range(6):
    ...     _ = cluster.produce("tweets", b"k", b"v%d" % n, partition=n % 2, timestamp=1000 * n)
    >>> page = EmbeddedBrowser(cluster.view()).read("tweets", Position.at_time(2500), limit=2)
    >>> [(m.partition, m.offset, m.value_text) for m in page.messages]
    [(1, 1, 'v3'), (0, 2, 'v4')]
    """

    _CHUNK = 1000

    def __init__(self, view: ClusterView, *, decoder: Decoder | None = None) -> None:
        self._view = view
        self.decoder = decoder or _PLAIN

    def _extents(self, topic: str, partition: int | None) -> dict[int, tuple[int, int]]:
        try:
            partitions = self._view.topic(topic).partitions
        except KeyError:
            raise KeyError(f"topic {topic!r} does not exist") from None
        chosen = [p for p in partitions if partition is None or p.partition == partition]
        if not chosen:
            raise KeyError(f"topic {topic!r} has no partition {partition} (it has {len(partitions)})")
        return {p.partition: (p.low_watermark, p.high_watermark) for p in chosen}

    def _offsets_at(self, topic: str, partitions: Mapping[int, tuple[int, int]], timestamp_ms: int) -> dict[int, int]:
        found = {}
        for p, (low, high) in partitions.items():
            found[p] = high
            for batch in self._batches(topic, _Scan({p: (low, high)}, None)):
                hit = next((m.offset for m in batch if (m.timestamp_ms or 0) >= timestamp_ms), None)
                if hit is not None:
                    found[p] = hit
                    break
        return found

    def _committed(self, topic: str, partitions: Mapping[int, tuple[int, int]], group: str) -> dict[int, int]:
        try:
            offsets = self._view.group(group).offsets
        except KeyError:
            raise KeyError(f"group {group!r} does not exist") from None
        committed = {o.partition: o.committed for o in offsets if o.topic == topic and o.committed is not None}
        if not committed:
            raise KeyError(f"group {group!r} has no committed offset on {topic!r}")
        return {p: committed.get(p, low) for p, (low, _) in partitions.items()}

    def _batches(self, topic: str, scan: _Scan) -> Iterator[list[BrowsedMessage]]:
        # Round robin over the partitions, a chunk each, as a consumer's fetches would interleave them.
        positions = {p: start for p, (start, _) in scan.pending.items()}
        while scan.pending and not scan.cancelled:
            for p in list(scan.pending):
                if p not in scan.pending:
                    continue
                end = scan.pending[p][1]
                records = self._view.records(topic, p, positions[p], min(self._CHUNK, end - positions[p]))
                batch = [self._browsed(r) for r in records if r.offset < end]
                if not batch:
                    scan.finish(p)
                    continue
                positions[p] = batch[-1].offset + 1
                if positions[p] >= end:
                    scan.finish(p)
                yield batch

    def _browsed(self, r: Any) -> BrowsedMessage:
        return BrowsedMessage(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, tuple(r.headers or ()),
                              self.decoder.decode(r.key), self.decoder.decode(r.value))

    def close(self) -> None:
        """Nothing to release."""

