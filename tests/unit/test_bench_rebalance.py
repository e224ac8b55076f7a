"""The rebalance benchmark's arithmetic: gaps, pauses and the kept/moved classification (no broker)."""

import doctest
import sys
from pathlib import Path

# bench/ is run from the repository root (`make bench`), it is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench.bench_rebalance as rebalance
from bench import discover
from bench.bench_rebalance import Sample, classify, event_figures, longest_gap, normal_gap


def _steady(partition: int, owner: str, start: float, end: float, step: float = 0.1) -> list[Sample]:
    """Outputs of ``partition`` by ``owner`` every ``step`` seconds in ``[start, end)``."""
    count = round((end - start) / step)
    return [Sample(round(start + i * step, 6), partition, owner) for i in range(count)]


def test_the_rebalance_benchmark_registers_itself_and_its_doctests_pass():
    registered, _ = discover()
    assert "rebalance" in registered
    assert doctest.testmod(rebalance).failed == 0


def test_longest_gap_counts_from_the_last_output_before_the_window_and_up_to_its_end():
    assert longest_gap([0.0, 0.1, 0.2, 1.5, 1.6], 0.15, 2.0) == 1.3
    assert longest_gap([0.0, 0.1, 0.2], 0.15, 3.0) == 2.8         # never resumed: paused to the end
    assert longest_gap([], 1.0, 2.0) == 1.0                       # no output at all
    assert longest_gap([5.0, 5.1, 5.2], 5.0, 5.3) == 0.1


def test_partitions_whose_writer_changed_are_moved_the_others_kept():
    samples = (_steady(0, "A", 0, 10) + _steady(1, "A", 0, 5) + _steady(1, "B", 6, 10)
               + _steady(2, "B", 0, 4) + _steady(2, "A", 4.5, 10))
    owners, moved = classify(samples, event=3.0, end=10.0)
    assert owners == {0: "A", 1: "A", 2: "B"}
    assert moved == {1, 2}
    # Judged at the window's end: partition 1 had not moved yet at 5.5.
    assert classify(samples, event=3.0, end=5.5)[1] == {2}


def test_kept_partitions_that_do_not_stop_show_no_pause_and_moved_ones_their_stop():
    samples = (_steady(0, "A", 0, 20) + _steady(1, "A", 0, 10.3) + _steady(1, "B", 12.0, 20)
               + _steady(2, "A", 0, 10.5) + _steady(2, "A", 10.9, 20))
    normal = normal_gap(samples, before=10.0)
    assert normal == 0.1
    figures = event_figures(samples, 10.0, 8.0, normal, restore_s=0.8)
    assert figures.moved == {1}
    assert figures.pauses[0] == 0.0
    assert figures.pauses[1] == 1.7                   # from 10.2 to 12.0, less the normal gap
    assert figures.max_pause(moved=False) == 0.4       # partition 2: 10.4 to 10.9, less 0.1
    assert figures.max_pause(moved=True) == figures.pauses[1]
    assert rebalance._verdicts(figures) == ("MISSED", "met")   # 0.4 s > 0.1 s; 1.7 s <= 1 s + 0.8 s


def test_an_event_without_moved_partitions_has_no_moved_figure():
    samples = _steady(0, "A", 0, 10) + _steady(1, "A", 0, 10)
    figures = event_figures(samples, 5.0, 4.0, normal_gap(samples, 5.0))
    assert figures.moved == frozenset()
    assert figures.max_pause(moved=True) is None
    assert rebalance._verdicts(figures) == ("met", "-")
