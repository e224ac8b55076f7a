"""Producer/consumer traces: instrumented clients, the trace header and the metrics they publish.

Any Python application (and the airstream runtime and connectors) swaps ``confluent_kafka.Producer``
/ ``Consumer`` for :class:`TracingProducer` / :class:`TracingConsumer`. Records then carry a small
``airstream.trace`` header (origin ``client.id``, produce times, hop count -- layout in
:mod:`airstream.common.traces.header`), forwarding steps continue it with :func:`forward_headers`, and each
client publishes per-minute counts and latency histograms to ``__airstream_metrics``, which
:mod:`airstream.monitor.traces` reads back into producers, hops and multi-hop paths. See ``docs/traces.md``.

>>> value = new_trace("replay", now_ms=1_000)
>>> decode_trace(continue_trace([(TRACE_HEADER, value)], via="scorer", now_ms=1_400)).hop
1
"""

from airstream.common.client_config import connection_config
from airstream.common.traces.header import (
    TRACE_HEADER,
    Trace,
    TraceHeaderError,
    continue_trace,
    decode_trace,
    encode_trace,
    forward_headers,
    new_trace,
    next_hop,
    trace_value,
)
from airstream.common.traces.histogram import LatencyHistogram
from airstream.common.traces.record import BUCKET_MS, METRICS_TOPIC, bucket_of
from airstream.topology.tracing.aggregate import ConsumerMetrics, ProducerMetrics
from airstream.topology.tracing.clients import OutputTuple, TracingConsumer, TracingProducer, produce_records
from airstream.topology.tracing.publisher import MetricsPublisher

__all__ = [
    "BUCKET_MS",
    "METRICS_TOPIC",
    "TRACE_HEADER",
    "ConsumerMetrics",
    "LatencyHistogram",
    "MetricsPublisher",
    "OutputTuple",
    "ProducerMetrics",
    "Trace",
    "TraceHeaderError",
    "TracingConsumer",
    "TracingProducer",
    "bucket_of",
    "connection_config",
    "continue_trace",
    "decode_trace",
    "encode_trace",
    "forward_headers",
    "new_trace",
    "next_hop",
    "produce_records",
    "trace_value",
]
