"""Burrow statuses and alert rules against real consumers: a stalled one turns STALL, a stopped one STOP,
and `airmon check` exits 1 when a rule fires, 0 when none does, 2 when Kafka cannot be reached."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.monitor.alerts import AlertEngine, AlertState
from airstream.monitor.history import History
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import LagStatus
from airstream.monitor.rules import parse_rules
from airstream.monitor.sources import KafkaSource

pytestmark = pytest.mark.kafka

# Short windows so a verdict needs three refreshes, a second or so apart.
LAG = LagSettings(window=3, min_distance=0, minimum_complete=1.0)
RULES_YAML = """
settings: {lag_window: 3, min_distance: 0, minimum_complete: 1.0}
rules:
  - {name: consumer-stuck, kind: group_status, group: "GROUP", status: [STALL, STOP, REWIND], severity: critical}
  - {name: far-behind, kind: group_lag, group: "GROUP", above: 1000}
"""


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        producer.produce(topic, value=f"v{i}".encode())
    assert producer.flush(30) == 0


def _member(bootstrap: str, topic: str, group: str, read: int) -> Consumer:
    """A live member of `group` that read `read` records, committed, and then stops making progress."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = 0
    deadline = time.monotonic() + 30
    while got < read and time.monotonic() < deadline:
        got += sum(1 for m in consumer.consume(num_messages=read - got, timeout=1) if m.error() is None)
    assert got == read
    consumer.commit(asynchronous=False)
    return consumer


@pytest.fixture
def topic(kafka_cluster: str, unique_name: str) -> str:
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(unique_name, num_partitions=1, replication_factor=1)])[unique_name].result(30)
    _produce(kafka_cluster, unique_name, 20)
    return unique_name


@pytest.fixture
def stalled(kafka_cluster: str, topic: str) -> Iterator[str]:
    """A group whose live member committed offset 5 and sits on it while records keep coming."""
    group = f"{topic}-stalled"
    consumer = _member(kafka_cluster, topic, group, 5)
    yield group
    consumer.close()


@pytest.fixture
def stopped(kafka_cluster: str, topic: str) -> str:
    """A group that committed offset 5 and left: no member, no more commits."""
    group = f"{topic}-stopped"
    _member(kafka_cluster, topic, group, 5).close()
    return group


def _watch(bootstrap: str, topic: str, group: str, refreshes: int) -> tuple[list[LagStatus | None], History]:
    source, history = KafkaSource({"bootstrap.servers": bootstrap}), History(lag=LAG)
    statuses = []
    for i in range(refreshes):
        if i:
            _produce(bootstrap, topic, 3)  # the log keeps growing: lag > 0 throughout
            time.sleep(0.3)
        g = history.record(source.snapshot()).group(group)
        assert g is not None
        statuses.append(g.partitions[0].status)
    return statuses, history


def test_stalled_consumer_turns_stall_and_fires_the_rule(kafka_cluster: str, topic: str, stalled: str) -> None:
    statuses, history = _watch(kafka_cluster, topic, stalled, 4)
    assert statuses == [LagStatus.OK, LagStatus.OK, LagStatus.STALL, LagStatus.STALL]
    group = history.latest.group(stalled)  # type: ignore[union-attr]
    assert group is not None and (group.state, group.status, group.complete) == ("Stable", LagStatus.ERR, True)
    assert group.partitions[0].member_id  # a live owner: that is what makes it STALL rather than STOP

    engine = AlertEngine(parse_rules({"rules": [
        {"name": "stuck", "kind": "group_status", "group": stalled, "status": ["STALL"], "severity": "critical"}]}))
    events = engine.evaluate(history.latest)  # type: ignore[arg-type]
    assert [(e.state, e.subject, e.message) for e in events] == [
        (AlertState.FIRING, stalled, f"status STALL on {topic}/0")]


def test_stopped_consumer_turns_stop(kafka_cluster: str, topic: str, stopped: str) -> None:
    statuses, history = _watch(kafka_cluster, topic, stopped, 4)
    assert statuses == [LagStatus.OK, LagStatus.OK, LagStatus.STOP, LagStatus.STOP]
    group = history.latest.group(stopped)  # type: ignore[union-attr]
    assert group is not None and (group.state, group.status) == ("Empty", LagStatus.ERR)


def test_caught_up_consumer_stays_ok(kafka_cluster: str, topic: str) -> None:
    group = f"{topic}-fine"
    consumer = _member(kafka_cluster, topic, group, 20)
    try:
        source, history = KafkaSource({"bootstrap.servers": kafka_cluster}), History(lag=LAG)
        for _ in range(4):
            g = history.record(source.snapshot()).group(group)
            time.sleep(0.2)
        assert g is not None and g.total_lag == 0 and g.partitions[0].status is LagStatus.OK
    finally:
        consumer.close()


def _check(bootstrap: str, rules: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": bootstrap}
    return subprocess.run([sys.executable, "-m", "airstream.monitor.cli", "check", "--rules", str(rules), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_airmon_check_exits_1_for_a_stalled_group(kafka_cluster: str, topic: str, stalled: str,
                                                  tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML.replace("GROUP", stalled))
    _produce(kafka_cluster, topic, 10)
    result = _check(kafka_cluster, rules, "--samples", "3", "--interval", "0.5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"FIRING critical consumer-stuck [group {stalled}]: status STALL on {topic}/0"]


def test_airmon_check_exits_1_for_a_stopped_group(kafka_cluster: str, topic: str, stopped: str,
                                                  tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML.replace("GROUP", stopped))
    result = _check(kafka_cluster, rules, "--samples", "3", "--interval", "0.5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "status STOP" in result.stdout


def test_airmon_check_exits_0_when_nothing_fires(kafka_cluster: str, topic: str, stalled: str,
                                                 tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML.replace("GROUP", stalled))
    # One sample cannot fill a window of three, so no status verdict yet; lag 15 is far below 1000.
    result = _check(kafka_cluster, rules)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 2 rule(s), no alert firing")


def test_airmon_check_exits_1_on_lag_threshold_and_2_when_unreachable(kafka_cluster: str, topic: str,
                                                                      stalled: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"rules: [{{name: behind, kind: group_lag, group: '{stalled}', above: 10, for: 1h}}]")
    result = _check(kafka_cluster, rules)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"FIRING warning behind [group {stalled}]: lag 15 above 10"]

    result = _check("127.0.0.1:1", rules, "--timeout", "2")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("airmon: cannot read the cluster at 127.0.0.1:1")

    result = _check(kafka_cluster, tmp_path / "missing.yaml")
    assert result.returncode == 2 and "missing.yaml does not exist" in result.stderr


def test_airmon_check_watch_prints_open_and_resolve(kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    group = f"{topic}-watch"
    _member(kafka_cluster, topic, group, 5).close()
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"rules: [{{name: behind, kind: group_lag, group: '{group}', above: 10}}]")
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": kafka_cluster}
    proc = subprocess.Popen([sys.executable, "-m", "airstream.monitor.cli", "check", "--rules", str(rules),
                             "--watch", "0.3", "--count", "15"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.split(" ", 1)[1].strip() == f"FIRING warning behind [group {group}]: lag 15 above 10"
        # The group catches up: commit the end offset for it.
        catch_up = Consumer({"bootstrap.servers": kafka_cluster, "group.id": group, "enable.auto.commit": False})
        catch_up.commit(offsets=[TopicPartition(topic, 0, 20)], asynchronous=False)
        catch_up.close()
        second = proc.stdout.readline()
        assert second.split(" ", 1)[1].strip() == f"RESOLVED warning behind [group {group}]: lag 15 above 10"
        assert proc.wait(timeout=60) == 0  # nothing fires at the end
    finally:
        proc.kill()
        proc.wait()
