"""The trace model: metrics records added up into producers, hops, per-minute counts and paths."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from airstream.common.traces.header import forwarder
from airstream.monitor.traces import TraceAccumulator, attribute, hop_latencies, inactive_producers
from airstream.topology.tracing import LatencyHistogram

MIN = 60_000


def _hist(*values: int) -> dict[str, Any]:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    return h.as_dict()


def _row(topic: str, count: int, *, origin: str | None = "p1", hop: int | None = 0, via: str = "",
         bucket: int = 0, partition: int = 0, latency: dict | None = None, e2e: dict | None = None) -> dict:
    return {"topic": topic, "partition": partition, "bucket": bucket, "origin": origin, "hop": hop, "via": via,
            "count": count, "latency": latency, "e2e": e2e}


def _produced(client: str, *rows: dict, last_ms: int = 0, host: str = "h1") -> dict:
    return {"v": 1, "kind": "producer", "client_id": client, "group": None, "host": host, "last_ms": last_ms,
            "rows": list(rows)}


def _consumed(group: str, *samples: dict, client: str | None = None, sample_rate: float | None = None,
              counts: list[dict] | None = None) -> dict:
    """A consumer record; with ``sample_rate=None`` the samples are every record, so the counts follow."""
    if counts is None:
        totals: dict[tuple, int] = {}
        for r in samples:
            key = (r["topic"], r["partition"], r["bucket"])
            totals[key] = totals.get(key, 0) + r["count"]
        counts = [{"topic": t, "partition": p, "bucket": b, "count": n} for (t, p, b), n in totals.items()]
    return {"v": 1, "kind": "consumer", "client_id": client or f"{group}-1", "group": group, "last_ms": 0,
            "sample_rate": sample_rate, "rows": counts, "samples": list(samples)}


def test_deltas_add_up_per_hop_and_minute_and_show_what_is_missing() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 10, partition=-1), _row("t", 5, partition=-1, bucket=MIN)))
    acc.add(_produced("p1", _row("t", 4, partition=-1, bucket=MIN)))  # the next publish of the same minute
    acc.add(_consumed("g", _row("t", 6, latency=_hist(*[5] * 6))))
    acc.add(_consumed("g", _row("t", 4, partition=1, latency=_hist(*[7] * 4)),  # another member, same group
                      _row("t", 7, bucket=MIN, latency=_hist(*[9] * 7)), client="g-2"))
    hop = acc.model(now=100).hop("p1", "t", "g")
    assert (hop.produced, hop.consumed, hop.missing) == (19, 17, 2)
    assert [(m.minute, m.produced, m.consumed, m.missing) for m in hop.minutes] == [(0.0, 10, 10, 0),
                                                                                    (60.0, 9, 7, 2)]
    assert (hop.latency.count, hop.latency.min_ms, hop.latency.max_ms) == (17, 5, 9)
    assert hop.consumers == ("g-1", "g-2") and hop.producers == ("p1",)
    assert hop.e2e == hop.latency  # hop 0: end to end is the hop itself


def test_p99_is_merged_from_histograms_not_averaged() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 100)))
    acc.add(_consumed("g", _row("t", 95, latency=_hist(*[10] * 95))))
    acc.add(_consumed("g", _row("t", 5, latency=_hist(*[4_000] * 5))))
    stats = acc.model(now=1).hop("p1", "t", "g").latency
    # 5 % of the records took 4 s: the p99 says so (an average of the deltas' p99s would say ~2 s).
    assert stats.p99_ms == 4_000 and stats.min_ms == 10 and stats.avg_ms == pytest.approx(209.5)


def _pipeline() -> TraceAccumulator:
    """p1, p2 -> tweets -> {dash, app}; app -> scored -> {sink, audit}; audit -> archive (nobody reads)."""
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("tweets", 10)))
    acc.add(_produced("p2", _row("tweets", 3, origin="p2")))
    for group in ("dash", "app"):
        acc.add(_consumed(group, _row("tweets", 10, latency=_hist(20)), _row("tweets", 3, origin="p2",
                                                                                latency=_hist(30))))
    acc.add(_produced("app-out", _row("scored", 10, hop=1, via="app"), _row("scored", 3, origin="p2", hop=1,
                                                                           via="app")))
    for group in ("sink", "audit"):
        acc.add(_consumed(group, _row("scored", 10, hop=1, via="app", latency=_hist(50), e2e=_hist(500)),
                          _row("scored", 3, origin="p2", hop=1, via="app", latency=_hist(60), e2e=_hist(600))))
    acc.add(_produced("audit-out", _row("archive", 10, hop=2, via="audit")))
    return acc


def test_multi_hop_paths_are_rebuilt_from_origin_and_hop_counts() -> None:
    model = _pipeline().model(now=1)
    assert sorted(p.text for p in model.paths_from("p1")) == [
        "p1 -> tweets -> app -> scored -> audit -> archive -> (no reader)",
        "p1 -> tweets -> app -> scored -> sink",
        "p1 -> tweets -> dash",
    ]
    to_sink = next(p for p in model.paths_from("p2") if p.nodes[-1] == "sink")
    assert [h.consumed for h in to_sink.hops] == [3, 3] and to_sink.e2e.max_ms == 600
    assert [p.text for p in model.paths_through("audit")] == [
        "p1 -> tweets -> app -> scored -> audit -> archive -> (no reader)", "p2 -> tweets -> app -> scored -> audit"]


def test_a_forwarding_group_is_one_writer_summed_over_origins() -> None:
    model = _pipeline().model(now=1)
    hop = model.hop("app", "scored", "sink")
    assert (hop.produced, hop.consumed, hop.producers, hop.origin) == (13, 13, ("app-out",), None)
    assert hop.latency.max_ms == 60 and hop.e2e.max_ms == 600
    assert model.hop("audit", "archive", None).missing is None  # nobody reads it: nothing is "missing"
    assert {h.text for h in model.hops_for(producer="app-out")} == {"app -> scored -> sink", "app -> scored -> audit"}
    assert {h.group for h in model.hops_for(topic="tweets")} == {"dash", "app"}


def test_producers_topics_hosts_and_inactivity() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("busy", _row("a", 2, origin="busy", partition=-1), last_ms=990_000, host="h1"))
    acc.add(_produced("busy", _row("a", 1, origin="busy", partition=3), _row("b", 1, origin="busy"),
                      last_ms=995_000, host="h2"))
    acc.add(_produced("quiet", _row("a", 1, origin="quiet"), last_ms=600_000))
    model = acc.model(now=1_000.0, inactive_after=60)
    busy, quiet = model.producer("busy"), model.producer("quiet")
    assert (busy.produced, busy.active, busy.last_seen, busy.hosts) == (4, True, 995.0, ("h1", "h2"))
    assert [(t.topic, t.produced, t.partitions) for t in busy.topics] == [("a", 3, (3,)), ("b", 1, (0,))]
    assert (quiet.active, quiet.last_seen) == (False, 600.0)
    assert [p.client_id for p in inactive_producers(model)] == ["quiet"]
    assert inactive_producers(model, client_id="b*") == []
    assert acc.model(now=1_000.0, inactive_after=500).producer("quiet").active


def test_untraced_records_are_counted_with_an_unknown_writer() -> None:
    acc = TraceAccumulator()
    acc.add(_consumed("g", _row("legacy", 7, origin=None, hop=None, latency=_hist(100))))
    hop = acc.model(now=1).hop("?", "legacy", "g")
    assert (hop.origin, hop.produced, hop.consumed, hop.missing) == (None, None, 7, None)
    assert [m.produced for m in hop.minutes] == [None]
    assert acc.model(now=1).paths == ()


def test_old_minutes_leave_the_window() -> None:
    acc = TraceAccumulator(window=600)
    acc.add(_produced("p1", _row("t", 1, bucket=0), _row("t", 2, bucket=3_600_000)))
    model = acc.model(now=3_700)
    hop = model.hop("p1", "t", None)
    assert hop.produced == 2 and [m.minute for m in hop.minutes] == [3600.0]
    assert model.producer("p1").produced == 2


def test_hop_latencies_for_alert_rules() -> None:
    acc = TraceAccumulator()
    for minute, lat in enumerate((10, 20, 3_000, 30)):
        acc.add(_consumed("slow-sink", _row("t", 1, bucket=minute * MIN, latency=_hist(lat), e2e=_hist(lat * 2),
                                            hop=1, via="app")))
    acc.add(_consumed("other", _row("t", 1, latency=_hist(1))))
    model = acc.model(now=1)
    [recent] = hop_latencies(model, group="slow-*", minutes=2)
    assert (recent.p99_ms, recent.max_ms, recent.e2e_p99_ms) == (3_000, 3_000, 6_000)
    [older] = hop_latencies(model, group="slow-*", minutes=1)
    assert older.p99_ms == 30
    assert {x.hop.group for x in hop_latencies(model)} == {"slow-sink", "other"}


def _count(topic: str, count: int, bucket: int = 0, partition: int = 0) -> dict:
    return {"topic": topic, "partition": partition, "bucket": bucket, "count": count}


def test_sampled_counts_are_attributed_exactly_once_a_group_has_read_everything() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 600)))
    acc.add(_produced("p2", _row("t", 400, origin="p2")))
    # 1,000 records read; the sample happened to see p1 20 times and p2 11 times.
    acc.add(_consumed("g", _row("t", 20, latency=_hist(*[5] * 20)),
                      _row("t", 11, origin="p2", latency=_hist(*[7] * 11)),
                      sample_rate=100, counts=[_count("t", 1_000)]))
    model = acc.model(now=1)
    assert (model.hop("p1", "t", "g").consumed, model.hop("p2", "t", "g").consumed) == (600, 400)
    assert model.hop("p1", "t", "g").latency.count == 20  # latency is over the sample


def test_a_group_behind_gets_a_share_by_its_sample_and_never_more_than_was_produced() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 600)))
    acc.add(_produced("p2", _row("t", 400, origin="p2")))
    acc.add(_consumed("g", _row("t", 19), sample_rate=100, counts=[_count("t", 640)]))  # only p1 seen so far
    model = acc.model(now=1)
    first, second = model.hop("p1", "t", "g"), model.hop("p2", "t", "g")
    assert (first.consumed, first.missing, second.consumed, second.missing) == (600, 0, 40, 360)


def test_with_every_header_read_the_per_path_counts_are_the_consumer_s_own() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 600)))
    acc.add(_produced("p2", _row("t", 400, origin="p2")))
    acc.add(_consumed("g", _row("t", 300), _row("t", 340, origin="p2")))  # behind, but it knows exactly on what
    model = acc.model(now=1)
    assert (model.hop("p1", "t", "g").consumed, model.hop("p2", "t", "g").consumed) == (300, 340)


def test_records_beyond_what_traced_producers_reported_go_to_untraced_only_if_the_sample_saw_untraced() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 10)))
    acc.add(_consumed("g", _row("t", 1), _row("t", 1, origin=None, hop=None), sample_rate=100,
                      counts=[_count("t", 25)]))
    model = acc.model(now=1)
    assert model.hop("p1", "t", "g").consumed == 10 and model.hop("?", "t", "g").consumed == 15


def test_a_group_ahead_of_the_producers_latest_report_reads_no_untraced_writer() -> None:
    # The producer publishes its counts every few seconds; the group has already read records of the
    # current minute that its last report does not count yet. They are the traced producer's, not "?".
    acc = TraceAccumulator()
    acc.add(_produced("p1", _row("t", 10)))
    acc.add(_consumed("g", _row("t", 3), sample_rate=100, counts=[_count("t", 25)]))
    model = acc.model(now=1)
    assert [h.writer for h in model.hops] == ["p1"] and model.hop("p1", "t", "g").consumed == 25


@pytest.mark.parametrize(("consumed", "produced", "sampled", "expected"), [
    (0, {"a": 5}, {}, {"a": 0}),
    (5, {"a": 5}, {}, {"a": 5}),
    (7, {"a": 3, "b": 4}, {"b": 9}, {"a": 3, "b": 4}),
    (4, {"a": 3, "b": 4}, {"b": 9}, {"a": 0, "b": 4}),
    (5, {"a": 3, "b": 4}, {"b": 9}, {"a": 1, "b": 4}),
    (3, {"a": 1, "b": 1, "c": 1}, {}, {"a": 1, "b": 1, "c": 1}),
    (2, {"a": 1, "b": 1, "c": 1}, {}, {"a": 1, "b": 1, "c": 0}),
    (9, {"a": 3}, {"x": 2, "y": 1}, {"a": 3, "x": 4, "y": 2}),
])
def test_attribution_table(consumed: int, produced: dict, sampled: dict, expected: dict) -> None:
    path = {name: (name, 0, "") for name in "abcxy"}
    got = attribute(consumed, {path[k]: v for k, v in produced.items()}, {path[k]: v for k, v in sampled.items()})
    assert got == {path[k]: v for k, v in expected.items()}
    assert sum(got.values()) == consumed


@pytest.mark.parametrize(("record", "says"), [
    ({"kind": "producer"}, "client_id"),
    ({"v": 2, "kind": "producer", "client_id": "p", "rows": []}, "unknown version 2"),
    ({"v": 1, "kind": "broker", "client_id": "p", "rows": []}, "kind 'broker'"),
    ({"v": 1, "kind": "consumer", "client_id": "p", "rows": [{"topic": "t"}]}, "bucket"),
    ({"v": 1, "kind": "consumer", "client_id": "p", "rows": [], "samples": [{"topic": "t"}]}, "origin"),
    ({"v": 1, "kind": "consumer", "client_id": "p", "rows": [],
      "samples": [_row("t", 1, latency={"count": 3})]}, "histogram"),
])
def test_malformed_records_are_refused_with_the_reason(record: dict, says: str) -> None:
    acc = TraceAccumulator()
    with pytest.raises(ValueError, match=says):
        acc.add(record)
    assert acc.records == 0 and acc.model(now=1).hops == ()


def test_as_dict_is_json_for_the_snapshot() -> None:
    data = orjson.loads(orjson.dumps(_pipeline().model(now=5).as_dict()))
    assert set(data) == {"taken_at", "inactive_after", "records", "skipped", "messages", "producers", "hops", "paths"}
    hop = next(h for h in data["hops"] if h["writer"] == "app" and h["group"] == "sink" and h["origin"] == "p1")
    assert (hop["produced"], hop["consumed"], hop["missing"], hop["e2e"]["max_ms"]) == (10, 10, 0, 500)
    assert hop["minutes"][0]["latency"]["p99_ms"] == 50
    assert {p["client_id"] for p in data["producers"]} == {"p1", "p2", "app-out", "audit-out"}


def test_two_runs_sharing_a_group_id_over_different_topics_never_join_into_one_path() -> None:
    acc = TraceAccumulator()
    acc.add(_produced("replay", _row("a-tweets", 10, origin="replay"), _row("b-tweets", 10, origin="replay")))
    for prefix, run in (("a", "run-a"), ("b", "run-b")):
        reading = _consumed("cloudair", _row(f"{prefix}-tweets", 10, origin="replay"), client=f"{prefix}-c")
        acc.add({**reading, "run": run})
        acc.add(_produced(f"{prefix}-p", _row(f"{prefix}-scored", 10, origin="replay", hop=1,
                                             via=forwarder("cloudair", run))))
        acc.add(_consumed("sink", _row(f"{prefix}-scored", 10, origin="replay", hop=1,
                                       via=forwarder("cloudair", run)), client=f"sink-{prefix}"))
    model = acc.model(now=1)
    assert sorted(p.text for p in model.paths) == [
        "replay -> a-tweets -> cloudair -> a-scored -> sink",
        "replay -> b-tweets -> cloudair -> b-scored -> sink",
    ]
    assert {h.writer for h in model.hops} == {"replay", "cloudair"}  # the run is not part of the name shown
