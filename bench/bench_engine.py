"""Embedded engine vs a hand-written loop: filter -> map_values -> split -> to on JSON tweets.

Both sides start from the same serialized tweets (key and JSON value bytes) and end with the
serialized, routed output records: the loop decodes with orjson, filters, projects, encodes
and appends to one of two lists; the engine reads the records from an embedded topic, runs
the compiled topology (fused stateless chain, batch deserialization) and appends the outputs
to two embedded topics, committing offsets. Target: the engine at least half the loop's rate.

    python -m bench --only engine --records 100000
"""

from __future__ import annotations

import csv
import gc
import time
from pathlib import Path
from typing import Any

import orjson

from airstream.topology import Serdes, StreamsBuilder, Topology
from airstream.topology.engine import EmbeddedCluster, EmbeddedEngine
from bench import Options, Result

__all__ = ["DEFAULT_RECORDS", "hand_loop", "make_records", "results", "topology"]

DEFAULT_RECORDS = 1_000_000
DATA = Path("/work/shared/data/airline_tweets.csv")
_FALLBACK = [{"airline_sentiment": s, "airline": a, "text": f"@{a} flight {i}", "retweet_count": "0",
              "name": "user"} for i, (s, a) in enumerate([("negative", "Delta"), ("neutral", "United"),
                                                           ("positive", "Virgin America")])]


def make_records(count: int) -> list[tuple[bytes, bytes]]:
    """``count`` tweet-shaped (key, JSON value) pairs cycled from the sample data."""
    rows = list(csv.DictReader(DATA.open(encoding="utf-8"))) if DATA.exists() else _FALLBACK
    out = []
    for i in range(count):
        row = rows[i % len(rows)]
        tweet_id = str(570_000_000_000_000_000 + i)
        value = {"id_str": tweet_id, "airline": row["airline"], "sentiment": row["airline_sentiment"],
                 "text": row["text"], "user": row["name"], "retweets": int(row["retweet_count"] or 0),
                 "lang": "en"}
        out.append((tweet_id.encode(), orjson.dumps(value)))
    return out


def _keep(key: Any, tweet: dict[str, Any]) -> bool:
    return tweet["sentiment"] != "neutral"


def _project(tweet: dict[str, Any]) -> dict[str, Any]:
    return {"id": tweet["id_str"], "airline": tweet["airline"], "sentiment": tweet["sentiment"],
            "text": tweet["text"]}


def _negative(key: Any, tweet: dict[str, Any]) -> bool:
    return tweet["sentiment"] == "negative"


def topology() -> Topology:
    """The benchmarked topology."""
    b = StreamsBuilder()
    branches = (b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
                .filter(_keep)
                .map_values(_project)
                .split(prefix="to-")
                .branch(_negative, name="negative")
                .default_branch(name="positive"))
    branches["to-negative"].to("negative-tweets", value_serde=Serdes.Json())
    branches["to-positive"].to("positive-tweets", value_serde=Serdes.Json())
    return b.build()


def hand_loop(records: list[tuple[bytes, bytes]]) -> tuple[list[Any], list[Any]]:
    """The same work written by hand."""
    loads, dumps = orjson.loads, orjson.dumps
    negative: list[Any] = []
    positive: list[Any] = []
    for key, raw in records:
        tweet = loads(raw)
        sentiment = tweet["sentiment"]
        if sentiment == "neutral":
            continue
        out = dumps({"id": tweet["id_str"], "airline": tweet["airline"], "sentiment": sentiment,
                     "text": tweet["text"]})
        (negative if sentiment == "negative" else positive).append((key, out))
    return negative, positive


def _time(fn: Any) -> float:
    # CPU time of this process: the development machines are shared, and wall-clock time
    # would charge other processes' load to whichever side ran at the wrong moment.
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def _loop_run(records: list[tuple[bytes, bytes]]) -> tuple[float, int]:
    outputs: list[Any] = []
    seconds = _time(lambda: outputs.extend(hand_loop(records)))
    return seconds, sum(len(side) for side in outputs)


def _engine_run(records: list[tuple[bytes, bytes]]) -> tuple[float, int]:
    cluster = EmbeddedCluster()
    for key, value in records:
        cluster.produce("tweets", key, value, 0)
    engine = EmbeddedEngine(topology(), {"application.id": "bench"}, cluster)
    seconds = _time(engine.run_until_idle)
    return seconds, sum(len(cluster.read(t, 0, 0)) for t in ("negative-tweets", "positive-tweets"))


def results(options: Options) -> list[Result]:
    """Run both sides alternately (best of three each, so machine load hits both alike) and
    report rates and the ratio."""
    count = options.records or DEFAULT_RECORDS
    records = make_records(count)
    loop_s = engine_s = float("inf")
    expected = produced = 0
    for _ in range(3):
        seconds, expected = _loop_run(records)
        loop_s = min(loop_s, seconds)
        seconds, produced = _engine_run(records)
        engine_s = min(engine_s, seconds)
    if produced != expected:
        raise AssertionError(f"engine produced {produced} records, the loop {expected}")
    ratio = loop_s / engine_s
    return [
        Result("engine", "hand-written loop", count, loop_s, "baseline"),
        Result("engine", "embedded engine", count, engine_s,
               f"{ratio:.2f}x the loop (target >= 0.50x)", {"ratio": ratio}),
    ]
