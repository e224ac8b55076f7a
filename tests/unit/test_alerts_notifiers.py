"""Notifiers against a real HTTP server on 127.0.0.1: webhook (httpx), Slack Web API and incoming
webhook (slack_sdk, with its 429 retry handler), the log, and the dispatcher's once-per-state and
rate-limit rules."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from airstream.monitor.alerts import AlertEvent, AlertState
from airstream.monitor.notifiers import (
    Dispatcher,
    LogNotifier,
    NotifyError,
    SlackNotifier,
    WebhookNotifier,
    build_dispatcher,
)
from airstream.monitor.rules import parse_rules


@dataclass
class Receiver:
    """A local HTTP server that records requests and answers from a script of (status, body, headers)."""

    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    script: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, answer, headers = state.script.pop(0) if state.script else (200, b'{"ok": true}', {})
            self.send_response(status)
            for k, v in {"content-type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def event(state: AlertState = AlertState.FIRING, subject: str = "scorer", rule: str = "behind") -> AlertEvent:
    return AlertEvent(rule, "group", subject, state, "critical", 1500.0, "lag 1500 above 1000", 100.0, 90.0,
                      {"team": "data"})


def test_webhook_posts_the_batch_as_json(receiver: Receiver) -> None:
    hook = WebhookNotifier("hook", receiver.url + "/alerts?key=s3cret", headers={"authorization": "Bearer tok"})
    hook.send([event(), event(AlertState.RESOLVED, "audit")])
    path, headers, body = receiver.requests[0]
    assert path == "/alerts?key=s3cret" and headers["authorization"] == "Bearer tok"
    doc = json.loads(body)
    assert doc["source"] == "airmon"
    assert [(a["subject"], a["state"], a["severity"], a["labels"]) for a in doc["alerts"]] == [
        ("scorer", "firing", "critical", {"team": "data"}), ("audit", "resolved", "critical", {"team": "data"})]
    assert "s3cret" not in repr(hook)


def test_webhook_failure_names_the_notifier_but_not_the_secret_path(receiver: Receiver) -> None:
    receiver.script.append((500, b"boom", {}))
    hook = WebhookNotifier("hook", receiver.url + "/alerts/T0KEN")
    with pytest.raises(NotifyError, match=r"webhook 'hook' to http://127.0.0.1:\d+ answered HTTP 500") as info:
        hook.send([event()])
    assert "T0KEN" not in str(info.value)
    unreachable = WebhookNotifier("hook", "http://127.0.0.1:9/alerts/T0KEN", timeout=2)
    with pytest.raises(NotifyError, match="ConnectError") as info:
        unreachable.send([event()])
    assert "T0KEN" not in str(info.value)


def test_webhook_secret_path_and_token_reach_no_log_record_even_at_debug(
        receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.script.append((500, b"boom", {}))
    hook = WebhookNotifier("hook", receiver.url + "/services/T0/B0/PATHSECRET?token=TOKSECRET&team=a b")
    with pytest.raises(NotifyError) as info:
        hook.send([event()])
    assert receiver.requests[0][0].startswith("/services/T0/B0/PATHSECRET?token=TOKSECRET")  # it was sent
    http_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert http_lines == [f'HTTP Request: POST {receiver.url}/*** "HTTP/1.0 500 Internal Server Error"']
    for text in [*(r.getMessage() for r in caplog.records), caplog.text, str(info.value), repr(hook)]:
        assert "PATHSECRET" not in text and "TOKSECRET" not in text
    assert str(info.value) == f"webhook 'hook' to {receiver.url} answered HTTP 500"


def test_slack_web_api_posts_to_the_channel_and_retries_after_429(receiver: Receiver) -> None:
    receiver.script.append((429, b'{"ok": false, "error": "ratelimited"}', {"Retry-After": "0"}))
    slack = SlackNotifier("ops", token="xoxb-test-token", channel="#kafka", base_url=receiver.url + "/api")
    slack.send([event(), event(AlertState.RESOLVED, "audit")])
    assert len(receiver.requests) == 2  # the 429, then the retry
    path, headers, body = receiver.requests[-1]
    assert path == "/api/chat.postMessage" and headers["authorization"] == "Bearer xoxb-test-token"
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()} if body[:1] != b"{" else json.loads(body)
    assert form["channel"] == "#kafka"
    assert form["text"].splitlines() == [
        ":rotating_light: *FIRING* `critical` *behind* (group `scorer`): lag 1500 above 1000",
        ":white_check_mark: *RESOLVED* `critical` *behind* (group `audit`): lag 1500 above 1000"]
    assert "xoxb" not in repr(slack)


def test_slack_api_error_is_a_clear_notify_error(receiver: Receiver) -> None:
    receiver.script.append((200, b'{"ok": false, "error": "channel_not_found"}', {}))
    slack = SlackNotifier("ops", token="xoxb-test-token", channel="#nope", base_url=receiver.url + "/api/")
    with pytest.raises(NotifyError, match=r"slack 'ops': chat\.postMessage failed: channel_not_found"):
        slack.send([event()])


def test_slack_incoming_webhook(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slack = SlackNotifier("ops", webhook_url=receiver.url + "/services/T000/B000/XXXX")
    slack.send([event()])
    assert "XXXX" not in caplog.text  # the webhook URL is a secret, even in debug logs
    path, _, body = receiver.requests[0]
    assert path == "/services/T000/B000/XXXX" and "behind" in json.loads(body)["text"]
    assert "XXXX" not in repr(slack)
    receiver.script.append((404, b"no_service", {}))
    with pytest.raises(NotifyError, match="webhook answered HTTP 404") as info:
        slack.send([event()])
    assert "XXXX" not in str(info.value)


def test_log_notifier_levels(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="airmon.alerts"):
        LogNotifier("console").send([event(), event(AlertState.RESOLVED)])
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, "FIRING critical behind [group scorer]: lag 1500 above 1000"),
        (logging.INFO, "RESOLVED critical behind [group scorer]: lag 1500 above 1000")]


class Recorder:
    def __init__(self, name: str, fail: int = 0) -> None:
        self.name, self.fail, self.batches = name, fail, []  # type: ignore[var-annotated]

    def send(self, events: list[AlertEvent]) -> None:
        if self.fail:
            self.fail -= 1
            raise NotifyError(f"{self.name} is down")
        self.batches.append([(e.subject, e.state.value) for e in events])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_dispatcher_tells_each_state_once_and_rate_limits_into_batches() -> None:
    rec, clock = Recorder("ops"), Clock()
    d = Dispatcher({"ops": rec}, {"behind": ["ops"]}, {"ops": 30.0}, clock=clock)
    d.deliver([event(subject="a")])
    d.deliver([event(subject="a")])                    # same open alert again: not repeated
    clock.now = 10
    d.deliver([event(subject="b"), event(AlertState.RESOLVED, "a")])   # inside the 30 s: held back
    assert rec.batches == [[("a", "firing")]] and d.pending == {"ops": 2}
    clock.now = 31
    d.flush()
    assert rec.batches[1] == [("b", "firing"), ("a", "resolved")] and d.pending == {}
    clock.now = 100
    d.deliver([event(subject="a")])                    # a new firing after the resolve is news again
    assert rec.batches[2] == [("a", "firing")]


def test_dispatcher_keeps_events_when_a_send_fails_and_retries() -> None:
    rec = Recorder("hook", fail=1)
    d = Dispatcher({"hook": rec}, {"behind": ["hook"]})
    assert d.deliver([event()]) == ["hook is down"]
    assert d.pending == {"hook": 1}
    assert d.flush() == [] and rec.batches == [[("scorer", "firing")]]


def test_dispatcher_routes_by_rule_and_force_flushes() -> None:
    a, b, clock = Recorder("a"), Recorder("b"), Clock()
    d = Dispatcher({"a": a, "b": b}, {"behind": ["a", "b"], "other": ["b"]}, {"b": 60.0}, clock=clock)
    d.deliver([event(rule="behind")])
    d.deliver([event(rule="other")])
    assert (a.batches, b.batches) == ([[("scorer", "firing")]], [[("scorer", "firing")]])
    assert d.pending == {"b": 1}
    d.flush(force=True)
    assert len(b.batches) == 2


def test_build_dispatcher_from_rules(receiver: Receiver) -> None:
    rules = parse_rules({
        "notifiers": {"hook": {"type": "webhook", "url": receiver.url + "/h", "min_interval": "1m"},
                      "console": {"type": "log"}},
        "rules": [{"name": "behind", "kind": "group_lag", "above": 1, "notify": ["hook", "console"]}]})
    d = build_dispatcher(rules)
    assert d.min_intervals == {"hook": 60.0, "console": 0.0}
    assert d.deliver([event()]) == []
    assert receiver.requests[0][0] == "/h"
