"""Operators that work on a whole batch at once: batch mapping, batch routing and external sinks.

Calling a model endpoint, running SQL over records or writing a Parquet file costs per call, not per
record, so these operators collect the records a task processes in one batch and handle them together
when the batch ends (or when ``max_batch`` records are waiting). Both engines drive them the same way,
through :meth:`Task.process <airstream.topology.engine.task.Task.process>`, which ends every batch before it
returns its outputs; so every record these operators received has been forwarded (or written and
flushed, for a sink) before the engine produces the outputs and commits the input offsets.

- :class:`BatchRoute` (``KStream.map_values_batch`` / ``KStream.route_batch``): ``fn(values)`` answers,
  per route name, ``(index, new_value)`` pairs; each pair forwards the record at ``index`` with the new
  value to that route. A record may go to several routes or none.
- :class:`SinkWrite` (``KStream.to_sink``): writes to a :class:`airstream.common.sink.Sink`, then calls
  ``flush()``; records the sink rejects, and batches the function fails on, go to the task's
  processing-error handler (the dead-letter topic when configured) with the reason, never lost.

>>> from airstream.topology import StreamsBuilder
>>> from airstream.topology.testing import TopologyTestDriver
>>> b = StreamsBuilder()
>>> routes = b.stream("n").route_batch(
...     lambda vs: {"even": [(i, v) for i, v in enumerate(vs) if v % 2 == 0],
...                 "odd": [(i, v) for i, v in enumerate(vs) if v % 2]}, ["even", "odd"])
>>> routes["even"].to("evens")
>>> with TopologyTestDriver(b.build()) as driver:
...     driver.create_input_topic("n").pipe_value_list([1, 2, 3, 4])
...     driver.create_output_topic("evens").read_values_to_list()
[2, 4]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar

from airstream.common.sink import RejectedRecords, Sink, SinkRecord
from airstream.topology.operators.base import OperatorTask, Runtime, Spec
from airstream.topology.records import InputRecord

__all__ = ["BatchFn", "BatchRoute", "Routed", "SinkWrite", "route_value"]

BatchFn = Callable[[list[Any]], Mapping[str, Iterable[tuple[int, Any]]]]
"""``fn(values) -> {route: [(index into values, new value), ...]}``."""


class Routed(NamedTuple):
    """A value tagged with the route :class:`BatchRoute` sent it to (unwrapped by :func:`route_value`)."""

    route: str
    value: Any


def route_value(route: str) -> Callable[[Routed], tuple[Any, ...]]:
    """The ``flat_map_values`` function of one route's branch: its own values, unwrapped.

    >>> route_value("a")(Routed("a", 1)), route_value("a")(Routed("b", 2))
    ((1,), ())
    """
    def unwrap(tagged: Routed) -> tuple[Any, ...]:
        return (tagged.value,) if tagged.route == route else ()
    unwrap.__qualname__ = f"route_value({route!r})"
    return unwrap


def _check_max_batch(max_batch: int, operator: str) -> None:
    if max_batch < 1:
        raise ValueError(f"{operator}(max_batch={max_batch}): max_batch must be at least 1 (records "
                         "handled together)")


Held = tuple[Any, Any, int, Any, "InputRecord | None"]
"""A record waiting for the batch to end: key, value, timestamp, headers, source record."""


class _BatchSpec(Spec):
    max_batch: int


BatchSpecT = TypeVar("BatchSpecT", bound=_BatchSpec)


class _Buffered(Runtime[BatchSpecT]):
    """Collects the records of a batch until it ends, or until ``max_batch`` are waiting."""

    def __init__(self, spec: BatchSpecT, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.buffer: list[Held] = []

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        self.buffer.append((key, value, ts, headers, src))
        if len(self.buffer) >= self.spec.max_batch:
            self.end_batch()

    def end_batch(self) -> None:
        """Handle what is buffered (the task calls this when it finishes a batch)."""
        if self.buffer:
            records, self.buffer = self.buffer, []
            self.handle(records)

    def handle(self, records: list[Held]) -> None:
        """Handle the batch's records."""
        raise NotImplementedError

    def fail_all(self, exc: Exception, records: Iterable[Held]) -> None:
        for rec in records:
            self.task.fail_record(exc, rec[4], self.name)


class BatchRouteRuntime(_Buffered["BatchRoute"]):
    def handle(self, records: list[Held]) -> None:
        try:
            routed = self.spec.fn([r[1] for r in records])
            pairs = [(route, i, value) for route, matches in routed.items() for i, value in matches]
        except Exception as exc:
            self.fail_all(exc, records)
            return
        forward, tagged = self.forward, self.spec.tagged
        for route, i, value in pairs:
            key, _, ts, headers, src = records[i]
            try:
                forward(key, Routed(route, value) if tagged else value, ts, headers, src)
            except Exception as exc:
                self.task.fail_record(exc, src, None)


class BatchRoute(_BatchSpec):
    """``route_batch`` / ``map_values_batch``: ``fn`` over the values of a batch, per route."""

    runtime = BatchRouteRuntime

    def __init__(self, fn: BatchFn, max_batch: int, tagged: bool) -> None:
        _check_max_batch(max_batch, "route_batch" if tagged else "map_values_batch")
        self.fn, self.max_batch, self.tagged = fn, max_batch, tagged


class SinkWriteRuntime(_Buffered["SinkWrite"]):
    def handle(self, records: list[Held]) -> None:
        batch: list[SinkRecord] = []
        origin: dict[tuple[str, int, int], InputRecord] = {}
        for key, value, ts, headers, src in records:
            if src is None:  # from a punctuator: it has no input offset a commit could cover
                self.task.fail_record(ValueError(
                    f"sink {self.name!r} takes records read from a topic; this one came from a "
                    "punctuator (forward it to a topic and write that topic to the sink)"), None, self.name)
                continue
            topic, partition, offset = src[0], src[1], src[2]  # sources may be plain tuples
            batch.append(SinkRecord(topic, partition, offset, ts, key, value, tuple(headers or ())))
            origin[(topic, partition, offset)] = src
        sink = self.spec.sink
        try:
            sink.write(batch)
        except RejectedRecords as exc:
            for rejected in exc.rejected:
                r = rejected.record
                self.task.fail_record(rejected.exception(),
                                      origin.get((r.topic, r.partition, r.offset)), self.name)
        # flush() raising (target unreachable) propagates: the engine then commits nothing of
        # this batch, and it is processed again.
        sink.flush()


class SinkWrite(_BatchSpec):
    """``to_sink``: write to a :class:`airstream.common.sink.Sink` and flush before the batch's commit."""

    runtime = SinkWriteRuntime

    def __init__(self, sink: Sink, max_batch: int) -> None:
        for method in ("write", "flush"):
            if not callable(getattr(sink, method, None)):
                raise TypeError(f"to_sink() needs an airstream.common.sink.Sink (write/flush/close); "
                                f"{type(sink).__name__} has no {method}()")
        _check_max_batch(max_batch, "to_sink")
        self.sink, self.max_batch = sink, max_batch

    def lineage(self) -> list[Any]:
        """The sink's datasets (:meth:`airstream.common.sink.Sink.lineage`), for Atlas lineage of the topology."""
        reporter = getattr(self.sink, "lineage", None)
        return list(reporter()) if callable(reporter) else []

