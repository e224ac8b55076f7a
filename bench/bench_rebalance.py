"""Rebalance pause benchmark: how long partitions stop when a second instance joins and when it leaves.

A topology reads one 6-partition topic that a producer fills at a steady rate (default 600 records/s,
spread evenly over the partitions); instance A (``airstream run``) runs alone until steady, instance B
joins, and later B is stopped with SIGTERM (it leaves the group cleanly)::

    python -m bench.bench_rebalance                               # both protocols, both topologies
    python -m bench.bench_rebalance --protocols consumer --variants count --phase 30
    AIRSTREAM_BOOTSTRAP=127.0.0.1:9092 python -m bench.bench_rebalance

Topologies (both read one topic, so the classic protocol uses ``cooperative-sticky``):

- ``upper``: upper-case every value to the output topic (stateless);
- ``count``: count per key in a changelogged store (no repartition), so a moved partition's new
  owner restores its store before it goes on.

Protocols: ``classic`` (client-side assignor) and ``consumer`` (KIP-848, ``-X group.protocol=consumer``).

How it is measured: the producer writes to partition *p* with keys ``p<p>-k<n>``, so every output
names its input partition; each instance tags its outputs with its own id (``|A`` or ``|B``), so the
owner of a partition is the instance that wrote its latest output. A ``read_committed`` reader of the
output topic notes when each output became visible. For each event (join: B started; leave: SIGTERM
to B) and partition, over a window of ``--phase`` seconds from the event:

- **kept / moved**: same owner before the event and at the window's end, or not;
- **normal gap**: the longest gap between visible outputs of any partition in the last seconds A
  runs alone (the batching and polling rhythm at this rate); both events are measured against it;
- **pause**: the partition's longest gap in the window (up to its end if it never resumed) minus the
  normal gap. Goals: kept partitions none (pause <= the normal gap, i.e. under twice the normal
  gap), moved ones <= 1 s plus their restore (the ``restored N record(s) in S s`` the instances
  log during the window).

Results are reported, never asserted. The figures are only as quiet as the machine: the table says
the load average before and after.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench import Options, Result

__all__ = ["EventFigures", "Sample", "classify", "event_figures", "longest_gap", "main", "normal_gap",
           "parse_output", "results", "run"]

PARTITIONS = 6
PROTOCOLS = {"classic": [], "consumer": ["-X", "group.protocol=consumer"]}
VARIANTS = ("upper", "count")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
AIRSTREAM = str(Path(sys.executable).with_name("airstream"))
# Short classic sessions, as in the integration tests; KIP-848 sessions are the broker's setting.
CLASSIC_GROUP = ["-X", "consumer.session.timeout.ms=6000", "-X", "consumer.heartbeat.interval.ms=500"]
QUIET_S = 4.0          # the seconds before an event whose longest gap is the "normal gap"
START_TIMEOUT_S = 90.0  # instance A's first outputs on every partition
MOVED_GOAL_S = 1.0
_RESTORED = re.compile(r"restored \d+ record\(s\) in ([0-9.]+)s")


@dataclass(frozen=True)
class Sample:
    """One output as the reader saw it: when it became visible, its input partition, its writer."""

    at: float
    partition: int
    instance: str


@dataclass(frozen=True)
class EventFigures:
    """One event's figures: pauses in seconds by partition, which partitions moved, and the outputs
    visible in the ``window`` seconds from the event."""

    normal_gap: float
    pauses: dict[int, float]
    moved: frozenset[int]
    window: float
    outputs: int
    restore_s: float = 0.0

    def max_pause(self, moved: bool) -> float | None:
        """The longest pause among the moved (or the kept) partitions; ``None`` when there are none."""
        chosen = [p for part, p in self.pauses.items() if (part in self.moved) == moved]
        return max(chosen) if chosen else None


def longest_gap(times: Sequence[float], start: float, end: float) -> float:
    """The longest gap between consecutive ``times`` (sorted) that falls in ``[start, end]``,
    counting from the last time before ``start`` and up to ``end`` (a partition that never resumes
    has paused until the window's end).

    >>> longest_gap([0.0, 0.1, 0.2, 1.5, 1.6], 0.15, 2.0)
    1.3
    >>> longest_gap([0.0, 0.1], 0.05, 1.0)
    0.9
    """
    before = [t for t in times if t < start]
    inside = [t for t in times if start <= t <= end]
    points = ([before[-1]] if before else [start]) + inside + [end]
    return round(max(b - a for a, b in itertools.pairwise(points)), 6)


def classify(samples: Sequence[Sample], event: float, end: float) -> tuple[dict[int, str], frozenset[int]]:
    """The owner of every partition just before ``event`` and which partitions have another owner
    at ``end`` (the writer of each partition's latest output by then)."""
    before: dict[int, str] = {}
    after: dict[int, str] = {}
    for s in sorted(samples, key=lambda s: s.at):
        if s.at < event:
            before[s.partition] = s.instance
        if s.at <= end:
            after[s.partition] = s.instance
    return before, frozenset(p for p, owner in before.items() if after.get(p) != owner)


def normal_gap(samples: Sequence[Sample], before: float, quiet: float = QUIET_S) -> float:
    """The longest gap between visible outputs of any partition in the ``quiet`` seconds up to
    ``before``: the batching and polling rhythm of a steady run.

    >>> normal_gap([Sample(t / 10, 0, "A") for t in range(50)] + [Sample(0.05, 1, "A")], 5.0, quiet=2.0)
    0.1
    """
    by_partition = _times(samples, before)
    return max((longest_gap(times, before - quiet, before) for times in by_partition.values()
                if times and times[-1] >= before - quiet), default=0.0)


def event_figures(samples: Sequence[Sample], event: float, window: float, normal: float,
                  restore_s: float = 0.0) -> EventFigures:
    """Pauses per partition in the ``window`` seconds from ``event``, less the ``normal`` gap.

    >>> s = [Sample(t / 10, p, "A" if p == 0 or t < 30 else "B") for t in range(60) for p in (0, 1)
    ...      if not (p == 1 and 30 <= t < 45)]
    >>> f = event_figures(s, 3.0, 2.5, normal=0.1)
    >>> f.moved, f.max_pause(moved=False), f.max_pause(moved=True)
    (frozenset({1}), 0.0, 1.5)
    """
    _, moved = classify(samples, event, event + window)
    pauses = {p: round(max(0.0, longest_gap(times, event, event + window) - normal), 6)
              for p, times in sorted(_times(samples).items())}
    outputs = sum(event <= s.at <= event + window for s in samples)
    return EventFigures(normal, pauses, moved, window, outputs, restore_s)


def _times(samples: Sequence[Sample], until: float = float("inf")) -> dict[int, list[float]]:
    """The sorted visibility times of every partition's outputs up to ``until``."""
    by_partition: dict[int, list[float]] = {}
    for s in samples:
        if s.at <= until:
            by_partition.setdefault(s.partition, []).append(s.at)
    return {p: sorted(times) for p, times in by_partition.items()}


def parse_output(at: float, key: bytes, value: bytes) -> Sample:
    """The sample of an output visible at ``at``: its key ``p<partition>-k<n>`` names the input
    partition, its value ends with ``|<instance>``.

    >>> parse_output(1.5, b"p3-k17", b"X|B")
    Sample(at=1.5, partition=3, instance='B')
    """
    return Sample(at, int(key.split(b"-", 1)[0][1:]), value.rsplit(b"|", 1)[1].decode())


# -- the run ----------------------------------------------------------------------------------------

def _script(folder: Path, variant: str, source: str, output: str) -> str:
    """The topology script; the instance tags its outputs with ``$BENCH_INSTANCE``."""
    body = {
        "upper": "s.map_values(lambda v: f'{v.upper()}|{ME}')",
        # group_by_key: the key is unchanged, so no repartition topic; the topology reads one topic.
        "count": ("s.group_by_key().count(name='counts').to_stream()"
                  ".map_values(lambda n: f'{n}|{ME}')"),
    }[variant]
    script = folder / f"rebalance_{variant}.py"
    script.write_text(textwrap.dedent(f"""
        import os
        from airstream.topology import Serdes, StreamsBuilder

        ME = os.environ["BENCH_INSTANCE"]
        b = StreamsBuilder()
        s = b.stream({source!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        {body}.to({output!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        topology = b.build()
    """))
    return f"{script}:topology"


class _Instance:
    """One ``airstream run`` process whose outputs are tagged with ``name``; its log is kept."""

    def __init__(self, name: str, spec: str, bootstrap: str, app: str, protocol: str, logs: Path) -> None:
        self.log_path = logs / f"{app}-{name}.log"
        group = CLASSIC_GROUP if protocol == "classic" else []
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [AIRSTREAM, "run", spec, "--bootstrap", bootstrap, "--application-id", app,
                 "--instance-id", name, *group, *PROTOCOLS[protocol]],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "BENCH_INSTANCE": name, "PYTHONUNBUFFERED": "1"})

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def restore_s(self, since: int = 0, until: int | None = None) -> float:
        """Seconds spent restoring stores according to the log's bytes ``since`` to ``until``."""
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read(-1 if until is None else until - since).decode(errors="replace")
        return sum(float(m) for m in _RESTORED.findall(text))

    def stop(self) -> int:
        """SIGTERM (a clean leave), then SIGKILL if it has not stopped within 60 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)


class _Producing(threading.Thread):
    """Writes ``rate`` records/s round-robin over the partitions until stopped."""

    def __init__(self, bootstrap: str, topic: str, rate: int) -> None:
        super().__init__(daemon=True)
        self.topic, self.rate = topic, rate
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
        self.halt = threading.Event()
        self.sent = 0

    def run(self) -> None:
        started = time.monotonic()
        while not self.halt.is_set():
            partition = self.sent % PARTITIONS
            # 50 keys per partition: the count store has some state to restore when it moves.
            self.producer.produce(self.topic, b"x", f"p{partition}-k{self.sent // PARTITIONS % 50}".encode(),
                                  partition=partition)
            self.sent += 1
            self.producer.poll(0)
            ahead = self.sent / self.rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        self.producer.flush(30)


class _Reading(threading.Thread):
    """Notes when each output becomes visible to a ``read_committed`` consumer."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}",
                                  "enable.auto.commit": False, "isolation.level": "read_committed",
                                  "fetch.wait.max.ms": 10})
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        self.samples: list[Sample] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            for msg in self.consumer.consume(1000, 0.05):
                if msg.error() is None:
                    self.samples.append(parse_output(time.time(), msg.key() or b"", msg.value() or b""))
        self.consumer.close()

    def partitions_seen(self, instance: str) -> set[int]:
        return {s.partition for s in list(self.samples) if s.instance == instance}


@dataclass
class CaseResult:
    """One protocol and topology: the figures of both events, or why they are missing."""

    protocol: str
    variant: str
    events: dict[str, EventFigures] = field(default_factory=dict)
    error: str | None = None


def _case(bootstrap: str, protocol: str, variant: str, rate: int, steady: float, phase: float,
          logs: Path) -> CaseResult:
    """Run A alone, B joining, B leaving; return the figures of both events."""
    name = f"rebalance-{variant}-{protocol}-{uuid.uuid4().hex[:6]}"
    source, output = f"{name}-in", f"{name}-out"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in (source, output)]).values():
        future.result(60)
    spec = _script(logs, variant, source, output)
    result = CaseResult(protocol, variant)
    producer, reader = _Producing(bootstrap, source, rate), _Reading(bootstrap, output)
    producer.start()
    reader.start()
    a = _Instance("A", spec, bootstrap, name, protocol, logs)
    b: _Instance | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while len(reader.partitions_seen("A")) < PARTITIONS:
            if time.monotonic() > deadline or a.proc.poll() is not None:
                raise RuntimeError(f"instance A produced no output on every partition; see {a.log_path}")
            time.sleep(0.2)
        time.sleep(steady)
        marks = {"join": (time.time(), a.log_size())}
        b = _Instance("B", spec, bootstrap, name, protocol, logs)
        time.sleep(phase)
        marks["leave"] = (time.time(), a.log_size())
        b.stop()
        time.sleep(phase)
        # B restores what it takes over at the join; A what it takes back at the leave.
        restores = {"join": b.restore_s() + a.restore_s(marks["join"][1], marks["leave"][1]),
                    "leave": a.restore_s(marks["leave"][1])}
        samples = list(reader.samples)
        # Both events are measured against A's rhythm while alone: just before the leave the group may
        # still be settling after the join (KIP-848 hands partitions over at heartbeats, seconds apart).
        normal = normal_gap(samples, marks["join"][0])
        for event, (at, _) in marks.items():
            result.events[event] = event_figures(samples, at, phase, normal, restores[event])
    except Exception as exc:  # one case failing must not lose the others' figures
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        for instance in (b, a):
            if instance is not None:
                instance.stop()
        producer.halt.set()
        reader.halt.set()
        producer.join(30)
        reader.join(30)
    return result


# -- reporting --------------------------------------------------------------------------------------

def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f}"


def _verdicts(f: EventFigures) -> tuple[str, str]:
    """Whether the kept and the moved partitions met their goals."""
    kept, moved = f.max_pause(moved=False), f.max_pause(moved=True)
    kept_ok = "-" if kept is None else ("met" if kept <= f.normal_gap else "MISSED")
    moved_ok = "-" if moved is None else ("met" if moved <= MOVED_GOAL_S + f.restore_s else "MISSED")
    return kept_ok, moved_ok


def report(cases: Sequence[CaseResult], info: dict[str, str]) -> str:
    """A Markdown table: per protocol, topology and event, the kept and moved partitions' pauses."""
    lines = [f"{k}: {v}" for k, v in info.items()] + [
        "",
        "| protocol | topology | event | normal gap ms | kept: partitions, max pause ms (goal: none) "
        "| moved: partitions, max pause ms | restore s | moved goal (<= 1 s + restore) |",
        "|---|---|---|---:|---|---|---:|---|",
    ]
    for case in cases:
        if case.error:
            lines.append(f"| {case.protocol} | {case.variant} | - | - | ERROR: {case.error} | | | |")
            continue
        for event, f in case.events.items():
            kept = sorted(set(f.pauses) - f.moved)
            kept_ok, moved_ok = _verdicts(f)
            lines.append(f"| {case.protocol} | {case.variant} | {event} | {_ms(f.normal_gap)} "
                         f"| {kept} {_ms(f.max_pause(False))} ({kept_ok}) | {sorted(f.moved)} {_ms(f.max_pause(True))} "
                         f"| {f.restore_s:.1f} | {moved_ok} |")
    return "\n".join(lines)


def run(*, bootstrap: str | None = None, protocols: Sequence[str] = tuple(PROTOCOLS),
        variants: Sequence[str] = VARIANTS, rate: int = 600, steady: float = 8.0,
        phase: float = 15.0) -> tuple[list[CaseResult], str]:
    """Every protocol and topology in turn on ``bootstrap`` (default ``$AIRSTREAM_BOOTSTRAP``, else a
    local broker started for the run); returns the results and the printed report."""
    bootstrap = bootstrap or os.environ.get("AIRSTREAM_BOOTSTRAP")
    cluster, kafka = None, "external"
    if not bootstrap:
        from airstream.topology.kafka_local import LocalKafka

        print("starting a local Kafka broker (set AIRSTREAM_BOOTSTRAP to use yours) ...", file=sys.stderr)
        cluster = LocalKafka(heap="1g").start()
        bootstrap, kafka = cluster.bootstrap, f"{cluster.version} (local KRaft, 1 node)"
    load_before = os.getloadavg()
    # The instances' logs stay (ignored by git): they say when partitions were assigned and revoked.
    logs = RESULTS_DIR / f"rebalance-{uuid.uuid4().hex[:8]}"
    logs.mkdir(parents=True, exist_ok=True)
    cases = []
    try:
        for protocol in protocols:
            for variant in variants:
                print(f"rebalance: {protocol} / {variant} ...", file=sys.stderr, flush=True)
                cases.append(_case(bootstrap, protocol, variant, rate, steady, phase, logs))
                if cases[-1].error:
                    print(f"  ERROR {cases[-1].error}", file=sys.stderr)
    finally:
        if cluster is not None:
            cluster.stop()
    load_after = os.getloadavg()
    info = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": str(os.cpu_count()),
            "kafka": kafka, "rate": f"{rate} records/s over {PARTITIONS} partitions",
            "timeline": f"A alone {steady:g} s after its first outputs, B joins, {phase:g} s, B leaves (SIGTERM), "
                        f"{phase:g} s; windows of {phase:g} s from each event",
            "load": f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1-min load average)",
            "logs": str(logs.relative_to(RESULTS_DIR.parent.parent))}
    text = report(cases, info)
    print(text)
    return cases, text


def results(options: Options) -> list[Result]:
    """``python -m bench`` entry: one row per protocol, topology and event (records: the outputs
    visible in the event's window; seconds: the window), pauses in ``note`` and ``extra``.
    ``options.records`` does not apply: the run is timed, not counted."""
    from airstream.topology.kafka_local import KafkaStartError

    try:
        cases, _ = run()
    except KafkaStartError as exc:   # the other benchmarks' rows still matter
        print(f"rebalance benchmark not run: no broker ({exc})", file=sys.stderr)
        return []
    rows = []
    for case in cases:
        for event, f in case.events.items():
            kept_ok, moved_ok = _verdicts(f)
            extra = {k: v for k, v in (("kept_max_pause_s", f.max_pause(False)),
                                       ("moved_max_pause_s", f.max_pause(True)), ("restore_s", f.restore_s))
                     if v is not None}
            rows.append(Result("rebalance", f"{case.protocol}/{case.variant}/{event}", f.outputs, f.window,
                               note=f"kept {_ms(f.max_pause(False))} ms ({kept_ok}), moved "
                                    f"{_ms(f.max_pause(True))} ms ({moved_ok}), restore {f.restore_s:.1f} s",
                               extra=extra))
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_rebalance [--protocols ...] [--variants ...] [--rate R] [--steady S] [--phase P]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_rebalance", description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", help="an existing Kafka (default: $AIRSTREAM_BOOTSTRAP, else a local broker)")
    parser.add_argument("--protocols", nargs="+", choices=list(PROTOCOLS), default=list(PROTOCOLS))
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--rate", type=int, default=600, help="input records/s (default %(default)s)")
    parser.add_argument("--steady", type=float, default=8.0,
                        help="seconds A runs alone after its first outputs (default %(default)s)")
    parser.add_argument("--phase", type=float, default=15.0,
                        help="seconds after the join and after the leave; the measuring window (default %(default)s)")
    args = parser.parse_args(argv)
    if args.rate < PARTITIONS or args.steady < QUIET_S or args.phase < QUIET_S:
        parser.error(f"--rate must be at least {PARTITIONS}, --steady and --phase at least {QUIET_S:g} s")
    cases, _ = run(bootstrap=args.bootstrap, protocols=args.protocols, variants=args.variants, rate=args.rate,
                   steady=args.steady, phase=args.phase)
    return 1 if any(c.error for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
