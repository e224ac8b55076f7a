"""Stream aggregations: per key, per time window (tumbling, hopping, sliding) and per session,
with grace and late-record drops, and ``suppress`` until a window closes."""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec
from airstream.topology.records import InputRecord
from airstream.topology.serde_defaults import Change
from airstream.topology.state import KeyValueStore, SessionStore, SlidingWindowBuffer, SuppressionBuffer, WindowStore
from airstream.topology.windows import SessionWindows, SlidingWindows, TimeWindows, Window, Windowed

__all__ = ["Aggregate", "SessionAggregate", "Suppress", "WindowAggregate", "count_add", "count_init"]


def count_init() -> int:
    """``count``'s initializer."""
    return 0


def count_add(aggregate: int, value: Any) -> int:
    """``count``'s aggregator."""
    return aggregate + 1


class AggregateRuntime(Runtime["Aggregate"]):
    def __init__(self, spec: Aggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, KeyValueStore)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None or value is None:
            self.task.drop("null key or value in aggregation", self.name)
            return
        spec = self.spec
        found = self.store.get_with_timestamp(key)
        old = found and found[0]
        if spec.initializer is None:
            new = value if old is None else spec.aggregator(old, value)
        else:
            base = spec.initializer() if old is None else old
            new = spec.aggregator(key, value, base) if spec.with_key else spec.aggregator(base, value)
        out_ts = max(ts, found[1]) if found else ts
        self.store.put(key, new, out_ts)
        self.forward(key, Change(new, old), out_ts, headers, src)


class Aggregate(Spec):
    """``KGroupedStream`` count / reduce (no initializer) / aggregate."""

    runtime = AggregateRuntime

    def __init__(self, store: str, initializer: Any, aggregator: Any, with_key: bool = False) -> None:
        self.store, self.initializer, self.aggregator, self.with_key = store, initializer, aggregator, with_key


def _fold(spec: Any, key: Any, value: Any, agg: Any, fresh: bool) -> Any:
    if spec.initializer is None:
        return value if fresh else spec.aggregator(agg, value)
    base = spec.initializer() if fresh else agg
    return spec.aggregator(key, value, base) if spec.with_key else spec.aggregator(base, value)


class WindowAggregateRuntime(Runtime["WindowAggregate"]):
    def __init__(self, spec: WindowAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, WindowStore)
        self.observed = -1
        self.pending: dict[tuple[int, int, Any], tuple[Any, Any, int, Any, Any]] = {}
        self.records = task.store(spec.records_store, SlidingWindowBuffer) if spec.records_store else None

    def restored(self) -> None:
        # The store's changelog carries every record's timestamp, so its largest is the stream
        # time before the task moved; emit-final then still owes every window not yet closed.
        self.observed = max(self.observed, self.store.restored_stream_time)
        if self.records is not None:
            self.observed = max(self.observed, self.records.restored_stream_time)
        if not self.spec.emit_final:
            return
        close = self.observed - self.spec.windows.grace_ms
        for windowed, value, ts in self.store.all_with_timestamps():
            window = windowed.window
            if window.end > close:
                self.pending[(window.end, window.start, self.store._kb(windowed.key))] = (
                    windowed.key, window, value, ts, ())

    def _emit(self, key: Any, window: Window, new: Any, old: Any, ts: int, headers: Any,
              src: InputRecord | None) -> None:
        if self.spec.emit_final:
            self.pending[(window.end, window.start, self.store._kb(key))] = (key, window, new, ts, headers)
        else:
            self.forward(Windowed(key, window), Change(new, old), ts, headers, src)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None or value is None:
            self.task.drop("null key or value in windowed aggregation", self.name)
            return
        if ts > self.observed:
            self.observed = ts
        w = self.spec.windows
        close = self.observed - w.grace_ms
        if isinstance(w, SlidingWindows):
            self._sliding(key, value, ts, headers, src, w, close)
        else:
            for window in w.windows_for(ts):
                if window.end <= close:
                    self.task.drop("record for an expired window (later than grace)", self.name)
                    continue
                found = self.store.fetch_entries(key, window.start, window.start)
                old, old_ts = (found[0][1], found[0][2]) if found else (None, -1)
                new = _fold(self.spec, key, value, old, not found)
                out_ts = max(ts, old_ts)
                self.store.put(key, new, window.start, out_ts)
                self._emit(key, window, new, old, out_ts, headers, src)
        if self.spec.emit_final:
            self._emit_closed(close, src)

    def _sliding(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None,
                 w: SlidingWindows, close: int) -> None:
        # Sliding windows are [start, start + d] with both ends inclusive; the distinct
        # windows are those ending at a record (left windows) and those starting just after
        # one (right windows). Aggregates are refolded from the key's records in the
        # changelogged SlidingWindowBuffer, which holds them as long as an open window can.
        d = w.time_difference_ms
        if ts + 1 <= close:  # even the window ending at this record has closed
            self.task.drop("record for an expired window (later than grace)", self.name)
            return
        buffer = self.records
        assert buffer is not None
        buffer.put(key, ts, value)
        buffer.expire(self.observed - 2 * d - w.grace_ms)
        records = buffer.fetch(key)
        starts = {ts - d, ts + 1}
        for other_ts, _ in records:
            if other_ts < ts and other_ts + 1 + d >= ts:
                starts.add(other_ts + 1)
            if ts - d <= other_ts <= ts + d:
                starts.add(other_ts - d)
        # Windows of records earlier than the window size start at 0 (no negative starts).
        for start in sorted({max(0, s) for s in starts}):
            end = start + d
            inside = [r for r in records if start <= r[0] <= end]
            if not inside or end + 1 <= close:
                continue
            found = self.store.fetch_entries(key, start, start)
            if not start <= ts <= end and (start != ts + 1 or found):
                continue  # a window this record is not in and does not create
            old = found[0][1] if found else None
            agg, fresh = None, True
            for _, v in inside:
                agg = _fold(self.spec, key, v, agg, fresh)
                fresh = False
            out_ts = max(r[0] for r in inside)
            self.store.put(key, agg, start, out_ts)
            self._emit(key, Window(start, end), agg, old, out_ts, headers, src)

    def _emit_closed(self, close: int, src: InputRecord | None) -> None:
        if not self.pending:
            return
        for slot in sorted(s for s in self.pending if s[0] <= close):
            key, window, new, ts, headers = self.pending.pop(slot)
            self.forward(Windowed(key, window), Change(new, None), ts, headers, src)


class WindowAggregate(Spec):
    """Tumbling, hopping and sliding window aggregations with grace and late-record drops.
    Sliding windows also keep their records in ``records_store`` (a
    :class:`~airstream.topology.state.SlidingWindowBuffer` with a changelog)."""

    runtime = WindowAggregateRuntime

    def __init__(self, store: str, windows: TimeWindows | SlidingWindows, initializer: Any,
                 aggregator: Any, with_key: bool, emit_final: bool,
                 records_store: str | None = None) -> None:
        self.store, self.windows = store, windows
        self.initializer, self.aggregator, self.with_key = initializer, aggregator, with_key
        self.emit_final = emit_final
        self.records_store = records_store


class SessionAggregateRuntime(Runtime["SessionAggregate"]):
    def __init__(self, spec: SessionAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, SessionStore)
        self.observed = -1

    def restored(self) -> None:
        # Sessions are logged with their end, the latest record time they hold.
        self.observed = max(self.observed, self.store.restored_stream_time)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None or value is None:
            self.task.drop("null key or value in session aggregation", self.name)
            return
        spec, w = self.spec, self.spec.windows
        if ts > self.observed:
            self.observed = ts
        close = self.observed - w.grace_ms
        sessions = self.store.find_sessions(key, ts - w.gap_ms, ts + w.gap_ms)
        start, end = ts, ts
        agg, fresh = (None, True) if spec.initializer is None else (spec.initializer(), False)
        for session, session_agg in sessions:
            agg = session_agg if fresh else spec.merger(key, agg, session_agg)
            fresh = False
            start, end = min(start, session.window.start), max(end, session.window.end)
        if end < close:
            self.task.drop("record for an expired session (later than grace)", self.name)
            return
        merged = Window(start, end)
        if merged != Window(ts, ts):
            for session, session_agg in sessions:
                self.store.remove(session)
                self.forward(session, Change(None, session_agg), session.window.end, headers, src)
        agg = _fold(spec, key, value, agg, fresh)
        windowed = Windowed(key, merged)
        self.store.timestamp = end
        self.store.put(windowed, agg)
        self.forward(windowed, Change(agg, None), end, headers, src)


class SessionAggregate(Spec):
    """Session window aggregation: merges sessions a record bridges (old ones are deleted)."""

    runtime = SessionAggregateRuntime

    def __init__(self, store: str, windows: SessionWindows, initializer: Any, aggregator: Any, merger: Any,
                 with_key: bool) -> None:
        self.store, self.windows = store, windows
        self.initializer, self.aggregator, self.merger = initializer, aggregator, merger
        self.with_key = with_key


class SuppressRuntime(Runtime["Suppress"]):
    def __init__(self, spec: Suppress, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.wait = spec.wait_ms
        self.buffer = task.store(spec.store, SuppressionBuffer)

    def process(self, key: Windowed[Any], change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        buffer = self.buffer
        buffer.put(key, change, ts, headers)
        for k, held, held_ts, held_headers in buffer.evict(buffer.observed_stream_time - self.wait):
            if held.new is not None:  # final results never need deletes (merged sessions)
                self.forward(k, held, held_ts, held_headers, src)


class Suppress(Spec):
    """``suppress(until_window_closes=True)``: emit each window's last value once it closes.
    The buffer is a :class:`~airstream.topology.state.SuppressionBuffer` with a changelog."""

    runtime = SuppressRuntime

    def __init__(self, store: str, wait_ms: int) -> None:
        self.store, self.wait_ms = store, wait_ms
