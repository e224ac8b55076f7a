"""Loggers for the Kafka clients that do not flood the log while a broker is away.

librdkafka reports every failed reconnect (several per second per client while a broker is
down). :class:`Throttle` lets the first message of each kind through and then at most one
per ``interval`` seconds, saying how many similar ones it held back.

>>> import logging
>>> throttle = Throttle(interval=60)
>>> rec = lambda msg: logging.LogRecord("x", logging.ERROR, "", 0, msg, None, None)
>>> [throttle.filter(rec(f"Connect to 127.0.0.1:{p} failed after {ms}ms")) for p, ms in ((9092, 0), (9092, 3))]
[True, False]
"""

from __future__ import annotations

import logging
import re
import time

__all__ = ["Throttle", "client_logger"]

_NUMBERS = re.compile(r"\d+")


class Throttle(logging.Filter):
    """Passes one record per message shape (digits ignored) per ``interval`` seconds."""

    def __init__(self, interval: float = 30.0) -> None:
        super().__init__()
        self.interval = interval
        self._seen: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        shape = _NUMBERS.sub("#", record.getMessage())
        now = time.monotonic()
        last, held = self._seen.get(shape, (0.0, 0))
        if last and now - last < self.interval:
            self._seen[shape] = (last, held + 1)
            return False
        if held:
            record.msg = f"{record.getMessage()} ({held} similar message(s) held back)"
            record.args = None
        self._seen[shape] = (now, 0)
        return True


def client_logger(kind: str) -> logging.Logger:
    """The throttled logger ``airstream.topology.runtime.<kind>`` for a librdkafka client."""
    logger = logging.getLogger(f"airstream.topology.runtime.{kind}")
    if not any(isinstance(f, Throttle) for f in logger.filters):
        logger.addFilter(Throttle())
    return logger
