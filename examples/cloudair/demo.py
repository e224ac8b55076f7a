"""``make demo``: the CloudAir pipeline end to end, with no Kafka and no accounts.

    python examples/cloudair/demo.py                       # airmon dashboard while it runs, then the report
    python examples/cloudair/demo.py --headless            # progress bar and report (the default with no TTY)
    python examples/cloudair/demo.py --tweets ../shared/data/airline_tweets.csv --headless
    python examples/cloudair/demo.py --bootstrap localhost:9092   # the same on a real cluster
    python examples/cloudair/demo.py --bootstrap broker:9093 --client-config client.properties  # SASL/SSL

It starts the local model server (VADER behind the CML protocol) unless ``CLOUDAIR_MODEL_URL`` is set,
replays the tweets into ``tweets-ingest`` (the shipped sample with a synthetic tweet about CloudAir
after every 10, so the ``sentiment`` route has records too; ``--tweets FILE`` replays only that file
unless ``--synthetic`` is also given), runs the topology of ``pipeline.py`` (embedded engine, or
``KafkaStreams`` with ``--bootstrap``), writes the Parquet data set (``[parquet] location``), and
prints the report: tweets in, filtered out per reason, scored, failed, per route, sentiment by
airline from DuckDB over the Parquet files, and the traces (the replay producer -> ``tweets-ingest``
-> the ``cloudair`` group -> each output topic, with counts and latency, as airmon's Traces screen
shows them). On a cluster that needs a login or TLS, ``--client-config client.properties`` and
``-X key=value`` (as ``airmon`` and ``airstream run`` take them; ``--config`` is the demo's settings
file) reach every Kafka client the demo makes: the admin client, the replay producer, the topology's
clients, the report's consumer and the traces reader. Exit codes: 0 when the numbers add up, 1 when
they do not or the run failed (one line on stderr; ``--verbose`` adds the traceback), 2 on bad
settings or client options.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airstream.common.client_config import (
    ConfigError,
    add_client_arguments,
    config_from_args,
    connection_config,
    report_failure,
)
from airstream.common.topics import create_topics
from airstream.connectors.kudu import KuduSink
from airstream.connectors.model_server import ModelServer
from airstream.connectors.parquet import parse_file_name
from airstream.connectors.synthetic import MixedReplay
from airstream.connectors.tweets import (
    REPLAY_CLIENT_ID,
    SAMPLE_CSV,
    produce_tweets,
    produce_tweets_embedded,
    replay,
)
from cloudair.config import DEFAULT_FILE, CloudAirConfig, Parquet, load_config
from cloudair.pipeline import (
    DLQ,
    FAILURES,
    FILTERED,
    INGEST,
    RECORD_SCHEMA,
    CloudAirParts,
    build,
    connect,
    impala_table,
    kudu_table,
    output_topics,
    streams_config,
)
from cloudair.report import RunSummary, parquet_rows, render, sentiment_by_airline

__all__ = ["connected", "dashboard", "main", "model_endpoint", "publish_lineage_of", "run_demo", "run_embedded",
           "run_kafka", "write_impala_ddl", "write_kudu_ddl"]

log = logging.getLogger("cloudair")

# Tweets replayed between engine rounds. Each round is a batch, and sinks flush once per batch (one
# Parquet file per input partition and airline), so bigger rounds make fewer, larger files; the
# dashboard uses small ones so the run visibly flows.
_CHUNK, _DASHBOARD_CHUNK = 1000, 100


@contextmanager
def model_endpoint(config: CloudAirConfig, server_options: dict[str, Any] | None = None
                   ) -> Iterator[tuple[CloudAirConfig, ModelServer | None]]:
    """The configured model endpoint, or a local model server with a fresh access key for the run."""
    if config.model.url:
        yield config, None
        return
    key = secrets.token_urlsafe(16)
    with ModelServer(access_key=key, **(server_options or {})) as server:
        assert server.url is not None
        yield replace(config, model=replace(config.model, url=server.url),
                      secrets=replace(config.secrets, cml_access_key=key)), server


@contextmanager
def connected(config: CloudAirConfig, server_options: dict[str, Any] | None = None,
              cml_options: dict[str, Any] | None = None
              ) -> Iterator[tuple[CloudAirConfig, CloudAirParts, ModelServer | None]]:
    """The run's config, its connectors (:func:`cloudair.pipeline.connect`) and the local model server
    (``None`` with a configured endpoint), closed after use. Example::

        with connected(load_config()) as (config, parts, _server):
            summary = run_embedded(config, parts, print)
    """
    with model_endpoint(config, server_options) as (config, server):
        parts = connect(config, cml_options=cml_options)
        try:
            yield config, parts, server
        finally:
            parts.close()


def _tweets(config: CloudAirConfig) -> Any:
    """The run's input: the file (or the shipped sample) with a synthetic CloudAir tweet after every
    ``synthetic_every`` of its rows, unless a file was given without ``synthetic``: the data set never
    mentions CloudAir, so without them the ``sentiment`` route would stay empty."""
    source = config.source
    path, limit = source.path or SAMPLE_CSV, source.limit or None
    if source.synthetic_every > 0 and (source.synthetic or not source.path):
        return MixedReplay(path, every=source.synthetic_every, limit=limit)
    return replay(path, limit=limit)


def _summary(engine: str, config: CloudAirConfig, counts: dict[str, int], filtered: list[Any],
             seconds: float, traces: Any = None) -> RunSummary:
    t = config.topic
    location = config.parquet.location
    return RunSummary(
        engine=engine, tweets_in=counts[t(INGEST)],
        filtered=Counter(v["reason"] for v in filtered),
        scored=counts[t(next(iter(config.routes)))], failed=counts[t(FAILURES)], dead_letters=counts[t(DLQ)],
        routes={name: counts[t(name)] for name in config.routes}, topics=counts,
        airlines=sentiment_by_airline(location), parquet_rows=parquet_rows(location), seconds=seconds,
        traces=traces)


def run_embedded(config: CloudAirConfig, parts: CloudAirParts, progress: Callable[[int], None],
                 cluster: Any = None, chunk: int = _CHUNK) -> RunSummary:
    """Replay and process on the embedded engine (``cluster``: an ``EmbeddedCluster`` to watch).

    The replay writes as the traced producer ``airstream-replay`` (as on Kafka); the summary carries the run's
    traces (``summary.traces``, a ``airstream.monitor.traces.TraceModel``).
    """
    from airstream.monitor.sources import EmbeddedTraceReader
    from airstream.topology.engine.cluster import EmbeddedCluster
    from airstream.topology.engine.embedded import EmbeddedEngine

    cluster = cluster or EmbeddedCluster()
    started = time.perf_counter()
    engine = EmbeddedEngine(build(config, parts), streams_config(config), cluster=cluster,
                            partitions={config.topic(INGEST): config.pipeline.partitions})
    replay_producer = cluster.producer(REPLAY_CLIENT_ID)
    for batch in _tweets(config).batches(chunk):
        produce_tweets_embedded(batch, replay_producer, config.topic(INGEST))
        engine.run_until_idle()
        progress(len(batch))
    engine.close()
    seconds = time.perf_counter() - started
    counts = {topic: sum(cluster.end_offset(topic, p) for p in range(cluster.partitions(topic)))
              if cluster.has_topic(topic) else 0 for topic in output_topics(config)}
    filtered = [orjson.loads(r.value) for r in cluster.records_in_order(config.topic(FILTERED))]
    traces = EmbeddedTraceReader(cluster.view()).refresh()
    return _summary("embedded", config, counts, filtered, seconds, traces)


def _kafka(bootstrap: str, client: Mapping[str, str] | None) -> dict[str, str]:
    """The client configuration of the run: ``client`` (SASL, SSL ... from --client-config/-X) at ``bootstrap``."""
    return {**(client or {}), "bootstrap.servers": bootstrap}


def run_kafka(config: CloudAirConfig, parts: CloudAirParts, bootstrap: str,
              progress: Callable[[int], None], idle_timeout: float = 5.0,
              client: Mapping[str, str] | None = None) -> RunSummary:
    """Create the topics, replay into Kafka and run ``KafkaStreams`` until the input is drained.

    ``client`` holds further client properties (a login, TLS): every client made here gets how to
    reach the cluster from it, and the topology's clients get all of it (streams settings too).
    The summary's traces are what the replay and the application published to ``__airstream_metrics``
    during the run, for the run's topics.
    """
    from confluent_kafka import Consumer, TopicPartition

    from airstream.monitor.traces import read_traces
    from airstream.topology.runtime import KafkaStreams

    wall_start = time.time()

    kafka = _kafka(bootstrap, client)
    reach = connection_config(kafka)  # what a client other than the topology's takes of it
    topics = output_topics(config)
    create_topics(reach, dict.fromkeys(topics, config.pipeline.partitions))
    started = time.perf_counter()
    sent = produce_tweets(_tweets(config), bootstrap, config.topic(INGEST), reach)
    progress(sent)
    app = KafkaStreams(build(config, parts), {**kafka, **streams_config(config)})
    app.run(idle_timeout=idle_timeout)
    seconds = time.perf_counter() - started
    consumer = Consumer({**reach, "group.id": f"{config.pipeline.application_id}-report",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        counts = {}
        for name in topics:
            meta = consumer.list_topics(name, timeout=10).topics[name]
            counts[name] = sum(hi - lo for lo, hi in (consumer.get_watermark_offsets(TopicPartition(name, p), 10)
                                                      for p in meta.partitions))
        filtered_topic = config.topic(FILTERED)
        meta = consumer.list_topics(filtered_topic, timeout=10).topics[filtered_topic]
        consumer.assign([TopicPartition(filtered_topic, p, 0) for p in meta.partitions])
        filtered: list[Any] = []
        while len(filtered) < counts[filtered_topic]:
            msg = consumer.poll(5)
            if msg is None:
                raise RuntimeError(
                    f"topic {filtered_topic!r}: read {len(filtered)} of {counts[filtered_topic]} records")
            if msg.error() is None:
                filtered.append(orjson.loads(msg.value()))
    finally:
        consumer.close()
    # Metrics published since the run started (a second's slack for clocks), not earlier runs'.
    traces = read_traces(reach, window=time.time() - wall_start + 1.0)
    return _summary("Kafka", config, counts, filtered, seconds, _traces_of(traces, topics))


def _traces_of(model: Any, topics: list[str]) -> Any:
    """``model`` (a ``TraceModel``) cut down to the hops, paths and producers of ``topics``: a cluster's
    metrics topic holds every traced application's."""
    mine = set(topics)
    return replace(model, hops=tuple(h for h in model.hops if h.topic in mine),
                   paths=tuple(p for p in model.paths if p.hops[0].topic in mine),
                   producers=tuple(p for p in model.producers if any(t.topic in mine for t in p.topics)))


def run_demo(config: CloudAirConfig, *, bootstrap: str | None = None, headless: bool = True,
             server_options: dict[str, Any] | None = None, cml_options: dict[str, Any] | None = None,
             fresh: bool = True, progress: Callable[[int], None] | None = None,
             client: Mapping[str, str] | None = None) -> RunSummary:
    """Run the pipeline once and return its summary (the tests' entry point).

    With ``bootstrap`` it runs on that Kafka cluster, its clients configured with ``client`` too.

    ``fresh`` first deletes the files an earlier run of the ingest topic left in a local Parquet
    folder (and nothing else), so the report covers this run only.
    """
    location = config.parquet.location
    if fresh and "://" not in location:
        for old in Path(location).rglob("*.parquet"):
            written = parse_file_name(old.name)
            if written is not None and written[0] == config.topic(INGEST):
                old.unlink()
    with connected(config, server_options, cml_options) as (config, parts, _server):
        if parts.hbase is not None and parts.hbase.ensure_table():
            log.info("created the HBase table %s with the column family %s", config.hbase.table,
                     config.hbase.column_family)
        if isinstance(parts.kudu, KuduSink) and parts.kudu.ensure_table(kudu_table(config)):
            log.info("created the Kudu table %s on %s", config.kudu.table, ",".join(config.kudu.masters))
        if config.atlas.url:
            publish_lineage_of(config, parts)
        if not headless:
            summary = _run_with_dashboard(*dashboard(config, parts, bootstrap, client))
        elif bootstrap:
            summary = run_kafka(config, parts, bootstrap, progress or (lambda n: None), client=client)
        else:
            summary = run_embedded(config, parts, progress or (lambda n: None))
        if parts.slack is not None:
            summary.slack_alerts = summary.routes.get("influencer-alerts")
        summary.impala_ddl = write_impala_ddl(config)
        if config.kudu.enabled:
            summary.notes.append(f"Kudu table {config.kudu.table} ({config.kudu.writer}): schema and Impala DDL "
                                 f"in {', '.join(write_kudu_ddl(config))}")
        if config.hbase.host:
            hb = config.hbase
            summary.notes.append(f"HBase table {hb.table}: airstream hbase scan {hb.table} --host {hb.host} "
                                 f"--port {hb.port}")
        return summary


def dashboard(config: CloudAirConfig, parts: CloudAirParts, bootstrap: str | None = None,
              client: Mapping[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    """airmon over the run (the embedded cluster, or the Kafka cluster at ``bootstrap``, reached with the
    ``client`` properties too), with the run started in a thread once the app is up. The Traces screen
    (``x``) follows the replay's records through the ``cloudair`` group to each output topic.

    Returns the app and a dict that gets ``summary`` (or ``error``) when the run ends; the app then
    says so and stays open until ``q``.
    """
    from airstream.monitor.app import AirmonApp
    from airstream.monitor.sources import EmbeddedSource, EmbeddedTraceReader
    from airstream.topology.engine.cluster import EmbeddedCluster

    result: dict[str, Any] = {}
    if bootstrap:
        app = AirmonApp.for_kafka(connection_config(_kafka(bootstrap, client)), refresh_interval=1.0)

        def run() -> RunSummary:
            return run_kafka(config, parts, bootstrap, lambda n: None, client=client)
    else:
        cluster = EmbeddedCluster()
        view = cluster.view()
        app = AirmonApp(EmbeddedSource(view, name="cloudair (embedded)"), refresh_interval=0.5,
                        trace_reader=EmbeddedTraceReader(view))

        def run() -> RunSummary:
            # A short pause per chunk so the dashboard shows the topics filling up.
            return run_embedded(config, parts, lambda n: time.sleep(0.2), cluster, _DASHBOARD_CHUNK)

    def work() -> None:
        try:
            result["summary"] = run()
            app.call_from_thread(app.notify, "CloudAir run finished: press q for the report", timeout=60)
        except BaseException as exc:  # re-raised after the dashboard closes
            result["error"] = exc
            app.call_from_thread(app.exit)

    app.call_later(threading.Thread(target=work, name="cloudair-pipeline", daemon=True).start)
    return app, result


def _ddl_folder(config: CloudAirConfig) -> Path:
    """Where a run writes its DDL: beside the Parquet data set's folder, or the default one's for S3."""
    location = config.parquet.location
    folder = Path(Parquet.location if "://" in location else location).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_impala_ddl(config: CloudAirConfig) -> str:
    """Write the Impala DDL of the data set (``<table>.impala.sql``) next to its folder, or for an S3
    location (``LOCATION 's3a://...'``) beside the default local one; its path."""
    path = _ddl_folder(config) / f"{config.parquet.table}.impala.sql"
    path.write_text(impala_table(config).create_sql(RECORD_SCHEMA, config.parquet.partition_by) + ";\n")
    return str(path)


def write_kudu_ddl(config: CloudAirConfig) -> tuple[str, str]:
    """Write the Kudu table's definition beside the Impala DDL; the paths of the two files.

    ``<table>.kudu.json`` is Kudu's own schema document (``kudu table create MASTERS "$(cat FILE)"``);
    ``<table>.kudu.impala.sql`` is what Impala needs: for the ``impala`` writer the ``CREATE TABLE ...
    STORED AS KUDU`` that makes the table, for ``kudu-python`` the external table over the one in Kudu."""
    table, kudu = kudu_table(config), config.kudu
    schema = _ddl_folder(config) / f"{kudu.table}.kudu.json"
    schema.write_bytes(orjson.dumps(table.kudu_json(), option=orjson.OPT_INDENT_2) + b"\n")
    impala = schema.with_name(f"{kudu.table}.kudu.impala.sql")
    sql = (table.impala_create_sql(kudu.database) if kudu.writer == "impala"
           else table.impala_external_sql(kudu.database))
    impala.write_text(sql + ";\n")
    return str(schema), str(impala)


def publish_lineage_of(config: CloudAirConfig, parts: CloudAirParts) -> None:
    """Publish the flow to Atlas: topics, the topology and sub-topologies, the Parquet/HBase/Kudu tables,
    the model it scores with and the Slack channel of its alerts."""
    from airstream.connectors.atlas import AtlasClient, lineage_from_topology, publish_lineage

    lineage = lineage_from_topology(build(config, parts), config.pipeline.application_id, reads=parts.cml.lineage())
    publish_lineage(lineage, AtlasClient(config.atlas.url), config.atlas.cluster)


def _run_with_dashboard(app: Any, result: dict[str, Any]) -> RunSummary:
    app.run()
    while not result:  # q pressed before the run ended: let it finish for the report
        time.sleep(0.1)
    if "error" in result:
        raise result["error"]
    return result["summary"]


def _client_log(verbose: bool) -> logging.Logger:
    """Where librdkafka's own lines go: to stderr with ``--verbose`` only (a refused login would print
    one per retry; the failure that ends the run is told in one line anyway)."""
    client_log = logging.getLogger("cloudair.kafka")
    client_log.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    return client_log


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cloudair-demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--headless", action="store_true", help="progress bar and report, no dashboard "
                   "(the default when stdout is not a terminal)")
    p.add_argument("--config", default=str(DEFAULT_FILE), help="the settings file (default: cloudair.toml)")
    connection = add_client_arguments(p, config_option="--client-config")
    connection.description = ("With --bootstrap, --client-config or -X the demo runs on that Kafka cluster "
                              "instead of the embedded engine.")
    p.add_argument("--tweets", "--csv", dest="tweets",
                   help="tweets to replay: a CSV of the data set's format or JSON lines (default: the shipped sample)")
    p.add_argument("--synthetic", action="store_true",
                   help="mix synthetic CloudAir tweets into --tweets too (the shipped sample always has them)")
    p.add_argument("--limit", type=int, help="replay at most this many tweets")
    p.add_argument("--parquet", help="where the Parquet data set goes (folder or s3://bucket/prefix)")
    p.add_argument("--topic-prefix", help="prefix of every topic name")
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line; 0 when every number adds up (exit codes in the module docs)."""
    from confluent_kafka import KafkaException
    from rich.console import Console
    from rich.progress import Progress

    from airstream.common.sink import SinkError
    from airstream.connectors.atlas import AtlasError

    args = _parser().parse_args(argv)
    overrides = {k: v for k, v in {"source_path": args.tweets, "source_limit": args.limit,
                                    "source_synthetic": args.synthetic or None,
                                    "parquet_location": args.parquet,
                                    "pipeline_topic_prefix": args.topic_prefix}.items() if v is not None}
    client: dict[str, str] = {}
    try:
        config = load_config(args.config, **overrides)
        # The embedded engine unless a cluster is named: $AIRSTREAM_BOOTSTRAP alone does not switch.
        if args.bootstrap or args.config_file or args.overrides:
            client = config_from_args(args)
            client["logger"] = _client_log(args.verbose)
    except (ConfigError, ValueError) as exc:
        report_failure("cloudair", exc, verbose=args.verbose, secrets=client)
        return 2
    bootstrap = client.get("bootstrap.servers")
    headless = args.headless or not sys.stdout.isatty()
    total = config.source.limit or None
    try:
        if headless:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("tweets", total=total)
                summary = run_demo(config, bootstrap=bootstrap, headless=True, client=client,
                                   progress=lambda n: bar.advance(task, n))
        else:
            summary = run_demo(config, bootstrap=bootstrap, headless=False, client=client)
    except (ValueError, RuntimeError, OSError, SinkError, AtlasError, KafkaException) as exc:
        report_failure("cloudair", exc, verbose=args.verbose, secrets=client)
        return 1
    render(summary)
    return 0 if summary.adds_up else 1


if __name__ == "__main__":
    sys.exit(main())
