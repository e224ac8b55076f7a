"""Alert rules from YAML and the pending -> firing -> resolved state machine."""

from __future__ import annotations

from pathlib import Path

import pytest

import airstream.monitor.alerts
import airstream.monitor.rules
from airstream.monitor.alerts import AlertEngine, AlertState
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import (
    ClusterSnapshot,
    GroupInfo,
    GroupPartition,
    LagStatus,
    PartitionInfo,
    Severity,
    StatusMessage,
    TopicInfo,
)
from airstream.monitor.rules import RuleKind, RulesError, load_rules, parse_rules


def group(gid: str, lag: int, *, status: LagStatus | None = None, pstatus: LagStatus | None = None,
          time_lag: float | None = None, drain: float | None = None, rate: float | None = None) -> GroupInfo:
    return GroupInfo(gid, "Stable", partitions=(GroupPartition("t", 0, 0, lag, status=pstatus, time_lag=time_lag),),
                     status=status, time_to_drain=drain, consume_rate=rate)


def topic(name: str, isr: tuple[int, ...] = (1, 2), leader: int = 1, internal: bool = False) -> TopicInfo:
    return TopicInfo(name, internal, (PartitionInfo(name, 0, leader, (1, 2), isr, 0, 10),))


def at(t: float, groups: tuple[GroupInfo, ...] = (), topics: tuple[TopicInfo, ...] = (),
       ok: bool = True) -> ClusterSnapshot:
    msgs = () if ok else (StatusMessage(Severity.ERROR, "list_consumer_groups", "timed out"),)
    return ClusterSnapshot(taken_at=t, groups=groups, topics=topics, messages=msgs)


def rules(*raw: dict[str, object]) -> airstream.monitor.rules.RuleSet:
    return parse_rules({"rules": list(raw)})


# -- the state machine, as a table: lag per refresh (10 s apart) -> the events on each refresh -------------
@pytest.mark.parametrize(("for_", "lags", "events"), [
    ("0s", [50, 500, 600, 50], ["", "firing", "", "resolved"]),
    ("20s", [500, 500, 500, 500, 50], ["", "", "firing", "", "resolved"]),
    ("20s", [500, 500, 50, 500, 500, 500], ["", "", "", "", "", "firing"]),  # a pending alert that clears restarts
    ("1m", [500, 500, 50], ["", "", ""]),                                    # never fired, so nothing resolves
], ids=["fires-at-once", "fires-after-for", "pending-resets", "pending-drops-quietly"])
def test_pending_firing_resolved(for_: str, lags: list[int], events: list[str]) -> None:
    engine = AlertEngine(rules({"name": "behind", "kind": "group_lag", "above": 100, "for": for_}))
    seen = [",".join(e.state.value for e in engine.evaluate(at(10 * i, (group("g", lag),))))
            for i, lag in enumerate(lags)]
    assert seen == events
    assert [e.state for e in engine.history] == [AlertState(x) for x in events if x]


def test_an_open_alert_never_fires_twice_and_reports_the_latest_value() -> None:
    engine = AlertEngine(rules({"name": "behind", "kind": "group_lag", "above": 100}))
    first = engine.evaluate(at(0, (group("g", 500),)))
    assert [e.text for e in first] == ["FIRING warning behind [group g]: lag 500 above 100"]
    for t in range(1, 5):
        assert engine.evaluate(at(t, (group("g", 500 + t),))) == []
    assert [(a.subject, a.value) for a in engine.firing] == [("g", 504.0)]


def test_ignore_for_fires_at_once() -> None:
    engine = AlertEngine(rules({"name": "behind", "kind": "group_lag", "above": 100, "for": "1h"}))
    assert [e.state for e in engine.evaluate(at(0, (group("g", 500),)), ignore_for=True)] == [AlertState.FIRING]


def test_each_matching_subject_is_its_own_alert() -> None:
    engine = AlertEngine(rules({"name": "behind", "kind": "group_lag", "group": "billing-*", "above": 10}))
    events = engine.evaluate(at(0, (group("billing-a", 50), group("billing-b", 5), group("audit", 99))))
    assert [e.subject for e in events] == ["billing-a"]
    events = engine.evaluate(at(1, (group("billing-a", 50), group("billing-b", 55))))
    assert [(e.subject, e.state.value) for e in events] == [("billing-b", "firing")]


def test_failed_refresh_does_not_resolve_alerts_of_subjects_it_could_not_see() -> None:
    engine = AlertEngine(rules({"name": "behind", "kind": "group_lag", "above": 10}))
    engine.evaluate(at(0, (group("g", 50),)))
    assert engine.evaluate(at(1, ok=False)) == []
    assert [a.subject for a in engine.firing] == ["g"]
    assert [e.state.value for e in engine.evaluate(at(2))] == ["resolved"]  # seen fine, group gone


@pytest.mark.parametrize(("rule", "snapshot_groups", "fires", "message"), [
    ({"kind": "group_status"}, (group("g", 9, status=LagStatus.ERR, pstatus=LagStatus.STALL),), True,
     "status STALL on t/0"),
    ({"kind": "group_status", "status": "STOP"}, (group("g", 9, status=LagStatus.ERR, pstatus=LagStatus.STALL),),
     False, None),
    ({"kind": "group_status", "status": ["WARN"]}, (group("g", 9, status=LagStatus.WARN, pstatus=LagStatus.WARN),),
     True, "status WARN on t/0"),
    ({"kind": "group_status"}, (group("g", 9, status=LagStatus.OK, pstatus=LagStatus.OK),), False, None),
    ({"kind": "time_lag", "above": "1m"}, (group("g", 9, time_lag=90.0),), True,
     "oldest unconsumed record is 1.5m above 1.0m"),
    ({"kind": "time_lag", "above": "1m"}, (group("g", 9),), False, None),  # time lag not read: unknown
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 9, drain=3600.0, rate=1.0),), True,
     "time to drain 1.0h above 10.0m"),
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 9, drain=None, rate=0.0),), True,
     "time to drain never (not shrinking) above 10.0m"),
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 9, drain=None, rate=None),), False, None),
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 0, drain=0.0, rate=3.0),), False, None),
], ids=["status-default-errors", "status-not-listed", "status-warn", "status-ok", "time-lag", "time-lag-unknown",
        "drain-slow", "drain-never", "drain-unknown", "drain-nothing"])
def test_group_conditions(rule: dict[str, object], snapshot_groups: tuple[GroupInfo, ...], fires: bool,
                          message: str | None) -> None:
    engine = AlertEngine(rules({"name": "r", **rule}))
    events = engine.evaluate(at(0, snapshot_groups))
    assert [e.message for e in events] == ([message] if fires else [])


def test_topic_conditions_and_internal_topics() -> None:
    engine = AlertEngine(rules(
        {"name": "urp", "kind": "under_replicated"},
        {"name": "offline", "kind": "offline_partitions", "severity": "critical"},
        {"name": "offsets-urp", "kind": "under_replicated", "topic": "__consumer_offsets"},
    ))
    topics = (topic("ok"), topic("lagging", isr=(1,)), topic("dead", isr=(), leader=-1),
              topic("__consumer_offsets", isr=(1,), internal=True))
    events = engine.evaluate(at(0, topics=topics))
    assert sorted((e.rule, e.subject, e.message) for e in events) == [
        ("offline", "dead", "offline partitions 1 above 0"),
        ("offsets-urp", "__consumer_offsets", "under-replicated partitions 1 above 0"),
        ("urp", "dead", "under-replicated partitions 1 above 0"),
        ("urp", "lagging", "under-replicated partitions 1 above 0"),
    ]


def test_topic_idle_uses_the_history_answer() -> None:
    idle = {"tweets": 700.0, "scores": 5.0}
    engine = AlertEngine(rules({"name": "idle", "kind": "topic_idle", "above": "10m"}), idle_seconds=idle.get)
    events = engine.evaluate(at(0, topics=(topic("tweets"), topic("scores"))))
    assert [(e.subject, e.message) for e in events] == [("tweets", "idle for 11.7m above 10.0m")]


def test_full_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("""
settings: {lag_window: 4, min_distance: 500ms, minimum_complete: 1.0, allowed_lag: 3}
notifiers:
  ops: {type: slack, channel: "#kafka", token: "${TEST_SLACK_TOKEN}", min_interval: 30s}
  hook: {type: webhook, url: "http://127.0.0.1:9/hook"}
rules:
  - name: scorer-behind
    kind: group_lag
    group: "scorer*"
    above: 1000
    for: 1m
    severity: critical
    labels: {team: data}
    notify: [ops, hook]
  - {name: stuck, kind: group_status, status: [stall, STOP]}
""")
    rs = load_rules(path, env={"TEST_SLACK_TOKEN": "xoxb-secret-value"})
    assert rs.lag == LagSettings(window=4, min_distance=0.5, minimum_complete=1.0, allowed_lag=3)
    first, second = rs.rules
    assert (first.kind, first.group, first.above, first.for_seconds, first.severity, dict(first.labels),
            first.notify) == (RuleKind.GROUP_LAG, "scorer*", 1000.0, 60.0, "critical", {"team": "data"},
                              ("ops", "hook"))
    assert second.statuses == {LagStatus.STALL, LagStatus.STOP}
    assert rs.notifiers["ops"].options["token"] == "xoxb-secret-value"
    assert rs.notifiers["ops"].min_interval == 30.0
    assert "xoxb" not in repr(rs)


@pytest.mark.parametrize(("text", "error"), [
    ("rules: [", r"rules.yaml: not valid YAML at line 1"),
    ("- a\n- b", r"expected a mapping with a 'rules:' list"),
    ("rules: []", r"'rules:' must be a non-empty list"),
    ("alerts: []\nrules: [{name: a, kind: group_lag, above: 1}]", r"unknown top-level section\(s\) \['alerts'\]"),
    ("rules: [{kind: group_lag, above: 1}]", r"rules\[0\]: field 'name' is required"),
    ("rules: [{name: a, kind: lagging}]", r"rules\[0\] \('a'\): field 'kind' must be one of"),
    ("rules: [{name: a, kind: group_lag}]", r"\('a'\): field 'above' is required for kind group_lag"),
    ("rules: [{name: a, kind: group_lag, above: lots}]", r"\('a'\): field 'above' must be a number, got 'lots'"),
    ("rules: [{name: a, kind: topic_idle, above: soon}]", r"\('a'\): field 'above': expected a duration"),
    ("rules: [{name: a, kind: group_lag, above: 1, for: forever}]", r"\('a'\): field 'for': expected a duration"),
    ("rules: [{name: a, kind: group_status, status: [SLOW]}]", r"\('a'\): field 'status' must list statuses"),
    ("rules: [{name: a, kind: group_lag, above: 1, topic: t}]", r"field 'topic' does not apply to kind group_lag"),
    ("rules: [{name: a, kind: topic_idle, above: 1, group: g}]", r"field 'group' does not apply to kind topic_idle"),
    ("rules: [{name: a, kind: group_lag, above: 1, severity: huge}]", r"field 'severity' must be one of"),
    ("rules: [{name: a, kind: group_lag, above: 1, notify: [pager]}]",
     r"field 'notify' names undefined notifier\(s\) \['pager'\]"),
    ("rules: [{name: a, kind: group_lag, above: 1, treshold: 2}]", r"unknown field\(s\) \['treshold'\]"),
    ("rules: [{name: a, kind: group_lag, above: 1}, {name: a, kind: group_lag, above: 2}]",
     r"rule name 'a' is used twice"),
    ("notifiers: {s: {type: slack, channel: '#x', token: '${NO_SUCH_VAR_AIRMON}'}}\n"
     "rules: [{name: a, kind: group_lag, above: 1}]", r"notifier 's'.token: environment variable NO_SUCH_VAR_AIRMON"),
    ("notifiers: {s: {type: pigeon}}\nrules: [{name: a, kind: group_lag, above: 1}]", r"unknown type 'pigeon'"),
    ("notifiers: {h: {type: webhook}}\nrules: [{name: a, kind: group_lag, above: 1}]", r"a webhook needs 'url'"),
    ("settings: {lag_window: 0}\nrules: [{name: a, kind: group_lag, above: 1}]", r"settings: lag window must hold"),
    ("settings: {window: 3}\nrules: [{name: a, kind: group_lag, above: 1}]", r"settings: unknown field\(s\)"),
])
def test_bad_rules_files_name_the_rule_and_field(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(RulesError, match=error):
        load_rules(path, env={})


def test_missing_rules_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist: check the --rules path"):
        load_rules(tmp_path / "nope.yaml")


def test_groups_needing_time_lag() -> None:
    rs = rules({"name": "old", "kind": "time_lag", "group": "s*", "above": 5}, {"name": "l", "kind": "group_lag",
                                                                                "above": 1})
    snap = at(0, (group("scorer", 1), group("audit", 1)))
    assert rs.groups_needing_time_lag(snap) == {"scorer"}

