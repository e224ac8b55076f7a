"""How a join looks up the current row of a table: from its store, or through the table's
filters, mapped values and joins, without materializing them.

>>> from airstream.topology.serdes import Serdes
>>> from airstream.topology.state import KeyValueStore
>>> rows = KeyValueStore("t", Serdes.String(), Serdes.Long())
>>> rows.put("a", 5, 10)
>>> class OneStore:
...     def store(self, name, kind): return rows
>>> getter = MapValuesGetter(StoreGetter("t"), lambda v: v * 2)
>>> getter.bind(OneStore())("a"), getter.stores()
((10, 10), ['t'])
"""

from __future__ import annotations

from typing import Any

from airstream.topology.operators.base import Lookup, OperatorTask, ValueGetter
from airstream.topology.state import KeyValueStore

__all__ = ["FilterGetter", "JoinGetter", "MapValuesGetter", "StoreGetter", "join_rows"]


class StoreGetter(ValueGetter):
    def __init__(self, store: str) -> None:
        self.store = store

    def stores(self) -> list[str]:
        return [self.store]

    def bind(self, task: OperatorTask) -> Lookup:
        return task.store(self.store, KeyValueStore).get_with_timestamp


class FilterGetter(ValueGetter):
    def __init__(self, parent: ValueGetter, predicate: Any, negate: bool) -> None:
        self.parent, self.predicate, self.negate = parent, predicate, negate

    def stores(self) -> list[str]:
        return self.parent.stores()

    def bind(self, task: OperatorTask) -> Lookup:
        get, pred, negate = self.parent.bind(task), self.predicate, self.negate

        def lookup(key: Any) -> tuple[Any, int] | None:
            found = get(key)
            if found is None or bool(pred(key, found[0])) == negate:
                return None
            return found
        return lookup


class MapValuesGetter(ValueGetter):
    def __init__(self, parent: ValueGetter, mapper: Any) -> None:
        self.parent, self.mapper = parent, mapper

    def stores(self) -> list[str]:
        return self.parent.stores()

    def bind(self, task: OperatorTask) -> Lookup:
        get, mapper = self.parent.bind(task), self.mapper

        def lookup(key: Any) -> tuple[Any, int] | None:
            found = get(key)
            return None if found is None else (mapper(found[0]), found[1])
        return lookup


def join_rows(joiner: Any, left: Any, right: Any, keep_left: bool, keep_right: bool) -> Any:
    """The joined value of two rows, ``None`` when the join keeps neither side alone."""
    if left is not None and right is not None:
        return joiner(left, right)
    if left is not None and keep_left:
        return joiner(left, None)
    if right is not None and keep_right:
        return joiner(None, right)
    return None


class JoinGetter(ValueGetter):
    def __init__(self, left: ValueGetter, right: ValueGetter, joiner: Any, keep_left: bool,
                 keep_right: bool) -> None:
        self.left, self.right, self.joiner = left, right, joiner
        self.keep_left, self.keep_right = keep_left, keep_right

    def stores(self) -> list[str]:
        return self.left.stores() + self.right.stores()

    def bind(self, task: OperatorTask) -> Lookup:
        lget, rget = self.left.bind(task), self.right.bind(task)

        def lookup(key: Any) -> tuple[Any, int] | None:
            lv, rv = lget(key), rget(key)
            value = join_rows(self.joiner, lv and lv[0], rv and rv[0], self.keep_left, self.keep_right)
            if value is None:
                return None
            return value, max(lv[1] if lv else 0, rv[1] if rv else 0)
        return lookup
