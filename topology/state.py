"""State stores: key-value, window and session stores, each writing a changelog.

Stores hold Python values in memory, keyed by the key's serialized bytes so that ordering
and equality are the ones Kafka Streams has (``all()`` iterates in key-byte order). Every
change is handed to ``log(key_bytes, value_bytes, timestamp)``; the task turns that into a
record on ``<application.id>-<store>-changelog`` and :meth:`restore` replays such records.

>>> from airstream.topology.serdes import Serdes
>>> store = KeyValueStore("counts", Serdes.String(), Serdes.Long())
>>> store.put("a", 1); store.put("b", 2)
>>> store.get("a"), store.all()
(1, [('a', 1), ('b', 2)])
"""

from __future__ import annotations

import heapq
import struct
from bisect import insort
from collections.abc import Callable
from typing import Any

from airstream.topology.serde_defaults import Change, ChangeSerde
from airstream.topology.serdes import Serde
from airstream.topology.windows import Window, Windowed

__all__ = ["ChangeLogger", "KeyValueStore", "LeftOrRightSerde", "OuterJoinBuffer", "SessionStore",
           "SlidingWindowBuffer", "SuppressionBuffer", "WindowStore"]

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
        super().restore(key, value, timestamp)
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = (self.key_serde.deserialize(self.name, key),
                               self.value_serde.deserialize(self.name, value), timestamp)


class WindowStore(_Store):
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
        self._log(kb + _LONG.pack(window_start) + _INT.pack(seq), self._vb(value), ts)

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
        kb, start, seq = key[:-12], _LONG.unpack_from(key, len(key) - 12)[0], _INT.unpack_from(key, len(key) - 4)[0]
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


class SessionStore(_Store):
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
        self._log(kb + _LONG.pack(end) + _LONG.pack(start), self._vb(value), self.timestamp)

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
        end, start = _LONG.unpack_from(key, len(key) - 16)[0], _LONG.unpack_from(key, len(key) - 8)[0]
        sessions = self._data.setdefault(kb, {})
        if value is None:
            sessions.pop((end, start), None)
        else:
            sessions[(end, start)] = (self.key_serde.deserialize(self.name, kb),
                                      self.value_serde.deserialize(self.name, value))


def _pack_headers(headers: Any) -> bytes:
    items = list(headers.items() if isinstance(headers, dict) else headers or ())
    out = [_INT.pack(len(items))]
    for name, value in items:
        raw_name = str(name).encode()
        raw = value if isinstance(value, bytes) or value is None else str(value).encode()
        out += [_INT.pack(len(raw_name)), raw_name]
        out += [_INT.pack(-1)] if raw is None else [_INT.pack(len(raw)), raw]
    return b"".join(out)


def _unpack_headers(data: bytes, pos: int) -> tuple[list[tuple[str, bytes | None]], int]:
    count = _INT.unpack_from(data, pos)[0]
    pos += 4
    headers: list[tuple[str, bytes | None]] = []
    for _ in range(count):
        size = _INT.unpack_from(data, pos)[0]
        name = data[pos + 4:pos + 4 + size].decode()
        pos += 4 + size
        size = _INT.unpack_from(data, pos)[0]
        pos += 4
        if size < 0:
            headers.append((name, None))
        else:
            headers.append((name, data[pos:pos + size]))
            pos += size
    return headers, pos


class SuppressionBuffer(_Store):
    """The buffer of ``suppress(until_window_closes=True)``: the latest change of every windowed
    key not emitted yet, evicted in window-end order (then arrival order), like Kafka Streams'
    in-memory time-ordered buffer (``KTABLE-SUPPRESS-STATE-STORE-...``).

    ``key_serde`` and ``value_serde`` are those of the aggregation upstream. Changelog records:
    key = key bytes + window start + window end (8 bytes each); value = arrival number,
    timestamp, headers and the change (new and old value); an eviction writes a tombstone.
    As in Kafka Streams, changes are logged when the task flushes (once per batch, before its
    offsets are committed): the latest state of each key changed since, not every update.

    >>> from airstream.topology.serdes import Serdes
    >>> buf = SuppressionBuffer("s", Serdes.String(), Serdes.Long())
    >>> buf.put(Windowed("a", Window(0, 10)), Change(1, None), timestamp=3)
    >>> buf.put(Windowed("a", Window(0, 10)), Change(2, 1), timestamp=4)
    >>> [(w.key, w.window.end, c.new) for w, c, ts, headers in buf.evict(until=10)]
    [('a', 10, 2)]
    """

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        self._change_serde = ChangeSerde(value_serde)
        # changelog key -> (arrival, windowed key, change, timestamp, headers); a key keeps its
        # first arrival number until it is evicted
        self._data: dict[bytes, tuple[int, Windowed[Any], Change, int, Any]] = {}
        self._heap: list[tuple[int, int, bytes]] = []  # (window end, arrival, changelog key)
        self._seq = 0
        self._dirty: dict[bytes, None] = {}  # changed since the last flush, in order
        self.observed_stream_time = -1

    def put(self, key: Windowed[Any], change: Change, timestamp: int, headers: Any = ()) -> None:
        """Hold ``change`` as the latest of ``key``'s window."""
        window = key.window
        kb = self._kb(key.key) + _LONG.pack(window.start) + _LONG.pack(window.end)
        if timestamp > self.observed_stream_time:
            self.observed_stream_time = timestamp
        entry = self._data.get(kb)
        if entry is None:
            self._seq += 1
            seq = self._seq
            heapq.heappush(self._heap, (window.end, seq, kb))
        else:
            seq = entry[0]
        self._data[kb] = (seq, key, change, timestamp, headers)
        if self._logging:
            self._dirty[kb] = None

    def evict(self, until: int) -> list[tuple[Windowed[Any], Change, int, Any]]:
        """Remove and return ``(key, change, timestamp, headers)`` of every window that ends at or
        before ``until``, by window end, then arrival."""
        heap, data = self._heap, self._data
        out = []
        while heap and heap[0][0] <= until:
            _, seq, kb = heapq.heappop(heap)
            entry = data.get(kb)
            if entry is None or entry[0] != seq:
                continue  # superseded by a restored tombstone or a later arrival
            del data[kb]
            if self._logging:
                self._dirty[kb] = None
            out.append(entry[1:])
        return out

    def flush(self) -> None:
        """Log the current state of every key changed since the last flush."""
        for kb in self._dirty:
            entry = self._data.get(kb)
            if entry is None:
                self._log(kb, None, self.observed_stream_time)
                continue
            seq, _, change, ts, headers = entry
            self._log(kb, _LONG.pack(seq) + _LONG.pack(ts) + _pack_headers(headers)
                      + (self._change_serde.serialize(self.name, change) or b""), ts)
        self._dirty.clear()

    def all(self) -> list[tuple[Windowed[Any], Change]]:
        """Every held ``(key, change)`` in eviction order."""
        return [(e[1], e[2]) for e in sorted(self._data.values(), key=lambda e: (e[1].window.end, e[0]))]

    def approximate_num_entries(self) -> int:
        """Number of held windows."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        self.observed_stream_time = max(self.observed_stream_time, timestamp)
        if value is None:
            self._data.pop(key, None)
            return
        start, end = _LONG.unpack_from(key, len(key) - 16)[0], _LONG.unpack_from(key, len(key) - 8)[0]
        seq, ts = _LONG.unpack_from(value, 0)[0], _LONG.unpack_from(value, 8)[0]
        headers, pos = _unpack_headers(value, 16)
        change = self._change_serde.deserialize(self.name, value[pos:])
        windowed = Windowed(self.key_serde.deserialize(self.name, key[:-16]), Window(start, end))
        entry = self._data.get(key)
        if entry is None or entry[0] != seq:
            heapq.heappush(self._heap, (end, seq, key))
        self._seq = max(self._seq, seq)
        self._data[key] = (seq, windowed, change, ts, headers)


class LeftOrRightSerde(Serde[tuple[bool, Any]]):
    """``(is_left, value)`` as one flag byte and the value in its side's serde: the values of
    an :class:`OuterJoinBuffer` (Kafka Streams' ``LeftOrRightValue``).

    >>> from airstream.topology.serdes import Serdes
    >>> serde = LeftOrRightSerde(Serdes.String(), Serdes.Long())
    >>> serde.deserialize("t", serde.serialize("t", (False, 7)))
    (False, 7)
    """

    __slots__ = ("left", "right")

    def __init__(self, left: Serde[Any], right: Serde[Any]) -> None:
        self.left, self.right = left, right

    @property
    def name(self) -> str:
        return f"LeftOrRight({self.left.name}, {self.right.name})"

    def serialize(self, topic: str, data: tuple[bool, Any] | None) -> bytes | None:
        if data is None:
            return None
        is_left, value = data
        raw = (self.left if is_left else self.right).serialize(topic, value) or b""
        return (b"\x01" if is_left else b"\x00") + raw

    def deserialize(self, topic: str, data: bytes | None) -> tuple[bool, Any] | None:
        if data is None:
            return None
        is_left = data[:1] == b"\x01"
        return is_left, (self.left if is_left else self.right).deserialize(topic, data[1:])


class OuterJoinBuffer(_Store):
    """Records of a left or outer stream-stream join still waiting for a match or for their
    window to close (Kafka Streams' outer-join shared store, ``KSTREAM-OUTERSHARED-...``).

    Entries are keyed by ``(timestamp, is_left, key)``; ``value_serde`` is a
    :class:`LeftOrRightSerde`. Changelog records: key = timestamp (8 bytes) + side (1 byte) +
    key bytes; value = arrival number (8 bytes), side flag and value bytes; a match or an
    expiry writes a tombstone. Like
    the suppression buffer it logs when the task flushes, so a record matched within the same
    batch costs one tombstone. :meth:`expire` finds closed entries from a per-side heap
    instead of scanning the buffer.

    >>> from airstream.topology.serdes import Serdes
    >>> buf = OuterJoinBuffer("o", Serdes.String(), LeftOrRightSerde(Serdes.String(), Serdes.String()))
    >>> buf.put(5, True, "k", "left"); buf.put(3, False, "k", "right")
    >>> buf.delete(5, True, "k")
    True
    >>> buf.expire(left_until=100, right_until=4)
    [(3, False, 'k', 'right')]
    """

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        # changelog key -> (arrival, timestamp, is_left, key, value)
        self._data: dict[bytes, tuple[int, int, bool, Any, Any]] = {}
        # (timestamp, arrival, changelog key) per side: index 1 left, 0 right
        self._heaps: tuple[list[tuple[int, int, bytes]], list[tuple[int, int, bytes]]] = ([], [])
        self._seq = 0
        self._dirty: dict[bytes, int] = {}  # changelog key -> timestamp, changed since the last flush

    def _slot(self, timestamp: int, is_left: bool, key: Any) -> bytes:
        return _LONG.pack(timestamp) + (b"\x01" if is_left else b"\x00") + self._kb(key)

    def put(self, timestamp: int, is_left: bool, key: Any, value: Any) -> None:
        """Hold ``value`` of one side, arrived with ``timestamp``."""
        slot = self._slot(timestamp, is_left, key)
        entry = self._data.get(slot)
        if entry is None:
            self._seq += 1
            seq = self._seq
            heapq.heappush(self._heaps[is_left], (timestamp, seq, slot))
        else:
            seq = entry[0]
        self._data[slot] = (seq, timestamp, is_left, key, value)
        if self._logging:
            self._dirty[slot] = timestamp

    def delete(self, timestamp: int, is_left: bool, key: Any) -> bool:
        """Forget a matched entry; whether it was held."""
        if not self._data:
            return False
        slot = self._slot(timestamp, is_left, key)
        if self._data.pop(slot, None) is None:
            return False
        if self._logging:
            self._dirty[slot] = timestamp
        return True

    def expire(self, left_until: int, right_until: int) -> list[tuple[int, bool, Any, Any]]:
        """Remove and return ``(timestamp, is_left, key, value)`` of left entries older than
        ``left_until`` and right entries older than ``right_until``, by timestamp, then arrival."""
        data = self._data
        out = []
        for is_left, until in ((True, left_until), (False, right_until)):
            heap = self._heaps[is_left]
            while heap and heap[0][0] < until:
                _, seq, slot = heapq.heappop(heap)
                entry = data.get(slot)
                if entry is None or entry[0] != seq:
                    continue  # matched meanwhile, or held again under a new arrival
                del data[slot]
                if self._logging:
                    self._dirty[slot] = entry[1]
                out.append(entry)
        out.sort(key=_arrival_order)
        return [e[1:] for e in out]

    def flush(self) -> None:
        """Log the current state of every entry changed since the last flush."""
        for slot, ts in self._dirty.items():
            entry = self._data.get(slot)
            self._log(slot, None if entry is None
                      else _LONG.pack(entry[0]) + (self._vb((entry[2], entry[4])) or b""), ts)
        self._dirty.clear()

    def all(self) -> list[tuple[tuple[int, bool, Any], Any]]:
        """Every held ``((timestamp, is_left, key), value)`` by timestamp, then arrival."""
        return [((e[1], e[2], e[3]), e[4]) for e in sorted(self._data.values(), key=_arrival_order)]

    def approximate_num_entries(self) -> int:
        """Number of held records."""
        return len(self._data)

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        if value is None:
            self._data.pop(key, None)
            return
        ts, is_left = _LONG.unpack_from(key, 0)[0], key[8] == 1
        seq = _LONG.unpack_from(value, 0)[0]
        entry = self._data.get(key)
        if entry is None or entry[0] != seq:
            heapq.heappush(self._heaps[is_left], (ts, seq, key))
        self._seq = max(self._seq, seq)
        held = self.value_serde.deserialize(self.name, value[8:])
        self._data[key] = (seq, ts, is_left, self.key_serde.deserialize(self.name, key[9:]), held[1])


def _arrival_order(entry: tuple[int, int, bool, Any, Any]) -> tuple[int, int]:
    return entry[1], entry[0]


class SlidingWindowBuffer(_Store):
    """The records a sliding-window aggregation refolds its windows from: per key, every record
    still within reach of an open window (two time differences plus grace of stream time), in
    timestamp order, then arrival order.

    Kafka Streams has no such store (its sliding aggregation combines stored window
    aggregates, which folds late records in arrival order); refolding from the records keeps
    every window's aggregate in timestamp order, and this buffer's changelog lets a restored
    task refold exactly as before. ``key_serde`` and ``value_serde`` are those of the grouped
    stream. Changelog records: key = key bytes + timestamp + arrival number (8 bytes each);
    value = the record's value; a record that falls out of reach writes a tombstone. Like the
    other buffers it logs when the task flushes (once per batch): a record that comes and goes
    within one batch is never logged.

    >>> from airstream.topology.serdes import Serdes
    >>> buf = SlidingWindowBuffer("r", Serdes.String(), Serdes.String())
    >>> buf.put("a", 12, "late"); buf.put("a", 5, "early"); buf.put("a", 12, "later")
    >>> buf.fetch("a")
    [(5, 'early'), (12, 'late'), (12, 'later')]
    >>> buf.expire(until=6); buf.fetch("a")
    [(12, 'late'), (12, 'later')]
    """

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        # key bytes -> [(timestamp, arrival, value)], sorted
        self._data: dict[bytes, list[tuple[int, int, Any]]] = {}
        self._heap: list[tuple[int, int, bytes]] = []  # (timestamp, arrival, key bytes)
        self._seq = 0
        # changed since the last flush: changelog key -> (timestamp, value bytes or None)
        self._dirty: dict[bytes, tuple[int, bytes | None]] = {}

    def put(self, key: Any, timestamp: int, value: Any) -> None:
        """Hold a record of ``key``."""
        kb = self._kb(key)
        self._seq += 1
        seq = self._seq
        records = self._data.get(kb)
        if records is None:
            self._data[kb] = [(timestamp, seq, value)]
        else:
            insort(records, (timestamp, seq, value), key=_ts_and_arrival)
        heapq.heappush(self._heap, (timestamp, seq, kb))
        if self._logging:
            # Serialized now, inside the record's processing, so a value the serde cannot
            # write is reported against that record.
            self._dirty[kb + _LONG.pack(timestamp) + _LONG.pack(seq)] = (timestamp, self._vb(value))

    def fetch(self, key: Any) -> list[tuple[int, Any]]:
        """``(timestamp, value)`` of every held record of ``key``, by timestamp, then arrival."""
        return [(ts, value) for ts, _, value in self._data.get(self._kb(key), ())]

    def expire(self, until: int) -> None:
        """Drop every record older than ``until``."""
        heap, data = self._heap, self._data
        while heap and heap[0][0] < until:
            ts, seq, kb = heapq.heappop(heap)
            records = data.get(kb)
            # The oldest record of a key is the first one the heap gives back, unless a
            # restored tombstone removed it already.
            if not records or records[0][1] != seq:
                continue
            del records[0]
            if not records:
                del data[kb]
            if self._logging:
                slot = kb + _LONG.pack(ts) + _LONG.pack(seq)
                if self._dirty.pop(slot, None) is None:  # logged in an earlier batch
                    self._dirty[slot] = (ts, None)

    def flush(self) -> None:
        """Log the records held and dropped since the last flush."""
        for slot, (ts, raw) in self._dirty.items():
            self._log(slot, raw, ts)
        self._dirty.clear()

    def approximate_num_entries(self) -> int:
        """Number of held records."""
        return sum(len(r) for r in self._data.values())

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        kb = key[:-16]
        ts, seq = _LONG.unpack_from(key, len(key) - 16)[0], _LONG.unpack_from(key, len(key) - 8)[0]
        self._seq = max(self._seq, seq)
        records = self._data.get(kb)
        if value is None:
            # Tombstones come in expiry order, so the record is almost always the first.
            for i, held in enumerate(records or ()):
                if held[1] == seq:
                    del records[i]  # type: ignore[union-attr]
                    break
            if records == []:
                del self._data[kb]
            return
        record = (ts, seq, self.value_serde.deserialize(self.name, value))
        if records is None:
            self._data[kb] = [record]
        else:
            insort(records, record, key=_ts_and_arrival)
        heapq.heappush(self._heap, (ts, seq, kb))


def _ts_and_arrival(record: tuple[int, int, Any]) -> tuple[int, int]:
    return record[0], record[1]
