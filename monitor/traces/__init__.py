"""Producer/consumer traces: ``__airstream_metrics`` read back into producers, hops and paths.

Traced clients (:mod:`airstream.topology.tracing`) publish per-minute counts and sampled latencies to
``__airstream_metrics``. Three modules, each using only those before it:

* :mod:`~airstream.monitor.traces.model` -- the immutable :class:`TraceModel` (producers, hops,
  multi-hop paths) and what alert rules take from it (:func:`hop_latencies`, :func:`inactive_producers`);
* :mod:`~airstream.monitor.traces.accumulator` -- :class:`TraceAccumulator` adds the records up and
  makes models; :func:`attribute` splits a group's exact counts over the paths that wrote the topic;
* :mod:`~airstream.monitor.traces.reader` -- :class:`TraceReader` reads the topic from Kafka for
  ``airmon`` (the Traces screen, ``airmon snapshot --json`` under ``traces``); :func:`read_traces` once.

Every public name of the three is importable from here.
"""

from airstream.monitor.traces.accumulator import TraceAccumulator, attribute
from airstream.monitor.traces.model import (
    Hop,
    HopLatency,
    LatencyStats,
    MinuteCount,
    ProducerTrace,
    TopicWrite,
    TraceModel,
    TracePath,
    hop_latencies,
    inactive_producers,
)
from airstream.monitor.traces.reader import TraceReader, read_traces

__all__ = [
    "Hop",
    "HopLatency",
    "LatencyStats",
    "MinuteCount",
    "ProducerTrace",
    "TopicWrite",
    "TraceAccumulator",
    "TraceModel",
    "TracePath",
    "TraceReader",
    "attribute",
    "hop_latencies",
    "inactive_producers",
    "read_traces",
]
