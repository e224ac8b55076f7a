"""Reading ``__consumer_offsets`` records (Kafka's documented key and value schemas), keeping the last
commits of each group partition, and attaching them to a refresh with the lag each commit had."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import TopicPartition

from airstream.monitor.commit_lag import CommitAttacher, end_offset_at
from airstream.monitor.commit_log import CommitLog, GroupKey, LoggedCommit, OffsetKey, parse_key, parse_offset_value
from airstream.monitor.model import LAG_FROM_COMMIT_LOG, LAG_FROM_POLLING, CommitPoint, GroupInfo, GroupPartition


def string(text: str | None) -> bytes:
    if text is None:
        return struct.pack(">h", -1)
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


def compact_string(text: str) -> bytes:
    raw = text.encode()
    return bytes([len(raw) + 1]) + raw  # a one-byte unsigned varint for short strings


def offset_key(group: str, topic: str, partition: int, version: int = 1) -> bytes:
    return struct.pack(">h", version) + string(group) + string(topic) + struct.pack(">i", partition)


def offset_value(version: int, offset: int, commit_ms: int, metadata: str = "", epoch: int = 7) -> bytes:
    head = struct.pack(">hq", version, offset)
    if version >= 3:
        head += struct.pack(">i", epoch)
    if version >= 4:
        return head + compact_string(metadata) + struct.pack(">q", commit_ms) + b"\x00"  # no tagged fields
    body = head + string(metadata) + struct.pack(">q", commit_ms)
    return body + struct.pack(">q", commit_ms + 86_400_000) if version == 1 else body


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_every_offset_commit_value_version_is_read(version: int) -> None:
    value = parse_offset_value(offset_value(version, 4242, 1_700_000_000_500, metadata="app-7"))
    assert (value.offset, value.metadata, value.commit_timestamp) == (4242, "app-7", 1_700_000_000.5)
    assert value.leader_epoch == (7 if version >= 3 else -1)


@pytest.mark.parametrize(("key", "parsed"), [
    (offset_key("scorer", "tweets", 3, version=0), OffsetKey("scorer", "tweets", 3)),
    (offset_key("scorer", "tweets", 3, version=1), OffsetKey("scorer", "tweets", 3)),
    (struct.pack(">h", 2) + string("scorer"), GroupKey("scorer")),
    (struct.pack(">h", 3) + string("kip-848-group"), None),  # consumer-group records: not commits
])
def test_keys(key: bytes, parsed: object) -> None:
    assert parse_key(key) == parsed


@pytest.mark.parametrize(("bad", "message"), [
    (offset_key("g", "t", 0)[:-2], "partition"),
    (struct.pack(">h", 1) + string(None) + string("t") + struct.pack(">i", 0), "without group"),
    (b"\x00", "key version"),
])
def test_damaged_keys_are_refused_naming_the_field(bad: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_key(bad)


def test_a_newer_value_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version 5 is newer"):
        parse_offset_value(struct.pack(">hq", 5, 1))


def _log(**options: Any) -> CommitLog:
    return CommitLog({"bootstrap.servers": "127.0.0.1:1"}, **options)


def test_the_log_keeps_the_last_commits_merges_close_ones_and_keeps_rewinds() -> None:
    log = _log(window=3, min_distance=1.0)
    key = offset_key("g", "t", 0)
    for offset, ms in [(10, 1_000), (20, 5_000), (25, 5_400), (30, 9_000), (40, 13_000), (0, 13_200)]:
        log._apply(key, offset_value(3, offset, ms))
    assert log.commits("g", "t", 0) == (LoggedCommit(30, 9.0), LoggedCommit(40, 13.0), LoggedCommit(0, 13.2))
    assert log.commits("g", "t", 1) == ()


def test_tombstones_delete_a_commit_or_a_whole_group_and_junk_is_counted() -> None:
    log = _log()
    for group, partition in [("a", 0), ("a", 1), ("b", 0)]:
        log._apply(offset_key(group, "t", partition), offset_value(3, 5, 1_000))
    log._apply(offset_key("a", "t", 1), None)                 # offsets of one partition deleted
    assert (log.commits("a", "t", 0), log.commits("a", "t", 1)) == ((LoggedCommit(5, 1.0),), ())
    log._apply(struct.pack(">h", 2) + string("a"), None)      # group deleted
    assert log.groups() == {"b"}
    log._apply(offset_key("b", "t", 0), b"\x00\x09")          # a value schema from the future
    log._apply(None, b"x")
    assert log.skipped == 2 and log.commits("b", "t", 0) == (LoggedCommit(5, 1.0),)


class _FakeLog(CommitLog):
    """Commits given by hand; read to the end from ``started_at``."""

    def __init__(self, commits: dict[tuple[str, str, int], list[tuple[int, float]]], started_at: float = 0.0,
                 caught_up: bool = True) -> None:
        super().__init__({"bootstrap.servers": "127.0.0.1:1"})
        for (group, topic, partition), history in commits.items():
            for offset, ts in history:
                self._apply(offset_key(group, topic, partition), offset_value(3, offset, int(ts * 1000)))
        self.started_at, self.caught_up = started_at, caught_up


class _ListOffsets:
    """``AdminClient.list_offsets`` over a log whose record ``i`` was written at ``times[i]``."""

    def __init__(self, times: list[float]) -> None:
        self.times = times
        self.requests: list[dict[tuple[str, int], float]] = []

    def __call__(self, specs: dict[TopicPartition, Any], **_: Any) -> dict[TopicPartition, Future[Any]]:
        self.requests.append({(tp.topic, tp.partition): spec._value / 1000 for tp, spec in specs.items()})
        futures = {}
        for tp, spec in specs.items():
            future: Future[Any] = Future()
            moment = spec._value / 1000
            offset = next((i for i, t in enumerate(self.times) if t >= moment), -1)
            future.set_result(TopicPartition(tp.topic, tp.partition, offset))
            futures[tp] = future
        return futures


def _group(committed: int, end: int, member: str | None = "m1") -> tuple[GroupInfo, ...]:
    return (GroupInfo("g", "Stable", partitions=(GroupPartition("t", 0, committed, end, member_id=member),)),)


def test_lag_at_each_commit_comes_from_the_log_end_at_that_moment() -> None:
    # One record a second from t=0 (record i written at time i); the group committed at 100, 130, 160.
    admin = _ListOffsets([float(i) for i in range(200)])
    attacher = CommitAttacher(_FakeLog({("g", "t", 0): [(95, 100.0), (120, 130.0), (150, 160.0)]}), admin)
    (group,) = attacher.attach(_group(150, 200), {("t", 0): 200}, now=200.0)
    partition = group.partitions[0]
    assert partition.commits == (CommitPoint(95, 100.0, 5), CommitPoint(120, 130.0, 10), CommitPoint(150, 160.0, 10))
    assert group.lag_source == LAG_FROM_COMMIT_LOG
    assert len(admin.requests) == 3  # one round per commit of the partition
    # Asked again at the next refresh: remembered, not asked again.
    attacher.attach(_group(150, 205), {("t", 0): 205}, now=205.0)
    assert len(admin.requests) == 3


def test_commits_between_refreshes_take_the_log_end_from_the_refreshes() -> None:
    admin = _ListOffsets([])
    log = _FakeLog({})
    attacher = CommitAttacher(log, admin)
    attacher.attach(_group(0, 100), {("t", 0): 100}, now=10.0)
    asked = len(admin.requests)
    log._apply(offset_key("g", "t", 0), offset_value(3, 140, 15_000))
    (group,) = attacher.attach(_group(140, 200), {("t", 0): 200}, now=20.0)
    assert group.partitions[0].commits == (CommitPoint(140, 15.0, 10),)  # log end 150 at t=15
    assert len(admin.requests) == asked


def test_a_lagging_partition_with_an_old_last_commit_gets_the_log_end_before_stop_after() -> None:
    admin = _ListOffsets([float(i) for i in range(1000)])
    attacher = CommitAttacher(_FakeLog({("g", "t", 0): [(100, 100.0)]}), admin, stop_after=300)
    (group,) = attacher.attach(_group(100, 1000), {("t", 0): 1000}, now=1000.0)
    assert group.partitions[0].log_ends == ((100.0, 100), (700.0, 700))


def test_a_group_whose_commits_predate_the_read_is_taken_as_committed_at_its_start() -> None:
    admin = _ListOffsets([float(i) for i in range(5000)])
    attacher = CommitAttacher(_FakeLog({}, started_at=400.0), admin)
    (group,) = attacher.attach(_group(100, 5000, member=None), {("t", 0): 5000}, now=5000.0)
    assert group.partitions[0].commits == (CommitPoint(100, 400.0, 300),)


def test_until_the_log_is_read_to_its_end_a_partition_it_has_not_reached_is_polled() -> None:
    attacher = CommitAttacher(_FakeLog({("g", "t", 0): [(90, 10.0)]}, caught_up=False), _ListOffsets([]))
    (group,) = attacher.attach(_group(100, 120), {("t", 0): 120}, now=20.0)
    assert group.partitions[0].commits == () and group.lag_source == LAG_FROM_POLLING


@pytest.mark.parametrize(("samples", "moment", "end"), [
    ([(10.0, 100), (20.0, 300)], 10.0, 100),
    ([(10.0, 100), (20.0, 300)], 12.5, 150),
    ([(10.0, 100), (20.0, 300)], 9.0, None),
    ([], 1.0, None),
])
def test_end_offset_at(samples: Iterable[tuple[float, int]], moment: float, end: int | None) -> None:
    assert end_offset_at(list(samples), moment) == end
