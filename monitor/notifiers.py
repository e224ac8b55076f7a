"""Where alert events go: log, HTTP webhook (httpx), Slack (slack_sdk) -- and the :class:`Dispatcher`.

A notifier sends a *batch* of :class:`~airstream.monitor.alerts.AlertEvent` in one message. The dispatcher routes
each event to the notifiers its rule names, sends each alert's opening and resolution once (never a
second ``firing`` for an alert still open), and rate-limits every notifier to one message per its
``min_interval``: events that arrive meanwhile wait and go out together in the next message. A
failed send is reported and retried on the next flush; nothing is dropped silently. Tokens and webhook
URLs (Slack's embed a secret) never appear in ``repr()`` or in error messages, not even when the
receiver echoes the request in its answer.

Example::

    >>> from airstream.monitor.rules import parse_rules
    >>> rules = parse_rules({"notifiers": {"console": {"type": "log"}},
    ...                      "rules": [{"name": "lag", "kind": "group_lag", "above": 5, "notify": ["console"]}]})
    >>> dispatcher = build_dispatcher(rules)
    >>> dispatcher.notifiers["console"]
    LogNotifier(name='console')
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx
import orjson

from airstream.common.redact import RedactingFilter, hide_url, url_origin
from airstream.monitor.alerts import AlertEvent, AlertState
from airstream.monitor.rules import NotifierSpec, RuleSet

__all__ = ["Dispatcher", "LogNotifier", "Notifier", "NotifyError", "SlackNotifier", "WebhookNotifier",
           "build_dispatcher", "build_notifier"]

_QUEUE_LIMIT = 1000
_ICONS = {AlertState.FIRING: ":rotating_light:", AlertState.RESOLVED: ":white_check_mark:"}


class NotifyError(RuntimeError):
    """A notifier could not deliver; the message names the notifier and the reason, never a secret."""


@runtime_checkable
class Notifier(Protocol):
    """Sends a batch of alert events somewhere. ``send`` raises :class:`NotifyError` on failure."""

    name: str

    def send(self, events: Sequence[AlertEvent]) -> None:
        """Deliver ``events`` as one message."""
        ...


class LogNotifier:
    """Writes each event as one line to the ``airmon.alerts`` logger (critical -> ERROR level)."""

    _LEVELS: ClassVar[Mapping[str, int]] = {"critical": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}

    def __init__(self, name: str = "log", logger: logging.Logger | None = None) -> None:
        self.name = name
        self.logger = logger or logging.getLogger("airmon.alerts")

    def send(self, events: Sequence[AlertEvent]) -> None:
        """Log every event."""
        for e in events:
            level = self._LEVELS.get(e.severity, logging.WARNING) if e.state is AlertState.FIRING else logging.INFO
            self.logger.log(level, e.text)

    def __repr__(self) -> str:
        return f"LogNotifier(name={self.name!r})"


class WebhookNotifier:
    """POSTs ``{"source": "airmon", "alerts": [event, ...]}`` as JSON to ``url`` with httpx.

    ``headers`` are sent as given (e.g. an ``Authorization`` header); any 2xx answer is success.
    The URL's path and query are treated as secrets (Slack and many others put the token there):
    logs, errors and ``repr()`` show only its scheme, host and port.

        >>> WebhookNotifier("ops", "https://hooks.example.com/services/T0/B0/XYZ?token=abc")
        WebhookNotifier(name='ops', url='https://hooks.example.com/***')
    """

    def __init__(self, name: str, url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0,
                 client: httpx.Client | None = None) -> None:
        self.name = name
        self._url = url
        self._shown = hide_url(url)  # httpx logs every request's URL
        self._headers = {"content-type": "application/json", **(headers or {})}
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, events: Sequence[AlertEvent]) -> None:
        """POST the batch; raise :class:`NotifyError` on a transport error or a non-2xx status."""
        body = orjson.dumps({"source": "airmon", "alerts": [e.as_dict() for e in events]})
        try:
            response = self._client.post(self._url, content=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise NotifyError(f"webhook {self.name!r} to {url_origin(self._url)}: {type(exc).__name__}: "
                              "check the url and that the receiver is up") from None
        if not response.is_success:
            raise NotifyError(f"webhook {self.name!r} to {url_origin(self._url)} answered HTTP {response.status_code}")

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return f"WebhookNotifier(name={self.name!r}, url={self._shown!r})"


# slack_sdk's webhook client logs the whole webhook URL (a secret) in its DEBUG lines: its logger stops
# at INFO, whatever level the embedding application sets.
_slack_sdk_log = logging.getLogger("airmon.alerts.slack_sdk")
_slack_sdk_log.setLevel(logging.INFO)


class SlackNotifier:
    """Posts to Slack, either with a bot ``token`` + ``channel`` (``chat.postMessage``) or an incoming
    ``webhook_url``. Slack's HTTP 429 answers are retried after their ``Retry-After`` by slack_sdk's
    ``RateLimitErrorRetryHandler``. ``base_url`` points the Web API client elsewhere (tests, proxies).
    """

    def __init__(self, name: str, *, token: str | None = None, channel: str | None = None,
                 webhook_url: str | None = None, base_url: str | None = None, timeout: int = 10,
                 max_retries: int = 2) -> None:
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
        from slack_sdk.http_retry.handler import RetryHandler
        from slack_sdk.webhook import WebhookClient

        if not (webhook_url or (token and channel)):
            raise ValueError(f"slack notifier {name!r} needs webhook_url, or token and channel")
        self.name = name
        self.channel = channel
        # Slack's answer is shown in errors; a proxy or a look-alike server may echo the request in it.
        self._scrub = RedactingFilter()
        self._scrub.hide_secret(token)
        self._scrub.hide_url_secrets(webhook_url)
        retry: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=max_retries)]
        self._webhook = (WebhookClient(webhook_url, timeout=timeout, retry_handlers=retry, logger=_slack_sdk_log)
                         if webhook_url else None)
        self._web = None
        if self._webhook is None:
            url = base_url or WebClient.BASE_URL
            self._web = WebClient(token=token, base_url=url if url.endswith("/") else url + "/", timeout=timeout,
                                  retry_handlers=retry)

    @staticmethod
    def format(events: Sequence[AlertEvent]) -> str:
        """The message text: one line per event, with an icon for firing / resolved."""
        return "\n".join(f"{_ICONS.get(e.state, '')} *{e.state.value.upper()}* `{e.severity}` *{e.rule}* "
                         f"({e.cluster + ': ' if e.cluster else ''}{e.subject_kind} `{e.subject}`): {e.message}"
                         for e in events)

    def send(self, events: Sequence[AlertEvent]) -> None:
        """Post the batch as one message."""
        from slack_sdk.errors import SlackApiError

        text = self.format(events)
        try:
            if self._webhook is not None:
                response = self._webhook.send(text=text)
                if response.status_code != 200:
                    raise NotifyError(f"slack {self.name!r}: webhook answered HTTP {response.status_code} "
                                      f"({self._scrub.redact(response.body)[:100]})")
            else:
                assert self._web is not None and self.channel is not None  # checked in __init__
                self._web.chat_postMessage(channel=self.channel, text=text)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
            raise NotifyError(f"slack {self.name!r}: chat.postMessage failed: "
                              f"{self._scrub.redact(str(error))[:100]}") from None
        except NotifyError:
            raise
        except Exception as exc:  # urllib errors from slack_sdk; their text may hold the webhook URL
            raise NotifyError(f"slack {self.name!r}: {type(exc).__name__}: check the network and the "
                              "token / webhook url") from None

    def __repr__(self) -> str:
        how = "webhook" if self._webhook is not None else f"channel={self.channel!r}"
        return f"SlackNotifier(name={self.name!r}, {how})"


def build_notifier(spec: NotifierSpec) -> Notifier:
    """Make the notifier a rules file describes."""
    opts: dict[str, Any] = dict(spec.options)
    try:
        if spec.type == "log":
            return LogNotifier(spec.name)
        if spec.type == "webhook":
            return WebhookNotifier(spec.name, **opts)
        return SlackNotifier(spec.name, **opts)
    except TypeError as exc:
        # An unknown option: the TypeError names it, and options are not echoed (they hold secrets).
        raise ValueError(f"notifier {spec.name!r} ({spec.type}): {exc}") from None


class Dispatcher:
    """Routes events to notifiers, once per alert state, at most one message per ``min_interval``.

    ``routes`` maps a rule name to the notifier names it uses; ``min_intervals`` a notifier name to
    seconds. Call :meth:`deliver` with each evaluation's events and :meth:`flush` (done by
    ``deliver``) to send what is due; ``flush(force=True)`` sends everything now, e.g. at exit.
    """

    def __init__(self, notifiers: Mapping[str, Notifier], routes: Mapping[str, Sequence[str]],
                 min_intervals: Mapping[str, float] | None = None, clock: Any = time.monotonic) -> None:
        self.notifiers = dict(notifiers)
        self.routes = {rule: tuple(names) for rule, names in routes.items()}
        self.min_intervals = dict(min_intervals or {})
        self._clock = clock
        self._queues: dict[str, list[AlertEvent]] = {n: [] for n in self.notifiers}
        self._last_sent: dict[str, float] = {}
        self._told: dict[tuple[str, str, str, str], AlertState] = {}
        self.errors: list[str] = []

    def deliver(self, events: Sequence[AlertEvent]) -> list[str]:
        """Queue ``events`` for their notifiers and send what is due; return this round's errors.

        A silenced alert's opening is not sent; a resolution is sent only to notifiers told of the opening.
        """
        for e in events:
            for name in self.routes.get(e.rule, ()):
                key = (name, e.rule, e.subject_kind, e.subject)
                told = self._told.get(key)
                if e.state is AlertState.FIRING and (e.silenced or told is AlertState.FIRING):
                    continue
                if e.state is AlertState.RESOLVED and told is not AlertState.FIRING:
                    continue
                self._told[key] = e.state
                queue = self._queues[name]
                queue.append(e)
                del queue[:-_QUEUE_LIMIT]
        return self.flush()

    def acknowledge(self, rule: str, subject_kind: str, subject: str) -> int:
        """Drop the queued (not yet sent) openings of an acknowledged alert; returns how many."""
        dropped = 0
        for queue in self._queues.values():
            kept = [e for e in queue if not (e.state is AlertState.FIRING
                                             and (e.rule, e.subject_kind, e.subject) == (rule, subject_kind, subject))]
            dropped += len(queue) - len(kept)
            queue[:] = kept
        return dropped

    def flush(self, force: bool = False) -> list[str]:
        """Send every queue whose notifier is out of its ``min_interval`` (all of them with ``force``)."""
        errors: list[str] = []
        now = self._clock()
        for name, queue in self._queues.items():
            if not queue:
                continue
            last = self._last_sent.get(name)
            if not force and last is not None and now - last < self.min_intervals.get(name, 0.0):
                continue
            batch = list(queue)
            try:
                self.notifiers[name].send(batch)
            except NotifyError as exc:
                errors.append(str(exc))
                continue
            del queue[:len(batch)]
            self._last_sent[name] = now
        self.errors = errors
        return errors

    @property
    def pending(self) -> dict[str, int]:
        """Events waiting per notifier (rate-limited or failed)."""
        return {name: len(q) for name, q in self._queues.items() if q}


def build_dispatcher(rules: RuleSet) -> Dispatcher:
    """The dispatcher for a rules file: its notifiers, each rule's ``notify`` list, the intervals."""
    notifiers = {name: build_notifier(spec) for name, spec in rules.notifiers.items()}
    return Dispatcher(notifiers, {r.name: r.notify for r in rules.rules},
                      {name: spec.min_interval for name, spec in rules.notifiers.items()})
