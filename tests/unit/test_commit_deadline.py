"""The watchdog around librdkafka's send_offsets_to_transaction, whose call can hang forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from airstream.topology.runtime.commit import _call_with_deadline


def test_a_call_that_returns_in_time_gives_its_result_or_its_exception() -> None:
    assert _call_with_deadline(sum, [1, 2, 3], deadline_s=5) == 6
    with pytest.raises(ZeroDivisionError):
        _call_with_deadline(lambda: 1 / 0, deadline_s=5)


def test_a_call_that_never_returns_is_reported_and_does_not_keep_the_process_alive() -> None:
    script = textwrap.dedent("""
        import threading
        from airstream.topology.runtime.commit import _call_with_deadline, _Hung
        try:
            _call_with_deadline(threading.Event().wait, deadline_s=0.2)
        except _Hung:
            print("hung call reported")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hung call reported"
