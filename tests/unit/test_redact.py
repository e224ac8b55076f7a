"""airstream.common.redact: the one filter that keeps URL secrets out of log lines (httpx, CML, webhooks)."""

from __future__ import annotations

import logging

import httpx
import pytest

from airstream.common.redact import SECRETS, RedactingFilter, hide_url, url_origin, url_without_credentials


@pytest.mark.parametrize(("url", "origin", "without_credentials"), [
    ("https://hooks.slack.com/services/T0/B0/X", "https://hooks.slack.com", "https://hooks.slack.com/services/T0/B0/X"),
    ("http://u:p@10.0.0.1:8080/m?k=v#f", "http://10.0.0.1:8080", "http://10.0.0.1:8080/m"),
    ("http://[::1]:9000/hook?token=t", "http://[::1]:9000", "http://[::1]:9000/hook"),
])
def test_safe_forms_of_a_url(url: str, origin: str, without_credentials: str) -> None:
    assert url_origin(url) == origin
    assert url_without_credentials(url) == without_credentials


def test_a_secret_that_extends_another_is_hidden_whole() -> None:
    f = RedactingFilter()
    f.hide("http://h/hooks/A", "http://h/***")
    f.hide("http://h/hooks/AB", "http://h/***")
    assert f.redact("to http://h/hooks/AB and http://h/hooks/A") == "to http://h/*** and http://h/***"


def test_httpx_log_lines_show_the_registered_url_safely(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = "http://127.0.0.1:9/hooks/SECRET-PATH?token=SECRET TOKEN"  # httpx writes the space as %20
    shown = hide_url(url)
    with httpx.Client(transport=httpx.MockTransport(lambda req: httpx.Response(204))) as client:
        client.post(url)
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        f'HTTP Request: POST {shown} "HTTP/1.1 204 No Content"']
    assert "SECRET" not in caplog.text


def test_a_url_without_secrets_is_left_alone() -> None:
    assert hide_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/"
    assert hide_url("http://127.0.0.1:9/model", keep_path=True) == "http://127.0.0.1:9/model"
    assert SECRETS.redact("POST http://127.0.0.1:9/model") == "POST http://127.0.0.1:9/model"
