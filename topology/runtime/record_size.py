"""Records too large for their topic, and how a dead-letter record is cut to fit one.

A topic takes records up to its ``max.message.bytes`` (the broker's ``message.max.bytes``, 1 MiB
by default); librdkafka refuses larger ones itself, against its own ``message.max.bytes``
(1,000,000 by default, so a record the topic allows can still be refused). The runtime reads the
limit of every topic it writes (:func:`topic_limits`), gives its producer the largest of them
(:class:`OutputLimits`) and handles a record over its topic's limit by the production-error handler
instead of stopping: see :meth:`airstream.topology.errors.ErrorPolicy.production`.

A dead-letter record must land even when the record it carries is the problem: :func:`cut_to_fit`
shortens its value (then its key, then long header values) to the limit and says so in headers
(:data:`CUT_HEADERS`), with the original sizes and SHA-256 digests, so the record can be matched
to the original on the source topic (which the KIP-1034 headers locate).

>>> key, value, headers = cut_to_fit(b"k", b"x" * 5000, [("__streams.errors.message", b"bad")], limit=2048)
>>> record_size(key, value, headers) <= 2048, len(value) < 5000
(True, True)
>>> dict(headers)["airstream.dlq.original.value.size"]
b'5000'
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

__all__ = ["CUT_HEADERS", "FRAMING_BYTES", "OutputLimits", "cut_to_fit", "record_size", "topic_limits"]

log = logging.getLogger("airstream.topology.runtime")

#: Room left for what Kafka adds around a record (the batch header is 61 bytes, the record's own
#: varints and librdkafka's estimate of them a few dozen more): a record this much under the topic's
#: ``max.message.bytes`` is accepted alone in a batch.
FRAMING_BYTES = 512

#: The headers a cut dead-letter record carries.
CUT_HEADERS = (
    "airstream.dlq.cut",  # what was shortened: "value", "key,value", or with ",headers"
    "airstream.dlq.original.key.size",
    "airstream.dlq.original.value.size",
    "airstream.dlq.original.key.sha256",
    "airstream.dlq.original.value.sha256",
)

_BATCH_DEFAULT = 1_000_000  # librdkafka's batch.size default
_BROKER_DEFAULT = 1_048_588  # Kafka's message.max.bytes default, for a topic whose config cannot be read
_HEADER_KEEP = 4096  # what is kept of a long header value (a stack trace, a message quoting the record)

Headers = Sequence[tuple[str, bytes | None]]


def record_size(key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes | None]] | None) -> int:
    """Bytes of a record's key, value and headers (names and values), without framing."""
    size = len(key or b"") + len(value or b"")
    for name, data in headers or ():
        size += len(name) + len(data or b"")
    return size


def topic_limits(admin: AdminClient, topics: Iterable[str], timeout: float = 30.0) -> dict[str, int]:
    """``max.message.bytes`` of each topic; a topic whose config cannot be read (not allowed to
    describe it, say) gets the broker default, and the broker's own answer decides later."""
    resources = [ConfigResource(ResourceType.TOPIC, t) for t in sorted(set(topics))]
    limits = {r.name: _BROKER_DEFAULT for r in resources}
    if not resources:
        return limits
    for resource, future in admin.describe_configs(resources, request_timeout=timeout).items():
        try:
            entry = future.result().get("max.message.bytes")
        except KafkaException as exc:
            log.info("cannot read max.message.bytes of topic %s (%s); assuming the broker default",
                     resource.name, exc.args[0].str())
            continue
        if entry is not None and entry.value is not None:
            limits[resource.name] = int(entry.value)
    return limits


@dataclass
class OutputLimits:
    """The record size limits of the topics one producer writes.

    ``producer_max`` is the producer's ``message.max.bytes``: the largest topic limit (less
    :data:`FRAMING_BYTES`) unless the user set one. ``below`` holds the topics whose own limit is
    smaller; only their records are measured before producing (librdkafka checks the rest).

    >>> limits = OutputLimits.of({"out": 1_048_588, "dlq": 200_000})
    >>> limits.producer_max, limits.below
    (1048076, {'dlq': 199488})
    >>> limits.limit("out"), limits.limit("unknown-topic")
    (1048076, 1048076)
    >>> limits.producer_config({"batch.size": 65536})
    {'message.max.bytes': 1048076}
    """

    producer_max: int
    below: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, topic_max: dict[str, int], producer_max: int | None = None) -> OutputLimits:
        """Limits for topics with these ``max.message.bytes``; ``producer_max`` if the user set one."""
        usable = {t: n - FRAMING_BYTES for t, n in topic_max.items()}
        top = producer_max if producer_max is not None else max(usable.values(),
                                                                default=_BROKER_DEFAULT - FRAMING_BYTES)
        return cls(top, {t: n for t, n in usable.items() if n < top})

    def producer_config(self, user: Mapping[str, Any]) -> dict[str, int]:
        """The producer's ``message.max.bytes`` and ``batch.size`` (no larger than the smallest topic
        limit: librdkafka fills a batch up to it, and the broker refuses a batch over the topic's),
        where the user's properties ``user`` do not set them."""
        sizes = {"message.max.bytes": self.producer_max,
                 "batch.size": min(_BATCH_DEFAULT, self.producer_max, *self.below.values())}
        return {k: v for k, v in sizes.items() if k not in user}

    def limit(self, topic: str) -> int:
        """The largest record (key, value and headers) ``topic`` takes from this producer."""
        return self.below.get(topic, self.producer_max)

    def lower(self, topic: str, limit: int) -> None:
        """``topic`` refused a record this producer let through: measure its records from now on."""
        self.below[topic] = min(self.limit(topic), limit - FRAMING_BYTES)


def _digest(data: bytes | None) -> bytes:
    return hashlib.sha256(data or b"").hexdigest().encode()


def cut_to_fit(key: bytes | None, value: bytes | None, headers: Headers | None, limit: int
               ) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]:
    """The record shortened to at most ``limit`` bytes (:func:`record_size`), with :data:`CUT_HEADERS`.

    The value goes first; then header values over 4 KiB (a stack trace, or an error message that
    quotes the whole record); the key last.
    """
    cut = ["value"]
    extra: list[tuple[str, bytes | None]] = [
        ("airstream.dlq.original.key.size", str(len(key or b"")).encode()),
        ("airstream.dlq.original.value.size", str(len(value or b"")).encode()),
        ("airstream.dlq.original.value.sha256", _digest(value)),
    ]
    kept = list(headers or ())

    def room() -> int:
        # What is left for the value: 64 bytes for the airstream.dlq.cut header, and the varints
        # librdkafka counts around the record and each header when it checks message.max.bytes.
        framing = 64 + 16 * (len(kept) + len(extra) + 2)
        return limit - record_size(key, None, kept) - record_size(None, None, extra) - framing

    if room() < 0:
        cut.append("headers")
        kept = [(n, v[:_HEADER_KEEP] if v is not None and len(v) > _HEADER_KEEP else v) for n, v in kept]
    if room() < 0 and key:
        cut.insert(0, "key")
        extra.append(("airstream.dlq.original.key.sha256", _digest(key)))
        key = key[:max(0, len(key) + room())]
    value = value[:max(0, room())] if value is not None else None
    return key, value, [*kept, *extra, ("airstream.dlq.cut", ",".join(cut).encode())]
