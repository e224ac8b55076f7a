"""A log of every record as JSON lines in local files, rolled by size: what the Cloudera demo's NiFi
flow kept with PutFile.

Each line is one record with where it came from::

    {"topic": "airlines", "partition": 0, "offset": 41, "timestamp": 1424807752000, "key": "5703...",
     "value": {"airline": "Delta", ...}}

Files are ``<folder>/<topic>-<partition>-<first offset, 20 digits>.jsonl``, one series per input
partition; a file that reaches ``max_bytes`` is closed and the next record starts a new one.

It keeps the sink contract (:mod:`airstream.common.sink`): ``flush()`` writes and ``fsync``\\ s what
was written before it returns the offsets to commit, and a replay after a crash adds no copy. On
opening a partition's series the sink reads the last offset its newest file holds (cutting a line
torn by a crash), and skips records up to it: offsets only grow within a partition.

Example::

    from airstream.connectors.jsonlog import JsonLinesSink

    stream.to_sink(JsonLinesSink(".airstream/cloudair/log", max_bytes=64 << 20), name="log")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from airstream.common.sink import Dataset, SinkError, SinkRecord, TopicPartition

__all__ = ["JsonLinesSink"]


def _key(key: bytes | str | None) -> str | None:
    if isinstance(key, bytes):
        return key.decode("utf-8", errors="backslashreplace")
    return key


class _Series:
    """The files of one input partition: the open one, and the last offset logged."""

    def __init__(self, folder: Path, topic: str, partition: int) -> None:
        self.folder, self.prefix = folder, f"{topic}-{partition}-"
        self.file: IO[bytes] | None = None
        self.size = 0
        self.last = self._last_logged()
        self.pending: list[bytes] = []

    def _files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob(f"{self.prefix}*.jsonl") if p.name[len(self.prefix):-6].isdigit())

    def _last_logged(self) -> int:
        """The last offset in the newest file, after cutting a torn last line; -1 when there is none."""
        files = self._files()
        if not files:
            return -1
        newest = files[-1]
        data = newest.read_bytes()
        whole = data[:data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            with newest.open("r+b") as f:  # a line a crash cut short: its record was never committed
                f.truncate(len(whole))
        lines = whole.splitlines()
        return int(orjson.loads(lines[-1])["offset"]) if lines else int(newest.name[len(self.prefix):-6]) - 1

    def write_pending(self, max_bytes: int) -> None:
        for line in self.pending:
            if self.file is None or self.size >= max_bytes:
                self._roll(int(orjson.loads(line)["offset"]))
            assert self.file is not None
            self.file.write(line)
            self.size += len(line)
        self.pending.clear()
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())

    def _roll(self, first_offset: int) -> None:
        self.close()
        self.file = (self.folder / f"{self.prefix}{first_offset:020d}.jsonl").open("ab")
        self.size = self.file.tell()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class JsonLinesSink:
    """Every record as one JSON line in rolling files under ``folder`` (see the module docstring).

    Args:
        folder: where the files go (created if missing).
        max_bytes: size at which a file is closed and the next one started (default 64 MiB).
    """

    def __init__(self, folder: str | os.PathLike[str], max_bytes: int = 64 << 20) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, got {max_bytes!r}")
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"cannot create the log folder {self.folder}: {exc.strerror}") from None
        self.max_bytes = max_bytes
        self._series: dict[TopicPartition, _Series] = {}

    def __repr__(self) -> str:
        return f"JsonLinesSink({str(self.folder)!r}, max_bytes={self.max_bytes})"

    def _of(self, tp: TopicPartition) -> _Series:
        series = self._series.get(tp)
        if series is None:
            series = self._series[tp] = _Series(self.folder, *tp)
        return series

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Buffer the records not logged yet (a replay's repeats are skipped by offset)."""
        for rec in records:
            series = self._of(rec.topic_partition)
            if rec.offset <= series.last:
                continue
            series.pending.append(orjson.dumps({
                "topic": rec.topic, "partition": rec.partition, "offset": rec.offset, "timestamp": rec.timestamp,
                "key": _key(rec.key), "value": rec.value}, option=orjson.OPT_APPEND_NEWLINE))
            series.last = rec.offset

    def flush(self) -> dict[TopicPartition, int]:
        """Write and ``fsync`` what was buffered; the next offset to commit per input partition."""
        for series in self._series.values():
            try:
                series.write_pending(self.max_bytes)
            except OSError as exc:
                raise SinkError(f"cannot write the log in {self.folder}: {exc.strerror}") from None
        return {tp: series.last + 1 for tp, series in self._series.items() if series.last >= 0}

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget revoked partitions' buffered lines; their new owner logs them from the committed offset."""
        for tp in partitions:
            series = self._series.pop(tp, None)
            if series is not None:
                series.close()

    def close(self) -> None:
        """Close the open files (``flush()`` first to keep what is buffered)."""
        for series in self._series.values():
            series.close()
        self._series.clear()

    def describe(self) -> str:
        """The folder and the roll size."""
        return f"JSON lines in {self.folder}, a file per partition rolled at {self.max_bytes} bytes"

    def lineage(self) -> list[Dataset]:
        """The folder, as a ``file://`` path."""
        return [Dataset("path", self.folder.resolve().as_uri())]

    def read(self, topic: str | None = None) -> list[dict[str, Any]]:
        """Every logged line (of ``topic``, or all), in file order per partition: for reports and tests."""
        lines: list[dict[str, Any]] = []
        for path in sorted(self.folder.glob("*.jsonl")):
            for line in path.read_bytes().splitlines():
                entry = orjson.loads(line)
                if topic is None or entry["topic"] == topic:
                    lines.append(entry)
        return lines
