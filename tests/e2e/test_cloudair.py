"""CloudAir end to end: the demo's numbers add up, routes hold what their SQL selects, nothing is lost
under model-server faults, and a real broker gives the same results as the embedded engine."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from servers.s3 import SECRET_KEY, LocalS3

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cloudair.config import load_config  # noqa: E402
from cloudair.demo import connected, run_demo, run_embedded  # noqa: E402
from cloudair.pipeline import FAILURES, FILTERED, INGEST  # noqa: E402

from airstream.connectors.hbase_local import LocalHBase  # noqa: E402
from airstream.connectors.synthetic import MixedReplay  # noqa: E402
from airstream.connectors.tweets import SAMPLE_CSV  # noqa: E402
from airstream.topology.engine.cluster import EmbeddedCluster  # noqa: E402

pytestmark = pytest.mark.e2e


class LocalSlack:
    """Slack on 127.0.0.1 (the Web API under `api`, an incoming webhook at `url`); keeps what it receives."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.channels: list[str] = []
        self.tokens: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.texts.append(body["text"])
                if self.path.endswith("/chat.postMessage"):  # the Web API, as slack_sdk's WebClient calls it
                    hook.channels.append(body["channel"])
                    hook.tokens.append(self.headers.get("Authorization", ""))
                    answer = b'{"ok": true, "channel": "C1", "ts": "1.0"}'
                else:  # an incoming webhook
                    answer = b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T/B/x"
        self.api = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def webhook() -> Iterator[LocalSlack]:
    hook = LocalSlack()
    yield hook
    hook.httpd.shutdown()


def _ids(cluster: EmbeddedCluster, topic: str, field: str = "tweetid") -> list[str]:
    return [orjson.loads(r.value)[field] for r in cluster.records_in_order(topic)]


def test_faulty_model_server_loses_nothing_and_routes_match_their_sql(tmp_path: Path, webhook: LocalSlack) -> None:
    parquet = tmp_path / "airlinesentiment"
    config = load_config(env={"SLACK_BOT_TOKEN": "xoxb-test-token", "CLOUDAIR_SLACK_BASE_URL": webhook.api,
                              "CLOUDAIR_SLACK_TEMPLATE": "{tweetid}"}, parquet_location=str(parquet))
    faults = {"fail_rate": 0.3, "timeout_rate": 0.05, "hang_seconds": 5, "seed": 42}
    cluster = EmbeddedCluster()
    cml_options = {"timeout": 0.4, "retries": 2, "backoff": 0.01, "seed": 1}
    with connected(config, faults, cml_options) as (config, parts, server):
        summary = run_embedded(config, parts, lambda n: None, cluster)
        assert server is not None and server.stats.injected_failures > 0

    # The shipped sample with a synthetic CloudAir tweet after every 10 of its rows.
    inputs = [t["id_str"] for t in MixedReplay(SAMPLE_CSV, every=config.source.synthetic_every)]
    filtered = _ids(cluster, FILTERED, "id")
    failed = [orjson.loads(r.value) for r in cluster.records_in_order(FAILURES)]
    scored = _ids(cluster, "airlines")
    assert summary.tweets_in == len(inputs) == 550
    assert summary.adds_up
    assert failed, "with 35% faults and 2 retries some tweets should fail"
    assert all(("HTTP 500" in f["reason"] or "timed out" in f["reason"] or "circuit" in f["reason"])
               for f in failed)
    # Every tweet is in exactly one place.
    assert sorted(filtered + [f["tweetid"] for f in failed] + scored) == sorted(inputs)
    assert (summary.scored, summary.failed, sum(summary.filtered.values())) == (len(scored), len(failed), len(filtered))

    files = f"read_parquet('{parquet}/**/*.parquet', hive_partitioning = true)"
    con = duckdb.connect()
    assert sorted(r[0] for r in con.execute(f"SELECT tweetid FROM {files}").fetchall()) == sorted(scored)
    for name, sql in config.routes.items():
        direct = sorted(r[0] for r in con.execute(f"SELECT tweetid FROM ({sql.replace('FLOWFILE', files)})").fetchall())
        assert sorted(_ids(cluster, name)) == direct, name
        assert summary.routes[name] == len(direct)
    per_airline = dict(con.execute(f"SELECT airline, count(*) FROM {files} GROUP BY airline").fetchall())
    assert {a.airline: a.tweets for a in summary.airlines} == per_airline
    negative = con.execute(f"SELECT count(*) FROM {files} WHERE airlinesentiment = 'Negative'").fetchall()[0][0]
    assert sum(a.counts.get("Negative", 0) for a in summary.airlines) == negative
    assert sorted(webhook.texts) == sorted(_ids(cluster, "influencer-alerts"))
    assert 0 < len(webhook.texts) < negative
    assert set(webhook.channels) == {"#cloudair-alerts"} and set(webhook.tokens) == {"Bearer xoxb-test-token"}


def test_headless_demo_exits_0_and_reports_that_it_adds_up(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def demo(limit: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "examples/cloudair/demo.py"), "--limit", str(limit),
                               "--parquet", str(tmp_path / "pq")], capture_output=True, text=True, timeout=120,
                              env=env, cwd=tmp_path)

    (tmp_path / "pq" / "mine").mkdir(parents=True)
    (tmp_path / "pq" / "mine" / "notes.txt").write_bytes(b"not the demo's")
    assert demo(300).returncode == 0
    done = demo(150)  # a second run replaces the first one's files, and only those
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pq" / "mine" / "notes.txt").read_bytes() == b"not the demo's"
    (tmp_path / "pq" / "mine" / "notes.txt").unlink()
    assert "150  tweets in" in done.stdout and "adds up" in done.stdout and "DOES NOT" not in done.stdout
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/pq/**/*.parquet')").fetchall()[0][0]
    assert f"{rows}  scored" in done.stdout
    import sqlglot
    from sqlglot import exp

    ddl = sqlglot.parse_one((tmp_path / "airlinesentiment.impala.sql").read_text().rstrip(";\n"), read="hive")
    columns = [c.name for c in ddl.find(exp.Schema).expressions]
    in_files = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/pq/**/*.parquet', "
                                         "hive_partitioning = false)").fetchall()]
    assert columns == in_files and "airline" not in columns  # the partition column lives in folder names
    from cloudair import chart

    assert chart.main(["--parquet", str(tmp_path / "pq"), "--out", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_headless_demo_writes_to_s3_and_reports_from_it_offline(tmp_path: Path, s3_server: LocalS3) -> None:
    # The report reads S3 through pyarrow's S3 filesystem: DuckDB's httpfs extension, which it would have
    # to download, is not needed (there is no network to download it from here).
    s3_server.client().create_bucket(Bucket="cloudair")
    done = subprocess.run([sys.executable, str(ROOT / "examples/cloudair/demo.py"), "--limit", "200", "--parquet",
                           "s3://cloudair/tables/airlinesentiment"], capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **s3_server.env()}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "200  tweets in" in done.stdout and "adds up" in done.stdout and "DOES NOT" not in done.stdout
    keys = s3_server.client().list_objects_v2(Bucket="cloudair", Prefix="tables/airlinesentiment/")["Contents"]
    assert keys and all(k["Key"].endswith(".parquet") for k in keys)
    ddl = (tmp_path / ".airstream" / "cloudair" / "airlinesentiment.impala.sql").read_text()
    assert "LOCATION 's3a://cloudair/tables/airlinesentiment'" in ddl
    assert SECRET_KEY not in done.stdout + done.stderr


def test_secrets_in_the_config_file_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "cloudair.toml"
    bad.write_text('[model]\naccess_key = "hunter2"\n[routes]\nall = "SELECT * FROM FLOWFILE"\n')
    with pytest.raises(ValueError, match="secrets come from the environment") as err:
        load_config(bad, env={})
    assert "hunter2" not in str(err.value)


@pytest.mark.kafka
def test_kafka_run_gives_the_same_parquet_and_topic_counts(kafka_cluster: str, unique_name: str,
                                                           tmp_path: Path) -> None:
    def rows(location: Path) -> list[tuple]:
        return duckdb.sql(f"SELECT * EXCLUDE (airline), airline FROM read_parquet('{location}/**/*.parquet', "
                          "hive_partitioning = true) ORDER BY tweetid").fetchall()

    embedded = run_demo(load_config(env={}, source_limit=200, parquet_location=str(tmp_path / "embedded")))
    config = load_config(env={}, source_limit=200, parquet_location=str(tmp_path / "kafka"),
                         pipeline_topic_prefix=f"{unique_name}-", pipeline_application_id=unique_name)
    on_kafka = run_demo(config, bootstrap=kafka_cluster)
    assert embedded.adds_up and on_kafka.adds_up
    assert on_kafka.tweets_in == 200
    unprefixed = {t.removeprefix(f"{unique_name}-"): n for t, n in on_kafka.topics.items()}
    assert unprefixed == embedded.topics
    assert rows(tmp_path / "kafka") == rows(tmp_path / "embedded")
    assert INGEST in embedded.topics

    def hops(summary: object, app_id: str, prefix: str) -> set[tuple]:
        # (writer, topic, group, produced, consumed) with the Kafka run's names mapped to the embedded ones
        def name(n: str | None) -> str | None:
            return "cloudair" if n == app_id else n.removeprefix(prefix) if n else n
        return {(name(h.writer), name(h.topic), name(h.group), h.produced, h.consumed) for h in summary.traces.hops}

    assert hops(on_kafka, unique_name, f"{unique_name}-") == hops(embedded, "cloudair", "")
    assert ("airstream-replay", INGEST, "cloudair", 200, 200) in hops(embedded, "cloudair", "")


@contextlib.asynccontextmanager
async def _embedded_dashboard(tmp_path: Path, **run_test: Any) -> AsyncIterator[tuple[Any, Any, dict, Any]]:
    """The demo's dashboard over an embedded run of 200 tweets, once the run has finished:
    ``(config, app, result, pilot)``."""
    from cloudair.demo import dashboard

    config = load_config(env={}, source_limit=200, parquet_location=str(tmp_path / "pq"))
    with connected(config) as (config, parts, _server):
        app, result = dashboard(config, parts)
        async with app.run_test(**run_test) as pilot:
            for _ in range(300):
                if result:
                    break
                await pilot.pause(0.1)
            assert "summary" in result, result.get("error")
            yield config, app, result, pilot


@pytest.mark.asyncio
async def test_dashboard_shows_the_embedded_run_and_stays_until_q(tmp_path: Path) -> None:
    from airstream.monitor.screens.overview import OverviewScreen

    async with _embedded_dashboard(tmp_path) as (config, app, result, pilot):
        await pilot.pause(1.0)  # a refresh after the run
        assert isinstance(app.screen, OverviewScreen)
        assert any("press q for the report" in str(n.message) for n in app._notifications)
        ingest = app.source.snapshot().topic(config.topic(INGEST))
        assert sum(p.high_watermark for p in ingest.partitions) == 200
        await pilot.press("q")
    assert not app.is_running
    assert result["summary"].adds_up and result["summary"].tweets_in == 200


@pytest.mark.hbase
def test_hbase_rows_and_atlas_lineage_when_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       local_hbase: LocalHBase) -> None:
    from servers.atlas import LocalAtlas

    table = f"airline_{uuid.uuid4().hex[:8]}"  # the demo creates it, as it creates its topics
    with LocalAtlas() as atlas:
        config = load_config(env={"CLOUDAIR_HBASE_HOST": local_hbase.host,
                                  "CLOUDAIR_HBASE_PORT": str(local_hbase.thrift_port),
                                  "CLOUDAIR_HBASE_TABLE": table, "CLOUDAIR_ATLAS_URL": atlas.url},
                             source_limit=120, parquet_location=str(tmp_path / "pq"))
        monkeypatch.setenv("ATLAS_USER", "admin")  # the Atlas client reads its credentials itself
        monkeypatch.setenv("ATLAS_PASSWORD", "atlas-pw-9f3k")
        summary = run_demo(config)
        names = {q for _, q in atlas.state.entities}
    connection = local_hbase.connection()
    try:
        rows = dict(connection.table(table).scan())
    finally:
        connection.close()
    assert summary.adds_up
    assert f"HBase table {table}: airstream hbase scan {table} --host {local_hbase.host} --port " \
           f"{local_hbase.thrift_port}" in summary.notes
    files = f"read_parquet('{tmp_path}/pq/**/*.parquet', hive_partitioning = true)"
    parquet = dict(duckdb.sql(f"SELECT tweetid, airlinesentiment FROM {files}").fetchall())
    assert {k.decode(): v[b"sentiment:airlinesentiment"].decode() for k, v in rows.items()} == parquet
    assert {"tweets-ingest@cloudair", "airlines@cloudair", "cloudair@cloudair"} <= names
    assert any(n.startswith(f"file://{tmp_path}/pq") for n in names), names
    assert any(n.endswith(f":{table}@cloudair") for n in names), names
    assert any(n.endswith("/model@cloudair") for n in names), names  # the model it scores with


def test_airstream_run_loads_the_pipeline_script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from airstream.topology.cli_run import load_topology

    monkeypatch.setenv("CLOUDAIR_MODEL_URL", "http://127.0.0.1:9/model")
    monkeypatch.setenv("CML_ACCESS_KEY", "k-not-shown")
    monkeypatch.setenv("CLOUDAIR_PARQUET_LOCATION", str(tmp_path / "pq"))
    topology = load_topology(f"{ROOT}/examples/cloudair/pipeline.py:topology")
    assert topology.source_topics() == [INGEST]
    assert set(topology.sink_topics()) == {"tweets", "tweets-filtered", "scoring-failures", "airlines",
                                           "negativesentiment", "influencer-alerts", "sentiment"}
    assert "k-not-shown" not in str(topology.describe())
    monkeypatch.delenv("CLOUDAIR_MODEL_URL")
    with pytest.raises(ValueError, match="CLOUDAIR_MODEL_URL"):
        load_topology(f"{ROOT}/examples/cloudair/pipeline.py:topology")


def test_filter_reasons_dead_letters_and_the_cloudair_route(tmp_path: Path) -> None:
    def tweet(i: int, text: str, lang: str = "en") -> dict:
        return {"id_str": str(9000 + i), "text": text, "lang": lang, "created_at": "Tue Feb 24 19:15:48 +0000 2015",
                "timestamp_ms": "1424805348000", "retweet_count": 0, "entities": {"hashtags": []},
                "user": {"name": f"user{i}", "location": "SFO", "friends_count": 50 * i}}

    tweets = [tweet(1, "@CloudAir lost my bag, awful"), tweet(2, "@CloudAir lovely crew, great flight"),
              tweet(3, "flying #ClouderaAir today"), tweet(4, "@united vuelo cancelado", lang="es"),
              tweet(5, "@JetBlue merci", lang="fr"), tweet(6, "what a nice day"), tweet(7, "@nobody hello")]
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(t) for t in tweets))
    config = load_config(env={}, source_path=str(path), parquet_location=str(tmp_path / "pq"))
    cluster = EmbeddedCluster()
    cluster.create_topic(INGEST, 3)
    cluster.produce(INGEST, b"bad", b"{not json", 0)   # unreadable: the dead-letter topic
    cluster.produce(INGEST, b"list", b"[1, 2]", 0)     # JSON, but not a tweet: filtered with that reason
    with connected(config) as (config, parts, _server):
        summary = run_embedded(config, parts, lambda n: None, cluster)
    assert summary.tweets_in == 9 and summary.adds_up
    assert summary.filtered == {"not English": 2, "no tracked airline": 2, "not a tweet": 1}
    assert summary.dead_letters == 1 and summary.scored == 3
    dead = cluster.records_in_order("cloudair-dlq")[0]
    assert dead.value == b"{not json" and dict(dead.headers)["__streams.errors.topic"] == INGEST.encode()
    assert sorted(_ids(cluster, "sentiment")) == ["9001", "9002", "9003"]
    assert {a.airline for a in summary.airlines} == {"CloudAir"}


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_dashboard_over_a_real_cluster_shows_the_pipeline_topics(kafka_cluster: str, unique_name: str,
                                                                      tmp_path: Path) -> None:
    from cloudair.demo import dashboard

    config = load_config(env={}, source_limit=100, parquet_location=str(tmp_path / "pq"),
                         pipeline_topic_prefix=f"{unique_name}-", pipeline_application_id=unique_name)
    with connected(config) as (config, parts, _server):
        app, result = dashboard(config, parts, kafka_cluster)
        async with app.run_test() as pilot:
            for _ in range(600):
                if result:
                    break
                await pilot.pause(0.1)
            assert "summary" in result, result.get("error")
            snapshot = app.source.snapshot()
            ingest = snapshot.topic(config.topic(INGEST))
            assert sum(p.high_watermark for p in ingest.partitions) == 100
            group = snapshot.group(unique_name)
            assert group is not None and sum(p.lag or 0 for p in group.partitions) == 0
            await pilot.press("q")
    assert result["summary"].adds_up and result["summary"].engine == "Kafka"


def test_headless_demo_reports_the_traces_of_the_run(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "200"}  # wide enough for one line a row
    done = subprocess.run([sys.executable, str(ROOT / "examples/cloudair/demo.py"), "--limit", "120",
                           "--parquet", str(tmp_path / "pq")], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    def cells(first: str) -> list[str]:
        [line] = [x for x in done.stdout.splitlines() if re.search(rf"│ {re.escape(first)}\s+│", x)]
        return [c.strip() for c in line.split("│")[3:] if c.strip()]  # the cells after ``first``

    # Every tweet went from the replay producer through tweets-ingest to the cloudair group ...
    assert cells("airstream-replay -> tweets-ingest -> cloudair")[:2] == ["120", "120"]
    # ... and each route's topic got, one hop further, what the route table says it holds.
    for route in ("airlines", "negativesentiment", "influencer-alerts"):
        routed = cells(route)[0]
        assert int(routed) > 0, route
        assert cells(f"cloudair -> {route} -> (no reader)")[0] == routed
        assert cells(f"airstream-replay -> tweets-ingest -> cloudair -> {route} -> (no reader)")[0] == routed


@pytest.mark.asyncio
async def test_dashboard_traces_screen_lists_the_hops_of_the_embedded_run(tmp_path: Path) -> None:
    from tui_support import refresh, screen_text

    from airstream.connectors.tweets import REPLAY_CLIENT_ID
    from airstream.monitor.screens.traces import TracesScreen
    from airstream.monitor.widgets.live_table import LiveTable

    async with _embedded_dashboard(tmp_path, size=(160, 45)) as (config, app, result, pilot):
        await refresh(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        table = app.screen.query_one("#hops", LiveTable)
        app_id, ingest = config.pipeline.application_id, config.topic(INGEST)
        first = f"{REPLAY_CLIENT_ID}|0||{ingest}|{app_id}"
        assert table.cells(first)[:6] == [REPLAY_CLIENT_ID, ingest, app_id, "0", "200", "200"]
        routes = result["summary"].routes
        for route in ("airlines", "negativesentiment"):
            key = f"{REPLAY_CLIENT_ID}|1|{app_id}|{config.topic(route)}|"
            assert table.cells(key)[4] == str(routes[route]), route
        assert f"{REPLAY_CLIENT_ID} -> {ingest} -> {app_id} -> {config.topic('airlines')}" in screen_text(app)
        await pilot.press("q")


def test_report_trace_table_shows_end_to_end_latency_where_a_path_ends_in_a_group() -> None:
    import io

    from cloudair.report import trace_table
    from rich.console import Console

    from airstream.monitor.sources import EmbeddedTraceReader
    from airstream.topology import StreamsBuilder
    from airstream.topology.engine.embedded import EmbeddedEngine

    now = [1_764_150_000.0]
    cluster = EmbeddedCluster(clock=lambda: now[0])
    for v in (b"a", b"b"):
        cluster.producer("replay").produce("in", None, v)
    b = StreamsBuilder()
    b.stream("in").to("out")
    now[0] += 0.5
    EmbeddedEngine(b.build(), {"application.id": "app"}, cluster=cluster).run_until_idle()
    now[0] += 1.0
    cluster.commit("reader", {("out", 0): 2})  # a plain consumer group reads "out" a second later
    out = io.StringIO()
    Console(file=out, width=200).print(trace_table(EmbeddedTraceReader(cluster.view()).refresh()))
    lines = out.getvalue().splitlines()
    assert any(re.search(r"│ replay -> in -> app -> out -> reader\s+│ 2\s+│ 1500 ms", line) for line in lines), lines
    assert any(re.search(r"│ app -> out -> reader\s+│ 2\s+│ 2\s+│ 1000 ms", line) for line in lines), lines


def test_the_default_run_mixes_in_cloudair_tweets_so_every_route_has_records(tmp_path: Path) -> None:
    mixed = run_demo(load_config(env={}, source_limit=220, parquet_location=str(tmp_path / "mixed")))
    assert mixed.adds_up and mixed.tweets_in == 220
    assert all(n > 0 for n in mixed.routes.values()), mixed.routes
    assert "CloudAir" in {a.airline for a in mixed.airlines}
    only_the_file = run_demo(load_config(env={}, source_path=str(SAMPLE_CSV), source_limit=220,
                                         parquet_location=str(tmp_path / "file")))
    assert only_the_file.routes["sentiment"] == 0  # the data set never mentions CloudAir
    again = run_demo(load_config(env={}, source_path=str(SAMPLE_CSV), source_synthetic=True, source_limit=220,
                                 parquet_location=str(tmp_path / "again")))
    assert again.routes == mixed.routes  # the same synthetic tweets, in the same places
