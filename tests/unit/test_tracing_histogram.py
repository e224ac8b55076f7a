"""The latency histogram: bin bounds, percentile accuracy, and merging deltas without losing the p99."""

from __future__ import annotations

import math
import random

import pytest

from airstream.common.traces.histogram import LatencyHistogram, bin_bounds, bin_of


@pytest.mark.parametrize(("value", "low", "high"), [
    (0, 0, 1), (1, 1, 2), (15, 15, 16), (16, 16, 18), (17, 16, 18), (31, 30, 32), (32, 32, 36),
    (1000, 960, 1024), (1023, 960, 1024), (1024, 1024, 1152), (3_600_000, 3_407_872, 3_670_016),
])
def test_every_value_falls_inside_its_bin(value: int, low: int, high: int) -> None:
    assert bin_bounds(bin_of(value)) == (low, high)
    assert low <= value < high


def test_bins_are_contiguous_and_at_most_one_eighth_wide() -> None:
    for i in range(1, 400):
        assert bin_bounds(i)[0] == bin_bounds(i - 1)[1]
        low, high = bin_bounds(i)
        assert low < 16 or (high - low) / low <= 0.125


def _exact(values: list[int], q: float) -> int:
    return sorted(values)[math.ceil(q * len(values)) - 1]


@pytest.mark.parametrize("seed", range(5))
def test_quantiles_are_within_12_5_percent_of_the_exact_ones(seed: int) -> None:
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(5, 1.5)) for _ in range(5000)]
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    for q in (0.5, 0.9, 0.99, 1.0):
        exact = _exact(values, q)
        assert exact <= h.quantile(q) <= max(exact * 1.125, exact + 1), q
    assert (h.min, h.max, h.count, h.total) == (min(values), max(values), len(values), sum(values))


def test_merged_deltas_give_the_p99_of_all_records() -> None:
    rng = random.Random(7)
    parts = [[rng.randint(1, 50) for _ in range(900)], [rng.randint(2_000, 3_000) for _ in range(100)]]
    whole, merged = LatencyHistogram(), LatencyHistogram()
    for part in parts:
        delta = LatencyHistogram()
        for v in part:
            delta.add(v)
            whole.add(v)
        merged.merge(LatencyHistogram.from_dict(delta.as_dict()))  # as published and read back
    assert merged.as_dict() == whole.as_dict()
    # 10 % of the records are slow: p99 is among them, p50 is not; an average of the parts' p99s would not say so.
    assert merged.quantile(0.99) >= 2_000 and merged.quantile(0.5) <= 50


def test_weighted_add_and_negative_latency() -> None:
    h = LatencyHistogram()
    h.add(100, 4)
    h.add(-5)  # a consumer clock behind the producer's: counted as 0, never negative
    assert (h.count, h.min, h.max, h.total) == (5, 0, 100, 400)


def test_empty_histogram() -> None:
    h = LatencyHistogram()
    assert h.quantile(0.99) is None and h.avg is None
    h.merge(LatencyHistogram())
    assert h.count == 0
    with pytest.raises(ValueError, match="quantile"):
        LatencyHistogram().quantile(0)


@pytest.mark.parametrize(("data", "says"), [
    ({"count": 1}, "not a latency histogram"),
    ({"count": 2, "sum": 3, "min": 1, "max": 2, "bins": [[1, 1]]}, "add up to 1, not its count 2"),
    ({"count": 1, "sum": 3, "min": "x", "max": 2, "bins": [[1, 1]]}, "not a latency histogram"),
])
def test_bad_histograms_are_named(data: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        LatencyHistogram.from_dict(data)
