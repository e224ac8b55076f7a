"""Joins on Kafka: a stream-table join shared by two instances (co-partitioned tasks stay together)
and a global-table lookup (every instance reads the whole table)."""

from __future__ import annotations

import pytest
from runtime_support import create_topic, produce, read_topic

from airstream.topology import KafkaStreams, Serdes, StreamsBuilder

pytestmark = pytest.mark.kafka

USERS = 50
CLICKS = 2_000


def _config(bootstrap: str, app_id: str, instance: str) -> dict[str, object]:
    return {"bootstrap.servers": bootstrap, "application.id": app_id, "client.id": instance,
            "commit.interval.ms": 100, "consumer.session.timeout.ms": 6000}


def _run_two(topology_factory, bootstrap: str, app_id: str, loaded: int, then) -> list:
    apps = [KafkaStreams(topology_factory(), _config(bootstrap, app_id, name)) for name in ("one", "two")]
    for app in apps:
        app.start()
    try:
        # Both instances own tasks, and between them all of them, before the clicks arrive.
        assert apps[0].wait_until(lambda _: all(a.tasks() for a in apps)
                                  and len({t for a in apps for t in a.tasks()}) == 4, 60)
        assert apps[0].wait_until(lambda _: sum(a.metrics()["process-total"] for a in apps) >= loaded, 60)
        then()
        assert apps[0].wait_until(lambda _: sum(a.metrics()["process-total"] for a in apps) >= loaded + CLICKS, 60)
        assert all(a.metrics()["process-total"] > 0 for a in apps)  # both instances did work
        assert not set(apps[0].tasks()) & set(apps[1].tasks())
    finally:
        for app in apps:
            assert app.close(30)
    assert all(a.exception is None for a in apps)
    return apps


def test_stream_table_join_across_two_instances(kafka_cluster: str, unique_name: str) -> None:
    clicks, users, out = f"{unique_name}-clicks", f"{unique_name}-users", f"{unique_name}-out"
    create_topic(kafka_cluster, clicks, 4)
    create_topic(kafka_cluster, users, 4)
    produce(kafka_cluster, users, [(f"u{i}".encode(), f"name{i}".encode()) for i in range(USERS)])

    def topology():
        b = StreamsBuilder()
        table = b.table(users, key_serde=Serdes.String(), value_serde=Serdes.String(), name="users")
        (b.stream(clicks, key_serde=Serdes.String(), value_serde=Serdes.String())
          .join(table, lambda click, name: f"{name}:{click}")
          .to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
        return b.build()

    records = [(f"u{i % USERS}".encode(), f"c{i}".encode()) for i in range(CLICKS)]
    _run_two(topology, kafka_cluster, unique_name, USERS, lambda: produce(kafka_cluster, clicks, records))
    got = read_topic(kafka_cluster, out, CLICKS)
    assert sorted(m.value() for m in got) == sorted(f"name{k.decode()[1:]}:{v.decode()}".encode() for k, v in records)


def test_global_table_lookup_on_every_instance(kafka_cluster: str, unique_name: str) -> None:
    tweets, airlines, out = f"{unique_name}-tweets", f"{unique_name}-airlines", f"{unique_name}-out"
    create_topic(kafka_cluster, tweets, 4)
    create_topic(kafka_cluster, airlines, 1)
    codes = {"UA": "United", "DL": "Delta", "AA": "American"}
    produce(kafka_cluster, airlines, [(k.encode(), v.encode()) for k, v in codes.items()])

    def topology():
        b = StreamsBuilder()
        names = b.global_table(airlines, key_serde=Serdes.String(), value_serde=Serdes.String(), name="airlines")
        (b.stream(tweets, key_serde=Serdes.String(), value_serde=Serdes.Json())
          .join(names, lambda key, tweet: tweet["code"], lambda tweet, name: {"id": tweet["id"], "airline": name})
          .to(out, key_serde=Serdes.String(), value_serde=Serdes.Json()))
        return b.build()

    records = [(f"t{i}".encode(), b'{"id": %d, "code": "%s"}' % (i, list(codes)[i % 3].encode()))
               for i in range(CLICKS)]
    _run_two(topology, kafka_cluster, unique_name, 0, lambda: produce(kafka_cluster, tweets, records))
    got = read_topic(kafka_cluster, out, CLICKS)
    assert len(got) == CLICKS
    assert {m.value() for m in got} == {
        b'{"id":%d,"airline":"%s"}' % (i, codes[list(codes)[i % 3]].encode()) for i in range(CLICKS)}


def test_poison_record_in_a_global_table_goes_to_the_dlq(kafka_cluster: str, unique_name: str) -> None:
    tweets, airlines, dlq = f"{unique_name}-tweets", f"{unique_name}-airlines", f"{unique_name}-dlq"
    create_topic(kafka_cluster, tweets, 1)
    create_topic(kafka_cluster, airlines, 1)
    produce(kafka_cluster, airlines, [(b"UA", b'{"name": "United"}'), (b"XX", b"{broken")])
    b = StreamsBuilder()
    names = b.global_table(airlines, key_serde=Serdes.String(), value_serde=Serdes.Json(), name="airlines")
    (b.stream(tweets, key_serde=Serdes.String(), value_serde=Serdes.String())
      .join(names, lambda key, code: code, lambda code, airline: airline["name"])
      .to(f"{unique_name}-out", key_serde=Serdes.String(), value_serde=Serdes.String()))
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
                                   "default.deserialization.exception.handler": "dlq",
                                   "errors.dead.letter.queue.topic.name": dlq})
    app.run(idle_timeout=2)
    [dead] = read_topic(kafka_cluster, dlq, 1)
    assert (dead.key(), dead.value()) == (b"XX", b"{broken")
    assert dict(dead.headers())["__streams.errors.topic"] == airlines.encode()
