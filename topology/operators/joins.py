"""Stream joins: stream-table (and global table) lookups, and windowed stream-stream joins whose
left/outer results wait in a buffer until their window closes."""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec, ValueGetter
from airstream.topology.records import InputRecord
from airstream.topology.state import OuterJoinBuffer, WindowStore
from airstream.topology.windows import JoinWindows

__all__ = ["OUTER_JOIN_EMIT_INTERVAL_CONFIG", "JoinWindowBuffer", "SharedJoinState", "StreamStreamJoin",
           "StreamTableJoin"]


class StreamTableJoinRuntime(Runtime["StreamTableJoin"]):
    def __init__(self, spec: StreamTableJoin, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.get = spec.getter.bind(task)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
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

    @property
    def relaxes_null_keys(self) -> bool:
        """A left join emits a record whose key is null, joined with nothing."""
        return self.left


class SharedJoinState:
    """Identifies the per-task state both sides of a stream-stream join share."""


OUTER_JOIN_EMIT_INTERVAL_CONFIG = "__emit.interval.ms.kstreams.outer.join.spurious.results.fix__"
"""Kafka Streams' internal setting: the least wall-clock time between two rounds that emit the
unmatched records of left and outer stream-stream joins."""


class _JoinTime:
    """What both sides of a stream-stream join track together (Kafka Streams' ``TimeTracker``)."""

    def __init__(self) -> None:
        self.stream_time = -1
        self.min_time: int | None = None  # the oldest unmatched record's time; None: unknown
        self.next_emit_ms = 0


class JoinWindowBufferRuntime(Runtime["JoinWindowBuffer"]):
    def __init__(self, spec: JoinWindowBuffer, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, WindowStore)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is not None and value is not None:
            self.store.put(key, value, ts, ts)
        self.forward(key, value, ts, headers, src)


class JoinWindowBuffer(Spec):
    """Keeps one side's records for the join window (``KSTREAM-WINDOWED-``)."""

    runtime = JoinWindowBufferRuntime

    def __init__(self, store: str, state: SharedJoinState) -> None:
        self.store, self.state = store, state


class StreamStreamJoinRuntime(Runtime["StreamStreamJoin"]):
    """One side of a windowed stream-stream join, as Kafka Streams' ``KStreamKStreamJoin`` runs it."""

    def __init__(self, spec: StreamStreamJoin, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.other = task.store(spec.other_store, WindowStore)
        self.outer_store = task.store(spec.outer_store, OuterJoinBuffer) if spec.outer_store else None
        self.time = task.shared(spec.state, _JoinTime)
        w = spec.windows
        self.before, self.after = (w.before_ms, w.after_ms) if spec.is_left else (w.after_ms, w.before_ms)
        self.emit_interval_ms = int(task.config.get(OUTER_JOIN_EMIT_INTERVAL_CONFIG, 1_000))

    def restored(self) -> None:
        # Both sides' window stores hold every joined record under its timestamp: the largest
        # restored one is the join's stream time before the task moved.
        time = self.time
        time.stream_time = max(time.stream_time, self.other.observed_stream_time,
                               self.task.store(self.spec.this_store, WindowStore).observed_stream_time)

    def _result(self, mine: Any, theirs: Any) -> Any:
        return self.spec.joiner(mine, theirs) if self.spec.is_left else self.spec.joiner(theirs, mine)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        time = self.time
        if ts > time.stream_time:
            time.stream_time = ts
        if self.spec.outer and key is None and value is not None:
            self.forward(key, self._result(value, None), ts, headers, src)
            return
        if key is None or value is None:
            self.task.drop("null key or value in stream-stream join", self.name)
            return
        store = self.outer_store
        if store is not None and ts == time.stream_time:
            self._emit_unmatched(store, headers, src)
        time_from, time_to = max(0, ts - self.before), max(0, ts + self.after)
        matches = self.other.fetch_entries(key, time_from, time_to)
        for other_ts, other_value, _ in matches:
            if store is not None:
                store.remove(other_ts, not self.spec.is_left, key)
            self.forward(key, self._result(value, other_value), max(ts, other_ts), headers, src)
        if matches or not self.spec.outer:
            return
        if store is None or time_to < time.stream_time:
            self.forward(key, self._result(value, None), ts, headers, src)
        else:
            time.min_time = ts if time.min_time is None else min(time.min_time, ts)
            store.append(ts, self.spec.is_left, key, value)

    def _emit_unmatched(self, store: OuterJoinBuffer, headers: Any, src: InputRecord | None) -> None:
        # A record's window is closed once stream time passed its timestamp plus the other side's
        # reach (left records look `after` ahead, right ones `before`) plus grace. The round goes
        # through the buffer in (timestamp, side, key) order and stops once both sides reached a
        # record whose window is still open; at most one round per emit interval of wall-clock time.
        time, w = self.time, self.spec.windows
        if time.min_time is not None and time.min_time + self.after + w.grace_ms >= time.stream_time:
            return
        now = self.task.wall_clock_ms
        if now < time.next_emit_ms:
            return
        time.next_emit_ms = now + self.emit_interval_ms
        time.min_time = None
        left_open = right_open = False
        previous: bytes | None = None
        for slot, ts, is_left, key, value in store.entries():
            time.min_time = ts
            if left_open and right_open:
                break
            if ts + (w.after_ms if is_left else w.before_ms) + w.grace_ms >= time.stream_time:
                if is_left:
                    left_open = True
                else:
                    right_open = True
                continue
            self.forward(key, self.spec.joiner(value, None) if is_left else self.spec.joiner(None, value), ts,
                         headers, src)
            if previous is not None and previous != slot:
                store.remove_slot(previous)
            previous = slot
        if previous is not None:
            store.remove_slot(previous)


class StreamStreamJoin(Spec):
    """One side of a windowed stream-stream join (Kafka Streams 3.x semantics: in left and
    outer joins the unmatched records are emitted with ``None`` once their window closed;
    until then they wait in a :class:`~airstream.topology.state.OuterJoinBuffer` with a changelog)."""

    runtime = StreamStreamJoinRuntime

    def __init__(self, is_left: bool, windows: JoinWindows, joiner: Any, other_store: str,
                 this_store: str, outer: bool, outer_store: str | None,
                 state: SharedJoinState) -> None:
        self.is_left, self.windows, self.joiner = is_left, windows, joiner
        self.other_store, self.this_store = other_store, this_store
        self.outer, self.outer_store, self.state = outer, outer_store, state

    @property
    def relaxes_null_keys(self) -> bool:
        """Both sides of a left or outer join (the ones with an outer-join buffer) keep null keys."""
        return self.outer_store is not None
