"""The connectors composed as the CloudAir pipeline will use them, without the DSL: replay -> score -> route -> Slack.

With the model server failing 30% of calls and hanging on 5%, every tweet ends up scored or failed (the
counts add up exactly), the SQL routes hold exactly what DuckDB selects directly, and Slack receives
exactly the influencer-negative tweets.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from airstream.connectors.cml import CMLClient
from airstream.connectors.model_server import ModelServer
from airstream.connectors.slack import SlackSink
from airstream.connectors.sql_router import SqlRouter
from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay

ROUTES = {
    "all": "SELECT * FROM FLOWFILE",
    "negative": "SELECT * FROM FLOWFILE WHERE airlinesentiment = 'Negative'",
    "influencers": "SELECT * FROM FLOWFILE WHERE airlinesentiment = 'Negative' AND friendscount > 100",
    "cloudair": "SELECT * FROM FLOWFILE "
                "WHERE UPPER(tweettext) LIKE '%CLOUDERAAIR%' OR UPPER(tweettext) LIKE '%CLOUD%AIR%'",
}


def flatten(t: dict) -> dict:
    u = t["user"]
    return {"tweetid": t["id_str"], "tweettext": t["text"], "createdat": t["created_at"],
            "hashtags": " ".join(h["text"] for h in t["entities"]["hashtags"]), "location": u["location"],
            "followerscount": u["followers_count"], "friendscount": u["friends_count"],
            "retweetcount": t["retweet_count"], "name": hashlib.sha256(u["name"].encode()).hexdigest()}


class Webhook:
    def __init__(self) -> None:
        self.texts: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                hook.texts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T/B/x"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def test_replay_score_route_alert_adds_up(tmp_path: Path) -> None:
    hook = Webhook()
    slack = SlackSink(webhook_url=hook.url, template="{tweetid}")
    router = SqlRouter(ROUTES, sample=[{**flatten(t), "airlinesentiment": "x", "airlinepolarity": 0.5}
                                       for t in TweetReplay(SAMPLE_CSV, limit=5)])
    tweets = scored = 0
    failed: list[tuple[str, str]] = []
    routed: dict[str, list[dict]] = {name: [] for name in ROUTES}
    everything: list[dict] = []
    with ModelServer(access_key="k", fail_rate=0.3, timeout_rate=0.05, hang_seconds=5, seed=42) as server, \
            CMLClient(server.url, "k", concurrency=16, timeout=1.0, retries=2, backoff=0.01, seed=1) as cml:
        for batch in TweetReplay(SAMPLE_CSV).batches(100):
            tweets += len(batch)
            records = [flatten(t) for t in batch]
            ok = []
            results = cml.score_batch([{"sentence": r["tweettext"]} for r in records])
            for record, result in zip(records, results, strict=True):
                if result.ok:
                    ok.append({**record, "airlinesentiment": result.response["sentiment"],
                               "airlinepolarity": result.response["polarity"]})
                else:
                    failed.append((record["tweetid"], result.reason))
            scored += len(ok)
            everything.extend(ok)
            for name, matched in router.split(ok).items():
                routed[name].extend(matched)
            slack.send_batch(router.split(ok)["influencers"])
        injected = server.stats.injected_failures + server.stats.injected_hangs
    assert tweets == 500
    assert scored + len(failed) == tweets
    assert failed, "with 35% faults and 2 retries, some records should fail"
    assert all("HTTP 500" in reason or "timed out" in reason for _, reason in failed)
    assert injected > len(failed)  # most faults were absorbed by retries
    path = tmp_path / "scored.json"
    path.write_text(json.dumps(everything))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW FLOWFILE AS SELECT * FROM read_json_auto('{path}')")
    for name, sql in ROUTES.items():
        direct = sorted(r[0] for r in con.execute(f"SELECT tweetid FROM ({sql})").fetchall())
        assert sorted(r["tweetid"] for r in routed[name]) == direct, name
    assert len(routed["all"]) == scored
    assert sorted(hook.texts) == sorted(r["tweetid"] for r in routed["influencers"])
    assert 0 < len(hook.texts) < len(routed["negative"])
    hook.httpd.shutdown()
