"""Traces read from Kafka: ``__airstream_metrics`` consumed into a trace accumulator, a model per refresh.

:class:`TraceReader` reads the topic incrementally for ``airmon`` (the Traces screen, ``airmon snapshot
--json`` under ``traces``) and :func:`read_traces` reads it once; neither joins a consumer group. Both
block, so a UI calls them from a worker thread. Making a reader does not connect; its first refresh does:

>>> TraceReader({"bootstrap.servers": "kafka-1:9092"}, window=600)
TraceReader(topic='__airstream_metrics', bootstrap='kafka-1:9092')
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from airstream.common.client_config import connection_config
from airstream.common.redact import scrub
from airstream.common.traces.record import METRICS_TOPIC
from airstream.monitor.kafka_log import with_kafka_logger
from airstream.monitor.model import Severity, StatusMessage
from airstream.monitor.traces.accumulator import TraceAccumulator
from airstream.monitor.traces.model import TraceModel

__all__ = ["TraceReader", "read_traces"]


class TraceReader:
    """Reads ``__airstream_metrics`` incrementally and returns a fresh :class:`TraceModel` per refresh.

    ``config``: client configuration (only the connection keys are used). The reader assigns the
    topic's partitions itself, starting ``window`` seconds back, and never joins or creates a
    consumer group. Blocking: call it from a worker thread in a UI.

    Example::

        reader = TraceReader({"bootstrap.servers": "localhost:9092"}, inactive_after=120)
        model = reader.refresh()
        for path in model.paths:
            print(path.text, path.e2e)
        reader.close()
    """

    def __init__(self, config: Mapping[str, Any], *, topic: str = METRICS_TOPIC, window: float = 3600.0,
                 inactive_after: float = 300.0, timeout: float = 10.0) -> None:
        self.topic = topic
        self.inactive_after = inactive_after
        self.timeout = timeout
        self._config = {**connection_config(config), "group.id": f"airmon-traces-{uuid.uuid4().hex[:8]}",
                        "enable.auto.commit": False, "enable.auto.offset.store": False}
        self._consumer: Any = None
        self._next: dict[int, int] = {}  # partition -> next offset to read
        self.accumulator = TraceAccumulator(window)

    def __repr__(self) -> str:
        return f"TraceReader(topic={self.topic!r}, bootstrap={self._config.get('bootstrap.servers')!r})"

    def refresh(self) -> TraceModel:
        """Read what was published since the last refresh; problems become messages, never raise."""
        messages: list[StatusMessage] = []
        try:
            self._read(messages)
        except Exception as exc:  # broker down, authorization: show it, keep what was read before
            # Client errors may quote configuration values; passwords must not reach the screen.
            text = scrub(f"{type(exc).__name__}: {exc}", self._config)
            messages.append(StatusMessage(Severity.ERROR, "read traces", text, self.topic))
        return self.accumulator.model(inactive_after=self.inactive_after, messages=messages)

    def _read(self, messages: list[StatusMessage]) -> None:
        from confluent_kafka import Consumer, TopicPartition

        if self._consumer is None:
            self._consumer = Consumer(with_kafka_logger(self._config))
        c = self._consumer
        meta = c.list_topics(self.topic, timeout=self.timeout).topics.get(self.topic)
        if meta is None or meta.error is not None or not meta.partitions:
            messages.append(StatusMessage(
                Severity.INFO, "read traces", "no traces yet: the metrics topic does not exist. Use "
                "airstream.topology.tracing.TracingProducer / TracingConsumer in the clients to trace.", self.topic))
            return
        new = [p for p in meta.partitions if p not in self._next]
        if new:
            since = int((time.time() - self.accumulator.window) * 1000)
            starts = c.offsets_for_times([TopicPartition(self.topic, p, since) for p in new], timeout=self.timeout)
            for tp in starts:
                self._next[tp.partition] = tp.offset  # -1 (end) when nothing is that recent
        ends = {}
        for p in self._next:
            low, high = c.get_watermark_offsets(TopicPartition(self.topic, p), timeout=self.timeout)
            start = self._next[p]
            if start < 0 or start < low:
                start = high if start < 0 else low
            self._next[p] = start
            if start < high:
                ends[p] = high
        if not ends:
            return
        c.assign([TopicPartition(self.topic, p, self._next[p]) for p in ends])
        deadline = time.monotonic() + self.timeout
        while ends and time.monotonic() < deadline:
            for m in c.consume(500, 0.5):
                if m.error() is not None:
                    continue
                p = m.partition()
                self._next[p] = m.offset() + 1
                try:
                    self.accumulator.add(orjson.loads(m.value() or b"null"))
                except (ValueError, orjson.JSONDecodeError) as exc:
                    self.accumulator.skipped += 1
                    if self.accumulator.skipped <= 3:
                        messages.append(StatusMessage(Severity.WARNING, "read traces",
                                                      f"skipped offset {m.offset()}: {exc}", f"{self.topic}[{p}]"))
                if p in ends and self._next[p] >= ends[p]:
                    del ends[p]
        if ends:
            messages.append(StatusMessage(Severity.WARNING, "read traces", f"not caught up after {self.timeout:g} s; "
                                          "the rest follows on the next refresh", self.topic))
        c.unassign()

    def close(self) -> None:
        """Close the reading consumer."""
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


def read_traces(config: Mapping[str, Any], *, window: float = 3600.0, inactive_after: float = 300.0,
                timeout: float = 10.0) -> TraceModel:
    """One-shot read of the last ``window`` seconds of traces (for ``airmon snapshot --json``).

    Example::

        document = snapshot.as_dict()
        document["traces"] = read_traces({"bootstrap.servers": "localhost:9092"}).as_dict()
    """
    reader = TraceReader(config, window=window, inactive_after=inactive_after, timeout=timeout)
    try:
        return reader.refresh()
    finally:
        reader.close()
