"""Table operators: materialized sources, filters and mapped values over changes, re-keying for a
group-by, the subtract-then-add aggregation and table-table joins. Tables pass
:class:`~airstream.topology.serde_defaults.Change` values (new, old) between them, as Kafka Streams does.
"""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import OperatorTask, Runtime, Spec, ValueGetter
from airstream.topology.records import InputRecord
from airstream.topology.serde_defaults import Change
from airstream.topology.state import KeyValueStore

__all__ = ["TableAggregate", "TableFilter", "TableMapValues", "TableRepartitionMap", "TableSource", "TableTableJoin",
           "table_count_add", "table_count_sub"]


def table_count_add(aggregate: int, value: Any) -> int:
    """``KGroupedTable.count``'s adder."""
    return aggregate + 1


def table_count_sub(aggregate: int, value: Any) -> int:
    """``KGroupedTable.count``'s subtractor."""
    return aggregate - 1


class TableSourceRuntime(Runtime["TableSource"]):
    def __init__(self, spec: TableSource, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, KeyValueStore)
        self.emit = spec.emit

    def process(self, key: Any, value: Any, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None:
            self.task.drop("null key in table update", self.name)
            return
        old = self.store.get_with_timestamp(key)
        self.store.put(key, value, ts)
        if self.emit:
            self.forward(key, Change(value, old and old[0]), ts, headers, src)


class TableSource(Spec):
    """Materializes updates into a key-value store (``None`` deletes) and forwards changes."""

    runtime = TableSourceRuntime

    def __init__(self, store: str, forward: bool = True) -> None:
        self.store = store
        self.emit = forward


class TableFilterRuntime(Runtime["TableFilter"]):
    def __init__(self, spec: TableFilter, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.pred, self.negate = spec.predicate, spec.negate

    def _keep(self, key: Any, value: Any) -> Any:
        if value is None or bool(self.pred(key, value)) == self.negate:
            return None
        return value

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        self.forward(key, Change(self._keep(key, change.new), self._keep(key, change.old)), ts,
                     headers, src)


class TableFilter(Spec):
    runtime = TableFilterRuntime

    def __init__(self, predicate: Any, negate: bool) -> None:
        self.predicate, self.negate = predicate, negate


class TableMapValuesRuntime(Runtime["TableMapValues"]):
    def __init__(self, spec: TableMapValues, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.mapper = spec.mapper

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        m = self.mapper
        self.forward(key, Change(None if change.new is None else m(change.new),
                                 None if change.old is None else m(change.old)), ts, headers, src)


class TableMapValues(Spec):
    runtime = TableMapValuesRuntime

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper


def _routable(selected: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    """A group-by selector's ``(key, value)``, or ``None`` when either is ``None`` (nothing to route)."""
    if selected is None or selected[0] is None or selected[1] is None:
        return None
    return selected


class TableRepartitionMapRuntime(Runtime["TableRepartitionMap"]):
    def __init__(self, spec: TableRepartitionMap, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.selector = spec.selector

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        sel = self.selector
        new = None if change.new is None else _routable(sel(key, change.new))
        old = None if change.old is None else _routable(sel(key, change.old))
        # The old row leaves its group before the new row joins one, as in Kafka Streams.
        if new is not None and old is not None and new[0] == old[0]:
            self.forward(new[0], Change(new[1], old[1]), ts, headers, src)
            return
        if old is not None:
            self.forward(old[0], Change(None, old[1]), ts, headers, src)
        if new is not None:
            self.forward(new[0], Change(new[1], None), ts, headers, src)


class TableRepartitionMap(Spec):
    runtime = TableRepartitionMapRuntime

    def __init__(self, selector: Any) -> None:
        self.selector = selector


class TableAggregateRuntime(Runtime["TableAggregate"]):
    def __init__(self, spec: TableAggregate, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.store = task.store(spec.store, KeyValueStore)

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        if key is None:
            self.task.drop("null key in table aggregation", self.name)
            return
        spec = self.spec
        found = self.store.get_with_timestamp(key)
        old_agg = found and found[0]
        agg = old_agg
        if change.old is not None and agg is not None:
            agg = spec.subtractor(key, change.old, agg) if spec.with_key else spec.subtractor(agg, change.old)
        if change.new is not None:
            if spec.initializer is None:
                agg = change.new if agg is None else spec.adder(agg, change.new)
            else:
                base = spec.initializer() if agg is None else agg
                agg = spec.adder(key, change.new, base) if spec.with_key else spec.adder(base, change.new)
        out_ts = max(ts, found[1]) if found else ts
        self.store.put(key, agg, out_ts)
        self.forward(key, Change(agg, old_agg), out_ts, headers, src)


class TableAggregate(Spec):
    """``KGroupedTable`` count / reduce / aggregate: subtract the old row, add the new."""

    runtime = TableAggregateRuntime

    def __init__(self, store: str, initializer: Any, adder: Any, subtractor: Any,
                 with_key: bool = False) -> None:
        self.store, self.initializer = store, initializer
        self.adder, self.subtractor, self.with_key = adder, subtractor, with_key


class TableTableJoinRuntime(Runtime["TableTableJoin"]):
    def __init__(self, spec: TableTableJoin, task: OperatorTask, name: str) -> None:
        super().__init__(spec, task, name)
        self.get = spec.other.bind(task)

    def process(self, key: Any, change: Change, ts: int, headers: Any, src: InputRecord | None) -> None:
        # As Kafka Streams' KTableKTable{Inner,Left,Right,Outer}Join: without a row on the other
        # side there is nothing to join unless this side is kept alone (and changed); otherwise
        # every update is forwarded, a delete of a row that never joined included.
        if key is None:
            self.task.drop("null key in table update", self.name)
            return
        s = self.spec
        found = self.get(key)
        other = None if found is None else found[0]
        if other is None and (not s.this_outer or (change.new is None and change.old is None)):
            return
        out_ts = ts if found is None else max(ts, found[1])
        self.forward(key, Change(self._joined(change.new, other), self._joined(change.old, other)), out_ts,
                     headers, src)

    def _joined(self, mine: Any, other: Any) -> Any:
        s = self.spec
        if mine is None and (other is None or not s.other_outer):
            return None
        return s.joiner(other, mine) if s.is_right else s.joiner(mine, other)


class TableTableJoin(Spec):
    """One side of a table-table join: an update on this side looks up the other side."""

    runtime = TableTableJoinRuntime

    def __init__(self, other: ValueGetter, joiner: Any, this_outer: bool, other_outer: bool,
                 is_right: bool) -> None:
        self.other, self.joiner = other, joiner
        self.this_outer, self.other_outer, self.is_right = this_outer, other_outer, is_right
