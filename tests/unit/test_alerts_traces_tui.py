"""The dashboard judges trace rules on what its refresh worker read: the Alerts screen shows them."""

from __future__ import annotations

import threading

import pytest
from tui_fakes import T0, FakeSource
from tui_support import refresh, running, screen_text

from airstream.monitor.app import AirmonApp
from airstream.monitor.rules import parse_rules
from airstream.monitor.screens.alerts import AlertsScreen
from airstream.monitor.traces import TraceAccumulator, TraceModel, TraceReader
from airstream.monitor.widgets.live_table import LiveTable
from airstream.topology.tracing import LatencyHistogram

RULES = parse_rules({"rules": [
    {"name": "slow-audit", "kind": "e2e_latency", "group": "audit", "above": "2s", "severity": "critical"},
    {"name": "quiet", "kind": "producer_inactive", "producer": "scorer*", "above": "5m"},
]}, origin="trace-rules.yaml")


def _traces(audit_ms: int) -> TraceModel:
    """replay -> airline-tweets -> audit, read ``audit_ms`` after producing; scorer-out last produced 10 min ago."""
    bucket = int(T0 - 60) * 1000
    h = LatencyHistogram()
    for _ in range(5):
        h.add(audit_ms)
    acc = TraceAccumulator()
    acc.add({"v": 1, "kind": "producer", "client_id": "scorer-out", "last_ms": int(T0 - 600) * 1000, "rows": [
        {"topic": "scored-tweets", "partition": -1, "bucket": bucket, "origin": "scorer-out", "hop": 0, "via": "",
         "count": 5}]})
    acc.add({"v": 1, "kind": "consumer", "client_id": "audit-1", "group": "audit", "sample_rate": None,
             "rows": [{"topic": "airline-tweets", "partition": 0, "bucket": bucket, "count": 5}],
             "samples": [{"topic": "airline-tweets", "partition": 0, "bucket": bucket, "origin": "replay", "hop": 0,
                          "via": "", "count": 5, "latency": h.as_dict(), "e2e": None}]})
    return acc.model(now=T0)


class _Reader:
    def __init__(self, audit_ms: int) -> None:
        self.audit_ms = audit_ms
        self.threads: set[str] = set()

    def refresh(self) -> TraceModel:
        self.threads.add(threading.current_thread().name)
        return _traces(self.audit_ms)

    def close(self) -> None:
        pass


@pytest.mark.asyncio
async def test_trace_alerts_fire_resolve_and_show_on_the_alerts_screen() -> None:
    reader = _Reader(audit_ms=4_000)
    app = AirmonApp(FakeSource(), refresh_interval=3600, rules=RULES, trace_reader=reader)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AlertsScreen)
        rules = app.screen.query_one("#rules", LiveTable)
        assert rules.cells("slow-audit")[1:3] == ["group audit", "e2e_latency p99 > 2.0s over 5m00s"]
        assert rules.cells("quiet")[1:3] == ["producer scorer*", "producer_inactive > 5m00s"]
        firing = app.screen.query_one("#firing", LiveTable)
        assert sorted(firing.row_keys) == ["quiet|producer|scorer-out",
                                           "slow-audit|hop|replay -> airline-tweets -> audit"]
        assert firing.cells("slow-audit|hop|replay -> airline-tweets -> audit")[5] == \
            "end-to-end p99 4.0s above 2.0s (last 5m00s)"
        assert firing.cells("quiet|producer|scorer-out")[5] == "produced nothing for 10m00s above 5m00s"
        assert "2 rules from trace-rules.yaml · 2 firing" in screen_text(app)

        reader.audit_ms = 50  # audit caught up
        await refresh(pilot)
        assert firing.row_keys == ["quiet|producer|scorer-out"]
        history = app.screen.query_one("#history", LiveTable)
        assert history.column_text("state") == ["resolved", "firing", "firing"]
    # The blocking read happened in the refresh worker, never on the UI thread.
    assert reader.threads and threading.main_thread().name not in reader.threads


def test_for_kafka_reads_traces_as_far_back_as_the_rules_need() -> None:
    rules = parse_rules({"rules": [{"name": "q", "kind": "producer_inactive", "above": "3h"}]})
    app = AirmonApp.for_kafka({"bootstrap.servers": "127.0.0.1:1"}, rules=rules)
    assert isinstance(app.trace_reader, TraceReader) and app.trace_reader.accumulator.window == 4 * 3600
