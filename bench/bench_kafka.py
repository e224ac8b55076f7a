"""Kafka runtime benchmark: airstream against hand-written confluent-kafka loops, Quix Streams, Bytewax
and Kafka Streams itself.

Every contender runs the same pipeline (:mod:`bench.kafka_pipeline`: keep influencers' tweets,
project four fields) in its own process, one after the other, on the same broker and the same
pre-filled input topic, each with a fresh consumer group and output topic::

    python -m bench.bench_kafka                    # 500,000 tweets, local broker from Maven jars
    python -m bench.bench_kafka --records 50000 --only loop-json quix
    python -m bench.bench_kafka --records 2000000  # Kafka Streams' figures are only meaningful warm
    AIRSTREAM_BOOTSTRAP=127.0.0.1:9092 python -m bench.bench_kafka

Two phases per contender:

- **Throughput.** The harness counts the distinct keys in the contender's output topic with a
  ``read_committed`` consumer until all expected results are there: the same completion criterion
  for everyone. records/s = input records covered / time from the first to the last output seen, so
  interpreter start, imports and the group join (reported as "startup") do not count.
- **Latency.** A fresh, empty input topic gets tweets at a fixed rate while the contender runs; the
  end-to-end latency of a result is the time it became visible to a ``read_committed`` consumer
  minus the input record's timestamp (looked up by key), over a window after a warm-up. "CPU %
  at rate" is the contender's CPU time over that window, in percent of one core: what keeping
  latency low costs when records come one by one instead of in full batches.

Throughput phases run ``--repeat`` rounds (default 3, the order reversed every other round) and
the best rate counts: on a shared machine, interference only ever slows a contender down. Peak RSS
is the process's ``VmHWM`` read just before it is stopped (``ru_maxrss`` would also count the
harness, which a child inherits through ``fork``/``exec``). CPU per record is the process's CPU
time (all threads, from ``/proc/<pid>/stat``) over the same window as the rate, divided by the
records it covers: a figure that the machine's other load disturbs much less than the rate.
Results are reported, never asserted; the table goes to stdout, to ``bench/README.md`` (with
machine, load and date) and as JSON to ``bench/results/``.

Kafka Streams (``bench/kstreams/Main.java``) is compiled on first use against jars that Maven
resolves into ``$AIRSTREAM_CACHE``; the Python peers run from their own virtual environments under
``bench/``, created with pip on first use. The JVM compiles the hot path as it runs: on fewer than
2,000,000 records Kafka Streams is measured before its JIT has warmed up, and the table says so.

Tweets are the project's 530-row sample (``airstream.connectors.tweets.TweetReplay``) cycled with unique
ids, about 830 bytes of JSON each.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import confluent_kafka
import orjson
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench import Options, Result
from bench.kafka_pipeline import keep, project

__all__ = ["CONTENDER_NAMES", "DEFAULT_RECORDS", "ContenderResult", "main", "report", "results", "run"]

DEFAULT_RECORDS = 500_000
PARTITIONS = 6
BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
KSTREAMS_DIR = BENCH_DIR / "kstreams"
#: Fewer records than this and Kafka Streams is timed while its JIT is still compiling the hot path
#: (on 500,000 records it looked twice as expensive per record as warm, issue #17).
KSTREAMS_WARM_RECORDS = 2_000_000
README = BENCH_DIR / "README.md"
RESULTS_BEGIN = "<!-- bench_kafka results: begin (written by python -m bench.bench_kafka) -->"
RESULTS_END = "<!-- bench_kafka results: end -->"
STALL_S = 60.0        # no new output for this long while results are missing: the contender failed
STARTUP_S = 120.0     # time allowed from process start to first output
WARMUP_S = 2.0        # latency records sent in the first seconds after the first output are ignored
DRAIN_S = 10.0        # after the latency window, wait this long at most for its last results
FIRST_ID = 900_000_000_000_000_000
SAMPLE_EVERY = 997   # results whose value is checked against the pipeline's own projection
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class ContenderResult:
    """One contender's figures; ``error`` says why a figure is missing."""

    name: str
    description: str
    json: str
    records_per_s: float | None = None
    rounds: list[float] = field(default_factory=list)
    startup_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_pct_at_rate: float | None = None   # CPU of the process tree over the latency window, % of one core
    peak_rss_mib: float | None = None
    cpu_us_per_record: float | None = None
    outputs: int | None = None
    duplicates: int | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class _Contender:
    name: str
    description: str
    json: str
    command: Callable[[], list[str]]   # the interpreter and script; topic and group arguments are added
    produces: bool = True
    instances: int = 1   # processes in the contender's group: latency is measured once all hold partitions


@dataclass(frozen=True)
class _PeerVenv:
    """A Python peer's own virtual environment under ``bench/``, created with pip when it is missing.

    Peers bring their own pins (Quix an older confluent-kafka than airstream's), so none shares
    airstream's venv or another peer's.
    """

    path: Path
    requirements: tuple[str, ...]
    package: str   # the distribution whose version the table's header names

    def python(self) -> Path:
        """The venv's interpreter, (re)created unless a complete one with these requirements exists."""
        python, marker = self.path / "bin" / "python", self.path / ".installed"
        wanted = " ".join(self.requirements)
        # The marker is written last, so an interrupted or failed install is redone; it names the
        # requirements, so changing them here rebuilds the venv.
        if marker.exists() and marker.read_text() == wanted:
            return python
        print(f"creating {self.path} with {wanted} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(self.path)], check=True)
        pip = subprocess.run([str(python), "-m", "pip", "install", "-q", *self.requirements],
                             capture_output=True, text=True)
        if pip.returncode != 0:
            raise RuntimeError(f"pip could not install {wanted} into {self.path}:\n{pip.stderr[-2000:]}\n"
                               "Retry once PyPI is reachable (the environment is rebuilt on the next run).")
        marker.write_text(wanted)
        return python

    def version(self) -> str:
        """``<package version> with confluent-kafka <version>``, as installed in the venv (never installs:
        a peer that could not be installed has its error in the table already)."""
        if not (self.path / ".installed").exists():
            return "not installed"
        probe = subprocess.run([str(self.path / "bin" / "python"), "-c", "import importlib.metadata as m; "
                                f"print(m.version({self.package!r}), 'with confluent-kafka', "
                                "m.version('confluent-kafka'))"], capture_output=True, text=True)
        return probe.stdout.strip() or f"unknown ({probe.stderr.strip()[-200:]})"


QUIX = _PeerVenv(BENCH_DIR / ".venv-quix", ("quixstreams>=3.28,<4",), "quixstreams")
# Bytewax has no JSON serde of its own; orjson, as in Quix and airstream, keeps the JSON cost out of the
# comparison of runtimes.
BYTEWAX = _PeerVenv(BENCH_DIR / ".venv-bytewax", ("bytewax[kafka]>=0.21,<0.22", "orjson>=3.9"), "bytewax")


def _ours(name: str) -> Callable[[], list[str]]:
    return lambda: [sys.executable, "-m", "bench.kafka_contenders", name]


def _peer(venv: _PeerVenv, script: str) -> Callable[[], list[str]]:
    return lambda: [str(venv.python()), str(BENCH_DIR / script)]


def _kstreams(guarantee: str) -> Callable[[], list[str]]:
    return lambda: [*_kstreams_java(), "--guarantee", guarantee]


_CONTENDERS = [
    _Contender("consume", "consume only (librdkafka's rate, no processing)", "none", _ours("consume"), produces=False),
    _Contender("loop-json", "hand-written confluent-kafka loop, at-least-once", "json (stdlib)", _ours("loop-json")),
    _Contender("loop-orjson", "hand-written confluent-kafka loop, at-least-once", "orjson", _ours("loop-orjson")),
    _Contender("quix", "Quix Streams, at-least-once (defaults)", "orjson (Quix default)",
               _peer(QUIX, "quix_pipeline.py")),
    _Contender("bytewax", "Bytewax, at-least-once (recovery on, defaults)", "orjson",
               _peer(BYTEWAX, "bytewax_pipeline.py")),
    _Contender("kstreams", "Kafka Streams (Java), at_least_once (defaults)", "Jackson (tree model)",
               _kstreams("at_least_once")),
    _Contender("kstreams-eos", "Kafka Streams (Java), exactly_once_v2 (defaults)", "Jackson (tree model)",
               _kstreams("exactly_once_v2")),
    _Contender("airstream-alos", "airstream KafkaStreams, at_least_once", "orjson (Serdes.Json)",
               _ours("airstream-alos")),
    _Contender("airstream-eos", "airstream KafkaStreams, exactly_once_v2", "orjson (Serdes.Json)",
               _ours("airstream-eos")),
    _Contender("airstream-typed", "airstream KafkaStreams, at_least_once, on msgspec Structs",
               "msgspec (Serdes.Typed)", _ours("airstream-typed")),
    _Contender("airstream-untraced", "airstream KafkaStreams, at_least_once, tracing off (tracing.enabled=false)",
               "orjson (Serdes.Json)", _ours("airstream-untraced")),
    _Contender("airstream-x2", "airstream run --instances 2, at_least_once (two processes, one group)",
               "orjson (Serdes.Json)", _ours("airstream-x2"), instances=2),
]
CONTENDER_NAMES = [c.name for c in _CONTENDERS]


# -- environment ----------------------------------------------------------------------------------

def _kstreams_java() -> list[str]:
    """``java -cp <classes>:<libs>/* Main``: jars resolved by Maven and ``Main.java`` compiled, both once
    per Kafka version and source, in ``$AIRSTREAM_CACHE/kstreams-<version>/``."""
    from airstream.common.local_jvm import compile_java, java_executable, maven_jars
    from airstream.topology.kafka_local import KAFKA_VERSION

    retry = "python -m bench.bench_kafka --only kstreams"
    libs = maven_jars(KSTREAMS_DIR / "pom.xml", f"kstreams-{KAFKA_VERSION}", {"kafka.version": KAFKA_VERSION}, retry)
    classes = compile_java([KSTREAMS_DIR / "Main.java"], libs, retry)
    return [java_executable(), "-cp", f"{classes}:{libs}/*", "Main"]


def _java_version() -> str:
    from airstream.common.local_jvm import LocalServiceError, java_executable

    try:
        probe = subprocess.run([java_executable(), "-version"], capture_output=True, text=True)
    except (LocalServiceError, OSError):   # no Java: the kstreams rows carry the error already
        return "no Java"
    lines = probe.stderr.strip().splitlines()   # java -version writes to stderr
    return lines[0] if lines else "unknown"


def _peer_versions(by_name: dict[str, ContenderResult]) -> str:
    """The versions of the peers in this run, for the table's header."""
    from airstream.topology.kafka_local import KAFKA_VERSION

    versions = []
    if "quix" in by_name:
        versions.append(f"Quix Streams {QUIX.version()}")
    if "bytewax" in by_name:
        versions.append(f"Bytewax {BYTEWAX.version()}")
    if {"kstreams", "kstreams-eos"} & by_name.keys():
        versions.append(f"Kafka Streams {KAFKA_VERSION} on {_java_version()}")
    return "; ".join(versions) or "no peers"


def _airstream_missing() -> str | None:
    """Why the airstream rows cannot run yet, or None when ``airstream.topology.runtime.KafkaStreams`` imports."""
    try:
        from airstream.topology.runtime import KafkaStreams  # noqa: F401
    except ImportError as exc:
        return f"pending: airstream.topology.runtime.KafkaStreams is not available yet ({exc})"
    return None


def machine() -> dict[str, str]:
    """Where the figures were measured: CPU count and model, OS, Python and client versions, date."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "confluent_kafka": f"{confluent_kafka.__version__} (librdkafka {confluent_kafka.libversion()[0]})",
    }


# -- topics and records ---------------------------------------------------------------------------

def _create_topics(admin: AdminClient, *names: str) -> None:
    futures = admin.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1) for n in names])
    for future in futures.values():
        future.result(60)


def _templates() -> list[dict[str, Any]]:
    from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay

    return list(TweetReplay(SAMPLE_CSV))


def _tweets(templates: list[dict[str, Any]], first_id: int) -> Iterator[tuple[bytes, bytes, bool]]:
    """(key, JSON value, passes the filter) for tweets with ids ``first_id, first_id + 1, ...``."""
    kept = [keep(t) for t in templates]
    i = 0
    while True:
        template = templates[i % len(templates)]
        tweet_id = first_id + i
        key = str(tweet_id).encode()
        yield key, orjson.dumps({**template, "id": tweet_id, "id_str": key.decode()}), kept[i % len(templates)]
        i += 1


def _producer(bootstrap: str, **extra: Any) -> Producer:
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "partitioner": "murmur2_random",
                     "queue.buffering.max.messages": 1_000_000, **extra})


def _fill(bootstrap: str, topic: str, templates: list[dict[str, Any]], count: int) -> int:
    """Produce ``count`` tweets to ``topic``; returns how many pass the filter."""
    producer = _producer(bootstrap, **{"linger.ms": 50, "batch.size": 1_000_000})
    expected = 0
    for _, (key, value, kept) in zip(range(count), _tweets(templates, FIRST_ID), strict=False):
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
        expected += kept
    if producer.flush(120) != 0:
        raise RuntimeError(f"the input topic {topic} was not filled: records still unacknowledged after 120 s")
    return expected


class _OutputReader:
    """A ``read_committed`` reader of every partition of an output topic, from the beginning."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader",
                                  "enable.auto.commit": False, "isolation.level": "read_committed"})
        self.consumer.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        self.keys: set[bytes] = set()
        self.total = 0

    def read(self, timeout: float) -> list[Any]:
        messages = [m for m in self.consumer.consume(10_000, timeout) if m.error() is None]
        self.total += len(messages)
        self.keys.update(m.key() for m in messages)
        return messages

    def close(self) -> None:
        self.consumer.close()


# -- contender processes --------------------------------------------------------------------------

class _Process:
    """A contender's process, with its peak RSS and CPU time read from ``/proc`` while it runs."""

    def __init__(self, command: list[str], log_prefix: Path) -> None:
        self.stdout_path = log_prefix.with_suffix(".out")
        self.stderr_path = log_prefix.with_suffix(".err")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()
        self.peak_rss_mib: float | None = None

    @property
    def exit_code(self) -> int | None:
        return self.popen.returncode

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _tree(self) -> list[int]:
        """The contender's pid and its descendants' (``airstream-x2`` runs its instances as children)."""
        pids, i = [self.popen.pid], 0
        while i < len(pids):
            with contextlib.suppress(OSError):  # gone already, or no /proc
                pids += [int(c) for c in Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()]
            i += 1
        return pids

    def cpu_s(self) -> float | None:
        """CPU time (user + system, all threads, child processes included) so far; None where there is
        no ``/proc``."""
        total = None
        for pid in self._tree():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()   # the command name may hold spaces
            total = (total or 0.0) + (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        return total

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _read_peak_rss(self) -> None:
        """The sum of the process tree's peak RSS (``VmHWM``); none where there is no ``/proc``."""
        for pid in self._tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:   # gone, or not Linux: no figure rather than a wrong one
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_mib = (self.peak_rss_mib or 0.0) + int(line.split()[1]) / 1024

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (a clean close: flush, commit, leave the group), SIGKILL after ``timeout``."""
        if self.alive():
            self._read_peak_rss()
            self.popen.send_signal(signal.SIGTERM)
            if not self.wait(timeout):
                self.popen.kill()
                self.popen.wait()

    def failure(self, what: str) -> str:
        tail = self.stderr_path.read_text(errors="replace").strip().splitlines()[-15:]
        return f"{what}; last lines of {self.stderr_path}:\n" + "\n".join(tail)



@dataclass
class _Run:
    bootstrap: str
    admin: AdminClient
    prefix: str
    logs: Path
    templates: list[dict[str, Any]]
    records: int
    input_topic: str
    expected: int
    latency_seconds: float
    latency_rate: int

    def expected_value(self, key: bytes) -> dict[str, Any]:
        """The result the pipeline must produce for the input tweet with this key."""
        index = int(key) - FIRST_ID
        template = self.templates[index % len(self.templates)]
        return project({**template, "id": int(key), "id_str": key.decode()})

    def group(self, contender: _Contender, phase: str) -> str:
        """The consumer group (application id) of ``contender`` in ``phase``."""
        return f"{self.prefix}-{contender.name}-{phase}"

    def spawn(self, contender: _Contender, phase: str, input_topic: str, output_topic: str | None) -> _Process:
        args = ["--bootstrap", self.bootstrap, "--input", input_topic, "--group", self.group(contender, phase)]
        if contender.produces:
            args += ["--output", output_topic]
        else:
            args += ["--records", str(self.records)]
        return _Process(contender.command() + args, self.logs / f"{contender.name}-{phase}")


def _throughput(run: _Run, contender: _Contender, result: ContenderResult, round_: int) -> None:
    """One round: a fresh group (and output topic) reads the whole input topic."""
    output = f"{run.prefix}-{contender.name}-out-{round_}" if contender.produces else None
    if output:
        _create_topics(run.admin, output)
    process = run.spawn(contender, f"throughput-{round_}", run.input_topic, output)
    try:
        rate, cpu_us = _watch_output(run, process, output, result) if output else _await_consume_only(run, process)
    finally:
        process.stop()
    result.rounds.append(rate)
    result.records_per_s = max(result.rounds)
    if cpu_us is not None:
        result.cpu_us_per_record = min(cpu_us, result.cpu_us_per_record or cpu_us)
    if process.peak_rss_mib is not None:
        result.peak_rss_mib = max(result.peak_rss_mib or 0.0, process.peak_rss_mib)


def _await_consume_only(run: _Run, process: _Process) -> tuple[float, float]:
    deadline = time.monotonic() + STARTUP_S + run.records / 5_000
    while not process.stdout_path.read_text().strip():
        if not process.alive():
            raise RuntimeError(process.failure(f"exited with code {process.exit_code}"))
        if time.monotonic() > deadline:
            raise RuntimeError(process.failure(f"did not consume {run.records} records in time"))
        time.sleep(0.1)
    summary = json.loads(process.stdout_path.read_text().strip().splitlines()[-1])
    return summary["records_per_s"], summary["cpu_us_per_record"]


def _watch_output(run: _Run, process: _Process, output: str,
                  result: ContenderResult) -> tuple[float, float | None]:
    reader = _OutputReader(run.bootstrap, output)
    first: tuple[float, int, float | None] | None = None   # (time, results, CPU s) at the first result
    last_progress = process.started
    wrong = 0
    try:
        while len(reader.keys) < run.expected:
            if not process.alive():
                raise RuntimeError(process.failure(f"exited with code {process.exit_code} after "
                                                   f"{len(reader.keys)} of {run.expected} results"))
            got = reader.read(0.05)
            now = time.monotonic()
            wrong += sum(orjson.loads(m.value()) != run.expected_value(m.key()) for m in got[::SAMPLE_EVERY])
            if got:
                last_progress = now
                if first is None:
                    first = (now, len(reader.keys), process.cpu_s())
            elif now - last_progress > (STALL_S if first else STARTUP_S):
                raise RuntimeError(process.failure(f"no new output for {now - last_progress:.0f} s at "
                                                   f"{len(reader.keys)} of {run.expected} results"))
        done, cpu_done = time.monotonic(), process.cpu_s()
        reader.read(1.0)   # late duplicates, if any, still count
    finally:
        reader.close()
    assert first is not None
    result.startup_s = first[0] - process.started
    result.outputs = (result.outputs or 0) + reader.total
    result.duplicates = (result.duplicates or 0) + reader.total - len(reader.keys)
    unexpected = len(reader.keys) - run.expected
    if unexpected:
        result.notes.append(f"{unexpected} results with keys that were not expected")
    if wrong:
        result.notes.append(f"{wrong} sampled results differ from project(input tweet)")
    if first[1] >= run.expected:
        # Every result came in the first read (a short run): time it from the process start instead.
        result.notes.append(f"{result.name}: every result arrived in one read; timed from the process start, "
                            "startup included (use more --records)")
        first = (process.started, 0, 0.0)
    covered = run.records * (run.expected - first[1]) / run.expected
    cpu_us = (cpu_done - first[2]) / covered * 1e6 if cpu_done is not None and first[2] is not None else None
    return covered / max(done - first[0], 1e-9), cpu_us


def _group_complete(run: _Run, group: str, instances: int) -> bool:
    """Whether ``group`` is stable with ``instances`` members that each hold partitions (always for one)."""
    if instances <= 1:
        return True
    try:
        described = run.admin.describe_consumer_groups([group])[group].result(5)
    except KafkaException:
        return False
    members = described.members or []
    return (str(described.state).endswith("STABLE") and len(members) >= instances
            and all(m.assignment and m.assignment.topic_partitions for m in members))


def _latency(run: _Run, contender: _Contender, result: ContenderResult) -> None:
    live_in, live_out = f"{run.prefix}-{contender.name}-live-in", f"{run.prefix}-{contender.name}-live-out"
    _create_topics(run.admin, live_in, live_out)
    sent: dict[bytes, int] = {}      # key -> input timestamp (ms), for results that pass the filter
    stop = threading.Event()

    def produce_at_fixed_rate() -> None:
        producer = _producer(run.bootstrap, **{"linger.ms": 1})
        tweets = _tweets(run.templates, FIRST_ID + run.records)
        start, produced = time.monotonic(), 0
        while not stop.is_set():
            due = int((time.monotonic() - start) * run.latency_rate)
            for key, value, kept in (next(tweets) for _ in range(due - produced)):
                timestamp = int(time.time() * 1000)
                if kept:
                    sent[key] = timestamp
                producer.produce(live_in, value, key, timestamp=timestamp)
            produced = max(due, produced)
            producer.poll(0)
            time.sleep(0.002)
        producer.flush(30)

    process = run.spawn(contender, "latency", live_in, live_out)
    group = run.group(contender, "latency")
    reader = _OutputReader(run.bootstrap, live_out)
    feeder = threading.Thread(target=produce_at_fixed_rate, name="latency-producer", daemon=True)
    feeder.start()
    received: dict[bytes, tuple[float, int]] = {}   # key -> (visible at, ms; output record timestamp)
    window: tuple[float, float] | None = None
    # (wall s, CPU s) of the contender where the window opens and closes: what running at this rate costs
    cpu_marks: list[tuple[float, float | None]] = []
    next_check = 0.0   # when to ask again whether every instance holds partitions
    try:
        while True:
            if not process.alive():
                raise RuntimeError(process.failure(f"exited with code {process.exit_code} in the latency phase"))
            msg = reader.consumer.poll(0.1)
            now_ms = time.time() * 1000
            if msg is not None and msg.error() is None:
                received.setdefault(msg.key(), (now_ms, msg.timestamp()[1]))
                # With several instances the first outputs come before the last instance has joined:
                # the window opens once the group holds them all (the join's pause is a rebalancing
                # figure, bench_rebalance's, not a steady-state latency).
                if window is None and time.monotonic() >= next_check:
                    next_check = time.monotonic() + 0.25
                    if not _group_complete(run, group, contender.instances):
                        continue
                    window = (now_ms + WARMUP_S * 1000, now_ms + (WARMUP_S + run.latency_seconds) * 1000)
            if window is None:
                if time.monotonic() - process.started > STARTUP_S:
                    raise RuntimeError(process.failure(f"no output within {STARTUP_S:.0f} s in the latency phase"))
                continue
            if len(cpu_marks) < 2 and now_ms >= window[len(cpu_marks)]:
                cpu_marks.append((time.monotonic(), process.cpu_s()))
            if now_ms > window[1]:
                stop.set()
                in_window = [k for k, ts in list(sent.items()) if window[0] <= ts < window[1]]
                if all(k in received for k in in_window) or now_ms > window[1] + DRAIN_S * 1000:
                    break
    finally:
        stop.set()
        feeder.join(30)
        reader.close()
        process.stop()
    if len(cpu_marks) == 2 and cpu_marks[0][1] is not None and cpu_marks[1][1] is not None:
        result.cpu_pct_at_rate = (cpu_marks[1][1] - cpu_marks[0][1]) / (cpu_marks[1][0] - cpu_marks[0][0]) * 100
    latencies = sorted(received[k][0] - sent[k] for k in in_window if k in received)
    missing = len(in_window) - len(latencies)
    if missing:
        result.notes.append(
            f"latency: {missing} of {len(in_window)} results not visible {DRAIN_S:.0f} s after the window")
    moved = sum(1 for k in in_window if k in received and received[k][1] != sent[k])
    if moved:
        result.notes.append(f"latency: {moved} results did not keep the input record's timestamp")
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        result.p50_ms, result.p99_ms = cuts[49], cuts[98]


# -- the run and its report -----------------------------------------------------------------------

def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


#: The ratio columns: every contender's records/s over each of these contenders' (higher is better) ...
RATE_BASELINES = {"loop-json": "loop (json)", "loop-orjson": "loop (orjson)", "quix": "Quix", "kstreams": "kstreams"}
#: ... and its CPU per record over theirs (lower is better; the steadier figure on a shared machine).
CPU_BASELINES = {"loop-orjson": "loop (orjson)", "kstreams": "kstreams"}

#: How each figure a goal is about is read from a result, and whether the goal is a floor (records/s).
_FIGURES: dict[str, tuple[Callable[[ContenderResult], float | None], bool]] = {
    "records/s": (lambda r: r.records_per_s, True),
    "CPU per record": (lambda r: r.cpu_us_per_record, False),
    "p50 latency": (lambda r: r.p50_ms, False),
    "p99 latency": (lambda r: r.p99_ms, False),
}


@dataclass(frozen=True)
class _Goal:
    """One of issue #17's goals: ``subject``'s figure (over ``baseline``'s, if any) against ``limit``."""

    subject: str
    figure: str
    limit: float | None   # None: not known in this run
    baseline: str | None = None
    why: str = ""         # where the limit comes from, when it is not a plain number


def _eos_commit_interval_ms() -> int | None:
    """airstream's ``commit.interval.ms`` under exactly_once_v2: its default, which the contender keeps."""
    try:
        from airstream.topology.runtime.config import StreamsConfig
    except ImportError:   # the airstream rows are pending then, and say why
        return None
    config = StreamsConfig({"bootstrap.servers": "unused:9092", "application.id": "bench",
                            "processing.guarantee": "exactly_once_v2"})
    interval: int = config.commit_interval_ms
    return interval


def _goals() -> list[_Goal]:
    """Issue #17: Kafka Streams' rate or more, for less CPU than the orjson loop, at a stream processor's latency."""
    commit_ms = _eos_commit_interval_ms()
    return [
        _Goal("airstream-alos", "records/s", 1.0, "kstreams"),
        _Goal("airstream-eos", "records/s", 0.9, "kstreams"),
        _Goal("airstream-alos", "CPU per record", 1.0, "loop-orjson"),
        _Goal("airstream-eos", "CPU per record", 1.1, "loop-orjson"),
        _Goal("airstream-typed", "CPU per record", round(1 / 1.5, 2), "loop-orjson",
              why=" (1.5x cheaper than the orjson loop)"),
        _Goal("airstream-alos", "p50 latency", 10),
        _Goal("airstream-alos", "p99 latency", 30),
        _Goal("airstream-eos", "p99 latency", None) if commit_ms is None else
        _Goal("airstream-eos", "p99 latency", commit_ms + 30, why=f" (commit.interval.ms {commit_ms} + 30)"),
    ]


def _targets(by_name: dict[str, ContenderResult], latency_rate: str) -> list[str]:
    """One line per goal: the goal, the measured figure, met or MISSED (or why it is missing)."""
    lines = []
    for goal in _goals():
        read, floor = _FIGURES[goal.figure]
        unit, spec = ("x", ".2f") if goal.baseline else (" ms", ".0f")
        against = f" vs {goal.baseline}" if goal.baseline else f" at {latency_rate} records/s"
        limit = "(not known)" if goal.limit is None else f"{goal.limit:g}{unit}"
        what = f"- {goal.subject} {goal.figure}{against} {'>=' if floor else '<='} {limit}{goal.why}"
        subject, base = by_name.get(goal.subject), by_name.get(goal.baseline) if goal.baseline else None
        if subject is None or (goal.baseline and base is None):
            lines.append(f"{what}: not run")
            continue
        value = _ratio(read(subject), read(base)) if base else read(subject)
        if value is None or goal.limit is None:
            failed = next((r for r in (subject, base) if r and r.error), None)
            lines.append(f"{what}: {failed.error.splitlines()[0] if failed and failed.error else 'not measured'}")
            continue
        met = value >= goal.limit if floor else value <= goal.limit
        lines.append(f"{what}: **{format(value, spec)}{unit}** ({'met' if met else 'MISSED'})")
    return lines


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(results: Sequence[ContenderResult], info: dict[str, str]) -> str:
    """The results as Markdown: machine, table, targets, notes and errors."""
    by_name = {r.name: r for r in results}
    rate_bases = {name: by_name[name].records_per_s if name in by_name else None for name in RATE_BASELINES}
    cpu_bases = {name: by_name[name].cpu_us_per_record if name in by_name else None for name in CPU_BASELINES}
    lines = [
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu']}), {info['os']}, Python {info['python']}, "
        f"confluent-kafka {info['confluent_kafka']}, Kafka {info['kafka']}; {info['records']} tweets "
        f"in a {PARTITIONS}-partition topic, {info['expected']} pass the filter; latency at "
        f"{info['latency_rate']} records/s for {info['latency_seconds']} s; "
        f"best of {info['repeat']} throughput rounds; "
        f"load average {info['load']}. {info['peers']}.",
        "",
        "| contender | JSON | records/s (best) | each round | "
        + "".join(f"x {label} | " for label in RATE_BASELINES.values())
        + "p50 ms | p99 ms | CPU % at rate | peak RSS MiB | CPU µs/record | "
        + "".join(f"CPU x {label} | " for label in CPU_BASELINES.values())
        + "startup s | dup |",
        "|---|---|" + "---:|" * (9 + len(RATE_BASELINES) + len(CPU_BASELINES)),
    ]
    for r in results:
        rate, cpu = r.records_per_s, r.cpu_us_per_record
        lines.append(
            f"| {r.name}: {r.description} | {r.json} | {_fmt(rate, ',.0f')} "
            f"| {' / '.join(format(x, ',.0f') for x in r.rounds) or '-'} | "
            + "".join(f"{_fmt(_ratio(rate, base), '.2f')} | " for base in rate_bases.values())
            + f"{_fmt(r.p50_ms, '.0f')} | {_fmt(r.p99_ms, '.0f')} | {_fmt(r.cpu_pct_at_rate, '.0f')} "
            f"| {_fmt(r.peak_rss_mib, '.0f')} "
            f"| {_fmt(cpu, '.1f')} | "
            + "".join(f"{_fmt(_ratio(cpu, base), '.2f')} | " for base in cpu_bases.values())
            + f"{_fmt(r.startup_s, '.1f')} | {_fmt(r.duplicates, 'd')} |")
    lines += ["", "Targets (issue #17):", *_targets(by_name, info["latency_rate"])]
    notes = [f"- {r.name}: {n}" for r in results for n in r.notes]
    notes += [f"- {r.name}: {r.error.splitlines()[0]}" for r in results if r.error]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def _write_readme(text: str) -> None:
    block = f"{RESULTS_BEGIN}\n{text}\n{RESULTS_END}"
    current = README.read_text() if README.exists() else ""
    if RESULTS_BEGIN in current and RESULTS_END in current:
        head, rest = current.split(RESULTS_BEGIN, 1)
        updated = head + block + rest.split(RESULTS_END, 1)[1]
    else:
        updated = current.rstrip() + ("\n\n" if current else "") + "## Kafka runtime: latest results\n\n" + block + "\n"
    README.write_text(updated)


def run(records: int = DEFAULT_RECORDS, *, bootstrap: str | None = None, only: Sequence[str] | None = None,
        repeat: int = 3, latency_seconds: float = 10.0, latency_rate: int = 2_000,
        write_readme: bool = True) -> list[ContenderResult]:
    """Run the contenders (all, or ``only`` those named) and return their results.

    ``bootstrap`` defaults to ``$AIRSTREAM_BOOTSTRAP``, else a local broker is started for the run.
    The table is printed, saved as JSON under ``bench/results/``, and written to ``bench/README.md``
    when ``write_readme`` and every contender was chosen (a partial run does not replace the table).

    >>> results = run(20_000, only=["loop-json", "loop-orjson"], write_readme=False)  # doctest: +SKIP
    >>> results[1].records_per_s / results[0].records_per_s                            # doctest: +SKIP
    1.9
    """
    unknown = set(only or ()) - set(CONTENDER_NAMES)
    if unknown:
        raise ValueError(f"unknown contender(s) {sorted(unknown)}; choose from {CONTENDER_NAMES}")
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    chosen = [c for c in _CONTENDERS if only is None or c.name in only]
    bootstrap = bootstrap or os.environ.get("AIRSTREAM_BOOTSTRAP")
    cluster = None
    kafka = "external"
    if not bootstrap:
        from airstream.topology.kafka_local import LocalKafka

        print("starting a local Kafka broker (set AIRSTREAM_BOOTSTRAP to use yours) ...", file=sys.stderr)
        cluster = LocalKafka(heap="1g").start()
        bootstrap, kafka = cluster.bootstrap, f"{cluster.version} (local KRaft, 1 node)"
    try:
        results, text = _run(chosen, records, bootstrap, kafka, repeat, latency_seconds, latency_rate)
    finally:
        if cluster is not None:
            cluster.stop()
    if write_readme and len(chosen) == len(_CONTENDERS):
        _write_readme(text)
        print(f"\nwritten to {README}", file=sys.stderr)
    return results


def results(options: Options) -> list[Result]:
    """``python -m bench`` entry: every contender on ``options.records`` tweets (default 500,000).

    The full table (latency, RSS, targets) is printed and written to ``bench/README.md`` by
    :func:`run`; the rows returned here carry the rates, the ratios in ``note`` and the rest in
    ``extra``. Contenders that could not run are left out (the table says why); without a broker
    (none given and the local one cannot start) the benchmark says so and returns no rows.
    """
    from airstream.topology.kafka_local import KafkaStartError

    records = options.records or DEFAULT_RECORDS
    try:
        measured = run(records)
    except KafkaStartError as exc:   # the other benchmarks' rows still matter
        print(f"kafka benchmark not run: no broker ({exc}); set AIRSTREAM_BOOTSTRAP or install Java + Maven",
              file=sys.stderr)
        return []
    rates = {r.name: r.records_per_s for r in measured}
    rows = []
    for r in measured:
        if r.records_per_s is None:
            continue
        ratios = ((_ratio(r.records_per_s, rates.get(name)), name) for name in RATE_BASELINES)
        extra = {k: v for k, v in (("p50_ms", r.p50_ms), ("p99_ms", r.p99_ms), ("cpu_pct_at_rate", r.cpu_pct_at_rate),
                                   ("peak_rss_mib", r.peak_rss_mib)) if v is not None}
        rows.append(Result("kafka", r.name, records, records / r.records_per_s,
                           note=", ".join(f"{ratio:.2f}x {name}" for ratio, name in ratios if ratio), extra=extra))
    return rows


def _warmup_notes(name: str, records: int) -> list[str]:
    """What the table must say about a Kafka Streams contender timed on too few records for its JIT."""
    if not name.startswith("kstreams") or records >= KSTREAMS_WARM_RECORDS:
        return []
    return [f"{records:,} records: timed while the JVM's JIT warms up; Kafka Streams' figures are only "
            f"meaningful with --records {KSTREAMS_WARM_RECORDS}"]


def _attempt(result: ContenderResult, phase: Callable[[], None]) -> None:
    if result.error:
        return
    try:
        phase()
    except Exception as exc:  # one contender failing must not lose the others' figures
        result.error = f"{type(exc).__name__}: {exc}"
        print(f"{result.name}: ERROR {result.error}", file=sys.stderr)


def _run(chosen: list[_Contender], records: int, bootstrap: str, kafka: str, repeat: int,
         latency_seconds: float, latency_rate: int) -> tuple[list[ContenderResult], str]:
    load_before = os.getloadavg()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    logs = BENCH_DIR / "results" / prefix
    logs.mkdir(parents=True, exist_ok=True)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    input_topic = f"{prefix}-tweets"
    _create_topics(admin, input_topic)
    templates = _templates()
    print(f"filling {input_topic} with {records:,} tweets ...", file=sys.stderr)
    expected = _fill(bootstrap, input_topic, templates, records)
    run = _Run(bootstrap, admin, prefix, logs, templates, records, input_topic, expected, latency_seconds, latency_rate)
    pending = _airstream_missing()
    by_name = {c.name: ContenderResult(c.name, c.description, c.json) for c in chosen}
    for contender in chosen:
        if contender.name.startswith("airstream") and pending:
            by_name[contender.name].error = pending
        by_name[contender.name].notes += _warmup_notes(contender.name, records)
    for round_ in range(repeat):
        for contender in chosen if round_ % 2 == 0 else chosen[::-1]:
            result = by_name[contender.name]
            _attempt(result, partial(_throughput, run, contender, result, round_))
            print(f"round {round_ + 1}/{repeat} {contender.name}: "
                  f"{_fmt(result.rounds[-1] if result.rounds else None, ',.0f')} records/s", file=sys.stderr)
    for contender in chosen:
        if contender.produces:
            result = by_name[contender.name]
            print(f"{contender.name}: latency at {latency_rate:,} records/s ...", file=sys.stderr)
            _attempt(result, partial(_latency, run, contender, result))
    load_after = os.getloadavg()
    info = {**machine(), "kafka": kafka, "records": f"{records:,}", "expected": f"{expected:,}", "repeat": str(repeat),
            "latency_rate": f"{latency_rate:,}", "latency_seconds": f"{latency_seconds:g}",
            "load": f"{load_before[0]:.1f} before, {load_after[0]:.1f} after",
            "peers": _peer_versions(by_name)}
    text = report(list(by_name.values()), info)
    print(text)
    (logs / "results.json").write_text(json.dumps(
        {"machine": info, "results": [asdict(r) for r in by_name.values()]}, indent=2))
    return list(by_name.values()), text


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_kafka [--records N] [--only NAME ...] [--repeat R] [--no-readme]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_kafka", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS,
                        help="tweets in the input topic (default %(default)s)")
    parser.add_argument("--bootstrap", help="an existing Kafka (default: $AIRSTREAM_BOOTSTRAP, else a local broker)")
    parser.add_argument("--only", nargs="+", choices=CONTENDER_NAMES, help="run only these contenders")
    parser.add_argument("--repeat", type=int, default=3,
                        help="throughput rounds; the best counts (default %(default)s)")
    parser.add_argument("--latency-seconds", type=float, default=10.0, help="latency window (default %(default)s)")
    parser.add_argument("--latency-rate", type=int, default=2_000,
                        help="records/s in the latency phase (default %(default)s)")
    parser.add_argument("--no-readme", action="store_true", help="do not update bench/README.md")
    args = parser.parse_args(argv)
    if args.records < 1_000:
        parser.error(f"--records {args.records} is too few to time; use at least 1000")
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: at least one round is needed")
    results = run(args.records, bootstrap=args.bootstrap, only=args.only, repeat=args.repeat,
                  latency_seconds=args.latency_seconds, latency_rate=args.latency_rate,
                  write_readme=not args.no_readme)
    return 1 if any(r.error and not r.error.startswith("pending") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
