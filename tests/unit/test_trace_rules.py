"""Alert rules on message traces, Burrow style: a table of trace histories and the verdict for each rule.

A history is a list of metrics records (what traced clients publish to ``__airstream_metrics``),
added up by :class:`~airstream.monitor.traces.TraceAccumulator` into the model the engine judges at ``NOW``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from airstream.monitor.alerts import AlertEngine, AlertState
from airstream.monitor.model import (
    ClusterSnapshot,
    GroupInfo,
    GroupPartition,
    Severity,
    StatusMessage,
)
from airstream.monitor.rules import RuleKind, RulesError, load_rules, parse_rules
from airstream.monitor.traces import TraceAccumulator, TraceModel, TraceReader
from airstream.topology.tracing import LatencyHistogram

NOW = 1_700_000_400.0  # a minute boundary


def _hist(values: list[int] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    return h.as_dict()


def seen(group: str, topic: str, ago: int, latency: list[int], *, e2e: list[int] | None = None,
         origin: str | None = "p1", hop: int | None = 0, via: str = "") -> dict[str, Any]:
    """``group`` read ``len(latency)`` records of ``topic`` whose timestamps fall in the minute ``ago``
    minutes before NOW, with these hop (and, past hop 0, end-to-end) latencies in ms."""
    bucket = int(NOW - 60 * ago) * 1000
    row = {"topic": topic, "partition": 0, "bucket": bucket, "origin": origin, "hop": hop, "via": via,
           "count": len(latency), "latency": _hist(latency), "e2e": _hist(e2e)}
    return {"v": 1, "kind": "consumer", "client_id": f"{group}-1", "group": group, "sample_rate": None,
            "rows": [{"topic": topic, "partition": 0, "bucket": bucket, "count": len(latency)}], "samples": [row]}


def made(client: str, topic: str, ago_s: float, *, count: int = 5, origin: str | None = None, hop: int = 0,
         via: str = "") -> dict[str, Any]:
    """``client`` produced ``count`` records to ``topic``, the last ``ago_s`` seconds before NOW."""
    last = int((NOW - ago_s) * 1000)
    return {"v": 1, "kind": "producer", "client_id": client, "host": "h1", "last_ms": last, "rows": [
        {"topic": topic, "partition": -1, "bucket": last - last % 60_000, "origin": origin or client, "hop": hop,
         "via": via, "count": count}]}


def model(history: list[dict[str, Any]], *, now: float = NOW, window: float = 3600) -> TraceModel:
    acc = TraceAccumulator(window)
    for record in history:
        acc.add(record)
    return acc.model(now=now)


def verdict(rule: dict[str, Any], history: list[dict[str, Any]], window: float = 3600) -> list[tuple[str, str]]:
    engine = AlertEngine(parse_rules({"rules": [{"name": "r", **rule}]}))
    events = engine.evaluate(ClusterSnapshot(taken_at=NOW), traces=model(history, window=window))
    assert all(e.state is AlertState.FIRING for e in events)
    return sorted((f"{e.subject_kind} {e.subject}", e.message) for e in events)


SPIKY = [seen("g", "t", 9, [100] * 9 + [5_000])]  # avg 590 ms, p99 and max 5 s
OLD_SPIKE = [seen("g", "t", 20, [9_000] * 5), seen("g", "t", 1, [100] * 5)]
FORWARDED = [made("p1", "t", 30), made("app-out", "scored", 30, origin="p1", hop=1, via="app"),
             seen("app", "t", 1, [100] * 5),
             seen("g3", "scored", 1, [100] * 5, e2e=[2_500] * 5, hop=1, via="app")]


@pytest.mark.parametrize(("rule", "history", "fired"), [
    ({"above": "2s"}, [seen("g", "t", 1, [3_000] * 10)],
     [("hop p1 -> t -> g", "end-to-end p99 3.0s above 2.0s (last 5m00s)")]),
    ({"above": "2s"}, [seen("g", "t", 1, [1_500] * 10)], []),
    ({"above": "3s"}, [seen("g", "t", 1, [3_000] * 10)], []),  # "above" is strict
    ({"above": "2s"}, OLD_SPIKE, []),
    ({"above": "2s", "window": "30m"}, OLD_SPIKE,
     [("hop p1 -> t -> g", "end-to-end p99 9.0s above 2.0s (last 30m00s)")]),
    # Records of a minute ten minutes back, received nine minutes late, i.e. just now: in the window.
    ({"above": "1m"}, [seen("g", "t", 10, [540_000] * 3)],
     [("hop p1 -> t -> g", "end-to-end p99 9m00s above 1m00s (last 5m00s)")]),
    ({"above": "1s", "stat": "avg", "window": "10m"}, SPIKY, []),
    ({"above": "500ms", "stat": "avg", "window": "10m"}, SPIKY,
     [("hop p1 -> t -> g", "end-to-end avg 590ms above 500ms (last 10m00s)")]),
    ({"above": "1s", "stat": "max", "window": "10m"}, SPIKY,
     [("hop p1 -> t -> g", "end-to-end max 5.0s above 1.0s (last 10m00s)")]),
    ({"above": "1s", "stat": "p99", "window": "10m"}, SPIKY,
     [("hop p1 -> t -> g", "end-to-end p99 5.0s above 1.0s (last 10m00s)")]),
    # A forwarded hop is judged from the origin producer: 100 ms for the hop, 2.5 s end to end.
    ({"above": "2s"}, FORWARDED,
     [("hop p1 -> ... -> app -> scored -> g3", "end-to-end p99 2.5s above 2.0s (last 5m00s)")]),
    ({"above": "2s", "group": "app"}, FORWARDED, []),
    ({"above": "2s", "producer": "app-*"}, FORWARDED,  # the client that wrote the hop
     [("hop p1 -> ... -> app -> scored -> g3", "end-to-end p99 2.5s above 2.0s (last 5m00s)")]),
    ({"above": "2s", "producer": "p1"}, FORWARDED,  # the origin
     [("hop p1 -> ... -> app -> scored -> g3", "end-to-end p99 2.5s above 2.0s (last 5m00s)")]),
    ({"above": "2s", "producer": "p2"}, FORWARDED, []),
    ({"above": "2s", "group": "sink-*"},
     [seen("sink-a", "t", 1, [3_000]), seen("sink-b", "t", 1, [2_500]), seen("dash", "t", 1, [9_000])],
     [("hop p1 -> t -> sink-a", "end-to-end p99 3.0s above 2.0s (last 5m00s)"),
      ("hop p1 -> t -> sink-b", "end-to-end p99 2.5s above 2.0s (last 5m00s)")]),
    ({"above": "2s", "topic": "tw*"}, [seen("g", "tweets", 1, [3_000]), seen("g", "scored", 1, [3_000])],
     [("hop p1 -> tweets -> g", "end-to-end p99 3.0s above 2.0s (last 5m00s)")]),
    ({"above": "2s", "producer": "p2"}, [seen("g", "t", 1, [3_000]), seen("g", "t", 1, [2_100], origin="p2")],
     [("hop p2 -> t -> g", "end-to-end p99 2.1s above 2.0s (last 5m00s)")]),
    # Records without a trace header have no origin time: no end-to-end latency to judge.
    ({"above": "2s"}, [seen("g", "t", 1, [9_000], origin=None, hop=None)], []),
    ({"above": "2s"}, [], []),
], ids=["p99-above", "p99-below", "equal-is-not-above", "old-spike-outside-window", "old-spike-longer-window",
        "late-records-of-an-old-minute", "avg-below", "avg-above", "max-above", "p99-of-spiky",
        "forwarded-end-to-end", "forwarded-other-group", "producer-writing-client", "producer-origin",
        "producer-other", "group-glob", "topic-glob", "two-origins", "untraced", "no-traces"])
def test_e2e_latency(rule: dict[str, Any], history: list[dict[str, Any]], fired: list[tuple[str, str]]) -> None:
    assert verdict({"kind": "e2e_latency", **rule}, history) == fired


@pytest.mark.parametrize(("rule", "history", "fired", "window"), [
    ({"above": "5m"}, [made("replay", "tweets", 600)], [("producer replay", "produced nothing for 10m00s above 5m00s")],
     3600),
    ({"above": "5m"}, [made("replay", "tweets", 30)], [], 3600),
    ({"above": "5m"}, [made("replay", "tweets", 300)], [], 3600),  # "above" is strict
    ({"above": "5m"}, [made("replay", "tweets", 900), made("replay", "tweets", 30)], [], 3600),  # the latest counts
    ({"above": "30s"}, [made("replay-1", "tweets", 45), made("scorer-out", "scored", 600)],
     [("producer replay-1", "produced nothing for 45s above 30s"),
      ("producer scorer-out", "produced nothing for 10m00s above 30s")], 3600),
    ({"above": "5m", "producer": "replay-*"}, [made("replay-1", "tweets", 600), made("scorer-out", "scored", 600)],
     [("producer replay-1", "produced nothing for 10m00s above 5m00s")], 3600),
    ({"above": "5m", "topic": "tw*"}, [made("replay", "tweets", 600), made("other", "audit", 600)],
     [("producer replay", "produced nothing for 10m00s above 5m00s")], 3600),
    ({"above": "5m", "topic": "scored"}, [made("replay", "tweets", 600)], [], 3600),
    # Its minutes left the trace window, but where it used to write is remembered.
    ({"above": "1h", "topic": "tweets"}, [made("replay", "tweets", 7_200)],
     [("producer replay", "produced nothing for 2h00m above 1h00m")], 600),
    ({"above": "5m"}, [seen("g", "t", 1, [10])], [], 3600),  # consumers are not producers
], ids=["silent", "recent", "equal-is-not-above", "latest-publish-counts", "every-producer", "producer-glob",
        "topic-glob", "topic-not-written", "older-than-the-window", "consumers-only"])
def test_producer_inactive(rule: dict[str, Any], history: list[dict[str, Any]], fired: list[tuple[str, str]],
                           window: float) -> None:
    assert verdict({"kind": "producer_inactive", **rule}, history, window) == fired


# -- the state machine on traces: refreshes 1 minute apart -> the events on each ------------------------------
@pytest.mark.parametrize(("for_", "latencies", "events"), [
    ("0s", [100, 3_000, 3_000, 100], ["", "firing", "", "resolved"]),
    ("2m", [3_000, 3_000, 3_000, 100], ["", "", "firing", "resolved"]),
    ("2m", [3_000, 100, 3_000, 3_000], ["", "", "", ""]),
], ids=["fires-at-once", "fires-after-for", "pending-resets"])
def test_trace_alerts_go_pending_firing_resolved(for_: str, latencies: list[int], events: list[str]) -> None:
    engine = AlertEngine(parse_rules({"rules": [{"name": "slow", "kind": "e2e_latency", "above": "2s",
                                                 "window": "1m", "for": for_}]}))
    got = []
    for i, ms in enumerate(latencies):
        t = NOW + 60 * i
        # Each refresh sees the records of the minute before it.
        traces = model([seen("g", "t", 1 - i, [ms] * 5)], now=t)
        got.append(",".join(e.state.value for e in engine.evaluate(ClusterSnapshot(taken_at=t), traces=traces)))
    assert got == events


def test_unreadable_or_missing_traces_keep_trace_alerts_open() -> None:
    engine = AlertEngine(parse_rules({"rules": [
        {"name": "quiet", "kind": "producer_inactive", "above": "5m"},
        {"name": "behind", "kind": "group_lag", "above": 10}]}))
    assert [e.subject for e in engine.evaluate(ClusterSnapshot(taken_at=NOW), traces=model([made("p", "t", 600)]))] \
        == ["p"]
    broken = TraceModel(taken_at=NOW + 10, messages=(
        StatusMessage(Severity.ERROR, "read traces", "KafkaException: timed out", "__airstream_metrics"),))
    assert engine.evaluate(ClusterSnapshot(taken_at=NOW + 10), traces=broken) == []
    assert engine.evaluate(ClusterSnapshot(taken_at=NOW + 20), traces=None) == []
    assert [a.subject for a in engine.firing] == ["p"]
    # Read fine and the producer is back: resolved.
    events = engine.evaluate(ClusterSnapshot(taken_at=NOW + 30), traces=model([made("p", "t", 1)], now=NOW + 30))
    assert [(e.state, e.subject) for e in events] == [(AlertState.RESOLVED, "p")]


def test_lag_rules_and_trace_rules_in_one_engine() -> None:
    engine = AlertEngine(parse_rules({"rules": [
        {"name": "behind", "kind": "group_lag", "above": 10},
        {"name": "slow", "kind": "e2e_latency", "above": "1s"}]}))
    lagging = GroupInfo("g", "Stable", partitions=(GroupPartition("t", 0, 0, 50),))
    snap = ClusterSnapshot(taken_at=NOW, groups=(lagging,))
    events = engine.evaluate(snap, traces=model([seen("g", "t", 1, [2_000])]))
    assert [e.text for e in events] == [
        "FIRING warning behind [group g]: lag 50 above 10",
        "FIRING warning slow [hop p1 -> t -> g]: end-to-end p99 2.0s above 1.0s (last 5m00s)"]


# -- the rules file ----------------------------------------------------------------------------------------
def test_trace_rule_fields_and_what_the_rules_need() -> None:
    rs = parse_rules({"rules": [
        {"name": "slow", "kind": "e2e_latency", "producer": "replay*", "topic": "tweets", "group": "sink",
         "stat": "MAX", "above": "750ms", "window": "10m", "for": "1m", "severity": "critical"},
        {"name": "quiet", "kind": "producer_inactive", "producer": "replay*", "above": "2h"}]})
    slow, quiet = rs.rules
    assert (slow.kind, slow.producer, slow.topic, slow.group, slow.stat, slow.above, slow.window, slow.for_seconds) \
        == (RuleKind.E2E_LATENCY, "replay*", "tweets", "sink", "max", 0.75, 600.0, 60.0)
    assert (quiet.kind, quiet.above, quiet.scope) == (RuleKind.PRODUCER_INACTIVE, 7200.0, "producer replay*")
    assert slow.scope == "producer replay* topic tweets group sink"
    assert rs.needs_traces and rs.trace_window == 7200 + 3600
    lag_only = parse_rules({"rules": [{"name": "l", "kind": "group_lag", "above": 1}]})
    assert not lag_only.needs_traces and lag_only.trace_window == 3600


@pytest.mark.parametrize(("rule", "error"), [
    ("{name: a, kind: e2e_latency}", r"\('a'\): field 'above' is required for kind e2e_latency"),
    ("{name: a, kind: e2e_latency, above: fast}", r"\('a'\): field 'above': expected a duration like 30s"),
    ("{name: a, kind: e2e_latency, above: 2s, stat: p95}",
     r"\('a'\): field 'stat' must be one of \['p99', 'avg', 'max'\], got 'p95'"),
    ("{name: a, kind: e2e_latency, above: 2s, window: 0}", r"\('a'\): field 'window' must be longer than 0, e.g. 5m"),
    ("{name: a, kind: e2e_latency, above: 2s, window: soon}", r"\('a'\): field 'window': expected a duration"),
    ("{name: a, kind: e2e_latency, above: 2s, producer: [p1, p2]}",
     r"\('a'\): field 'producer' must be a name or a glob like 'orders-\*'"),
    ("{name: a, kind: e2e_latency, above: 2s, status: STALL}",
     r"\('a'\): field 'status' only applies to kind group_status"),
    ("{name: a, kind: producer_inactive}", r"\('a'\): field 'above' is required for kind producer_inactive"),
    ("{name: a, kind: producer_inactive, above: 5m, group: g}",
     r"\('a'\): field 'group' does not apply to kind producer_inactive: use 'producer' or 'topic'"),
    ("{name: a, kind: producer_inactive, above: 5m, window: 5m}",
     r"\('a'\): field 'window' only applies to kind e2e_latency"),
    ("{name: a, kind: producer_inactive, above: 5m, stat: max}",
     r"\('a'\): field 'stat' only applies to kind e2e_latency"),
    ("{name: a, kind: group_lag, above: 5, producer: p1}",
     r"\('a'\): field 'producer' does not apply to kind group_lag: use 'group'"),
    ("{name: a, kind: topic_idle, above: 5m, stat: p99}", r"\('a'\): field 'stat' only applies to kind e2e_latency"),
    ("{name: a, kind: e2e_latncy, above: 2s}", r"field 'kind' must be one of .*'e2e_latency', 'producer_inactive'"),
], ids=["e2e-no-above", "e2e-above-not-duration", "e2e-bad-stat", "e2e-zero-window", "e2e-bad-window",
        "e2e-producer-list", "e2e-status", "inactive-no-above", "inactive-group", "inactive-window", "inactive-stat",
        "lag-producer", "idle-stat", "misspelt-kind"])
def test_bad_trace_rules_name_the_rule_field_and_fix(tmp_path: Path, rule: str, error: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules: [{rule}]")
    with pytest.raises(RulesError, match=rf"{re.escape(str(path))}: rules\[0\] .*{error}"):
        load_rules(path, env={})


@pytest.mark.parametrize("doc", ["README.md", "docs/traces.md"])
def test_the_documented_trace_rules_parse(doc: str) -> None:
    text = (Path(__file__).resolve().parents[2] / doc).read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "e2e_latency" in b)
    rs = parse_rules(yaml.safe_load(block))
    assert {r.kind for r in rs.rules} == {RuleKind.E2E_LATENCY, RuleKind.PRODUCER_INACTIVE}
    assert rs.needs_traces


def test_trace_reader_keeps_librdkafka_off_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    # librdkafka writes "Connect to ... failed" to stderr by default, over the dashboard.
    reader = TraceReader({"bootstrap.servers": "127.0.0.1:1", "sasl.password": "hunter2"}, timeout=1)
    try:
        traces = reader.refresh()
    finally:
        reader.close()
    assert [m.severity for m in traces.messages] == [Severity.ERROR]
    assert "hunter2" not in traces.messages[0].text
    assert "rdkafka" not in capfd.readouterr().err


def test_airmon_check_with_trace_rules_and_no_cluster_exits_2(tmp_path: Path,
                                                             capfd: pytest.CaptureFixture[str]) -> None:
    from airstream.monitor.cli import main

    path = tmp_path / "rules.yaml"
    path.write_text("rules: [{name: quiet, kind: producer_inactive, above: 5m}]")
    assert main(["check", "-b", "127.0.0.1:1", "--timeout", "1", "--rules", str(path)]) == 2
    err = capfd.readouterr().err
    assert err.strip().splitlines()[-1].startswith("airmon: cannot read the cluster at 127.0.0.1:1")
    assert "rdkafka" not in err


def test_airmon_check_watch_reads_traces_every_evaluation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # The cluster and the traces are stand-ins here; the one-shot check runs on the real broker in
    # tests/integration/test_trace_alerts_kafka.py.
    import airstream.monitor.cli
    import airstream.monitor.traces
    from airstream.monitor.model import BrokerInfo

    quiet_for = iter([600, 600, 10, 10])  # seconds since the producer last produced, per evaluation
    readers: list[Any] = []

    class Source:
        def __init__(self, *_: Any, **__: Any) -> None:
            pass

        def snapshot(self) -> ClusterSnapshot:
            return ClusterSnapshot(taken_at=NOW, brokers=(BrokerInfo(1, "b", 9092),))

    class Reader:
        def __init__(self, config: dict[str, str], *, window: float, timeout: float) -> None:
            self.window, self.closed = window, False
            readers.append(self)

        def refresh(self) -> TraceModel:
            return model([made("replay", "tweets", next(quiet_for))])

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(airstream.monitor.cli, "_source", Source)
    monkeypatch.setattr(airstream.monitor.traces, "TraceReader", Reader)
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [{name: quiet, kind: producer_inactive, above: 5m}]")
    code = airstream.monitor.cli.main(["check", "-b", "127.0.0.1:1", "--rules", str(path),
                                       "--watch", "0", "--count", "4"])
    lines = [line.split(" ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert lines == ["FIRING warning quiet [producer replay]: produced nothing for 10m00s above 5m00s",
                     "RESOLVED warning quiet [producer replay]: produced nothing for 10m00s above 5m00s"]
    assert code == 0  # nothing fires at the end
    assert [(r.window, r.closed) for r in readers] == [(300 + 3600, True)]


def test_trace_read_errors_never_show_a_password() -> None:
    # librdkafka quotes the bad value; here the mistyped mechanism happens to be the password.
    reader = TraceReader({"bootstrap.servers": "127.0.0.1:1", "security.protocol": "SASL_PLAINTEXT",
                          "sasl.mechanisms": "hunter2", "sasl.password": "hunter2"}, timeout=1)
    try:
        [message] = reader.refresh().messages
    finally:
        reader.close()
    assert "Unsupported SASL mechanism: ***" in message.text and "hunter2" not in message.text
