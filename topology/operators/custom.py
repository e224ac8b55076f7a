"""``KStream.process``: the user's :class:`~airstream.topology.processor.Processor`, one per task,
with a :class:`~airstream.topology.processor.ProcessorContext` onto the task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airstream.topology.operators.base import Cancellable, OperatorTask, Runtime, Spec
from airstream.topology.processor import PunctuationType, Record, RecordMetadata
from airstream.topology.records import InputRecord
from airstream.topology.state import StateStore

__all__ = ["CustomProcessor"]


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

    def schedule(self, interval: Any, punctuation_type: PunctuationType | str, punctuator: Any) -> Cancellable:
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
        return self._rt.task.store(name, StateStore)

    def record_metadata(self) -> RecordMetadata | None:
        src = self._src
        return None if src is None else RecordMetadata(src[0], src[1], src[2])  # src: InputRecord order

    def current_stream_time_ms(self) -> int:
        return self._rt.task.stream_time

    def current_system_time_ms(self) -> int:
        return self._rt.task.wall_clock_ms

    def commit(self) -> None:
        """Commits happen after every batch; nothing to request."""


class CustomProcessorRuntime(Runtime["CustomProcessor"]):
    def __init__(self, spec: CustomProcessor, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.allowed = set(spec.stores)
        self.processor = spec.factory()
        self.context = _Context(self)
        self.processor.init(self.context)

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
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
