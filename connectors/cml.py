"""A client for Cloudera Machine Learning (CML) model endpoints: retries, bounded concurrency, a circuit breaker.

The protocol: POST ``{"accessKey": ..., "request": {...}}`` to the model URL (with
``Authorization: Bearer <API key>`` when the workspace requires one); the answer is
``{"success": true, "response": {...}}``. Anything else is a failure that names the HTTP status and
the (truncated) body, never the keys.

Stream processors call it once per micro-batch from synchronous code::

    from airstream.connectors.cml import CMLClient

    with CMLClient("http://127.0.0.1:8765/model", access_key="k", concurrency=16) as cml:
        results = cml.score_batch([{"sentence": "lost my bag again"}, {"sentence": "great crew"}])
    for r in results:
        print(r.response if r.ok else r.reason)     # never raises for one record's failure

Async code awaits ``ascore`` / ``ascore_batch`` on its own event loop instead. The synchronous API runs
the same coroutines on one dedicated event-loop thread owned by the client, so a call per micro-batch
costs a thread hand-off, not a new event loop.

Failures that may pass (5xx, 429, timeouts, connection errors) are retried with exponential back-off
and full jitter (a 429's or 503's ``Retry-After`` is honoured instead); other 4xx answers and
``success != true`` are final. A :class:`CircuitBreaker` watches the endpoint's health: after
``failure_threshold`` consecutive failed attempts it opens and calls fail fast with
:class:`CircuitOpenError` until ``reset_timeout`` has passed; then one trial call (half-open) decides
whether it closes again.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
import orjson

from airstream.common.redact import RedactingFilter, hide_url, url_without_credentials
from airstream.common.sink import Dataset

__all__ = ["CMLClient", "CMLError", "CircuitBreaker", "CircuitOpenError", "ScoreResult"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_BODY_LIMIT = 300

CircuitState = Literal["closed", "open", "half-open"]


class CMLError(Exception):
    """A model call that failed for good; ``status`` and ``body`` are set when the server answered.

    The message names the URL, the status and at most 300 characters of the body; it never contains
    the access key or the API key.
    """

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None,
                 attempts: int = 1, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.attempts = attempts
        self.retryable = retryable
        self.retry_after = retry_after


class CircuitOpenError(CMLError):
    """The circuit breaker is open: the endpoint failed repeatedly, so calls fail fast for a while."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The outcome of scoring one request: ``ok`` with the model's ``response``, or failed with a ``reason``.

    >>> ScoreResult(ok=True, response={"sentiment": "Positive"}, status=200, attempts=1).ok
    True
    """

    ok: bool
    response: dict[str, Any] | None = None
    reason: str | None = None
    status: int | None = None
    attempts: int = 0


class CircuitBreaker:
    """Closed / open / half-open breaker over consecutive failed attempts.

    Args:
        failure_threshold: consecutive failures (5xx, timeouts, connection errors) that open the circuit.
            The default tolerates a flaky endpoint (a 35% failure rate opens it about once in 10^9
            attempts) while a dead one opens it within a second at any useful concurrency.
        reset_timeout: seconds the circuit stays open before letting trial calls through.
        half_open_max_calls: trial calls allowed at once while half-open.
        clock: a monotonic clock in seconds (tests pass a fake one).

    >>> t = [0.0]
    >>> cb = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=lambda: t[0])
    >>> cb.record_failure(); cb.record_failure(); cb.state
    'open'
    >>> t[0] = 11.0; cb.state
    'half-open'
    """

    def __init__(self, failure_threshold: int = 20, reset_timeout: float = 5.0, half_open_max_calls: int = 1,
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or reset_timeout < 0:
            raise ValueError("failure_threshold and half_open_max_calls must be >= 1 and reset_timeout >= 0")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trials = 0

    def __repr__(self) -> str:
        return (f"CircuitBreaker(state={self.state!r}, failure_threshold={self.failure_threshold}, "
                f"reset_timeout={self.reset_timeout})")

    @property
    def state(self) -> CircuitState:
        """``"closed"``, ``"open"`` or ``"half-open"`` (open whose reset timeout has passed)."""
        with self._lock:
            return self._state()

    def _state(self) -> CircuitState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_timeout:
            return "half-open"
        return "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` when a call must not go out now; otherwise admit it."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half-open" and self._trials < self.half_open_max_calls:
                self._trials += 1
                return
            assert self._opened_at is not None
            wait = max(0.0, self.reset_timeout - (self._clock() - self._opened_at))
        raise CircuitOpenError(
            f"circuit breaker open after {self.failure_threshold} consecutive failures of the model endpoint; "
            f"failing fast (next trial in {wait:.1f}s). Check the endpoint's health."
        )

    def record_success(self) -> None:
        """The endpoint answered: close the circuit and reset the failure count."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trials = 0

    def record_failure(self) -> None:
        """The endpoint failed: count it; open (or re-open, from half-open) when the threshold is reached."""
        with self._lock:
            if self._opened_at is not None:
                # A failed trial (or a late failure while open) re-opens for a full reset_timeout.
                self._opened_at = self._clock()
                self._trials = 0
                return
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
                self._trials = 0


def _retry_after(value: str | None, limit: float) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), limit)


class _LoopThread:
    """One event loop on a daemon thread, for running coroutines from synchronous callers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="cml-client-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def status_line(info: Mapping[str, Any], where: str) -> str:
    """One line for a model status (:meth:`CMLClient.status`), e.g. ``vader-sentiment 3.3.2 at
    http://127.0.0.1:8765/model: running, up 12.5 s, 2 worker(s), 81.2 MiB; 40 request(s): 38 scored, 1
    rejected, 1 failed, 0 hung; latency p50/p95/p99 1.2/3.4/5.6 ms over 38``."""
    requests, latency = info.get("requests") or {}, info.get("latency_ms") or {}
    return (f"{info.get('model')} {info.get('version')} at {where}: {info.get('status')}, up {info.get('uptime_s')} s, "
            f"{info.get('workers')} worker(s), {info.get('memory_mib')} MiB; {requests.get('total')} request(s): "
            f"{requests.get('scored')} scored, {requests.get('rejected')} rejected, {requests.get('failed')} failed, "
            f"{requests.get('hung')} hung; latency p50/p95/p99 {latency.get('p50')}/{latency.get('p95')}/"
            f"{latency.get('p99')} ms over {latency.get('samples')}")


class CMLClient:
    """Scores requests against a CML model endpoint.

    Args:
        url: the model's URL (``https://modelservice.<workspace>/model`` or the local model server's).
        access_key: the model's access key, sent in the body.
        api_key: a CML API key, sent as ``Authorization: Bearer``, when the workspace requires one.
        concurrency: most calls in flight at once, each on its own kept-alive connection.
        timeout: seconds for one HTTP attempt (connect, write, read, pool each).
        retries: extra attempts after the first for failures that may pass.
        backoff: base of the exponential back-off in seconds; a retry sleeps a uniformly random time
            in ``[0, min(max_backoff, backoff * 2**attempt)]`` (full jitter).
        max_backoff: cap of one back-off sleep.
        max_retry_after: cap of a server's ``Retry-After``.
        circuit_breaker: ``True`` for a default :class:`CircuitBreaker`, ``False`` for none, or your own.
        seed: seeds the jitter, for reproducible tests.
        transport: an httpx async transport (tests, proxies); default a pooled HTTP transport.

    ``repr()``, errors and logs show the URL (without user-info or query) but never the keys.

    Example::

        cml = CMLClient(url, access_key=os.environ["CML_ACCESS_KEY"], retries=3, timeout=5)
        try:
            results = cml.score_batch([{"sentence": t} for t in texts])
        finally:
            cml.close()
    """

    def __init__(self, url: str, access_key: str, api_key: str | None = None, *, concurrency: int = 16,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.1, max_backoff: float = 5.0,
                 max_retry_after: float = 30.0, circuit_breaker: CircuitBreaker | bool = True,
                 seed: int | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("CML model URL must start with http:// or https://, "
                             f"got {url_without_credentials(url)!r}")
        if not access_key:
            raise ValueError("CML access key is empty: pass the model's access key (e.g. from $CML_ACCESS_KEY)")
        if concurrency < 1 or retries < 0 or timeout <= 0:
            raise ValueError("concurrency must be >= 1, retries >= 0 and timeout > 0")
        self.url = url
        self._last_status: dict[str, Any] | None = None
        self._access_key = access_key
        self._api_key = api_key
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        if circuit_breaker is True:
            self.circuit_breaker: CircuitBreaker | None = CircuitBreaker()
        elif circuit_breaker is False:
            self.circuit_breaker = None
        else:
            self.circuit_breaker = circuit_breaker
        self._rng = random.Random(seed)
        self._transport = transport
        hide_url(url, keep_path=True)
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        # Everything secret the client sends, to remove from the answers and errors it shows.
        self._scrub = RedactingFilter()
        self._scrub.hide_secret(access_key)
        self._scrub.hide_headers(self._headers)
        self._scrub.hide_url_secrets(url, keep_path=True)
        self._clients: list[httpx.AsyncClient] = []
        self._queue: asyncio.Queue[httpx.AsyncClient] | None = None
        self._queue_loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: _LoopThread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"CMLClient(url={url_without_credentials(self.url)!r}, access_key='***', "
                f"api_key={'***' if self._api_key else None}, concurrency={self.concurrency}, "
                f"timeout={self.timeout}, retries={self.retries})")

    __str__ = __repr__

    # -- async API ---------------------------------------------------------------------------------

    def _lanes(self) -> asyncio.Queue[httpx.AsyncClient]:
        """``concurrency`` one-connection clients; taking one from the queue is the concurrency bound.

        One pooled client with N connections would do, but httpcore scans every pooled connection (and
        asks each socket for its state) on every request, so its cost per call grows with N; N
        one-connection clients keep it constant (bench/bench_cml.py measures the difference).
        """
        loop = asyncio.get_running_loop()
        if self._queue is None:
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            tls = httpx.create_ssl_context()  # loading the CA bundle once, not once per client
            self._clients = [httpx.AsyncClient(timeout=self.timeout, limits=limits, transport=self._transport,
                                               headers=self._headers, verify=tls)
                             for _ in range(self.concurrency)]
            self._queue = asyncio.Queue()
            for client in self._clients:
                self._queue.put_nowait(client)
            self._queue_loop = loop
        elif self._queue_loop is not loop:
            raise RuntimeError("this CMLClient is bound to another event loop (or its synchronous API); "
                               "create one client per event loop")
        return self._queue

    async def _attempt(self, payload: bytes, attempt: int) -> dict[str, Any]:
        lanes = self._lanes()
        where = url_without_credentials(self.url)
        http = await lanes.get()
        try:
            # Asked only once a lane is free, so calls queued behind others see the circuit open as soon
            # as the calls ahead of them have failed.
            if self.circuit_breaker is not None:
                self.circuit_breaker.before_call()
            resp = await http.post(self.url, content=payload)
        except httpx.TimeoutException as exc:
            self._health(False)
            raise CMLError(f"CML call to {where} timed out after {self.timeout}s ({type(exc).__name__})",
                           attempts=attempt, retryable=True) from None
        except httpx.TransportError as exc:
            self._health(False)
            raise CMLError(f"CML call to {where} failed: {type(exc).__name__}: {self._scrub.redact(str(exc))}",
                           attempts=attempt, retryable=True) from None
        finally:
            lanes.put_nowait(http)
        status = resp.status_code
        if 200 <= status < 300:
            self._health(True)
            try:
                parsed = orjson.loads(resp.content)
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict) and parsed.get("success") is True:
                response = parsed.get("response")
                if isinstance(response, dict):
                    return response
            short = self._short_body(resp)
            raise CMLError(f"CML model at {where} answered HTTP {status} without success=true: {short}",
                           status=status, body=short, attempts=attempt)
        retryable = status == 429 or status >= 500
        # 429 means "slow down", not "unhealthy": it does not count towards opening the circuit.
        self._health(not (status >= 500))
        short = self._short_body(resp)
        raise CMLError(f"CML model at {where} answered HTTP {status}: {short}", status=status, body=short,
                       attempts=attempt, retryable=retryable,
                       retry_after=_retry_after(resp.headers.get("Retry-After"), self.max_retry_after))

    async def astatus(self) -> dict[str, Any] | None:
        """The model server's status (``GET <url>/status``, see
        :mod:`airstream.connectors.model_server`); ``None`` when the endpoint has none (404 or 405, as
        a CML workspace's model). Raises :class:`CMLError` when it cannot be reached or refuses."""
        lanes = self._lanes()
        status_url = self.url.rstrip("/") + "/status"
        where = url_without_credentials(status_url)
        http = await lanes.get()
        try:
            resp = await http.get(status_url)
        except httpx.TransportError as exc:
            raise CMLError(f"cannot read the model's status at {where}: {type(exc).__name__}: "
                           f"{self._scrub.redact(str(exc))}") from None
        finally:
            lanes.put_nowait(http)
        if resp.status_code in (404, 405):
            return None
        try:
            body = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            body = None
        if resp.status_code != 200 or not isinstance(body, dict) or body.get("success") is not True:
            short = self._short_body(resp)
            raise CMLError(f"the model's status at {where} answered HTTP {resp.status_code}: {short}",
                           status=resp.status_code, body=short)
        return body

    def status(self) -> dict[str, Any] | None:
        """:meth:`astatus` from synchronous code.

        Example::

            info = cml.status()
            if info is not None:
                print(info["model"], info["status"], info["latency_ms"]["p99"])
        """
        return self._run(self.astatus())

    def lineage(self) -> list[Dataset]:
        """The model this client scores with, for lineage: its name and version from the last status read
        (:meth:`report_status`), else the endpoint's last path segment; the endpoint without credentials."""
        endpoint = url_without_credentials(self.url)
        info = self._last_status or {}
        name = str(info.get("model") or urlsplit(endpoint).path.rstrip("/").rsplit("/", 1)[-1] or endpoint)
        details = (("version", str(info["version"])),) if info.get("version") else ()
        return [Dataset("ml_model", name, namespace=endpoint, details=details)]

    def report_status(self) -> dict[str, Any] | None:
        """Read the model's status and log it (INFO; WARNING if it cannot be read, which does not stop
        anything: scoring has its own retries). Pipelines call it at start."""
        where = url_without_credentials(self.url)
        try:
            info = self.status()
        except CMLError as exc:
            log.warning("%s", exc)
            return None
        self._last_status = info
        if info is None:
            log.info("the model at %s serves no status (a CML workspace's model: see its page in CML)", where)
        else:
            log.info("model %s", status_line(info, where))
        return info

    def _short_body(self, resp: httpx.Response) -> str:
        body = self._scrub.redact(resp.text)
        return body if len(body) <= _BODY_LIMIT else body[:_BODY_LIMIT] + "..."

    def _health(self, ok: bool) -> None:
        if self.circuit_breaker is not None:
            (self.circuit_breaker.record_success if ok else self.circuit_breaker.record_failure)()

    async def ascore(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Score one request, retrying what may pass; returns the model's ``response`` or raises :class:`CMLError`.

        Example::

            response = await cml.ascore({"sentence": "my flight was cancelled"})
        """
        response, _ = await self._call(request)
        return response

    async def _call(self, request: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        payload = orjson.dumps({"accessKey": self._access_key, "request": request})
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(payload, attempt), attempt
            except CircuitOpenError as exc:
                exc.attempts = attempt
                raise
            except CMLError as exc:
                if not exc.retryable or attempt > self.retries:
                    if attempt > 1:
                        exc.args = (f"{exc.args[0]} (after {attempt} attempts)",)
                    raise
                delay = exc.retry_after
                if delay is None:
                    delay = self._rng.uniform(0.0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
                log.warning("%s; retry %d/%d in %.2fs", exc.args[0], attempt, self.retries, delay)
                await asyncio.sleep(delay)

    async def _score_one(self, request: Mapping[str, Any]) -> ScoreResult:
        try:
            response, attempts = await self._call(request)
        except CMLError as exc:
            return ScoreResult(ok=False, reason=str(exc), status=exc.status, attempts=exc.attempts)
        except Exception as exc:  # a bug must not lose the record either: report it as its failure reason
            log.exception("unexpected error scoring a record")
            return ScoreResult(ok=False, reason=f"{type(exc).__name__}: {self._scrub.redact(str(exc))}")
        return ScoreResult(ok=True, response=response, status=200, attempts=attempts)

    async def ascore_batch(self, requests: Sequence[Mapping[str, Any]]) -> list[ScoreResult]:
        """Score many requests concurrently (at most ``concurrency`` in flight); one result per request, in order."""
        return list(await asyncio.gather(*(self._score_one(r) for r in requests)))

    # -- sync API ----------------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        with self._lock:
            if self._loop_thread is None:
                self._loop_thread = _LoopThread()
            runner = self._loop_thread
        if threading.current_thread() is runner._thread:
            coro.close()
            raise RuntimeError("score_batch() was called from the client's own event loop; await ascore_batch()")
        return runner.run(coro)

    def score_batch(self, requests: Sequence[Mapping[str, Any]]) -> list[ScoreResult]:
        """Score a micro-batch from synchronous code; never raises for one record's failure.

        Example::

            results = cml.score_batch([{"sentence": "late again"}])
            scored = [r.response for r in results if r.ok]
        """
        if not requests:
            return []
        return self._run(self.ascore_batch(requests))

    def score(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Score one request from synchronous code; raises :class:`CMLError` when it fails for good."""
        return self._run(self.ascore(request))

    @property
    def circuit_state(self) -> CircuitState:
        """The circuit breaker's state (always ``"closed"`` without one)."""
        return self.circuit_breaker.state if self.circuit_breaker is not None else "closed"

    async def aclose(self) -> None:
        """Close pooled connections (async API)."""
        clients, self._clients, self._queue, self._queue_loop = self._clients, [], None, None
        for client in clients:
            await client.aclose()

    def close(self) -> None:
        """Close pooled connections and the client's event-loop thread."""
        with self._lock:
            runner, self._loop_thread = self._loop_thread, None
        if runner is not None:
            runner.run(self.aclose())
            runner.close()

    def __enter__(self) -> CMLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> CMLClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
