"""airmon's message browser against the real broker: every partition merged by time, positions (a time,
a group's commits), a search over the whole topic that finds one tweet and says who wrote it, and the
bounds a search stops at. The expected answers come from a plain consumer reading everything."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.connectors.tweets import REPLAY_CLIENT_ID, SAMPLE_CSV, TweetReplay
from airstream.monitor.browse import KafkaBrowser, Position
from airstream.monitor.producing import KafkaMessageWriter
from airstream.monitor.search import Query
from airstream.topology.tracing import TracingProducer

pytestmark = pytest.mark.kafka

PARTITIONS = 4


def _everything(bootstrap: str, topic: str, total: int) -> list[tuple[int, int, int, bytes, bytes]]:
    """(timestamp, partition, offset, key, value) of every record, as a plain consumer reads them."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{topic}", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    out = []
    while len(out) < total:
        for msg in consumer.consume(500, timeout=1):
            assert msg.error() is None, msg.error()
            out.append((msg.timestamp()[1], msg.partition(), msg.offset(), msg.key(), msg.value()))
    consumer.close()
    return sorted(out)


@pytest.fixture(scope="module")
def tweets(kafka_cluster: str) -> Iterator[tuple[str, list[tuple[int, int, int, bytes, bytes]]]]:
    topic = f"browse-tweets-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result()
    sent = list(TweetReplay(SAMPLE_CSV))
    # One millisecond apart, in the order of the file: records produced within the same millisecond
    # tie, and a page of 100 tied records is ordered by partition alone, so it need not reach every one.
    first = int(time.time() * 1000) - len(sent)
    producer = TracingProducer({"bootstrap.servers": kafka_cluster, "client.id": REPLAY_CLIENT_ID,
                                "partitioner": "murmur2_random"})
    for i, tweet in enumerate(sent):
        producer.produce(topic, key=tweet["id_str"].encode(), value=orjson.dumps(tweet), timestamp=first + i)
        producer.poll(0)
    assert producer.close(30) == 0
    yield topic, _everything(kafka_cluster, topic, len(sent))
    admin.delete_topics([topic])


@pytest.fixture
def browser(kafka_cluster: str) -> Iterator[KafkaBrowser]:
    b = KafkaBrowser({"bootstrap.servers": kafka_cluster})
    yield b
    b.close()


def test_a_page_merges_every_partition_by_timestamp(tweets, browser: KafkaBrowser) -> None:  # type: ignore[no-untyped-def]
    topic, stored = tweets
    page = browser.read(topic, Position.earliest(), limit=100)
    assert [(m.timestamp_ms, m.partition, m.offset) for m in page.messages] == [r[:3] for r in stored[:100]]
    assert {m.partition for m in page.messages} == set(range(PARTITIONS))
    assert page.stored == len(stored)
    following = browser.read(topic, page.next_position(), limit=100)
    assert [(m.timestamp_ms, m.partition, m.offset) for m in following.messages] == [r[:3] for r in stored[100:200]]
    newest = browser.read(topic, Position.latest(), limit=50)
    assert [(m.partition, m.offset) for m in newest.messages] == [r[1:3] for r in stored[-50:]]


def test_one_partition_is_read_in_offset_order(tweets, browser: KafkaBrowser) -> None:  # type: ignore[no-untyped-def]
    topic, _ = tweets
    page = browser.read(topic, Position.at_offset(3), partition=2, limit=5)
    assert [(m.partition, m.offset) for m in page.messages] == [(2, o) for o in range(3, 8)]


def test_reading_from_a_time_and_from_a_groups_commits(tweets, browser: KafkaBrowser,  # type: ignore[no-untyped-def]
                                                       kafka_cluster: str, unique_name: str) -> None:
    topic, stored = tweets
    middle = stored[len(stored) // 2][0]
    page = browser.read(topic, Position.at_time(middle), limit=20)
    assert [r[:3] for r in stored if r[0] >= middle][:20] == [(m.timestamp_ms, m.partition, m.offset)
                                                                for m in page.messages]
    consumer = Consumer({"bootstrap.servers": kafka_cluster, "group.id": unique_name})
    consumer.commit(offsets=[TopicPartition(topic, p, 5 * (p + 1)) for p in range(PARTITIONS)], asynchronous=False)
    consumer.close()
    page = browser.read(topic, Position.committed(unique_name), limit=1000)
    firsts = {p: min(m.offset for m in page.messages if m.partition == p) for p in range(PARTITIONS)}
    assert firsts == {p: 5 * (p + 1) for p in range(PARTITIONS)}
    with pytest.raises(RuntimeError, match="group 'nobody-committed' has no committed offset"):
        browser.read(topic, Position.committed("nobody-committed"))


def test_search_finds_one_tweet_in_any_partition_and_who_wrote_it(tweets, browser: KafkaBrowser) -> None:  # type: ignore[no-untyped-def]
    topic, stored = tweets
    wanted = stored[-3]  # one of the last records: a page would never show it
    tweet_id = orjson.loads(wanted[4])["id_str"]
    seen: list[tuple[int, int]] = []
    result = browser.search(topic, Query.parse(f"$.id_str={tweet_id}"), Position.earliest(),
                            progress=lambda done, total: seen.append((done, total)))
    assert [(m.partition, m.offset) for m in result.matches] == [wanted[1:3]]
    assert result.scanned == len(stored) and result.stopped == "end of topic" and result.complete
    assert seen[-1] == (len(stored), len(stored))
    [found] = result.matches
    assert f"written by {REPLAY_CLIENT_ID} at" in found.header_text[0]


def test_search_stops_at_its_limits_and_time_range(tweets, browser: KafkaBrowser) -> None:  # type: ignore[no-untyped-def]
    topic, stored = tweets
    limited = browser.search(topic, Query.parse("zzz-nothing"), Position.earliest(), max_records=50)
    assert limited.scanned == 50 and limited.stopped == "limit of 50 records" and not limited.complete
    lo, hi = stored[10][0], stored[30][0]
    from datetime import UTC, datetime

    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat()

    ranged = browser.search(topic, Query.parse(f"after:{iso(lo)} before:{iso(hi)} airline"), Position.earliest())
    expected = [r[:3] for r in stored if lo <= r[0] < hi]
    assert [(m.timestamp_ms, m.partition, m.offset) for m in ranged.matches] == expected
    assert ranged.scanned < len(stored) // 2  # started at after:, stopped past before:
    cancel = threading.Event()
    cancel.set()
    assert browser.search(topic, Query.parse("x"), Position.earliest(), cancel=cancel).stopped == "cancelled"


def test_an_unknown_topic_is_named(browser: KafkaBrowser) -> None:
    with pytest.raises(RuntimeError, match="topic 'no-such-topic-here' does not exist"):
        browser.read("no-such-topic-here", Position.earliest())


def test_a_written_message_is_stored_where_it_says_and_read_back(kafka_cluster: str, unique_name: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(unique_name, 3, 1)])[unique_name].result()
    writer = KafkaMessageWriter({"bootstrap.servers": kafka_cluster})
    browser = KafkaBrowser({"bootstrap.servers": kafka_cluster})
    try:
        where = writer.produce(unique_name, key=b"k-1", value=b'{"text": "test"}', headers=[("source", b"airmon")],
                               partition=2)
        assert where == (2, 0)
        [m] = browser.read(unique_name, Position.earliest()).messages
        assert (m.partition, m.offset, m.key, m.value, m.headers) == (2, 0, b"k-1", b'{"text": "test"}',
                                                                       (("source", b"airmon"),))
        with pytest.raises(RuntimeError, match=f"producing to {unique_name}/7: .*[Uu]nknown partition"):
            writer.produce(unique_name, key=None, value=b"x", partition=7)
    finally:
        writer.close()
        browser.close()
