"""Synthetic tweets about CloudAir, the demo's own airline, as the Cloudera demo generated them.

The real data set never mentions CloudAir, so without these the pipeline's ``sentiment`` route (tweets
about @CloudAir / #ClouderaAir) stays empty. :class:`SyntheticTweets` makes tweets that mention it with
a positive, negative or neutral text, from a handful of users with different follower counts, and
hands them out like a file replay (:class:`~airstream.connectors.tweets.TweetReplay`: ``rate``,
``limit``, ``from_row``, ``progress``). Tweet N is the same for a given ``seed`` on every run, its
``created_at`` included (2015-02-25 plus 7 s a tweet, after the data set's days), so two runs give the
same results and a stopped replay resumes with ``from_row`` as a file's does. :class:`MixedReplay` puts
one after every N rows of a file: the CloudAir demo's default input.

Example::

    from airstream.connectors.synthetic import SyntheticTweets

    for tweet in SyntheticTweets(seed=7, rate=2, limit=10):    # two a second
        print(tweet["text"], tweet["dataset"]["airline_sentiment"])

``airstream replay --synthetic --limit 100`` produces them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airstream.connectors.tweets import _Replay, replay, row_to_tweet

__all__ = ["FIRST_ID", "MixedReplay", "SyntheticTweets"]

FIRST_ID = 900_000_000_000_000_000
"""Tweet N gets id ``FIRST_ID + N``: above the data set's ids, so they never collide."""

_TEXTS = {
    "Positive": [
        "Loved my flight with {at} today, the crew was wonderful",
        "Thank you {at} for the upgrade to {city}!",
        "Smooth landing in {city}, well done {at}",
        "{at} flight {flight} was early and the snacks were great",
    ],
    "Negative": [
        "{at} lost my bag again on flight {flight}, worst airline ever",
        "Three hours late out of {city}, thanks for nothing {at}",
        "{at} cancelled flight {flight} and nobody answers the phone",
        "Terrible customer service from {at} in {city} #fail",
    ],
    "Neutral": [
        "Boarding {at} flight {flight} to {city}",
        "{at} what is the baggage allowance to {city}?",
        "On my way to {city} with {at}",
    ],
}
_MENTIONS = ["@CloudAir", "#ClouderaAir", "@CloudAir #ClouderaAir"]
_CITIES = ["Boston", "Denver", "Chicago", "Seattle", "Austin", "San Francisco", "New York"]
_USERS = [f"cloudflyer{i}" for i in range(40)]
_FIRST_TIME = datetime(2015, 2, 25, tzinfo=UTC)  # the day after the data set's last tweets


class SyntheticTweets(_Replay):
    """Endless tweets about CloudAir, deterministic for a ``seed`` (see the module docstring); give
    ``limit`` (or stop iterating) to end them. Options as :class:`~airstream.connectors.tweets.TweetReplay`'s,
    but ``speedup`` and ``loop``, which need a file."""

    def __init__(self, seed: int = 0, **options: Any) -> None:
        if options.get("speedup") is not None or options.get("loop"):
            raise ValueError("synthetic tweets come at --rate (or as fast as possible); speedup and loop need a file")
        self.seed = seed
        super().__init__(Path(f"synthetic CloudAir tweets (seed {seed})"), **options)

    def _check(self) -> None:
        """Nothing to read, nothing to check."""

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        row = self.from_row
        while True:
            yield row, row_to_tweet(self.row(row))
            row += 1

    def row(self, n: int) -> dict[str, str]:
        """Tweet ``n`` (from 1) as a row of the data set's CSV format.

        >>> a, b = SyntheticTweets(seed=1).row(3), SyntheticTweets(seed=1).row(3)
        >>> (a["text"], a["name"]) == (b["text"], b["name"]), a["tweet_id"], "CloudAir" in a["text"]
        (True, '900000000000000003', True)
        """
        rng = random.Random(f"{self.seed}:{n}")
        sentiment = rng.choices(list(_TEXTS), weights=[3, 5, 2])[0]
        text = rng.choice(_TEXTS[sentiment]).format(at=rng.choice(_MENTIONS), city=rng.choice(_CITIES),
                                                     flight=rng.randint(100, 2999))
        return {
            "tweet_id": str(FIRST_ID + n),
            "text": text,
            "tweet_created": (_FIRST_TIME + timedelta(seconds=7 * n)).strftime("%Y-%m-%d %H:%M:%S %z"),
            "name": rng.choice(_USERS),
            "retweet_count": str(rng.choice([0, 0, 0, 1, 2, 5])),
            "tweet_location": rng.choice(_CITIES),
            "airline": "CloudAir",
            "airline_sentiment": sentiment.lower(),
        }


class MixedReplay(_Replay):
    """A file replay with a synthetic CloudAir tweet after every ``every`` rows of the file: what the
    CloudAir demo replays by default, so every route of the pipeline carries records.

    ``limit`` counts both kinds; the other options are the file replay's
    (:func:`~airstream.connectors.tweets.replay`).

    >>> from airstream.connectors.tweets import SAMPLE_CSV
    >>> [t["dataset"]["airline"] for t in MixedReplay(SAMPLE_CSV, every=2, limit=6)][2::3]
    ['CloudAir', 'CloudAir']
    """

    def __init__(self, path: str | Path, *, every: int = 10, seed: int = 0, **options: Any) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1 (one synthetic tweet after that many rows), got {every!r}")
        self.file = replay(path, on_error=options.get("on_error", "raise"), from_row=options.get("from_row", 1))
        self.synthetic = SyntheticTweets(seed)
        self.every = every
        super().__init__(path, **options)
        self.skipped = self.file.skipped  # rows the file's reader skipped (on_error="skip")

    def _check(self) -> None:
        """The file replay checked the file."""

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        made = 0
        for read, (row, tweet) in enumerate(self.file._read(), 1):
            yield row, tweet
            if read % self.every == 0:
                made += 1
                yield row, row_to_tweet(self.synthetic.row(made))
