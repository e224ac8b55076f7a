"""Alerts: the rules loaded, the alerts firing now, and the history of firings and resolutions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Label, Static

from airstream.monitor.alerts import AlertEvent, AlertState
from airstream.monitor.model import ClusterSnapshot
from airstream.monitor.rules import Rule, RuleKind, RuleSet
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.format import fmt_duration, fmt_time
from airstream.monitor.widgets.live_table import LiveTable

__all__ = ["AlertsScreen", "AlertsView", "condition"]

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass(frozen=True, slots=True)
class AlertsView:
    """What the Alerts screen draws, made by the refresh worker so the UI never reads live engine state.

    ``firing`` holds one ``firing`` event per open alert; ``history`` every opening and resolution
    kept, oldest first; ``notify_errors`` the notifiers' failures on the last refresh.
    """

    rules: RuleSet | None = None
    firing: tuple[AlertEvent, ...] = ()
    history: tuple[AlertEvent, ...] = ()
    notify_errors: tuple[str, ...] = ()


def condition(rule: Rule) -> str:
    """A rule's condition in words, as written in the rules file.

    >>> from airstream.monitor.rules import parse_rules
    >>> rs = parse_rules({"rules": [{"name": "a", "kind": "group_lag", "above": 1000},
    ...                             {"name": "b", "kind": "time_to_drain", "above": "10m"},
    ...                             {"name": "c", "kind": "group_status", "status": ["STALL"]},
    ...                             {"name": "d", "kind": "e2e_latency", "above": "750ms", "stat": "max"},
    ...                             {"name": "e", "kind": "producer_inactive", "above": "5m"}]})
    >>> [condition(r) for r in rs.rules]  # doctest: +NORMALIZE_WHITESPACE
    ['group_lag > 1000', 'time_to_drain > 10m00s', 'group_status in STALL',
     'e2e_latency max > 750ms over 5m00s', 'producer_inactive > 5m00s']
    """
    if rule.kind is RuleKind.GROUP_STATUS:
        return f"{rule.kind.value} in {','.join(sorted(s.value for s in rule.statuses))}"
    if rule.kind is RuleKind.E2E_LATENCY:
        return f"{rule.kind.value} {rule.stat} > {_limit(rule.above)} over {fmt_duration(rule.window)}"
    timed = rule.kind in (RuleKind.TIME_LAG, RuleKind.TIME_TO_DRAIN, RuleKind.TOPIC_IDLE, RuleKind.PRODUCER_INACTIVE)
    limit = _limit(rule.above) if timed else f"{rule.above:g}" if rule.above is not None else "-"
    return f"{rule.kind.value} > {limit}"


def _limit(seconds: float | None) -> str:
    # Latency limits are often under a second, which fmt_duration would round to 0s.
    return f"{seconds * 1000:.0f}ms" if seconds is not None and seconds < 1 else fmt_duration(seconds)


def _severity(severity: str) -> Text:
    return Text(severity, style=_SEVERITY_STYLE.get(severity, ""))


class AlertsScreen(AirmonScreen):
    """Rules (what is watched), firing alerts (what is wrong now), history (what happened)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        yield Label("Firing now", classes="pane-title")
        yield LiveTable([("severity", "Severity"), ("rule", "Rule"), ("subject", "Subject"),
                         ("since", "Since (UTC)"), ("message", "Condition")], id="firing")
        yield Label("Rules", classes="pane-title")
        yield LiveTable([("name", "Rule"), ("applies", "Applies to"), ("condition", "Condition"),
                         ("for", "For"), ("severity", "Severity"), ("notify", "Notify")], id="rules")
        yield Label("History", classes="pane-title")
        yield LiveTable([("at", "At (UTC)"), ("state", "State"), ("rule", "Rule"), ("subject", "Subject"),
                         ("message", "Condition")], id="history")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#firing").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        view = self.airmon.alerts
        heading = self.query_one("#heading", Static)
        if view.rules is None:
            heading.update(Text("No alert rules loaded: start airmon with --rules rules.yaml "
                                "(see `airmon check --help` for the format).", style="dim"))
        else:
            errors = "".join(f"\n⚠ {e}" for e in view.notify_errors)
            heading.update(Text(f"{len(view.rules.rules)} rules from {view.rules.origin} · "
                                f"{len(view.firing)} firing{errors}",
                                style="bold red" if view.notify_errors else ""))
        self.query_one("#firing", LiveTable).set_rows([
            (f"{e.rule}|{e.subject_kind}|{e.subject}",
             [_severity(e.severity), e.rule, f"{e.subject_kind} {e.subject}", fmt_time(e.since), e.message])
            for e in view.firing])
        rules = view.rules.rules if view.rules else ()
        self.query_one("#rules", LiveTable).set_rows([
            (r.name, [r.name, r.scope, condition(r),
                      fmt_duration(r.for_seconds), _severity(r.severity), ", ".join(r.notify) or "-"])
            for r in rules])
        self.query_one("#history", LiveTable).set_rows([
            (str(i), [fmt_time(e.at),
                      Text(e.state.value, style="bold red" if e.state is AlertState.FIRING else "green"),
                      e.rule, f"{e.subject_kind} {e.subject}", e.message])
            for i, e in reversed(list(enumerate(view.history)))])
