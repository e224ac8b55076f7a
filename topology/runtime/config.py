"""The configuration of a :class:`~airstream.topology.runtime.KafkaStreams` application.

One flat dict, as in Kafka Streams. Keys the runtime reads itself (:data:`STREAMS_KEYS`) are
validated here; every other key is a librdkafka client property and goes to all three clients
(consumer, producer, admin) unless it is prefixed ``consumer.``, ``producer.``, ``admin.`` or
``restore.consumer.`` (Kafka Streams' prefixes), in which case it goes only to that client.
``topic.``-prefixed keys become configs of the internal topics the runtime creates.

Secret values (passwords, tokens, JAAS configs, PEM keys) never appear in ``repr()``,
:meth:`StreamsConfig.describe` or in errors raised here.

>>> cfg = StreamsConfig({"bootstrap.servers": "localhost:9092", "application.id": "cloudair",
...                      "sasl.password": "hunter2", "consumer.session.timeout.ms": 10000})
>>> cfg.guarantee, cfg.commit_interval_ms
('at_least_once', 30000)
>>> cfg.consumer()["session.timeout.ms"], "session.timeout.ms" in cfg.producer()
(10000, False)
>>> "hunter2" in repr(cfg)
False
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from airstream.common.client_config import ConfigError
from airstream.common.redact import redact, scrub
from airstream.topology.runtime.logs import client_logger

__all__ = ["AT_LEAST_ONCE", "EXACTLY_ONCE_V2", "STREAMS_KEYS", "ConfigError", "StreamsConfig"]

AT_LEAST_ONCE = "at_least_once"
EXACTLY_ONCE_V2 = "exactly_once_v2"

#: Keys the runtime (or the compiled plan) reads; they are never passed to the Kafka clients.
STREAMS_KEYS = frozenset({
    "application.id",
    "processing.guarantee",
    "commit.interval.ms",
    "poll.ms",
    "max.poll.records",
    "replication.factor",
    "num.stream.threads",
    "metrics.port",
    "auto.create.output.topics",
    "restore.timeout.ms",
    "close.timeout.ms",
    "default.key.serde",
    "default.value.serde",
    "default.deserialization.exception.handler",
    "processing.exception.handler",
    "production.exception.handler",
    "errors.dead.letter.queue.topic.name",
    "tracing.enabled",
    "tracing.metrics.interval.ms",
    "tracing.sample.rate",
})

_PREFIXES = ("restore.consumer.", "consumer.", "producer.", "admin.", "topic.")

# Kafka Streams' defaults: a long commit interval for at-least-once, 100 ms under exactly-once.
_COMMIT_DEFAULT = {AT_LEAST_ONCE: 30_000, EXACTLY_ONCE_V2: 100}

# librdkafka stops fetching a partition whose local queue is over its thresholds
# (queued.min.messages, queued.max.messages.kbytes) and looks again only after
# fetch.queue.backoff.ms, 1 s by default: a consumer that keeps up with its input then waits for
# the next fetch with an empty queue: on the bench pipeline the processing thread spent two thirds
# of the run waiting in consume(), capped near 87,000 tweets/s. Looking again after 10 ms lifted
# the same run to ~240,000/s at the same CPU per record (0 cost a third more CPU).
_FETCH_QUEUE_BACKOFF_MS = 10


def _int(config: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
    raw = config.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"config {key}={raw!r} is not a whole number; give e.g. {key}={default}") from None
    if value < minimum:
        raise ConfigError(f"config {key}={value} must be at least {minimum}")
    return value


def _bool(config: Mapping[str, Any], key: str, default: bool) -> bool:
    raw = config.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConfigError(f"config {key}={raw!r} is not true or false")


def _sample_rate(raw: Any) -> float | None:
    if str(raw).strip().lower() == "all":
        return None
    try:
        rate = float(raw)
    except (TypeError, ValueError):
        rate = -1.0
    if not rate > 0:
        raise ConfigError(f"config tracing.sample.rate={raw!r} must be a positive number of records per second "
                          "whose trace headers are read, or 'all'")
    return rate


class StreamsConfig:
    """Validated settings of one application instance.

    Attributes: ``application_id``, ``guarantee`` (``at_least_once`` or ``exactly_once_v2``),
    ``commit_interval_ms``, ``poll_ms``, ``max_poll_records``, ``replication_factor`` (``-1``:
    the broker's default), ``metrics_port`` (``None``: no endpoint), ``auto_create_output_topics``,
    ``restore_timeout_ms``, ``close_timeout_ms``, ``instance_id`` (``client.id`` or a random id; it
    names the transactional producer), ``topic_configs`` (for internal topics), the trace settings
    (``tracing``: whether the clients trace, see :mod:`airstream.topology.tracing`; ``tracing_interval_s``
    between metrics records; ``tracing_sample_rate``: trace headers read per second, ``None`` for
    every record) and ``raw`` (the whole dict, for the plan).
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        if isinstance(config, StreamsConfig):
            config = config.raw
        self.raw: dict[str, Any] = dict(config)
        raw = self.raw
        for key in ("application.id", "bootstrap.servers"):
            if not str(raw.get(key) or "").strip():
                raise ConfigError(f"config {key} is required: e.g. {{'{key}': "
                                  f"{'cloudair' if key == 'application.id' else 'localhost:9092'!r}}}")
        self.application_id = str(raw["application.id"]).strip()
        if any(c.isspace() for c in self.application_id):
            raise ConfigError(f"application.id {self.application_id!r} must not contain spaces: it is the "
                              "consumer group and prefixes internal topic names")
        guarantee = str(raw.get("processing.guarantee", AT_LEAST_ONCE)).strip().lower()
        if guarantee in ("exactly_once", "exactly_once_beta"):
            raise ConfigError(f"processing.guarantee={guarantee!r} is the deprecated Kafka Streams name; "
                              f"use {EXACTLY_ONCE_V2!r}")
        if guarantee not in _COMMIT_DEFAULT:
            raise ConfigError(f"processing.guarantee={raw.get('processing.guarantee')!r} is not one of "
                              f"{AT_LEAST_ONCE!r}, {EXACTLY_ONCE_V2!r}")
        self.guarantee = guarantee
        self.commit_interval_ms = _int(raw, "commit.interval.ms", _COMMIT_DEFAULT[guarantee], 1)
        self.poll_ms = _int(raw, "poll.ms", 100, 1)
        self.max_poll_records = _int(raw, "max.poll.records", 1000, 1)
        self.replication_factor = _int(raw, "replication.factor", -1, -1)
        if self.replication_factor == 0:
            raise ConfigError("config replication.factor=0 is not allowed: use -1 for the broker's default")
        if _int(raw, "num.stream.threads", 1, 1) != 1:
            raise ConfigError("num.stream.threads must be 1 here: a Python instance runs one processing "
                              "thread; `airstream run --instances N` (or num.stream.threads=N in its config) runs N "
                              "processes, or start more instances with the same application.id")
        port = raw.get("metrics.port")
        self.metrics_port = None if port in (None, "") else _int(raw, "metrics.port", 0, 0)
        self.auto_create_output_topics = _bool(raw, "auto.create.output.topics", True)
        self.restore_timeout_ms = _int(raw, "restore.timeout.ms", 300_000, 1)
        self.close_timeout_ms = _int(raw, "close.timeout.ms", 30_000, 0)
        self.instance_id = str(raw.get("client.id") or uuid.uuid4().hex[:12])
        self.topic_configs = {k[len("topic."):]: str(v) for k, v in raw.items() if k.startswith("topic.")}
        self.tracing = _bool(raw, "tracing.enabled", True)
        self.tracing_interval_s = _int(raw, "tracing.metrics.interval.ms", 10_000, 100) / 1000
        self.tracing_sample_rate = _sample_rate(raw.get("tracing.sample.rate", 100))

    @property
    def exactly_once(self) -> bool:
        """Whether ``processing.guarantee`` is ``exactly_once_v2``."""
        return self.guarantee == EXACTLY_ONCE_V2

    def _client(self, prefix: str) -> dict[str, Any]:
        common = {k: v for k, v in self.raw.items()
                  if k not in STREAMS_KEYS and not k.startswith(_PREFIXES)}
        common.update({k[len(prefix):]: v for k, v in self.raw.items() if k.startswith(prefix)})
        return common

    def consumer(self) -> dict[str, Any]:
        """Properties of the main consumer (group ``application.id``, manual commits)."""
        props: dict[str, Any] = {"auto.offset.reset": "earliest",
                                 "max.poll.interval.ms": 300_000,
                                 "fetch.queue.backoff.ms": _FETCH_QUEUE_BACKOFF_MS}
        props.update(self._client("consumer."))
        props.update({
            "group.id": self.application_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "client.id": f"{self.application_id}-{self.instance_id}-consumer",
            "logger": client_logger("consumer"),
        })
        if self.exactly_once:
            props["isolation.level"] = "read_committed"
        return props

    def restore_consumer(self) -> dict[str, Any]:
        """Properties of the consumer that replays changelogs; it never joins a group or commits."""
        props = {"fetch.queue.backoff.ms": _FETCH_QUEUE_BACKOFF_MS, **self._client("restore.consumer.")}
        props.update({
            "group.id": f"{self.application_id}-restore",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
            "isolation.level": "read_committed" if self.exactly_once else "read_uncommitted",
            "client.id": f"{self.application_id}-{self.instance_id}-restore",
            "logger": client_logger("restore"),
        })
        return props

    def producer(self) -> dict[str, Any]:
        """Properties of the producer: idempotent, murmur2 like the Java client, and
        transactional (one ``transactional.id`` per instance) under exactly-once."""
        props: dict[str, Any] = {"linger.ms": 5, "queue.buffering.max.messages": 1_000_000}
        props.update(self._client("producer."))
        props.update({
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
            "client.id": f"{self.application_id}-{self.instance_id}-producer",
            # Only failures reach Python: no per-record callback on the happy path.
            "delivery.report.only.error": True,
            "logger": client_logger("producer"),
        })
        if self.exactly_once:
            props["transactional.id"] = f"{self.application_id}-{self.instance_id}"
            props.setdefault("transaction.timeout.ms", 10_000)
        return props

    def admin(self) -> dict[str, Any]:
        """Properties of the admin client that creates internal topics."""
        props = self._client("admin.")
        props["client.id"] = f"{self.application_id}-{self.instance_id}-admin"
        props["logger"] = client_logger("admin")
        return props

    def plan_config(self) -> dict[str, Any]:
        """The keys the compiled plan reads (serdes, handlers, DLQ topic, application.id)."""
        return {k: v for k, v in self.raw.items() if k in STREAMS_KEYS}

    def scrub(self, text: str) -> str:
        """``text`` with every secret value of this config replaced by ``***``."""
        return scrub(text, self.raw)

    def describe(self) -> str:
        """The settings, one ``key=value`` a line, secrets masked."""
        return "\n".join(f"{k}={v}" for k, v in sorted(redact(self.raw).items()))

    def __repr__(self) -> str:
        return f"StreamsConfig({redact(self.raw)!r})"
