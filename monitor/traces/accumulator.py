"""Metrics records added up into a :class:`~airstream.monitor.traces.model.TraceModel`.

Traced clients (:mod:`airstream.topology.tracing`) publish per-minute deltas: producers count what they
write per topic, minute and trace path (origin producer, hop count, the group that forwarded it);
consumers count what they receive per topic, partition and minute, and report the paths and
latencies of a sample of it. :class:`TraceAccumulator` adds those deltas up; making a model, it splits
each group's exact counts over the paths that wrote into the topic (:func:`attribute`: exact when
the group has read all that was produced, or when the consumer read every header) and chains hop *n*
read by group *g* to hop *n+1* forwarded via *g* into multi-hop paths.

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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airstream.common.traces.header import split_via
from airstream.common.traces.histogram import LatencyHistogram
from airstream.common.traces.record import UNTRACED, PathRow, RecordPath, SampledLatency, read_path_row
from airstream.monitor.model import StatusMessage
from airstream.monitor.traces.model import (
    Hop,
    LatencyStats,
    MinuteCount,
    ProducerTrace,
    TopicWrite,
    TraceModel,
    TracePath,
)

__all__ = ["TraceAccumulator", "attribute"]

_MAX_DEPTH = 256


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
    produced (exact) and any surplus goes to the paths the sample saw that no producer reported, else
    to the paths that did write (a producer's latest counts are published a little after its
    records are read); it goes to untraced ("?") only when the sample saw untraced records, or
    nothing at all is known of who wrote. Otherwise the count is shared in proportion to the sample
    (else to what was produced), never giving a path more than it produced.

    >>> attribute(10, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {})
    {('p1', 0, ''): 6, ('p2', 0, ''): 4}
    >>> attribute(12, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {})   # p1's last two not reported yet
    {('p1', 0, ''): 7, ('p2', 0, ''): 5}
    >>> attribute(12, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {(None, None, ""): 1})[(None, None, "")]
    2
    >>> attribute(3, {}, {})
    {(None, None, ''): 3}
    >>> attribute(5, {("p1", 0, ""): 6, ("p2", 0, ""): 4}, {("p1", 0, ""): 1})
    {('p1', 0, ''): 5, ('p2', 0, ''): 0}
    """
    total = sum(produced.values())
    if consumed >= total:
        out = dict(produced)
        surplus = consumed - total
        if surplus:
            unreported = {p: n for p, n in sampled.items() if p not in produced}
            share = _share(surplus, unreported or dict(sampled) or dict(produced) or {UNTRACED: 1}, None)
            for p, n in share.items():
                out[p] = out.get(p, 0) + n
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
        self._runs: dict[tuple[str, str], set[str]] = {}  # (group, topic) -> runs of the group reading it
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
            self._add_consumed(client, str(record.get("group") or f"client:{client}"), consumed, samples, exact,
                               str(record.get("run") or ""))
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
                      exact: bool, run: str) -> None:
        for topic, bucket, count in rows:
            if run:
                self._runs.setdefault((group, topic), set()).add(run)
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
        hops = tuple(sorted(self._hops(), key=lambda h: (h.origin or "", h.hop or 0, h.via, h.via_run, h.topic,
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
        origin, hop, forwarded_by = path
        via, via_run = split_via(forwarded_by)
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
                   tuple(sorted(self._readers.get((group, topic), ()))) if group else (), tuple(minutes), via_run,
                   tuple(sorted(self._runs.get((group, topic), ()))) if group else ())


def _paths(hops: tuple[Hop, ...]) -> tuple[TracePath, ...]:
    # Hop n of an origin read by group g continues as hop n+1 of that origin forwarded via g -- by the
    # same run of g: two deployments sharing a group id over different topics stay apart.
    after: dict[tuple[str, int, str], list[Hop]] = {}
    for h in hops:
        if h.origin is not None and h.hop is not None:
            after.setdefault((h.origin, h.hop, h.via), []).append(h)
    out: list[TracePath] = []

    def walk(origin: str, so_far: tuple[Hop, ...]) -> None:
        last = so_far[-1]
        nxt = after.get((origin, (last.hop or 0) + 1, last.group or ""), []) if last.group else []
        if last.runs:  # only what the run that read this hop wrote (clients that name no run match any)
            nxt = [h for h in nxt if not h.via_run or h.via_run in last.runs]
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
