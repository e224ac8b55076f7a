"""Serdes the DSL chooses by itself: the fallback default, windowed keys, and table changes
sent through repartition topics.

The fallback (:class:`AutoSerde`) is used when neither the operator, the upstream source nor
the ``default.key.serde`` / ``default.value.serde`` config names a serde. It writes ``str``
as UTF-8, ``bytes`` unchanged and anything else as JSON, and reads JSON when the bytes parse
as JSON, else text, else bytes. Configure real serdes for production topics; the fallback
exists so that a topology works in the test driver without ceremony.

>>> auto = AutoSerde()
>>> auto.serialize("t", "hello"), auto.serialize("t", {"a": 1})
(b'hello', b'{"a":1}')
>>> auto.deserialize("t", b"hello"), auto.deserialize("t", b'{"a":1}')
('hello', {'a': 1})
>>> auto.deserialize("t", auto.serialize("t", "42")), auto.deserialize("t", auto.serialize("t", 42))
('42', 42)
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

import orjson

from airstream.topology.serdes import Serde, SerdeError, Serdes
from airstream.topology.windows import Window, Windowed

__all__ = ["AutoSerde", "Change", "ChangeSerde", "CombinedKeySerde", "WindowedSerde", "WindowedSerdes", "as_serde",
           "resolve_serde"]

_JSON_START = frozenset(b'{["-0123456789tfn')
_LONG = struct.Struct(">q")
_LEN = struct.Struct(">i")


class AutoSerde(Serde[Any]):
    """The fallback serde (see the module docstring)."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return "AutoSerde (no serde configured)"

    def serialize(self, topic: str, data: Any) -> bytes | None:
        if data is None:
            return None
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            raw = data.encode()
            if raw and raw[0] in _JSON_START:
                try:
                    orjson.loads(raw)
                except orjson.JSONDecodeError:
                    return raw
                # Text that reads as JSON ("42", "true") is quoted so it comes back as text.
                return orjson.dumps(data)
            return raw
        try:
            return orjson.dumps(data)
        except TypeError as exc:
            raise SerdeError(
                f"cannot write a {type(data).__name__} without a serde", serde=self.name,
                topic=topic, cause=exc,
                fix="give the operator or the sink a serde (key_serde=/value_serde=) or set "
                    "default.key.serde / default.value.serde in the config",
            ) from exc

    def deserialize(self, topic: str, data: bytes | None) -> Any:
        if data is None:
            return None
        if data and data[0] in _JSON_START:
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
        try:
            return data.decode()
        except UnicodeDecodeError:
            return bytes(data)


def as_serde(value: Serde[Any] | str | None) -> Serde[Any] | None:
    """A serde argument as the DSL and the test driver take it: a :class:`Serde`, a name that
    :meth:`Serdes.from_name` knows, or ``None`` (not given).

    >>> as_serde("json"), as_serde(None)
    (Serdes.Json(), None)
    """
    if value is None or isinstance(value, Serde):
        return value
    return Serdes.from_name(value)


def resolve_serde(serde: Serde[Any] | None, default: Serde[Any]) -> Serde[Any]:
    """``serde`` with every missing part (itself, or a wrapper's inner serde) set to ``default``."""
    if serde is None:
        return default
    if isinstance(serde, (WindowedSerde, ChangeSerde)) and serde.inner is None:
        return type(serde)(default, *serde.args())
    if isinstance(serde, CombinedKeySerde):
        return CombinedKeySerde(resolve_serde(serde.foreign, default), resolve_serde(serde.primary, default))
    return serde


class WindowedSerde(Serde[Windowed[Any]]):
    """Kafka Streams' windowed key layout: inner key bytes + 8-byte window start (time
    windows, ``window_size_ms`` set) or + 8-byte end + 8-byte start (sessions)."""

    __slots__ = ("inner", "window_size_ms")

    def __init__(self, inner: Serde[Any] | None, window_size_ms: int | None) -> None:
        self.inner = inner
        self.window_size_ms = window_size_ms

    def args(self) -> tuple[Any, ...]:
        return (self.window_size_ms,)

    @property
    def name(self) -> str:
        kind = "Session" if self.window_size_ms is None else "Time"
        return f"{kind}Windowed({self.inner.name if self.inner else 'default'})"

    def serialize(self, topic: str, data: Windowed[Any] | None) -> bytes | None:
        if data is None:
            return None
        assert self.inner is not None
        key = self.inner.serialize(topic, data.key) or b""
        if self.window_size_ms is None:
            return key + _LONG.pack(data.window.end) + _LONG.pack(data.window.start)
        return key + _LONG.pack(data.window.start)

    def deserialize(self, topic: str, data: bytes | None) -> Windowed[Any] | None:
        if data is None:
            return None
        assert self.inner is not None
        if self.window_size_ms is None:
            end, start = _LONG.unpack_from(data, len(data) - 16)[0], _LONG.unpack_from(data, len(data) - 8)[0]
            return Windowed(self.inner.deserialize(topic, data[:-16]), Window(start, end))
        start = _LONG.unpack_from(data, len(data) - 8)[0]
        return Windowed(self.inner.deserialize(topic, data[:-8]), Window(start, start + self.window_size_ms))


class WindowedSerdes:
    """Kafka Streams' ``WindowedSerdes`` factories, for reading windowed results explicitly.

    >>> from airstream.topology.serdes import Serdes
    >>> serde = WindowedSerdes.time_windowed_serde_from(Serdes.String(), 60_000)
    >>> serde.deserialize("t", serde.serialize("t", Windowed("Delta", Window(0, 60_000))))
    Windowed(key='Delta', window=Window(start=0, end=60000))
    """

    @staticmethod
    def time_windowed_serde_from(inner: Serde[Any], window_size_ms: int) -> WindowedSerde:
        """Keys of time-windowed (tumbling, hopping, sliding) results."""
        return WindowedSerde(inner, window_size_ms)

    @staticmethod
    def session_windowed_serde_from(inner: Serde[Any]) -> WindowedSerde:
        """Keys of session-windowed results."""
        return WindowedSerde(inner, None)


class Change(NamedTuple):
    """A table update: the new and the old value (either may be ``None``)."""

    new: Any
    old: Any


class ChangeSerde(Serde[Change]):
    """A :class:`Change` as two length-prefixed values (length -1 for ``None``)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Serde[Any] | None) -> None:
        self.inner = inner

    @classmethod
    def of(cls, inner: Serde[Any] | None) -> ChangeSerde:
        """A change serde around ``inner`` (resolved to the default serde when ``None``)."""
        return cls(inner)

    def args(self) -> tuple[Any, ...]:
        return ()

    @property
    def name(self) -> str:
        return f"Change({self.inner.name if self.inner else 'default'})"

    def serialize(self, topic: str, data: Change | None) -> bytes | None:
        if data is None:
            return None
        assert self.inner is not None
        out = b""
        for part in data:
            raw = self.inner.serialize(topic, part)
            out += _LEN.pack(-1) if raw is None else _LEN.pack(len(raw)) + raw
        return out

    def deserialize(self, topic: str, data: bytes | None) -> Change | None:
        return None if data is None else self.read(topic, data)

    def read(self, topic: str, data: bytes) -> Change:
        """The change held in ``data`` (which, unlike a record value, is never a tombstone)."""
        assert self.inner is not None
        parts: list[Any] = []
        pos = 0
        for _ in range(2):
            size = _LEN.unpack_from(data, pos)[0]
            pos += 4
            if size < 0:
                parts.append(None)
            else:
                parts.append(self.inner.deserialize(topic, data[pos:pos + size]))
                pos += size
        return Change(parts[0], parts[1])


class CombinedKeySerde(Serde[tuple[Any, Any]]):
    """The key of a foreign-key join's subscriptions, ``(foreign key, primary key)``, in Kafka
    Streams' ``CombinedKeySchema`` layout: 4-byte length of the foreign key, its bytes, then the
    primary key's bytes. So a prefix scan finds one foreign key's subscribers, in primary-key
    byte order.

    >>> from airstream.topology.serdes import Serdes
    >>> serde = CombinedKeySerde(Serdes.String(), Serdes.String())
    >>> raw = serde.serialize("t", ("K1", "A"))
    >>> raw, serde.prefix("t", "K1"), serde.deserialize("t", raw)
    (b'\\x00\\x00\\x00\\x02K1A', b'\\x00\\x00\\x00\\x02K1', ('K1', 'A'))
    """

    __slots__ = ("foreign", "primary")

    def __init__(self, foreign: Serde[Any] | None, primary: Serde[Any] | None) -> None:
        self.foreign, self.primary = foreign, primary

    @property
    def name(self) -> str:
        parts = (s.name if s else "default" for s in (self.foreign, self.primary))
        return "CombinedKey({}, {})".format(*parts)

    def prefix(self, topic: str, foreign_key: Any) -> bytes:
        """The bytes every key of ``foreign_key`` starts with."""
        assert self.foreign is not None
        raw = self.foreign.serialize(topic, foreign_key) or b""
        return _LEN.pack(len(raw)) + raw

    def serialize(self, topic: str, data: tuple[Any, Any] | None) -> bytes | None:
        if data is None:
            return None
        assert self.primary is not None
        return self.prefix(topic, data[0]) + (self.primary.serialize(topic, data[1]) or b"")

    def deserialize(self, topic: str, data: bytes | None) -> tuple[Any, Any] | None:
        if data is None:
            return None
        assert self.foreign is not None and self.primary is not None
        size = _LEN.unpack_from(data, 0)[0]
        return (self.foreign.deserialize(topic, data[4:4 + size]),
                self.primary.deserialize(topic, data[4 + size:]))
