"""``airstream replay`` and ``airstream run`` against the secured broker (``secure_kafka``): a refused
login and a missing ACL end each command in one line on stderr that says so, with the documented exit
code and no traceback; with the right ACLs they work.

What each failure must say (see :mod:`airstream.common.kafka_errors`):

- a wrong password: ``authentication failed for User:<name> ...``; exit 2, as ``airmon`` (the client's
  configuration is wrong: nothing can be produced or processed until it is fixed, and no retry helps);
- ``replay`` without Write on its topic: ``User:<name> may not Write topic '<topic>'`` and the
  ``kafka-acls.sh`` grant; exit 1 (records Kafka refused);
- ``replay`` is a one-shot command: its whole stderr is that one line (no librdkafka or library log line
  beside it); ``run`` is a service that logs, so its own ``airstream run:`` line must be the only one
  and the last;
- ``run`` without Write on its output topic, or without Read on its group (the application id): the
  same kind of line naming that ACL; exit 1 (stopped on an error while running).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import one_line
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.traces.record import METRICS_TOPIC
from airstream.connectors.tweets import SAMPLE_CSV
from airstream.topology.kafka_local import LocalKafka

pytestmark = pytest.mark.kafka

BIN = Path(sys.executable).parent
QUIET: dict[str, Any] = {"log_level": 0}
PASS_THROUGH = '''\
from airstream import StreamsBuilder

builder = StreamsBuilder()
builder.stream("{source}").to("{sink}")
topology = builder.build()
'''


class Login:
    """A SCRAM user made for one test, its principal and a client.properties that logs in as it."""

    def __init__(self, cluster: LocalKafka, name: str, folder: Path) -> None:
        self.name, self.password = name, secrets.token_urlsafe(12)
        self.principal = f"User:{name}"
        cluster.add_user(name, self.password)
        self.properties = cluster.write_client_properties(folder / f"{name}.properties", name, self.password)
        self.wrong = cluster.write_client_properties(folder / f"{name}-wrong.properties", name, "wrong-pw-789")


@pytest.fixture
def login(secure_kafka: LocalKafka, unique_name: str, tmp_path: Path) -> Login:
    made = Login(secure_kafka, f"c-{unique_name[-20:]}", tmp_path)
    for operation in ("Write", "Describe", "Create"):  # the traces every command publishes
        secure_kafka.allow(made.principal, operation, topic=METRICS_TOPIC)
    return made


def _topics(cluster: LocalKafka, *names: str) -> None:
    admin = AdminClient(cluster.admin_config())
    for future in admin.create_topics([NewTopic(n, 1, 1) for n in names]).values():
        future.result(30)


def _only_line(stderr: str, command: str) -> str:
    """The command's one line: no traceback, and no other line of its own on stderr."""
    assert "Traceback" not in stderr, stderr
    own = [line for line in stderr.strip().splitlines() if line.startswith(f"{command}:")]
    assert len(own) == 1, stderr
    assert stderr.strip().splitlines()[-1] == own[0], stderr
    return own[0]


def _replay_line(result: subprocess.CompletedProcess[str]) -> str:
    """Replay's stderr, asserted to be one line of its own and nothing else."""
    line = one_line(result)
    assert line.startswith("airstream replay: "), result.stderr
    return line


def _replay(login_file: Path, topic: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "airstream"), "replay", str(SAMPLE_CSV), "--topic", topic, "--config",
                           str(login_file), "--limit", "20", "--no-progress"],
                          capture_output=True, text=True, timeout=120)


# -- airstream replay --------------------------------------------------------------------------------

def test_replay_with_a_wrong_password(secure_kafka: LocalKafka, login: Login, unique_name: str) -> None:
    _topics(secure_kafka, unique_name)
    secure_kafka.allow(login.principal, "Write", topic=unique_name)
    started = time.monotonic()
    result = _replay(login.wrong, unique_name)
    line = _replay_line(result)
    assert result.returncode == 2, result.stderr
    assert f"authentication failed for {login.principal}" in line
    assert "wrong-pw-789" not in result.stderr + result.stdout
    assert time.monotonic() - started < 60


def test_replay_without_write_on_its_topic(secure_kafka: LocalKafka, login: Login, unique_name: str) -> None:
    _topics(secure_kafka, unique_name)
    secure_kafka.allow(login.principal, "Describe", topic=unique_name)
    result = _replay(login.properties, unique_name)
    line = _replay_line(result)
    assert result.returncode == 1, result.stderr
    assert f"{login.principal} may not Write topic '{unique_name}'" in line
    assert f"--allow-principal {login.principal} --operation Write --topic {unique_name}" in line


# -- airstream run -----------------------------------------------------------------------------------

def _run_app(secure_kafka: LocalKafka, login_file: Path, app: str, script: Path, *, expect_exit: bool,
             wait: float = 90) -> subprocess.CompletedProcess[str]:
    """Start ``airstream run`` and wait for it to exit by itself (``expect_exit``), or stop it with
    SIGTERM after ``wait`` seconds; a command that should have ended and did not fails the test."""
    process = subprocess.Popen([str(BIN / "airstream"), "run", f"{script}:topology", "--config", str(login_file),
                                "--application-id", app, "--log-level", "WARNING"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        out, err = process.communicate(timeout=wait)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        if expect_exit:
            pytest.fail(f"airstream run did not stop by itself within {wait:.0f} s; stderr:\n{err}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _app(secure_kafka: LocalKafka, login: Login, unique_name: str, tmp_path: Path,
         *, write_output: bool = True, read_group: bool = True) -> tuple[str, str, str, Path]:
    """Input and output topics, a pass-through script, one record waiting, and the ACLs the application
    needs (less the ones a test leaves out)."""
    source, sink, app = f"{unique_name}-in", f"{unique_name}-out", f"{unique_name}-app"
    _topics(secure_kafka, source, sink)
    script = tmp_path / "pass_through.py"
    script.write_text(PASS_THROUGH.format(source=source, sink=sink))
    producer = Producer({**secure_kafka.admin_config(), **QUIET})
    producer.produce(source, b"one", b"k")
    producer.flush(30)
    for operation in ("Read", "Describe", "DescribeConfigs"):
        secure_kafka.allow(login.principal, operation, topic=source)
    for operation in ("Describe", "DescribeConfigs", *(["Write"] if write_output else [])):
        secure_kafka.allow(login.principal, operation, topic=sink)
    if read_group:
        secure_kafka.allow(login.principal, "Read", group=app)
    secure_kafka.allow(login.principal, "All", topic=app, prefixed=True)  # internal topics, if any
    return source, sink, app, script


def test_run_with_the_acls_processes_and_stops_cleanly(secure_kafka: LocalKafka, login: Login, unique_name: str,
                                                       tmp_path: Path) -> None:
    _source, sink, app, script = _app(secure_kafka, login, unique_name, tmp_path)
    result = _run_app(secure_kafka, login.properties, app, script, expect_exit=False, wait=25)
    assert result.returncode == 0, result.stderr
    consumer = Consumer({**secure_kafka.admin_config(), "group.id": f"{unique_name}-check",
                         "auto.offset.reset": "earliest", **QUIET})
    consumer.subscribe([sink])
    try:
        got = [m.value() for m in consumer.consume(10, timeout=15) if m.error() is None]
    finally:
        consumer.close()
    assert got == [b"one"]


def test_run_with_a_wrong_password(secure_kafka: LocalKafka, login: Login, unique_name: str, tmp_path: Path) -> None:
    _source, _sink, app, script = _app(secure_kafka, login, unique_name, tmp_path)
    result = _run_app(secure_kafka, login.wrong, app, script, expect_exit=True)
    line = _only_line(result.stderr, "airstream run")
    assert result.returncode == 2, result.stderr
    assert f"authentication failed for {login.principal}" in line
    assert "wrong-pw-789" not in result.stderr


def test_run_without_write_on_its_output(secure_kafka: LocalKafka, login: Login, unique_name: str,
                                         tmp_path: Path) -> None:
    _source, sink, app, script = _app(secure_kafka, login, unique_name, tmp_path, write_output=False)
    result = _run_app(secure_kafka, login.properties, app, script, expect_exit=True)
    line = _only_line(result.stderr, "airstream run")
    assert result.returncode == 1, result.stderr
    assert f"{login.principal} may not Write topic '{sink}'" in line
    assert f"--operation Write --topic {sink}" in line


def test_run_without_read_on_its_group(secure_kafka: LocalKafka, login: Login, unique_name: str,
                                       tmp_path: Path) -> None:
    _source, _sink, app, script = _app(secure_kafka, login, unique_name, tmp_path, read_group=False)
    result = _run_app(secure_kafka, login.properties, app, script, expect_exit=True)
    line = _only_line(result.stderr, "airstream run")
    assert result.returncode == 1, result.stderr
    assert f"{login.principal} may not Read consumer group '{app}'" in line
    assert f"--operation Read --group {app}" in line
