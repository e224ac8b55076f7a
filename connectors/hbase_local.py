"""A real Apache HBase on 127.0.0.1 from Maven Central jars: standalone master and its Thrift server.

HBase's standalone mode runs the master, a region server and ZooKeeper in one JVM over the local file
system; a second JVM runs the Thrift (v1) server that happybase, :class:`~airstream.connectors.hbase.HBaseSink`
and ``airstream hbase scan`` talk to. The jars of ``org.apache.hbase:hbase-server`` and ``hbase-thrift``
are resolved once by Maven with ``compose/hbase-local/pom.xml`` into ``$AIRSTREAM_CACHE``, as the
local Kafka's are.

Example::

    from airstream.connectors.hbase_local import LocalHBase

    with LocalHBase() as hbase:
        hbase.create_table("airline", "sentiment")
        sink = HBaseSink("airline", column_family="sentiment", row_key="tweet_id",
                         host=hbase.host, port=hbase.thrift_port)

From a shell: ``airstream hbase up`` (prints ``host:port`` of the Thrift server), ``airstream hbase scan
airline --prefix 5703 --limit 20``, ``airstream hbase down``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from xml.sax.saxutils import escape

from airstream.common.local_jvm import (
    BackgroundServer,
    LocalServer,
    LocalServiceError,
    ServerProcess,
    free_port,
    java_executable,
    log_tail,
    maven_jars,
)

__all__ = ["HBASE_VERSION", "HBaseStartError", "LocalHBase", "add_arguments", "ensure_hbase_jars"]

HBASE_VERSION = "2.6.1"
_POM = Path(__file__).resolve().parent.parent / "compose" / "hbase-local" / "pom.xml"
_RETRY_HINT = "airstream hbase up"
# What HBase's own bin/hbase adds on Java 17: its RPC and the Hadoop file system reach into the JDK.
_JAVA17_OPENS = [
    *(f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
        "java.lang", "java.lang.reflect", "java.io", "java.nio", "sun.nio.ch", "java.util", "java.util.concurrent")),
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true",
]
_LOG4J = """\
log4j.rootLogger=INFO,file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${airstream.hbase.log}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.org.apache.hadoop.metrics2=WARN
"""


class HBaseStartError(LocalServiceError):
    """The local HBase could not be resolved or started; the message says why and how to retry."""


def ensure_hbase_jars(version: str = HBASE_VERSION) -> Path:
    """Resolve the HBase server and Thrift jars with Maven once and return the folder that holds them."""
    return maven_jars(_POM, f"hbase-{version}", {"hbase.version": version}, _RETRY_HINT, error=HBaseStartError)


@dataclass
class _Server(ServerProcess):
    main_class: str
    heap: str


class LocalHBase(LocalServer):
    """HBase standalone plus its Thrift server on free ports of 127.0.0.1 (see the module docstring).

    ``data_dir`` defaults to a fresh temporary folder, removed on :meth:`stop` unless ``keep_data=True``;
    the servers' logs are ``master.log`` and ``thrift.log`` in it. ``outlive_parent=True`` keeps the
    JVMs running after this process ends (``airstream hbase up``). The master starts first, then the
    Thrift server; :meth:`stop` stops them the other way round.
    """

    product = "HBase"
    error = HBaseStartError
    retry_hint = _RETRY_HINT

    def __init__(self, data_dir: str | Path | None = None, *, keep_data: bool = False,
                 outlive_parent: bool = False, version: str = HBASE_VERSION) -> None:
        super().__init__(data_dir, keep_data=keep_data, outlive_parent=outlive_parent, version=version)
        self.zookeeper_port, self.thrift_port = free_port(), free_port()
        self._master_port, self._region_server_port = free_port(), free_port()
        self.master = _Server("master", ["start"], self.data_dir / "master.log",
                              main_class="org.apache.hadoop.hbase.master.HMaster", heap="512m")
        self.thrift = _Server("thrift", ["-p", str(self.thrift_port), "--bind", self.host, "--infoport", "-1", "start"],
                              self.data_dir / "thrift.log", main_class="org.apache.hadoop.hbase.thrift.ThriftServer",
                              heap="256m")

    @property
    def servers(self) -> tuple[_Server, _Server]:
        """The master and the Thrift server."""
        return self.master, self.thrift

    @property
    def address(self) -> str:
        """``host:port`` of the Thrift server."""
        return f"{self.host}:{self.thrift_port}"

    def start(self, timeout: float = 120.0) -> Self:
        """Start the master, then the Thrift server, and wait until a client can list tables."""
        libs = ensure_hbase_jars(self.version)
        java = java_executable(_RETRY_HINT, error=HBaseStartError)
        self._configure()
        for server in self.servers:
            self._launch(server, self._command(java, libs, server), "Java", server.log_file.with_suffix(".out"))
        self._wait_ready(timeout)
        return self

    def connection(self) -> Any:
        """A happybase connection to the Thrift server (the caller closes it)."""
        import happybase

        return happybase.Connection(self.host, self.thrift_port, timeout=30_000)

    def create_table(self, name: str, *families: str) -> None:
        """Create ``name`` with column ``families`` (default settings: one version, no compression)."""
        connection = self.connection()
        try:
            connection.create_table(name, {family: {} for family in families})
        finally:
            connection.close()

    # -- internals -------------------------------------------------------------------------

    def _configure(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "conf"
        conf.mkdir(exist_ok=True)
        settings = {
            "hbase.cluster.distributed": "false",
            "hbase.rootdir": (self.data_dir / "hbase").as_uri(),
            "hbase.tmp.dir": str(self.data_dir / "tmp"),
            # The local file system cannot hflush; standalone HBase needs to be told that this is fine.
            "hbase.unsafe.stream.capability.enforce": "false",
            "hbase.zookeeper.quorum": self.host,
            "hbase.zookeeper.property.clientPort": str(self.zookeeper_port),
            "hbase.zookeeper.property.dataDir": str(self.data_dir / "zookeeper"),
            "hbase.master.hostname": self.host,
            "hbase.master.ipc.address": self.host,
            "hbase.master.port": str(self._master_port),
            "hbase.master.info.port": "-1",
            "hbase.regionserver.hostname": self.host,
            "hbase.regionserver.ipc.address": self.host,
            "hbase.regionserver.port": str(self._region_server_port),
            "hbase.regionserver.info.port": "-1",
        }
        (conf / "hbase-site.xml").write_text(
            '<?xml version="1.0"?>\n<configuration>\n'
            + "".join(f"  <property><name>{k}</name><value>{escape(v)}</value></property>\n"
                      for k, v in settings.items())
            + "</configuration>\n")
        (conf / "log4j.properties").write_text(_LOG4J)

    def _command(self, java: str, libs: Path, server: _Server) -> list[str]:
        conf = self.data_dir / "conf"
        return [java, f"-Xmx{server.heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", *_JAVA17_OPENS,
                f"-Dairstream.hbase.log={server.log_file}",
                f"-Dlog4j.configuration={(conf / 'log4j.properties').as_uri()}",
                "-cp", f"{conf}:{libs}/*", server.main_class, *server.arguments]

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self._check_running()
            try:
                # Listing tables goes through the master: it answers once the master has initialised.
                connection = self.connection()
                try:
                    connection.tables()
                    return
                finally:
                    connection.close()
            except Exception as exc:  # refused while the JVMs boot, then PleaseHoldException from the master
                last_error = exc
            time.sleep(0.5)
        self._fail(self.master, f"no answer from the Thrift server within {timeout:.0f}s (last error: {last_error})")

    def _log_tail(self, server: ServerProcess) -> str:
        # The JVM's own output (.out) has what went wrong before log4j was set up.
        return log_tail(server.log_file) + "\n" + log_tail(server.log_file.with_suffix(".out"), 10)


# -- airstream hbase up | down | status | scan -----------------------------------------------

_BACKGROUND = BackgroundServer("hbase-local", "HBase", "airstream hbase up", "airstream hbase down",
                               lambda info: [info["address"]])


def _up(_args: argparse.Namespace) -> int:
    if _BACKGROUND.already_running():
        return 0
    data_dir = _BACKGROUND.data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    hbase = LocalHBase(data_dir, outlive_parent=True)
    try:
        hbase.start()
    except HBaseStartError as exc:
        print(exc, file=sys.stderr)
        return 1
    _BACKGROUND.record({"address": hbase.address, "data_dir": str(data_dir), "pids": hbase.pids})
    print(hbase.address)
    print(f"HBase {hbase.version} is up (Thrift on {hbase.address}); logs in {data_dir}. Use it with: "
          f"export CLOUDAIR_HBASE_HOST={hbase.host} CLOUDAIR_HBASE_PORT={hbase.thrift_port}", file=sys.stderr)
    return 0


def _down(_args: argparse.Namespace) -> int:
    return _BACKGROUND.down()


def _status(_args: argparse.Namespace) -> int:
    return _BACKGROUND.status()


def _scan(args: argparse.Namespace) -> int:
    from airstream.connectors.hbase_scan import scan_command

    return scan_command(args, _BACKGROUND.running())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``airstream hbase`` command's arguments: ``up``, ``down``, ``status`` and ``scan``."""
    parser.description = ("Run a local Apache HBase (standalone, with its Thrift server) from Maven Central jars, "
                          "and scan tables of any HBase through its Thrift server.")
    sub = parser.add_subparsers(dest="hbase_action", metavar="ACTION", required=True)
    sub.add_parser("up", help="start a local HBase in the background and print its Thrift server's host:port"
                   ).set_defaults(func=_up)
    sub.add_parser("down", help="stop the HBase started by 'up'").set_defaults(func=_down)
    sub.add_parser("status", help="print the Thrift host:port of the running local HBase").set_defaults(func=_status)
    from airstream.connectors.hbase_scan import add_scan_arguments

    add_scan_arguments(sub.add_parser("scan", help="print rows of a table, newest writes included"))
    sub.choices["scan"].set_defaults(func=_scan)
