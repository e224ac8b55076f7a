"""Where snapshots come from: the :class:`Source` protocol and :class:`KafkaSource` for a real cluster.

A refresh of :class:`KafkaSource` is a fixed, small number of batched admin requests, whatever the
size of the cluster: cluster description, topic metadata (one call), earliest and latest offsets of
*all* partitions (one ``list_offsets`` per kind), the group listing, the description of all groups
(one call), and the committed offsets of each group (the admin API takes one group per request; they
are all sent at once and awaited together). Nothing raises to the caller: an unreachable broker, an
authorization error or a group deleted mid-refresh becomes a :class:`~airstream.monitor.model.StatusMessage` in
the snapshot, and the next refresh simply tries again.

All calls block, so the TUI runs :meth:`KafkaSource.snapshot` in a worker thread.

:class:`EmbeddedSource` adapts the embedded engine's read-only view
(``airstream.topology.engine.cluster.EmbeddedCluster.view()``) to the same snapshots, so an in-process run is
shown with the same screens; :class:`EmbeddedTraceReader` reads the run's traces from that view into
the same :class:`~airstream.monitor.traces.TraceModel` ``TraceReader`` makes of a Kafka cluster's.

Example::

    source = KafkaSource({"bootstrap.servers": "127.0.0.1:9092"})
    snap = source.snapshot()
    print(snap.partition_count, [m.text for m in snap.messages])
    lags = source.time_lag(snap.group("scorer"))    # {("tweets", 0): 12.5, ...} seconds
    source.close()
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, runtime_checkable

from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, OffsetSpec, ResourceType

from airstream.common.cluster_view import ClusterView
from airstream.common.kafka_errors import AccessErrorRecorder, KafkaAccessError, explain, principal_of
from airstream.common.redact import redact, scrub
from airstream.monitor.commit_lag import CommitAttacher
from airstream.monitor.commit_log import COMMIT_TOPIC, CommitLog
from airstream.monitor.kafka_log import with_kafka_logger
from airstream.monitor.lag import LagSettings
from airstream.monitor.model import (
    BrokerInfo,
    ClusterSnapshot,
    GroupInfo,
    GroupPartition,
    MemberInfo,
    PartitionInfo,
    Severity,
    StatusMessage,
    TopicInfo,
    TopicSetting,
)
from airstream.monitor.traces import TraceAccumulator, TraceModel

__all__ = ["EmbeddedSource", "EmbeddedTraceReader", "KafkaSource", "Source"]

T = TypeVar("T")

# Kafka's names for group states; confluent-kafka's enum spells them differently.
_GROUP_STATES = {"STABLE": "Stable", "EMPTY": "Empty", "DEAD": "Dead", "UNKNOWN": "Unknown",
                 "PREPARING_REBALANCING": "PreparingRebalance", "COMPLETING_REBALANCING": "CompletingRebalance",
                 "ASSIGNING": "Assigning", "RECONCILING": "Reconciling"}
# Where a topic's setting comes from, in the words of TopicSetting.source (every broker-level source is "broker").
_SETTING_SOURCE = {ConfigSource.DYNAMIC_TOPIC_CONFIG.value: "topic", ConfigSource.DEFAULT_CONFIG.value: "default"}
_HINTS = {
    KafkaError._TRANSPORT: "cannot reach the brokers: check --bootstrap, the network and security.protocol",
    KafkaError._ALL_BROKERS_DOWN: "all brokers are down or unreachable: check --bootstrap and the network",
    KafkaError._TIMED_OUT: "timed out: the cluster is unreachable or slow; raise --timeout if it is just slow",
}
# Authentication, TLS and ACL errors are explained by airstream.common.kafka_errors, naming the principal
# and the ACL. airmon only reads, so a refused request lacked Describe (a topic, a group, the cluster).
_READ_OPERATION = "Describe"


@runtime_checkable
class Source(Protocol):
    """Anything that can take a :class:`~airstream.monitor.model.ClusterSnapshot`.

    ``snapshot()`` may block (run it in a worker) and must never raise for cluster trouble: it
    reports problems in ``snapshot.messages``. ``name`` says where the data comes from, for the title
    bar, without secrets. An adapter for the embedded engine's read-only view implements this too.
    """

    @property
    def name(self) -> str:
        """Where the data comes from (``kafka://host:9092``, ``embedded``)."""
        ...

    def snapshot(self) -> ClusterSnapshot:
        """Take one snapshot of brokers, topics, partitions and groups."""
        ...

    def close(self) -> None:
        """Release clients and connections."""
        ...


def _describe(exc: BaseException, config: Mapping[str, Any], *, topic: str | None = None,
              group: str | None = None) -> str:
    """One line for an error from the client: what happened, then what to do, secrets scrubbed.
    ``topic`` / ``group`` name what the failed request was about, for an ACL error's grant."""
    err = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    if isinstance(err, KafkaError):
        line = explain(err, principal=principal_of(config), topic=topic, group=group, operation=_READ_OPERATION)
        if line is not None:
            return scrub(line, config)
        text = err.str()
        hint = _HINTS.get(err.code())
        text = f"{text} ({hint})" if hint else text
    else:
        text = str(exc) or type(exc).__name__
    return scrub(text, config)


class _ClientErrors:
    """The ``error_cb`` of a :class:`KafkaSource`'s clients: connection-level problems librdkafka reports
    from its own thread, kept (deduplicated) for the next snapshot, since no request future carries
    them. A refused login is only ever reported here (the requests themselves just time out with
    "Broker transport failure"), so it is kept apart as well.

    An object of its own, not a method of the source: clients holding their owner's bound method
    make a reference cycle, and a source dropped without ``close()`` would then take its clients
    down only when the cycle collector happens to run (in the tests, while a broker was stopping).
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        self._refused = AccessErrorRecorder(config)
        self._lock = threading.Lock()
        self._texts: dict[str, None] = {}
        self.access_error: KafkaAccessError | None = None

    def __call__(self, err: KafkaError) -> None:
        access = self._refused(err)
        with self._lock:
            if access is not None:
                self.access_error = KafkaAccessError(scrub(str(access), self._config), access.kind, code=access.code)
            self._texts[_describe(KafkaException(err), self._config)] = None

    def drain(self) -> list[str]:
        """The errors reported since the last call, oldest first."""
        with self._lock:
            texts, self._texts = list(self._texts), {}
        return texts


class KafkaSource:
    """Snapshots of a real Kafka cluster through the admin API (``confluent_kafka.admin.AdminClient``).

    ``config`` holds librdkafka client properties (``bootstrap.servers`` plus any SASL/SSL settings);
    they are passed through untouched and never shown: ``repr()`` masks secrets. ``timeout`` bounds
    each request of a refresh, in seconds.

    With ``commit_log`` (the default) each refresh also reads the groups' commits, with their times,
    from ``__consumer_offsets`` (:mod:`airstream.monitor.commit_log`, starting ``lookback`` seconds
    back) and attaches them with the lag at each commit (:mod:`airstream.monitor.commit_lag`), so the
    lag rules judge real commits; ``lag`` gives the window size and ``stop_after`` to use. Where the
    topic cannot be read, an INFO message says why and groups are judged by polling
    (``GroupInfo.lag_source``).

    >>> source = KafkaSource({"bootstrap.servers": "127.0.0.1:1", "sasl.password": "hunter2"}, timeout=1)
    >>> source
    KafkaSource({'bootstrap.servers': '127.0.0.1:1', 'sasl.password': '***'})
    >>> snap = source.snapshot()
    >>> snap.ok, snap.messages[0].operation
    (False, 'list_topics')
    >>> source.close()
    """

    def __init__(self, config: Mapping[str, Any], *, timeout: float = 10.0, commit_log: bool = True,
                 lag: LagSettings | None = None, lookback: float = 3600.0) -> None:
        if not config.get("bootstrap.servers"):
            raise ValueError("KafkaSource needs bootstrap.servers in its config, e.g. {'bootstrap.servers': "
                             "'host:9092'}")
        self._config = dict(config)
        self.timeout = timeout
        self._errors = _ClientErrors(self._config)
        self._admin: AdminClient | None = AdminClient(self._client_config())
        self._commits: CommitAttacher | None = None
        if commit_log:
            settings = lag or LagSettings()
            log = CommitLog(self._client_config(), window=settings.window, min_distance=settings.min_distance,
                            lookback=lookback, timeout=timeout)
            self._commits = CommitAttacher(log, self._admin.list_offsets, stop_after=settings.stop_after,
                                           timeout=timeout)

    @property
    def name(self) -> str:
        """``kafka://`` and the bootstrap servers."""
        return f"kafka://{self._config['bootstrap.servers']}"

    def __repr__(self) -> str:
        return f"KafkaSource({redact(self._config)!r})"

    @property
    def access_error(self) -> KafkaAccessError | None:
        """The last authentication / TLS error the client reported (its line names the principal and the fix)."""
        return self._errors.access_error

    @access_error.setter
    def access_error(self, error: KafkaAccessError | None) -> None:
        self._errors.access_error = error

    def _client_config(self, **extra: Any) -> dict[str, Any]:
        # librdkafka's log lines go to a logger; the errors that matter reach the snapshot through error_cb.
        return {**with_kafka_logger(self._config), "error_cb": self._errors, **extra}

    def _open_admin(self) -> AdminClient:
        if self._admin is None:
            raise RuntimeError(f"{self.name} is closed: a KafkaSource cannot be used after close()")
        return self._admin

    def _drain_client_errors(self) -> list[StatusMessage]:
        self._open_admin().poll(0)  # serves error_cb and the logger, which librdkafka queues until polled
        return [StatusMessage(Severity.WARNING, "client", text) for text in self._errors.drain()[-5:]]

    def close(self) -> None:
        """Drop the clients (their threads end with them); the source cannot take snapshots afterwards."""
        if self._commits is not None:
            self._commits.commit_log.close()
            self._commits = None
        self._admin = None

    # -- one refresh ----------------------------------------------------------------------------------

    def snapshot(self) -> ClusterSnapshot:
        """Take one snapshot with batched requests; failures become status messages, never exceptions."""
        taken_at = time.time()
        messages: list[StatusMessage] = []
        admin = self._open_admin()
        cluster_f = admin.describe_cluster(request_timeout=self.timeout)
        groups_f = admin.list_consumer_groups(request_timeout=self.timeout)
        try:
            metadata = self._metadata(admin)
        except KafkaException as exc:
            client_errors = self._drain_client_errors()
            # "Broker transport failure" after a refused login would send the user to check the network.
            text = str(self.access_error) if self.access_error is not None else _describe(exc, self._config)
            messages.append(StatusMessage(Severity.ERROR, "list_topics", text))
            messages.extend(m for m in client_errors if m.text != text)
            return ClusterSnapshot(taken_at=taken_at, messages=tuple(messages), source=self.name)
        self.access_error = None

        brokers, cluster_id, controller_id = self._brokers(cluster_f, metadata, messages)
        specs = [TopicPartition(name, p.id) for name, t in metadata.topics.items() if not t.error
                 for p in t.partitions.values()]
        # confluent-kafka leaves OffsetSpec's factory class methods unannotated.
        low_f = self._list_offsets(specs, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
        high_f = self._list_offsets(specs, OffsetSpec.latest())  # type: ignore[no-untyped-call]

        group_ids = self._group_ids(groups_f, messages)
        describe_f = admin.describe_consumer_groups(group_ids, request_timeout=self.timeout) if group_ids else {}
        offsets_f = {g: admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(g)],
                                                          request_timeout=self.timeout)[g] for g in group_ids}

        low = self._offsets(low_f, "list_offsets(earliest)", messages)
        high = self._offsets(high_f, "list_offsets(latest)", messages)
        topics = self._topics(metadata, low, high, messages)
        groups = self._groups(group_ids, describe_f, offsets_f, high, messages)
        if self._commits is not None and groups:
            # Read after the committed offsets were listed, so the log holds at least the commits they show.
            log = self._commits.commit_log
            if log.read_up_to_date():
                groups = self._commits.attach(groups, high, taken_at)
            if log.error is not None:
                messages.append(StatusMessage(Severity.INFO, "commit_log", scrub(log.error, self._config)))
            elif not log.caught_up:
                messages.append(StatusMessage(Severity.INFO, "commit_log",
                                              f"still reading {COMMIT_TOPIC}: groups not read yet are polled"))
        messages.extend(self._drain_client_errors())
        return ClusterSnapshot(taken_at=taken_at, cluster_id=cluster_id, controller_id=controller_id,
                               brokers=brokers, topics=topics, groups=groups, messages=tuple(messages),
                               source=self.name)

    def _metadata(self, admin: AdminClient) -> Any:
        """``list_topics`` within ``timeout``, asked in slices of a second so that a refused login (which
        librdkafka retries for ever) ends the wait at once instead of after the whole timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                return admin.list_topics(timeout=max(min(left, 1.0), 0.01))
            except KafkaException as exc:
                admin.poll(0)  # serves error_cb, which records a refused login
                err = exc.args[0] if exc.args else None
                retry = isinstance(err, KafkaError) and err.code() in (KafkaError._TRANSPORT, KafkaError._TIMED_OUT)
                if not retry or left <= 1.0 or (self.access_error is not None
                                                and self.access_error.kind == "authentication"):
                    raise

    def _result(self, future: Future[T], operation: str, messages: list[StatusMessage],
                subject: str | None = None, severity: Severity = Severity.ERROR) -> T | None:
        try:
            return future.result()
        except Exception as exc:  # KafkaException mostly; anything else is reported the same way
            group = subject if operation.endswith(("consumer_groups", "group_offsets")) else None
            messages.append(StatusMessage(severity, operation, _describe(exc, self._config, group=group), subject))
            return None

    def _brokers(self, cluster_f: Future[Any], metadata: Any,
                 messages: list[StatusMessage]) -> tuple[tuple[BrokerInfo, ...], str | None, int]:
        described = self._result(cluster_f, "describe_cluster", messages, severity=Severity.WARNING)
        if described is not None:
            controller = described.controller.id if described.controller is not None else -1
            nodes = [(n.id, n.host, n.port, n.rack) for n in described.nodes]
            cluster_id = described.cluster_id
        else:  # metadata knows the brokers too, only without racks
            controller = metadata.controller_id
            nodes = [(b.id, b.host, b.port, None) for b in metadata.brokers.values()]
            cluster_id = metadata.cluster_id
        brokers = tuple(BrokerInfo(i, h, p, r, i == controller) for i, h, p, r in sorted(nodes))
        return brokers, cluster_id, controller

    def _list_offsets(self, specs: list[TopicPartition], spec: OffsetSpec) -> dict[TopicPartition, Future[Any]]:
        if not specs:
            return {}
        return self._open_admin().list_offsets(dict.fromkeys(specs, spec), request_timeout=self.timeout)

    def _offsets(self, futures: Mapping[TopicPartition, Future[Any]], operation: str,
                 messages: list[StatusMessage]) -> dict[tuple[str, int], int | str]:
        """Offset per partition, or the error text for partitions whose request failed."""
        found: dict[tuple[str, int], int | str] = {}
        failed: dict[str, str] = {}
        for tp, fut in futures.items():
            try:
                found[(tp.topic, tp.partition)] = fut.result().offset
            except Exception as exc:
                text = _describe(exc, self._config, topic=tp.topic)
                found[(tp.topic, tp.partition)] = text
                failed.setdefault(tp.topic, text)
        # One message per topic, not per partition: 50 identical lines help nobody.
        messages.extend(StatusMessage(Severity.WARNING, operation, text, topic) for topic, text in failed.items())
        return found

    def _topics(self, metadata: Any, low: Mapping[tuple[str, int], int | str],
                high: Mapping[tuple[str, int], int | str], messages: list[StatusMessage]) -> tuple[TopicInfo, ...]:
        topics = []
        for name, meta in sorted(metadata.topics.items()):
            # Every partition and group partition repeats the topic name: one string object for all.
            name = sys.intern(name)
            internal = name.startswith("__")
            if meta.error is not None:
                text = _describe(KafkaException(meta.error), self._config, topic=name)
                messages.append(StatusMessage(Severity.WARNING, "list_topics", text, name))
                topics.append(TopicInfo(name, internal, error=text))
                continue
            partitions = []
            for pid, p in sorted(meta.partitions.items()):
                lo, hi = low.get((name, pid)), high.get((name, pid))
                error = next((x for x in (lo, hi) if isinstance(x, str)), None)
                if p.error is not None:
                    error = _describe(KafkaException(p.error), self._config)
                partitions.append(PartitionInfo(
                    name, pid, p.leader, tuple(p.replicas), tuple(p.isrs),
                    lo if isinstance(lo, int) else None, hi if isinstance(hi, int) else None, error))
            topics.append(TopicInfo(name, internal, tuple(partitions)))
        return tuple(topics)

    def _group_ids(self, groups_f: Future[Any], messages: list[StatusMessage]) -> list[str]:
        listing = self._result(groups_f, "list_consumer_groups", messages)
        if listing is None:
            return []
        messages.extend(StatusMessage(Severity.WARNING, "list_consumer_groups",
                                      _describe(KafkaException(err), self._config)) for err in listing.errors)
        return sorted({g.group_id for g in listing.valid})

    def _groups(self, group_ids: list[str], describe_f: Mapping[str, Future[Any]],
                offsets_f: Mapping[str, Future[Any]], high: Mapping[tuple[str, int], int | str],
                messages: list[StatusMessage]) -> tuple[GroupInfo, ...]:
        groups = []
        for gid in group_ids:
            desc = self._result(describe_f[gid], "describe_consumer_groups", messages, gid, Severity.WARNING)
            committed = self._result(offsets_f[gid], "list_consumer_group_offsets", messages, gid,
                                     Severity.WARNING)
            state = _GROUP_STATES.get(desc.state.name, desc.state.name.title()) if desc is not None else "Unknown"
            if state == "Dead":
                # Listed a moment ago, gone now: deleted or expired while we were asking.
                messages.append(StatusMessage(Severity.INFO, "describe_consumer_groups",
                                              "group vanished during the refresh", gid))
                continue
            members = self._members(desc)
            owners = {tp: m for m in members for tp in m.assignments}
            offsets: dict[tuple[str, int], int | None] = dict.fromkeys(owners)
            for tp in committed.topic_partitions if committed is not None else ():
                if tp.error is None and tp.offset >= 0:
                    offsets[(tp.topic, tp.partition)] = tp.offset
            partitions = []
            for (topic, pid), offset in sorted(offsets.items()):
                topic = sys.intern(topic)
                end = high.get((topic, pid))
                owner = owners.get((topic, pid))
                partitions.append(GroupPartition(
                    topic, pid, offset, end if isinstance(end, int) else None,
                    owner.member_id if owner else None, owner.client_id if owner else None,
                    owner.host if owner else None))
            error = None
            if desc is None or committed is None:
                error = "incomplete: see the status messages"
            groups.append(GroupInfo(
                gid, state, "consumer" if desc is None or not desc.is_simple_consumer_group else "simple",
                desc.partition_assignor if desc is not None else "",
                desc.coordinator.id if desc is not None and desc.coordinator is not None else -1,
                members, tuple(partitions), error=error))
        return tuple(groups)

    @staticmethod
    def _members(desc: Any) -> tuple[MemberInfo, ...]:
        if desc is None:
            return ()
        members = []
        for m in desc.members:
            assigned = m.assignment.topic_partitions if m.assignment is not None else []
            members.append(MemberInfo(m.member_id, m.client_id, m.host, m.group_instance_id,
                                      tuple(sorted((tp.topic, tp.partition) for tp in assigned))))
        return tuple(sorted(members, key=lambda m: (m.client_id, m.member_id)))

    # -- on demand ------------------------------------------------------------------------------------

    def time_lag(self, group: GroupInfo, *, timeout: float = 5.0,
                 now: Callable[[], float] = time.time) -> dict[tuple[str, int], float]:
        """Age in seconds of the oldest unconsumed record on each of the group's partitions.

        A throwaway consumer (its own ``group.id``; it never joins a group or commits) reads the first
        record at each lagging partition's committed offset and takes its timestamp. Partitions without
        lag get 0.0; partitions whose record did not arrive within ``timeout`` are left out.
        """
        ages: dict[tuple[str, int], float] = {}
        wanted: dict[tuple[str, int], int] = {}
        for p in group.partitions:
            if p.lag == 0:
                ages[(p.topic, p.partition)] = 0.0
            elif p.lag is not None and p.committed_offset is not None:
                wanted[(p.topic, p.partition)] = p.committed_offset
        if not wanted:
            return ages
        consumer = Consumer(self._client_config(**{
            "group.id": f"airmon-timelag-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
            "enable.auto.offset.store": False, "auto.offset.reset": "earliest",
            "fetch.max.bytes": 1 << 20, "max.partition.fetch.bytes": 64 << 10}))
        try:
            consumer.assign([TopicPartition(t, p, o) for (t, p), o in wanted.items()])
            deadline = time.monotonic() + timeout
            while wanted and time.monotonic() < deadline:
                for msg in consumer.consume(num_messages=500, timeout=min(0.5, timeout)):
                    key = (msg.topic(), msg.partition())
                    if msg.error() is not None or key not in wanted:
                        continue
                    _, ts = msg.timestamp()
                    ages[key] = max(now() - ts / 1000.0, 0.0)
                    del wanted[key]
                    consumer.pause([TopicPartition(*key)])
        finally:
            consumer.close()
        return ages

    def with_time_lag(self, snapshot: ClusterSnapshot, group_ids: Iterable[str], *,
                      timeout: float = 5.0) -> ClusterSnapshot:
        """A copy of ``snapshot`` whose named groups have ``GroupPartition.time_lag`` filled in."""
        wanted = set(group_ids)
        groups = []
        for g in snapshot.groups:
            if g.group_id in wanted:
                ages = self.time_lag(g, timeout=timeout)
                g = dataclasses.replace(g, partitions=tuple(
                    dataclasses.replace(p, time_lag=ages.get((p.topic, p.partition))) for p in g.partitions))
            groups.append(g)
        return snapshot.replace(groups=tuple(groups))

    def topic_config(self, topic: str) -> tuple[TopicSetting, ...]:
        """The topic's effective configuration with where each value comes from (``describe_configs``),
        in name order; raises ``KafkaException`` on failure. Sensitive values are masked."""
        resource = ConfigResource(ResourceType.TOPIC, topic)
        result = self._open_admin().describe_configs([resource], request_timeout=self.timeout)[resource].result()
        return tuple(TopicSetting(name, "***" if entry.is_sensitive else entry.value,
                                  _SETTING_SOURCE.get(entry.source, "broker"), bool(entry.is_read_only))
                     for name, entry in sorted(result.items()))


class EmbeddedSource:
    """Snapshots of an in-process run, from the embedded engine's read-only view.

    ``view``: a :class:`~airstream.common.cluster_view.ClusterView`, such as ``EmbeddedCluster.view()``.
    The embedded cluster has no brokers, replicas or group members, so it is shown as
    one broker ``0`` that leads every partition, and groups as state ``Unknown`` with their commits.

    >>> from airstream.topology.engine.cluster import EmbeddedCluster
    >>> cluster = EmbeddedCluster()
    >>> cluster.create_topic("tweets", partitions=2)
    >>> for key in (b"a", b"b", b"c"):
    ...     _ = cluster.produce("tweets", key, b"v")
    >>> cluster.commit("scorer", {("tweets", 0): 1})
    >>> snap = EmbeddedSource(cluster.view()).snapshot()
    >>> [(p.partition, p.high_watermark) for p in snap.topic("tweets").partitions]
    [(0, 3), (1, 0)]
    >>> [(p.partition, p.committed_offset, p.lag) for p in snap.group("scorer").partitions]
    [(0, 1, 2), (1, None, None)]
    """

    def __init__(self, view: ClusterView, name: str = "embedded") -> None:
        self._view = view
        self._name = name

    @property
    def name(self) -> str:
        """``embedded`` unless named otherwise."""
        return self._name

    def snapshot(self) -> ClusterSnapshot:
        """Read the view once; a failure becomes a status message."""
        taken_at = time.time()
        try:
            topics = self._view.topics()
            groups = self._view.groups()
        except Exception as exc:  # the view is someone else's code: report, never crash the monitor
            return ClusterSnapshot(taken_at=taken_at, source=self._name, messages=(
                StatusMessage(Severity.ERROR, "embedded view", f"{type(exc).__name__}: {exc}"),))
        broker = BrokerInfo(0, "embedded", 0, None, True)
        return ClusterSnapshot(
            taken_at=taken_at, cluster_id=self._name, controller_id=0, brokers=(broker,), source=self._name,
            topics=tuple(TopicInfo(t.name, t.internal, tuple(
                PartitionInfo(t.name, p.partition, 0, (0,), (0,), p.low_watermark, p.high_watermark)
                for p in t.partitions)) for t in sorted(topics, key=lambda t: t.name)),
            groups=tuple(GroupInfo(g.group, "Unknown", partitions=tuple(
                GroupPartition(o.topic, o.partition, o.committed, o.end) for o in g.offsets))
                for g in sorted(groups, key=lambda g: g.group)))

    def close(self) -> None:
        """Nothing to release."""


class EmbeddedTraceReader:
    """The traces of an in-process run, for ``AirmonApp(trace_reader=...)`` and reports.

    ``view``: a :class:`~airstream.common.cluster_view.ClusterView` (``EmbeddedCluster.view()``): its
    ``trace_records(start)`` are the ``__airstream_metrics`` records of the run (named producers, the
    groups that consumed their records, what those groups forwarded), added up here exactly as
    :class:`airstream.monitor.traces.TraceReader` adds up the records it reads from Kafka. ``window``:
    seconds of record-timestamp minutes kept; ``None`` keeps them all (an embedded replay keeps its
    tweets' own, years old, timestamps).

    >>> from airstream.topology.engine.cluster import EmbeddedCluster
    >>> cluster = EmbeddedCluster()
    >>> _ = cluster.producer("replay").produce("tweets", b"k", b"v", timestamp=1_000)
    >>> cluster.commit("scorer", {("tweets", 0): 1})
    >>> model = EmbeddedTraceReader(cluster.view()).refresh()
    >>> [(h.text, h.produced, h.consumed) for h in model.hops]
    [('replay -> tweets -> scorer', 1, 1)]
    """

    def __init__(self, view: ClusterView, *, window: float | None = None, inactive_after: float = 300.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._view = view
        self.inactive_after = inactive_after
        self._clock = clock
        self._next = 0
        # A window reaching back before the epoch (~30,000 years) prunes nothing.
        self.accumulator = TraceAccumulator(1e12 if window is None else window)

    def refresh(self) -> TraceModel:
        """Add the records published since the last refresh; problems become messages, never raise."""
        messages: list[StatusMessage] = []
        now = self._clock()
        try:
            records = self._view.trace_records(self._next)
        except Exception as exc:  # the view is someone else's code: report, never crash the monitor
            messages.append(StatusMessage(Severity.ERROR, "read traces", f"{type(exc).__name__}: {exc}"))
            records = []
        for record in records:
            self._next += 1
            try:
                self.accumulator.add(record)
            except ValueError as exc:
                self.accumulator.skipped += 1
                messages.append(StatusMessage(Severity.WARNING, "read traces", f"skipped metrics record "
                                              f"{self._next - 1}: {exc}"))
        if not self.accumulator.records:
            messages.append(StatusMessage(Severity.INFO, "read traces", "no traces yet: records are traced "
                                          "when a named producer writes them (EmbeddedCluster.producer(client_id))"))
        return self.accumulator.model(now, inactive_after=self.inactive_after, messages=messages)

    def close(self) -> None:
        """Nothing to release."""
