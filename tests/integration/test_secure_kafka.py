"""Against a broker that checks who connects and what they may do: SASL_SSL with SCRAM-SHA-512 and
PLAIN, a CA the local broker generates, and ACLs (``secure_kafka`` in tests/conftest.py).

A user with the right ACLs replays tweets, reads them back and is watched by ``airmon``; a wrong
password ends ``airmon`` in one line that says authentication (exit 2); a missing ACL is named by the
tracing clients, and granting exactly the ACL they name is what makes the call succeed.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_support import one_line
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.traces.record import METRICS_TOPIC
from airstream.connectors.tweets import SAMPLE_CSV
from airstream.topology.kafka_local import LocalKafka
from airstream.topology.kafka_tls import make_certificates
from airstream.topology.tracing import TracingConsumer, TracingProducer

pytestmark = pytest.mark.kafka

BIN = Path(sys.executable).parent
QUIET: dict[str, Any] = {"log_level": 0}  # librdkafka's own lines about refused logins are expected here


@dataclass(frozen=True)
class User:
    """A SCRAM user made for one test (a unique name, a random password)."""

    name: str
    password: str

    @property
    def principal(self) -> str:
        return f"User:{self.name}"


@pytest.fixture
def user(secure_kafka: LocalKafka, unique_name: str) -> User:
    made = User(f"u-{unique_name[-20:]}", secrets.token_urlsafe(12))
    secure_kafka.add_user(made.name, made.password)
    return made


@pytest.fixture
def topic(secure_kafka: LocalKafka, unique_name: str) -> str:
    admin = AdminClient(secure_kafka.admin_config())
    admin.create_topics([NewTopic(unique_name, 1, 1)])[unique_name].result(30)
    return unique_name


def _run(*argv: str, timeout: float = 120, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` run quietly; with ``cache``, as its ``$AIRSTREAM_CACHE``."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if cache is not None:
        env["AIRSTREAM_CACHE"] = str(cache)
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, env=env)


def _consume(config: dict[str, Any], topic: str, expected: int, timeout: float = 30) -> list[Message]:
    consumer = Consumer({**config, "auto.offset.reset": "earliest", "enable.auto.commit": False, **QUIET})
    consumer.subscribe([topic])
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(got) < expected and time.monotonic() < deadline:
            for msg in consumer.consume(500, timeout=1.0):
                error = msg.error()
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
                if error is None:
                    got.append(msg)
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return got


# -- the broker itself -------------------------------------------------------------------------------

def test_admin_logs_in_with_scram_and_plain_and_nobody_without_tls(secure_kafka: LocalKafka, topic: str) -> None:
    for mechanism in ("SCRAM-SHA-512", "PLAIN"):
        config = {**secure_kafka.client_config("admin", secure_kafka._secured().admin_password, mechanism), **QUIET}
        assert topic in AdminClient(config).list_topics(timeout=30).topics
    plain_user = {**secure_kafka.client_config("plain-user", "plain-user-pw", "PLAIN"), **QUIET}
    assert topic not in AdminClient(plain_user).list_topics(timeout=30).topics  # logged in; no ACL, nothing shown
    plaintext = AdminClient({"bootstrap.servers": secure_kafka.bootstrap, **QUIET})
    with pytest.raises(KafkaException):
        plaintext.list_topics(timeout=3)
    # The PEM files the broker and clients read: only the owner may read the keys.
    keystore = secure_kafka.ca_file.parent / "broker-keystore.pem"
    assert keystore.stat().st_mode & 0o077 == 0


def test_acls_are_enforced_per_principal(secure_kafka: LocalKafka, user: User, topic: str) -> None:
    config = {**secure_kafka.client_config(user.name, user.password), **QUIET}
    assert topic not in AdminClient(config).list_topics(timeout=30).topics
    secure_kafka.allow(user.principal, "Describe", topic=topic)
    assert topic in AdminClient(config).list_topics(timeout=30).topics


# -- airstream replay and airmon with the right credentials -----------------------------------------

def test_replay_and_airmon_with_a_user_holding_the_acls(secure_kafka: LocalKafka, user: User, topic: str,
                                                        tmp_path: Path) -> None:
    for operation in ("Write", "Describe", "Read"):
        secure_kafka.allow(user.principal, operation, topic=topic)
    for operation in ("Write", "Describe", "Create"):  # the replay's traces
        secure_kafka.allow(user.principal, operation, topic=METRICS_TOPIC)
    secure_kafka.allow(user.principal, "Read", group=f"{topic}-reader")
    properties = secure_kafka.write_client_properties(tmp_path / "user.properties", user.name, user.password)
    replay = _run(BIN / "airstream", "replay", SAMPLE_CSV, "--topic", topic, "--config", properties, "--limit", "40",
                  "--no-progress")
    assert replay.returncode == 0, replay.stderr
    assert f"produced 40 tweets to topic '{topic}'" in replay.stdout
    assert user.password not in replay.stdout + replay.stderr
    got = _consume({**secure_kafka.client_config(user.name, user.password), "group.id": f"{topic}-reader"}, topic, 40)
    assert len(got) == 40

    admin_properties = secure_kafka.write_client_properties(tmp_path / "admin.properties")
    snapshot = _run(BIN / "airmon", "snapshot", "--config", admin_properties, "--compact")
    assert snapshot.returncode == 0, snapshot.stderr
    document = json.loads(snapshot.stdout)
    (shown,) = [t for t in document["topics"] if t["name"] == topic]
    assert shown["end_offset_total"] == 40
    (group,) = [g for g in document["groups"] if g["group_id"] == f"{topic}-reader"]
    assert group["total_lag"] == 0

    rules = tmp_path / "rules.yaml"
    rules.write_text(f"rules: [{{name: behind, kind: group_lag, group: '{topic}-reader', above: 10, for: 1h}}]")
    check = _run(BIN / "airmon", "check", "--rules", rules, "--config", admin_properties)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("OK: 1 rule(s), no alert firing")

    # The user sees what its ACLs allow, and airmon says nothing is wrong with that.
    mine = _run(BIN / "airmon", "snapshot", "--config", properties, "--compact", "--polling")
    assert mine.returncode == 0, mine.stderr
    assert [t["name"] for t in json.loads(mine.stdout)["topics"] if not t["name"].startswith("__")] == [topic]


# -- airmon with a wrong password, an untrusted CA --------------------------------------------------

@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
@pytest.mark.parametrize("command", ["snapshot", "check"])
def test_airmon_with_a_wrong_password_says_authentication_in_one_line(
        secure_kafka: LocalKafka, user: User, tmp_path: Path, command: str, mechanism: str) -> None:
    wrong = f"not-{user.password}"
    properties = secure_kafka.write_client_properties(tmp_path / "wrong.properties", user.name, wrong, mechanism)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{name: behind, kind: group_lag, group: 'g', above: 10, for: 1h}]")
    extra = ["--rules", str(rules)] if command == "check" else []
    started = time.monotonic()
    result = _run(BIN / "airmon", command, *extra, "--config", properties, "--timeout", "20")
    assert result.returncode == 2 and result.stdout == "", result.stdout + result.stderr
    line = one_line(result)
    assert line.startswith(f"airmon: cannot read the cluster at {secure_kafka.bootstrap}: authentication failed "
                           f"for {user.principal}")
    assert "check sasl.username, sasl.password and sasl.mechanism" in line
    assert "cannot reach the brokers" not in line and wrong not in line
    if mechanism == "SCRAM-SHA-512":
        assert "(SASL SCRAM-SHA-512)" in line
    # A refused login ends the wait at once, not after --timeout.
    assert time.monotonic() - started < 15


def test_airmon_with_a_wrong_password_and_verbose_shows_the_traceback(secure_kafka: LocalKafka, user: User,
                                                                      tmp_path: Path) -> None:
    properties = secure_kafka.write_client_properties(tmp_path / "wrong.properties", user.name, "wrong-pw-123")
    result = _run(BIN / "airmon", "snapshot", "--config", properties, "--verbose")
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("airmon: cannot read the cluster at")
    assert "wrong-pw-123" not in result.stderr


def test_airmon_with_a_ca_that_did_not_sign_the_broker_says_tls(secure_kafka: LocalKafka, tmp_path: Path) -> None:
    other = make_certificates(tmp_path / "other-ca")
    properties = secure_kafka.write_client_properties(tmp_path / "admin.properties")
    result = _run(BIN / "airmon", "snapshot", "--config", properties, "-X", f"ssl.ca.location={other.ca}")
    assert result.returncode == 2
    line = one_line(result)
    assert "TLS handshake failed" in line and "certificate verify failed" in line and "ssl.ca.location" in line


# -- the tracing clients ----------------------------------------------------------------------------

def test_tracing_producer_names_the_missing_write_acl_and_granting_it_is_enough(
        secure_kafka: LocalKafka, user: User, topic: str) -> None:
    secure_kafka.allow(user.principal, "Describe", topic=topic)
    for operation in ("Write", "Describe", "Create"):
        secure_kafka.allow(user.principal, operation, topic=METRICS_TOPIC)
    config = {**secure_kafka.client_config(user.name, user.password), "client.id": "acl-test", **QUIET}
    errors: list[KafkaError] = []

    def delivered(err: KafkaError | None, _msg: Any) -> None:
        if err is not None:
            errors.append(err)

    with TracingProducer(config) as producer:
        producer.produce(topic, b"refused", on_delivery=delivered)
        producer.flush(30)
        assert [e.code() for e in errors] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]
        line = producer.explain(errors[0], topic)
        assert line == (f"not authorized: {user.principal} may not Write topic '{topic}'; grant it: kafka-acls.sh "
                        f"--bootstrap-server BOOTSTRAP --command-config admin.properties --add --allow-principal "
                        f"{user.principal} --operation Write --topic {topic}")
        secure_kafka.allow(user.principal, "Write", topic=topic)  # exactly what the line asks for
        errors.clear()
        # librdkafka remembers the refusal with the topic's metadata and refuses a produce() at once until
        # it has fetched that metadata again: the same producer gets through then, without a restart.
        deadline = time.monotonic() + 30
        while True:
            try:
                producer.produce(topic, b"accepted", on_delivery=delivered)
                break
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_AUTHORIZATION_FAILED or time.monotonic() > deadline:
                    raise
                producer.poll(0.5)
        producer.flush(30)
        assert errors == []
        assert producer.access_error is None


def test_tracing_producer_with_a_wrong_password_keeps_and_logs_one_line(
        secure_kafka: LocalKafka, user: User, topic: str, caplog: pytest.LogCaptureFixture) -> None:
    config = {**secure_kafka.client_config(user.name, "wrong-pw-456"), "message.timeout.ms": 3000, **QUIET}
    caplog.set_level(logging.ERROR, logger="airstream.topology.tracing")
    producer = TracingProducer(config, publisher=_NoPublisher())  # type: ignore[arg-type]
    producer.produce(topic, b"never")
    deadline = time.monotonic() + 20
    while producer.access_error is None and time.monotonic() < deadline:
        producer.poll(0.2)
    producer.flush(5)
    error = producer.access_error
    assert error is not None and error.kind == "authentication"
    assert str(error).startswith(f"authentication failed for {user.principal} (SASL SCRAM-SHA-512) at ")
    logged = [r.getMessage() for r in caplog.records if r.name == "airstream.topology.tracing"]
    assert logged == [str(error)]  # once, however often librdkafka retried
    assert not any("wrong-pw-456" in text for text in logged)


def test_tracing_consumer_names_the_missing_group_and_topic_read(secure_kafka: LocalKafka, user: User,
                                                                  topic: str) -> None:
    admin = {**secure_kafka.admin_config(), **QUIET}
    producer = Producer(admin)
    producer.produce(topic, b"one")
    producer.flush(30)
    secure_kafka.allow(user.principal, "Describe", topic=topic)
    for operation in ("Write", "Describe", "Create"):
        secure_kafka.allow(user.principal, operation, topic=METRICS_TOPIC)
    group = f"{topic}-g"
    config = {**secure_kafka.client_config(user.name, user.password), "group.id": group,
              "auto.offset.reset": "earliest", **QUIET}

    def first_error(consumer: TracingConsumer) -> KafkaError:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is not None:
                return msg.error()  # type: ignore[no-any-return]
        raise AssertionError("no error within 30 s")

    with TracingConsumer(config) as consumer:
        consumer.subscribe([topic])
        line = consumer.explain(first_error(consumer))
        assert line is not None and f"{user.principal} may not Read consumer group '{group}'" in line
        assert line.endswith(f"--allow-principal {user.principal} --operation Read --group {group}")
    secure_kafka.allow(user.principal, "Read", group=group)
    with TracingConsumer(config) as consumer:
        consumer.subscribe([topic])
        err = first_error(consumer)
        assert err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
        line = consumer.explain(err)
        assert line is not None and f"{user.principal} may not Read topic '{topic}'" in line
    secure_kafka.allow(user.principal, "Read", topic=topic)
    with TracingConsumer(config) as consumer:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        msg = None
        while msg is None and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
        assert msg is not None and msg.error() is None and msg.value() == b"one"


def test_metrics_publisher_names_the_acl_it_lacks(secure_kafka: LocalKafka, user: User, topic: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    secure_kafka.allow(user.principal, "Write", topic=topic)
    secure_kafka.allow(user.principal, "Describe", topic=topic)
    metrics = f"{topic}-metrics"
    admin = AdminClient(secure_kafka.admin_config())  # kept referenced until the future is done
    admin.create_topics([NewTopic(metrics, 1, 1)])[metrics].result(30)
    caplog.set_level(logging.WARNING, logger="airstream.topology.tracing")
    config = {**secure_kafka.client_config(user.name, user.password), "client.id": "no-metrics-acl", **QUIET}
    with TracingProducer(config, metrics_topic=metrics, metrics_interval=0.1) as producer:
        producer.produce(topic, b"counted")
        producer.flush(30)
    warnings = [r.getMessage() for r in caplog.records if r.name == "airstream.topology.tracing"]
    assert any(f"{user.principal} may not Write topic '{metrics}'" in w for w in warnings), warnings


class _NoPublisher:
    """Stands in for the metrics publisher where a test is about the user's own producer only."""

    def publish(self, record: Any, *, wait: bool = False) -> bool:
        return True

    def close(self, timeout: float = 10.0) -> None:
        pass


# -- airstream kafka up --secure ---------------------------------------------------------------------

@pytest.fixture
def private_cache(secure_kafka: LocalKafka, tmp_path: Path) -> Iterator[Path]:
    """A fresh $AIRSTREAM_CACHE holding only the Kafka jars (already resolved for ``secure_kafka``)."""
    from airstream.common.local_jvm import cache_dir
    from airstream.topology.kafka_local import KAFKA_VERSION

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"kafka-{KAFKA_VERSION}").symlink_to(cache_dir() / f"kafka-{KAFKA_VERSION}")
    yield cache
    # The broker of this cache, if the test left it up; never the one of the default cache, which
    # may be the developer's own `airstream kafka up`.
    _run(BIN / "airstream", "kafka", "down", timeout=60, cache=cache)


def test_kafka_up_secure_prints_the_admin_client_properties(private_cache: Path) -> None:
    env = {**os.environ, "AIRSTREAM_CACHE": str(private_cache)}
    up = subprocess.run([str(BIN / "airstream"), "kafka", "up", "--secure"], capture_output=True, text=True,
                        env=env, timeout=180)
    try:
        assert up.returncode == 0, up.stderr
        bootstrap, properties = up.stdout.split()
        assert Path(properties).is_relative_to(private_cache)
        assert Path(properties).stat().st_mode & 0o077 == 0
        settings = dict(line.split("=", 1) for line in Path(properties).read_text().splitlines()
                        if line and not line.startswith("#"))
        assert settings["bootstrap.servers"] == bootstrap and settings["security.protocol"] == "SASL_SSL"
        assert settings["sasl.password"] not in up.stdout + up.stderr
        snapshot = subprocess.run([str(BIN / "airmon"), "snapshot", "--config", properties], capture_output=True,
                                  text=True, env=env, timeout=120)
        assert snapshot.returncode == 0, snapshot.stderr
        assert len(json.loads(snapshot.stdout)["brokers"]) == 1
        status = subprocess.run([str(BIN / "airstream"), "kafka", "status"], capture_output=True, text=True, env=env)
        assert status.stdout.split() == [bootstrap, properties]
    finally:
        down = subprocess.run([str(BIN / "airstream"), "kafka", "down"], capture_output=True, text=True, env=env,
                              timeout=60)
        assert down.returncode == 0
