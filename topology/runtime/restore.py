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

:class:`BackgroundRestore` runs a restore on a thread of its own, as Kafka Streams' state updater
does, so that the processing thread goes on with the tasks it already has while new ones are
restored.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition

from airstream.topology.compile import Plan
from airstream.topology.engine.task import Task
from airstream.topology.records import InputRecord, from_messages
from airstream.topology.runtime.commit import is_transient
from airstream.topology.runtime.fetch import fetch
from airstream.topology.runtime.metrics import StreamsMetrics

__all__ = ["BackgroundRestore", "Restorer"]

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

    def logs(self, task: Task) -> bool:
        """Whether ``task`` has a store kept in a changelog (one a restore may have to rebuild)."""
        return bool(self._changelogs(task))

    def _changelogs(self, task: Task) -> list[tuple[str, str]]:
        """``(store, changelog topic)`` of each of ``task``'s logged stores (a global task has none)."""
        if task.partition < 0:
            return []
        return [(name, self.plan.changelog_topics[name]) for name in task.stores if name in self.plan.changelog_topics]

    def restore(self, tasks: list[Task], cancelled: threading.Event | None = None,
                restored: Callable[[Task], None] | None = None) -> int:
        """Rebuild every logged store of ``tasks``; returns the records restored. When ``cancelled``
        is set the restore stops after the records in hand, leaving the stores part-built.
        ``restored`` is called with each task once all its stores are rebuilt (at once for a task
        whose changelogs are empty)."""
        targets: dict[tuple[str, int], tuple[Task, str]] = {}
        for task in tasks:
            for name, topic in self._changelogs(task):
                targets[(topic, task.partition)] = (task, name)
        consumer = self._consumer
        ends: dict[tuple[str, int], int] = {}
        starts: list[TopicPartition] = []
        for (topic, p) in targets:
            lo, hi = self._watermarks(topic, p)
            if hi > lo:
                ends[(topic, p)] = hi
                starts.append(TopicPartition(topic, p, lo))
        waiting: dict[Task, set[tuple[str, int]]] = {task: set() for task in tasks}
        for source in ends:
            waiting[targets[source][0]].add(source)

        def report_restored() -> None:
            for task in [t for t, sources in waiting.items() if not sources]:
                del waiting[task]
                if restored is not None:
                    restored(task)

        report_restored()
        if not starts:
            return 0
        remaining = sum(ends[(tp.topic, tp.partition)] - tp.offset for tp in starts)
        self.metrics.restore_remaining += remaining
        log.info("restoring %d changelog partition(s), %d record(s), for task(s) %s", len(starts),
                 remaining, ", ".join(sorted({targets[source][0].task_id for source in ends})))
        consumer.assign(starts)
        done = 0
        started = last_log = time.monotonic()
        try:
            while ends:
                if cancelled is not None and cancelled.is_set():
                    log.info("restore of %s stopped: the task(s) are no longer this instance's, or it is closing",
                             ", ".join(sorted(t.task_id for t in waiting)))  # the ones not restored yet
                    return done
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
                    source = (position.topic, position.partition)
                    if position.offset >= ends[source]:
                        del ends[source]
                        waiting[targets[source][0]].discard(source)
                report_restored()
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


class BackgroundRestore:
    """A restore of ``tasks`` (keyed as the runtime keys its tasks) on a thread of its own.

    The processing thread starts it and takes each task as soon as its stores are rebuilt with
    :meth:`take_restored`; :meth:`done` tells when the thread has ended (ask before taking the
    last tasks) and :meth:`result` raises what the restore raised; :meth:`cancel` stops it. The
    restorer's consumer is the thread's alone while it runs.
    """

    def __init__(self, restorer: Restorer, tasks: dict[tuple[int, int], Task]) -> None:
        self.tasks = dict(tasks)
        self._restorer = restorer
        self._restored: collections.deque[tuple[int, int]] = collections.deque()
        self._cancelled = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="airstream-restore", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._restorer.restore(list(self.tasks.values()), self._cancelled,
                                   lambda task: self._restored.append((task.sub.id, task.partition)))
        except BaseException as exc:  # handed to the processing thread by result()
            self._error = exc

    def take_restored(self) -> dict[tuple[int, int], Task]:
        """The tasks restored since the last call (they are no longer this restore's)."""
        taken = {}
        while self._restored:
            key = self._restored.popleft()
            taken[key] = self.tasks.pop(key)
        return taken

    def done(self) -> bool:
        """Whether the restore has ended (finished, failed or cancelled)."""
        return not self._thread.is_alive()

    def result(self) -> None:
        """Once :meth:`done`: raises what the restore raised, if anything."""
        self._thread.join()
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Stop the restore and wait for the thread; then :meth:`take_restored` has the tasks it
        finished and :attr:`tasks` those it had not (part-built: close them)."""
        self._cancelled.set()
        self._thread.join()
