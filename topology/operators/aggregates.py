"""Stream aggregations: per key, per time window (tumbling, hopping, sliding) and per session,
with grace and late-record drops, and ``suppress`` until a window closes."""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec
from airstream.topology.records import InputRecord
from airstream.topology.serde_defaults import Change
from airstream.topology.state import KeyValueStore, SessionStore, SuppressionBuffer, WindowStore
from airstream.topology.windows import SessionWindows, SlidingWindows, TimeWindows, Window, Windowed

__all__ = ["EMIT_INTERVAL_CONFIG", "Aggregate", "SessionAggregate", "Suppress", "WindowAggregate", "count_add",
           "count_init"]


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


EMIT_INTERVAL_CONFIG = "__emit.interval.ms.kstreams.windowed.aggregation__"
"""Kafka Streams' internal setting: the least wall-clock time between two emit-final rounds."""


class _WindowedRuntime(Runtime["WindowAggregate"]):
    """What tumbling, hopping and sliding windows share: the store, stream time, and emit-final.

    Emit-final follows Kafka Streams' ``AbstractKStreamTimeWindowAggregateProcessor``: after a
    record, at most once per ``__emit.interval.ms.kstreams.windowed.aggregation__`` of wall-clock
    time (1 s by default), the windows that closed since the last round are emitted in
    window-start order. Unlike Kafka Streams, which fetches them from its window store, they are
    held apart until emitted, so a window that leaves the store's retention before its round comes
    is emitted all the same (docs/conformance.md).
    """

    def __init__(self, spec: WindowAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, WindowStore)
        self.observed = -1
        # (window start, key bytes) -> (key, window, value, timestamp) of windows not emitted yet
        self.pending: dict[tuple[int, bytes], tuple[Any, Window, Any, int]] = {}
        self.last_emit_close: int | None = None
        self.next_emit_ms = 0
        self.emit_interval_ms = int(task.config.get(EMIT_INTERVAL_CONFIG, 1_000))

    def restored(self) -> None:
        # The store's changelog carries every record's timestamp, so its largest is the stream
        # time before the task moved; emit-final then still owes every window not yet closed.
        self.observed = max(self.observed, self.store.restored_stream_time)
        if not self.spec.emit_final:
            return
        close = self.observed - self.spec.windows.grace_ms
        for windowed, value, ts in self.store.all_with_timestamps():
            window = windowed.window
            if self._closes_after(window, close):
                self.pending[(window.start, self.store._kb(windowed.key))] = (windowed.key, window, value, ts)

    def _closes_after(self, window: Window, close: int) -> bool:
        raise NotImplementedError

    def _emit_range_upper(self, close: int) -> int:
        raise NotImplementedError

    def _should_fetch(self, lower: int, upper: int) -> bool:
        return True

    def _emit_range_lower(self) -> int:
        raise NotImplementedError

    def _update(self, key: Any, value: Any, window: Window, found: tuple[Any, int] | None, ts: int,
                headers: Any, src: InputRecord | None) -> None:
        """Add the record to ``window`` (whose current ``(aggregate, timestamp)`` is ``found``)."""
        spec = self.spec
        old = found[0] if found else None
        if spec.initializer is None:
            new = value if old is None else spec.aggregator(old, value)
        else:
            base = spec.initializer() if found is None else old
            new = spec.aggregator(key, value, base) if spec.with_key else spec.aggregator(base, value)
        out_ts = ts if found is None else max(ts, found[1])
        self._put(key, window, new, out_ts, old, headers, src)

    def _put(self, key: Any, window: Window, value: Any, ts: int, old: Any, headers: Any,
             src: InputRecord | None) -> None:
        self.store.put(key, value, window.start, ts)
        if self.spec.emit_final:
            self.pending[(window.start, self.store._kb(key))] = (key, window, value, ts)
        else:
            self.forward(Windowed(key, window), Change(value, old), ts, headers, src)

    def _emit_final(self, close: int, headers: Any, src: InputRecord | None) -> None:
        if not self.spec.emit_final:
            return
        now = self.task.wall_clock_ms
        if now < self.next_emit_ms:
            return
        self.next_emit_ms = now + self.emit_interval_ms
        if self.last_emit_close is not None and self.last_emit_close >= close:
            return
        upper = self._emit_range_upper(close)
        if upper < 0 or not self._should_fetch(self._emit_range_lower(), upper):
            return
        due = sorted((slot, item) for slot, item in self.pending.items() if slot[0] <= upper)
        for slot, (key, window, value, ts) in due:
            del self.pending[slot]
            self.forward(Windowed(key, window), Change(value, None), ts, headers, src)
        self.last_emit_close = close


class TimeWindowAggregateRuntime(_WindowedRuntime):
    """Tumbling and hopping windows (Kafka Streams' ``KStreamWindowAggregate``)."""

    def __init__(self, spec: WindowAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        assert isinstance(spec.windows, TimeWindows)
        self.windows: TimeWindows = spec.windows

    def _closes_after(self, window: Window, close: int) -> bool:
        return window.end > close

    def _emit_range_upper(self, close: int) -> int:
        return close - self.windows.size_ms

    def _emit_range_lower(self) -> int:
        if self.last_emit_close is None:
            return 0
        return max(0, self.last_emit_close - self.windows.size_ms) + 1

    def _should_fetch(self, lower: int, upper: int) -> bool:
        # No round when no window has closed since the last one.
        return self.last_emit_close is None or self.windows.windows_for(upper) != self.windows.windows_for(lower - 1)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None or value is None:
            self.task.drop("null key or value in windowed aggregation", self.name)
            return
        if ts > self.observed:
            self.observed = ts
        close = self.observed - self.windows.grace_ms
        for window in self.windows.windows_for(ts):
            if window.end <= close:
                self.task.drop("record for an expired window (later than grace)", self.name)
                continue
            found = self.store.fetch_entries(key, window.start, window.start)
            self._update(key, value, window, (found[0][1], found[0][2]) if found else None, ts, headers, src)
        self._emit_final(close, headers, src)


class SlidingWindowAggregateRuntime(_WindowedRuntime):
    """Sliding windows, as Kafka Streams' ``KStreamSlidingWindowAggregate`` computes them.

    A sliding window is ``[start, start + d]``, both ends inclusive. The windows that exist are the
    *left* window of each record (ending at it) and its *right* window (starting just after it,
    holding the records that follow within ``d``). A new record updates the windows it falls in
    and creates its own left and right windows from their neighbours' aggregates, so aggregates
    are folded in the order records arrive; records earlier than ``d`` share the window ``[0, d]``.
    """

    def __init__(self, spec: WindowAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        assert isinstance(spec.windows, SlidingWindows)
        self.d = spec.windows.time_difference_ms
        self.grace = spec.windows.grace_ms

    def _closes_after(self, window: Window, close: int) -> bool:
        return window.end >= close

    def _emit_range_upper(self, close: int) -> int:
        # Both ends are inclusive, so a window ending exactly at close is still open.
        return close - self.d - 1

    def _emit_range_lower(self) -> int:
        return 0 if self.last_emit_close is None else max(0, self.last_emit_close - self.d)

    def _initial(self) -> Any:
        return None if self.spec.initializer is None else self.spec.initializer()

    def _update_window(self, key: Any, value: Any, window: Window, found: tuple[Any, int] | None, ts: int,
                       close: int, headers: Any, src: InputRecord | None) -> None:
        if window.end >= close:
            self._update(key, value, window, found, ts, headers, src)
        else:
            self.task.drop("record for an expired window (later than grace)", self.name)

    def _window(self, start: int) -> Window:
        return Window(start, start + self.d)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None or value is None:
            self.task.drop("null key or value in windowed aggregation", self.name)
            return
        if ts > self.observed:
            self.observed = ts
        close = self.observed - self.grace
        if ts + self.d < close:  # every window holding this record has closed
            self.task.drop("record for an expired window (later than grace)", self.name)
            return
        if ts < self.d:
            self._process_early(key, value, ts, close, headers, src)
            return
        self._process(key, value, ts, close, headers, src)
        self._emit_final(close, headers, src)

    def _process(self, key: Any, value: Any, ts: int, close: int, headers: Any, src: InputRecord | None) -> None:
        d = self.d
        starts: set[int] = set()
        left_agg: tuple[Any, int] | None = None
        right_agg: tuple[Any, int] | None = None
        left_created = right_created = False
        previous: int | None = None
        # Newest window first, as Kafka Streams reads its store backwards.
        for start, agg, agg_ts in reversed(self.store.fetch_entries(key, max(0, ts - 2 * d), ts + 1)):
            starts.add(start)
            end = start + d
            if start == ts + 1:
                right_created = True
            elif end > ts:
                if right_agg is None:
                    right_agg = (agg, agg_ts)
                self._update_window(key, value, self._window(start), (agg, agg_ts), ts, close, headers, src)
            elif end == ts:
                left_created = True
                self._update_window(key, value, self._window(start), (agg, agg_ts), ts, close, headers, src)
                if agg_ts < ts:
                    previous = agg_ts
                else:
                    return
            else:  # end < ts: the window of an earlier record
                left_agg = (agg, agg_ts)
                previous = agg_ts
                break
        self._create_windows(key, value, ts, close, starts, right_agg, left_agg, left_created, right_created,
                             previous, headers, src)

    def _process_early(self, key: Any, value: Any, ts: int, close: int, headers: Any,
                       src: InputRecord | None) -> None:
        # Records before time d would make windows that start before 0: they all go in [0, d],
        # and their right windows are created or updated as later records come.
        combined: tuple[int, Any, int] | None = None
        right_agg: tuple[Any, int] | None = None
        right_created = False
        starts: set[int] = set()
        previous: int | None = None
        for start, agg, agg_ts in self.store.fetch_entries(key, 0, ts + 1):
            starts.add(start)
            if start == 0:
                combined = (start, agg, agg_ts)
                if agg_ts < ts:
                    previous = agg_ts
            elif start <= ts:
                right_agg = (agg, agg_ts)
                self._update_window(key, value, self._window(start), (agg, agg_ts), ts, close, headers, src)
            elif start == ts + 1:
                right_created = True
        if right_agg is None and combined is not None and combined[2] > ts:
            right_agg = (combined[1], combined[2])
        if not right_created and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(key, ts, right_agg, headers, src)
        if previous is not None and previous + 1 not in starts:
            self._update_window(key, value, self._window(previous + 1), (self._initial(), ts), ts, close, headers, src)
        if combined is None:
            self._update_window(key, value, self._window(0), (self._initial(), ts), ts, close, headers, src)
        else:
            self._update_window(key, value, self._window(0), (combined[1], combined[2]), ts, close, headers, src)

    def _create_windows(self, key: Any, value: Any, ts: int, close: int, starts: set[int],
                        right_agg: tuple[Any, int] | None, left_agg: tuple[Any, int] | None, left_created: bool,
                        right_created: bool, previous: int | None, headers: Any, src: InputRecord | None) -> None:
        d = self.d
        if previous is not None and previous + 1 not in starts and previous + 1 + d >= ts:
            # The previous record's right window, which this record is the first to fall into.
            self._update_window(key, value, self._window(previous + 1), (self._initial(), ts), ts, close, headers,
                                src)
        if not left_created:
            if previous is not None and ts - d <= previous and left_agg is not None:
                base = (left_agg[0], ts)
            else:
                base = (self._initial(), ts)
            self._update_window(key, value, self._window(ts - d), base, ts, close, headers, src)
        if not right_created and right_agg is not None and right_agg[1] > ts:
            self._create_right_window(key, ts, right_agg, headers, src)

    def _create_right_window(self, key: Any, ts: int, agg: tuple[Any, int], headers: Any,
                             src: InputRecord | None) -> None:
        # The records after this one within d, aggregated as the window they already share.
        self._put(key, self._window(ts + 1), agg[0], agg[1], None, headers, src)


class WindowAggregate(Spec):
    """Tumbling, hopping (:class:`TimeWindows`) and sliding (:class:`SlidingWindows`) window
    aggregations, with grace, late-record drops and emit-final."""

    runtime = TimeWindowAggregateRuntime

    def __init__(self, store: str, windows: TimeWindows | SlidingWindows, initializer: Any,
                 aggregator: Any, with_key: bool, emit_final: bool) -> None:
        self.store, self.windows = store, windows
        self.initializer, self.aggregator, self.with_key = initializer, aggregator, with_key
        self.emit_final = emit_final

    def create(self, task: OperatorTask, name: str) -> Runtime[Any]:
        """The runtime of the kind of windows."""
        if isinstance(self.windows, SlidingWindows):
            return SlidingWindowAggregateRuntime(self, task, name)
        return TimeWindowAggregateRuntime(self, task, name)


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
        # A session can still grow until no record within the gap can arrive: end + gap + grace.
        close = self.observed - w.grace_ms - w.gap_ms
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
        # Session results are new records stamped with the session's end, without the input's
        # headers, as Kafka Streams makes them.
        if merged != Window(ts, ts):
            for session, session_agg in sessions:
                self.store.remove(session)
                self.forward(session, Change(None, session_agg), session.window.end, (), src)
        agg = _fold(spec, key, value, agg, fresh)
        windowed = Windowed(key, merged)
        self.store.timestamp = end
        self.store.put(windowed, agg)
        self.forward(windowed, Change(agg, None), end, (), src)


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
