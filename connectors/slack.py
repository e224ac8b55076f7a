"""A Slack sink: one message per record, from a template over the record's fields, via slack_sdk.

Two ways to post, as Slack offers them::

    from airstream.connectors.slack import SlackSink

    # a bot token (chat.postMessage): the channel is chosen here
    sink = SlackSink(token=os.environ["SLACK_BOT_TOKEN"], channel="#influencer-alerts",
                     template="{user[screen_name]} ({friendscount} friends): {tweettext}")
    # or an incoming webhook: the channel is fixed by the webhook
    sink = SlackSink(webhook_url=os.environ["SLACK_WEBHOOK_URL"], template="Negative: {tweettext}")

    sink.send({"user": {"screen_name": "ann"}, "friendscount": 250, "tweettext": "lost my bag"})

Templates are ``str.format`` templates over the record (``{field}``, ``{nested[key]}``, ``{n:.2f}``);
a field the record lacks is a :class:`SlackTemplateError` naming it. Rate limits (HTTP 429) wait for
``Retry-After`` (slack_sdk's ``RateLimitErrorRetryHandler``); 5xx answers and connection errors are
retried ``retries`` times with exponential back-off. A rejected token is a :class:`SlackAuthError`, an
unknown channel (or one the bot is not in) a :class:`SlackChannelError` naming the channel. The
token and the webhook URL (itself a secret) never appear in errors, ``repr()`` or logs, not even when
a server (or a proxy) echoes the request back in its answer.

It is also a :class:`airstream.common.sink.Sink`, so an engine drives it like the other sinks: ``write``
posts each :class:`~airstream.common.sink.SinkRecord`'s value at once (a posted message is durable),
``flush`` returns the offsets after the posted records, and records Slack refuses (a template field
missing, a message too long ...) come back in :class:`~airstream.common.sink.RejectedRecords` for the
dead-letter topic. A rejected token or channel on a batch's first record raises
:class:`SlackAuthError` / :class:`SlackChannelError` with nothing accepted, so the application stops
on bad configuration instead of dead-lettering every alert.
"""

from __future__ import annotations

import logging
import os
import random
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.webhook import WebhookClient

from airstream.common.redact import SECRETS, RedactingFilter
from airstream.common.sink import (
    Dataset,
    OffsetTracker,
    Rejected,
    RejectedRecords,
    SinkError,
    SinkRecord,
    TopicPartition,
)

__all__ = ["SendReport", "SlackAuthError", "SlackChannelError", "SlackSink", "SlackSinkError", "SlackTemplateError"]

log = logging.getLogger(__name__)

_AUTH_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                "invalid_token", "no_service", "no_team", "team_disabled", "action_prohibited"}
_CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "no_active_hooks"}


class SlackSinkError(SinkError):
    """Posting to Slack failed for good (after the retries)."""


class SlackAuthError(SlackSinkError):
    """Slack rejected the bot token or the webhook."""


class SlackChannelError(SlackSinkError):
    """The channel does not exist, is archived, or the bot is not a member."""


class SlackTemplateError(SlackSinkError, KeyError):
    """The template is malformed or names a field the record does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class SendReport:
    """What ``send_batch`` did: messages ``sent`` and ``failed`` as ``(record index, reason)``."""

    sent: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


class _AnyServerError(ServerErrorRetryHandler):
    """slack_sdk's handler retries 500 and 503 only; gateways answer 502 and 504 too."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and response.status_code >= 500


class _FullJitter(Jitter):
    """Sleep a uniform time in [0, interval]; slack_sdk's default adds up to a whole second to every retry."""

    def recalculate(self, duration: float) -> float:
        return random.uniform(0.0, duration)


# slack_sdk logs the webhook URL and may log the token: the shared filter masks both.
_sdk_log = logging.getLogger(f"{__name__}.sdk")
_sdk_log.addFilter(SECRETS)


class SlackSink:
    """Posts one Slack message per record.

    Args:
        token: a bot token (``xoxb-...``); default ``$SLACK_BOT_TOKEN``. Needs ``channel``.
        webhook_url: an incoming-webhook URL; default ``$SLACK_WEBHOOK_URL``. Used when there is no token.
        channel: channel name or id for ``chat.postMessage``.
        template: ``str.format`` template over the record's fields.
        base_url: the Web API root (default Slack's; a local server in tests), e.g. ``http://127.0.0.1:9/api/``.
        retries: retries for 429, 5xx and connection errors, each.
        backoff: 5xx and connection-error retries sleep a uniform time in ``[0, backoff * 2**attempt]``
            seconds (429 waits ``Retry-After``).
        timeout: seconds per HTTP request.
    """

    def __init__(self, *, token: str | None = None, webhook_url: str | None = None, channel: str | None = None,
                 template: str = "{text}", base_url: str | None = None, retries: int = 3, backoff: float = 0.5,
                 timeout: int = 30) -> None:
        token = token or (None if webhook_url else os.environ.get("SLACK_BOT_TOKEN"))
        webhook_url = webhook_url or (None if token else os.environ.get("SLACK_WEBHOOK_URL"))
        if not token and not webhook_url:
            raise SlackSinkError("no Slack credentials: set SLACK_BOT_TOKEN (with a channel) or SLACK_WEBHOOK_URL")
        if token and not channel:
            raise SlackSinkError("a bot token needs a channel: SlackSink(token=..., channel='#alerts')")
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        except ValueError as exc:
            raise SlackTemplateError(f"Slack message template {template!r} is malformed: {exc}") from None
        if any(name == "" or name.isdigit() for name in fields):
            raise SlackTemplateError(f"Slack message template {template!r}: name each field, e.g. {{tweettext}}")
        self.channel = channel
        self.template = template
        self._offsets = OffsetTracker()
        self._token = token
        self._webhook_url = webhook_url
        # The sink's own filter scrubs the answers and errors it shows; the shared one, slack_sdk's logs.
        self._scrub = RedactingFilter()
        for scrubber in (self._scrub, SECRETS):
            scrubber.hide_secret(token)
            scrubber.hide_url_secrets(webhook_url)
        calculator = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=_FullJitter())
        handlers: list[RetryHandler] = [
            RateLimitErrorRetryHandler(max_retry_count=retries),
            _AnyServerError(max_retry_count=retries, interval_calculator=calculator),
            ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=calculator),
        ]
        if token:
            self._web: WebClient | None = WebClient(token=token, base_url=base_url or WebClient.BASE_URL,
                                                    timeout=timeout, retry_handlers=handlers, logger=_sdk_log)
            self._hook: WebhookClient | None = None
            self._where = f"channel {channel!r}"
        else:
            assert webhook_url is not None  # without a token, the credentials check above leaves a webhook URL
            self._web = None
            self._hook = WebhookClient(url=webhook_url, timeout=timeout, retry_handlers=handlers, logger=_sdk_log)
            self._where = f"the incoming webhook on {urlsplit(webhook_url).hostname}"

    def __repr__(self) -> str:
        how = "token='***'" if self._token else "webhook_url='***'"
        return f"SlackSink({how}, channel={self.channel!r}, template={self.template!r})"

    def render(self, record: Mapping[str, Any]) -> str:
        """The message text for one record.

        >>> SlackSink(webhook_url="https://hooks.example/x", template="{who}: {n:.1f}").render({"who": "ann", "n": 2})
        'ann: 2.0'
        """
        try:
            return self.template.format_map(record)
        except (KeyError, IndexError) as exc:
            raise SlackTemplateError(f"Slack message template {self.template!r} needs field {exc} which the record "
                                     f"does not have (it has: {', '.join(sorted(map(str, record)))})") from None

    def send(self, record: Mapping[str, Any]) -> None:
        """Post one record's message; raises :class:`SlackSinkError` (or a subclass) when Slack refuses it."""
        self.post(self.render(record))

    def post(self, text: str) -> None:
        """Post a ready-made message text."""
        try:
            if self._web is not None:
                assert self.channel is not None  # a token comes with a channel: __init__ refuses one without
                self._web.chat_postMessage(channel=self.channel, text=text)
                return
            assert self._hook is not None
            resp = self._hook.send(text=text)
        except SlackApiError as exc:
            raise self._error(str(exc.response.get("error", "")), exc.response.status_code) from None
        except (URLError, OSError, SlackClientError) as exc:
            reason = self._scrub.redact(str(getattr(exc, "reason", exc)))
            raise SlackSinkError(f"cannot reach Slack for {self._where}: {type(exc).__name__}: {reason}") from None
        if resp.status_code != 200:
            raise self._error(resp.body.strip(), resp.status_code)

    def _error(self, answer: str, status: int) -> SlackSinkError:
        """The error for Slack's ``answer`` (an error code, or a webhook's body), scrubbed and cut short."""
        # Scrubbed before it is cut: a cut could leave a secret's head that no longer matches.
        code = self._scrub.redact(answer)[:100]
        if code in _AUTH_ERRORS or status == 401:
            which = "bot token (check SLACK_BOT_TOKEN)" if self._token else "webhook (check SLACK_WEBHOOK_URL)"
            return SlackAuthError(f"Slack rejected the {which}: {code or status}")
        if code in _CHANNEL_ERRORS:
            return SlackChannelError(f"Slack cannot post to {self._where}: {code}. Check the channel name and "
                                     f"invite the bot to it (/invite @your-bot)")
        return SlackSinkError(f"Slack refused a message to {self._where}: HTTP {status} {code}".rstrip())

    def send_batch(self, records: Iterable[Mapping[str, Any]]) -> SendReport:
        """Post each record; per-record failures are reported, not raised.

        Token and channel errors are raised at once (:class:`SlackAuthError`, :class:`SlackChannelError`):
        every later message would fail the same way.
        """
        report = SendReport()
        for i, record in enumerate(records):
            try:
                self.send(record)
            except (SlackAuthError, SlackChannelError):
                raise
            except SlackSinkError as exc:
                log.warning("Slack message %d not sent: %s", i, exc)
                report.failed.append((i, str(exc)))
            else:
                report.sent += 1
        return report

    # -- the Sink contract -------------------------------------------------------------------------

    def write(self, records: Sequence[SinkRecord]) -> None:
        """Post one message per record now; refused records are raised as :class:`RejectedRecords`."""
        rejected: list[Rejected] = []
        posted = 0
        for record in records:
            try:
                self.send(record.value)
            except (SlackAuthError, SlackChannelError) as exc:
                if posted == 0 and not rejected:
                    raise
                # Part of the batch is already in Slack: hand the rest back rather than post it twice.
                rejected.append(Rejected(record, str(exc)))
            except SlackTemplateError as exc:
                rejected.append(Rejected(record, str(exc), field=None))
            except SlackSinkError as exc:
                rejected.append(Rejected(record, str(exc)))
            else:
                posted += 1
            self._offsets.seen(record.topic_partition, record.offset)
        if rejected:
            raise RejectedRecords(self.describe(), rejected)

    def flush(self) -> dict[TopicPartition, int]:
        """Everything written is already posted: the offsets after the last record seen per partition."""
        return self._offsets.committable({})

    def release(self, partitions: Iterable[TopicPartition]) -> None:
        """Forget revoked partitions (nothing is buffered)."""
        self._offsets.forget(partitions)

    def close(self) -> None:
        """Nothing to release: slack_sdk opens a connection per request."""

    def describe(self) -> str:
        """The target and template, never the token or the webhook URL."""
        return f"Slack {self._where} template={self.template!r}"

    def lineage(self) -> list[Dataset]:
        """The Slack channel the alerts go to (an incoming webhook's own channel is not known here: it
        is named ``incoming-webhook``); never the webhook URL or the token."""
        return [Dataset("slack_channel", self.channel or "incoming-webhook", namespace="slack")]
