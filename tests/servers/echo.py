"""A hostile HTTP server on 127.0.0.1 that answers every request with an error echoing what it was sent.

The echo holds every request header (``Authorization`` included), the path with its query and the
body, so a client that prints a server's answer unscrubbed shows its own secrets. The answer is
shaped so each client reads the echo as the server's explanation:

* ``json`` -- ``{"ok": false, "error": ECHO, "errorMessage": ECHO}``: Slack's Web API error field and
  Atlas' error message;
* ``xml`` -- ``<Error><Code>AccessDenied</Code><Message>ECHO</Message></Error>``: S3's error document;
* ``text`` -- the echo as plain text (webhooks, proxies).

:class:`S3EchoServer` lists every bucket as empty, so an S3 client gets as far as its upload, and
refuses the upload with the echo.

    with EchoServer(status=403, shape="json") as echo:
        ... point a client at echo.url ...
    echo.requests[0].headers["Authorization"]   # what the client sent
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from xml.sax.saxutils import escape

Shape = Literal["json", "xml", "text"]
# A hostile server leads with the credentials, so a client that shows only the start of an answer shows them.
_CREDENTIALS = re.compile(r"authorization|token|key|cookie", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def echo(self) -> str:
        """Everything the request carried, one line each: the request line, the headers (credentials first),
        the body."""
        headers = sorted(self.headers.items(), key=lambda item: not _CREDENTIALS.search(item[0]))
        lines = [f"{self.method} {self.path}", *(f"{k}: {v}" for k, v in headers)]
        return "\n".join([*lines, self.body.decode("utf-8", "replace")])


@dataclass
class EchoServer:
    """Answers ``status`` with an echo of the request in the given ``shape``; records every request."""

    status: int = 500
    shape: Shape = "json"
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __enter__(self) -> EchoServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, request: Request) -> tuple[int, str, bytes]:
        """The status, content type and body answering ``request``: the error echoing it."""
        echo = request.echo()
        if self.shape == "json":
            body = json.dumps({"ok": False, "error": echo, "errorMessage": echo})
            return self.status, "application/json", body.encode()
        if self.shape == "xml":
            body = (f"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>AccessDenied</Code>"
                    f"<Message>{escape(echo)}</Message><RequestId>echo</RequestId></Error>")
            return self.status, "application/xml", body.encode()
        return self.status, "text/plain", echo.encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _echo(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                server.requests.append(request)
                status, content_type, data = server.answer(request)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                # A HEAD answer has no body but announces the one a GET would get.
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._echo()

            def do_HEAD(self) -> None:
                self._echo()

            def do_POST(self) -> None:
                self._echo()

            def do_PUT(self) -> None:
                self._echo()

            def do_DELETE(self) -> None:
                self._echo()

        return Handler

    def sent(self, secret: str) -> bool:
        """Whether ``secret`` reached the server (so the echo carried it back)."""
        return any(secret in r.echo() for r in self.requests)


_EMPTY_LISTING = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                  b"<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>")


@dataclass
class S3EchoServer(EchoServer):
    """An S3 endpoint whose buckets list empty and which refuses everything else with an S3 error echoing it."""

    status: int = 403
    shape: Shape = "xml"

    def answer(self, request: Request) -> tuple[int, str, bytes]:
        """An empty listing for ``ListObjectsV2``; the echoing error for anything else."""
        if request.method == "GET" and "list-type=2" in request.path:
            return 200, "application/xml", _EMPTY_LISTING
        return super().answer(request)
