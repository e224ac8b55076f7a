"""Failures of `airstream replay`, `airstream run` and the CloudAir demo against the real broker end in
one line and the documented exit code: a bad row says how many rows were produced and how to resume
(and resuming produces every row once), an unknown topic is named, client properties reach the
clients without their secrets reaching stderr, and a Slack or S3 sink that fails during a run is named
plainly."""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import orjson
import pytest
from cli_support import one_line
from runtime_support import AIRSTREAM, create_topic, produce, read_topic

from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay

pytestmark = pytest.mark.kafka


def _airstream(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AIRSTREAM, *args], capture_output=True, text=True, timeout=timeout)


def _tweets_with_bad_row(path: Path, rows: int, bad_row: int) -> Path:
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))[: rows + 1]
    table[bad_row][table[0].index("tweet_created")] = "yesterday"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table)
    return path


def _sasl_properties(tmp_path: Path) -> Path:
    """A PLAIN login in the Java form the README invites; the local broker's listener has no SASL."""
    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                     "org.apache.kafka.common.security.plain.PlainLoginModule required "
                     'username="cloudair" password="w16-hunter2";\nmessage.timeout.ms=3000\n')
    return props


# -- airstream replay -----------------------------------------------------------------------------------

def test_a_bad_row_says_what_was_produced_and_resuming_duplicates_nothing(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    path = _tweets_with_bad_row(tmp_path / "tweets.csv", rows=20, bad_row=8)
    args = ["replay", str(path), "--topic", unique_name, "--bootstrap", kafka_cluster, "--no-progress"]
    stopped = _airstream(*args)
    assert stopped.returncode == 1
    assert one_line(stopped) == (
        f"airstream replay: stopped at row 8 ({path}:9) with 7 rows produced: bad row (time data 'yesterday' does "
        "not match format '%Y-%m-%d %H:%M:%S %z'); rerun with --from-row 8 to resume once it is fixed, or with "
        "--from-row 8 --on-error skip")
    resumed = _airstream(*args, "--from-row", "8", "--on-error", "skip")
    assert resumed.returncode == 0, resumed.stderr
    assert f"produced 12 tweets to topic '{unique_name}'" in resumed.stdout and "(1 bad rows skipped)" in resumed.stdout
    ids = [orjson.loads(m.value())["id_str"] for m in read_topic(kafka_cluster, unique_name, 19)]
    assert len(ids) == 19 and len(set(ids)) == 19


def test_ctrl_c_says_where_to_resume_and_resuming_there_gives_every_row_once(
        kafka_cluster: str, unique_name: str) -> None:
    args = ["replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster, "--no-progress"]
    with subprocess.Popen([AIRSTREAM, *args, "--rate", "100"], stderr=subprocess.PIPE, text=True) as replay:
        time.sleep(3)  # about 100 rows out of 500, at 100 a second after the start-up
        replay.send_signal(signal.SIGINT)
        _, stderr = replay.communicate(timeout=60)
    assert replay.returncode == 130 and "Traceback" not in stderr
    match = re.fullmatch(r"airstream replay: interrupted with (\d+) rows produced; rerun with --from-row (\d+) "
                         r"to go on", stderr.strip())
    assert match, stderr
    resumed = _airstream(*args, "--from-row", match[2])
    assert resumed.returncode == 0, resumed.stderr
    got = sorted(orjson.loads(m.value())["id_str"] for m in read_topic(kafka_cluster, unique_name, 500))
    assert got == sorted(t["id_str"] for t in TweetReplay(SAMPLE_CSV))


def test_an_unknown_topic_is_named_when_the_cluster_does_not_create_it(
        kafka_cluster: str, unique_name: str) -> None:
    # The local broker creates topics on first use; the producer's own switch turns that off.
    result = _airstream("replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                        "--limit", "5", "--no-progress", "-X", "allow.auto.create.topics=false",
                        "-X", "topic.metadata.propagation.max.ms=1000")
    assert result.returncode == 1
    assert one_line(result) == (
        f"airstream replay: 5 of 5 tweets not delivered to topic '{unique_name}' on {kafka_cluster}: Broker: "
        "Unknown topic or partition; 0 rows produced: create the topic (or let the cluster create topics on first "
        "use), or pick an existing one with --topic")


def test_client_properties_reach_the_producer_and_the_password_stays_hidden(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    result = _airstream("replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                        "--limit", "3", "--no-progress", "--config", str(_sasl_properties(tmp_path)))
    # A SASL client against the plaintext listener never logs in: the file was used (a refused login
    # is a configuration to fix: exit 2). librdkafka's own lines about it (one per retry) are shown
    # with --verbose only, and the replay's verdict is the one line.
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = one_line(result)
    assert "%3|" not in result.stderr
    # It stops sending once the login is refused: how many were handed out by then varies.
    assert re.match(rf"airstream replay: ([1-3]) of \1 tweets not delivered to topic '{unique_name}' on "
                    rf"{re.escape(kafka_cluster)}: authentication failed for User:cloudair at ", line), line
    assert "check sasl.username, sasl.password and sasl.mechanism in --config or -X; 0 rows produced" in line
    assert "w16-hunter2" not in result.stderr


def test_the_demo_passes_client_properties_to_its_clients_and_names_a_refused_login(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "examples" / "cloudair" / "demo.py"
    env: dict[str, Any] = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, str(demo), "--headless", "--limit", "10", "--parquet",
                             str(tmp_path / "pq"), "--topic-prefix", f"{unique_name}-", "--bootstrap", kafka_cluster,
                             "--client-config", str(_sasl_properties(tmp_path))],
                            capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 1
    line = one_line(result)
    # The admin client, the first the demo makes, stops at the refused login instead of timing out.
    assert line.startswith(f"cloudair: cannot create the topics on {kafka_cluster}: authentication failed for "
                           "User:cloudair at ")
    assert "w16-hunter2" not in result.stderr


# -- airstream run: a sink that fails during the run ------------------------------------------------------

class _InvalidAuthSlack:
    """Answers every Slack Web API call as Slack does for a revoked token."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"ok": false, "error": "invalid_auth"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"
        Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def slack() -> Iterator[_InvalidAuthSlack]:
    fake = _InvalidAuthSlack()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def _script(tmp_path: Path, topic: str, sink: str) -> Path:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(f"""\
        from airstream.topology import Serdes, StreamsBuilder

        builder = StreamsBuilder()
        sink = {sink}
        builder.stream({topic!r}, key_serde=Serdes.String(), value_serde=Serdes.Json()).to_sink(sink, name="out")
        topology = builder.build()
        """))
    return path


def _run_until_it_fails(kafka_cluster: str, unique_name: str, script: Path, *extra: str
                        ) -> subprocess.CompletedProcess[str]:
    return _airstream("run", f"{script}:topology", "--bootstrap", kafka_cluster, "--application-id", unique_name,
                      *extra, timeout=180)


def test_a_slack_token_slack_refuses_stops_the_run_in_one_line(
        kafka_cluster: str, unique_name: str, tmp_path: Path, slack: _InvalidAuthSlack) -> None:
    create_topic(kafka_cluster, unique_name, 1)
    produce(kafka_cluster, unique_name, [(b"1", b'{"text": "lost my bag"}')])
    script = _script(tmp_path, unique_name, "__import__('airstream.connectors.slack', fromlist=['x']).SlackSink("
                     f"token='xoxb-w16-secret', channel='#alerts', base_url={slack.url!r}, retries=0)")
    quiet = _run_until_it_fails(kafka_cluster, unique_name, script, "--log-level", "CRITICAL")
    assert quiet.returncode == 1
    assert one_line(quiet) == (
        "airstream run: a sink failed (SlackAuthError): Slack rejected the bot token (check SLACK_BOT_TOKEN): "
        "invalid_auth. Nothing it had not written was committed: fix what it names and run again to resume from "
        "the last committed offset")
    verbose = _run_until_it_fails(kafka_cluster, f"{unique_name}-v", script, "--log-level", "CRITICAL", "-v")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr and "SlackAuthError" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == one_line(quiet)
    assert "xoxb-w16-secret" not in quiet.stderr + verbose.stderr


def test_an_unreachable_s3_stops_the_run_in_one_line(kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    create_topic(kafka_cluster, unique_name, 1)
    produce(kafka_cluster, unique_name, [(b"1", b'{"id": 1}')])
    script = _script(tmp_path, unique_name, "__import__('airstream.connectors.parquet', fromlist=['x']).ParquetSink("
                     "'s3://cloudair/tables/t', s3=__import__('airstream.connectors.parquet', fromlist=['x'])."
                     "S3Options(endpoint_url='http://127.0.0.1:1', region='us-east-1', access_key='AKIAW16', "
                     "secret_key='w16-s3-secret'))")
    result = _run_until_it_fails(kafka_cluster, unique_name, script)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # The engine logs as it goes (INFO by default): the failure is the last line, and the only one of its kind.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("airstream run: a sink failed (SinkError): ParquetSink(s3://cloudair/tables/t")
    assert "cannot list s3://cloudair/tables/t" in last and "127.0.0.1:1" in last
    assert last.endswith("run again to resume from the last committed offset")
    assert result.stderr.count("airstream run:") == 1 and "w16-s3-secret" not in result.stderr
