"""What the Messages screen is built on: parsing a start position, and showing record bytes safely."""

from __future__ import annotations

import pytest

from airstream.common.traces.header import TRACE_HEADER, continue_trace, new_trace
from airstream.monitor.browse import BrowsedMessage, Position, show_bytes


def test_position_parse_and_errors() -> None:
    assert Position.parse(" latest ") == Position.latest()
    assert Position.parse("42") == Position.at_offset(42)
    assert Position.parse("1970-01-01T00:00:01") == Position.at_time(1000)
    assert Position.parse("1970-01-01T01:00:01+01:00") == Position.at_time(1000)
    with pytest.raises(ValueError, match="type earliest, latest, an offset"):
        Position.parse("-5")


def test_show_bytes_never_passes_control_characters() -> None:
    assert show_bytes("Ünïcode ✈".encode()) == "Ünïcode ✈"
    assert show_bytes(b"a\tb\nc") == "a\tb\nc"
    assert show_bytes(b"\x1b]0;title\x07") == "\\x1b]0;title\\x07"
    assert show_bytes(b"\x80\x81") == "b'\\x80\\x81'"


def test_a_message_matches_text_in_key_value_or_headers_case_insensitively() -> None:
    m = BrowsedMessage("t", 0, 1, None, b"user-42", b'{"text": "Lost my Bag"}', (("Trace-Id", b"abc"),))
    assert [m.matches(t) for t in ("USER-4", "lost my bag", "trace-id", "ABC", "nope")] == [True] * 4 + [False]


def test_value_pretty_prints_json_and_leaves_other_text_alone() -> None:
    assert BrowsedMessage("t", 0, 1, None, None, b'[1,{"a":"\xc3\xa9"}]').value_pretty == \
        '[\n  1,\n  {\n    "a": "\xe9"\n  }\n]'
    assert BrowsedMessage("t", 0, 1, None, None, b"not json {").value_pretty == "not json {"
    assert BrowsedMessage("t", 0, 1, None, None, None).value_pretty == "(null)"


def test_the_trace_header_is_shown_decoded_and_can_be_filtered_on() -> None:
    first = new_trace("airstream-replay", now_ms=1_700_000_000_000)
    forwarded = continue_trace([(TRACE_HEADER, first)], via="cloudair", now_ms=1_700_000_000_420)
    m = BrowsedMessage("scored", 0, 1, None, None, b"{}", ((TRACE_HEADER, forwarded), ("app", b"v1")))
    assert m.header_text == [
        "airstream.trace: written by cloudair at 2023-11-14 22:13:20.420 UTC (hop 1), first produced by "
        "airstream-replay at 2023-11-14 22:13:20.000 UTC",
        "app: v1"]
    assert m.matches("first produced by airstream-replay")
    broken = BrowsedMessage("t", 0, 2, None, None, None, ((TRACE_HEADER, b"\x07junk"),))
    assert broken.header_text[0].startswith("airstream.trace: \\x07junk (not readable: airstream.trace header has "
                                            "version 7")
