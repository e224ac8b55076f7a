"""In-memory stand-ins for the TUI tests: a Source of hand-built snapshots, a message browser, a group admin.

The cluster is small and fixed (3 brokers, the CloudAir topics, three groups) and each refresh moves it
forward by a known amount, so rates, lag trends and Burrow statuses come out as exact numbers:

* ``airline-tweets`` (3 partitions, RF 3) grows by 10 records per partition per refresh (10 s apart),
  so it shows 3 msgs/s in; partition 2 is under-replicated (ISR 1,2);
* ``scorer`` (Stable, 2 members) reads ``airline-tweets`` as fast as it grows but 10 records (10 s of
  input) behind on each partition, committing every 2 s (WARN: its lag never shrinks and is more than
  what arrives in 5 s);
* ``audit`` (Empty) stopped an hour ago at offset 100 on ``airline-tweets``/0, so its lag grows by 10 per
  refresh (STOP);
* ``notifier`` (Stable, 1 member) reads ``scored-tweets``, stalled: alive, committing offset 880 every
  5 s while the log moves on (STALL).

Every group's recent commits come with the snapshot, as ``KafkaSource`` reads them from the commit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from airstream.common.cluster_view import GroupOffset, GroupView, PartitionView, TopicView
from airstream.monitor.browse import EmbeddedBrowser, Page, Position, SearchResult
from airstream.monitor.group_admin import OffsetMove, ResetTo
from airstream.monitor.model import (
    LAG_FROM_COMMIT_LOG,
    BrokerInfo,
    ClusterSnapshot,
    CommitPoint,
    GroupInfo,
    GroupPartition,
    MemberInfo,
    PartitionInfo,
    Severity,
    StatusMessage,
    TopicInfo,
    TopicSetting,
)
from airstream.monitor.search import Query
from airstream.monitor.traces import ProducerTrace, TopicWrite, TraceAccumulator, TraceModel
from airstream.topology.records import InputRecord
from airstream.topology.tracing import LatencyHistogram

T0 = 1_700_000_000.0
STEP = 10.0
SCORER_LAG = 10  # records behind on each partition: 10 s of its input, more than 5 s (WARN)
BROKERS = (BrokerInfo(1, "kafka-1", 9092, is_controller=True), BrokerInfo(2, "kafka-2", 9092),
           BrokerInfo(3, "kafka-3", 9092))


def _commits(now: float, every: float, offset: int, step: int, lag: int) -> tuple[CommitPoint, ...]:
    """Ten commits, the last at ``now``, ``every`` seconds apart, the offset moving ``step`` per commit."""
    return tuple(CommitPoint(offset - step * k, now - every * k, lag) for k in reversed(range(10)))


def cluster(step: int, *, big: bool = False) -> ClusterSnapshot:
    """The fake cluster after ``step`` refreshes; ``big``: the same shape with production-length names and
    offsets in the millions (what columns must fit at 80x24)."""
    now = T0 + STEP * step
    scale = 10_007 if big else 1
    tweets_name = "prod.cloudair.airline-tweets.v2-enriched" if big else "airline-tweets"
    scored_name = "prod.cloudair.scored-tweets.sentiment-v3" if big else "scored-tweets"
    groups = ("scorer", "audit", "notifier")
    scorer_name, audit_name, notifier_name = (f"cloudair-{g}-production-eu-west-1" for g in groups) if big else groups
    tweets_end = (1000 + 10 * step) * scale
    tweets = TopicInfo(tweets_name, partitions=tuple(
        PartitionInfo(tweets_name, n, leader=n + 1, replicas=(n + 1, (n + 1) % 3 + 1, (n + 2) % 3 + 1),
                      isr=(1, 2) if n == 2 else (n + 1, (n + 1) % 3 + 1, (n + 2) % 3 + 1),
                      low_watermark=0, high_watermark=tweets_end)
        for n in range(3)))
    scored = TopicInfo(scored_name, partitions=(
        PartitionInfo(scored_name, 0, leader=2, replicas=(2, 3), isr=(2, 3), low_watermark=500 * scale,
                      high_watermark=(900 + 4 * step) * scale),))
    offsets = TopicInfo("__consumer_offsets", internal=True, partitions=(
        PartitionInfo("__consumer_offsets", 0, leader=1, replicas=(1,), isr=(1,), low_watermark=0,
                      high_watermark=42),))
    members = (MemberInfo("m-a", "scorer-1", "/10.0.0.11", assignments=((tweets_name, 0), (tweets_name, 1))),
               MemberInfo("m-b", "scorer-2", "/10.0.0.12", assignments=((tweets_name, 2),)))
    owner = {0: members[0], 1: members[0], 2: members[1]}
    scorer = GroupInfo(scorer_name, state="Stable", assignor="range", coordinator_id=1, members=members,
                       partitions=tuple(GroupPartition(tweets_name, n, committed_offset=tweets_end - SCORER_LAG,
                                                       end_offset=tweets_end, member_id=owner[n].member_id,
                                                       client_id=owner[n].client_id, host=owner[n].host,
                                                       commits=_commits(now, 2.0, tweets_end - SCORER_LAG, 2,
                                                                        lag=SCORER_LAG))
                                        for n in range(3)), lag_source=LAG_FROM_COMMIT_LOG)
    audit = GroupInfo(audit_name, state="Empty", coordinator_id=3, partitions=(
        GroupPartition(tweets_name, 0, committed_offset=100 * scale, end_offset=tweets_end,
                       commits=_commits(T0 - 3600, 60.0, 100 * scale, 6, lag=0)),),
        lag_source=LAG_FROM_COMMIT_LOG)
    notifier_member = MemberInfo("m-n", "notifier-1", "/10.0.0.20", assignments=((scored_name, 0),))
    notifier_end = (900 + 4 * step) * scale
    notifier = GroupInfo(notifier_name, state="Stable", assignor="range", coordinator_id=2,
                         members=(notifier_member,),
                         partitions=(GroupPartition(scored_name, 0, committed_offset=880 * scale,
                                                    end_offset=notifier_end, member_id="m-n",
                                                    client_id="notifier-1", host="/10.0.0.20",
                                                    commits=_commits(now, 5.0, 880 * scale, 0,
                                                                     lag=notifier_end - 880 * scale)),),
                         lag_source=LAG_FROM_COMMIT_LOG)
    return ClusterSnapshot(taken_at=now, cluster_id="airstream-test", controller_id=1,
                           brokers=BROKERS, topics=(offsets, tweets, scored), groups=(audit, notifier, scorer),
                           source="fake://cloudair")


class FakeSource:
    """A Source that returns ``cluster(0)``, ``cluster(1)``, ... one per call; can be made to fail."""

    def __init__(self, snapshots: Iterable[ClusterSnapshot] | None = None) -> None:
        self._given = list(snapshots) if snapshots is not None else None
        self.calls = 0
        self.failure: str | None = None
        self.raise_error: Exception | None = None
        self.time_lag_calls: list[str] = []

    @property
    def name(self) -> str:
        return "fake://cloudair"

    def snapshot(self) -> ClusterSnapshot:
        step = self.calls
        self.calls += 1
        if self.raise_error is not None:
            raise self.raise_error
        if self.failure is not None:
            return ClusterSnapshot(taken_at=T0 + STEP * step, source=self.name, messages=(
                StatusMessage(Severity.ERROR, "list_topics", self.failure),))
        if self._given is not None:
            return self._given[min(step, len(self._given) - 1)]
        return cluster(step)

    def time_lag(self, group: GroupInfo) -> dict[tuple[str, int], float]:
        self.time_lag_calls.append(group.group_id)
        return {(p.topic, p.partition): 60.0 * (p.partition + 1) for p in group.partitions if p.lag}

    def topic_config(self, topic: str) -> tuple[TopicSetting, ...]:
        return (TopicSetting("cleanup.policy", "delete"), TopicSetting("max.message.bytes", "1048588"),
                TopicSetting("min.insync.replicas", "2", "topic"), TopicSetting("retention.bytes", "-1"),
                TopicSetting("retention.ms", "259200000", "topic"),
                TopicSetting("segment.bytes", "1073741824", "broker"))

    def close(self) -> None:
        pass


def record(offset: int, key: bytes | None, value: bytes | None,
           headers: tuple[tuple[str, bytes | None], ...] = (), *, partition: int = 0,
           topic: str = "airline-tweets", at_ms: int | None = None) -> InputRecord:
    """A record stamped ``T0`` + ``at_ms`` ms (by default + ``offset`` ms)."""
    return InputRecord(topic, partition, offset, int(T0 * 1000) + (offset if at_ms is None else at_ms), key, value,
                      headers)


class FakeView:
    """A ClusterView over a list of records; a partition's low watermark is its first record's offset
    (the records before it were deleted), and ``committed`` holds consumer groups' commits."""

    def __init__(self, records: list[InputRecord], partitions: int = 1) -> None:
        self.records_held = records
        self.partition_count = partitions
        self.committed: dict[str, dict[tuple[str, int], int]] = {}

    def _of(self, topic: str, partition: int) -> list[InputRecord]:
        return [r for r in self.records_held if r.topic == topic and r.partition == partition]

    def topic(self, name: str) -> TopicView:
        if not any(r.topic == name for r in self.records_held):
            raise KeyError(name)
        views = []
        for p in range(self.partition_count):
            held = self._of(name, p)
            views.append(PartitionView(name, p, held[0].offset if held else 0, held[-1].offset + 1 if held else 0))
        return TopicView(name, tuple(views), False)

    def records(self, topic: str, partition: int, offset: int = 0, max_records: int = 100) -> list[InputRecord]:
        return [r for r in self._of(topic, partition) if r.offset >= offset][:max_records]

    def group(self, name: str) -> GroupView:
        if name not in self.committed:
            raise KeyError(name)
        return GroupView(name, tuple(GroupOffset(name, t, p, o, o, 0) for (t, p), o in self.committed[name].items()))


class FakeBrowser(EmbeddedBrowser):
    """The embedded browser over a :class:`FakeView`, remembering every position read from."""

    def __init__(self, records: list[InputRecord], partitions: int = 1) -> None:
        self.view = FakeView(records, partitions)
        super().__init__(self.view)  # type: ignore[arg-type]
        self.reads: list[Position] = []
        self.searches: list[str] = []

    @property
    def records(self) -> list[InputRecord]:
        return self.view.records_held

    def read(self, topic: str, position: Position, *, partition: int | None = None, limit: int = 200) -> Page:
        self.reads.append(position)
        return super().read(topic, position, partition=partition, limit=limit)

    def search(self, topic: str, query: Query, position: Position, **options: Any) -> SearchResult:
        self.searches.append(query.text)
        return super().search(topic, query, position, **options)


class FakeAdmin:
    """A GroupAdmin that records what it was asked to do."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.resets: list[tuple[str, list[OffsetMove]]] = []
        self.plans: list[tuple[str, list[tuple[str, int]], ResetTo]] = []

    def delete_group(self, group_id: str) -> None:
        self.deleted.append(group_id)

    def plan_reset(self, group_id: str, partitions: Iterable[tuple[str, int]], to: ResetTo) -> list[OffsetMove]:
        """Every partition holds offsets 0..1049 (offset n written at T0 + n ms), committed ``SCORER_LAG``
        below its end, as the scorer's after 5 refreshes."""
        chosen = list(partitions)
        self.plans.append((group_id, chosen, to))
        low, high = 0, 1050
        committed = high - SCORER_LAG
        target = {"earliest": low, "latest": high, "offset": to.value, "shift": committed + to.value,
                  "datetime": to.value - int(T0 * 1000)}[to.kind]
        return [OffsetMove(t, p, committed, min(max(target, low), high), low, high) for t, p in chosen]

    def apply_reset(self, group_id: str, plan: Iterable[OffsetMove]) -> None:
        self.resets.append((group_id, list(plan)))



class FakeWriter:
    """A MessageWriter that appends to a FakeBrowser's records (partition 0 unless told), so the
    written record can be read back."""

    def __init__(self, browser: FakeBrowser) -> None:
        self.browser = browser
        self.written: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]], int | None]] = []

    def produce(self, topic: str, *, key: bytes | None, value: bytes | None,
                headers: Sequence[tuple[str, bytes]] = (), partition: int | None = None) -> tuple[int, int]:
        self.written.append((topic, key, value, list(headers), partition))
        p = partition or 0
        offset = max((r.offset + 1 for r in self.browser.records if r.partition == p), default=0)
        self.browser.records.append(record(offset, key, value, tuple(headers), partition=p))
        return p, offset

    def close(self) -> None:
        pass


class FakeTraces:
    """A trace source: ``replay`` writes airline-tweets, ``scorer-app`` (inactive) writes scored-tweets."""

    def __init__(self) -> None:
        self.closed = False

    def refresh(self) -> TraceModel:
        return TraceModel(taken_at=T0, producers=(
            ProducerTrace("replay", 3150, (TopicWrite("airline-tweets", 3150),), last_seen=T0 + 50, active=True),
            ProducerTrace("scorer-app", 420, (TopicWrite("scored-tweets", 420),), last_seen=T0 - 600, active=False),
        ))

    def close(self) -> None:
        self.closed = True


# Traces of the Traces screen: a minute-bucketed model built from metrics records, as TraceReader builds it.
MIN = 60_000
T = 1_700_000_040_000  # a minute start


def _hist(*values: int) -> dict[str, Any]:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    return h.as_dict()


def _row(topic: str, count: int, origin: str = "replay", hop: int = 0, via: str = "", bucket: int = T,
         latency: dict | None = None, e2e: dict | None = None) -> dict[str, Any]:
    return {"topic": topic, "partition": 0, "bucket": bucket, "origin": origin, "hop": hop, "via": via,
            "count": count, "latency": latency, "e2e": e2e}


def _consumed(group: str, *samples: dict[str, Any]) -> dict[str, Any]:
    counts = [{"topic": r["topic"], "partition": 0, "bucket": r["bucket"], "count": r["count"]} for r in samples]
    return {"v": 1, "kind": "consumer", "client_id": f"{group}-1", "group": group, "sample_rate": None,
            "rows": counts, "samples": list(samples)}


def trace_model() -> TraceModel:
    """replay -> airline-tweets -> {scorer, audit}; scorer -> scored-tweets -> notifier.
    audit is 40 behind in minute 2."""
    acc = TraceAccumulator()
    acc.add({"v": 1, "kind": "producer", "client_id": "replay", "last_ms": T + MIN, "rows": [
        _row("airline-tweets", 100), _row("airline-tweets", 50, bucket=T + MIN)]})
    acc.add(_consumed("scorer", _row("airline-tweets", 100, latency=_hist(*[40] * 100)),
                      _row("airline-tweets", 50, bucket=T + MIN, latency=_hist(*[60] * 50))))
    acc.add(_consumed("audit", _row("airline-tweets", 100, latency=_hist(*[2_500] * 100)),
                      _row("airline-tweets", 10, bucket=T + MIN, latency=_hist(*[20_000] * 10))))
    acc.add({"v": 1, "kind": "producer", "client_id": "scorer-out", "last_ms": T + MIN, "rows": [
        _row("scored-tweets", 150, hop=1, via="scorer")]})
    acc.add(_consumed("notifier", _row("scored-tweets", 150, hop=1, via="scorer", latency=_hist(*[30] * 150),
                                       e2e=_hist(*[90] * 150))))
    return acc.model(now=T / 1000 + 120)


class TraceList:
    """A trace source answering with one fixed model (an empty one for ``None``)."""

    def __init__(self, m: TraceModel | None) -> None:
        self.m = m

    def refresh(self) -> TraceModel:
        return self.m or TraceModel(taken_at=0.0)

    def close(self) -> None:
        pass
