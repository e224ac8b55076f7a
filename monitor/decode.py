"""Turning record bytes into something a person can read: JSON, UTF-8 text, hex, or Avro.

Record bytes come from strangers, so nothing is shown raw: text that is valid UTF-8 is shown with
control characters escaped (no terminal escape sequence ever reaches the screen), anything else as hex.

``auto`` picks, in order: Avro in the Confluent wire format (a zero magic byte and a 4-byte schema id,
when a :class:`SchemaRegistry` is given), JSON, UTF-8 text, hex. A value that looks like the wire format
while no registry is configured says so instead of showing noise.

Example::

    decoder = Decoder(SchemaRegistry("http://127.0.0.1:8081"))
    view = decoder.decode(record_value)
    view.format, view.text, view.data   # ("avro", '{"tweet_id": 57...}', {"tweet_id": 57...})
"""

from __future__ import annotations

import io
import json
import struct
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

import fastavro
import httpx
import orjson

from airstream.common.redact import scrub, url_without_credentials

__all__ = ["NULL", "Decoded", "Decoder", "Format", "RegistryError", "SchemaRegistry", "hex_dump", "jsonable",
           "show_bytes"]

_CONTROL = {i: f"\\x{i:02x}" for i in range(32) if chr(i) not in "\n\t"} | {0x7F: "\\x7f"}
_WIRE_MAGIC = 0
_WIRE_HEADER = 5  # magic byte + big-endian schema id


def show_bytes(data: bytes | None) -> str:
    """Bytes as text that is safe on a terminal: UTF-8 with control characters escaped, else a bytes literal.

    >>> show_bytes(b"Delta lost my bag"), show_bytes(None)
    ('Delta lost my bag', '')
    >>> show_bytes(b"\\x1b[2Jgone")
    '\\\\x1b[2Jgone'
    >>> show_bytes(bytes([0xff, 0x00, 0x41]))
    "b'\\\\xff\\\\x00A'"
    """
    if data is None:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)
    return text.translate(_CONTROL)


def hex_dump(data: bytes, *, width: int = 16) -> str:
    """Offset, hex bytes and printable ASCII, ``width`` bytes a line (as ``xxd`` or ``hexdump -C`` show it).

    >>> print(hex_dump(b"\\x00\\x00\\x00\\x00\\x07Delta"))
    00000000  00 00 00 00 07 44 65 6c 74 61                    .....Delta
    """
    lines = []
    for at in range(0, len(data), width):
        chunk = data[at:at + width]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{at:08x}  {chunk.hex(' '):<{width * 3 - 1}}  {ascii_}")
    return "\n".join(lines)


class Format(StrEnum):
    """How to read record bytes: ``auto`` tries Avro (with a registry), JSON, text, then hex."""

    AUTO = "auto"
    JSON = "json"
    TEXT = "text"
    HEX = "hex"
    AVRO = "avro"


@dataclass(frozen=True, slots=True)
class Decoded:
    """Record bytes as read.

    ``format`` is what they were read as (``json``, ``avro``, ``text``, ``hex``, ``null``), ``text``
    one line for a table cell, :attr:`pretty` the full view, ``data`` the parsed value for JSON and Avro
    (what a JSON path is matched against, and what an export writes), ``note`` why an expected reading
    failed (an unknown schema id, an unreachable registry).
    """

    format: str
    text: str
    data: Any = None
    note: str = ""
    raw: bytes | None = None
    """The bytes, kept for the hex dump (``hex`` only)."""

    @property
    def pretty(self) -> str:
        """The full view, made when asked for (one record on screen), not for every record read: JSON and
        Avro indented, text as stored, anything else as a hex dump."""
        if self.structured:
            return json.dumps(self.data, indent=2, ensure_ascii=False, default=_jsonable).translate(_CONTROL)
        if self.format == "hex" and self.raw is not None:
            return hex_dump(self.raw)
        return "(null)" if self.format == "null" else self.text

    @property
    def structured(self) -> bool:
        """Whether :attr:`data` holds a parsed JSON or Avro value."""
        return self.format in ("json", "avro")


NULL = Decoded("null", "")


class RegistryError(RuntimeError):
    """The schema registry could not give a schema (unreachable, unknown id, not an Avro schema)."""


class SchemaRegistry:
    """A Confluent-compatible Schema Registry, read for Avro schemas by id (``GET /schemas/ids/{id}``).

    Schemas never change under an id, so each is fetched once and cached for the life of the client.
    ``auth`` is ``(user, password)`` for HTTP basic authentication, or given in the URL as
    ``https://user:password@host``; it never appears in errors or ``repr``. Apicurio Registry serves the
    same API under ``/apis/ccompat/v7``: give that as the URL.

    Example::

        registry = SchemaRegistry("https://svc:secret@registry.internal:8081")
        schema = registry.avro_schema(7)
        repr(registry)   # "SchemaRegistry('https://registry.internal:8081')"
    """

    def __init__(self, url: str, *, auth: tuple[str, str] | None = None, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"schema registry URL {url_without_credentials(url)!r} must be "
                             "http(s)://host[:port][/path]")
        if auth is None and parts.username:
            auth = (unquote(parts.username), unquote(parts.password or ""))
        self.url = url_without_credentials(url).rstrip("/")
        self._secrets: dict[str, object] = {"password": auth[1]} if auth else {}
        self._http = httpx.Client(base_url=self.url, auth=auth, timeout=timeout, transport=transport)
        self._schemas: dict[int, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SchemaRegistry({self.url!r})"

    def avro_schema(self, schema_id: int) -> Any:
        """The parsed Avro schema registered under ``schema_id``; :class:`RegistryError` says why not."""
        with self._lock:
            if schema_id not in self._schemas:
                self._schemas[schema_id] = self._fetch(schema_id)
            return self._schemas[schema_id]

    def _fetch(self, schema_id: int) -> Any:
        try:
            response = self._http.get(f"/schemas/ids/{schema_id}")
        except httpx.HTTPError as exc:
            raise RegistryError(scrub(f"schema registry {self.url} unreachable: {exc}", self._secrets)) from None
        if response.status_code == 404:
            raise RegistryError(f"schema id {schema_id} is not in the registry at {self.url}")
        if response.status_code >= 400:
            raise RegistryError(f"schema registry {self.url} answered {response.status_code} for schema id "
                                f"{schema_id}: {scrub(response.text, self._secrets)[:200]}")
        body = response.json()
        if body.get("schemaType", "AVRO") != "AVRO":
            raise RegistryError(f"schema id {schema_id} is {body['schemaType']}, not Avro")
        try:
            return fastavro.parse_schema(json.loads(body["schema"]))
        except (ValueError, KeyError, fastavro.schema.SchemaParseException) as exc:
            raise RegistryError(f"schema id {schema_id} is not a readable Avro schema: {exc}") from None

    def close(self) -> None:
        """Close the HTTP client."""
        self._http.close()


class Decoder:
    """Reads record bytes in a chosen :class:`Format`; ``auto`` picks the first that fits.

    >>> d = Decoder()
    >>> [d.decode(v).format for v in (b'{"id": 1}', b"plain words", bytes([0xff, 0xfe]), None)]
    ['json', 'text', 'hex', 'null']
    >>> d.decode(b'{"id": 1}').data, d.decode(b'{"id": 1}', Format.HEX).text
    ({'id': 1}, '7b 22 69 64 22 3a 20 31 7d')
    >>> d.decode(b"\\x00\\x00\\x00\\x00\\x07\\x02").note
    'looks like Avro with schema id 7: start airmon with --schema-registry URL to decode it'
    """

    def __init__(self, registry: SchemaRegistry | None = None) -> None:
        self.registry = registry

    def decode(self, data: bytes | None, fmt: Format = Format.AUTO) -> Decoded:
        """``data`` read as ``fmt``; a format that does not fit falls back to hex with a note saying why."""
        if data is None:
            return NULL
        if fmt == Format.HEX:
            return _hex(data)
        if fmt == Format.TEXT:
            return _text(data) or _hex(data, "not UTF-8 text")
        if fmt == Format.JSON:
            return _json(data) or _hex(data, "not JSON")
        schema_id = _wire_schema_id(data)
        if fmt == Format.AVRO:
            if schema_id is None:
                return _hex(data, "not Avro in the Confluent wire format (no zero magic byte and schema id)")
            return self._avro(data, schema_id)
        if schema_id is not None:
            if self.registry is not None:
                return self._avro(data, schema_id)
            return _hex(data, f"looks like Avro with schema id {schema_id}: start airmon with --schema-registry "
                              "URL to decode it")
        return _json(data) or _text(data) or _hex(data)

    def _avro(self, data: bytes, schema_id: int) -> Decoded:
        if self.registry is None:
            return _hex(data, f"Avro with schema id {schema_id}: no --schema-registry given")
        try:
            schema = self.registry.avro_schema(schema_id)
            value = fastavro.schemaless_reader(io.BytesIO(data[_WIRE_HEADER:]), schema, None)
        except RegistryError as exc:
            return _hex(data, str(exc))
        except (EOFError, ValueError, IndexError, struct.error) as exc:
            return _hex(data, f"not readable with schema id {schema_id}: {exc or type(exc).__name__}")
        return _structured("avro", value, note=f"schema id {schema_id}")


def _wire_schema_id(data: bytes) -> int | None:
    if len(data) < _WIRE_HEADER or data[0] != _WIRE_MAGIC:
        return None
    return int.from_bytes(data[1:_WIRE_HEADER], "big")


def _json(data: bytes) -> Decoded | None:
    first = data.lstrip()[:1]
    if first not in (b"{", b"[", b'"') and not first.isdigit() and first not in (b"-", b"t", b"f", b"n"):
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return _structured("json", value, one_line=show_bytes(data))


def _structured(fmt: str, value: Any, *, one_line: str | None = None, note: str = "") -> Decoded:
    if one_line is None:
        one_line = json.dumps(value, ensure_ascii=False, default=_jsonable)
    return Decoded(fmt, one_line.translate(_CONTROL), value, note)


def _jsonable(value: Any) -> Any:
    """What Avro gives that JSON has no type for: bytes, decimals, dates, UUIDs."""
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _text(data: bytes) -> Decoded | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Decoded("text", text.translate(_CONTROL))


def _hex(data: bytes, note: str = "") -> Decoded:
    return Decoded("hex", data.hex(" "), None, note, data)


def jsonable(value: Any) -> Any:
    """A decoded value as plain JSON types (for exports): bytes as hex, other Avro logical types as text."""
    return orjson.loads(json.dumps(value, default=_jsonable))

