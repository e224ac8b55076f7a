"""`airmon check` on trace rules against the real broker: end-to-end latency and a producer gone quiet.

``__airstream_metrics`` is shared by the whole test session, so the rules match only this test's
own client id, topic and group (all carry ``unique_name``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.monitor.traces import TraceReader
from airstream.topology.tracing import TracingConsumer, TracingProducer

pytestmark = pytest.mark.kafka

DELAY_S = 3.0  # the injected consumer delay
QUIET_S = 5.0  # producer_inactive's "above"


def _check(bootstrap: str, rules: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": bootstrap}
    return subprocess.run([sys.executable, "-m", "airstream.monitor.cli", "check", "--rules", str(rules)],
                          check=False, capture_output=True, text=True, env=env, timeout=120)


def test_airmon_check_fires_e2e_latency_and_producer_inactive(kafka_cluster: str, unique_name: str,
                                                              tmp_path: Path) -> None:
    topic, writer, group = f"{unique_name}-in", f"{unique_name}-writer", f"{unique_name}-slow"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    for future in admin.create_topics([NewTopic(topic, 2, 1)]).values():
        future.result(30)
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"""
rules:
  - {{name: slow, kind: e2e_latency, producer: "{writer}", topic: "{topic}", group: "{group}", above: 1s,
     severity: critical}}
  - {{name: slow-relaxed, kind: e2e_latency, producer: "{writer}", group: "{group}", stat: max, above: 10m}}
  - {{name: quiet, kind: producer_inactive, producer: "{writer}", above: {QUIET_S:g}s}}
  - {{name: quiet-relaxed, kind: producer_inactive, producer: "{writer}", topic: "{topic}", above: 1h}}
""")
    consumer = TracingConsumer({"bootstrap.servers": kafka_cluster, "group.id": group, "client.id": f"{group}-c",
                                "auto.offset.reset": "earliest"}, metrics_interval=0.5, sample_rate=None)
    consumer.subscribe([topic])
    deadline = time.monotonic() + 60
    while not consumer.assignment():
        assert time.monotonic() < deadline, "the consumer was not assigned partitions within 60 s"
        assert consumer.consume(10, 0.2) == []

    producer = TracingProducer({"bootstrap.servers": kafka_cluster, "client.id": writer, "linger.ms": 5},
                               metrics_interval=0.5)
    produced = 0

    def produce_for(seconds: float) -> None:
        nonlocal produced
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            producer.produce(topic, b'{"text": "late again"}', f"k{produced}".encode())
            produced += 1
            producer.poll(0.02)

    # While the producer produces and nobody has read anything late, no rule fires: first make sure
    # the traces know the producer, then check while it keeps producing.
    produce_for(1.5)
    reader = TraceReader({"bootstrap.servers": kafka_cluster}, timeout=10)
    try:
        while (seen := reader.refresh().producer(writer)) is None or not seen.produced:
            assert time.monotonic() < deadline + 30, "the producer's metrics never reached __airstream_metrics"
            produce_for(0.5)
    finally:
        reader.close()
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": kafka_cluster}
    proc = subprocess.Popen([sys.executable, "-m", "airstream.monitor.cli", "check", "--rules", str(rules)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    while proc.poll() is None:
        produce_for(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, out + err
    assert out.startswith("OK: 4 rule(s), no alert firing")
    producer.close()  # flush and the last metrics record: the producer stops here

    time.sleep(DELAY_S)
    consumed = 0
    deadline = time.monotonic() + 60
    while consumed < produced:
        assert time.monotonic() < deadline, f"consumed {consumed} of {produced}"
        consumed += len(consumer.consume(500, 0.5))
    consumer.close()
    assert consumed == produced

    # The consumer's metrics may take a refresh to arrive, and the producer QUIET_S to be quiet.
    deadline = time.monotonic() + 60
    while True:
        result = _check(kafka_cluster, rules)
        lines = sorted(result.stdout.splitlines())
        if len(lines) == 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert result.returncode == 1, result.stdout + result.stderr
    slow, quiet = lines
    match = re.fullmatch(rf"FIRING critical slow \[hop {writer} -> {topic} -> {group}\]: end-to-end p99 "
                         r"(\d+(?:\.\d)?)s above 1\.0s \(last 5m00s\)", slow)
    assert match, slow
    # Every record waited at least the injected delay; p99 is within 12.5 % (log-scale bins).
    assert float(match.group(1)) >= DELAY_S * 0.875
    match = re.fullmatch(rf"FIRING warning quiet \[producer {writer}\]: produced nothing for (\d+(?:\.\d)?)s above "
                         rf"{QUIET_S:.1f}s", quiet)
    assert match, quiet
    assert float(match.group(1)) > QUIET_S
