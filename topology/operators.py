"""Operator specs and their running form: every DSL operator is implemented here, once.

A graph node's ``op`` is one of the specs below. Stateless specs (:class:`Stateless`) are
fused by :mod:`airstream.topology.compile` into generated Python functions; every other spec has a
``create(task, name)`` method returning a runtime object with ``process(key, value,
timestamp, headers, source_record)`` and a ``forward`` attribute (the downstream function the
compiler sets). Tables pass :class:`~airstream.topology.serde_defaults.Change` values (new, old)
between their operators, as Kafka Streams does.

The task an operator runs in (see :mod:`airstream.topology.engine.task`) provides ``store(name)``,
``stream_time``, ``wall_clock_ms``, ``schedule(...)``, ``shared(key, factory)`` and
``drop(reason)`` (counts ``dropped-records-total``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airstream.topology.processor import PunctuationType, Record, RecordMetadata
from airstream.topology.serde_defaults import AutoSerde, Change, ChangeSerde
from airstream.topology.windows import SlidingWindows, TimeWindows, Window, Windowed

__all__ = [
    "Aggregate", "ChangeSerde", "CustomProcessor", "FilterGetter", "FkResolve", "FkRightUpdate",
    "FkSubscriptionReceive", "FkSubscriptionSend", "JoinGetter", "JoinWindowBuffer",
    "MapValuesGetter", "SessionAggregate", "SharedJoinState", "Stateless", "StoreGetter",
    "StreamStreamJoin", "StreamTableJoin", "Suppress", "TableAggregate", "TableFilter",
    "TableMapValues", "TableRepartitionMap", "TableSource", "TableTableJoin", "ValueGetter",
    "WindowAggregate", "FK_SUBSCRIPTION_SERDE", "FK_RESPONSE_SERDE",
]

# Internal FK-join topics carry small JSON documents (left key, foreign key, right value).
FK_SUBSCRIPTION_SERDE = AutoSerde()
FK_RESPONSE_SERDE = AutoSerde()


def key_not_none(key: Any, value: Any) -> bool:
    """The predicate of repartition filters: records without a key cannot be routed."""
    return key is not None


def count_init() -> int:
    return 0


def count_add(aggregate: int, value: Any) -> int:
    return aggregate + 1


def table_count_add(aggregate: int, value: Any) -> int:
    return aggregate + 1


def table_count_sub(aggregate: int, value: Any) -> int:
    return aggregate - 1


class Stateless:
    """A record-at-a-time operator the compiler inlines: ``kind`` is one of filter,
    filter_not, map, map_values, flat_map, flat_map_values, select_key, peek, foreach, pass,
    branch (``fn`` is a list of ``(predicate or None, child name)``) and to_stream."""

    stateful = False

    def __init__(self, kind: str, fn: Any) -> None:
        self.kind = kind
        self.fn = fn


class Runtime:
    """Base of running operators: one instance per task."""

    def __init__(self, task: Any, name: str) -> None:
        self.task = task
        self.name = name
        self.forward: Callable[..., None] = _nowhere

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        raise NotImplementedError


def _nowhere(*args: Any) -> None:
    return None


class Spec:
    """Base of stateful specs."""

    stateful = True
    runtime: type[Runtime]

    def create(self, task: Any, name: str) -> Runtime:
        return self.runtime(self, task, name)  # type: ignore[call-arg]


# -- value getters: how a join looks up the current value of a table row -------------------
class ValueGetter:
    """Looks up ``(value, timestamp)`` of a table row in a task; ``stores()`` are the stores
    the lookup reads (they become the joining processor's stores)."""

    def stores(self) -> list[str]:
        raise NotImplementedError

    def bind(self, task: Any) -> Callable[[Any], tuple[Any, int] | None]:
        raise NotImplementedError


class StoreGetter(ValueGetter):
    def __init__(self, store: str) -> None:
        self.store = store

    def stores(self) -> list[str]:
        return [self.store]

    def bind(self, task: Any) -> Callable[[Any], tuple[Any, int] | None]:
        return task.store(self.store).get_with_timestamp


class FilterGetter(ValueGetter):
    def __init__(self, parent: ValueGetter, predicate: Any, negate: bool) -> None:
        self.parent, self.predicate, self.negate = parent, predicate, negate

    def stores(self) -> list[str]:
        return self.parent.stores()

    def bind(self, task: Any) -> Callable[[Any], tuple[Any, int] | None]:
        get, pred, negate = self.parent.bind(task), self.predicate, self.negate

        def lookup(key: Any) -> tuple[Any, int] | None:
            found = get(key)
            if found is None or bool(pred(key, found[0])) == negate:
                return None
            return found
        return lookup


class MapValuesGetter(ValueGetter):
    def __init__(self, parent: ValueGetter, mapper: Any) -> None:
        self.parent, self.mapper = parent, mapper

    def stores(self) -> list[str]:
        return self.parent.stores()

    def bind(self, task: Any) -> Callable[[Any], tuple[Any, int] | None]:
        get, mapper = self.parent.bind(task), self.mapper

        def lookup(key: Any) -> tuple[Any, int] | None:
            found = get(key)
            return None if found is None else (mapper(found[0]), found[1])
        return lookup


def _join_rows(joiner: Any, left: Any, right: Any, keep_left: bool, keep_right: bool) -> Any:
    if left is not None and right is not None:
        return joiner(left, right)
    if left is not None and keep_left:
        return joiner(left, None)
    if right is not None and keep_right:
        return joiner(None, right)
    return None


class JoinGetter(ValueGetter):
    def __init__(self, left: ValueGetter, right: ValueGetter, joiner: Any, keep_left: bool,
                 keep_right: bool) -> None:
        self.left, self.right, self.joiner = left, right, joiner
        self.keep_left, self.keep_right = keep_left, keep_right

    def stores(self) -> list[str]:
        return self.left.stores() + self.right.stores()

    def bind(self, task: Any) -> Callable[[Any], tuple[Any, int] | None]:
        lget, rget = self.left.bind(task), self.right.bind(task)

        def lookup(key: Any) -> tuple[Any, int] | None:
            lv, rv = lget(key), rget(key)
            value = _join_rows(self.joiner, lv and lv[0], rv and rv[0], self.keep_left, self.keep_right)
            if value is None:
                return None
            return value, max(lv[1] if lv else 0, rv[1] if rv else 0)
        return lookup


# -- tables --------------------------------------------------------------------------------
class TableSourceRuntime(Runtime):
    def __init__(self, spec: TableSource, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)
        self.emit = spec.emit

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        if key is None:
            self.task.drop("null key in table update", self.name)
            return
        old = self.store.get_with_timestamp(key)
        self.store.put(key, value, ts)
        if self.emit:
            self.forward(key, Change(value, old and old[0]), ts, headers, src)


class TableSource(Spec):
    """Materializes updates into a key-value store (``None`` deletes) and forwards changes."""

    runtime = TableSourceRuntime

    def __init__(self, store: str, forward: bool = True) -> None:
        self.store = store
        self.emit = forward


class TableFilterRuntime(Runtime):
    def __init__(self, spec: TableFilter, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.pred, self.negate = spec.predicate, spec.negate

    def _keep(self, key: Any, value: Any) -> Any:
        if value is None or bool(self.pred(key, value)) == self.negate:
            return None
        return value

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        self.forward(key, Change(self._keep(key, change.new), self._keep(key, change.old)), ts,
                     headers, src)


class TableFilter(Spec):
    runtime = TableFilterRuntime

    def __init__(self, predicate: Any, negate: bool) -> None:
        self.predicate, self.negate = predicate, negate


class TableMapValuesRuntime(Runtime):
    def __init__(self, spec: TableMapValues, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.mapper = spec.mapper

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        m = self.mapper
        self.forward(key, Change(None if change.new is None else m(change.new),
                                 None if change.old is None else m(change.old)), ts, headers, src)


class TableMapValues(Spec):
    runtime = TableMapValuesRuntime

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper


class TableRepartitionMapRuntime(Runtime):
    def __init__(self, spec: TableRepartitionMap, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.selector = spec.selector

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        sel = self.selector
        new = None if change.new is None else sel(key, change.new)
        old = None if change.old is None else sel(key, change.old)
        new_ok = new is not None and new[0] is not None and new[1] is not None
        old_ok = old is not None and old[0] is not None and old[1] is not None
        # The old row leaves its group before the new row joins one, as in Kafka Streams.
        if new_ok and old_ok and new[0] == old[0]:
            self.forward(new[0], Change(new[1], old[1]), ts, headers, src)
            return
        if old_ok:
            self.forward(old[0], Change(None, old[1]), ts, headers, src)
        if new_ok:
            self.forward(new[0], Change(new[1], None), ts, headers, src)


class TableRepartitionMap(Spec):
    runtime = TableRepartitionMapRuntime

    def __init__(self, selector: Any) -> None:
        self.selector = selector


class TableAggregateRuntime(Runtime):
    def __init__(self, spec: TableAggregate, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)
        self.spec = spec

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        if key is None:
            self.task.drop("null key in table aggregation", self.name)
            return
        spec = self.spec
        found = self.store.get_with_timestamp(key)
        old_agg = found and found[0]
        agg = old_agg
        if change.old is not None and agg is not None:
            agg = spec.subtractor(key, change.old, agg) if spec.with_key else spec.subtractor(agg, change.old)
        if change.new is not None:
            if spec.initializer is None:
                agg = change.new if agg is None else spec.adder(agg, change.new)
            else:
                base = spec.initializer() if agg is None else agg
                agg = spec.adder(key, change.new, base) if spec.with_key else spec.adder(base, change.new)
        out_ts = max(ts, found[1]) if found else ts
        self.store.put(key, agg, out_ts)
        self.forward(key, Change(agg, old_agg), out_ts, headers, src)


class TableAggregate(Spec):
    """``KGroupedTable`` count / reduce / aggregate: subtract the old row, add the new."""

    runtime = TableAggregateRuntime

    def __init__(self, store: str, initializer: Any, adder: Any, subtractor: Any,
                 with_key: bool = False) -> None:
        self.store, self.initializer = store, initializer
        self.adder, self.subtractor, self.with_key = adder, subtractor, with_key


class TableTableJoinRuntime(Runtime):
    def __init__(self, spec: TableTableJoin, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.get = spec.other.bind(task)
        self.spec = spec

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        if key is None:
            return
        s = self.spec
        found = self.get(key)
        other = found and found[0]
        if s.is_right:
            new = _join_rows(s.joiner, other, change.new, s.other_outer, s.this_outer)
            old = _join_rows(s.joiner, other, change.old, s.other_outer, s.this_outer)
        else:
            new = _join_rows(s.joiner, change.new, other, s.this_outer, s.other_outer)
            old = _join_rows(s.joiner, change.old, other, s.this_outer, s.other_outer)
        if new is None and old is None:
            return
        self.forward(key, Change(new, old), max(ts, found[1]) if found else ts, headers, src)


class TableTableJoin(Spec):
    """One side of a table-table join: an update on this side looks up the other side."""

    runtime = TableTableJoinRuntime

    def __init__(self, other: ValueGetter, joiner: Any, this_outer: bool, other_outer: bool,
                 is_right: bool) -> None:
        self.other, self.joiner = other, joiner
        self.this_outer, self.other_outer, self.is_right = this_outer, other_outer, is_right


# -- stream aggregations -------------------------------------------------------------------
class AggregateRuntime(Runtime):
    def __init__(self, spec: Aggregate, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)
        self.spec = spec

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
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


class WindowAggregateRuntime(Runtime):
    def __init__(self, spec: WindowAggregate, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)
        self.spec = spec
        self.observed = -1
        self.pending: dict[tuple[int, int, Any], tuple[Any, Any, int, Any, Any]] = {}
        self.records = task.store(spec.records_store) if spec.records_store else None

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
              src: Any) -> None:
        if self.spec.emit_final:
            self.pending[(window.end, window.start, self.store._kb(key))] = (key, window, new, ts, headers)
        else:
            self.forward(Windowed(key, window), Change(new, old), ts, headers, src)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
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

    def _sliding(self, key: Any, value: Any, ts: int, headers: Any, src: Any,
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

    def _emit_closed(self, close: int, src: Any) -> None:
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


class SessionAggregateRuntime(Runtime):
    def __init__(self, spec: SessionAggregate, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)
        self.spec = spec
        self.observed = -1

    def restored(self) -> None:
        # Sessions are logged with their end, the latest record time they hold.
        self.observed = max(self.observed, self.store.restored_stream_time)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
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

    def __init__(self, store: str, windows: Any, initializer: Any, aggregator: Any, merger: Any,
                 with_key: bool) -> None:
        self.store, self.windows = store, windows
        self.initializer, self.aggregator, self.merger = initializer, aggregator, merger
        self.with_key = with_key


class SuppressRuntime(Runtime):
    def __init__(self, spec: Suppress, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.wait = spec.wait_ms
        self.buffer = task.store(spec.store)

    def process(self, key: Windowed[Any], change: Change, ts: int, headers: Any, src: Any) -> None:
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


# -- joins ---------------------------------------------------------------------------------
class StreamTableJoinRuntime(Runtime):
    def __init__(self, spec: StreamTableJoin, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.get = spec.getter.bind(task)
        self.spec = spec

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        spec = self.spec
        lookup = key if spec.key_selector is None else spec.key_selector(key, value)
        if value is None or (lookup is None and not spec.left):
            self.task.drop("null key or value in stream-table join", self.name)
            return
        found = None if lookup is None else self.get(lookup)
        if found is None:
            if spec.left:
                self.forward(key, spec.joiner(value, None), ts, headers, src)
            return
        self.forward(key, spec.joiner(value, found[0]), ts, headers, src)


class StreamTableJoin(Spec):
    """Stream-table and stream-global-table join: look the table up per stream record."""

    runtime = StreamTableJoinRuntime

    def __init__(self, getter: ValueGetter, joiner: Any, left: bool, key_selector: Any) -> None:
        self.getter, self.joiner, self.left, self.key_selector = getter, joiner, left, key_selector


class SharedJoinState:
    """Identifies the per-task state both sides of a stream-stream join share."""


class _JoinTime:
    def __init__(self) -> None:
        self.stream_time = -1


class JoinWindowBufferRuntime(Runtime):
    def __init__(self, spec: JoinWindowBuffer, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.store = task.store(spec.store)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        if key is not None and value is not None:
            self.store.put(key, value, ts, ts)
        self.forward(key, value, ts, headers, src)


class JoinWindowBuffer(Spec):
    """Keeps one side's records for the join window (``KSTREAM-WINDOWED-``)."""

    runtime = JoinWindowBufferRuntime

    def __init__(self, store: str, state: SharedJoinState) -> None:
        self.store, self.state = store, state


class StreamStreamJoinRuntime(Runtime):
    def __init__(self, spec: StreamStreamJoin, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.spec = spec
        self.other = task.store(spec.other_store)
        self.outer_store = task.store(spec.outer_store) if spec.outer_store else None
        self.time = task.shared(spec.state, _JoinTime)
        w = spec.windows
        self.before, self.after = (w.before_ms, w.after_ms) if spec.is_left else (w.after_ms, w.before_ms)

    def restored(self) -> None:
        # Both sides' window stores hold every joined record under its timestamp: the largest
        # restored one is the join's stream time before the task moved.
        time = self.time
        time.stream_time = max(time.stream_time, self.other.observed_stream_time,
                               self.task.store(self.spec.this_store).observed_stream_time)

    def _result(self, mine: Any, theirs: Any) -> Any:
        return self.spec.joiner(mine, theirs) if self.spec.is_left else self.spec.joiner(theirs, mine)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        time = self.time
        if ts > time.stream_time:
            time.stream_time = ts
        if self.spec.outer and key is None and value is not None:
            self.forward(key, self._result(value, None), ts, headers, src)
            return
        if key is None or value is None:
            self.task.drop("null key or value in stream-stream join", self.name)
            return
        if self.outer_store is not None and ts == time.stream_time:
            self._emit_unmatched(headers, src)
        time_from, time_to = max(0, ts - self.before), max(0, ts + self.after)
        matched = False
        for other_ts, other_value, _ in self.other.fetch_entries(key, time_from, time_to):
            matched = True
            if self.outer_store is not None:
                self.outer_store.delete(other_ts, not self.spec.is_left, key)
            self.forward(key, self._result(value, other_value), max(ts, other_ts), headers, src)
        if not matched and self.spec.outer:
            if self.outer_store is None or time_to < time.stream_time:
                self.forward(key, self._result(value, None), ts, headers, src)
            else:
                self.outer_store.put(ts, self.spec.is_left, key, value)

    def _emit_unmatched(self, headers: Any, src: Any) -> None:
        # A record's window is closed once stream time passed its timestamp plus the other
        # side's reach (left records look ``after`` ahead, right ones ``before``) plus grace.
        w = self.spec.windows
        store = self.outer_store
        assert store is not None
        now = self.time.stream_time - w.grace_ms
        joiner = self.spec.joiner
        for ts, is_left, key, value in store.expire(now - w.after_ms, now - w.before_ms):
            out = joiner(value, None) if is_left else joiner(None, value)
            self.forward(key, out, ts, headers, src)


class StreamStreamJoin(Spec):
    """One side of a windowed stream-stream join (Kafka Streams 3.x semantics: in left and
    outer joins the unmatched records are emitted with ``None`` once their window closed;
    until then they wait in a :class:`~airstream.topology.state.OuterJoinBuffer` with a changelog)."""

    runtime = StreamStreamJoinRuntime

    def __init__(self, is_left: bool, windows: Any, joiner: Any, other_store: str,
                 this_store: str, outer: bool, outer_store: str | None,
                 state: SharedJoinState) -> None:
        self.is_left, self.windows, self.joiner = is_left, windows, joiner
        self.other_store, self.this_store = other_store, this_store
        self.outer, self.outer_store, self.state = outer, outer_store, state


# -- foreign-key table join ----------------------------------------------------------------
class FkSubscriptionSendRuntime(Runtime):
    def __init__(self, spec: FkSubscriptionSend, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.extract = spec.extractor

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        new_fk = None if change.new is None else self.extract(change.new)
        old_fk = None if change.old is None else self.extract(change.old)
        if old_fk is not None and old_fk != new_fk:
            # Leaving the old foreign key; with no new one the join result must be deleted.
            self.forward(old_fk, {"k": key, "op": "del", "propagate": new_fk is None}, ts, headers, src)
        if change.new is not None and new_fk is None:
            self.task.drop("foreign key extractor returned None", self.name)
        if new_fk is not None:
            self.forward(new_fk, {"k": key, "op": "add"}, ts, headers, src)


class FkSubscriptionSend(Spec):
    runtime = FkSubscriptionSendRuntime

    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor


class FkSubscriptionReceiveRuntime(Runtime):
    def __init__(self, spec: FkSubscriptionReceive, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.subs = task.store(spec.store)
        self.get = spec.getter.bind(task)

    def process(self, fk: Any, sub: dict[str, Any], ts: int, headers: Any, src: Any) -> None:
        subscribers = list(self.subs.get(fk) or [])
        left_key = sub["k"]
        if sub["op"] == "del":
            if left_key in subscribers:
                subscribers.remove(left_key)
            self.subs.put(fk, subscribers or None, ts)
            if sub.get("propagate"):
                self.forward(left_key, {"fk": fk, "v": None, "del": True}, ts, headers, src)
            return
        if left_key not in subscribers:
            subscribers.append(left_key)
            self.subs.put(fk, subscribers, ts)
        found = self.get(fk)
        self.forward(left_key, {"fk": fk, "v": found and found[0]},
                     max(ts, found[1]) if found else ts, headers, src)


class FkSubscriptionReceive(Spec):
    runtime = FkSubscriptionReceiveRuntime

    def __init__(self, store: str, getter: ValueGetter) -> None:
        self.store, self.getter = store, getter


class FkRightUpdateRuntime(Runtime):
    def __init__(self, spec: FkRightUpdate, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.subs = task.store(spec.store)

    def process(self, fk: Any, change: Change, ts: int, headers: Any, src: Any) -> None:
        if fk is None:
            return
        for left_key in self.subs.get(fk) or []:
            self.forward(left_key, {"fk": fk, "v": change.new}, ts, headers, src)


class FkRightUpdate(Spec):
    runtime = FkRightUpdateRuntime

    def __init__(self, store: str) -> None:
        self.store = store


class FkResolveRuntime(Runtime):
    def __init__(self, spec: FkResolve, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.get = spec.getter.bind(task)
        self.spec = spec

    def process(self, key: Any, resp: dict[str, Any], ts: int, headers: Any, src: Any) -> None:
        spec = self.spec
        found = self.get(key)
        if found is None:
            if resp.get("del"):
                self.forward(key, Change(None, None), ts, headers, src)
            return
        left_value = found[0]
        if spec.extractor(left_value) != resp["fk"]:
            return  # a response to a subscription the left row has since moved away from
        right = resp["v"]
        if right is None and not spec.left:
            self.forward(key, Change(None, None), max(ts, found[1]), headers, src)
            return
        self.forward(key, Change(spec.joiner(left_value, right), None), max(ts, found[1]), headers, src)


class FkResolve(Spec):
    runtime = FkResolveRuntime

    def __init__(self, getter: ValueGetter, extractor: Any, joiner: Any, left: bool) -> None:
        self.getter, self.extractor, self.joiner, self.left = getter, extractor, joiner, left


# -- custom processors ---------------------------------------------------------------------
class _Context:
    """The :class:`~airstream.topology.processor.ProcessorContext` handed to a custom processor."""

    def __init__(self, runtime: CustomProcessorRuntime) -> None:
        self._rt = runtime
        task = runtime.task
        self.application_id = task.application_id
        self.task_id = task.task_id
        self._key: Any = None
        self._ts = 0
        self._headers: Any = ()
        self._src: Any = None

    def forward(self, record: Any, value: Any = ..., timestamp: int | None = None,
                headers: Any = None) -> None:
        if value is ...:
            if not isinstance(record, Record):
                raise TypeError("forward() takes a Record, or key and value")
            key, value, ts, hdrs = record.key, record.value, record.timestamp, record.headers
        else:
            key = record
            ts = self._ts if timestamp is None else timestamp
            hdrs = self._headers if headers is None else headers
        self._rt.forward(key, value, ts, hdrs, self._src)

    def schedule(self, interval: Any, punctuation_type: PunctuationType | str, punctuator: Any) -> Any:
        return self._rt.task.schedule(interval, PunctuationType(punctuation_type), self._punctuate(punctuator),
                                      self._rt.name)

    def _punctuate(self, punctuator: Any) -> Callable[[int], None]:
        def run(timestamp: int) -> None:
            self._ts, self._headers, self._src = timestamp, (), None
            punctuator(timestamp)
        return run

    def get_state_store(self, name: str) -> Any:
        if name not in self._rt.allowed:
            raise KeyError(f"processor {self._rt.name!r} has no access to store {name!r}; "
                           "list it in process(..., stores=[...])")
        return self._rt.task.store(name)

    def record_metadata(self) -> RecordMetadata | None:
        src = self._src
        return None if src is None else RecordMetadata(src.topic, src.partition, src.offset)

    def current_stream_time_ms(self) -> int:
        return self._rt.task.stream_time

    def current_system_time_ms(self) -> int:
        return self._rt.task.wall_clock_ms

    def commit(self) -> None:
        """Commits happen after every batch; nothing to request."""


class CustomProcessorRuntime(Runtime):
    def __init__(self, spec: CustomProcessor, task: Any, name: str) -> None:
        super().__init__(task, name)
        self.allowed = set(spec.stores)
        self.processor = spec.factory()
        self.context = _Context(self)
        self.processor.init(self.context)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: Any) -> None:
        ctx = self.context
        ctx._ts, ctx._headers, ctx._src = ts, headers, src
        self.processor.process(Record(key, value, ts, headers))

    def close(self) -> None:
        self.processor.close()


class CustomProcessor(Spec):
    """``KStream.process``: a user :class:`~airstream.topology.processor.Processor` per task."""

    runtime = CustomProcessorRuntime

    def __init__(self, factory: Callable[[], Any], stores: list[str]) -> None:
        self.factory, self.stores = factory, stores
