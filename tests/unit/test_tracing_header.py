"""The airstream.trace header: its byte layout, decoding errors, and how forwarding continues it."""

from __future__ import annotations

import struct

import pytest

from airstream.topology.tracing import (
    TRACE_HEADER,
    Trace,
    TraceHeaderError,
    continue_trace,
    decode_trace,
    encode_trace,
    forward_headers,
    new_trace,
    trace_value,
)


def test_layout_is_the_documented_one() -> None:
    value = encode_trace(Trace(origin="replay", hop=2, origin_ms=1_000, hop_ms=2_500, via="scorer"))
    assert value[0] == 1
    assert struct.unpack(">qq", value[1:17]) == (2_500, 1_000)
    assert value[17:] == b"\x02\x06replay\x06scorer"
    assert len(value) == 20 + len("replay") + len("scorer")


@pytest.mark.parametrize("trace", [
    Trace("p", 0, 0, 0),
    Trace("tweets-replay-1", 7, 1_764_000_000_000, 1_764_000_000_999, "cloudair"),
    Trace("écrivain-😀", 1, 5, 6, "groupe-é"),
    Trace("", 255, 2**62, 2**62, ""),
])
def test_round_trip(trace: Trace) -> None:
    assert decode_trace(encode_trace(trace)) == trace


def test_long_names_are_cut_at_255_bytes_without_breaking_a_character() -> None:
    decoded = decode_trace(encode_trace(Trace("é" * 200, 0, 1, 1, "g" * 300)))
    assert decoded.origin == "é" * 127 and decoded.via == "g" * 255


@pytest.mark.parametrize(("value", "says"), [
    (b"", "empty value"),
    (b"\x02" + bytes(30), "version 2"),
    (b"\x01" + bytes(10), "shorter than"),
    (b"\x01" + bytes(16) + b"\x00\x09ab\x00", "malformed path"),
    (b"\x01" + bytes(16) + b"\x00\x02ab\x00zz", "trailing bytes"),
    (b"\x01" + bytes(16) + b"\x00\x02\xff\xfe\x00", "malformed path"),
])
def test_bad_values_are_named(value: bytes, says: str) -> None:
    with pytest.raises(TraceHeaderError, match=says) as info:
        decode_trace(value)
    assert TRACE_HEADER in str(info.value)


def test_continue_keeps_the_origin_and_counts_the_hop() -> None:
    start = new_trace("replay", now_ms=1_000)
    once = continue_trace([("x", b"1"), (TRACE_HEADER, start)], via="scorer", now_ms=1_300)
    twice = continue_trace([(TRACE_HEADER, once)], via="router", now_ms=1_700)
    assert decode_trace(once) == Trace("replay", 1, 1_000, 1_300, "scorer")
    assert decode_trace(twice) == Trace("replay", 2, 1_000, 1_700, "router")


def test_hop_count_saturates() -> None:
    value = encode_trace(Trace("p", 255, 1, 1))
    assert decode_trace(continue_trace([(TRACE_HEADER, value)], now_ms=2)).hop == 255


@pytest.mark.parametrize("headers", [None, [], [("lang", b"en")], [(TRACE_HEADER, b"\x07junk")],
                                     [(TRACE_HEADER, b"\x01" + bytes(16) + b"\x00\x09ab\x00")]])
def test_no_readable_trace_means_no_continued_trace(headers: list | None) -> None:
    assert continue_trace(headers, via="g") is None


def test_forward_headers_puts_the_continued_trace_first_and_keeps_the_rest() -> None:
    headers = [("lang", b"en"), (TRACE_HEADER, new_trace("p", now_ms=1)), ("id", None)]
    out = forward_headers(headers, via="app", now_ms=5)
    assert [k for k, _ in out] == [TRACE_HEADER, "lang", "id"]
    assert decode_trace(out[0][1]) == Trace("p", 1, 1, 5, "app")
    assert forward_headers([("lang", b"en")], via="app") == [("lang", b"en")]
    assert forward_headers([(TRACE_HEADER, b"junk"), ("a", b"1")]) == [("a", b"1")]


def test_trace_value_finds_the_header_anywhere() -> None:
    assert trace_value([("a", b"1"), (TRACE_HEADER, b"v")]) == b"v"
    assert trace_value(None) is None and trace_value([("a", b"1")]) is None
