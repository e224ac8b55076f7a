"""StreamsConfig, topic planning, the assignor choice, metrics and `airstream run` argument handling,
without a broker."""

from __future__ import annotations

import textwrap
import urllib.request
from pathlib import Path

import pytest

from airstream.cli import main as airstream
from airstream.common.client_config import ConfigError
from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.cli_run import load_topology
from airstream.topology.compile import compile_topology
from airstream.topology.errors import TopologyException
from airstream.topology.runtime import KafkaStreams, StreamsConfig
from airstream.topology.runtime.admin import plan_partitions
from airstream.topology.runtime.metrics import StreamsMetrics, serve_prometheus
from airstream.topology.runtime.rebalance import assignment_strategy

BASE = {"bootstrap.servers": "127.0.0.1:1", "application.id": "app"}


# -- StreamsConfig ------------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "guarantee", "commit_ms"), [
    ({}, "at_least_once", 30_000),
    ({"processing.guarantee": "exactly_once_v2"}, "exactly_once_v2", 100),
    ({"processing.guarantee": "EXACTLY_ONCE_V2", "commit.interval.ms": "250"}, "exactly_once_v2", 250),
])
def test_guarantee_and_commit_interval_defaults_follow_kafka_streams(extra, guarantee, commit_ms) -> None:
    cfg = StreamsConfig({**BASE, **extra})
    assert (cfg.guarantee, cfg.commit_interval_ms) == (guarantee, commit_ms)


@pytest.mark.parametrize(("extra", "message"), [
    ({"application.id": ""}, "application.id is required"),
    ({"bootstrap.servers": None}, "bootstrap.servers is required"),
    ({"application.id": "my app"}, "must not contain spaces"),
    ({"processing.guarantee": "exactly_once"}, "use 'exactly_once_v2'"),
    ({"processing.guarantee": "maybe"}, "is not one of"),
    ({"commit.interval.ms": "soon"}, "commit.interval.ms='soon' is not a whole number"),
    ({"commit.interval.ms": 0}, "must be at least 1"),
    ({"num.stream.threads": 4}, "airstream run --instances N"),
    ({"replication.factor": 0}, "use -1 for the broker's default"),
    ({"auto.create.output.topics": "perhaps"}, "is not true or false"),
])
def test_bad_settings_name_the_key_and_the_fix(extra, message) -> None:
    with pytest.raises(ConfigError, match=message):
        StreamsConfig({**BASE, **extra})


def test_client_properties_are_split_by_prefix_and_streams_keys_stay_out() -> None:
    cfg = StreamsConfig({**BASE, "security.protocol": "SASL_SSL", "consumer.session.timeout.ms": 6000,
                         "producer.linger.ms": 20, "admin.request.timeout.ms": 5000,
                         "topic.min.insync.replicas": 2, "commit.interval.ms": 500,
                         "processing.exception.handler": "continue", "client.id": "node-1"})
    consumer, producer, admin = cfg.consumer(), cfg.producer(), cfg.admin()
    assert all(c["security.protocol"] == "SASL_SSL" for c in (consumer, producer, admin))
    assert consumer["session.timeout.ms"] == 6000 and "session.timeout.ms" not in producer
    assert producer["linger.ms"] == 20 and "linger.ms" not in consumer
    assert admin["request.timeout.ms"] == 5000
    for props in (consumer, producer, admin):
        assert not any(k in props for k in ("commit.interval.ms", "processing.exception.handler", "application.id"))
        assert not any(k.startswith(("topic.", "consumer.", "producer.")) for k in props)
    assert cfg.topic_configs == {"min.insync.replicas": "2"}
    assert consumer["group.id"] == "app" and consumer["enable.auto.commit"] is False
    assert producer["enable.idempotence"] is True and producer["partitioner"] == "murmur2_random"
    assert "transactional.id" not in producer and "isolation.level" not in consumer


def test_exactly_once_uses_a_transactional_id_per_instance_and_read_committed() -> None:
    cfg = StreamsConfig({**BASE, "processing.guarantee": "exactly_once_v2", "client.id": "node-1"})
    assert cfg.producer()["transactional.id"] == "app-node-1"
    assert cfg.consumer()["isolation.level"] == "read_committed"
    assert cfg.restore_consumer()["isolation.level"] == "read_committed"
    other = StreamsConfig({**BASE, "processing.guarantee": "exactly_once_v2"})
    assert other.producer()["transactional.id"] != StreamsConfig(other.raw).producer()["transactional.id"]


def test_secrets_never_show_in_repr_describe_or_scrubbed_errors() -> None:
    cfg = StreamsConfig({**BASE, "sasl.password": "hunter2-secret",
                         "producer.sasl.oauthbearer.client.secret": "s3cr3t"})
    assert "hunter2" not in repr(cfg) and "s3cr3t" not in repr(cfg)
    assert "hunter2" not in cfg.describe() and "sasl.password=***" in cfg.describe()
    assert cfg.scrub("auth failed for hunter2-secret and s3cr3t") == "auth failed for *** and ***"


# -- internal topic planning ----------------------------------------------------------------------

def _counting_plan(app: str = "app"):
    b = StreamsBuilder()
    s = b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
    s.group_by(lambda k, v: v["airline"]).count(name="per-airline").to_stream().to("counts", value_serde=Serdes.Long())
    return compile_topology(b.build(), {"application.id": app})


def test_repartition_topics_take_the_upstream_partition_count_and_tasks_follow() -> None:
    plan = _counting_plan()
    layout = plan_partitions(plan, {"tweets": 6})
    assert layout.partitions["app-per-airline-repartition"] == 6
    assert sorted(layout.task_counts.values()) == [6, 6]


def test_missing_source_topic_is_a_clear_error() -> None:
    with pytest.raises(TopologyException, match=r"source topic\(s\) 'tweets' do not exist: create them first"):
        plan_partitions(_counting_plan(), {"counts": 3})


def test_co_partitioned_topics_with_different_counts_are_refused() -> None:
    b = StreamsBuilder()
    left = b.stream("clicks", key_serde=Serdes.String(), value_serde=Serdes.String())
    right = b.table("users", key_serde=Serdes.String(), value_serde=Serdes.String())
    left.join(right, lambda a, u: f"{a}:{u}").to("enriched")
    plan = compile_topology(b.build(), {"application.id": "app"})
    with pytest.raises(TopologyException, match=r"must be co-partitioned.*'clicks': 6.*'users': 3"):
        plan_partitions(plan, {"clicks": 6, "users": 3})
    assert assignment_strategy(plan) == "range"


def test_only_a_topology_reading_one_topic_uses_cooperative_sticky() -> None:
    # cooperative-sticky balances the total partition count, which could leave all of the input
    # on one instance and all of the repartition topic on another.
    b = StreamsBuilder()
    b.stream("tweets").filter(lambda k, v: v).to("kept")
    assert assignment_strategy(compile_topology(b.build(), {"application.id": "app"})) == "cooperative-sticky"
    assert assignment_strategy(_counting_plan()) == "range"


def test_an_internal_topic_with_a_fixed_count_that_differs_is_refused() -> None:
    b = StreamsBuilder()
    b.stream("in").repartition(name="spread", num_partitions=4).to("out")
    plan = compile_topology(b.build(), {"application.id": "app"})
    with pytest.raises(TopologyException, match="has 2 partitions but the topology asks for 4"):
        plan_partitions(plan, {"in": 3, "app-spread-repartition": 2})
    assert plan_partitions(plan, {"in": 3}).partitions["app-spread-repartition"] == 4


def test_kafka_streams_rejects_a_bad_handler_before_running() -> None:
    b = StreamsBuilder()
    b.stream("in").to("out")
    with pytest.raises(TopologyException, match=r"errors\.dead\.letter\.queue\.topic\.name is not set"):
        KafkaStreams(b.build(), {**BASE, "processing.exception.handler": "dlq"})


# -- metrics --------------------------------------------------------------------------------------

def test_metrics_use_kafka_streams_names_and_prometheus_serves_them() -> None:
    metrics = StreamsMetrics("cloudair")
    metrics.processed(500, 10_000, [9_000, 9_500])
    metrics.committed(4.0)
    metrics.committed(8.0)
    metrics.lag = {"0_0": 3, "0_1": 7}
    snap = metrics.snapshot()
    assert snap["process-total"] == 500
    assert snap["commit-total"] == 2 and snap["commit-latency-avg"] == 6.0 and snap["commit-latency-max"] == 8.0
    assert snap["record-e2e-latency-avg"] == 750.0 and snap["record-e2e-latency-max"] == 1000
    assert snap["records-lag"] == {"0_0": 3, "0_1": 7} and snap["records-lag-max"] == 7
    server, port = serve_prometheus(metrics, 0)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
    assert 'airstream_process_total{application_id="cloudair"} 500.0' in body
    assert 'airstream_records_lag{application_id="cloudair",task="0_1"} 7.0' in body
    assert 'airstream_commit_latency_avg{application_id="cloudair"} 6.0' in body


# -- airstream run arguments ----------------------------------------------------------------------

def test_load_topology_accepts_topology_builder_or_function(tmp_path: Path) -> None:
    script = tmp_path / "pipe.py"
    script.write_text(textwrap.dedent("""
        from airstream.topology import StreamsBuilder
        b = StreamsBuilder()
        b.stream("in").to("out")
        topology = b.build()
        builder = b
        def make():
            return b.build()
        number = 3
    """))
    for name in ("topology", "builder", "make"):
        assert load_topology(f"{script}:{name}").describe().subtopologies[0].id == 0
    with pytest.raises(ValueError, match=r"has no 'nope'; topologies there: \['b', 'builder', 'topology'\]"):
        load_topology(f"{script}:nope")
    with pytest.raises(ValueError, match="is a int, not a Topology"):
        load_topology(f"{script}:number")
    with pytest.raises(ValueError, match="name the topology variable after a colon"):
        load_topology(str(script))


def test_airstream_run_without_application_id_exits_2_with_the_fix(tmp_path: Path, capsys) -> None:
    script = tmp_path / "pipe.py"
    script.write_text("from topology import StreamsBuilder\nb = StreamsBuilder()\nb.stream('in').to('out')\n"
                      "topology = b.build()\n")
    assert airstream(["run", f"{script}:topology", "--bootstrap", "127.0.0.1:1"]) == 2
    assert "pass --application-id NAME" in capsys.readouterr().err
