"""A local model server that speaks the Cloudera Machine Learning (CML) model-endpoint protocol.

It serves VADER (``vaderSentiment``), a real sentiment model that ships as a package, so the CloudAir
pipeline runs with no CML workspace. The protocol is CML's:

    POST /model   {"accessKey": "...", "request": {"sentence": "text"}}
    200           {"success": true, "response": {"polarity": -0.54, "sentiment": "Negative"}, ...}

``polarity`` is VADER's compound score; ``sentiment`` is ``"Neutral"`` when it is exactly 0,
``"Negative"`` below 0 and ``"Positive"`` above.

Errors use CML's body shape ``{"success": false, "error": "..."}``: 401 for a missing or unknown
access key or a missing API key, 403 for a wrong API key, 400 for a request without a ``sentence``.

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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

__all__ = ["ModelServer", "ServerStats", "main", "sentiment_of"]

log = logging.getLogger(__name__)

_MAX_BODY = 1 << 20


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
        self._reply(405, {"success": False, "error": "Use POST with {\"accessKey\": ..., \"request\": {...}}"})

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
        status, body = model.handle(raw, self.headers.get("Authorization"))
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

    def handle(self, raw: bytes, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """One request body in, ``(status, body)`` out; status 0 means "hang, then drop the connection"."""
        if self._api_key is not None:
            scheme, _, token = (authorization or "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                self.stats.add("rejected")
                return 401, {"success": False, "error": "Missing API key: send 'Authorization: Bearer <API key>'"}
            if not hmac.compare_digest(token.encode(), self._api_key.encode()):
                self.stats.add("rejected")
                return 403, {"success": False, "error": "Invalid API key"}
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


def main(args: Any) -> int:
    """Run the server for ``airstream model-server`` (``args`` from airstream.cli's parser)."""
    import os
    import sys

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
