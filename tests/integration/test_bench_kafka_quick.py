"""A quick pass of the Kafka benchmark (``make bench`` runs it in full): a short run of the orjson
loop, Kafka Streams and every airstream contender against the test broker finishes, and each
writes exactly the results the pipeline must (the harness checks values and counts duplicates)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CONTENDERS = ["loop-orjson", "kstreams", "airstream-alos", "airstream-eos", "airstream-typed", "airstream-untraced",
              "airstream-x2"]


def test_a_short_run_of_the_loop_kafka_streams_and_airstream_gives_every_result_once(kafka_cluster: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.bench_kafka", "--records", "3000", "--bootstrap", kafka_cluster,
         "--only", *CONTENDERS, "--repeat", "1", "--latency-seconds", "1", "--no-readme"],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = {line.split("|")[1].split(":")[0].strip(): [cell.strip() for cell in line.split("|")[1:-1]]
            for line in run.stdout.splitlines() if line.startswith("| ") and ":" in line.split("|")[1]}
    assert sorted(rows) == sorted(CONTENDERS)
    for name, cells in rows.items():
        rate, duplicates = cells[2], cells[-1]
        assert rate != "-" and int(rate.replace(",", "")) > 0, name
        assert duplicates == "0", name
