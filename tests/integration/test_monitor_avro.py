"""Avro end to end: records produced in the Confluent wire format with schemas registered in a real
Schema Registry (Apicurio Registry's Confluent-compatible API), browsed and searched decoded by airmon,
in the library and on the Messages screen."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import fastavro
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from servers.registry import LocalRegistry
from textual.widgets import Static
from tui_support import running, settle

from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay
from airstream.monitor.app import AirmonApp
from airstream.monitor.browse import KafkaBrowser, Position
from airstream.monitor.decode import Decoder, SchemaRegistry
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.search import Query
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.kafka

SCHEMA = {
    "type": "record", "name": "Tweet", "namespace": "cloudair",
    "fields": [
        {"name": "tweet_id", "type": "long"},
        {"name": "airline", "type": "string"},
        {"name": "text", "type": "string"},
        {"name": "retweets", "type": "int"},
        {"name": "place", "type": ["null", "string"], "default": None},
    ],
}


def _wire(schema_id: int, record: dict[str, Any]) -> bytes:
    """What a Confluent Avro serializer writes: magic byte 0, the schema id (4 bytes, big-endian), the datum."""
    out = io.BytesIO()
    out.write(b"\x00" + schema_id.to_bytes(4, "big"))
    fastavro.schemaless_writer(out, fastavro.parse_schema(SCHEMA), record)
    return out.getvalue()


@pytest.fixture(scope="module")
def avro_topic(kafka_cluster: str, schema_registry: LocalRegistry) -> Iterator[tuple[str, list[dict[str, Any]], int]]:
    topic = f"avro-tweets-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(topic, 3, 1)])[topic].result()
    schema_id = schema_registry.register(f"{topic}-value", SCHEMA)
    tweets = [{"tweet_id": t["id"], "airline": t["dataset"]["airline"], "text": t["text"],
               "retweets": t["retweet_count"], "place": t["user"].get("location") or None}
              for t in TweetReplay(SAMPLE_CSV, limit=60)]
    producer = Producer({"bootstrap.servers": kafka_cluster})
    for n, tweet in enumerate(tweets):
        producer.produce(topic, key=str(tweet["tweet_id"]).encode(), value=_wire(schema_id, tweet), partition=n % 3)
    producer.produce(topic, key=b"orphan", value=b"\x00\x00\x0f\x42\x3f" + b"\x02\x04", partition=0)  # id 999999
    assert producer.flush(30) == 0
    yield topic, tweets, schema_id
    admin.delete_topics([topic])


def test_avro_records_are_browsed_and_searched_decoded(avro_topic, kafka_cluster: str,  # type: ignore[no-untyped-def]
                                                       schema_registry: LocalRegistry) -> None:
    topic, tweets, schema_id = avro_topic
    browser = KafkaBrowser({"bootstrap.servers": kafka_cluster}, decoder=Decoder(SchemaRegistry(schema_registry.url)))
    try:
        page = browser.read(topic, Position.earliest(), limit=100)
        decoded = {m.value_view.data["tweet_id"]: m.value_view.data for m in page.messages
                   if m.value_view.format == "avro"}
        assert decoded == {t["tweet_id"]: t for t in tweets}
        assert {m.value_view.note for m in page.messages if m.value_view.format == "avro"} == {f"schema id {schema_id}"}
        [orphan] = [m for m in page.messages if m.key == b"orphan"]
        assert orphan.value_view.format == "hex"
        assert "schema id 999999 is not in the registry" in orphan.value_view.note

        wanted = tweets[41]
        found = browser.search(topic, Query.parse(f"$.tweet_id={wanted['tweet_id']}"), Position.earliest())
        assert [m.value_view.data for m in found.matches] == [wanted]
        assert found.matches[0].partition == 41 % 3
    finally:
        browser.close()


def test_without_a_registry_the_screen_says_how_to_decode(avro_topic, kafka_cluster: str) -> None:  # type: ignore[no-untyped-def]
    topic, _, schema_id = avro_topic
    browser = KafkaBrowser({"bootstrap.servers": kafka_cluster})
    try:
        first = browser.read(topic, Position.earliest(), partition=1, limit=1).messages[0]
    finally:
        browser.close()
    assert first.value_view.format == "hex"
    assert first.value_view.note == (f"looks like Avro with schema id {schema_id}: start airmon with "
                                     "--schema-registry URL to decode it")


@pytest.mark.asyncio
async def test_the_messages_screen_shows_avro_decoded(avro_topic, kafka_cluster: str,  # type: ignore[no-untyped-def]
                                                      schema_registry: LocalRegistry) -> None:
    topic, tweets, schema_id = avro_topic
    app = AirmonApp.for_kafka({"bootstrap.servers": kafka_cluster}, refresh_interval=3600,
                              decoder=Decoder(SchemaRegistry(schema_registry.url)))
    async with running(app, refreshes=1, size=(160, 50)) as pilot:
        app.open_messages(topic, 2, start=Position.earliest())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MessagesScreen)
        table = screen.query_one("#messages", LiveTable)
        assert table.row_keys == [f"2/{n}" for n in range(20)]
        table.move_to_key("2/0")
        await pilot.pause()
        shown = str(screen.query_one("#record", Static).render())
        assert f"(avro, schema id {schema_id})" in shown
        assert f'"tweet_id": {tweets[2]["tweet_id"]}' in shown and f'"airline": "{tweets[2]["airline"]}"' in shown
