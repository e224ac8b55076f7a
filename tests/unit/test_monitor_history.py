"""History: rates from offset deltas, time to drain, lag trend series, idle topics, and lag statuses
from snapshots as a poller sees them."""

from __future__ import annotations

import dataclasses

import pytest

from airstream.monitor.history import History
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import (
    ClusterSnapshot,
    CommitPoint,
    GroupInfo,
    GroupPartition,
    LagStatus,
    PartitionInfo,
    Severity,
    StatusMessage,
    TopicInfo,
)


def snap(t: float, ends: dict[str, list[int]], groups: dict[str, list[int | None]] | None = None,
         owned: bool = True, ok: bool = True) -> ClusterSnapshot:
    """A snapshot at time t: topic -> end offset per partition; group -> committed offset per partition
    of topic "t" (owned by a live member or not)."""
    topics = tuple(TopicInfo(name, partitions=tuple(PartitionInfo(name, i, 1, (1,), (1,), 0, end)
                                                     for i, end in enumerate(e))) for name, e in sorted(ends.items()))
    group_infos = []
    for gid, committed in sorted((groups or {}).items()):
        group_infos.append(GroupInfo(gid, "Stable" if owned else "Empty", partitions=tuple(
            GroupPartition("t", i, c, ends["t"][i], member_id="m1" if owned else None)
            for i, c in enumerate(committed))))
    messages = () if ok else (StatusMessage(Severity.ERROR, "list_consumer_groups", "timed out"),)
    return ClusterSnapshot(taken_at=t, topics=topics, groups=tuple(group_infos), messages=messages)


def test_topic_rate_uses_the_oldest_snapshot_within_the_rate_window() -> None:
    h = History(rate_window=20)
    assert h.record(snap(0, {"t": [0, 0]})).topic("t").messages_in_per_sec is None  # type: ignore[union-attr]
    h.record(snap(10, {"t": [100, 100]}))
    h.record(snap(20, {"t": [300, 100]}))
    latest = h.record(snap(30, {"t": [300, 500]}))
    # the window reaches back to t=10: (300 + 500 - 200) / 20 s
    assert latest.topic("t").messages_in_per_sec == pytest.approx(30.0)  # type: ignore[union-attr]
    assert [r for _, r in h.rate_series("t")] == [None, pytest.approx(20.0), pytest.approx(20.0), pytest.approx(30.0)]


def test_recreated_topic_gives_zero_rate_not_negative() -> None:
    h = History()
    h.record(snap(0, {"t": [1000]}))
    assert h.record(snap(5, {"t": [10]})).topic("t").messages_in_per_sec == 0.0  # type: ignore[union-attr]


def test_consume_rate_and_time_to_drain() -> None:
    h = History(rate_window=100)
    h.record(snap(0, {"t": [1000, 1000]}, {"g": [400, 600]}))       # lag 1000
    s = h.record(snap(10, {"t": [1100, 1100]}, {"g": [600, 800]}))  # consumed 400, lag 800: shrinking 20/s
    g = s.group("g")
    assert g is not None
    assert (g.consume_rate, g.total_lag, g.time_to_drain) == (pytest.approx(40.0), 800, pytest.approx(40.0))


@pytest.mark.parametrize(("later", "drain"), [
    ([1100, 1100], 0.0),   # caught up: nothing to drain
    ([700, 700], None),    # lag grew from 200 to 400: never drains at this rate
    ([800, 800], None),    # lag unchanged: not shrinking
])
def test_time_to_drain_edges(later: list[int], drain: float | None) -> None:
    h = History()
    h.record(snap(0, {"t": [1000, 1000]}, {"g": [900, 900]}))
    g = h.record(snap(10, {"t": [1100, 1100]}, {"g": later})).group("g")
    assert g is not None and g.time_to_drain == drain


def test_lag_series_per_group_topic_and_partition_with_gaps() -> None:
    h = History()
    h.record(snap(0, {"t": [10, 10]}, {"g": [5, 8]}))
    h.record(snap(1, {"t": [20, 10]}))                  # group missing from this refresh
    h.record(snap(2, {"t": [30, 10]}, {"g": [25, 10]}))
    assert h.lag_series("g") == [(0, 7), (1, None), (2, 5)]
    assert h.lag_series("g", "t", 0) == [(0, 5), (1, None), (2, 5)]
    assert h.lag_series("g", "other") == [(0, 0), (1, None), (2, 0)]


def test_idle_seconds_counts_from_the_last_growth() -> None:
    h = History()
    h.record(snap(0, {"t": [10], "quiet": [3]}))
    h.record(snap(10, {"t": [20], "quiet": [3]}))
    h.record(snap(25, {"t": [20], "quiet": [3]}))
    assert (h.idle_seconds("t"), h.idle_seconds("quiet"), h.idle_seconds("nope")) == (15.0, 25.0, None)
    assert h.idle_seconds("t", now=40) == 30.0


# Small numbers so a few one-second refreshes fill a window: STOP/STALL on evidence after 2 s.
LAG = LagSettings(window=4, min_distance=0, minimum_complete=1.0, min_span=0, stop_after=2)
U, OK, STALL, STOP = LagStatus.UNKNOWN, LagStatus.OK, LagStatus.STALL, LagStatus.STOP


def _statuses(history: History, refreshes: list[ClusterSnapshot]) -> list[LagStatus | None]:
    out = []
    for s in refreshes:
        g = history.record(s).group("g")
        out.append(g.partitions[0].status if g else None)
    return out


def test_live_consumer_that_does_not_move_is_unknown_then_stall() -> None:
    # Offset 100 owned by a live member while data keeps arriving: one commit seen, then none.
    refreshes = [snap(t, {"t": [150 + 10 * t]}, {"g": [100]}) for t in range(5)]
    assert _statuses(History(lag=LAG), refreshes) == [U, U, STALL, STALL, STALL]


def test_consumer_without_owner_and_no_commits_turns_stop() -> None:
    # The group is Empty (nobody owns the partition), its offset never moves, and data keeps arriving.
    refreshes = [snap(t, {"t": [150 + 10 * t]}, {"g": [100]}, owned=False) for t in range(5)]
    h = History(lag=LAG)
    assert _statuses(h, refreshes) == [U, U, STOP, STOP, STOP]
    g = h.latest.group("g")  # type: ignore[union-attr]
    assert g is not None and (g.status, g.complete) == (LagStatus.ERR, False)


def test_a_consumer_committing_every_30_s_is_never_stall_or_stop_and_stays_caught_up() -> None:
    # Refreshes every 2 s for 10 minutes; 10 records/s arrive; the consumer commits its position
    # every 30 s (Kafka Streams' default), so between commits its committed lag grows to ~300.
    h = History()
    statuses, drains = set(), []
    committed = 0
    for t in range(0, 600, 2):
        end = 10 * t
        if t % 30 == 0:
            committed = max(end - 7 - t % 17, 0)
        g = h.record(snap(float(t), {"t": [end]}, {"g": [committed]})).group("g")
        assert g is not None
        statuses.add(g.partitions[0].status)
        drains.append((g.caught_up, g.time_to_drain))
    assert statuses <= {U, OK} and OK in statuses
    # Time to drain does not flap with where between two commits a refresh falls: once two commits
    # give rates (from t=30), the group reads "caught up" at every refresh.
    assert set(drains[15:]) == {(True, 0.0)}


def test_healthy_consumer_stays_ok_and_slow_one_warns() -> None:
    healthy = [snap(t, {"t": [100 + 10 * t]}, {"g": [95 + 10 * t - (t % 2) * 3]}) for t in range(6)]
    assert _statuses(History(lag=LAG), healthy)[-1] is LagStatus.OK
    # Half as fast as its input and more than 5 s of input (100 records) behind at every commit.
    slow = [snap(t, {"t": [1000 + 20 * t]}, {"g": [90 + 10 * t]}) for t in range(6)]
    h = History(lag=LAG)
    assert _statuses(h, slow)[-1] is LagStatus.WARN
    assert h.latest.group("g").status is LagStatus.WARN  # type: ignore[union-attr]


def test_offset_reset_backwards_is_rewind() -> None:
    commits = [100, 110, 120, 50, 60]
    refreshes = [snap(t, {"t": [200]}, {"g": [c]}) for t, c in enumerate(commits)]
    assert _statuses(History(lag=LAG), refreshes)[-1] is LagStatus.REWIND


def test_windows_survive_a_failed_refresh_but_not_a_deleted_group() -> None:
    h = History(lag=LAG)
    h.record(snap(0, {"t": [100]}, {"g": [50]}))
    h.record(snap(1, {"t": [100]}, ok=False))     # groups could not be listed: keep what we know
    assert h.commit_window("g", "t", 0) is not None
    h.record(snap(2, {"t": [100]}))               # listed fine, group gone
    assert h.commit_window("g", "t", 0) is None


def test_capacity_bounds_the_series_and_only_a_few_full_snapshots_are_kept() -> None:
    h = History(capacity=3, keep_snapshots=2)
    for t in range(5):
        h.record(snap(t, {"t": [10 * t]}, {"g": [5 * t]}))
    assert len(h) == 3
    assert h.lag_series("g") == [(2, 10), (3, 15), (4, 20)]
    assert [s.taken_at for s in h.snapshots] == [3, 4] and h.latest is h.snapshots[-1]
    with pytest.raises(ValueError, match="capacity"):
        History(capacity=1)


def test_partition_rate() -> None:
    h = History(rate_window=100)
    h.record(snap(0, {"t": [0, 50]}))
    assert h.partition_rate("t", 0) is None
    h.record(snap(10, {"t": [100, 50]}))
    assert (h.partition_rate("t", 0), h.partition_rate("t", 1)) == (10.0, 0.0)
    assert h.partition_rate("t", 7) is None and h.partition_rate("nope", 0) is None


def test_enrichment_keeps_every_other_field_of_the_partition() -> None:
    original = GroupPartition("t", 0, 5, 10, member_id="m1", client_id="c1", host="/10.0.0.1", time_lag=3.5)
    snapshot = ClusterSnapshot(taken_at=0.0, topics=(TopicInfo("t", partitions=(
        PartitionInfo("t", 0, 1, (1,), (1,), 0, 10),)),), groups=(GroupInfo("g", "Stable", partitions=(original,)),))
    (judged,) = History().record(snapshot).group("g").partitions  # type: ignore[union-attr]
    assert judged == dataclasses.replace(original, status=LagStatus.UNKNOWN)  # one look is no evidence


def _with_commits(t: float, end: int, commits: list[tuple[int, float, int]], owned: bool = True) -> ClusterSnapshot:
    """One refresh of a group whose recent commits (offset, time, lag then) came from the commit log."""
    s = snap(t, {"t": [end]}, {"g": [commits[-1][0]]}, owned=owned)
    (group,) = s.groups
    partition = dataclasses.replace(group.partitions[0], commits=tuple(CommitPoint(*c) for c in commits))
    return s.replace(groups=(dataclasses.replace(group, partitions=(partition,)),))


@pytest.mark.parametrize(("commits", "owned", "status"), [
    # committing every 30 s while consuming, lag going up and down: healthy
    ([(100 + 300 * i, 3600.0 + 30 * i, 40 + 17 * (i % 3)) for i in range(10)], True, OK),
    # the same consumer, gone an hour ago
    ([(100 + 300 * i, 30 * i, 40 + 17 * (i % 3)) for i in range(10)], False, STOP),
    # alive, committing the same offset every 5 s while the log moves on
    ([(500, 3860.0 + 5 * i, 100 + 10 * i) for i in range(10)], True, STALL),
    # reset to earliest, not caught up again
    ([(2000 + 100 * i, 3800.0 + 10 * i, 5) for i in range(8)] + [(0, 3880.0, 2800), (50, 3890.0, 2800)], False,
     LagStatus.REWIND),
])
def test_one_refresh_with_commits_from_the_commit_log_is_enough_for_a_verdict(
        commits: list[tuple[int, float, int]], owned: bool, status: LagStatus) -> None:
    (judged,) = History().record(_with_commits(3905.0, 3000, commits, owned)).group("g").partitions  # type: ignore[union-attr]
    assert judged.status is status


def test_commits_read_again_at_the_next_refresh_are_not_counted_twice() -> None:
    h = History()
    first = [(100 + i, 10.0 * i, 5) for i in range(3)]
    h.record(_with_commits(30.0, 200, first))
    h.record(_with_commits(40.0, 200, [*first, (103, 30.0, 5)]))
    window = h.commit_window("g", "t", 0)
    assert window is not None and [p.offset for p in window.points] == [100, 101, 102, 103]
