"""Records too large to write never stop a pipeline (real broker): a poison record near the topic
limit is dead-lettered whole or cut to fit the dead-letter topic; an output record over its topic's
limit is dead-lettered, counted or reported by ``production.exception.handler``."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic
from runtime_support import Instance, committed_offsets, read_topic

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.errors import StreamsException
from airstream.topology.runtime import KafkaStreams

pytestmark = pytest.mark.kafka

POISON = 1_010_000  # legal on a topic with default limits (1,048,588), over librdkafka's default 1,000,000


def _topic(bootstrap: str, name: str, **config: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the topic exists
    admin.create_topics([NewTopic(name, 1, 1, config=config)])[name].result(30)


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 2_000_000})
    for i, value in enumerate(values):
        producer.produce(topic, value, f"k{i}".encode())
    assert producer.flush(30) == 0


def _json_upper(source: str, out: str):
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.Json())
      .map_values(lambda v: {**v, "text": v["text"].upper()})
      .to(out, key_serde=Serdes.String(), value_serde=Serdes.Json()))
    return b.build()


def _config(bootstrap: str, app: str, guarantee: str, **extra: str) -> dict[str, str]:
    return {"bootstrap.servers": bootstrap, "application.id": app, "processing.guarantee": guarantee,
            "commit.interval.ms": "200", **extra}


def _good(n: int) -> list[bytes]:
    return [json.dumps({"text": f"tweet {i}"}).encode() for i in range(n)]


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once_v2"])
def test_a_poison_record_of_a_megabyte_is_dead_lettered_whole_and_the_pipeline_goes_on(
        kafka_cluster: str, unique_name: str, guarantee: str) -> None:
    source, out, dlq = (f"{unique_name}-{s}" for s in ("in", "out", "dlq"))
    _topic(kafka_cluster, source)
    poison = b"{" + b"x" * (POISON - 1)
    _produce(kafka_cluster, source, [*_good(3), poison, *_good(3)])

    app = KafkaStreams(_json_upper(source, out), _config(
        kafka_cluster, f"{unique_name}-app", guarantee, **{"default.deserialization.exception.handler": "dlq",
                                                           "errors.dead.letter.queue.topic.name": dlq}))
    app.run(idle_timeout=3)

    assert len(read_topic(kafka_cluster, out, 6)) == 6
    [dead] = read_topic(kafka_cluster, dlq, 1)
    headers = dict(dead.headers())
    assert dead.value() == poison  # the whole record: the producer's limit follows the topic's
    assert headers["__streams.errors.offset"] == b"3" and "airstream.dlq.cut" not in headers
    assert committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 7}
    assert app.metrics()["dropped-records-total"] == 1


def test_a_dead_letter_record_too_large_for_its_topic_is_cut_to_fit_with_headers_saying_so(
        kafka_cluster: str, unique_name: str) -> None:
    source, out, dlq = (f"{unique_name}-{s}" for s in ("in", "out", "dlq"))
    _topic(kafka_cluster, source)
    _topic(kafka_cluster, dlq, **{"max.message.bytes": "100000"})
    poison = b"[" + bytes(range(256)) * (POISON // 256)
    _produce(kafka_cluster, source, [poison, *_good(2)])

    app = KafkaStreams(_json_upper(source, out), _config(
        kafka_cluster, f"{unique_name}-app", "at_least_once", **{
            "default.deserialization.exception.handler": "dlq", "errors.dead.letter.queue.topic.name": dlq}))
    app.run(idle_timeout=3)

    assert len(read_topic(kafka_cluster, out, 2)) == 2
    [dead] = read_topic(kafka_cluster, dlq, 1)
    headers = dict(dead.headers())
    assert headers["airstream.dlq.cut"] == b"value"
    assert headers["airstream.dlq.original.value.size"] == str(len(poison)).encode()
    assert headers["airstream.dlq.original.value.sha256"] == hashlib.sha256(poison).hexdigest().encode()
    assert 90_000 < len(dead.value()) < 100_000 and poison.startswith(dead.value())
    assert headers["__streams.errors.topic"] == source.encode() and headers["__streams.errors.offset"] == b"0"
    assert committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 3}


def _repeat_when_big(source: str, out: str):
    """Values are repeated 300 times when they say so: a small input makes an output too large."""
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
      .map_values(lambda v: v * 300 if v.startswith("big") else v)
      .to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
    return b.build()


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once_v2"])
def test_an_output_record_over_the_topic_limit_goes_to_the_dlq_under_dlq(
        kafka_cluster: str, unique_name: str, guarantee: str) -> None:
    source, out, dlq = (f"{unique_name}-{s}" for s in ("in", "out", "dlq"))
    _topic(kafka_cluster, source)
    big = "big" + "y" * 4997  # 5,000 bytes in, 1,500,000 out
    _produce(kafka_cluster, source, [b"a", big.encode(), b"b"])

    app = KafkaStreams(_repeat_when_big(source, out), _config(
        kafka_cluster, f"{unique_name}-app", guarantee, **{"processing.exception.handler": "dlq",
                                                           "errors.dead.letter.queue.topic.name": dlq}))
    app.run(idle_timeout=3)

    assert [m.value() for m in read_topic(kafka_cluster, out, 2)] == [b"a", b"b"]
    [dead] = read_topic(kafka_cluster, dlq, 1)
    headers = dict(dead.headers())
    assert headers["__streams.errors.exception"] == b"org.apache.kafka.common.errors.RecordTooLargeException"
    assert headers["airstream.errors.output.topic"] == out.encode()
    assert headers["airstream.dlq.original.value.size"] == b"1500000"
    assert (big * 300).encode().startswith(dead.value()) and dead.key() == b"k1"
    assert app.metrics()["dropped-records-total"] == 1
    assert committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 3}


def test_an_output_record_over_the_topic_limit_is_counted_and_skipped_under_continue(
        kafka_cluster: str, unique_name: str) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    _topic(kafka_cluster, source)
    _topic(kafka_cluster, out, **{"max.message.bytes": "200000"})  # below the producer's: measured first
    _produce(kafka_cluster, source, [b"a", b"big" + b"y" * 997, b"b"])  # 300,000 bytes out

    app = KafkaStreams(_repeat_when_big(source, out), _config(
        kafka_cluster, f"{unique_name}-app", "at_least_once", **{"processing.exception.handler": "continue"}))
    app.run(idle_timeout=3)

    assert [m.value() for m in read_topic(kafka_cluster, out, 2)] == [b"a", b"b"]
    assert app.metrics()["dropped-records-total"] == 1
    assert committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 3}


def test_under_fail_an_oversized_output_stops_with_the_topic_the_size_and_the_fix(
        kafka_cluster: str, unique_name: str) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    _topic(kafka_cluster, source)
    _produce(kafka_cluster, source, [b"big" + b"y" * 4997])

    app = KafkaStreams(_repeat_when_big(source, out), _config(kafka_cluster, f"{unique_name}-app", "at_least_once"))
    with pytest.raises(StreamsException) as err:
        app.run(idle_timeout=3)
    assert f"an output record of 1500002 bytes is larger than the 1048076 bytes topic '{out}' takes" in str(err.value)
    assert "production.exception.handler to 'continue' or 'dlq'" in str(err.value)


class _RefusesTheFirstSeeks(Consumer):
    """librdkafka refuses a seek (``_STATE``) while the partition is not being fetched, as when its
    leader is away after an outage; this consumer refuses the first ``refusals`` seeks so."""

    refusals = 0

    def seek(self, partition: TopicPartition) -> None:
        if type(self).refusals > 0:
            type(self).refusals -= 1
            raise KafkaException(KafkaError(KafkaError._STATE, "Failed to seek: Local: Erroneous state"))
        super().seek(partition)


@pytest.mark.parametrize("seek_refusals", [0, 3], ids=["seek-taken", "seek-refused-at-first"])
def test_a_topic_that_lowers_its_limit_while_running_refuses_once_then_records_are_measured(
        kafka_cluster: str, unique_name: str, seek_refusals: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The refused batch is redone from the last commit; a rewind whose seek is refused must not go on
    # from where the consumer was (that would lose the batch).
    monkeypatch.setattr(_RefusesTheFirstSeeks, "refusals", seek_refusals)
    monkeypatch.setattr("airstream.topology.runtime.streams.Consumer", _RefusesTheFirstSeeks)
    source, out, dlq = (f"{unique_name}-{s}" for s in ("in", "out", "dlq"))
    _topic(kafka_cluster, source)
    _topic(kafka_cluster, out)
    _produce(kafka_cluster, source, [b"a"])
    app = KafkaStreams(_repeat_when_big(source, out), _config(
        kafka_cluster, f"{unique_name}-app", "at_least_once", **{"processing.exception.handler": "dlq",
                                                                "errors.dead.letter.queue.topic.name": dlq,
                                                                "tracing.enabled": "false"}))
    app.start()
    try:
        # Committed, "a" is not redone when the refused batch is (at-least-once would write it twice).
        assert app.wait_until(lambda a: committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 1},
                              60)
        admin = AdminClient({"bootstrap.servers": kafka_cluster})
        resource = ConfigResource(ConfigResource.Type.TOPIC, out, incremental_configs=[
            ConfigEntry("max.message.bytes", "20000", incremental_operation=AlterConfigOpType.SET)])
        admin.incremental_alter_configs([resource])[resource].result(30)
        # librdkafka lets 30,000 bytes through; the broker refuses them; redone, they are measured.
        _produce(kafka_cluster, source, [b"big" + b"y" * 97, b"b"])
        assert app.wait_until(lambda a: a.metrics()["dropped-records-total"] >= 1, 60)
    finally:
        app.close()
    assert _RefusesTheFirstSeeks.refusals == 0
    assert [m.value() for m in read_topic(kafka_cluster, out, 2)] == [b"a", b"b"]
    [dead] = read_topic(kafka_cluster, dlq, 1)
    assert dict(dead.headers())["airstream.errors.output.topic"] == out.encode()
    assert dead.value() == (b"big" + b"y" * 97) * 300


def test_airstream_run_dead_letters_a_megabyte_poison_record_and_goes_on(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    source, out, dlq = (f"{unique_name}-{s}" for s in ("in", "out", "dlq"))
    _topic(kafka_cluster, source)
    script = tmp_path / "upper.py"
    script.write_text(textwrap.dedent(f"""
        from airstream.topology import Serdes, StreamsBuilder

        b = StreamsBuilder()
        (b.stream({source!r}, key_serde=Serdes.String(), value_serde=Serdes.Json())
          .map_values(lambda v: {{**v, "text": v["text"].upper()}})
          .to({out!r}, key_serde=Serdes.String(), value_serde=Serdes.Json()))
        topology = b.build()
    """))
    _produce(kafka_cluster, source, [*_good(2), b"{" + b"x" * (POISON - 1), *_good(2)])
    app = Instance(f"{script}:topology", kafka_cluster, f"{unique_name}-app", "one", tmp_path, extra=[
        "-X", "default.deserialization.exception.handler=dlq", "-X", f"errors.dead.letter.queue.topic.name={dlq}",
        "-X", "commit.interval.ms=200"])
    try:
        assert len(read_topic(kafka_cluster, out, 4)) == 4, app.log()[-2000:]
        [dead] = read_topic(kafka_cluster, dlq, 1)
        assert len(dead.value()) == POISON
    finally:
        assert app.terminate() == 0, app.log()[-2000:]
    assert committed_offsets(kafka_cluster, f"{unique_name}-app", source, 1) == {0: 5}
