"""The trace model: what the traces tell at one moment, immutable.

A :class:`TraceModel`, made by :class:`~airstream.monitor.traces.accumulator.TraceAccumulator`, holds:

* **producers** -- client id, the topics and partitions written, last seen, active or not
  (inactive when nothing was produced for ``inactive_after`` seconds);
* **hops** -- one per *writer -> topic -> consumer group*: the writer is the origin producer at
  hop 0 and the forwarding group (a topology's ``application.id``) after that; with the count
  produced (what the group should get), the count consumed, the hop latency (receive time minus
  this hop's produce time), the end-to-end latency (receive time minus the origin's produce time)
  and both per minute, so a gap between produced and consumed in a minute shows loss or delay;
* **paths** -- multi-hop routes from an origin producer, e.g. ``replay -> tweets -> scorer ->
  scored -> alerts-sink``, one hop per topic.

:func:`hop_latencies` and :func:`inactive_producers` are the inputs for alert rules.

>>> hop = Hop("replay", 0, "", "tweets", "scorer", produced=3, consumed=2)
>>> hop.text, hop.missing
('replay -> tweets -> scorer', 1)
>>> model = TraceModel(taken_at=62.0, hops=(hop,), paths=(TracePath("replay", (hop,)),))
>>> model.hop("replay", "tweets", "scorer") == hop, [p.text for p in model.paths_through("scorer")]
(True, ['replay -> tweets -> scorer'])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from airstream.common.traces.histogram import LatencyHistogram
from airstream.monitor.model import Severity, StatusMessage

__all__ = [
    "Hop",
    "HopLatency",
    "LatencyStats",
    "MinuteCount",
    "ProducerTrace",
    "TopicWrite",
    "TraceModel",
    "TracePath",
    "hop_latencies",
    "inactive_producers",
]


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
    are over the consumers' sampled records (their ``count`` is the sample size). ``via_run`` is the
    run of the forwarding group that wrote the records, ``runs`` those of ``group`` reading them
    (:func:`airstream.common.traces.header.run_id`): paths chain a hop only to what the same run wrote.
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
    via_run: str = ""
    runs: tuple[str, ...] = ()

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
        return {"origin": self.origin, "hop": self.hop, "via": self.via, "via_run": self.via_run,
                "writer": self.writer, "topic": self.topic, "group": self.group, "produced": self.produced,
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

    >>> lat = LatencyStats(count=1, min_ms=900, avg_ms=900.0, max_ms=900, p99_ms=900)
    >>> hop = Hop("replay", 0, "", "t", "sink", None, 1, lat, lat, minutes=(MinuteCount(0.0, None, 1, lat, lat),))
    >>> model = TraceModel(taken_at=100.0, hops=(hop,))
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
