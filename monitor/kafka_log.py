"""librdkafka's log lines in airmon go to the ``airmon.kafka`` logger, never to stderr.

librdkafka writes straight to stderr unless a client is given a logger, and on a terminal
dashboard those lines (refused connections while a broker restarts ...) would scribble over the
screen. Every client airmon makes goes through :func:`with_kafka_logger`; ``airmon -v`` shows the
lines.

>>> with_kafka_logger({"bootstrap.servers": "b1:9092"})["logger"].name
'airmon.kafka'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

__all__ = ["KAFKA_LOG", "with_kafka_logger"]

KAFKA_LOG = logging.getLogger("airmon.kafka")
KAFKA_LOG.addHandler(logging.NullHandler())


def with_kafka_logger(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` that sends librdkafka's log lines to the ``airmon.kafka`` logger.

    The lines are delivered when the client is polled.
    """
    return {**config, "logger": KAFKA_LOG}
