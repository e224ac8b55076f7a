"""CMLClient against the local model server (and scripted answers): results, retries, breaker, secrets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest

from airstream.connectors.cml import CircuitBreaker, CircuitOpenError, CMLClient, CMLError, ScoreResult
from airstream.connectors.model_server import ModelServer

ACCESS = "acc-7f3a-secret"
API = "api-91bc-secret"
TEXTS = [f"@united flight {i} was {'awful' if i % 3 == 0 else 'great' if i % 3 == 1 else 'at noon'}"
         for i in range(60)]


@pytest.fixture
def server() -> Iterator[ModelServer]:
    with ModelServer(access_key=ACCESS, api_key=API) as s:
        yield s


def scripted(answers: list[httpx.Response | Exception], seen: list[httpx.Request]) -> httpx.MockTransport:
    """A transport that answers each request with the next scripted response (the last one repeats)."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle)


OK = httpx.Response(200, json={"success": True, "response": {"sentiment": "Neutral", "polarity": 0.0}})


def test_score_batch_returns_the_models_answers_in_order(server: ModelServer) -> None:
    with CMLClient(server.url, ACCESS, API, concurrency=8) as cml:
        results = cml.score_batch([{"sentence": t} for t in TEXTS])
    assert [r.response for r in results] == [server.predict(t) for t in TEXTS]
    assert all(r.ok and r.attempts == 1 and r.reason is None for r in results)
    assert server.stats.scored == len(TEXTS)


def test_sends_access_key_in_body_and_api_key_as_bearer() -> None:
    seen: list[httpx.Request] = []
    with CMLClient("http://model.test/model", ACCESS, API, transport=scripted([OK], seen)) as cml:
        assert cml.score({"sentence": "hello"}) == {"sentiment": "Neutral", "polarity": 0.0}
    assert orjson.loads(seen[0].content) == {"accessKey": ACCESS, "request": {"sentence": "hello"}}
    assert seen[0].headers["Authorization"] == f"Bearer {API}"
    assert seen[0].method == "POST" and str(seen[0].url) == "http://model.test/model"


def test_no_authorization_header_without_api_key() -> None:
    seen: list[httpx.Request] = []
    with CMLClient("http://model.test/model", ACCESS, transport=scripted([OK], seen)) as cml:
        cml.score({"sentence": "hello"})
    assert "Authorization" not in seen[0].headers


def test_nothing_is_lost_under_injected_failures_and_hangs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with ModelServer(access_key=ACCESS, fail_rate=0.3, timeout_rate=0.05, hang_seconds=10, seed=3) as s:
        with CMLClient(s.url, ACCESS, concurrency=16, timeout=1.0, retries=3, backoff=0.01, seed=1) as cml:
            results = cml.score_batch([{"sentence": t} for t in TEXTS * 3])
        assert len(results) == len(TEXTS) * 3
        ok = [r for r in results if r.ok]
        failed = [r for r in results if not r.ok]
        assert len(ok) + len(failed) == len(results)
        for text, r in zip(TEXTS * 3, results, strict=True):
            if r.ok:
                assert r.response == s.predict(text)
            else:
                assert r.reason and ("HTTP 500" in r.reason or "timed out" in r.reason)
                assert r.attempts == 4
        assert any(r.attempts > 1 for r in ok), "some records should have needed a retry"
        assert s.stats.injected_failures > 0 and s.stats.injected_hangs > 0
        # On a loaded machine a scored answer can still arrive after the client gave up on it.
        assert s.stats.scored >= len(ok)
    assert ACCESS not in caplog.text


@pytest.mark.parametrize(("status", "headers"), [(500, {}), (502, {}), (503, {}), (429, {"Retry-After": "0"})])
def test_retries_server_errors_then_succeeds(status: int, headers: dict) -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(status, headers=headers, text="busy"), httpx.Response(status, headers=headers), OK]
    with CMLClient("http://model.test/model", ACCESS, backoff=0.001, transport=scripted(answers, seen)) as cml:
        [result] = cml.score_batch([{"sentence": "x"}])
    assert result.ok and result.response == OK.json()["response"]
    assert len(seen) == 3


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_retries_transport_errors(error: Exception) -> None:
    seen: list[httpx.Request] = []
    with CMLClient("http://model.test/model", ACCESS, backoff=0.001, transport=scripted([error, OK], seen)) as cml:
        assert cml.score({"sentence": "x"})["sentiment"] == "Neutral"
    assert len(seen) == 2


def test_honours_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(429, headers={"Retry-After": "0.2"}), OK]
    with CMLClient("http://model.test/model", ACCESS, backoff=5, transport=scripted(answers, seen)) as cml:
        cml.score({"sentence": "x"})
    assert "HTTP 429" in caplog.text and "in 0.20s" in caplog.text


def test_backoff_uses_full_jitter_within_the_exponential_cap(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(500)] * 4 + [OK]
    with CMLClient("http://model.test/model", ACCESS, retries=4, backoff=0.01, seed=5,
                   transport=scripted(answers, seen)) as cml:
        cml.score({"sentence": "x"})
    delays = [float(r.getMessage().rsplit(" in ", 1)[1].rstrip("s"))
              for r in caplog.records if "retry" in r.getMessage()]
    assert len(delays) == 4
    assert all(0 <= d <= 0.01 * 2 ** i + 0.005 for i, d in enumerate(delays))


@pytest.mark.parametrize(("answer", "fragment"), [
    (httpx.Response(400, json={"success": False, "error": "bad request"}), "HTTP 400"),
    (httpx.Response(404, text="no such model"), "HTTP 404"),
    (httpx.Response(200, json={"success": False, "error": "model raised"}), "without success=true"),
    (httpx.Response(200, text="<html>proxy login</html>"), "without success=true"),
])
def test_final_failures_are_not_retried_and_name_status_and_body(answer: httpx.Response, fragment: str) -> None:
    seen: list[httpx.Request] = []
    with CMLClient("http://model.test/model", ACCESS, transport=scripted([answer], seen)) as cml:
        [result] = cml.score_batch([{"sentence": "x"}])
        with pytest.raises(CMLError, match=fragment) as info:
            cml.score({"sentence": "x"})
    assert not result.ok and fragment in result.reason and result.attempts == 1
    assert info.value.status == answer.status_code
    assert answer.text[:20] in str(info.value)
    assert len(seen) == 2


def test_wrong_keys_fail_clearly_without_leaking(server: ModelServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with CMLClient(server.url, "wrong-access-key", API) as cml:
        results = cml.score_batch([{"sentence": "x"}, {"sentence": "y"}])
    assert [r.status for r in results] == [401, 401]
    assert "accessKey" in results[0].reason
    with CMLClient(server.url, ACCESS, "wrong-api-key") as cml:
        [result] = cml.score_batch([{"sentence": "x"}])
    assert result.status == 403
    for text in [r.reason for r in results] + [result.reason, caplog.text]:
        assert "wrong-access-key" not in text and "wrong-api-key" not in text


def test_keys_never_appear_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[httpx.Request] = []
    # A server that echoes the request body (keys included) in its error page.
    echo = httpx.MockTransport(lambda req: (seen.append(req), httpx.Response(500, content=req.content))[1])
    cml = CMLClient("https://user:pw@model.test/model?token=t0k", ACCESS, API, retries=1, backoff=0.001,
                    transport=echo)
    try:
        with pytest.raises(CMLError) as info:
            cml.score({"sentence": "x"})
        [result] = cml.score_batch([{"sentence": "x"}])
    finally:
        cml.close()
    assert ACCESS.encode() in seen[0].content  # the echo really carried it
    for text in (repr(cml), str(cml), str(info.value), info.value.body, result.reason, caplog.text):
        assert ACCESS not in text and API not in text and "pw" not in text and "t0k" not in text
    assert "***" in str(info.value) and "https://model.test/model" in str(info.value)


def test_circuit_opens_on_a_dead_endpoint_and_fails_fast() -> None:
    with ModelServer(access_key=ACCESS, fail_rate=1.0) as s:
        breaker = CircuitBreaker(failure_threshold=3, reset_timeout=60)
        with CMLClient(s.url, ACCESS, retries=0, concurrency=1, circuit_breaker=breaker) as cml:
            results = cml.score_batch([{"sentence": str(i)} for i in range(10)])
            assert cml.circuit_state == "open"
            with pytest.raises(CircuitOpenError, match="circuit breaker open"):
                cml.score({"sentence": "x"})
        assert s.stats.requests == 3
    assert [r.status for r in results[:3]] == [500] * 3
    assert all("circuit breaker open" in r.reason for r in results[3:])
    assert not any(r.ok for r in results)


def test_half_open_trial_closes_the_circuit_when_the_endpoint_recovers() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=lambda: now[0])
    seen: list[httpx.Request] = []
    answers = [httpx.Response(500), httpx.Response(500), OK]
    with CMLClient("http://model.test/model", ACCESS, retries=0, circuit_breaker=breaker,
                   transport=scripted(answers, seen)) as cml:
        assert not any(r.ok for r in cml.score_batch([{"sentence": "a"}, {"sentence": "b"}]))
        assert cml.circuit_state == "open"
        now[0] = 10.5
        assert cml.circuit_state == "half-open"
        assert cml.score({"sentence": "c"})["sentiment"] == "Neutral"
        assert cml.circuit_state == "closed"
    assert len(seen) == 3


Event = Callable[[CircuitBreaker], object]
ok: Event = CircuitBreaker.record_success
fail: Event = CircuitBreaker.record_failure


def call(cb: CircuitBreaker) -> str:
    try:
        cb.before_call()
    except CircuitOpenError:
        return "rejected"
    return "admitted"


@pytest.mark.parametrize(("events", "state"), [
    # (clock, event) sequences and the state they leave, like Burrow's rule tables.
    ([(0, fail), (0, fail)], "closed"),
    ([(0, fail), (0, fail), (0, fail)], "open"),
    ([(0, fail), (0, fail), (0, ok), (0, fail), (0, fail)], "closed"),
    ([(0, fail), (0, fail), (0, fail), (9, call)], "open"),
    ([(0, fail), (0, fail), (0, fail), (10, call)], "half-open"),
    ([(0, fail), (0, fail), (0, fail), (10, call), (10, ok)], "closed"),
    ([(0, fail), (0, fail), (0, fail), (10, call), (10, fail)], "open"),
    ([(0, fail), (0, fail), (0, fail), (10, call), (10, fail), (19, call)], "open"),
    ([(0, fail), (0, fail), (0, fail), (10, call), (10, fail), (20, call)], "half-open"),
])
def test_breaker_transitions(events: list[tuple[float, Event]], state: str) -> None:
    now = [0.0]
    cb = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=lambda: now[0])
    for t, event in events:
        now[0] = t
        event(cb)
    assert cb.state == state


def test_half_open_admits_limited_trials() -> None:
    now = [0.0]
    cb = CircuitBreaker(failure_threshold=1, reset_timeout=1, half_open_max_calls=2, clock=lambda: now[0])
    cb.record_failure()
    assert call(cb) == "rejected"
    now[0] = 1.0
    assert [call(cb) for _ in range(3)] == ["admitted", "admitted", "rejected"]


def test_async_api_on_the_callers_loop(server: ModelServer) -> None:
    async def go() -> list[ScoreResult]:
        async with CMLClient(server.url, ACCESS, API) as cml:
            one = await cml.ascore({"sentence": "lovely crew"})
            many = await cml.ascore_batch([{"sentence": t} for t in TEXTS[:5]])
        assert one == server.predict("lovely crew")
        return many

    assert [r.response for r in asyncio.run(go())] == [server.predict(t) for t in TEXTS[:5]]


def test_empty_batch_and_repeated_batches(server: ModelServer) -> None:
    with CMLClient(server.url, ACCESS, API) as cml:
        assert cml.score_batch([]) == []
        for _ in range(3):
            assert all(r.ok for r in cml.score_batch([{"sentence": t} for t in TEXTS[:10]]))


@pytest.mark.parametrize(("args", "fragment"), [
    (("ftp://x/model", ACCESS), "http"),
    (("http://x/model", ""), "access key"),
])
def test_bad_configuration_is_a_clear_error(args: tuple, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        CMLClient(*args)


def test_the_client_reads_and_logs_the_models_status_at_start(server: ModelServer,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    with CMLClient(server.url, ACCESS, API) as cml, caplog.at_level(logging.INFO, "airstream.connectors.cml"):
        cml.score({"sentence": "great crew"})
        info = cml.report_status()
        assert info is not None and info["requests"]["scored"] == 1
        assert cml.score({"sentence": "worst delay ever"})["sentiment"] == "Negative"  # it goes on scoring
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("model ")]
    assert line.startswith(f"model vader-sentiment {info['version']} at {server.url}: running")
    assert ACCESS not in caplog.text and API not in caplog.text


def test_a_model_without_a_status_endpoint_is_reported_as_such(server: ModelServer,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = server.url.replace("/model", "/v1/predict")  # as a CML workspace's model: no /status
    with CMLClient(elsewhere, ACCESS, API) as cml, caplog.at_level(logging.INFO, "airstream.connectors.cml"):
        assert cml.status() is None
        assert cml.report_status() is None
    assert "serves no status" in caplog.text


def test_an_unreachable_model_is_a_warning_at_start_not_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    with CMLClient("http://127.0.0.1:1/model", "secret-key", timeout=1) as cml:
        with pytest.raises(CMLError, match=r"cannot read the model's status at http://127.0.0.1:1/model/status"):
            cml.status()
        assert cml.report_status() is None
    assert [r.levelname for r in caplog.records] == ["WARNING"]
