"""The folder source: every new tweet file replayed once, oldest first, and a restart that resumes
where the last run stopped without repeating a row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tweet_files import drop_tweets, sample_ids

from airstream.connectors.folder import FolderReplay
from airstream.connectors.tweets import ReplayError


class _Topic:
    """Collects what ``produce`` delivers; after ``fail_after`` tweets in all, one call stops short."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.ids: list[str] = []
        self.fail_after = fail_after

    def produce(self, source: Any) -> int:
        delivered = 0
        for tweet in source:
            if self.fail_after is not None and len(self.ids) == self.fail_after:
                self.fail_after = None
                raise ReplayError("the brokers went away", produced=delivered)
            self.ids.append(tweet["id_str"])
            delivered += 1
        return delivered


def test_each_file_is_replayed_once_oldest_first_and_a_new_one_on_the_next_run(tmp_path: Path) -> None:
    drop_tweets(tmp_path, "b.csv", range(10, 20), mtime=2_000)
    drop_tweets(tmp_path, "a.csv", range(10), mtime=1_000)
    topic = _Topic()
    assert FolderReplay(tmp_path, chunk_rows=4, settle_s=0).run(topic.produce, once=True) == 20
    assert topic.ids == sample_ids(range(20))
    drop_tweets(tmp_path, "c.csv", range(20, 25), mtime=3_000)
    assert FolderReplay(tmp_path, chunk_rows=4, settle_s=0).run(topic.produce, once=True) == 5
    assert topic.ids == sample_ids(range(25))


def test_a_run_stopped_mid_file_resumes_at_the_next_row_without_repeating_any(tmp_path: Path) -> None:
    drop_tweets(tmp_path, "a.csv", range(30), mtime=1_000)
    topic = _Topic(fail_after=6)  # the second chunk of 4 stops after 2 of its rows were delivered
    first = FolderReplay(tmp_path, chunk_rows=4, settle_s=0)
    with pytest.raises(ReplayError):
        first.run(topic.produce, once=True)
    assert first.state["a.csv"] == {"rows": 6, "done": False}
    FolderReplay(tmp_path, chunk_rows=4, settle_s=0).run(topic.produce, once=True)
    assert topic.ids == sample_ids(range(30))


def test_a_file_still_growing_waits_until_its_size_settles(tmp_path: Path) -> None:
    path = drop_tweets(tmp_path, "a.csv", range(3), mtime=1_000)
    folder = FolderReplay(tmp_path, settle_s=1.0)
    assert folder.pending(now=100.0) == []  # first seen: its size may still change
    drop_tweets(tmp_path, "a.csv", range(5), mtime=1_000)
    assert folder.pending(now=100.5) == []  # it grew
    assert folder.pending(now=101.0) == []  # not settled for a second yet
    assert folder.pending(now=101.6) == [path]


def test_a_state_that_is_not_one_is_refused_with_the_way_out(tmp_path: Path) -> None:
    (tmp_path / ".airstream-replay-state.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="is not a replay state"):
        FolderReplay(tmp_path)
    (tmp_path / ".airstream-replay-state.json").write_text("{not json")
    with pytest.raises(ValueError, match="move it away to replay every file of the folder again"):
        FolderReplay(tmp_path)
