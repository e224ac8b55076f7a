"""Tables: :class:`KTable` (the latest value per key, with its changes flowing downstream),
:class:`KGroupedTable` and :class:`GlobalKTable`.

>>> from airstream.topology import StreamsBuilder
>>> t = StreamsBuilder().table("users", name="users-store")
>>> t.filter(lambda k, v: v is not None).queryable_store_name is None, t.queryable_store_name
(True, 'users-store')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airstream.topology import operators as ops
from airstream.topology.graph import Node, StoreSpec
from airstream.topology.serde_defaults import ChangeSerde, CombinedKeySerde, as_serde
from airstream.topology.serdes import Serde, Serdes
from airstream.topology.windows import SessionWindows

if TYPE_CHECKING:
    from airstream.topology.builder import StreamsBuilder
    from airstream.topology.kstream import KStream

__all__ = ["GlobalKTable", "KGroupedTable", "KTable"]


class KTable:
    """A changelog stream: the latest value per key. Updates flow downstream as changes."""

    def __init__(self, builder: StreamsBuilder, node: Node, key_serde: Any, value_serde: Any,
                 getter: ops.ValueGetter | None, store: str | None = None) -> None:
        self._b = builder
        self._g = builder.graph
        self.node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._getter = getter
        self.store = store

    def __repr__(self) -> str:
        return f"KTable({self.node.name}, store={self.store})"

    @property
    def queryable_store_name(self) -> str | None:
        """The store the driver's ``get_*_store`` reads, when this table is materialized."""
        return self.store

    def _derive(self, prefix: str, name: str | None, op: Any, value_serde: Any,
                getter: ops.ValueGetter | None) -> KTable:
        node = self._g.add_processor(name or self._g.new_name(prefix), op, [self.node])
        return KTable(self._b, node, self.key_serde, value_serde, getter)

    def _need_getter(self, what: str) -> ops.ValueGetter:
        if self._getter is None:
            raise ValueError(f"{what} needs a key-value table; a windowed table cannot be looked up")
        return self._getter

    def filter(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KTable:
        """Keep rows where ``predicate(key, value)``; others become deletes (tombstones)."""
        return self._derive("KTABLE-FILTER-", name, ops.TableFilter(predicate, False),
                            self.value_serde,
                            self._getter and ops.FilterGetter(self._getter, predicate, False))

    def filter_not(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KTable:
        """Drop rows where ``predicate(key, value)``."""
        return self._derive("KTABLE-FILTER-", name, ops.TableFilter(predicate, True),
                            self.value_serde,
                            self._getter and ops.FilterGetter(self._getter, predicate, True))

    def map_values(self, mapper: Callable[[Any], Any], name: str | None = None) -> KTable:
        """Map each row's value with ``mapper(value)``."""
        return self._derive("KTABLE-MAPVALUES-", name, ops.TableMapValues(mapper), None,
                            self._getter and ops.MapValuesGetter(self._getter, mapper))

    def to_stream(self, name: str | None = None) -> KStream:
        """The stream of updates (deletes come through as ``None`` values)."""
        node = self._g.add_processor(name or self._g.new_name("KTABLE-TOSTREAM-"),
                                     ops.Stateless("to_stream", None), [self.node])
        return self._b.stream_of(node, self.key_serde, self.value_serde)

    def suppress(self, until_window_closes: bool = True, name: str | None = None) -> KTable:
        """Hold windowed results back until their window closes (end + grace), then emit
        each window's final value once (Kafka Streams' ``Suppressed.untilWindowCloses``)."""
        if not until_window_closes:
            raise ValueError("only suppress(until_window_closes=True) is supported")
        if not isinstance(self.node.op, (ops.WindowAggregate, ops.SessionAggregate)):
            raise ValueError("suppress(until_window_closes=True) needs a windowed aggregation "
                             "directly upstream, e.g. windowed_by(...).count().suppress()")
        proc = f"{name}-suppress" if name else self._g.new_name("KTABLE-SUPPRESS-")
        store = f"{name}-store" if name else self._g.new_store_name("KTABLE-SUPPRESS-")
        # The buffer holds what the aggregation upstream stores.
        upstream = self._g.stores[self.node.op.store]
        spec = self._g.add_store(StoreSpec(store, "suppress", upstream.key_serde, upstream.value_serde))
        windows = self.node.op.windows
        # A session can still grow until no record within the gap can arrive: end + gap + grace.
        grace = windows.grace_ms + (windows.gap_ms if isinstance(windows, SessionWindows) else 0)
        node = self._g.add_processor(proc, ops.Suppress(spec.name, grace), [self.node], [spec.name])
        return KTable(self._b, node, self.key_serde, self.value_serde, None)

    def group_by(self, selector: Callable[[Any, Any], tuple[Any, Any]],
                 key_serde: Serde[Any] | str | None = None,
                 value_serde: Serde[Any] | str | None = None,
                 name: str | None = None) -> KGroupedTable:
        """Re-group rows by ``selector(key, value) -> (new_key, new_value)``."""
        node = self._g.add_processor(name or self._g.new_name("KTABLE-SELECT-"),
                                     ops.TableRepartitionMap(selector), [self.node])
        return KGroupedTable(self, node, as_serde(key_serde), as_serde(value_serde), name)

    # -- joins ---------------------------------------------------------------------------
    def join(self, other: KTable, *args: Any, name: str | None = None) -> KTable:
        """Inner table-table join ``join(other, joiner)``, or the foreign-key join
        ``join(other, foreign_key_extractor, joiner)`` where ``foreign_key_extractor(value)``
        gives the other table's key."""
        if len(args) == 2:
            return self._fk_join(other, args[0], args[1], False, name)
        return self._table_join(other, args[0], "inner", name)

    def left_join(self, other: KTable, *args: Any, name: str | None = None) -> KTable:
        """Left table-table join (or foreign-key left join with three arguments)."""
        if len(args) == 2:
            return self._fk_join(other, args[0], args[1], True, name)
        return self._table_join(other, args[0], "left", name)

    def outer_join(self, other: KTable, joiner: Callable[[Any, Any], Any],
                   name: str | None = None) -> KTable:
        """Outer table-table join; the missing side is ``None``."""
        return self._table_join(other, joiner, "outer", name)

    def _table_join(self, other: KTable, joiner: Any, how: str, name: str | None) -> KTable:
        g = self._g
        left_get, right_get = self._need_getter("a table join"), other._need_getter("a table join")
        merge = name or g.new_name("KTABLE-MERGE-")
        this_name = f"{name}-join-this" if name else g.new_name("KTABLE-JOINTHIS-")
        other_name = f"{name}-join-other" if name else g.new_name("KTABLE-JOINOTHER-")
        left_outer, right_outer = how in ("left", "outer"), how == "outer"
        tj = g.add_processor(this_name, ops.TableTableJoin(right_get, joiner, left_outer,
                                                           right_outer, False),
                             [self.node], right_get.stores())
        oj = g.add_processor(other_name, ops.TableTableJoin(left_get, joiner, right_outer,
                                                            left_outer, True),
                             [other.node], left_get.stores())
        node = g.add_processor(merge, ops.Stateless("pass", None), [tj, oj])
        getter = ops.JoinGetter(left_get, right_get, joiner, left_outer, right_outer)
        return KTable(self._b, node, self.key_serde, None, getter)

    def _fk_join(self, other: KTable, extractor: Any, joiner: Any, left: bool,
                 name: str | None) -> KTable:
        g = self._g
        left_get, right_get = self._need_getter("a foreign-key join"), other._need_getter("a foreign-key join")
        base = name or g.new_name("KTABLE-FK-JOIN-")
        sub_topic = f"{base}-subscription-registration-topic"
        resp_topic = f"{base}-subscription-response-topic"
        # Subscriptions by (foreign key, left key), holding the hash of the left row they were sent for.
        sub_store = g.add_store(StoreSpec(f"{base}-subscription-store", "kv",
                                          CombinedKeySerde(other.key_serde, self.key_serde), ops.FK_SUBSCRIPTION_SERDE))
        # Left side: send a subscription to the partition owning the foreign key.
        reg = g.add_processor(f"{base}-subscription-registration-send",
                              ops.FkSubscriptionSend(extractor, left), [self.node])
        g.add_repartition_topic(sub_topic, None)
        g.add_sink(f"{base}-subscription-registration-sink", sub_topic, reg, other.key_serde,
                   ops.FK_SUBSCRIPTION_SERDE, internal=True)
        sub_src = g.add_source([sub_topic], f"{base}-subscription-registration-source",
                               other.key_serde, ops.FK_SUBSCRIPTION_SERDE, internal=True)
        # Right side: remember subscribers, answer with the current right value.
        recv = g.add_processor(f"{base}-subscription-receive",
                               ops.FkSubscriptionReceive(sub_store.name, right_get), [sub_src],
                               [sub_store.name, *right_get.stores()])
        upd = g.add_processor(f"{base}-subscription-update",
                              ops.FkRightUpdate(sub_store.name), [other.node], [sub_store.name])
        g.add_repartition_topic(resp_topic, None)
        g.add_sink(f"{base}-subscription-response-sink", resp_topic, recv, self.key_serde,
                   ops.FK_RESPONSE_SERDE, internal=True)
        g.add_sink(f"{base}-subscription-update-sink", resp_topic, upd, self.key_serde,
                   ops.FK_RESPONSE_SERDE, internal=True)
        resp_src = g.add_source([resp_topic], f"{base}-subscription-response-source",
                                self.key_serde, ops.FK_RESPONSE_SERDE, internal=True)
        node = g.add_processor(f"{base}-result", ops.FkResolve(left_get, joiner, left),
                               [resp_src], left_get.stores())
        return KTable(self._b, node, self.key_serde, None, None)


class KGroupedTable:
    """A re-grouped table, ready to ``count``, ``reduce(adder, subtractor)`` or
    ``aggregate(initializer, adder, subtractor)``."""

    def __init__(self, table: KTable, node: Node, key_serde: Any, value_serde: Any,
                 name: str | None) -> None:
        self._table = table
        self._g = table._g
        self._node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._name = name

    def _build(self, prefix: str, name: str | None, make: Callable[[str], Any],
               value_serde: Any) -> KTable:
        g = self._g
        store = name or g.new_store_name(prefix)
        sink = g.new_name("KSTREAM-SINK-")
        source = g.new_name("KSTREAM-SOURCE-")
        proc = g.new_name(prefix)
        topic = f"{self._name or store}-repartition"
        g.add_repartition_topic(topic, None)
        change = ChangeSerde.of(self.value_serde)
        g.add_sink(sink, topic, self._node, self.key_serde, change, internal=True)
        src = g.add_source([topic], source, self.key_serde, change, internal=True)
        spec = g.add_store(StoreSpec(store, "kv", self.key_serde, value_serde))
        node = g.add_processor(proc, make(spec.name), [src], [spec.name])
        return KTable(self._table._b, node, self.key_serde, value_serde, ops.StoreGetter(spec.name),
                      store=spec.name)

    def count(self, name: str | None = None) -> KTable:
        """Count rows per new key (rows leaving a group are subtracted)."""
        return self._build("KTABLE-AGGREGATE-", name,
                           lambda s: ops.TableAggregate(s, ops.count_init, ops.table_count_add,
                                                        ops.table_count_sub), Serdes.Long())

    def reduce(self, adder: Callable[[Any, Any], Any], subtractor: Callable[[Any, Any], Any],
               name: str | None = None) -> KTable:
        """``adder(aggregate, new_value)`` / ``subtractor(aggregate, old_value)`` per key."""
        return self._build("KTABLE-REDUCE-", name,
                           lambda s: ops.TableAggregate(s, None, adder, subtractor),
                           self.value_serde)

    def aggregate(self, initializer: Callable[[], Any], adder: Callable[[Any, Any, Any], Any],
                  subtractor: Callable[[Any, Any, Any], Any], name: str | None = None,
                  value_serde: Serde[Any] | str | None = None) -> KTable:
        """``adder(key, new_value, agg)`` / ``subtractor(key, old_value, agg)`` from ``initializer()``."""
        return self._build("KTABLE-AGGREGATE-", name,
                           lambda s: ops.TableAggregate(s, initializer, adder, subtractor,
                                                        with_key=True), as_serde(value_serde))


class GlobalKTable:
    """A table replicated to every task; join a stream with it by any key."""

    def __init__(self, builder: StreamsBuilder, node: Node, store: str, key_serde: Any,
                 value_serde: Any) -> None:
        self._b = builder
        self.node = node
        self.store = store
        self.key_serde = key_serde
        self.value_serde = value_serde

    def __repr__(self) -> str:
        return f"GlobalKTable(store={self.store})"
