"""Shared fixtures: a real Kafka broker for tests marked ``kafka`` / ``kafka3``.

``kafka_cluster`` yields a bootstrap string. It uses ``AIRSTREAM_BOOTSTRAP`` when set, else starts the
project's local KRaft broker (compose/kafka-local) once per session. When Kafka cannot be started, the
Kafka tests are skipped with the reason locally, and fail under ``CI=true``: CI must never go green by
skipping the broker. ``secure_kafka`` is a second local broker, secured (SASL_SSL, a generated CA,
ACLs), for the tests of logins and permissions; it is treated the same way. ``local_hbase`` is a real
HBase (standalone, with its Thrift server, compose/hbase-local), treated the same way too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

import pytest
from ci_support import missing

from airstream.common.local_jvm import LocalServer, LocalServiceError
from airstream.topology.kafka_local import KafkaStartError, LocalKafka, Security

if TYPE_CHECKING:
    from servers.registry import LocalRegistry
    from servers.s3 import LocalS3

    from airstream.connectors.hbase_local import LocalHBase
    from airstream.connectors.kudu_local import LocalKudu

_UNAVAILABLE: dict[str, str] = {}

Server = TypeVar("Server", bound=LocalServer)


def _start(key: str, make: Callable[[], LocalKafka], hint: str) -> Iterator[LocalKafka]:
    """The cluster ``make`` gives, started once per session and stopped at its end; a start that
    failed is not retried."""
    if key not in _UNAVAILABLE:
        try:
            cluster = make().start()
        except KafkaStartError as exc:
            _UNAVAILABLE[key] = str(exc)
        else:
            try:
                yield cluster
            finally:
                cluster.stop()
            return
    missing(f"the {key} local Kafka could not be started", f"{_UNAVAILABLE[key]}\n({hint})")


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[str]:
    """Bootstrap servers of a running Kafka: ``$AIRSTREAM_BOOTSTRAP`` or a local single-node broker."""
    external = os.environ.get("AIRSTREAM_BOOTSTRAP")
    if external:
        yield external
        return
    for cluster in _start("single-node", LocalKafka, "set AIRSTREAM_BOOTSTRAP or install Java + Maven"):
        yield cluster.bootstrap


@pytest.fixture(scope="session")
def kafka_cluster3() -> Iterator[LocalKafka]:
    """A local 3-node cluster (replication factor 3) whose nodes tests may stop, kill and restart."""
    yield from _start("3-node", lambda: LocalKafka(brokers=3), "install Java + Maven")


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[LocalKafka]:
    """A local single-node broker that takes clients only over SASL_SSL (SCRAM-SHA-512 and PLAIN, a CA
    it generates) and enforces ACLs (``User:admin`` is the super user; ``User:plain-user`` with password
    ``plain-user-pw`` can log in with PLAIN too). Tests add users and ACLs with ``add_user``/``allow``.
    Always started here, even with ``$AIRSTREAM_BOOTSTRAP``: an external cluster's security is unknown."""
    yield from _start("secured", lambda: LocalKafka(security=Security(users={"plain-user": "plain-user-pw"})),
                      "install Java, Maven and openssl")


def _serve(make: Callable[[], Server], hint: str) -> Iterator[Server]:
    """The server ``make`` gives, started for the session and stopped at its end; ``hint`` says what a
    machine that cannot start it lacks."""
    server = make()
    try:
        server.start()
    except server.error as exc:
        missing(f"the local {server.product} could not be started", f"{exc}\n({hint})")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def local_hbase() -> Iterator[LocalHBase]:
    """A real HBase (standalone master, region server and ZooKeeper, plus its Thrift server) on 127.0.0.1,
    shared by the session; tests create tables with names of their own."""
    from airstream.connectors.hbase_local import LocalHBase

    yield from _serve(LocalHBase, "install Java + Maven")


@pytest.fixture(scope="session")
def local_kudu() -> Iterator[LocalKudu]:
    """A real Kudu (one master, one tablet server, from Maven Central's kudu-binary) on 127.0.0.1, shared
    by the session; tests create tables with names of their own."""
    from airstream.connectors.kudu_local import LocalKudu

    yield from _serve(LocalKudu, "install Maven; Linux x86_64 only")


@pytest.fixture(scope="session")
def kudu_python_env() -> dict[str, str]:
    """The environment variables of a subprocess that imports kudu-python, built once against the local
    Kudu's client library (compose/kudu-local/client-headers); the test process never imports it."""
    from airstream.connectors.kudu_local import KuduStartError, kudu_python_environment

    try:
        return kudu_python_environment()
    except KuduStartError as exc:
        missing("kudu-python could not be built", f"{exc}\n(install Maven, g++ and the Python headers)")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[LocalS3]:
    """A local S3 server (moto) on 127.0.0.1, shared by the session's S3 tests."""
    # Imported on first use so the sessions that need no S3 do not pay for loading moto and boto3.
    from servers.s3 import local_s3

    with local_s3() as server:
        yield server


@pytest.fixture(scope="session")
def schema_registry() -> Iterator[LocalRegistry]:
    """A real Schema Registry (Apicurio, in memory) on 127.0.0.1; fails under CI when it cannot start."""
    from servers.registry import local_registry

    try:
        with local_registry() as registry:
            yield registry
            return
    except LocalServiceError as exc:
        reason = str(exc)
    missing("the local Schema Registry could not be started", f"{reason}\n(install Java + Maven)")


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A topic / group name unique to this test, so tests sharing one broker never see each other's data."""
    return f"{request.node.name[:40].replace('[', '-').replace(']', '')}-{uuid.uuid4().hex[:8]}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Marked tests get the fixture even if they do not name it, so a missing broker is reported once, clearly.
    for item in items:
        # A test of the secured broker is marked `kafka` (make test-unit leaves it out) but needs no plain broker.
        if (item.get_closest_marker("kafka") and "kafka_cluster" not in item.fixturenames
                and "secure_kafka" not in item.fixturenames):
            item.fixturenames.append("kafka_cluster")
        if item.get_closest_marker("kafka3") and "kafka_cluster3" not in item.fixturenames:
            item.fixturenames.append("kafka_cluster3")


def pytest_unconfigure(config: pytest.Config) -> None:
    # A process that cannot exit once the tests are done (a thread joined at shutdown, stuck in a
    # librdkafka call) would hang CI until its time-out with no clue; dump every thread's stack
    # and fail instead.
    import faulthandler
    import sys

    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)
