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
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "SECRETS", "RedactingFilter", "hide_url", "is_secret", "redact", "scrub", "url_origin",
           "url_without_credentials"]

MASK = "***"
_SECRET_NAME = re.compile(r"password|secret|token|jaas|\.pem$|credentials", re.IGNORECASE)


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
    for key, value in config.items():
        if is_secret(key) and isinstance(value, str) and len(value) >= 3:
            text = text.replace(value, MASK)
    return text


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
    """A :class:`logging.Filter` that replaces registered secrets in a record's message.

    Records are never dropped, only rewritten. Registration is thread-safe and the filter reads an
    immutable snapshot, so a client registering a URL while another thread logs is harmless.

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
        if not secret or secret == shown_as:
            return
        with self._lock:
            pairs = dict(self._pairs)
            pairs[secret] = shown_as
            # Longest first: a secret that extends another (``/hooks/AB`` vs ``/hooks/A``) must be
            # replaced whole, not leave its tail behind.
            self._pairs = tuple(sorted(pairs.items(), key=lambda p: -len(p[0])))

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced."""
        for secret, shown_as in self._pairs:
            if secret in text:
                text = text.replace(secret, shown_as)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when it holds a secret; always keep the record."""
        if self._pairs:
            message = record.getMessage()
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


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
