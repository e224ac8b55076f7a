"""Reading record bytes: the auto choice, forced formats, Avro in the Confluent wire format with a registry
(served here by httpx's mock transport; the real registry is in tests/integration/test_monitor_avro.py),
and credentials that never show."""

from __future__ import annotations

import io
import json

import fastavro
import httpx
import pytest

from airstream.monitor.decode import Decoder, Format, RegistryError, SchemaRegistry, hex_dump

SCHEMA = {"type": "record", "name": "Tweet", "fields": [{"name": "tweet_id", "type": "long"},
                                                         {"name": "text", "type": "string"}]}


def _wire(schema_id: int, record: dict[str, object]) -> bytes:
    out = io.BytesIO(b"\x00" + schema_id.to_bytes(4, "big"))
    out.seek(5)
    fastavro.schemaless_writer(out, fastavro.parse_schema(SCHEMA), record)
    return out.getvalue()


class Registry:
    """A registry answering GET /schemas/ids/{id}, counting requests."""

    def __init__(self, schemas: dict[int, dict[str, object]]) -> None:
        self.schemas = schemas
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        schema_id = int(request.url.path.rsplit("/", 1)[-1])
        if schema_id not in self.schemas:
            return httpx.Response(404, json={"error_code": 40403, "message": "Schema not found"})
        return httpx.Response(200, json={"schema": json.dumps(self.schemas[schema_id])})

    def client(self, url: str = "http://registry:8081") -> SchemaRegistry:
        return SchemaRegistry(url, transport=httpx.MockTransport(self))


def test_auto_reads_json_then_text_then_hex() -> None:
    d = Decoder()
    assert d.decode(b' {"a": [1, 2]}').data == {"a": [1, 2]}
    assert d.decode(b"12").format == "json" and d.decode(b"12 monkeys").format == "text"
    assert d.decode(b"true").data is True
    text = d.decode("Ünïcode ✈ \x1b[31mred".encode())
    assert text.format == "text" and text.text == "Ünïcode ✈ \\x1b[31mred"
    binary = d.decode(bytes(range(250, 256)))
    assert binary.format == "hex" and binary.text == "fa fb fc fd fe ff"
    assert d.decode(None).pretty == "(null)"


def test_a_forced_format_that_does_not_fit_says_so() -> None:
    d = Decoder()
    assert d.decode(b'{"a": 1}', Format.TEXT).text == '{"a": 1}'
    assert d.decode(b"plain", Format.JSON).note == "not JSON"
    assert d.decode(b"\xff", Format.TEXT).note == "not UTF-8 text"
    assert d.decode(b'{"a": 1}', Format.AVRO).note.startswith("not Avro in the Confluent wire format")


def test_hex_dump_shows_offsets_and_printable_bytes() -> None:
    assert hex_dump(bytes(range(65, 83))).splitlines() == [
        "00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP",
        "00000010  51 52                                            QR"]


def test_avro_is_decoded_with_the_schema_its_id_names_fetched_once() -> None:
    registry = Registry({7: SCHEMA})
    d = Decoder(registry.client())
    for n in range(3):
        view = d.decode(_wire(7, {"tweet_id": 570306133677760513 + n, "text": "late again"}))
        assert view.format == "avro" and view.note == "schema id 7"
        assert view.data == {"tweet_id": 570306133677760513 + n, "text": "late again"}
    assert view.text == '{"tweet_id": 570306133677760515, "text": "late again"}'
    assert [r.url.path for r in registry.requests] == ["/schemas/ids/7"]


def test_an_unknown_schema_id_or_a_bad_datum_falls_back_to_hex_with_the_reason() -> None:
    d = Decoder(Registry({7: SCHEMA}).client())
    unknown = d.decode(_wire(9, {"tweet_id": 1, "text": "x"}))
    assert unknown.format == "hex" and unknown.note == "schema id 9 is not in the registry at http://registry:8081"
    truncated = d.decode(_wire(7, {"tweet_id": 1, "text": "long enough text"})[:8])
    assert truncated.format == "hex" and truncated.note.startswith("not readable with schema id 7")


def test_a_protobuf_schema_is_named_not_misread() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"schema": "syntax = \"proto3\";", "schemaType": "PROTOBUF"})

    d = Decoder(SchemaRegistry("http://registry:8081", transport=httpx.MockTransport(answer)))
    assert d.decode(_wire(3, {"tweet_id": 1, "text": "x"})).note == "schema id 3 is PROTOBUF, not Avro"


def test_registry_credentials_never_show_in_repr_or_errors() -> None:
    seen: list[str | None] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(401, text="bad credentials for svc:s3cr3t-pass")

    registry = SchemaRegistry("https://svc:s3cr3t-pass@registry.internal:8081/apis/ccompat/v7",
                              transport=httpx.MockTransport(refuse))
    assert repr(registry) == "SchemaRegistry('https://registry.internal:8081/apis/ccompat/v7')"
    with pytest.raises(RegistryError) as caught:
        registry.avro_schema(1)
    assert "s3cr3t-pass" not in str(caught.value) and "answered 401" in str(caught.value)
    assert seen == ["Basic c3ZjOnMzY3IzdC1wYXNz"]  # base64 of svc:s3cr3t-pass, sent as basic auth


def test_an_unreachable_registry_is_named() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    view = Decoder(SchemaRegistry("http://registry:8081", transport=httpx.MockTransport(down))).decode(
        _wire(4, {"tweet_id": 1, "text": "x"}))
    assert view.format == "hex"
    assert view.note == "schema registry http://registry:8081 unreachable: connection refused"


def test_a_registry_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="must be http"):
        SchemaRegistry("registry:8081")
