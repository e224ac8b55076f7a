"""The metrics record traced clients publish to ``__airstream_metrics``, and airmon reads back.

A traced client (:mod:`airstream.topology.tracing`) publishes, every interval, a *delta*: the rows
counted since its previous record. A reader adds the deltas up; latency histograms merge by adding
bins (:class:`~airstream.common.traces.histogram.LatencyHistogram`). One record is JSON::

    {"v": 1, "kind": "producer" | "consumer", "client_id": "replay-1", "group": null | "scorer",
     "host": "web-3", "from_ms": ..., "to_ms": ..., "last_ms": <last produce/consume, ms>,
     "rows": [...], "samples": [...], "sample_rate": 100 | null}   # samples, sample_rate: consumers only

    producer row: {"topic": "tweets", "partition": -1, "bucket": <minute start, ms>,
                   "origin": "replay-1", "hop": 0, "via": "", "count": 120}
    consumer row: {"topic": "tweets", "partition": 0, "bucket": <minute start, ms>, "count": 120}
    consumer sample: {"topic": "tweets", "partition": 0, "bucket": ..., "origin": "replay-1" | null,
                      "hop": 0 | null, "via": "", "count": 8, "latency": <histogram>, "e2e": <histogram> | null}

A row's *path* is ``(origin, hop, via)`` from the record's trace header
(:mod:`airstream.common.traces.header`); records without one have the path ``(None, None, "")``.
``sample_rate`` ``null`` means the consumer read every header, so its per-path counts are exact.

>>> bucket_of(125_000)
120000
>>> row = {"topic": "tweets", "partition": 0, "bucket": 60_000, "origin": "replay", "hop": 0, "via": "",
...        "count": 8, "latency": {"count": 1, "sum": 20, "min": 20, "max": 20, "bins": [[17, 1]]}, "e2e": None}
>>> read = read_path_row(row)
>>> read.path, read.records, read.latency.max, read.e2e
(('replay', 0, ''), 8, 20, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from airstream.common.traces.histogram import LatencyHistogram

__all__ = [
    "BUCKET_MS",
    "METRICS_TOPIC",
    "RECORD_VERSION",
    "UNTRACED",
    "PathRow",
    "RecordPath",
    "SampledLatency",
    "bucket_of",
    "read_path_row",
]

METRICS_TOPIC = "__airstream_metrics"
RECORD_VERSION = 1
BUCKET_MS = 60_000

RecordPath = tuple[str | None, int | None, str]
"""``(origin, hop, via)``: who produced a record first, how many forwards ago, and through which group."""

UNTRACED: RecordPath = (None, None, "")


def bucket_of(timestamp_ms: int) -> int:
    """The start (ms) of the minute holding ``timestamp_ms``; ``-1`` for an unknown timestamp.

    >>> bucket_of(125_000), bucket_of(-1)
    (120000, -1)
    """
    return timestamp_ms - timestamp_ms % BUCKET_MS if timestamp_ms >= 0 else -1


class SampledLatency:
    """The sampled records of one path in one minute: how many, their hop and end-to-end latencies.

    What a consumer accumulates between publishes, and what a reader adds up from the samples.
    """

    __slots__ = ("count", "e2e", "latency")

    def __init__(self) -> None:
        self.count = 0
        self.latency = LatencyHistogram()
        self.e2e = LatencyHistogram()


class PathRow(NamedTuple):
    """A producer row or consumer sample of a metrics record, read and checked."""

    path: RecordPath
    topic: str
    partition: int
    bucket: int
    records: int  # the row's count (``count`` would shadow tuple.count)
    latency: LatencyHistogram | None
    e2e: LatencyHistogram | None


def read_path_row(row: Mapping[str, Any]) -> PathRow:
    """A row that names a path (a producer row or a consumer sample); ``KeyError``, ``TypeError`` or
    ``ValueError`` when it is not in the layout above."""
    origin = row["origin"]
    path: RecordPath = UNTRACED if origin is None else (str(origin), int(row["hop"]), str(row.get("via") or ""))
    latency = None if row.get("latency") is None else LatencyHistogram.from_dict(row["latency"])
    e2e = None if row.get("e2e") is None else LatencyHistogram.from_dict(row["e2e"])
    return PathRow(path, str(row["topic"]), int(row["partition"]), int(row["bucket"]), int(row["count"]),
                   latency, e2e)
