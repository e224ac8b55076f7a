"""Writing a test message to a topic from airmon (with ``--allow-writes`` and the topic's name typed).

Example::

    writer = KafkaMessageWriter({"bootstrap.servers": "127.0.0.1:9092"})
    partition, offset = writer.produce("tweets", key=b"570306133677760513", value=b'{"text": "test"}',
                                       headers=[("source", b"airmon")])
    writer.close()
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from confluent_kafka import KafkaException, Producer

from airstream.common.redact import scrub
from airstream.monitor.kafka_log import with_kafka_logger

__all__ = ["KafkaMessageWriter", "MessageWriter", "parse_headers"]


def parse_headers(text: str) -> list[tuple[str, bytes]]:
    """Headers typed as ``name=value; name=value`` (a name may repeat, as Kafka allows).

    >>> parse_headers("source=airmon; trace-id=t-1"), parse_headers("")
    ([('source', b'airmon'), ('trace-id', b't-1')], [])
    """
    headers = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"header {part.strip()!r} needs a name and a value: name=value; name=value")
        headers.append((name.strip(), value.strip().encode()))
    return headers


class MessageWriter(Protocol):
    """Produces single records (:class:`KafkaMessageWriter`, or a fake in tests)."""

    def produce(self, topic: str, *, key: bytes | None, value: bytes | None,
                headers: Sequence[tuple[str, bytes]] = (), partition: int | None = None) -> tuple[int, int]:
        """Write one record and wait until it is stored; returns ``(partition, offset)``."""
        ...

    def close(self) -> None:
        """Release the client."""
        ...


class KafkaMessageWriter:
    """One idempotent ``confluent_kafka.Producer`` (``client.id`` airmon), created on first use; each
    :meth:`produce` waits for the broker's acknowledgement (``acks=all``), so a returned offset is stored."""

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 10.0) -> None:
        self._config = dict(config)
        self.timeout = timeout
        self._producer: Producer | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KafkaMessageWriter({self._config.get('bootstrap.servers')!r})"

    def produce(self, topic: str, *, key: bytes | None, value: bytes | None,
                headers: Sequence[tuple[str, bytes]] = (), partition: int | None = None) -> tuple[int, int]:
        """Write one record to ``topic`` (``partition``: by the key when ``None``) and wait for it to be
        stored; ``RuntimeError`` says why not (unknown topic, no such partition, too large), secrets scrubbed."""
        where = topic if partition is None else f"{topic}/{partition}"
        done: list[Any] = []
        with self._lock:
            if self._producer is None:
                # murmur2 places a key where Java producers and Kafka Streams would look for it.
                self._producer = Producer({**with_kafka_logger(self._config), "client.id": "airmon",
                                           "enable.idempotence": True, "acks": "all",
                                           "partitioner": "murmur2_random"})
            options: dict[str, Any] = {"key": key, "value": value, "headers": list(headers),
                                       "on_delivery": lambda err, msg: done.append((err, msg))}
            if partition is not None:
                options["partition"] = partition
            try:
                self._producer.produce(topic, **options)
            except (KafkaException, BufferError) as exc:
                raise RuntimeError(scrub(f"producing to {where}: {exc}", self._config)) from None
            self._producer.flush(self.timeout)
        if not done:
            raise RuntimeError(f"producing to {where}: not acknowledged within {self.timeout:.0f} s")
        err, msg = done[0]
        if err is not None:
            raise RuntimeError(scrub(f"producing to {where}: {err.str()}", self._config))
        return msg.partition(), msg.offset()

    def close(self) -> None:
        """Flush and drop the producer."""
        with self._lock:
            if self._producer is not None:
                self._producer.flush(self.timeout)
                self._producer = None
