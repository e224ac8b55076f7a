"""Writes to consumer groups: deleting one, and resetting its offsets as ``kafka-consumer-groups
--reset-offsets`` does (to earliest, latest, a time, an offset, or shifted by N), planned first so the
new lag can be previewed.

The TUI offers them only when started with ``--allow-writes``, and only after the user has typed the
group's name. Kafka itself refuses both while the group has active members; that refusal is passed on
as an error that says to stop the consumers first.

Example::

    admin = KafkaGroupAdmin({"bootstrap.servers": "127.0.0.1:9092"})
    plan = admin.plan_reset("scorer", [("tweets", 0), ("tweets", 1)], ResetTo.parse("-100"))
    for move in plan:
        print(move.topic, move.partition, move.committed, "->", move.offset, "lag", move.lag)
    admin.apply_reset("scorer", plan)
    admin.delete_group("scorer")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from airstream.common.redact import scrub
from airstream.monitor.kafka_log import with_kafka_logger
from airstream.monitor.search import parse_time_ms

__all__ = ["GroupAdmin", "KafkaGroupAdmin", "OffsetMove", "ResetTo"]

_NOT_EMPTY = {KafkaError.NON_EMPTY_GROUP, KafkaError.UNKNOWN_MEMBER_ID, KafkaError.REBALANCE_IN_PROGRESS}


@dataclass(frozen=True, slots=True)
class ResetTo:
    """Where to move a group's offsets: ``earliest``, ``latest``, the first offset at or after a time
    (``datetime``; the end where no record is that late), an ``offset``, or ``shift`` by N from the committed
    offset; always clamped to what is stored, as ``kafka-consumer-groups --reset-offsets`` does.

    >>> [str(ResetTo.parse(t)) for t in ("earliest", "1200", "-100", "+5", "2015-02-24T10:00")]
    ['earliest', 'offset 1200', 'shift by -100', 'shift by +5', 'datetime 2015-02-24T10:00:00+00:00']
    """

    kind: Literal["earliest", "latest", "datetime", "offset", "shift"]
    value: int = 0

    @classmethod
    def parse(cls, text: str) -> ResetTo:
        """Read ``earliest``, ``latest``, an offset (``1200``), a shift (``-100``, ``+100``) or an ISO
        date/time (UTC unless it names a zone); the error lists the forms."""
        text = text.strip()
        if text in ("earliest", "latest"):
            return cls(text)  # type: ignore[arg-type]
        if text[:1] in "+-" and text[1:].isdigit():
            return cls("shift", int(text))
        if text.isdigit():
            return cls("offset", int(text))
        try:
            return cls("datetime", parse_time_ms(text))
        except ValueError:
            raise ValueError(f"cannot reset to {text!r}: type earliest, latest, an offset (1200), a shift (-100 "
                             "or +100) or a date/time (2015-02-24T10:00)") from None

    def __str__(self) -> str:
        if self.kind == "datetime":
            return f"datetime {datetime.fromtimestamp(self.value / 1000, UTC).isoformat()}"
        if self.kind == "shift":
            return f"shift by {self.value:+d}"
        return f"offset {self.value}" if self.kind == "offset" else self.kind


@dataclass(frozen=True, slots=True)
class OffsetMove:
    """One partition of a planned reset: the committed offset now (``None``: never committed), the new
    one, and the partition's watermarks; :attr:`lag` is the lag the group will have."""

    topic: str
    partition: int
    committed: int | None
    offset: int
    low: int
    high: int

    @property
    def lag(self) -> int:
        """Records left to read after the reset."""
        return self.high - self.offset


class GroupAdmin(Protocol):
    """Group writes (``KafkaGroupAdmin``, or a fake in tests)."""

    def delete_group(self, group_id: str) -> None:
        """Delete the group and its committed offsets."""
        ...

    def plan_reset(self, group_id: str, partitions: Iterable[tuple[str, int]], to: ResetTo) -> list[OffsetMove]:
        """Where each partition's committed offset would go, without changing anything."""
        ...

    def apply_reset(self, group_id: str, plan: Iterable[OffsetMove]) -> None:
        """Commit the planned offsets for the group."""
        ...


class KafkaGroupAdmin:
    """Group writes through ``confluent_kafka.admin.AdminClient``; errors raise ``RuntimeError`` with the fix."""

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 10.0) -> None:
        self._config = dict(config)
        self.timeout = timeout
        self._admin = AdminClient(with_kafka_logger(self._config))

    def __repr__(self) -> str:
        return f"KafkaGroupAdmin({self._config.get('bootstrap.servers')!r})"

    def delete_group(self, group_id: str) -> None:
        """Delete ``group_id``; fails while it has members."""
        future = self._admin.delete_consumer_groups([group_id], request_timeout=self.timeout)[group_id]
        self._wait(future, f"deleting group {group_id}")

    def plan_reset(self, group_id: str, partitions: Iterable[tuple[str, int]], to: ResetTo) -> list[OffsetMove]:
        """Where each of ``partitions`` would move for ``to``, from the watermarks, the group's commits
        and (for a time) the offsets at that time; nothing is changed."""
        tps = [TopicPartition(t, p) for t, p in partitions]
        if not tps:
            raise RuntimeError(f"group {group_id} has no partitions to reset")
        what = f"planning the reset of group {group_id} to {to}"
        # confluent-kafka leaves OffsetSpec's factory class methods unannotated.
        low = self._offsets(tps, OffsetSpec.earliest(), what)  # type: ignore[no-untyped-call]
        high = self._offsets(tps, OffsetSpec.latest(), what)  # type: ignore[no-untyped-call]
        at_time = self._offsets(tps, OffsetSpec.for_timestamp(to.value), what) if to.kind == "datetime" else {}
        request = [ConsumerGroupTopicPartitions(group_id, tps)]
        listed = self._wait(self._admin.list_consumer_group_offsets(request, request_timeout=self.timeout)[group_id],
                            what)
        committed = {(tp.topic, tp.partition): tp.offset for tp in listed.topic_partitions or [] if tp.offset >= 0}
        if to.kind == "shift":
            # As kafka-consumer-groups refuses it: a shift needs a committed offset to shift from.
            never = [f"{tp.topic}/{tp.partition}" for tp in tps if (tp.topic, tp.partition) not in committed]
            if never:
                raise RuntimeError(f"{what}: cannot shift {', '.join(never)}: the group has no committed offset "
                                   "there (reset those to earliest, latest, an offset or a time instead)")
        plan = []
        for tp in tps:
            key = (tp.topic, tp.partition)
            now = committed.get(key)
            target = {"earliest": low[key], "latest": high[key], "offset": to.value,
                      "shift": (now or 0) + to.value,
                      "datetime": at_time.get(key, -1) if at_time.get(key, -1) >= 0 else high[key]}[to.kind]
            plan.append(OffsetMove(tp.topic, tp.partition, now, min(max(target, low[key]), high[key]),
                                   low[key], high[key]))
        return plan

    def apply_reset(self, group_id: str, plan: Iterable[OffsetMove]) -> None:
        """Commit the planned offsets for ``group_id``; fails while it has members."""
        targets = [TopicPartition(m.topic, m.partition, m.offset) for m in plan]
        what = f"resetting offsets of group {group_id}"
        request = [ConsumerGroupTopicPartitions(group_id, targets)]
        result = self._wait(self._admin.alter_consumer_group_offsets(request, request_timeout=self.timeout)[group_id],
                            what)
        failed = [tp for tp in result.topic_partitions if tp.error is not None]
        if failed:
            raise RuntimeError(self._explain(what, failed[0].error))

    def _offsets(self, tps: list[TopicPartition], spec: OffsetSpec, what: str) -> dict[tuple[str, int], int]:
        futures = self._admin.list_offsets(dict.fromkeys(tps, spec), request_timeout=self.timeout)
        return {(tp.topic, tp.partition): self._wait(f, what).offset for tp, f in futures.items()}

    def _wait(self, future: Any, what: str) -> Any:
        try:
            return future.result()
        except KafkaException as exc:
            raise RuntimeError(self._explain(what, exc.args[0] if exc.args else exc)) from None
        finally:
            self._admin.poll(0)  # hands queued log lines to the logger, so they do not pile up

    def _explain(self, what: str, error: Any) -> str:
        text = error.str() if isinstance(error, KafkaError) else str(error)
        if isinstance(error, KafkaError) and error.code() in _NOT_EMPTY:
            text += " (the group has active members: stop its consumers first)"
        return scrub(f"{what}: {text}", self._config)
