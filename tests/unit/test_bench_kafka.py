"""The Kafka benchmark's wiring and table, without a broker (no timing asserted)."""

import sys
from pathlib import Path

# bench/ is run from the repository root (`make bench`), it is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from bench import bench_kafka
from bench.bench_kafka import CONTENDER_NAMES, KSTREAMS_WARM_RECORDS, ContenderResult, report

INFO = {"date": "today", "nproc": "2", "cpu": "cpu", "os": "Linux", "python": "3.11", "confluent_kafka": "2.16",
        "kafka": "4.1.1", "records": "2,000,000", "expected": "1,264,000", "latency_rate": "2,000",
        "latency_seconds": "10", "repeat": "1", "load": "0.1 before, 0.2 after", "peers": "Kafka Streams 4.1.1"}


@pytest.fixture
def commands(monkeypatch):
    """Each contender's command line, with the peer venvs and the Java build replaced by stand-ins."""
    monkeypatch.setattr(bench_kafka._PeerVenv, "python", lambda self: self.path / "bin" / "python")
    monkeypatch.setattr(bench_kafka, "_kstreams_java", lambda: ["java", "-cp", "classes", "Main"])
    return {c.name: c.command() for c in bench_kafka._CONTENDERS}


def test_kafka_streams_runs_its_main_with_each_guarantee(commands):
    assert commands["kstreams"] == ["java", "-cp", "classes", "Main", "--guarantee", "at_least_once"]
    assert commands["kstreams-eos"][-2:] == ["--guarantee", "exactly_once_v2"]
    assert (bench_kafka.KSTREAMS_DIR / "Main.java").exists() and (bench_kafka.KSTREAMS_DIR / "pom.xml").exists()


def test_bytewax_runs_its_pipeline_from_its_own_venv(commands):
    python, script = commands["bytewax"]
    assert Path(python).parent.parent.name == ".venv-bytewax"
    assert Path(script).exists() and Path(script).name == "bytewax_pipeline.py"
    assert {"kstreams", "kstreams-eos", "bytewax", "loop-orjson"} <= set(CONTENDER_NAMES)


def test_a_short_run_says_kafka_streams_was_not_warm():
    assert "--records 2000000" in bench_kafka._warmup_notes("kstreams-eos", 50_000)[0]
    assert bench_kafka._warmup_notes("kstreams", KSTREAMS_WARM_RECORDS) == []
    assert bench_kafka._warmup_notes("bytewax", 50_000) == []


def test_the_table_has_ratios_to_the_orjson_loop_and_kafka_streams_and_issue_17s_targets():
    results = [
        ContenderResult("loop-orjson", "loop", "orjson", records_per_s=80_000, cpu_us_per_record=5.0),
        ContenderResult("kstreams", "Kafka Streams", "Jackson", records_per_s=100_000, cpu_us_per_record=10.0),
        ContenderResult("airstream-alos", "airstream", "orjson", records_per_s=120_000, cpu_us_per_record=6.0,
                        p50_ms=8, p99_ms=40, cpu_pct_at_rate=12.4),
    ]
    text = report(results, INFO)
    header = next(line for line in text.splitlines() if line.startswith("| contender"))
    assert "x loop (orjson)" in header and "x kstreams" in header and "CPU x kstreams" in header
    row = next(line for line in text.splitlines() if line.startswith("| airstream-alos")).split(" | ")
    columns = header.split(" | ")
    assert row[columns.index("x loop (orjson)")] == "1.50" and row[columns.index("x kstreams")] == "1.20"
    assert row[columns.index("CPU x loop (orjson)")] == "1.20" and row[columns.index("CPU x kstreams")] == "0.60"
    assert row[columns.index("p99 ms")] == "40" and row[columns.index("CPU % at rate")] == "12"
    assert len(row) == len(columns) and text.splitlines()[3].count("|") == header.count("|")
    assert "- airstream-alos records/s vs kstreams >= 1x: **1.20x** (met)" in text
    assert "- airstream-alos CPU per record vs loop-orjson <= 1x: **1.20x** (MISSED)" in text
    assert "- airstream-alos p99 latency at 2,000 records/s <= 30 ms: **40 ms** (MISSED)" in text
    assert "- airstream-eos records/s vs kstreams >= 0.9x: not run" in text
