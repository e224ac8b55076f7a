"""Window specs: Kafka Streams' window assignment, validation and descriptions."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from airstream.topology.windows import (
    JoinWindows,
    SessionWindows,
    SlidingWindows,
    TimeWindows,
    Window,
    Windowed,
    to_millis,
)

MINUTE = 60_000


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (0, [(0, MINUTE)]),
        (1, [(0, MINUTE)]),
        (MINUTE - 1, [(0, MINUTE)]),
        (MINUTE, [(MINUTE, 2 * MINUTE)]),  # end is exclusive: the boundary opens the next window
        (MINUTE + 1, [(MINUTE, 2 * MINUTE)]),
        (1_700_000_000_123, [(1_699_999_980_000, 1_700_000_040_000)]),
    ],
)
def test_tumbling_windows_put_each_timestamp_in_exactly_one_window(
    timestamp: int, expected: list[tuple[int, int]]
) -> None:
    windows = TimeWindows.of_size_with_no_grace(MINUTE)
    assert windows.windows_for(timestamp) == [Window(s, e) for s, e in expected]


@pytest.mark.parametrize(
    ("size", "advance", "timestamp", "expected"),
    [
        # Kafka's TimeWindowsTest.shouldComputeWindowsForHoppingWindows
        (12, 5, 21, [(10, 22), (15, 27), (20, 32)]),
        # Kafka's TimeWindowsTest.shouldComputeWindowsForBarelyOverlappingHoppingWindows
        (6, 5, 7, [(5, 11)]),
        # Kafka's TimeWindowsTest.shouldComputeWindowsForTumblingWindows (advance == size)
        (12, 12, 21, [(12, 24)]),
        # Near epoch 0 there are no windows with negative starts.
        (10, 5, 0, [(0, 10)]),
        (10, 5, 4, [(0, 10)]),
        (10, 5, 5, [(0, 10), (5, 15)]),
        (10, 5, 9, [(0, 10), (5, 15)]),
        (10, 5, 10, [(5, 15), (10, 20)]),
        (10, 3, 10, [(3, 13), (6, 16), (9, 19)]),
        (10, 1, 2, [(0, 10), (1, 11), (2, 12)]),
    ],
)
def test_hopping_windows_put_a_timestamp_in_every_window_that_covers_it(
    size: int, advance: int, timestamp: int, expected: list[tuple[int, int]]
) -> None:
    windows = TimeWindows.of_size_with_no_grace(size).advance_by(advance)
    assigned = windows.windows_for(timestamp)
    assert assigned == [Window(s, e) for s, e in expected]
    assert all(w.start <= timestamp < w.end for w in assigned)


def test_hopping_windows_match_a_brute_force_scan() -> None:
    windows = TimeWindows.of_size_with_no_grace(7).advance_by(3)
    for timestamp in range(60):
        covering = [Window(s, s + 7) for s in range(0, timestamp + 1, 3) if s <= timestamp < s + 7]
        assert windows.windows_for(timestamp) == covering


def test_negative_timestamps_fall_in_no_window() -> None:
    assert TimeWindows.of_size_with_no_grace(10).windows_for(-1) == []


def test_timedelta_and_millisecond_inputs_build_the_same_spec() -> None:
    by_delta = TimeWindows.of_size_and_grace(timedelta(minutes=5), timedelta(seconds=30)).advance_by(
        timedelta(minutes=1)
    )
    by_ms = TimeWindows.of_size_and_grace(300_000, 30_000).advance_by(60_000)
    assert by_delta == by_ms
    assert (by_ms.size_ms, by_ms.advance_ms, by_ms.grace_ms) == (300_000, 60_000, 30_000)


def test_no_grace_means_zero_grace_and_tumbling_means_advance_equals_size() -> None:
    windows = TimeWindows.of_size_with_no_grace(timedelta(seconds=10))
    assert (windows.size_ms, windows.advance_ms, windows.grace_ms) == (10_000, 10_000, 0)
    assert SlidingWindows.of_time_difference_with_no_grace(5).grace_ms == 0
    assert SessionWindows.of_inactivity_gap_with_no_grace(5).grace_ms == 0
    assert JoinWindows.of_time_difference_with_no_grace(5).grace_ms == 0


def test_specs_are_immutable_values() -> None:
    windows = TimeWindows.of_size_with_no_grace(10)
    hopping = windows.advance_by(5)
    assert windows.advance_ms == 10  # advance_by returned a new spec
    assert hopping != windows
    with pytest.raises(dataclasses.FrozenInstanceError):
        windows.size_ms = 20  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TimeWindows.of_size_with_no_grace(0), "TimeWindows size must be larger than zero, got 0 ms"),
        (lambda: TimeWindows.of_size_with_no_grace(-1), "TimeWindows size must be larger than zero"),
        (lambda: TimeWindows.of_size_and_grace(10, -1), "TimeWindows grace must not be negative.*use 0"),
        (lambda: TimeWindows.of_size_with_no_grace(10).advance_by(0), "advance must be larger than zero"),
        (lambda: TimeWindows.of_size_with_no_grace(10).advance_by(-5), "advance must be larger than zero"),
        (lambda: TimeWindows.of_size_with_no_grace(10).advance_by(11), r"at most the window size \(10 ms\)"),
        (lambda: SlidingWindows.of_time_difference_with_no_grace(-1), "SlidingWindows time difference must not"),
        (lambda: SlidingWindows.of_time_difference_and_grace(10, -1), "SlidingWindows grace must not be negative"),
        (lambda: SessionWindows.of_inactivity_gap_with_no_grace(0), "inactivity gap must be larger than zero"),
        (lambda: SessionWindows.of_inactivity_gap_and_grace(10, -1), "SessionWindows grace must not be negative"),
        (lambda: JoinWindows.of_time_difference_with_no_grace(-1), "JoinWindows time difference must not"),
        (lambda: JoinWindows.of_time_difference_and_grace(10, -1), "JoinWindows grace must not be negative"),
        (lambda: JoinWindows.of_time_difference_with_no_grace(10).before(-11), "before \\+ after must not"),
        (lambda: Window(-1, 10), "start must not be negative"),
        (lambda: Window(10, 5), "must not be before its start"),
    ],
)
def test_invalid_durations_are_rejected_with_a_message_naming_them(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("bad", [1.5, "60s", None, True])
def test_durations_must_be_int_milliseconds_or_timedelta(bad: object) -> None:
    with pytest.raises(TypeError,
                       match=r"TimeWindows size must be an int number of milliseconds or a datetime\.timedelta"):
        TimeWindows.of_size_with_no_grace(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("duration", "ms"),
    [
        (0, 0),
        (250, 250),
        (timedelta(seconds=1), 1000),
        (timedelta(minutes=1, milliseconds=5), 60_005),
        (timedelta(microseconds=1999), 1),  # truncated to whole ms, like Java's Duration.toMillis
        (timedelta(days=1), 86_400_000),
    ],
)
def test_to_millis(duration: int | timedelta, ms: int) -> None:
    assert to_millis(duration) == ms


def test_constructing_a_spec_directly_also_accepts_timedeltas() -> None:
    windows = SessionWindows(gap_ms=timedelta(minutes=1), grace_ms=timedelta(seconds=1))  # type: ignore[arg-type]
    assert (windows.gap_ms, windows.grace_ms) == (60_000, 1_000)


def test_join_windows_before_and_after_make_the_window_asymmetric() -> None:
    symmetric = JoinWindows.of_time_difference_and_grace(timedelta(seconds=10), timedelta(seconds=2))
    assert (symmetric.before_ms, symmetric.after_ms, symmetric.grace_ms) == (10_000, 10_000, 2_000)
    only_after = symmetric.before(0)
    assert (only_after.before_ms, only_after.after_ms) == (0, 10_000)
    shifted = symmetric.after(timedelta(seconds=20)).before(-5_000)  # Kafka allows one negative side
    assert (shifted.before_ms, shifted.after_ms) == (-5_000, 20_000)


def test_sliding_windows_allow_a_zero_time_difference_as_kafka_does() -> None:
    windows = SlidingWindows.of_time_difference_and_grace(0, timedelta(seconds=1))
    assert (windows.time_difference_ms, windows.grace_ms) == (0, 1_000)


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (TimeWindows.of_size_with_no_grace(60_000), "TimeWindows(size=60000ms, advance=60000ms, grace=0ms)"),
        (
            TimeWindows.of_size_and_grace(10_000, 1_000).advance_by(5_000),
            "TimeWindows(size=10000ms, advance=5000ms, grace=1000ms)",
        ),
        (SlidingWindows.of_time_difference_and_grace(5_000, 0), "SlidingWindows(time_difference=5000ms, grace=0ms)"),
        (SessionWindows.of_inactivity_gap_and_grace(300_000, 1), "SessionWindows(gap=300000ms, grace=1ms)"),
        (
            JoinWindows.of_time_difference_with_no_grace(10).after(0),
            "JoinWindows(before=10ms, after=0ms, grace=0ms)",
        ),
    ],
)
def test_specs_describe_themselves_in_one_line(spec, text: str) -> None:
    assert spec.describe() == text
    assert repr(spec) == text


def test_windowed_keys_compare_hash_and_print_like_kafka_streams() -> None:
    a = Windowed("Delta", Window(0, MINUTE))
    assert a == Windowed("Delta", Window(0, MINUTE))
    assert a != Windowed("Delta", Window(MINUTE, 2 * MINUTE))
    assert len({a, Windowed("Delta", Window(0, MINUTE))}) == 1  # usable as a dict/store key
    assert (a.key, a.window.start, a.window.end) == ("Delta", 0, MINUTE)
    assert str(a) == "[Delta@0/60000]"


def test_windows_sort_by_start_then_end() -> None:
    unsorted = [Window(5, 10), Window(0, 10), Window(0, 5)]
    assert sorted(unsorted) == [Window(0, 5), Window(0, 10), Window(5, 10)]


def test_a_session_window_may_be_a_single_instant() -> None:
    # One record makes a session [t, t]: end is inclusive for sessions.
    assert Window(42, 42).end == 42
