"""Test a topology in-process: :class:`TopologyTestDriver`, :class:`TestInputTopic`,
:class:`TestOutputTopic`, as in Kafka Streams' ``kafka-streams-test-utils``.

The driver is the embedded engine with a mocked wall clock: every piped record is processed
at once, through repartition topics and all sub-topologies, before ``pipe_input`` returns.
Topics have one partition unless ``partitions={"topic": n}`` says otherwise.

>>> from airstream.topology import StreamsBuilder, Serdes
>>> b = StreamsBuilder()
>>> b.stream("in", value_serde=Serdes.String()).map_values(str.upper).to("out")
>>> with TopologyTestDriver(b.build()) as driver:
...     driver.create_input_topic("in").pipe_input("k", "hello", timestamp=10)
...     driver.create_output_topic("out").read_record()
TestRecord(key='k', value='HELLO', timestamp=10, headers=[])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from airstream.topology.builder import Topology
from airstream.topology.engine.cluster import EmbeddedCluster
from airstream.topology.engine.embedded import EmbeddedEngine
from airstream.topology.serde_defaults import as_serde, resolve_serde
from airstream.topology.serdes import Serde
from airstream.topology.windows import to_millis

__all__ = [
    "KeyValue",
    "NoSuchElementException",
    "TestInputTopic",
    "TestOutputTopic",
    "TestRecord",
    "TopologyTestDriver",
]

_MISSING: Any = object()


class KeyValue(NamedTuple):
    """A key and a value; compares equal to the plain tuple ``(key, value)``."""

    key: Any
    value: Any


class _RecordFields(NamedTuple):
    key: Any
    value: Any
    timestamp: int
    headers: list[tuple[str, bytes | None]]


class TestRecord(_RecordFields):
    """A record read from an output topic: key, value, timestamp, headers."""

    __slots__ = ()
    __test__ = False  # not a pytest test class, whatever its name


class NoSuchElementException(IndexError):
    """Reading from an output topic that has no more records."""


def _headers(headers: Any) -> list[tuple[str, bytes | None]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, dict) else headers
    return [(str(k), v if isinstance(v, bytes) or v is None else str(v).encode()) for k, v in items]


class TopologyTestDriver:
    """Run a topology in-process for tests. Takes the same config dict as the Kafka runtime.

    ``initial_wall_clock_time_ms`` starts the mocked wall clock (and the default timestamp of
    input topics).
    """

    def __init__(self, topology: Topology, config: dict[str, Any] | None = None,
                 initial_wall_clock_time_ms: int = 0,
                 partitions: dict[str, int] | None = None) -> None:
        cfg = {"application.id": "test-driver"}
        cfg.update(config or {})
        self.cluster = EmbeddedCluster()
        self.engine = EmbeddedEngine(topology, cfg, self.cluster, initial_wall_clock_time_ms,
                                     partitions, max_batch=10_000)
        self.plan = self.engine.plan
        self._piped: Counter[str] = Counter()
        self._closed = False

    # -- topics ----------------------------------------------------------------------------
    def create_input_topic(self, name: str, key_serde: Serde[Any] | str | None = None,
                           value_serde: Serde[Any] | str | None = None,
                           start_timestamp: int | None = None,
                           auto_advance: int = 0) -> TestInputTopic:
        """A topic to pipe records into; serdes default to the ones the topology reads it with."""
        readers = self.plan.source_serdes_for(name)
        if readers is None:
            known = sorted({t for s in self.plan.subtopologies + self.plan.global_subtopologies
                            for t in s.source_topics})
            raise ValueError(f"the topology does not read topic {name!r}; it reads {known}")
        ks = as_serde(key_serde) or readers[0]
        vs = as_serde(value_serde) or readers[1]
        start = self.engine.wall_clock_ms if start_timestamp is None else start_timestamp
        return TestInputTopic(self, name, ks, vs, start, auto_advance)

    def create_output_topic(self, name: str, key_serde: Serde[Any] | str | None = None,
                            value_serde: Serde[Any] | str | None = None) -> TestOutputTopic:
        """A topic to read results from; serdes default to the ones the topology writes it with."""
        writers = self.plan.sink_serdes_for(name) or (None, None)
        ks = as_serde(key_serde) or resolve_serde(writers[0], self.plan.default_key_serde)
        vs = as_serde(value_serde) or resolve_serde(writers[1], self.plan.default_value_serde)
        return TestOutputTopic(self, name, ks, vs)

    def produced_topic_names(self) -> set[str]:
        """Topics the topology wrote to: outputs, repartition and changelog topics."""
        return {t for t in self.cluster.topic_names()
                if len(self.cluster.records_in_order(t)) > self._piped[t]}

    # -- time ------------------------------------------------------------------------------
    def advance_wall_clock_time(self, ms: int) -> None:
        """Advance the mocked wall clock by ``ms`` (int ms or timedelta) and fire wall-clock
        punctuators."""
        self.engine.advance_wall_clock(to_millis(ms, "advance_wall_clock_time"))

    @property
    def wall_clock_time_ms(self) -> int:
        """The mocked wall clock."""
        return self.engine.wall_clock_ms

    # -- stores ----------------------------------------------------------------------------
    def _store(self, name: str, kind: str | None) -> Any:
        spec = self.plan.store_spec(name)
        if kind is not None and spec.kind != kind:
            raise TypeError(f"store {name!r} is a {spec.kind} store, not {kind}")
        stores = self.engine.stores(name)
        return stores[0] if len(stores) == 1 else _MergedStore(stores)

    def get_key_value_store(self, name: str) -> Any:
        """The key-value store ``name`` (merged read view over partitions if several)."""
        return self._store(name, "kv")

    def get_window_store(self, name: str) -> Any:
        """The window store ``name``."""
        return self._store(name, "window")

    def get_session_store(self, name: str) -> Any:
        """The session store ``name``."""
        return self._store(name, "session")

    def get_state_store(self, name: str) -> Any:
        """Any store by name."""
        return self._store(name, None)

    def get_all_state_stores(self) -> dict[str, Any]:
        """Every store by name."""
        return {name: self._store(name, None) for name in self.plan.stores}

    def metrics(self) -> dict[str, float]:
        """Engine metrics, e.g. ``dropped-records-total``."""
        counts = self.engine.metrics()
        counts.setdefault("dropped-records-total", 0)
        return dict(counts)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the tasks (custom processors' ``close()`` runs)."""
        if not self._closed:
            self._closed = True
            self.engine.close()

    def __enter__(self) -> TopologyTestDriver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _pipe(self, topic: str, key: bytes | None, value: bytes | None, timestamp: int,
              headers: list[tuple[str, bytes | None]]) -> None:
        if self._closed:
            raise RuntimeError("this TopologyTestDriver is closed")
        self.cluster.produce(topic, key, value, timestamp, headers)
        self._piped[topic] += 1
        self.engine.run_until_idle()


class TestInputTopic:
    """Pipe records into a topic; each is processed before the call returns."""

    __test__ = False  # not a pytest test class

    def __init__(self, driver: TopologyTestDriver, name: str, key_serde: Serde[Any],
                 value_serde: Serde[Any], start_timestamp: int, auto_advance: int) -> None:
        self._driver, self.name = driver, name
        self.key_serde, self.value_serde = key_serde, value_serde
        self._time = start_timestamp
        self._advance = auto_advance

    def advance_time(self, ms: int | timedelta) -> None:
        """Move this topic's current time (used for records piped without a timestamp)."""
        ms = to_millis(ms, "advance_time")
        if ms < 0:
            raise ValueError("advance_time takes a non-negative number of milliseconds")
        self._time += ms

    def _next_time(self, timestamp: int | datetime | None) -> int:
        if isinstance(timestamp, datetime):
            return int(timestamp.timestamp() * 1000)
        if timestamp is not None:
            return int(timestamp)
        ts = self._time
        self._time += self._advance
        return ts

    def pipe_input(self, key: Any = None, value: Any = _MISSING,
                   timestamp: int | datetime | None = None, headers: Any = None) -> None:
        """Pipe one record: ``pipe_input(key, value, timestamp=None, headers=None)`` (timestamp
        in epoch ms or a ``datetime``; default: the topic's current time), or
        ``pipe_input(value)`` for a record without key, or ``pipe_input(test_record)``."""
        if isinstance(key, TestRecord) and value is _MISSING:
            key, value, timestamp, headers = key.key, key.value, key.timestamp, key.headers
        elif value is _MISSING:
            key, value = None, key
        topic = self.name
        self._driver._pipe(topic, self.key_serde.serialize(topic, key),
                           self.value_serde.serialize(topic, value), self._next_time(timestamp),
                           _headers(headers))

    def pipe_value_list(self, values: Iterable[Any]) -> None:
        """Pipe values without keys."""
        for value in values:
            self.pipe_input(None, value)

    def pipe_key_value_list(self, pairs: Iterable[tuple[Any, Any]], start_timestamp: int | None = None,
                            advance_ms: int = 0) -> None:
        """Pipe ``(key, value)`` pairs, optionally with timestamps from ``start_timestamp``
        advancing by ``advance_ms``."""
        ts = start_timestamp
        for key, value in pairs:
            self.pipe_input(key, value, ts)
            if ts is not None:
                ts += advance_ms

    def pipe_record_list(self, records: Iterable[TestRecord]) -> None:
        """Pipe :class:`TestRecord` objects."""
        for record in records:
            self.pipe_input(record)


class TestOutputTopic:
    """Read what the topology wrote to a topic, in production order."""

    __test__ = False

    def __init__(self, driver: TopologyTestDriver, name: str, key_serde: Serde[Any],
                 value_serde: Serde[Any]) -> None:
        self._driver, self.name = driver, name
        self.key_serde, self.value_serde = key_serde, value_serde
        self._pos = 0

    def _pending(self) -> list[Any]:
        return self._driver.cluster.records_in_order(self.name, self._pos)

    def _next(self) -> Any:
        pending = self._driver.cluster.records_in_order(self.name, self._pos)
        if not pending:
            raise NoSuchElementException(f"no more records in output topic {self.name!r}")
        self._pos += 1
        return pending[0]

    def _decode(self, rec: Any) -> TestRecord:
        topic = self.name
        return TestRecord(self.key_serde.deserialize(topic, rec.key),
                          self.value_serde.deserialize(topic, rec.value), rec.timestamp,
                          list(rec.headers or ()))

    def read_record(self) -> TestRecord:
        """The next record (key, value, timestamp, headers)."""
        return self._decode(self._next())

    def read_value(self) -> Any:
        """The next record's value."""
        return self.read_record().value

    def read_key_value(self) -> KeyValue:
        """The next record as ``KeyValue(key, value)`` (equal to a ``(key, value)`` tuple)."""
        rec = self.read_record()
        return KeyValue(rec.key, rec.value)

    def read_records_to_list(self) -> list[TestRecord]:
        """All remaining records."""
        out = []
        while not self.is_empty():
            out.append(self.read_record())
        return out

    def read_values_to_list(self) -> list[Any]:
        """All remaining values."""
        return [r.value for r in self.read_records_to_list()]

    def read_key_values_to_list(self) -> list[KeyValue]:
        """All remaining records as ``KeyValue`` pairs."""
        return [KeyValue(r.key, r.value) for r in self.read_records_to_list()]

    def read_key_values_to_map(self) -> dict[Any, Any]:
        """All remaining records as a dict; the last value per key wins."""
        return {r.key: r.value for r in self.read_records_to_list()}

    def is_empty(self) -> bool:
        """Whether every record has been read."""
        return not self._pending()

    def queue_size(self) -> int:
        """How many records are left to read."""
        return len(self._pending())


class _MergedStore:
    """Read view over one store's instances in several tasks (partitions)."""

    def __init__(self, stores: list[Any]) -> None:
        self._stores = stores
        self.name = stores[0].name

    def get(self, key: Any) -> Any:
        for store in self._stores:
            value = store.get(key)
            if value is not None:
                return value
        return None

    def fetch(self, key: Any, *args: Any) -> Any:
        results = [s.fetch(key, *args) for s in self._stores]
        if len(args) == 1:
            return next((r for r in results if r is not None), None)
        return sorted((item for r in results for item in r), key=lambda e: e[0]) if args else \
            [item for r in results for item in r]

    def all(self) -> list[Any]:
        return [item for s in self._stores for item in s.all()]

    def approximate_num_entries(self) -> int:
        return sum(s.approximate_num_entries() for s in self._stores)
