"""Synthetic CloudAir tweets: v1.1 tweets the CloudAir pipeline keeps and routes to ``sentiment``,
with varied sentiment, the same for a seed, paced and resumable like a file replay."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_support import one_line, run_module

from airstream.connectors.synthetic import FIRST_ID, SyntheticTweets
from airstream.connectors.tweets import SAMPLE_CSV

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

from cloudair.pipeline import filter_reason, flatten


def _texts(tweets: SyntheticTweets) -> list[str]:
    return [t["text"] for t in tweets]


def test_every_tweet_is_kept_by_cloudair_and_names_cloudair() -> None:
    tweets = list(SyntheticTweets(seed=3, limit=200))
    assert [t["id_str"] for t in tweets] == [str(FIRST_ID + n) for n in range(1, 201)]
    assert all(filter_reason(t) is None and flatten(t)["airline"] == "CloudAir" for t in tweets)
    assert all("CLOUDAIR" in t["text"].upper() or "CLOUDERAAIR" in t["text"].upper() for t in tweets)
    labels = {t["dataset"]["airline_sentiment"] for t in tweets}
    assert labels == {"positive", "negative", "neutral"}
    assert len({t["user"]["screen_name"] for t in tweets}) > 10
    assert {t["user"]["friends_count"] > 100 for t in tweets} == {True, False}  # influencers and others


def test_a_seed_gives_the_same_tweets_and_another_seed_others() -> None:
    assert _texts(SyntheticTweets(seed=5, limit=50)) == _texts(SyntheticTweets(seed=5, limit=50))
    assert _texts(SyntheticTweets(seed=5, limit=50)) != _texts(SyntheticTweets(seed=6, limit=50))


def test_from_row_resumes_with_the_same_tweets_a_stopped_replay_would_have_sent() -> None:
    whole = _texts(SyntheticTweets(seed=2, limit=30))
    assert _texts(SyntheticTweets(seed=2, limit=10, from_row=21)) == whole[20:30]


def test_rate_paces_them_like_a_file_replay() -> None:
    now = [0.0]
    tweets = SyntheticTweets(seed=1, rate=4, limit=8, clock=lambda: now[0],
                             sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert len(list(tweets)) == 8 and now[0] == pytest.approx(7 / 4)


def test_the_replay_command_makes_them_and_refuses_an_endless_dry_run() -> None:
    done = run_module("airstream.cli", "replay", "--synthetic", "--limit", "25", "--seed", "4")
    assert done.returncode == 0, done.stderr
    assert "replayed 25 tweets into topic 'tweets' of an embedded cluster" in done.stdout
    endless = run_module("airstream.cli", "replay", "--synthetic")
    assert endless.returncode == 2 and "needs --limit" in one_line(endless)
    neither = run_module("airstream.cli", "replay")
    assert neither.returncode == 2 and "give a tweets FILE, --synthetic" in one_line(neither)
    mixed = run_module("airstream.cli", "replay", str(SAMPLE_CSV), "--synthetic", "--synthetic-every", "3")
    assert mixed.returncode == 0, mixed.stderr  # the file ends the mix: not endless
    assert "replayed 666 tweets" in mixed.stdout  # the 500 rows and one synthetic tweet after every 3
