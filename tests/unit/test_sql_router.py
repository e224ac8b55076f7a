"""SqlRouter: the CloudAir routes hold exactly what a direct DuckDB query selects; typing; build-time errors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from airstream.connectors.sql_router import RouteResult, SqlRouteError, SqlRouter, records_to_table

CLOUDAIR = {
    "all": "SELECT * FROM FLOWFILE",
    "negative": "SELECT * FROM FLOWFILE WHERE airlinesentiment = 'Negative'",
    "influencers": "SELECT * FROM FLOWFILE WHERE airlinesentiment = 'Negative' AND friendscount > 100",
    "cloudair": "SELECT * FROM FLOWFILE "
                "WHERE UPPER(tweettext) LIKE '%CLOUDERAAIR%' OR UPPER(tweettext) LIKE '%CLOUD%AIR%'",
}
TEXTS = ["@united lost my bag", "flying #CloudAir today", "cloud air is late", "Cloudera Air rocks",
         "@ClouderaAir ✈️ merci", "clear skies\nno clouds", "airline food", "Über cloudy air"]


def make_records(n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [{
        "tweetid": str(1000 + i),
        "tweettext": rng.choice(TEXTS),
        "airlinesentiment": rng.choice(["Negative", "Neutral", "Positive"]),
        "airlinepolarity": round(rng.uniform(-1, 1), 4),
        # 100 and 101 straddle the rule; 9 < 100 < 1000 would be reversed if compared as text.
        "friendscount": rng.choice([9, 99, 100, 101, 1000, 25_000, rng.randrange(0, 5000)]),
        "airline": rng.choice(["United", "Delta", None]),
    } for i in range(n)]


def direct(tmp_path: Path, records: list[dict], sql: str) -> list[str]:
    """The same query straight over a JSON file of the records, read by DuckDB itself."""
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(records))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW FLOWFILE AS SELECT * FROM read_json_auto('{path}')")
    return [row[0] for row in con.execute(f"SELECT tweetid FROM ({sql})").fetchall()]


@pytest.mark.parametrize("mode", ["sample", "schema", "inferred"])
def test_cloudair_routes_match_a_direct_duckdb_query(tmp_path: Path, mode: str) -> None:
    records = make_records(400)
    kwargs = {"sample": records[:5]} if mode == "sample" else {}
    if mode == "schema":
        kwargs = {"schema": records_to_table(records).schema}
    router = SqlRouter(CLOUDAIR, **kwargs)
    routed = router.route(records)
    for name, sql in CLOUDAIR.items():
        got = sorted(records[i]["tweetid"] for i in routed[name].indexes)
        assert got == sorted(direct(tmp_path, records, sql)), name
        assert routed[name].rows.column("tweetid").to_pylist() == [records[i]["tweetid"] for i in routed[name].indexes]
        assert routed[name].rows.column_names == list(records[0])
    # Sanity of the fixture data: every route is non-trivial.
    assert 0 < len(routed["influencers"]) < len(routed["negative"]) < len(routed["all"]) == 400
    assert 0 < len(routed["cloudair"]) < 400


def test_numbers_compare_as_numbers() -> None:
    router = SqlRouter({"big": "SELECT * FROM FLOWFILE WHERE friendscount > 100"})
    records = [{"friendscount": n} for n in (9, 99, 100, 101, 1000, 25_000)]
    assert [r["friendscount"] for r in router.split(records)["big"]] == [101, 1000, 25_000]


def test_a_record_may_match_several_routes_and_originals_are_forwarded() -> None:
    records = [{"id": i, "tag": {"deep": [i]}, "v": i} for i in range(6)]
    router = SqlRouter({"even": "SELECT id FROM FLOWFILE WHERE v % 2 = 0", "big": "SELECT * FROM FLOWFILE WHERE v > 3"})
    split = router.split(records)
    assert split == {"even": [records[0], records[2], records[4]], "big": [records[4], records[5]]}
    assert split["even"][0] is records[0]


def test_projection_rows_and_record_indexes() -> None:
    records = make_records(50)
    router = SqlRouter(
        {"p": "SELECT tweetid, friendscount * 2 AS double_friends FROM FLOWFILE WHERE friendscount > 100"})
    r = router.route(records)["p"]
    assert r.rows.column_names == ["tweetid", "double_friends"]
    assert r.indexes == [i for i, rec in enumerate(records) if rec["friendscount"] > 100]
    assert r.rows.column("double_friends").to_pylist() == [records[i]["friendscount"] * 2 for i in r.indexes]


@pytest.mark.parametrize("sql", [
    "SELECT airline, count(*) AS n FROM FLOWFILE GROUP BY airline ORDER BY airline",
    "SELECT DISTINCT airline FROM FLOWFILE ORDER BY airline",
    "SELECT count(*) AS n FROM FLOWFILE",
])
def test_aggregates_are_projection_routes(tmp_path: Path, sql: str) -> None:
    records = make_records(100)
    for kwargs in ({}, {"sample": records}):
        r = SqlRouter({"agg": sql}, **kwargs).route(records)["agg"]
        assert r.indexes is None
        con = duckdb.connect()
        con.register("FLOWFILE", pa.Table.from_pylist(records))
        assert [tuple(row.values()) for row in r.rows.to_pylist()] == con.execute(sql).fetchall()


@pytest.mark.parametrize(("routes", "fragment"), [
    ({"broken": "SELEC * FROM FLOWFILE"}, "broken"),
    ({"two": "SELECT 1; SELECT 2"}, "one SELECT"),
    ({"ddl": "DROP TABLE FLOWFILE"}, "ddl"),
    ({"ok": "SELECT * FROM FLOWFILE", "typo": "SELECT * FROM FLOWFILE WHERE frendscount > 100"}, "typo"),
    ({"types": "SELECT * FROM FLOWFILE WHERE airline > 3 AND airline + 1 = 2"}, "types"),
])
def test_bad_queries_fail_at_construction_with_route_name(routes: dict, fragment: str) -> None:
    with pytest.raises(SqlRouteError, match=fragment) as info:
        SqlRouter(routes, sample=make_records(3))
    assert "route" in str(info.value) or "SELECT" in str(info.value)


def test_misspelt_column_names_duckdb_candidate() -> None:
    with pytest.raises(SqlRouteError) as info:
        SqlRouter({"typo": "SELECT * FROM FLOWFILE WHERE frendscount > 100"}, sample=make_records(3))
    assert "frendscount" in str(info.value) and "friendscount" in str(info.value)


def test_missing_and_mixed_fields() -> None:
    records = [{"a": 1, "b": "x"}, {"a": 2.5}, {"b": 7}, {"a": None, "c": True}]
    table = records_to_table(records)
    assert table.schema.field("a").type == pa.float64()
    assert table.column("b").to_pylist() == ["x", None, "7", None]
    router = SqlRouter({"a": "SELECT * FROM FLOWFILE WHERE a >= 1", "nulls": "SELECT * FROM FLOWFILE WHERE a IS NULL"})
    assert router.split(records) == {"a": [records[0], records[1]], "nulls": [records[2], records[3]]}


def test_schema_mode_nulls_missing_fields_and_rejects_bad_values() -> None:
    schema = pa.schema([("id", pa.string()), ("friendscount", pa.int64())])
    router = SqlRouter({"big": "SELECT * FROM FLOWFILE WHERE friendscount > 100"}, schema=schema)
    assert router.split([{"id": "a", "friendscount": 500, "extra": 1}, {"id": "b"}]) == {
        "big": [{"id": "a", "friendscount": 500, "extra": 1}]}
    with pytest.raises(SqlRouteError, match="friendscount"):
        router.route([{"id": "c", "friendscount": "lots"}])


def test_arrow_input_and_empty_batches() -> None:
    records = make_records(30)
    router = SqlRouter(CLOUDAIR)
    from_arrow = router.route(pa.Table.from_pylist(records))
    from_dicts = router.route(records)
    assert {n: r.indexes for n, r in from_arrow.items()} == {n: r.indexes for n, r in from_dicts.items()}
    from_batch = router.route(pa.Table.from_pylist(records).to_batches()[0])
    assert from_batch["negative"].indexes == from_dicts["negative"].indexes
    empty = router.route([])
    assert all(isinstance(r, RouteResult) and len(r) == 0 and r.indexes == [] for r in empty.values())
    typed = SqlRouter(CLOUDAIR, sample=records)
    assert all(len(r) == 0 for r in typed.route([]).values())


def test_no_routes_is_an_error() -> None:
    with pytest.raises(SqlRouteError, match="at least one route"):
        SqlRouter({})
