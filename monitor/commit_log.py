"""Offset commits with their commit times, read from Kafka's ``__consumer_offsets`` topic.

The admin API tells where a group is (its committed offset) but not when it got there, nor whether it
keeps committing the same offset; the group coordinator's own log does. Each commit is a record keyed
by ``(group, topic, partition)`` (key schema version 0 or 1) whose value holds the offset, the leader
epoch, the metadata string and the commit time (value schema versions 0 to 4, the last one flexible);
a group's metadata is keyed by the group alone (key version 2), and a record without value deletes
what its key names. Newer key versions (KIP-848 consumer groups, share and streams groups) describe
members and assignments, not commits, and are skipped. The schemas are Kafka's
``group-coordinator/src/main/resources/common/message/OffsetCommit{Key,Value}.json`` and
``GroupMetadata{Key,Value}.json``.

:class:`CommitLog` reads the topic with a consumer that never joins a group nor commits, in
``read_committed`` mode (commits sent within an aborted transaction never happened), starting
``lookback`` seconds back, and keeps the last ``window`` commits of every group partition. Each
:meth:`CommitLog.read_up_to_date` reads what was added since. Reading needs READ (and DESCRIBE) on
the topic ``__consumer_offsets``; without it :attr:`CommitLog.error` says so and the caller polls.

Example::

    >>> key = bytes.fromhex("0001") + _string(b"scorer") + _string(b"tweets") + (3).to_bytes(4, "big")
    >>> parse_key(key)
    OffsetKey(group='scorer', topic='tweets', partition=3)
    >>> value = (bytes.fromhex("0003") + (42).to_bytes(8, "big") + (7).to_bytes(4, "big") + _string(b"")
    ...          + (1_700_000_000_123).to_bytes(8, "big"))
    >>> parse_offset_value(value)
    OffsetValue(offset=42, leader_epoch=7, metadata='', commit_timestamp=1700000000.123)
"""

from __future__ import annotations

import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, IsolationLevel, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

__all__ = [
    "COMMIT_TOPIC",
    "CommitLog",
    "GroupKey",
    "LoggedCommit",
    "OffsetKey",
    "OffsetValue",
    "parse_key",
    "parse_offset_value",
]

COMMIT_TOPIC = "__consumer_offsets"

_INT16, _INT32, _INT64 = struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")


@dataclass(frozen=True, slots=True)
class OffsetKey:
    """The key of an offset commit."""

    group: str
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class GroupKey:
    """The key of a classic group's metadata; without value, the group was deleted."""

    group: str


@dataclass(frozen=True, slots=True)
class OffsetValue:
    """The value of an offset commit; ``commit_timestamp`` in seconds."""

    offset: int
    leader_epoch: int
    metadata: str
    commit_timestamp: float


@dataclass(frozen=True, slots=True)
class LoggedCommit:
    """One commit as kept by :class:`CommitLog`: the offset and when it was committed (seconds)."""

    offset: int
    timestamp: float


class _Reader:
    """Reads Kafka's primitive types from a buffer, failing with the field that did not fit."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def _take(self, size: int, what: str) -> bytes:
        if self.pos + size > len(self.data):
            raise ValueError(f"record too short for {what} at byte {self.pos}")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def int16(self, what: str) -> int:
        return int(_INT16.unpack(self._take(2, what))[0])

    def int32(self, what: str) -> int:
        return int(_INT32.unpack(self._take(4, what))[0])

    def int64(self, what: str) -> int:
        return int(_INT64.unpack(self._take(8, what))[0])

    def varint(self, what: str) -> int:
        shift = result = 0
        while True:
            byte = self._take(1, what)[0]
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 28:
                raise ValueError(f"varint too long for {what} at byte {self.pos}")

    def string(self, what: str, *, compact: bool = False) -> str | None:
        size = self.varint(what) - 1 if compact else self.int16(what)
        if size < 0:
            return None
        return self._take(size, what).decode("utf-8")


def _string(raw: bytes) -> bytes:
    """A non-flexible Kafka string (int16 length, then the bytes); for building test records."""
    return len(raw).to_bytes(2, "big") + raw


def parse_key(key: bytes) -> OffsetKey | GroupKey | None:
    """The key of a ``__consumer_offsets`` record, or ``None`` for kinds that are not commits or
    classic group metadata. Raises ``ValueError`` for a key too short for its schema."""
    reader = _Reader(key)
    version = reader.int16("key version")
    if version in (0, 1):
        group, topic = reader.string("group"), reader.string("topic")
        partition = reader.int32("partition")
        if group is None or topic is None:
            raise ValueError("offset commit key without group or topic")
        return OffsetKey(group, topic, partition)
    if version == 2:
        group = reader.string("group")
        if group is None:
            raise ValueError("group metadata key without group")
        return GroupKey(group)
    return None


def parse_offset_value(value: bytes) -> OffsetValue:
    """The value of an offset commit, any schema version from 0 to 4."""
    reader = _Reader(value)
    version = reader.int16("value version")
    if not 0 <= version <= 4:
        raise ValueError(f"offset commit value version {version} is newer than this reader knows (0-4)")
    offset = reader.int64("offset")
    leader_epoch = reader.int32("leader epoch") if version >= 3 else -1
    metadata = reader.string("metadata", compact=version >= 4) or ""
    commit_ms = reader.int64("commit timestamp")
    return OffsetValue(offset, leader_epoch, metadata, commit_ms / 1000.0)


_CommitKey = tuple[str, str, int]  # group, topic, partition


class CommitLog:
    """The recent commits of every group partition, kept up to date from ``__consumer_offsets``.

    ``config`` holds librdkafka client properties (bootstrap servers, security); ``window`` commits
    are kept per group partition, a commit within ``min_distance`` seconds of the previous replacing
    it; the first read starts ``lookback`` seconds back. ``timeout``
    bounds each :meth:`read_up_to_date` (the first one may need several calls on a large topic:
    :attr:`caught_up` says when it has read to the end).
    """

    def __init__(self, config: Mapping[str, Any], *, window: int = 10, min_distance: float = 1.0,
                 lookback: float = 3600.0, timeout: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        self._config = dict(config)
        self.window = window
        self.min_distance = min_distance
        self.lookback = lookback
        self.timeout = timeout
        self._clock = clock
        self._commits: dict[_CommitKey, deque[LoggedCommit]] = {}
        self._consumer: Consumer | None = None
        self._admin: AdminClient | None = None
        self._end_seen: dict[int, int] = {}  # partition -> offset where its end was last reached
        self._lock = threading.Lock()
        self.started_at: float | None = None
        """The time reading started from (``lookback`` before the first read); commits before it are unknown."""
        self.error: str | None = None
        """Why the log cannot be read (no permission, no such topic), or ``None``."""
        self.caught_up = False
        """Whether the last read reached the end of every partition."""
        self.skipped = 0
        """Records that could not be parsed (a newer schema, or damage); they are counted, not fatal."""

    # -- reading --------------------------------------------------------------------------------------

    def _open(self) -> Consumer:
        consumer = Consumer({**self._config,
                             "group.id": f"airmon-commit-log-{uuid.uuid4().hex[:8]}",  # never joined
                             "enable.auto.commit": False, "enable.auto.offset.store": False,
                             "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                             "enable.partition.eof": True, "fetch.wait.max.ms": 100})
        try:
            metadata = consumer.list_topics(COMMIT_TOPIC, timeout=self.timeout)
            topic = metadata.topics.get(COMMIT_TOPIC)
            if topic is None or topic.error is not None:
                raise KafkaException(topic.error if topic is not None else
                                     KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, f"{COMMIT_TOPIC} not found"))
            started_at = self._clock() - self.lookback
            wanted = [TopicPartition(COMMIT_TOPIC, p, int(started_at * 1000)) for p in sorted(topic.partitions)]
            starts = consumer.offsets_for_times(wanted, timeout=self.timeout)
            failed = next((tp.error for tp in starts if tp.error is not None), None)
            if failed is not None:
                raise KafkaException(failed)
            # -1: nothing that recent in that partition; start at its end.
            consumer.assign([TopicPartition(COMMIT_TOPIC, tp.partition, tp.offset if tp.offset >= 0 else -1)
                             for tp in starts])
        except BaseException:
            consumer.close()
            raise
        self.started_at = started_at
        return consumer

    def read_up_to_date(self) -> bool:
        """Read what was committed since the last call, up to the end of the log as it is now.

        Returns whether the log could be read; on failure :attr:`error` says why and the commits
        read so far are kept.
        """
        with self._lock:
            try:
                if self._consumer is None:
                    self._consumer = self._open()
                self._read(self._consumer)
                self.error = None
                return True
            except KafkaException as exc:
                self.error = _explain(exc)
                return False

    def _read(self, consumer: Consumer) -> None:
        # The end of each partition as of now. A read_committed consumer asks for the last stable offset,
        # so an open transaction's records (not yet committed offsets) are not waited for.
        # (One batched admin request: the consumer's own watermark queries wait behind its fetches.)
        ends = self._ends(consumer.assignment())
        # librdkafka reports reaching the end once per arrival there; a partition that has not grown
        # since the last report is already read.
        pending = {p for p, end in ends.items() if self._end_seen.get(p, -1) < end}
        deadline = time.monotonic() + self.timeout
        while pending and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=5000, timeout=0.2):
                err, partition = msg.error(), msg.partition() or 0
                if err is None:
                    self._end_seen.pop(partition, None)
                    self._apply(msg.key(), msg.value())
                elif err.code() == KafkaError._PARTITION_EOF:
                    self._end_seen[partition] = msg.offset() or 0
                    pending.discard(partition)
                else:
                    raise KafkaException(err)
        self.caught_up = not pending

    def _ends(self, partitions: list[TopicPartition]) -> dict[int, int]:
        if self._admin is None:
            self._admin = AdminClient(self._config)
        # confluent-kafka leaves OffsetSpec's factory class methods unannotated.
        latest = OffsetSpec.latest()  # type: ignore[no-untyped-call]
        futures = self._admin.list_offsets({TopicPartition(COMMIT_TOPIC, tp.partition): latest for tp in partitions},
                                           isolation_level=IsolationLevel.READ_COMMITTED,
                                           request_timeout=self.timeout)
        return {tp.partition: future.result().offset for tp, future in futures.items()}

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            self.skipped += 1
            return
        try:
            parsed = parse_key(key)
            if isinstance(parsed, OffsetKey):
                slot = (parsed.group, parsed.topic, parsed.partition)
                if value is None:  # the commit was deleted (group offsets deleted, or expired)
                    self._commits.pop(slot, None)
                    return
                commit = parse_offset_value(value)
                kept = self._commits.setdefault(slot, deque(maxlen=self.window))
                timestamp = commit.commit_timestamp
                if kept and timestamp - kept[-1].timestamp < self.min_distance and commit.offset >= kept[-1].offset:
                    # As Burrow: a commit soon after the previous one replaces it, keeping the older
                    # time, so a consumer committing every 100 ms still fills its window with seconds.
                    # A rewind is kept whatever its distance: it is what the lag rules look for.
                    timestamp = kept.pop().timestamp
                kept.append(LoggedCommit(commit.offset, timestamp))
            elif isinstance(parsed, GroupKey) and value is None:  # the group was deleted
                for slot in [k for k in self._commits if k[0] == parsed.group]:
                    del self._commits[slot]
        except ValueError:
            self.skipped += 1

    # -- answers --------------------------------------------------------------------------------------

    def commits(self, group: str, topic: str, partition: int) -> tuple[LoggedCommit, ...]:
        """The group's recent commits on the partition, oldest first (empty if none were read)."""
        with self._lock:
            return tuple(self._commits.get((group, topic, partition), ()))

    def groups(self) -> set[str]:
        """Groups with at least one commit kept."""
        with self._lock:
            return {group for group, _, _ in self._commits}

    def forget(self, keep: Iterable[str]) -> None:
        """Drop the commits of every group not in ``keep`` (the groups that still exist)."""
        wanted = set(keep)
        with self._lock:
            for slot in [k for k in self._commits if k[0] not in wanted]:
                del self._commits[slot]

    def close(self) -> None:
        """Close the consumer; a later read opens a new one and starts ``lookback`` back again."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None
            self._admin = None
            self._commits.clear()
            self._end_seen.clear()
            self.started_at = None
            self.caught_up = False


def _explain(exc: KafkaException) -> str:
    err = exc.args[0] if exc.args else None
    if isinstance(err, KafkaError) and err.code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED,
                                                      KafkaError.GROUP_AUTHORIZATION_FAILED):
        return (f"cannot read {COMMIT_TOPIC} ({err.str()}): grant READ and DESCRIBE on topic {COMMIT_TOPIC} "
                "to judge lag from commits; polling committed offsets instead")
    text = err.str() if isinstance(err, KafkaError) else str(exc)
    return f"cannot read {COMMIT_TOPIC} ({text}); polling committed offsets instead"
