"""Producer/consumer traces of an :class:`~airstream.topology.engine.cluster.EmbeddedCluster`: the same trace
headers and the same ``__airstream_metrics`` records a Kafka run gets from
:class:`~airstream.topology.tracing.TracingProducer` and :class:`~airstream.topology.tracing.TracingConsumer`.

The cluster stands in for the traced clients:

- a **named producer** (``cluster.producer("replay")``, or ``produce(..., client_id=...)``) puts an
  ``airstream.trace`` header on each record (hop 0, unless it already carries one) and counts it
  with :class:`~airstream.topology.tracing.ProducerMetrics`, under its client id;
- a **consumer group** committing offsets on a partition that holds traced records has what it
  consumed counted with :class:`~airstream.topology.tracing.ConsumerMetrics`, under the client id
  ``<group>-embedded-consumer``: every record counted, the trace headers of ``sample_rate`` records
  a second read for paths and latency (100, as the Kafka runtime's ``tracing.sample.rate``; ``None``
  reads every one). The receive time is when the partition was last read, so the latency is how
  long a record waited in the topic;
- the records a task appended before its group commits are that group's outputs: those that carry
  their input's trace header go one hop further via the group (as ``TracingProducer(forward_via=
  application_id)`` does on Kafka) and are counted under ``<group>-embedded-producer``.

:meth:`ClusterTraces.publish` turns what was counted into metrics records (deltas, exactly the
records the Kafka clients publish), which :mod:`airstream.monitor.traces` adds up into producers, hops and
paths. Records of anonymous producers (plain ``produce``) are not traced, like a plain
``confluent_kafka.Producer``'s, and partitions that never held a traced record cost nothing. A traced
record costs about 1 µs of CPU where it is consumed (2 µs with ``sample_rate=None``) and 1.5 µs for
each output a group forwards (the engine benchmark's workload, input from a named producer).

>>> traces = ClusterTraces(clock=lambda: 60.0)
>>> headers = traces.stamp("replay", "tweets", 0, 60_000, ())
>>> traces.consumed("scorer", "tweets", 0, [(60_000, headers)], read_ms=60_250)
>>> [(r["kind"], r["client_id"], r["rows"][0]["count"]) for r in traces.publish()]
[('producer', 'replay', 1), ('consumer', 'scorer-embedded-consumer', 1)]
>>> traces.records[1]["samples"][0]["latency"]["max"]
250
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableSequence
from typing import Any

from airstream.common.traces.header import TRACE_HEADER, forward_headers, new_trace, path_of, trace_value
from airstream.topology.tracing.aggregate import ConsumerMetrics, ProducerMetrics

__all__ = ["ClusterTraces", "consumer_client_id", "producer_client_id"]


def consumer_client_id(group: str) -> str:
    """The client id a group's consumption is reported under (``<group>-embedded-consumer``)."""
    return f"{group}-embedded-consumer"


def producer_client_id(group: str) -> str:
    """The client id a group's forwarded outputs are reported under (``<group>-embedded-producer``)."""
    return f"{group}-embedded-producer"


def _header_list(headers: Any) -> Any:
    # Records may hold headers as a mapping; traces work on (key, value) pairs, as Kafka keeps them.
    return list(headers.items()) if isinstance(headers, Mapping) else headers


def _path(headers: Any) -> bytes | None:
    return path_of(trace_value(headers)) if headers else None


class ClusterTraces:
    """What the embedded cluster's clients counted, and the metrics records published from it.

    ``clock``: seconds since the epoch (``time.time``), for header times, latencies and
    ``last_ms``. ``sample_rate``: trace headers each group reads a second (``None``: all).
    ``records`` holds every published metrics record, oldest first (the cluster's
    ``__airstream_metrics``). Thread-safe; the cluster calls it under its own lock.
    """

    def __init__(self, clock: Callable[[], float] = time.time, sample_rate: float | None = 100.0) -> None:
        self.clock = clock
        self.sample_rate = sample_rate
        self.records: list[dict[str, Any]] = []
        self._producers: dict[str, ProducerMetrics] = {}
        self._consumers: dict[str, ConsumerMetrics] = {}
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The clock, in milliseconds."""
        return int(self.clock() * 1000)

    def _producer(self, client_id: str, now_ms: int) -> ProducerMetrics:
        metrics = self._producers.get(client_id)
        if metrics is None:
            metrics = self._producers[client_id] = ProducerMetrics(client_id, now_ms)
        return metrics

    def stamp(self, client_id: str, topic: str, partition: int, timestamp: int, headers: Any) -> Any:
        """Count a record a named producer writes; its headers with a trace first (kept if it has one)."""
        now = self.now_ms()
        headers = _header_list(headers)
        if trace_value(headers) is None:
            headers = [(TRACE_HEADER, new_trace(client_id, now)), *(headers or ())]
        with self._lock:
            self._producer(client_id, now).produced(topic, partition, timestamp, _path(headers), now)
        return headers

    def forward(self, group: str, topic: str, partition: int, log: MutableSequence[Any], start: int) -> bool:
        """Take the traced records ``log[start:]`` a task of ``group`` appended one hop further via
        ``group``, rewriting their headers in place; whether there were any."""
        now = self.now_ms()
        forwarded = False
        new = tuple.__new__
        with self._lock:
            produced = self._producer(producer_client_id(group), now).produced
            for i in range(start, len(log)):
                record = log[i]
                headers = record[6]
                if not headers:
                    continue
                if type(headers) is not list:
                    headers = _header_list(headers)
                if trace_value(headers) is None:
                    continue
                headers = forward_headers(headers, via=group, now_ms=now)
                log[i] = new(type(record), (*record[:6], headers))
                # forward_headers puts the continued trace first (or drops an unreadable one).
                path = path_of(headers[0][1]) if headers and headers[0][0] == TRACE_HEADER else None
                produced(topic, partition, record[3], path, now)
                forwarded = True
        return forwarded

    def consumed(self, group: str, topic: str, partition: int, records: Iterable[tuple[int, Any]],
                 read_ms: int) -> None:
        """Count what ``group`` consumed from a partition: ``(timestamp, headers)`` pairs read at ``read_ms``."""
        # The consumer-side aggregation of the Kafka runtime, on the same records: one code path (and
        # one set of numbers) for Kafka and embedded runs.
        rows = [(topic, partition, -1, ts if ts >= 0 else -1, None, None, _header_list(headers) or None)
                for ts, headers in records]
        client = consumer_client_id(group)
        with self._lock:
            metrics = self._consumers.get(client)
            if metrics is None:
                metrics = self._consumers[client] = ConsumerMetrics(client, group, read_ms,
                                                                           sample_rate=self.sample_rate)
            metrics.observe_records(rows, read_ms)

    def publish(self) -> list[dict[str, Any]]:
        """Turn what was counted since the last publish into metrics records (appended to ``records``
        and returned), as the traced clients do every interval."""
        now = self.now_ms()
        out = []
        with self._lock:
            for metrics in (*self._producers.values(), *self._consumers.values()):
                if not metrics.empty:
                    out.append(metrics.record(now))
                    metrics.reset(now)
            self.records.extend(out)
        return out
