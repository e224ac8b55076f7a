"""State stores: key-value, window and session stores, each writing a changelog.

Stores hold Python values in memory, keyed by the key's serialized bytes so that ordering
and equality are the ones Kafka Streams has (``all()`` iterates in key-byte order). Every
change is handed to ``log(key_bytes, value_bytes, timestamp)``; the task turns that into a
record on ``<application.id>-<store>-changelog`` and :meth:`StateStore.restore` replays such records.

>>> from airstream.topology.serdes import Serdes
>>> store = KeyValueStore("counts", Serdes.String(), Serdes.Long())
>>> store.put("a", 1); store.put("b", 2)
>>> store.get("a"), store.all()
(1, [('a', 1), ('b', 2)])
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from airstream.topology.serdes import Serde
from airstream.topology.windows import Window, Windowed

__all__ = ["ChangeLogger", "KeyValueStore", "SessionStore", "StateStore", "WindowStore"]

ChangeLogger = Callable[[bytes, "bytes | None", int], None]
LONG = struct.Struct(">q")
INT = struct.Struct(">i")


def _no_log(key: bytes, value: bytes | None, timestamp: int) -> None:
    return None


class StateStore:
    """What every store and buffer has: a name, serdes, its changelog writer and restore."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        self.name = name
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._log = log or _no_log
        self._logging = log is not None
        self.timestamp = 0  # timestamp of the record being processed, for changelog records
        # Operators that keep their stream time outside the store take it back from here
        # after a restore: the largest timestamp a changelog record carried.
        self.restored_stream_time = -1

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

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record (here: note its timestamp)."""
        self.restored_stream_time = max(self.restored_stream_time, timestamp)


class KeyValueStore(StateStore):
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

    def prefix_scan(self, prefix: bytes) -> list[tuple[Any, Any]]:
        """``(key, value)`` pairs whose serialized key starts with ``prefix``, in key-byte order."""
        return [(e[0], e[1]) for kb, e in sorted(self._data.items()) if kb.startswith(prefix)]

    def approximate_num_entries(self) -> int:
        """Number of keys."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = (self.key_serde.deserialize(self.name, key),
                               self.value_serde.deserialize(self.name, value), timestamp)


class WindowStore(StateStore):
    """Values per key and window start, kept for ``retention_ms`` of stream time (the
    largest window start written), as Kafka Streams' window stores do."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 window_size_ms: int, retention_ms: int, retain_duplicates: bool = False,
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self.window_size_ms = window_size_ms
        self.retention_ms = retention_ms
        self.retain_duplicates = retain_duplicates
        # key bytes -> {(window start, sequence): (key, value, timestamp)}
        self._data: dict[bytes, dict[tuple[int, int], tuple[Any, Any, int]]] = {}
        self._seq = 0
        self._swept = -1
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
        windows = self._data.get(kb)
        if value is None:
            if windows is not None:
                windows.pop((window_start, seq), None)
        else:
            if windows is None:
                windows = self._data[kb] = {}
            windows[(window_start, seq)] = (key, value, ts)
        self._log(kb + LONG.pack(window_start) + INT.pack(seq), self._vb(value), ts)

    def _expire(self) -> None:
        # Reads already ignore expired windows; sweeping only frees memory, so do it once per
        # half retention period of stream time rather than on every put.
        if self.observed_stream_time - self._swept < max(1, self.retention_ms // 2):
            return
        self._swept = self.observed_stream_time
        limit = self._min_live()
        for kb in list(self._data):
            windows = self._data[kb]
            for slot in [slot for slot in windows if slot[0] < limit]:
                del windows[slot]
            if not windows:
                del self._data[kb]

    def fetch_entries(self, key: Any, time_from: int, time_to: int) -> list[tuple[int, Any, int]]:
        """``(window_start, value, timestamp)`` for ``key`` and starts in ``[from, to]``."""
        windows = self._data.get(self._kb(key))
        if not windows:
            return []
        lo = max(time_from, self._min_live())
        return [(slot[0], e[1], e[2]) for slot, e in sorted(windows.items(), key=_slot_order)
                if lo <= slot[0] <= time_to]

    def fetch(self, key: Any, time_from: int, time_to: int | None = None) -> Any:
        """``fetch(key, start)`` is the value of one window (or ``None``);
        ``fetch(key, from, to)`` lists ``(window_start, value)`` for starts in ``[from, to]``."""
        if time_to is None:
            windows = self._data.get(self._kb(key))
            entry = windows and windows.get((time_from, 0))
            return None if not entry or time_from < self._min_live() else entry[1]
        return [(start, value) for start, value, _ in self.fetch_entries(key, time_from, time_to)]

    def _entries(self, time_from: int, time_to: int) -> list[tuple[Windowed[Any], Any, int]]:
        lo = max(time_from, self._min_live())
        found = [(slot[0], kb, slot[1], e) for kb, windows in self._data.items()
                 for slot, e in windows.items() if lo <= slot[0] <= time_to]
        found.sort(key=lambda f: f[:3])
        return [(Windowed(e[0], Window(start, start + self.window_size_ms)), e[1], e[2])
                for start, _, _, e in found]

    def fetch_all(self, time_from: int, time_to: int) -> list[tuple[Windowed[Any], Any]]:
        """``(Windowed(key, window), value)`` for all keys with starts in ``[from, to]``."""
        return [(w, v) for w, v, _ in self._entries(time_from, time_to)]

    def all(self) -> list[tuple[Windowed[Any], Any]]:
        """Every live ``(Windowed(key, window), value)``, by window start then key."""
        return self.fetch_all(-(2**63), 2**63 - 1)

    def all_with_timestamps(self) -> list[tuple[Windowed[Any], Any, int]]:
        """Every live ``(Windowed(key, window), value, timestamp)``, by window start then key."""
        return self._entries(-(2**63), 2**63 - 1)

    def approximate_num_entries(self) -> int:
        """Number of stored windows."""
        return sum(len(w) for w in self._data.values())

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        kb, start, seq = key[:-12], LONG.unpack_from(key, len(key) - 12)[0], INT.unpack_from(key, len(key) - 4)[0]
        self.observed_stream_time = max(self.observed_stream_time, start)
        self._seq = max(self._seq, seq)
        windows = self._data.setdefault(kb, {})
        if value is None:
            windows.pop((start, seq), None)
        else:
            windows[(start, seq)] = (self.key_serde.deserialize(self.name, kb),
                                     self.value_serde.deserialize(self.name, value), timestamp)


def _slot_order(item: tuple[tuple[int, int], Any]) -> tuple[int, int]:
    return item[0]


class SessionStore(StateStore):
    """Session aggregates keyed by ``Windowed(key, Window(start, end))`` (both inclusive)."""

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 retention_ms: int, log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self.retention_ms = retention_ms
        # key bytes -> {(end, start): (key, value)}
        self._data: dict[bytes, dict[tuple[int, int], tuple[Any, Any]]] = {}
        self.observed_stream_time = -1

    def put(self, session: Windowed[Any], value: Any) -> None:
        """Store (``None``: remove) the aggregate of ``session``."""
        kb = self._kb(session.key)
        end, start = session.window.end, session.window.start
        if end > self.observed_stream_time:
            self.observed_stream_time = end
        if end < self.observed_stream_time - self.retention_ms:
            return
        sessions = self._data.get(kb)
        if value is None:
            if sessions is not None:
                sessions.pop((end, start), None)
        else:
            if sessions is None:
                sessions = self._data[kb] = {}
            sessions[(end, start)] = (session.key, value)
        self._log(kb + LONG.pack(end) + LONG.pack(start), self._vb(value), self.timestamp)

    def remove(self, session: Windowed[Any]) -> None:
        """Delete ``session``."""
        self.put(session, None)

    def _live(self, kb: bytes) -> list[tuple[Windowed[Any], Any]]:
        horizon = self.observed_stream_time - self.retention_ms
        return [(Windowed(e[0], Window(slot[1], slot[0])), e[1])
                for slot, e in sorted(self._data.get(kb, {}).items()) if slot[0] >= horizon]

    def find_sessions(self, key: Any, earliest_session_end: int,
                      latest_session_start: int) -> list[tuple[Windowed[Any], Any]]:
        """Sessions of ``key`` that end at or after ``earliest_session_end`` and start at or
        before ``latest_session_start``."""
        return [(w, v) for w, v in self._live(self._kb(key))
                if w.window.end >= earliest_session_end and w.window.start <= latest_session_start]

    def fetch(self, key: Any) -> list[tuple[Windowed[Any], Any]]:
        """All sessions of ``key``."""
        return self._live(self._kb(key))

    def fetch_session(self, key: Any, start: int, end: int) -> Any:
        """The aggregate of one session or ``None``."""
        entry = self._data.get(self._kb(key), {}).get((end, start))
        return None if entry is None else entry[1]

    def all(self) -> list[tuple[Windowed[Any], Any]]:
        """Every session, by key bytes then end."""
        return [item for kb in sorted(self._data) for item in self._live(kb)]

    def approximate_num_entries(self) -> int:
        """Number of sessions."""
        return sum(len(s) for s in self._data.values())

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        kb = key[:-16]
        end, start = LONG.unpack_from(key, len(key) - 16)[0], LONG.unpack_from(key, len(key) - 8)[0]
        sessions = self._data.setdefault(kb, {})
        if value is None:
            sessions.pop((end, start), None)
        else:
            sessions[(end, start)] = (self.key_serde.deserialize(self.name, kb),
                                      self.value_serde.deserialize(self.name, value))
