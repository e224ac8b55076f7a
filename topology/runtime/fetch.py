"""Take what a consumer holds: the fetch of the processing loop and of the restore loop."""

from __future__ import annotations

from typing import Any

from confluent_kafka import Consumer

__all__ = ["fetch"]


def fetch(consumer: Consumer | Any, n: int, wait_s: float) -> list[Any]:
    """Up to ``n`` records the consumer holds now; when it holds none, the first to arrive within
    ``wait_s`` and whatever came with it. ``consume(n, wait_s)`` alone waits for ``n`` records or
    the whole ``wait_s``: at a moderate rate every record would wait for a batch to fill, and a
    restore of fewer than ``n`` records would wait ``wait_s`` at its end.

    ``consumer``: a ``confluent_kafka.Consumer`` or anything with its ``consume`` (a
    :class:`~airstream.topology.tracing.TracingConsumer`).
    """
    msgs: list[Any] = consumer.consume(n, 0)
    if msgs:
        return msgs
    msgs = consumer.consume(1, wait_s)
    if msgs and n > 1:
        msgs.extend(consumer.consume(n - 1, 0))
    return msgs
