"""The embedded engine: runs a :class:`~airstream.Topology` on an
:class:`~airstream.topology.engine.cluster.EmbeddedCluster`, in-process, with no broker.

It creates the tasks (one per sub-topology and partition), the internal topics (repartition
topics with the upstream partition count unless ``repartition(num_partitions=...)`` says
otherwise; changelogs with one partition per task: :func:`airstream.topology.compile.plan_partitions`,
the rule the Kafka runtime follows too), restores stores from changelogs and
resumes from the group's committed offsets, then moves batches between topics and tasks
until nothing is left to do. It owns time (a mockable wall clock), offsets and commits;
every operator runs in the compiled plan.

>>> from airstream.topology import StreamsBuilder
>>> b = StreamsBuilder()
>>> b.stream("in").map_values(str.upper).to("out")
>>> engine = EmbeddedEngine(b.build(), {"application.id": "up"})
>>> _ = engine.cluster.produce("in", None, b"hello")
>>> engine.run_until_idle()
1
>>> engine.cluster.read("out", 0, 0)[0].value
b'HELLO'
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

from airstream.topology.builder import Topology
from airstream.topology.compile import Plan, TopicLayout, compile_topology, plan_partitions
from airstream.topology.engine.cluster import EmbeddedCluster
from airstream.topology.engine.gc_pause import PausedCollections
from airstream.topology.engine.task import Task
from airstream.topology.operators.aggregates import EMIT_INTERVAL_CONFIG
from airstream.topology.operators.joins import OUTER_JOIN_EMIT_INTERVAL_CONFIG

__all__ = ["EmbeddedEngine"]

_UNTHROTTLED = {EMIT_INTERVAL_CONFIG: 0, OUTER_JOIN_EMIT_INTERVAL_CONFIG: 0}


class EmbeddedEngine:
    """Run ``topology`` in-process. ``partitions`` sets partition counts of user topics that
    do not exist yet (others get the cluster's default).

    The wall clock is a mocked one that moves only when told (:meth:`advance_wall_clock`), so, as in
    Kafka Streams' test driver, emit-final rounds and outer-join results are not held back by it.
    """

    def __init__(self, topology: Topology, config: dict[str, Any] | None = None,
                 cluster: EmbeddedCluster | None = None, wall_clock_ms: int = 0,
                 partitions: dict[str, int] | None = None, max_batch: int = 10_000) -> None:
        self.plan: Plan = compile_topology(topology, {**_UNTHROTTLED, **(config or {})})
        self.cluster = cluster or EmbeddedCluster()
        self.group = self.plan.application_id
        self.wall_clock_ms = wall_clock_ms
        self.max_batch = max_batch
        for topic, count in (partitions or {}).items():
            self.cluster.create_topic(topic, count)
        self.layout = self._create_topics()
        self.global_stores: dict[str, Any] = {}
        clock = self._clock
        self.global_tasks = [Task(self.plan, sub, -1, clock=clock, global_stores=self.global_stores)
                             for sub in self.plan.global_subtopologies]
        self.tasks: list[Task] = []
        for sub in self.plan.subtopologies:
            for p in range(self.layout.tasks(sub)):
                self.tasks.append(Task(self.plan, sub, p, clock=clock,
                                       global_stores=self.global_stores))
        self._positions: dict[tuple[str, int], int] = {}
        for task in self.tasks:
            for topic in task.sub.source_topics:
                committed = self.cluster.committed(self.group, topic, task.partition)
                self._positions[(topic, task.partition)] = committed or 0
            self._restore(task)
        for task in self.global_tasks:
            for topic in task.sub.source_topics:
                for p in range(self.cluster.partitions(topic)):
                    self._positions[(topic, p)] = 0

    def _clock(self) -> int:
        return self.wall_clock_ms

    # -- setup -----------------------------------------------------------------------------
    def _create_topics(self) -> TopicLayout:
        plan, cluster = self.plan, self.cluster
        internal = set(plan.repartition_topics)
        for sub in plan.subtopologies + plan.global_subtopologies:
            for topic in sub.source_topics:
                if topic not in internal:
                    cluster.create_topic(topic)
        existing = {t: cluster.partitions(t) for t in cluster.topic_names()}
        layout = plan_partitions(plan, existing, cluster.default_partitions)
        for topic in plan.repartition_topics:
            cluster.create_topic(topic, layout.partitions[topic], internal=True)
        for sub in plan.subtopologies:
            for spec in sub.stores:
                changelog = plan.changelog_topics.get(spec.name)
                if changelog:
                    cluster.create_topic(changelog, layout.tasks(sub), internal=True)
        return layout

    def _restore(self, task: Task) -> None:
        for name in task.stores:
            topic = self.plan.changelog_topics.get(name)
            if topic and self.cluster.has_topic(topic) and task.partition >= 0:
                task.restore(name, self.cluster.read(topic, task.partition, 0))

    # -- running ---------------------------------------------------------------------------
    def _fetch(self, task: Task, partitions: list[int] | None) -> list[Any]:
        """The next batch of ``task`` (``partitions=None``: every partition, for global tasks)."""
        runs = []
        for topic in task.sub.source_topics:
            for p in partitions if partitions is not None else range(self.cluster.partitions(topic)):
                pos = self._positions[(topic, p)]
                records = self.cluster.read(topic, p, pos, self.max_batch)
                if records:
                    runs.append(records)
        if not runs:
            return []
        if len(runs) == 1:
            return runs[0]
        # Kafka Streams picks the partition whose next record has the lowest timestamp.
        return list(heapq.merge(*runs, key=lambda r: r.timestamp))[: self.max_batch]

    def _advance(self, batch: list[Any]) -> dict[tuple[str, int], int]:
        last = batch[-1]
        done = {(last.topic, last.partition): last.offset + 1}
        if batch[0].topic != last.topic or batch[0].partition != last.partition or (len(batch) > 1 \
                and batch[0].offset + len(batch) - 1 != last.offset):
            for rec in batch:
                done[(rec.topic, rec.partition)] = rec.offset + 1
        self._positions.update(done)
        return done

    def run_until_idle(self) -> int:
        """Process until every task has consumed everything; returns records processed."""
        # The embedded topics keep every record as a long-lived tuple; generational GC passes
        # would rescan them again and again (costing more than the processing).
        with PausedCollections():
            return self._run_until_idle()

    def _run_until_idle(self) -> int:
        total = 0
        cluster = self.cluster
        while True:
            progressed = False
            for task in self.global_tasks:
                batch = self._fetch(task, None)
                if batch:
                    # A global task only fills its store, but its dead-letter records must land too.
                    cluster.append(task.process(batch))
                    self._advance(batch)
                    total += len(batch)
                    progressed = True
            for task in self.tasks:
                batch = self._fetch(task, [task.partition])
                if not batch:
                    continue
                outputs = task.process(batch)
                cluster.append(outputs)
                cluster.commit(self.group, self._advance(batch))
                total += len(batch)
                progressed = True
            if not progressed:
                return total

    def advance_wall_clock(self, ms: int) -> None:
        """Move the wall clock forward, fire due wall-clock punctuators, process the results."""
        if ms < 0:
            raise ValueError("the wall clock cannot go backwards")
        self.wall_clock_ms += ms
        for task in self.tasks:
            self.cluster.append(task.punctuate(self.wall_clock_ms))
        self.run_until_idle()

    # -- inspection ------------------------------------------------------------------------
    def stores(self, name: str) -> list[Any]:
        """Every task's instance of store ``name`` (one for a global store)."""
        self.plan.store_spec(name)
        if name in self.global_stores:
            return [self.global_stores[name]]
        return [t.stores[name] for t in self.tasks if name in t.stores]

    def metrics(self) -> Counter[str]:
        """Task metrics summed: ``dropped-records-total``, ``process-total``."""
        total: Counter[str] = Counter()
        for task in self.tasks + self.global_tasks:
            total.update(task.metrics)
        return total

    def close(self) -> None:
        """Close every task."""
        for task in self.tasks + self.global_tasks:
            task.close()
