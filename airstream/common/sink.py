"""The sink contract: how an engine hands records to an external system without losing or doubling any.

An engine (embedded or Kafka) drives every sink the same way::

    sink.write(batch)                 # buffer; may raise RejectedRecords for records that cannot fit
    ...
    offsets = sink.flush()            # make everything written durable
    consumer.commit(offsets)          # commit input offsets ONLY from what flush() returned
    ...
    sink.close()

**Nothing lost.** ``flush()`` returns, per input ``(topic, partition)``, the next offset whose records
are all durable in the target system (or were handed back as rejected). The engine commits input
offsets from that mapping and nothing else, so a crash at any point replays only records that are not
yet durable.

**Nothing doubled.** Replays must not add copies. Every sink here is idempotent under replay: the
Parquet sink names files after the topic, partition and offset range and removes a crashed run's
leftovers; Kudu and HBase write by primary key / row key, so a replayed record overwrites itself.

**Bad records.** ``write`` never drops a batch because one record is malformed: it keeps the records
that fit and raises :class:`RejectedRecords` listing the others, each with a reason that names the
field. The engine routes those to its dead-letter topic (with the reason and the record's origin in
headers) before its next commit; their offsets count as handled.

**Writing a sink.** A target that writes by key (so resending a batch is harmless) needs only the
record-to-item mapping and the batch write: :class:`airstream.connectors.batching.BatchingSink` does the
buffering, batching, retries and offsets, as for HBase and Kudu.

Example (a sink that keeps records in memory, enough to see the contract)::

    >>> from airstream.common.sink import SinkRecord
    >>> rec = SinkRecord(topic="tweets", partition=0, offset=41, timestamp=1_700_000_000_000,
    ...                  key=b"570306133677760513", value={"airline": "Delta", "text": "late again"})
    >>> rec.topic_partition
    ('tweets', 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "Dataset",
    "DatasetKind",
    "OffsetTracker",
    "RecordRejected",
    "Rejected",
    "RejectedRecords",
    "Sink",
    "SinkError",
    "SinkRecord",
    "TopicPartition",
]

TopicPartition = tuple[str, int]
"""``(topic, partition)`` of an input record."""


@dataclass(frozen=True, slots=True)
class SinkRecord:
    """One input record handed to a sink, with the Kafka coordinates it came from.

    ``value`` is the deserialized record (a JSON object); ``timestamp`` is in milliseconds since the
    epoch; ``headers`` keep Kafka's order and allow repeated names.
    """

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | str | None
    value: Mapping[str, Any]
    headers: tuple[tuple[str, bytes | None], ...] = ()

    @property
    def topic_partition(self) -> TopicPartition:
        """``(topic, partition)``: the key of the offsets :meth:`Sink.flush` returns."""
        return (self.topic, self.partition)


class SinkError(Exception):
    """A sink could not make records durable (target unreachable, misconfigured, ...).

    Nothing was committed for the records involved; they stay buffered, so retrying ``flush()`` or
    restarting the application (which replays from the last committed offset) loses nothing.
    """


class RecordRejected(SinkError):
    """One record a sink refused, as an exception: what an engine's dead-letter handler takes.

    The topology's error policy writes ``type(exc).__qualname__`` and ``str(exc)`` into the
    dead-letter headers, so the reason (naming the field) travels with the record.
    """

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a sink could not accept, and why (the reason names the field and the fix).

        >>> r = Rejected(SinkRecord("t", 0, 5, 0, None, {}), "field 'id' is required", "id")
        >>> str(r.exception()), r.exception().field
        ("field 'id' is required", 'id')
    """

    record: SinkRecord
    reason: str
    field: str | None = None

    def exception(self) -> RecordRejected:
        """The rejection as an exception, for dead-letter handlers that take one."""
        return RecordRejected(self.reason, self.field)


class RejectedRecords(SinkError):
    """Raised by ``write`` after it accepted the good records of a batch; ``rejected`` lists the rest.

    Example::

        try:
            sink.write(batch)
        except RejectedRecords as exc:
            for r in exc.rejected:
                dead_letter(r.record, reason=r.reason)
    """

    def __init__(self, sink: str, rejected: Sequence[Rejected]) -> None:
        self.rejected: tuple[Rejected, ...] = tuple(rejected)
        first = self.rejected[0]
        more = f" (and {len(self.rejected) - 1} more)" if len(self.rejected) > 1 else ""
        super().__init__(
            f"{sink}: rejected {len(self.rejected)} record(s); first at "
            f"{first.record.topic}[{first.record.partition}]@{first.record.offset}: {first.reason}{more}"
        )


DatasetKind = Literal["kafka_topic", "hive_table", "path", "hbase_table", "kudu_table", "ml_model", "slack_channel"]


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset a sink writes, described without any lineage tool's vocabulary.

    ``kind`` is one of ``kafka_topic`` (``name`` = topic), ``hive_table`` (``namespace`` = database,
    ``name`` = table; what Impala queries), ``path`` (``name`` = URI such as ``s3://bucket/prefix`` or
    ``file:///data/out``), ``hbase_table`` (``namespace`` = HBase namespace), ``kudu_table``,
    ``ml_model`` (``name`` = the model, ``namespace`` = its serving endpoint's URL, without credentials)
    and ``slack_channel`` (``name`` = the channel). ``details`` are further facts as (name, value)
    pairs, e.g. the model's version. :mod:`airstream.connectors.atlas` maps them to Atlas entity types.

        >>> Dataset("hive_table", "airlinesentiment", namespace="default").display_name
        'default.airlinesentiment'
    """

    kind: DatasetKind
    name: str
    namespace: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    @property
    def display_name(self) -> str:
        """``namespace.name`` (or just ``name``), for humans."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@runtime_checkable
class Sink(Protocol):
    """What every sink offers the engine (see the module docstring for the full contract).

    A sink is driven from one thread (the task's); it keeps no thread of its own, so time-based
    rolling happens on calls: an engine passes ``write([])`` on idle polls to let old buffers close.
    """

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Buffer ``records`` (in input order per partition); may make some durable already.

        Raises :class:`RejectedRecords` for records that do not fit, after keeping the others. Any
        other :class:`SinkError` means none of ``records`` was accepted (e.g. the target could not be
        reached to set up), so the engine may retry the same batch. A failure to send what is already
        buffered is not raised here but by the next ``flush()``.
        """
        ...

    def flush(self) -> dict[TopicPartition, int]:
        """Make everything written so far durable; return the next offset safe to commit per input partition.

        Raises :class:`SinkError` when the target cannot be reached; nothing is then reported as
        committed, and a later ``flush()`` retries.
        """
        ...

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget these input partitions (revoked by a rebalance) without writing their buffered records.

        Whoever owns them next replays from the committed offset; the sink's next write for them
        starts afresh (for Parquet, with crash-leftover cleanup).
        """
        ...

    def close(self) -> None:
        """Release connections and files. Does not flush: call ``flush()`` first to keep the buffer."""
        ...

    def describe(self) -> str:
        """One line for humans and logs: the target and settings, never a secret."""
        ...

    def lineage(self) -> list[Dataset]:
        """The datasets this sink writes (for Atlas and other lineage tools)."""
        ...


@dataclass
class OffsetTracker:
    """Per-partition bookkeeping of what a sink has seen and what is durable.

    A sink calls :meth:`seen` for every record it accepts or rejects, and :meth:`committable` with
    the smallest offset still waiting in its buffers per partition to learn the offsets to report
    from ``flush()``: that smallest buffered offset, or one past the last record seen.

        >>> t = OffsetTracker()
        >>> t.seen(("tweets", 0), 10); t.seen(("tweets", 0), 11)
        >>> t.committable({("tweets", 0): 11})
        {('tweets', 0): 11}
        >>> t.committable({})
        {('tweets', 0): 12}
    """

    last_seen: dict[TopicPartition, int] = field(default_factory=dict)

    def seen(self, tp: TopicPartition, offset: int) -> None:
        """Record that ``offset`` of ``tp`` reached the sink."""
        self.last_seen[tp] = offset

    def committable(self, pending_min: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Offsets to commit, given the smallest offset still buffered per partition."""
        return {tp: pending_min.get(tp, last + 1) for tp, last in self.last_seen.items()}

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop the state of revoked partitions."""
        for tp in partitions:
            self.last_seen.pop(tp, None)
