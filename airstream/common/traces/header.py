"""The ``airstream.trace`` record header: who produced a record first, when, and how many hops ago.

Layout (version 1, big-endian, 20 bytes plus the two names)::

    offset  size  field
    0       1     version, 0x01
    1       8     hop time: ms since the epoch when *this* hop's record was produced (int64)
    9       8     origin time: ms since the epoch when the first producer produced it (int64)
    17      1     hop count: 0 for a record written by its origin producer, +1 per forwarding (uint8, saturates at 255)
    18      1     n, length of the origin name
    19      n     origin: the ``client.id`` of the first producer, UTF-8 (at most 255 bytes)
    19+n    1     m, length of the via name
    20+n    m     via: the consumer group that forwarded the record to this hop, UTF-8 ("" at hop 0),
                  optionally followed by 0x1F and the forwarding *run* (see :func:`forwarder`)

The two times come first so that a reader finds them at fixed offsets; everything from offset 17
(hop, origin, via) names the *path* a record took and is the same for all records that took it,
which is what the metrics group by.

>>> value = encode_trace(Trace(origin="tweets-replay", hop=0, origin_ms=1_000, hop_ms=1_000))
>>> len(value), decode_trace(value)
(33, Trace(origin='tweets-replay', hop=0, origin_ms=1000, hop_ms=1000, via=''))
>>> forwarded = continue_trace([(TRACE_HEADER, value)], via="scorer", now_ms=1_250)
>>> decode_trace(forwarded)
Trace(origin='tweets-replay', hop=1, origin_ms=1000, hop_ms=1250, via='scorer')
"""

from __future__ import annotations

import functools
import hashlib
import struct
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = [
    "RUN_MARK",
    "TRACE_HEADER",
    "Trace",
    "TraceHeaderError",
    "continue_trace",
    "decode_trace",
    "encode_trace",
    "forward_headers",
    "forwarder",
    "new_trace",
    "next_hop",
    "path_of",
    "run_id",
    "split_via",
    "trace_value",
]

TRACE_HEADER = "airstream.trace"
VERSION = 1
_VERSION_BYTE = bytes((VERSION,))
_TIMES = struct.Struct(">qq")
PATH_OFFSET = 17  # where hop, origin and via start: the bytes that name a record's path
_MAX_HOP = 255

Headers = Sequence[tuple[str, bytes | None]] | None

RUN_MARK = "\x1f"
"""Separates the forwarding group from its run in ``via``."""


def run_id(group: str, source_topics: Sequence[str]) -> str:
    """What tells two runs of one application apart: its group and the topics it reads, hashed.

    Two deployments sharing an ``application.id`` over different topics (a test prefix, a staging
    copy) forward under different runs, so their hops are never chained into one made-up path;
    instances of one deployment share it.

    >>> run_id("cloudair", ["a-tweets"]) == run_id("cloudair", ["a-tweets"]) != run_id("cloudair", ["b-tweets"])
    True
    """
    text = "\n".join([group, *sorted(source_topics)])
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def forwarder(group: str, run: str | None = None) -> str:
    """The ``via`` a forwarding step writes: its group, and its run when known.

    >>> split_via(forwarder("cloudair", "1f2e3d4c")), split_via("cloudair")
    (('cloudair', '1f2e3d4c'), ('cloudair', ''))
    """
    return f"{group}{RUN_MARK}{run}" if run else group


def split_via(via: str) -> tuple[str, str]:
    """``(group, run)`` of a ``via`` (``run`` is ``""`` when the forwarder did not say)."""
    group, _, run = via.partition(RUN_MARK)
    return group, run


class TraceHeaderError(ValueError):
    """An ``airstream.trace`` header value that is not the layout above."""


class Trace(NamedTuple):
    """A decoded trace header (times are ms since the epoch)."""

    origin: str
    hop: int
    origin_ms: int
    hop_ms: int
    via: str = ""


def _name(text: str) -> bytes:
    raw = text.encode("utf-8")[:255]
    # Cutting inside a multi-byte character would make the name undecodable; drop the partial one.
    return raw.decode("utf-8", "ignore").encode("utf-8")


def path_bytes(origin: str, hop: int, via: str = "") -> bytes:
    """The path part of a header (offset 17 on): hop, origin and via.

    >>> path_bytes("p1", 0)
    b'\\x00\\x02p1\\x00'
    """
    o, v = _name(origin), _name(via)
    return bytes((min(hop, _MAX_HOP), len(o))) + o + bytes((len(v),)) + v


def encode_trace(trace: Trace) -> bytes:
    """The header value for ``trace``."""
    return (bytes((VERSION,)) + _TIMES.pack(trace.hop_ms, trace.origin_ms)
            + path_bytes(trace.origin, trace.hop, trace.via))


def decode_path(path: bytes) -> tuple[int, str, str]:
    """``(hop, origin, via)`` from the path part of a header (see :func:`path_bytes`)."""
    try:
        hop, n = path[0], path[1]
        origin = path[2:2 + n].decode("utf-8")
        m = path[2 + n]
        via = path[3 + n:3 + n + m].decode("utf-8")
    except (IndexError, UnicodeDecodeError) as exc:
        raise TraceHeaderError(f"{TRACE_HEADER} header has a malformed path part {path[:40]!r}: {exc}") from None
    if len(path) != 3 + n + m:
        raise TraceHeaderError(f"{TRACE_HEADER} header path part has {len(path) - 3 - n - m} trailing bytes")
    return hop, origin, via


def decode_trace(value: bytes) -> Trace:
    """Decode a header value; :class:`TraceHeaderError` says what is wrong with a bad one."""
    if not value or value[0] != VERSION:
        found = "an empty value" if not value else f"version {value[0]}"
        raise TraceHeaderError(
            f"{TRACE_HEADER} header has {found}; this airstream reads version {VERSION}. "
            "Upgrade airstream on the reading side, or stop the other writer from setting this header.")
    if len(value) < PATH_OFFSET + 3:
        raise TraceHeaderError(f"{TRACE_HEADER} header is {len(value)} bytes, shorter than the "
                               f"{PATH_OFFSET + 3}-byte minimum")
    hop_ms, origin_ms = _TIMES.unpack_from(value, 1)
    hop, origin, via = decode_path(value[PATH_OFFSET:])
    return Trace(origin, hop, origin_ms, hop_ms, via)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_trace(origin: str, now_ms: int | None = None) -> bytes:
    """A header value for a record its origin producer writes now (hop 0).

    >>> decode_trace(new_trace("p1", now_ms=5)).hop
    0
    """
    now = _now_ms() if now_ms is None else now_ms
    return encode_trace(Trace(origin, 0, now, now))


def trace_value(headers: Headers) -> bytes | None:
    """The raw ``airstream.trace`` value in a header list (``None`` if there is none)."""
    if headers:
        for key, value in headers:
            if key == TRACE_HEADER:
                return value
    return None


def path_of(value: bytes | None) -> bytes | None:
    """The bytes that name a trace value's path (hop, origin, via), or ``None`` if ``value`` is
    not a readable version-1 trace. Records with equal path bytes took the same path.

    >>> decode_path(path_of(new_trace("p1")))
    (0, 'p1', '')
    """
    if value is not None and len(value) > PATH_OFFSET + 2 and value[0] == VERSION:
        return value[PATH_OFFSET:]
    return None


def continue_trace(headers: Headers, *, via: str = "", now_ms: int | None = None) -> bytes | None:
    """The trace header value for a record derived from an input record with ``headers``.

    The origin and origin time are kept, the hop count goes up by one, the hop time is now and
    ``via`` names the forwarding consumer group (a topology's ``application.id``). Returns ``None``
    when the input carries no trace (or an unreadable one): the output is then untraced too,
    rather than pretending to be an origin.

    >>> continue_trace(None) is None
    True
    """
    value = trace_value(headers)
    return None if value is None else next_hop(value, via, _now_ms() if now_ms is None else now_ms)


def next_hop(value: bytes, via: str, now_ms: int) -> bytes | None:
    """The header value one hop after ``value`` (``None`` if ``value`` is unreadable)."""
    if len(value) < PATH_OFFSET + 3 or value[0] != VERSION:
        return None
    path = _next_path(value[PATH_OFFSET:], via)
    if path is None:
        return None
    return _VERSION_BYTE + _TIMES.pack(now_ms, _TIMES.unpack_from(value, 1)[1]) + path


@functools.lru_cache(maxsize=4096)
def _next_path(path: bytes, via: str) -> bytes | None:
    # A forwarding step sees few distinct paths: decode and re-encode each once, not per record.
    try:
        hop, origin, _via = decode_path(path)
    except TraceHeaderError:
        return None
    return path_bytes(origin, hop + 1, via)


def forward_headers(headers: Headers, *, via: str = "", now_ms: int | None = None) -> list[tuple[str, Any]]:
    """``headers`` for an output record: other headers kept, the trace continued and put first.

    This is what a forwarding step (a topology runtime, a connector) calls on an input record's
    headers before producing the result with a :class:`~airstream.topology.tracing.TracingProducer`. Pass
    ``now_ms`` once per batch rather than letting each call read the clock.

    >>> start = [("lang", b"en"), (TRACE_HEADER, new_trace("p1", now_ms=1))]
    >>> out = forward_headers(start, via="scorer", now_ms=9)
    >>> [k for k, _ in out], decode_trace(out[0][1]).hop
    (['airstream.trace', 'lang'], 1)
    """
    value = continue_trace(headers, via=via, now_ms=now_ms)
    rest = [(k, v) for k, v in (headers or ()) if k != TRACE_HEADER]
    return rest if value is None else [(TRACE_HEADER, value), *rest]
