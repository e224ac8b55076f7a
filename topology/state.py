"""State stores: key-value, window and session stores, each writing a changelog.

Stores hold Python values in memory, keyed by the key's serialized bytes so that ordering
and equality are the ones Kafka Streams has (``all()`` iterates in key-byte order). Every
change is handed to ``log(key_bytes, value_bytes, timestamp)``; the task turns that into a
record on ``<application.id>-<store>-changelog`` and :meth:`restore` replays such records.

>>> from topology.serdes import Serdes
>>> store = KeyValueStore("counts", Serdes.String(), Serdes.Long())
>>> store.put("a", 1); store.put("b", 2)
>>> store.get("a"), store.all()
(1, [('a', 1), ('b', 2)])
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from topology.serdes import Serde
from topology.windows import Window, Windowed

__all__ = ["BufferStore", "ChangeLogger", "KeyValueStore", "SessionStore", "WindowStore"]

ChangeLogger = Callable[[bytes, "bytes | None", int], None]
_LONG = struct.Struct(">q")
_INT = struct.Struct(">i")


def _no_log(key: bytes, value: bytes | None, timestamp: int) -> None:
    return None


class _Store:
    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        self.name = name
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._log = log or _no_log
        self._logging = log is not None
        self.timestamp = 0  # timestamp of the record being processed, for changelog records

    def _kb(self, key: Any) -> bytes:
        raw = self.key_serde.serialize(self.name, key)
        if raw is None:
            raise ValueError(f"store {self.name!r}: keys must not be None")
        return raw

    def _vb(self, value: Any) -> bytes | None:
        return self.value_serde.serialize(self.name, value) if self._logging else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.approximate_num_entries()} entries)"

    def approximate_num_entries(self) -> int:
        raise NotImplementedError


class KeyValueStore(_Store):
    """A key-value store. ``put(key, None)`` deletes."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self._data: dict[bytes, tuple[Any, Any, int]] = {}

    def get(self, key: Any) -> Any:
        """The value for ``key`` or ``None``."""
        entry = self._data.get(self._kb(key))
        return None if entry is None else entry[1]

    def get_with_timestamp(self, key: Any) -> tuple[Any, int] | None:
        """``(value, timestamp)`` for ``key``, or ``None``."""
        entry = self._data.get(self._kb(key))
        return None if entry is None else (entry[1], entry[2])

    def put(self, key: Any, value: Any, timestamp: int | None = None) -> None:
        """Set ``key`` to ``value`` (``None`` deletes)."""
        kb = self._kb(key)
        ts = self.timestamp if timestamp is None else timestamp
        if value is None:
            self._data.pop(kb, None)
        else:
            self._data[kb] = (key, value, ts)
        self._log(kb, self._vb(value), ts)

    def put_if_absent(self, key: Any, value: Any) -> Any:
        """Put unless present; returns the existing value or ``None``."""
        old = self.get(key)
        if old is None:
            self.put(key, value)
        return old

    def put_all(self, entries: list[tuple[Any, Any]]) -> None:
        """Put every ``(key, value)``."""
        for key, value in entries:
            self.put(key, value)

    def delete(self, key: Any) -> Any:
        """Remove ``key``; returns the old value."""
        old = self.get(key)
        self.put(key, None)
        return old

    def all(self) -> list[tuple[Any, Any]]:
        """Every ``(key, value)`` in key-byte order."""
        return [(e[0], e[1]) for _, e in sorted(self._data.items())]

    def range(self, key_from: Any, key_to: Any) -> list[tuple[Any, Any]]:
        """``(key, value)`` pairs with ``key_from <= key <= key_to`` (by serialized bytes)."""
        lo, hi = self._kb(key_from), self._kb(key_to)
        return [(e[0], e[1]) for kb, e in sorted(self._data.items()) if lo <= kb <= hi]

    def approximate_num_entries(self) -> int:
        """Number of keys."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = (self.key_serde.deserialize(self.name, key),
                               self.value_serde.deserialize(self.name, value), timestamp)


class WindowStore(_Store):
    """Values per key and window start, kept for ``retention_ms`` of stream time."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 window_size_ms: int, retention_ms: int, retain_duplicates: bool = False,
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self.window_size_ms = window_size_ms
        self.retention_ms = retention_ms
        self.retain_duplicates = retain_duplicates
        self._data: dict[tuple[int, bytes, int], tuple[Any, Any, int]] = {}
        self._seq = 0
        self.observed_stream_time = -1

    def _min_live(self) -> int:
        return self.observed_stream_time - self.retention_ms + 1

    def put(self, key: Any, value: Any, window_start: int, timestamp: int | None = None) -> None:
        """Store ``value`` for ``key`` in the window starting at ``window_start``."""
        kb = self._kb(key)
        ts = self.timestamp if timestamp is None else timestamp
        if window_start > self.observed_stream_time:
            self.observed_stream_time = window_start
            self._expire()
        if window_start < self._min_live():
            return
        seq = 0
        if self.retain_duplicates:
            self._seq += 1
            seq = self._seq
        slot = (window_start, kb, seq)
        if value is None:
            self._data.pop(slot, None)
        else:
            self._data[slot] = (key, value, ts)
        self._log(kb + _LONG.pack(window_start) + _INT.pack(seq), self._vb(value), ts)

    def _expire(self) -> None:
        limit = self._min_live()
        if self._data and min(self._data)[0] < limit:
            for slot in [s for s in self._data if s[0] < limit]:
                del self._data[slot]

    def fetch(self, key: Any, time_from: int, time_to: int | None = None) -> Any:
        """``fetch(key, start)`` is the value of one window (or ``None``);
        ``fetch(key, from, to)`` lists ``(window_start, value)`` for starts in ``[from, to]``."""
        kb = self._kb(key)
        if time_to is None:
            entry = self._data.get((time_from, kb, 0))
            return None if entry is None or time_from < self._min_live() else entry[1]
        lo = max(time_from, self._min_live())
        return [(s[0], e[1]) for s, e in sorted(self._data.items())
                if s[1] == kb and lo <= s[0] <= time_to]

    def fetch_entries(self, key: Any, time_from: int, time_to: int) -> list[tuple[int, Any, int]]:
        """``(window_start, value, timestamp)`` for ``key`` and starts in ``[from, to]``."""
        kb = self._kb(key)
        lo = max(time_from, self._min_live())
        return [(s[0], e[1], e[2]) for s, e in sorted(self._data.items())
                if s[1] == kb and lo <= s[0] <= time_to]

    def _windowed(self, slot: tuple[int, bytes, int], entry: tuple[Any, Any, int]) -> tuple[Windowed[Any], Any]:
        return Windowed(entry[0], Window(slot[0], slot[0] + self.window_size_ms)), entry[1]

    def fetch_all(self, time_from: int, time_to: int) -> list[tuple[Windowed[Any], Any]]:
        """``(Windowed(key, window), value)`` for all keys with starts in ``[from, to]``."""
        lo = max(time_from, self._min_live())
        return [self._windowed(s, e) for s, e in sorted(self._data.items()) if lo <= s[0] <= time_to]

    def all(self) -> list[tuple[Windowed[Any], Any]]:
        """Every ``(Windowed(key, window), value)``, by window start then key."""
        return [self._windowed(s, e) for s, e in sorted(self._data.items())]

    def approximate_num_entries(self) -> int:
        """Number of stored windows."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        kb, start, seq = key[:-12], _LONG.unpack_from(key, len(key) - 12)[0], _INT.unpack_from(key, len(key) - 4)[0]
        self.observed_stream_time = max(self.observed_stream_time, start)
        self._seq = max(self._seq, seq)
        if value is None:
            self._data.pop((start, kb, seq), None)
        else:
            self._data[(start, kb, seq)] = (self.key_serde.deserialize(self.name, kb),
                                            self.value_serde.deserialize(self.name, value), timestamp)


class SessionStore(_Store):
    """Session aggregates keyed by ``Windowed(key, Window(start, end))`` (both inclusive)."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 retention_ms: int, log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self.retention_ms = retention_ms
        self._data: dict[tuple[bytes, int, int], tuple[Any, Any]] = {}
        self.observed_stream_time = -1

    def put(self, session: Windowed[Any], value: Any) -> None:
        """Store (``None``: remove) the aggregate of ``session``."""
        kb = self._kb(session.key)
        end, start = session.window.end, session.window.start
        if end > self.observed_stream_time:
            self.observed_stream_time = end
        if end < self.observed_stream_time - self.retention_ms:
            return
        slot = (kb, end, start)
        if value is None:
            self._data.pop(slot, None)
        else:
            self._data[slot] = (session.key, value)
        self._log(kb + _LONG.pack(end) + _LONG.pack(start), self._vb(value), self.timestamp)

    def remove(self, session: Windowed[Any]) -> None:
        """Delete ``session``."""
        self.put(session, None)

    def find_sessions(self, key: Any, earliest_session_end: int,
                      latest_session_start: int) -> list[tuple[Windowed[Any], Any]]:
        """Sessions of ``key`` that end at or after ``earliest_session_end`` and start at or
        before ``latest_session_start``."""
        kb = self._kb(key)
        return [(Windowed(e[0], Window(s[2], s[1])), e[1]) for s, e in sorted(self._data.items())
                if s[0] == kb and s[1] >= earliest_session_end and s[2] <= latest_session_start]

    def fetch(self, key: Any) -> list[tuple[Windowed[Any], Any]]:
        """All sessions of ``key``."""
        return self.find_sessions(key, 0, 2**63 - 1)

    def fetch_session(self, key: Any, start: int, end: int) -> Any:
        """The aggregate of one session or ``None``."""
        entry = self._data.get((self._kb(key), end, start))
        return None if entry is None else entry[1]

    def all(self) -> list[tuple[Windowed[Any], Any]]:
        """Every session, by key bytes then end."""
        return [(Windowed(e[0], Window(s[2], s[1])), e[1]) for s, e in sorted(self._data.items())]

    def approximate_num_entries(self) -> int:
        """Number of sessions."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        kb = key[:-16]
        end, start = _LONG.unpack_from(key, len(key) - 16)[0], _LONG.unpack_from(key, len(key) - 8)[0]
        if value is None:
            self._data.pop((kb, end, start), None)
        else:
            self._data[(kb, end, start)] = (self.key_serde.deserialize(self.name, kb),
                                            self.value_serde.deserialize(self.name, value))


class BufferStore:
    """Operator-private buffered state (suppression buffers, unmatched outer-join records):
    Python keys and values, no changelog."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._data: dict[Any, Any] = {}

    def put(self, key: Any, value: Any, timestamp: int | None = None) -> None:
        """Set (``None``: remove) ``key``."""
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = value

    def delete(self, key: Any) -> Any:
        """Remove ``key``; returns the old value."""
        return self._data.pop(key, None)

    def get(self, key: Any) -> Any:
        """The value of ``key`` or ``None``."""
        return self._data.get(key)

    def items(self) -> list[tuple[Any, Any]]:
        """A snapshot of all entries."""
        return list(self._data.items())

    def approximate_num_entries(self) -> int:
        """Number of entries."""
        return len(self._data)
