"""SQL routing over micro-batches, like NiFi's QueryRecord: each named query selects its own records.

Each micro-batch is exposed to DuckDB as the table ``FLOWFILE`` (an Arrow table, registered without a
copy) and every route's query runs over it. A route answers with the positions of the records it
matched, so the caller forwards the *original* records (a record may match several routes), and with
the rows the query produced, for queries that project or compute columns::

    from airstream.connectors.sql_router import SqlRouter

    router = SqlRouter({
        "all": "SELECT * FROM FLOWFILE",
        "negative": "SELECT * FROM FLOWFILE WHERE airlinesentiment = 'Negative'",
        "influencers": "SELECT tweetid, friendscount FROM FLOWFILE "
                       "WHERE airlinesentiment = 'Negative' AND friendscount > 100",
    }, sample=[{"tweetid": "1", "airlinesentiment": "Negative", "friendscount": 250}])

    routed = router.route(records)
    routed["influencers"].indexes     # [3, 17, ...]: records[3], records[17] matched
    routed["influencers"].rows        # pyarrow.Table with columns tweetid, friendscount
    router.split(records)["negative"] # the original record dicts

How records become columns (so ``friendscount > 100`` compares numbers, not text):

- With ``schema=`` (a ``pyarrow.Schema``) or ``sample=`` (records the schema is inferred from), every
  batch is converted to that schema: fields missing from a record are NULL, fields not in the schema
  are not visible to SQL, and a value that does not fit its column's type is an error naming it.
  Queries are checked against the schema when the router is built, so a misspelt column fails then.
- Without either, each batch's types are inferred per column: numbers stay numbers (ints and floats
  mixed make DOUBLE), a field missing from some records is NULL there, and a column whose values mix
  kinds (say numbers and strings) becomes VARCHAR, non-strings JSON-encoded. Syntax is still checked at
  build time; column names only when the first batch arrives.

A query whose rows are not records of the batch (aggregates, ``DISTINCT``, set operations) is a
*projection route*: its ``indexes`` are ``None`` and only ``rows`` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import orjson
import pyarrow as pa

__all__ = ["RouteResult", "SqlRouteError", "SqlRouter", "records_to_table"]

_ROW = "__airstream_row"
_MATCH = "__airstream_match"
_TABLE = "FLOWFILE"

Batch: TypeAlias = Sequence[Mapping[str, Any]] | pa.Table | pa.RecordBatch


class SqlRouteError(ValueError):
    """A route's query is invalid, or a batch cannot be queried; the message names the route."""


@dataclass(frozen=True)
class RouteResult:
    """What one route selected from a batch.

    ``indexes[i]`` is the position in the batch of the record behind ``rows[i]``; ``indexes`` is
    ``None`` for projection routes (aggregates, ``DISTINCT``, set operations).
    """

    name: str
    indexes: list[int] | None
    rows: pa.Table

    def __len__(self) -> int:
        num_rows: int = self.rows.num_rows  # pyarrow is untyped
        return num_rows


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed kinds in one column: text is the one type every value can be compared as.
        return pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values],
                        type=pa.string())


def records_to_table(records: Sequence[Mapping[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """The Arrow table ``FLOWFILE`` is made of, typed as described in the module docs.

    >>> records_to_table([{"n": 1, "s": "a"}, {"n": 2.5}]).schema.types
    [DataType(double), DataType(string)]
    """
    if schema is not None:
        columns = []
        for field in schema:
            values = [r.get(field.name) for r in records]
            try:
                columns.append(pa.array(values, type=field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise SqlRouteError(f"field {field.name!r} has a value that is not {field.type}: {exc}. "
                                    f"Fix the records or declare the column's type in the schema") from None
        return pa.Table.from_arrays(columns, schema=schema)
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return pa.table({name: _column([r.get(name) for r in records]) for name in names})


def _arrow(result: Any) -> pa.Table:
    # DuckDB 2 renamed fetch_arrow_table() to to_arrow_table(); the extra allows both.
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch()


@dataclass
class _Route:
    name: str
    sql: str
    tracked_sql: str | None  # the query plus the row-position column, when its rows are batch records


class SqlRouter:
    """Named SQL queries over micro-batches exposed as the table ``FLOWFILE``.

    Args:
        routes: route name -> ``SELECT ... FROM FLOWFILE ...`` query.
        schema: the records' Arrow schema; queries are validated against it at construction.
        sample: records to infer the schema from, when you have examples rather than a schema.

    Raises:
        SqlRouteError: a query does not parse or (with a schema) does not bind; the message carries the
            route name and DuckDB's error.
    """

    def __init__(self, routes: Mapping[str, str], *, schema: pa.Schema | None = None,
                 sample: Sequence[Mapping[str, Any]] | None = None) -> None:
        import duckdb

        if not routes:
            raise SqlRouteError("SqlRouter needs at least one route: {'name': 'SELECT * FROM FLOWFILE WHERE ...'}")
        if schema is None and sample:
            schema = records_to_table(sample).schema
        self.schema = schema
        self._duckdb = duckdb
        self._con = duckdb.connect()
        self._lock = threading.Lock()
        self._routes = [self._compile(name, sql) for name, sql in routes.items()]
        self._bound = False
        if schema is not None:
            self._bind(self._with_rows(schema.empty_table()))

    def __repr__(self) -> str:
        return f"SqlRouter(routes={[r.name for r in self._routes]!r})"

    @property
    def routes(self) -> dict[str, str]:
        """Route name -> query, as given."""
        return {r.name: r.sql for r in self._routes}

    def _compile(self, name: str, sql: str) -> _Route:
        parsed = orjson.loads(self._con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0])
        if parsed.get("error"):
            raise SqlRouteError(f"route {name!r}: {parsed.get('error_message', 'invalid SQL')}: {sql}")
        if len(parsed["statements"]) != 1:
            raise SqlRouteError(f"route {name!r}: expected one SELECT statement, got {len(parsed['statements'])}")
        node = parsed["statements"][0]["node"]
        if node.get("type") != "SELECT_NODE" or any(
            m.get("type") == "DISTINCT_MODIFIER" for m in node.get("modifiers", [])
        ):
            return _Route(name, sql, None)
        node["select_list"].append(
            {"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": _MATCH, "column_names": [_ROW]}
        )
        tracked = self._con.execute("SELECT json_deserialize_sql(?::JSON)",
                                    [orjson.dumps(parsed).decode()]).fetchall()[0][0]
        return _Route(name, sql, tracked)

    def _bind(self, table: pa.Table) -> None:
        """Check every query binds against ``table``; routes whose rows are not records lose tracking."""
        self._con.register(_TABLE, table)
        try:
            for route in self._routes:
                try:
                    self._con.execute(f"DESCRIBE {route.sql}").fetchall()
                except self._duckdb.Error as exc:
                    raise SqlRouteError(f"route {route.name!r}: {exc}\n  query: {route.sql}") from None
                if route.tracked_sql is not None:
                    try:
                        self._con.execute(f"DESCRIBE {route.tracked_sql}").fetchall()
                    except self._duckdb.Error:
                        # It binds as written but not with a row column added: an aggregate.
                        route.tracked_sql = None
        finally:
            self._con.unregister(_TABLE)
        self._bound = True

    @staticmethod
    def _with_rows(table: pa.Table) -> pa.Table:
        return table.append_column(_ROW, pa.array(range(table.num_rows), type=pa.int64()))

    def table(self, batch: Batch) -> pa.Table:
        """The batch as the Arrow table queries see (without the internal row-position column)."""
        if isinstance(batch, pa.RecordBatch):
            return pa.Table.from_batches([batch])
        if isinstance(batch, pa.Table):
            return batch
        return records_to_table(batch, self.schema)

    def route(self, batch: Batch) -> dict[str, RouteResult]:
        """Run every route's query over one batch; route name -> :class:`RouteResult`."""
        table = self._with_rows(self.table(batch))
        if table.num_rows == 0 and self.schema is None:
            # No records, no columns to bind the queries to: nothing matched.
            empty = pa.table({})
            return {r.name: RouteResult(r.name, [] if r.tracked_sql else None, empty) for r in self._routes}
        with self._lock:
            if not self._bound:
                self._bind(table.slice(0, 0))
            self._con.register(_TABLE, table)
            try:
                out = {}
                for route in self._routes:
                    try:
                        result = _arrow(self._con.sql(route.tracked_sql or route.sql))
                    except self._duckdb.Error as exc:
                        raise SqlRouteError(f"route {route.name!r} failed on a batch of {table.num_rows} "
                                            f"records: {exc}") from None
                    indexes = None
                    if route.tracked_sql is not None:
                        indexes = result.column(_MATCH).to_pylist()
                    internal = [c for c in result.column_names if c in (_ROW, _MATCH)]
                    out[route.name] = RouteResult(route.name, indexes, result.drop_columns(internal))
                return out
            finally:
                self._con.unregister(_TABLE)

    def split(self, records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """Route name -> the original records it matched (projection routes: their result rows as dicts).

        >>> router = SqlRouter({"big": "SELECT * FROM FLOWFILE WHERE n > 1"})
        >>> router.split([{"n": 1}, {"n": 5}])
        {'big': [{'n': 5}]}
        """
        routed = self.route(records)
        return {name: [records[i] for i in r.indexes] if r.indexes is not None else r.rows.to_pylist()
                for name, r in routed.items()}

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()
