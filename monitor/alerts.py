"""Alert evaluation: rules against snapshots, with a pending -> firing -> resolved state machine.

Each rule is evaluated per *subject* (a consumer group or a topic it matches). When its condition
starts to hold, an alert for ``(rule, subject)`` becomes **pending**; once it has held for the rule's
``for:`` duration it becomes **firing** and one ``firing`` :class:`AlertEvent` is emitted. When the
condition stops holding, a firing alert emits one ``resolved`` event and is closed; a pending one is
dropped quietly. An open alert never emits a second ``firing`` event, so notifiers are told once on
open and once on resolve.

A :class:`~airstream.monitor.rules.Silence` (from the rules file, or :meth:`AlertEngine.silence` on
screen) mutes an alert until it expires: the alert is still evaluated and listed, its events carry
``silenced_until``, and the dispatcher does not send its opening (it still sends the resolution of an
alert it had announced). If the silence ends while the alert still fires, a new ``firing`` event
announces it. :meth:`AlertEngine.acknowledge` marks an alert as being handled; it stays firing.

Example::

    >>> from airstream.monitor.rules import parse_rules
    >>> from airstream.monitor.model import ClusterSnapshot, GroupInfo, PartitionInfo, TopicInfo, GroupPartition
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
    ['FIRING warning quiet [producer replay]: produced nothing for 1m30s above 1m00s']
"""

from __future__ import annotations

import enum
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airstream.monitor.model import BrokerInfo, BrokerMemory, ClusterSnapshot, GroupInfo, PartitionInfo, TopicInfo
from airstream.monitor.rules import Rule, RuleKind, RuleSet, Silence
from airstream.monitor.traces import TraceModel, hop_latencies
from airstream.monitor.widgets.format import fmt_duration

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
    silenced_until: float | None = None
    acknowledged_at: float | None = None
    cluster: str | None = None
    """The cluster's name when airmon watches several (``--cluster NAME=...``)."""

    @property
    def silenced(self) -> bool:
        """Whether a silence covered the alert when this event was made: notifiers are not told."""
        return self.silenced_until is not None

    @property
    def where(self) -> str:
        """The subject, after its cluster's name when there is one: ``group g``, ``prod: group g``."""
        return f"{self.cluster + ': ' if self.cluster else ''}{self.subject_kind} {self.subject}"

    @property
    def text(self) -> str:
        """One line: ``FIRING critical rule [group g]: message`` (``[prod: group g]`` for a named cluster)."""
        return f"{self.state.value.upper()} {self.severity} {self.rule} [{self.where}]: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (what the webhook posts)."""
        return {"rule": self.rule, "subject_kind": self.subject_kind, "subject": self.subject,
                "state": self.state.value, "severity": self.severity, "value": self.value,
                "message": self.message, "at": self.at, "since": self.since, "labels": dict(self.labels),
                "silenced_until": self.silenced_until, "acknowledged_at": self.acknowledged_at, "cluster": self.cluster}


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
    silenced_until: float | None = None
    acknowledged_at: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """``(rule name, subject kind, subject)``: what identifies an alert."""
        return self.rule.name, self.subject_kind, self.subject

    cluster: str | None = None

    def event(self, state: AlertState, at: float) -> AlertEvent:
        """The event announcing this alert in ``state``."""
        return AlertEvent(self.rule.name, self.subject_kind, self.subject, state, self.rule.severity, self.value,
                          self.message, at, self.since, self.rule.labels, self.silenced_until, self.acknowledged_at,
                          self.cluster)


# (subject kind, subject, value, message) for every subject on which a rule's condition holds
_Hit = tuple[str, str, "float | str | None", str]


def _escape(text: str) -> str:
    """``text`` as a glob that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _brokers(ids: set[int]) -> str:
    return f"broker{'' if len(ids) == 1 else 's'} {', '.join(map(str, sorted(ids)))}"


def _fmt_seconds(value: float) -> str:
    return "never (not shrinking)" if math.isinf(value) else fmt_duration(value)


class AlertEngine:
    """Evaluates a :class:`~airstream.monitor.rules.RuleSet` against each snapshot and keeps alert state.

    ``idle_seconds(topic)`` answers topic_idle rules (pass ``History.idle_seconds``); without it those
    rules never hold. Trace rules hold only on the ``traces`` given to :meth:`evaluate`.
    ``history_size`` bounds the kept list of past events. ``cluster`` names the cluster in every event
    (when airmon watches several).
    """

    def __init__(self, rules: RuleSet, idle_seconds: Callable[[str], float | None] | None = None,
                 history_size: int = 500, cluster: str | None = None) -> None:
        self.rules = rules
        self.cluster = cluster
        self._idle = idle_seconds
        self._lock = threading.RLock()  # the UI acknowledges and silences while a worker evaluates
        self._silences: list[Silence] = list(rules.silences)
        self._open: dict[tuple[str, str, str], Alert] = {}
        self._brokers = BrokerMemory()
        self._down: tuple[BrokerInfo, ...] = ()  # brokers gone at the snapshot being evaluated
        self.history: deque[AlertEvent] = deque(maxlen=history_size)

    @property
    def active(self) -> list[Alert]:
        """Open alerts, pending and firing, in rule order."""
        with self._lock:
            return list(self._open.values())

    @property
    def firing(self) -> list[Alert]:
        """Alerts that fire now, silenced or not."""
        with self._lock:
            return [a for a in self._open.values() if a.state is AlertState.FIRING]

    @property
    def silences(self) -> list[Silence]:
        """Silences from the rules file and the screen, expired ones included until they are pruned."""
        with self._lock:
            return list(self._silences)

    # -- acknowledging and silencing ---------------------------------------------------------------------

    def acknowledge(self, key: tuple[str, str, str], at: float) -> bool:
        """Mark the open alert ``key`` (see :attr:`Alert.key`) acknowledged: someone is on it. It stays
        listed; notifiers drop what they still had queued for it and are next told of its resolution."""
        with self._lock:
            alert = self._open.get(key)
            if alert is None:
                return False
            alert.acknowledged_at = at
            return True

    def silence(self, key: tuple[str, str, str], until: float, comment: str = "") -> Silence:
        """Silence one alert's notifications until ``until``; a later silence of it replaces this one."""
        rule, kind, subject = key
        silence = Silence(until, _escape(rule), f"{kind} {_escape(subject)}", comment, origin="screen")
        with self._lock:
            self._silences = [s for s in self._silences
                              if not (s.origin == "screen" and (s.rule, s.subject) == (silence.rule, silence.subject))]
            self._silences.append(silence)
            alert = self._open.get(key)
            if alert is not None:
                alert.silenced_until = until
        return silence

    def unsilence(self, key: tuple[str, str, str], now: float) -> int:
        """Drop the screen's silences of one alert (a rules file's stay); returns how many were dropped."""
        rule, kind, subject = key
        with self._lock:
            mine = (_escape(rule), f"{kind} {_escape(subject)}")
            kept = [s for s in self._silences if not (s.origin == "screen" and (s.rule, s.subject) == mine)]
            dropped, self._silences = len(self._silences) - len(kept), kept
            alert = self._open.get(key)
            if alert is not None:
                alert.silenced_until = self._silenced_until(alert, now)
            return dropped

    def _silenced_until(self, alert: Alert, now: float) -> float | None:
        ends = [s.until for s in self._silences if s.covers(alert.rule.name, alert.subject_kind, alert.subject, now)]
        return max(ends) if ends else None

    def evaluate(self, snapshot: ClusterSnapshot, *, traces: TraceModel | None = None,
                 ignore_for: bool = False) -> list[AlertEvent]:
        """Apply every rule to ``snapshot`` (and trace rules to ``traces``); return the alerts that
        opened or resolved on this refresh.

        ``ignore_for`` fires at once when a condition holds (a one-shot ``airmon check`` cannot wait out
        a ``for:`` duration). Subjects missing from a snapshot with errors keep their alerts, and so do
        trace alerts while the traces are missing or could not be read: a failed refresh is not
        evidence that the problem went away.
        """
        with self._lock:
            return self._evaluate(snapshot, traces, ignore_for)

    def _evaluate(self, snapshot: ClusterSnapshot, traces: TraceModel | None, ignore_for: bool) -> list[AlertEvent]:
        now = snapshot.taken_at
        events: list[AlertEvent] = []
        seen: set[tuple[str, str, str]] = set()
        self._down = self._brokers.down(snapshot)
        self._silences = [s for s in self._silences if s.active(now) or s.origin == "rules file"]
        for rule in self.rules.rules:
            hits = self._trace_hits(rule, traces) if rule.kind.about_traces else self._hits(rule, snapshot)
            for kind, subject, value, message in hits:
                key = (rule.name, kind, subject)
                seen.add(key)
                alert = self._open.get(key)
                if alert is None:
                    alert = self._open[key] = Alert(rule, kind, subject, AlertState.PENDING, now, value, message,
                                                    cluster=self.cluster)
                alert.value, alert.message = value, message
                was_silenced, alert.silenced_until = alert.silenced_until, self._silenced_until(alert, now)
                if alert.state is AlertState.FIRING and was_silenced is not None and alert.silenced_until is None:
                    # The silence ended on an alert that still fires: notifiers not told of it hear now.
                    events.append(alert.event(AlertState.FIRING, now))
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
        if alert.subject_kind == "topic":
            return snapshot.topic(alert.subject) is not None
        return False  # brokers: a failed refresh cannot tell whether they came back

    def _hits(self, rule: Rule, snapshot: ClusterSnapshot) -> Iterator[_Hit]:
        if rule.kind.about_groups:
            for group in snapshot.groups:
                if rule.matches_group(group.group_id):
                    hit = self._group_hit(rule, group)
                    if hit is not None:
                        yield ("group", group.group_id, *hit)
            return
        if rule.kind is RuleKind.BROKER_DOWN:
            yield from self._broker_hits(snapshot)
            return
        if rule.kind is RuleKind.OFFLINE_PARTITIONS:
            yield from self._offline_hits(rule, snapshot)
            return
        down = {b.id for b in self._down}
        for topic in snapshot.topics:
            if not rule.matches_topic(topic.name, topic.internal) or topic.error:
                continue
            if rule.kind is RuleKind.UNDER_REPLICATED:
                hit = self._under_replicated_hit(rule, topic, down)
                if hit is not None:
                    yield ("topic", topic.name, *hit)
                continue
            value = self._idle(topic.name) if self._idle else None
            if value is not None and rule.above is not None and value > rule.above:
                yield ("topic", topic.name, value,
                       f"idle for {_fmt_seconds(value)} above {_fmt_seconds(rule.above)}")

    # -- the cluster: one alert per cause --------------------------------------------------------------

    def _broker_hits(self, snapshot: ClusterSnapshot) -> Iterator[_Hit]:
        for gone in self._down:
            broker = gone.id
            lost = [p for p in snapshot.partitions() if broker in p.replicas]
            offline = sum(p.offline for p in lost)
            topics = len({p.topic for p in lost})
            where = f" ({gone.address})" if gone.host else ""
            effect = (f"{_count(len(lost), 'partition')} in {_count(topics, 'topic')} lost a replica"
                      f"{f', {offline} offline' if offline else ''}" if lost else "it held no replicas")
            yield "broker", str(broker), len(lost), f"broker {broker}{where} is not in the cluster: {effect}"

    def _explained_by_down_brokers(self, missing: set[int], down: set[int]) -> bool:
        """Whether a ``broker_down`` rule already reports every broker behind ``missing`` replicas."""
        return bool(missing) and missing <= down and any(r.kind is RuleKind.BROKER_DOWN for r in self.rules.rules)

    def _under_replicated_hit(self, rule: Rule, topic: TopicInfo, down: set[int]) -> tuple[float, str] | None:
        urp = [p for p in topic.partitions if p.under_replicated]
        if rule.above is None or len(urp) <= rule.above:
            return None
        missing = {r for p in urp for r in p.replicas if r not in p.isr}
        if self._explained_by_down_brokers(missing, down):
            return None  # one alert per cause: the broker_down alert counts these partitions
        return len(urp), (f"{len(urp)} of {_count(topic.partition_count, 'partition')} under-replicated "
                          f"(out of sync on {_brokers(missing)})")

    def _offline_hits(self, rule: Rule, snapshot: ClusterSnapshot) -> Iterator[_Hit]:
        # Grouped by the brokers that hold the replicas: one broker (or set) gone, one alert.
        by_brokers: dict[tuple[int, ...], list[PartitionInfo]] = {}
        for topic in snapshot.topics:
            if rule.matches_topic(topic.name, topic.internal) and not topic.error:
                for p in topic.partitions:
                    if p.offline:
                        by_brokers.setdefault(tuple(sorted(p.replicas)), []).append(p)
        for brokers, partitions in sorted(by_brokers.items()):
            if rule.above is not None and len(partitions) > rule.above:
                topics = sorted({p.topic for p in partitions})
                shown = ", ".join(topics[:5]) + (f" and {len(topics) - 5} more" if len(topics) > 5 else "")
                yield ("brokers", ",".join(map(str, brokers)) or "none", len(partitions),
                       f"{_count(len(partitions), 'partition')} offline, every replica on "
                       f"{_brokers(set(brokers))} ({shown})")

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

