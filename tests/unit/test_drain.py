"""Time to drain, as a table: commit windows of a group's partitions and what an on-call engineer
should read (caught up, drains in N, never)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from airstream.monitor.drain import Drain, PartitionDrain, estimate_drain, window_rates
from airstream.monitor.model import CommitPoint
from airstream.monitor.model import LagStatus as S


def commits(start: int, step: int, every: float, lags: list[int]) -> list[CommitPoint]:
    return [CommitPoint(start + step * i, every * i, lag) for i, lag in enumerate(lags)]


class Case(NamedTuple):
    name: str
    partitions: list[PartitionDrain]
    expected: Drain
    allowed_lag: int = 0


CASES = [
    Case("keeps up committing every 30 s: caught up, though the lag is 240 between commits",
         [PartitionDrain(240, commits(0, 300, 30, [3, 0, 7, 2, 4, 1, 0, 5, 6, 2]), S.OK)],
         Drain(0.0, True, 10.0, pytest.approx(10.0, abs=0.01))),
    Case("no lag anywhere: caught up before any rate is known",
         [PartitionDrain(0, [], None), PartitionDrain(0, [CommitPoint(5, 0.0, 0)], S.OK)],
         Drain(0.0, True, None, None)),
    Case("a backlog worked down at 10/s more than the input: drains in lag / 10",
         [PartitionDrain(8000, commits(1000, 200, 10, [9000 - 100 * i for i in range(10)]), S.OK)],
         Drain(800.0, False, 20.0, 10.0)),
    Case("two partitions add up: 5/s net on each, lag 1000 in all",
         [PartitionDrain(500, commits(0, 100, 10, [900, 850, 800]), S.OK),
          PartitionDrain(500, commits(0, 100, 10, [900, 850, 800]), S.OK)],
         Drain(100.0, False, 20.0, 10.0)),
    Case("falling behind: never",
         [PartitionDrain(5000, commits(0, 100, 10, [1000, 1100, 1200, 1300]), S.WARN)], Drain(None, False, 10.0, 20.0)),
    Case("a steady backlog (as fast as the input, within 2 %): not draining rather than days",
         [PartitionDrain(3000, commits(0, 100, 10, [3000, 2999, 3001, 3000]), S.OK)],
         Drain(None, False, 10.0, pytest.approx(10.0))),
    Case("a stopped consumer that was caught up at its last commit is not caught up, and does not drain",
         [PartitionDrain(700, commits(0, 100, 10, [0, 0, 0]), S.STOP)], Drain(None, False, 10.0, 10.0)),
    Case("one stalled partition holds the group back even if the other drains",
         [PartitionDrain(100, commits(0, 300, 10, [400, 300, 200, 100]), S.OK),
          PartitionDrain(50_000, commits(0, 0, 10, [1000, 1100, 1200, 1300]), S.STALL)],
         Drain(None, False, 30.0, 30.0)),
    Case("one commit with lag: rates unknown, no estimate",
         [PartitionDrain(400, [CommitPoint(100, 0.0, 50)], S.UNKNOWN)], Drain(None, False, None, None)),
    Case("lag within allowed_lag is caught up",
         [PartitionDrain(4, commits(0, 10, 10, [4, 4, 4]), S.OK)], Drain(0.0, True, 1.0, 1.0), allowed_lag=5),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_drain_table(case: Case) -> None:
    assert estimate_drain(case.partitions, case.allowed_lag) == case.expected


@pytest.mark.parametrize(("points", "rates"), [
    ([CommitPoint(0, 0.0, 0), CommitPoint(300, 30.0, 30)], (10.0, 11.0)),
    ([CommitPoint(0, 0.0, None), CommitPoint(100, 10.0, 5), CommitPoint(300, 30.0, 5)], (10.0, 10.0)),
    ([CommitPoint(500, 0.0, 0), CommitPoint(0, 10.0, 500)], None),   # a rewind: no rate to speak of
    ([CommitPoint(5, 3.0, 1), CommitPoint(9, 3.0, 1)], None),        # no time between
])
def test_window_rates(points: list[CommitPoint], rates: tuple[float, float] | None) -> None:
    assert window_rates(points) == rates
