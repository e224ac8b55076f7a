"""What happens when a record cannot be deserialized or a processor raises.

Three config keys choose the behaviour, each ``fail`` (default), ``continue`` or ``dlq``:

- ``default.deserialization.exception.handler``: a source's serde rejects the record;
- ``processing.exception.handler``: a user function or operator raises;
- ``production.exception.handler``: an output record cannot be written because it is larger than
  its topic's ``max.message.bytes`` (default: whatever ``processing.exception.handler`` says, so
  a pipeline that dead-letters bad records dead-letters records too large to write as well).

``fail`` raises :class:`StreamsException` naming the topic, partition, offset and processor;
``continue`` logs a warning and counts the record in ``dropped-records-total``; ``dlq`` writes
the original key and value bytes to the topic named by ``errors.dead.letter.queue.topic.name``
with the original headers plus the KIP-1034 headers :data:`DLQ_HEADERS` (a dead-letter record
too large for its topic is cut to fit: :mod:`airstream.topology.runtime.record_size`).

>>> policy = ErrorPolicy.from_config({"processing.exception.handler": "dlq",
...                                   "errors.dead.letter.queue.topic.name": "bad-tweets"})
>>> policy.processing, policy.production, policy.dlq_topic
('dlq', 'dlq', 'bad-tweets')
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any

from airstream.topology.records import InputRecord

__all__ = [
    "DLQ_HEADERS",
    "DeserializationException",
    "ErrorPolicy",
    "ProcessingException",
    "StreamsException",
    "TopologyException",
]

log = logging.getLogger("airstream.topology.errors")

DESERIALIZATION_HANDLER = "default.deserialization.exception.handler"
PROCESSING_HANDLER = "processing.exception.handler"
PRODUCTION_HANDLER = "production.exception.handler"
DLQ_TOPIC = "errors.dead.letter.queue.topic.name"

#: Header names of a dead-letter record, as KIP-1034 defines them.
DLQ_HEADERS = (
    "__streams.errors.exception",
    "__streams.errors.message",
    "__streams.errors.stacktrace",
    "__streams.errors.topic",
    "__streams.errors.partition",
    "__streams.errors.offset",
)

_CHOICES = ("fail", "continue", "dlq")


class TopologyException(ValueError):
    """The topology or its configuration cannot run (e.g. topics that must be co-partitioned
    have different partition counts)."""


class StreamsException(RuntimeError):
    """A record stopped the application (handler ``fail``).

    Attributes: ``topic``, ``partition``, ``offset`` of the input record (``None`` inside a
    punctuator) and ``processor``, the node that failed; the cause is ``__cause__``.
    """

    def __init__(self, message: str, *, topic: str | None = None, partition: int | None = None,
                 offset: int | None = None, processor: str | None = None) -> None:
        super().__init__(message)
        self.topic, self.partition, self.offset, self.processor = topic, partition, offset, processor


class DeserializationException(StreamsException):
    """A source record's key or value could not be deserialized."""


class ProcessingException(StreamsException):
    """A processor (usually a user function) raised while processing a record."""


# Per kind of failure: the config key that chooses its handler and the exception ``fail`` raises.
_HANDLERS: dict[str, tuple[str, type[StreamsException]]] = {
    "deserialization": (DESERIALIZATION_HANDLER, DeserializationException),
    "processing": (PROCESSING_HANDLER, ProcessingException),
}


def _where(rec: Any) -> str:
    if rec is None:
        return "in a punctuator"
    return f"at topic {rec.topic!r} partition {rec.partition} offset {rec.offset}"


@dataclass(frozen=True)
class ErrorPolicy:
    """The three handlers and the dead-letter topic, read from the streams config."""

    deserialization: str = "fail"
    processing: str = "fail"
    dlq_topic: str | None = None
    production: str = "fail"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ErrorPolicy:
        """Validate and read the handler keys; a wrong value names the key and the choices."""
        values: dict[str, str] = {}
        for key in (DESERIALIZATION_HANDLER, PROCESSING_HANDLER, PRODUCTION_HANDLER):
            default = values[PROCESSING_HANDLER] if key == PRODUCTION_HANDLER else "fail"
            value = str(config.get(key) or default).strip().lower()
            if value not in _CHOICES:
                raise TopologyException(f"config {key}={config.get(key)!r} is not one of "
                                        f"{', '.join(_CHOICES)}")
            values[key] = value
        dlq = config.get(DLQ_TOPIC)
        if "dlq" in values.values() and not dlq:
            raise TopologyException(f"an exception handler is 'dlq' but {DLQ_TOPIC} is not set; "
                                    "name the dead-letter topic in the config")
        return cls(values[DESERIALIZATION_HANDLER], values[PROCESSING_HANDLER], dlq, values[PRODUCTION_HANDLER])

    def handle(self, kind: str, exc: BaseException, rec: Any, processor: str | None,
               emit: Any, count_drop: Any) -> None:
        """Apply the handler for ``kind`` (``"deserialization"`` or ``"processing"``) to a
        failed record: raise, or log and count, or ``emit`` a dead-letter record."""
        choice = self.deserialization if kind == "deserialization" else self.processing
        if type(rec) is tuple:  # the Kafka runtime's input records: plain tuples in InputRecord order
            rec = InputRecord._make(rec)
        where = _where(rec)
        node = f" in processor {processor!r}" if processor else ""
        if choice == "fail":
            key, cls = _HANDLERS[kind]
            raise cls(
                f"{kind} error{node} {where}: {type(exc).__name__}: {exc}. The application "
                f"stopped; fix the data or the code, or set {key} to 'continue' or 'dlq'",
                topic=getattr(rec, "topic", None), partition=getattr(rec, "partition", None),
                offset=getattr(rec, "offset", None), processor=processor,
            ) from exc
        count_drop()
        if choice == "continue" or rec is None:
            log.warning("skipping record after %s error%s %s: %s: %s", kind, node, where,
                        type(exc).__name__, exc)
            return
        headers = [
            *(rec.headers or ()),
            ("__streams.errors.exception", type(exc).__qualname__.encode()),
            ("__streams.errors.message", str(exc).encode()),
            ("__streams.errors.stacktrace",
             "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).encode()),
            ("__streams.errors.topic", rec.topic.encode()),
            ("__streams.errors.partition", str(rec.partition).encode()),
            ("__streams.errors.offset", str(rec.offset).encode()),
        ]
        log.warning("sent record %s to dead-letter topic %r after %s error%s: %s", where,
                    self.dlq_topic, kind, node, exc)
        emit(self.dlq_topic, rec.key, rec.value, rec.timestamp, headers)
