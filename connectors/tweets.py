"""Tweet sources: replay of the airline tweets CSV and of JSON-lines files, as Twitter API v1.1 tweets.

The CSV is the public "Twitter US Airline Sentiment" data set's format (the project ships a 500-row
sample, :data:`SAMPLE_CSV`). Each row becomes the tweet JSON a v1.1 stream would have delivered::

    from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay

    for tweet in TweetReplay(SAMPLE_CSV, limit=3):
        print(tweet["id_str"], tweet["user"]["screen_name"], tweet["text"])

    for batch in TweetReplay(SAMPLE_CSV, rate=200).batches(100):   # 200 tweets/s, lists of 100
        ...

What the CSV has is mapped as is: ``tweet_id`` -> ``id``/``id_str``; ``text``; ``tweet_created``
(``2015-02-24 11:35:52 -0800``) -> ``created_at`` in Twitter's format, in UTC
(``Tue Feb 24 19:35:52 +0000 2015``) and ``timestamp_ms``; ``retweet_count``; ``tweet_coord`` ->
``coordinates`` (GeoJSON, longitude first); ``name`` -> ``user.screen_name`` and ``user.name`` (the data
set's ``name`` is the handle); ``tweet_location`` -> ``user.location``; ``user_timezone`` ->
``user.time_zone``. ``entities.hashtags`` and ``entities.user_mentions`` are parsed from the text with
their code-point ``indices``, as Twitter does. ``lang`` is ``"en"``: the data set is English tweets
(Twitter's language detection put a handful of rows elsewhere, but the set has no language column).
The human labels are kept apart from the Twitter fields, under ``"dataset"`` (``airline``,
``airline_sentiment``, ``airline_sentiment_confidence``, ``negativereason``), to measure a model's
agreement, never as model output. Duplicate ``tweet_id`` rows (the full set has 155) are replayed as
they are unless ``dedupe=True``.

The data set has no user counts, so they are synthesized from SHA-512 of the user's ``name``
(same name, same numbers, every run). Let ``u1..u5`` be the first five 8-byte big-endian slices of the digest
mapped to (0, 1) by ``(n + 0.5) / 2**64`` and ``z(u)`` the standard normal quantile; then::

    followers_count  = round(exp(ln 300  + 1.5 z(u1)))     median 300, log-normal
    friends_count    = round(exp(ln 150  + 1.2 z(u2)))     median 150; about 63% have > 100
    statuses_count   = round(exp(ln 2500 + 1.4 z(u3)))
    favourites_count = round(exp(ln 800  + 1.6 z(u4)))
    listed_count     = round(followers_count * 0.01 * exp(0.8 z(u5)))
    user id          = the sixth slice's first 6 bytes, as an integer

so the CloudAir "influencer" rule (``friends_count > 100``) selects a realistic majority of users,
not all of them.

Pacing: ``rate`` replays at most that many tweets per second; ``speedup`` replays at the original
pace divided by that factor, in time order (the file is sorted by airline, newest first, so the
replay sorts one pass by time first). ``loop`` starts over at the end; ``limit`` stops after that
many tweets in all. ``progress=True`` shows a ``rich`` progress bar on stderr.

A row that cannot be read (no id, a bad timestamp) raises :class:`TweetFormatError` naming the file,
line and field; with ``on_error="skip"`` it is logged and kept in ``replay.skipped`` instead.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

import orjson

__all__ = [
    "REPLAY_CLIENT_ID",
    "SAMPLE_CSV",
    "JsonlReplay",
    "TweetFormatError",
    "TweetReplay",
    "hashtags_and_mentions",
    "main",
    "produce_tweets",
    "produce_tweets_embedded",
    "replay",
    "row_to_tweet",
    "synthesize_user_counts",
]

log = logging.getLogger(__name__)

SAMPLE_CSV = Path(__file__).with_name("data") / "airline_tweets_sample.csv"
"""The 500-row sample of the airline tweets data set shipped with the package (see ``data/make_sample.py``)."""

REPLAY_CLIENT_ID = "airstream-replay"
"""The ``client.id`` of the replay's producer by default: its name in airmon's Traces screen."""

_TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"
_CSV_TIME = "%Y-%m-%d %H:%M:%S %z"
# Twitter also takes the full-width number sign (U+FF03) as the start of a hashtag.
_HASHTAG = re.compile(r"(?<![\w&])[#\uff03](\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_NORMAL = NormalDist()


class TweetFormatError(ValueError):
    """A record of a tweets file cannot be read; the message names the file, the line and the field."""


def _unit(digest: bytes, i: int) -> float:
    return (int.from_bytes(digest[8 * i: 8 * i + 8], "big") + 0.5) / 2**64


def _lognormal(median: float, sigma: float, u: float) -> int:
    return round(math.exp(math.log(median) + sigma * _NORMAL.inv_cdf(u)))


def synthesize_user_counts(name: str) -> dict[str, int]:
    """Deterministic user counts for a data-set user (formula in the module docs).

    >>> synthesize_user_counts("jnardino") == synthesize_user_counts("jnardino")
    True
    >>> sorted(synthesize_user_counts("jnardino"))
    ['favourites_count', 'followers_count', 'friends_count', 'id', 'listed_count', 'statuses_count']
    """
    digest = hashlib.sha512(name.encode("utf-8")).digest()
    followers = _lognormal(300, 1.5, _unit(digest, 0))
    return {
        "id": int.from_bytes(digest[40:46], "big"),
        "followers_count": followers,
        "friends_count": _lognormal(150, 1.2, _unit(digest, 1)),
        "statuses_count": _lognormal(2500, 1.4, _unit(digest, 2)),
        "favourites_count": _lognormal(800, 1.6, _unit(digest, 3)),
        "listed_count": round(followers * 0.01 * math.exp(0.8 * _NORMAL.inv_cdf(_unit(digest, 4)))),
    }


def hashtags_and_mentions(text: str) -> dict[str, list[dict[str, Any]]]:
    """``entities.hashtags`` and ``entities.user_mentions`` as Twitter v1.1 gives them (code-point indices).

    >>> hashtags_and_mentions("@united lost my bag #fail")["hashtags"]
    [{'text': 'fail', 'indices': [20, 25]}]
    """
    return {
        "hashtags": [{"text": m.group(1), "indices": [m.start(), m.end()]} for m in _HASHTAG.finditer(text)],
        "user_mentions": [{"screen_name": m.group(1), "name": m.group(1), "indices": [m.start(), m.end()]}
                          for m in _MENTION.finditer(text)],
    }


def _coordinates(value: str) -> dict[str, Any] | None:
    value = value.strip()
    if not value:
        return None
    lat, lon = (float(x) for x in value.strip("[]").split(","))
    if lat == 0.0 and lon == 0.0:
        return None  # the data set's "[0.0, 0.0]" means "no location"
    return {"type": "Point", "coordinates": [lon, lat]}


def row_to_tweet(row: dict[str, str]) -> dict[str, Any]:
    """One data-set CSV row (as ``csv.DictReader`` gives it) as a Twitter API v1.1 tweet dict.

    Raises ``KeyError`` / ``ValueError`` for a malformed row; the replay wraps them in
    :class:`TweetFormatError` with the file and line.
    """
    tweet_id = row["tweet_id"].strip()
    if not tweet_id.isdigit():
        raise ValueError(f"tweet_id must be digits, got {tweet_id!r}")
    created = datetime.strptime(row["tweet_created"].strip(), _CSV_TIME).astimezone(UTC)
    name = row.get("name") or ""
    text = row["text"]
    counts = synthesize_user_counts(name)
    user_id = counts.pop("id")
    return {
        "id": int(tweet_id),
        "id_str": tweet_id,
        "created_at": created.strftime(_TWITTER_TIME),
        "timestamp_ms": str(int(created.timestamp() * 1000)),
        "text": text,
        "lang": "en",
        "retweet_count": int(row.get("retweet_count") or 0),
        "favorite_count": 0,
        "coordinates": _coordinates(row.get("tweet_coord") or ""),
        "entities": {**hashtags_and_mentions(text), "urls": []},
        "user": {
            "id": user_id,
            "id_str": str(user_id),
            "screen_name": name,
            "name": name,
            "location": row.get("tweet_location") or None,
            "time_zone": row.get("user_timezone") or None,
            "verified": False,
            **counts,
        },
        "dataset": {
            "airline": row.get("airline") or None,
            "airline_sentiment": row.get("airline_sentiment") or None,
            "airline_sentiment_confidence": float(row["airline_sentiment_confidence"])
            if row.get("airline_sentiment_confidence") else None,
            "negativereason": row.get("negativereason") or None,
        },
    }


class _Replay:
    """Pacing, looping, limits and progress shared by the file replays; subclasses read one pass."""

    def __init__(self, path: str | Path, *, rate: float | None = None, speedup: float | None = None,
                 loop: bool = False, limit: int | None = None, dedupe: bool = False, progress: bool = False,
                 on_error: Literal["raise", "skip"] = "raise",
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate must be > 0 records/s (leave it out for as fast as possible), got {rate!r}")
        if speedup is not None and speedup <= 0:
            raise ValueError(f"speedup must be > 0, got {speedup!r}")
        if rate is not None and speedup is not None:
            raise ValueError("give rate or speedup, not both")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit!r}")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"tweets file not found: {self.path} (the shipped sample is {SAMPLE_CSV})")
        self.rate = rate
        self.speedup = speedup
        self.loop = loop
        self.limit = limit
        self.dedupe = dedupe
        self.progress = progress
        self.on_error = on_error
        self.skipped: list[tuple[int, str]] = []
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({str(self.path)!r}, rate={self.rate}, speedup={self.speedup}, "
                f"limit={self.limit})")

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, tweet) for one pass over the file."""
        raise NotImplementedError

    def _bad(self, line: int, reason: str) -> None:
        message = f"{self.path}:{line}: {reason}"
        if self.on_error == "raise":
            raise TweetFormatError(message + " (pass on_error='skip' to skip such records)")
        log.warning("skipping record: %s", message)
        self.skipped.append((line, reason))

    def _pass(self) -> Iterator[dict[str, Any]]:
        tweets: Iterable[dict[str, Any]] = (t for _, t in self._read())
        if self.speedup is not None:
            tweets = sorted(tweets, key=lambda t: int(t.get("timestamp_ms") or 0))
        seen: set[str] = set()
        for tweet in tweets:
            tweet_id = tweet.get("id_str")
            # A tweet without an id cannot be told apart from another: it is always replayed.
            if self.dedupe and isinstance(tweet_id, str):
                if tweet_id in seen:
                    continue
                seen.add(tweet_id)
            yield tweet

    def _paced(self) -> Iterator[dict[str, Any]]:
        count = 0
        start = self._clock()
        first_ts: int | None = None
        while True:
            produced_in_pass = 0
            for tweet in self._pass():
                if self.limit is not None and count >= self.limit:
                    return
                if self.rate is not None:
                    due = start + count / self.rate
                elif self.speedup is not None:
                    ts = int(tweet.get("timestamp_ms") or 0)
                    if first_ts is None:
                        first_ts = ts
                    due = start + (ts - first_ts) / 1000.0 / self.speedup
                else:
                    due = None
                if due is not None:
                    wait = due - self._clock()
                    if wait > 0:
                        self._sleep(wait)
                yield tweet
                count += 1
                produced_in_pass += 1
            if not self.loop or produced_in_pass == 0:
                return
            if self.speedup is not None:
                # The next pass starts where this one's time line ended.
                start, first_ts = self._clock(), None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.progress:
            yield from self._paced()
            return
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True)) as bar:
            task = bar.add_task(f"replaying {self.path.name}", total=self.limit)
            for tweet in self._paced():
                yield tweet
                bar.advance(task)

    def batches(self, size: int) -> Iterator[list[dict[str, Any]]]:
        """Tweets in lists of ``size`` (the last one may be shorter).

        >>> [len(b) for b in TweetReplay(SAMPLE_CSV, limit=250).batches(100)]
        [100, 100, 50]
        """
        if size < 1:
            raise ValueError(f"batch size must be >= 1, got {size!r}")
        batch: list[dict[str, Any]] = []
        for tweet in self:
            batch.append(tweet)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


class TweetReplay(_Replay):
    """Replays the airline tweets CSV as v1.1 tweet dicts (mapping and options in the module docs).

    Example::

        replay = TweetReplay(SAMPLE_CSV, rate=100, limit=1000, loop=True, progress=True)
        for tweet in replay:
            ...
    """

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self.path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = {"tweet_id", "text", "tweet_created"} - set(reader.fieldnames or ())
            if missing:
                raise TweetFormatError(f"{self.path}: not an airline tweets CSV, missing columns {sorted(missing)} "
                                       f"(expected the header of {SAMPLE_CSV.name})")
            line = reader.line_num + 1
            for row in reader:
                try:
                    yield line, row_to_tweet(row)
                except (KeyError, ValueError, TypeError) as exc:
                    self._bad(line, f"bad row ({exc})")
                line = reader.line_num + 1


class JsonlReplay(_Replay):
    """Replays a JSON-lines file of tweets (one JSON object per line; blank lines are ignored).

    Lines holding a Twitter API v2 stream payload (``{"data": ..., "includes": ...}``) are converted to
    the v1.1 shape with :func:`airstream.connectors.twitter_v2.v2_to_v1`; other objects are replayed as they are.

    Example::

        for tweet in JsonlReplay("recorded.jsonl", speedup=60):
            ...
    """

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        from airstream.connectors.twitter_v2 import v2_to_v1

        with self.path.open("rb") as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    self._bad(line_no, f"not JSON ({exc})")
                    continue
                if not isinstance(obj, dict):
                    self._bad(line_no, f"expected a JSON object, got {type(obj).__name__}")
                    continue
                yield line_no, v2_to_v1(obj) if isinstance(obj.get("data"), dict) else obj


def replay(path: str | Path, **options: Any) -> _Replay:
    """A :class:`JsonlReplay` for ``.jsonl`` / ``.ndjson`` / ``.json`` files, else a :class:`TweetReplay`."""
    suffix = Path(path).suffix.lower()
    return (JsonlReplay if suffix in {".jsonl", ".ndjson", ".json"} else TweetReplay)(path, **options)


def produce_tweets(tweets: Iterable[dict[str, Any]], bootstrap: str, topic: str,
                   config: dict[str, Any] | None = None) -> int:
    """Produce tweets to Kafka (key ``id_str``, value the tweet JSON); returns how many were delivered.

    The producer is a :class:`airstream.topology.tracing.TracingProducer` named ``airstream-replay`` (set
    ``client.id`` in ``config`` to name it otherwise): every record carries the ``airstream.trace``
    header, and the counts reach ``__airstream_metrics``, so airmon's Traces screen shows the replay
    as a producer and follows its records through the pipeline. ``config`` adds to or overrides the
    producer configuration.

    Raises ``RuntimeError`` naming the topic and the first error when any delivery failed.

    Example::

        produce_tweets(TweetReplay(SAMPLE_CSV), "localhost:9092", "tweets", {"client.id": "replay-eu"})
    """
    from confluent_kafka import KafkaException

    from airstream.topology.tracing import TracingProducer

    producer = TracingProducer({"bootstrap.servers": bootstrap, "client.id": REPLAY_CLIENT_ID, "linger.ms": 20,
                                "enable.idempotence": True, **(config or {})})
    delivered = 0
    errors: list[str] = []

    def on_delivery(err: Any, _msg: Any) -> None:
        nonlocal delivered
        if err is None:
            delivered += 1
        else:
            errors.append(str(err))

    sent = 0
    try:
        for tweet in tweets:
            while True:
                try:
                    producer.produce(topic, key=str(tweet.get("id_str", "")).encode(), value=orjson.dumps(tweet),
                                     on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.1)  # local queue full: let deliveries drain
            sent += 1
            producer.poll(0)
    except KafkaException as exc:
        raise RuntimeError(f"cannot produce to topic {topic!r} on {bootstrap}: {exc}") from None
    finally:
        remaining = producer.close(30)  # also publishes the replay's last counts to the metrics topic
    if remaining or errors:
        first = errors[0] if errors else f"{remaining} not delivered within 30 s"
        raise RuntimeError(f"{sent - delivered} of {sent} tweets not delivered to topic {topic!r} on {bootstrap}: "
                           f"{first}")
    return delivered


def produce_tweets_embedded(tweets: Iterable[dict[str, Any]], cluster: Any, topic: str) -> int:
    """Append tweets to a topic of an in-process :class:`~airstream.topology.engine.EmbeddedCluster`, as Kafka would.

    Key ``id_str``, value the tweet JSON, record timestamp the tweet's ``timestamp_ms``. Returns the count.

    Example::

        from airstream.topology.engine import EmbeddedCluster
        cluster = EmbeddedCluster()
        produce_tweets_embedded(TweetReplay(SAMPLE_CSV), cluster, "tweets")
    """
    count = 0
    for tweet in tweets:
        cluster.produce(topic, str(tweet.get("id_str", "")).encode(), orjson.dumps(tweet),
                        timestamp=int(tweet.get("timestamp_ms") or 0))
        count += 1
    return count


def main(args: Any) -> int:
    """``airstream replay`` (``args`` from airstream.cli's parser)."""
    try:
        source = replay(args.path, rate=args.rate, speedup=args.speedup, limit=args.limit, loop=args.loop,
                        progress=args.progress and sys.stderr.isatty())
    except (FileNotFoundError, ValueError) as exc:
        print(f"airstream replay: {exc}", file=sys.stderr)
        return 2
    if args.loop and args.limit is None and not args.bootstrap:
        print("airstream replay: --loop into the in-process embedded cluster needs --limit "
              "(it would grow without end)", file=sys.stderr)
        return 2
    if args.loop and args.limit is None:
        print("airstream replay: --loop without --limit replays forever; Ctrl-C stops it.", file=sys.stderr)
    try:
        if args.bootstrap:
            named = {"client.id": args.client_id} if args.client_id else None
            count = produce_tweets(source, args.bootstrap, args.topic, named)
        else:
            from airstream.topology.engine import EmbeddedCluster

            cluster = EmbeddedCluster()
            count = produce_tweets_embedded(source, cluster, args.topic)
            print(f"replayed {count} tweets into topic {args.topic!r} of an embedded cluster, which lives only "
                  f"in this process: every record was read and converted, nothing persists. Pass --bootstrap "
                  f"host:9092 to produce to Kafka (`airstream kafka up` starts a local broker), or feed an "
                  f"embedded topology in your own program with airstream.connectors.tweets.TweetReplay and "
                  f"produce_tweets_embedded (as `airstream demo` does).")
            return 0
    except TweetFormatError as exc:
        print(f"airstream replay: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"airstream replay: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"produced {count} tweets to topic {args.topic!r} on {args.bootstrap}")
    return 0
