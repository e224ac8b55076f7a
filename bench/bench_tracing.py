"""Cost of tracing on the consume side: TracingConsumer's rate as a ratio of a plain Consumer's.

    python -m bench.bench_tracing [--records 200000] [--rounds 5] [--sample-rate 100]

Writes ``--records`` tweet-shaped JSON records (traced, so both consumers read the same bytes,
headers included) to a fresh 1-partition topic, then reads the whole topic alternately with a plain
``confluent_kafka.Consumer`` and a :class:`~airstream.topology.tracing.TracingConsumer` (metrics published
every second, so publishing is inside the timing), both in batches of 1,000 with ``assign`` (no group
join), under two workloads:

- ``touch``: the loop only takes each record's value -- the floor, where nothing but librdkafka and
  the tracing itself costs anything;
- ``json``: the loop decodes each value with the standard ``json`` module -- the least a real
  application does (issue 4's hand-written reference loop decodes, filters and re-encodes too).

The producer side is measured the same way (``TracingProducer`` vs ``Producer``, produce to flush,
one ``produce()`` a record) and, as the floor of any producer that puts a header on every record,
a plain ``Producer`` handed the same header list on every ``produce()``.

The figure of merit is the median over the rounds of traced rate / plain rate (target: >= 0.9x, from
issue 6 for consumers and issue 17 for the producer), in wall-clock records/s and in records per CPU
second of the process, which other processes' load disturbs much less. Also reported: the
aggregation's own CPU cost per record, timed on batches in memory. Reported, never asserted.

Uses ``$AIRSTREAM_BOOTSTRAP`` or starts a local broker; ``results()`` gives the ``python -m bench``
runner its rows, ``run()`` the full set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from typing import Any

__all__ = ["main", "results", "run"]

BATCH = 1_000
TARGET = 0.9


def _value(i: int) -> bytes:
    return json.dumps({"id_str": str(10**17 + i), "lang": "en", "airline": "Delta",
                       "text": f"@delta flight {i} delayed again, third time this month", "retweet_count": i % 7,
                       "user": {"screen_name": f"flyer{i % 997}", "followers_count": i % 5000}}).encode()


def _prepare(bootstrap: str, topic: str, records: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    from airstream.topology.tracing import TracingProducer

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(60)
    with TracingProducer({"bootstrap.servers": bootstrap, "client.id": f"{topic}-producer", "linger.ms": 50,
                          "batch.num.messages": 10_000}) as producer:
        for i in range(records):
            while True:
                try:
                    producer.produce(topic, _value(i), str(i).encode())
                    break
                except BufferError:
                    producer.poll(0.05)


def _produce_rate(bootstrap: str, topic: str, values: list[bytes], kind: str) -> tuple[float, float]:
    """Records per wall-clock second and per CPU second, produce() to flush(), with a ``kind`` of
    producer: ``plain``, ``traced`` or ``header`` (a plain one given a trace header's bytes)."""
    from confluent_kafka import Producer

    from airstream.topology.tracing import TRACE_HEADER, TracingProducer, new_trace

    config = {"bootstrap.servers": bootstrap, "client.id": f"{topic}-{kind}",
              "linger.ms": 50, "batch.num.messages": 10_000, "queue.buffering.max.messages": 1_000_000}
    producer = TracingProducer(config, metrics_interval=1.0) if kind == "traced" else Producer(config)
    headers = [(TRACE_HEADER, new_trace(config["client.id"], now_ms=int(time.time() * 1000)))] \
        if kind == "header" else None
    producer.produce(topic, b"warm-up")
    producer.flush(30)
    start, cpu = time.perf_counter(), time.process_time()
    for i, value in enumerate(values):
        producer.produce(topic, value, b"%d" % i, headers=headers)
        if i % 1_000 == 0:
            producer.poll(0)
    producer.flush(60)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if kind == "traced":
        producer.close()
    return len(values) / elapsed, len(values) / cpu


def _produce_rates(bootstrap: str, records: int, rounds: int) -> Rates:
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench-tracing-produce-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the topic exists
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(60)
    values = [_value(i) for i in range(records)]
    out: Rates = {"plain": [], "traced": [], "header": []}
    for r in range(rounds):
        for kind in ("plain", "traced", "header") if r % 2 == 0 else ("header", "traced", "plain"):
            out[kind].append(_produce_rate(bootstrap, topic, values, kind))
    return out


def _touch(batch: list[Any]) -> None:
    for m in batch:
        m.value()


def _decode(batch: list[Any]) -> None:
    for m in batch:
        json.loads(m.value())


WORKLOADS = {"touch": _touch, "json": _decode}


def _read_all(consumer: Any, topic: str, records: int, work: Any) -> tuple[float, float]:
    """Records per wall-clock second and per CPU second of this process (all its threads)."""
    from confluent_kafka import TopicPartition

    consumer.assign([TopicPartition(topic, 0, 0)])
    first = consumer.consume(BATCH, 10.0)  # connection and first fetch are not the loop's cost
    work(first)
    n = len(first)
    start, cpu = time.perf_counter(), time.process_time()
    while n < records:
        batch = consumer.consume(BATCH, 5.0)
        if not batch:
            raise RuntimeError(f"read {n} of {records} records, then nothing for 5 s")
        work(batch)
        n += len(batch)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return (records - len(first)) / elapsed, (records - len(first)) / cpu


Rates = dict[str, list[tuple[float, float]]]


def _rates(bootstrap: str, topic: str, records: int, rounds: int, sample_rate: float | None,
           workload: str) -> Rates:
    from confluent_kafka import Consumer

    from airstream.topology.tracing import TracingConsumer

    out: Rates = {"plain": [], "traced": []}
    for r in range(rounds):
        # Each round reads the topic once with each consumer, back to back, in alternating order, so
        # a burst of load from other processes tends to hit one pair rather than one side.
        for kind in ("plain", "traced") if r % 2 == 0 else ("traced", "plain"):
            config = {"bootstrap.servers": bootstrap, "group.id": f"{topic}-{workload}-{kind}-{r}",
                      "client.id": f"{topic}-{kind}", "enable.auto.commit": False}
            c = (Consumer(config) if kind == "plain"
                 else TracingConsumer(config, metrics_interval=1.0, sample_rate=sample_rate))
            out[kind].append(_read_all(c, topic, records, WORKLOADS[workload]))
            c.close()
    return out


def _rows(workload: str, rates: Rates, detail: str) -> list[dict[str, Any]]:
    plain, traced = rates["plain"], rates["traced"]
    wall = statistics.median(t[0] / p[0] for t, p in zip(traced, plain, strict=True))
    cpu = statistics.median(t[1] / p[1] for t, p in zip(traced, plain, strict=True))
    name = workload if workload.startswith("tracing.") else f"tracing.consume.{workload}"
    return [
        {"name": f"{name}.plain", "value": round(statistics.median(p[0] for p in plain)), "unit": "records/s",
         "detail": f"median; all: {[round(p[0]) for p in plain]}"},
        {"name": f"{name}.traced", "value": round(statistics.median(t[0] for t in traced)), "unit": "records/s",
         "detail": f"median; all: {[round(t[0]) for t in traced]}"},
        {"name": f"{name}.ratio", "value": round(wall, 3), "unit": "x", "ratio": round(wall / TARGET, 3),
         "ratio_of": f"target {TARGET}x", "detail": f"wall clock, median of paired rounds; {detail}"},
        {"name": f"{name}.cpu_ratio", "value": round(cpu, 3), "unit": "x", "ratio": round(cpu / TARGET, 3),
         "ratio_of": f"target {TARGET}x",
         "detail": "records per CPU second of the process, median of paired rounds (steadier than wall clock "
                   "when other processes load the machine)"},
    ]


def _aggregation_ns(bootstrap: str, topic: str, records: int, sample_rate: float | None) -> float:
    """CPU ns per record of ``ConsumerMetrics.observe`` on fresh batches; best of 3 reads."""
    from confluent_kafka import Consumer, TopicPartition

    from airstream.topology.tracing import ConsumerMetrics

    best = float("inf")
    for attempt in range(3):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-mem-{attempt}",
                      "enable.auto.commit": False})
        c.assign([TopicPartition(topic, 0, 0)])
        batches: list[list[Any]] = []
        n, wanted = 0, min(records, 100_000)
        while n < wanted:
            batch = c.consume(BATCH, 5.0)
            batches.append(batch)
            n += len(batch)
        c.close()
        metrics = ConsumerMetrics("bench", "bench", 0, sample_rate=sample_rate)
        start = time.thread_time_ns()
        for b in batches:
            metrics.observe(b, time.time_ns() // 1_000_000, topic)  # as TracingConsumer, which knows its topic
        best = min(best, (time.thread_time_ns() - start) / n)
    return best


def _measure(bootstrap: str, records: int, rounds: int, sample_rate: float | None) -> list[dict[str, Any]]:
    topic = f"bench-tracing-{uuid.uuid4().hex[:8]}"
    _prepare(bootstrap, topic, records)
    detail = f"{records} records, batches of {BATCH}, 1 partition, sample_rate={sample_rate}"
    rows = []
    for workload in WORKLOADS:
        rows += _rows(workload, _rates(bootstrap, topic, records, rounds, sample_rate, workload), detail)
    produced = _produce_rates(bootstrap, records, rounds)
    rows += _rows("tracing.produce", produced, f"{records} records produced to 1 partition, linger.ms 50, flushed")
    rows += _rows("tracing.produce.one_header", {"plain": produced["plain"], "traced": produced["header"]},
                  "'traced' here: a plain Producer given a trace header's bytes on every produce(), "
                  "the floor of any producer that puts a header on every record")
    per_record = _aggregation_ns(bootstrap, topic, records, sample_rate)
    rows.append({"name": "tracing.aggregation.per_record", "value": round(per_record), "unit": "ns",
                 "detail": "CPU time of ConsumerMetrics.observe on batches in memory, best of 3 (the header "
                           f"samples are {sample_rate}/s of wall time, so here almost only the counting shows)"})
    return rows


def run(records: int = 200_000, rounds: int = 5, sample_rate: float | None = 100.0) -> list[dict[str, Any]]:
    """Set up the topic on a broker, time both consumers, and return the result rows."""
    bootstrap = os.environ.get("AIRSTREAM_BOOTSTRAP")
    if bootstrap:
        return _measure(bootstrap, records, rounds, sample_rate)
    from airstream.topology.kafka_local import LocalKafka

    with LocalKafka(brokers=1) as cluster:
        return _measure(cluster.bootstrap, records, rounds, sample_rate)


def results(options: Any) -> list[Any]:
    """Rows for ``python -m bench`` (``bench.Options`` in, ``bench.Result`` out)."""
    from bench import Result

    records = options.records or 200_000
    rows = {row["name"]: row for row in run(records)}
    out = []
    cases = [(f"tracing.consume.{w}", f"consume, {w}", "Consumer") for w in WORKLOADS]
    cases.append(("tracing.produce", "produce", "Producer"))
    for name, case, client in cases:
        wall, cpu = rows[f"{name}.ratio"]["value"], rows[f"{name}.cpu_ratio"]["value"]
        out += [Result("tracing", f"{case}: plain {client}", records, records / rows[f"{name}.plain"]["value"],
                       note="median of paired rounds"),
                Result("tracing", f"{case}: Tracing{client}", records, records / rows[f"{name}.traced"]["value"],
                       note=f"{wall:.2f}x plain (wall clock), {cpu:.2f}x per CPU second; target {TARGET}x",
                       extra={"ratio": wall, "cpu_ratio": cpu})]
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: print the result rows as a table."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_tracing", description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sample-rate", type=float, default=100.0,
                        help="TracingConsumer's sample_rate, trace headers read per second (0: every header)")
    args = parser.parse_args(argv)
    for row in run(args.records, args.rounds, args.sample_rate or None):
        extra = f"  ({row['ratio']} of {row['ratio_of']})" if "ratio" in row else ""
        print(f"{row['name']:<34} {row['value']:>12} {row['unit']:<10}{extra}  {row.get('detail', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
