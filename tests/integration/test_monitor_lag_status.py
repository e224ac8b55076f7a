"""Lag verdicts against real consumers, judged from the commits in ``__consumer_offsets``.

A single ``airmon check`` (as cron runs it) must already give the right verdict: a healthy group
committing at its own pace is OK, a paused consumer whose member is still in the group is STALL, a
closed one STOP, one reset to earliest REWIND. A group committing every 30 s while it consumes
stays OK through five minutes of watching; one consuming slower than its input becomes WARN.
``--polling`` judges from committed offsets only and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.monitor.alerts import AlertEngine
from airstream.monitor.history import History
from airstream.monitor.model import LAG_FROM_COMMIT_LOG, LAG_FROM_POLLING, CommitPoint, GroupInfo, LagStatus
from airstream.monitor.rules import parse_rules
from airstream.monitor.sources import KafkaSource

pytestmark = pytest.mark.kafka

STOP_AFTER = 5.0  # seconds: short, so a stopped consumer is found without waiting five minutes
RULES_YAML = f"""
settings: {{stop_after: {STOP_AFTER}s, min_span: 2s}}
rules:
  - {{name: consumer-stuck, kind: group_status, group: "GROUP", status: [STALL, STOP, REWIND], severity: critical}}
  - {{name: falling-behind, kind: group_status, group: "GROUP", status: [WARN]}}
"""


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        producer.produce(topic, value=f"v{i}".encode())
    assert producer.flush(30) == 0


def _consume(consumer: Consumer, count: int) -> None:
    got = 0
    deadline = time.monotonic() + 30
    while got < count and time.monotonic() < deadline:
        got += sum(1 for m in consumer.consume(num_messages=count - got, timeout=1) if m.error() is None)
    assert got == count


def _member(bootstrap: str, topic: str, group: str, read: int, commits: int = 1) -> Consumer:
    """A live member of ``group`` that read ``read`` records over ``commits`` commits, then stops consuming."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    for _ in range(commits):
        _consume(consumer, read // commits)
        consumer.commit(asynchronous=False)
        time.sleep(0.3)
    return consumer


def _check(bootstrap: str, rules: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": bootstrap}
    return subprocess.run([sys.executable, "-m", "airstream.monitor.cli", *args, "--rules", str(rules)],
                          capture_output=True, text=True, env=env, timeout=120)


def _rules(tmp_path: Path, group: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_YAML.replace("GROUP", group))
    return path


def _group_json(bootstrap: str, rules: Path, group: str, *args: str) -> dict[str, object]:
    result = _check(bootstrap, rules, "snapshot", *args)
    assert result.returncode == 0, result.stderr
    return next(g for g in json.loads(result.stdout)["groups"] if g["group_id"] == group)


@pytest.fixture
def topic(kafka_cluster: str, unique_name: str) -> str:
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(unique_name, num_partitions=1, replication_factor=1)])[unique_name].result(30)
    _produce(kafka_cluster, unique_name, 20)
    return unique_name


def test_one_check_finds_a_paused_consumer_stall(kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    group = f"{topic}-paused"
    consumer = _member(kafka_cluster, topic, group, 5)
    try:
        consumer.pause(consumer.assignment())
        _produce(kafka_cluster, topic, 10)
        time.sleep(STOP_AFTER + 1)  # the log has been past its commit for longer than stop_after
        rules = _rules(tmp_path, group)
        result = _check(kafka_cluster, rules, "check")
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout.splitlines() == [
            f"FIRING critical consumer-stuck [group {group}]: status STALL on {topic}/0"]
        doc = _group_json(kafka_cluster, rules, group)
        assert (doc["state"], doc["status"], doc["lag_source"]) == ("Stable", "ERR", LAG_FROM_COMMIT_LOG)
    finally:
        consumer.close()


def test_one_check_finds_a_consumer_that_keeps_committing_the_same_offset_stall(
        kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    # The Java consumer's auto-commit re-commits an unchanged position: STALL from the window alone.
    group = f"{topic}-recommits"
    consumer = _member(kafka_cluster, topic, group, 5)
    try:
        _produce(kafka_cluster, topic, 10)
        for _ in range(6):
            consumer.commit(offsets=[TopicPartition(topic, 0, 5)], asynchronous=False)
            time.sleep(1.1)
        result = _check(kafka_cluster, _rules(tmp_path, group), "check")
        assert f"status STALL on {topic}/0" in result.stdout, result.stdout + result.stderr
    finally:
        consumer.close()


def test_one_check_finds_a_closed_consumer_stop(kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    group = f"{topic}-closed"
    _member(kafka_cluster, topic, group, 10, commits=2).close()
    _produce(kafka_cluster, topic, 10)
    time.sleep(STOP_AFTER + 1)
    result = _check(kafka_cluster, _rules(tmp_path, group), "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"FIRING critical consumer-stuck [group {group}]: status STOP on {topic}/0"]


def test_one_check_finds_a_reset_to_earliest_rewind(kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    group = f"{topic}-reset"
    _member(kafka_cluster, topic, group, 20, commits=4).close()
    # What `kafka-consumer-groups --reset-offsets --to-earliest --execute` does to an inactive group.
    resetter = Consumer({"bootstrap.servers": kafka_cluster, "group.id": group, "enable.auto.commit": False})
    resetter.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
    resetter.close()
    result = _check(kafka_cluster, _rules(tmp_path, group), "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"FIRING critical consumer-stuck [group {group}]: status REWIND on {topic}/0"]


class _Application:
    """A consumer that keeps consuming what a producer keeps writing at ``rate`` records a second, at
    most ``consume_rate`` a second if given, and commits every ``commit_every`` s (librdkafka's
    auto-commit, as Kafka Streams and most frameworks commit on an interval)."""

    def __init__(self, bootstrap: str, topic: str, group: str, commit_every: float, rate: float,
                 consume_rate: float | None = None) -> None:
        self._stop = threading.Event()
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                                   "auto.offset.reset": "earliest", "enable.auto.commit": True,
                                   "auto.commit.interval.ms": int(commit_every * 1000)})
        self._producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        self._topic, self._rate, self._consume_rate = topic, rate, consume_rate
        self._threads = [threading.Thread(target=self._consume), threading.Thread(target=self._write)]

    def __enter__(self) -> _Application:
        self._consumer.subscribe([self._topic])
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._consumer.close()
        self._producer.flush(10)

    def _consume(self) -> None:
        while not self._stop.is_set():
            if self._consume_rate is None:
                self._consumer.consume(num_messages=500, timeout=0.2)
            else:
                self._consumer.consume(num_messages=1, timeout=0.2)
                self._stop.wait(1.0 / self._consume_rate)

    def _write(self) -> None:
        while not self._stop.wait(1.0 / self._rate):
            self._producer.produce(self._topic, value=b"tweet")
            self._producer.poll(0)


def _watch(bootstrap: str, group: str, seconds: float, every: float) -> Iterator[tuple[GroupInfo | None, list[str]]]:
    """Refresh every ``every`` s for ``seconds`` as airmon does, with a rule that fires on any status but
    OK and UNKNOWN: the group (if listed) and the alerts fired, at each refresh."""
    rules = parse_rules({"rules": [{"name": "unhealthy", "kind": "group_status", "group": group,
                                    "status": ["WARN", "STALL", "STOP", "REWIND"]}]})
    source = KafkaSource({"bootstrap.servers": bootstrap}, lag=rules.lag)
    history, engine = History(lag=rules.lag), AlertEngine(rules)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            snapshot = history.record(source.snapshot())
            yield snapshot.group(group), [e.text for e in engine.evaluate(snapshot)]
            time.sleep(every)
    finally:
        source.close()


def test_a_group_committing_every_30s_while_consuming_stays_ok_for_5_minutes(
        kafka_cluster: str, topic: str) -> None:
    group = f"{topic}-steady"
    statuses: list[LagStatus | None] = []
    with _Application(kafka_cluster, topic, group, commit_every=30.0, rate=20.0):
        for group_info, fired in _watch(kafka_cluster, group, seconds=300, every=2.0):
            commits: tuple[CommitPoint, ...] = ()
            if group_info is not None and group_info.partitions:
                statuses.append(group_info.partitions[0].status)
                commits = group_info.partitions[0].commits
                assert group_info.lag_source == LAG_FROM_COMMIT_LOG
            assert fired == [], (fired, statuses, commits)
    # No verdict before the first commit, UNKNOWN while the window fills (five commits), OK afterwards.
    judged = [s for s in statuses if s is not None]
    assert set(judged) <= {LagStatus.UNKNOWN, LagStatus.OK}, statuses
    assert judged[-30:] == [LagStatus.OK] * 30, statuses  # the last minute


def test_a_consumer_slower_than_its_input_is_warn_once_its_lag_passes_what_arrives_in_5s(
        kafka_cluster: str, topic: str) -> None:
    group = f"{topic}-slow"
    statuses: list[LagStatus | None] = []
    fired: list[str] = []
    # 40 records a second in, 10 out, a commit every 2 s: the lag passes 5 s of input (200) within
    # seconds and grows at every commit; once the window holds no commit below it, the group is WARN.
    with _Application(kafka_cluster, topic, group, commit_every=2.0, rate=40.0, consume_rate=10.0):
        for group_info, fired in _watch(kafka_cluster, group, seconds=120, every=1.0):
            if group_info is not None and group_info.partitions:
                statuses.append(group_info.partitions[0].status)
            if fired:
                break
    assert fired == [f"FIRING warning unhealthy [group {group}]: status WARN on {topic}/0"], statuses
    assert set(statuses[:-1]) <= {None, LagStatus.UNKNOWN, LagStatus.OK}, statuses


def test_polling_is_used_when_asked_and_says_so(kafka_cluster: str, topic: str, tmp_path: Path) -> None:
    group = f"{topic}-polled"
    _member(kafka_cluster, topic, group, 10, commits=2).close()
    rules = _rules(tmp_path, group)
    assert _group_json(kafka_cluster, rules, group)["lag_source"] == LAG_FROM_COMMIT_LOG
    polled = _group_json(kafka_cluster, rules, group, "--polling")
    # One look at a committed offset is no evidence: the verdict waits (UNKNOWN), it does not say OK.
    assert (polled["lag_source"], polled["status"]) == (LAG_FROM_POLLING, "UNKNOWN")


def test_airmon_check_exits_0_when_nothing_fires_and_2_when_unreachable(kafka_cluster: str, topic: str,
                                                                        tmp_path: Path) -> None:
    group = f"{topic}-fine"
    consumer = _member(kafka_cluster, topic, group, 20, commits=4)
    try:
        result = _check(kafka_cluster, _rules(tmp_path, group), "check")
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK: 2 rule(s), no alert firing")
    finally:
        consumer.close()
    rules = tmp_path / "lag.yaml"
    rules.write_text(f"rules: [{{name: behind, kind: group_lag, group: '{group}', above: 10, for: 1h}}]")
    result = _check("127.0.0.1:1", rules, "check", "--timeout", "2")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("airmon: cannot read the cluster at 127.0.0.1:1")
    result = _check(kafka_cluster, tmp_path / "missing.yaml", "check")
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
