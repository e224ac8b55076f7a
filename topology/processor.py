"""The custom processor API: :class:`Processor`, :class:`ProcessorContext`, :class:`Record`,
:class:`Stores` and punctuation.

Use it through :meth:`KStream.process <airstream.topology.builder.KStream.process>` when the DSL
operators are not enough::

    class Dedup(Processor):
        def init(self, context):
            self.context = context
            self.seen = context.get_state_store("seen")
            context.schedule(60_000, "wall_clock_time", self.report)

        def process(self, record):
            if self.seen.get(record.key) is None:
                self.seen.put(record.key, record.timestamp)
                self.context.forward(record)

        def report(self, timestamp):
            print("seen so far:", self.seen.approximate_num_entries())

    stream.process(Dedup, stores=[Stores.key_value_store("seen")]).to("unique")
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from airstream.topology.graph import StoreKind, StoreSpec
from airstream.topology.windows import Duration, to_millis

__all__ = [
    "Cancellable",
    "Processor",
    "ProcessorContext",
    "PunctuationType",
    "Record",
    "RecordMetadata",
    "StoreBuilder",
    "Stores",
]


class PunctuationType(StrEnum):
    """When a punctuator fires: as stream time (record timestamps) or the wall clock advances."""

    STREAM_TIME = "stream_time"
    WALL_CLOCK_TIME = "wall_clock_time"


@dataclass(frozen=True, slots=True)
class Record:
    """A record as a custom processor sees it; ``with_*`` return modified copies.

    >>> Record("k", 1, 1000).with_value(2)
    Record(key='k', value=2, timestamp=1000, headers=())
    """

    key: Any
    value: Any
    timestamp: int
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]] = ()

    def with_key(self, key: Any) -> Record:
        """A copy with another key."""
        return replace(self, key=key)

    def with_value(self, value: Any) -> Record:
        """A copy with another value."""
        return replace(self, value=value)

    def with_timestamp(self, timestamp: int) -> Record:
        """A copy with another timestamp."""
        return replace(self, timestamp=timestamp)

    def with_headers(self, headers: Any) -> Record:
        """A copy with other headers (a list of ``(name, bytes)``)."""
        return replace(self, headers=headers)


@dataclass(frozen=True, slots=True)
class RecordMetadata:
    """Where the record being processed came from."""

    topic: str
    partition: int
    offset: int


class Cancellable(Protocol):
    """Returned by :meth:`ProcessorContext.schedule`; ``cancel()`` stops the punctuator."""

    def cancel(self) -> None: ...


class ProcessorContext(Protocol):
    """What a processor can do besides receiving records."""

    application_id: str
    task_id: str

    def forward(self, record: Record | Any, value: Any = ..., timestamp: int | None = None,
                headers: Any = None) -> None:
        """Send a :class:`Record` (or ``key, value``) to the downstream processors."""

    def schedule(self, interval: Duration, punctuation_type: PunctuationType | str,
                 punctuator: Any) -> Cancellable:
        """Call ``punctuator(timestamp)`` every ``interval`` of stream or wall-clock time."""

    def get_state_store(self, name: str) -> Any:
        """A store named in ``process(..., stores=[...])``."""

    def record_metadata(self) -> RecordMetadata | None:
        """Topic, partition and offset of the input record (``None`` in a punctuator)."""

    def current_stream_time_ms(self) -> int:
        """The task's stream time: the largest record timestamp seen."""

    def current_system_time_ms(self) -> int:
        """The (possibly mocked) wall-clock time in milliseconds."""


class Processor:
    """Base class for custom processors: override :meth:`process`, optionally :meth:`init`
    and :meth:`close`."""

    def init(self, context: ProcessorContext) -> None:
        """Called once per task before the first record; keep ``context`` for later."""
        self.context = context

    def process(self, record: Record) -> None:
        """Handle one record; call ``self.context.forward(...)`` to emit."""
        raise NotImplementedError

    def close(self) -> None:
        """Called when the task closes."""


@dataclass
class StoreBuilder:
    """Describes a store for custom processors; made by :class:`Stores`."""

    name: str
    kind: StoreKind = "kv"
    key_serde: Any = None
    value_serde: Any = None
    changelog: bool = True
    window_size_ms: int | None = None
    retention_ms: int | None = None
    retain_duplicates: bool = False

    def with_logging_disabled(self) -> StoreBuilder:
        """No changelog topic for this store."""
        return replace(self, changelog=False)

    def spec(self) -> StoreSpec:
        """The graph's store spec."""
        return StoreSpec(self.name, self.kind, self.key_serde, self.value_serde, self.changelog,
                         self.window_size_ms, self.retention_ms, self.retain_duplicates)


class Stores:
    """Factories for stores used by custom processors.

    >>> Stores.key_value_store("seen").kind
    'kv'
    """

    @staticmethod
    def key_value_store(name: str, key_serde: Any = None, value_serde: Any = None) -> StoreBuilder:
        """A key-value store with a changelog topic."""
        return StoreBuilder(name, "kv", key_serde, value_serde)

    @staticmethod
    def in_memory_key_value_store(name: str) -> StoreBuilder:
        """Kafka Streams' ``Stores.inMemoryKeyValueStore(name)``; pass it to
        :meth:`key_value_store_builder`."""
        return StoreBuilder(name, "kv")

    persistent_key_value_store = in_memory_key_value_store

    @staticmethod
    def key_value_store_builder(supplier: StoreBuilder, key_serde: Any = None,
                                value_serde: Any = None) -> StoreBuilder:
        """Kafka Streams' ``Stores.keyValueStoreBuilder(supplier, keySerde, valueSerde)``."""
        return replace(supplier, key_serde=key_serde, value_serde=value_serde)

    @staticmethod
    def window_store(name: str, retention: Duration, window_size: Duration,
                     retain_duplicates: bool = False, key_serde: Any = None,
                     value_serde: Any = None) -> StoreBuilder:
        """A window store keeping windows for ``retention``."""
        return StoreBuilder(name, "window", key_serde, value_serde, True,
                            to_millis(window_size, "window_size"), to_millis(retention, "retention"),
                            retain_duplicates)

    @staticmethod
    def session_store(name: str, retention: Duration, key_serde: Any = None,
                      value_serde: Any = None) -> StoreBuilder:
        """A session store keeping sessions for ``retention``."""
        return StoreBuilder(name, "session", key_serde, value_serde, True, None,
                            to_millis(retention, "retention"))
