"""Java servers run from Maven Central jars on 127.0.0.1: what the local Kafka, HBase and the test servers share.

Jars are resolved once by Maven from a small pom under ``compose/`` into ``$AIRSTREAM_CACHE``
(default ``~/.cache/airstream``); a server runs as a child JVM on free loopback ports, dies with the
process that started it unless told to outlive it (``airstream kafka up``, ``airstream hbase up``),
and a server left running in the background is found again through a small JSON state file
(:class:`BackgroundServer`). :class:`LocalServer` is the life cycle of a few server processes that
run together (the local HBase and Kudu).

Example::

    libs = maven_jars(Path("compose/hbase-local/pom.xml"), "hbase-2.6.1", {"hbase.version": "2.6.1"},
                      "airstream hbase up")
    process = subprocess.Popen([java_executable(), "-cp", f"{libs}/*", "..."],
                               preexec_fn=terminate_with_parent)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NoReturn, Self

__all__ = ["BackgroundServer", "LocalServer", "LocalServiceError", "ServerProcess", "cache_dir", "compile_java",
           "free_port", "java_executable", "log_tail", "maven_jars", "process_alive", "stop_child",
           "stop_processes", "terminate_with_parent"]


class LocalServiceError(RuntimeError):
    """A local server could not be resolved or started; the message says why and how to retry."""


def cache_dir() -> Path:
    """The folder that holds resolved jars, outside the source tree."""
    return Path(os.environ.get("AIRSTREAM_CACHE", Path.home() / ".cache" / "airstream"))


def maven_jars(pom: Path, name: str, properties: dict[str, str], retry_hint: str, *,
               goal: str = "dependency:copy-dependencies",
               error: type[LocalServiceError] = LocalServiceError) -> Path:
    """Resolve the runtime dependencies of ``pom`` once into ``<cache>/<name>/libs`` and return it.

    ``goal`` is ``dependency:copy`` for a pom that lists the artifacts to copy (``artifactItems``)
    instead of depending on them.

    A marker file is written only after Maven succeeds, so an interrupted download is redone.
    ``properties`` are passed as ``-Dkey=value``; ``retry_hint`` is the command an error tells
    the user to run again. A failure raises ``error``: a server's own error class, so its callers
    catch one class for every way it can fail to start.
    """
    libs = cache_dir() / name / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if not pom.exists():
        raise error(
            f"the Maven recipe {pom} is missing: run from a source checkout of airstream "
            "(the local servers and the conformance suite are development tools, not part of the installed package)"
        )
    mvn = shutil.which("mvn")
    if mvn is None:
        raise error(
            "Maven ('mvn') is not on PATH: install it (Debian: apt-get install -y maven openjdk-17-jdk-headless), "
            f"then retry: {retry_hint}"
        )
    if libs.exists():
        shutil.rmtree(libs)
    libs.mkdir(parents=True)
    cmd = [mvn, "-q", "-B", "-f", str(pom), goal, f"-DoutputDirectory={libs}",
           "-DincludeScope=runtime", *(f"-D{k}={v}" for k, v in properties.items())]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise error(
            f"Maven could not resolve the dependencies of {pom} (exit {proc.returncode}):\n{tail}\n"
            f"Check access to Maven Central, then retry: {retry_hint}"
        )
    marker.write_text(" ".join(f"{k}={v}" for k, v in properties.items()))
    return libs


def compile_java(sources: list[Path], libs: Path, retry_hint: str) -> Path:
    """Compile ``sources`` against the jars in ``libs`` (from :func:`maven_jars`) into a folder beside
    them named after the sources' digest, so they are compiled again only when they change; returns it.

    The tools that drive Java from here (the conformance suite's Kafka Streams side, the Kafka Streams
    benchmark contender) use this. ``retry_hint`` is the command an error tells the user to run again.
    """
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    classes = libs.parent / f"classes-{digest}"
    if (classes / ".complete").exists():  # written last: a failed compile is redone
        return classes
    javac = Path(java_executable(retry_hint)).resolve().with_name("javac")
    if not javac.exists():
        found = shutil.which("javac")
        if found is None:
            raise LocalServiceError("javac is not on PATH: install a JDK 17+ (Debian: apt-get install -y "
                                    f"openjdk-17-jdk-headless), then retry: {retry_hint}")
        javac = Path(found)
    shutil.rmtree(classes, ignore_errors=True)
    proc = subprocess.run([str(javac), "-nowarn", "-d", str(classes), "-cp", f"{libs}/*", *map(str, sources)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise LocalServiceError(f"javac failed on {', '.join(p.name for p in sources)}:\n{proc.stdout}{proc.stderr}")
    (classes / ".complete").write_text(digest)
    return classes


def java_executable(retry_hint: str = "make kafka-up", error: type[LocalServiceError] = LocalServiceError) -> str:
    """The ``java`` to run: ``$AIRSTREAM_JAVA``, ``$JAVA_HOME/bin/java`` or the one on ``PATH``; ``error``
    (raised when there is none) as for :func:`maven_jars`."""
    explicit = os.environ.get("AIRSTREAM_JAVA")
    if explicit:
        return explicit
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise error(
            "Java is not on PATH: install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless), "
            f"then retry: {retry_hint}"
        )
    return java


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def terminate_with_parent() -> None:
    """A ``preexec_fn``: runs in the forked child so that a test run that is killed leaves no server behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_child(process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """Stop a server this process started: SIGTERM, then SIGKILL if it is still there after ``timeout``
    seconds; returns once it is gone (nothing to do for ``None`` or one that already exited)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def stop_processes(pids: Iterable[int], timeout: float = 30.0) -> None:
    """SIGTERM every process of ``pids``, then SIGKILL those still there after ``timeout`` seconds.

    For servers started by an earlier command (``... up``), which are not this process's children."""
    pids = [pid for pid in pids if process_alive(pid)]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a server's log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


@dataclass(frozen=True)
class BackgroundServer:
    """A server that ``... up`` leaves running for later commands, found again through a JSON state file.

    The file is ``<cache>/<state>.json``; it holds the servers' process ids (``"pids"``), the data folder
    (``"data_dir"``) and whatever else the server's commands want back. ``product`` names the server in
    messages, ``start_hint`` and ``stop_hint`` are the commands they suggest, and ``shown`` picks the lines
    that ``status``, and an ``up`` that finds the server running, print on stdout.

        >>> kafka = BackgroundServer("kafka-local", "Kafka", "make kafka-up", "make kafka-down",
        ...                          lambda info: [info["bootstrap"]])
        >>> kafka.state_file.name, kafka.data_dir.name
        ('kafka-local.json', 'kafka-local-data')
    """

    state: str
    product: str
    start_hint: str
    stop_hint: str
    shown: Callable[[dict[str, Any]], list[str]] = field(repr=False)

    @property
    def state_file(self) -> Path:
        """The JSON state file (looked up in the cache each time: ``$AIRSTREAM_CACHE`` may change)."""
        return cache_dir() / f"{self.state}.json"

    @property
    def data_dir(self) -> Path:
        """The data folder of the server ``up`` starts, beside the state file."""
        return cache_dir() / f"{self.state}-data"

    def running(self) -> dict[str, Any] | None:
        """The state of the server, or ``None`` when there is no state file or one of its processes is gone."""
        state = self.state_file
        if not state.exists():
            return None
        info: dict[str, Any] = json.loads(state.read_text())
        return info if all(process_alive(pid) for pid in info["pids"]) else None

    def record(self, info: dict[str, Any]) -> None:
        """Write the state of a server just started (``info`` holds ``pids`` and ``data_dir``)."""
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(info))

    def already_running(self) -> bool:
        """For ``up``: whether the server runs already; if so its lines are printed, and where to stop it."""
        info = self.running()
        if info is None:
            return False
        print(*self.shown(info), sep="\n")
        print(f"already running (data in {info['data_dir']}); stop it with: {self.stop_hint}", file=sys.stderr)
        return True

    def status(self) -> int:
        """The ``status`` command: print the running server's lines (0), or say how to start one (1)."""
        info = self.running()
        if info is None:
            print(f"no local {self.product} is running; start one with: {self.start_hint}", file=sys.stderr)
            return 1
        print(*self.shown(info), sep="\n")
        return 0

    def down(self) -> int:
        """The ``down`` command: stop the processes of the state file and remove it; 0, even with nothing to stop."""
        state = self.state_file
        if not state.exists():
            print(f"no local {self.product} is running (nothing to stop)", file=sys.stderr)
            return 0
        stop_processes(json.loads(state.read_text())["pids"])
        state.unlink()
        print(f"local {self.product} stopped", file=sys.stderr)
        return 0


@dataclass
class ServerProcess:
    """One process of a :class:`LocalServer`: its name in messages, its arguments, its log and, once
    started, the process itself."""

    name: str
    arguments: list[str]
    log_file: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False, init=False)


class LocalServer(ABC):
    """A few server processes on 127.0.0.1 that start in order and stop in reverse, in a data folder.

    ``data_dir`` defaults to a fresh temporary folder, removed on :meth:`stop` unless ``keep_data=True``
    (a folder given is always kept). ``outlive_parent=True`` keeps the processes running after this
    process ends. A subclass names ``product``, its ``error`` class and ``retry_hint`` (for the message
    of a failed start), lists its :attr:`servers` and starts them with :meth:`_launch` in :meth:`start`,
    calling :meth:`_check_running` while it waits for them to answer. Used as a context manager it is
    started on entry and stopped on exit.
    """

    host = "127.0.0.1"
    product: ClassVar[str]
    error: ClassVar[type[LocalServiceError]]
    retry_hint: ClassVar[str]

    def __init__(self, data_dir: str | Path | None, *, keep_data: bool, version: str,
                 outlive_parent: bool = False) -> None:
        self._owns_dir = data_dir is None
        self.data_dir = (Path(data_dir) if data_dir
                         else Path(tempfile.mkdtemp(prefix=f"airstream-{self.product.lower()}-")))
        self.keep_data = keep_data or not self._owns_dir
        self.outlive_parent = outlive_parent
        self.version = version

    @property
    @abstractmethod
    def servers(self) -> Sequence[ServerProcess]:
        """The processes, in the order they start."""

    @property
    def pids(self) -> list[int]:
        """The process ids of the started processes."""
        return [s.process.pid for s in self.servers if s.process is not None]

    @abstractmethod
    def start(self, timeout: float = 60.0) -> Self:
        """Start every process and wait until the server answers; a failure raises :attr:`error`."""

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the processes, last started first (SIGTERM, SIGKILL after ``timeout``); remove owned data."""
        for server in reversed(self.servers):
            stop_child(server.process, timeout)
        if self._owns_dir and not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _launch(self, server: ServerProcess, command: list[str], program: str, output: Path,
                env: Mapping[str, str] | None = None) -> None:
        """Start ``server`` as ``command``, its stdout and stderr appended to ``output``; ``program`` names
        what could not be run in the error."""
        # The server keeps its own copy of the output's descriptor; ours can close at once.
        with open(output, "ab") as out:
            try:
                server.process = subprocess.Popen(
                    command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                    start_new_session=True, preexec_fn=None if self.outlive_parent else terminate_with_parent)
            except OSError as exc:
                self._fail(server, f"could not run {program}: {exc}")

    def _check_running(self) -> None:
        """Fail the start when a process has exited."""
        for server in self.servers:
            if server.process is not None and server.process.poll() is not None:
                self._fail(server, f"the {self.product} {server.name} exited with code {server.process.returncode}")

    def _log_tail(self, server: ServerProcess) -> str:
        """What of ``server``'s log a failed start shows."""
        return log_tail(server.log_file, 30)

    def _fail(self, server: ServerProcess, reason: str) -> NoReturn:
        tail = self._log_tail(server)  # read before stop() removes a temporary data folder with the log
        self.stop(timeout=10)
        raise self.error(f"local {self.product} did not start: {reason}.\nLast lines of {server.log_file}:\n{tail}\n"
                         f"Retry with: {self.retry_hint}")
