"""The search language, and reading and searching a topic through the embedded engine's view: pages over
every partition merged by time, positions, and the bounds a search stops at."""

from __future__ import annotations

import threading

import pytest

from airstream.common.traces.header import TRACE_HEADER, new_trace
from airstream.monitor.browse import BrowsedMessage, EmbeddedBrowser, Position
from airstream.monitor.search import Query
from airstream.topology.engine.cluster import EmbeddedCluster

TWEET = BrowsedMessage("tweets", 2, 41, 1_424_805_348_000, b"570301083672813571",
                       b'{"tweet_id": 570301083672813571, "user": {"name": "JetBlue Fan"}, '
                       b'"tags": [{"text": "delayed"}, {"text": "bos"}], "text": "Gate 12 again"}',
                       (("source", b"replay-eu"),
                        (TRACE_HEADER, new_trace("airstream-replay", now_ms=1_424_805_348_100))))


@pytest.mark.parametrize(("query", "expected"), [
    ("gate", True), ("GATE 12", True), ('"/gate \\d+/"', True), ("'/gate \\d{3}/'", False), ("/^gate/", False),
    ("key:5703", True), ("key:/^5703.*1$/", True), ("value:fan", True), ("value:replay", False),
    ("header:source", True), ("header:source=eu", True), ("header:source=us", False), ("header:missing", False),
    ("header:airstream.trace=airstream-replay", True),
    ("$.tweet_id=570301083672813571", True), ('$.tweet_id="570301083672813571"', True), ("$.tweet_id=5703", False),
    ('$.user.name="JetBlue Fan"', True), ("$.user.name~'/jet ?blue/'", True), ("$.tags[*].text=bos", True),
    ("$.tags[*].text=sfo", False), ("$.user", True), ("$.retweeted_status", False),
    ("after:2015-02-24T19:15:48", True), ("after:2015-02-24T19:15:49", False),
    ("before:2015-02-24T19:15:49", True), ("before:2015-02-24", False),
    ("gate key:5703 $.user.name~fan", True), ("gate key:9999", False),
])
def test_each_kind_of_term(query: str, expected: bool) -> None:
    assert Query.parse(query).matches(TWEET) is expected


def test_quoted_terms_keep_their_spaces() -> None:
    assert Query.parse('value:"Gate 12 again"').matches(TWEET)
    assert not Query.parse('value:"Gate 13 again"').matches(TWEET)


@pytest.mark.parametrize(("query", "error"), [
    ("", "type what to search for"),
    ('value:"open', "close the quotes"),
    ("/([a-z/", "is not a regular expression"),
    ("$.[[", "is not a JSON path"),
    ("after:yesterday", "is not a date/time"),
    ("header:", "header: needs a header name"),
    ("x limit:many", "must be a number of records"),
])
def test_a_query_that_cannot_be_read_says_how_to_write_it(query: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Query.parse(query)


def test_a_json_path_never_matches_text_or_binary_values() -> None:
    text = BrowsedMessage("t", 0, 0, None, None, b"tweet_id=5")
    assert not Query.parse("$.tweet_id").matches(text)


def _cluster() -> EmbeddedCluster:
    """Partition p holds records n = 0..9 stamped 3n + p seconds: by time they interleave p0, p1, p2, p0 ..."""
    cluster = EmbeddedCluster()
    cluster.create_topic("tweets", partitions=3)
    for n in range(10):
        for p in range(3):
            cluster.produce("tweets", f"{p}-{n}".encode(), b'{"n": %d, "p": %d}' % (n, p), partition=p,
                            timestamp=1000 * (3 * n + p))
    cluster.commit("scorer", {("tweets", 0): 4, ("tweets", 2): 7})
    return cluster


def _where(messages: tuple[BrowsedMessage, ...]) -> list[tuple[int, int]]:
    return [(m.partition, m.offset) for m in messages]


def test_pages_merge_partitions_by_time_and_read_on_where_they_ended() -> None:
    browser = EmbeddedBrowser(_cluster().view())
    first = browser.read("tweets", Position.earliest(), limit=4)
    assert _where(first.messages) == [(0, 0), (1, 0), (2, 0), (0, 1)]
    second = browser.read("tweets", first.next_position(), limit=4)
    assert _where(second.messages) == [(1, 1), (2, 1), (0, 2), (1, 2)]
    assert _where(browser.read("tweets", Position.latest(), limit=2).messages) == [(1, 9), (2, 9)]
    assert _where(browser.read("tweets", Position.at_offset(8), partition=1).messages) == [(1, 8), (1, 9)]


def test_reading_from_a_time_or_a_groups_commits() -> None:
    browser = EmbeddedBrowser(_cluster().view())
    assert _where(browser.read("tweets", Position.at_time(13_500), limit=3).messages) == [(2, 4), (0, 5), (1, 5)]
    # scorer committed 4 on partition 0 and 7 on 2, nothing on 1: that partition is read from its start.
    assert _where(browser.read("tweets", Position.committed("scorer"), limit=3).messages) == [(1, 0), (1, 1), (1, 2)]
    by_partition = browser.read("tweets", Position.committed("scorer"), limit=100)
    assert min(m.offset for m in by_partition.messages if m.partition == 2) == 7
    with pytest.raises(KeyError, match="group 'nobody' does not exist"):
        browser.read("tweets", Position.committed("nobody"))


def test_search_scans_every_partition_and_reports_why_it_stopped() -> None:
    browser = EmbeddedBrowser(_cluster().view())
    progress: list[tuple[int, int]] = []
    found = browser.search("tweets", Query.parse("$.n=7"), Position.earliest(),
                           progress=lambda done, total: progress.append((done, total)))
    assert _where(found.matches) == [(0, 7), (1, 7), (2, 7)]
    assert (found.scanned, found.to_scan, found.stopped, found.complete) == (30, 30, "end of topic", True)
    assert progress[-1] == (30, 30)

    limited = browser.search("tweets", Query.parse("$.n=9 $.p=2"), Position.earliest(), max_records=12)
    assert (limited.scanned, limited.stopped, limited.matches) == (12, "limit of 12 records", ())
    typed = browser.search("tweets", Query.parse("$.n=9 limit:5"), Position.earliest(), max_records=12)
    assert (typed.scanned, typed.stopped) == (5, "limit of 5 records")

    ranged = browser.search("tweets", Query.parse("after:1970-01-01T00:00:09 before:1970-01-01T00:00:12 $.p"),
                            Position.earliest())
    assert _where(ranged.matches) == [(0, 3), (1, 3), (2, 3)]
    assert ranged.stopped == "past before:" and ranged.scanned == 3

    capped = browser.search("tweets", Query.parse("$.p=1"), Position.earliest(), max_matches=2)
    assert len(capped.matches) == 2 and capped.scanned == 30

    cancel = threading.Event()
    cancel.set()
    assert browser.search("tweets", Query.parse("x"), Position.earliest(), cancel=cancel).stopped == "cancelled"


def test_an_unknown_topic_or_partition_is_named() -> None:
    browser = EmbeddedBrowser(_cluster().view())
    with pytest.raises(KeyError, match="topic 'nope' does not exist"):
        browser.read("nope", Position.earliest())
    with pytest.raises(KeyError, match="topic 'tweets' has no partition 5"):
        browser.read("tweets", Position.earliest(), partition=5)
