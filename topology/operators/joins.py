"""Stream joins: stream-table (and global table) lookups, and windowed stream-stream joins whose
left/outer results wait in a buffer until their window closes."""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec, ValueGetter
from airstream.topology.records import InputRecord
from airstream.topology.state import OuterJoinBuffer, WindowStore
from airstream.topology.windows import JoinWindows

__all__ = ["JoinWindowBuffer", "SharedJoinState", "StreamStreamJoin", "StreamTableJoin"]


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


class _JoinTime:
    def __init__(self) -> None:
        self.stream_time = -1


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
    def __init__(self, spec: StreamStreamJoin, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.other = task.store(spec.other_store, WindowStore)
        self.outer_store = task.store(spec.outer_store, OuterJoinBuffer) if spec.outer_store else None
        self.time = task.shared(spec.state, _JoinTime)
        w = spec.windows
        self.before, self.after = (w.before_ms, w.after_ms) if spec.is_left else (w.after_ms, w.before_ms)

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

    def _emit_unmatched(self, headers: Any, src: InputRecord | None) -> None:
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
