"""pytest collects the docstring examples of the package under the modules' installed names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_doctests_are_collected_as_airstream_modules() -> None:
    files = ["topology/graph.py", "monitor/lag.py", "airstream/common/redact.py", "examples/cloudair/config.py"]
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for item in ("topology/graph.py::airstream.topology.graph", "monitor/lag.py::airstream.monitor.lag",
                 "airstream/common/redact.py::airstream.common.redact", "examples/cloudair/config.py::cloudair.config"):
        assert item in out
    assert "::topology.graph" not in out
