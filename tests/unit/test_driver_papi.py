"""The Kafka Streams testing guide's example, ported: a processor-API topology with a store
pre-filled by the test, stream-time and wall-clock punctuation."""

from datetime import UTC, datetime, timedelta

import pytest

from airstream.topology import Processor, PunctuationType, Record, Serdes, Stores, Topology
from airstream.topology.testing import TopologyTestDriver


class CustomMaxAggregator(Processor):
    def init(self, context):
        self.context = context
        context.schedule(timedelta(seconds=60), PunctuationType.WALL_CLOCK_TIME, lambda t: self.flush())
        context.schedule(timedelta(seconds=10), PunctuationType.STREAM_TIME, lambda t: self.flush())
        self.store = context.get_state_store("aggStore")

    def process(self, record):
        old = self.store.get(record.key)
        if old is None or record.value > old:
            self.store.put(record.key, record.value)

    def flush(self):
        for key, value in self.store.all():
            self.context.forward(Record(key, value, 0))


@pytest.fixture
def topics():
    topology = (Topology()
                .add_source("sourceProcessor", "input-topic")
                .add_processor("aggregator", CustomMaxAggregator, "sourceProcessor")
                .add_state_store(Stores.key_value_store_builder(
                    Stores.in_memory_key_value_store("aggStore"), Serdes.String(), Serdes.Long()
                ).with_logging_disabled(), "aggregator")
                .add_sink("sinkProcessor", "result-topic", "aggregator"))
    config = {"application.id": "max",
              "default.key.serde": "org.apache.kafka.common.serialization.Serdes$StringSerde",
              "default.value.serde": Serdes.Long()}
    driver = TopologyTestDriver(topology, config, initial_wall_clock_time_ms=1_000)
    inp = driver.create_input_topic("input-topic", Serdes.String(), Serdes.Long())
    out = driver.create_output_topic("result-topic", Serdes.String(), Serdes.Long())
    store = driver.get_key_value_store("aggStore")
    store.put("a", 21)
    yield driver, inp, out, store
    driver.close()


def test_should_flush_store_for_first_input(topics):
    _, inp, out, _ = topics
    inp.pipe_input("a", 1)
    assert out.read_key_value() == ("a", 21)
    assert out.is_empty()


def test_should_not_update_store_for_smaller_value(topics):
    _, inp, out, store = topics
    inp.pipe_input("a", 1)
    assert store.get("a") == 21
    assert out.read_key_value() == ("a", 21)
    assert out.is_empty()


def test_should_update_store_for_larger_value(topics):
    _, inp, out, store = topics
    inp.pipe_input("a", 42)
    assert store.get("a") == 42
    assert out.read_key_value() == ("a", 42)
    assert out.is_empty()


def test_should_update_store_for_new_key(topics):
    _, inp, out, store = topics
    inp.pipe_input("b", 21)
    assert store.get("b") == 21
    assert out.read_key_values_to_list() == [("a", 21), ("b", 21)]


def test_should_punctuate_if_event_time_advances(topics):
    _, inp, out, _ = topics
    record_time = datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC)
    inp.pipe_input("a", 1, record_time)
    assert out.read_key_value() == ("a", 21)
    inp.pipe_input("a", 1, record_time)
    assert out.is_empty()
    inp.pipe_input("a", 1, record_time + timedelta(seconds=10))
    assert out.read_key_value() == ("a", 21)
    assert out.is_empty()


def test_should_punctuate_if_wall_clock_time_advances(topics):
    driver, _, out, _ = topics
    driver.advance_wall_clock_time(timedelta(seconds=60))
    assert out.read_key_value() == ("a", 21)
    assert out.is_empty()


def test_processor_api_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown parent"):
        Topology().add_source("s", "in").add_processor("p", CustomMaxAggregator, "nope")
    with pytest.raises(ValueError, match="not a processor added with add_processor"):
        Topology().add_source("s", "in").add_state_store(Stores.key_value_store("x"), "s")
