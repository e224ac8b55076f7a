"""The only writes airmon makes: deleting a consumer group and resetting its offsets.

The TUI offers them only when started with ``--allow-writes``, and only after the user has typed the
group's name. Kafka itself refuses both while the group has active members; that refusal is passed on
as an error that says to stop the consumers first.

Example::

    admin = KafkaGroupAdmin({"bootstrap.servers": "127.0.0.1:9092"})
    admin.reset_offsets("scorer", [("tweets", 0), ("tweets", 1)], to="earliest")
    admin.delete_group("scorer")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from airstream.common.redact import scrub
from airstream.monitor.kafka_log import with_kafka_logger

__all__ = ["GroupAdmin", "KafkaGroupAdmin", "ResetTarget"]

ResetTarget = Literal["earliest", "latest"]

_NOT_EMPTY = {KafkaError.NON_EMPTY_GROUP, KafkaError.UNKNOWN_MEMBER_ID, KafkaError.REBALANCE_IN_PROGRESS}


class GroupAdmin(Protocol):
    """Destructive group operations (``KafkaGroupAdmin``, or a fake in tests)."""

    def delete_group(self, group_id: str) -> None:
        """Delete the group and its committed offsets."""
        ...

    def reset_offsets(self, group_id: str, partitions: Iterable[tuple[str, int]], *, to: ResetTarget) -> None:
        """Set the group's committed offsets on ``partitions`` to the earliest or latest offset."""
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

    def reset_offsets(self, group_id: str, partitions: Iterable[tuple[str, int]], *, to: ResetTarget) -> None:
        """Commit the earliest or latest offset of each partition for ``group_id``; fails while it has members."""
        tps = [TopicPartition(t, p) for t, p in partitions]
        if not tps:
            raise RuntimeError(f"group {group_id} has no partitions to reset")
        # confluent-kafka leaves OffsetSpec's factory class methods unannotated.
        spec: OffsetSpec = (OffsetSpec.earliest() if to == "earliest"  # type: ignore[no-untyped-call]
                            else OffsetSpec.latest())  # type: ignore[no-untyped-call]
        what = f"resetting offsets of group {group_id} to {to}"
        futures = self._admin.list_offsets(dict.fromkeys(tps, spec), request_timeout=self.timeout)
        targets = [TopicPartition(tp.topic, tp.partition, self._wait(f, what).offset) for tp, f in futures.items()]
        request = [ConsumerGroupTopicPartitions(group_id, targets)]
        result = self._wait(self._admin.alter_consumer_group_offsets(request, request_timeout=self.timeout)[group_id],
                            what)
        failed = [tp for tp in result.topic_partitions if tp.error is not None]
        if failed:
            raise RuntimeError(self._explain(what, failed[0].error))

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
