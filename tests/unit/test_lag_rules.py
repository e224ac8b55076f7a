"""Consumer lag rules, as tables of commit windows and the verdict each must get.

First Burrow's own correctness table (``data/burrow_evaluator_cases.json``, converted from its
``core/internal/evaluator/caching_test.go``): every row states what each rule returns and the
status, and :func:`burrow_status` must agree on all of them. Then airmon's rows: where airmon goes
beyond Burrow (UNKNOWN, a minimum span, STOP on evidence) and the window settings.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from airstream.monitor.lag import (
    CommitPoint,
    CommitWindow,
    LagSettings,
    PartitionVerdict,
    burrow_status,
    evaluate_group,
    evaluate_partition,
    lag_always_nonzero,
    lag_not_decreasing,
    offsets_stalled,
    offsets_stopped,
    partition_status,
    recent_lag_zero,
    rewind_index,
)
from airstream.monitor.model import LagStatus as S

BURROW = json.loads((Path(__file__).parent / "data" / "burrow_evaluator_cases.json").read_text())["cases"]
BURROW_STATUS = {"StatusOK": S.OK, "StatusWarning": S.WARN, "StatusStop": S.STOP, "StatusStall": S.STALL,
                 "StatusRewind": S.REWIND}


def _points(case: dict[str, Any]) -> list[CommitPoint]:
    return [CommitPoint(o["offset"], o["timestamp"] / 1000, o["lag"]) for o in case["offsets"]]


@pytest.mark.parametrize("case", BURROW, ids=[f"burrow-{c['index']}" for c in BURROW])
def test_burrow_evaluator_table(case: dict[str, Any]) -> None:
    points = _points(case)
    rules = {
        "is_lag_always_not_zero": lag_always_nonzero(points, case["allowed_lag"]),
        "check_if_offsets_rewind": rewind_index(points),
        "check_if_offsets_stopped": offsets_stopped(points, case["time_now"]),
        "check_if_offsets_stalled": offsets_stalled(points),
        "check_if_lag_not_decreasing": lag_not_decreasing(points),
        "check_if_recent_lag_zero": recent_lag_zero(points, case["broker_offsets"]),
    }
    assert rules == {name: case[name] for name in rules}, case["description"]
    status = burrow_status(points, case["broker_offsets"], case["current_lag"], case["time_now"], case["allowed_lag"])
    assert status is BURROW_STATUS[case["status"]], case["description"]


class Case(NamedTuple):
    name: str
    commits: list[tuple[int, float, int | None]]  # (offset, commit time s, lag then)
    end_offsets: list[tuple[float, int]]  # (time s, log end offset), oldest first
    current_lag: int
    now: float
    status: S
    settings: LagSettings = LagSettings(window=5, min_distance=0)
    complete: float = 1.0


# a consumer committing every 30 s, keeping up: its lag at each commit goes up and down a little
EVERY_30S = [(1000 + 300 * i, 30.0 * i, 40 + 7 * (i % 3)) for i in range(10)]

CASES = [
    Case("a consumer committing every 30 s with a little lag is OK", EVERY_30S,
         [(30.0 * i + 5, 1040 + 300 * i) for i in range(10)], 40, 285, S.OK,
         LagSettings(window=10, min_distance=0)),
    Case("#237: a consumer committing after every record is judged on a minimum span, not STOP at once",
         [(100 + i, 10.0 + 0.001 * i, 2 + i % 2) for i in range(10)], [(10.0, 112)], 3, 12.0, S.OK,
         LagSettings(window=10, min_distance=0, min_span=60)),
    Case("#237: ... and STOP once it is silent for longer than the minimum span",
         [(100 + i, 10.0 + 0.001 * i, 2 + i % 2) for i in range(10)], [(10.0, 112)], 3, 80.0, S.STOP,
         LagSettings(window=10, min_distance=0, min_span=60)),
    Case("#303: a stop on a quiet topic shows once the log end was past the last commit for stop_after",
         [(500, 0, 0), (510, 3600, 0), (520, 7200, 0)], [(7300, 521), (7700, 525)], 5, 7700, S.STOP,
         LagSettings(window=3, min_distance=0, stop_after=300)),
    Case("#303: ... but not while the new record is younger than stop_after",
         [(500, 0, 0), (510, 3600, 0), (520, 7200, 0)], [(7300, 520), (7650, 521)], 1, 7700, S.OK,
         LagSettings(window=3, min_distance=0, stop_after=300)),
    Case("a consumer that commits only when it consumes, on a topic quiet for hours, is OK",
         [(500, 0, 0), (510, 3600, 0), (520, 7200, 0)], [(7300, 520), (30_000, 520)], 0, 30_000, S.OK,
         LagSettings(window=3, min_distance=0)),
    Case("a group seen once: its only commit is old and the log moved on long ago: STOP",
         [(900, 1000, None)], [(1500, 950), (4000, 990)], 90, 4000, S.STOP,
         LagSettings(window=10, min_distance=0, stop_after=300), complete=0.1),
    Case("a group seen once with a recent commit and no long-standing lag: UNKNOWN, not OK",
         [(900, 3900, None)], [(3950, 990)], 90, 4000, S.UNKNOWN,
         LagSettings(window=10, min_distance=0, stop_after=300), complete=0.1),
    Case("no commits at all: UNKNOWN", [], [(10, 50)], 50, 20, S.UNKNOWN),
    Case("stop_after grows with the consumer's own commit interval: 10-minute commits are not STOP at 6 min",
         [(100 * i, 600.0 * i, (50, 40, 55, 45, 50)[i]) for i in range(5)], [(2420, 470), (2450, 480)], 80, 2780,
         S.OK),
    Case("REWIND (1.3.7): a reset to earliest of a caught-up consumer that has not caught back up",
         [(5000, 10, 0), (5000, 20, 0), (0, 30, 5000), (100, 40, 4900)], [(40, 5000)], 4900, 45, S.REWIND),
    Case("REWIND (1.3.7): a rewind that caught up again is judged by the other rules",
         [(5000, 10, 10), (4000, 20, 1010), (5100, 30, 20), (5200, 40, 15)], [(40, 5215)], 15, 45, S.OK),
    Case("REWIND on evidence: a reset right after a few commits is REWIND before the window fills",
         [(2000, 10, 0), (0, 12, 2000)], [(12, 2000)], 2000, 15, S.REWIND,
         LagSettings(window=10, min_distance=0), complete=0.2),
    Case("WARN: offsets advance but the lag only grows, beyond 5 s of input at every commit",
         [(100, 10, 30), (110, 20, 40), (120, 30, 50), (130, 40, 60)], [(40, 190)], 60, 45, S.WARN),
    Case("a lag at commit that never fell but stays within 5 s of input is what the consumer holds: OK (#223)",
         [(600 * i, 30.0 * i, lag) for i, lag in enumerate([1, 2, 2, 3, 3])], [(120, 2403)], 3, 125, S.OK,
         LagSettings(window=5, min_distance=0)),
    Case("a constant lag far beyond 5 s of input is not caught up: Burrow's WARN stands",
         [(600 * i, 30.0 * i, 5000) for i in range(5)], [(120, 7400)], 5000, 125, S.WARN,
         LagSettings(window=5, min_distance=0)),
    Case("offsets that move with the lag at their commits unknown (not looked up) are no trend: UNKNOWN",
         [(100 * i, 30.0 * i, None if i < 4 else 40) for i in range(5)], [(120, 540)], 40, 125, S.UNKNOWN,
         LagSettings(window=5, min_distance=0)),
    Case("falling behind since a commit within 5 s of input: OK until that commit leaves the window",
         [(300 * i, 30.0 * i, lag) for i, lag in enumerate([90, 400, 700, 1000, 1300])], [(120, 2500)], 1300, 125,
         S.OK, LagSettings(window=5, min_distance=0)),
    Case("lag within allowed_lag counts as caught up",
         [(100, 10, 3), (100, 20, 4), (100, 30, 5)], [(30, 105)], 5, 32, S.OK,
         LagSettings(window=3, min_distance=0, allowed_lag=5)),
    Case("allowed_lag does not hide a real stall",
         [(100, 10, 30), (100, 20, 40), (100, 30, 50)], [(30, 150)], 50, 32, S.STALL,
         LagSettings(window=3, min_distance=0, allowed_lag=5)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_airmon_rules_table(case: Case) -> None:
    points = [CommitPoint(o, t, lag) for o, t, lag in case.commits]
    assert partition_status(points, case.end_offsets, case.current_lag, case.now, case.settings,
                            case.complete) is case.status


def _window(commits: list[tuple[int, float, int | None]], **settings: float) -> CommitWindow:
    window = CommitWindow(LagSettings(**settings))  # type: ignore[arg-type]
    for offset, ts, lag in commits:
        window.add(offset, ts, lag)
    return window


@pytest.mark.parametrize(("commits", "settings", "complete", "status"), [
    # a stalled history, but only 3 of 10 commits: not enough to judge below minimum_complete 0.5
    ([(100, 10, 30), (100, 20, 40), (100, 30, 50)], {"window": 10, "minimum_complete": 0.5, "min_distance": 0}, 0.3,
     S.UNKNOWN),
    ([(100, 10, 30), (100, 20, 40), (100, 30, 50)], {"window": 6, "minimum_complete": 0.5, "min_distance": 0}, 0.5,
     S.STALL),
    # the window keeps only the last 3: the rewind at the start has scrolled out
    ([(200, 5, 10), (100, 10, 30), (110, 20, 40), (120, 30, 50)], {"window": 3, "min_distance": 0}, 1.0, S.WARN),
    ([(200, 5, 10), (100, 10, 30), (110, 20, 40), (120, 30, 50)], {"window": 4, "min_distance": 0}, 1.0,
     S.REWIND),
], ids=["incomplete-window-is-unknown", "complete-enough-stall", "window-forgets-old-rewind", "rewind-in-window"])
def test_window_settings(commits: list[tuple[int, float, int | None]], settings: dict[str, float], complete: float,
                         status: S) -> None:
    window = _window(commits, **settings)
    verdict = evaluate_partition(window, current_lag=commits[-1][2] or 0, now=commits[-1][1] + 1,
                                 end_offsets=[(commits[-1][1], 10_000)])
    assert verdict.complete == pytest.approx(complete)
    assert verdict.status is status


def test_commits_closer_than_min_distance_replace_the_previous_and_keep_its_time() -> None:
    window = _window([(100, 10.0, 5), (105, 10.4, 3), (108, 10.8, 1), (120, 12.0, 0)], min_distance=1.0, window=10)
    assert window.points == (CommitPoint(108, 10.0, 1), CommitPoint(120, 12.0, 0))


def test_a_rewind_is_never_merged_into_the_commit_before_it() -> None:
    window = _window([(100, 10.0, 5), (180, 10.3, 3), (0, 10.6, 190), (2, 10.9, 190)], min_distance=1.0, window=10)
    assert window.points == (CommitPoint(180, 10.0, 3), CommitPoint(2, 10.6, 190))


def test_empty_window_is_unknown_and_incomplete() -> None:
    verdict = evaluate_partition(CommitWindow(LagSettings()), current_lag=50, now=100)
    assert verdict == PartitionVerdict(S.UNKNOWN, 0.0, 50)


@pytest.mark.parametrize(("statuses", "completes", "group_status", "group_complete"), [
    ([S.OK, S.OK], [1.0, 1.0], S.OK, 1.0),
    ([S.OK, S.WARN], [1.0, 0.5], S.WARN, 0.5),
    ([S.OK, S.UNKNOWN], [1.0, 0.2], S.UNKNOWN, 0.5),
    ([S.UNKNOWN, S.WARN], [1.0, 1.0], S.WARN, 1.0),
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


@pytest.mark.parametrize("bad", [{"window": 0}, {"min_distance": -1}, {"minimum_complete": 1.5}, {"allowed_lag": -2},
                                 {"stop_after": 0}, {"stop_after": float("inf")}, {"min_span": float("nan")}])
def test_bad_settings_are_refused_with_the_name(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        LagSettings(**bad)  # type: ignore[arg-type]


def test_a_consumer_stopped_before_we_looked_is_unknown_until_the_log_has_been_ahead_for_stop_after() -> None:
    window = CommitWindow(LagSettings(window=4, stop_after=60))
    window.add(500, 100.0, 40)  # one commit seen, never another
    assert evaluate_partition(window, current_lag=40, now=130.0, end_offsets=[(100.0, 540), (130.0, 540)]).status \
        is S.UNKNOWN
    verdict = evaluate_partition(window, current_lag=40, now=161.0, end_offsets=[(100.0, 540), (161.0, 540)])
    assert (verdict.complete, verdict.status) == (0.25, S.STOP)


@pytest.mark.parametrize(("owned", "status"), [(True, S.STALL), (False, S.STOP), (None, S.STOP)])
def test_a_consumer_that_stopped_committing_is_stall_while_a_member_owns_the_partition(owned: bool | None,
                                                                                      status: S) -> None:
    points = [CommitPoint(100 + i, 30.0 * i, 5 + i % 2) for i in range(5)]
    settings = LagSettings(window=5, min_distance=0, stop_after=300)
    assert partition_status(points, [(150.0, 200)], 80, 900.0, settings, owned=owned) is status


def _judged_at_each_commit(rate: float, consume_rate: float, noise: int, commits: int, seed: int) -> list[S]:
    """A consumer committing every 30 s while ``rate`` records a second arrive and it reads
    ``consume_rate`` of them, holding 0..``noise`` unread records at each commit (what arrived since
    its last fetch): its status after each commit, from a window of 10 as airmon keeps it."""
    rng = random.Random(seed)
    window = CommitWindow(LagSettings(window=10, min_distance=0))
    statuses, end, offset = [], 0.0, 0.0
    for i in range(commits):
        end += 30 * rate
        offset += 30 * consume_rate
        committed = min(int(offset), int(end)) - rng.randint(0, noise)
        lag = int(end) - committed
        window.add(committed, 30.0 * i, lag)
        statuses.append(evaluate_partition(window, lag, 30.0 * i + 1, [(30.0 * i + 1, int(end))]).status)
    return statuses


def test_consumers_keeping_up_are_never_warn_whatever_their_lag_at_commit_does() -> None:
    # 200 consumers for an hour each, 0-3 records behind at each commit at 20 records/s (measured on
    # a real one): under Burrow's rule alone some windows rise by chance and read WARN.
    statuses = [s for seed in range(200) for s in _judged_at_each_commit(20.0, 20.0, 3, 120, seed)]
    assert set(statuses) <= {S.UNKNOWN, S.OK}


def test_a_consumer_ten_percent_slower_than_its_input_is_warn_once_its_lag_passes_5s_of_input() -> None:
    # 40 records/s in, 36 out: 120 more records behind at every 30 s commit, plus 0-20 of noise. Its
    # lag passes 5 s of input (200) at the second commit; judged from the fifth (half the window), OK
    # while the first is in the window, WARN from the eleventh on, when it has left.
    for seed in range(20):
        statuses = _judged_at_each_commit(40.0, 36.0, 20, 30, seed)
        assert statuses == [S.UNKNOWN] * 4 + [S.OK] * 6 + [S.WARN] * 20, (seed, statuses)
