"""A real Schema Registry on 127.0.0.1: Apicurio Registry (in memory) from Maven Central, through its
Confluent-compatible API (``/apis/ccompat/v7``), for airmon's Avro tests.

The runnable distribution is resolved once by ``compose/schema-registry/pom.xml`` into
``$AIRSTREAM_CACHE/apicurio-registry-<version>`` and unpacked there; each session starts it on a free port.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from airstream.common.local_jvm import LocalServiceError, free_port, java_executable, maven_jars, terminate_with_parent

_POM = Path(__file__).resolve().parents[2] / "compose" / "schema-registry" / "pom.xml"
VERSION = "2.6.13.Final"
_RETRY = "pytest tests/integration/test_monitor_avro.py"


@dataclass(frozen=True)
class LocalRegistry:
    """A running registry: ``url`` is what ``airmon --schema-registry`` takes."""

    url: str

    def register(self, subject: str, schema: dict[str, object]) -> int:
        """Register an Avro schema under ``subject``; returns its id (as a producer's serializer would)."""
        response = httpx.post(f"{self.url}/subjects/{subject}/versions", json={"schema": json.dumps(schema)},
                              headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, timeout=10)
        response.raise_for_status()
        return int(response.json()["id"])


def _runner() -> Path:
    """The unpacked runner jar, resolving and unpacking the distribution on first use."""
    libs = maven_jars(_POM, f"apicurio-registry-{VERSION}", {"apicurio.version": VERSION}, _RETRY,
                      goal="dependency:copy")
    app = libs.parent / "app"
    runner = app / f"apicurio-registry-app-{VERSION}-runner.jar"
    if not runner.exists():
        [archive] = libs.glob("apicurio-registry-app-*-all.zip")
        unpacking = Path(tempfile.mkdtemp(dir=libs.parent))
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(unpacking)
        unpacking.rename(app)
    return runner


@contextmanager
def local_registry(timeout: float = 120.0) -> Iterator[LocalRegistry]:
    """Apicurio Registry on a free port of 127.0.0.1 for the ``with`` block; ``LocalServiceError`` says why not."""
    runner = _runner()
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="apicurio-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [java_executable(), "-Xmx512m", f"-Dquarkus.http.port={port}", "-Dquarkus.http.host=127.0.0.1",
         "-jar", str(runner)], cwd=runner.parent, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=terminate_with_parent)  # a test process that dies of a signal leaves no registry behind
    url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise LocalServiceError(f"Apicurio Registry exited with {process.returncode}: see {log.name}")
            try:
                if httpx.get(f"{url}/subjects", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise LocalServiceError(f"Apicurio Registry did not answer within {timeout:.0f} s: see {log.name}")
            time.sleep(0.5)
        yield LocalRegistry(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
