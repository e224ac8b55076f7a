"""The examples the README points to run, and their numbers add up."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_quickstart_routes_every_tweet_once_and_counts_every_tweet() -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = next(line for line in proc.stdout.splitlines() if "tweets in ->" in line)
    sent = int(summary.split()[0])
    complaints = int(summary.split("->")[1].split()[0])
    assert sent == 500 and 0 < complaints < sent
    assert "Sub-topology: 1" in proc.stdout  # the re-keyed count runs behind a repartition topic


def test_quickstart_topology_builds_without_running() -> None:
    build = runpy.run_path(str(EXAMPLES / "quickstart.py"))["build"]
    description = str(build().describe())
    assert "english-only" in description and "tweets-per-hour" in description
