"""CloudAir's tweets as declared record types: msgspec decodes only the fields the pipeline reads.

A tweet of Twitter's v1.1 API has dozens of fields and nested objects (about 830 bytes in the
sample); the pipeline reads fourteen of them. :class:`Tweet` declares those, and
:func:`read_tweet` decodes a record into it without building the rest (the dict pipeline builds
every field with orjson, then reads fourteen). ``[pipeline] typed = true`` (or
``CLOUDAIR_PIPELINE_TYPED=1``) runs :func:`cloudair.pipeline.build` on it; the topics, routes, sinks
and reasons are the dict pipeline's, record for record (``tests/e2e/test_cloudair_typed.py`` runs
both on the same tweets and compares every topic and the Parquet rows).

Where the two can differ, by design: a record whose declared fields have other types than
Twitter's (``"user": "ann"``, ``"retweet_count": [1]``) is filtered as ``not a tweet`` here, where the
dict pipeline may score it or dead-letter it; numbers sent as strings are read as numbers by both.
The ``tweets`` topic gets the record's own bytes (the dict pipeline writes them re-encoded).

>>> raw = b'{"id_str": "7", "text": "late @united", "lang": "en", "user": {"friends_count": "150"}}'
>>> read = read_tweet(raw)
>>> read.tweet.user.friends_count, filter_reason(read), flatten(read)["airline"]
(150, None, 'United')
>>> filter_reason(read_tweet(b"[1, 2]"))
'not a tweet'
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from cloudair.pipeline import airline_in

__all__ = ["Entities", "Hashtag", "Read", "Tweet", "User", "filter_reason", "flatten", "read_tweet", "tweet_id"]


class Hashtag(msgspec.Struct):
    """One of a tweet's hashtags (``entities.hashtags[]``)."""

    text: str


class Entities(msgspec.Struct):
    """What a tweet's text links to; the pipeline reads the hashtags."""

    hashtags: list[Hashtag] = msgspec.field(default_factory=list)


class User(msgspec.Struct):
    """The fields of a tweet's author the pipeline reads. ``name``: ``UNSET`` when the record has
    none (hashed as the empty string, as the dict pipeline does)."""

    name: str | UnsetType | None = UNSET
    location: str | None = None
    followers_count: int | float | None = None
    friends_count: int | float | None = None
    listed_count: int | float | None = None
    statuses_count: int | float | None = None
    favourites_count: int | float | None = None


class Tweet(msgspec.Struct):
    """The fields of a tweet the pipeline reads; ``id_str`` and ``text`` are ``UNSET`` when missing
    (then the record is ``not a tweet``)."""

    id_str: str | UnsetType | None = UNSET
    text: str | UnsetType | None = UNSET
    lang: str | None = None
    created_at: str | None = None
    timestamp_ms: str | int | None = None
    retweet_count: int | float | None = None
    entities: Entities | None = None
    user: User | None = None


class Read(msgspec.Struct):
    """A record of the ingest topic as read: its bytes (for the ``tweets`` topic) and the tweet,
    ``None`` when the record is JSON but not a tweet."""

    raw: bytes | None
    tweet: Tweet | None


_decode = msgspec.json.Decoder(Tweet, strict=False).decode  # strict=False: "150" reads as 150


def read_tweet(raw: bytes | None) -> Read:
    """Decode ``raw`` into a :class:`Tweet`. JSON of another shape is kept as ``tweet=None`` (filtered
    as ``not a tweet``); bytes that are not JSON raise ``msgspec.DecodeError``, which sends the
    record to the dead-letter topic, as the dict pipeline's serde does."""
    if raw is None:
        return Read(None, None)
    try:
        return Read(raw, _decode(raw))
    except msgspec.ValidationError:
        return Read(raw, None)


def tweet_id(read: Read) -> str | None:
    """The tweet's id, for the ``tweets-filtered`` record."""
    tweet = read.tweet
    return None if tweet is None or isinstance(tweet.id_str, UnsetType) else tweet.id_str


def filter_reason(read: Read) -> str | None:
    """Why a tweet is left out (``None``: it is kept), as :func:`cloudair.pipeline.filter_reason`."""
    tweet = read.tweet
    if tweet is None or isinstance(tweet.id_str, UnsetType) or isinstance(tweet.text, UnsetType):
        return "not a tweet"
    if tweet.lang != "en":
        return "not English"
    if airline_in(tweet.text or "") is None:
        return "no tracked airline"
    return None


def _count(n: int | float | None) -> int:
    return int(n or 0)


def flatten(read: Read) -> dict[str, Any]:
    """The record :func:`cloudair.pipeline.flatten` makes of the same tweet, field for field."""
    tweet = read.tweet
    if tweet is None or not isinstance(tweet.text, str):  # the dict pipeline fails on these too: dead letters
        raise ValueError(f"not a tweet with a text: {read.raw!r:.80}")
    user = tweet.user or User()
    name = "" if isinstance(user.name, UnsetType) else str(user.name)
    hashtags = tweet.entities.hashtags if tweet.entities is not None else []
    return {
        "tweetid": tweet.id_str,
        "tweettext": " ".join(tweet.text.split()),
        "createdat": tweet.created_at,
        "timestampms": int(tweet.timestamp_ms or 0),
        "hashtags": " ".join(h.text for h in hashtags),
        "location": user.location,
        "followerscount": _count(user.followers_count),
        "friendscount": _count(user.friends_count),
        "listedcount": _count(user.listed_count),
        "statusescount": _count(user.statuses_count),
        "favouritescount": _count(user.favourites_count),
        "retweetcount": _count(tweet.retweet_count),
        "airline": airline_in(tweet.text),
        "name": hashlib.sha256(name.encode()).hexdigest(),
    }
