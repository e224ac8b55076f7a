"""Runtime metrics with Kafka Streams' names, and their Prometheus exposition.

The processing thread updates a :class:`StreamsMetrics` once per batch or commit, never per
record; :meth:`StreamsMetrics.snapshot` (what ``KafkaStreams.metrics()`` returns) is a plain
dict any thread may read:

- ``process-total``, ``process-rate`` (records/s over the last few seconds);
- ``commit-total``, ``commit-rate``, ``commit-latency-avg``, ``commit-latency-max`` (ms);
- ``record-e2e-latency-avg`` / ``-max`` (ms from a record's timestamp until its batch was
  processed; sampled on the last record of each partition in a batch);
- ``dropped-records-total`` (deserialization/processing errors skipped or sent to the DLQ,
  output records too large for their topic, late window records);
- ``restore-total``, ``restore-remaining-records-total`` (changelog records restored / still to
  restore);
- ``records-lag`` per task (``{"0_3": 12, ...}``, end offset minus position, summed over the
  task's partitions; refreshed at every commit), and ``records-lag-max`` over all tasks;
- ``rebalance-total``, ``aborted-transactions-total`` and ``rewind-total`` for the failure paths.

:func:`summary_line` is the INFO line the runtime logs once a minute (records, drops, commits,
rewinds, rebalances, lag). :func:`serve_prometheus` exports the same values as Prometheus text
(``airstream_process_total`` ...) on a port, using ``prometheus_client``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

__all__ = ["StreamsMetrics", "serve_prometheus", "summary_line"]

_RATE_WINDOW_S = 5.0


class _Rate:
    """Events per second over a sliding window of (time, total) samples."""

    __slots__ = ("samples",)

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float]] = deque()

    def add(self, now: float, total: float) -> None:
        self.samples.append((now, total))
        while len(self.samples) > 2 and now - self.samples[0][0] > _RATE_WINDOW_S:
            self.samples.popleft()

    def rate(self, now: float, total: float) -> float:
        if not self.samples:
            return 0.0
        t0, v0 = self.samples[0]
        span = now - t0
        return (total - v0) / span if span > 0 else 0.0


class StreamsMetrics:
    """Counters of one application instance (see the module docstring for the names)."""

    def __init__(self, application_id: str) -> None:
        self.application_id = application_id
        self._lock = threading.Lock()
        self.process_total = 0
        self.commit_total = 0
        self.commit_latency_sum = 0.0
        self.commit_latency_max = 0.0
        self.e2e_sum = 0.0
        self.e2e_count = 0
        self.e2e_max = 0.0
        self.dropped_outside_tasks = 0  # of tasks that are gone; outputs too large for their topic
        self.restore_total = 0
        self.restore_remaining = 0
        self.rebalance_total = 0
        self.aborted_total = 0
        self.rewind_total = 0
        self.lag: dict[str, int] = {}
        self._drops_live = 0
        self._process_rate = _Rate()
        self._commit_rate = _Rate()

    def processed(self, n: int, now_ms: int, timestamps: list[int]) -> None:
        """A batch of ``n`` records was processed; ``timestamps`` are sampled record times."""
        with self._lock:
            self.process_total += n
            self._process_rate.add(now_ms / 1000, self.process_total)
            for ts in timestamps:
                e2e = now_ms - ts
                if e2e >= 0:
                    self.e2e_sum += e2e
                    self.e2e_count += 1
                    if e2e > self.e2e_max:
                        self.e2e_max = e2e

    def committed(self, latency_ms: float) -> None:
        """A commit (or transaction commit) took ``latency_ms``."""
        with self._lock:
            self.commit_total += 1
            self.commit_latency_sum += latency_ms
            self.commit_latency_max = max(self.commit_latency_max, latency_ms)
            self._commit_rate.add(time.time(), self.commit_total)

    def set_drops(self, live: int) -> None:
        """Dropped records counted by the current tasks."""
        self._drops_live = live

    def snapshot(self) -> dict[str, Any]:
        """All metrics as a dict keyed by Kafka Streams metric names."""
        now = time.time()
        with self._lock:
            lag = dict(self.lag)
            return {
                "process-total": self.process_total,
                "process-rate": self._process_rate.rate(now, self.process_total),
                "commit-total": self.commit_total,
                "commit-rate": self._commit_rate.rate(now, self.commit_total),
                "commit-latency-avg": self.commit_latency_sum / self.commit_total if self.commit_total else 0.0,
                "commit-latency-max": self.commit_latency_max,
                "record-e2e-latency-avg": self.e2e_sum / self.e2e_count if self.e2e_count else 0.0,
                "record-e2e-latency-max": self.e2e_max,
                "dropped-records-total": self.dropped_outside_tasks + self._drops_live,
                "restore-total": self.restore_total,
                "restore-remaining-records-total": self.restore_remaining,
                "rebalance-total": self.rebalance_total,
                "aborted-transactions-total": self.aborted_total,
                "rewind-total": self.rewind_total,
                "records-lag": lag,
                "records-lag-max": max(lag.values(), default=0),
            }


def summary_line(before: dict[str, Any], after: dict[str, Any], seconds: float) -> str:
    """What changed between two :meth:`StreamsMetrics.snapshot` s, as the runtime's INFO line.

    >>> before = {"process-total": 1000, "dropped-records-total": 1, "commit-total": 4, "rewind-total": 0,
    ...           "rebalance-total": 1}
    >>> after = {"process-total": 13000, "dropped-records-total": 3, "commit-total": 6, "rewind-total": 1,
    ...          "rebalance-total": 1, "commit-latency-avg": 12.5, "records-lag-max": 40}
    >>> print(summary_line(before, after, 60))  # doctest: +NORMALIZE_WHITESPACE
    last 60 s: 12000 records processed (200.0/s), 2 dropped, 2 commits (avg 12 ms),
    1 redone from the last commit, 0 rebalances; lag 40
    """
    def delta(name: str) -> int:
        return int(after.get(name, 0)) - int(before.get(name, 0))

    processed = delta("process-total")
    return (f"last {seconds:.0f} s: {processed} records processed ({processed / max(seconds, 1e-9):.1f}/s), "
            f"{delta('dropped-records-total')} dropped, {delta('commit-total')} commits "
            f"(avg {after.get('commit-latency-avg', 0.0):.0f} ms), {delta('rewind-total')} redone from the last "
            f"commit, {delta('rebalance-total')} rebalances; lag {after.get('records-lag-max', 0)}")


class _Collector:
    """A prometheus_client collector reading :meth:`StreamsMetrics.snapshot` at scrape time."""

    def __init__(self, metrics: StreamsMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        snap = self.metrics.snapshot()
        app = self.metrics.application_id
        for name, value in snap.items():
            metric = "airstream_" + name.replace("-", "_")
            family: GaugeMetricFamily | CounterMetricFamily
            if name == "records-lag":
                family = GaugeMetricFamily(metric, "records-lag per task", labels=["application_id", "task"])
                for task, lag in sorted(value.items()):
                    family.add_metric([app, task], lag)
            elif name.endswith("-total"):
                family = CounterMetricFamily(metric.removesuffix("_total"), name, labels=["application_id"])
                family.add_metric([app], value)
            else:
                family = GaugeMetricFamily(metric, name, labels=["application_id"])
                family.add_metric([app], value)
            yield family


def serve_prometheus(metrics: StreamsMetrics, port: int, addr: str = "127.0.0.1") -> tuple[Any, int]:
    """Serve ``metrics`` as Prometheus text on ``http://addr:port/metrics`` (``port`` 0 picks a
    free one); returns ``(server, port)``. Call ``server.shutdown()`` to stop."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()
    registry.register(_Collector(metrics))
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server, server.server_address[1]
