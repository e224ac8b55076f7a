"""``BatchingSink``: the buffering, batching and retrying that the key-addressed sinks share.

HBase and Kudu write by row key / primary key, so resending a batch is always safe. Such a sink only
says how one record becomes an item (a put, a row) and how one batch of items is written; this base
class does the rest of the :class:`~airstream.common.sink.Sink` contract:

* ``write`` converts each record, keeps the ones that fit, sends every full batch, and raises
  :class:`~airstream.common.sink.RejectedRecords` for the others;
* a failing batch is retried on a fresh connection with exponential back-off, and when it still
  fails it stays buffered: ``write`` logs the failure, ``flush`` raises it as a
  :class:`~airstream.common.sink.SinkError`, and a later ``flush`` retries;
* ``flush`` reports input offsets as committable only once everything buffered has been sent.

Example (a sink that "writes" to a list)::

    >>> from airstream.common.sink import Rejected, SinkRecord
    >>> class ListSink(BatchingSink[str]):
    ...     def __init__(self) -> None:
    ...         super().__init__(batch_size=2, retries=0, backoff_s=0.0)
    ...         self.written: list[list[str]] = []
    ...     def describe(self) -> str:
    ...         return "ListSink()"
    ...     def lineage(self) -> list:
    ...         return []
    ...     def _convert(self, record: SinkRecord) -> str | Rejected:
    ...         return record.value["text"]
    ...     def _send(self, items: list[str]) -> None:
    ...         self.written.append(items)
    >>> sink = ListSink()
    >>> sink.write([SinkRecord("t", 0, i, 0, None, {"text": f"r{i}"}) for i in range(3)])
    >>> sink.written
    [['r0', 'r1']]
    >>> sink.flush(), sink.written
    ({('t', 0): 3}, [['r0', 'r1'], ['r2']])
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from airstream.common.sink import (
    Dataset,
    OffsetTracker,
    Rejected,
    RejectedRecords,
    SinkError,
    SinkRecord,
    TopicPartition,
)

__all__ = ["BatchingSink"]

log = logging.getLogger(__name__)

Item = TypeVar("Item")


class BatchingSink(ABC, Generic[Item]):
    """Base of sinks whose writes are idempotent by key (see the module docstring).

    Subclasses implement :meth:`describe`, :meth:`lineage`, :meth:`_convert` and :meth:`_send`, and
    may override :meth:`_reset` (drop a broken connection), :meth:`_reason` (exception text) and
    :meth:`_advice` (what the user should check when a batch keeps failing). ``unit`` names the
    items in messages (``"rows"``, ``"puts"``).

    Args:
        batch_size: items per :meth:`_send` call.
        retries: extra attempts for a failing batch.
        backoff_s: the pause before the first retry; it doubles on each further one.
    """

    unit = "rows"

    def __init__(self, *, batch_size: int, retries: int, backoff_s: float) -> None:
        if batch_size <= 0 or retries < 0:
            raise ValueError("batch_size must be positive and retries non-negative")
        self.batch_size, self.retries, self.backoff_s = batch_size, retries, backoff_s
        self._pending: list[tuple[TopicPartition, Item]] = []
        self._offsets = OffsetTracker()

    # -- the Sink protocol -------------------------------------------------------------------------

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Buffer one item per record, sending full batches; raise :class:`RejectedRecords` for misfits."""
        rejected: list[Rejected] = []
        for r in records:
            self._offsets.seen(r.topic_partition, r.offset)
            item = self._convert(r)
            if isinstance(item, Rejected):
                rejected.append(item)
            else:
                self._pending.append((r.topic_partition, item))
        try:
            while len(self._pending) >= self.batch_size:
                self._send_batch()
        except SinkError as exc:  # the batch is accepted and buffered; flush() retries and reports
            log.warning("%s", exc)
        if rejected:
            raise RejectedRecords(self.describe(), rejected)

    def flush(self) -> dict[TopicPartition, int]:
        """Send every buffered item; return the next offset to commit per input partition."""
        while self._pending:
            self._send_batch()
        return self._offsets.committable({})

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop buffered items of revoked partitions (their next owner replays them)."""
        gone = set(partitions)
        self._pending = [p for p in self._pending if p[0] not in gone]
        self._offsets.forget(gone)

    def close(self) -> None:
        """Forget buffered items and the connection (flush first to keep them)."""
        self._pending.clear()
        self._reset()

    @abstractmethod
    def describe(self) -> str:
        """Target and settings, never a secret."""

    @abstractmethod
    def lineage(self) -> list[Dataset]:
        """The datasets this sink writes."""

    # -- what a subclass provides ------------------------------------------------------------------

    @abstractmethod
    def _convert(self, record: SinkRecord) -> Item | Rejected:
        """The item to write for ``record``, or why it cannot be written (naming the field)."""

    @abstractmethod
    def _send(self, items: list[Item]) -> None:
        """Write the items (all or nothing as far as the caller knows; retried whole)."""

    def _reset(self) -> None:
        """Drop the connection/session after a failure, so the retry starts fresh."""

    def _reason(self, exc: Exception) -> str:
        """How a failure reads in messages."""
        return str(exc)

    def _advice(self) -> str:
        """The sentence that ends the error of a batch that keeps failing."""
        return f"The {self.unit} stay buffered and the next flush retries them."

    # -- sending -----------------------------------------------------------------------------------

    def _send_batch(self) -> None:
        items = [item for _, item in self._pending[:self.batch_size]]
        attempt = 0
        while True:
            try:
                self._send(items)
                break
            except Exception as exc:  # writes are idempotent by key: resending the batch is safe
                self._reset()
                if attempt >= self.retries:
                    raise SinkError(f"{self.describe()}: {len(items)} {self.unit} failed after {attempt + 1} "
                                    f"attempts: {self._reason(exc)}. {self._advice()}") from None
                pause = self.backoff_s * 2 ** attempt
                log.warning("%s: batch of %d %s failed (%s); retrying in %.1fs", self.describe(), len(items),
                            self.unit, self._reason(exc), pause)
                time.sleep(pause)
                attempt += 1
        del self._pending[:len(items)]
