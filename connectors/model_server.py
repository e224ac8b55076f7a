"""A local model server that speaks the Cloudera Machine Learning (CML) model-endpoint protocol.

It serves VADER (``vaderSentiment``), a real sentiment model that ships as a package, so the CloudAir
pipeline runs with no CML workspace. The protocol is CML's:

    POST /model   {"accessKey": "...", "request": {"sentence": "text"}}
    200           {"success": true, "response": {"polarity": -0.54, "sentiment": "Negative"}, ...}

``polarity`` is VADER's compound score; ``sentiment`` is ``"Neutral"`` when it is exactly 0,
``"Negative"`` below 0 and ``"Positive"`` above.

Errors use CML's body shape ``{"success": false, "error": "..."}``: 401 for a missing or unknown
access key or a missing API key, 403 for a wrong API key, 400 for a request without a ``sentence``.

``GET /model/status`` (the model URL plus ``/status``; the API key is required as for scoring) answers
what a CML workspace shows on a model's page, and more: ``{"success": true, "status": "running",
"model": "vader-sentiment", "version": ..., "uptime_s": ..., "workers": ..., "memory_mib": ...,
"requests": {"total", "scored", "rejected", "failed", "hung"}, "latency_ms": {"p50", "p95", "p99",
"samples"}}``. ``workers`` counts the open connections, each served by its own thread; the latency
percentiles cover the last 10,000 scored calls, from request to answer. ``airstream model-server status
URL`` prints it; :meth:`airstream.connectors.cml.CMLClient.status` reads it.

Fault injection, for tests and benchmarks, is seeded so runs are reproducible: ``latency_ms`` added to
every call, ``fail_rate`` (a fraction of calls answered 500) and ``timeout_rate`` (a fraction of calls
that hang for ``hang_seconds`` and then drop the connection, past any sane client timeout).

Example::

    from airstream.connectors.model_server import ModelServer

    with ModelServer(access_key="k") as server:      # or: url = server.start(); ...; server.stop()
        print(server.url)                            # http://127.0.0.1:<port>/model

The stdlib ``ThreadingHTTPServer`` is enough for a local server: one thread per keep-alive connection,
so a client pool of N connections gets N handlers working in parallel.
"""

from __future__ import annotations

import hmac
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

__all__ = ["ModelServer", "ServerStats", "main", "print_status", "sentiment_of"]

log = logging.getLogger(__name__)

_MAX_BODY = 1 << 20
_LATENCY_SAMPLES = 10_000
MODEL_NAME = "vader-sentiment"


def sentiment_of(compound: float) -> str:
    """The label for a VADER compound score: 0 -> ``"Neutral"``, < 0 -> ``"Negative"``, > 0 -> ``"Positive"``.

    >>> sentiment_of(-0.3), sentiment_of(0.0), sentiment_of(0.7)
    ('Negative', 'Neutral', 'Positive')
    """
    if compound > 0:
        return "Positive"
    if compound < 0:
        return "Negative"
    return "Neutral"


@dataclass
class ServerStats:
    """Counters of what the server answered (read them after ``stop()`` or accept small races)."""

    requests: int = 0
    scored: int = 0
    injected_failures: int = 0
    injected_hangs: int = 0
    rejected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many pooled client connections arrive at once in benchmarks.
    request_queue_size = 256
    model: ModelServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add 40 ms per call.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.model._connection(+1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.model._connection(-1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        payload = orjson.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        model = self.server.model
        if self.path.rstrip("/") == "/model/status":
            refused = model._check_api_key(self.headers.get("Authorization"))
            self._reply(*(refused or (200, {"success": True, **model.status()})))
        elif self.path.rstrip("/") == "/model":
            self._reply(405, {"success": False, "error": "Use POST with {\"accessKey\": ..., \"request\": {...}}, "
                                                        "or GET /model/status"})
        else:
            self._reply(404, {"success": False, "error": f"No such path {self.path!r}: POST /model, GET /model/status"})

    def do_POST(self) -> None:
        model = self.server.model
        model.stats.add("requests")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            model.stats.add("rejected")
            self.close_connection = True
            self._reply(400, {"success": False, "error": "Bad Content-Length header"})
            return
        if length > _MAX_BODY:
            model.stats.add("rejected")
            self.close_connection = True
            self._reply(413, {"success": False, "error": f"Request body larger than {_MAX_BODY} bytes"})
            return
        raw = self.rfile.read(length)
        started = time.perf_counter()
        status, body = model.handle(raw, self.headers.get("Authorization"))
        if status == 200:
            model._scored_in(time.perf_counter() - started)
        if status == 0:
            # An injected hang: hold the request, then drop the connection without an answer.
            model._stopping.wait(model.hang_seconds)
            self.close_connection = True
            return
        self._reply(status, body)


class ModelServer:
    """The VADER sentiment model behind the CML model-endpoint protocol, on a local port.

    Args:
        host: address to bind (``127.0.0.1`` keeps it local).
        port: port to bind; 0 picks a free one (see ``url`` after ``start()``).
        access_key: the model's access key; requests must send it as ``accessKey``. ``None`` accepts any.
        api_key: when set, requests must send ``Authorization: Bearer <api_key>``.
        latency_ms: added to every call, like a remote model's inference time.
        fail_rate: fraction of calls (0..1) answered with HTTP 500.
        timeout_rate: fraction of calls (0..1) that hang for ``hang_seconds`` and then get no answer.
        hang_seconds: how long an injected hang lasts (``stop()`` ends it early).
        seed: seeds the fault-injection draws so a run is reproducible.

    Example::

        server = ModelServer(access_key="k", fail_rate=0.3, timeout_rate=0.05, seed=7)
        url = server.start()
        ...
        server.stop()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_key: str | None = None,
        api_key: str | None = None,
        latency_ms: float = 0.0,
        fail_rate: float = 0.0,
        timeout_rate: float = 0.0,
        hang_seconds: float = 60.0,
        seed: int | None = 0,
    ) -> None:
        for name, rate in (("fail_rate", fail_rate), ("timeout_rate", timeout_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate!r}")
        if fail_rate + timeout_rate > 1.0:
            raise ValueError(f"fail_rate + timeout_rate must be at most 1, got {fail_rate + timeout_rate!r}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {latency_ms!r}")
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.host = host
        self.port = port
        self._access_key = access_key
        self._api_key = api_key
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.timeout_rate = timeout_rate
        self.hang_seconds = hang_seconds
        self.stats = ServerStats()
        self._analyzer = SentimentIntensityAnalyzer()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started_at: float | None = None
        self._latencies: deque[float] = deque(maxlen=_LATENCY_SAMPLES)
        self._connections = 0
        self._status_lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"ModelServer(url={self.url!r}, access_key={'***' if self._access_key else None}, "
                f"api_key={'***' if self._api_key else None}, latency_ms={self.latency_ms}, "
                f"fail_rate={self.fail_rate}, timeout_rate={self.timeout_rate})")

    @property
    def url(self) -> str | None:
        """The model URL to give a CML client, once started."""
        return None if self._httpd is None else self._url_of(self._httpd)

    def _url_of(self, httpd: _Server) -> str:
        return f"http://{self.host}:{httpd.server_address[1]}/model"

    def predict(self, sentence: str) -> dict[str, Any]:
        """Score one sentence without HTTP: ``{"polarity": compound, "sentiment": label}``.

        >>> ModelServer().predict("I love this airline")["sentiment"]
        'Positive'
        """
        compound = float(self._analyzer.polarity_scores(sentence)["compound"])
        return {"polarity": compound, "sentiment": sentiment_of(compound)}

    def status(self) -> dict[str, Any]:
        """What ``GET /model/status`` answers (see the module docstring), without HTTP."""
        from importlib.metadata import version

        with self._status_lock:
            latencies = sorted(self._latencies)
            workers = self._connections
        stats = self.stats

        def percentile(q: float) -> float | None:
            return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2) if latencies else None

        return {
            "status": "running" if self._httpd is not None else "stopped",
            "model": MODEL_NAME,
            "version": version("vaderSentiment"),
            "uptime_s": round(time.monotonic() - self._started_at, 1) if self._started_at is not None else 0.0,
            "workers": workers,
            "memory_mib": _resident_mib(),
            "requests": {"total": stats.requests, "scored": stats.scored, "rejected": stats.rejected,
                         "failed": stats.injected_failures, "hung": stats.injected_hangs},
            "latency_ms": {"p50": percentile(0.5), "p95": percentile(0.95), "p99": percentile(0.99),
                           "samples": len(latencies)},
        }

    def _scored_in(self, seconds: float) -> None:
        with self._status_lock:
            self._latencies.append(seconds)

    def _connection(self, change: int) -> None:
        with self._status_lock:
            self._connections += change

    def _check_api_key(self, authorization: str | None) -> tuple[int, dict[str, Any]] | None:
        """The refusal for a request without the configured API key; ``None`` when it may go on."""
        if self._api_key is None:
            return None
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            self.stats.add("rejected")
            return 401, {"success": False, "error": "Missing API key: send 'Authorization: Bearer <API key>'"}
        if not hmac.compare_digest(token.encode(), self._api_key.encode()):
            self.stats.add("rejected")
            return 403, {"success": False, "error": "Invalid API key"}
        return None

    def handle(self, raw: bytes, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """One request body in, ``(status, body)`` out; status 0 means "hang, then drop the connection"."""
        refused = self._check_api_key(authorization)
        if refused is not None:
            return refused
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self.stats.add("rejected")
            return 400, {"success": False, "error": "Request body is not JSON"}
        if not isinstance(body, dict):
            self.stats.add("rejected")
            return 400, {"success": False, "error": "Request body must be a JSON object"}
        key = body.get("accessKey")
        if self._access_key is not None and not (
            isinstance(key, str) and hmac.compare_digest(key.encode(), self._access_key.encode())
        ):
            self.stats.add("rejected")
            return 401, {"success": False, "error": "Unauthorized: missing or unknown accessKey"}
        request = body.get("request")
        sentence = request.get("sentence") if isinstance(request, dict) else None
        if not isinstance(sentence, str):
            self.stats.add("rejected")
            return 400, {"success": False,
                         "error": "request must be an object with a string 'sentence', e.g. {\"sentence\": \"...\"}"}
        if self.latency_ms:
            self._stopping.wait(self.latency_ms / 1000.0)
        with self._rng_lock:
            draw = self._rng.random()
        if draw < self.timeout_rate:
            self.stats.add("injected_hangs")
            return 0, {}
        if draw < self.timeout_rate + self.fail_rate:
            self.stats.add("injected_failures")
            return 500, {"success": False, "error": "Injected failure (fail_rate)"}
        self.stats.add("scored")
        return 200, {"success": True, "response": self.predict(sentence), "StatusCode": 200}

    def start(self) -> str:
        """Bind and serve on a background thread; returns the model URL."""
        if self._httpd is not None:
            raise RuntimeError("ModelServer is already started")
        self._stopping.clear()
        httpd = _Server((self.host, self.port), _Handler)
        httpd.model = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="model-server", daemon=True)
        self._thread.start()
        self._started_at = time.monotonic()
        url = self._url_of(httpd)
        log.info("model server listening on %s", url)
        return url

    def stop(self) -> None:
        """Stop serving, end injected hangs, and release the port."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ModelServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _resident_mib() -> float | None:
    """This process's resident memory in MiB (``VmRSS``); ``None`` where there is no ``/proc``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def print_status(url: str, api_key: str | None = None, as_json: bool = False, timeout: float = 10.0) -> int:
    """``airstream model-server status URL``: the model server's status, as lines or JSON; 0 if it is
    running, 1 with one line on stderr if it cannot be read (exit code 2: the URL is not http(s))."""
    import sys

    import httpx

    from airstream.common.redact import RedactingFilter, url_without_credentials

    if not url.startswith(("http://", "https://")):
        print(f"airstream model-server status: {url!r} is not an http:// or https:// URL of a model, "
              "e.g. http://127.0.0.1:8765/model", file=sys.stderr)
        return 2
    status_url = url.rstrip("/") if url.rstrip("/").endswith("/status") else url.rstrip("/") + "/status"
    where = url_without_credentials(status_url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        resp = httpx.get(status_url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        scrub = RedactingFilter()
        scrub.hide_url_secrets(url, keep_path=True)
        print(f"airstream model-server status: cannot reach {where}: {type(exc).__name__}: {scrub.redact(str(exc))}",
              file=sys.stderr)
        return 1
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code != 200 or not isinstance(body, dict) or not body.get("success"):
        hint = (" (a CML workspace's model serves no status: see the model's page in CML)"
                if resp.status_code in (404, 405) else "")
        error = body.get("error") if isinstance(body, dict) else resp.text[:200]
        print(f"airstream model-server status: {where} answered HTTP {resp.status_code}: {error}{hint}",
              file=sys.stderr)
        return 1
    if as_json:
        print(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    else:
        from airstream.connectors.cml import status_line

        print(status_line(body, url_without_credentials(url)))
    return 0


def main(args: Any) -> int:
    """Run the server for ``airstream model-server`` (``args`` from airstream.cli's parser), or print a
    running one's status for ``airstream model-server status URL``."""
    import os
    import sys

    if args.action == "status":
        if not args.url:
            print("airstream model-server status: give the model's URL, e.g. "
                  "airstream model-server status http://127.0.0.1:8765/model", file=sys.stderr)
            return 2
        return print_status(args.url, args.api_key or os.environ.get("CML_API_KEY"), as_json=args.json)
    if args.url:
        print(f"airstream model-server: unexpected {args.url!r}; to read a server's status: "
              f"airstream model-server status {args.url}", file=sys.stderr)
        return 2
    access_key = args.access_key or os.environ.get("CML_ACCESS_KEY")
    api_key = args.api_key or os.environ.get("CML_API_KEY")
    try:
        server = ModelServer(args.host, args.port, access_key=access_key, api_key=api_key,
                             latency_ms=args.latency_ms, fail_rate=args.fail_rate,
                             timeout_rate=args.timeout_rate, seed=args.seed)
    except ValueError as exc:
        print(f"airstream model-server: {exc}", file=sys.stderr)
        return 2
    try:
        server.start()
        print(f"model server (VADER) on {server.url}  access key: {'required' if access_key else 'any'}"
              f"  API key: {'required' if api_key else 'not required'}  (Ctrl-C to stop)", file=sys.stderr,
              flush=True)
        server._stopping.wait()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"airstream model-server: cannot listen on {args.host}:{args.port}: {exc.strerror} "
              f"(pick another --port)", file=sys.stderr)
        return 2
    finally:
        server.stop()
    return 0
