"""Burrow's consumer lag rules, as a table of commit windows and the verdict each must get.

Cases 0-11 are Burrow's own correctness table (core/internal/evaluator/caching_test.go), with its
millisecond commit timestamps written here in seconds. Each row also states what every single rule
returns, so a wrong verdict points at the rule that broke. The rows after them are airmon's additions:
allowed lag, gaps of unknown lag, and the window settings.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from airstream.monitor.lag import (
    CommitPoint,
    CommitWindow,
    LagSettings,
    PartitionVerdict,
    evaluate_group,
    evaluate_partition,
    lag_always_nonzero,
    lag_not_decreasing,
    offsets_rewind,
    offsets_stalled,
    offsets_stopped,
    partition_status,
    recent_lag_zero,
)
from airstream.monitor.model import LagStatus as S


class Case(NamedTuple):
    name: str
    commits: list[tuple[int, float, int | None]]  # (offset, timestamp s, lag)
    broker_offsets: list[int]
    current_lag: int
    now: float
    always_nonzero: bool
    rewind: bool
    stopped: bool
    stalled: bool
    not_decreasing: bool
    recent_zero: bool
    status: S
    allowed_lag: int = 0


_BURROW_9 = [(792748079 + i, 1512224618.356 + i * 1.002, 0) for i in range(15)]

CASES = [
    Case("burrow-0 zero lag somewhere in the window is OK",
         [(1000, 100, 0), (2000, 200, 50), (3000, 300, 100), (4000, 400, 150), (5000, 500, 200)],
         [5200], 200, 600, False, False, False, False, True, False, S.OK),
    Case("burrow-1 not stopped: time since last commit equals the window span",
         [(1000, 100, 0), (2000, 200, 50), (3000, 300, 100), (4000, 400, 150), (5000, 500, 200)],
         [5200], 200, 900, False, False, False, False, True, False, S.OK),
    Case("burrow-2 STOP once the last commit is older than the window span, despite zero lag at the start",
         [(1000, 100, 0), (2000, 200, 50), (3000, 300, 100), (4000, 400, 150), (5000, 500, 200)],
         [5200], 200, 1000, False, False, True, False, True, False, S.STOP),
    Case("burrow-3 STOP with lag always non-zero",
         [(1000, 100, 50), (2000, 200, 100), (3000, 300, 150), (4000, 400, 200), (5000, 500, 250)],
         [5250], 250, 1000, True, False, True, False, True, False, S.STOP),
    Case("burrow-4 same offset but zero lag in the window is still OK",
         [(1000, 100, 0), (1000, 200, 50), (1000, 300, 100), (1000, 400, 150), (1000, 500, 200)],
         [1200], 200, 600, False, False, False, True, True, False, S.OK),
    Case("burrow-5 STALL: same offset committed while lag is never zero",
         [(1000, 100, 100), (1000, 200, 150), (1000, 300, 200), (1000, 400, 250), (1000, 500, 300)],
         [1300], 300, 600, True, False, False, True, True, False, S.STALL),
    Case("burrow-6 STALL even when the lag stays the same",
         [(1000, 100, 100), (1000, 200, 100), (1000, 300, 100), (1000, 400, 100), (1000, 500, 100)],
         [1100], 100, 600, True, False, False, True, True, False, S.STALL),
    Case("burrow-7 REWIND beats a decreasing lag",
         [(1000, 100, 100), (2000, 200, 150), (3000, 300, 200), (2000, 400, 1250), (4000, 500, 300)],
         [4300], 300, 600, True, True, False, False, False, False, S.REWIND),
    Case("burrow-8 OK when the current lag is zero, though the timestamps say stopped",
         [(1000, 100, 50), (2000, 200, 100), (3000, 300, 150), (4000, 400, 200), (5000, 500, 250)],
         [5250], 0, 1000, True, False, True, False, True, False, S.OK),
    Case("burrow-9 STOP: zero lag in every commit, but commits stopped while new data arrived",
         _BURROW_9, [792749024, 792749000, 792748800, 792748600, 792748500], 931, 1512224650,
         False, False, True, False, True, False, S.STOP),
    Case("burrow-10 OK: would be STOP, but a recent log end offset shows the consumer was caught up",
         _BURROW_9, [792748094, 792748093, 792748093, 792748093], 1, 1512224650,
         False, False, True, False, True, True, S.OK),
    Case("burrow-11 unknown lags between commits do not change burrow-0",
         [(1000, 100, 0), (1500, 150, None), (2000, 200, 50), (2500, 250, None), (3000, 300, 100),
          (3500, 350, None), (4000, 400, 150), (4500, 450, None), (5000, 500, 200), (5500, 550, None)],
         [5700], 200, 600, False, False, False, False, True, False, S.OK),
    # airmon's own rows
    Case("WARN: offsets advance but the lag only grows",
         [(100, 10, 10), (110, 20, 20), (120, 30, 30), (130, 40, 40)],
         [170], 40, 45, True, False, False, False, True, False, S.WARN),
    Case("OK: offsets advance and the lag went down at least once",
         [(100, 10, 10), (110, 20, 25), (130, 30, 15), (140, 40, 30)],
         [170], 30, 45, True, False, False, False, False, False, S.OK),
    Case("lag within allowed_lag counts as caught up",
         [(100, 10, 3), (100, 20, 4), (100, 30, 5)], [105], 5, 32,
         False, False, False, True, True, True, S.OK, 5),
    Case("allowed_lag does not hide a real stall",
         [(100, 10, 30), (100, 20, 40), (100, 30, 50)], [150], 50, 32,
         True, False, False, True, True, False, S.STALL, 5),
    Case("STOP beats STALL when the stalled consumer also stopped committing",
         [(100, 10, 30), (100, 20, 40), (100, 30, 50)], [150], 50, 100,
         True, False, True, True, True, False, S.STOP),
    Case("a single commit with lag and recent activity is a STALL",
         [(100, 10, 30)], [130], 30, 10, True, False, False, True, True, False, S.STALL),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_burrow_rules_table(case: Case) -> None:
    points = [CommitPoint(o, t, lag) for o, t, lag in case.commits]
    rules = {
        "always_nonzero": lag_always_nonzero(points, case.allowed_lag),
        "rewind": offsets_rewind(points),
        "stopped": offsets_stopped(points, case.now),
        "stalled": offsets_stalled(points),
        "not_decreasing": lag_not_decreasing(points),
        "recent_zero": recent_lag_zero(points, case.broker_offsets, case.allowed_lag),
    }
    assert rules == {"always_nonzero": case.always_nonzero, "rewind": case.rewind, "stopped": case.stopped,
                     "stalled": case.stalled, "not_decreasing": case.not_decreasing,
                     "recent_zero": case.recent_zero}
    status = partition_status(points, case.broker_offsets, case.current_lag, case.now, case.allowed_lag)
    assert status is case.status


def _window(commits: list[tuple[int, float, int | None]], **settings: float) -> CommitWindow:
    window = CommitWindow(LagSettings(**settings))  # type: ignore[arg-type]
    for offset, ts, lag in commits:
        window.add(offset, ts, lag)
    return window


@pytest.mark.parametrize(("commits", "settings", "complete", "status"), [
    # a stalled history, but only 3 of 10 commits: not enough to judge below minimum_complete 0.5
    ([(100, 10, 30), (100, 20, 40), (100, 30, 50)], {"window": 10, "minimum_complete": 0.5, "min_distance": 0}, 0.3,
     S.OK),
    ([(100, 10, 30), (100, 20, 40), (100, 30, 50)], {"window": 6, "minimum_complete": 0.5, "min_distance": 0}, 0.5,
     S.STALL),
    # the window keeps only the last 3: the rewind at the start has scrolled out
    ([(200, 5, 10), (100, 10, 30), (110, 20, 40), (120, 30, 50)], {"window": 3, "min_distance": 0}, 1.0, S.WARN),
    ([(200, 5, 10), (100, 10, 30), (110, 20, 40), (120, 30, 50)], {"window": 4, "min_distance": 0}, 1.0,
     S.REWIND),
], ids=["incomplete-window-is-ok", "complete-enough-stall", "window-forgets-old-rewind", "rewind-in-window"])
def test_window_settings(commits: list[tuple[int, float, int | None]], settings: dict[str, float], complete: float,
                         status: S) -> None:
    window = _window(commits, **settings)
    verdict = evaluate_partition(window, current_lag=commits[-1][2] or 0, now=commits[-1][1] + 1,
                                 broker_offsets=[10_000])
    assert verdict.complete == pytest.approx(complete)
    assert verdict.status is status


def test_commits_closer_than_min_distance_replace_the_previous_and_keep_its_time() -> None:
    window = _window([(100, 10.0, 5), (105, 10.4, 3), (108, 10.8, 1), (120, 12.0, 0)], min_distance=1.0, window=10)
    assert window.points == (CommitPoint(108, 10.0, 1), CommitPoint(120, 12.0, 0))


def test_empty_window_is_ok_and_incomplete() -> None:
    verdict = evaluate_partition(CommitWindow(LagSettings()), current_lag=50, now=100)
    assert verdict == PartitionVerdict(S.OK, 0.0, 50)


@pytest.mark.parametrize(("statuses", "completes", "group_status", "group_complete"), [
    ([S.OK, S.OK], [1.0, 1.0], S.OK, 1.0),
    ([S.OK, S.WARN], [1.0, 0.5], S.WARN, 0.5),
    ([S.WARN, S.STOP, S.OK], [1.0, 1.0, 1.0], S.ERR, 1.0),
    ([S.STALL], [1.0], S.ERR, 1.0),
    ([S.REWIND, S.WARN], [0.2, 0.2], S.ERR, 0.0),
    ([], [], S.OK, 0.0),
])
def test_group_status_is_the_worst_partition_with_errors_as_err(statuses: list[S], completes: list[float],
                                                                group_status: S, group_complete: float) -> None:
    verdicts = [PartitionVerdict(s, c, 10) for s, c in zip(statuses, completes, strict=True)]
    result = evaluate_group(verdicts)
    assert (result.status, result.complete, result.total_lag) == (group_status, group_complete, 10 * len(statuses))


@pytest.mark.parametrize("bad", [{"window": 0}, {"min_distance": -1}, {"minimum_complete": 1.5}, {"allowed_lag": -2}])
def test_bad_settings_are_refused_with_the_name(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        LagSettings(**bad)  # type: ignore[arg-type]


def test_observations_fill_the_window_of_a_consumer_stopped_before_we_looked() -> None:
    window = CommitWindow(LagSettings(window=4, minimum_complete=1.0, min_distance=0))
    window.add(500, 100.0, 40)
    for _ in range(3):
        window.observe()
    assert evaluate_partition(window, current_lag=40, now=130.0, broker_offsets=[540]).status is S.OK
    window.observe()
    verdict = evaluate_partition(window, current_lag=40, now=140.0, broker_offsets=[540])
    assert (verdict.complete, verdict.status) == (1.0, S.STOP)
