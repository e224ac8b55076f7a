"""A warning when a foreign-key join reads a topic whose keys are not where murmur2 puts them.

A foreign-key join sends each left row's subscription to partition ``murmur2(foreign key) % n`` of
the right-hand table's topic, and each answer back to ``murmur2(left key) % n`` of the left-hand
table's topic (:func:`~airstream.topology.partitioner.partition_for`, as Kafka Streams does). If
the producer of either topic placed keys with another partitioner -- confluent-kafka's default,
``consistent_random``, hashes with CRC32 -- the row lives in another task and the join silently
misses matches.

:class:`PlacementCheck` looks at the first :data:`CHECK_PER_PARTITION` keyed records of each
partition of those topics (tombstones and null keys left out), logs one WARNING per topic at the
end of the batch in which it found a misplaced record, and then stops checking that topic. Topics
no foreign-key join reads are not looked at; an application without one has no check at all.

>>> from airstream.topology import Serdes, StreamsBuilder
>>> b = StreamsBuilder()
>>> orders = b.table("orders", key_serde=Serdes.String(), value_serde=Serdes.Json())
>>> customers = b.table("customers", key_serde=Serdes.String(), value_serde=Serdes.Json())
>>> orders.join(customers, lambda o: o["customer"], lambda o, c: [o, c], name="with-customer").to_stream().to("out")
>>> from airstream.topology.compile import compile_topology
>>> for topic, reader in sorted(fk_join_topics(compile_topology(b.build(), {"application.id": "shop"})).items()):
...     print(topic, "|", reader)
customers | the right-hand table of the foreign-key join 'with-customer' (orders -> customers)
orders | the left-hand table of the foreign-key join 'with-customer' (orders -> customers)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from airstream.topology.compile import Plan
from airstream.topology.graph import Node
from airstream.topology.operators import FkRightUpdate, FkSubscriptionSend
from airstream.topology.partitioner import partition_for
from airstream.topology.records import InputRecord

__all__ = ["CHECK_PER_PARTITION", "PlacementCheck", "fk_join_topics"]

log = logging.getLogger("airstream.topology.runtime")

CHECK_PER_PARTITION = 1000
"""Keyed records checked per partition before the check of that partition stops."""

_KEY_REPR_CHARS = 40
_SIDES = {FkSubscriptionSend: ("left", "-subscription-registration-send"),
          FkRightUpdate: ("right", "-subscription-update")}


def _source_topics(node: Node) -> list[str]:
    """The user topics (not internal ones, which the runtime places itself) ``node`` reads from."""
    topics: list[str] = []
    seen: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.kind == "source":
            if not current.internal:
                topics.extend(t for t in current.topics if t not in topics)
            continue
        todo.extend(current.parents)
    return sorted(topics)


def fk_join_topics(plan: Plan) -> dict[str, str]:
    """``{topic: what reads it}`` for the source topics of both tables of every foreign-key join,
    whose records must sit on partition ``murmur2(key) % partitions``."""
    sides: dict[str, dict[str, list[str]]] = {}
    for node in plan.topology.graph.nodes.values():
        side = _SIDES.get(type(node.op)) if node.kind == "processor" else None
        if side is None:
            continue
        which, suffix = side
        join = node.name.removesuffix(suffix)
        sides.setdefault(join, {})[which] = [t for parent in node.parents for t in _source_topics(parent)]
    readers: dict[str, list[str]] = {}
    for join, tables in sides.items():
        left, right = tables.get("left", []), tables.get("right", [])
        what = f"foreign-key join {join!r} ({', '.join(left) or 'internal topics'} -> " \
               f"{', '.join(right) or 'internal topics'})"
        for which in ("left", "right"):
            for topic in tables.get(which, []):
                readers.setdefault(topic, []).append(f"the {which}-hand table of the {what}")
    return {topic: "; ".join(what) for topic, what in readers.items()}


def _key_repr(key: bytes) -> str:
    text = repr(key)
    return text if len(text) <= _KEY_REPR_CHARS else text[:_KEY_REPR_CHARS - 3] + "..."


class _Watch:
    __slots__ = ("checked", "example", "misplaced", "partitions", "reader")

    def __init__(self, partitions: int, reader: str) -> None:
        self.partitions = partitions
        self.reader = reader
        self.checked: dict[int, int] = {}
        self.misplaced = 0
        self.example: tuple[bytes, int, int] | None = None


class PlacementCheck:
    """Checks where the records of ``topics`` (``{topic: what reads it}``) sit; see the module
    docstring. The runtime calls :meth:`check` for each run of records of one partition in a
    batch and :meth:`end_batch` after the batch; it drops the check once that returns ``True``."""

    def __init__(self, topics: Mapping[str, str], partitions: Mapping[str, int],
                 limit: int = CHECK_PER_PARTITION) -> None:
        self.limit = limit
        # One partition cannot be the wrong one.
        self._watch = {t: _Watch(partitions[t], reader) for t, reader in topics.items()
                       if partitions.get(t, 1) > 1}
        self._flagged: list[str] = []

    @classmethod
    def of(cls, plan: Plan, partitions: Mapping[str, int]) -> PlacementCheck | None:
        """The check for ``plan``'s foreign-key joins, or ``None`` when there is nothing to check."""
        check = cls(fk_join_topics(plan), partitions)
        return check if check._watch else None

    @property
    def topics(self) -> list[str]:
        """The topics still being checked."""
        return sorted(self._watch)

    def check(self, run: list[InputRecord]) -> None:
        """Check the records of ``run`` (one topic partition, in offset order)."""
        topic, partition = run[0][0], run[0][1]
        watch = self._watch.get(topic)
        if watch is None:
            return
        done = watch.checked.get(partition, 0)
        if done >= self.limit:
            return
        n = watch.partitions
        misplaced = 0
        for rec in run:
            key = rec[4]
            if key is None or rec[5] is None:
                continue
            expected = partition_for(key, n)
            if expected != partition:
                misplaced += 1
                if watch.example is None:
                    watch.example = (key, partition, expected)
            done += 1
            if done >= self.limit:
                break
        watch.checked[partition] = done
        if misplaced:
            if not watch.misplaced:
                self._flagged.append(topic)
            watch.misplaced += misplaced

    def end_batch(self) -> bool:
        """Warn about the topics the batch found misplaced records in and stop checking them, and
        stop checking topics whose every partition was checked. ``True`` when no topic is left."""
        for topic in self._flagged:
            watch = self._watch.pop(topic)
            assert watch.example is not None
            key, actual, expected = watch.example
            log.warning(
                "topic %r is not partitioned the way foreign-key joins need: %d of %d keyed record(s) "
                "checked are on another partition than murmur2(key) %% %d (e.g. key %s is on partition %d, "
                "murmur2 puts it on %d). It is %s, which will miss matches. Fix: produce it with "
                "partitioner=murmur2_random, as Java clients and `airstream replay` do, then re-produce the topic",
                topic, watch.misplaced, sum(watch.checked.values()), watch.partitions, _key_repr(key), actual,
                expected, watch.reader)
        self._flagged.clear()
        for topic, watch in list(self._watch.items()):
            if len(watch.checked) == watch.partitions and min(watch.checked.values()) >= self.limit:
                del self._watch[topic]
        return not self._watch
