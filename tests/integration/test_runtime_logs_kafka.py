"""What ``airstream run`` logs at INFO while it works (real broker): one summary line a minute."""

from __future__ import annotations

import logging
import re

import pytest
from runtime_support import create_topic, produce

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.runtime import KafkaStreams, streams

pytestmark = pytest.mark.kafka


def test_the_runtime_logs_a_summary_of_records_drops_and_commits_once_a_minute(
        kafka_cluster: str, unique_name: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    create_topic(kafka_cluster, source, 1)
    produce(kafka_cluster, source, [(b"k", b"1"), (b"k", b"x"), (b"k", b"3")])
    b = StreamsBuilder()
    b.stream(source, value_serde=Serdes.String()).map_values(int).to(out, value_serde=Serdes.Long())
    monkeypatch.setattr(streams, "_SUMMARY_EVERY_S", 1.0)  # a minute is long for a test
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": f"{unique_name}-app",
                                   "processing.exception.handler": "continue", "commit.interval.ms": 200})
    with caplog.at_level(logging.INFO, logger="airstream.topology.runtime"):
        app.run(idle_timeout=3)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("last ")]
    assert lines, "no summary line"
    counts = [re.match(r"last \d+ s: (\d+) records processed \([\d.]+/s\), (\d+) dropped, (\d+) commits", line)
              for line in lines]
    assert all(counts), lines
    # Idle for 3 s after the records: summaries cover them all.
    assert sum(int(m[1]) for m in counts if m) == 3 and sum(int(m[2]) for m in counts if m) == 1
