"""Restore state stores from their changelog topics before a task processes anything.

A dedicated consumer (never in the application's group) is assigned the changelog partitions
of the tasks just created, reads each from its start to its end offset as of now, and hands the
records to ``Task.restore``, one call per partition and poll.

Under exactly-once the consumer reads committed data only, so writes of aborted transactions are
not restored. The end offset is then the high watermark, read by a second, ``read_uncommitted``
consumer, not the read-committed end (the last stable offset): the previous owner's last
transaction may be committed while the broker is still writing its commit markers, and until
then the last stable offset stops before that transaction, which would restore the store
without its last writes. Reading up to the high watermark waits for such a transaction to be
completed (or, if its producer died, aborted after ``transaction.timeout.ms``). Every
store is restored this way, the buffers of suppress, of left/outer joins and of sliding
windows included. Progress is logged every few seconds and kept in the ``restore-total`` /
``restore-remaining-records-total`` metrics.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition

from airstream.topology.compile import Plan
from airstream.topology.engine.task import Task
from airstream.topology.records import InputRecord, from_messages
from airstream.topology.runtime.commit import is_transient
from airstream.topology.runtime.fetch import fetch
from airstream.topology.runtime.metrics import StreamsMetrics

__all__ = ["Restorer"]

log = logging.getLogger("airstream.topology.runtime")

_LOG_EVERY_S = 5.0


class Restorer:
    """Replays changelogs into the stores of new tasks with one restore consumer."""

    def __init__(self, plan: Plan, consumer_config: dict[str, Any], metrics: StreamsMetrics,
                 timeout_ms: int) -> None:
        self.plan = plan
        self.metrics = metrics
        self.timeout_s = timeout_ms / 1000
        self._consumer = Consumer(consumer_config)
        self._watermarks_of = self._consumer
        if consumer_config.get("isolation.level") == "read_committed":
            self._watermarks_of = Consumer({**consumer_config, "isolation.level": "read_uncommitted"})

    def close(self) -> None:
        """Close the restore consumer(s)."""
        self._consumer.close()
        if self._watermarks_of is not self._consumer:
            self._watermarks_of.close()

    def restore(self, tasks: list[Task]) -> int:
        """Rebuild every logged store of ``tasks``; returns the records restored."""
        targets: dict[tuple[str, int], tuple[Task, str]] = {}
        for task in tasks:
            for name in task.stores:
                topic = self.plan.changelog_topics.get(name)
                if topic and task.partition >= 0:
                    targets[(topic, task.partition)] = (task, name)
        if not targets:
            return 0
        consumer = self._consumer
        ends: dict[tuple[str, int], int] = {}
        starts: list[TopicPartition] = []
        for (topic, p) in targets:
            lo, hi = self._watermarks(topic, p)
            if hi > lo:
                ends[(topic, p)] = hi
                starts.append(TopicPartition(topic, p, lo))
        if not starts:
            return 0
        remaining = sum(ends[(tp.topic, tp.partition)] - tp.offset for tp in starts)
        self.metrics.restore_remaining += remaining
        log.info("restoring %d changelog partition(s), %d record(s), for task(s) %s", len(starts),
                 remaining, ", ".join(sorted({t.task_id for t, _ in targets.values()})))
        consumer.assign(starts)
        done = 0
        started = last_log = time.monotonic()
        try:
            while ends:
                if time.monotonic() - started > self.timeout_s:
                    raise TimeoutError(f"restoring {sorted(ends)} took longer than restore.timeout.ms="
                                       f"{int(self.timeout_s * 1000)}; the brokers may be unreachable")
                runs: dict[tuple[str, int], list[InputRecord]] = {}
                messages = fetch(consumer, 10_000, 0.5)
                for msg in messages:
                    if msg.error() is not None:
                        log.warning("restore consumer: %s", msg.error())
                for rec in from_messages(messages):
                    runs.setdefault((rec[0], rec[1]), []).append(rec)
                for source, run in runs.items():
                    task, name = targets[source]
                    task.restore(name, run)
                    done += len(run)
                for position in consumer.position([TopicPartition(t, p) for t, p in ends]):
                    if position.offset >= ends[(position.topic, position.partition)]:
                        del ends[(position.topic, position.partition)]
                now = time.monotonic()
                if now - last_log > _LOG_EVERY_S:
                    last_log = now
                    log.info("restore progress: %d of %d record(s)", done, remaining)
        finally:
            consumer.unassign()
            self.metrics.restore_total += done
            self.metrics.restore_remaining = max(0, self.metrics.restore_remaining - remaining)
        log.info("restored %d record(s) in %.1fs", done, time.monotonic() - started)
        return done

    def _watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                return self._watermarks_of.get_watermark_offsets(TopicPartition(topic, partition), timeout=5)
            except KafkaException as exc:
                if time.monotonic() > deadline or not is_transient(exc.args[0]):
                    raise
                log.warning("cannot read the end offset of %s[%d] yet (%s); retrying", topic, partition,
                            exc.args[0].str())
                time.sleep(0.2)
