"""Alert evaluation: rules against snapshots, with a pending -> firing -> resolved state machine.

Each rule is evaluated per *subject* (a consumer group or a topic it matches). When its condition
starts to hold, an alert for ``(rule, subject)`` becomes **pending**; once it has held for the rule's
``for:`` duration it becomes **firing** and one ``firing`` :class:`AlertEvent` is emitted. When the
condition stops holding, a firing alert emits one ``resolved`` event and is closed; a pending one is
dropped quietly. An open alert never emits a second ``firing`` event, so notifiers are told once on
open and once on resolve.

Example::

    >>> from airstream.monitor.rules import parse_rules
    >>> from airstream.monitor.model import ClusterSnapshot, GroupInfo, GroupPartition
    >>> rules = parse_rules({"rules": [{"name": "behind", "kind": "group_lag", "above": 100, "for": "10s"}]})
    >>> engine = AlertEngine(rules)
    >>> def at(t, lag):
    ...     g = GroupInfo("scorer", "Stable", partitions=(GroupPartition("t", 0, 0, lag),))
    ...     return ClusterSnapshot(taken_at=t, groups=(g,))
    >>> engine.evaluate(at(0, 500)), [a.state.value for a in engine.active]
    ([], ['pending'])
    >>> [e.text for e in engine.evaluate(at(10, 600))]
    ['FIRING warning behind [group scorer]: lag 600 above 100']
    >>> engine.evaluate(at(20, 700)), [e.state.value for e in engine.evaluate(at(30, 0))]
    ([], ['resolved'])

Rules on message traces (``e2e_latency``, ``producer_inactive``) are judged on the
:class:`~airstream.monitor.traces.TraceModel` passed as ``traces=``; their subjects are a hop's route
(``origin -> topic -> group``) or a producer's ``client.id``::

    >>> from airstream.monitor.traces import TraceAccumulator
    >>> acc = TraceAccumulator()
    >>> acc.add({"v": 1, "kind": "producer", "client_id": "replay", "last_ms": 10_000, "rows": []})
    >>> quiet = AlertEngine(parse_rules({"rules": [{"name": "quiet", "kind": "producer_inactive", "above": "1m"}]}))
    >>> [e.text for e in quiet.evaluate(at(100, 0), traces=acc.model(now=100.0))]
    ['FIRING warning quiet [producer replay]: produced nothing for 1.5m above 1.0m']
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airstream.monitor.model import ClusterSnapshot, GroupInfo
from airstream.monitor.rules import Rule, RuleKind, RuleSet
from airstream.monitor.traces import TraceModel, hop_latencies

__all__ = ["Alert", "AlertEngine", "AlertEvent", "AlertState"]


class AlertState(enum.StrEnum):
    """Where an alert is in its life."""

    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert opening (``firing``) or closing (``resolved``): what notifiers send."""

    rule: str
    subject_kind: str
    subject: str
    state: AlertState
    severity: str
    value: float | str | None
    message: str
    at: float
    since: float
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """One line: ``FIRING critical rule [group g]: message``."""
        return f"{self.state.value.upper()} {self.severity} {self.rule} [{self.subject_kind} {self.subject}]: " \
               f"{self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (what the webhook posts)."""
        return {"rule": self.rule, "subject_kind": self.subject_kind, "subject": self.subject,
                "state": self.state.value, "severity": self.severity, "value": self.value,
                "message": self.message, "at": self.at, "since": self.since, "labels": dict(self.labels)}


@dataclass(slots=True)
class Alert:
    """An open alert (pending or firing) of one rule on one subject."""

    rule: Rule
    subject_kind: str
    subject: str
    state: AlertState
    since: float
    value: float | str | None
    message: str
    fired_at: float | None = None

    def event(self, state: AlertState, at: float) -> AlertEvent:
        """The event announcing this alert in ``state``."""
        return AlertEvent(self.rule.name, self.subject_kind, self.subject, state, self.rule.severity, self.value,
                          self.message, at, self.since, self.rule.labels)


# (subject kind, subject, value, message) for every subject on which a rule's condition holds
_Hit = tuple[str, str, "float | str | None", str]


def _fmt_seconds(value: float) -> str:
    if math.isinf(value):
        return "never (not shrinking)"
    for unit, size in (("h", 3600), ("m", 60)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.1f}s" if value >= 1 else f"{value * 1000:.0f}ms"


class AlertEngine:
    """Evaluates a :class:`~airstream.monitor.rules.RuleSet` against each snapshot and keeps alert state.

    ``idle_seconds(topic)`` answers topic_idle rules (pass ``History.idle_seconds``); without it those
    rules never hold. Trace rules hold only on the ``traces`` given to :meth:`evaluate`.
    ``history_size`` bounds the kept list of past events.
    """

    def __init__(self, rules: RuleSet, idle_seconds: Callable[[str], float | None] | None = None,
                 history_size: int = 500) -> None:
        self.rules = rules
        self._idle = idle_seconds
        self._open: dict[tuple[str, str, str], Alert] = {}
        self.history: deque[AlertEvent] = deque(maxlen=history_size)

    @property
    def active(self) -> list[Alert]:
        """Open alerts, pending and firing, in rule order."""
        return list(self._open.values())

    @property
    def firing(self) -> list[Alert]:
        """Alerts that fire now."""
        return [a for a in self._open.values() if a.state is AlertState.FIRING]

    def evaluate(self, snapshot: ClusterSnapshot, *, traces: TraceModel | None = None,
                 ignore_for: bool = False) -> list[AlertEvent]:
        """Apply every rule to ``snapshot`` (and trace rules to ``traces``); return the alerts that
        opened or resolved on this refresh.

        ``ignore_for`` fires at once when a condition holds (a one-shot ``airmon check`` cannot wait out
        a ``for:`` duration). Subjects missing from a snapshot with errors keep their alerts, and so do
        trace alerts while the traces are missing or could not be read: a failed refresh is not
        evidence that the problem went away.
        """
        now = snapshot.taken_at
        events: list[AlertEvent] = []
        seen: set[tuple[str, str, str]] = set()
        for rule in self.rules.rules:
            hits = self._trace_hits(rule, traces) if rule.kind.about_traces else self._hits(rule, snapshot)
            for kind, subject, value, message in hits:
                key = (rule.name, kind, subject)
                seen.add(key)
                alert = self._open.get(key)
                if alert is None:
                    alert = self._open[key] = Alert(rule, kind, subject, AlertState.PENDING, now, value, message)
                alert.value, alert.message = value, message
                if alert.state is AlertState.PENDING and (ignore_for or now - alert.since >= rule.for_seconds):
                    alert.state, alert.fired_at = AlertState.FIRING, now
                    events.append(alert.event(AlertState.FIRING, now))
        for key in [k for k in self._open if k not in seen]:
            alert = self._open[key]
            if alert.rule.kind.about_traces:
                if traces is None or not traces.ok:
                    continue
            elif not snapshot.ok and not self._present(alert, snapshot):
                continue
            del self._open[key]
            if alert.state is AlertState.FIRING:
                events.append(alert.event(AlertState.RESOLVED, now))
        self.history.extend(events)
        return events

    @staticmethod
    def _present(alert: Alert, snapshot: ClusterSnapshot) -> bool:
        if alert.subject_kind == "group":
            return snapshot.group(alert.subject) is not None
        return snapshot.topic(alert.subject) is not None

    def _hits(self, rule: Rule, snapshot: ClusterSnapshot) -> Iterator[_Hit]:
        if rule.kind.about_groups:
            for group in snapshot.groups:
                if rule.matches_group(group.group_id):
                    hit = self._group_hit(rule, group)
                    if hit is not None:
                        yield ("group", group.group_id, *hit)
            return
        for topic in snapshot.topics:
            if not rule.matches_topic(topic.name, topic.internal) or topic.error:
                continue
            value: float | None
            if rule.kind is RuleKind.UNDER_REPLICATED:
                value, what = topic.under_replicated_count, "under-replicated partitions"
            elif rule.kind is RuleKind.OFFLINE_PARTITIONS:
                value, what = topic.offline_count, "offline partitions"
            else:
                value, what = (self._idle(topic.name) if self._idle else None), "idle for"
            if value is not None and rule.above is not None and value > rule.above:
                shown = _fmt_seconds(value) if rule.kind is RuleKind.TOPIC_IDLE else f"{value:g}"
                limit = _fmt_seconds(rule.above) if rule.kind is RuleKind.TOPIC_IDLE else f"{rule.above:g}"
                yield ("topic", topic.name, value, f"{what} {shown} above {limit}")

    @staticmethod
    def _trace_hits(rule: Rule, traces: TraceModel | None) -> Iterator[_Hit]:
        if traces is None or rule.above is None:
            return
        limit = _fmt_seconds(rule.above)
        if rule.kind is RuleKind.PRODUCER_INACTIVE:
            for p in traces.producers:
                if p.last_seen is None or not rule.matches_producer(p.client_id):
                    continue
                if rule.topic != "*" and not any(rule.matches_topic(t.topic, False) for t in p.topics):
                    continue
                silent = traces.taken_at - p.last_seen
                if silent > rule.above:
                    yield "producer", p.client_id, silent, f"produced nothing for {_fmt_seconds(silent)} above {limit}"
            return
        # One alert per route: hops that differ only in their hop count (a loop) count as the worst.
        worst: dict[str, float] = {}
        for x in hop_latencies(traces, group=rule.group, topic=rule.topic, producer=rule.producer, minutes=None,
                               since=traces.taken_at - rule.window):
            if x.e2e is not None:
                value = {"p99": x.e2e.p99_ms, "avg": x.e2e.avg_ms, "max": x.e2e.max_ms}[rule.stat] / 1000
                worst[x.hop.route] = max(value, worst.get(x.hop.route, value))
        for route, value in worst.items():
            if value > rule.above:
                last = _fmt_seconds(rule.window)
                yield "hop", route, value, f"end-to-end {rule.stat} {_fmt_seconds(value)} above {limit} (last {last})"

    @staticmethod
    def _group_hit(rule: Rule, group: GroupInfo) -> tuple[float | str, str] | None:
        if rule.kind is RuleKind.GROUP_STATUS:
            found = [s for s in [group.status, *(p.status for p in group.partitions)]
                     if s is not None and s in rule.statuses]
            if not found:
                return None
            worst = max(found, key=lambda s: s.rank)
            where = [f"{p.topic}/{p.partition}" for p in group.partitions if p.status is worst]
            detail = f" on {', '.join(where[:5])}{' ...' if len(where) > 5 else ''}" if where else ""
            return worst.value, f"status {worst.value}{detail}"
        value: float | None
        if rule.kind is RuleKind.GROUP_LAG:
            value = float(group.total_lag)
        elif rule.kind is RuleKind.TIME_LAG:
            value = group.max_time_lag
        else:  # TIME_TO_DRAIN: a lag that is not shrinking never drains
            value = group.time_to_drain
            if value is None and group.consume_rate is not None and group.total_lag > 0:
                value = math.inf
        if value is None or rule.above is None or value <= rule.above:
            return None
        if rule.kind is RuleKind.GROUP_LAG:
            return value, f"lag {value:g} above {rule.above:g}"
        label = "oldest unconsumed record is" if rule.kind is RuleKind.TIME_LAG else "time to drain"
        return value, f"{label} {_fmt_seconds(value)} above {_fmt_seconds(rule.above)}"

