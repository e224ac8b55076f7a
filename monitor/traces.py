"""Producer/consumer traces: ``__airstream_metrics`` read back into producers, hops and paths.

Traced clients (:mod:`airstream.topology.tracing`) publish per-minute deltas: producers count what they
wrote per topic, minute and trace path (origin producer, hop count, the group that forwarded it);
consumers count what they received per topic, partition and minute, and report the paths and
latencies of a sample of it. This module adds those deltas up (:class:`TraceAccumulator`), splits
each group's exact counts over the paths that wrote into the topic (:func:`attribute`: exact when
the group has read all that was produced, or when the consumer read every header), and turns them
into an immutable :class:`TraceModel`:

* **producers** -- client id, the topics and partitions written, last seen, active or not
  (inactive when nothing was produced for ``inactive_after`` seconds);
* **hops** -- one per *writer -> topic -> consumer group*: the writer is the origin producer at
  hop 0 and the forwarding group (a topology's ``application.id``) after that; with the count
  produced (what the group should get), the count consumed, the hop latency (receive time minus
  this hop's produce time), the end-to-end latency (receive time minus the origin's produce time)
  and both per minute, so a gap between produced and consumed in a minute shows loss or delay;
* **paths** -- multi-hop routes from an origin producer, e.g. ``replay -> tweets -> scorer ->
  scored -> alerts-sink``, rebuilt by chaining hop *n* read by group *g* to hop *n+1* forwarded via *g*.

:class:`TraceReader` reads the topic incrementally for ``airmon`` (the Traces screen, ``airmon
snapshot --json`` under ``traces``); :func:`hop_latencies` and :func:`inactive_producers` are the
inputs for alert rules.

>>> acc = TraceAccumulator()
>>> acc.add({"v": 1, "kind": "producer", "client_id": "replay", "last_ms": 61_000, "rows": [
...     {"topic": "tweets", "partition": -1, "bucket": 60_000, "origin": "replay", "hop": 0, "via": "", "count": 3}]})
>>> lat = {"count": 1, "sum": 20, "min": 20, "max": 20, "bins": [[17, 1]]}
>>> acc.add({"v": 1, "kind": "consumer", "client_id": "c1", "group": "scorer", "sample_rate": 100,
...          "rows": [{"topic": "tweets", "partition": 0, "bucket": 60_000, "count": 2}],
...          "samples": [{"topic": "tweets", "partition": 0, "bucket": 60_000, "origin": "replay", "hop": 0,
...                       "via": "", "count": 1, "latency": lat, "e2e": None}]})
>>> model = acc.model(now=62.0)
>>> hop = model.hops[0]
>>> hop.text, hop.produced, hop.consumed, hop.missing, hop.latency.max_ms
('replay -> tweets -> scorer', 3, 2, 1, 20)
>>> [p.text for p in model.paths]
['replay -> tweets -> scorer']
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

import orjson

from airstream.common.client_config import connection_config
from airstream.common.redact import scrub
from airstream.common.traces.histogram import LatencyHistogram
from airstream.common.traces.record import (
    METRICS_TOPIC,
    UNTRACED,
    PathRow,
    RecordPath,
    SampledLatency,
    read_path_row,
)
from airstream.monitor.kafka_log import with_kafka_logger
from airstream.monitor.model import Severity, StatusMessage

__all__ = [
    "Hop",
    "HopLatency",
    "LatencyStats",
    "MinuteCount",
    "ProducerTrace",
    "TopicWrite",
    "TraceAccumulator",
    "TraceModel",
    "TracePath",
    "TraceReader",
    "attribute",
    "hop_latencies",
    "inactive_producers",
    "read_traces",
]

_MAX_DEPTH = 256


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Latency in milliseconds over a set of records (p99 within 12.5 %: log-scale bins)."""

    count: int
    min_ms: int
    avg_ms: float
    max_ms: int
    p99_ms: int

    @classmethod
    def of(cls, h: LatencyHistogram) -> LatencyStats | None:
        """Stats of a histogram; ``None`` for an empty one."""
        if not h.count:
            return None
        assert h.min is not None and h.max is not None and h.avg is not None
        p99 = h.quantile(0.99)
        assert p99 is not None
        return cls(h.count, h.min, round(h.avg, 1), h.max, p99)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"count": self.count, "min_ms": self.min_ms, "avg_ms": self.avg_ms, "max_ms": self.max_ms,
                "p99_ms": self.p99_ms}


def _stats_dict(s: LatencyStats | None) -> dict[str, Any] | None:
    return None if s is None else s.as_dict()


@dataclass(frozen=True, slots=True)
class TopicWrite:
    """What one producer wrote to one topic; ``partitions`` lists those it chose explicitly."""

    topic: str
    produced: int
    partitions: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"topic": self.topic, "produced": self.produced, "partitions": list(self.partitions)}


@dataclass(frozen=True, slots=True)
class ProducerTrace:
    """A producer by ``client.id``: where it wrote, how much, and when it was last seen producing."""

    client_id: str
    produced: int
    topics: tuple[TopicWrite, ...]
    last_seen: float | None
    active: bool
    hosts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"client_id": self.client_id, "produced": self.produced, "last_seen": self.last_seen,
                "active": self.active, "hosts": list(self.hosts), "topics": [t.as_dict() for t in self.topics]}


@dataclass(frozen=True, slots=True)
class MinuteCount:
    """One minute (by record timestamp) of a hop: expected (produced) vs consumed, and latency."""

    minute: float
    produced: int | None
    consumed: int
    latency: LatencyStats | None = None
    e2e: LatencyStats | None = None

    @property
    def missing(self) -> int | None:
        """Produced but not (yet) consumed in this minute; ``None`` when the producer is untraced."""
        return None if self.produced is None else self.produced - self.consumed

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"minute": self.minute, "produced": self.produced, "consumed": self.consumed,
                "missing": self.missing, "latency": _stats_dict(self.latency), "e2e": _stats_dict(self.e2e)}


@dataclass(frozen=True, slots=True)
class Hop:
    """Records of one path going into ``topic`` and read by ``group``.

    ``origin``/``hop``/``via`` come from the trace header (all ``None``/"" for untraced records,
    whose writer is unknown). ``group`` is ``None`` for a topic no traced consumer read.
    ``e2e`` is the latency from the origin producer (the same as ``latency`` at hop 0). Latencies
    are over the consumers' sampled records (their ``count`` is the sample size).
    """

    origin: str | None
    hop: int | None
    via: str
    topic: str
    group: str | None
    produced: int | None
    consumed: int
    latency: LatencyStats | None = None
    e2e: LatencyStats | None = None
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()
    minutes: tuple[MinuteCount, ...] = ()

    @property
    def writer(self) -> str:
        """Who wrote the records: the forwarding group, else the origin producer, else ``"?"``."""
        return self.via or self.origin or "?"

    @property
    def missing(self) -> int | None:
        """Produced but not (yet) consumed; ``None`` when the writer is untraced or nobody reads."""
        if self.produced is None or self.group is None:
            return None
        return self.produced - self.consumed

    @property
    def text(self) -> str:
        """``writer -> topic -> group``."""
        return f"{self.writer} -> {self.topic} -> {self.group or '(no reader)'}"

    @property
    def route(self) -> str:
        """From the origin producer to this hop's group: ``origin -> ... -> via -> topic -> group``.

        What an end-to-end latency alert names; the same as :attr:`text` at hop 0.
        """
        if not self.via or self.origin is None:
            return self.text
        return f"{self.origin} -> ... -> {self.text}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"origin": self.origin, "hop": self.hop, "via": self.via, "writer": self.writer,
                "topic": self.topic, "group": self.group, "produced": self.produced,
                "consumed": self.consumed, "missing": self.missing, "latency": _stats_dict(self.latency),
                "e2e": _stats_dict(self.e2e), "producers": list(self.producers),
                "consumers": list(self.consumers), "minutes": [m.as_dict() for m in self.minutes]}


@dataclass(frozen=True, slots=True)
class TracePath:
    """A route from an origin producer through topics and groups, one :class:`Hop` per topic."""

    origin: str
    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        """``(origin, topic, group, topic, group, ...)``."""
        out = [self.origin]
        for h in self.hops:
            out += [h.topic, h.group or "(no reader)"]
        return tuple(out)

    @property
    def text(self) -> str:
        """The nodes joined with arrows."""
        return " -> ".join(self.nodes)

    @property
    def e2e(self) -> LatencyStats | None:
        """Origin-to-last-group latency."""
        return self.hops[-1].e2e if self.hops else None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (hops as ``[writer, topic, group, produced, consumed]`` summaries)."""
        return {"origin": self.origin, "text": self.text, "nodes": list(self.nodes), "e2e": _stats_dict(self.e2e),
                "hops": [{"hop": h.hop, "writer": h.writer, "topic": h.topic, "group": h.group,
                          "produced": h.produced, "consumed": h.consumed} for h in self.hops]}


@dataclass(frozen=True, slots=True)
class TraceModel:
    """Everything the traces know at ``taken_at`` (seconds since the epoch)."""

    taken_at: float
    producers: tuple[ProducerTrace, ...] = ()
    hops: tuple[Hop, ...] = ()
    paths: tuple[TracePath, ...] = ()
    inactive_after: float = 300.0
    records: int = 0
    skipped: int = 0
    messages: tuple[StatusMessage, ...] = ()

    @property
    def ok(self) -> bool:
        """The traces were read: no error-severity message (as ``ClusterSnapshot.ok``)."""
        return not any(m.severity is Severity.ERROR for m in self.messages)

    def producer(self, client_id: str) -> ProducerTrace | None:
        """The producer with this client id, if seen."""
        return next((p for p in self.producers if p.client_id == client_id), None)

    def hop(self, writer: str, topic: str, group: str | None) -> Hop | None:
        """The hop ``writer -> topic -> group`` (summed over origins when a forwarder is the writer)."""
        found = [h for h in self.hops if h.writer == writer and h.topic == topic and h.group == group]
        return found[0] if len(found) == 1 else _sum_hops(found) if found else None

    def hops_for(self, *, topic: str | None = None, group: str | None = None,
                 producer: str | None = None) -> tuple[Hop, ...]:
        """Hops touching a topic, a group, or a producer (as origin, writer or forwarding client)."""
        return tuple(h for h in self.hops
                     if (topic is None or h.topic == topic) and (group is None or h.group == group)
                     and (producer is None or producer in (h.origin, h.writer) or producer in h.producers))

    def paths_from(self, origin: str) -> tuple[TracePath, ...]:
        """Paths starting at this origin producer."""
        return tuple(p for p in self.paths if p.origin == origin)

    def paths_through(self, name: str) -> tuple[TracePath, ...]:
        """Paths through a producer, topic or group of this name (what a Traces screen filters on)."""
        return tuple(p for p in self.paths if name in p.nodes)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: what ``airmon snapshot --json`` prints under ``traces``."""
        return {"taken_at": self.taken_at, "inactive_after": self.inactive_after, "records": self.records,
                "skipped": self.skipped, "messages": [m.as_dict() for m in self.messages],
                "producers": [p.as_dict() for p in self.producers], "hops": [h.as_dict() for h in self.hops],
                "paths": [p.as_dict() for p in self.paths]}


def _stats_sum(stats: Iterable[LatencyStats | None]) -> LatencyStats | None:
    # Hops summed for display lose exact p99s; the largest p99 is the safe side for an alert.
    got = [s for s in stats if s is not None]
    if not got:
        return None
    n = sum(s.count for s in got)
    return LatencyStats(n, min(s.min_ms for s in got), round(sum(s.avg_ms * s.count for s in got) / n, 1),
                        max(s.max_ms for s in got), max(s.p99_ms for s in got))


def _sum_hops(hops: list[Hop]) -> Hop:
    first = hops[0]
    produced = None if any(h.produced is None for h in hops) else sum(h.produced or 0 for h in hops)
    return Hop(None if len({h.origin for h in hops}) > 1 else first.origin, first.hop, first.via, first.topic,
               first.group, produced, sum(h.consumed for h in hops), _stats_sum(h.latency for h in hops),
               _stats_sum(h.e2e for h in hops), tuple(sorted({c for h in hops for c in h.producers})),
               tuple(sorted({c for h in hops for c in h.consumers})))


@dataclass
class _Writer:
    last_ms: int | None = None
    hosts: set[str] = field(default_factory=set)
    minutes: dict[str, dict[int, int]] = field(default_factory=dict)  # topic -> minute -> count
    partitions: dict[str, set[int]] = field(default_factory=dict)  # topic -> partitions chosen explicitly


def attribute(consumed: int, produced: Mapping[RecordPath, int],
              sampled: Mapping[RecordPath, int]) -> dict[RecordPath, int]:
    """Split a group's exact count for one topic and minute over the paths that wrote into it.

    ``produced``: what each traced path wrote in that minute; ``sampled``: how often the group's
    sample saw each path. When the group read at least all that was produced, each path gets what it
    produced (exact) and any surplus goes to the sampled paths no producer reported (or untraced).
    Otherwise the count is shared in proportion to the sample (else to what was produced), never
    giving a path more than it produced.

    >>> attribute(10, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {})
    {('p1', 0, ''): 6, ('p2', 0, ''): 4}
    >>> attribute(12, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {})[(None, None, "")]
    2
    >>> attribute(5, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {("p1", 0, ""): 1})
    {('p1', 0, ''): 5, ('p2', 0, ''): 0}
    """
    total = sum(produced.values())
    if consumed >= total:
        out = dict(produced)
        surplus = consumed - total
        if surplus:
            others = {p: n for p, n in sampled.items() if p not in produced}
            out.update(_share(surplus, others or {UNTRACED: 1}, None))
        return out
    weights = {p: sampled.get(p, 0) for p in produced}
    if not any(weights.values()):
        weights = dict(produced)
    return _share(consumed, weights, produced)


def _share(amount: int, weights: Mapping[RecordPath, int],
           caps: Mapping[RecordPath, int] | None) -> dict[RecordPath, int]:
    # Largest-remainder split of ``amount`` by ``weights``, no path above its cap; the caps add up to
    # at least ``amount`` whenever they are given.
    total = sum(weights.values()) or 1
    exact = {p: amount * w / total for p, w in weights.items()}
    out = {p: int(x) if caps is None else min(int(x), caps[p]) for p, x in exact.items()}
    order = sorted(weights, key=lambda p: exact[p] - int(exact[p]), reverse=True)
    left = amount - sum(out.values())
    while left > 0:
        for p in order:
            if left and (caps is None or out[p] < caps[p]):
                out[p] += 1
                left -= 1
    return out


class TraceAccumulator:
    """Adds metrics records up; :meth:`model` makes the immutable view.

    ``window``: seconds of record-timestamp minutes kept (older minutes are dropped when a model is made).
    """

    def __init__(self, window: float = 3600.0) -> None:
        self.window = window
        self.records = 0
        self.skipped = 0
        self._produced: dict[str, dict[RecordPath, dict[int, int]]] = {}  # topic -> path -> minute -> count
        self._writers_of: dict[tuple[str, RecordPath], set[str]] = {}
        self._totals: dict[tuple[str, str], dict[int, int]] = {}  # (group, topic) -> minute -> count
        self._samples: dict[tuple[str, str], dict[int, dict[RecordPath, SampledLatency]]] = {}
        self._inexact: set[tuple[str, str, int]] = set()  # (group, topic, minute) with sampled paths
        self._readers: dict[tuple[str, str], set[str]] = {}
        self._producers: dict[str, _Writer] = {}

    def add(self, record: Mapping[str, Any]) -> None:
        """Fold one metrics record in; ``ValueError`` says what is wrong with a malformed one."""
        try:
            kind, client = record["kind"], str(record["client_id"])
            if record.get("v") != 1 or kind not in ("producer", "consumer"):
                raise ValueError(f"unknown version {record.get('v')!r} or kind {kind!r}")
            if kind == "producer":
                produced = [read_path_row(r) for r in record["rows"]]
            else:
                consumed = [(str(r["topic"]), int(r["bucket"]), int(r["count"])) for r in record["rows"]]
                samples = [read_path_row(r) for r in record.get("samples") or ()]
                exact = "sample_rate" in record and record["sample_rate"] is None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an airstream metrics record ({exc}): {str(record)[:160]}") from None
        if kind == "producer":
            self._add_produced(client, record, produced)
        else:
            self._add_consumed(client, str(record.get("group") or f"client:{client}"), consumed, samples, exact)
        self.records += 1

    def _add_produced(self, client: str, record: Mapping[str, Any], rows: list[PathRow]) -> None:
        w = self._producers.setdefault(client, _Writer())
        last = record.get("last_ms")
        if last is not None and (w.last_ms is None or last > w.last_ms):
            w.last_ms = int(last)
        if record.get("host"):
            w.hosts.add(str(record["host"]))
        for path, topic, partition, bucket, count, _lat, _e2e in rows:
            minutes = self._produced.setdefault(topic, {}).setdefault(path, {})
            minutes[bucket] = minutes.get(bucket, 0) + count
            self._writers_of.setdefault((topic, path), set()).add(client)
            written = w.minutes.setdefault(topic, {})
            written[bucket] = written.get(bucket, 0) + count
            parts = w.partitions.setdefault(topic, set())
            if partition >= 0:
                parts.add(partition)

    def _add_consumed(self, client: str, group: str, rows: list[tuple[str, int, int]], samples: list[PathRow],
                      exact: bool) -> None:
        for topic, bucket, count in rows:
            minutes = self._totals.setdefault((group, topic), {})
            minutes[bucket] = minutes.get(bucket, 0) + count
            self._readers.setdefault((group, topic), set()).add(client)
            if not exact:
                self._inexact.add((group, topic, bucket))
        for path, topic, _partition, bucket, count, latency, e2e in samples:
            by_path = self._samples.setdefault((group, topic), {}).setdefault(bucket, {})
            s = by_path.get(path)
            if s is None:
                s = by_path[path] = SampledLatency()
            s.count += count
            if latency is not None:
                s.latency.merge(latency)
            # At hop 0 the end-to-end latency is the hop latency; clients send it only once.
            source = e2e if e2e is not None else latency if path[1] == 0 else None
            if source is not None:
                s.e2e.merge(source)

    def _prune(self, now: float) -> None:
        oldest = int((now - self.window) * 1000) - 60_000
        tables: list[dict[Any, Any]] = [*self._produced.values(), self._totals, self._samples,
                                        *(w.minutes for w in self._producers.values())]
        for table in tables:
            for key in list(table):
                minutes = table[key]
                for bucket in [b for b in minutes if 0 <= b < oldest]:
                    del minutes[bucket]
                if not minutes:
                    del table[key]
        self._inexact = {k for k in self._inexact if not 0 <= k[2] < oldest}

    def model(self, now: float | None = None, *, inactive_after: float = 300.0,
              messages: Iterable[StatusMessage] = ()) -> TraceModel:
        """The immutable view at ``now`` (seconds; default: the current time)."""
        now = time.time() if now is None else now
        self._prune(now)
        hops = tuple(sorted(self._hops(), key=lambda h: (h.origin or "", h.hop or 0, h.via, h.topic,
                                                         h.group or "")))
        return TraceModel(taken_at=now, producers=self._producer_traces(now, inactive_after), hops=hops,
                          paths=_paths(hops), inactive_after=inactive_after, records=self.records,
                          skipped=self.skipped, messages=tuple(messages))

    def _producer_traces(self, now: float, inactive_after: float) -> tuple[ProducerTrace, ...]:
        out = []
        for client, w in sorted(self._producers.items()):
            last = None if w.last_ms is None else w.last_ms / 1000
            # Every topic ever written stays listed (0 once its minutes left the window): a producer
            # that went quiet still says where it used to write, which inactivity alerts match on.
            topics = tuple(TopicWrite(t, sum(w.minutes.get(t, {}).values()), tuple(sorted(parts)))
                           for t, parts in sorted(w.partitions.items()))
            out.append(ProducerTrace(client, sum(t.produced for t in topics), topics, last,
                                     last is not None and now - last <= inactive_after, tuple(sorted(w.hosts))))
        return tuple(out)

    def _hops(self) -> Iterator[Hop]:
        read: set[tuple[str, RecordPath]] = set()
        for (group, topic), totals in self._totals.items():
            produced = self._produced.get(topic, {})
            samples = self._samples.get((group, topic), {})
            consumed: dict[RecordPath, dict[int, int]] = {}
            for bucket, count in totals.items():
                sampled = {p: s.count for p, s in samples.get(bucket, {}).items()}
                if (group, topic, bucket) in self._inexact:
                    made = {p: m[bucket] for p, m in produced.items() if m.get(bucket)}
                    split = attribute(count, made, sampled)
                else:
                    split = sampled
                for p, n in split.items():
                    consumed.setdefault(p, {})[bucket] = n
            for path in consumed.keys() | produced.keys():
                read.add((topic, path))
                yield self._hop(path, topic, group, consumed.get(path, {}), samples)
        for topic, paths in self._produced.items():
            for path in paths:
                if (topic, path) not in read:
                    yield self._hop(path, topic, None, {}, {})

    def _hop(self, path: RecordPath, topic: str, group: str | None, consumed: dict[int, int],
             samples: Mapping[int, Mapping[RecordPath, SampledLatency]]) -> Hop:
        origin, hop, via = path
        produced = self._produced.get(topic, {}).get(path) if origin is not None else None
        total_lat, total_e2e = LatencyHistogram(), LatencyHistogram()
        minutes = []
        for bucket in sorted(set(consumed) | set(produced or ())):
            s = samples.get(bucket, {}).get(path)
            lat = e2e = None
            if s is not None:
                total_lat.merge(s.latency)
                total_e2e.merge(s.e2e)
                lat, e2e = LatencyStats.of(s.latency), LatencyStats.of(s.e2e)
            minutes.append(MinuteCount(bucket / 1000, None if produced is None else produced.get(bucket, 0),
                                       consumed.get(bucket, 0), lat, e2e))
        return Hop(origin, hop, via, topic, group, None if produced is None else sum(produced.values()),
                   sum(consumed.values()), LatencyStats.of(total_lat), LatencyStats.of(total_e2e),
                   tuple(sorted(self._writers_of.get((topic, path), ()))),
                   tuple(sorted(self._readers.get((group, topic), ()))) if group else (), tuple(minutes))


def _paths(hops: tuple[Hop, ...]) -> tuple[TracePath, ...]:
    # Hop n of an origin read by group g continues as hop n+1 of that origin forwarded via g.
    after: dict[tuple[str, int, str], list[Hop]] = {}
    for h in hops:
        if h.origin is not None and h.hop is not None:
            after.setdefault((h.origin, h.hop, h.via), []).append(h)
    out: list[TracePath] = []

    def walk(origin: str, so_far: tuple[Hop, ...]) -> None:
        last = so_far[-1]
        nxt = after.get((origin, (last.hop or 0) + 1, last.group or "")) if last.group else None
        if not nxt or len(so_far) >= _MAX_DEPTH:
            out.append(TracePath(origin, so_far))
            return
        for h in nxt:
            walk(origin, (*so_far, h))

    for (origin, hop, _via), starts in sorted(after.items()):
        if hop == 0:
            for h in starts:
                walk(origin, (h,))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class HopLatency:
    """Alert input: a hop's latency and end-to-end latency over its recent minutes."""

    hop: Hop
    latency: LatencyStats
    e2e: LatencyStats | None

    @property
    def p99_ms(self) -> int:
        """The hop latency's p99."""
        return self.latency.p99_ms

    @property
    def max_ms(self) -> int:
        """The largest hop latency."""
        return self.latency.max_ms

    @property
    def e2e_p99_ms(self) -> int | None:
        """The end-to-end latency's p99, if the hop's records carried their origin time."""
        return None if self.e2e is None else self.e2e.p99_ms


def _last_receive(m: MinuteCount) -> float:
    # A record of this minute was received at most a minute plus its latency after the minute began.
    worst = max(s.max_ms for s in (m.latency, m.e2e) if s is not None)
    return m.minute + 60 + worst / 1000


def hop_latencies(model: TraceModel, *, group: str = "*", topic: str = "*", producer: str = "*",
                  minutes: int | None = 5, since: float | None = None) -> list[HopLatency]:
    """Latency of each hop matching the globs over its most recent minutes that had records.

    ``producer`` matches the origin producer or a client that wrote the hop. ``minutes`` keeps the
    last so many minutes with records (``None``: all); ``since`` (seconds since the epoch) keeps
    only minutes whose records can have been received at or after it -- minutes are by record
    timestamp, so a minute counts while a minute plus its largest latency has not passed ``since``.
    For an alert rule on end-to-end latency: fire when ``e2e`` (or ``latency`` for one hop) is above
    a threshold. The p99 over several minutes is the largest per-minute p99 (the safe side).

    >>> acc = TraceAccumulator()
    >>> lat = {"count": 1, "sum": 900, "min": 900, "max": 900, "bins": [[91, 1]]}
    >>> acc.add({"v": 1, "kind": "consumer", "client_id": "c1", "group": "sink", "sample_rate": None,
    ...          "rows": [{"topic": "t", "partition": 0, "bucket": 0, "count": 1}],
    ...          "samples": [{"topic": "t", "partition": 0, "bucket": 0, "origin": "replay", "hop": 0,
    ...                       "via": "", "count": 1, "latency": lat, "e2e": None}]})
    >>> model = acc.model(now=100.0)
    >>> [(x.hop.route, x.e2e.max_ms) for x in hop_latencies(model, producer="rep*", since=60.0)]
    [('replay -> t -> sink', 900)]
    >>> hop_latencies(model, since=61.0)  # received by 60.9 s at the latest
    []
    """
    out = []
    for h in model.hops:
        if h.group is None or not fnmatchcase(h.group, group) or not fnmatchcase(h.topic, topic):
            continue
        if producer != "*" and not any(fnmatchcase(c, producer) for c in (h.origin, *h.producers) if c):
            continue
        recent = [m for m in h.minutes if m.latency is not None]
        if since is not None:
            recent = [m for m in recent if _last_receive(m) >= since]
        if minutes is not None:
            recent = recent[-minutes:]
        lat = _stats_sum(m.latency for m in recent)
        if lat is None:
            continue
        out.append(HopLatency(h, lat, _stats_sum(m.e2e for m in recent)))
    return out


def inactive_producers(model: TraceModel, *, client_id: str = "*") -> list[ProducerTrace]:
    """Producers matching the glob that produced nothing for ``model.inactive_after`` seconds."""
    return [p for p in model.producers if not p.active and fnmatchcase(p.client_id, client_id)]


class TraceReader:
    """Reads ``__airstream_metrics`` incrementally and returns a fresh :class:`TraceModel` per refresh.

    ``config``: client configuration (only the connection keys are used). The reader assigns the
    topic's partitions itself, starting ``window`` seconds back, and never joins or creates a
    consumer group. Blocking: call it from a worker thread in a UI.

    Example::

        reader = TraceReader({"bootstrap.servers": "localhost:9092"}, inactive_after=120)
        model = reader.refresh()
        for path in model.paths:
            print(path.text, path.e2e)
        reader.close()
    """

    def __init__(self, config: Mapping[str, Any], *, topic: str = METRICS_TOPIC, window: float = 3600.0,
                 inactive_after: float = 300.0, timeout: float = 10.0) -> None:
        self.topic = topic
        self.inactive_after = inactive_after
        self.timeout = timeout
        self._config = {**connection_config(config), "group.id": f"airmon-traces-{uuid.uuid4().hex[:8]}",
                        "enable.auto.commit": False, "enable.auto.offset.store": False}
        self._consumer: Any = None
        self._next: dict[int, int] = {}  # partition -> next offset to read
        self.accumulator = TraceAccumulator(window)

    def __repr__(self) -> str:
        return f"TraceReader(topic={self.topic!r}, bootstrap={self._config.get('bootstrap.servers')!r})"

    def refresh(self) -> TraceModel:
        """Read what was published since the last refresh; problems become messages, never raise."""
        messages: list[StatusMessage] = []
        try:
            self._read(messages)
        except Exception as exc:  # broker down, authorization: show it, keep what was read before
            # Client errors may quote configuration values; passwords must not reach the screen.
            text = scrub(f"{type(exc).__name__}: {exc}", self._config)
            messages.append(StatusMessage(Severity.ERROR, "read traces", text, self.topic))
        return self.accumulator.model(inactive_after=self.inactive_after, messages=messages)

    def _read(self, messages: list[StatusMessage]) -> None:
        from confluent_kafka import Consumer, TopicPartition

        if self._consumer is None:
            self._consumer = Consumer(with_kafka_logger(self._config))
        c = self._consumer
        meta = c.list_topics(self.topic, timeout=self.timeout).topics.get(self.topic)
        if meta is None or meta.error is not None or not meta.partitions:
            messages.append(StatusMessage(
                Severity.INFO, "read traces", "no traces yet: the metrics topic does not exist. Use "
                "airstream.topology.tracing.TracingProducer / TracingConsumer in the clients to trace.", self.topic))
            return
        new = [p for p in meta.partitions if p not in self._next]
        if new:
            since = int((time.time() - self.accumulator.window) * 1000)
            starts = c.offsets_for_times([TopicPartition(self.topic, p, since) for p in new], timeout=self.timeout)
            for tp in starts:
                self._next[tp.partition] = tp.offset  # -1 (end) when nothing is that recent
        ends = {}
        for p in self._next:
            low, high = c.get_watermark_offsets(TopicPartition(self.topic, p), timeout=self.timeout)
            start = self._next[p]
            if start < 0 or start < low:
                start = high if start < 0 else low
            self._next[p] = start
            if start < high:
                ends[p] = high
        if not ends:
            return
        c.assign([TopicPartition(self.topic, p, self._next[p]) for p in ends])
        deadline = time.monotonic() + self.timeout
        while ends and time.monotonic() < deadline:
            for m in c.consume(500, 0.5):
                if m.error() is not None:
                    continue
                p = m.partition()
                self._next[p] = m.offset() + 1
                try:
                    self.accumulator.add(orjson.loads(m.value() or b"null"))
                except (ValueError, orjson.JSONDecodeError) as exc:
                    self.accumulator.skipped += 1
                    if self.accumulator.skipped <= 3:
                        messages.append(StatusMessage(Severity.WARNING, "read traces",
                                                      f"skipped offset {m.offset()}: {exc}", f"{self.topic}[{p}]"))
                if p in ends and self._next[p] >= ends[p]:
                    del ends[p]
        if ends:
            messages.append(StatusMessage(Severity.WARNING, "read traces", f"not caught up after {self.timeout:g} s; "
                                          "the rest follows on the next refresh", self.topic))
        c.unassign()

    def close(self) -> None:
        """Close the reading consumer."""
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


def read_traces(config: Mapping[str, Any], *, window: float = 3600.0, inactive_after: float = 300.0,
                timeout: float = 10.0) -> TraceModel:
    """One-shot read of the last ``window`` seconds of traces (for ``airmon snapshot --json``).

    Example::

        document = snapshot.as_dict()
        document["traces"] = read_traces({"bootstrap.servers": "localhost:9092"}).as_dict()
    """
    reader = TraceReader(config, window=window, inactive_after=inactive_after, timeout=timeout)
    try:
        return reader.refresh()
    finally:
        reader.close()
