"""Operator buffers: records an operator holds until it can emit them, each with a changelog.

- :class:`SuppressionBuffer` -- the last value of each window until the window closes (``suppress``);
- :class:`OuterJoinBuffer` -- left/outer stream-stream join records still waiting for a match.

They log once per batch (:meth:`flush`, as Kafka Streams' buffers log at commit) and are restored
like stores, before the task processes a record.
"""

from __future__ import annotations

import heapq
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
        return LONG.pack(timestamp) + (b"\x01" if is_left else b"\x00") + self._kb(key)

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
                      else LONG.pack(entry[0]) + (self._vb((entry[2], entry[4])) or b""), ts)
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
        ts, is_left = LONG.unpack_from(key, 0)[0], key[8] == 1
        seq = LONG.unpack_from(value, 0)[0]
        entry = self._data.get(key)
        if entry is None or entry[0] != seq:
            heapq.heappush(self._heaps[is_left], (ts, seq, key))
        self._seq = max(self._seq, seq)
        held = self.value_serde.deserialize(self.name, value[8:])  # (is_left, value): never None for bytes
        self._data[key] = (seq, ts, is_left, self.key_serde.deserialize(self.name, key[9:]),
                           None if held is None else held[1])


def _arrival_order(entry: tuple[int, int, bool, Any, Any]) -> tuple[int, int]:
    return entry[1], entry[0]
