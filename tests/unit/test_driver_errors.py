"""Exception handlers: fail names the record and processor, continue counts, dlq keeps the bytes."""

import pytest

from airstream.topology import DeserializationException, ProcessingException, Serdes, StreamsBuilder
from airstream.topology.errors import DLQ_HEADERS, TopologyException
from airstream.topology.serdes import JsonSerde, SerdeError
from airstream.topology.testing import TopologyTestDriver


def json_topology():
    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
      .map_values(lambda v: v["text"].upper(), name="shout")
      .to("out", value_serde=Serdes.String()))
    return b.build()


def pipe_raw(driver, key, value):
    raw = driver.create_input_topic("tweets", Serdes.Bytes(), Serdes.Bytes())
    raw.pipe_input(key, value, timestamp=7, headers=[("origin", b"test")])


def test_fail_is_the_default_and_names_topic_partition_offset():
    with TopologyTestDriver(json_topology()) as driver:
        pipe_raw(driver, b"k", b'{"text": "ok"}')
        with pytest.raises(DeserializationException) as err:
            pipe_raw(driver, b"k", b"{not json")
    e = err.value
    assert (e.topic, e.partition, e.offset) == ("tweets", 0, 1)
    assert "topic 'tweets' partition 0 offset 1" in str(e)
    assert "default.deserialization.exception.handler" in str(e)


def test_processing_failure_names_the_processor():
    with TopologyTestDriver(json_topology()) as driver, pytest.raises(ProcessingException) as err:
        pipe_raw(driver, b"k", b'{"no_text": 1}')
    assert err.value.processor == "shout"
    assert isinstance(err.value.__cause__, KeyError)
    assert "in processor 'shout'" in str(err.value)


def test_continue_skips_and_counts_bad_records():
    config = {"default.deserialization.exception.handler": "continue",
              "processing.exception.handler": "continue"}
    with TopologyTestDriver(json_topology(), config) as driver:
        pipe_raw(driver, b"k", b"{not json")
        pipe_raw(driver, b"k", b'{"no_text": 1}')
        pipe_raw(driver, b"k", b'{"text": "fine"}')
        assert driver.create_output_topic("out").read_values_to_list() == ["FINE"]
        assert driver.metrics()["dropped-records-total"] == 2


def test_dlq_keeps_the_original_bytes_with_kip_1034_headers():
    config = {"default.deserialization.exception.handler": "dlq",
              "processing.exception.handler": "dlq",
              "errors.dead.letter.queue.topic.name": "tweets-dlq"}
    with TopologyTestDriver(json_topology(), config) as driver:
        pipe_raw(driver, b"k1", b"{not json")
        pipe_raw(driver, b"k2", b'{"no_text": 1}')
        pipe_raw(driver, b"k3", b'{"text": "fine"}')
        assert driver.create_output_topic("out").read_values_to_list() == ["FINE"]
        dlq = driver.create_output_topic("tweets-dlq", Serdes.Bytes(), Serdes.Bytes()).read_records_to_list()
    assert [(r.key, r.value, r.timestamp) for r in dlq] == [
        (b"k1", b"{not json", 7), (b"k2", b'{"no_text": 1}', 7)]
    first, second = (dict(r.headers) for r in dlq)
    assert set(DLQ_HEADERS) <= set(first)
    assert first["origin"] == b"test"  # the original headers are kept
    assert first["__streams.errors.exception"] == b"SerdeError"
    assert (first["__streams.errors.topic"], first["__streams.errors.partition"],
            first["__streams.errors.offset"]) == (b"tweets", b"0", b"0")
    assert second["__streams.errors.exception"] == b"KeyError"
    assert second["__streams.errors.offset"] == b"1"
    assert b"Traceback" in second["__streams.errors.stacktrace"]
    assert second["__streams.errors.message"] == b"'text'"


def test_dlq_without_a_topic_is_a_config_error():
    with pytest.raises(TopologyException, match=r"errors\.dead\.letter\.queue\.topic\.name"):
        TopologyTestDriver(json_topology(), {"processing.exception.handler": "dlq"})


def test_unknown_handler_value_names_the_key_and_choices():
    with pytest.raises(TopologyException, match=r"processing\.exception\.handler.*fail, continue, dlq"):
        TopologyTestDriver(json_topology(), {"processing.exception.handler": "ignore"})


def test_a_failing_branch_predicate_goes_to_the_dlq_too():
    b = StreamsBuilder()
    branches = (b.stream("in", value_serde=Serdes.Json()).split(prefix="b-")
                .branch(lambda k, v: v["x"] > 0, name="pos").default_branch(name="rest"))
    branches["b-pos"].to("pos")
    config = {"processing.exception.handler": "dlq", "errors.dead.letter.queue.topic.name": "dlq"}
    with TopologyTestDriver(b.build(), config) as driver:
        inp = driver.create_input_topic("in")
        inp.pipe_input("a", {"x": 1})
        inp.pipe_input("b", {"y": 1})
        assert driver.create_output_topic("pos").read_key_values_to_list() == [("a", {"x": 1})]
        assert driver.create_output_topic("dlq", Serdes.String(), Serdes.Bytes()).read_key_value() == (
            "b", b'{"y":1}')


def test_a_malformed_global_table_record_reaches_the_dlq():
    b = StreamsBuilder()
    airlines = b.global_table("airlines", key_serde=Serdes.String(), value_serde=Serdes.Json())
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
      .join(airlines, lambda k, v: v["airline"], lambda tweet, airline: {**tweet, **airline})
      .to("out"))
    config = {"application.id": "g", "default.deserialization.exception.handler": "dlq",
              "errors.dead.letter.queue.topic.name": "dead"}
    with TopologyTestDriver(b.build(), config) as driver:
        driver.create_input_topic("airlines", Serdes.String(), Serdes.Bytes()).pipe_input("Delta", b"{not json")
        dead = driver.create_output_topic("dead", Serdes.Bytes(), Serdes.Bytes()).read_records_to_list()
    assert [(r.key, r.value) for r in dead] == [(b"Delta", b"{not json")]
    assert dict(dead[0].headers)["__streams.errors.topic"] == b"airlines"


def test_a_key_that_is_not_utf8_is_reported_by_the_string_serde():
    config = {"default.deserialization.exception.handler": "dlq",
              "errors.dead.letter.queue.topic.name": "tweets-dlq"}
    with TopologyTestDriver(json_topology(), config) as driver:
        pipe_raw(driver, b"\xff\xfe", b'{"text": "bad key"}')
        pipe_raw(driver, b"k2", b'{"text": "fine"}')
        assert driver.create_output_topic("out").read_key_values_to_list() == [("k2", "FINE")]
        dlq = driver.create_output_topic("tweets-dlq", Serdes.Bytes(), Serdes.Bytes()).read_records_to_list()
    assert [(r.key, r.value) for r in dlq] == [(b"\xff\xfe", b'{"text": "bad key"}')]
    headers = dict(dlq[0].headers)
    assert headers["__streams.errors.exception"] == b"SerdeError"
    assert b"not valid UTF-8" in headers["__streams.errors.message"]


def test_a_serde_subclass_that_overrides_deserialize_reads_the_records():
    class Tagged(JsonSerde):
        """JSON, with the topic it was read from added to each object."""

        def deserialize(self, topic, data):
            value = super().deserialize(topic, data)
            return {**value, "read_from": topic} if isinstance(value, dict) else value

    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Tagged())
      .map_values(lambda v: f"{v['text']} via {v['read_from']}")
      .to("out", value_serde=Serdes.String()))
    with TopologyTestDriver(b.build()) as driver:
        pipe_raw(driver, b"k", b'{"text": "late"}')
        assert driver.create_output_topic("out").read_values_to_list() == ["late via tweets"]


def test_a_value_the_sink_cannot_encode_is_reported_by_the_sink_serde():
    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
      .map_values(lambda v: {"tags": set(v["tags"])} if v.get("tags") else v, name="tag")
      .to("out", value_serde=Serdes.Json(), name="to-out"))
    with TopologyTestDriver(b.build()) as driver:
        pipe_raw(driver, b"k1", b'{"text": "fine"}')
        with pytest.raises(ProcessingException) as err:
            pipe_raw(driver, b"k2", b'{"tags": ["late"]}')
        assert driver.create_output_topic("out").read_values_to_list() == [{"text": "fine"}]
    assert err.value.processor == "to-out"
    cause = err.value.__cause__
    assert isinstance(cause, SerdeError)
    assert "a value of type dict cannot be encoded as JSON" in str(cause)
    assert "choose another serde for this topic" in str(cause)


def test_a_serde_subclass_that_overrides_serialize_writes_the_records():
    class Stamped(JsonSerde):
        """JSON, with the topic it is written to added to each object."""

        def serialize(self, topic, data):
            return super().serialize(topic, {**data, "written_to": topic} if isinstance(data, dict) else data)

    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
      .to("out", key_serde=Serdes.String(), value_serde=Stamped()))
    with TopologyTestDriver(b.build()) as driver:
        pipe_raw(driver, b"k", b'{"text": "late"}')
        out = driver.create_output_topic("out", Serdes.String(), Serdes.Bytes()).read_key_values_to_list()
    assert out == [("k", b'{"text":"late","written_to":"out"}')]
