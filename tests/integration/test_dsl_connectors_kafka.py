"""to_sink on the Kafka runtime: offsets are committed only once the sink's flush() made the records durable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson
import pytest
from runtime_support import committed_offsets, create_topic, produce

from airstream.common.sink import SinkError, SinkRecord
from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.runtime import KafkaStreams

pytestmark = pytest.mark.kafka


class MemorySink:
    def __init__(self, fail_flush: bool) -> None:
        self.buffer: list[SinkRecord] = []
        self.durable: list[SinkRecord] = []
        self.fail_flush = fail_flush

    def write(self, records: Sequence[SinkRecord]) -> None:
        self.buffer.extend(records)

    def flush(self) -> dict[tuple[str, int], int]:
        if self.fail_flush:
            raise SinkError("memory sink: target unreachable")
        self.durable.extend(self.buffer)
        self.buffer.clear()
        return {}

    def release(self, partitions: Iterable[tuple[str, int]]) -> None:
        pass

    def close(self) -> None:
        pass


def run(bootstrap: str, topic: str, group: str, sink: MemorySink) -> None:
    b = StreamsBuilder()
    b.stream(topic, key_serde=Serdes.String(), value_serde=Serdes.Json()).to_sink(sink, name="memory")
    KafkaStreams(b.build(), {"bootstrap.servers": bootstrap, "application.id": group}).run(idle_timeout=3)


def test_offsets_follow_the_sink_flush(kafka_cluster: str, unique_name: str) -> None:
    topic = f"{unique_name}-in"
    create_topic(kafka_cluster, topic, 2)
    produce(kafka_cluster, topic, [(str(i).encode(), orjson.dumps({"id": i})) for i in range(40)])

    down = MemorySink(fail_flush=True)
    with pytest.raises(Exception, match="unreachable"):
        run(kafka_cluster, topic, f"{unique_name}-down", down)
    assert all(o < 0 for o in committed_offsets(kafka_cluster, f"{unique_name}-down", topic, 2).values())

    up = MemorySink(fail_flush=False)
    run(kafka_cluster, topic, f"{unique_name}-up", up)
    assert sorted(r.value["id"] for r in up.durable) == list(range(40))
    committed = committed_offsets(kafka_cluster, f"{unique_name}-up", topic, 2)
    per_partition = {p: sum(1 for r in up.durable if r.partition == p) for p in (0, 1)}
    assert committed == per_partition
