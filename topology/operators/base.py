"""The contract between operators and the task they run in, and the bases every operator builds on.

A graph node's ``op`` is an :data:`OperatorSpec`: either :class:`Stateless` -- a record-at-a-time
function the compiler fuses into generated code -- or a :class:`Spec`, whose :meth:`Spec.create`
makes the operator's :class:`Runtime` for one task. A runtime receives records through
``process(key, value, timestamp, headers, source)`` and hands results on through ``forward``, the
downstream function the compiler sets (:data:`Forward`). What else it may ask of its task is
:class:`OperatorTask`; the engine's :class:`~airstream.topology.engine.task.Task` is the one
implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from airstream.topology.processor import PunctuationType
from airstream.topology.records import InputRecord
from airstream.topology.state import StateStore

__all__ = [
    "Cancellable",
    "Forward",
    "Lookup",
    "OperatorSpec",
    "OperatorTask",
    "Runtime",
    "Spec",
    "Stateless",
    "StatelessKind",
    "ValueGetter",
    "key_not_none",
    "overrides",
]

StatelessKind = Literal["filter", "filter_not", "map", "map_values", "flat_map", "flat_map_values", "select_key",
                        "peek", "foreach", "pass", "branch", "to_stream"]
"""The record-at-a-time operators the compiler inlines (see :mod:`airstream.topology.compile`)."""

Forward = Callable[[Any, Any, int, Any, "InputRecord | None"], None]
"""``forward(key, value, timestamp, headers, source record)``: hands a record to the operators
below. The source record is ``None`` for what a punctuator emits."""

Lookup = Callable[[Any], "tuple[Any, int] | None"]
"""A table lookup: ``(value, timestamp)`` of a key's row, ``None`` when there is none."""

StoreT = TypeVar("StoreT", bound=StateStore)
T = TypeVar("T")


class Cancellable(Protocol):
    """A scheduled punctuation."""

    def cancel(self) -> None:
        """Stop it from firing again."""
        ...


class OperatorTask(Protocol):
    """What an operator's runtime may ask of the task it runs in."""

    application_id: str
    task_id: str
    stream_time: int
    """The largest record timestamp the task has seen (``-1`` before the first record)."""
    config: Mapping[str, Any]
    """The application's configuration (with the defaults filled in)."""

    @property
    def wall_clock_ms(self) -> int:
        """The engine's wall-clock time (mocked in the test driver)."""
        ...

    def store(self, name: str, kind: type[StoreT]) -> StoreT:
        """The task's store ``name``, which must be a ``kind`` (``TypeError`` names both if not)."""
        ...

    def shared(self, key: object, factory: Callable[[], T]) -> T:
        """Per-task state several operators share (both sides of a join), made once by ``factory``."""
        ...

    def schedule(self, interval: Any, kind: PunctuationType, fn: Callable[[int], None], node: str) -> Cancellable:
        """Call ``fn(time)`` every ``interval`` of stream time or wall-clock time."""
        ...

    def drop(self, reason: str, node: str | None = None) -> None:
        """Count a record the operator drops (``dropped-records-total``)."""
        ...

    def fail_record(self, exc: Exception, rec: InputRecord | None, node: str | None) -> None:
        """Hand a record the operator failed on to the processing-error handler (the dead-letter
        topic, a log line, or a stop), for operators that fail outside a record's own call."""
        ...


def key_not_none(key: Any, value: Any) -> bool:
    """The predicate of repartition filters: records without a key cannot be routed."""
    return key is not None


class Stateless:
    """A record-at-a-time operator the compiler inlines. ``fn`` is the user's function; for
    ``branch`` a list of ``(predicate or None, child name)``; ``None`` for ``pass`` and ``to_stream``."""

    def __init__(self, kind: StatelessKind, fn: Any) -> None:
        self.kind: StatelessKind = kind
        self.fn = fn


SpecT = TypeVar("SpecT", bound="Spec")


def _nowhere(*args: Any) -> None:
    return None


class Runtime(Generic[SpecT]):
    """An operator running in one task. The task calls the hooks :meth:`restored` (after its stores
    were restored, before the next record), :meth:`end_batch` (after each batch) and :meth:`close`
    only where a runtime overrides them."""

    def __init__(self, spec: SpecT, task: OperatorTask, name: str) -> None:
        self.spec = spec
        self.task = task
        self.name = name
        self.forward: Forward = _nowhere

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        """Handle one record."""
        raise NotImplementedError

    def restored(self) -> None:
        """Take back what is kept outside the stores (stream time, pending windows) from them."""

    def end_batch(self) -> None:
        """Hand on what was held for the whole batch."""

    def close(self) -> None:
        """Release what the operator holds."""


def overrides(runtime: Runtime[Any], hook: str) -> bool:
    """Whether ``runtime`` has its own ``hook`` (so a task calls only the hooks that do something)."""
    return getattr(type(runtime), hook) is not getattr(Runtime, hook)


class Spec:
    """Base of the operators that keep state or need the task: :meth:`create` makes their runtime."""

    runtime: ClassVar[type[Runtime[Any]]]

    @property
    def relaxes_null_keys(self) -> bool:
        """Whether records with a null key mean something here (a left or outer join pairs them
        with nothing), so the repartition topics upstream must keep them (Kafka Streams' KIP-962)."""
        return False

    def create(self, task: OperatorTask, name: str) -> Runtime[Any]:
        """The operator's runtime in ``task``."""
        return self.runtime(self, task, name)


OperatorSpec = Stateless | Spec
"""What a processor node of the graph carries."""


class ValueGetter:
    """Looks up ``(value, timestamp)`` of a table row in a task; ``stores()`` are the stores
    the lookup reads (they become the joining processor's stores)."""

    def stores(self) -> list[str]:
        """The stores the lookup reads."""
        raise NotImplementedError

    def bind(self, task: OperatorTask) -> Lookup:
        """The lookup function in ``task``."""
        raise NotImplementedError
