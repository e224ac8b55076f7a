"""The CloudAir topology on declared record types (``[pipeline] typed``) gives the dict topology's results:
the same tweets in every topic, the same dead letters, the same Parquet rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cloudair.config import load_config  # noqa: E402
from cloudair.demo import connected, run_embedded  # noqa: E402
from cloudair.pipeline import DLQ, FAILURES, FILTERED, INGEST, output_topics  # noqa: E402

from airstream.topology.engine.cluster import EmbeddedCluster  # noqa: E402

pytestmark = pytest.mark.e2e


def _tweet(i: int, **fields: Any) -> dict[str, Any]:
    tweet = {"id_str": str(9000 + i), "text": f"@united flight {i} was late", "lang": "en",
             "created_at": "Tue Feb 24 19:15:48 +0000 2015", "timestamp_ms": "1424805348000", "retweet_count": 0,
             "entities": {"hashtags": [{"text": "fail", "indices": [0, 5]}]},
             "user": {"name": f"user{i}", "location": "SFO", "friends_count": 150, "followers_count": 9,
                      "profile_image_url": "http://x/y.png"}}
    tweet.update(fields)
    return tweet


# Records beside the replayed sample that take every way out of the filter and the flattening.
ODD_RECORDS = [
    b"{not json",  # unreadable: the dead-letter topic
    b"[1, 2]",  # JSON, but not a tweet
    orjson.dumps({"text": "@united no id"}),  # no id_str: not a tweet
    orjson.dumps(_tweet(1, lang="es")),
    orjson.dumps(_tweet(2, text="nothing about airlines")),
    orjson.dumps(_tweet(3, user={"friends_count": "150", "name": None})),  # a count as a string, a null name
    orjson.dumps(_tweet(4, user=None, entities=None, timestamp_ms=1424805348001)),
    orjson.dumps(_tweet(5, retweet_count=3.0, text="  #JetBlue   spaces\tand\nlines ")),
    orjson.dumps({k: v for k, v in _tweet(6).items() if k != "user"}),  # no user: the name hashes as ""
]


def _run(tmp_path: Path, typed: bool) -> tuple[EmbeddedCluster, Any, list[tuple[Any, ...]]]:
    parquet = tmp_path / f"parquet-typed-{typed}"
    config = load_config(env={}, parquet_location=str(parquet), pipeline_typed=typed)
    cluster = EmbeddedCluster()
    cluster.create_topic(INGEST, 3)
    for i, value in enumerate(ODD_RECORDS):
        cluster.produce(INGEST, f"odd-{i}".encode(), value, 0)
    with connected(config) as (config, parts, _server):
        summary = run_embedded(config, parts, lambda n: None, cluster)
    rows = duckdb.connect().execute(
        f"SELECT * FROM read_parquet('{parquet}/**/*.parquet', hive_partitioning = true) ORDER BY tweetid").fetchall()
    return cluster, summary, rows


def _values(cluster: EmbeddedCluster, topic: str) -> list[tuple[bytes | None, Any]]:
    return sorted(((r.key, orjson.loads(r.value)) for r in cluster.records_in_order(topic)), key=repr)


def test_the_typed_topology_gives_the_dict_topologys_results_record_for_record(tmp_path: Path) -> None:
    dicts, dict_summary, dict_rows = _run(tmp_path, typed=False)
    typed, typed_summary, typed_rows = _run(tmp_path, typed=True)

    config = load_config(env={})
    for topic in output_topics(config):
        if topic in (INGEST, DLQ):
            continue
        assert _values(typed, topic) == _values(dicts, topic), topic
    assert typed_rows == dict_rows and len(typed_rows) == dict_summary.scored > 500
    assert typed_summary.filtered == dict_summary.filtered
    assert dict_summary.filtered["not a tweet"] == 2 and typed_summary.adds_up
    # The one dead letter: the unreadable record, from the same offset.
    dead = {topic: [(r.value, dict(r.headers)["__streams.errors.offset"]) for r in c.records_in_order(DLQ)]
            for topic, c in (("dict", dicts), ("typed", typed))}
    assert dead["typed"] == dead["dict"] and [v for v, _ in dead["dict"]] == [b"{not json"]
    assert {orjson.loads(r.value)["reason"] for r in typed.records_in_order(FILTERED)} == {
        "not a tweet", "not English", "no tracked airline"}
    assert not typed.records_in_order(FAILURES)
