"""The broker goes away for 20 seconds mid-run: the application retries, resumes by itself and
loses nothing. Uses a broker of its own (not the shared fixture's), since it stops it."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from ci_support import missing
from runtime_support import (
    create_topic,
    duplicates,
    partition_report,
    produce_in_background,
    read_table,
    read_topic,
)

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.kafka_local import KafkaStartError, LocalKafka
from airstream.topology.runtime import KafkaStreams, State

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

RECORDS = 9_000


@pytest.fixture(scope="module")
def own_kafka() -> Iterator[LocalKafka]:
    try:
        kafka = LocalKafka().start()
    except KafkaStartError as exc:
        missing("the local Kafka broker could not be started", str(exc))
    try:
        yield kafka
    finally:
        kafka.stop()


def _topology(source: str, upper: str, counts: str):
    b = StreamsBuilder()
    s = b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
    s.map_values(str.upper).to(upper, key_serde=Serdes.String(), value_serde=Serdes.String())
    (s.group_by(lambda k, v: k, key_serde=Serdes.String(), value_serde=Serdes.String())
      .count(name="counts").to_stream().to(counts, key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once_v2"])
def test_broker_stopped_for_20s_mid_run(own_kafka: LocalKafka, unique_name: str, guarantee: str,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="airstream.topology.runtime")  # assignments and rewinds, should it fail
    bootstrap = own_kafka.bootstrap
    source, upper, counts = f"{unique_name}-in", f"{unique_name}-upper", f"{unique_name}-counts"
    create_topic(bootstrap, source, 3)
    records = [(f"k{i % 30}".encode(), f"v{i}".encode()) for i in range(RECORDS)]
    app = KafkaStreams(_topology(source, upper, counts), {
        "bootstrap.servers": bootstrap, "application.id": unique_name, "processing.guarantee": guarantee,
        "commit.interval.ms": 200})
    app.start()
    try:
        producer = produce_in_background(bootstrap, source, records, rate=1_000)
        assert app.wait_until(lambda a: a.metrics()["process-total"] >= 2_000, 60)
        own_kafka.stop_node(1)
        time.sleep(20)
        assert app.state is not State.ERROR, app.exception
        own_kafka.start_node(1)
        producer.join(120)
        out = read_topic(bootstrap, upper, RECORDS, timeout=120, settle=3)
        expected = Counter(k for k, _ in records)
        table = read_table(bootstrap, counts, lambda t: all(t.get(k, 0) >= n for k, n in expected.items()))
        assert app.state is State.RUNNING, app.exception
    finally:
        app.close(60)
    written = read_topic(bootstrap, source, RECORDS, settle=0)
    assert len(written) == RECORDS  # the test's own producer lost nothing
    values = [m.value() for m in out]
    assert set(values) == {v.upper() for _, v in records}, partition_report(bootstrap, upper, out)
    assert all(table[k] >= n for k, n in expected.items())
    if guarantee == "exactly_once_v2":
        assert duplicates(values) == 0
        assert table == dict(expected)
