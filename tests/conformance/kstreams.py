"""Kafka Streams' own ``TopologyTestDriver``, run in one JVM for the whole test run.

The jars (kafka-streams and kafka-streams-test-utils at the local broker's Kafka version) come from
Maven Central through ``java/pom.xml`` and are cached like the broker's, under
``$AIRSTREAM_CACHE/conformance-<version>/``; the catalogue's Java side (``java/src``) is compiled there
once per change of its sources. The JVM answers one JSON request per line (see
``ConformanceServer.java``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from events import Event, Record, Steps

from airstream.common.local_jvm import compile_java, java_executable, maven_jars
from airstream.topology.kafka_local import KAFKA_VERSION

JAVA = Path(__file__).resolve().parent / "java"
RETRY = "make conformance"


class KafkaStreamsError(RuntimeError):
    """Kafka Streams could not run a case; the message holds its stack trace."""


class KafkaStreamsDriver:
    """Runs catalogue cases on Kafka Streams; ``LocalServiceError`` when Java or Maven is missing."""

    def __init__(self) -> None:
        libs = maven_jars(JAVA / "pom.xml", f"conformance-{KAFKA_VERSION}", {"kafka.version": KAFKA_VERSION}, RETRY)
        classes = compile_java(sorted((JAVA / "src").glob("*.java")), libs, RETRY)
        self._proc = subprocess.Popen(
            [java_executable(), "-Xmx512m", "-XX:+UseSerialGC", "-cp", f"{classes}:{libs}/*", "ConformanceServer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        ready = self._read()
        self.cases: list[str] = ready["ready"]

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise KafkaStreamsError(f"the Kafka Streams JVM exited (code {self._proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, case: str, events: list[Event], outputs: dict[str, str]) -> Steps:
        """The records each event makes Kafka Streams write, per event in order."""
        assert self._proc.stdin is not None
        request = {"case": case, "outputs": outputs,
                   "events": [{"topic": e.topic, "key": e.key, "value": e.value, "ts": e.ts, "wall_ms": e.wall_ms,
                               "headers": [list(h) for h in e.headers]} for e in events]}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        if "error" in answer:
            raise KafkaStreamsError(f"Kafka Streams failed on case {case}:\n{answer['error']}")
        return [[Record(r["topic"], r["key"], r["value"], r["ts"], tuple(map(tuple, r["headers"])))
                 for r in step] for step in answer["steps"]]

    def close(self) -> None:
        """End the JVM."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
