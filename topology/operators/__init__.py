"""Every DSL operator, implemented once, by family.

- :mod:`~airstream.topology.operators.base` -- the contract: :class:`OperatorTask` (what an
  operator may ask of its task), :class:`Runtime`, :class:`Spec`, :class:`Stateless`;
- :mod:`~airstream.topology.operators.getters` -- table lookups for joins;
- :mod:`~airstream.topology.operators.tables` -- table sources, filters, mapped values, group-by,
  aggregation, table-table joins;
- :mod:`~airstream.topology.operators.aggregates` -- stream aggregations, windows, sessions, suppress;
- :mod:`~airstream.topology.operators.joins` -- stream-table and stream-stream joins;
- :mod:`~airstream.topology.operators.fk_join` -- the foreign-key table join;
- :mod:`~airstream.topology.operators.custom` -- ``KStream.process`` and its processor context;
- :mod:`~airstream.topology.operators.batch` -- batch mapping, batch routing and sinks.

Stateless operators are fused by :mod:`airstream.topology.compile` into generated Python
functions; every other operator's :meth:`Spec.create` makes a runtime per task.
"""

from airstream.topology.operators.aggregates import (
    Aggregate,
    SessionAggregate,
    Suppress,
    WindowAggregate,
    count_add,
    count_init,
)
from airstream.topology.operators.base import (
    Cancellable,
    Forward,
    Lookup,
    OperatorSpec,
    OperatorTask,
    Runtime,
    Spec,
    Stateless,
    StatelessKind,
    ValueGetter,
    key_not_none,
    overrides,
)
from airstream.topology.operators.batch import BatchFn, BatchRoute, Routed, SinkWrite, route_value
from airstream.topology.operators.custom import CustomProcessor
from airstream.topology.operators.fk_join import (
    FK_RESPONSE_SERDE,
    FK_SUBSCRIPTION_SERDE,
    FkResolve,
    FkRightUpdate,
    FkSubscriptionReceive,
    FkSubscriptionSend,
    value_hash,
)
from airstream.topology.operators.getters import FilterGetter, JoinGetter, MapValuesGetter, StoreGetter, join_rows
from airstream.topology.operators.joins import JoinWindowBuffer, SharedJoinState, StreamStreamJoin, StreamTableJoin
from airstream.topology.operators.tables import (
    TableAggregate,
    TableFilter,
    TableMapValues,
    TableRepartitionMap,
    TableSource,
    TableTableJoin,
    table_count_add,
    table_count_sub,
)

__all__ = [
    "FK_RESPONSE_SERDE",
    "FK_SUBSCRIPTION_SERDE",
    "Aggregate",
    "BatchFn",
    "BatchRoute",
    "Cancellable",
    "CustomProcessor",
    "FilterGetter",
    "FkResolve",
    "FkRightUpdate",
    "FkSubscriptionReceive",
    "FkSubscriptionSend",
    "Forward",
    "JoinGetter",
    "JoinWindowBuffer",
    "Lookup",
    "MapValuesGetter",
    "OperatorSpec",
    "OperatorTask",
    "Routed",
    "Runtime",
    "SessionAggregate",
    "SharedJoinState",
    "SinkWrite",
    "Spec",
    "Stateless",
    "StatelessKind",
    "StoreGetter",
    "StreamStreamJoin",
    "StreamTableJoin",
    "Suppress",
    "TableAggregate",
    "TableFilter",
    "TableMapValues",
    "TableRepartitionMap",
    "TableSource",
    "TableTableJoin",
    "ValueGetter",
    "WindowAggregate",
    "count_add",
    "count_init",
    "join_rows",
    "key_not_none",
    "overrides",
    "route_value",
    "table_count_add",
    "table_count_sub",
    "value_hash",
]
