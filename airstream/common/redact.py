"""Secrets kept out of logs, exceptions, ``describe()`` and the screen.

Two kinds of secret pass through airstream:

* **client properties** -- ``sasl.password``, ``ssl.key.password``, ``sasl.jaas.config`` and anything
  whose name says password, secret, token or credentials. :func:`redact` masks them in a copy of a
  configuration, :func:`scrub` removes their values from any text (an error a client raised);
* **URLs** -- a Slack incoming-webhook path, a ``?token=`` query, ``user:password@``. httpx logs each
  request's full URL at INFO, so a component that calls a URL registers it once with
  :func:`hide_url`; from then on the shared :data:`SECRETS` filter, installed on the ``httpx``
  logger, rewrites every record that contains the URL to its safe form. :func:`url_origin` and
  :func:`url_without_credentials` give those safe forms for the component's own messages.

A server may echo what it was sent -- a header, the path, the body -- in an error, and an exception
may quote a request URL. So every client that shows a server's answer or an exception's text keeps a
:class:`RedactingFilter` of what it sent (:meth:`~RedactingFilter.hide_secret`,
:meth:`~RedactingFilter.hide_basic_auth`, :meth:`~RedactingFilter.hide_headers`,
:meth:`~RedactingFilter.hide_url_secrets`) and passes that text through
:meth:`~RedactingFilter.redact` before it reaches a message, a log line or an exception. It finds each
secret in the forms a server writes it back (percent-, JSON-, HTML-escaped, base64 for basic auth), and
request signatures no client knows in advance (AWS ``Signature=``, ``X-Amz-Credential=``, a Kerberos
``Negotiate`` token) by their shape.

This module depends on the standard library only (httpx is imported when a URL is registered).

    >>> cfg = {"bootstrap.servers": "b1:9092", "sasl.password": "hunter2"}
    >>> redact(cfg)["sasl.password"], scrub("auth failed with hunter2", cfg)
    ('***', 'auth failed with ***')
    >>> hide_url("https://hooks.example.com/services/T0/B0/XYZ?token=abc")
    'https://hooks.example.com/***'
    >>> hide_url("http://user:pw@models.local:8080/model?key=1", keep_path=True)
    'http://models.local:8080/model'
    >>> SECRETS.redact("POST https://hooks.example.com/services/T0/B0/XYZ?token=abc 200")
    'POST https://hooks.example.com/*** 200'
    >>> sent = RedactingFilter()
    >>> sent.hide_basic_auth("admin", "pa ss")
    >>> sent.redact('401: {"authorization": "Basic YWRtaW46cGEgc3M=", "path": "/login?pw=pa%20ss"}')
    '401: {"authorization": "Basic ***", "path": "/login?pw=***"}'
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

__all__ = ["MASK", "SECRETS", "RedactingFilter", "basic_credentials", "hide_url", "is_secret", "redact", "scrub",
           "url_origin", "url_without_credentials"]

MASK = "***"
_SECRET_NAME = re.compile(r"password|secret|token|jaas|\.pem$|credentials", re.IGNORECASE)
_SECRET_HEADER = re.compile(r"authorization|api-?key|token|secret|password|cookie", re.IGNORECASE)
# Masking every "ab" would garble the text and protect nothing: shorter values are not searched for.
_SHORTEST = 3
# Secrets made per request, which no client can register beforehand: AWS signatures and credential
# scopes (query strings of presigned URLs, SigV4 Authorization headers), session tokens and credential
# headers as a server echoes them ("name: value", "name=value", JSON), and bearer/Kerberos tokens.
_MADE_PER_REQUEST = re.compile(
    r"(?i)"
    r"(\b(?:X-Amz-(?:Signature|Credential|Security-Token)|Signature|Credential|AWSAccessKeyId)=)[^&\s\"'<>,;]+"
    r"|(\b(?:(?:proxy-)?authorization|x-amz-security-token|x-api-key)[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:Basic|Bearer|Negotiate|Digest|Token)\s+)?)[^\s\"'<>,;&]+"
    r"|(\b(?:Basic|Bearer|Negotiate)\s+)[A-Za-z0-9+/=._~-]{16,}"
)


def is_secret(key: str) -> bool:
    """Whether a property's value must never be shown.

    >>> is_secret("sasl.password"), is_secret("sasl.jaas.config"), is_secret("security.protocol")
    (True, True, False)
    """
    return bool(_SECRET_NAME.search(key))


def redact(config: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``config`` with every secret value replaced by ``***``."""
    return {k: (MASK if is_secret(k) else v) for k, v in config.items()}


def scrub(text: str, config: Mapping[str, object]) -> str:
    """``text`` with every secret value of ``config`` replaced by ``***`` (for errors from the client)."""
    scrubber = RedactingFilter()
    scrubber.hide_secret(*(value for key, value in config.items() if is_secret(key) and isinstance(value, str)))
    return scrubber.redact(text)


def basic_credentials(user: str, password: str) -> str:
    """The token of an ``Authorization: Basic`` header: base64 of ``user:password``, as httpx and urllib send it.

        >>> basic_credentials("admin", "s3cret")
        'YWRtaW46czNjcmV0'
    """
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _forms(secret: str) -> set[str]:
    """``secret`` as a server or an exception may write it back: as sent, percent-encoded (a path, a query,
    a form), escaped in a JSON string, a Python repr or HTML/XML."""
    in_json = json.dumps(secret)[1:-1]
    # Percent-encoded as a path segment, a path, a form value, and a query as httpx writes it (RFC 3986).
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), quote(secret, safe="!$&'()*+,;=:@/?"),
             repr(secret)[1:-1], html.escape(secret), html.escape(secret, quote=False), in_json,
             # Go's encoder escapes <, > and &; PHP's and some Java ones escape /.
             in_json.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
             in_json.replace("/", "\\/")}
    return {form for form in forms if len(form) >= _SHORTEST}


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: enough to say where, without a path, query or user-info.

        >>> url_origin("https://u:p@hooks.slack.com/services/T0/B0/XYZ")
        'https://hooks.slack.com'
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, _host(url), "", "", ""))


def url_without_credentials(url: str) -> str:
    """The URL without user-info, query or fragment, which may carry credentials; the path stays.

        >>> url_without_credentials("http://u:p@127.0.0.1:8765/model?accessKey=k#x")
        'http://127.0.0.1:8765/model'
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, _host(url), parts.path, "", ""))


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


class RedactingFilter(logging.Filter):
    """Replaces registered secrets in text: a server's error body, an exception's message, a log record.

    As a :class:`logging.Filter`, records are never dropped, only rewritten. Registration is thread-safe
    and the filter reads an immutable snapshot, so a client registering a URL while another thread logs
    is harmless.

        >>> f = RedactingFilter()
        >>> f.hide("s3cret")
        >>> f.redact("token s3cret refused")
        'token *** refused'
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pairs: tuple[tuple[str, str], ...] = ()

    def hide(self, secret: str, shown_as: str = MASK) -> None:
        """From now on, show ``secret`` as ``shown_as`` in every record this filter sees."""
        self._add({secret: shown_as})

    def hide_secret(self, *secrets: str | None) -> None:
        """Hide each secret (a password, token, key) in every form it may come back in; ``None`` is skipped."""
        self._add({form: MASK for secret in secrets for form in _forms(secret or "")})

    def _add(self, shown: Mapping[str, str]) -> None:
        """Register each secret with the text shown instead, in one new snapshot."""
        shown = {secret: instead for secret, instead in shown.items() if secret and secret != instead}
        if not shown:
            return
        with self._lock:
            pairs = {**dict(self._pairs), **shown}
            # Longest first: a secret that extends another (``/hooks/AB`` vs ``/hooks/A``) must be
            # replaced whole, not leave its tail behind.
            self._pairs = tuple(sorted(pairs.items(), key=lambda p: -len(p[0])))

    def hide_basic_auth(self, user: str, password: str) -> None:
        """Hide a basic-auth password and the ``Authorization: Basic`` token made of it."""
        self.hide_secret(password, basic_credentials(user, password))

    def hide_headers(self, headers: Mapping[str, str]) -> None:
        """Hide the values of credential headers (``Authorization``, ``X-Api-Key``, ``Cookie``, tokens).

        An ``Authorization`` value is hidden whole and without its scheme, since the scheme alone tells
        nothing secret: ``Bearer abc`` hides ``Bearer abc`` and ``abc``.
        """
        for name, value in headers.items():
            if _SECRET_HEADER.search(name):
                self.hide_secret(value, value.partition(" ")[2])

    def hide_url_secrets(self, url: str | None, *, keep_path: bool = False) -> None:
        """Hide what is secret in a URL: its password, its query values and, unless ``keep_path``, the URL
        whole, its path and the path's last segment (a webhook's token, e.g. Slack's ``/services/T0/B0/<token>``).
        ``None`` (no URL) hides nothing."""
        if not url:
            return
        parts = urlsplit(url)
        self.hide_secret(parts.password)
        for pair in parts.query.split("&"):
            # As written and decoded both ways: whether "+" means a space depends on who reads it.
            value = pair.partition("=")[2]
            self.hide_secret(value, unquote(value), unquote_plus(value))
        if not keep_path and parts.path.strip("/"):
            self.hide_secret(url, parts.path, parts.path.rstrip("/").rsplit("/", 1)[-1])

    def redact(self, text: str) -> str:
        """``text`` with every registered secret, and every request signature or token, replaced."""
        for secret, shown_as in self._pairs:
            if secret in text:
                text = text.replace(secret, shown_as)
        return _MADE_PER_REQUEST.sub(_mask_match, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when it holds a secret; always keep the record."""
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _mask_match(match: re.Match[str]) -> str:
    """The kept name of a :data:`_MADE_PER_REQUEST` match followed by the mask."""
    return next(group for group in match.groups() if group is not None) + MASK


SECRETS = RedactingFilter()
"""The one filter every component registers its secrets with; installed on the ``httpx`` logger."""

logging.getLogger("httpx").addFilter(SECRETS)


def hide_url(url: str, *, keep_path: bool = False) -> str:
    """Keep ``url``'s secrets out of httpx's log lines; return the form shown instead.

    The shown form is :func:`url_origin` plus ``/***`` when the path is the secret (webhooks), or
    :func:`url_without_credentials` with ``keep_path=True`` (an endpoint whose only secrets are the
    query and user-info). Both the URL as given and as httpx writes it (normalized) are hidden.
    """
    import httpx  # here, not at the top: the rest of this module is needed where httpx is not

    parts = urlsplit(url)
    secret_path = not keep_path and parts.path.strip("/")
    if not (secret_path or parts.query or parts.fragment or parts.username or parts.password):
        return url_without_credentials(url)  # nothing in it is secret
    shown = url_without_credentials(url) if keep_path else url_origin(url) + "/" + MASK
    for form in {url, str(httpx.URL(url))}:
        SECRETS.hide(form, shown)
    return shown
