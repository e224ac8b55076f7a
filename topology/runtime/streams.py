"""``KafkaStreams``: run a :class:`~airstream.Topology` on a Kafka cluster as a consumer group.

Every instance started with the same ``application.id`` joins the group of that name; the
source partitions are shared among the instances and each partition group (partition ``p``
of the topics a sub-topology reads) is one :class:`~airstream.topology.engine.task.Task`, the same
task the embedded engine runs. One processing thread per instance:

1. ``consume(max.poll.records)`` a batch, split it per task (records keep their partition
   order; a task reading several topics takes the lowest timestamp first);
2. ``task.process(batch)`` and produce its outputs asynchronously (repartition topics get
   the partition :func:`~airstream.topology.partitioner.partition_for` computes, other keyed records
   are placed by librdkafka's ``murmur2_random``, which agrees with the Java client);
3. every ``commit.interval.ms``, make outputs and offsets durable with the configured
   guarantee (:mod:`airstream.topology.runtime.commit`), and fire wall-clock punctuators.

Rebalances, restores and the guarantees are described in :mod:`airstream.topology.runtime.rebalance`,
:mod:`airstream.topology.runtime.restore` and :mod:`airstream.topology.runtime.commit`.

>>> from airstream.topology import StreamsBuilder
>>> b = StreamsBuilder()
>>> b.stream("tweets").filter(lambda k, v: v).to("kept")
>>> app = KafkaStreams(b.build(), {"bootstrap.servers": "localhost:9092",
...                                "application.id": "demo"})
>>> app.state
<State.CREATED: 'CREATED'>

Run it in the background with ``app.start()`` ... ``app.close()``, or in the calling thread
with ``app.run(max_records=..., idle_timeout=...)`` (scripts, benchmarks, ``airstream run``).
"""

from __future__ import annotations

import contextlib
import enum
import heapq
import itertools
import logging
import operator
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from airstream.common.traces.header import run_id
from airstream.topology.builder import Topology
from airstream.topology.compile import DYNAMIC, Plan, SubtopologyPlan, compile_topology
from airstream.topology.engine.gc_pause import PausedCollections
from airstream.topology.engine.task import Task
from airstream.topology.errors import ErrorPolicy, StreamsException, TopologyException
from airstream.topology.partitioner import cached_partition_for
from airstream.topology.records import InputRecord, MessageRun, from_messages, message_runs, without_errors
from airstream.topology.runtime.admin import TopicLayout, prepare_topics
from airstream.topology.runtime.commit import (
    CommitInFlight,
    Guarantee,
    Rewind,
    access_stop,
    committed_offsets,
    make_guarantee,
)
from airstream.topology.runtime.config import StreamsConfig
from airstream.topology.runtime.fetch import fetch
from airstream.topology.runtime.logs import client_logger
from airstream.topology.runtime.metrics import StreamsMetrics, serve_prometheus, summary_line
from airstream.topology.runtime.placement import PlacementCheck
from airstream.topology.runtime.rebalance import Callbacks, group_settings
from airstream.topology.runtime.record_size import FRAMING_BYTES, OutputLimits, cut_to_fit, record_size, topic_limits
from airstream.topology.runtime.restore import BackgroundRestore, Restorer
from airstream.topology.tracing import MetricsPublisher, TracingConsumer, produce_records

__all__ = ["KafkaStreams", "State"]

log = logging.getLogger("airstream.topology.runtime")
_client_log = client_logger("client")

_RESTORE_CHECK_S = 0.01
_tp_of = operator.itemgetter(0, 1)
_partition_of = operator.itemgetter(1)
_ts_of = operator.itemgetter(3)
_PUNCTUATE_EVERY_S = 0.05
# Output lists held while an exactly-once commit runs before the loop waits for it (a bound on memory).
_MAX_HELD_BATCHES = 200
_LAG_EVERY_S = 1.0
_SUMMARY_EVERY_S = 60.0
_RESEEK_TIMEOUT_S = 300.0  # as Kafka Streams' task.timeout.ms: how long a partition may refuse its rewind
# What a log line about a dropped or cut dead-letter record shows to find its original.
_SOURCE_HEADERS = ("__streams.errors.topic", "__streams.errors.partition", "__streams.errors.offset",
                   "airstream.errors.output.topic")


class State(enum.StrEnum):
    """Life cycle of an instance, with Kafka Streams' state names."""

    CREATED = "CREATED"
    REBALANCING = "REBALANCING"
    RUNNING = "RUNNING"
    PENDING_SHUTDOWN = "PENDING_SHUTDOWN"
    NOT_RUNNING = "NOT_RUNNING"
    ERROR = "ERROR"


def _wall_ms() -> int:
    return int(time.time() * 1000)


class KafkaStreams:
    """Run ``topology`` on Kafka with ``config`` (see :mod:`airstream.topology.runtime.config` for keys).

    ``bootstrap.servers`` and ``application.id`` are required. Errors in the config, a missing
    source topic or co-partitioned topics of different sizes are reported by :meth:`start` /
    :meth:`run` before anything is consumed.
    """

    def __init__(self, topology: Topology, config: dict[str, Any] | StreamsConfig) -> None:
        self.config = StreamsConfig(config)  # type: ignore[arg-type]
        self.plan: Plan = compile_topology(topology, self.config.plan_config())
        ErrorPolicy.from_config(self.plan.config)  # a wrong handler name fails here, not mid-run
        self._metrics = StreamsMetrics(self.config.application_id)
        self._state = State.CREATED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self.exception: BaseException | None = None
        self.metrics_port: int | None = None
        self._runner: _Runner | None = None

    # -- public API ------------------------------------------------------------------------
    @property
    def state(self) -> State:
        """The current :class:`State`."""
        return self._state

    def metrics(self) -> dict[str, Any]:
        """The instance's metrics (names in :mod:`airstream.topology.runtime.metrics`)."""
        return self._metrics.snapshot()

    def tasks(self) -> list[str]:
        """Ids (``"<sub-topology>_<partition>"``) of the tasks this instance runs now."""
        runner = self._runner
        return sorted(f"{sub}_{p}" for sub, p in list(runner.tasks)) if runner is not None else []

    def start(self) -> None:
        """Start processing in a background thread; returns once topics are checked and the
        clients are created (errors there are raised here)."""
        if self._state is not State.CREATED:
            raise RuntimeError(f"start() can be called once, on a CREATED instance (state: {self._state.value})")
        runner = self._runner = _Runner(self)
        runner.setup()
        self._thread = threading.Thread(target=self._run_thread, args=(runner, None, None),
                                        name=f"airstream-{self.config.application_id}", daemon=True)
        self._thread.start()

    def run(self, max_records: int | None = None, idle_timeout: float | None = None) -> int:
        """Process in the calling thread until :meth:`request_stop` (e.g. from a signal
        handler), until ``max_records`` records were processed, or until no record arrived for
        ``idle_timeout`` seconds; then close cleanly. Returns the records processed.

        ``KafkaStreams(topology, config).run(idle_timeout=5)`` drains a topic and stops.
        """
        if self._state is not State.CREATED:
            raise RuntimeError(f"run() needs a CREATED instance (state: {self._state.value})")
        runner = self._runner = _Runner(self)
        runner.setup()
        self._run_thread(runner, max_records, idle_timeout)
        if self.exception is not None:
            raise self.exception
        return self._metrics.process_total

    @property
    def stop_requested(self) -> bool:
        """Whether :meth:`request_stop` or :meth:`close` was called."""
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Ask the processing loop to finish its batch, commit and leave the group
        (safe to call from a signal handler)."""
        self._stop.set()

    def close(self, timeout: float | None = None) -> bool:
        """Stop: finish the batch, commit, leave the group. Waits up to ``timeout`` seconds
        (default ``close.timeout.ms`` plus a little); ``False`` if the thread is still busy."""
        self.request_stop()
        if self._thread is None:
            if self._state is State.CREATED:
                self._state = State.NOT_RUNNING
            return True
        wait = timeout if timeout is not None else self.config.close_timeout_ms / 1000 + 10
        self._thread.join(wait)
        return not self._thread.is_alive()

    def wait_until(self, predicate: Callable[[KafkaStreams], bool], timeout: float) -> bool:
        """Wait until ``predicate(app)`` is true (checked every 50 ms), the app failed, or
        ``timeout`` seconds passed; e.g. ``app.wait_until(lambda a: a.metrics()["process-total"]
        >= 1000, 30)``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            if self._state in (State.ERROR, State.NOT_RUNNING):
                return bool(predicate(self))
            time.sleep(0.05)
        return bool(predicate(self))

    def __enter__(self) -> KafkaStreams:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KafkaStreams(application.id={self.config.application_id!r}, state={self._state.value})"

    # -- internals -------------------------------------------------------------------------
    def _set_state(self, state: State) -> None:
        if self._state is not state:
            log.info("state %s -> %s", self._state.value, state.value)
            self._state = state

    def _run_thread(self, runner: _Runner, max_records: int | None, idle_timeout: float | None) -> None:
        try:
            runner.loop(max_records, idle_timeout)
        except BaseException as exc:
            guarantee = runner.guarantee
            if isinstance(exc, KafkaException) and guarantee is not None:  # a call the loop does not wrap
                exc = guarantee.stop_error(exc.args[0]) or exc
            elif isinstance(exc, SystemError) and guarantee is not None and guarantee.fatal is not None:
                # confluent-kafka's calls can fail that way while a fatal error is pending
                exc = guarantee.stop_error(guarantee.fatal) or exc
            self.exception = exc
            runner.failed = True
            log.error("application %s stopped: %s", self.config.application_id,
                      self.config.scrub(str(exc)))
        finally:
            try:
                runner.shutdown()
            except Exception as exc:  # closing is best effort: it must not hide what stopped the loop
                log.warning("closing the application: %s: %s", type(exc).__name__, self.config.scrub(str(exc)))
                self.exception = self.exception or exc
            self._set_state(State.ERROR if self.exception is not None else State.NOT_RUNNING)


class _GlobalTables:
    """Keeps global stores up to date from all partitions of their topics."""

    def __init__(self, plan: Plan, consumer_config: dict[str, Any], stores: dict[str, Any],
                 layout: TopicLayout) -> None:
        self.tasks: dict[str, Task] = {}
        for sub in plan.global_subtopologies:
            task = Task(plan, sub, -1, clock=_wall_ms, global_stores=stores)
            for topic in sub.source_topics:
                self.tasks[topic] = task
        self.consumer = Consumer(consumer_config)
        self.consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING)
                              for t in self.tasks for p in range(layout.partitions[t])])

    def bootstrap(self, timeout_s: float, produce: Callable[[list[Any]], None]) -> None:
        """Read every global topic to its current end; ``produce`` gets what the tasks return
        (dead-letter records)."""
        ends = {}
        for tp in self.consumer.assignment():
            lo, hi = self.consumer.get_watermark_offsets(tp, timeout=10)
            if hi > lo:
                ends[(tp.topic, tp.partition)] = hi
        deadline = time.monotonic() + timeout_s
        while ends:
            if time.monotonic() > deadline:
                raise TimeoutError(f"loading global tables {sorted(self.tasks)} took too long")
            produce(self.poll(0.5))
            for tp in self.consumer.position([TopicPartition(t, p) for t, p in ends]):
                if tp.offset >= ends[(tp.topic, tp.partition)]:
                    del ends[(tp.topic, tp.partition)]

    def poll(self, timeout: float) -> list[Any]:
        """Apply whatever arrived; returns the records to produce (dead-letter records)."""
        outputs: list[Any] = []
        recs = from_messages(self.consumer.consume(10_000, timeout))
        for topic, group in itertools.groupby(recs, key=operator.itemgetter(0)):
            outputs.extend(self.tasks[topic].process(list(group)))
        return outputs

    def close(self) -> None:
        self.consumer.close()


class _Runner:
    """The processing loop of one instance (lives on one thread)."""

    def __init__(self, app: KafkaStreams) -> None:
        self.app = app
        self.config = app.config
        self.plan = app.plan
        self.metrics = app._metrics
        self.tasks: dict[tuple[int, int], Task] = {}
        self.pending: dict[tuple[str, int], int] = {}
        self.sub_of: dict[str, SubtopologyPlan] = {t: s for s in self.plan.subtopologies for t in s.source_topics}
        self.trace_run = run_id(self.config.application_id, list(self.sub_of))
        """This deployment's run in the traces: its group and source topics, hashed."""
        self.global_stores: dict[str, Any] = {}
        self.errors = ErrorPolicy.from_config(self.plan.config)
        self.limits = OutputLimits(0)  # read from the topics at setup
        self.failed = False
        self.closing = False
        self._blocked = False  # a commit could not finish (brokers away): retry before consuming more
        # Exactly-once commits run in the background while the next batches are processed; what
        # those batches produce is held until the commit is done (see CommitInFlight).
        self._inflight: CommitInFlight | None = None
        self._held: list[list[Any]] = []
        # Partitions a rewind could not seek yet (librdkafka refuses while a partition is not being
        # fetched), with their committed offset; their records are dropped until the seek is taken.
        self._reseek: dict[tuple[str, int], int] = {}
        self._reseek_until = 0.0
        # With an eager assignor every partition is revoked at each rebalance; tasks whose
        # partitions were revoked after a clean commit wait here for the next assignment.
        self._group = group_settings(self.plan, self.config.consumer())
        self._eager = self._group.get("partition.assignment.strategy") == "range"
        self._aside: dict[tuple[int, int], Task] = {}
        self._server: Any = None
        self._admin: AdminClient | None = None
        self._access_failure: StreamsException | None = None  # the brokers refused our login
        self._globals: _GlobalTables | None = None
        self.consumer: Consumer | TracingConsumer | None = None
        self.publisher: MetricsPublisher | None = None
        self.guarantee: Guarantee | None = None
        self.restorer: Restorer | None = None
        # New tasks with logged stores are restored beside processing (Kafka Streams' state
        # updater) when partitions move incrementally; their partitions stay paused until then.
        self._background_restorer: Restorer | None = None
        self._restoring: BackgroundRestore | None = None
        # Where the keys of the foreign-key joins' topics sit, checked on their first records (None: nothing to check).
        self.placement: PlacementCheck | None = None
        self._observe: Callable[[list[InputRecord], list[list[InputRecord]]], None] | None = None
        self._observe_runs: Callable[[Sequence[Any], list[MessageRun]], None] | None = None
        self._run_key = _partition_of if len(self.sub_of) == 1 else _tp_of

    # -- setup / teardown --------------------------------------------------------------------
    def setup(self) -> None:
        cfg = self.config
        try:
            admin_props = cfg.admin()
            admin_props["error_cb"] = self._client_error
            admin = self._admin = AdminClient(admin_props)
            try:
                self.layout = prepare_topics(self.plan, cfg, admin)
            except TopologyException:
                admin.poll(0)  # serves error_cb: a refused login shows as "cannot read topic metadata"
                if self._access_failure is not None:
                    raise self._access_failure from self._access_failure.__cause__
                raise
            self.limits = self._output_limits(admin)
            self.partitions_of = {t: n for t, n in self.layout.partitions.items() if t in self.plan.repartition_topics}
            self.placement = PlacementCheck.of(self.plan, self.layout.partitions)
            consumer_props = cfg.consumer()
            consumer_props.update({
                **self._group,
                "error_cb": self._client_error,
            })
            if cfg.tracing:
                self.publisher = MetricsPublisher(cfg.producer())
                # The records processed are counted from their fields as read for processing.
                self.consumer = TracingConsumer(consumer_props, metrics_interval=cfg.tracing_interval_s,
                                                sample_rate=cfg.tracing_sample_rate, publisher=self.publisher,
                                                run=self.trace_run, observe_consumed=False)
                self._observe = self.consumer.observe_records
                self._observe_runs = self.consumer.observe_runs
            else:
                self.consumer = Consumer(consumer_props)
            self.guarantee = make_guarantee(cfg, self.consumer, self.publisher,
                                            self.limits.producer_config(cfg.producer()))
            self.restorer = Restorer(self.plan, cfg.restore_consumer(), self.metrics, cfg.restore_timeout_ms)
            if self.plan.changelog_topics and not self._eager:
                self._background_restorer = Restorer(self.plan, cfg.restore_consumer(), self.metrics,
                                                     cfg.restore_timeout_ms)
            if self.plan.global_subtopologies:
                props = cfg.restore_consumer()
                props["group.id"] = f"{cfg.application_id}-global"
                self._globals = _GlobalTables(self.plan, props, self.global_stores, self.layout)
                self._globals.bootstrap(cfg.restore_timeout_ms / 1000, self._produce)
            callbacks = Callbacks(self)
            self.consumer.subscribe(sorted(self.sub_of), on_assign=callbacks.on_assign,
                                    on_revoke=callbacks.on_revoke, on_lost=callbacks.on_lost)
            if cfg.metrics_port is not None:
                self._server, self.app.metrics_port = serve_prometheus(self.metrics, cfg.metrics_port)
                log.info("Prometheus metrics on http://127.0.0.1:%d/metrics", self.app.metrics_port)
        except KafkaException as exc:
            self._failed_start()
            raise StreamsException(f"cannot start: {cfg.scrub(exc.args[0].str())}") from None
        except BaseException:
            self._failed_start()
            raise
        self.app._set_state(State.REBALANCING)
        log.info("application %s (instance %s, %s) started; reading %s", cfg.application_id,
                 cfg.instance_id, cfg.guarantee, ", ".join(sorted(self.sub_of)))

    def _output_limits(self, admin: AdminClient) -> OutputLimits:
        """The size limits of every topic this instance writes (see :mod:`.record_size`)."""
        plan = self.plan
        written = {t for sub in plan.subtopologies for t in sub.sink_serdes if t != DYNAMIC}
        written.update(plan.changelog_topics.values())
        if self.errors.dlq_topic:
            written.add(self.errors.dlq_topic)
        user_max = self.config.producer().get("message.max.bytes")
        return OutputLimits.of(topic_limits(admin, written), int(user_max) if user_max else None)

    def _failed_start(self) -> None:
        self.failed = True
        self.shutdown()
        self.app._set_state(State.ERROR)

    def _client_error(self, err: KafkaError) -> None:
        # A refused login is reported here only; requests just time out: stop rather than retry.
        stop = access_stop(err, self.config.consumer(), group=self.config.application_id)
        if stop is not None:
            self._access_failure = self._access_failure or stop
            self.app._stop.set()
            return
        if err.fatal():
            log.error("Kafka client fatal error: %s", self.config.scrub(err.str()))
        else:  # librdkafka reconnects by itself
            _client_log.warning("Kafka unreachable or failing, retrying with back-off: %s",
                                self.config.scrub(err.str()))

    def shutdown(self) -> None:
        self.closing = True
        self.app._set_state(State.PENDING_SHUTDOWN)
        deadline = time.monotonic() + self.config.close_timeout_ms / 1000
        if self.consumer is not None and self.guarantee is not None and not self.failed:
            try:
                if not self._commit(deadline):
                    log.warning("the brokers did not answer within close.timeout.ms; the records since the "
                                "last commit will be processed again")
            except (Rewind, KafkaException, StreamsException) as exc:
                log.warning("final commit failed (%s); the uncommitted records will be processed again", exc)
        if self.consumer is not None:
            try:
                self.consumer.close()  # leaves the group; on_revoke runs and drops the tasks
            except (KafkaException, RuntimeError) as exc:
                log.warning("consumer close: %s", exc)
        self._drop(list(self.tasks))
        self._close_aside()
        self._stop_restoring()
        if self.guarantee is not None:
            if self.failed:
                self._abandon_inflight()
                self.guarantee.abort()
            self.guarantee.close(max(0.0, deadline - time.monotonic()))
        for closeable in (self.restorer, self._background_restorer, self._globals, self.publisher):
            if closeable is not None:
                closeable.close()
        if self._server is not None:
            self._server.shutdown()
        self.consumer = self.guarantee = self.restorer = self._globals = self._server = self.publisher = None
        self._background_restorer = None
        self._admin = None

    # -- the loop ----------------------------------------------------------------------------
    def loop(self, max_records: int | None, idle_timeout: float | None) -> None:
        stop = self.app._stop
        self._next_commit = time.monotonic() + self.config.commit_interval_ms / 1000
        self._next_punctuate = self._next_lag = 0.0
        self._last_record = time.monotonic()
        self._summarised = (self._last_record, self.metrics.snapshot())
        while not stop.is_set():
            try:
                if self._iteration(max_records, idle_timeout):
                    return
            except Rewind:
                self._rewind(list(self.tasks))
        if self._access_failure is not None:
            raise self._access_failure from self._access_failure.__cause__

    def _iteration(self, max_records: int | None, idle_timeout: float | None) -> bool:
        """One poll-process-(commit) round; ``True`` when a stop condition of :meth:`loop` holds."""
        cfg = self.config
        consumer = self.consumer
        assert consumer is not None
        poll_s = cfg.poll_ms / 1000
        now = time.monotonic()
        if self._restoring is not None:
            self._take_restored()
            # The restore thread cannot interrupt a wait for records: look again soon.
            poll_s = min(poll_s, _RESTORE_CHECK_S)
        inflight = self._inflight
        if inflight is not None and (inflight.done() or len(self._held) >= _MAX_HELD_BATCHES):
            self._blocked = not self._finish_inflight(now + max(cfg.commit_interval_ms / 1000, 10.0))
        if not self._blocked:
            # Collections paused from the fetch, not only while processing: resumed while the
            # batch's messages were alive, they moved them into older generations (~0.1 us a tweet
            # of the typed pipeline's 3.6). They resume once the batch is gone; while the fetch
            # waits for a first record (at most poll.ms) other threads' collections wait too.
            with PausedCollections():
                processed = self._fetch_and_process(consumer, poll_s)
            if processed:
                self._last_record = time.monotonic()
                if max_records is not None and self.metrics.process_total >= max_records:
                    return True
            elif idle_timeout is not None and now - self._last_record > idle_timeout and self._restoring is None:
                return True
            if self._globals is not None:
                self._produce(self._globals.poll(0))
        else:
            self.app._stop.wait(poll_s)
        now = time.monotonic()
        if now >= self._next_punctuate and self.tasks:
            self._next_punctuate = now + _PUNCTUATE_EVERY_S
            wall = _wall_ms()
            for task in list(self.tasks.values()):
                self._produce(task.punctuate(wall))
        if now >= self._next_commit or self._blocked:
            commit_every = cfg.commit_interval_ms / 1000
            self._next_commit = now + commit_every
            self._blocked = not self._commit(now + max(commit_every, 10.0),
                                             background=self.guarantee is not None and self.guarantee.exactly_once)
            if now >= self._next_lag:
                self._next_lag = now + _LAG_EVERY_S
                self._update_lag()
        if now - self._summarised[0] >= _SUMMARY_EVERY_S:
            self._summarise(now)
        # Delivery reports (and librdkafka's log lines) wait in each client's queue until it is
        # polled: serve the clients this loop does not poll for records, once a round.
        assert self.guarantee is not None
        self.guarantee.producer.poll(0)
        if self._admin is not None:
            self._admin.poll(0)
        return False

    def _summarise(self, now: float) -> None:
        since, before = self._summarised
        after = self.metrics.snapshot()
        log.info("%s", summary_line(before, after, now - since))
        self._summarised = (now, after)

    def _fetch_and_process(self, consumer: Any, wait_s: float) -> bool:
        """Fetch a batch (waiting up to ``wait_s`` for its first record) and process it; whether
        there was one. The batch lives in this frame only, so it is gone when the caller lets
        collections resume."""
        msgs = fetch(consumer, self.config.max_poll_records, wait_s)
        if self._reseek:
            msgs = self._reseek_and_drop_stale(msgs)
        if not msgs:
            return False
        self._process_batch(msgs)
        return True

    def _process_batch(self, msgs: list[Any]) -> None:
        if self.placement is None and self._run_key is _partition_of:
            self._process_messages(msgs)
            return
        recs = from_messages(msgs)
        if len(recs) != len(msgs):
            self._consume_errors(msgs)
        # Runs of one topic-partition, in the order fetched; with one source topic, told apart by the
        # partition alone (an int compared, not a pair made per record).
        runs = [list(group) for _, group in itertools.groupby(recs, key=self._run_key)]
        if self._observe is not None:
            self._observe(recs, runs)
        by_task: dict[tuple[int, int], list[list[InputRecord]]] = {}
        samples = []
        sub_of = self.sub_of
        placement = self.placement
        for run in runs:
            topic, p = run[0][0], run[0][1]
            by_task.setdefault((sub_of[topic].id, p), []).append(run)
            if placement is not None:
                placement.check(run)
        if placement is not None and placement.end_batch():
            self.placement = None
        for key, task_runs in by_task.items():
            task = self.tasks.get(key)
            if task is None:  # fetched before the partition was revoked; the new owner reads it
                continue
            batch = task_runs[0] if len(task_runs) == 1 else self._merge(task_runs)
            self._produce(task.process(batch))
            for run in task_runs:
                last = run[-1]
                self.pending[(last[0], last[1])] = last[2] + 1
                samples.append(last[3])
        self.metrics.processed(len(recs), _wall_ms(), samples)

    def _process_messages(self, msgs: list[Any]) -> None:
        """:meth:`_process_batch` for the usual application, reading one topic with nothing to check:
        each run of one partition goes to its task as messages, without building records."""
        good = without_errors(msgs)
        if len(good) != len(msgs):
            self._consume_errors(msgs)
            if not good:
                return
        topic = good[0].topic()
        runs = message_runs(good, topic)
        if self._observe_runs is not None:
            self._observe_runs(good, runs)
        sub = self.sub_of[topic].id
        tasks = self.tasks
        samples = []
        for run in runs:
            task = tasks.get((sub, run.partition))
            if task is None:  # fetched before the partition was revoked; the new owner reads it
                continue
            self._produce(task.process_messages(run))
            self.pending[(topic, run.partition)] = run.messages[-1].offset() + 1
            samples.append(run.timestamps[-1])
        self.metrics.processed(len(good), _wall_ms(), samples)

    @staticmethod
    def _merge(runs: list[list[InputRecord]]) -> list[InputRecord]:
        per_tp: dict[tuple[str, int], list[InputRecord]] = {}
        for run in runs:
            per_tp.setdefault(_tp_of(run[0]), []).extend(run)
        if len(per_tp) == 1:
            return next(iter(per_tp.values()))
        # Kafka Streams takes the partition whose next record has the lowest timestamp.
        return list(heapq.merge(*per_tp.values(), key=_ts_of))

    def _consume_errors(self, msgs: list[Any]) -> None:
        for m in msgs:
            err = m.error()
            if err is None or err.code() == KafkaError._PARTITION_EOF:
                continue
            stop = access_stop(err, self.config.consumer(), topic=m.topic(), group=self.config.application_id,
                               operation="Read")
            if stop is not None:
                raise stop from stop.__cause__
            if err.fatal():
                raise StreamsException(f"Kafka consumer fatal error: {self.config.scrub(err.str())}")
            log.warning("consumer: %s (retrying)", self.config.scrub(err.str()))

    def _produce(self, outputs: list[Any]) -> None:
        if not outputs:
            return
        if self._inflight is not None:
            self._held.append(outputs)
            return
        guarantee = self.guarantee
        assert guarantee is not None
        if self.partitions_of or self.limits.below:
            outputs = self._placed_and_measured(outputs)
            if not outputs:
                return
        topic = outputs[0][0]
        try:
            guarantee.begin()
            i, n = 0, len(outputs)
            while i < n:
                i = produce_records(guarantee.producer, outputs, i)
                if i < n:  # refused by librdkafka as larger than the producer's limit
                    self._too_large(*outputs[i])
                    i += 1
        except KafkaException as exc:
            err = exc.args[0]
            stop = guarantee.delivery.access or guarantee.stop_error(err)
            if stop is not None:
                raise stop from stop.__cause__
            if guarantee.exactly_once and (err.code() == KafkaError._STATE or err.fatal() or err.txn_requires_abort()):
                # The transaction broke (e.g. the broker went away mid-transaction): redo it.
                log.warning("transactional producer cannot continue the transaction (%s)", err.str())
                raise Rewind() from None
            raise StreamsException(f"cannot produce to {topic!r}: {err.str()}", topic=topic) from None

    def _placed_and_measured(self, outputs: list[Any]) -> list[Any]:
        """``outputs`` with the partitions of repartition topics' records chosen as Kafka Streams does
        (murmur2 of the key), less the records over their topic's limit when that is below the
        producer's (librdkafka lets those through): they go to :meth:`_too_large` here."""
        counts = self.partitions_of
        measured = self.limits.below
        kept = []
        for rec in outputs:
            topic, partition, key, value, ts, headers = rec
            if partition is None and key is not None and (n := counts.get(topic)):
                partition = cached_partition_for(key, n)
                rec = (topic, partition, key, value, ts, headers)
            if measured and topic in measured and record_size(key, value, headers) > measured[topic]:
                self._too_large(topic, partition, key, value, ts, headers)
                continue
            kept.append(rec)
        return kept

    def _too_large(self, topic: str, partition: int | None, key: bytes | None, value: bytes | None, ts: int,
                   headers: Any) -> None:
        """A record over ``topic``'s limit: a dead-letter record is cut to fit; an output record goes
        to the production-error handler (fail, count and skip, or dead-letter it)."""
        size, limit = record_size(key, value, headers), self.limits.limit(topic)
        if topic == self.errors.dlq_topic:
            self._dead_letter(key, value, ts, headers, size)
            return
        what = (f"an output record of {size} bytes is larger than the {limit} bytes topic {topic!r} takes (its "
                f"max.message.bytes less {FRAMING_BYTES} bytes of framing)")
        if self.errors.production == "fail":
            raise StreamsException(f"{what}. The application stopped; raise the topic's max.message.bytes "
                                   f"(kafka-configs.sh --alter --entity-type topics --entity-name {topic} --add-config "
                                   "max.message.bytes=N) or set production.exception.handler to 'continue' or 'dlq'",
                                   topic=topic)
        self.metrics.dropped_outside_tasks += 1
        if self.errors.production == "continue":
            log.warning("skipping %s", what)
            return
        log.warning("sending %s to dead-letter topic %r", what, self.errors.dlq_topic)
        self._dead_letter(key, value, ts, [
            *(headers or ()),
            ("__streams.errors.exception", b"org.apache.kafka.common.errors.RecordTooLargeException"),
            ("__streams.errors.message", what.encode()),
            ("airstream.errors.output.topic", topic.encode()),
            ("airstream.errors.output.partition", str(-1 if partition is None else partition).encode()),
        ], size)

    def _dead_letter(self, key: bytes | None, value: bytes | None, ts: int, headers: Any, size: int) -> None:
        """Write a dead-letter record cut to the topic's limit; if even that is refused, log where it
        came from and go on (counted in ``dropped-records-total`` already)."""
        dlq = self.errors.dlq_topic
        assert dlq is not None and self.guarantee is not None
        cut = size > self.limits.limit(dlq)
        if cut:
            key, value, headers = cut_to_fit(key, value, headers, self.limits.limit(dlq))
        source = ", ".join(f"{name}={(data or b'').decode(errors='replace')}" for name, data in headers
                           if name in _SOURCE_HEADERS) or "no source headers"
        producer = self.guarantee.producer
        try:
            while True:
                try:
                    producer.produce(dlq, value, key, -1, None, None, ts if ts > 0 else 0, headers)
                    break
                except BufferError:
                    producer.poll(0.1)
        except KafkaException as exc:
            log.error("dropped a dead-letter record of %d bytes (%s) that topic %r refused%s: %s", size, source, dlq,
                      " even cut to fit" if cut else "", exc.args[0].str())
            return
        if cut:
            log.warning("dead-letter record of %d bytes (%s) cut to fit topic %r's max.message.bytes; the headers "
                        "airstream.dlq.* give its original sizes and SHA-256", size, source, dlq)

    def _lower_limits(self) -> None:
        """Topics that refused records as too large after librdkafka let them through: measure
        their records from now on (their config as read now, or below the smallest refused)."""
        assert self.guarantee is not None
        refused, self.guarantee.delivery.too_large = self.guarantee.delivery.too_large, {}
        if not refused:
            return
        read = topic_limits(self._admin, refused) if self._admin is not None else {}
        for topic, size in refused.items():
            self.limits.lower(topic, min(size, read.get(topic, size)))
            log.warning("topic %r refused output records as too large (the largest %d bytes); its records are "
                        "measured against %d bytes from now on", topic, size, self.limits.limit(topic))
        self.guarantee.resize(self.limits.producer_config(self.config.producer()))

    def _commit(self, give_up_at: float, background: bool = False) -> bool:
        """Make the work so far durable; ``False`` if the brokers did not answer by ``give_up_at``.
        With ``background``, start the commit and return (the loop finishes it later)."""
        guarantee = self.guarantee
        assert guarantee is not None
        if self._inflight is not None and not self._finish_inflight(give_up_at):
            return False
        if not self.pending and not guarantee.in_transaction and not len(guarantee.producer):
            return True
        offsets = [TopicPartition(t, p, o) for (t, p), o in self.pending.items()]
        if background:
            self.pending = {}
            self._inflight = CommitInFlight(guarantee, offsets, give_up_at)
            return True
        started = time.perf_counter()
        if not guarantee.commit(offsets, give_up_at):
            return False
        self.metrics.committed((time.perf_counter() - started) * 1000)
        self.pending.clear()
        self._count_drops()
        return True

    def _finish_inflight(self, give_up_at: float) -> bool:
        """Wait for the background commit, then produce what was held; ``False`` if the brokers
        did not answer in time (the same transaction is then retried here, in the foreground)."""
        inflight = self._inflight
        guarantee = self.guarantee
        assert inflight is not None and guarantee is not None
        try:
            committed = inflight.result()
            latency_ms = inflight.latency_ms
            if not committed:
                started = time.perf_counter()
                if not guarantee.commit(inflight.offsets, give_up_at):
                    return False
                latency_ms = (time.perf_counter() - started) * 1000
        except BaseException:
            self._inflight = None
            self._held.clear()  # redone from the committed offsets by the caller's rewind
            raise
        self._inflight = None
        self.metrics.committed(latency_ms)
        self._count_drops()
        held, self._held = self._held, []
        for outputs in held:
            self._produce(outputs)
        return True

    def _abandon_inflight(self) -> None:
        """Before a rewind: let the background commit end, whatever its outcome, and drop what was held."""
        if self._inflight is not None:
            try:
                self._inflight.result()
            except (Rewind, KafkaException, StreamsException) as exc:
                log.debug("background commit ended with %r before a rewind", exc)
            self._inflight = None
        self._held.clear()

    def _update_lag(self) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        lag: dict[str, int] = {}
        try:
            for tp in consumer.position(consumer.assignment()):
                _, hi = consumer.get_watermark_offsets(tp, cached=True)
                if tp.offset >= 0 and hi >= 0:
                    task_id = f"{self.sub_of[tp.topic].id}_{tp.partition}"
                    lag[task_id] = lag.get(task_id, 0) + max(0, hi - tp.offset)
        except KafkaException:
            return
        self.metrics.lag = lag

    # -- tasks -------------------------------------------------------------------------------
    def _new_task(self, key: tuple[int, int]) -> Task:
        task = self.tasks[key] = self._make_task(key)
        return task

    def _make_task(self, key: tuple[int, int]) -> Task:
        sub = next(s for s in self.plan.subtopologies if s.id == key[0])
        return Task(self.plan, sub, key[1], clock=_wall_ms, global_stores=self.global_stores)

    def _restore_beside(self, tasks: dict[tuple[int, int], Task]) -> None:
        """Restore ``tasks`` on the restore thread; their partitions (assigned and paused) wait.
        A restore already running is stopped (:meth:`_cancel_restore`) and what it had not finished
        goes with ``tasks``."""
        assert self._background_restorer is not None
        if self._restoring is not None:
            tasks = {**self._cancel_restore(set(tasks)), **tasks}
        log.info("restoring task(s) %s beside processing; %s go on meanwhile",
                 ", ".join(f"{a}_{b}" for a, b in sorted(tasks)),
                 ", ".join(f"{a}_{b}" for a, b in sorted(self.tasks)) or "no other tasks")
        self._restoring = BackgroundRestore(self._background_restorer, tasks)

    def _take_restored(self) -> None:
        """Start processing the tasks the restore thread has finished; once it has ended, raise
        what it raised."""
        running = self._restoring
        assert running is not None
        ended = running.done()  # before taking: a thread that has ended has reported every task
        self._start_processing(running.take_restored())
        if ended:
            self._restoring = None
            running.result()
            if not self.closing:
                self.app._set_state(State.RUNNING)

    def _start_processing(self, restored: dict[tuple[int, int], Task]) -> None:
        if not restored:
            return
        assert self.consumer is not None
        self.tasks.update(restored)
        partitions = self._partitions_of(restored)
        self.consumer.resume(partitions)
        # librdkafka wakes its broker threads when a partition starts fetching, not when a paused
        # one resumes: a broker thread with nothing else to fetch would start on these at its next
        # heartbeat or request, up to a second later. A request to each partition's leader wakes it.
        for tp in partitions:
            with contextlib.suppress(KafkaException):  # only a wake-up: a failed one costs the delay, no more
                self.consumer.get_watermark_offsets(tp, timeout=1, cached=False)
        log.info("task(s) %s restored; processing them", ", ".join(f"{a}_{b}" for a, b in sorted(restored)))

    def _stop_restoring(self, keys: list[tuple[int, int]] | None = None) -> None:
        """Stop restoring the tasks of ``keys`` (all when ``None``); the others go on."""
        running = self._restoring
        if running is None or (keys is not None and not any(k in running.tasks for k in keys)):
            return
        rest = self._cancel_restore({*running.tasks} if keys is None else set(keys))
        if rest:
            self._restore_beside(rest)

    def _cancel_restore(self, stopped: set[tuple[int, int]]) -> dict[tuple[int, int], Task]:
        """Stop the running restore: the tasks it finished start processing, but those of ``stopped``,
        which are closed with the part-built ones; returns new tasks for the part-built ones not
        ``stopped``, to be restored afresh."""
        running = self._restoring
        assert running is not None
        running.cancel()
        self._restoring = None
        finished = running.take_restored()
        for key, task in finished.items():
            if key in stopped:
                task.close()
        for task in running.tasks.values():
            task.close()
        self._start_processing({k: t for k, t in finished.items() if k not in stopped})
        return {key: self._make_task(key) for key in running.tasks if key not in stopped}

    @staticmethod
    def _partitions_of(tasks: dict[tuple[int, int], Task]) -> list[TopicPartition]:
        return [TopicPartition(topic, task.partition) for task in tasks.values() for topic in task.sub.source_topics]

    def _drop(self, keys: list[tuple[int, int]]) -> None:
        for key in keys:
            task = self.tasks.pop(key, None)
            if task is not None:
                self._close_task(task)
        self._count_drops()

    def _close_task(self, task: Task) -> None:
        task.close()
        self.metrics.dropped_outside_tasks += task.metrics["dropped-records-total"]

    def _close_aside(self) -> None:
        for task in self._aside.values():
            self._close_task(task)
        self._aside.clear()

    def _count_drops(self) -> None:
        self.metrics.set_drops(sum(t.metrics["dropped-records-total"] for t in self.tasks.values()))

    def _keys(self, partitions: list[TopicPartition]) -> list[tuple[int, int]]:
        return sorted({(self.sub_of[tp.topic].id, tp.partition) for tp in partitions if tp.topic in self.sub_of})

    def _forget(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self.pending.pop((tp.topic, tp.partition), None)
            self._reseek.pop((tp.topic, tp.partition), None)

    def _rewind(self, keys: list[tuple[int, int]]) -> None:
        """Redo ``keys``' tasks from the committed offsets with stores rebuilt from changelogs."""
        assert self.guarantee is not None and self.consumer is not None and self.restorer is not None
        self._abandon_inflight()
        self.guarantee.abort()
        self._lower_limits()
        self.metrics.rewind_total += 1
        self.metrics.aborted_total += int(self.guarantee.exactly_once)
        self._drop(keys)
        self._forget([TopicPartition(t, p) for t, p in list(self.pending)])
        tasks = [self._new_task(key) for key in keys]
        self.restorer.restore(tasks)
        tps = [TopicPartition(t, task.partition) for task in tasks for t in task.sub.source_topics]
        if not tps:
            return
        committed = committed_offsets(self.consumer, tps)
        reset = OFFSET_END if str(self.config.consumer().get("auto.offset.reset")) in ("latest", "largest", "end") \
            else OFFSET_BEGINNING
        self._reseek.update({(tp.topic, tp.partition): tp.offset if tp.offset >= 0 else reset for tp in committed})
        self._reseek_until = time.monotonic() + _RESEEK_TIMEOUT_S
        self._seek_pending()
        log.warning("rewound task(s) %s to the last committed offsets", ", ".join(f"{a}_{b}" for a, b in keys))

    def _seek_pending(self) -> None:
        """Seek the partitions of the last rewind to their committed offsets. librdkafka refuses a
        seek (``_STATE``) while the partition is not being fetched, e.g. while its leader is away
        after an outage; such a partition is sought again after each fetch, and its records are
        dropped until then: going on from its old position would skip the records being redone."""
        assert self.consumer is not None
        for (topic, partition), offset in list(self._reseek.items()):
            try:
                self.consumer.seek(TopicPartition(topic, partition, offset))
            except KafkaException as exc:
                if time.monotonic() > self._reseek_until:
                    raise StreamsException(
                        f"cannot rewind {topic}[{partition}] to its committed offset {offset} for "
                        f"{_RESEEK_TIMEOUT_S:.0f} s ({exc.args[0].str()}); restart the application: it resumes "
                        "from the committed offsets, nothing is lost", topic=topic) from None
                log.info("%s[%d] is not being fetched yet (%s); its records wait for the rewind's seek",
                         topic, partition, exc.args[0].str())
                continue
            del self._reseek[(topic, partition)]

    def _reseek_and_drop_stale(self, msgs: list[Any]) -> list[Any]:
        """``msgs`` without the records of partitions that had not taken their rewind's seek when
        they were fetched (they come from the old position); seeks those partitions again."""
        stale = set(self._reseek)
        self._seek_pending()
        return [m for m in msgs if (m.topic(), m.partition()) not in stale]

    # -- rebalance callbacks (PartitionOwner) ------------------------------------------------
    def partitions_assigned(self, partitions: list[TopicPartition]) -> None:
        assert self.restorer is not None
        self.metrics.rebalance_total += 1
        keys = self._keys(partitions)
        # A task set aside at the revoke holds the state of its last commit, and nobody else
        # owned its partitions since: it goes on without a restore.
        kept = [key for key in keys if key in self._aside]
        for key in kept:
            self.tasks[key] = self._aside.pop(key)
        if kept:
            log.info("kept task(s) %s with their state through the rebalance", ", ".join(f"{a}_{b}" for a, b in kept))
        self._close_aside()
        new = [self._new_task(key) for key in keys if key not in self.tasks]
        logged = [task for task in new if self._background_restorer is not None and self.restorer.logs(task)]
        if logged and self.consumer is not None:
            # Assigned here rather than after the callback so that they can be paused before any
            # record of theirs is fetched: their position stays at the committed offset.
            self.consumer.incremental_assign(partitions)
            beside = {key: self.tasks.pop(key) for key in keys if self.tasks.get(key) in logged}
            self.consumer.pause(self._partitions_of(beside))
            self._restore_beside(beside)
        else:
            self.restorer.restore(new)
        if not self.closing and self._restoring is None:
            self.app._set_state(State.RUNNING)

    def partitions_revoked(self, partitions: list[TopicPartition]) -> None:
        if not self.closing:
            self.app._set_state(State.REBALANCING)
        keys = self._keys(partitions)
        self._stop_restoring(keys)
        if not self.failed and not self.closing:  # at close, shutdown() made the final commit
            try:
                if not self._commit(time.monotonic() + self.config.close_timeout_ms / 1000):
                    raise Rewind()
            except Rewind:
                self._drop(keys)
                self._forget(partitions)
                self._rewind([k for k in self.tasks if k not in keys])
                return
            if self._eager:
                for key in keys:
                    if key in self.tasks:
                        self._aside[key] = self.tasks.pop(key)
        self._drop(keys)
        self._forget(partitions)

    def partitions_lost(self, partitions: list[TopicPartition]) -> None:
        keys = self._keys(partitions)
        self._stop_restoring(keys)
        self._drop(keys)
        self._forget(partitions)
        guarantee = self.guarantee
        if guarantee is not None and guarantee.exactly_once and (
                guarantee.in_transaction or self._inflight is not None or self._held):
            self._rewind(list(self.tasks))
