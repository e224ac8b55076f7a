"""Alerts: the rules loaded, the alerts firing now, and the history of firings and resolutions."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Label, Static

from airstream.monitor.alerts import AlertEvent, AlertState
from airstream.monitor.model import ClusterSnapshot
from airstream.monitor.rules import Rule, RuleKind, RuleSet, Silence
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.format import fmt_duration, fmt_time
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["AlertsScreen", "AlertsView", "condition"]

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass(frozen=True, slots=True)
class AlertsView:
    """What the Alerts screen draws, made by the refresh worker so the UI never reads live engine state.

    ``firing`` holds one ``firing`` event per open alert (with its silence and acknowledgement);
    ``history`` every opening and resolution kept, oldest first; ``notify_errors`` the notifiers'
    failures on the last refresh; ``silences`` those in force; ``unmatched`` the rules whose globs match
    nothing in the cluster, with why.
    """

    rules: RuleSet | None = None
    firing: tuple[AlertEvent, ...] = ()
    history: tuple[AlertEvent, ...] = ()
    notify_errors: tuple[str, ...] = ()
    silences: tuple[Silence, ...] = ()
    unmatched: tuple[tuple[str, str], ...] = ()


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
    if rule.kind is RuleKind.BROKER_DOWN:
        return rule.kind.value
    if rule.kind is RuleKind.E2E_LATENCY:
        return f"{rule.kind.value} {rule.stat} > {fmt_duration(rule.above)} over {fmt_duration(rule.window)}"
    timed = rule.kind in (RuleKind.TIME_LAG, RuleKind.TIME_TO_DRAIN, RuleKind.TOPIC_IDLE, RuleKind.PRODUCER_INACTIVE)
    limit = fmt_duration(rule.above) if timed else f"{rule.above:g}" if rule.above is not None else "-"
    return f"{rule.kind.value} > {limit}"




def _severity(severity: str) -> Text:
    return Text(severity, style=_SEVERITY_STYLE.get(severity, ""))


def _state(event: AlertEvent, now: float) -> Text:
    if event.silenced_until is not None:
        return Text(f"silenced {fmt_duration(max(event.silenced_until - now, 0))}", style="dim")
    if event.acknowledged_at is not None:
        return Text("acked", style="cyan")
    return Text("firing", style="bold red")


class AlertsScreen(AirmonScreen):
    """Rules (what is watched), firing alerts (what is wrong now), silences, history (what happened).

    On a firing alert: ``k`` acknowledges it (someone is on it), ``s`` silences its notifications for an
    hour (again: one more hour), ``u`` lifts the screen's silence. Rules whose globs match nothing in
    the cluster carry a badge.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "acknowledge", "Ack"),
        Binding("s", "silence", "Silence 1h"),
        Binding("u", "unsilence", "Unsilence"),
    ]

    SILENCE_STEP = 3600.0
    """Seconds one press of ``s`` silences for."""

    def __init__(self) -> None:
        super().__init__()
        self._alert_keys: dict[str, tuple[str, str, str]] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        yield Label("Firing now", classes="pane-title")
        yield LiveTable([("severity", "Severity"), ("rule", "Rule"), Column("subject", "Subject", max_width=32),
                         Column("since", "Since (UTC)", drop=1), ("state", "State"), ("message", "Condition")],
                        id="firing")
        yield Label("Rules", classes="pane-title")
        yield LiveTable([("name", "Rule"), ("applies", "Applies to"), ("condition", "Condition"),
                         Column("for", "For", drop=2), ("severity", "Severity"), Column("notify", "Notify", drop=3),
                         Column("matches", "Matches", drop=1)], id="rules")
        yield Label("Silences", classes="pane-title")
        yield LiveTable([("rule", "Rule"), ("subject", "Subject"), ("until", "Until (UTC)"), ("origin", "From"),
                         ("comment", "Comment")], id="silences")
        yield Label("History", classes="pane-title")
        yield LiveTable([("at", "At (UTC)"), ("state", "State"), ("rule", "Rule"),
                         Column("subject", "Subject", max_width=26), ("message", "Condition")], id="history")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#firing").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        view = self.airmon.alerts
        now = time.time()  # silences run on the wall clock, whatever the snapshot's time
        heading = self.query_one("#heading", Static)
        if view.rules is None:
            heading.update(Text("No alert rules loaded: start airmon with --rules rules.yaml "
                                "(see `airmon check --help` for the format).", style="dim"))
        else:
            errors = "".join(f"\n⚠ {e}" for e in view.notify_errors)
            unmatched = f" · ⚠ {len(view.unmatched)} matching nothing" if view.unmatched else ""
            heading.update(Text(f"{len(view.rules.rules)} rules from {view.rules.origin} · "
                                f"{len(view.firing)} firing{unmatched}{errors}",
                                style="bold red" if view.notify_errors else ""))
        self._alert_keys = {f"{e.rule}|{e.subject_kind}|{e.subject}": (e.rule, e.subject_kind, e.subject)
                            for e in view.firing}
        self.query_one("#firing", LiveTable).set_rows([
            (f"{e.rule}|{e.subject_kind}|{e.subject}",
             [_severity(e.severity), e.rule, f"{e.subject_kind} {e.subject}", fmt_time(e.since), _state(e, now),
              e.message])
            for e in view.firing])
        rules = view.rules.rules if view.rules else ()
        why = dict(view.unmatched)
        self.query_one("#rules", LiveTable).set_rows([
            (r.name, [r.name, r.scope, condition(r), fmt_duration(r.for_seconds), _severity(r.severity),
                      ", ".join(r.notify) or "-",
                      Text(f"⚠ {why[r.name]}", style="yellow") if r.name in why else ""])
            for r in rules])
        self.query_one("#silences", LiveTable).set_rows([
            (str(i), [s.rule, s.subject, fmt_time(s.until), s.origin, s.comment or "-"])
            for i, s in enumerate(view.silences)])
        self.query_one("#history", LiveTable).set_rows([
            (str(i), [fmt_time(e.at),
                      Text(e.state.value, style="bold red" if e.state is AlertState.FIRING else "green"),
                      e.rule, f"{e.subject_kind} {e.subject}", e.message])
            for i, e in reversed(list(enumerate(view.history)))])

    def _cursor_alert(self) -> tuple[str, str, str] | None:
        row = self.query_one("#firing", LiveTable).cursor_key
        return self._alert_keys.get(row) if row is not None else None

    def action_acknowledge(self) -> None:
        """Acknowledge the firing alert under the cursor."""
        if (key := self._cursor_alert()) is not None:
            self.airmon.acknowledge_alert(key)

    def action_silence(self) -> None:
        """Silence the alert under the cursor for another hour."""
        if (key := self._cursor_alert()) is not None:
            self.airmon.silence_alert(key, self.SILENCE_STEP)

    def action_unsilence(self) -> None:
        """Lift the screen's silence of the alert under the cursor."""
        if (key := self._cursor_alert()) is not None:
            self.airmon.unsilence_alert(key)
