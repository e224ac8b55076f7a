"""The local-broker recipe fails loudly and usefully, and the test set-up never hides that under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ci_support import missing

from airstream.topology.kafka_local import KafkaStartError, LocalKafka, ensure_kafka_jars

ROOT = Path(__file__).resolve().parents[2]


def _has_java_and_maven() -> bool:
    try:
        ensure_kafka_jars()
    except KafkaStartError:
        return False
    return True


def test_a_broker_that_cannot_start_names_the_log_and_the_retry_command(monkeypatch: pytest.MonkeyPatch) -> None:
    if not _has_java_and_maven():
        missing("the Kafka jars cannot be resolved", "no Maven/Java on this machine")
    monkeypatch.setenv("AIRSTREAM_JAVA", "/bin/false")
    with pytest.raises(KafkaStartError) as err:
        LocalKafka().start(timeout=10)
    message = str(err.value)
    assert "server.log" in message
    assert "Retry with: make kafka-up" in message


def test_brokers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="brokers must be at least 1"):
        LocalKafka(brokers=0)


@pytest.mark.parametrize(("ci", "outcome"), [("true", "failed"), ("", "skipped")])
def test_kafka_tests_fail_under_ci_and_skip_locally_when_the_broker_cannot_start(ci: str, outcome: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIRSTREAM_BOOTSTRAP"}
    env.update(CI=ci, AIRSTREAM_JAVA="/bin/false")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests/integration/test_local_kafka.py::test_local_broker_answers_as_broker_and_controller")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    summary = proc.stdout.strip().splitlines()[-1]
    if outcome == "failed":
        assert proc.returncode != 0 and ("failed" in summary or "error" in summary), proc.stdout[-2000:]
    else:
        assert proc.returncode == 0 and "1 skipped" in summary, proc.stdout[-2000:]


def test_cluster_ids_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # StorageTool's parser takes "-t -abc..." for two options; such an id failed one start in 64.
    import uuid

    from airstream.topology import kafka_local

    ids = iter([uuid.UUID(bytes=b"\xfb" + bytes(15)), uuid.UUID(bytes=bytes(16))])  # "-w..." then "AAAA..."
    monkeypatch.setattr(kafka_local.uuid, "uuid4", lambda: next(ids))
    assert kafka_local._cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"


def test_security_refuses_names_and_passwords_it_cannot_write_unquoted() -> None:
    from airstream.topology.kafka_local import Security

    with pytest.raises(ValueError, match="the password of alice") as err:
        Security(users={"alice": 'pa"ss'})
    assert 'pa"ss' not in str(err.value)
    shown = repr(Security(users={"alice": "s3cret"}, admin_password="t0p-pw"))
    assert "s3cret" not in shown and "t0p-pw" not in shown
