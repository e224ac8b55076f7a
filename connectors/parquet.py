"""Parquet sink: records to Parquet files in a local folder or on S3, Hive-partitioned, replay-safe.

Files roll by rows, bytes and age, land in Hive-style partition folders (``airline=Delta/``) and are
named after the input topic, partition and offset range they hold::

    airline=Delta/tweets-0-00000000000000000100-00000000000000000199.parquet

so a replay after a crash writes the same names again. Before its first write for an input partition
(and after a rewind) the sink deletes that partition's files that start at or after the first offset it
is given: they are leftovers of a run that crashed after upload but before its offsets were committed,
and their records are about to be written again. Locally a file is written to a hidden temporary name
and renamed; an S3 object appears atomically when its upload completes. ``flush()`` reports offsets
only for records whose file is complete.

Example::

    >>> import tempfile
    >>> from airstream.common.sink import SinkRecord
    >>> out = tempfile.mkdtemp()
    >>> sink = ParquetSink(out, partition_by=["airline"])
    >>> sink.write([SinkRecord("tweets", 0, 7, 0, None, {"id": 1, "airline": "Delta"})])
    >>> sink.flush()
    {('tweets', 0): 8}
    >>> sorted(p.name for p in __import__("pathlib").Path(out).rglob("*.parquet"))
    ['tweets-0-00000000000000000007-00000000000000000007.parquet']
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from airstream.common.redact import RedactingFilter
from airstream.common.sink import (
    Dataset,
    OffsetTracker,
    Rejected,
    RejectedRecords,
    SinkError,
    SinkRecord,
    TopicPartition,
)

__all__ = ["FileCatalog", "ParquetSink", "S3Options", "dataset_filesystem", "parse_file_name"]

log = logging.getLogger(__name__)

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_FILE_RE = re.compile(r"^(?P<topic>.+)-(?P<partition>\d+)-(?P<start>\d{20})-(?P<end>\d{20})\.parquet$")
# Characters Hive escapes in partition folder names (FileUtils.escapePathName), as %XX.
_HIVE_UNSAFE = set('"#%\'*/:=?\\\x7f{[]^') | {chr(c) for c in range(0x20)}


@dataclass(frozen=True)
class S3Options:
    """Where and how to reach S3 or an S3-compatible store; secrets are never shown.

    Every field defaults to the usual AWS settings: ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``,
    ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, and credentials from the AWS credential chain
    (environment, ``~/.aws``, instance metadata) when no key is given. A custom endpoint (MinIO,
    Ozone, moto ...) is addressed path-style.

        >>> S3Options(endpoint_url="http://127.0.0.1:9000", access_key="AKIA", secret_key="s3cr3t")
        S3Options(endpoint_url='http://127.0.0.1:9000', region=None, access_key='AKIA')
    """

    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> S3Options:
        """Settings from the standard AWS environment variables."""
        env = os.environ if env is None else env
        return cls(
            endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            access_key=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
        )

    def filesystem(self) -> pafs.S3FileSystem:
        """A pyarrow S3 filesystem with these settings."""
        kwargs: dict[str, Any] = {"region": self.region}
        if self.endpoint_url:
            parsed = urlparse(self.endpoint_url)
            if not parsed.scheme or not parsed.netloc:
                raise ValueError(
                    f"S3 endpoint {self.endpoint_url!r} is not a URL: use e.g. http://127.0.0.1:9000"
                )
            kwargs.update(endpoint_override=parsed.netloc, scheme=parsed.scheme,
                          force_virtual_addressing=False)
        if self.access_key:
            kwargs.update(access_key=self.access_key, secret_key=self.secret_key,
                          session_token=self.session_token)
        return pafs.S3FileSystem(**kwargs)

    def scrubber(self) -> RedactingFilter:
        """A filter that removes these credentials (and every request signature) from S3's error texts.

        The AWS SDK quotes a server's error message, and a server may echo the request in it: the
        session token travels as a header, the access key id and signature in ``Authorization``.

            >>> S3Options(secret_key="s3cr3t", session_token="t0ken").scrubber().redact(
            ...     "denied: x-amz-security-token: t0ken, Signature=4cd85f77 (secret s3cr3t)")
            'denied: x-amz-security-token: ***, Signature=*** (secret ***)'
        """
        scrubber = RedactingFilter()
        scrubber.hide_secret(self.secret_key, self.session_token)
        scrubber.hide_url_secrets(self.endpoint_url, keep_path=True)
        return scrubber


def dataset_filesystem(uri: str, s3: S3Options | None = None) -> tuple[pafs.FileSystem, str]:
    """The filesystem and root path for a data set URI: a local folder, ``file://`` or ``s3://bucket/prefix``.

        >>> fs, root = dataset_filesystem("s3://bucket/tables/airlinesentiment", S3Options(region="us-east-1"))
        >>> root
        'bucket/tables/airlinesentiment'
    """
    parsed = urlparse(uri)
    if parsed.scheme in ("s3", "s3a"):
        if not parsed.netloc:
            raise ValueError(f"S3 location {uri!r} has no bucket: use s3://bucket/prefix")
        root = f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
        return (s3 or S3Options.from_env()).filesystem(), root
    if parsed.scheme in ("", "file"):
        path = parsed.path if parsed.scheme == "file" else uri
        return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(path))
    raise ValueError(f"unsupported data set location {uri!r}: use a local folder or s3://bucket/prefix")


def parse_file_name(name: str) -> tuple[str, int, int, int] | None:
    """``(topic, partition, first offset, last offset)`` of a file this sink wrote, else None.

        >>> parse_file_name("my-topic-3-00000000000000000100-00000000000000000199.parquet")
        ('my-topic', 3, 100, 199)
    """
    m = _FILE_RE.match(name)
    if not m:
        return None
    return m["topic"], int(m["partition"]), int(m["start"]), int(m["end"])


class FileCatalog(Protocol):
    """A table over the sink's files (e.g. :class:`airstream.connectors.impala.ImpalaCatalog`), told when files land."""

    def files_landed(self, schema: pa.Schema, partition_by: Sequence[str], new_partitions: bool) -> None:
        """Create the table if needed and make the new files visible."""
        ...

    def lineage(self) -> list[Dataset]:
        """The table as a dataset."""
        ...


@dataclass
class _Buffer:
    folder: str
    chunks: list[pa.Table]
    first_offset: int
    last_offset: int
    opened_at: float
    rows: int = 0
    nbytes: int = 0


class ParquetSink:
    """Writes records as Parquet files; see the module docstring for naming and replay safety.

    Args:
        location: a local folder (created if missing), ``file:///...`` or ``s3://bucket/prefix``.
        schema: the Arrow schema of the records, partition fields included. When omitted it is
            inferred once from the first batch and every later record is checked against it.
        partition_by: fields that become Hive partition folders, in order (``["airline"]``); they are
            stored in the folder names, not in the files, as Hive and Impala expect.
        compression: ``"snappy"`` or ``"zstd"``.
        max_rows / max_bytes / max_age_s: a file is closed when it reaches any of these
            (bytes are Arrow in-memory bytes, an upper bound of the file size).
        s3: S3 settings; defaults to the AWS environment.
        catalog: optional table to create / refresh when files land (Impala).
        extra_fields: ``"reject"`` (default) rejects records with fields outside the schema, so no
            data is silently dropped; ``"ignore"`` drops such fields.
        clock: monotonic seconds, for file age (tests pass a fake).
    """

    def __init__(
        self,
        location: str,
        *,
        schema: pa.Schema | None = None,
        partition_by: Sequence[str] = (),
        compression: Literal["snappy", "zstd"] = "snappy",
        max_rows: int = 100_000,
        max_bytes: int = 64 * 1024 * 1024,
        max_age_s: float = 300.0,
        s3: S3Options | None = None,
        catalog: FileCatalog | None = None,
        extra_fields: Literal["reject", "ignore"] = "reject",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if compression not in ("snappy", "zstd"):
            raise ValueError(f"compression {compression!r} is not supported: use 'snappy' or 'zstd'")
        if extra_fields not in ("reject", "ignore"):
            raise ValueError(f"extra_fields {extra_fields!r}: use 'reject' or 'ignore'")
        if min(max_rows, max_bytes) <= 0 or max_age_s <= 0:
            raise ValueError("max_rows, max_bytes and max_age_s must be positive")
        self.location = location
        self.partition_by = tuple(partition_by)
        self.compression = compression
        self.max_rows, self.max_bytes, self.max_age_s = max_rows, max_bytes, max_age_s
        self.catalog = catalog
        self.extra_fields = extra_fields
        self._clock = clock
        s3 = s3 or S3Options.from_env()
        self._fs, self._root = dataset_filesystem(location, s3)
        self._scrub = s3.scrubber()
        self._is_local = isinstance(self._fs, pafs.LocalFileSystem)
        self._schema: pa.Schema | None = None
        self._file_schema: pa.Schema | None = None
        self._known_fields: frozenset[str] = frozenset()
        self._buffers: dict[tuple[TopicPartition, tuple[str, ...]], _Buffer] = {}
        # Closed files waiting to be written (kept if a write fails, so a later flush retries them).
        self._full: list[tuple[TopicPartition, _Buffer]] = []
        self._offsets = OffsetTracker()
        self._folders_written: set[str] = set()
        if schema is not None:
            self._set_schema(schema)

    # -- the Sink protocol -------------------------------------------------------------------------

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Buffer records, rolling files that are full or old; raise :class:`RejectedRecords` for misfits."""
        if not records:
            self._roll(lambda b: self._clock() - b.opened_at >= self.max_age_s)
            return
        firsts, lasts = _offset_bounds(records)
        starting = {tp: first for tp, first in firsts.items()
                    if (last := self._offsets.last_seen.get(tp)) is None or first <= last}
        if starting:
            self._start_partitions(starting)
        if self._schema is None:
            self._set_schema(self._infer_schema(records))
        good, rejected, table = self._check(records)
        if good:
            self._buffer(good, table)
        for tp, last in lasts.items():
            self._offsets.seen(tp, last)
        now = self._clock()
        try:
            self._roll(lambda b: b.rows >= self.max_rows or b.nbytes >= self.max_bytes
                       or now - b.opened_at >= self.max_age_s)
        except SinkError as exc:  # the batch is accepted and buffered; flush() retries and reports
            log.warning("%s; will retry on flush", exc)
        if rejected:
            raise RejectedRecords(self.describe(), rejected)

    def flush(self) -> dict[TopicPartition, int]:
        """Write every buffered file; return the next offset to commit per input partition."""
        self._roll(lambda b: True)
        return self._committable()

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop buffered records of revoked partitions; the next write for them cleans up leftovers first."""
        gone = set(partitions)
        for key in [k for k in self._buffers if k[0] in gone]:
            del self._buffers[key]
        self._full = [(tp, b) for tp, b in self._full if tp not in gone]
        self._offsets.forget(gone)

    def close(self) -> None:
        """Forget buffered records (call ``flush()`` first to keep them)."""
        self._buffers.clear()
        self._full.clear()

    def describe(self) -> str:
        """Location and settings (never credentials)."""
        parts = f", partition_by={list(self.partition_by)}" if self.partition_by else ""
        return (f"ParquetSink({self.location}{parts}, compression={self.compression}, roll at "
                f"{self.max_rows} rows / {self.max_bytes} bytes / {self.max_age_s:g} s)")

    def lineage(self) -> list[Dataset]:
        """The folder or S3 location, and the catalog's table if any."""
        uri = self.location if "://" in self.location else "file://" + self._root
        return [Dataset("path", uri), *(self.catalog.lineage() if self.catalog else [])]

    @property
    def schema(self) -> pa.Schema | None:
        """The records' schema (declared or inferred), partition fields included."""
        return self._schema

    # -- schema ------------------------------------------------------------------------------------

    def _set_schema(self, schema: pa.Schema) -> None:
        missing = [f for f in self.partition_by if f not in schema.names]
        if missing:
            raise ValueError(f"partition field(s) {missing} are not in the schema {schema.names}")
        nested = [f for f in self.partition_by if pa.types.is_nested(schema.field(f).type)]
        if nested:
            raise ValueError(f"partition field(s) {nested} have nested types; partition by scalar fields")
        self._schema = schema
        self._known_fields = frozenset(schema.names)
        self._file_schema = pa.schema([f for f in schema if f.name not in self.partition_by],
                                      metadata=schema.metadata)

    def _infer_schema(self, records: Sequence[SinkRecord]) -> pa.Schema:
        values = [dict(r.value) for r in records]
        try:
            inferred = pa.Table.from_pylist(values).schema
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # Mixed types within the first batch: the first record decides, the others are checked.
            inferred = pa.Table.from_pylist(values[:1]).schema
        fields = []
        for f in inferred:
            if pa.types.is_null(f.type):
                log.warning("ParquetSink: field %r is null in the whole first batch; storing it as string. "
                            "Pass schema= to declare its type.", f.name)
                f = f.with_type(pa.string())
            fields.append(f)
        return pa.schema(fields)

    def _check(self, records: Sequence[SinkRecord]) -> tuple[list[SinkRecord], list[Rejected], pa.Table]:
        """Split records into those that fit the schema (as a table) and rejected ones."""
        assert self._schema is not None
        rejected: list[Rejected] = []
        candidates = list(records)
        if self.extra_fields == "reject":
            candidates = []
            for r in records:
                extra = r.value.keys() - self._known_fields
                if extra:
                    name = sorted(extra)[0]
                    rejected.append(Rejected(r, f"field {name!r} is not in the Parquet schema "
                                                f"({', '.join(self._schema.names)}); declare it in schema= "
                                                f"or pass extra_fields='ignore'", name))
                else:
                    candidates.append(r)
        try:
            return candidates, rejected, self._to_table([r.value for r in candidates])
        except _CONVERSION_ERRORS:
            pass
        good = []
        for r in candidates:
            problem = self._field_problem(r.value)
            if problem is None:
                good.append(r)
            else:
                rejected.append(Rejected(r, problem[1], problem[0]))
        return good, rejected, self._to_table([r.value for r in good])

    def _to_table(self, values: Sequence[Mapping[str, Any]]) -> pa.Table:
        assert self._schema is not None
        try:
            inferred: pa.Table | None = pa.Table.from_pylist(values)
        except _CONVERSION_ERRORS:
            inferred = None  # mixed types in a column: convert column by column
        columns = []
        for f in self._schema:
            if inferred is None:
                columns.append(_column([v.get(f.name) for v in values], f))
            elif f.name in inferred.column_names:
                columns.append(_conform(inferred.column(f.name), f))
            else:
                columns.append(_conform(pa.nulls(len(values)), f))
        return pa.Table.from_arrays(columns, schema=self._schema)

    def _field_problem(self, value: Mapping[str, Any]) -> tuple[str, str] | None:
        assert self._schema is not None
        for f in self._schema:
            v = value.get(f.name)
            try:
                _column([v], f)
            except _CONVERSION_ERRORS as exc:
                return f.name, (f"field {f.name!r} value {_preview(v)} does not fit the schema type {f.type}: "
                                f"{exc}; fix the record or declare the field's type in schema=")
        return None

    # -- buffering and files -----------------------------------------------------------------------

    def _buffer(self, records: Sequence[SinkRecord], table: pa.Table) -> None:
        assert self._file_schema is not None
        table = table.select(self._file_schema.names)
        now = self._clock()
        groups = self._group(records)
        for key, rows in groups.items():
            pos = 0
            while pos < len(rows):  # split so that no file exceeds max_rows
                buf = self._buffers.get(key)
                if buf is None:
                    folder = "/".join(f"{p}={v}" for p, v in zip(self.partition_by, key[1], strict=True))
                    first = records[rows[pos]].offset
                    buf = self._buffers[key] = _Buffer(folder, [], first, first, now)
                take = rows[pos:pos + self.max_rows - buf.rows]
                chunk = table if len(take) == len(records) else table.take(take)
                buf.chunks.append(chunk)
                buf.last_offset = records[take[-1]].offset
                buf.rows += chunk.num_rows
                buf.nbytes += chunk.nbytes
                pos += len(take)
                if buf.rows >= self.max_rows:
                    self._full.append((key[0], self._buffers.pop(key)))

    def _group(self, records: Sequence[SinkRecord]) -> dict[tuple[TopicPartition, tuple[str, ...]], list[int]]:
        """Row indexes per (input partition, partition folder), in input order."""
        fields = self.partition_by
        raw: dict[tuple[Any, ...], list[int]] = {}
        for i, r in enumerate(records):
            value = r.value
            key = (r.topic, r.partition, *[value.get(p) for p in fields])
            rows = raw.get(key)
            if rows is None:
                raw[key] = [i]
            else:
                rows.append(i)
        groups: dict[tuple[TopicPartition, tuple[str, ...]], list[int]] = {}
        merged = False
        for key, rows in raw.items():
            folder_key = ((key[0], key[1]), tuple(_hive_value(v) for v in key[2:]))
            if folder_key in groups:  # e.g. None and "" both go to the default partition
                groups[folder_key] += rows
                merged = True
            else:
                groups[folder_key] = rows
        if merged:
            for rows in groups.values():
                rows.sort()
        return groups

    def _roll(self, due: Callable[[_Buffer], bool]) -> None:
        self._full.extend((key[0], self._buffers.pop(key)) for key in
                          [k for k, b in self._buffers.items() if due(b)])
        landed = False
        new_partitions = False
        while self._full:
            tp, buf = self._full[0]
            self._write_file(tp, buf)
            self._full.pop(0)
            landed = True
            if buf.folder not in self._folders_written:
                self._folders_written.add(buf.folder)
                new_partitions = True
        if landed and self.catalog is not None and self._schema is not None:
            try:
                self.catalog.files_landed(self._schema, self.partition_by, new_partitions)
            except Exception as exc:  # the files are durable; the table catches up on the next refresh
                log.warning("ParquetSink: files landed but the table refresh failed: %s", exc)

    def _write_file(self, tp: TopicPartition, buf: _Buffer) -> None:
        name = f"{tp[0]}-{tp[1]}-{buf.first_offset:020d}-{buf.last_offset:020d}.parquet"
        folder = f"{self._root}/{buf.folder}" if buf.folder else self._root
        path = f"{folder}/{name}"
        table = pa.concat_tables(buf.chunks)
        try:
            if self._is_local:
                self._fs.create_dir(folder, recursive=True)
                tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
                pq.write_table(table, tmp, filesystem=self._fs, compression=self.compression,
                               coerce_timestamps="us", allow_truncated_timestamps=True)
                self._fs.move(tmp, path)
            else:
                # An S3 object becomes visible only when its upload completes: no partial files.
                pq.write_table(table, path, filesystem=self._fs, compression=self.compression,
                               coerce_timestamps="us", allow_truncated_timestamps=True)
        except OSError as exc:
            raise self._failure(f"could not write {path}", exc, "The records stay buffered; check the location "
                                "and permissions, then flush again.") from None
        log.debug("ParquetSink wrote %s (%d rows)", path, table.num_rows)

    def _failure(self, what: str, exc: OSError, hint: str) -> SinkError:
        """The error for a failed filesystem call: what failed and why, without credentials, and what to do.

        The cause is not chained: its text is the unscrubbed one, and a traceback would print it.
        """
        return SinkError(f"{self.describe()}: {what}: {self._scrub.redact(str(exc))}. {hint}")

    def _committable(self) -> dict[TopicPartition, int]:
        pending: dict[TopicPartition, int] = {}
        for tp, buf in [(k[0], b) for k, b in self._buffers.items()] + self._full:
            pending[tp] = min(pending.get(tp, buf.first_offset), buf.first_offset)
        return self._offsets.committable(pending)

    # -- crash recovery ----------------------------------------------------------------------------

    def _start_partitions(self, first_offsets: Mapping[TopicPartition, int]) -> None:
        """Discard buffered records of these partitions and delete their files at or after the given offsets."""
        self.release(first_offsets)
        selector = pafs.FileSelector(self._root, recursive=True, allow_not_found=True)
        try:
            infos = self._fs.get_file_info(selector)
        except OSError as exc:
            raise self._failure(f"cannot list {self.location} to clean up after a restart", exc,
                                "Check the location, the credentials and the network.") from None
        try:
            self._remove_leftovers(infos, first_offsets)
        except OSError as exc:
            raise self._failure(f"cannot remove the files a stopped run left in {self.location}", exc,
                                "Check the permission to delete there.") from None

    def _remove_leftovers(self, infos: Iterable[pafs.FileInfo], first_offsets: Mapping[TopicPartition, int]) -> None:
        """Delete the files among ``infos`` that hold offsets about to be written again."""
        for info in infos:
            if info.type != pafs.FileType.File:
                continue
            base = info.base_name
            if base.startswith(".") and base.endswith(".tmp"):
                parsed = parse_file_name(base[1:].rsplit(".", 2)[0])
                if parsed and parsed[:2] in first_offsets:
                    self._fs.delete_file(info.path)
                continue
            parsed = parse_file_name(base)
            if not parsed or parsed[:2] not in first_offsets:
                continue
            first = first_offsets[parsed[:2]]
            if parsed[2] >= first:
                log.info("ParquetSink: removing %s, left by a run that stopped before committing", info.path)
                self._fs.delete_file(info.path)
            elif parsed[3] >= first:
                # Only an offset reset into the middle of a file gets here (a restart resumes at a file
                # boundary). Rows carry no offsets, so the file cannot be cut: say what will repeat.
                log.warning("ParquetSink: replay of %s[%d] starts at offset %d, inside %s (offsets %d-%d); "
                            "its records from offset %d on will be duplicated. Reset offsets to a file's "
                            "first offset to avoid this.", parsed[0], parsed[1], first, info.path,
                            parsed[2], parsed[3], first)

_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError,
                      ValueError, OverflowError)


def _column(values: list[Any], f: pa.Field) -> pa.Array:
    """One column in the field's type, refusing lossy conversions (2.5 into an int, 7 into a string)."""
    try:
        arr = pa.array(values)
    except _CONVERSION_ERRORS:
        arr = pa.array(values, type=f.type)  # e.g. nested values whose inference needs the type
    return _conform(arr, f)


def _conform(arr: pa.Array | pa.ChunkedArray, f: pa.Field) -> pa.Array | pa.ChunkedArray:
    """``arr`` in the field's type: nulls typed, safe casts only, no numbers silently made text."""
    if arr.type != f.type:
        if pa.types.is_null(arr.type):
            arr = pa.nulls(len(arr), f.type)
        elif _is_text(f.type) and not _is_text(arr.type):
            raise pa.ArrowTypeError(f"expected a string, got {arr.type}")
        else:
            arr = arr.cast(f.type)  # safe cast: raises on truncation and overflow
    if not f.nullable and arr.null_count:
        raise pa.ArrowInvalid("the field is required (not nullable) but the value is missing or null")
    return arr


def _is_text(t: pa.DataType) -> bool:
    # pyarrow is untyped: its is_* predicates return bool.
    is_text: bool = pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
    return is_text


def _offset_bounds(records: Sequence[SinkRecord]) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """First and last offset per input partition of a batch."""
    firsts: dict[TopicPartition, int] = {}
    lasts: dict[TopicPartition, int] = {}
    for r in records:
        tp = (r.topic, r.partition)
        if tp not in firsts:
            firsts[tp] = r.offset
        lasts[tp] = r.offset
    return firsts, lasts


def _hive_value(v: Any) -> str:
    if v is None or v == "":
        return HIVE_NULL
    s = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return "".join(quote(c, safe="") if c in _HIVE_UNSAFE else c for c in s)


def _preview(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."
