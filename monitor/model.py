"""The cluster snapshot: immutable data that every airmon renderer draws from.

This module is the contract between the data side of airmon (sources, history, evaluators) and
everything that shows it (the Textual screens, ``airmon snapshot --json``, ``airmon check``).

How a snapshot is made and enriched
-----------------------------------
1. A :class:`~airstream.monitor.sources.Source` (``KafkaSource`` for a real cluster) takes one
   :class:`ClusterSnapshot`: brokers, topics with their partitions and watermarks, consumer groups
   with members and committed offsets. Nothing is fetched lazily; a snapshot is a value. Any failure
   during the refresh (broker unreachable, authorization error, a group that vanished mid-refresh) is
   recorded as a :class:`StatusMessage` in ``snapshot.messages`` -- a source never raises to its caller.
2. :meth:`airstream.monitor.history.History.record` keeps the snapshot in a ring buffer and returns an
   *enriched copy* in which the fields that need more than one point in time are filled in:
   ``TopicInfo.messages_in_per_sec``, ``GroupInfo.consume_rate``, ``GroupInfo.time_to_drain``,
   ``GroupInfo.status`` / ``GroupInfo.complete`` and ``GroupPartition.status`` (Burrow's lag rules,
   see :mod:`airstream.monitor.lag`). Before enough history exists these stay ``None``; render ``None`` as
   "unknown" (e.g. a dash), never as zero.
3. Series for charts come from the ``History`` object, not from the snapshot:
   ``History.lag_series(group_id, topic=None, partition=None)`` (lag trend sparklines, per-partition
   lag history), ``History.rate_series(topic)``, ``History.partition_rate(topic, partition)``,
   ``History.idle_seconds(topic)``, ``History.commit_window(group_id, topic, partition)`` (the commits
   the lag rules judged). ``History.snapshots`` keeps only the last few full snapshots.
4. Alerts: ``airstream.monitor.alerts.AlertEngine(rules, idle_seconds=history.idle_seconds).evaluate(snapshot)``
   returns the alerts that opened or resolved; ``.active`` / ``.firing`` / ``.history`` for the
   Alerts screen. Rules come from ``airstream.monitor.rules.load_rules("rules.yaml")``; build the ``History``
   with ``History(lag=rules.lag)`` so the lag settings of the file apply.

Rules for renderers
-------------------
* Treat every object here as read-only (they are frozen dataclasses with slots; collections are tuples
  and read-only mappings). To derive a changed value use :func:`dataclasses.replace`.
* Offsets are ``int``; an offset that is unknown is ``None`` (e.g. a group with no commit on a partition,
  or a watermark whose ``list_offsets`` request failed). ``lag`` is ``None`` when either side is unknown.
* Times are seconds since the epoch (``float``), durations are seconds (``float``), rates are per second.
* Broker, leader and coordinator ids are ``int``; ``-1`` means "none" (e.g. an offline partition's leader).
* Topic and group collections are sorted by name; partitions by number.
* Secrets never appear in a snapshot: ``source`` names only the bootstrap servers.

Example::

    >>> p = PartitionInfo("tweets", 0, leader=1, replicas=(1, 2), isr=(1,), low_watermark=5, high_watermark=12)
    >>> p.under_replicated, p.offline, p.messages
    (True, False, 7)
    >>> t = TopicInfo("tweets", partitions=(p,))
    >>> t.replication_factor, t.total_messages, t.end_offset_total
    (2, 7, 12)
    >>> gp = GroupPartition("tweets", 0, committed_offset=10, end_offset=12)
    >>> gp.lag
    2
    >>> g = GroupInfo("scorer", state="Stable", partitions=(gp,))
    >>> g.total_lag
    2
    >>> snap = ClusterSnapshot(taken_at=0.0, cluster_id="c1", controller_id=1, topics=(t,), groups=(g,))
    >>> snap.topic("tweets").partition_count, [g.group_id for g in snap.groups_reading("tweets")]
    (1, ['scorer'])
    >>> snap.as_dict()["groups"][0]["partitions"][0]["lag"]
    2
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import orjson

__all__ = [
    "LAG_FROM_COMMIT_LOG",
    "LAG_FROM_POLLING",
    "BrokerInfo",
    "BrokerMemory",
    "ClusterSnapshot",
    "CommitPoint",
    "EndOffset",
    "GroupInfo",
    "GroupPartition",
    "LagStatus",
    "MemberInfo",
    "PartitionInfo",
    "Severity",
    "StatusMessage",
    "TopicInfo",
    "TopicSetting",
]

_EMPTY: Mapping[str, str] = MappingProxyType({})

EndOffset = tuple[float, int]
"""A partition's log end offset at a moment: ``(time in seconds, offset)``."""

def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


LAG_FROM_COMMIT_LOG = "commit-log"
LAG_FROM_POLLING = "polling"


class LagStatus(enum.StrEnum):
    """Burrow's consumer status for a partition or a group (see :mod:`airstream.monitor.lag` for the rules).

    A partition is ``OK``, ``WARN``, ``STOP``, ``STALL`` or ``REWIND``, or ``UNKNOWN`` while there are
    too few commits to judge it (never ``OK`` for lack of evidence). A group takes its worst
    partition's status, where ``STOP``/``STALL``/``REWIND`` make the group ``ERR``; a group the source
    no longer sees is ``NOTFOUND``.

    >>> LagStatus.STALL.is_error, LagStatus.WARN.is_error, LagStatus.STALL.value
    (True, False, 'STALL')
    """

    NOTFOUND = "NOTFOUND"
    OK = "OK"
    UNKNOWN = "UNKNOWN"
    WARN = "WARN"
    ERR = "ERR"
    STOP = "STOP"
    STALL = "STALL"
    REWIND = "REWIND"

    @property
    def rank(self) -> int:
        """Badness, in Burrow's order with ``UNKNOWN`` after ``OK``: ``NOTFOUND`` 0, ``OK`` 1, ``UNKNOWN`` 2,
        ``WARN`` 3, ``ERR`` 4 ... ``REWIND`` 7."""
        return _STATUS_ORDER.index(self)

    @property
    def is_error(self) -> bool:
        """True for ``ERR``, ``STOP``, ``STALL`` and ``REWIND``: a consumer that needs a human."""
        return self.rank >= LagStatus.ERR.rank


_STATUS_ORDER = list(LagStatus)


class Severity(enum.StrEnum):
    """How bad a :class:`StatusMessage` is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """Something that went wrong (or is worth telling) during a refresh; shown in the status bar.

    ``operation`` is the request that produced it (``"describe_cluster"``, ``"list_offsets"``,
    ``"describe_consumer_groups"`` ...); ``subject`` the topic or group concerned, if any.

    >>> StatusMessage(Severity.ERROR, "describe_cluster", "broker unreachable").text
    'describe_cluster: broker unreachable'
    """

    severity: Severity
    operation: str
    message: str
    subject: str | None = None

    @property
    def text(self) -> str:
        """One line for a status bar or a log."""
        where = f"{self.operation} [{self.subject}]" if self.subject else self.operation
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"severity": self.severity.value, "operation": self.operation, "message": self.message,
                "subject": self.subject}


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """One broker of the cluster.

    >>> BrokerInfo(1, "127.0.0.1", 9092).address
    '127.0.0.1:9092'
    """

    id: int
    host: str
    port: int
    rack: str | None = None
    is_controller: bool = False

    @property
    def address(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"id": self.id, "host": self.host, "port": self.port, "rack": self.rack,
                "is_controller": self.is_controller}


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """One partition of a topic: placement and watermarks.

    ``low_watermark`` is the earliest offset still stored, ``high_watermark`` the offset the next record
    will get (the log end offset). Either is ``None`` when ``list_offsets`` failed for this partition;
    ``error`` then says why.
    """

    topic: str
    partition: int
    leader: int
    replicas: tuple[int, ...] = ()
    isr: tuple[int, ...] = ()
    low_watermark: int | None = None
    high_watermark: int | None = None
    error: str | None = None

    @property
    def under_replicated(self) -> bool:
        """Fewer in-sync replicas than assigned replicas."""
        return len(self.isr) < len(self.replicas)

    @property
    def offline(self) -> bool:
        """No leader: nobody can produce to or consume from this partition."""
        return self.leader < 0

    @property
    def messages(self) -> int | None:
        """Records currently stored (high minus low watermark); ``None`` if a watermark is unknown."""
        if self.low_watermark is None or self.high_watermark is None:
            return None
        return self.high_watermark - self.low_watermark

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, derived flags included."""
        return {"topic": self.topic, "partition": self.partition, "leader": self.leader,
                "replicas": list(self.replicas), "isr": list(self.isr),
                "low_watermark": self.low_watermark, "high_watermark": self.high_watermark,
                "messages": self.messages, "under_replicated": self.under_replicated,
                "offline": self.offline, "error": self.error}


@dataclass(frozen=True, slots=True)
class TopicSetting:
    """One configuration entry of a topic, and where its value comes from.

    ``source`` is ``"topic"`` (set on this topic: it differs from what the broker would give it),
    ``"broker"`` (set in the brokers' configuration, for every topic), or ``"default"`` (Kafka's own
    default). ``value`` is ``"***"`` for a sensitive entry, ``None`` when the broker sends none.
    """

    name: str
    value: str | None
    source: str = "default"
    read_only: bool = False

    @property
    def overridden(self) -> bool:
        """Whether the topic sets this itself (``kafka-configs --describe`` lists it)."""
        return self.source == "topic"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"name": self.name, "value": self.value, "source": self.source, "read_only": self.read_only}


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """A topic and its partitions.

    ``config`` is ``None`` unless it was asked for (``KafkaSource.topic_config``): describing configs
    of every topic on every refresh is expensive and the overview does not need it.
    ``messages_in_per_sec`` is filled in by ``History.record`` from end-offset deltas.
    """

    name: str
    internal: bool = False
    partitions: tuple[PartitionInfo, ...] = ()
    config: Mapping[str, str] | None = None
    messages_in_per_sec: float | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.config is not None and not isinstance(self.config, MappingProxyType):
            object.__setattr__(self, "config", MappingProxyType(dict(self.config)))

    @property
    def partition_count(self) -> int:
        """Number of partitions."""
        return len(self.partitions)

    @property
    def replication_factor(self) -> int:
        """Replicas per partition (the largest, should partitions differ during a reassignment)."""
        return max((len(p.replicas) for p in self.partitions), default=0)

    @property
    def total_messages(self) -> int:
        """Records stored over all partitions whose watermarks are known."""
        return sum(p.messages or 0 for p in self.partitions)

    @property
    def end_offset_total(self) -> int:
        """Sum of high watermarks: how many records were ever written (rates are its deltas)."""
        return sum(p.high_watermark or 0 for p in self.partitions)

    @property
    def under_replicated_count(self) -> int:
        """Partitions with fewer in-sync replicas than replicas."""
        return sum(p.under_replicated for p in self.partitions)

    @property
    def offline_count(self) -> int:
        """Partitions without a leader."""
        return sum(p.offline for p in self.partitions)

    def partition(self, number: int) -> PartitionInfo | None:
        """The partition with that number, or ``None``."""
        return next((p for p in self.partitions if p.partition == number), None)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, totals included."""
        return {"name": self.name, "internal": self.internal, "partition_count": self.partition_count,
                "replication_factor": self.replication_factor, "total_messages": self.total_messages,
                "end_offset_total": self.end_offset_total,
                "under_replicated_partitions": self.under_replicated_count,
                "offline_partitions": self.offline_count, "messages_in_per_sec": self.messages_in_per_sec,
                "config": dict(self.config) if self.config is not None else None, "error": self.error,
                "partitions": [p.as_dict() for p in self.partitions]}


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """A member of a consumer group and the partitions assigned to it (``(topic, partition)`` pairs)."""

    member_id: str
    client_id: str
    host: str
    group_instance_id: str | None = None
    assignments: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"member_id": self.member_id, "client_id": self.client_id, "host": self.host,
                "group_instance_id": self.group_instance_id,
                "assignments": [{"topic": t, "partition": p} for t, p in self.assignments]}


@dataclass(frozen=True, slots=True)
class CommitPoint:
    """One offset commit: the committed ``offset``, its ``timestamp`` (seconds) and the lag then.

    ``lag`` is ``None`` when the log end offset at that moment is not known; the lag rules skip such
    points but the offset rules still count them.
    """

    offset: int
    timestamp: float
    lag: int | None = None


@dataclass(frozen=True, slots=True)
class GroupPartition:
    """A group's position on one partition.

    ``committed_offset`` is ``None`` when the group has no commit there (assigned but never committed).
    ``end_offset`` is the partition's high watermark in the same snapshot. The owner fields are empty
    when no member is assigned the partition (e.g. an ``Empty`` group that still has commits).
    ``status`` is filled in by ``History.record`` (Burrow's rules); ``time_lag`` (seconds, age of the
    oldest unconsumed record) only when read on demand with ``KafkaSource.time_lag``.

    ``commits`` are the group's recent commits on the partition, oldest first, when the source reads
    them from the commit log (``__consumer_offsets``); empty when it only polls committed offsets.
    ``log_ends`` are the partition's log end offsets at past moments the source looked up (at commit
    times, and before the last commit's age), so a single snapshot can show whether the log had moved
    past the commit.
    """

    topic: str
    partition: int
    committed_offset: int | None = None
    end_offset: int | None = None
    member_id: str | None = None
    client_id: str | None = None
    host: str | None = None
    status: LagStatus | None = None
    time_lag: float | None = None
    commits: tuple[CommitPoint, ...] = ()
    log_ends: tuple[EndOffset, ...] = ()

    @property
    def last_commit_at(self) -> float | None:
        """When the newest known commit was made (commit log only), else ``None``."""
        return self.commits[-1].timestamp if self.commits else None

    @property
    def lag(self) -> int | None:
        """End offset minus committed offset (never negative); ``None`` if either is unknown."""
        if self.committed_offset is None or self.end_offset is None:
            return None
        return max(self.end_offset - self.committed_offset, 0)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, lag included."""
        return {"topic": self.topic, "partition": self.partition, "committed_offset": self.committed_offset,
                "end_offset": self.end_offset, "lag": self.lag, "member_id": self.member_id,
                "client_id": self.client_id, "host": self.host,
                "status": self.status.value if self.status else None, "time_lag": self.time_lag,
                "last_commit_at": _iso(self.last_commit_at), "commits_read": len(self.commits)}


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A consumer group: its state, members and per-partition committed offsets.

    ``state`` is the broker's name for it (``Stable``, ``Empty``, ``PreparingRebalance``,
    ``CompletingRebalance``, ``Dead``, ``Unknown``). ``assignor`` is the partition assignment strategy
    (``range``, ``cooperative-sticky`` ...), empty when the group has no members. ``status`` and
    ``complete`` (whether a full evaluation window was available) come from Burrow's rules;
    ``consume_rate`` and ``produce_rate`` (records per second committed by the group and written to its
    partitions, between commits), ``time_to_drain`` (seconds until the lag is gone; ``0.0`` and
    ``caught_up`` when the group commits what is there; ``None`` when the lag is not shrinking) from
    the history (:mod:`airstream.monitor.drain`). ``lag_source`` says what the status was judged
    from: ``"commit-log"`` (commits with their times, read from ``__consumer_offsets``) or
    ``"polling"`` (committed offsets seen at each refresh).
    """

    group_id: str
    state: str = "Unknown"
    protocol_type: str = "consumer"
    assignor: str = ""
    coordinator_id: int = -1
    members: tuple[MemberInfo, ...] = ()
    partitions: tuple[GroupPartition, ...] = ()
    status: LagStatus | None = None
    complete: bool = False
    consume_rate: float | None = None
    produce_rate: float | None = None
    time_to_drain: float | None = None
    caught_up: bool = False
    error: str | None = None
    lag_source: str = LAG_FROM_POLLING

    @property
    def verdict(self) -> LagStatus | None:
        """The status in the word that says what is wrong: Burrow's group ``ERR`` becomes its worst
        partition's ``STOP``, ``STALL`` or ``REWIND``; any other status is itself.

        >>> g = GroupInfo("g", status=LagStatus.ERR, partitions=(GroupPartition("t", 0, status=LagStatus.WARN),
        ...                                                      GroupPartition("t", 1, status=LagStatus.STALL)))
        >>> g.verdict
        <LagStatus.STALL: 'STALL'>
        """
        if self.status != LagStatus.ERR:
            return self.status
        worst = max((p.status for p in self.partitions if p.status is not None), key=lambda s: s.rank, default=None)
        return worst if worst is not None and worst.rank > LagStatus.ERR.rank else self.status

    @property
    def total_lag(self) -> int:
        """Sum of known partition lags."""
        return sum(p.lag or 0 for p in self.partitions)

    @property
    def max_lag(self) -> int:
        """The largest partition lag (0 for none)."""
        return max((p.lag or 0 for p in self.partitions), default=0)

    @property
    def topics(self) -> tuple[str, ...]:
        """Topics the group has commits on or is assigned, sorted."""
        names = {p.topic for p in self.partitions}
        names.update(t for m in self.members for t, _ in m.assignments)
        return tuple(sorted(names))

    @property
    def max_time_lag(self) -> float | None:
        """The oldest unconsumed record's age over all partitions, if time lag was read."""
        ages = [p.time_lag for p in self.partitions if p.time_lag is not None]
        return max(ages) if ages else None

    def partition(self, topic: str, number: int) -> GroupPartition | None:
        """The group's entry for one partition, or ``None``."""
        return next((p for p in self.partitions if p.topic == topic and p.partition == number), None)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, totals included."""
        return {"group_id": self.group_id, "state": self.state, "protocol_type": self.protocol_type,
                "assignor": self.assignor, "coordinator_id": self.coordinator_id,
                "status": self.status.value if self.status else None,
                "verdict": self.verdict.value if self.verdict else None, "complete": self.complete,
                "lag_source": self.lag_source, "total_lag": self.total_lag, "max_lag": self.max_lag,
                "consume_rate": self.consume_rate, "produce_rate": self.produce_rate,
                "time_to_drain": self.time_to_drain, "caught_up": self.caught_up, "topics": list(self.topics),
                "error": self.error,
                "members": [m.as_dict() for m in self.members],
                "partitions": [p.as_dict() for p in self.partitions]}


class BrokerMemory:
    """The brokers seen in a cluster, to tell which are gone: a broker seen by an earlier refresh, or
    holding replicas, that is not in the cluster now.

    A refresh that failed, or could not list the brokers, is not evidence that any broker is gone.

    >>> memory = BrokerMemory()
    >>> memory.down(ClusterSnapshot(brokers=(BrokerInfo(1, "k1", 9092), BrokerInfo(2, "k2", 9092))))
    ()
    >>> [(b.id, b.address) for b in memory.down(ClusterSnapshot(brokers=(BrokerInfo(1, "k1", 9092),)))]
    [(2, 'k2:9092')]
    """

    def __init__(self) -> None:
        self._seen: dict[int, BrokerInfo] = {}

    def down(self, snapshot: ClusterSnapshot) -> tuple[BrokerInfo, ...]:
        """Remember the brokers of ``snapshot`` and return those gone from it, by id (a broker known only
        from replicas has no address: host ``""``, port 0)."""
        if not snapshot.ok or not snapshot.brokers:
            return ()
        self._seen.update({b.id: dataclasses.replace(b, is_controller=False) for b in snapshot.brokers})
        live = {b.id for b in snapshot.brokers}
        gone = (set(self._seen) - live) | set(snapshot.missing_brokers())
        return tuple(self._seen.get(i, BrokerInfo(i, "", 0)) for i in sorted(gone))


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """Everything airmon knows about a cluster at one moment.

    ``source`` describes where it came from (``"kafka://host:9092"``, ``"embedded"``) without secrets.
    ``messages`` lists the problems met while taking it; ``ok`` is false if any is an error. A snapshot
    taken while the cluster was unreachable has empty collections and an error message.
    """

    taken_at: float = field(default_factory=time.time)
    cluster_id: str | None = None
    controller_id: int = -1
    brokers: tuple[BrokerInfo, ...] = ()
    topics: tuple[TopicInfo, ...] = ()
    groups: tuple[GroupInfo, ...] = ()
    messages: tuple[StatusMessage, ...] = ()
    source: str = ""
    down_brokers: tuple[BrokerInfo, ...] = ()
    """Brokers seen earlier (by this monitor) or holding replicas that are not in the cluster now; filled
    in by :class:`~airstream.monitor.history.History`."""

    @property
    def ok(self) -> bool:
        """No error-severity message was recorded."""
        return not any(m.severity is Severity.ERROR for m in self.messages)

    @property
    def taken_at_iso(self) -> str:
        """``taken_at`` as an ISO 8601 UTC timestamp."""
        return datetime.fromtimestamp(self.taken_at, UTC).isoformat()

    def topic(self, name: str) -> TopicInfo | None:
        """The topic with that name, or ``None``."""
        return next((t for t in self.topics if t.name == name), None)

    def group(self, group_id: str) -> GroupInfo | None:
        """The group with that id, or ``None``."""
        return next((g for g in self.groups if g.group_id == group_id), None)

    def broker(self, broker_id: int) -> BrokerInfo | None:
        """The broker with that id, or ``None``."""
        return next((b for b in self.brokers if b.id == broker_id), None)

    def partitions(self) -> Iterator[PartitionInfo]:
        """Every partition of every topic."""
        for t in self.topics:
            yield from t.partitions

    def user_topics(self) -> tuple[TopicInfo, ...]:
        """Topics that are not internal (``__consumer_offsets`` and the like); the default view."""
        return tuple(t for t in self.topics if not t.internal)

    def groups_reading(self, topic: str) -> tuple[GroupInfo, ...]:
        """Groups with commits on, or assignments from, that topic."""
        return tuple(g for g in self.groups if topic in g.topics)

    def topics_on_broker(self, broker_id: int) -> tuple[TopicInfo, ...]:
        """Topics with at least one replica on that broker."""
        return tuple(t for t in self.topics if any(broker_id in p.replicas for p in t.partitions))

    def partitions_on(self, broker_id: int) -> int:
        """How many partitions have a replica on that broker."""
        return sum(broker_id in p.replicas for p in self.partitions())

    def missing_brokers(self) -> tuple[int, ...]:
        """Brokers that partitions are assigned to but that are not in the cluster (down or fenced),
        sorted; empty when the broker list is unknown (a failed refresh).

        >>> t = TopicInfo("t", partitions=(PartitionInfo("t", 0, leader=1, replicas=(1, 2), isr=(1,)),))
        >>> ClusterSnapshot(brokers=(BrokerInfo(1, "k1", 9092),), topics=(t,)).missing_brokers()
        (2,)
        """
        if not self.brokers:
            return ()
        live = {b.id for b in self.brokers}
        return tuple(sorted({r for p in self.partitions() for r in p.replicas if r not in live and r >= 0}))

    @property
    def partition_count(self) -> int:
        """Partitions over all topics."""
        return sum(t.partition_count for t in self.topics)

    @property
    def under_replicated_count(self) -> int:
        """Under-replicated partitions over all topics."""
        return sum(t.under_replicated_count for t in self.topics)

    @property
    def offline_count(self) -> int:
        """Offline partitions over all topics."""
        return sum(t.offline_count for t in self.topics)

    @property
    def total_lag(self) -> int:
        """Lag summed over all groups."""
        return sum(g.total_lag for g in self.groups)

    def groups_by_state(self) -> dict[str, int]:
        """How many groups are in each state, e.g. ``{"Stable": 3, "Empty": 1}``."""
        counts: dict[str, int] = {}
        for g in self.groups:
            counts[g.state] = counts.get(g.state, 0) + 1
        return counts

    def replace(self, **changes: Any) -> ClusterSnapshot:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The whole snapshot as plain JSON-ready data (what ``airmon snapshot --json`` prints)."""
        return {"taken_at": self.taken_at_iso, "source": self.source, "cluster_id": self.cluster_id,
                "controller_id": self.controller_id, "ok": self.ok,
                "summary": {"brokers": len(self.brokers), "topics": len(self.topics),
                            "partitions": self.partition_count,
                            "under_replicated_partitions": self.under_replicated_count,
                            "offline_partitions": self.offline_count, "groups": len(self.groups),
                            "groups_by_state": self.groups_by_state(), "total_lag": self.total_lag},
                "messages": [m.as_dict() for m in self.messages],
                "brokers": [b.as_dict() for b in self.brokers],
                "down_brokers": [{**b.as_dict(), "partitions": self.partitions_on(b.id)} for b in self.down_brokers],
                "topics": [t.as_dict() for t in self.topics],
                "groups": [g.as_dict() for g in self.groups]}

    def to_json(self, *, indent: bool = True) -> str:
        """The snapshot as a JSON document (``as_dict`` serialised with orjson)."""
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.as_dict(), option=option).decode()
