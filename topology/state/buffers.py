"""Operator buffers: records an operator holds until it can emit them, each with a changelog.

- :class:`SuppressionBuffer` -- the last value of each window until the window closes (``suppress``);
- :class:`OuterJoinBuffer` -- left/outer stream-stream join records still waiting for a match.

They log once per batch (:meth:`flush`, as Kafka Streams' buffers log at commit) and are restored
like stores, before the task processes a record.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from typing import Any

from airstream.topology.serde_defaults import Change, ChangeSerde
from airstream.topology.serdes import Serde
from airstream.topology.state.stores import INT, LONG, ChangeLogger, StateStore
from airstream.topology.windows import Window, Windowed

__all__ = ["LeftOrRightSerde", "OuterJoinBuffer", "SuppressionBuffer"]

def _pack_headers(headers: Any) -> bytes:
    items = list(headers.items() if isinstance(headers, dict) else headers or ())
    out = [INT.pack(len(items))]
    for name, value in items:
        raw_name = str(name).encode()
        raw = value if isinstance(value, bytes) or value is None else str(value).encode()
        out += [INT.pack(len(raw_name)), raw_name]
        out += [INT.pack(-1)] if raw is None else [INT.pack(len(raw)), raw]
    return b"".join(out)


def _unpack_headers(data: bytes, pos: int) -> tuple[list[tuple[str, bytes | None]], int]:
    count = INT.unpack_from(data, pos)[0]
    pos += 4
    headers: list[tuple[str, bytes | None]] = []
    for _ in range(count):
        size = INT.unpack_from(data, pos)[0]
        name = data[pos + 4:pos + 4 + size].decode()
        pos += 4 + size
        size = INT.unpack_from(data, pos)[0]
        pos += 4
        if size < 0:
            headers.append((name, None))
        else:
            headers.append((name, data[pos:pos + size]))
            pos += size
    return headers, pos


class SuppressionBuffer(StateStore):
    """The buffer of ``suppress(until_window_closes=True)``: the latest change of every windowed
    key not emitted yet, evicted in window-end order, then key-byte order (the windowed key's),
    like Kafka Streams' in-memory time-ordered buffer (``KTABLE-SUPPRESS-STATE-STORE-...``).

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
        self._heap: list[tuple[int, bytes, int]] = []  # (window end, changelog key, arrival)
        self._seq = 0
        self._dirty: dict[bytes, None] = {}  # changed since the last flush, in order
        self.observed_stream_time = -1

    def put(self, key: Windowed[Any], change: Change, timestamp: int, headers: Any = ()) -> None:
        """Hold ``change`` as the latest of ``key``'s window."""
        window = key.window
        kb = self._kb(key.key) + LONG.pack(window.start) + LONG.pack(window.end)
        if timestamp > self.observed_stream_time:
            self.observed_stream_time = timestamp
        entry = self._data.get(kb)
        if entry is None:
            self._seq += 1
            seq = self._seq
            heapq.heappush(self._heap, (window.end, kb, seq))
        else:
            seq = entry[0]
        self._data[kb] = (seq, key, change, timestamp, headers)
        if self._logging:
            self._dirty[kb] = None

    def evict(self, until: int) -> list[tuple[Windowed[Any], Change, int, Any]]:
        """Remove and return ``(key, change, timestamp, headers)`` of every window that ends at or
        before ``until``, by window end, then key."""
        heap, data = self._heap, self._data
        out = []
        while heap and heap[0][0] <= until:
            _, kb, seq = heapq.heappop(heap)
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
            self._log(kb, LONG.pack(seq) + LONG.pack(ts) + _pack_headers(headers)
                      + (self._change_serde.serialize(self.name, change) or b""), ts)
        self._dirty.clear()

    def all(self) -> list[tuple[Windowed[Any], Change]]:
        """Every held ``(key, change)`` in eviction order."""
        return [(e[1], e[2]) for kb, e in sorted(self._data.items(), key=lambda item: (item[1][1].window.end, item[0]))]

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
        start, end = LONG.unpack_from(key, len(key) - 16)[0], LONG.unpack_from(key, len(key) - 8)[0]
        seq, ts = LONG.unpack_from(value, 0)[0], LONG.unpack_from(value, 8)[0]
        headers, pos = _unpack_headers(value, 16)
        change = self._change_serde.read(self.name, value[pos:])
        windowed = Windowed(self.key_serde.deserialize(self.name, key[:-16]), Window(start, end))
        entry = self._data.get(key)
        if entry is None or entry[0] != seq:
            heapq.heappush(self._heap, (end, key, seq))
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


class OuterJoinBuffer(StateStore):
    """Records of a left or outer stream-stream join still waiting for a match or for their
    window to close (Kafka Streams' outer-join shared store, ``KSTREAM-OUTERSHARED-...``).

    As in Kafka Streams (a ``ListValueStore`` keyed by ``TimestampedKeyAndJoinSide``), a *slot* is
    ``(timestamp, side, key)`` in that byte layout -- timestamp (8 bytes), side (1 for left), key
    bytes -- and holds every record that arrived with it, in arrival order; :meth:`entries` goes
    through the slots in byte order. A match drops the matched side's whole slot. ``value_serde``
    is a :class:`LeftOrRightSerde`. Changelog: key = the slot, value = its records (4-byte count,
    then each as a 4-byte length and its :class:`LeftOrRightSerde` bytes), or a tombstone. Like the
    suppression buffer it logs when the task flushes.

    >>> from airstream.topology.serdes import Serdes
    >>> buf = OuterJoinBuffer("o", Serdes.String(), LeftOrRightSerde(Serdes.String(), Serdes.String()))
    >>> buf.append(5, True, "k", "v1"); buf.append(5, True, "k", "v2"); buf.append(3, False, "k", "r")
    >>> [(ts, is_left, key, value) for _, ts, is_left, key, value in buf.entries()]
    [(3, False, 'k', 'r'), (5, True, 'k', 'v1'), (5, True, 'k', 'v2')]
    >>> buf.remove(5, True, "k")
    >>> buf.approximate_num_entries()
    1
    """

    def __init__(self, name: str, key_serde: Serde[Any], value_serde: Serde[Any],
                 log: ChangeLogger | None = None) -> None:
        super().__init__(name, key_serde, value_serde, log)
        # slot -> (timestamp, is_left, key, values in arrival order)
        self._data: dict[bytes, tuple[int, bool, Any, list[Any]]] = {}
        self._order: list[bytes] = []  # the slots, sorted
        self._dirty: dict[bytes, int] = {}  # slot -> timestamp, changed since the last flush

    def _slot(self, timestamp: int, is_left: bool, key: Any) -> bytes:
        return LONG.pack(timestamp) + (b"\x01" if is_left else b"\x00") + self._kb(key)

    def _changed(self, slot: bytes, timestamp: int) -> None:
        if self._logging:
            self._dirty[slot] = timestamp

    def append(self, timestamp: int, is_left: bool, key: Any, value: Any) -> None:
        """Hold ``value`` of one side, arrived with ``timestamp``, after any others of its slot."""
        slot = self._slot(timestamp, is_left, key)
        held = self._data.get(slot)
        if held is None:
            self._data[slot] = (timestamp, is_left, key, [value])
            insort(self._order, slot)
        else:
            held[3].append(value)
        self._changed(slot, timestamp)

    def remove(self, timestamp: int, is_left: bool, key: Any) -> None:
        """Drop every record of a slot (a record of the other side matched them)."""
        if self._data:
            self.remove_slot(self._slot(timestamp, is_left, key))

    def remove_slot(self, slot: bytes) -> None:
        """Drop a slot :meth:`entries` gave."""
        held = self._data.pop(slot, None)
        if held is not None:
            del self._order[bisect_left(self._order, slot)]
            self._changed(slot, held[0])

    def entries(self) -> list[tuple[bytes, int, bool, Any, Any]]:
        """Every held ``(slot, timestamp, is_left, key, value)``: slots in byte order, each's records
        in arrival order."""
        data = self._data
        return [(slot, ts, is_left, key, value) for slot in self._order
                for ts, is_left, key, values in (data[slot],) for value in values]

    def flush(self) -> None:
        """Log the current state of every slot changed since the last flush."""
        for slot, ts in self._dirty.items():
            held = self._data.get(slot)
            if held is None:
                self._log(slot, None, ts)
                continue
            parts = [INT.pack(len(held[3]))]
            for value in held[3]:
                raw = self._vb((held[1], value)) or b""
                parts += [INT.pack(len(raw)), raw]
            self._log(slot, b"".join(parts), ts)
        self._dirty.clear()

    def all(self) -> list[tuple[tuple[int, bool, Any], Any]]:
        """Every held ``((timestamp, is_left, key), value)``, as :meth:`entries` orders them."""
        return [((ts, is_left, key), value) for _, ts, is_left, key, value in self.entries()]

    def approximate_num_entries(self) -> int:
        """Number of held records."""
        return sum(len(held[3]) for held in self._data.values())

    def restore(self, key: bytes, value: bytes | None, timestamp: int = 0) -> None:
        """Apply one changelog record."""
        super().restore(key, value, timestamp)
        if key in self._data:
            del self._data[key]
            del self._order[bisect_left(self._order, key)]
        if value is None:
            return
        ts, is_left = LONG.unpack_from(key, 0)[0], key[8] == 1
        values = []
        pos = 4
        for _ in range(INT.unpack_from(value, 0)[0]):
            size = INT.unpack_from(value, pos)[0]
            held = self.value_serde.deserialize(self.name, value[pos + 4:pos + 4 + size])  # (is_left, value)
            values.append(None if held is None else held[1])
            pos += 4 + size
        self._data[key] = (ts, is_left, self.key_serde.deserialize(self.name, key[9:]), values)
        insort(self._order, key)
