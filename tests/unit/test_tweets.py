"""Tweet replays: the v1.1 shape from the data set's CSV, the shipped sample, pacing, JSON lines, bad input."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

from airstream.connectors.tweets import (
    SAMPLE_CSV,
    JsonlReplay,
    TweetFormatError,
    TweetReplay,
    replay,
    row_to_tweet,
    synthesize_user_counts,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "airline_tweets.csv"
HEADER = ("tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,negativereason_confidence,"
          "airline,airline_sentiment_gold,name,negativereason_gold,retweet_count,text,tweet_coord,"
          "tweet_created,tweet_location,user_timezone\n")


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_row_becomes_a_v1_tweet() -> None:
    row = {"tweet_id": "570301031407624196", "airline_sentiment": "negative", "airline_sentiment_confidence": "1.0",
           "negativereason": "Bad Flight", "airline": "Virgin America", "name": "jnardino", "retweet_count": "2",
           "text": "@VirginAmerica really #aggressive to blast @dhepburn\n&amp; more #fail",
           "tweet_coord": "[40.74804263, -73.99295302]", "tweet_created": "2015-02-24 11:15:36 -0800",
           "tweet_location": "NYC", "user_timezone": "Pacific Time (US & Canada)"}
    t = row_to_tweet(row)
    assert t["id"] == 570301031407624196 and t["id_str"] == "570301031407624196"
    assert t["created_at"] == "Tue Feb 24 19:15:36 +0000 2015"
    assert t["timestamp_ms"] == "1424805336000"
    assert t["text"] == row["text"] and t["lang"] == "en" and t["retweet_count"] == 2
    assert t["coordinates"] == {"type": "Point", "coordinates": [-73.99295302, 40.74804263]}
    assert [h["text"] for h in t["entities"]["hashtags"]] == ["aggressive", "fail"]
    assert [m["screen_name"] for m in t["entities"]["user_mentions"]] == ["VirginAmerica", "dhepburn"]
    for entity in t["entities"]["hashtags"] + t["entities"]["user_mentions"]:
        start, end = entity["indices"]
        assert t["text"][start:end] in ("#" + entity.get("text", ""), "@" + entity.get("screen_name", ""))
    user = t["user"]
    assert user["screen_name"] == user["name"] == "jnardino"
    assert user["location"] == "NYC" and user["time_zone"] == "Pacific Time (US & Canada)"
    assert {k: user[k] for k in synthesize_user_counts("jnardino") if k != "id"} == {
        k: v for k, v in synthesize_user_counts("jnardino").items() if k != "id"}
    assert t["dataset"] == {"airline": "Virgin America", "airline_sentiment": "negative",
                            "airline_sentiment_confidence": 1.0, "negativereason": "Bad Flight"}
    json.dumps(t)  # plain JSON types only


def test_empty_optional_fields_become_none() -> None:
    t = row_to_tweet({"tweet_id": "1", "text": "hi", "tweet_created": "2015-02-24 11:15:36 -0800", "name": "x",
                      "tweet_coord": "[0.0, 0.0]", "tweet_location": "", "user_timezone": ""})
    assert t["coordinates"] is None and t["user"]["location"] is None and t["user"]["time_zone"] is None


def test_synthesized_counts_are_deterministic_and_plausible() -> None:
    names = sorted({r["name"] for r in sample_rows()})
    counts = [synthesize_user_counts(n) for n in names]
    assert counts == [synthesize_user_counts(n) for n in names]
    assert len({c["id"] for c in counts}) == len(names)
    friends = [c["friends_count"] for c in counts]
    share = sum(f > 100 for f in friends) / len(friends)
    assert 0.5 < share < 0.75, share
    assert 80 < statistics.median(friends) < 280
    assert 150 < statistics.median(c["followers_count"] for c in counts) < 600
    for c in counts:
        assert all(v >= 0 for v in c.values())
        assert c["listed_count"] <= c["followers_count"]


def test_sample_covers_what_the_pipeline_meets() -> None:
    rows = sample_rows()
    assert 300 <= len(rows) <= 600
    assert {r["airline"] for r in rows} == {"Virgin America", "United", "Southwest", "Delta", "US Airways", "American"}
    assert {r["airline_sentiment"] for r in rows} == {"negative", "neutral", "positive"}
    assert len({r["negativereason"] for r in rows} - {""}) == 10
    assert sum(any(ord(c) > 127 for c in r["text"]) for r in rows) >= 20
    assert sum("\n" in r["text"] for r in rows) >= 15
    ids = [r["tweet_id"] for r in rows]
    assert len(ids) - len(set(ids)) >= 10
    tweets = list(TweetReplay(SAMPLE_CSV))
    assert len(tweets) == len(rows)
    assert sum(len({m["screen_name"].lower() for m in t["entities"]["user_mentions"]}) > 1 for t in tweets) >= 20
    assert [t["text"] for t in tweets] == [r["text"] for r in rows]


@pytest.mark.skipif(not SHARED.exists(), reason="the shared full data set is not next to this checkout")
def test_sample_is_drawn_from_the_full_data_set(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "sample.csv"
    subprocess.run([sys.executable, str(SAMPLE_CSV.with_name("make_sample.py")), str(SHARED), str(out)], check=True)
    assert out.read_bytes() == SAMPLE_CSV.read_bytes()
    full = list(TweetReplay(SHARED))
    assert len(full) == 14_640
    assert len({t["id_str"] for t in full}) == 14_485


def test_limit_loop_dedupe_and_batches() -> None:
    n = len(sample_rows())
    distinct = len({r["tweet_id"] for r in sample_rows()})
    assert len(list(TweetReplay(SAMPLE_CSV, limit=7))) == 7
    assert list(TweetReplay(SAMPLE_CSV, limit=0)) == []
    looped = list(TweetReplay(SAMPLE_CSV, loop=True, limit=n + 5))
    assert len(looped) == n + 5 and looped[n:] == looped[:5]
    assert len(list(TweetReplay(SAMPLE_CSV, dedupe=True))) == distinct
    assert [len(b) for b in TweetReplay(SAMPLE_CSV, limit=25).batches(10)] == [10, 10, 5]
    with pytest.raises(ValueError, match="batch size"):
        next(TweetReplay(SAMPLE_CSV).batches(0))


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_paces_records() -> None:
    t = FakeTime()
    got = list(TweetReplay(SAMPLE_CSV, rate=50, limit=11, clock=t.clock, sleep=t.sleep))
    assert len(got) == 11
    assert t.now == pytest.approx(100.0 + 10 / 50)
    assert all(s == pytest.approx(0.02) for s in t.sleeps)


def test_speedup_follows_original_time_in_order() -> None:
    t = FakeTime()
    got = list(TweetReplay(SAMPLE_CSV, speedup=3600, limit=40, clock=t.clock, sleep=t.sleep))
    stamps = [int(x["timestamp_ms"]) for x in got]
    assert stamps == sorted(stamps)
    assert t.now - 100.0 == pytest.approx((stamps[-1] - stamps[0]) / 1000 / 3600)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"rate": 0}, "rate"), ({"speedup": -1}, "speedup"), ({"rate": 1, "speedup": 1}, "not both"),
    ({"limit": -1}, "limit"), ({"on_error": "ignore"}, "on_error"),
])
def test_bad_options(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        TweetReplay(SAMPLE_CSV, **kwargs)


def test_missing_file_names_the_sample(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"airline_tweets_sample\.csv"):
        TweetReplay(tmp_path / "nope.csv")


def test_bad_rows_name_file_and_line_or_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER
                    + '1,negative,1.0,,,United,,ann,,0,"multi\nline",,2015-02-24 11:15:36 -0800,,\n'
                    + "x2,negative,1.0,,,United,,bob,,0,hello,,2015-02-24 11:15:36 -0800,,\n"
                    + "3,negative,1.0,,,United,,cy,,0,hello,,yesterday,,\n"
                    + "4,positive,1.0,,,Delta,,dee,,0,ok,,2015-02-24 11:15:37 -0800,,\n", encoding="utf-8")
    with pytest.raises(TweetFormatError, match=r"bad\.csv:4: .*tweet_id"):
        list(TweetReplay(path))
    r = TweetReplay(path, on_error="skip")
    assert [t["id_str"] for t in r] == ["1", "4"]
    assert [line for line, _ in r.skipped] == [4, 5]


def test_not_a_tweets_csv(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(TweetFormatError, match="missing columns"):
        list(TweetReplay(path))


def test_jsonl_replay_v1_and_v2_lines(tmp_path: Path) -> None:
    tweets = list(TweetReplay(SAMPLE_CSV, limit=3))
    v2 = {"data": {"id": "99", "text": "v2 @Delta", "author_id": "5", "created_at": "2015-02-24T19:35:52.000Z",
                   "lang": "en", "entities": {"mentions": [{"start": 3, "end": 9, "username": "Delta"}]}},
          "includes": {"users": [{"id": "5", "username": "eve", "name": "Eve",
                                  "public_metrics": {"followers_count": 10, "following_count": 200}}]}}
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in tweets) + "\n\n" + json.dumps(v2) + "\n", encoding="utf-8")
    got = list(replay(path))
    assert got[:3] == tweets
    assert (got[3]["id_str"] == "99" and got[3]["user"]["screen_name"] == "eve"
            and got[3]["user"]["friends_count"] == 200)
    assert isinstance(replay(path), JsonlReplay) and isinstance(replay(SAMPLE_CSV), TweetReplay)


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id_str": "1"}\n{oops\n[1, 2]\n{"id_str": "2"}\n')
    with pytest.raises(TweetFormatError, match=r"t\.jsonl:2: not JSON"):
        list(JsonlReplay(path))
    r = JsonlReplay(path, on_error="skip")
    assert [t["id_str"] for t in r] == ["1", "2"]
    assert [line for line, _ in r.skipped] == [2, 3]


def test_progress_bar_can_be_shown(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(list(TweetReplay(SAMPLE_CSV, limit=20, progress=True))) == 20
    assert "replaying airline_tweets_sample.csv" in capsys.readouterr().err
