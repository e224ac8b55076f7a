"""``airstream run --instances N``: N processes of one application from one command.

A Python process runs one processing thread, so more than one core means more processes (Kafka
Streams' ``num.stream.threads`` runs threads in one JVM instead). Each instance is a full
``airstream run`` in a child process with its own ``client.id`` (``<instance-id>-1`` ...), all in
the application's consumer group, which spreads the tasks over them; the parent only supervises:

- SIGINT/SIGTERM are passed on, so every instance finishes its batch, commits and leaves the group
  (a second signal kills them);
- when one instance stops on an error, the others are stopped too, and the command exits with that
  instance's code: one application, one outcome (as Kafka Streams shuts the client down when a
  stream thread dies);
- each instance's metrics port is the given one plus its number minus one.

>>> instance_args(["app.py:topology", "--instance-id", "scorer"], instance=2, metrics_port=9464)
['app.py:topology', '--instance-id', 'scorer-2', '-X', 'num.stream.threads=1', '--metrics-port', '9465']
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

__all__ = ["instance_args", "python_command", "supervise"]

log = logging.getLogger("airstream.topology.runtime")

_POLL_S = 0.2


def instance_args(base: list[str], *, instance: int, metrics_port: int | None) -> list[str]:
    """``airstream run`` arguments of instance number ``instance`` (from 1), given the command's own
    ``base`` arguments without ``--instances``, ``--metrics-port`` and ``num.stream.threads``: its
    ``--instance-id`` gets the number appended (there must be one), it runs one instance itself, and
    its metrics port follows the others'."""
    args = list(base)
    at = args.index("--instance-id") + 1
    args[at] = f"{args[at]}-{instance}"
    args += ["-X", "num.stream.threads=1"]  # a later -X wins: a --config file's count stays the parent's
    if metrics_port is not None:
        args += ["--metrics-port", str(metrics_port + instance - 1 if metrics_port else 0)]
    return args


def supervise(commands: list[list[str]]) -> int:
    """Run ``commands`` (one per instance) until they all stop; see the module docstring. Returns the
    exit code: the first non-zero one of an instance, else 0."""
    procs = [subprocess.Popen(command) for command in commands]
    signals = 0

    def forward(signum: int, frame: FrameType | None) -> None:
        nonlocal signals
        signals += 1
        how = signal.SIGTERM if signals == 1 else signal.SIGKILL
        log.info("received %s; stopping %d instance(s)", signal.Signals(signum).name, len(procs))
        _send(procs, how)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = 0
        while [p.poll() for p in procs].count(None):  # every one polled: poll() sets returncode
            failed = next((p for p in procs if p.returncode not in (None, 0)), None)
            if failed is not None and code == 0:
                code = failed.returncode
                log.error("instance %d stopped with exit code %d; stopping the others",
                          procs.index(failed) + 1, code)
                _send(procs, signal.SIGTERM)
            time.sleep(_POLL_S)
        # A clean stop is 0 in every instance; one killed by a second signal counts as an error.
        return code or next((1 for p in procs if p.returncode), 0)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _send(procs: list[subprocess.Popen[bytes]], how: signal.Signals) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(how)


def python_command() -> list[str]:
    """How to start ``airstream`` again in a child process with this interpreter."""
    return [sys.executable, "-m", "airstream.cli", "run"]
