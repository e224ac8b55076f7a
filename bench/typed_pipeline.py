"""The benchmark pipeline on declared record types (msgspec Structs) instead of dicts.

The same rule and projection as :mod:`bench.kafka_pipeline`; ``Serdes.Typed(Tweet)`` decodes only the
fields declared here (a tweet has dozens more) and ``Serdes.Typed(Projected)`` encodes the result
without building a dict. The output is byte for byte what the dict pipeline writes.

>>> import orjson
>>> from bench.kafka_pipeline import project
>>> raw = {"id_str": "1", "text": "hi", "created_at": "Tue Feb 24 19:15:48 +0000 2015", "lang": "en",
...        "user": {"screen_name": "ann", "friends_count": 150, "followers_count": 3}}
>>> tweet = msgspec.json.decode(orjson.dumps(raw), type=Tweet)
>>> keep(tweet), msgspec.json.encode(project_typed(tweet)) == orjson.dumps(project(raw))
(True, True)
"""

from __future__ import annotations

import msgspec

from bench.kafka_pipeline import INFLUENCER_FRIENDS

__all__ = ["Projected", "Tweet", "User", "keep", "project_typed"]


class User(msgspec.Struct):
    """The fields of a tweet's author the pipeline reads."""

    screen_name: str
    friends_count: int


class Tweet(msgspec.Struct):
    """The fields of a tweet the pipeline reads."""

    id_str: str
    text: str
    created_at: str
    user: User


class Projected(msgspec.Struct):
    """What the pipeline writes, in the dict pipeline's field order."""

    id: str
    user: str
    text: str
    created_at: str


def keep(tweet: Tweet) -> bool:
    """True for tweets by influencers (``user.friends_count > 100``)."""
    return tweet.user.friends_count > INFLUENCER_FRIENDS


def project_typed(tweet: Tweet) -> Projected:
    """The four fields downstream steps need."""
    return Projected(tweet.id_str, tweet.user.screen_name, tweet.text, tweet.created_at)
