"""``AirmonApp``: the Textual dashboard over a :class:`~airstream.monitor.sources.Source`.

The app owns the refresh loop: every ``refresh_interval`` seconds a thread worker calls
``source.snapshot()`` (blocking Kafka round-trips), passes it through the
:class:`~airstream.monitor.history.History` (rates, lag trends, Burrow status), the alert rules and their
notifiers, and reads the message traces; the UI thread then only stores the finished, immutable
results and the current screen redraws from them. Screens never call Kafka; anything they need on
demand (a topic's configuration, time lag, messages, a confirmed write) goes through
:meth:`AirmonApp.run_blocking`, which runs it in a worker and hands the result back to the screen.

A failed refresh is shown in the status bar and retried on the next tick; the app never crashes on
a broker that is away.

Example::

    from airstream.monitor.app import AirmonApp
    from airstream.monitor.sources import KafkaSource

    AirmonApp(KafkaSource({"bootstrap.servers": "127.0.0.1:9092"}), refresh_interval=2.0).run()
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from airstream.monitor.alerts import AlertEngine, AlertState
from airstream.monitor.browse import KafkaBrowser, MessageBrowser, Position
from airstream.monitor.decode import Decoder
from airstream.monitor.group_admin import GroupAdmin, KafkaGroupAdmin, OffsetMove
from airstream.monitor.history import History
from airstream.monitor.model import ClusterSnapshot, GroupInfo, Severity
from airstream.monitor.notifiers import build_dispatcher
from airstream.monitor.producing import KafkaMessageWriter, MessageWriter
from airstream.monitor.rules import RuleSet
from airstream.monitor.screens.alerts import AlertsView
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.screens.confirm import ConfirmScreen
from airstream.monitor.screens.group_detail import GroupDetailScreen
from airstream.monitor.screens.help import HelpScreen
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.screens.produce import Draft, ProduceScreen
from airstream.monitor.screens.registry import SCREENS
from airstream.monitor.screens.reset import ResetScreen
from airstream.monitor.screens.topic_detail import TopicDetailScreen
from airstream.monitor.sources import KafkaSource, Source
from airstream.monitor.traces import TraceModel, TraceReader

__all__ = ["AirmonApp", "ClusterConnection", "TraceSource"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ClusterConnection:
    """What airmon talks to one named cluster with (see :meth:`AirmonApp.for_clusters`)."""

    name: str
    source: Source
    browser: MessageBrowser | None = None
    admin: GroupAdmin | None = None
    writer: MessageWriter | None = None
    trace_reader: TraceSource | None = None


def _connect(name: str, config: Mapping[str, Any], rules: RuleSet, *, timeout: float, commit_log: bool,
             lookback: float, decoder: Decoder | None) -> ClusterConnection:
    """The Kafka clients of one cluster, from one client configuration."""
    # Trace rules may need more than the default hour of traces (a producer quiet for hours).
    return ClusterConnection(
        name, KafkaSource(config, timeout=timeout, commit_log=commit_log, lag=rules.lag, lookback=lookback),
        KafkaBrowser(config, decoder=decoder), KafkaGroupAdmin(config, timeout=timeout),
        KafkaMessageWriter(config, timeout=timeout), TraceReader(config, timeout=timeout, window=rules.trace_window))


# What the app holds for the cluster it shows; switching clusters keeps each cluster's own copy.
_PER_CLUSTER = ("source", "browser", "admin", "writer", "trace_reader", "traces", "history", "_engine", "alerts",
                "snapshot", "refreshes", "_failure", "_lag_trends")


class TraceSource(Protocol):
    """Where the Producers pane's data comes from (``airstream.monitor.traces.TraceReader``, or a fake in tests)."""

    def refresh(self) -> TraceModel:
        """Read what was traced since the last call; blocks; reports problems in the model, never raises."""
        ...

    def close(self) -> None:
        """Release the client."""
        ...


# One footer entry for the keys of all top-level screens, not one per screen: 80 columns must leave room
# for a screen's own keys.
_SCREENS = Binding.Group("Screens")


class AirmonApp(App[None]):
    """The airmon terminal dashboard.

    Args:
        source: where snapshots come from (``KafkaSource`` for a cluster, an embedded view, a fake in tests).
        refresh_interval: seconds between refreshes.
        rules: alert rules to evaluate on every refresh (shown on the Alerts screen); their
            notifiers are told when an alert opens or resolves. Rules on traces are judged on what
            ``trace_reader`` read in the same refresh.
        allow_writes: enable destructive actions (delete a group, reset its offsets); each still asks
            the user to type the group's name.
        browser: reads records for the Messages screen (``None``: the screen says it cannot).
        admin: performs the destructive actions (``None``: they are refused like without ``allow_writes``).
        writer: writes test messages from the Messages screen (``None``: refused like without ``allow_writes``).
        clusters: named clusters to switch between with ``C`` (the first is shown first; its parts are the
            ones given above); each keeps its own history and alerts, and only the one shown is refreshed.
        trace_reader: producers for the Overview from message traces (``None``: the pane says why it is empty).

    :meth:`for_kafka` builds all of them from one client configuration.

    Example::

        app = AirmonApp(source, refresh_interval=5.0)
        app.run()
    """

    CSS_PATH = Path(__file__).with_name("airmon.tcss")
    TITLE = "airmon"
    # From the registry, so the modes, their keys and help cannot disagree; the app starts on its first
    # top-level screen.
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        s.name: s.screen for s in SCREENS if s.key is not None}
    DEFAULT_MODE = next(iter(MODES))
    # Every action has its own key in the footer and in help; a palette would be a second, hidden way.
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(s.key, f"switch_mode({s.name!r})", s.label, group=_SCREENS) for s in SCREENS if s.key is not None),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False),
        Binding("C", "next_cluster", "Cluster", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, source: Source, *, refresh_interval: float = 2.0, rules: RuleSet | None = None,
                 allow_writes: bool = False, browser: MessageBrowser | None = None,
                 admin: GroupAdmin | None = None, trace_reader: TraceSource | None = None,
                 writer: MessageWriter | None = None, clusters: Sequence[ClusterConnection] = ()) -> None:
        super().__init__()
        self.clusters = list(clusters)
        """The named clusters ``C`` switches between (empty for one unnamed cluster)."""
        self.cluster_name: str | None = self.clusters[0].name if self.clusters else None
        self._saved: dict[str, dict[str, Any]] = {}
        self._switch_pending = False
        self.source = source
        self.refresh_interval = refresh_interval
        self.rules = rules
        self.allow_writes = allow_writes
        self.browser = browser
        """Reads messages for the Messages screen; ``None`` where there is no Kafka to read from."""
        self.admin = admin
        """Deletes groups and resets offsets; used only when ``allow_writes`` is true."""
        self.writer = writer
        """Writes test messages; used only when ``allow_writes`` is true."""
        self.trace_reader = trace_reader
        self.traces: TraceModel | None = None
        """Producers and hops from message traces as of the latest refresh (``None`` without a reader)."""
        self.history = History(lag=rules.lag) if rules is not None else History()
        self._engine = (AlertEngine(rules, self.history.idle_seconds, cluster=self.cluster_name)
                        if rules is not None else None)
        self._dispatcher = build_dispatcher(rules) if rules is not None and rules.notifiers else None
        self._acknowledged: queue.SimpleQueue[tuple[str, str, str]] = queue.SimpleQueue()
        self.alerts = AlertsView(rules, silences=tuple(rules.silences) if rules is not None else ())
        """The rules, firing alerts and their history as of the latest refresh."""
        self.snapshot: ClusterSnapshot | None = None
        """The latest enriched snapshot; ``None`` until the first refresh returns."""
        self.refreshes = 0
        """How many refreshes have completed (successful or not)."""
        self._refreshing = False
        self._failure: str | None = None
        self._notice: tuple[str, bool] | None = None
        self._notice_timer: Timer | None = None
        self._lag_trends: dict[str, tuple[int, ...]] = {}
        self.sub_title = self._cluster_title()

    @classmethod
    def for_kafka(cls, config: Mapping[str, Any], *, timeout: float = 10.0, commit_log: bool = True,
                  lookback: float = 3600.0, decoder: Decoder | None = None, **options: Any) -> AirmonApp:
        """The dashboard of a Kafka cluster: source, message browser and group admin from one client config.

        ``config`` holds librdkafka properties (``bootstrap.servers``, SASL/SSL ...); ``commit_log``
        and ``lookback`` are :class:`~airstream.monitor.sources.KafkaSource`'s; ``decoder`` reads record
        bytes in the Messages screen (give it a schema registry for Avro); ``options`` are the
        keyword arguments of the constructor (``refresh_interval``, ``rules``, ``allow_writes``).

        Example::

            AirmonApp.for_kafka({"bootstrap.servers": "127.0.0.1:9092"}, allow_writes=True).run()
        """
        one = _connect("", config, options.get("rules") or RuleSet(), timeout=timeout, commit_log=commit_log,
                       lookback=lookback, decoder=decoder)
        return cls(one.source, browser=one.browser, admin=one.admin, writer=one.writer,
                   trace_reader=one.trace_reader, **options)

    @classmethod
    def for_clusters(cls, configs: Sequence[tuple[str, Mapping[str, Any]]], *, timeout: float = 10.0,
                     commit_log: bool = True, lookback: float = 3600.0, decoder: Decoder | None = None,
                     **options: Any) -> AirmonApp:
        """The dashboard of several named Kafka clusters, ``C`` switching between them; ``configs`` are
        ``(name, client config)`` pairs, the other arguments as for :meth:`for_kafka`.

        Example::

            AirmonApp.for_clusters([("prod", {"bootstrap.servers": "kafka-prod:9092"}),
                                    ("staging", {"bootstrap.servers": "kafka-staging:9092"})]).run()
        """
        rules = options.get("rules") or RuleSet()
        connections = [_connect(name, config, rules, timeout=timeout, commit_log=commit_log, lookback=lookback,
                                decoder=decoder) for name, config in configs]
        first = connections[0]
        return cls(first.source, browser=first.browser, admin=first.admin, writer=first.writer,
                   trace_reader=first.trace_reader, clusters=connections, **options)

    def action_next_cluster(self) -> None:
        """Show the next cluster (with --cluster given more than once); each keeps its own history and alerts."""
        if len(self.clusters) < 2:
            self.notice("⚠ one cluster only: give several with --cluster NAME=BOOTSTRAP", error=True)
        elif self._refreshing:
            # The refresh worker is using this cluster's source and history: switch when it is done.
            self._switch_pending = True
            self.notice("switching cluster after this refresh…")
        else:
            self._switch_cluster()

    def _switch_cluster(self) -> None:
        self._switch_pending = False
        self._saved[self.cluster_name or ""] = {name: getattr(self, name) for name in _PER_CLUSTER}
        names = [c.name for c in self.clusters]
        chosen = self.clusters[(names.index(self.cluster_name or "") + 1) % len(self.clusters)]
        self.cluster_name = chosen.name
        saved = self._saved.get(chosen.name)
        if saved is not None:
            for name, value in saved.items():
                setattr(self, name, value)
        else:
            self.source, self.browser, self.admin = chosen.source, chosen.browser, chosen.admin
            self.writer, self.trace_reader, self.traces = chosen.writer, chosen.trace_reader, None
            self.history = History(lag=self.rules.lag) if self.rules is not None else History()
            self._engine = (AlertEngine(self.rules, self.history.idle_seconds, cluster=chosen.name)
                            if self.rules is not None else None)
            self.alerts = AlertsView(self.rules, silences=tuple(self.rules.silences) if self.rules else ())
            self.snapshot, self.refreshes, self._failure, self._lag_trends = None, 0, None, {}
        while len(self.screen_stack) > 1:  # a detail screen belongs to the cluster it was opened on
            self.pop_screen()
        self.sub_title = self._cluster_title()
        self.notice(f"cluster {chosen.name} ({names.index(chosen.name) + 1} of {len(names)})")
        self._redraw()
        self.action_refresh_now()

    def _cluster_title(self) -> str:
        snapshot = self.snapshot
        where = (snapshot.source + (f" · cluster {snapshot.cluster_id}" if snapshot.cluster_id else "")
                 if snapshot is not None else getattr(self.source, "name", "") or "")
        return f"{self.cluster_name} · {where}" if self.cluster_name else where

    def on_unmount(self) -> None:
        for connection in self.clusters or [ClusterConnection("", self.source, self.browser, self.admin, self.writer,
                                                              self.trace_reader)]:
            for client in (connection.browser, connection.trace_reader, connection.writer):
                if client is not None:
                    client.close()
        if self._dispatcher is not None:
            self._dispatcher.flush(force=True)

    # -- refresh loop ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(self.refresh_interval, self.action_refresh_now)
        self.action_refresh_now()

    def action_refresh_now(self) -> None:
        """Refresh now (unless a refresh is running: they never pile up)."""
        if not self._refreshing:
            self._refreshing = True
            self._take_snapshot()

    @work(thread=True, group="refresh", exit_on_error=False)
    def _take_snapshot(self) -> None:
        # Everything that may block or take time for a big cluster happens here, off the UI thread:
        # the admin requests, history and lag rules, time lag for rules that need it, alert rules and
        # notifications, traces, lag trends. The UI thread only receives finished, immutable results.
        try:
            snapshot = self.history.record(self.source.snapshot())
            traces = self.trace_reader.refresh() if self.trace_reader is not None else None
            snapshot, alerts = self._evaluate_alerts(snapshot, traces)
            trends = {g.group_id: tuple(lag for _, lag in self.history.lag_series(g.group_id) if lag is not None)
                      for g in snapshot.groups}
        except Exception as exc:  # a Source should not raise, but a bad one must not kill the dashboard
            self._deliver(self._refresh_failed, f"{type(exc).__name__}: {exc}")
        else:
            self._deliver(self._refresh_done, snapshot, alerts, traces, trends)

    def _evaluate_alerts(self, snapshot: ClusterSnapshot,
                         traces: TraceModel | None) -> tuple[ClusterSnapshot, AlertsView]:
        engine, rules = self._engine, self.rules
        if engine is None or rules is None:
            return snapshot, self.alerts
        with_time_lag = getattr(self.source, "with_time_lag", None)
        needed = rules.groups_needing_time_lag(snapshot)
        if needed and with_time_lag is not None:
            snapshot = with_time_lag(snapshot, needed)
        events = engine.evaluate(snapshot, traces=traces)
        errors: list[str] = []
        if self._dispatcher is not None:
            while not self._acknowledged.empty():  # acknowledged on screen since the last refresh
                self._dispatcher.acknowledge(*self._acknowledged.get())
            errors = self._dispatcher.deliver(events)
        unmatched = tuple((rule.name, why) for rule, why in rules.unmatched(snapshot, traces)) if snapshot.ok \
            else self.alerts.unmatched
        return snapshot, self._alerts_view(engine, rules, snapshot.taken_at, tuple(errors), unmatched)

    @staticmethod
    def _alerts_view(engine: AlertEngine, rules: RuleSet, now: float, errors: tuple[str, ...],
                     unmatched: tuple[tuple[str, str], ...]) -> AlertsView:
        firing = tuple(a.event(AlertState.FIRING, a.fired_at or now) for a in engine.firing)
        silences = tuple(s for s in engine.silences if s.active(now))
        return AlertsView(rules, firing, tuple(engine.history), errors, silences, unmatched)

    # -- acknowledging and silencing (keys of the Alerts screen) ---------------------------------

    def acknowledge_alert(self, key: tuple[str, str, str]) -> None:
        """Mark a firing alert acknowledged; notifiers drop what they still had queued for it."""
        if self._engine is not None and self._engine.acknowledge(key, time.time()):
            self._acknowledged.put(key)
            self._alerts_changed(f"acknowledged {key[0]} on {key[1]} {key[2]}")

    def silence_alert(self, key: tuple[str, str, str], seconds: float) -> None:
        """Silence an alert's notifications for ``seconds`` from now, or from the end of its silence."""
        if self._engine is None:
            return
        now = time.time()
        current = next((a.silenced_until for a in self._engine.firing if a.key == key), None)
        until = max(now, current or now) + seconds
        self._engine.silence(key, until, comment="silenced on screen")
        shown = time.strftime("%H:%M", time.gmtime(until))
        self._alerts_changed(f"silenced {key[0]} on {key[1]} {key[2]} until {shown} UTC")

    def unsilence_alert(self, key: tuple[str, str, str]) -> None:
        """Drop the screen's silence of an alert (a rules file's silence stays until it expires)."""
        if self._engine is not None and self._engine.unsilence(key, time.time()):
            self._alerts_changed(f"{key[0]} on {key[1]} {key[2]} is no longer silenced")

    def _alerts_changed(self, what: str) -> None:
        if self._engine is not None and self.rules is not None:
            self.alerts = self._alerts_view(self._engine, self.rules, time.time(), self.alerts.notify_errors,
                                            self.alerts.unmatched)
        self.notice(what)
        self._redraw()

    def _deliver(self, callback: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the app closed while the worker was blocked on Kafka, so nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(callback, *args)

    def _refresh_done(self, snapshot: ClusterSnapshot, alerts: AlertsView, traces: TraceModel | None,
                      trends: dict[str, tuple[int, ...]]) -> None:
        self._refreshing = False
        self.refreshes += 1
        self.alerts = alerts
        self.traces = traces
        self._lag_trends = trends
        errors = [m for m in snapshot.messages if m.severity is Severity.ERROR]
        if errors and not snapshot.brokers and not snapshot.topics and self.snapshot is not None:
            # Nothing came back: keep showing the last good data (marked stale) rather than blank tables.
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            shown = time.strftime("%H:%M:%S", time.gmtime(self.snapshot.taken_at))
            self._failure = f"{errors[0].text}{more}; showing data from {shown} UTC"
        else:
            self._failure = None
            self.snapshot = snapshot
        self.sub_title = self._cluster_title()
        self._redraw()
        if self._switch_pending:
            self._switch_cluster()

    def _refresh_failed(self, reason: str) -> None:
        self._refreshing = False
        self.refreshes += 1
        self._failure = f"refresh failed: {reason}"
        self._redraw()
        if self._switch_pending:
            self._switch_cluster()

    def _redraw(self) -> None:
        if isinstance(self.screen, AirmonScreen):
            self.screen.redraw()

    def status_line(self) -> tuple[str, bool]:
        """The status bar's text and whether it shows an error (the same on every screen)."""
        retry = f"retrying every {self.refresh_interval:g}s"
        if self._failure is not None:
            return f"⚠ {self._failure} ({retry})", True
        if self._notice is not None:
            return self._notice
        snapshot = self.snapshot
        if snapshot is None:
            return "connecting…", False
        errors = [m for m in snapshot.messages if m.severity is Severity.ERROR]
        if errors:
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"⚠ {errors[0].text}{more} ({retry})", True
        taken = time.strftime("%H:%M:%S", time.gmtime(snapshot.taken_at))
        warnings = [m for m in snapshot.messages if m.severity is Severity.WARNING]
        tail = f" · {warnings[0].text}" if warnings else ""
        return f"{snapshot.source} · refreshed {taken} UTC every {self.refresh_interval:g}s{tail}", False

    def notice(self, text: str, *, error: bool = False) -> None:
        """Show a one-off message in the status bar for a few seconds (at least one refresh interval)."""
        self._notice = (text, error)
        self._redraw()
        if self._notice_timer is not None:
            self._notice_timer.stop()  # the newest notice gets its full time on screen
        self._notice_timer = self.set_timer(max(self.refresh_interval, 3.0), self._clear_notice)

    def _clear_notice(self) -> None:
        self._notice = None
        self._redraw()

    # -- on-demand blocking calls ---------------------------------------------------------------

    def run_blocking(self, what: str, call: Callable[[], T], on_done: Callable[[T], None],
                     on_error: Callable[[str], None] | None = None, *, owner: Widget | None = None) -> None:
        """Run a blocking call (a Kafka request) in a worker and give its result to ``on_done``.

        ``what`` names the action for the status bar if it fails (``"reading time lag of scorer"``);
        the failure is also passed to ``on_error``. Both callbacks run in the UI thread, and not at
        all once ``owner`` (the screen that asked) has been closed in the meantime.
        """

        def done(result: T) -> None:
            if owner is None or owner.is_attached:
                on_done(result)

        def failed(text: str) -> None:
            self.notice(text, error=True)
            if on_error is not None and (owner is None or owner.is_attached):
                on_error(text)

        def task() -> None:
            try:
                result = call()
            except Exception as exc:
                detail = str(exc)  # errors of our own clients already say what they were doing
                self._deliver(failed, f"⚠ {detail if detail.startswith(what) else f'{what} failed: {detail}'}")
            else:
                self._deliver(done, result)

        self.run_worker(task, thread=True, group="on-demand", exit_on_error=False, description=what)

    # -- navigation -----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show the keys of every screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_topic(self, name: str) -> None:
        """Show one topic's partitions and configuration."""
        self.push_screen(TopicDetailScreen(name))

    def open_group(self, group_id: str) -> None:
        """Show one consumer group's partitions and lag history."""
        self.push_screen(GroupDetailScreen(group_id))

    def open_messages(self, topic: str, partition: int | None = None, *, start: Position | None = None) -> None:
        """Browse the messages of a topic (all partitions merged by time) or of one partition, from
        ``start`` or else the newest page."""
        self.push_screen(MessagesScreen(topic, partition, start))

    # -- what screens read besides the snapshot -------------------------------------------------

    def group_lag_series(self, group_id: str) -> list[int]:
        """The group's total lag at each kept refresh (refreshes where it was missing are skipped).

        Computed for every group by the refresh worker: the Groups screen draws one per row, and
        walking the history a hundred times per refresh is work the UI thread should not do.
        """
        return list(self._lag_trends.get(group_id, ()))

    def partition_lag_series(self, group_id: str, topic: str, partition: int) -> list[int]:
        """One partition's lag for the group at each kept refresh."""
        return [lag for _, lag in self.history.lag_series(group_id, topic, partition) if lag is not None]

    def read_time_lags(self, group_ids: list[str], on_done: Callable[[dict[str, float | None]], None], *,
                       owner: Widget | None = None) -> None:
        """Read the time lag of several groups in one worker; ``on_done`` gets the largest per group
        (``None``: read, nothing unconsumed or no record arrived)."""
        groups = [g for g in self.snapshot.groups if g.group_id in group_ids] if self.snapshot else []
        time_lag = getattr(self.source, "time_lag", None)
        if time_lag is None:
            self.notice(f"⚠ time lag cannot be read from {self.source.name}", error=True)
            return

        def read() -> dict[str, float | None]:
            return {g.group_id: max(time_lag(g).values(), default=None) for g in groups}

        self.notice(f"reading time lag of {len(group_ids)} groups…")
        self.run_blocking(f"reading time lag of {len(group_ids)} groups", read, on_done, owner=owner)

    def read_time_lag(self, group_id: str, on_done: Callable[[GroupInfo], None], *,
                      owner: Widget | None = None) -> None:
        """Read the group's time lag in a worker; ``on_done`` gets the group with ``time_lag`` filled in."""
        group = self.snapshot.group(group_id) if self.snapshot else None
        time_lag = getattr(self.source, "time_lag", None)
        if group is None or time_lag is None:
            self.notice(f"⚠ time lag cannot be read from {self.source.name}", error=True)
            return

        def read() -> GroupInfo:
            ages = time_lag(group)
            return dataclasses.replace(group, partitions=tuple(
                dataclasses.replace(p, time_lag=ages.get((p.topic, p.partition))) for p in group.partitions))

        self.notice(f"reading time lag of {group_id}…")
        self.run_blocking(f"reading time lag of group {group_id}", read, on_done, owner=owner)

    # -- writes ---------------------------------------------------------------------------------

    def _writes_refused(self, client: object | None) -> bool:
        """Whether a write must be refused: airmon is read-only, or ``client`` (the one to write with) is missing."""
        if not self.allow_writes or client is None:
            self.notice("⚠ read-only: start airmon with --allow-writes to write messages, delete groups or reset "
                        "offsets", error=True)
            return True
        return False

    def confirm_produce(self, topic: str, partition: int | None = None,
                        on_done: Callable[[tuple[int, int]], None] | None = None) -> None:
        """Ask for a record and the topic's name, then write it (only with ``allow_writes``); ``on_done``
        gets where it was stored."""
        writer = self.writer
        if self._writes_refused(writer):
            return
        assert writer is not None
        topic_info = self.snapshot.topic(topic) if self.snapshot else None
        partitions = topic_info.partition_count if topic_info else max((partition or 0) + 1, 1)

        def written(where: tuple[int, int]) -> None:
            self.notice(f"✔ wrote a message to {topic}/{where[0]} at offset {where[1]}")
            if on_done is not None:
                on_done(where)

        def confirmed(draft: Draft | None) -> None:
            if draft is not None:
                key, value, headers, chosen = draft
                def send() -> tuple[int, int]:
                    return writer.produce(topic, key=key, value=value, headers=headers, partition=chosen)

                self.run_blocking(f"writing a message to {topic}", send, written)

        self.push_screen(ProduceScreen(topic, partitions, partition), confirmed)

    def confirm_delete_group(self, group_id: str) -> None:
        """Ask for the group's name, then delete the group (only with ``allow_writes``)."""
        if self._writes_refused(self.admin):
            return
        admin = self.admin
        assert admin is not None

        def confirmed(choice: str | None) -> None:
            if choice is not None:
                self.run_blocking(f"deleting group {group_id}", lambda: admin.delete_group(group_id),
                                  lambda _: self._written(f"deleted group {group_id}"))

        self.push_screen(ConfirmScreen(f"Delete consumer group {group_id} and its committed offsets?", group_id),
                         confirmed)

    def confirm_reset_offsets(self, group_id: str, scope: str = "all") -> None:
        """Ask where to reset the group's offsets (``scope``: all, a topic or topic/partition), show the
        new offsets and lag, and reset once its name is typed (only with ``allow_writes``)."""
        if self._writes_refused(self.admin):
            return
        admin = self.admin
        assert admin is not None
        group = self.snapshot.group(group_id) if self.snapshot else None
        partitions = [(p.topic, p.partition) for p in group.partitions] if group else []

        def confirmed(plan: list[OffsetMove] | None) -> None:
            if plan:
                self.run_blocking(f"resetting offsets of group {group_id}", lambda: admin.apply_reset(group_id, plan),
                                  lambda _: self._written(f"reset offsets of group {group_id} on "
                                                          f"{len(plan)} partitions"))

        self.push_screen(ResetScreen(group_id, partitions, lambda chosen, to: admin.plan_reset(group_id, chosen, to),
                                     scope=scope), confirmed)

    def _written(self, what: str) -> None:
        self.notice(f"✔ {what}")
        self.action_refresh_now()

