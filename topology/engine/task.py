"""The engine-facing unit of work: a :class:`Task` runs one sub-topology for one partition.

Any engine (the embedded one here, the Kafka runtime) drives tasks the same way:

1. ``plan = compile_topology(topology, config)``; for each ``sub`` in ``plan.subtopologies``
   and each partition ``p`` of its source topics create ``Task(plan, sub, p, clock=...)``
   (global sub-topologies get one task with ``partition=-1``; pass the same
   ``global_stores`` dict to every task so they share the global stores; a global task's
   ``process`` fills its store, and what it returns -- dead-letter records -- is produced too).
2. Feed it batches: ``outputs = task.process(batch)`` where ``batch`` is a list of
   :class:`InputRecord` (topic, partition, offset, timestamp, key bytes, value bytes,
   headers) from the task's source topic-partitions, in the order to process them (lowest
   timestamp first across partitions, as Kafka Streams picks). Plain tuples in that field order
   do as well (the Kafka runtime's, see :func:`~airstream.topology.records.from_messages`):
   the engine reads records by position. An engine that reads confluent-kafka messages may hand
   a run of one topic-partition to ``task.process_messages(run)`` instead
   (:func:`~airstream.topology.records.message_runs`): the same
   outputs, without a record built per message where the sub-topology allows it.
3. Produce every output: a tuple in :class:`OutputRecord` field order (topic, partition, key
   bytes, value bytes, timestamp, headers) -- unpack it, do not rely on attribute access
   (sink outputs are plain tuples for speed). ``partition`` is ``None`` when the key decides it (murmur2 via
   :func:`airstream.topology.partitioner.partition_for`; round-robin for a ``None`` key); changelog
   records carry the task's partition. Topic names are final (internal topics prefixed).
4. After the outputs are durably written, commit the batch's offsets (last offset + 1).
5. Call ``task.punctuate(wall_clock_ms)`` regularly for wall-clock punctuators (stream-time
   punctuators fire inside ``process``); produce what it returns.
6. To restore a store, replay its changelog with ``task.restore(store_name, records)``
   before the task processes (the buffers of suppress, of left/outer stream-stream joins and
   the records of sliding-window aggregations have changelogs too). Operators that keep time
   outside their stores (windowed aggregations, joins, emit-final) take it back from the
   restored stores when the task next processes or punctuates.

Errors follow the config's exception handlers (:mod:`airstream.topology.errors`): a ``fail`` handler
raises :class:`~airstream.topology.errors.StreamsException` out of ``process``; ``dlq`` adds the
dead-letter record to the outputs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from airstream.topology.compile import Plan, SubtopologyPlan, node_for_traceback
from airstream.topology.errors import ErrorPolicy
from airstream.topology.graph import StoreKind, StoreSpec
from airstream.topology.operators import Runtime, Spec, overrides
from airstream.topology.processor import PunctuationType
from airstream.topology.records import InputRecord, MessageRun, OutputRecord, from_messages, record_of
from airstream.topology.state import (
    ChangeLogger,
    KeyValueStore,
    OuterJoinBuffer,
    SessionStore,
    StateStore,
    SuppressionBuffer,
    WindowStore,
)
from airstream.topology.windows import to_millis

__all__ = ["InputRecord", "OutputRecord", "Task"]

log = logging.getLogger("airstream.topology.engine")

StoreT = TypeVar("StoreT", bound=StateStore)
T = TypeVar("T")


class _Schedule:
    __slots__ = ("cancelled", "fn", "interval", "next", "node")

    def __init__(self, start: int, interval: int, fn: Callable[[int], None], node: str) -> None:
        self.next, self.interval, self.fn, self.node = start, interval, fn, node
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def advance(self, now: int) -> None:
        nxt = self.next + self.interval
        if now >= nxt:  # missed punctuations are not replayed, as in Kafka Streams
            nxt = self.next + ((now - self.next) // self.interval + 1) * self.interval
        self.next = nxt


_STORE_MAKERS: dict[StoreKind, Callable[[StoreSpec, ChangeLogger | None], StateStore]] = {
    "kv": lambda s, log: KeyValueStore(s.name, s.key_serde, s.value_serde, log),
    "window": lambda s, log: WindowStore(s.name, s.key_serde, s.value_serde, s.window_size_ms or 0,
                                         s.retention_ms or 0, s.retain_duplicates, log),
    "session": lambda s, log: SessionStore(s.name, s.key_serde, s.value_serde, s.retention_ms or 0, log),
    "suppress": lambda s, log: SuppressionBuffer(s.name, s.key_serde, s.value_serde, log),
    "outer-join": lambda s, log: OuterJoinBuffer(s.name, s.key_serde, s.value_serde, log),
}


def make_store(spec: StoreSpec, log_fn: ChangeLogger | None) -> StateStore:
    """A store instance for ``spec`` writing changes to ``log_fn`` (``None``: no changelog)."""
    return _STORE_MAKERS[spec.kind](spec, log_fn)


class Task:
    """One sub-topology over one partition (see the module docstring for the protocol)."""

    def __init__(self, plan: Plan, sub: SubtopologyPlan, partition: int, *,
                 clock: Callable[[], int] = lambda: 0,
                 global_stores: dict[str, StateStore] | None = None) -> None:
        self.plan, self.sub, self.partition = plan, sub, partition
        self.application_id = plan.application_id
        self.config: Mapping[str, Any] = plan.config
        self.task_id = f"{sub.id}_{partition}" if partition >= 0 else f"global-{sub.id}"
        self.stream_time = -1
        self.metrics: Counter[str] = Counter()
        self._clock = clock
        self._errors = ErrorPolicy.from_config(plan.config)
        self._outputs: list[OutputRecord] = []
        self._shared: dict[int, Any] = {}
        self._stream_schedules: list[_Schedule] = []
        self._wall_schedules: list[_Schedule] = []
        self._restored = False
        self.stores: dict[str, StateStore] = {}
        self._globals = global_stores if global_stores is not None else {}
        for spec in sub.stores:
            if spec.is_global:
                self.stores[spec.name] = self._global_store(spec)
            else:
                topic = plan.changelog_topics.get(spec.name)
                self.stores[spec.name] = make_store(spec, self._logger(topic) if topic else None)
        ns: dict[str, Any] = dict(sub.bindings)
        ns["_out"] = self._outputs.append
        self._runtimes: dict[int, Runtime[Any]] = {}
        for node in sub.nodes:
            if node.kind == "processor" and isinstance(node.op, Spec):
                i = sub.node_ids[node.name]
                self._runtimes[i] = ns[f"op_{i}"] = node.op.create(self, node.name)
        exec(sub.code, ns)
        for i, runtime in self._runtimes.items():
            runtime.forward = ns[f"seg_{i}"]
        # Batch operators (airstream.topology.operators.batch) hand on what they buffered when a batch ends,
        # upstream ones first (node ids follow the graph's order) so a downstream one sees it all.
        self._batch_ends = [r.end_batch for _, r in sorted(self._runtimes.items()) if overrides(r, "end_batch")]
        # Buffers log what changed once per batch (as Kafka Streams' buffers do at commit).
        self._flushes = [s.flush for s in self.stores.values() if hasattr(s, "flush")]
        self._ns = ns
        self._entries = {topic: ns[f"seg_{i}"] for topic, i in sub.entry_nodes.items()}
        self._batches = {topic: ns[f"batch_{i}"] for topic, i in sub.entry_nodes.items()}
        self._message_batches = {topic: ns[f"mbatch_{i}"] for topic, i in sub.entry_nodes.items()
                                 if f"mbatch_{i}" in ns}
        self._serdes = sub.source_serdes

    # -- what operators use --------------------------------------------------------------
    @property
    def wall_clock_ms(self) -> int:
        """The engine's wall-clock time (mocked in the test driver)."""
        return self._clock()

    def store(self, name: str, kind: type[StoreT]) -> StoreT:
        """The store ``name`` of this task (or a global store), which must be a ``kind``."""
        store = self.stores.get(name)
        if store is None:
            spec = self.plan.stores.get(name)
            if spec is None or not spec.is_global:
                raise KeyError(f"task {self.task_id} has no store {name!r}")
            store = self._global_store(spec)
        if not isinstance(store, kind):
            raise TypeError(f"store {name!r} of task {self.task_id} is a {type(store).__name__}, "
                            f"not the {kind.__name__} its operator reads")
        return store

    def _global_store(self, spec: StoreSpec) -> StateStore:
        # Global stores are shared by every task; whichever task needs one first makes it.
        store = self._globals.get(spec.name)
        if store is None:
            store = self._globals[spec.name] = make_store(spec, None)
        return store

    def shared(self, key: object, factory: Callable[[], T]) -> T:
        """Per-task state shared by several operators (e.g. both sides of a join)."""
        ident = id(key)
        if ident not in self._shared:
            self._shared[ident] = factory()
        value: T = self._shared[ident]
        return value

    def drop(self, reason: str, node: str | None = None) -> None:
        """Count a dropped record (``dropped-records-total``)."""
        self.metrics["dropped-records-total"] += 1
        log.debug("task %s dropped a record in %s: %s", self.task_id, node, reason)

    def schedule(self, interval: Any, kind: PunctuationType, fn: Callable[[int], None],
                 node: str) -> _Schedule:
        """Register a punctuator; stream-time ones are aligned to 0 (they fire on the first
        record), wall-clock ones first fire one interval from now."""
        ms = to_millis(interval, "punctuation interval")
        if ms < 1:
            raise ValueError(f"punctuation interval must be at least 1 ms, got {ms}")
        if kind is PunctuationType.STREAM_TIME:
            sched = _Schedule(0, ms, fn, node)
            self._stream_schedules.append(sched)
        else:
            sched = _Schedule(self.wall_clock_ms + ms, ms, fn, node)
            self._wall_schedules.append(sched)
        return sched

    # -- what engines use ----------------------------------------------------------------
    def _logger(self, topic: str) -> Callable[[bytes, bytes | None, int], None]:
        def log_change(key: bytes, value: bytes | None, ts: int) -> None:
            self._outputs.append(OutputRecord(topic, self.partition, key, value, ts, ()))
        return log_change

    def _take(self) -> list[OutputRecord]:
        out = self._outputs
        self._outputs = []
        self._ns["_out"] = self._outputs.append
        return out

    def _emit_raw(self, topic: str, key: bytes | None, value: bytes | None, ts: int,
                  headers: Any) -> None:
        self._outputs.append(OutputRecord(topic, None, key, value, ts, headers))

    def _fail(self, kind: str, exc: BaseException, rec: Any, node: str | None) -> None:
        self._errors.handle(kind, exc, rec, node, self._emit_raw,
                            lambda: self.drop(f"{kind} error", node))

    def fail_record(self, exc: Exception, rec: InputRecord | None, node: str | None) -> None:
        """Apply the processing-error handler to ``rec`` (for operators that fail outside a record's call)."""
        self._fail("processing", exc, rec, node)

    def _end_batch(self) -> list[OutputRecord]:
        for end in self._batch_ends:
            end()
        for flush in self._flushes:
            flush()
        return self._take()

    def process(self, batch: list[InputRecord]) -> list[OutputRecord]:
        """Process ``batch`` and return the records to produce."""
        if self._restored:
            self._resume()
        n = len(batch)
        if n and len(self._entries) == 1:  # one source topic: the batch is one run
            self._run(batch[0][0], batch)
            self.metrics["process-total"] += n
            return self._end_batch()
        i = 0
        while i < n:
            topic = batch[i][0]
            j = i + 1
            while j < n and batch[j][0] == topic:
                j += 1
            self._run(topic, batch[i:j] if (i, j) != (0, n) else batch)
            i = j
        self.metrics["process-total"] += n
        return self._end_batch()

    def process_messages(self, run: MessageRun) -> list[OutputRecord]:
        """:meth:`process` for a run of confluent-kafka messages of one topic-partition, none with an
        error (:func:`~airstream.topology.records.message_runs`): the Kafka runtime's batches. Read
        without building a record per message where no operator of the sub-topology is handed the
        record itself; a message that fails reaches the error handlers as a record, as in
        :meth:`process`."""
        batch = self._message_batches.get(run.topic)
        if batch is None:
            return self.process(from_messages(run.messages))
        if self._restored:
            self._resume()
        batch(run.messages, run.timestamps, run.topic, self, self._fail_message, self._decode_message)
        self.metrics["process-total"] += len(run.messages)
        return self._end_batch()

    def _fail_message(self, exc: Exception, message: Any) -> None:
        self._fail_record(exc, record_of(message))

    def _decode_message(self, topic: str, message: Any) -> tuple[Any, Any] | None:
        return self._decode(topic, record_of(message))

    def _run(self, topic: str, run: list[InputRecord]) -> None:
        try:
            entry = self._entries[topic]
        except KeyError:
            raise KeyError(f"task {self.task_id} does not read topic {topic!r}") from None
        if not self._stream_schedules:
            self._batches[topic](run, topic, self, self._fail_record, self._decode)
            return
        # Stream-time punctuators must see every record: process one at a time.
        for rec in run:
            kv = self._decode(topic, rec)
            if kv is None:
                continue
            ts = rec[3]
            if ts > self.stream_time:
                self.stream_time = ts
            try:
                entry(kv[0], kv[1], ts, rec[6], rec)
            except Exception as exc:
                self._fail_record(exc, rec)
            self._punctuate(self._stream_schedules, self.stream_time)

    def _fail_record(self, exc: Exception, rec: InputRecord) -> None:
        self._fail("processing", exc, rec,
                   node_for_traceback(self.sub, exc.__traceback__, self._runtimes))

    def _decode(self, topic: str, rec: InputRecord) -> tuple[Any, Any] | None:
        """``rec``'s key and value read by its topic's serdes, or ``None`` once a record that does not
        decode is with the deserialization-error handler."""
        kd, vd = self._serdes[topic]
        try:
            return kd.deserialize(topic, rec[4]), vd.deserialize(topic, rec[5])
        except Exception as exc:
            if hasattr(exc, "at"):
                exc.at(rec[1], rec[2])
            self._fail("deserialization", exc, rec, None)
            return None

    def _punctuate(self, schedules: list[_Schedule], now: int) -> None:
        for sched in sorted(schedules, key=lambda s: s.next):
            while not sched.cancelled and sched.next <= now:
                try:
                    sched.fn(now)
                except Exception as exc:
                    self._fail("processing", exc, None, sched.node)
                sched.advance(now)
        schedules[:] = [s for s in schedules if not s.cancelled]

    def punctuate(self, wall_clock_ms: int) -> list[OutputRecord]:
        """Fire due wall-clock punctuators; returns the records to produce."""
        if self._restored:
            self._resume()
        if self._wall_schedules:
            self._punctuate(self._wall_schedules, wall_clock_ms)
        return self._end_batch()

    def restore(self, store: str, records: Iterable[InputRecord]) -> None:
        """Rebuild ``store`` from its changelog records."""
        target = self.store(store, StateStore)
        for topic, partition, offset, ts, key, value, *_ in records:
            if key is None:
                raise ValueError(f"changelog record {topic}[{partition}]@{offset} has no key, so store "
                                 f"{store!r} cannot restore it; the topic holds something other than its changelog")
            target.restore(key, value, ts)
        self._restored = True

    def _resume(self) -> None:
        # Engines restore record by record; operators catch up once, before the next record.
        self._restored = False
        for runtime in self._runtimes.values():
            if overrides(runtime, "restored"):
                runtime.restored()

    def close(self) -> None:
        """Close custom processors."""
        for runtime in self._runtimes.values():
            if overrides(runtime, "close"):
                runtime.close()
