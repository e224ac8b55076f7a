"""Grouped streams and their windows: :class:`KGroupedStream`, :class:`TimeWindowedKStream`,
:class:`SessionWindowedKStream`; each aggregation makes a :class:`~airstream.topology.ktable.KTable`.

>>> from airstream.topology import StreamsBuilder, TimeWindows
>>> grouped = StreamsBuilder().stream("t").group_by_key()
>>> grouped.windowed_by(TimeWindows.of_size_with_no_grace(1_000)).count()
KTable(KSTREAM-AGGREGATE-0000000002, store=KSTREAM-AGGREGATE-STATE-STORE-0000000001)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airstream.topology import operators as ops
from airstream.topology.graph import Node, StoreKind, StoreSpec
from airstream.topology.ktable import KTable
from airstream.topology.serde_defaults import WindowedSerde, as_serde
from airstream.topology.serdes import Serde, Serdes
from airstream.topology.windows import SessionWindows, SlidingWindows, TimeWindows

if TYPE_CHECKING:
    from airstream.topology.kstream import KStream

__all__ = ["KGroupedStream", "SessionWindowedKStream", "TimeWindowedKStream"]


class _Aggregating:
    """Shared by grouped and windowed streams: repartition if needed, then add the
    aggregation processor with its store."""

    def __init__(self, stream: KStream, key_serde: Any, value_serde: Any, name: str | None,
                 repartition: bool) -> None:
        self._stream = stream
        self._g = stream._g
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._grouped_name = name
        self._repartition = repartition

    def _input(self, store: str) -> Node:
        s = self._stream
        if not self._repartition:
            return s.node
        return s._repartition_node(self._grouped_name or store, None, self.key_serde,
                                   self.value_serde)

    def _build(self, prefix: str, name: str | None, make: Callable[[str], Any], value_serde: Any,
               kind: StoreKind = "kv", size: int | None = None, retention: int | None = None,
               table_key_serde: Any = None) -> KTable:
        store = name or self._g.new_store_name(prefix)
        proc = self._g.new_name(prefix)
        source = self._input(store)
        spec = self._g.add_store(StoreSpec(store, kind, self.key_serde, value_serde,
                                           window_size_ms=size, retention_ms=retention))
        node = self._g.add_processor(proc, make(spec.name), [source], [spec.name])
        getter = ops.StoreGetter(spec.name) if kind == "kv" else None
        return KTable(self._stream._b, node, table_key_serde or self.key_serde, value_serde, getter,
                      store=spec.name)


class KGroupedStream(_Aggregating):
    """A stream grouped by key, ready to ``count``, ``reduce`` or ``aggregate``."""

    def count(self, name: str | None = None) -> KTable:
        """Count records per key (values as ``Serdes.Long()``)."""
        return self._build("KSTREAM-AGGREGATE-", name,
                           lambda s: ops.Aggregate(s, ops.count_init, ops.count_add),
                           Serdes.Long())

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per key with ``reducer(aggregate, value)``."""
        return self._build("KSTREAM-REDUCE-", name, lambda s: ops.Aggregate(s, None, reducer),
                           self.value_serde)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  name: str | None = None, value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per key: ``aggregator(key, value, aggregate)`` starting from ``initializer()``."""
        return self._build("KSTREAM-AGGREGATE-", name,
                           lambda s: ops.Aggregate(s, initializer, aggregator, with_key=True),
                           as_serde(value_serde))

    def windowed_by(self, windows: TimeWindows | SlidingWindows | SessionWindows
                    ) -> TimeWindowedKStream | SessionWindowedKStream:
        """Aggregate per key and window; results are keyed by ``Windowed(key, Window)``."""
        if isinstance(windows, SessionWindows):
            return SessionWindowedKStream(self, windows)
        if isinstance(windows, (TimeWindows, SlidingWindows)):
            return TimeWindowedKStream(self, windows)
        raise TypeError(f"windowed_by() takes TimeWindows, SlidingWindows or SessionWindows, "
                        f"not {type(windows).__name__}")


class TimeWindowedKStream:
    """A grouped stream windowed by :class:`TimeWindows` (tumbling/hopping) or :class:`SlidingWindows`."""

    def __init__(self, grouped: KGroupedStream, windows: TimeWindows | SlidingWindows) -> None:
        self._grouped = grouped
        self.windows = windows
        self._emit_final = False

    def emit_final(self) -> TimeWindowedKStream:
        """Emit one result per window when it closes (``EmitStrategy.onWindowClose``)."""
        self._emit_final = True
        return self

    def _build(self, prefix: str, name: str | None, init: Any, agg: Any, value_serde: Any,
               with_key: bool) -> KTable:
        w = self.windows
        if isinstance(w, SlidingWindows):
            size, retention = w.time_difference_ms, 2 * w.time_difference_ms + w.grace_ms
            win_size = w.time_difference_ms
        else:
            size, retention, win_size = w.size_ms, w.size_ms + w.grace_ms, w.size_ms
        g = self._grouped
        return g._build(prefix, name, lambda s: ops.WindowAggregate(s, w, init, agg, with_key, self._emit_final),
                        value_serde, kind="window", size=size, retention=retention,
                        table_key_serde=WindowedSerde(g.key_serde, win_size))

    def count(self, name: str | None = None) -> KTable:
        """Count records per key and window."""
        return self._build("KSTREAM-AGGREGATE-", name, ops.count_init, ops.count_add,
                           Serdes.Long(), False)

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per key and window with ``reducer(aggregate, value)``."""
        return self._build("KSTREAM-REDUCE-", name, None, reducer, self._grouped.value_serde, False)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  name: str | None = None, value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per key and window with ``aggregator(key, value, aggregate)``."""
        return self._build("KSTREAM-AGGREGATE-", name, initializer, aggregator, as_serde(value_serde),
                           True)


class SessionWindowedKStream:
    """A grouped stream windowed by :class:`SessionWindows`. For one final result per
    session use ``.count().suppress(until_window_closes=True)``."""

    def __init__(self, grouped: KGroupedStream, windows: SessionWindows) -> None:
        self._grouped = grouped
        self.windows = windows

    def _build(self, prefix: str, name: str | None, init: Any, agg: Any, merger: Any,
               value_serde: Any, with_key: bool) -> KTable:
        w, g = self.windows, self._grouped
        return g._build(prefix, name,
                        lambda s: ops.SessionAggregate(s, w, init, agg, merger, with_key),
                        value_serde, kind="session", retention=w.gap_ms + w.grace_ms,
                        table_key_serde=WindowedSerde(g.key_serde, None))

    def count(self, name: str | None = None) -> KTable:
        """Count records per key and session."""
        return self._build("KSTREAM-AGGREGATE-", name, ops.count_init, ops.count_add,
                           lambda k, a, b: a + b, Serdes.Long(), False)

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per session with ``reducer(aggregate, value)``; sessions merge with it too."""
        return self._build("KSTREAM-REDUCE-", name, None, reducer, lambda k, a, b: reducer(a, b),
                           self._grouped.value_serde, False)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  merger: Callable[[Any, Any, Any], Any], name: str | None = None,
                  value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per session; ``merger(key, agg1, agg2)`` joins sessions a record bridges."""
        return self._build("KSTREAM-AGGREGATE-", name, initializer, aggregator, merger,
                           as_serde(value_serde), True)
