"""Serdes: how keys and values become bytes on a topic and back again.

A serde pairs a serializer and a deserializer, as in Kafka Streams. The byte
layouts of the number serdes match the Java client's (big-endian, fixed width),
so a topology written here interoperates with Java producers and consumers.

>>> Serdes.Integer().serialize("counts", 1)
b'\\x00\\x00\\x00\\x01'
>>> Serdes.Json().deserialize("tweets", b'{"airline": "Delta"}')
{'airline': 'Delta'}
>>> Serdes.String().deserialize("tweets", None) is None   # tombstones pass through
True

A record that cannot be (de)serialized raises :class:`SerdeError`, which names
the topic, the serde, the cause and the fix; the engine adds the partition and
offset with :meth:`SerdeError.at` before it reports or dead-letters the record.
"""

from __future__ import annotations

import io
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Literal, TypeVar, cast

import fastavro
import orjson
from fastavro.validation import ValidationError, validate

__all__ = [
    "AvroSerde",
    "BytesSerde",
    "DoubleSerde",
    "FunctionSerde",
    "IntegerSerde",
    "JsonSerde",
    "LongSerde",
    "Serde",
    "SerdeError",
    "Serdes",
    "StringSerde",
    "TypedJsonSerde",
]

T = TypeVar("T")

_PREVIEW_BYTES = 60

_DESERIALIZE_FIX = (
    "use a serde that matches the data on the topic (Serdes.Bytes() accepts anything), "
    "or route bad records to a dead-letter topic with "
    "default.deserialization.exception.handler=dlq"
)


def _preview(data: Any) -> str:
    """A short, escaped look at raw bytes: never the whole payload, which may be large or secret."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return f"<a {type(data).__name__}, not bytes>"
    head = bytes(data[:_PREVIEW_BYTES])
    more = "..." if len(data) > _PREVIEW_BYTES else ""
    return f"{head!r}{more} ({len(data)} bytes)"


class SerdeError(Exception):
    """A key or value could not be serialized or deserialized.

    Attributes:
        topic: the topic the record came from or was going to, when known.
        partition: the partition, once the engine fills it in with :meth:`at`.
        offset: the offset, once the engine fills it in with :meth:`at`.
        cause: the underlying exception (also chained as ``__cause__``).
        what: ``"key"`` or ``"value"``.
        serde: the serde's name, e.g. ``"Serdes.Json()"``.
        problem: what went wrong, in a few words.
        fix: what the user can do about it.
        preview: an escaped look at the first bytes of the payload (never all of it), or ``None``.
        show_cause: whether the message quotes the cause's text (off when the cause may quote the data).
        index: the position in the batch, when raised by ``serialize_many``/``deserialize_many``.

    >>> try:
    ...     Serdes.Json().deserialize("tweets", b"not json")
    ... except SerdeError as err:
    ...     print(err.at(3, 42).topic, err.partition, err.offset, err.what)
    tweets 3 42 value
    """

    def __init__(
        self,
        problem: str,
        *,
        serde: str,
        what: Literal["key", "value"] = "value",
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        cause: BaseException | None = None,
        fix: str = _DESERIALIZE_FIX,
        preview: str | None = None,
        show_cause: bool = True,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.serde = serde
        self.what = what
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.cause = cause
        self.fix = fix
        self.preview = preview
        self.show_cause = show_cause
        self.index: int | None = None

    def at(self, partition: int | None, offset: int | None) -> SerdeError:
        """Record where the bad record sits; returns this error so the engine can ``raise err.at(p, o)``."""
        self.partition = partition
        self.offset = offset
        return self

    def as_key(self) -> SerdeError:
        """Mark the error as concerning the record's key (serdes raise it as ``value`` by default)."""
        self.what = "key"
        return self

    def location(self) -> str:
        """Where the record is, as far as known: ``topic 't' partition 0 offset 42``."""
        parts = []
        if self.topic is not None:
            parts.append(f"topic {self.topic!r}")
        if self.partition is not None:
            parts.append(f"partition {self.partition}")
        if self.offset is not None:
            parts.append(f"offset {self.offset}")
        return " ".join(parts) if parts else "unknown location"

    def __str__(self) -> str:
        text = f"{self.serde} failed on the {self.what} of the record at {self.location()}: {self.problem}"
        if self.cause is not None:
            detail = f": {self.cause}" if self.show_cause else ""
            text += f" ({type(self.cause).__name__}{detail})"
        if self.preview is not None:
            text += f"; data starts {self.preview}"
        return f"{text}. Fix: {self.fix}."

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields would be lost by the default pickling, and errors cross process pools.
        return (_rebuild_error, (self.__dict__.copy(),))


def _rebuild_error(state: dict[str, Any]) -> SerdeError:
    err = SerdeError.__new__(SerdeError)
    Exception.__init__(err, state["problem"])
    err.__dict__.update(state)
    return err


class Serde(ABC, Generic[T]):
    """Turns values of type ``T`` into bytes and back.

    ``None`` always maps to ``None`` both ways, so tombstones (deletes in a
    compacted topic or a KTable) survive every serde. Subclasses implement
    :meth:`serialize` and :meth:`deserialize` and raise :class:`SerdeError`.

    >>> class Upper(Serde[str]):
    ...     name = "Upper()"
    ...     def serialize(self, topic, data):
    ...         return None if data is None else data.upper().encode()
    ...     def deserialize(self, topic, data):
    ...         return None if data is None else data.decode()
    >>> Upper().serialize_many("t", ["a", None])
    [b'A', None]
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        """The name shown by ``Topology.describe()`` and in errors, e.g. ``Serdes.String()``."""
        return f"{type(self).__name__}()"

    @abstractmethod
    def serialize(self, topic: str, data: T | None) -> bytes | None:
        """Encode ``data`` for ``topic``; ``None`` stays ``None``."""

    @abstractmethod
    def deserialize(self, topic: str, data: bytes | None) -> T | None:
        """Decode bytes read from ``topic``; ``None`` stays ``None``."""

    def decoder(self) -> Callable[[bytes], T] | None:
        """A one-argument function that decodes bytes (never ``None``) to what :meth:`deserialize`
        gives, when the serde has one that is cheaper to call per record (a C function); ``None``
        (the default): engines call :meth:`deserialize`. Engines call :meth:`deserialize` again for
        a record the decoder raises on, so its error is the one reported.

        >>> Serdes.Json().decoder()(b'{"a": 1}')
        {'a': 1}
        """
        return None

    def encoder(self) -> Callable[[T], bytes] | None:
        """A one-argument function that encodes a value (never ``None``) to what :meth:`serialize`
        gives, when the serde has one that is cheaper to call per record (a C function); ``None``
        (the default): engines call :meth:`serialize`. Engines call :meth:`serialize` again for a
        value the encoder raises on, so its error is the one reported.

        >>> Serdes.Json().encoder()({"a": 1})
        b'{"a":1}'
        """
        return None

    def serialize_many(self, topic: str, items: Iterable[T | None]) -> list[bytes | None]:
        """Encode a batch; a failure raises the :class:`SerdeError` with ``index`` set."""
        serialize = self.serialize
        out: list[bytes | None] = []
        append = out.append
        for index, item in enumerate(items):
            try:
                append(serialize(topic, item))
            except SerdeError as err:
                err.index = index
                raise
        return out

    def deserialize_many(self, topic: str, items: Iterable[bytes | None]) -> list[T | None]:
        """Decode a batch; a failure raises the :class:`SerdeError` with ``index`` set."""
        deserialize = self.deserialize
        out: list[T | None] = []
        append = out.append
        for index, item in enumerate(items):
            try:
                append(deserialize(topic, item))
            except SerdeError as err:
                err.index = index
                raise
        return out

    def __repr__(self) -> str:
        return self.name


class BytesSerde(Serde[bytes]):
    """Raw bytes, unchanged: the serde that never fails to read a record."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return "Serdes.Bytes()"

    def serialize(self, topic: str, data: bytes | bytearray | memoryview | None) -> bytes | None:
        if data is None or type(data) is bytes:
            return data
        if isinstance(data, (bytearray, memoryview)):
            return bytes(data)
        raise SerdeError(
            f"expected bytes, got {type(data).__name__}",
            serde=self.name,
            topic=topic,
            fix="encode the value to bytes first, or choose a serde for its type (e.g. Serdes.String())",
        )

    def deserialize(self, topic: str, data: bytes | None) -> bytes | None:
        return data

    def serialize_many(self, topic: str, items: Iterable[bytes | None]) -> list[bytes | None]:
        items = list(items)
        if all(item is None or type(item) is bytes for item in items):
            return items
        return super().serialize_many(topic, items)

    def deserialize_many(self, topic: str, items: Iterable[bytes | None]) -> list[bytes | None]:
        return list(items)


class StringSerde(Serde[str]):
    """UTF-8 text, as Java's ``StringSerializer``."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return "Serdes.String()"

    def serialize(self, topic: str, data: str | None) -> bytes | None:
        if data is None:
            return None
        try:
            return data.encode()
        except AttributeError:
            raise SerdeError(
                f"expected str, got {type(data).__name__}",
                serde=self.name,
                topic=topic,
                fix="convert the value with str() before it reaches the sink, or use Serdes.Json()",
            ) from None
        except UnicodeEncodeError as exc:  # lone surrogates
            raise SerdeError(
                "text is not valid Unicode", serde=self.name, topic=topic, cause=exc,
                fix="remove unpaired surrogate characters from the text",
            ) from exc

    def encoder(self) -> Callable[[str], bytes]:
        return str.encode

    def decoder(self) -> Callable[[bytes], str]:
        return bytes.decode

    def deserialize(self, topic: str, data: bytes | None) -> str | None:
        if data is None:
            return None
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise SerdeError(
                "the bytes are not valid UTF-8", serde=self.name, topic=topic, cause=exc,
                preview=_preview(data),
            ) from exc


def _all_at_once(convert: Callable[[Any], Any], items: Iterable[Any],
                 errors: type[Exception] | tuple[type[Exception], ...],
                 one_by_one: Callable[[list[Any]], list[Any]]) -> list[Any]:
    """``convert`` over ``items`` (``None`` stays ``None``) in one comprehension; if an item fails with
    ``errors``, ``one_by_one`` redoes the batch through the per-item path, which names the bad item."""
    items = items if isinstance(items, list) else list(items)
    try:
        return [None if item is None else convert(item) for item in items]
    except errors:
        return one_by_one(items)


class JsonSerde(Serde[Any]):
    """JSON with orjson: bytes to dicts, lists, strings, numbers, booleans and back.

    >>> Serdes.Json().serialize("t", {"a": [1, 2.5, True]})
    b'{"a":[1,2.5,true]}'
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        return "Serdes.Json()"

    def serialize(self, topic: str, data: Any) -> bytes | None:
        if data is None:
            return None
        try:
            return _dumps(data)
        except orjson.JSONEncodeError as exc:
            raise self._encode_error(topic, data, exc) from exc

    def encoder(self) -> Callable[[Any], bytes]:
        return _dumps

    def decoder(self) -> Callable[[bytes], Any]:
        return _loads

    def deserialize(self, topic: str, data: bytes | None) -> Any:
        if data is None:
            return None
        try:
            return _loads(data)
        except orjson.JSONDecodeError as exc:
            raise self._decode_error(topic, data, exc) from exc

    def serialize_many(self, topic: str, items: Iterable[Any]) -> list[bytes | None]:
        return _all_at_once(_dumps, items, orjson.JSONEncodeError,
                            lambda rest: super(JsonSerde, self).serialize_many(topic, rest))

    def deserialize_many(self, topic: str, items: Iterable[bytes | None]) -> list[Any]:
        return _all_at_once(_loads, items, orjson.JSONDecodeError,
                            lambda rest: super(JsonSerde, self).deserialize_many(topic, rest))

    def _encode_error(self, topic: str, data: Any, exc: Exception) -> SerdeError:
        return SerdeError(
            f"a value of type {type(data).__name__} cannot be encoded as JSON",
            serde=self.name,
            topic=topic,
            cause=exc,
            fix=(
                "give the sink dicts, lists, str, int, float, bool or None "
                "(dict keys must be str), or choose another serde for this topic"
            ),
        )

    def _decode_error(self, topic: str, data: bytes, exc: Exception) -> SerdeError:
        return SerdeError(
            "the bytes are not valid JSON", serde=self.name, topic=topic, cause=exc,
            preview=_preview(data),
        )


# Bound once: the JSON serde sits on the hot path of every record.
_dumps = orjson.dumps
_loads = orjson.loads


class TypedJsonSerde(Serde[T]):
    """JSON to and from a declared record type, with msgspec: a ``msgspec.Struct`` (or a dataclass,
    a ``TypedDict``...). Reading decodes only the declared fields (others are skipped without being
    built) and checks their types; writing encodes the object directly, without a dict in between.

    >>> import msgspec
    >>> class Tweet(msgspec.Struct):
    ...     id: int
    ...     text: str
    >>> serde = Serdes.Typed(Tweet)
    >>> serde.deserialize("tweets", b'{"id": 1, "text": "late again", "user": {"name": "x"}}')
    Tweet(id=1, text='late again')
    >>> serde.serialize("out", Tweet(2, "on time"))
    b'{"id":2,"text":"on time"}'
    >>> try:
    ...     serde.deserialize("tweets", b'{"id": "one", "text": "x"}')
    ... except SerdeError as err:
    ...     print(str(err).split(": ", 1)[1].split(" (")[0])
    it does not match Tweet: Expected `int`, got `str` - at `$.id`
    """

    __slots__ = ("_decoder", "_encoder", "_type")

    def __init__(self, record_type: type[T]) -> None:
        import msgspec

        self._type = record_type
        try:
            self._decoder = msgspec.json.Decoder(record_type)
        except TypeError as exc:
            raise TypeError(f"Serdes.Typed needs a msgspec.Struct, dataclass or TypedDict: {exc}") from None
        self._encoder = msgspec.json.Encoder()

    @property
    def name(self) -> str:
        return f"Serdes.Typed({self._type.__name__})"

    def serialize(self, topic: str, data: T | None) -> bytes | None:
        if data is None:
            return None
        try:
            return self._encoder.encode(data)
        except (TypeError, ValueError) as exc:  # msgspec.EncodeError is a ValueError
            raise SerdeError(
                f"a value of type {type(data).__name__} cannot be encoded as JSON", serde=self.name, topic=topic,
                cause=exc, fix=f"give the sink {self._type.__name__} objects, or choose another serde for this topic",
            ) from exc

    def encoder(self) -> Callable[[T], bytes]:
        return self._encoder.encode

    def decoder(self) -> Callable[[bytes], T]:
        return cast("Callable[[bytes], T]", self._decoder.decode)

    def deserialize(self, topic: str, data: bytes | None) -> T | None:
        if data is None:
            return None
        try:
            value: T = self._decoder.decode(data)
        except ValueError as exc:  # msgspec.DecodeError and ValidationError are ValueErrors
            raise self._decode_error(topic, data, exc) from exc
        return value

    def serialize_many(self, topic: str, items: Iterable[T | None]) -> list[bytes | None]:
        return _all_at_once(self._encoder.encode, items, (TypeError, ValueError),
                            lambda rest: super(TypedJsonSerde, self).serialize_many(topic, rest))

    def deserialize_many(self, topic: str, items: Iterable[bytes | None]) -> list[T | None]:
        return _all_at_once(self._decoder.decode, items, ValueError,
                            lambda rest: super(TypedJsonSerde, self).deserialize_many(topic, rest))

    def _decode_error(self, topic: str, data: bytes, exc: Exception) -> SerdeError:
        import msgspec

        problem = (f"it does not match {self._type.__name__}: {exc}" if isinstance(exc, msgspec.ValidationError)
                   else "the bytes are not valid JSON")
        return SerdeError(problem, serde=self.name, topic=topic, cause=exc, preview=_preview(data), show_cause=False)


class _FixedWidthSerde(Serde[T]):
    """Numbers in a fixed-width big-endian layout, like Kafka's Java number serdes."""

    __slots__ = ("_pack", "_unpack", "_width")

    _format: str
    _java: str
    _python_type: str

    def __init__(self) -> None:
        codec = struct.Struct(self._format)
        self._pack = codec.pack
        self._unpack = codec.unpack
        self._width = codec.size

    @property
    def name(self) -> str:
        return f"Serdes.{self._java}()"

    def serialize(self, topic: str, data: T | None) -> bytes | None:
        if data is None:
            return None
        try:
            return self._pack(data)
        except struct.error as exc:
            raise SerdeError(
                f"cannot encode a value of type {type(data).__name__} as a {self._width}-byte {self._java}",
                serde=self.name,
                topic=topic,
                cause=exc,
                fix=f"give the sink {self._python_type} values in the {self._java} range, or choose another serde",
            ) from exc

    def deserialize(self, topic: str, data: bytes | None) -> T | None:
        if data is None:
            return None
        try:
            value: T = self._unpack(data)[0]
        except (struct.error, TypeError) as exc:
            raise SerdeError(
                f"a {self._java} needs exactly {self._width} bytes, got {len(data)}",
                serde=self.name,
                topic=topic,
                cause=exc,
                preview=_preview(data),
            ) from exc
        return value


class IntegerSerde(_FixedWidthSerde[int]):
    """32-bit signed big-endian, as Java's ``IntegerSerializer``.

    >>> Serdes.Integer().serialize("t", -2)
    b'\\xff\\xff\\xff\\xfe'
    """

    __slots__ = ()
    _format, _java, _python_type = ">i", "Integer", "int"


class LongSerde(_FixedWidthSerde[int]):
    """64-bit signed big-endian, as Java's ``LongSerializer`` (Kafka Streams' ``count()`` values)."""

    __slots__ = ()
    _format, _java, _python_type = ">q", "Long", "int"


class DoubleSerde(_FixedWidthSerde[float]):
    """IEEE-754 double, big-endian, as Java's ``DoubleSerializer``."""

    __slots__ = ()
    _format, _java, _python_type = ">d", "Double", "float"


class AvroSerde(Serde[Any]):
    """Avro records in the schemaless binary encoding (no container, no registry framing).

    >>> schema = {"type": "record", "name": "Score", "fields": [{"name": "label", "type": "string"}]}
    >>> serde = Serdes.Avro(schema)
    >>> serde.deserialize("scores", serde.serialize("scores", {"label": "negative"}))
    {'label': 'negative'}
    """

    __slots__ = ("_schema", "_schema_name")

    def __init__(self, schema: Mapping[str, Any] | str) -> None:
        definition: Any = schema  # JSON text may also hold a primitive's name or a union's list
        if isinstance(schema, str):
            try:
                definition = orjson.loads(schema)
            except orjson.JSONDecodeError as exc:
                raise ValueError(
                    f"Serdes.Avro(schema): the schema string is not valid JSON ({exc}); "
                    "pass the schema as a dict or as its JSON text"
                ) from exc
        try:
            self._schema = fastavro.parse_schema(definition)
        except Exception as exc:  # fastavro raises several unrelated types for bad schemas
            raise ValueError(
                f"Serdes.Avro(schema): the schema is not a valid Avro schema: "
                f"{type(exc).__name__}: {exc}; check it against the Avro specification"
            ) from exc
        parsed = self._schema
        self._schema_name = parsed.get("name", parsed.get("type", "?")) if isinstance(parsed, dict) else str(parsed)

    @property
    def name(self) -> str:
        return f"Serdes.Avro({self._schema_name})"

    @property
    def schema(self) -> Any:
        """The parsed schema (fastavro's form)."""
        return self._schema

    def serialize(self, topic: str, data: Any) -> bytes | None:
        if data is None:
            return None
        out = io.BytesIO()
        try:
            fastavro.schemaless_writer(out, self._schema, data)
        except Exception as exc:
            # fastavro's messages quote the offending value, which may be secret: the error keeps the
            # cause as an attribute but neither prints nor chains it; _mismatch names the field instead.
            raise SerdeError(
                self._mismatch(data),
                serde=self.name,
                topic=topic,
                cause=exc,
                show_cause=False,
                fix=f"make the record match the Avro schema {self._schema_name}, or change the schema",
            ) from None
        return out.getvalue()

    def deserialize(self, topic: str, data: bytes | None) -> Any:
        if data is None:
            return None
        source = io.BytesIO(data)
        try:
            record = fastavro.schemaless_reader(source, self._schema, None)
        except Exception as exc:
            raise self._decode_error(topic, data, "the bytes do not decode with the schema", exc) from exc
        left = len(data) - source.tell()
        if left:
            raise self._decode_error(
                topic, data, f"{left} bytes left over after decoding one {self._schema_name}", None
            )
        return record

    def _mismatch(self, data: Any) -> str:
        """Name the first field that does not match, without showing its value (it may be secret)."""
        try:
            validate(data, self._schema, raise_errors=True)
        except ValidationError as err:
            problems = []
            for error in err.errors:
                expected = error.schema if isinstance(error.schema, str) else self._schema_name
                field = error.field or "the record"
                problems.append(f"field {field} has type {type(error.datum).__name__}, expected {expected}")
            return "the record does not match the schema: " + "; ".join(problems)
        return "the record does not match the schema"

    def _decode_error(self, topic: str, data: bytes, problem: str, exc: Exception | None) -> SerdeError:
        if data[:1] == b"\x00" and len(data) > 5:
            problem += " (a leading 0 byte suggests Confluent Schema Registry framing, which Serdes.Avro does not read)"
        return SerdeError(problem, serde=self.name, topic=topic, cause=exc, preview=_preview(data), show_cause=False)


class FunctionSerde(Serde[T]):
    """A serde made of two plain functions; exceptions they raise become :class:`SerdeError`.

    >>> serde = Serdes.of(lambda v: str(v).encode(), lambda b: int(b), name="decimal-text")
    >>> serde.deserialize("t", serde.serialize("t", 42))
    42
    """

    __slots__ = ("_deserializer", "_name", "_serializer")

    def __init__(
        self,
        serializer: Callable[[T], bytes],
        deserializer: Callable[[bytes], T],
        name: str,
    ) -> None:
        self._serializer = serializer
        self._deserializer = deserializer
        self._name = name

    @property
    def name(self) -> str:
        return f"Serdes.of({self._name})"

    def serialize(self, topic: str, data: T | None) -> bytes | None:
        if data is None:
            return None
        try:
            return self._serializer(data)
        except Exception as exc:
            raise SerdeError(
                f"the serializer raised on a value of type {type(data).__name__}", serde=self.name, topic=topic,
                cause=exc,
                fix="fix the serializer function or the values that reach this sink",
            ) from exc

    def deserialize(self, topic: str, data: bytes | None) -> T | None:
        if data is None:
            return None
        try:
            return self._deserializer(data)
        except Exception as exc:
            raise SerdeError(
                "the deserializer raised", serde=self.name, topic=topic, cause=exc, preview=_preview(data),
            ) from exc


class Serdes:
    """Factories for the built-in serdes, named as in Kafka Streams.

    >>> Serdes.Long().serialize("t", -1)
    b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff'
    >>> Serdes.from_name("json")
    Serdes.Json()
    """

    @staticmethod
    def String() -> StringSerde:  # noqa: N802 - Kafka Streams' names
        """UTF-8 text."""
        return StringSerde()

    @staticmethod
    def Bytes() -> BytesSerde:  # noqa: N802
        """Raw bytes, unchanged."""
        return BytesSerde()

    @staticmethod
    def Json() -> JsonSerde:  # noqa: N802
        """JSON (orjson)."""
        return JsonSerde()

    @staticmethod
    def Typed(record_type: type[T]) -> TypedJsonSerde[T]:  # noqa: N802
        """JSON as instances of ``record_type`` (a ``msgspec.Struct``, dataclass or ``TypedDict``), reading
        only its fields: see :class:`TypedJsonSerde`."""
        return TypedJsonSerde(record_type)

    @staticmethod
    def Integer() -> IntegerSerde:  # noqa: N802
        """4-byte big-endian signed int."""
        return IntegerSerde()

    @staticmethod
    def Long() -> LongSerde:  # noqa: N802
        """8-byte big-endian signed int."""
        return LongSerde()

    @staticmethod
    def Double() -> DoubleSerde:  # noqa: N802
        """8-byte big-endian IEEE-754 double."""
        return DoubleSerde()

    @staticmethod
    def Avro(schema: Mapping[str, Any] | str) -> AvroSerde:  # noqa: N802
        """Schemaless Avro binary for ``schema`` (a dict or its JSON text)."""
        return AvroSerde(schema)

    @staticmethod
    def of(
        serializer: Callable[[Any], bytes],
        deserializer: Callable[[bytes], Any],
        name: str = "custom",
    ) -> FunctionSerde[Any]:
        """A serde from two functions, like Kafka's ``Serdes.serdeFrom``."""
        return FunctionSerde(serializer, deserializer, name)

    @staticmethod
    def from_name(name: str) -> Serde[Any]:
        """The serde for a configuration-file name: json, string, bytes, integer, long or double."""
        factory = _BY_NAME.get(name.strip().lower())
        if factory is None:
            raise ValueError(
                f"unknown serde {name!r}; use one of {', '.join(sorted(_BY_NAME))} "
                "(Avro needs a schema: build it in code with Serdes.Avro(schema))"
            )
        return factory()


_BY_NAME: dict[str, Callable[[], Serde[Any]]] = {
    "bytes": BytesSerde,
    "double": DoubleSerde,
    "integer": IntegerSerde,
    "json": JsonSerde,
    "long": LongSerde,
    "string": StringSerde,
}
