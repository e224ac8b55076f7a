"""Running airstream's commands as a user does, for the tests of their one-line failures."""

from __future__ import annotations

import subprocess
import sys

NOWHERE = "127.0.0.1:1"  # never contacted: every failure run against it happens before a connection


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m <args>`` in this interpreter, its output captured as text."""
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command printed on stderr (asserted: one line, no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]
