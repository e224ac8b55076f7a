"""Declared record types (``Serdes.Typed``) through a topology, as a user writes one."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.serdes import SerdeError
from airstream.topology.testing import TopologyTestDriver


class Author(msgspec.Struct):
    screen_name: str
    friends_count: int


class Tweet(msgspec.Struct):
    id_str: str
    text: str
    user: Author


class Flagged(msgspec.Struct):
    id: str
    author: str


def _influencers():
    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Typed(Tweet))
      .filter(lambda _k, tweet: tweet.user.friends_count > 100)
      .map_values(lambda tweet: Flagged(tweet.id_str, tweet.user.screen_name))
      .to("flagged", key_serde=Serdes.String(), value_serde=Serdes.Typed(Flagged)))
    return b.build()


def test_a_typed_pipeline_reads_the_declared_fields_and_writes_plain_json():
    config = {"default.deserialization.exception.handler": "dlq", "errors.dead.letter.queue.topic.name": "dlq"}
    with TopologyTestDriver(_influencers(), config) as driver:
        tweets = driver.create_input_topic("tweets", Serdes.String(), Serdes.Bytes())
        tweets.pipe_input("1", b'{"id_str": "1", "text": "late", "lang": "en", "retweeted": false,'
                               b' "user": {"screen_name": "ann", "friends_count": 150, "verified": true}}')
        tweets.pipe_input("2", b'{"id_str": "2", "text": "ok", "user": {"screen_name": "bob", "friends_count": 3}}')
        tweets.pipe_input("3", b'{"id_str": 3, "text": "bad id", "user": {"screen_name": "cy", "friends_count": 500}}')
        flagged = driver.create_output_topic("flagged", Serdes.String(), Serdes.Bytes())
        assert flagged.read_key_values_to_list() == [("1", b'{"id":"1","author":"ann"}')]
        dead = driver.create_output_topic("dlq", Serdes.Bytes(), Serdes.Bytes()).read_record()
        headers = dict(dead.headers)
        assert headers["__streams.errors.offset"] == b"2"
        assert b"does not match Tweet: Expected `str`, got `int` - at `$.id_str`" in headers["__streams.errors.message"]


def test_dataclasses_are_record_types_too_and_the_serde_says_its_type():
    @dataclasses.dataclass
    class Reading:
        sensor: str
        celsius: float

    serde = Serdes.Typed(Reading)
    assert serde.name == "Serdes.Typed(Reading)"
    assert serde.deserialize("t", serde.serialize("t", Reading("s1", 21.5))) == Reading("s1", 21.5)
    with pytest.raises(SerdeError, match="a value of type object cannot be encoded as JSON"):
        serde.serialize("t", object())
    assert serde.serialize_many("t", [Reading("a", 1.0), None]) == [b'{"sensor":"a","celsius":1.0}', None]


def test_what_is_not_a_record_type_is_refused_when_the_topology_is_built():
    with pytest.raises(TypeError, match=r"Serdes\.Typed needs a msgspec\.Struct, dataclass or TypedDict"):
        Serdes.Typed({"id": str})  # a dict of fields is not a type
