"""Serdes: Java-compatible byte layouts, round trips, tombstones and errors a user can act on."""

from __future__ import annotations

import math
import pickle

import pytest

from airstream.topology.serdes import Serde, SerdeError, Serdes

TWEET_SCHEMA = {
    "type": "record",
    "name": "Tweet",
    "namespace": "cloudair",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "text", "type": "string"},
        {"name": "airline", "type": ["null", "string"], "default": None},
        {
            "name": "score",
            "type": {"type": "record", "name": "Score", "fields": [{"name": "confidence", "type": "double"}]},
        },
    ],
}
TWEET = {"id": 570306133677760513, "text": "@united lost my bag", "airline": "United", "score": {"confidence": 0.75}}


@pytest.mark.parametrize(
    ("serde", "value", "wire"),
    [
        # The layouts of Kafka's Java IntegerSerializer, LongSerializer, DoubleSerializer, StringSerializer.
        (Serdes.Integer(), 1, b"\x00\x00\x00\x01"),
        (Serdes.Integer(), -1, b"\xff\xff\xff\xff"),
        (Serdes.Integer(), 2**31 - 1, b"\x7f\xff\xff\xff"),
        (Serdes.Integer(), -(2**31), b"\x80\x00\x00\x00"),
        (Serdes.Long(), 1, b"\x00\x00\x00\x00\x00\x00\x00\x01"),
        (Serdes.Long(), -1, b"\xff" * 8),
        (Serdes.Long(), 2**63 - 1, b"\x7f" + b"\xff" * 7),
        (Serdes.Double(), 1.0, b"\x3f\xf0\x00\x00\x00\x00\x00\x00"),
        (Serdes.Double(), -2.5, b"\xc0\x04\x00\x00\x00\x00\x00\x00"),
        (Serdes.String(), "héllo ✈", "héllo ✈".encode()),
        (Serdes.String(), "", b""),
        (Serdes.Bytes(), b"\x00\xffraw", b"\x00\xffraw"),
        (Serdes.Json(), {"airline": "Delta", "n": 1}, b'{"airline":"Delta","n":1}'),
        (Serdes.Json(), [1, 2.5, True, None, "x"], b'[1,2.5,true,null,"x"]'),
        (Serdes.Json(), "text", b'"text"'),
        (Serdes.Json(), 42, b"42"),
    ],
)
def test_values_have_the_java_clients_byte_layout_and_round_trip(serde: Serde, value, wire: bytes) -> None:
    assert serde.serialize("t", value) == wire
    assert serde.deserialize("t", wire) == value


def test_doubles_keep_special_values() -> None:
    serde = Serdes.Double()
    assert serde.deserialize("t", serde.serialize("t", math.inf)) == math.inf
    assert math.isnan(serde.deserialize("t", serde.serialize("t", math.nan)))


def test_avro_round_trips_a_nested_record_and_defaults_optional_fields() -> None:
    serde = Serdes.Avro(TWEET_SCHEMA)
    assert serde.deserialize("tweets", serde.serialize("tweets", TWEET)) == TWEET
    without_airline = {k: v for k, v in TWEET.items() if k != "airline"}
    assert serde.deserialize("tweets", serde.serialize("tweets", without_airline))["airline"] is None


def test_avro_schema_may_be_given_as_json_text() -> None:
    import json

    from_text = Serdes.Avro(json.dumps(TWEET_SCHEMA))
    from_dict = Serdes.Avro(TWEET_SCHEMA)
    assert from_text.serialize("t", TWEET) == from_dict.serialize("t", TWEET)
    assert from_text.name == "Serdes.Avro(cloudair.Tweet)"


def test_avro_uses_the_schemaless_binary_encoding() -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "n", "type": "long"}, {"name": "s", "type": "string"}]}
    # zig-zag varint 1 -> 0x02; string = zig-zag length 2 -> 0x04, then the bytes. No header, no framing.
    assert Serdes.Avro(schema).serialize("t", {"n": 1, "s": "hi"}) == b"\x02\x04hi"


@pytest.mark.parametrize(
    "serde",
    [Serdes.String(), Serdes.Bytes(), Serdes.Json(), Serdes.Integer(), Serdes.Long(), Serdes.Double(),
     Serdes.Avro(TWEET_SCHEMA)],
    ids=lambda s: s.name,
)
def test_tombstones_pass_through_every_serde(serde: Serde) -> None:
    assert serde.serialize("t", None) is None
    assert serde.deserialize("t", None) is None
    assert serde.serialize_many("t", [None]) == [None]
    assert serde.deserialize_many("t", [None]) == [None]


@pytest.mark.parametrize(
    ("serde", "values"),
    [
        (Serdes.Json(), [{"a": 1}, None, [1, 2], "s"]),
        (Serdes.String(), ["a", None, "ü"]),
        (Serdes.Bytes(), [b"a", None, b""]),
        (Serdes.Long(), [0, None, -5]),
        (Serdes.Avro(TWEET_SCHEMA), [TWEET, None]),
    ],
    ids=lambda v: v.name if isinstance(v, Serde) else "",
)
def test_batch_helpers_agree_with_one_at_a_time(serde: Serde, values: list) -> None:
    wire = serde.serialize_many("t", values)
    assert wire == [serde.serialize("t", v) for v in values]
    assert serde.deserialize_many("t", wire) == values
    assert serde.deserialize_many("t", iter(wire)) == values  # any iterable, not just lists


def test_bytes_serde_accepts_bytearray_and_memoryview() -> None:
    assert Serdes.Bytes().serialize("t", bytearray(b"ab")) == b"ab"
    assert Serdes.Bytes().serialize("t", memoryview(b"ab")) == b"ab"
    assert Serdes.Bytes().serialize_many("t", [bytearray(b"ab"), b"c"]) == [b"ab", b"c"]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serde", "payload", "problem"),
    [
        (Serdes.Json(), b'{"id": 1,', "not valid JSON"),
        (Serdes.String(), b"\xff\xfe bad", "not valid UTF-8"),
        (Serdes.Integer(), b"\x00\x01", "needs exactly 4 bytes, got 2"),
        (Serdes.Long(), b"\x00\x00\x00\x01", "needs exactly 8 bytes, got 4"),
        (Serdes.Double(), b"\x00" * 9, "needs exactly 8 bytes, got 9"),
        (Serdes.Avro(TWEET_SCHEMA), b"\x02", "do not decode with the schema"),
        (Serdes.Avro(TWEET_SCHEMA), Serdes.Avro(TWEET_SCHEMA).serialize("t", TWEET) + b"zz", "2 bytes left over"),
    ],
    ids=["json", "string", "integer", "long", "double", "avro-truncated", "avro-trailing"],
)
def test_bad_bytes_raise_an_error_naming_topic_serde_cause_and_fix(serde: Serde, payload: bytes, problem: str) -> None:
    with pytest.raises(SerdeError) as caught:
        serde.deserialize("tweets", payload)
    err = caught.value
    assert (err.topic, err.what, err.serde) == ("tweets", "value", serde.name)
    message = str(err)
    assert problem in message
    assert "topic 'tweets'" in message
    assert serde.name in message
    assert "default.deserialization.exception.handler=dlq" in message  # the fix
    assert "Serdes.Bytes()" in message


def test_the_engine_adds_partition_and_offset_and_marks_keys() -> None:
    with pytest.raises(SerdeError) as caught:
        Serdes.Json().deserialize("tweets", b"nope")
    err = caught.value
    assert err.partition is None and err.offset is None
    assert "partition" not in str(err)
    assert err.at(3, 1042) is err  # so the engine can `raise err.at(p, o)`
    assert err.as_key() is err
    assert (err.topic, err.partition, err.offset, err.what) == ("tweets", 3, 1042, "key")
    assert "key of the record at topic 'tweets' partition 3 offset 1042" in str(err)


def test_the_cause_is_kept_for_debugging() -> None:
    with pytest.raises(SerdeError) as caught:
        Serdes.Json().deserialize("t", b"{")
    assert caught.value.cause is caught.value.__cause__
    assert type(caught.value.cause).__name__ == "JSONDecodeError"


def test_error_messages_show_a_short_preview_never_the_whole_payload() -> None:
    secret = b"password=hunter2;" * 1000
    payload = b"\xff" + secret  # not UTF-8, not JSON
    for serde in (Serdes.Json(), Serdes.String()):
        with pytest.raises(SerdeError) as caught:
            serde.deserialize("t", payload)
        message = str(caught.value)
        assert message.count("hunter2") <= 4  # only within the first 60 bytes
        assert f"({len(payload)} bytes)" in message
        assert len(message) < 800


def test_avro_mismatch_names_the_field_but_not_its_value() -> None:
    serde = Serdes.Avro(TWEET_SCHEMA)
    bad = {**TWEET, "score": {"confidence": "s3cr3t-token"}}
    with pytest.raises(SerdeError) as caught:
        serde.serialize("scored", bad)
    message = str(caught.value)
    assert "cloudair.Score.confidence" in message
    assert "has type str, expected double" in message
    assert "s3cr3t-token" not in message
    assert "topic 'scored'" in message
    assert "make the record match the Avro schema cloudair.Tweet" in message
    # fastavro's own message quotes the value: kept for debugging, but neither printed nor chained.
    assert caught.value.cause is not None
    assert caught.value.__cause__ is None


def test_avro_missing_field_is_named() -> None:
    with pytest.raises(SerdeError, match=r"cloudair\.Tweet\.text"):
        Serdes.Avro(TWEET_SCHEMA).serialize("t", {k: v for k, v in TWEET.items() if k != "text"})


def test_avro_points_at_schema_registry_framing() -> None:
    framed = b"\x00\x00\x00\x00\x07" + Serdes.Avro(TWEET_SCHEMA).serialize("t", TWEET)
    with pytest.raises(SerdeError, match="Confluent Schema Registry framing"):
        Serdes.Avro(TWEET_SCHEMA).deserialize("t", framed)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{not json", "schema string is not valid JSON"),
        ({"type": "record", "name": "R", "fields": [{"name": "a", "type": "nope"}]}, "not a valid Avro schema"),
    ],
)
def test_bad_avro_schemas_fail_when_the_serde_is_built(schema, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Serdes.Avro(schema)


@pytest.mark.parametrize(
    ("serde", "value", "problem", "fix"),
    [
        (Serdes.Json(), {"tags": {"a", "b"}}, "a value of type dict cannot be encoded as JSON",
         "dict keys must be str"),
        (Serdes.Json(), {1: "a"}, "cannot be encoded as JSON", "dict keys must be str"),
        (Serdes.Json(), 2**70, "a value of type int cannot be encoded as JSON", "choose another serde"),
        (Serdes.String(), 42, "expected str, got int", "convert the value with str()"),
        (Serdes.Bytes(), "text", "expected bytes, got str", "Serdes.String()"),
        (Serdes.Integer(), 2**31, "cannot encode a value of type int as a 4-byte Integer", "in the Integer range"),
        (Serdes.Long(), "7", "cannot encode a value of type str as a 8-byte Long", "int values"),
        (Serdes.Double(), "x", "cannot encode a value of type str as a 8-byte Double", "float values"),
    ],
)
def test_unserializable_values_raise_an_error_naming_topic_and_fix(serde: Serde, value, problem: str, fix: str) -> None:
    with pytest.raises(SerdeError) as caught:
        serde.serialize("out-topic", value)
    message = str(caught.value)
    assert problem in message
    assert fix in message
    assert "topic 'out-topic'" in message


def test_batch_errors_say_which_item_failed() -> None:
    with pytest.raises(SerdeError) as caught:
        Serdes.Json().deserialize_many("t", [b"1", b"2", b"{oops", b"4"])
    assert caught.value.index == 2
    with pytest.raises(SerdeError) as caught:
        Serdes.Json().serialize_many("t", ({"ok": 1}, {"bad": {1, 2}}))  # a generator-like tuple is fine too
    assert caught.value.index == 1
    with pytest.raises(SerdeError) as caught:
        Serdes.Integer().deserialize_many("t", [b"\x00\x00\x00\x01", b"\x01"])
    assert caught.value.index == 1


def test_serde_errors_survive_pickling_with_their_location() -> None:
    with pytest.raises(SerdeError) as caught:
        Serdes.Json().deserialize("tweets", b"{")
    copy = pickle.loads(pickle.dumps(caught.value.at(1, 2)))
    assert (copy.topic, copy.partition, copy.offset) == ("tweets", 1, 2)
    assert str(copy) == str(caught.value)


# --- names, configuration and custom serdes --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("json", "Serdes.Json()"),
        ("String", "Serdes.String()"),
        (" BYTES ", "Serdes.Bytes()"),
        ("integer", "Serdes.Integer()"),
        ("long", "Serdes.Long()"),
        ("double", "Serdes.Double()"),
    ],
)
def test_serdes_can_be_chosen_by_name_in_configuration(name: str, expected: str) -> None:
    serde = Serdes.from_name(name)
    assert serde.name == expected
    assert repr(serde) == expected


def test_unknown_serde_names_list_the_choices() -> None:
    with pytest.raises(ValueError,
                       match="unknown serde 'protobuf'; use one of bytes, double, integer, json, long, string"):
        Serdes.from_name("protobuf")


def test_custom_serdes_from_functions_wrap_their_errors() -> None:
    serde = Serdes.of(lambda v: str(v).encode(), lambda b: int(b), name="decimal-text")
    assert serde.serialize("t", 42) == b"42"
    assert serde.deserialize("t", b"42") == 42
    assert serde.deserialize("t", None) is None
    with pytest.raises(SerdeError) as caught:
        serde.deserialize("numbers", b"forty-two")
    assert "Serdes.of(decimal-text)" in str(caught.value)
    assert "topic 'numbers'" in str(caught.value)
    assert isinstance(caught.value.cause, ValueError)


def test_a_user_subclass_only_needs_serialize_and_deserialize() -> None:
    class Upper(Serde[str]):
        def serialize(self, topic: str, data: str | None) -> bytes | None:
            return None if data is None else data.upper().encode()

        def deserialize(self, topic: str, data: bytes | None) -> str | None:
            return None if data is None else data.decode()

    serde = Upper()
    assert serde.name == "Upper()"
    assert serde.serialize_many("t", ["a", None]) == [b"A", None]
    assert serde.deserialize_many("t", [b"A"]) == ["A"]
