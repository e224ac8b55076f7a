"""``TracingProducer`` and ``TracingConsumer``: confluent-kafka clients that trace and report.

They take the same configuration and have the same methods as ``confluent_kafka.Producer`` and
``Consumer`` (anything not defined here is passed to the wrapped client), and add:

- **TracingProducer** puts an ``airstream.trace`` header first on every record it produces, unless
  the record already carries one (a forwarded record, see :func:`~airstream.topology.tracing.forward_headers`),
  and counts records per topic, partition (``-1`` when the partitioner chooses), minute and path.
- **TracingConsumer** counts received records per topic, partition and minute, and measures the
  latency (receive time minus the produce time in the header) and path of a sample of them.

Both say what is wrong when the cluster refuses them: a refused login or TLS handshake (reported by
librdkafka only through ``error_cb``, while requests merely time out) is kept as ``access_error``
(a :class:`~airstream.common.kafka_errors.KafkaAccessError` whose message names the principal and the
fix) and logged once, unless the configuration has its own ``error_cb`` (which is still called); and
``explain(err, topic)`` turns an error from a delivery report, ``poll`` or a transaction call into one
line naming the missing ACL (``Write`` on the topic for a producer, ``Read`` for a consumer, the group,
the transactional id) or the instance that fenced this one; ``None`` for other errors.

Both publish what they counted to ``__airstream_metrics`` every ``metrics_interval`` seconds, from
the thread that calls them (on ``produce``/``poll``/``consume``, so no background thread races the
counters), and publish what is left on ``flush()`` / ``close()``. "Produced" counts records handed
to ``produce()``; a transactional producer's records count even if the transaction aborts.

Example::

    from airstream.topology.tracing import TracingConsumer, TracingProducer

    producer = TracingProducer({"bootstrap.servers": "localhost:9092", "client.id": "replay"})
    producer.produce("tweets", b'{"text": "late again"}')
    producer.flush()

    scorer = TracingConsumer({"bootstrap.servers": "localhost:9092", "group.id": "scorer"})
    scorer.subscribe(["tweets"])
    out = TracingProducer({"bootstrap.servers": "localhost:9092", "client.id": "scorer-out"})
    for msg in scorer.consume(500, timeout=1.0):
        out.produce("scored", msg.value(), msg.key(), headers=scorer.forward_headers(msg))
    out.close(); scorer.close()
"""

from __future__ import annotations

import logging
import re
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from operator import itemgetter
from time import time_ns
from typing import Any, cast

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer

from airstream.common.kafka_errors import AccessErrorRecorder, KafkaAccessError, explain
from airstream.common.traces.header import (
    TRACE_HEADER,
    VERSION,
    forward_headers,
    next_hop,
    path_bytes,
    path_of,
    trace_value,
)
from airstream.common.traces.record import BUCKET_MS, METRICS_TOPIC
from airstream.topology.records import MessageRun
from airstream.topology.tracing.aggregate import ConsumerMetrics, ProducerMetrics
from airstream.topology.tracing.publisher import MetricsPublisher

__all__ = ["OutputTuple", "TracingConsumer", "TracingProducer", "produce_records"]

OutputTuple = tuple[str, int | None, Any, Any, int, Any]
"""A record to produce, in :class:`~airstream.topology.records.OutputRecord` field order: topic,
partition (-1 or ``None``: the producer's partitioner picks), key, value, timestamp (0 or less: now), headers."""

log = logging.getLogger("airstream.topology.tracing")

_VERSION = bytes((VERSION,))
_pack_times = struct.Struct(">qq").pack  # hop time, origin time: see airstream.common.traces.header


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _interval_ms(seconds: float) -> int:
    if not seconds > 0:
        raise ValueError(f"metrics_interval must be a positive number of seconds, got {seconds!r}")
    return int(seconds * 1000)


class _AccessErrors(AccessErrorRecorder):
    """The ``error_cb`` of a tracing client: keeps the last authentication / TLS error (as any
    :class:`AccessErrorRecorder`) and logs each distinct one once, unless the user's own ``error_cb``
    (called with every error, as before) takes care of them."""

    def __init__(self, config: Mapping[str, Any], **context: str | None) -> None:
        super().__init__(config, **context)
        self.user_cb: Callable[[KafkaError], None] | None = config.get("error_cb")
        self._logged: set[str] = set()

    def __call__(self, err: KafkaError) -> KafkaAccessError | None:
        access = super().__call__(err)
        if access is not None:
            # librdkafka's texts differ per retry only in numbers ("after 0ms", "after 2ms").
            shape = re.sub(r"\d+", "#", str(access))
            if self.user_cb is None and shape not in self._logged:
                self._logged.add(shape)
                log.error("%s", access)
        if self.user_cb is not None:
            self.user_cb(err)
        return access


class TracingProducer:
    """A ``confluent_kafka.Producer`` that adds trace headers and publishes produce counts.

    ``config`` is the producer configuration (``client.id`` names this producer in the traces; set
    it). ``forward_via``: for a forwarding step (a topology runtime) whose outputs carry their input's
    headers, the consumer group that read the inputs (with its run: ``forwarder(group, run_id(group,
    source_topics))`` from :mod:`airstream.common.traces.header`, the same run its
    :class:`TracingConsumer` reports): a record produced with a trace header is then taken one hop
    further via that group, with no call per record in the caller, and one without is sent as it is
    (a forwarding step continues traces and starts none; the record is counted under no path).
    Without it, a trace header on a produced record is kept as given, and a record without one gets
    a new one. ``metrics_interval``: seconds between
    metrics records. ``publisher``: share one
    :class:`~airstream.topology.tracing.MetricsPublisher` between clients; by default a non-transactional
    producer sends its metrics itself and a transactional one gets a separate small producer.
    """

    def __init__(self, config: Mapping[str, Any], *, forward_via: str | None = None, metrics_interval: float = 10.0,
                 metrics_topic: str = METRICS_TOPIC, publisher: MetricsPublisher | None = None) -> None:
        self._interval = _interval_ms(metrics_interval)
        self._forward_via = forward_via
        self.transactional_id: str | None = config.get("transactional.id")
        self._access = _AccessErrors(config, transactional_id=self.transactional_id)
        self._producer = Producer({**config, "error_cb": self._access})
        self._produce = self._producer.produce
        self.client_id: str = str(config.get("client.id", "rdkafka"))
        self._path = path_bytes(self.client_id, 0)
        self._stamped_ms = -1
        self._stamp: list[tuple[str, bytes]] = []
        now = _now_ms()
        self.metrics = ProducerMetrics(self.client_id, now)
        self._next = now + self._interval
        self._lock = threading.Lock()
        if publisher is None:
            shared = None if "transactional.id" in config else self._producer
            publisher = MetricsPublisher(config, topic=metrics_topic, producer=shared)
            self._own_publisher = True
        else:
            self._own_publisher = False
        self.publisher = publisher

    def __repr__(self) -> str:
        return f"TracingProducer(client_id={self.client_id!r}, publisher={self.publisher!r})"

    def __getattr__(self, name: str) -> Any:
        # Transactions, list_topics, purge, ...: the wrapped producer's own methods.
        return getattr(self._producer, name)

    @property
    def access_error(self) -> KafkaAccessError | None:
        """The last refused login or TLS handshake librdkafka reported, explained; ``None`` if none."""
        return self._access.last

    def explain(self, err: KafkaError, topic: str | None = None, operation: str = "Write") -> str | None:
        """One line for an authentication, ACL or fencing error of this producer (a delivery report's,
        a transaction call's): the principal, ``topic``, the transactional id and ``operation`` filled
        in; ``None`` for any other error."""
        return explain(err, principal=self._access.principal, topic=topic, transactional_id=self.transactional_id,
                       operation=operation)

    def __len__(self) -> int:
        return len(self._producer)

    def produce(self, topic: str, value: Any = None, key: Any = None, partition: int = -1, callback: Any = None,
                on_delivery: Any = None, timestamp: int = 0, headers: Any = None) -> None:
        """As ``Producer.produce`` (same arguments, same order), traced: a record without a trace
        header gets a new one (hop 0), unless this producer forwards (``forward_via``)."""
        now = time_ns() // 1_000_000
        headers, path = self._traced(headers, now)
        # An explicit timestamp makes the record's minute the one counted here, even at :59.999.
        ts = timestamp or now
        # confluent-kafka ignores on_delivery when callback is given, even as None: pass the one set.
        self._produce(topic, value, key, partition, on_delivery if callback is None else callback, None, ts, headers)
        with self._lock:
            self.metrics.produced(topic, partition, ts, path, now)
        if now >= self._next:
            self._publish(now)

    def produce_records(self, records: Sequence[OutputTuple], start: int = 0) -> int:
        """Produce ``records[start:]``, traced and counted as :meth:`produce` does, reading the clock
        once and updating the metrics once: a stream processor's outputs of one fetched batch. See
        :func:`produce_records` for the records and what is returned. Not shared between threads.
        Example::

            producer.produce_records([("scored", -1, b"key", b'{"polarity": 1}', 0, None)])
        """
        now = time_ns() // 1_000_000
        stamp, path = self._traced(None, now)
        counts: dict[tuple[str, int, int, bytes | None], int] = {}
        try:
            return _produce_all(self._producer, records, start, now, stamp, path, self._traced, counts)
        finally:
            if counts:
                with self._lock:
                    self.metrics.add(counts, now)
                if now >= self._next:
                    self._publish(now)

    def _traced(self, headers: Any, now: int) -> tuple[Any, bytes | None]:
        """``headers`` as this producer sends them, and the path to count the record under: a
        forwarding producer takes the trace header they carry one hop further and starts none
        (headers without one are sent as they are, counted under no path); any other keeps the one
        they carry, or puts a new one at hop 0 first."""
        if headers and type(headers) is not list:
            headers = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        existing = trace_value(headers) if headers else None
        if self._forward_via is not None:
            if existing is None:
                return headers, None
            forwarded = next_hop(existing, self._forward_via, now)
            headers = [(k, v) for k, v in headers if k != TRACE_HEADER]
            if forwarded is not None:
                headers.insert(0, (TRACE_HEADER, forwarded))
            return headers, path_of(forwarded)
        if existing is not None:
            return headers, path_of(existing)
        if now != self._stamped_ms:  # records of one millisecond share their new header
            self._stamped_ms = now
            self._stamp = [(TRACE_HEADER, _VERSION + _pack_times(now, now) + self._path)]
        # librdkafka copies the headers: the stamp's list can be passed again
        return [*self._stamp, *headers] if headers else self._stamp, self._path

    def _publish(self, now: int, *, wait: bool = False) -> None:
        with self._lock:
            self._next = now + self._interval
            if self.metrics.empty:
                return
            record = self.metrics.record(now)
            if self.publisher.publish(record, wait=wait):
                self.metrics.reset(now)

    def poll(self, *args: Any, **kwargs: Any) -> int:
        """As ``Producer.poll`` (same arguments and defaults); also publishes metrics when they are due."""
        served = self._producer.poll(*args, **kwargs)
        now = _now_ms()
        if now >= self._next:
            self._publish(now)
        return served

    def flush(self, *args: Any, **kwargs: Any) -> int:
        """Publish the metrics not yet sent, then ``Producer.flush`` (same arguments)."""
        self._publish(_now_ms(), wait=True)
        return self._producer.flush(*args, **kwargs)

    def close(self, timeout: float = 30.0) -> int:
        """Deliver what is queued within ``timeout`` seconds and publish the remaining metrics;
        returns how many records were left undelivered. As Kafka's ``Producer.close(timeout)``, those
        fail now: each one's delivery callback gets ``_PURGE_QUEUE`` (never sent) or ``_PURGE_INFLIGHT``
        (sent, unanswered: it may have been written). Left queued, they would keep their callbacks,
        and whatever those hold, alive until librdkafka is destroyed at interpreter exit, where it
        would call back into a Python being torn down."""
        left = self.flush(timeout)
        if left:
            self._producer.purge()
            self._producer.poll(0)
        if self._own_publisher:
            self.publisher.close(timeout)
        return left

    def __enter__(self) -> TracingProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TracingConsumer:
    """A ``confluent_kafka.Consumer`` that measures what it receives and publishes it.

    ``config`` is the consumer configuration; ``group.id`` and ``client.id`` name this consumer in
    the traces. Every record is counted; the trace headers of at most ``sample_rate`` records a
    second are read for latency and path (``None``: every header, exact per-path counts even for a
    group that is behind, at about a microsecond of CPU per record). See :class:`TracingProducer` for
    ``metrics_interval`` and ``publisher``. ``run``: for a forwarding step, the run its producer
    forwards under, so the monitor chains this group's hops only to what this run wrote.
    ``observe_consumed=False``: ``consume``/``poll`` count nothing; the caller hands the records it
    made of them to :meth:`observe_records` (a stream processor that reads every record's fields
    anyway, so they are not read twice).
    """

    def __init__(self, config: Mapping[str, Any], *, metrics_interval: float = 10.0,
                 sample_rate: float | None = 100.0, metrics_topic: str = METRICS_TOPIC,
                 publisher: MetricsPublisher | None = None, run: str | None = None,
                 observe_consumed: bool = True) -> None:
        self._interval = _interval_ms(metrics_interval)
        self._observe_consumed = observe_consumed
        self.group_id: str | None = config.get("group.id")
        self._access = _AccessErrors(config, group=self.group_id)
        self._consumer = Consumer({**config, "error_cb": self._access})
        self.client_id: str = str(config.get("client.id", "rdkafka"))
        self.run = run
        now = _now_ms()
        self.metrics = ConsumerMetrics(self.client_id, self.group_id, now, sample_rate=sample_rate, run=run)
        self._topic: str | None = None  # the only topic read, when subscribe/assign say so
        self._next = now + self._interval
        self._own_publisher = publisher is None
        self.publisher = publisher or MetricsPublisher(config, topic=metrics_topic)

    def __repr__(self) -> str:
        return f"TracingConsumer(client_id={self.client_id!r}, group_id={self.group_id!r})"

    def __getattr__(self, name: str) -> Any:
        # subscribe, assign, commit, position, ...: the wrapped consumer's own methods.
        return getattr(self._consumer, name)

    @property
    def access_error(self) -> KafkaAccessError | None:
        """The last refused login or TLS handshake librdkafka reported, explained; ``None`` if none."""
        return self._access.last

    def explain(self, err: KafkaError, topic: str | None = None, operation: str | None = None) -> str | None:
        """One line for an authentication, ACL or fencing error of this consumer (a message's
        ``error()``, a commit's): the principal, ``topic`` and the group filled in; ``None`` for any
        other error. A topic error is taken as a missing ``Read`` unless ``operation`` says otherwise."""
        op = operation or ("Read" if err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED else None)
        return explain(err, principal=self._access.principal, topic=topic or self._topic, group=self.group_id,
                       operation=op)

    def subscribe(self, topics: list[str], *args: Any, **kwargs: Any) -> None:
        """As ``Consumer.subscribe``."""
        self._topic = topics[0] if len(topics) == 1 and not topics[0].startswith("^") else None
        self._consumer.subscribe(topics, *args, **kwargs)

    def assign(self, partitions: list[Any]) -> None:
        """As ``Consumer.assign``."""
        topics = {tp.topic for tp in partitions}
        self._topic = topics.pop() if len(topics) == 1 else None
        self._consumer.assign(partitions)

    def incremental_assign(self, partitions: list[Any]) -> None:
        """As ``Consumer.incremental_assign``."""
        if any(tp.topic != self._topic for tp in partitions):
            self._topic = None
        self._consumer.incremental_assign(partitions)

    def consume(self, *args: Any, **kwargs: Any) -> list[Message]:
        """As ``Consumer.consume`` (same arguments and defaults); the batch is counted and sampled."""
        messages = self._consumer.consume(*args, **kwargs)
        now = _now_ms()
        if messages and self._observe_consumed:
            self.metrics.observe(messages, now, self._topic)
        if now >= self._next:
            self._publish(now)
        return messages

    def observe_records(self, records: Sequence[tuple[Any, ...]],
                        runs: Iterable[Sequence[tuple[Any, ...]]] | None = None) -> None:
        """Count and sample ``records`` (tuples in :class:`~airstream.topology.records.InputRecord` order,
        e.g. :func:`~airstream.topology.records.from_messages` of what ``consume`` returned), received
        now: for a consumer made with ``observe_consumed=False``. ``runs``: the same records split into
        runs of one topic and partition, if the caller has them (see
        :meth:`~airstream.topology.tracing.aggregate.ConsumerMetrics.observe_records`)."""
        self.metrics.observe_records(records, _now_ms(), runs)

    def observe_runs(self, messages: Sequence[Message], runs: Iterable[MessageRun]) -> None:
        """Count and sample ``messages`` (none with an error), received now, split into ``runs``
        (:func:`~airstream.topology.records.message_runs`): for a consumer made with
        ``observe_consumed=False`` whose caller splits them anyway (see
        :meth:`~airstream.topology.tracing.aggregate.ConsumerMetrics.observe_runs`)."""
        self.metrics.observe_runs(messages, runs, _now_ms())

    def poll(self, *args: Any, **kwargs: Any) -> Message | None:
        """As ``Consumer.poll`` (same arguments and defaults); the record is counted and sampled."""
        message = self._consumer.poll(*args, **kwargs)
        now = _now_ms()
        if message is not None and self._observe_consumed:
            self.metrics.observe((message,), now, self._topic)
        if now >= self._next:
            self._publish(now)
        return message

    def forward_headers(self, message: Message) -> list[tuple[str, Any]]:
        """Headers for a record derived from ``message``: its trace continued via this group."""
        # A consumed message's headers are a list of (name, bytes) pairs, never the dict a producer takes.
        headers = cast("list[tuple[str, bytes | None]] | None", message.headers())
        return forward_headers(headers, via=self.group_id or self.client_id)

    def _publish(self, now: int, *, wait: bool = False) -> None:
        self._next = now + self._interval
        if not self.metrics.empty and self.publisher.publish(self.metrics.record(now), wait=wait):
            self.metrics.reset(now)

    def close(self) -> None:
        """Publish the remaining metrics, then ``Consumer.close``."""
        self._publish(_now_ms(), wait=True)
        if self._own_publisher:
            self.publisher.close()
        self._consumer.close()

    def __enter__(self) -> TracingConsumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def produce_records(producer: Producer | TracingProducer, records: Sequence[OutputTuple], start: int = 0) -> int:
    """Produce ``records[start:]`` with ``producer`` (traced if it is a :class:`TracingProducer`),
    waiting for deliveries when the local queue is full. Returns ``len(records)`` when all are
    queued, or the index of the first record librdkafka refuses as larger than its
    ``message.max.bytes`` (the ones before it are queued; call again from the next one). Any other
    refusal raises ``KafkaException``.

    One call for a batch of records, not one ``produce()`` per record: what a record costs besides
    librdkafka's own work is then one turn of this loop.

    >>> from confluent_kafka import Producer
    >>> p = Producer({"bootstrap.servers": "127.0.0.1:9", "message.max.bytes": 1000})
    >>> produce_records(p, [("t", -1, b"k", b"small", 0, None), ("t", -1, b"k", b"x" * 5000, 0, None)])
    1
    >>> p.purge()
    """
    if isinstance(producer, TracingProducer):
        return producer.produce_records(records, start)
    return _produce_all(producer, records, start, time_ns() // 1_000_000, None, None, _untraced, None)


def _untraced(headers: Any, now: int) -> tuple[Any, None]:
    return headers, None


def _produce_all(producer: Producer, records: Sequence[OutputTuple], start: int, now: int, stamp: Any,
                 path0: bytes | None, traced: Callable[[Any, int], tuple[Any, bytes | None]],
                 counts: dict[tuple[str, int, int, bytes | None], int] | None) -> int:
    """The loop of :func:`produce_records`; ``counts`` (``None``: not traced) gets the records queued."""
    raw = producer.produce
    forwarded: list[tuple[str, int, int, bytes | None]] = []
    i = start
    try:
        # Unpacking each record as the loop takes it, and counting the index, is cheaper than
        # indexing the list: the index is needed only when librdkafka refuses a record.
        for topic, partition, key, value, ts, headers in records if start == 0 else islice(records, start, None):
            if partition is None:
                partition = -1
            if ts <= 0:
                ts = now
            if headers:
                headers, path = traced(headers, now)
                if path is not path0:
                    forwarded.append((topic, partition, ts, path))
            else:
                headers = stamp
            while True:
                try:
                    raw(topic, value, key, partition, None, None, ts, headers)
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    producer.poll(0.1)
            i += 1
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
            raise
    if counts is not None:
        _count(records, start, i, now, path0, forwarded, counts)
    return i


_topic_of, _partition_of, _ts_of, _topic_partition = itemgetter(0), itemgetter(1), itemgetter(4), itemgetter(0, 1)


def _count(records: Sequence[OutputTuple], start: int, stop: int, now: int, path0: bytes | None,
           forwarded: list[tuple[str, int, int, bytes | None]],
           counts: dict[tuple[str, int, int, bytes | None], int]) -> None:
    """Add ``records[start:stop]`` to ``counts`` by (topic, partition, minute, path): all under
    ``path0`` but the ``forwarded`` ones. Counted after producing, column by column: the records of
    one batch are nearly always of one minute, and a task's outputs of one topic and partition
    (``None``, the partitioner's), which are then counted by their number alone."""
    part = records[start:stop] if (start, stop) != (0, len(records)) else records
    if not part:
        return
    low, high = min(map(_ts_of, part)), max(map(_ts_of, part))
    if low > 0 and low - low % BUCKET_MS == high - high % BUCKET_MS:
        bucket = low - low % BUCKET_MS
        topics, partitions = set(map(_topic_of, part)), set(map(_partition_of, part))
        if len(topics) == 1 and len(partitions) == 1:
            per_partition = {(topics.pop(), partitions.pop()): len(part)}
        else:
            per_partition = Counter(map(_topic_partition, part))
        for (topic, partition), n in per_partition.items():
            row = (topic, -1 if partition is None else partition, bucket, path0)
            counts[row] = counts.get(row, 0) + n
    else:
        for topic, partition, _key, _value, ts, _headers in part:
            ts = ts if ts > 0 else now
            row = (topic, -1 if partition is None else partition, ts - ts % BUCKET_MS, path0)
            counts[row] = counts.get(row, 0) + 1
    for topic, partition, ts, path in forwarded:  # counted under path0 above: move them to their path
        bucket = ts - ts % BUCKET_MS
        row = (topic, partition, bucket, path0)
        counts[row] -= 1
        if not counts[row]:
            del counts[row]
        row = (topic, partition, bucket, path)
        counts[row] = counts.get(row, 0) + 1
