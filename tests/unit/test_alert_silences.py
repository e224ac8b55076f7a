"""Acknowledging and silencing alerts: silences from the rules file (with an expiry) and from the
screen; acknowledged and silenced alerts still show, and notifiers honour both."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from airstream.monitor.alerts import AlertEngine, AlertEvent, AlertState
from airstream.monitor.model import ClusterSnapshot, GroupInfo, GroupPartition
from airstream.monitor.notifiers import Dispatcher
from airstream.monitor.rules import RulesError, Silence, load_rules, parse_rules

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC).timestamp()


def lagging(t: float, *groups: str, lag: int = 500) -> ClusterSnapshot:
    return ClusterSnapshot(taken_at=t, groups=tuple(GroupInfo(g, "Stable", partitions=(
        GroupPartition("t", 0, 0, lag),)) for g in groups))


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, events: list[AlertEvent]) -> None:
        self.sent.extend((e.subject, e.state.value) for e in events)


def engine_and_pager(silences: str = "") -> tuple[AlertEngine, Dispatcher, Recorder]:
    rules = parse_rules({"rules": [{"name": "behind", "kind": "group_lag", "above": 100, "notify": ["pager"]}],
                         "notifiers": {"pager": {"type": "log"}},
                         **({"silences": [{"rule": "behind", "subject": silences,
                                           "until": "2026-12-03T13:00:00Z", "comment": "maintenance"}]}
                            if silences else {})})
    pager = Recorder()
    return AlertEngine(rules), Dispatcher({"pager": pager}, {"behind": ["pager"]}), pager


def test_a_silence_from_the_rules_file_mutes_until_it_expires_and_the_alert_still_shows() -> None:
    engine, dispatcher, pager = engine_and_pager(silences="group audit*")
    dispatcher.deliver(engine.evaluate(lagging(NOON, "audit-1", "scorer")))
    assert pager.sent == [("scorer", "firing")]  # audit-1 is silenced
    assert {a.subject: a.silenced_until for a in engine.firing} == {"audit-1": NOON + 3600, "scorer": None}
    # After the silence expires the still-firing alert is news.
    dispatcher.deliver(engine.evaluate(lagging(NOON + 3601, "audit-1", "scorer")))
    assert pager.sent[-1] == ("audit-1", "firing")


def test_a_silenced_alert_that_resolves_while_silenced_is_not_announced_at_all() -> None:
    engine, dispatcher, pager = engine_and_pager(silences="audit-1")
    dispatcher.deliver(engine.evaluate(lagging(NOON, "audit-1")))
    dispatcher.deliver(engine.evaluate(lagging(NOON + 60, "audit-1", lag=0)))
    assert pager.sent == []
    assert [e.state for e in engine.history] == [AlertState.FIRING, AlertState.RESOLVED]  # but it happened


def test_silenced_from_the_screen_after_it_was_announced_its_resolution_is_still_sent() -> None:
    engine, dispatcher, pager = engine_and_pager()
    dispatcher.deliver(engine.evaluate(lagging(NOON, "scorer")))
    engine.silence(("behind", "group", "scorer"), until=NOON + 3600, comment="looking into it")
    (silence,) = engine.silences
    assert (silence.origin, silence.comment, silence.until) == ("screen", "looking into it", NOON + 3600)
    assert engine.firing[0].silenced_until == NOON + 3600
    dispatcher.deliver(engine.evaluate(lagging(NOON + 60, "scorer", lag=0)))
    # The pager knew it was firing: it is told it resolved, not left with an open incident.
    assert pager.sent == [("scorer", "firing"), ("scorer", "resolved")]


def test_unsilence_drops_only_the_screens_silence() -> None:
    engine, _, _ = engine_and_pager(silences="*")
    engine.evaluate(lagging(NOON, "scorer"))
    engine.silence(("behind", "group", "scorer"), until=NOON + 60)
    assert engine.unsilence(("behind", "group", "scorer"), now=NOON) == 1
    assert [s.origin for s in engine.silences] == ["rules file"]
    assert engine.firing[0].silenced_until == NOON + 3600  # the file's silence still covers it


def test_an_acknowledged_alert_stays_firing_and_its_queued_opening_is_dropped() -> None:
    engine, _, _ = engine_and_pager()
    pager, clock = Recorder(), [0.0]
    dispatcher = Dispatcher({"pager": pager}, {"behind": ["pager"]}, {"pager": 60.0}, clock=lambda: clock[0])
    dispatcher.deliver(engine.evaluate(lagging(NOON, "a")))            # sent at once
    dispatcher.deliver(engine.evaluate(lagging(NOON + 10, "a", "b")))  # b held back by min_interval
    assert engine.acknowledge(("behind", "group", "b"), at=NOON + 20)
    dispatcher.acknowledge("behind", "group", "b")
    clock[0] = 100
    dispatcher.flush()
    assert pager.sent == [("a", "firing")]
    assert {a.subject: a.acknowledged_at for a in engine.firing} == {"a": None, "b": NOON + 20}
    assert not engine.acknowledge(("behind", "group", "nobody"), at=NOON)


def test_silences_in_the_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("""
rules: [{name: consumer-stuck, kind: group_status}]
silences:
  - {rule: consumer-*, subject: "group audit*", until: 2026-12-24T08:00:00Z, comment: "job retired, OPS-12"}
  - {until: "2026-12-24T09:00:00+01:00"}
""")
    first, second = load_rules(path).silences
    assert first == Silence(datetime(2026, 12, 24, 8, tzinfo=UTC).timestamp(), "consumer-*", "group audit*",
                            "job retired, OPS-12")
    assert (second.rule, second.subject, second.until) == ("*", "*", first.until)


@pytest.mark.parametrize(("silence", "error"), [
    ("{rule: consumer-stuck}", r"silences\[0\].until: expected a date and time"),
    ("{until: 2026-12-24}", r"give a time too, e.g. 2026-12-24T08:00:00Z"),
    ("{until: '2026-12-24T08:00:00'}", r"give the time zone"),
    ("{until: tomorrow}", r"expected a date and time like"),
    ("{rule: consumer-stcuk, until: 2026-12-24T08:00:00Z}", r"'rule' 'consumer-stcuk' matches no rule of this file"),
    ("{until: 2026-12-24T08:00:00Z, reason: x}", r"unknown field\(s\) \['reason'\]"),
])
def test_bad_silences_are_refused(tmp_path: Path, silence: str, error: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules: [{{name: consumer-stuck, kind: group_status}}]\nsilences: [{silence}]\n")
    with pytest.raises(RulesError, match=error):
        load_rules(path)
