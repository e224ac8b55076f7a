"""A real Apache Kafka broker (KRaft) on 127.0.0.1, from Maven Central jars, without Docker.

Tests, benchmarks and ``make kafka-up`` use this to get a genuine broker: the jars of
``org.apache.kafka:kafka_2.13`` are resolved once by Maven with the recipe in
``compose/kafka-local/pom.xml`` into a cache folder outside the source tree, then each node is
formatted and started as a combined broker + controller on free loopback ports.

Example::

    from airstream.topology.kafka_local import LocalKafka

    with LocalKafka(brokers=3) as cluster:      # replication factor 3 is possible
        print(cluster.bootstrap)                # "127.0.0.1:41913,127.0.0.1:40121,..."
        cluster.stop_node(2)                    # failure tests: stop and restart a node
        cluster.start_node(2)

With ``security=Security(...)`` the cluster takes clients only over SASL_SSL (SCRAM-SHA-512 and PLAIN,
a CA it generates) and checks ACLs; tests add users and grant what they need::

    with LocalKafka(security=Security(users={"alice": "alice-pw"})) as cluster:
        cluster.allow("User:alice", "Write", topic="tweets")
        producer = Producer(cluster.client_config("alice", "alice-pw"))
        admin = AdminClient(cluster.admin_config())      # User:admin, a super user

The cache folder is ``$AIRSTREAM_CACHE`` (default ``~/.cache/airstream``); each node's log goes to
``<data dir>/node-<id>/server.log``, and a failed start raises :class:`KafkaStartError` whose
message holds the last lines of that log and the command to retry.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airstream.common.local_jvm import (
    BackgroundServer,
    LocalServiceError,
    free_port,
    java_executable,
    log_tail,
    maven_jars,
    terminate_with_parent,
)

__all__ = ["ADMIN_USER", "KAFKA_VERSION", "KafkaStartError", "LocalKafka", "Security", "ensure_kafka_jars", "main"]

ADMIN_USER = "admin"

KAFKA_VERSION = "4.1.1"
_POM = Path(__file__).resolve().parent.parent / "compose" / "kafka-local" / "pom.xml"
_RETRY_HINT = "make kafka-up   (or: python -m airstream.topology.kafka_local up)"
_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.kafka.additivity = false
logger.kafka.appenderRef.file.ref = file
"""


class KafkaStartError(LocalServiceError):
    """The local Kafka broker could not be resolved or started; the message says why and how to retry."""


def ensure_kafka_jars(version: str = KAFKA_VERSION) -> Path:
    """Resolve the Kafka broker jars with Maven once and return the folder that holds them."""
    return maven_jars(_POM, f"kafka-{version}", {"kafka.version": version}, _RETRY_HINT, error=KafkaStartError)


def _quiet_logger() -> logging.Logger:
    # librdkafka reports every refused connection while the JVM boots; those are expected here.
    quiet = logging.getLogger("airstream.kafka_local.admin")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    return quiet


def _cluster_id() -> str:
    # One in 64 random ids starts with "-", which StorageTool's argument parser takes for an option
    # ("argument --cluster-id/-t: expected one argument"); Kafka's own Uuid.randomUuid() avoids them too.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


# What ``user_<name>="..."`` in a JAAS file and ``[name=...,password=...]`` of StorageTool can hold unquoted.
_SAFE = re.compile(r"[A-Za-z0-9_.@+-]+")


def _safe(what: str, value: str) -> str:
    if not _SAFE.fullmatch(value):
        # The value itself is never shown: it may be a password.
        raise ValueError(f"{what} may hold only letters, digits and _.@+- (it is written into JAAS and "
                         "StorageTool arguments unquoted)")
    return value


@dataclass(frozen=True)
class Security:
    """A secured cluster: SASL over TLS for clients, an ACL authorizer, and who may log in.

    Clients connect with ``security.protocol=SASL_SSL`` and ``sasl.mechanism`` SCRAM-SHA-512 or PLAIN,
    trusting the CA the cluster generates (``LocalKafka.ca_file``). ``User:admin`` (password
    ``admin_password``, random by default) is the only super user; every other principal needs ACLs
    (``allow.everyone.if.no.acl.found=false``). ``users`` (name -> password) can log in with both
    mechanisms from the start; :meth:`LocalKafka.add_user` adds SCRAM users to a running cluster
    (PLAIN users live in the broker's JAAS configuration, so they are fixed at start).

    The controller listener speaks SASL_PLAINTEXT (PLAIN, as ``admin``) on loopback: the controllers
    must authenticate the brokers before the metadata, and so any SCRAM credential, can be read.
    Brokers talk to each other on the client listener, as ``admin`` with PLAIN.
    """

    users: Mapping[str, str] = field(default_factory=dict, repr=False)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)

    def __post_init__(self) -> None:
        for name, password in {ADMIN_USER: self.admin_password, **self.users}.items():
            _safe("a user name", name)
            _safe(f"the password of {name}", password)

    @property
    def logins(self) -> dict[str, str]:
        """Every user known at start, ``admin`` first: name -> password."""
        return {ADMIN_USER: self.admin_password, **self.users}


@dataclass
class _Node:
    node_id: int
    port: int
    controller_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    @property
    def properties_file(self) -> Path:
        return self.directory / "server.properties"


class LocalKafka:
    """One or more combined KRaft broker/controller nodes on 127.0.0.1 with free ports.

    ``brokers=3`` starts a three-node quorum, so topics can use replication factor 3 and tests can
    stop a node. ``data_dir`` defaults to a fresh temporary folder, removed on :meth:`stop` unless
    ``keep_data=True``. Extra broker settings go in ``overrides``.
    """

    def __init__(
        self,
        brokers: int = 1,
        data_dir: str | Path | None = None,
        *,
        keep_data: bool = False,
        outlive_parent: bool = False,
        overrides: dict[str, str] | None = None,
        heap: str = "512m",
        version: str = KAFKA_VERSION,
        security: Security | None = None,
    ) -> None:
        if brokers < 1:
            raise ValueError(f"brokers must be at least 1, got {brokers}")
        self._owns_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="airstream-kafka-"))
        self.keep_data = keep_data or not self._owns_dir
        self.version = version
        self.heap = heap
        self.outlive_parent = outlive_parent
        self.overrides = dict(overrides or {})
        self.security = security
        self.nodes = [
            _Node(i, free_port(), free_port(), self.data_dir / f"node-{i}") for i in range(1, brokers + 1)
        ]

    @property
    def bootstrap(self) -> str:
        """The ``bootstrap.servers`` string for this cluster."""
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    # -- a secured cluster ---------------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        """The PEM certificate of the CA a secured cluster generates (a client's ``ssl.ca.location``)."""
        return self.data_dir / "tls" / "ca.pem"

    def _secured(self) -> Security:
        if self.security is None:
            raise RuntimeError("this LocalKafka is not secured: start it with LocalKafka(security=Security())")
        return self.security

    def client_config(self, user: str, password: str, mechanism: str = "SCRAM-SHA-512") -> dict[str, str]:
        """librdkafka properties that log in to this secured cluster as ``user`` with ``mechanism``
        (``SCRAM-SHA-512`` or ``PLAIN``); the password is not checked here, so tests can pass a wrong one."""
        self._secured()
        return {"bootstrap.servers": self.bootstrap, "security.protocol": "SASL_SSL", "sasl.mechanism": mechanism,
                "sasl.username": user, "sasl.password": password, "ssl.ca.location": str(self.ca_file)}

    def admin_config(self) -> dict[str, str]:
        """The client properties of ``User:admin``, the super user; on a plain cluster just the bootstrap."""
        if self.security is None:
            return {"bootstrap.servers": self.bootstrap}
        return self.client_config(ADMIN_USER, self.security.admin_password)

    def write_client_properties(self, path: Path, user: str = ADMIN_USER, password: str | None = None,
                                mechanism: str = "SCRAM-SHA-512") -> Path:
        """Write :meth:`client_config` of ``user`` (default: admin) as a ``client.properties`` that
        ``airmon --config`` and ``airstream ... --config`` read; readable by its owner only."""
        secret = self._secured().logins.get(user) if password is None else password
        if secret is None:
            raise ValueError(f"no password known for {user!r}: pass password=")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text("# librdkafka client properties for the local secured Kafka (written by airstream)\n" +
                        "".join(f"{k}={v}\n" for k, v in self.client_config(user, secret, mechanism).items()))
        return path

    def _admin(self) -> Any:
        from confluent_kafka.admin import AdminClient

        config: dict[str, Any] = {**self.admin_config(), "logger": _quiet_logger()}
        return AdminClient(config)

    def add_user(self, name: str, password: str, timeout: float = 30.0) -> None:
        """Create (or change) the SCRAM-SHA-512 credential of ``name`` and wait until it can log in."""
        from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

        self._secured()
        upsert = UserScramCredentialUpsertion(name, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                                              password.encode())
        admin = self._admin()  # kept referenced: a collected client fails its futures with _DESTROY
        for future in admin.alter_user_scram_credentials([upsert], request_timeout=timeout).values():
            future.result()
        # The broker learns the credential from the metadata log a moment after the controller commits it.
        self._wait(lambda: self._can_log_in(name, password), timeout, f"user {name!r} could not log in")

    def _can_log_in(self, name: str, password: str) -> bool:
        from confluent_kafka.admin import AdminClient

        config: dict[str, Any] = {**self.client_config(name, password), "logger": _quiet_logger()}
        admin = AdminClient(config)
        try:
            admin.list_topics(timeout=3)
        except Exception:  # KafkaException: authentication not accepted yet
            return False
        return True

    def allow(self, principal: str, operation: str, *, topic: str | None = None, group: str | None = None,
              transactional_id: str | None = None, cluster: bool = False, prefixed: bool = False,
              timeout: float = 30.0) -> None:
        """Grant ``principal`` (``User:alice``) ``operation`` (``Write``, ``Read``, ``Describe``,
        ``IdempotentWrite``, ``All`` ...) on one resource, and wait until the broker enforces it.

        ``prefixed`` makes the name a prefix (every topic/group starting with it), as
        ``kafka-acls.sh --resource-pattern-type prefixed`` does.
        """
        from confluent_kafka.admin import (
            AclBinding,
            AclBindingFilter,
            AclOperation,
            AclPermissionType,
            ResourcePatternType,
            ResourceType,
        )

        self._secured()
        given = [(t, n) for t, n in ((ResourceType.TOPIC, topic), (ResourceType.GROUP, group),
                                     (ResourceType.TRANSACTIONAL_ID, transactional_id),
                                     (ResourceType.BROKER, "kafka-cluster" if cluster else None)) if n is not None]
        if len(given) != 1:
            raise ValueError("name exactly one resource: topic=, group=, transactional_id= or cluster=True")
        restype, name = given[0]
        pattern = ResourcePatternType.PREFIXED if prefixed else ResourcePatternType.LITERAL
        op = AclOperation[re.sub(r"(?<!^)(?=[A-Z])", "_", operation).upper()]
        binding = AclBinding(restype, name, pattern, principal, "*", op, AclPermissionType.ALLOW)
        admin = self._admin()
        for future in admin.create_acls([binding], request_timeout=timeout).values():
            future.result()
        wanted = AclBindingFilter(restype, name, pattern, principal, "*", op, AclPermissionType.ALLOW)

        def enforced() -> bool:
            # DescribeAcls is answered from the broker's own authorizer: once it lists the binding, the
            # broker enforces it.
            return bool(admin.describe_acls(wanted, request_timeout=timeout).result())

        self._wait(enforced, timeout, f"the ACL {principal} {operation} on {name} did not take effect")

    @staticmethod
    def _wait(ready: Any, timeout: float, failure: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise KafkaStartError(f"{failure} within {timeout:.0f}s")
            time.sleep(0.2)

    def __enter__(self) -> LocalKafka:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 90.0) -> LocalKafka:
        """Format every node's storage, start them, and wait until all answer metadata requests."""
        libs = ensure_kafka_jars(self.version)
        java_executable(_RETRY_HINT, error=KafkaStartError)
        cluster_id = _cluster_id()
        if self.security is not None:
            self._make_certificates()
        for node in self.nodes:
            self._configure(node)
            self._format(libs, node, cluster_id)
        for node in self.nodes:
            self._spawn(libs, node)
        self.wait_ready(timeout)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every node (SIGTERM, then SIGKILL after ``timeout``) and remove owned data."""
        for node in self.nodes:
            if node.process and node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
        for node in self.nodes:
            self._reap(node, timeout)
        if self._owns_dir and not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def stop_node(self, node_id: int, timeout: float = 30.0) -> None:
        """Stop one node cleanly (controlled shutdown); its data and ports are kept for a restart."""
        node = self._node(node_id)
        if node.process and node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
        self._reap(node, timeout)

    def kill_node(self, node_id: int) -> None:
        """Kill one node with SIGKILL, as a crash would."""
        node = self._node(node_id)
        if node.process and node.process.poll() is None:
            node.process.kill()
        self._reap(node, 10)

    def start_node(self, node_id: int, timeout: float = 90.0) -> None:
        """Restart a stopped node on the same ports and data, and wait until the cluster is whole."""
        self._spawn(ensure_kafka_jars(self.version), self._node(node_id))
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Block until every running node is registered and answers a metadata request."""
        from confluent_kafka.admin import AdminClient

        running = [(n, n.process) for n in self.nodes if n.process is not None and n.process.poll() is None]
        deadline = time.monotonic() + timeout
        # librdkafka reports every refused connection while the JVM boots; those are expected here.
        config: dict[str, Any] = {**self.admin_config(), "socket.connection.setup.timeout.ms": 2000,
                                  "logger": _quiet_logger()}
        admin = AdminClient(config)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            for node, process in running:
                if process.poll() is not None:
                    self._fail(node, f"node {node.node_id} exited with code {process.returncode}")
            try:
                metadata = admin.list_topics(timeout=2)
                if len(metadata.brokers) >= len(running) and metadata.controller_id >= 0:
                    return
            except Exception as exc:  # KafkaException while the listener is not up yet
                last_error = exc
            time.sleep(0.3)
        self._fail(running[0][0], f"no metadata answer within {timeout:.0f}s (last error: {last_error})")

    # -- internals -------------------------------------------------------------------------

    def _node(self, node_id: int) -> _Node:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise ValueError(f"no node {node_id}; nodes are {[n.node_id for n in self.nodes]}")

    def _make_certificates(self) -> None:
        from airstream.topology.kafka_tls import TlsError, make_certificates

        try:
            make_certificates(self.ca_file.parent)
        except TlsError as exc:
            raise KafkaStartError(f"local Kafka did not start: {exc}") from None

    def _security_properties(self, node: _Node) -> dict[str, str]:
        """Listeners and settings of a secured node (see :class:`Security`)."""
        security = self._secured()
        logins = security.logins
        plain_users = " ".join(f'user_{name}="{password}"' for name, password in logins.items())
        admin = f'username="{ADMIN_USER}" password="{security.admin_password}"'
        plain = f"org.apache.kafka.common.security.plain.PlainLoginModule required {admin} {plain_users};"
        keystore = self.ca_file.parent / "broker-keystore.pem"
        return {
            "listeners": f"SASL_SSL://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{node.port}",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            "sasl.mechanism.inter.broker.protocol": "PLAIN",
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            "listener.name.sasl_ssl.plain.sasl.jaas.config": plain,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                f"org.apache.kafka.common.security.scram.ScramLoginModule required {admin};",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": plain,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
            "ssl.endpoint.identification.algorithm": "https",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:{ADMIN_USER}",
            "allow.everyone.if.no.acl.found": "false",
        }

    def _configure(self, node: _Node) -> None:
        node.directory.mkdir(parents=True, exist_ok=True)
        replication = str(min(3, len(self.nodes)))
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        props = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(node.directory / "data"),
            "num.partitions": "1",
            "default.replication.factor": replication,
            "offsets.topic.replication.factor": replication,
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": replication,
            "transaction.state.log.min.isr": "2" if len(self.nodes) >= 3 else "1",
            "transaction.state.log.num.partitions": "10",
            "min.insync.replicas": "1",
            # Tests start consumer groups constantly; the default 3 s join delay only slows them.
            "group.initial.rebalance.delay.ms": "0",
            # KIP-848 groups hand partitions over at heartbeats, every 5 s by default: a moved
            # partition would wait up to 5 s for its new owner.
            "group.consumer.min.heartbeat.interval.ms": "500",
            "group.consumer.heartbeat.interval.ms": "1000",
            "share.coordinator.state.topic.replication.factor": replication,
            "share.coordinator.state.topic.min.isr": "1",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "auto.create.topics.enable": "true",
        }
        if self.security is not None:
            props.update(self._security_properties(node))
        props.update(self.overrides)
        node.properties_file.touch(mode=0o600)  # a secured node's file holds the passwords
        node.properties_file.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (node.directory / "log4j2.properties").write_text(_LOG4J2.format(log=node.log_file))

    def _jvm(self, libs: Path, node: _Node) -> list[str]:
        return [
            java_executable(_RETRY_HINT), f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={node.directory / 'log4j2.properties'}",
            "-cp", f"{libs}/*",
        ]

    def _format(self, libs: Path, node: _Node, cluster_id: str) -> None:
        cmd = [*self._jvm(libs, node), "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c",
               str(node.properties_file), "--ignore-formatted"]
        if self.security is not None:
            # SCRAM credentials live in the metadata log; written at format time, they exist before any
            # client (or the admin that would add them) connects.
            for name, password in self.security.logins.items():
                cmd += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        with open(node.log_file, "ab") as log:
            code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
        if code != 0:
            self._fail(node, f"formatting the storage of node {node.node_id} failed (exit {code})")

    def _spawn(self, libs: Path, node: _Node) -> None:
        # The broker keeps its own copy of the log file's descriptor; ours can close at once.
        with open(node.log_file, "ab") as log:
            try:
                node.process = subprocess.Popen(
                    [*self._jvm(libs, node), "kafka.Kafka", str(node.properties_file)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    preexec_fn=None if self.outlive_parent else terminate_with_parent,
                )
            except OSError as exc:
                self._fail(node, f"could not run Java: {exc}")

    def _reap(self, node: _Node, timeout: float) -> None:
        if node.process is None:
            return
        try:
            node.process.wait(timeout)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait(10)

    def _fail(self, node: _Node, reason: str) -> None:
        tail = log_tail(node.log_file)  # read before stop() removes a temporary data folder with the log
        self.stop(timeout=10)
        raise KafkaStartError(
            f"local Kafka did not start: {reason}.\n"
            f"Last lines of {node.log_file}:\n{tail}\n"
            f"Retry with: {_RETRY_HINT}"
        )


# -- a broker that outlives the command (make kafka-up / kafka-down) ---------------------------

def _shown(info: dict[str, Any]) -> list[str]:
    """The bootstrap servers, then the super user's client.properties of a secured broker."""
    return [info["bootstrap"], *([info["client_properties"]] if info.get("client_properties") else [])]


_BACKGROUND = BackgroundServer("kafka-local", "Kafka", "make kafka-up", "make kafka-down", _shown)


def _up(brokers: int, secure: bool = False) -> int:
    if _BACKGROUND.already_running():
        return 0
    data_dir = _BACKGROUND.data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    cluster = LocalKafka(brokers=brokers, data_dir=data_dir, outlive_parent=True,
                         security=Security() if secure else None)
    try:
        cluster.start()
    except KafkaStartError as exc:
        print(exc, file=sys.stderr)
        return 1
    # The admin's password exists only in this file (and the broker's own configuration).
    properties = cluster.write_client_properties(data_dir / "client.properties") if secure else None
    _BACKGROUND.record({
        "bootstrap": cluster.bootstrap,
        "pids": [n.process.pid for n in cluster.nodes if n.process is not None],
        "data_dir": str(data_dir),
        "logs": [str(n.log_file) for n in cluster.nodes],
        "client_properties": str(properties) if properties else None,
    })
    print(cluster.bootstrap)
    if properties is None:
        print(f"Kafka {cluster.version} is up; logs in {data_dir}. Use it with: "
              f"export AIRSTREAM_BOOTSTRAP={cluster.bootstrap}", file=sys.stderr)
        return 0
    print(properties)
    print(f"Kafka {cluster.version} is up with SASL_SSL and ACLs; logs in {data_dir}. The super user "
          f"{ADMIN_USER} logs in with: airmon --config {properties}",
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m airstream.topology.kafka_local up [--brokers N] [--secure] | down | status``."""
    import argparse

    parser = argparse.ArgumentParser(prog="airstream kafka",
                                     description="Run a local Apache Kafka (KRaft) from Maven Central jars.")
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("up", help="start a local broker in the background and print its bootstrap servers")
    up.add_argument("--brokers", type=int, default=1, help="number of nodes (3 for replication factor 3)")
    up.add_argument("--secure", action="store_true",
                    help="clients log in with SASL (SCRAM-SHA-512 or PLAIN) over TLS, with a CA generated here, "
                         "and ACLs are enforced; prints the path of the super user's client.properties too")
    sub.add_parser("down", help="stop the broker started by 'up'")
    sub.add_parser("status", help="print the bootstrap servers of the running local broker")
    args = parser.parse_args(argv)
    if args.action == "up":
        return _up(args.brokers, args.secure)
    if args.action == "down":
        return _BACKGROUND.down()
    return _BACKGROUND.status()


if __name__ == "__main__":
    sys.exit(main())
