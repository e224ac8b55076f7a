"""Client logs while a broker is away: one line per kind of message per interval, with a count."""

from __future__ import annotations

import logging

from airstream.topology.runtime.logs import Throttle


def _record(msg: str) -> logging.LogRecord:
    return logging.LogRecord("airstream.topology.runtime.consumer", logging.ERROR, "", 0, msg, None, None)


def test_repeats_that_differ_only_in_numbers_are_held_back_then_counted(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("airstream.topology.runtime.logs.time.monotonic", lambda: clock[0])
    throttle = Throttle(interval=30)
    shown = []
    for i in range(5):
        rec = _record(f"Connect to ipv4#127.0.0.1:9092 failed (after {i}ms in state CONNECT)")
        if throttle.filter(rec):
            shown.append(rec.getMessage())
        clock[0] += 1
    assert shown == ["Connect to ipv4#127.0.0.1:9092 failed (after 0ms in state CONNECT)"]
    other = _record("1/1 brokers are down")
    assert throttle.filter(other)  # a different message is not held back
    clock[0] += 30
    later = _record("Connect to ipv4#127.0.0.1:9092 failed (after 9ms in state CONNECT)")
    assert throttle.filter(later)
    assert later.getMessage().endswith("(4 similar message(s) held back)")
