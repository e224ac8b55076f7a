"""The records engines move: what a task reads (:class:`InputRecord`) and what it hands back to
produce (:class:`OutputRecord`). Operators see an input record as the *source* of what they
process: where it came from, for dead letters, sinks and commits.

>>> rec = InputRecord("tweets", 0, 41, 1_000, b"k", b"v")
>>> rec.topic, rec.offset, rec.headers
('tweets', 41, ())
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = ["InputRecord", "OutputRecord", "from_messages"]

_new = tuple.__new__


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


def from_messages(messages: Iterable[Any]) -> list[InputRecord]:
    """The records of a batch of confluent-kafka messages, leaving out the ones that carry an error.

    Built with ``tuple.__new__``: the named tuple's own constructor costs a second call per record.
    """
    return [_new(InputRecord, (m.topic(), m.partition(), m.offset(), m.timestamp()[1], m.key(), m.value(),
                               m.headers())) for m in messages if m.error() is None]
