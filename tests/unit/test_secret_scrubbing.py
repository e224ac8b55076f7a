"""No secret a client sends comes back through its errors, logs or repr, even from a server that echoes it.

Each client is pointed at a local server answering every request with an error that echoes the request's
headers (credentials first), path, query and body (tests/servers/echo.py). The error a user sees must
still say what failed -- the status, the server, what to do -- but none of the secrets in any form a
server writes them back: as sent, percent-encoded, or base64 in a basic-auth header.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from servers.echo import EchoServer, S3EchoServer

from airstream.common.redact import RedactingFilter, basic_credentials
from airstream.common.sink import SinkError, SinkRecord
from airstream.connectors.atlas import AtlasClient, AtlasError
from airstream.connectors.cml import CMLClient
from airstream.connectors.parquet import ParquetSink, S3Options
from airstream.connectors.slack import SlackAuthError, SlackSink, SlackSinkError
from airstream.monitor.alerts import AlertEvent, AlertState
from airstream.monitor.notifiers import NotifyError, SlackNotifier, WebhookNotifier

# Secrets with characters that change when percent-, JSON- or HTML-encoded.
PASSWORD = "pa ss/w+rd&<9f3k>"
TOKEN = "xoxb-1111-2222-t0ken+secret"
HOOK_SECRET = "HOOKp4thSECRET"
QUERY_SECRET = "qu3ry secret/+"
API_KEY = "api key+7f3a/secret"
ACCESS_KEY = "acc&ess-91bc"
S3_SECRET = "s3-SECRET-key/+never"
SESSION_TOKEN = "FwoGZXIvYXdzSESSIONtok3n/+=="


def forms(*secrets: str) -> set[str]:
    """Each secret as sent, percent-encoded and form-encoded: how a server's echo may hold it."""
    return {form for s in secrets for form in (s, quote(s, safe=""), quote(s), quote_plus(s))}


def assert_clean(texts: Iterable[str], secrets: set[str]) -> None:
    for text in texts:
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{leaked} in {text!r}"


def event() -> AlertEvent:
    return AlertEvent("behind", "group", "scorer", AlertState.FIRING, "critical", 1500.0, "lag 1500 above 1000",
                      100.0, 90.0, {})


# -- the scrubber itself -------------------------------------------------------------------------------

@pytest.mark.parametrize("echoed", [
    f"Authorization: Basic {basic_credentials('admin', PASSWORD)}",
    f'{{"password": "{PASSWORD}"}}'.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"),
    f"<Message>pw={PASSWORD.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</Message>",
    f"GET /login?pw={quote(PASSWORD, safe='')} and /login?pw={quote_plus(PASSWORD)}",
    f"ValueError({PASSWORD!r})",
])
def test_a_password_is_found_in_every_form_a_server_writes_it_back(echoed: str) -> None:
    scrubber = RedactingFilter()
    scrubber.hide_basic_auth("admin", PASSWORD)
    scrubbed = scrubber.redact(echoed)
    assert "***" in scrubbed
    assert_clean([scrubbed], forms(PASSWORD, basic_credentials("admin", PASSWORD)) | {"pa ss", "w+rd"})


@pytest.mark.parametrize(("echoed", "kept"), [
    ("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA1%2F20260101%2Fus-east-1"
     "&X-Amz-Signature=4cd85f77503b5a9c&X-Amz-Security-Token=FwoGZX", "X-Amz-Algorithm=AWS4-HMAC-SHA256"),
    ("authorization: AWS4-HMAC-SHA256 Credential=AKIA1/20260101/us-east-1/s3/aws4_request, "
     "SignedHeaders=host;x-amz-date, Signature=66aff57691b6b227", "SignedHeaders=host;x-amz-date"),
    ('{"x-amz-security-token": "FwoGZX", "status": 403}', '"status": 403'),
    ("WWW-Authenticate: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEF", "WWW-Authenticate"),
])
def test_signatures_and_tokens_made_per_request_are_found_by_their_shape(echoed: str, kept: str) -> None:
    scrubbed = RedactingFilter().redact(echoed)
    assert_clean([scrubbed], {"4cd85f77503b5a9c", "66aff57691b6b227", "FwoGZX", "AKIA1", "YIIGhgYJKoZIhvcSAQIC"})
    assert kept in scrubbed


@pytest.mark.parametrize("url", [f"https://h/hook?token={QUERY_SECRET}", f"https://h/hook?token={quote(QUERY_SECRET)}",
                                 f"https://h/hook?token={quote_plus(QUERY_SECRET)}"])
def test_a_query_secret_is_found_however_the_url_was_written(url: str) -> None:
    scrubber = RedactingFilter()
    scrubber.hide_url_secrets(url, keep_path=True)
    echoed = [f"GET /hook?token={form}" for form in forms(QUERY_SECRET) | {"qu3ry%20secret/+"}]  # + as httpx sends it
    assert_clean([scrubber.redact(text) for text in echoed], forms(QUERY_SECRET) | {"qu3ry%20secret/+"})


def test_ordinary_error_text_is_left_alone() -> None:
    scrubber = RedactingFilter()
    scrubber.hide_basic_auth("admin", PASSWORD)
    text = ("HTTP 403 Forbidden: Bearer authentication required; the request signature we calculated does not "
            "match the signature you provided (credentials for user admin)")
    assert scrubber.redact(text) == text


# -- Atlas ---------------------------------------------------------------------------------------------

SCRIPT = """
from airstream.topology.builder import StreamsBuilder

def build():
    b = StreamsBuilder()
    b.stream("tweets").to("airlines")
    return b.build()
"""


@pytest.mark.parametrize(("status", "shape"), [(500, "json"), (400, "json"), (502, "text")])
def test_airstream_lineage_shows_atlas_errors_without_the_password(status: int, shape: str, tmp_path: Path) -> None:
    script = tmp_path / "pipeline.py"
    script.write_text(textwrap.dedent(SCRIPT))
    with EchoServer(status=status, shape=shape) as atlas:  # type: ignore[arg-type]
        done = subprocess.run([sys.executable, "-m", "airstream.cli", "lineage", f"{script}:build",
                               "--atlas-url", atlas.url, "--atlas-user", "admin"], capture_output=True, text=True,
                              env={**os.environ, "ATLAS_PASSWORD": PASSWORD}, timeout=60)
    credentials = basic_credentials("admin", PASSWORD)
    assert atlas.sent(credentials)  # the echo carried it back
    assert done.returncode == 1
    assert done.stderr.startswith(f"airstream lineage: Atlas answered {status} to GET /api/atlas/v2/types/")
    assert "Basic ***" in done.stderr  # the echoed header, scrubbed within what is shown
    assert_clean([done.stdout, done.stderr], forms(PASSWORD, credentials))


def test_atlas_client_errors_and_repr_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=500, shape="text") as atlas:
        client = AtlasClient(atlas.url, username="admin", password=PASSWORD)
        with pytest.raises(AtlasError, match=r"^Atlas answered 500 to GET /api/atlas/v2/types/") as info:
            client.ensure_types()
        client.close()
    credentials = basic_credentials("admin", PASSWORD)
    assert atlas.sent(credentials)
    assert "Basic ***" in str(info.value)
    assert_clean([str(info.value), repr(client), caplog.text], forms(PASSWORD, credentials))


# -- Slack ---------------------------------------------------------------------------------------------

def test_slack_bot_errors_hold_no_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=400, shape="json") as slack:
        sink = SlackSink(token=TOKEN, channel="#alerts", template="{text}", base_url=f"{slack.url}/api/")
        with pytest.raises(SlackSinkError, match=r"Slack refused a message to channel '#alerts': HTTP 400 ") as info:
            sink.send({"text": "lost my bag"})
    assert slack.sent(TOKEN)
    assert "Bearer ***" in str(info.value)
    assert_clean([str(info.value), repr(sink), sink.describe(), caplog.text], forms(TOKEN))


def test_slack_rejecting_the_token_says_so_without_it() -> None:
    with EchoServer(status=401, shape="json") as slack:
        sink = SlackSink(token=TOKEN, channel="#alerts", base_url=f"{slack.url}/api/")
        with pytest.raises(SlackAuthError, match=r"Slack rejected the bot token \(check SLACK_BOT_TOKEN\)") as info:
            sink.post("hello")
    assert slack.sent(TOKEN)
    assert_clean([str(info.value)], forms(TOKEN))


def test_slack_webhook_errors_hold_no_part_of_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=500, shape="text") as slack:
        url = f"{slack.url}/services/T0/B0/{HOOK_SECRET}?token={quote(QUERY_SECRET)}"
        sink = SlackSink(webhook_url=url, retries=1, backoff=0.01)
        with pytest.raises(SlackSinkError, match=r"incoming webhook on 127\.0\.0\.1: HTTP 500 POST \*\*\*") as info:
            sink.post("hello")
    assert slack.sent(HOOK_SECRET)
    assert_clean([str(info.value), repr(sink), sink.describe(), caplog.text],
                 forms(HOOK_SECRET, QUERY_SECRET, url))


# -- CML -----------------------------------------------------------------------------------------------

def test_cml_errors_hold_no_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with (EchoServer(status=400, shape="text") as model,
          CMLClient(f"{model.url}/model?t={quote(QUERY_SECRET)}", ACCESS_KEY, API_KEY, retries=0) as cml):
        [result] = cml.score_batch([{"sentence": "late again"}])
    assert model.sent(API_KEY) and model.sent(ACCESS_KEY) and model.sent(quote(QUERY_SECRET))
    assert result.reason is not None and result.reason.startswith(f"CML model at {model.url}/model answered HTTP 400: ")
    assert "Authorization: ***" in result.reason and '"accessKey":"***"' in result.reason
    assert_clean([result.reason, repr(cml), caplog.text], forms(ACCESS_KEY, API_KEY, QUERY_SECRET))


# -- S3 (ParquetSink) ----------------------------------------------------------------------------------

def s3_options(endpoint_url: str) -> S3Options:
    return S3Options(endpoint_url=endpoint_url, region="us-east-1", access_key="AKIAECHO", secret_key=S3_SECRET,
                     session_token=SESSION_TOKEN)


def signatures(server: EchoServer) -> set[str]:
    """The SigV4 signatures of the requests the server received."""
    return {r.headers["authorization"].rpartition("Signature=")[2] for r in server.requests}


def records(n: int) -> list[SinkRecord]:
    return [SinkRecord("airlines", 0, i, 0, None, {"id": i}) for i in range(n)]


def test_s3_listing_errors_hold_no_token_or_signature(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=403, shape="xml") as s3:
        sink = ParquetSink("s3://cloudair/tables/t", s3=s3_options(s3.url))
        with pytest.raises(SinkError, match=r"cannot list s3://cloudair/tables/t .*ACCESS_DENIED") as info:
            sink.write(records(3))
    assert s3.sent(SESSION_TOKEN) and signatures(s3)
    assert "x-amz-security-token: ***" in str(info.value) and "Signature=***" in str(info.value)
    assert info.value.__cause__ is None  # a chained cause would print the raw text in a traceback
    assert_clean([str(info.value), sink.describe(), caplog.text], forms(SESSION_TOKEN, S3_SECRET) | signatures(s3))


def test_s3_upload_errors_hold_no_token_or_signature(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with S3EchoServer() as s3:
        sink = ParquetSink("s3://cloudair/tables/t", s3=s3_options(s3.url), max_rows=2)
        sink.write(records(3))  # the first file is full: its failed upload is logged, to be retried on flush
        with pytest.raises(SinkError, match=r"could not write cloudair/tables/t/airlines-0-.*records stay buffered"
                           ) as info:
            sink.flush()
    assert s3.sent(SESSION_TOKEN) and "will retry on flush" in caplog.text
    assert "Signature=***" in str(info.value)
    assert_clean([str(info.value), caplog.text], forms(SESSION_TOKEN, S3_SECRET) | signatures(s3))


# -- airmon notifiers ----------------------------------------------------------------------------------

def test_webhook_notifier_errors_hold_no_part_of_the_url_or_headers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=500, shape="text") as receiver:
        hook = WebhookNotifier("ops", f"{receiver.url}/services/T0/B0/{HOOK_SECRET}?token={quote(QUERY_SECRET)}",
                               headers={"Authorization": f"Bearer {TOKEN}"})
        with pytest.raises(NotifyError) as info:
            hook.send([event()])
        hook.close()
    assert receiver.sent(HOOK_SECRET) and receiver.sent(TOKEN)
    assert str(info.value) == f"webhook 'ops' to {receiver.url} answered HTTP 500"
    assert_clean([str(info.value), repr(hook), caplog.text], forms(HOOK_SECRET, QUERY_SECRET, TOKEN))


def test_slack_notifier_webhook_errors_hold_no_part_of_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=500, shape="text") as slack:
        notifier = SlackNotifier("slack", webhook_url=f"{slack.url}/services/T0/B0/{HOOK_SECRET}")
        with pytest.raises(NotifyError, match=r"^slack 'slack': webhook answered HTTP 500 \(POST \*\*\*") as info:
            notifier.send([event()])
    assert slack.sent(HOOK_SECRET)
    assert_clean([str(info.value), repr(notifier), caplog.text], forms(HOOK_SECRET))


def test_slack_notifier_api_errors_hold_no_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(status=400, shape="json") as slack:
        notifier = SlackNotifier("slack", token=TOKEN, channel="#ops", base_url=f"{slack.url}/api/")
        with pytest.raises(NotifyError, match=r"^slack 'slack': chat.postMessage failed: POST /api/chat") as info:
            notifier.send([event()])
    assert slack.sent(TOKEN)
    assert "Bearer ***" in str(info.value)
    assert_clean([str(info.value), repr(notifier), caplog.text], forms(TOKEN))
