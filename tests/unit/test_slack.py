"""SlackSink against a local server standing in for Slack: exact messages, 429/5xx retries, clear errors."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from airstream.common.sink import Dataset
from airstream.connectors.slack import SlackAuthError, SlackChannelError, SlackSink, SlackSinkError, SlackTemplateError

TOKEN = "xoxb-1111-2222-secret"
HOOK_PATH = "/services/T000/B000/hooksecret"
TEMPLATE = "{screen_name} ({friendscount} friends): {tweettext}"


class FakeSlack:
    """Records every request; answers from a script of (status, headers, body), then with success."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                      "body": json.loads(raw) if raw.startswith(b"{") else raw.decode()})
                if fake.script:
                    status, headers, body = fake.script.pop(0)
                elif self.path.startswith("/services/"):
                    status, headers, body = 200, {}, "ok"
                else:
                    status, headers, body = 200, {}, {"ok": True, "channel": "C1", "ts": "1.1"}
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def posted(self) -> list[str]:
        return [r["body"]["text"] for r in self.requests]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def bot(slack: FakeSlack, **kwargs: Any) -> SlackSink:
    return SlackSink(token=TOKEN, channel="#influencer-alerts", template=TEMPLATE, base_url=f"{slack.url}/api/",
                     backoff=0.01, **kwargs)


RECORDS = [{"screen_name": f"user{i}", "friendscount": 100 + i, "tweettext": f"lost bag #{i} ✈️", "extra": i}
           for i in range(5)]


def test_bot_posts_exactly_the_rendered_messages(slack: FakeSlack) -> None:
    report = bot(slack).send_batch(RECORDS)
    assert report.sent == 5 and report.failed == []
    assert slack.posted() == [f"user{i} ({100 + i} friends): lost bag #{i} ✈️" for i in range(5)]
    for r in slack.requests:
        assert r["path"] == "/api/chat.postMessage"
        assert r["auth"] == f"Bearer {TOKEN}"
        assert r["body"]["channel"] == "#influencer-alerts"


def test_webhook_posts_exactly_the_rendered_messages(slack: FakeSlack) -> None:
    sink = SlackSink(webhook_url=slack.url + HOOK_PATH, template="{tweettext}", backoff=0.01)
    sink.send_batch(RECORDS[:3])
    assert slack.posted() == [r["tweettext"] for r in RECORDS[:3]]
    assert all(r["path"] == HOOK_PATH and r["auth"] is None for r in slack.requests)


def test_rate_limit_waits_for_retry_after_and_retries(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slack.script = [(429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})]
    bot(slack).send(RECORDS[0])
    assert slack.posted() == ["user0 (100 friends): lost bag #0 ✈️"] * 2  # the same message, tried twice
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_a_bounded_number_of_times(slack: FakeSlack, status: int) -> None:
    slack.script = [(status, {}, {"ok": False, "error": "fatal_error"})] * 2
    bot(slack).send(RECORDS[1])
    assert len(slack.requests) == 3
    slack.requests.clear()
    slack.script = [(status, {}, {"ok": False, "error": "fatal_error"})] * 10
    with pytest.raises(SlackSinkError, match=f"HTTP {status}"):
        bot(slack, retries=2).send(RECORDS[1])
    assert len(slack.requests) == 3


def test_invalid_token_is_a_clear_error_without_the_token(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slack.script = [(200, {}, {"ok": False, "error": "invalid_auth"})]
    with pytest.raises(SlackAuthError, match=r"SLACK_BOT_TOKEN.*invalid_auth") as info:
        bot(slack).send_batch(RECORDS)
    assert len(slack.requests) == 1  # not retried, and the batch stopped
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text and TOKEN not in repr(bot(slack))


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel"])
def test_channel_errors_name_the_channel(slack: FakeSlack, error: str) -> None:
    slack.script = [(200, {}, {"ok": False, "error": error})]
    with pytest.raises(SlackChannelError, match=f"'#influencer-alerts': {error}.*invite"):
        bot(slack).send(RECORDS[0])


def test_webhook_errors_hide_the_url(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slack.script = [(403, {}, "invalid_token")]
    sink = SlackSink(webhook_url=slack.url + HOOK_PATH, backoff=0.01)
    with pytest.raises(SlackAuthError, match="SLACK_WEBHOOK_URL") as info:
        sink.send({"text": "x"})
    slack.script = [(404, {}, "channel_not_found")]
    with pytest.raises(SlackChannelError):
        sink.send({"text": "x"})
    for text in (str(info.value), repr(sink), caplog.text):
        assert "hooksecret" not in text
    assert "hooksecret" in slack.requests[0]["path"]  # it really was used


def test_unreachable_slack_after_retries(caplog: pytest.LogCaptureFixture) -> None:
    sink = SlackSink(token=TOKEN, channel="#c", base_url="http://127.0.0.1:1/api/", retries=1, backoff=0.01)
    with pytest.raises(SlackSinkError, match="cannot reach Slack for channel '#c'") as info:
        sink.send({"text": "x"})
    assert TOKEN not in str(info.value)


def test_per_record_failures_are_reported_not_raised(slack: FakeSlack) -> None:
    slack.script = [(200, {}, {"ok": False, "error": "msg_too_long"})]
    report = bot(slack).send_batch(RECORDS[:3])
    assert report.sent == 2 and [i for i, _ in report.failed] == [0]
    assert "msg_too_long" in report.failed[0][1]


def test_template_errors() -> None:
    sink = SlackSink(webhook_url="https://hooks.example/x", template="{user[screen_name]}: {tweettext}")
    assert sink.render({"user": {"screen_name": "ann"}, "tweettext": "hi"}) == "ann: hi"
    with pytest.raises(SlackTemplateError, match=r"needs field 'tweettext'.*it has: user"):
        sink.render({"user": {"screen_name": "ann"}})
    for bad in ("{unclosed", "{} positional"):
        with pytest.raises(SlackTemplateError, match="template"):
            SlackSink(webhook_url="https://hooks.example/x", template=bad)


def test_credentials_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    with pytest.raises(SlackSinkError, match="SLACK_BOT_TOKEN"):
        SlackSink()
    with pytest.raises(SlackSinkError, match="needs a channel"):
        SlackSink(token=TOKEN)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    assert "***" in repr(SlackSink(channel="#c")) and TOKEN not in repr(SlackSink(channel="#c"))


def sink_records(values: list[dict]) -> list:
    from airstream.common.sink import SinkRecord

    return [SinkRecord(topic="influencer-alerts", partition=i % 2, offset=10 + i, timestamp=0, key=str(i), value=v)
            for i, v in enumerate(values)]


def test_engine_contract_posts_flushes_and_rejects(slack: FakeSlack) -> None:
    from airstream.common.sink import RejectedRecords, Sink

    sink = bot(slack)
    assert isinstance(sink, Sink)
    values = [RECORDS[0], {"screen_name": "no-text"}, RECORDS[2], RECORDS[3]]
    slack.script = [(200, {}, {"ok": True}), (200, {}, {"ok": False, "error": "msg_too_long"})]
    with pytest.raises(RejectedRecords) as info:
        sink.write(sink_records(values))
    reasons = {r.record.offset: r.reason for r in info.value.rejected}
    assert set(reasons) == {11, 12}
    assert "needs field 'friendscount'" in reasons[11] and "msg_too_long" in reasons[12]
    assert slack.posted()[-1] == "user3 (103 friends): lost bag #3 ✈️"
    assert sink.flush() == {("influencer-alerts", 0): 13, ("influencer-alerts", 1): 14}
    sink.release([("influencer-alerts", 0)])
    assert sink.flush() == {("influencer-alerts", 1): 14}
    assert TOKEN not in sink.describe() and "#influencer-alerts" in sink.describe()
    assert sink.lineage() == [Dataset("slack_channel", "#influencer-alerts", namespace="slack")]


def test_engine_contract_stops_on_bad_token(slack: FakeSlack) -> None:
    slack.script = [(200, {}, {"ok": False, "error": "invalid_auth"})]
    sink = bot(slack)
    with pytest.raises(SlackAuthError):
        sink.write(sink_records(RECORDS[:3]))
    assert sink.flush() == {}
    assert len(slack.requests) == 1
