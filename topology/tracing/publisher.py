"""Publishing metrics records to ``__airstream_metrics`` (created on first use, time-retained).

The topic is created with ``cleanup.policy=delete`` and ``retention.ms`` of 7 days by default: the
records are deltas, so compaction (which keeps only the last record per key) would lose data.
Records are keyed by client id, so one client's records stay in order in one partition.

Telemetry never stops the application: when the topic cannot be created or a record cannot be
delivered, a warning names the topic, the reason and the fix, once per distinct reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import orjson
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.client_config import connection_config
from airstream.common.kafka_errors import explain, principal_of
from airstream.common.traces.record import METRICS_TOPIC

__all__ = ["PURGED_ON_CLOSE", "MetricsPublisher"]

log = logging.getLogger("airstream.topology.tracing")

PURGED_ON_CLOSE = (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT)
"""Delivery-report errors of records :meth:`TracingProducer.close <airstream.topology.tracing.TracingProducer.close>`
failed because they were not delivered in time (it returns how many)."""

RETENTION_MS = 7 * 24 * 3600 * 1000
_UNREACHABLE = frozenset({KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN})


class MetricsPublisher:
    """Sends metrics records to the metrics topic, creating the topic the first time.

    ``producer``: an existing (non-transactional) producer to send through; by default the publisher
    makes a small idempotent producer of its own from the connection part of ``config``. One
    publisher may serve several clients.

    Example::

        pub = MetricsPublisher({"bootstrap.servers": "localhost:9092"})
        pub.publish({"v": 1, "kind": "producer", "client_id": "p1", "rows": [], ...})
        pub.close()
    """

    def __init__(self, config: Mapping[str, Any], *, topic: str = METRICS_TOPIC, producer: Producer | None = None,
                 partitions: int = 1, retention_ms: int = RETENTION_MS, timeout: float = 10.0) -> None:
        self.topic = topic
        self._client_id = str(config.get("client.id", "airstream"))
        self._connection = connection_config(config)
        self._principal = principal_of(config)
        self._partitions, self._retention_ms, self._timeout = partitions, retention_ms, timeout
        self._own = producer is None
        self._producer = producer
        self._warned: set[str] = set()
        # Creating the topic and a producer takes a round trip or two: do it now, off the caller's
        # thread, so the first publish (in the middle of someone's consume loop) does not wait.
        self._preparing = threading.Thread(target=self._prepare, name=f"airstream-metrics-{topic}", daemon=True)
        self._preparing.start()

    def __repr__(self) -> str:
        return f"MetricsPublisher(topic={self.topic!r}, bootstrap={self._connection.get('bootstrap.servers')!r})"

    def _warn(self, reason: str, text: str) -> None:
        if reason not in self._warned:
            self._warned.add(reason)
            log.warning(text)

    def ensure_topic(self) -> None:
        """Create the metrics topic if it does not exist (idempotent; failures only warn)."""
        admin = AdminClient(self._connection)
        try:
            metadata = admin.list_topics(timeout=self._timeout)
            if self.topic in metadata.topics:
                return
            replicas = max(1, min(3, len(metadata.brokers)))
            new = NewTopic(self.topic, self._partitions, replicas,
                           config={"cleanup.policy": "delete", "retention.ms": str(self._retention_ms)})
            admin.create_topics([new], request_timeout=self._timeout)[self.topic].result(self._timeout)
            log.info("created the metrics topic %s (%d partitions, replication %d, retention %d ms)",
                     self.topic, self._partitions, replicas, self._retention_ms)
        except KafkaException as exc:
            err = exc.args[0] if exc.args else None
            if isinstance(err, KafkaError) and err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return
            if isinstance(err, KafkaError) and err.code() in _UNREACHABLE:
                # The cluster cannot be reached or refuses the login: the application's own clients say so
                # (a refused login in one line naming the principal); a second, vaguer line would only mislead.
                log.info("could not check the metrics topic %s: %s", self.topic, err.str())
                return
            denied = explain(err, principal=self._principal, topic=self.topic, operation="Create") if isinstance(
                err, KafkaError) else None
            if denied is not None:
                self._warn(f"create:{err}", f"could not create the metrics topic {self.topic}: {denied}. Metrics "
                           "are still sent, in case it exists.")
                return
            self._warn(f"create:{err}", f"could not create the metrics topic {self.topic}: {err}. Traces need it: "
                       f"create it with cleanup.policy=delete and a retention.ms, or grant this client CREATE "
                       f"on the cluster. Metrics are still sent, in case it exists.")
        except Exception as exc:  # a timeout from the futures, a broker that went away
            self._warn(f"create:{type(exc).__name__}", f"could not check or create the metrics topic {self.topic}: "
                       f"{exc!r}; will send metrics anyway")

    def _prepare(self) -> None:
        self.ensure_topic()
        if self._producer is None:
            self._producer = Producer({**self._connection, "enable.idempotence": True, "linger.ms": 100,
                                       "client.id": f"{self._client_id}.metrics"})

    def _delivered(self, err: KafkaError | None, _msg: Any) -> None:
        # A purge is the closing producer's own doing: not news about the broker or this client's rights.
        if err is None or err.code() in PURGED_ON_CLOSE:
            return
        denied = explain(err, principal=self._principal, topic=self.topic, operation="Write")
        if denied is not None:
            self._warn(f"deliver:{err.code()}", f"metrics records for {self.topic} are not delivered: {denied}. "
                       "Traces miss this client until then; the application itself is not affected.")
        else:
            self._warn(f"deliver:{err.code()}", f"a metrics record for {self.topic} was not delivered: {err.str()}. "
                       "Traces will miss that interval; check the broker and this client's WRITE permission.")

    def publish(self, record: Mapping[str, Any], *, wait: bool = False) -> bool:
        """Send one record (keyed by its ``client_id``).

        ``False`` means "not now, keep it for the next time": the topic and producer are still being
        set up (unless ``wait``: then wait for that, as ``flush``/``close`` do) or the local queue is full.
        """
        if self._preparing.is_alive():
            if not wait:
                return False
            self._preparing.join()
        producer = self._producer
        assert producer is not None
        value = orjson.dumps(record)
        key = str(record.get("client_id", "")).encode("utf-8")
        for _attempt in range(2):
            try:
                producer.produce(self.topic, value, key, on_delivery=self._delivered)
                break
            except BufferError:
                producer.poll(0.5)
        else:
            self._warn("queue-full", f"the local producer queue is full; a metrics record for {self.topic} "
                       "waits for the next interval")
            return False
        producer.poll(0)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (only the publisher's own producer is flushed)."""
        self._preparing.join()
        if self._own and self._producer is not None:
            left = self._producer.flush(timeout)
            if left:
                self._warn("close", f"{left} metrics records for {self.topic} were not delivered within {timeout} s")
