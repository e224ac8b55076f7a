"""Sources without a broker: the embedded engine's view through EmbeddedSource, and the Source protocol."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airstream.monitor.browse import KafkaBrowser, Position
from airstream.monitor.group_admin import KafkaGroupAdmin
from airstream.monitor.history import History
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import LagStatus, Severity
from airstream.monitor.sources import EmbeddedSource, KafkaSource, Source
from airstream.topology.engine.cluster import EmbeddedCluster


def test_embedded_source_shows_topics_offsets_and_groups() -> None:
    cluster = EmbeddedCluster()
    cluster.create_topic("tweets", partitions=2)
    cluster.create_topic("app-store-changelog", partitions=1, internal=True)
    for i in range(10):
        cluster.produce("tweets", None, b"v", partition=i % 2)
    cluster.commit("scorer", {("tweets", 0): 5, ("tweets", 1): 2})
    source = EmbeddedSource(cluster.view(), name="embedded demo")
    snap = source.snapshot()
    assert snap.ok and snap.source == "embedded demo" and [b.id for b in snap.brokers] == [0]
    assert [(t.name, t.internal) for t in snap.topics] == [("app-store-changelog", True), ("tweets", False)]
    tweets = snap.topic("tweets")
    assert tweets is not None and [(p.low_watermark, p.high_watermark) for p in tweets.partitions] == [(0, 5), (0, 5)]
    scorer = snap.group("scorer")
    assert scorer is not None
    assert [(p.committed_offset, p.end_offset, p.lag) for p in scorer.partitions] == [(5, 5, 0), (2, 5, 3)]
    assert [g.group_id for g in snap.groups_reading("tweets")] == ["scorer"]


def test_embedded_run_gets_lag_statuses_through_history() -> None:
    cluster = EmbeddedCluster()
    cluster.create_topic("t", partitions=1)
    source, history = EmbeddedSource(cluster.view()), History(lag=LagSettings(window=3, min_distance=0, min_span=0,
                                                                               stop_after=2))
    cluster.commit("g", {("t", 0): 0})
    statuses = []
    for t in range(4):
        cluster.produce("t", None, b"v", partition=0)   # the log grows, the group never commits again
        snap = source.snapshot().replace(taken_at=float(t))
        group = history.record(snap).group("g")
        assert group is not None
        statuses.append(group.partitions[0].status)
    assert statuses == [LagStatus.UNKNOWN, LagStatus.UNKNOWN, LagStatus.STOP, LagStatus.STOP]


def test_broken_view_is_a_status_message() -> None:
    class Broken:
        def topics(self) -> list[object]:
            raise RuntimeError("engine shut down")

        def groups(self) -> list[object]:
            return []

    snap = EmbeddedSource(Broken()).snapshot()
    assert not snap.ok and snap.messages[0].severity is Severity.ERROR
    assert snap.messages[0].text == "embedded view: RuntimeError: engine shut down"


def test_both_sources_satisfy_the_protocol() -> None:
    assert isinstance(EmbeddedSource(EmbeddedCluster().view()), Source)
    assert isinstance(KafkaSource({"bootstrap.servers": "127.0.0.1:1"}), Source)


_UNREACHABLE = {"bootstrap.servers": "127.0.0.1:1", "sasl.password": "hunter2"}


@pytest.mark.parametrize("call", [
    lambda: KafkaBrowser(_UNREACHABLE, timeout=1).read("tweets", Position.earliest(), partition=0),
    lambda: KafkaGroupAdmin(_UNREACHABLE, timeout=1).delete_group("scorer"),
], ids=["browser", "group admin"])
def test_kafka_clients_keep_librdkafka_off_the_terminal(call: Callable[[], object],
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    # librdkafka writes "Connect to ... failed" lines to stderr by default, over the dashboard.
    with pytest.raises(RuntimeError) as err:
        call()
    assert "hunter2" not in str(err.value)
    assert "rdkafka" not in capfd.readouterr().err

