"""The local model server: CML protocol, VADER answers, key checks, seeded fault injection, CLI."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from cli_support import NOWHERE, one_line, run_module
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from airstream.connectors.model_server import ModelServer, sentiment_of

SENTENCES = [
    "@united lost my bag again, worst airline ever",
    "@VirginAmerica thank you, the crew was wonderful!",
    "@JetBlue flight 123 departs at 5pm",
    "",
    "Très bien, merci @AmericanAir ✈️",
]


@pytest.fixture
def server() -> Iterator[ModelServer]:
    with ModelServer(access_key="the-access-key") as s:
        yield s


def post(url: str, body: object, **headers: str) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=5)


@pytest.mark.parametrize(("compound", "label"), [
    (-1.0, "Negative"), (-0.0001, "Negative"), (0.0, "Neutral"), (0.0001, "Positive"), (1.0, "Positive"),
])
def test_label_rule(compound: float, label: str) -> None:
    assert sentiment_of(compound) == label


def test_answers_vader_scores_in_cml_shape(server: ModelServer) -> None:
    vader = SentimentIntensityAnalyzer()
    labels = set()
    for sentence in SENTENCES:
        resp = post(server.url, {"accessKey": "the-access-key", "request": {"sentence": sentence}})
        assert resp.status_code == 200
        body = resp.json()
        assert body["success"] is True
        compound = vader.polarity_scores(sentence)["compound"]
        assert body["response"] == {"polarity": compound, "sentiment": sentiment_of(compound)}
        labels.add(body["response"]["sentiment"])
    assert labels == {"Positive", "Negative", "Neutral"}


@pytest.mark.parametrize("body", [
    {"request": {"sentence": "hi"}},
    {"accessKey": "wrong", "request": {"sentence": "hi"}},
    {"accessKey": None, "request": {"sentence": "hi"}},
])
def test_rejects_missing_or_unknown_access_key(server: ModelServer, body: dict) -> None:
    resp = post(server.url, body)
    assert resp.status_code == 401
    assert resp.json()["success"] is False
    assert "accessKey" in resp.json()["error"]
    assert server.stats.scored == 0


@pytest.mark.parametrize("body", [
    {"accessKey": "the-access-key"},
    {"accessKey": "the-access-key", "request": {"text": "hi"}},
    {"accessKey": "the-access-key", "request": {"sentence": 42}},
    ["not", "an", "object"],
])
def test_rejects_requests_without_a_sentence(server: ModelServer, body: object) -> None:
    resp = post(server.url, body)
    assert resp.status_code == 400
    assert resp.json()["success"] is False


def test_rejects_non_json(server: ModelServer) -> None:
    resp = httpx.post(server.url, content=b"{nope", timeout=5)
    assert resp.status_code == 400 and "JSON" in resp.json()["error"]


def test_api_key_check() -> None:
    with ModelServer(access_key="a", api_key="the-api-key") as s:
        good = {"accessKey": "a", "request": {"sentence": "fine"}}
        assert post(s.url, good).status_code == 401
        assert post(s.url, good, Authorization="Bearer nope").status_code == 403
        assert post(s.url, good, Authorization="Bearer the-api-key").status_code == 200


def test_any_access_key_when_none_configured() -> None:
    with ModelServer() as s:
        assert post(s.url, {"accessKey": "whatever", "request": {"sentence": "ok"}}).status_code == 200


def statuses(fail_rate: float, seed: int, n: int = 200) -> tuple[list[int], ModelServer]:
    s = ModelServer(fail_rate=fail_rate, seed=seed)
    s.start()
    try:
        with httpx.Client(timeout=5) as http:
            got = [http.post(s.url, json={"accessKey": "k", "request": {"sentence": "x"}}).status_code
                   for _ in range(n)]
    finally:
        s.stop()
    return got, s


def test_fail_rate_is_seeded_and_counted() -> None:
    first, s = statuses(0.3, seed=11)
    again, _ = statuses(0.3, seed=11)
    other, _ = statuses(0.3, seed=12)
    assert first == again
    assert first != other
    assert set(first) == {200, 500}
    assert first.count(500) == s.stats.injected_failures
    assert first.count(200) == s.stats.scored
    assert 0.15 < first.count(500) / len(first) < 0.45


def test_timeout_rate_hangs_past_the_client_timeout() -> None:
    with ModelServer(timeout_rate=1.0, hang_seconds=5) as s:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(s.url, json={"accessKey": "k", "request": {"sentence": "x"}}, timeout=0.3)
        assert s.stats.injected_hangs == 1
    # stop() ended the hang early instead of waiting hang_seconds.


@pytest.mark.parametrize("kwargs", [{"fail_rate": 1.5}, {"timeout_rate": -0.1},
                                    {"fail_rate": 0.6, "timeout_rate": 0.6}, {"latency_ms": -1}])
def test_rejects_bad_fault_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"rate|latency"):
        ModelServer(**kwargs)


def test_repr_hides_keys() -> None:
    s = ModelServer(access_key="secret-access", api_key="secret-api")
    assert "secret" not in repr(s)
    assert "***" in repr(s)


def test_cli_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "airstream.cli", "model-server", "--port", "0", "--access-key", "cli-key"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/model)", line)
        assert match, line
        assert "cli-key" not in line
        resp = post(match.group(1), {"accessKey": "cli-key", "request": {"sentence": "awful delay"}})
        assert resp.json()["response"]["sentiment"] == "Negative"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_rejects_bad_rates(capsys: pytest.CaptureFixture[str]) -> None:
    from airstream.cli import main

    assert main(["model-server", "--fail-rate", "2"]) == 2
    assert "fail_rate must be between 0 and 1" in capsys.readouterr().err


def test_bad_content_length(server: ModelServer) -> None:
    import socket

    host, port = server.url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /model HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert sock.recv(200).startswith(b"HTTP/1.1 400")


def test_status_says_what_the_server_is_doing() -> None:
    with ModelServer(access_key="k", fail_rate=0.5, seed=3) as s, httpx.Client(timeout=5) as http:
        answers = [http.post(s.url, json={"accessKey": "k", "request": {"sentence": "late again"}}).status_code
                   for _ in range(20)]
        http.post(s.url, json={"accessKey": "wrong", "request": {"sentence": "x"}})
        status = http.get(s.url + "/status").json()  # on the same kept-alive connection: one worker
    assert status["success"] is True and status["status"] == "running"
    assert (status["model"], status["version"]) == ("vader-sentiment", importlib.metadata.version("vaderSentiment"))
    assert status["requests"] == {"total": 21, "scored": answers.count(200), "rejected": 1,
                                  "failed": answers.count(500), "hung": 0}
    latency = status["latency_ms"]
    assert latency["samples"] == answers.count(200) and 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert status["workers"] == 1 and status["memory_mib"] > 10 and status["uptime_s"] >= 0


def test_status_needs_the_api_key_as_scoring_does() -> None:
    with ModelServer(api_key="the-api-key") as s:
        assert httpx.get(s.url + "/status", timeout=5).status_code == 401
        assert httpx.get(s.url + "/status", headers={"Authorization": "Bearer the-api-key"}, timeout=5).json()[
            "status"] == "running"
        assert "GET /model/status" in httpx.get(s.url, timeout=5).json()["error"]  # 405 says where status is


def test_cli_status_prints_one_line_and_json() -> None:
    with ModelServer(access_key="k") as s:
        url = s.url
        post(url, {"accessKey": "k", "request": {"sentence": "thanks!"}})
        line = run_module("airstream.cli", "model-server", "status", url)
        as_json = run_module("airstream.cli", "model-server", "status", url, "--json")
    assert line.returncode == 0, line.stderr
    assert re.fullmatch(rf"vader-sentiment \S+ at {re.escape(url)}: running, up [\d.]+ s, \d+ worker\(s\), "
                        r"[\d.]+ MiB; 1 request\(s\): 1 scored, 0 rejected, 0 failed, 0 hung; "
                        r"latency p50/p95/p99 [\d.]+/[\d.]+/[\d.]+ ms over 1\n", line.stdout)
    assert json.loads(as_json.stdout)["requests"]["scored"] == 1


def test_cli_status_of_an_endpoint_without_one_says_so_in_one_line() -> None:
    with ModelServer() as s:
        missing = run_module("airstream.cli", "model-server", "status", s.url.replace("/model", "/v1/predict"))
    assert missing.returncode == 1
    assert one_line(missing).startswith("airstream model-server status: http://127.0.0.1:")
    assert "answered HTTP 404" in missing.stderr and "a CML workspace's model serves no status" in missing.stderr
    unreachable = run_module("airstream.cli", "model-server", "status", f"http://{NOWHERE}/model")
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:1/model/status" in one_line(unreachable)
    assert run_module("airstream.cli", "model-server", "status").returncode == 2
