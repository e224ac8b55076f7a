"""Inputs and outputs of a conformance run: the seeded event generator and the shrinker.

Events are few keys, values that are small numbers as text, and timestamps that mostly move forward
but also step back (out of order, late beyond grace), repeat (equal timestamps) and jump (to close
windows); tables get tombstones, streams null values and, now and then, null keys and headers. A
run ends with a record far in the future, so windows that are still open get closed. Before some
events the wall clock moves on: Kafka Streams throttles emit-final windows and outer-join results
by wall-clock time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple


class Event(NamedTuple):
    """One input record."""

    topic: str
    key: str | None
    value: str | None
    ts: int
    headers: tuple[tuple[str, str], ...] = ()
    wall_ms: int = 0
    """How far the wall clock moves on before this event."""

    def __str__(self) -> str:
        hdrs = "".join(f" [{k}={v}]" for k, v in self.headers)
        wall = f" (wall clock +{self.wall_ms} ms first)" if self.wall_ms else ""
        return f"{self.topic} {self.key}={self.value} @{self.ts}{hdrs}{wall}"


class Record(NamedTuple):
    """One output record."""

    topic: str
    key: Any
    value: Any
    ts: int
    headers: tuple[tuple[str, str | None], ...] = ()

    def __str__(self) -> str:
        hdrs = "".join(f" [{k}={v}]" for k, v in self.headers)
        return f"{self.topic} {self.key}={self.value} @{self.ts}{hdrs}"


Steps = list[list[Record]]
"""The records written after each event, one list per event."""


@dataclass(frozen=True)
class Topic:
    """An input topic of a case: whether it is read as a table (values may be tombstones) and its keys."""

    name: str
    table: bool = False
    keys: tuple[str, ...] = ("A", "B", "C", "D")
    null_values: bool = True
    null_keys: bool = True


@dataclass(frozen=True)
class Shape:
    """How a generated run looks."""

    length: tuple[int, int] = (12, 36)
    step_ms: int = 3_000
    late_ms: int = 9_000
    jump_ms: int = 40_000
    headers: bool = True
    flush: tuple[int, int] = (1, 400_000)
    """How the run ends: so many records, each so many ms after the last (far ahead by default)."""


def generate(topics: tuple[Topic, ...], seed: int, shape: Shape | None = None) -> list[Event]:
    """A reproducible run of events over ``topics`` for ``seed``."""
    shape = shape or Shape()
    rnd = random.Random(seed)
    events: list[Event] = []
    now = rnd.randrange(0, 2_000)
    for _ in range(rnd.randint(*shape.length)):
        roll = rnd.random()
        if roll < 0.15:
            ts = max(0, now - rnd.randrange(0, shape.late_ms))  # out of order, sometimes beyond grace
        elif roll < 0.27:
            ts = now  # the same timestamp again
        elif roll < 0.30:
            now += shape.jump_ms
            ts = now
        else:
            now += rnd.randrange(0, shape.step_ms)
            ts = now
        events.append(_event(rnd, rnd.choice(topics), ts, shape))
    count, step = shape.flush
    for _ in range(count):
        now += step
        flush_topic = rnd.choice(topics)
        events.append(Event(flush_topic.name, rnd.choice(flush_topic.keys), str(rnd.randrange(10)), now, (), 5_000))
    return events


def _event(rnd: random.Random, topic: Topic, ts: int, shape: Shape) -> Event:
    key: str | None = rnd.choice(topic.keys)
    if topic.null_keys and rnd.random() < 0.04:
        key = None
    value: str | None = str(rnd.randrange(10))
    if topic.null_values and rnd.random() < (0.15 if topic.table else 0.06):
        value = None
    headers: tuple[tuple[str, str], ...] = ()
    if shape.headers and rnd.random() < 0.15:
        headers = (("h", f"x{rnd.randrange(3)}"),)
    return Event(topic.name, key, value, ts, headers, rnd.choice(_WALL_STEPS))


_WALL_STEPS = (0, 0, 0, 300, 1_000, 2_500)


def shrink(events: list[Event], fails: Callable[[list[Event]], bool]) -> list[Event]:
    """A smallest sub-sequence of ``events`` that still ``fails`` (delta debugging: drop chunks, then
    single events, while the failure stays)."""
    current = list(events)
    chunk = max(1, len(current) // 2)
    while True:
        i, removed = 0, False
        while i < len(current):
            candidate = current[:i] + current[i + chunk:]
            if candidate and fails(candidate):
                current, removed = candidate, True
            else:
                i += chunk
        if chunk == 1 and not removed:
            return current
        chunk = max(1, chunk // 2)


def first_difference(expected: Steps, got: Steps) -> int | None:
    """The index of the first event after which the two runs wrote different records."""
    for i, (a, b) in enumerate(zip(expected, got, strict=True)):
        if a != b:
            return i
    return None
