"""`python -m bench` finds the engine benchmark and reports both sides (no timing asserted)."""

import sys
from pathlib import Path

# bench/ is run from the repository root (`make bench`), it is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from airstream.topology.testing import TopologyTestDriver
from bench import Options, discover
from bench.__main__ import main
from bench.bench_engine import hand_loop, make_records, topology


def test_the_engine_benchmark_registers_itself():
    registered, _ = discover()
    assert "engine" in registered


def test_bench_runner_prints_a_table_with_both_sides(capsys):
    assert main(["--only", "engine", "--records", "300"]) == 0
    out = capsys.readouterr().out
    assert "hand-written loop" in out and "embedded engine" in out
    assert "x the loop" in out


def test_engine_and_hand_loop_produce_the_same_records():
    records = make_records(50)
    negative, positive = hand_loop(records)
    with TopologyTestDriver(topology()) as driver:
        inp = driver.create_input_topic("tweets", "bytes", "bytes")
        for key, value in records:
            inp.pipe_input(key, value)
        got_neg = driver.create_output_topic("negative-tweets", "bytes", "bytes").read_key_values_to_list()
        got_pos = driver.create_output_topic("positive-tweets", "bytes", "bytes").read_key_values_to_list()
    assert got_neg == negative and got_pos == positive
    assert Options(records=10).records == 10
