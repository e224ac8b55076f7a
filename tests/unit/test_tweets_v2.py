"""The Twitter API v2 filtered stream client against a local server that streams recorded lines."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from airstream.connectors.twitter_v2 import TwitterAPIError, TwitterStream

TOKEN = "AAAA-bearer-secret-token"


def payload(i: int) -> dict[str, Any]:
    return {
        "data": {"id": str(1000 + i), "text": f"@united #late flight {i}", "author_id": str(i % 2),
                 "created_at": "2015-02-24T19:35:52.000Z", "lang": "en",
                 "public_metrics": {"retweet_count": i},
                 "entities": {"mentions": [{"start": 0, "end": 7, "username": "united", "id": "1"}],
                              "hashtags": [{"start": 8, "end": 13, "tag": "late"}]}},
        "includes": {"users": [{"id": str(i % 2), "username": f"user{i % 2}", "name": f"User {i % 2}",
                                "location": "Boston",
                                "public_metrics": {"followers_count": 10, "following_count": 150 + i % 2,
                                                   "tweet_count": 7, "listed_count": 1, "like_count": 3}}]},
        "matching_rules": [{"id": "r1", "tag": "airlines"}],
    }


class StreamServer:
    """Serves the rules endpoints and plays one scripted plan per stream connection."""

    def __init__(self, plans: list[tuple[str, Any]]) -> None:
        self.plans = plans
        self.requests: list[tuple[str, str, dict[str, list[str]], str | None, bytes]] = []
        self.rules: dict[str, dict[str, str]] = {}
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> tuple[str, dict[str, list[str]]]:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((self.command, parts.path, parse_qs(parts.query),
                                        self.headers.get("Authorization"), body))
                return parts.path, parse_qs(parts.query)

            def do_POST(self) -> None:
                self._record()
                body = json.loads(server.requests[-1][4])
                if "delete" in body:
                    for rule_id in body["delete"]["ids"]:
                        server.rules.pop(rule_id, None)
                    self._json(200, {"meta": {"summary": {"deleted": len(body["delete"]["ids"])}}})
                    return
                added, errors = [], []
                for rule in body["add"]:
                    if "(" in rule["value"] and ")" not in rule["value"]:
                        errors.append({"value": rule["value"], "title": "UnprocessableEntity"})
                        continue
                    rule = {"id": str(len(server.rules) + 100), **rule}
                    server.rules[rule["id"]] = rule
                    added.append(rule)
                self._json(200, {"data": added, "errors": errors} if errors else {"data": added})

            def do_GET(self) -> None:
                path, _ = self._record()
                if path.endswith("/rules"):
                    self._json(200, {"data": list(server.rules.values())} if server.rules
                               else {"meta": {"result_count": 0}})
                    return
                kind, arg = server.plans.pop(0) if server.plans else ("status", 503)
                if kind == "status":
                    self._json(arg, {"title": "Scripted", "detail": f"status {arg}"})
                    return
                lines, ending = arg
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for line in lines:
                    data = (line + "\r\n").encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                if ending == "drop":
                    self.close_connection = True  # no terminating chunk: the client sees a broken stream
                    return
                server.stopping.wait(10)
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> StreamServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def lines(*items: int | str) -> list[str]:
    return [json.dumps(payload(i)) if isinstance(i, int) else i for i in items]


def client(server: StreamServer, sleeps: list[float], **kwargs: Any) -> TwitterStream:
    return TwitterStream(TOKEN, base_url=server.url, sleep=sleeps.append, read_timeout=5, **kwargs)


def take(it: Iterator[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [next(it) for _ in range(n)]


def test_streams_tweets_across_drops_errors_and_rate_limits(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    plans = [
        ("stream", (lines(0, "", 1), "drop")),
        ("status", 503),
        ("status", 503),
        ("status", 429),
        ("stream", (lines(2, "", 3, 4), "hold")),
    ]
    sleeps: list[float] = []
    with StreamServer(plans) as server:
        stream = client(server, sleeps)
        it = stream.stream()
        got = take(it, 5)
        it.close()
        stream.close()
    assert [t["id_str"] for t in got] == ["1000", "1001", "1002", "1003", "1004"]
    assert sleeps == [0.25, 5.0, 10.0, 60.0]
    stream_calls = [r for r in server.requests if r[1] == "/2/tweets/search/stream"]
    assert len(stream_calls) == 5
    for _, _, query, auth, _ in stream_calls:
        assert auth == f"Bearer {TOKEN}"
        assert query["expansions"] == ["author_id"]
        assert "public_metrics" in query["user.fields"][0] and "username" in query["user.fields"][0]
    t = got[1]
    assert t["user"] == {"id": 1, "id_str": "1", "screen_name": "user1", "name": "User 1", "location": "Boston",
                         "time_zone": None, "verified": False, "followers_count": 10, "friends_count": 151,
                         "listed_count": 1, "statuses_count": 7, "favourites_count": 3}
    assert t["created_at"] == "Tue Feb 24 19:35:52 +0000 2015" and t["retweet_count"] == 1
    assert t["entities"]["hashtags"] == [{"text": "late", "indices": [8, 13]}]
    assert t["entities"]["user_mentions"][0]["screen_name"] == "united"
    assert t["matching_rules"] == [{"id": "r1", "tag": "airlines"}]
    assert TOKEN not in caplog.text


def test_network_backoff_grows_linearly_and_caps() -> None:
    sleeps: list[float] = []
    with StreamServer([("stream", ([], "drop"))] * 6 + [("stream", (lines(7), "hold"))]) as server:
        stream = client(server, sleeps, network_backoff_step=1.0, network_backoff_max=4.0)
        it = stream.stream()
        assert next(it)["id_str"] == "1007"
        it.close()
        stream.close()
    assert sleeps == [1.0, 2.0, 3.0, 4.0, 4.0, 4.0]


def test_gives_up_after_max_reconnects() -> None:
    sleeps: list[float] = []
    with (StreamServer([("status", 503)] * 5) as server, client(server, sleeps, max_reconnects=2) as stream,
          pytest.raises(TwitterAPIError, match=r"giving up after 2 reconnects.*503")):
        next(stream.stream())
    assert sleeps == [5.0, 10.0]


@pytest.mark.parametrize("status", [401, 403, 400])
def test_final_http_errors_are_not_retried_and_hide_the_token(status: int) -> None:
    sleeps: list[float] = []
    with (StreamServer([("status", status)]) as server, client(server, sleeps) as stream,
          pytest.raises(TwitterAPIError, match=f"HTTP {status}: Scripted") as info):
        next(stream.stream())
    assert sleeps == [] and info.value.status == status
    assert TOKEN not in str(info.value) and TOKEN not in repr(stream)


def test_malformed_lines_are_counted_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    bad = ["{not json", json.dumps({"errors": [{"title": "operational-disconnect"}]}), json.dumps({"data": "x"})]
    with StreamServer([("stream", (bad + lines(1), "hold"))]) as server, client(server, []) as stream:
        it = stream.stream()
        assert next(it)["id_str"] == "1001"
        it.close()
    assert stream.malformed_lines == 2
    assert "operational-disconnect" in caplog.text


def test_rules_management() -> None:
    with StreamServer([]) as server, client(server, []) as stream:
        assert stream.get_rules() == []
        added = stream.add_rules(["@united", {"value": "@Delta lang:en", "tag": "delta"}])
        assert [r["value"] for r in added] == ["@united", "@Delta lang:en"]
        assert stream.get_rules() == added
        new = stream.set_rules([{"value": "@JetBlue", "tag": "jb"}])
        assert stream.get_rules() == new and new[0]["tag"] == "jb"
        with pytest.raises(TwitterAPIError, match=r"rejected.*UnprocessableEntity"):
            stream.add_rules(["(broken"])
    assert all(auth == f"Bearer {TOKEN}" for _, _, _, auth, _ in server.requests)


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWITTER_BEARER_TOKEN", raising=False)
    with pytest.raises(ValueError, match="TWITTER_BEARER_TOKEN"):
        TwitterStream()
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", TOKEN)
    stream = TwitterStream()
    assert TOKEN not in repr(stream) and "***" in repr(stream)
    stream.close()
