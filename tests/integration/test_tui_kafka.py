"""The dashboard against the real broker: every screen shows the numbers the admin API reports.

One module-level setup creates two topics, produces known records, leaves one consumer group Empty
with known commits and keeps another one alive as a member; each test then drives ``AirmonApp``
with the Pilot and compares what the widgets show with what ``AdminClient`` returns.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic, OffsetSpec, ResourceType
from textual.widgets import Input, Static
from tui_support import refresh, running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.group_detail import GroupDetailScreen
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.screens.reset import ResetScreen
from airstream.monitor.screens.topic_detail import TopicDetailScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

PER_PARTITION = (30, 20, 10)
COMMITTED = (10, 5, 0)


@dataclass
class Cluster:
    bootstrap: str
    admin: AdminClient
    tweets: str
    scores: str
    audit: str       # Empty group with commits on tweets
    scorer: str      # live group (one member) on scores

    def app(self, **options: object) -> AirmonApp:
        return AirmonApp.for_kafka({"bootstrap.servers": self.bootstrap}, refresh_interval=3600, **options)

    def watermarks(self, topic: str, partitions: int) -> list[tuple[int, int]]:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        low = self.admin.list_offsets({tp: OffsetSpec.earliest() for tp in tps})
        high = self.admin.list_offsets({tp: OffsetSpec.latest() for tp in tps})
        return [(low[tp].result().offset, high[tp].result().offset) for tp in tps]

    def committed(self, group: str) -> dict[tuple[str, int], int]:
        result = self.admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
        return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions}

    def group_ids(self) -> set[str]:
        return {g.group_id for g in self.admin.list_consumer_groups().result().valid}


@pytest.fixture(scope="module")
def cluster(kafka_cluster: str) -> Iterator[Cluster]:
    prefix = f"tui-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    c = Cluster(kafka_cluster, admin, f"{prefix}-tweets", f"{prefix}-scores", f"{prefix}-audit", f"{prefix}-scorer")
    tweets = NewTopic(c.tweets, 3, 1, config={"retention.ms": "259200000", "max.message.bytes": "2097152"})
    for f in admin.create_topics([tweets, NewTopic(c.scores, 1, 1)]).values():
        f.result()
    producer = Producer({"bootstrap.servers": kafka_cluster})
    for partition, count in enumerate(PER_PARTITION):
        for i in range(count):
            producer.produce(c.tweets, key=f"k{partition}-{i}",
                             value=orjson.dumps({"n": i, "text": f"tweet {i} on {partition}"}),
                             partition=partition, headers=[("source", b"tui-test")])
    for i in range(5):
        producer.produce(c.scores, key=f"s{i}", value=b"score", partition=0)
    assert producer.flush(30) == 0

    audit = Consumer({"bootstrap.servers": kafka_cluster, "group.id": c.audit, "enable.auto.commit": False})
    audit.commit(offsets=[TopicPartition(c.tweets, p, o) for p, o in enumerate(COMMITTED)], asynchronous=False)
    audit.close()

    scorer = Consumer({"bootstrap.servers": kafka_cluster, "group.id": c.scorer, "enable.auto.commit": False,
                       "auto.offset.reset": "earliest", "client.id": "scorer-client"})
    scorer.subscribe([c.scores])
    deadline = time.monotonic() + 30
    while not scorer.assignment() and time.monotonic() < deadline:
        scorer.poll(0.2)
    assert scorer.assignment(), "the live consumer never got its partition"
    scorer.commit(offsets=[TopicPartition(c.scores, 0, 3)], asynchronous=False)
    yield c
    scorer.close()


async def test_overview_counts_match_the_admin_api(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=1, size=(120, 40)):
        metadata = cluster.admin.list_topics(timeout=10)
        summary = str(app.screen.query_one("#summary", Static).render())
        partitions = sum(len(t.partitions) for t in metadata.topics.values())
        brokers = len(metadata.brokers)
        controller = cluster.admin.describe_cluster().result().controller.id
        assert (f"{brokers} broker{'s' if brokers > 1 else ''}, controller {controller}"
                f" · {len(metadata.topics)} topics · {partitions:,} partitions") in summary
        topics = app.screen.query_one("#topics", LiveTable)
        assert topics.cells(cluster.tweets)[1] == f"{sum(PER_PARTITION)}"
        groups = app.screen.query_one("#groups", LiveTable)
        assert groups.cells(cluster.audit)[:3] == [cluster.audit, "Empty", "45"]


async def test_topics_screen_matches_watermarks_and_committed_offsets(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=1, size=(160, 40)) as pilot:
        await pilot.press("t", "slash", *cluster.tweets[:12])
        table = app.screen.query_one("#topics", LiveTable)
        assert table.row_keys == sorted([cluster.tweets, cluster.scores])
        stored = sum(high - low for low, high in cluster.watermarks(cluster.tweets, 3))
        committed = cluster.committed(cluster.audit)
        lag = sum(high - committed[(cluster.tweets, p)]
                  for p, (_, high) in enumerate(cluster.watermarks(cluster.tweets, 3)))
        assert table.cells(cluster.tweets)[:3] == [cluster.tweets, "3", "1"]
        assert table.cells(cluster.tweets)[4] == f"{stored}"
        assert table.cells(cluster.tweets)[5] == f"{cluster.audit} ({lag})"
        assert table.cells(cluster.scores)[5] == f"{cluster.scorer} (2)"


async def test_topic_detail_shows_leaders_watermarks_and_config(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        app.open_topic(cluster.tweets)
        await settle(pilot)
        assert isinstance(app.screen, TopicDetailScreen)
        parts = app.screen.query_one("#partitions", LiveTable)
        metadata = cluster.admin.list_topics(cluster.tweets, timeout=10).topics[cluster.tweets]
        for p, (low, high) in enumerate(cluster.watermarks(cluster.tweets, 3)):
            leader = metadata.partitions[p].leader
            assert parts.cells(str(p))[:7] == [str(p), str(leader), str(leader), str(leader), str(low), str(high),
                                               str(high - low)]
        resource = ConfigResource(ResourceType.TOPIC, cluster.tweets)
        configs = cluster.admin.describe_configs([resource])[resource].result()
        config = app.screen.query_one("#config", LiveTable)
        assert config.cells("retention.ms") == ["retention.ms", "3d00h", "this topic", "259200000"]
        assert config.cells("max.message.bytes") == ["max.message.bytes", "2.00 MiB", "this topic", "2097152"]
        assert config.cells("cleanup.policy")[1:] == [configs["cleanup.policy"].value, "default",
                                                      configs["cleanup.policy"].value]
        # The same answer as `kafka-configs --describe`: what the topic sets itself.
        overridden = sorted(k for k, v in configs.items() if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
        await pilot.press("d")
        assert config.row_keys == overridden == ["max.message.bytes", "retention.ms"]


async def test_groups_and_group_detail_match_committed_offsets_and_members(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=2, size=(160, 40)) as pilot:
        await pilot.press("g")
        table = app.screen.query_one("#groups", LiveTable)
        assert table.cells(cluster.audit)[:5] == [cluster.audit, "Empty", "0", "0", "45"]
        assert table.cells(cluster.scorer)[:5] == [cluster.scorer, "Stable", "1", "1", "2"]

        table.move_to_key(cluster.audit)
        await pilot.press("enter")
        assert isinstance(app.screen, GroupDetailScreen)
        parts = app.screen.query_one("#partitions", LiveTable)
        committed = cluster.committed(cluster.audit)
        for p, (_, high) in enumerate(cluster.watermarks(cluster.tweets, 3)):
            offset = committed[(cluster.tweets, p)]
            assert parts.cells(f"{cluster.tweets}/{p}")[:5] == [cluster.tweets, str(p), str(offset), str(high),
                                                                str(high - offset)]
        app.open_group(cluster.scorer)
        await pilot.pause()
        owner = app.screen.query_one("#partitions", LiveTable).cells(f"{cluster.scores}/0")
        assert owner[2:5] == ["3", "5", "2"] and owner[8] == "scorer-client"


async def test_time_lag_reads_the_oldest_unconsumed_record(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=1, size=(160, 40)) as pilot:
        app.open_group(cluster.audit)
        await pilot.pause()
        await pilot.press("l")
        await settle(pilot)
        parts = app.screen.query_one("#partitions", LiveTable)
        rows = [parts.cells(f"{cluster.tweets}/{p}") for p in range(3)]
        # Records were produced moments ago: every lagging partition has an age in seconds or minutes.
        ages = [row[7] for row in rows]
        assert all(a != "-" and a[-1] == "s" for a in ages), ages
        # Its commits came from the commit log: each partition shows how long ago it last committed.
        assert all(row[6].endswith("s ago") for row in rows), rows


async def test_messages_screen_reads_the_partition_from_earliest(cluster: Cluster) -> None:
    app = cluster.app()
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        app.open_messages(cluster.tweets, 1)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MessagesScreen)
        await pilot.press("e")
        await settle(pilot)
        table = screen.query_one("#messages", LiveTable)
        assert table.row_keys == [f"1/{i}" for i in range(PER_PARTITION[1])]
        assert table.cells("1/4")[3:] == ["k1-4", '{"n":4,"text":"tweet 4 on 1"}']
        table.move_to_key("1/4")
        await pilot.pause()
        shown = str(screen.query_one("#record", Static).render())
        assert '"text": "tweet 4 on 1"' in shown and "headers source: tui-test" in shown
        await pilot.press("p", "1", "5", "enter")
        await settle(pilot)
        assert table.row_keys == ["1/15", "1/16", "1/17", "1/18", "1/19"]


async def test_reset_to_latest_then_delete_the_empty_group(cluster: Cluster) -> None:
    app = cluster.app(allow_writes=True)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        app.open_group(cluster.audit)
        await pilot.pause()
        await pilot.press("R")
        assert isinstance(app.screen, ResetScreen)
        app.screen.query_one("#reset-scope", Input).value = cluster.tweets
        await pilot.press(*"-3", "enter")  # a preview first: back by 3 from the commits
        await settle(pilot)
        before = cluster.committed(cluster.audit)
        preview = app.screen.query_one("#reset-preview", LiveTable)
        assert preview.column_text("offset") == [str(max(before[(cluster.tweets, p)] - 3, 0)) for p in range(3)]
        app.screen.query_one("#reset-to", Input).value = "latest"
        app.screen.query_one("#reset-to", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*cluster.audit, "enter")
        await settle(pilot)
        ends = {(cluster.tweets, p): high for p, (_, high) in enumerate(cluster.watermarks(cluster.tweets, 3))}
        assert cluster.committed(cluster.audit) == ends
        await refresh(pilot)
        assert "lag 0" in str(app.screen.query_one("#heading", Static).render())

        await pilot.press("D", *cluster.audit, "enter")
        await settle(pilot)
        assert cluster.audit not in cluster.group_ids()
        assert f"Group {cluster.audit} no longer exists." in screen_text(app)


async def test_deleting_a_group_with_members_is_refused_with_the_reason(cluster: Cluster) -> None:
    app = cluster.app(allow_writes=True)
    async with running(app, refreshes=1, size=(160, 40)) as pilot:
        app.open_group(cluster.scorer)
        await pilot.pause()
        await pilot.press("D", *cluster.scorer, "enter")
        await settle(pilot)
        assert cluster.scorer in cluster.group_ids()
        assert "stop its consumers first" in screen_text(app)
