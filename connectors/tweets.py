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

Rows are numbered from 1: a CSV's Nth record after the header (a quoted text may span lines, so the
error gives the line too), a JSON-lines file's line N. ``from_row=N`` starts at row N (every pass,
with ``loop``), so a replay that stopped at row N resumes there without repeating rows.

A row that cannot be read (no id, a bad timestamp, text that is not UTF-8, a JSON line over 128 KiB)
raises :class:`TweetFormatError` naming the file, line, row and field; with ``on_error="skip"`` it is
logged and kept in ``replay.skipped`` instead. A binary file (NUL bytes), a CSV without the data set's
columns, or a CSV field over 128 KiB (csv's limit: usually an unclosed quote) stops the replay
whatever ``on_error`` says, as there is no next row to go on with.

``airstream replay`` (:func:`main`) produces a file to Kafka; a failure is one line on stderr that
says how many rows were produced and how to resume. Exit codes: 0 every row produced, 1 the replay
stopped partway (a bad row, Kafka refused or did not deliver records, a missing ACL; Ctrl-C gives
130), 2 bad arguments, client configuration (a login or TLS handshake the brokers refuse included) or
file (missing, binary, not a tweets file).
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
    "MAX_LINE_BYTES",
    "REPLAY_CLIENT_ID",
    "SAMPLE_CSV",
    "JsonlReplay",
    "ReplayError",
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
# Bytes Python decoded with ``surrogateescape`` because they are not UTF-8.
_UNDECODED = re.compile("[\udc80-\udcff]")

MAX_LINE_BYTES = 128 * 1024
"""The longest JSON line or CSV field a replay reads (csv's own field limit): a tweet is a few KiB."""


class TweetFormatError(ValueError):
    """A record of a tweets file cannot be read; the message names the file, the line and the field.

    ``row`` and ``line`` are where it stopped (``None`` when the whole file is wrong) and ``reason`` the
    message without the place, for callers that say it their own way (``airstream replay``).
    """

    def __init__(self, message: str, *, row: int | None = None, line: int | None = None,
                 reason: str | None = None, fatal: bool = False) -> None:
        super().__init__(message)
        self.row, self.line = row, line
        self.reason = reason if reason is not None else message
        self.fatal = fatal
        """No row after this one can be read: ``on_error="skip"`` does not go past it."""


class ReplayError(RuntimeError):
    """Producing a replay stopped early; ``produced`` records had been delivered by then.

    The error that stopped it (a :class:`TweetFormatError`, a Kafka error, ``KeyboardInterrupt``) is
    its ``__cause__``, when there is one.
    """

    def __init__(self, message: str, *, produced: int, login_refused: bool = False) -> None:
        super().__init__(message)
        self.produced = produced
        self.login_refused = login_refused
        """Whether the brokers refused the login (or the TLS handshake): the configuration is wrong."""


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
                 on_error: Literal["raise", "skip"] = "raise", from_row: int = 1,
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
        if from_row < 1:
            raise ValueError(f"from_row must be >= 1 (rows are numbered from 1), got {from_row!r}")
        self.path = Path(path)
        self.from_row = from_row
        self.last_row = 0
        """The row of the last tweet handed out (0 before the first)."""
        self.handed = 0
        """How many tweets were handed out."""
        self._check()
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

    def _check(self) -> None:
        """Refuse a missing file, or one that is not text at all, before anything is replayed (subclasses
        add their checks)."""
        if not self.path.is_file():
            raise FileNotFoundError(f"tweets file not found: {self.path} (the shipped sample is {SAMPLE_CSV})")
        try:
            with self.path.open("rb") as f:
                head = f.read(8192)
        except OSError as exc:
            raise TweetFormatError(f"cannot read {self.path}: {exc.strerror}") from None
        if b"\0" in head:
            raise TweetFormatError(f"{self.path} is a binary file (it holds NUL bytes), not tweets: replay a CSV of "
                                   f"the data set's format or a JSON-lines file of tweets")

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, tweet) for one pass over the file, from row ``from_row``."""
        raise NotImplementedError

    def _where(self, line: int, row: int) -> str:
        """``file:line`` and, where a row is not its line (a CSV), the row too."""
        return f"{self.path}:{line}" if line == row else f"{self.path}:{line}: row {row}"

    def _fatal(self, line: int, row: int, reason: str) -> TweetFormatError:
        """An error no row after this one can be read past."""
        return TweetFormatError(f"{self._where(line, row)}: {reason}", row=row, line=line, reason=reason, fatal=True)

    def _bad(self, line: int, row: int, reason: str) -> None:
        message = f"{self._where(line, row)}: {reason}"
        if self.on_error == "raise":
            raise TweetFormatError(message + " (pass on_error='skip' to skip such records)", row=row, line=line,
                                   reason=reason)
        log.warning("skipping record: %s", message)
        self.skipped.append((line, reason))

    def _undecoded(self, line: int, row: int, fields: dict[str, str]) -> bool:
        """Whether a row has bytes that are not UTF-8 (reported as bad, with the byte and the field)."""
        for name, value in fields.items():
            found = _UNDECODED.search(value) if isinstance(value, str) else None
            if found:
                byte = ord(found.group()) - 0xDC00
                self._bad(line, row, f"field {name!r} is not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8, "
                                     "e.g. iconv -f latin1 -t utf-8")
                return True
        return False

    def resume_row(self, produced: int) -> int | None:
        """The row a rerun starts at (``from_row``) so that it repeats none of the ``produced`` tweets
        and misses none; ``None`` when that is not known (time order, a loop, or lost tweets).

        Rows go out in file order, and the consumer of this iterator may have taken a tweet it could
        not produce (it was interrupted), so ``produced`` is all or all but one of those handed out.
        """
        if self.speedup is not None or self.loop:
            return None
        if produced == self.handed:
            return self.last_row + 1
        return self.last_row if produced == self.handed - 1 else None

    def _pass(self) -> Iterator[tuple[int, dict[str, Any]]]:
        rows: Iterable[tuple[int, dict[str, Any]]] = self._read()
        if self.speedup is not None:
            rows = sorted(rows, key=lambda r: int(r[1].get("timestamp_ms") or 0))
        seen: set[str] = set()
        for row, tweet in rows:
            tweet_id = tweet.get("id_str")
            # A tweet without an id cannot be told apart from another: it is always replayed.
            if self.dedupe and isinstance(tweet_id, str):
                if tweet_id in seen:
                    continue
                seen.add(tweet_id)
            yield row, tweet

    def _paced(self) -> Iterator[dict[str, Any]]:
        count = 0
        start = self._clock()
        first_ts: int | None = None
        while True:
            produced_in_pass = 0
            for row, tweet in self._pass():
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
                self.last_row, self.handed = row, self.handed + 1
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

    def _reader(self, f: Any) -> csv.DictReader[str]:
        reader = csv.DictReader(f)
        missing = {"tweet_id", "text", "tweet_created"} - set(reader.fieldnames or ())
        if missing:
            raise TweetFormatError(f"{self.path}: not an airline tweets CSV, missing columns {sorted(missing)} "
                                   f"(expected the header of {SAMPLE_CSV.name})")
        return reader

    def _open(self) -> Any:
        # Bytes that are not UTF-8 become lone surrogates, so one bad row is reported (or skipped) and
        # the rows after it still read.
        return self.path.open(newline="", encoding="utf-8", errors="surrogateescape")

    def _check(self) -> None:
        super()._check()
        with self._open() as f:
            try:
                self._reader(f)
            except csv.Error as exc:
                raise TweetFormatError(f"{self.path}: the header is not readable as CSV ({exc})") from None

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self._open() as f:
            reader = self._reader(f)
            row, line = 0, reader.line_num + 1
            while True:
                row += 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise self._fatal(line, row, self._csv_problem(exc)) from None
                if row >= self.from_row and not self._undecoded(line, row, fields):
                    try:
                        yield row, row_to_tweet(fields)
                    except (KeyError, ValueError, TypeError) as exc:
                        self._bad(line, row, f"bad row ({exc})")
                line = reader.line_num + 1

    @staticmethod
    def _csv_problem(exc: csv.Error) -> str:
        if "field larger than field limit" in str(exc):
            return (f"a field is over {MAX_LINE_BYTES // 1024} KiB, and a tweet is a few KiB: most likely an "
                    "unclosed quote joined the rest of the file into one field")
        return f"not readable as CSV ({exc})"


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
            for row, (line, size) in enumerate(_lines(f), start=1):
                if row < self.from_row or not line.strip():
                    continue
                obj = self._parse(row, line, size)
                if obj is not None:
                    yield row, v2_to_v1(obj) if isinstance(obj.get("data"), dict) else obj

    def _parse(self, row: int, line: bytes, size: int) -> dict[str, Any] | None:
        """The JSON object of a line of ``size`` bytes; ``None`` when it is bad (and skipped)."""
        if size > MAX_LINE_BYTES:
            self._bad(row, row, f"the line is {size // 1024} KiB, over the {MAX_LINE_BYTES // 1024} KiB a "
                                "tweet can take (is this a JSON-lines file of tweets?)")
            return None
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            try:  # orjson refuses text that is not UTF-8 too: say where, as the fix differs
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                self._bad(row, row, f"not UTF-8 text (byte 0x{line[bad.start]:02x} at column {bad.start + 1}): save "
                                    "the file as UTF-8")
                return None
            self._bad(row, row, f"not JSON ({exc})")
            return None
        if not isinstance(obj, dict):
            self._bad(row, row, f"expected a JSON object, got {type(obj).__name__}")
            return None
        return obj


def _lines(f: Any) -> Iterator[tuple[bytes, int]]:
    """``(line, its length)`` for each line of a binary file. A line over ``MAX_LINE_BYTES`` is read past
    in chunks, never held whole: only its first ``MAX_LINE_BYTES + 1`` bytes come back."""
    while True:
        line: bytes = f.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        size = len(line)
        while size > MAX_LINE_BYTES and not line.endswith(b"\n"):
            chunk = f.readline(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            line = line[:MAX_LINE_BYTES] + chunk[-1:]  # keeps whether the line has ended
        yield line, size


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

    Raises :class:`ReplayError` (a ``RuntimeError``) naming the topic and the first error when any
    delivery failed, or when reading the tweets failed or was interrupted (that error is its
    ``__cause__``); its ``produced`` says how many were delivered all the same.

    Example::

        produce_tweets(TweetReplay(SAMPLE_CSV), "localhost:9092", "tweets", {"client.id": "replay-eu"})
    """
    from confluent_kafka import KafkaException

    from airstream.common.redact import scrub
    from airstream.topology.tracing import TracingProducer
    from airstream.topology.tracing.publisher import PURGED_ON_CLOSE

    # murmur2 as Java clients and Kafka Streams place keys: a table joined against these records, or
    # a co-partitioned topic written by a Java producer, finds each key on the same partition.
    settings = {"bootstrap.servers": bootstrap, "client.id": REPLAY_CLIENT_ID, "linger.ms": 20,
                "enable.idempotence": True, "partitioner": "murmur2_random", **(config or {})}
    # A refused login is told once, by the ReplayError below, not by the producer's log as well.
    settings.setdefault("error_cb", _told_by_the_replay_error)
    producer = TracingProducer(settings)
    delivered = 0
    errors: list[str] = []

    def on_delivery(err: Any, _msg: Any) -> None:
        nonlocal delivered
        if err is None:
            delivered += 1
        elif err.code() not in PURGED_ON_CLOSE:  # failed by close(): already counted in remaining
            # A refused ACL names the principal and the grant; other errors keep librdkafka's words.
            errors.append(producer.explain(err, topic) or err.str())

    sent = 0
    stopped: BaseException | None = None
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
            if _login_refused(producer):
                break  # every delivery would time out: sending the rest cannot help
    except (KafkaException, TweetFormatError, KeyboardInterrupt) as exc:
        stopped = exc  # reported below, once what was sent has been delivered or has failed
    finally:
        remaining = _deliver(producer, 30)
        # Also publishes the last counts; what is left fails now (purged), and on_delivery, which
        # holds the producer, lets it go with this function.
        producer.close(0 if remaining or _login_refused(producer) else 30)
    where = f"topic {topic!r} on {bootstrap}"
    if isinstance(stopped, KafkaException):
        raise ReplayError(scrub(f"cannot produce to {where}: {stopped}", settings), produced=delivered) from stopped
    if remaining or errors:
        first = errors[0] if errors else f"{remaining} not delivered within 30 s"
        if producer.access_error is not None:  # a refused login only shows as timed-out deliveries
            first = str(producer.access_error)
        # Lost deliveries are the news, whatever else stopped the replay.
        raise ReplayError(f"{sent - delivered} of {sent} tweets not delivered to {where}: {first}",
                          produced=delivered, login_refused=_login_refused(producer)) from None
    if stopped is not None:
        raise ReplayError(str(stopped) or "interrupted", produced=delivered) from stopped
    return delivered


def _told_by_the_replay_error(err: Any) -> None:
    """The replay producer's ``error_cb``: the tracing producer keeps a refused login as its
    ``access_error``; librdkafka retries the rest by itself."""


def _login_refused(producer: Any) -> bool:
    access = producer.access_error
    return access is not None and access.kind == "authentication"


def _deliver(producer: Any, timeout: float) -> int:
    """Wait up to ``timeout`` seconds for the queued records to be delivered, but not once the brokers
    refused the login; returns how many are left."""
    deadline = time.monotonic() + timeout
    while len(producer) and time.monotonic() < deadline and not _login_refused(producer):
        producer.poll(0.5)  # serves deliveries (a flush would also publish the metrics each time)
    left: int = len(producer)
    return left


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


def _resume_hint(stop: TweetFormatError, produced: int, args: Any) -> str:
    """What to run next after a bad row, so that no row is produced twice."""
    row = stop.row
    if produced == 0 or args.speedup is not None:
        # With --speedup the file is sorted before the first record is sent: nothing went out.
        rerun = "fix the row and rerun" if stop.fatal else "fix the row and rerun, or rerun with --on-error skip"
        return f"nothing was produced: {rerun}"
    if stop.fatal:
        return f"fix or remove row {row}, then rerun with --from-row {row} to resume"
    return f"rerun with --from-row {row} to resume once it is fixed, or with --from-row {row} --on-error skip"


def _stopped(exc: ReplayError, source: _Replay, args: Any) -> str:
    """The one line for a replay that stopped early: where, why, how many rows went out, what to do next."""
    produced = f"{exc.produced} row{'s' if exc.produced != 1 else ''} produced"
    cause = exc.__cause__
    if isinstance(cause, TweetFormatError) and cause.row is not None:
        return (f"stopped at row {cause.row} ({source.path}:{cause.line}) with {produced}: {cause.reason}; "
                f"{_resume_hint(cause, exc.produced, args)}")
    if isinstance(cause, TweetFormatError):
        return f"{cause}; {produced}"
    if isinstance(cause, KeyboardInterrupt):
        row = source.resume_row(exc.produced) if exc.produced else None
        resume = f"; rerun with --from-row {row} to go on" if row is not None else ""
        return f"interrupted with {produced}{resume}"
    what = ("create the topic (or let the cluster create topics on first use), or pick an existing one with --topic"
            if "Unknown topic" in str(exc) else "check --topic, --bootstrap and the credentials in --config/-X")
    order = "" if exc.produced == 0 else " (the failed rows need not be the last: check the topic before resuming)"
    return f"{exc}; {produced}: {what}{order}"


def _open_source(args: Any) -> _Replay:
    options = {"rate": args.rate, "speedup": args.speedup, "limit": args.limit, "loop": args.loop,
               "progress": args.progress and sys.stderr.isatty(), "from_row": args.from_row}
    on_error = "skip" if args.on_error == "skip" else "raise"
    if args.synthetic:
        from airstream.connectors.synthetic import MixedReplay, SyntheticTweets

        if args.path:
            return MixedReplay(args.path, every=args.synthetic_every, seed=args.seed, on_error=on_error, **options)
        return SyntheticTweets(seed=args.seed, **options)
    return replay(args.path, on_error=on_error, **options)


def _replay_embedded(source: _Replay, args: Any) -> int:
    from airstream.topology.engine import EmbeddedCluster

    try:
        count = produce_tweets_embedded(source, EmbeddedCluster(), args.topic)
    except TweetFormatError as exc:
        print(f"airstream replay: {exc.reason if exc.row is None else _stopped_embedded(exc, source)}",
              file=sys.stderr)
        return 1
    print(f"replayed {count} tweets into topic {args.topic!r} of an embedded cluster, which lives only "
          f"in this process: every record was read and converted, nothing persists. Pass --bootstrap "
          f"host:9092 to produce to Kafka (`airstream kafka up` starts a local broker), or feed an "
          f"embedded topology in your own program with airstream.connectors.tweets.TweetReplay and "
          f"produce_tweets_embedded (as `make demo`, examples/cloudair/demo.py, does).")
    return 0


def _stopped_embedded(exc: TweetFormatError, source: _Replay) -> str:
    skip = "" if exc.fatal else ", or rerun with --on-error skip"
    return f"stopped at row {exc.row} ({source.path}:{exc.line}): {exc.reason}; fix the row{skip}"


def _client_log(verbose: bool) -> logging.Logger:
    """Where librdkafka's own lines go: to stderr with ``--verbose`` only. Without it a failed login
    would print a line per retry, and the failure that ends the replay is told in one line anyway."""
    client_log = logging.getLogger(f"{__name__}.kafka")
    client_log.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    return client_log


def main(args: Any) -> int:
    """``airstream replay`` (``args`` from airstream.cli's parser); exit codes in the module docs."""
    from airstream.common.client_config import ConfigError, config_from_args, report_failure

    kafka = bool(args.bootstrap or args.config_file or args.overrides)
    config: dict[str, Any] = {}
    if args.watch:
        return _watch_folder(args, kafka)
    if args.once or args.state:
        print("airstream replay: --once and --state go with --watch FOLDER", file=sys.stderr)
        return 2
    if not (args.path or args.synthetic):
        print("airstream replay: give a tweets FILE, --synthetic for synthetic CloudAir tweets, or both to mix "
              "them", file=sys.stderr)
        return 2
    endless = args.limit is None and (args.loop or (args.synthetic and not args.path))
    if endless and not kafka:
        print("airstream replay: --loop or --synthetic into the in-process embedded cluster needs --limit "
              "(it would grow without end)", file=sys.stderr)
        return 2
    try:
        if kafka:
            config = config_from_args(args)
        source = _open_source(args)
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config)
        return 2
    if endless:
        print("airstream replay: without --limit it replays forever; Ctrl-C stops it.", file=sys.stderr)
    try:
        return _replay_kafka(source, args, config) if kafka else _replay_embedded(source, args)
    except KeyboardInterrupt:  # in the producer's last flush, or while replaying into the embedded cluster
        print("airstream replay: interrupted", file=sys.stderr)
        return 130


def _ready_to_produce(args: Any, config: dict[str, Any]) -> int | None:
    """The producer's settings from the options (``--client-id``, where librdkafka logs), and the topic
    created if ``--partitions`` asks for it: the exit code if that failed, else ``None``."""
    from airstream.common.client_config import connection_config, report_failure
    from airstream.common.topics import TopicCreationError, create_topics

    if args.client_id:
        config["client.id"] = args.client_id
    config["logger"] = _client_log(args.verbose)
    if not args.partitions:
        if args.replication_factor:
            print("airstream replay: --replication-factor applies to a topic --partitions creates; give "
                  "--partitions N too", file=sys.stderr)
            return 2
        return None
    try:
        if create_topics(connection_config(config), {args.topic: args.partitions}, args.replication_factor or -1):
            print(f"created topic {args.topic!r} with {args.partitions} partition(s)", file=sys.stderr)
    except TopicCreationError as exc:
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config,
                       message=f"{exc} (nothing was produced)")
        return 2 if exc.access is not None and exc.access.kind == "authentication" else 1
    return None


def _watch_folder(args: Any, kafka: bool) -> int:
    """``airstream replay FOLDER --watch``: every new file once (see :mod:`airstream.connectors.folder`)."""
    import signal
    import threading

    from airstream.common.client_config import ConfigError, config_from_args, report_failure
    from airstream.connectors.folder import FolderReplay

    if not kafka:
        print("airstream replay: --watch produces to Kafka: give --bootstrap (or --config/-X)", file=sys.stderr)
        return 2
    if not args.path or args.synthetic:
        print("airstream replay: --watch takes the FOLDER to watch (and no --synthetic)", file=sys.stderr)
        return 2
    if args.limit is not None or args.loop or args.from_row != 1 or args.speedup:
        print("airstream replay: --watch replays every file whole, in row order: leave out --limit, --loop, "
              "--from-row and --speedup", file=sys.stderr)
        return 2
    config: dict[str, Any] = {}
    try:
        config.update(config_from_args(args))
        folder = FolderReplay(args.path, state=args.state, rate=args.rate,
                              on_error="skip" if args.on_error == "skip" else "raise")
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config)
        return 2
    failed = _ready_to_produce(args, config)
    if failed is not None:
        return failed
    bootstrap = config["bootstrap.servers"]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    current: list[str] = []

    def produce(source: _Replay) -> int:
        current[:] = [source.path.name]
        return produce_tweets(source, bootstrap, args.topic, config)

    try:
        count = folder.run(produce, once=args.once, stop=stop)
    except ReplayError as exc:
        resume = folder.state.get(current[0], {}).get("rows", 0) + 1 if current else 1
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config,
                       message=f"stopped in {current[0] if current else args.path}: {exc}; a rerun resumes at "
                               f"row {resume} of it")
        return 2 if exc.login_refused else 1
    print(f"produced {count} tweets from {args.path} to topic {args.topic!r} on {bootstrap}")
    return 0


def _replay_kafka(source: _Replay, args: Any, config: dict[str, Any]) -> int:
    from confluent_kafka import KafkaError, KafkaException

    from airstream.common.client_config import report_failure

    failed = _ready_to_produce(args, config)
    if failed is not None:
        return failed
    bootstrap = config["bootstrap.servers"]
    try:
        count = produce_tweets(source, bootstrap, args.topic, config)
    except KafkaException as exc:  # the producer refused the configuration before sending anything
        reason = exc.args[0].str() if exc.args and isinstance(exc.args[0], KafkaError) else str(exc)
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config,
                       message=f"client configuration refused: {reason} (fix it in --config or -X)")
        return 2
    except ReplayError as exc:
        report_failure("airstream replay", exc, verbose=args.verbose, secrets=config,
                       message=_stopped(exc, source, args))
        if exc.login_refused:
            return 2
        return 130 if isinstance(exc.__cause__, KeyboardInterrupt) else 1
    skipped = f" ({len(source.skipped)} bad rows skipped)" if source.skipped else ""
    print(f"produced {count} tweets to topic {args.topic!r} on {bootstrap}{skipped}")
    return 0
