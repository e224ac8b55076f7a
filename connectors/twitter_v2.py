"""The Twitter API v2 filtered stream, over httpx, delivering tweets in the v1.1 shape the replays use.

    from airstream.connectors.twitter_v2 import TwitterStream

    stream = TwitterStream()                          # Bearer token from $TWITTER_BEARER_TOKEN
    stream.set_rules([{"value": "@united OR @Delta OR @JetBlue lang:en", "tag": "airlines"}])
    for tweet in stream.stream():                     # reconnects by itself; Ctrl-C / close() to stop
        print(tweet["user"]["screen_name"], tweet["text"])

Each stream line (``{"data": {...}, "includes": {"users": [...]}, "matching_rules": [...]}``) becomes
one tweet dict: the author from ``includes.users`` is joined in as ``user`` (``username`` ->
``screen_name``, ``public_metrics`` -> ``followers_count``, ``friends_count`` (from
``following_count``), ``statuses_count``, ``listed_count``, ``favourites_count``), ``created_at`` is
rewritten in v1.1's format with ``timestamp_ms``, and entities get v1.1's ``indices``. v2 has no user
time zone: ``user.time_zone`` is ``None``.

Reconnects follow Twitter's guidance for streams: network errors and dropped streams back off
linearly (+250 ms per try, at most 16 s); HTTP 5xx exponentially (5 s doubling to 320 s); HTTP 429
exponentially from 1 minute. The first line received on a connection resets the back-off. 401/403 and other 4xx are
final (:class:`TwitterAPIError`). The token is only ever sent in the ``Authorization`` header: it is
not in ``repr()``, errors or logs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

__all__ = ["TwitterAPIError", "TwitterStream", "v2_to_v1"]

log = logging.getLogger(__name__)

_RULES = "/2/tweets/search/stream/rules"
_STREAM = "/2/tweets/search/stream"
_TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"
USER_FIELDS = "created_at,description,location,name,public_metrics,username,verified"
TWEET_FIELDS = "author_id,created_at,entities,lang,public_metrics"


class TwitterAPIError(RuntimeError):
    """The API refused a call for good (bad token, bad rule, forbidden ...); names status and API message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _entities(v2: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        "hashtags": [{"text": h.get("tag", ""), "indices": [h.get("start"), h.get("end")]}
                     for h in v2.get("hashtags", [])],
        "user_mentions": [{"screen_name": m.get("username", ""), "id_str": m.get("id"),
                           "indices": [m.get("start"), m.get("end")]} for m in v2.get("mentions", [])],
        "urls": [{"url": u.get("url"), "expanded_url": u.get("expanded_url"), "display_url": u.get("display_url"),
                  "indices": [u.get("start"), u.get("end")]} for u in v2.get("urls", [])],
    }


def _user(v2: dict[str, Any] | None, author_id: str | None) -> dict[str, Any]:
    v2 = v2 or {}
    metrics = v2.get("public_metrics", {})
    user_id = v2.get("id", author_id)
    return {
        "id": int(user_id) if user_id and str(user_id).isdigit() else None,
        "id_str": user_id,
        "screen_name": v2.get("username"),
        "name": v2.get("name"),
        "location": v2.get("location"),
        "time_zone": None,
        "verified": bool(v2.get("verified", False)),
        "followers_count": metrics.get("followers_count", 0),
        "friends_count": metrics.get("following_count", 0),
        "listed_count": metrics.get("listed_count", 0),
        "statuses_count": metrics.get("tweet_count", 0),
        "favourites_count": metrics.get("like_count", 0),
    }


def v2_to_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """One v2 stream payload (``data`` + ``includes``) as a v1.1-shaped tweet with its author joined in.

    >>> t = v2_to_v1({"data": {"id": "1", "text": "hi @united", "author_id": "9",
    ...                        "created_at": "2015-02-24T19:35:52.000Z", "lang": "en"},
    ...               "includes": {"users": [{"id": "9", "username": "ann", "name": "Ann",
    ...                                       "public_metrics": {"following_count": 120}}]}})
    >>> t["created_at"], t["timestamp_ms"], t["user"]["screen_name"], t["user"]["friends_count"]
    ('Tue Feb 24 19:35:52 +0000 2015', '1424806552000', 'ann', 120)
    """
    data = payload["data"]
    users = {u.get("id"): u for u in payload.get("includes", {}).get("users", [])}
    created = data.get("created_at")
    when = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(UTC) if created else None
    metrics = data.get("public_metrics", {})
    tweet: dict[str, Any] = {
        "id": int(data["id"]),
        "id_str": str(data["id"]),
        "created_at": when.strftime(_TWITTER_TIME) if when else None,
        "timestamp_ms": str(int(when.timestamp() * 1000)) if when else None,
        "text": data.get("text", ""),
        "lang": data.get("lang"),
        "retweet_count": metrics.get("retweet_count", 0),
        "favorite_count": metrics.get("like_count", 0),
        "coordinates": None,
        "entities": _entities(data.get("entities", {})),
        "user": _user(users.get(data.get("author_id")), data.get("author_id")),
    }
    if "matching_rules" in payload:
        tweet["matching_rules"] = payload["matching_rules"]
    return tweet


def _api_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("title", "detail") if body.get(k)]
        parts += [str(e.get("message") or e.get("title")) for e in body.get("errors", []) if isinstance(e, dict)]
        if parts:
            return "; ".join(parts)[:300]
    return resp.text[:200]


class TwitterStream:
    """A client of the v2 filtered stream: rules management and a reconnecting tweet iterator.

    Args:
        bearer_token: an app's Bearer token; default ``$TWITTER_BEARER_TOKEN``.
        base_url: the API root (a local server in tests).
        read_timeout: seconds without a byte (Twitter sends a keep-alive every 20 s) that count as a
            dropped connection.
        max_reconnects: give up after this many reconnects in a row without a successful connection
            (``None``: never).
        network_backoff_step, network_backoff_max, http_backoff_start, http_backoff_max,
        rate_limit_backoff_start: the back-off schedule (module docs); tests shrink them.
        sleep: how to wait between reconnects (tests record the waits instead of sleeping).
    """

    def __init__(self, bearer_token: str | None = None, *, base_url: str = "https://api.twitter.com",
                 read_timeout: float = 30.0, max_reconnects: int | None = None,
                 network_backoff_step: float = 0.25, network_backoff_max: float = 16.0,
                 http_backoff_start: float = 5.0, http_backoff_max: float = 320.0,
                 rate_limit_backoff_start: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        token = bearer_token or os.environ.get("TWITTER_BEARER_TOKEN")
        if not token:
            raise ValueError("no Twitter API Bearer token: set TWITTER_BEARER_TOKEN (or pass bearer_token=)")
        self.base_url = base_url
        self.max_reconnects = max_reconnects
        self.network_backoff_step = network_backoff_step
        self.network_backoff_max = network_backoff_max
        self.http_backoff_start = http_backoff_start
        self.http_backoff_max = http_backoff_max
        self.rate_limit_backoff_start = rate_limit_backoff_start
        self.malformed_lines = 0
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                                  timeout=httpx.Timeout(10.0, read=read_timeout), transport=transport)

    def __repr__(self) -> str:
        return f"TwitterStream(base_url={self.base_url!r}, bearer_token='***')"

    def _check(self, resp: httpx.Response, what: str) -> dict[str, Any]:
        if resp.status_code >= 400:
            hint = " (check TWITTER_BEARER_TOKEN)" if resp.status_code in (401, 403) else ""
            raise TwitterAPIError(f"{what}: HTTP {resp.status_code}: {_api_message(resp)}{hint}", resp.status_code)
        body = resp.json()
        return body if isinstance(body, dict) else {}

    # -- rules -------------------------------------------------------------------------------------

    def get_rules(self) -> list[dict[str, Any]]:
        """The stream's current rules: ``[{"id": ..., "value": ..., "tag": ...}, ...]``."""
        return list(self._check(self._http.get(_RULES), "listing stream rules").get("data", []))

    def add_rules(self, rules: Sequence[dict[str, str] | str]) -> list[dict[str, Any]]:
        """Add rules (``"value"`` or ``{"value": ..., "tag": ...}``); returns them with their ids.

        Raises :class:`TwitterAPIError` listing the rules the API rejected.
        """
        payload = {"add": [{"value": r} if isinstance(r, str) else dict(r) for r in rules]}
        body = self._check(self._http.post(_RULES, json=payload), "adding stream rules")
        if body.get("errors"):
            problems = "; ".join(f"{e.get('value', '')!r}: {e.get('title') or e.get('message')}"
                                 for e in body["errors"])
            raise TwitterAPIError(f"stream rules rejected: {problems}")
        return list(body.get("data", []))

    def delete_rules(self, ids: Sequence[str]) -> None:
        """Delete rules by id."""
        if ids:
            self._check(self._http.post(_RULES, json={"delete": {"ids": list(ids)}}), "deleting stream rules")

    def set_rules(self, rules: Sequence[dict[str, str] | str]) -> list[dict[str, Any]]:
        """Replace all rules with ``rules``; returns the new ones with their ids."""
        self.delete_rules([r["id"] for r in self.get_rules()])
        return self.add_rules(rules)

    # -- the stream --------------------------------------------------------------------------------

    def stream(self) -> Iterator[dict[str, Any]]:
        """Tweets as they arrive (v1.1 shape), reconnecting with back-off; runs until closed or a final error."""
        params = {"expansions": "author_id", "user.fields": USER_FIELDS, "tweet.fields": TWEET_FIELDS}
        network = http = limited = failures = 0
        while True:
            kind = "network"
            detail = ""
            try:
                with self._http.stream("GET", _STREAM, params=params) as resp:
                    if resp.status_code == 200:
                        for line in resp.iter_lines():
                            # Only a stream that delivers (even a keep-alive) resets the back-off; one that
                            # drops at once keeps backing off.
                            network = http = limited = failures = 0
                            tweet = self._parse(line)
                            if tweet is not None:
                                yield tweet
                        detail = "the stream ended"
                    else:
                        resp.read()
                        detail = f"HTTP {resp.status_code}: {_api_message(resp)}"
                        if resp.status_code == 429:
                            kind = "rate-limit"
                        elif resp.status_code >= 500:
                            kind = "http"
                        else:
                            self._check(resp, "connecting to the filtered stream")
            except httpx.TransportError as exc:
                detail = f"{type(exc).__name__}: {exc}"
            failures += 1
            if self.max_reconnects is not None and failures > self.max_reconnects:
                raise TwitterAPIError(f"filtered stream: giving up after {self.max_reconnects} reconnects ({detail})")
            if kind == "rate-limit":
                delay = self.rate_limit_backoff_start * 2 ** limited
                limited += 1
            elif kind == "http":
                delay = min(self.http_backoff_max, self.http_backoff_start * 2 ** http)
                http += 1
            else:
                network += 1
                delay = min(self.network_backoff_max, self.network_backoff_step * network)
            log.warning("filtered stream disconnected (%s); reconnecting in %.2fs", detail, delay)
            self._sleep(delay)

    def _parse(self, line: str) -> dict[str, Any] | None:
        if not line.strip():
            return None  # keep-alive
        try:
            payload = orjson.loads(line)
        except orjson.JSONDecodeError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            try:
                return v2_to_v1(payload)
            except (KeyError, TypeError, ValueError):
                pass
        elif isinstance(payload, dict) and "errors" in payload:
            log.warning("filtered stream message: %s", str(payload["errors"])[:300])
            return None
        self.malformed_lines += 1
        log.warning("filtered stream: skipping a line that is not a tweet payload: %.200s", line)
        return None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> TwitterStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
