"""The records engines move: what a task reads (:class:`InputRecord`) and what it hands back to
produce (:class:`OutputRecord`). Operators see an input record as the *source* of what they
process: where it came from, for dead letters, sinks and commits.

>>> rec = InputRecord("tweets", 0, 41, 1_000, b"k", b"v")
>>> rec.topic, rec.offset, rec.headers
('tweets', 41, ())
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple, cast

from confluent_kafka import Message

__all__ = ["InputRecord", "MessageRun", "OutputRecord", "from_messages", "message_runs", "record_of", "without_errors"]

_topic, _partition, _offset, _timestamp = Message.topic, Message.partition, Message.offset, Message.timestamp
_key, _value, _headers, _error = Message.key, Message.value, Message.headers, Message.error
_second = itemgetter(1)


class InputRecord(NamedTuple):
    """A record read from a topic partition."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Any = ()


class OutputRecord(NamedTuple):
    """A record to produce; ``partition`` ``None`` means: partition by key."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes | None
    timestamp: int
    headers: Any = ()


def without_errors(messages: Sequence[Any]) -> Sequence[Any]:
    """``messages`` less the ones that carry an error (``messages`` itself when none does: the
    usual batch costs one pass and no copy).

    >>> without_errors([]) == []
    True
    """
    if any(map(_error, messages)):
        return [m for m in messages if m.error() is None]
    return messages


def from_messages(messages: Sequence[Any]) -> list[InputRecord]:
    """The records of a batch of confluent-kafka messages, leaving out the ones that carry an error.

    The records are plain tuples in :class:`InputRecord` field order, as engines' outputs are plain
    tuples in :class:`OutputRecord` order: read them by position or unpack them. Building a named
    tuple per record, or calling each message's methods by attribute, costs more than half again
    as much as reading the fields column by column with ``map`` over the C methods.

    >>> from_messages([])
    []
    """
    messages = without_errors(messages)
    return cast(list[InputRecord], list(zip(
        map(_topic, messages), map(_partition, messages), map(_offset, messages),
        map(_second, map(_timestamp, messages)), map(_key, messages), map(_value, messages),
        map(_headers, messages), strict=True)))


def record_of(message: Any) -> InputRecord:
    """The record of one confluent-kafka message (without an error), as :func:`from_messages` makes it.

    >>> record_of(Message(topic="tweets", partition=2, offset=7, timestamp=(1, 60_000), key=b"k", value=b"v"))
    ('tweets', 2, 7, 60000, b'k', b'v', None)
    """
    return cast(InputRecord, (message.topic(), message.partition(), message.offset(), message.timestamp()[1],
                              message.key(), message.value(), message.headers()))


class MessageRun(NamedTuple):
    """Consecutive confluent-kafka messages of one topic and partition in a fetched batch, with
    their timestamps read once (a stream processor's tasks and a consumer's counts both need them)."""

    topic: str
    partition: int
    messages: list[Any]
    timestamps: list[int]


def message_runs(messages: Sequence[Any], topic: str | None = None) -> list[MessageRun]:
    """``messages`` (none with an error) split into runs of one topic and partition, in the order
    fetched. ``topic``: the one topic they all come from, when the caller knows it (a consumer of one
    topic); runs are then told apart by the partition alone.

    >>> m0 = Message(topic="tweets", partition=0, timestamp=(1, 60_000))
    >>> m1 = Message(topic="tweets", partition=1, timestamp=(1, 60_500))
    >>> [(r.partition, len(r.messages), r.timestamps) for r in message_runs([m0, m0, m1, m0])]
    [(0, 2, [60000, 60000]), (1, 1, [60500]), (0, 1, [60000])]
    """
    if topic is None:
        groups = [list(run) for _, by_topic in groupby(messages, key=_topic)
                  for _, run in groupby(by_topic, key=_partition)]
    else:
        groups = [list(run) for _, run in groupby(messages, key=_partition)]
    return [MessageRun(run[0].topic() if topic is None else topic, run[0].partition(), run,
                       list(map(_second, map(_timestamp, run)))) for run in groups]
