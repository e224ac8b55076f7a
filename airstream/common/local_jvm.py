"""Java servers run from Maven Central jars on 127.0.0.1: what the local Kafka, HBase and the test servers share.

Jars are resolved once by Maven from a small pom under ``compose/`` into ``$AIRSTREAM_CACHE``
(default ``~/.cache/airstream``); a server runs as a child JVM on free loopback ports, dies with the
process that started it unless told to outlive it (``airstream kafka up``, ``airstream hbase up``),
and a server left running in the background is found again through a small JSON state file.

Example::

    libs = maven_jars(Path("compose/hbase-local/pom.xml"), "hbase-2.6.1", {"hbase.version": "2.6.1"},
                      "airstream hbase up")
    process = subprocess.Popen([java_executable(), "-cp", f"{libs}/*", "..."],
                               preexec_fn=terminate_with_parent)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["LocalServiceError", "cache_dir", "compile_java", "free_port", "java_executable", "log_tail",
           "maven_jars", "process_alive", "stop_child", "stop_processes", "terminate_with_parent"]


class LocalServiceError(RuntimeError):
    """A local server could not be resolved or started; the message says why and how to retry."""


def cache_dir() -> Path:
    """The folder that holds resolved jars, outside the source tree."""
    return Path(os.environ.get("AIRSTREAM_CACHE", Path.home() / ".cache" / "airstream"))


def maven_jars(pom: Path, name: str, properties: dict[str, str], retry_hint: str, *,
               goal: str = "dependency:copy-dependencies") -> Path:
    """Resolve the runtime dependencies of ``pom`` once into ``<cache>/<name>/libs`` and return it.

    ``goal`` is ``dependency:copy`` for a pom that lists the artifacts to copy (``artifactItems``)
    instead of depending on them.

    A marker file is written only after Maven succeeds, so an interrupted download is redone.
    ``properties`` are passed as ``-Dkey=value``; ``retry_hint`` is the command an error tells
    the user to run again.
    """
    libs = cache_dir() / name / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if not pom.exists():
        raise LocalServiceError(
            f"the Maven recipe {pom} is missing: run from a source checkout of airstream "
            "(the local servers and the conformance suite are development tools, not part of the installed package)"
        )
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalServiceError(
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
        raise LocalServiceError(
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


def java_executable(retry_hint: str = "make kafka-up") -> str:
    """The ``java`` to run: ``$AIRSTREAM_JAVA``, ``$JAVA_HOME/bin/java`` or the one on ``PATH``."""
    explicit = os.environ.get("AIRSTREAM_JAVA")
    if explicit:
        return explicit
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise LocalServiceError(
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
