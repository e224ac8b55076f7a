"""Processing guarantees: how outputs and input offsets are made durable together.

Both guarantees share one producer (idempotent, ``acks=all``) and are driven the same way by
the processing loop: :meth:`begin` before producing, :meth:`commit` with the next offsets of
everything processed, every ``commit.interval.ms`` and before partitions are given up.

- :class:`AtLeastOnce` flushes the producer and then commits the offsets, so an offset is
  committed only once every output of the records before it was acknowledged. A crash between
  the two replays the uncommitted records: duplicates, never losses.
- :class:`ExactlyOnce` (``exactly_once_v2``) keeps one transaction open per commit interval
  with outputs, changelog writes and the input offsets (``send_offsets_to_transaction`` with
  the consumer's group metadata, which fences zombies after a rebalance). Readers with
  ``isolation.level=read_committed`` see each result once.

:meth:`commit` returns normally when the offsets are durable, retries transient errors
(broker unreachable, timed out, coordinator loading) with back-off, raises :class:`Rewind`
when the work since the last commit is lost and must be redone from the committed offsets
(an aborted transaction, or outputs whose delivery timed out), and raises
:class:`~airstream.topology.errors.StreamsException` for errors that retrying cannot fix.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from airstream.common.kafka_errors import access_error, principal_of
from airstream.common.redact import scrub
from airstream.common.traces.header import forwarder
from airstream.topology.errors import StreamsException
from airstream.topology.runtime.config import StreamsConfig
from airstream.topology.runtime.record_size import record_size
from airstream.topology.tracing import MetricsPublisher, TracingConsumer, TracingProducer

__all__ = ["AtLeastOnce", "CommitInFlight", "ExactlyOnce", "Guarantee", "Rewind", "committed_offsets", "is_transient",
           "make_guarantee"]

log = logging.getLogger("airstream.topology.runtime")

_BACKOFF_MAX_S = 5.0


_TRANSIENT = frozenset({
    KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN, KafkaError._WAIT_COORD,
    KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR, KafkaError.REQUEST_TIMED_OUT, KafkaError.NETWORK_EXCEPTION,
})


def is_transient(err: KafkaError) -> bool:
    """Errors that go away by themselves (a broker restarting, a leader moving): retry them."""
    return err.retriable() or err.code() in _TRANSIENT


class Rewind(Exception):
    """The work since the last commit must be redone from the committed offsets."""


def access_stop(err: KafkaError, client: Mapping[str, Any], **context: str | None) -> StreamsException | None:
    """For an authentication, authorisation or fencing error, the :class:`StreamsException` that stops
    the application with one line saying what to grant or fix (``context``: the topic, group or
    transactional id and the operation, see :func:`~airstream.common.kafka_errors.explain`); ``None``
    for any other error. Retrying such an error never helps, so the runtime stops on it."""
    cause = access_error(err, principal=principal_of(client), **context)
    if cause is None:
        return None
    stop = StreamsException(scrub(str(cause), client))
    stop.__cause__ = cause  # callers raise it `from stop.__cause__`: airstream run reads its kind
    return stop


def committed_offsets(consumer: Consumer | TracingConsumer, partitions: list[TopicPartition], *,
                      attempts: int = 30, retry_s: float = 1.0) -> list[TopicPartition]:
    """The group's committed offsets of ``partitions`` (an offset below 0: none committed), to rewind
    to. Retries up to ``attempts`` times, ``retry_s`` apart, when the request fails *or any partition
    in it does*: a partition whose lookup failed comes back without an offset too, and taken for
    "never committed" it would be rewound to ``auto.offset.reset`` -- with ``latest``, past the
    records being redone. Raises :class:`StreamsException` naming the partitions at the last attempt.
    """
    attempt = 1
    while True:
        try:
            committed = consumer.committed(partitions, timeout=10)
            failed = [f"{tp.topic}[{tp.partition}]: {err.str()}" for tp in committed if (err := tp.error) is not None]
            if not failed:
                return list(committed)
            reason = "; ".join(failed)
        except KafkaException as exc:
            reason = exc.args[0].str()
        if attempt >= attempts:
            raise StreamsException(f"cannot read the committed offsets to rewind to after {attempts} attempts: "
                                   f"{reason}")
        log.warning("reading committed offsets failed (%s); retrying", reason)
        time.sleep(retry_s)
        attempt += 1


class _DeliveryErrors:
    """Collects failed deliveries (the producer reports only failures)."""

    def __init__(self, producer_config: Mapping[str, Any]) -> None:
        self.producer_config = producer_config
        self.access: StreamsException | None = None
        """A record refused for want of an ACL: stops the application at the next check."""
        self.errors: list[tuple[str, KafkaError]] = []
        self.too_large: dict[str, int] = {}
        """Topics that refused records as too large, and the size of the largest one refused (the
        smaller ones may only have shared its batch)."""

    def __call__(self, err: KafkaError | None, msg: Any) -> None:
        if err is None:
            return
        try:
            self._record(err, msg)
        except SystemError:
            # confluent-kafka 2.16 fails any call on the error while a fatal error is pending; the
            # call that follows (flush, commit) raises that fatal error, which is handled there.
            log.debug("delivery report during a fatal error: ignored")

    def _record(self, err: KafkaError, msg: Any) -> None:
        self.errors.append((msg.topic(), err))
        self.access = self.access or access_stop(err, self.producer_config, topic=msg.topic(), operation="Write")
        if err.code() == KafkaError.MSG_SIZE_TOO_LARGE:
            size = record_size(msg.key(), msg.value(), msg.headers())
            self.too_large[msg.topic()] = max(size, self.too_large.get(msg.topic(), size))

    def check(self) -> None:
        """Raise for permanent delivery errors; :class:`Rewind` for retriable ones and for records a
        topic refused as too large (redone, the runner then measures that topic's records first)."""
        if self.access is not None:
            raise self.access
        if not self.errors:
            return
        errors, self.errors = self.errors, []
        for topic, err in errors:
            if err.code() == KafkaError.MSG_SIZE_TOO_LARGE:
                continue
            if not err.retriable() and err.code() not in (KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT):
                raise StreamsException(f"cannot write to topic {topic!r}: {err.str()}. Fix the topic "
                                       "(exists? record size within max.message.bytes? ACLs?) and restart",
                                       topic=topic)
        log.warning("%d output record(s) were not delivered (%s); redoing from the last commit",
                    len(errors), errors[0][1].str())
        raise Rewind()


class Guarantee:
    """Common part: the producer and back-off for transient errors."""

    exactly_once = False

    def __init__(self, config: StreamsConfig, consumer: Consumer | TracingConsumer,
                 publisher: MetricsPublisher | None = None, size_limits: Mapping[str, int] | None = None) -> None:
        self.config = config
        self.consumer = consumer
        self.publisher = publisher
        self.size_limits = dict(size_limits or {})
        self.fatal: KafkaError | None = None
        """The producer's fatal error (librdkafka's calls then say only ``_FATAL``)."""
        self.delivery = _DeliveryErrors(config.producer())
        self.producer = self._new_producer()
        self.in_transaction = False

    def _new_producer(self) -> Producer | TracingProducer:
        props = self.config.producer()
        props["on_delivery"] = self.delivery
        props["error_cb"] = self._on_error
        props.update(self.size_limits)
        if self.publisher is None:
            return Producer(props)
        # Outputs carry their input's headers: the trace goes one hop further via this group.
        # The run its consumer reports, so the monitor chains hops of this deployment only.
        run = self.consumer.run if isinstance(self.consumer, TracingConsumer) else None
        return TracingProducer(props, forward_via=forwarder(self.config.application_id, run),
                               metrics_interval=self.config.tracing_interval_s, publisher=self.publisher)

    def _on_error(self, err: KafkaError) -> None:
        try:
            if err.fatal():
                self.fatal = self.fatal or err
            else:  # librdkafka retries by itself; the consumer's error_cb reports an unreachable cluster
                log.debug("producer: %s", err.str())
        except SystemError:  # see _DeliveryErrors: the call that follows raises the fatal error
            log.debug("producer error report during a fatal error: ignored")

    def stop_error(self, err: KafkaError) -> StreamsException | None:
        """The one-line stop for ``err`` (or the fatal error behind a ``_FATAL``) when it is an
        authentication, authorisation or fencing error; see :func:`access_stop`."""
        if err.code() == KafkaError._FATAL:
            self.producer.poll(0)  # serves error_cb, which holds the real cause
            err = self.fatal or err
        elif err.fatal():
            self.fatal = self.fatal or err
        props = self.config.producer()
        return access_stop(err, props, transactional_id=props.get("transactional.id"),
                           group=self.config.application_id)

    def begin(self) -> None:
        """Called before producing."""

    def commit(self, offsets: list[TopicPartition], give_up_at: float | None = None) -> bool:
        """Make outputs and ``offsets`` durable; ``False`` if ``give_up_at`` (monotonic time)
        passed while the brokers were unreachable."""
        raise NotImplementedError

    def abort(self) -> None:
        """Drop the outputs since the last commit where possible."""

    def resize(self, size_limits: Mapping[str, int]) -> None:
        """New record and batch size limits (``message.max.bytes``, ``batch.size``): librdkafka's
        cannot change, so a new producer takes over (at a rewind: what the old one held is redone)."""
        self.size_limits = dict(size_limits)
        self._replace_producer()

    def _replace_producer(self) -> None:
        old = self.producer
        try:
            old.purge()
            old.flush(0)  # a tracing producer publishes what it counted
        except (KafkaException, RuntimeError) as exc:
            log.debug("purge and flush before replacing the producer: %s", exc)
        self.producer = self._new_producer()

    def close(self, timeout: float) -> None:
        """Flush what is left and release the producer."""
        self.producer.flush(timeout)

    @staticmethod
    def _backoff(attempt: int, what: str, err: KafkaError) -> None:
        delay = min(_BACKOFF_MAX_S, 0.2 * 2 ** attempt)
        log.warning("%s failed (%s); retrying in %.1fs", what, err.str(), delay)
        time.sleep(delay)


class AtLeastOnce(Guarantee):
    """Flush, then commit offsets (see the module docstring)."""

    def commit(self, offsets: list[TopicPartition], give_up_at: float | None = None) -> bool:
        attempt = 0
        while self.producer.flush(1.0) > 0:
            if give_up_at is not None and time.monotonic() > give_up_at:
                return False
            attempt += 1
            if attempt % 10 == 1:
                log.warning("waiting for %d output record(s) to be acknowledged before committing; "
                            "are the brokers reachable?", len(self.producer))
        self.delivery.check()
        if not offsets:
            return True
        attempt = 0
        while True:
            try:
                self.consumer.commit(offsets=offsets, asynchronous=False)
                return True
            except KafkaException as exc:
                err = exc.args[0]
                if err.code() in (KafkaError.ILLEGAL_GENERATION, KafkaError.UNKNOWN_MEMBER_ID,
                                  KafkaError.REBALANCE_IN_PROGRESS, KafkaError._NO_OFFSET):
                    # The partitions moved (or nothing to commit); the rebalance callbacks clean up.
                    log.warning("commit skipped: %s", err.str())
                    return True
                if not is_transient(err):
                    stop = access_stop(err, self.config.consumer(), group=self.config.application_id,
                                       operation="Read")
                    if stop is not None:
                        raise stop from stop.__cause__
                    raise StreamsException(f"cannot commit offsets: {err.str()}") from None
                if give_up_at is not None and time.monotonic() > give_up_at:
                    return False
                self._backoff(attempt, "offset commit", err)
                attempt += 1


_SEND_OFFSETS_TIMEOUT_S = 10


class _Hung(Exception):
    """A call did not return before its deadline."""


class _OnDaemonThread:
    """``fn(*args)`` running on a daemon thread; :meth:`result` waits for it. A daemon thread,
    not an executor: executor threads are joined when the interpreter exits, so a librdkafka
    call that never returns would keep the process alive forever."""

    def __init__(self, name: str, fn: Any, *args: Any) -> None:
        self.seconds = 0.0  # how long the call took, once done
        self._outcome: Any = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        threading.Thread(target=self._run, args=(fn, args), name=name, daemon=True).start()

    def _run(self, fn: Any, args: tuple[Any, ...]) -> None:
        started = time.perf_counter()
        try:
            self._outcome = fn(*args)
        except BaseException as exc:
            self._error = exc
        self.seconds = time.perf_counter() - started
        self._done.set()

    def done(self) -> bool:
        """Whether the call has ended (either way)."""
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> Any:
        """What the call returned, or raise what it raised; :class:`_Hung` after ``timeout``."""
        if not self._done.wait(timeout):
            raise _Hung()
        if self._error is not None:
            raise self._error
        return self._outcome


def _call_with_deadline(fn: Any, *args: Any, deadline_s: float) -> Any:
    """``fn(*args)``, raising :class:`_Hung` if it has not returned after ``deadline_s`` (the
    call is left running on its daemon thread)."""
    return _OnDaemonThread("airstream-txn-offsets", fn, *args).result(deadline_s)


class ExactlyOnce(Guarantee):
    """One transaction per commit interval (see the module docstring)."""

    exactly_once = True

    def __init__(self, config: StreamsConfig, consumer: Consumer | TracingConsumer,
                 publisher: MetricsPublisher | None = None, size_limits: Mapping[str, int] | None = None) -> None:
        super().__init__(config, consumer, publisher, size_limits)
        self._offsets_sent = False
        self._init()

    def _init(self) -> None:
        attempt = 0
        while True:
            try:
                self.producer.init_transactions(30)
                return
            except KafkaException as exc:
                err = exc.args[0]
                if not is_transient(err) or attempt > 20:
                    props = self.config.producer()
                    stop = access_stop(err, props, transactional_id=props["transactional.id"], operation="Write")
                    if stop is not None:
                        raise stop from stop.__cause__
                    raise StreamsException(f"cannot initialise the transactional producer: {err.str()}") from None
                self._backoff(attempt, "init_transactions", err)
                attempt += 1

    def begin(self) -> None:
        if not self.in_transaction:
            self.producer.begin_transaction()
            self.in_transaction = True
            self._offsets_sent = False

    def commit(self, offsets: list[TopicPartition], give_up_at: float | None = None) -> bool:
        if not self.in_transaction:
            if not offsets:
                return True
            self.begin()
        attempt = 0
        while True:
            try:
                # After a timed-out commit_transaction only that call may be retried (the
                # processing loop does not produce until this returns True).
                if offsets and not self._offsets_sent:
                    self._send_offsets(offsets)
                    self._offsets_sent = True
                self.producer.commit_transaction(30)
                self.in_transaction = False
                self.delivery.errors.clear()
                return True
            except KafkaException as exc:
                err = exc.args[0]
                stop = self.delivery.access or self.stop_error(err)
                if stop is not None:
                    raise stop from stop.__cause__
                if err.txn_requires_abort() or err.fatal():
                    log.warning("transaction cannot commit (%s); redoing from the last commit", err.str())
                    self.abort()
                    raise Rewind() from None
                if give_up_at is not None and time.monotonic() > give_up_at:
                    return False
                self._backoff(attempt, "transaction commit", err)
                attempt += 1

    def _send_offsets(self, offsets: list[TopicPartition]) -> None:
        # librdkafka's send_offsets_to_transaction can block past its timeout when the cached
        # group coordinator went away (librdkafka issues #5456, #5511; seen here after a broker
        # restart), so it runs on a worker thread with a watchdog; a hung producer is replaced.
        try:
            _call_with_deadline(self.producer.send_offsets_to_transaction, offsets,
                                self.consumer.consumer_group_metadata(), _SEND_OFFSETS_TIMEOUT_S,
                                deadline_s=_SEND_OFFSETS_TIMEOUT_S + 10)
        except _Hung:
            log.error("send_offsets_to_transaction did not return within %ds (a known librdkafka hang when "
                      "the group coordinator moved); replacing the transactional producer",
                      _SEND_OFFSETS_TIMEOUT_S + 10)
            self.abort()
            raise Rewind() from None

    def abort(self) -> None:
        """Drop the open transaction by replacing the producer: the new one, with the same
        ``transactional.id``, fences the old one and the coordinator aborts its transaction.
        (``abort_transaction`` on a producer that lost its brokers mid-transaction was seen to
        leave it unable to commit afterwards.)"""
        if not self.in_transaction:
            return
        self.in_transaction = False
        self.delivery.errors.clear()
        if self.fatal is not None and self.fatal.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED):
            # Another instance took the transactional.id: a new producer with it would fence that
            # one in turn. Its coordinator has aborted this transaction already.
            return
        self._replace_producer()
        log.info("aborted the open transaction with a new transactional producer")

    def _replace_producer(self) -> None:
        super()._replace_producer()
        self._init()

    def close(self, timeout: float) -> None:
        if self.in_transaction:
            try:
                self.producer.abort_transaction(timeout)
            except KafkaException as exc:
                log.warning("abort at close failed: %s", exc.args[0].str())
        try:
            self.producer.flush(timeout)
        except KafkaException as exc:  # a fenced producer raises its fatal error
            log.debug("flush at close: %s", exc.args[0].str())


class CommitInFlight:
    """``guarantee.commit(offsets, give_up_at)`` running on a daemon thread.

    Under exactly-once a commit mostly waits: for the acknowledgements of the transaction's
    records, the offsets request and the end-transaction markers. The processing loop starts the
    commit here and goes on processing the next batch meanwhile, holding back what that batch
    produces until :meth:`result` says the transaction is committed (a producer cannot add to a
    transaction while it commits). Nothing produced by the held work and none of its offsets are in
    the committing transaction.
    """

    def __init__(self, guarantee: Guarantee, offsets: list[TopicPartition], give_up_at: float | None) -> None:
        self.offsets = offsets
        self._call = _OnDaemonThread("airstream-commit", guarantee.commit, offsets, give_up_at)

    @property
    def latency_ms(self) -> float:
        """How long the commit took, once done."""
        return self._call.seconds * 1000

    def done(self) -> bool:
        """Whether the commit has finished (either way)."""
        return self._call.done()

    def result(self) -> bool:
        """Wait for the commit; what ``commit`` returned, or raise what it raised."""
        return bool(self._call.result())


def make_guarantee(config: StreamsConfig, consumer: Consumer | TracingConsumer,
                   publisher: MetricsPublisher | None = None, size_limits: Mapping[str, int] | None = None
                   ) -> Guarantee:
    """The guarantee ``processing.guarantee`` names; with a ``publisher``, its producer traces;
    ``size_limits`` are producer properties that follow the topics it writes (see :mod:`.record_size`)."""
    kind = ExactlyOnce if config.exactly_once else AtLeastOnce
    return kind(config, consumer, publisher, size_limits)
