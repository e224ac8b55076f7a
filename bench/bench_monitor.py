"""airmon refresh at scale: 2,000 partitions and 100 consumer groups on the local broker.

Creates 40 topics x 50 partitions with a few records each, and 100 consumer groups with committed
offsets on one topic each (50 partitions per group, 5,000 committed offsets in all), then times full
``KafkaSource.snapshot()`` refreshes recorded into a ``History`` (so rates and Burrow statuses are
computed too) and measures the process's peak RSS. Targets from issue 5: a refresh under 2 s, under
200 MB RSS. Reported, not asserted; ratios are against the targets and against a bare metadata call
(the least any refresh must do).

Run alone with ``python -m bench.bench_monitor`` (uses ``$AIRSTREAM_BOOTSTRAP`` or starts a local broker),
or in the table of ``python -m bench`` (``--only monitor``), through :func:`results`.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TOPICS, PARTITIONS, GROUPS, RECORDS_PER_PARTITION, REFRESHES = 40, 50, 100, 5, 5
TARGET_SECONDS, TARGET_MB = 2.0, 200.0

__all__ = ["results", "run"]


def _prepare(bootstrap: str, prefix: str) -> None:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    names = [f"{prefix}-t{i:02d}" for i in range(TOPICS)]
    for future in admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names], request_timeout=120).values():
        future.result(180)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for name in names:
        for p in range(PARTITIONS):
            for _ in range(RECORDS_PER_PARTITION):
                producer.produce(name, value=b"x" * 32, partition=p)
        producer.poll(0)
    assert producer.flush(120) == 0
    for g in range(GROUPS):
        # Committing explicit offsets without joining is enough to create a group with offsets.
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{prefix}-g{g:03d}",
                             "enable.auto.commit": False})
        consumer.commit(offsets=[TopicPartition(names[g % TOPICS], p, 1 + (g + p) % RECORDS_PER_PARTITION)
                                 for p in range(PARTITIONS)], asynchronous=False)
        consumer.close()


def _measure(bootstrap: str, prefix: str) -> list[dict[str, Any]]:
    from confluent_kafka.admin import AdminClient

    from airstream.monitor.history import History
    from airstream.monitor.sources import KafkaSource

    source, history = KafkaSource({"bootstrap.servers": bootstrap}, timeout=30), History()
    warm = history.record(source.snapshot())
    ours = [t for t in warm.topics if t.name.startswith(prefix)]
    groups = [g for g in warm.groups if g.group_id.startswith(prefix)]
    assert warm.ok and sum(t.partition_count for t in ours) == TOPICS * PARTITIONS, warm.messages
    assert len(groups) == GROUPS and all(len(g.partitions) == PARTITIONS for g in groups)

    refresh = []
    for _ in range(REFRESHES):
        start = time.perf_counter()
        history.record(source.snapshot())
        refresh.append(time.perf_counter() - start)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    metadata = []
    for _ in range(REFRESHES):
        start = time.perf_counter()
        admin.list_topics(timeout=30)
        metadata.append(time.perf_counter() - start)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    kept = len(history)
    while len(history) < history.capacity:  # the dashboard's steady state: a full ring of snapshots
        history.record(source.snapshot())
    full_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median(refresh)
    partitions = warm.partition_count
    return [
        {"name": "monitor.refresh.median", "value": round(median, 3), "unit": "s",
         "ratio": round(median / TARGET_SECONDS, 3), "ratio_of": f"target {TARGET_SECONDS:g} s",
         "detail": f"{partitions} partitions, {len(warm.groups)} groups, {REFRESHES} refreshes"},
        {"name": "monitor.refresh.max", "value": round(max(refresh), 3), "unit": "s",
         "ratio": round(max(refresh) / TARGET_SECONDS, 3), "ratio_of": f"target {TARGET_SECONDS:g} s"},
        {"name": "monitor.refresh_vs_metadata", "value": round(median / statistics.median(metadata), 1),
         "unit": "x", "detail": f"metadata-only call median {statistics.median(metadata) * 1000:.1f} ms"},
        {"name": "monitor.peak_rss", "value": round(rss_mb, 1), "unit": "MB",
         "ratio": round(rss_mb / TARGET_MB, 3), "ratio_of": f"target {TARGET_MB:g} MB",
         "detail": f"whole process, {kept} snapshots kept in history"},
        {"name": "monitor.peak_rss.full_history", "value": round(full_rss_mb, 1), "unit": "MB",
         "ratio": round(full_rss_mb / TARGET_MB, 3), "ratio_of": f"target {TARGET_MB:g} MB",
         "detail": f"whole process, history full at {len(history)} snapshots"},
    ]


def _measure_in_child(bootstrap: str, prefix: str) -> list[dict[str, Any]]:
    # A fresh process, so the RSS is airmon's alone and not the set-up's producers and consumers.
    out = subprocess.run([sys.executable, "-m", "bench.bench_monitor", "--measure", bootstrap, prefix],
                         check=True, capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout)


def run() -> list[dict[str, Any]]:
    """Set up the data set on a broker, time the refreshes, and return the result rows."""
    prefix = f"airmon-bench-{os.getpid()}"
    bootstrap = os.environ.get("AIRSTREAM_BOOTSTRAP")
    if bootstrap:
        _prepare(bootstrap, prefix)
        return _measure_in_child(bootstrap, prefix)
    from airstream.topology.kafka_local import LocalKafka

    with LocalKafka(brokers=1) as cluster:
        _prepare(cluster.bootstrap, prefix)
        return _measure_in_child(cluster.bootstrap, prefix)


def results(options: Any) -> list[Any]:
    """The rows for the ``python -m bench`` table: refresh median and max; RSS and ratios in the notes.

    ``records`` is the number of partitions refreshed; ``options.records`` does not apply here.
    """
    from bench import Result

    rows = {row["name"].removeprefix("monitor."): row for row in run()}
    median, slowest = rows["refresh.median"], rows["refresh.max"]
    partitions = int(median["detail"].split()[0])
    rss, full = rows["peak_rss"], rows["peak_rss.full_history"]
    memory = (f"peak RSS {rss['value']:g} MB, {full['value']:g} MB with a full history "
              f"({full['ratio']:g} x {full['ratio_of']})")
    return [
        Result("monitor", "refresh median", partitions, median["value"],
               f"{median['ratio']:g} x {median['ratio_of']}; {median['detail']}; {memory}",
               {"rss_mb": rss["value"], "rss_full_history_mb": full["value"]}),
        Result("monitor", "refresh max", partitions, slowest["value"],
               f"{slowest['ratio']:g} x {slowest['ratio_of']}; "
               f"{rows['refresh_vs_metadata']['value']:g} x a metadata-only call"),
    ]


def main(argv: list[str]) -> int:
    """Print the rows, one per line (``--measure BOOTSTRAP PREFIX`` is the child's entry point)."""
    if argv[:1] == ["--measure"]:
        print(json.dumps(_measure(argv[1], argv[2])))
        return 0
    for row in run():
        extra = f" ({row['ratio']:g} x {row['ratio_of']})" if "ratio_of" in row else ""
        detail = f"  [{row['detail']}]" if row.get("detail") else ""
        print(f"{row['name']:<30} {row['value']:>10g} {row['unit']}{extra}{detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
