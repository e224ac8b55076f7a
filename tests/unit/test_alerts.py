"""Alert rules from YAML and the pending -> firing -> resolved state machine."""

from __future__ import annotations

from pathlib import Path

import pytest

import airstream.monitor.alerts
import airstream.monitor.rules
from airstream.monitor.alerts import AlertEngine, AlertState
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import (
    BrokerInfo,
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
     "oldest unconsumed record is 1m30s above 1m00s"),
    ({"kind": "time_lag", "above": "1m"}, (group("g", 9),), False, None),  # time lag not read: unknown
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 9, drain=3600.0, rate=1.0),), True,
     "time to drain 1h00m above 10m00s"),
    ({"kind": "time_to_drain", "above": "10m"}, (group("g", 9, drain=None, rate=0.0),), True,
     "time to drain never (not shrinking) above 10m00s"),
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
    assert sorted((e.rule, e.subject_kind, e.subject, e.message) for e in events) == [
        ("offline", "brokers", "1,2", "1 partition offline, every replica on brokers 1, 2 (dead)"),
        ("offsets-urp", "topic", "__consumer_offsets", "1 of 1 partition under-replicated (out of sync on broker 2)"),
        ("urp", "topic", "dead", "1 of 1 partition under-replicated (out of sync on brokers 1, 2)"),
        ("urp", "topic", "lagging", "1 of 1 partition under-replicated (out of sync on broker 2)"),
    ]


BROKERS = (BrokerInfo(1, "k1", 9092), BrokerInfo(2, "k2", 9092), BrokerInfo(3, "k3", 9092))


def cluster(t: float, live: tuple[int, ...], *, topics: int = 20, rf1_on: int | None = None,
            slow: int | None = None) -> ClusterSnapshot:
    """``topics`` topics of 3 partitions with replicas on brokers 1-3; brokers not ``live`` are out of every
    ISR (and partitions they led are offline if no other replica is live). ``rf1_on`` adds an RF 1 topic
    on that broker; ``slow`` takes that broker out of the ISRs of topic t0 only (a slow follower)."""
    infos = []
    for i in range(topics):
        parts = []
        for n in range(3):
            replicas = (n + 1, (n + 1) % 3 + 1, (n + 2) % 3 + 1)
            isr = tuple(r for r in replicas if r in live and not (slow == r and i == 0))
            parts.append(PartitionInfo(f"t{i}", n, isr[0] if isr else -1, replicas, isr, 0, 10))
        infos.append(TopicInfo(f"t{i}", partitions=tuple(parts)))
    if rf1_on is not None:
        leader = rf1_on if rf1_on in live else -1
        isr = (rf1_on,) if rf1_on in live else ()
        infos.append(TopicInfo("single", partitions=(PartitionInfo("single", 0, leader, (rf1_on,), isr, 0, 10),)))
    return ClusterSnapshot(taken_at=t, brokers=tuple(b for b in BROKERS if b.id in live), topics=tuple(infos))


CLUSTER_RULES = rules({"name": "broker-gone", "kind": "broker_down", "severity": "critical"},
                      {"name": "urp", "kind": "under_replicated"},
                      {"name": "offline", "kind": "offline_partitions", "severity": "critical"})


def test_one_broker_of_three_down_is_one_alert_not_one_per_topic() -> None:
    engine = AlertEngine(CLUSTER_RULES)
    assert engine.evaluate(cluster(0, (1, 2, 3))) == []
    events = engine.evaluate(cluster(10, (1, 3)))
    assert [e.text for e in events] == [
        "FIRING critical broker-gone [broker 2]: broker 2 (k2:9092) is not in the cluster: "
        "60 partitions in 20 topics lost a replica"]
    assert [e.text for e in engine.evaluate(cluster(20, (1, 2, 3)))] == [
        "RESOLVED critical broker-gone [broker 2]: broker 2 (k2:9092) is not in the cluster: "
        "60 partitions in 20 topics lost a replica"]


def test_a_broker_never_seen_but_holding_replicas_is_down_from_the_first_refresh() -> None:
    # A one-shot check started after the broker died: the replica assignments still name it.
    events = AlertEngine(CLUSTER_RULES).evaluate(cluster(0, (1, 3), topics=2, rf1_on=2))
    assert sorted((e.rule, e.subject, e.message) for e in events) == [
        ("broker-gone", "2", "broker 2 is not in the cluster: 7 partitions in 3 topics lost a replica, 1 offline"),
        ("offline", "2", "1 partition offline, every replica on broker 2 (single)"),
    ]


def test_under_replication_with_every_broker_up_is_reported_per_topic_with_counts() -> None:
    events = AlertEngine(CLUSTER_RULES).evaluate(cluster(0, (1, 2, 3), topics=3, slow=3))
    assert [(e.subject, e.message) for e in events] == [
        ("t0", "3 of 3 partitions under-replicated (out of sync on broker 3)")]


def test_without_a_broker_down_rule_each_topic_gets_its_own_under_replication_alert() -> None:
    engine = AlertEngine(rules({"name": "urp", "kind": "under_replicated"}))
    engine.evaluate(cluster(0, (1, 2, 3), topics=4))
    assert len(engine.evaluate(cluster(10, (1, 3), topics=4))) == 4


def test_a_failed_refresh_is_not_a_broker_down() -> None:
    engine = AlertEngine(CLUSTER_RULES)
    engine.evaluate(cluster(0, (1, 2, 3)))
    failed = ClusterSnapshot(taken_at=10, messages=(StatusMessage(Severity.ERROR, "list_topics", "timed out"),))
    assert engine.evaluate(failed) == []


def test_topic_idle_uses_the_history_answer() -> None:
    idle = {"tweets": 700.0, "scores": 5.0}
    engine = AlertEngine(rules({"name": "idle", "kind": "topic_idle", "above": "10m"}), idle_seconds=idle.get)
    events = engine.evaluate(at(0, topics=(topic("tweets"), topic("scores"))))
    assert [(e.subject, e.message) for e in events] == [("tweets", "idle for 11m40s above 10m00s")]


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
    # Numbers that no comparison can ever satisfy are refused, not silently never firing.
    ("rules: [{name: a, kind: group_lag, above: .nan}]", r"field 'above' must be a finite number >= 0, got nan"),
    ("rules: [{name: a, kind: group_lag, above: -5}]", r"field 'above' must be a finite number >= 0"),
    ("rules: [{name: a, kind: time_to_drain, above: .inf}]", r"field 'above': a duration is a finite number"),
    ("rules: [{name: a, kind: group_lag, above: 1, for: .nan}]", r"field 'for': a duration is a finite number"),
    ("settings: {lag_window: 2.5}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"settings.lag_window: expected a whole number"),
    ("settings: {minimum_complete: .nan}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"settings.minimum_complete must be a finite number"),
    ("settings: {stop_after: 0}\nrules: [{name: a, kind: group_lag, above: 1}]", r"stop_after > 0"),
    ("rules: [{name: a, kind: group_lag, above: 1, include_internal: 'no'}]",
     r"field 'include_internal' must be true or false"),
    ("rules: [{name: a, kind: group_lag, above: 1, notify: [1]}]", r"field 'notify' must be a list of notifier names"),
    ("rules: [{name: a, kind: group_lag, above: 1, labels: {team: [a]}}]", r"field 'labels' must be a mapping"),
    ("notifiers: {h: {type: webhook, url: 'ftp://x/y?token=s3cret'}}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"notifier 'h'.url: expected an http:// or https:// URL with a host, got one with scheme 'ftp'$"),
    ("notifiers: {h: {type: webhook, url: 'hooks.example.com/x'}}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"notifier 'h'.url: expected an http:// or https:// URL"),
    ("notifiers: {s: {type: slack, webhook_url: 'file:///etc/passwd'}}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"notifier 's'.webhook_url: expected an http:// or https:// URL"),
    ("notifiers: {h: {type: webhook, url: 'https://x', tiemout: 3}}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"notifier 'h': unknown option\(s\) \['tiemout'\] for type webhook"),
    ("notifiers: {h: {type: webhook, url: 'https://x', timeout: -1}}\nrules: [{name: a, kind: group_lag, above: 1}]",
     r"notifier 'h'.timeout: a duration is a finite number"),
    ("notifiers: {1: {type: log}}\nrules: [{name: a, kind: group_lag, above: 1}]", r"notifier names are text"),
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



def test_rules_whose_globs_match_nothing_are_reported_with_what_is_there() -> None:
    rs = rules({"name": "typo", "kind": "group_lag", "group": "scorr*", "above": 1},
               {"name": "every-group", "kind": "group_lag", "above": 1},
               {"name": "no-topic", "kind": "under_replicated", "topic": "tweet"},
               {"name": "internal", "kind": "under_replicated", "topic": "__consumer_offsets"},
               {"name": "brokers", "kind": "broker_down"})
    snap = at(0, groups=(group("scorer", 1), group("audit", 1)),
              topics=(topic("tweets"), topic("__consumer_offsets", internal=True)))
    assert [(r.name, why) for r, why in rs.unmatched(snap)] == [
        ("typo", "no consumer group matches 'scorr*' (there are 2: audit, scorer)"),
        ("no-topic", "no topic matches 'tweet' (there are 2: __consumer_offsets, tweets)"),
    ]
