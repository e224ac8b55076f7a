"""Atlas lineage of a real DSL topology and real sinks, published to a local Atlas stand-in."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from servers.atlas import LocalAtlas
from servers.atlas_types import load_atlas_types

from airstream.common.sink import Dataset
from airstream.connectors.atlas import (
    AIRSTREAM_TYPEDEFS,
    AtlasClient,
    AtlasError,
    SubTopologyLineage,
    TopologyLineage,
    atlas_entities,
    lineage_from_topology,
    publish_lineage,
)
from airstream.connectors.cml import CMLClient
from airstream.connectors.hbase import HBaseSink
from airstream.connectors.impala import ImpalaCatalog, ImpalaTable
from airstream.connectors.kudu import KuduSink
from airstream.connectors.model_server import ModelServer
from airstream.connectors.parquet import ParquetSink, S3Options
from airstream.connectors.slack import SlackSink
from airstream.topology.builder import StreamsBuilder

PASSWORD = "atlas-pw-9f3k"


@pytest.fixture
def atlas() -> Iterator[LocalAtlas]:
    with LocalAtlas() as server:
        yield server


def cloudair_topology():
    b = StreamsBuilder()
    tweets = b.stream("tweets")
    tweets.filter(lambda k, v: v["lang"] == "en", name="english").to("airlines")
    tweets.filter(lambda k, v: v["sentiment"] == "Negative", name="negative").to("negativesentiment")
    tweets.group_by(lambda k, v: v["airline"]).count(name="per-airline").to_stream().to("airline-counts")
    return b.build()


def sinks() -> list:
    parquet = ParquetSink("s3://cloudair-data/tables/airlinesentiment", s3=S3Options(region="us-east-1"),
                          catalog=ImpalaCatalog(ImpalaTable("cloudair", "airlinesentiment",
                                                            "s3://cloudair-data/tables/airlinesentiment"), None))
    return [parquet, HBaseSink("airline", column_family="sentiment", row_key="tweet_id"),
            KuduSink("impala::cloudair.airline")]


def client(atlas: LocalAtlas, **kwargs: object) -> AtlasClient:
    options = {"username": "admin", "password": PASSWORD, **kwargs}
    return AtlasClient(atlas.url, **options)  # type: ignore[arg-type]


def test_lineage_of_a_dsl_topology_names_its_real_topics() -> None:
    lineage = lineage_from_topology(cloudair_topology(), "cloudair")
    assert [(s.name, list(s.inputs), list(s.outputs)) for s in lineage.sub_topologies] == [
        ("0", ["tweets"], ["airlines", "negativesentiment", "cloudair-per-airline-repartition"]),
        ("1", ["cloudair-per-airline-repartition"], ["airline-counts"]),
    ]
    assert lineage.external_inputs() == ["tweets"]
    assert lineage.external_outputs() == ["airlines", "negativesentiment", "airline-counts"]
    assert "Sub-topology: 1" in lineage.description


def test_publish_sends_topics_processes_and_sink_datasets(atlas: LocalAtlas) -> None:
    datasets = [d for s in sinks() for d in s.lineage()]
    lineage = lineage_from_topology(cloudair_topology(), "cloudair", {0: datasets})
    result = publish_lineage(lineage, client(atlas), cluster="cm")

    assert result.types_registered == ["airstream_topology", "airstream_subtopology", "kudu_table",
                                       "airstream_ml_model", "airstream_slack_channel"]
    assert atlas.names("kafka_topic") == {"tweets@cm", "airlines@cm", "negativesentiment@cm",
                                          "airline-counts@cm", "cloudair-per-airline-repartition@cm"}
    assert atlas.names("hive_table") == {"cloudair.airlinesentiment@cm"}
    assert atlas.names("hive_db") == {"cloudair@cm"}
    assert atlas.names("aws_s3_v2_directory") == {"s3a://cloudair-data/tables/airlinesentiment/@cm"}
    assert atlas.names("aws_s3_v2_bucket") == {"s3a://cloudair-data@cm"}
    assert atlas.names("hbase_table") == {"default:airline@cm"}
    assert atlas.names("kudu_table") == {"impala::cloudair.airline@cm"}

    def names(refs: list[dict]) -> set[str]:
        return {atlas.state.by_guid(r["guid"])["attributes"]["qualifiedName"] for r in refs}  # type: ignore[index]

    top = atlas.entity("airstream_topology", "cloudair@cm")["attributes"]
    assert names(top["inputs"]) == {"tweets@cm"}
    assert names(top["outputs"]) == {"airlines@cm", "negativesentiment@cm", "airline-counts@cm",
                                     "cloudair.airlinesentiment@cm", "default:airline@cm",
                                     "impala::cloudair.airline@cm",
                                     "s3a://cloudair-data/tables/airlinesentiment/@cm"}
    sub0 = atlas.entity("airstream_subtopology", "cloudair.subtopology-0@cm")["attributes"]
    assert names(sub0["inputs"]) == {"tweets@cm"}
    assert "cloudair-per-airline-repartition@cm" in names(sub0["outputs"])
    sub1 = atlas.entity("airstream_subtopology", "cloudair.subtopology-1@cm")["attributes"]
    assert names(sub1["inputs"]) == {"cloudair-per-airline-repartition@cm"}
    assert names(sub1["outputs"]) == {"airline-counts@cm"}
    assert set(result.created) == {q for _, q in atlas.state.entities}


def test_the_model_it_scores_with_and_the_slack_channel_it_alerts_are_in_the_graph(atlas: LocalAtlas) -> None:
    with ModelServer(access_key="k") as server:
        endpoint = server.url
        cml = CMLClient(endpoint, "k")
        try:
            cml.report_status()  # the status gives the model's name and version
            model = cml.lineage()
        finally:
            cml.close()
    slack = SlackSink(token="xoxb-not-shown", channel="#cloudair-alerts")
    lineage = lineage_from_topology(cloudair_topology(), "cloudair", {0: slack.lineage()}, reads=model)
    publish_lineage(lineage, client(atlas), cluster="cm")

    entity = atlas.entity("airstream_ml_model", f"{endpoint}@cm")["attributes"]
    assert entity["name"] == "vader-sentiment" and entity["endpoint"] == endpoint
    assert entity["version"] == version("vaderSentiment")
    channel = atlas.entity("airstream_slack_channel", "slack:#cloudair-alerts@cm")["attributes"]
    assert channel["channel"] == "#cloudair-alerts"
    top = atlas.entity("airstream_topology", "cloudair@cm")["attributes"]
    inputs = {atlas.state.by_guid(r["guid"])["typeName"] for r in top["inputs"]}  # type: ignore[index]
    outputs = {atlas.state.by_guid(r["guid"])["typeName"] for r in top["outputs"]}  # type: ignore[index]
    assert inputs == {"kafka_topic", "airstream_ml_model"} and "airstream_slack_channel" in outputs
    bulk = json.dumps([r.body for r in atlas.state.requests])
    assert "xoxb-not-shown" not in bulk and "accessKey" not in bulk


def test_every_entity_is_what_atlas_own_models_define() -> None:
    """Checked here without the stand-in: Atlas drops an attribute its type lacks without a word."""
    types = load_atlas_types()
    for typedef in AIRSTREAM_TYPEDEFS.values():
        assert types.register(dict(typedef)) is None
    reads = [Dataset("ml_model", "vader-sentiment", namespace="http://models:8765/model", details=(("version", "3"),))]
    datasets = [d for s in sinks() for d in s.lineage()] + SlackSink(webhook_url="https://hooks.slack.com/x").lineage()
    entities = atlas_entities(lineage_from_topology(cloudair_topology(), "cloudair", datasets, reads=reads), "cm")
    type_of = {e["guid"]: e["typeName"] for e in entities}
    assert {e["typeName"]: types.problems(e, type_of) for e in entities} == {e["typeName"]: [] for e in entities}
    assert types.problems({"typeName": "kafka_topic", "attributes": {"qualifiedName": "t@cm", "name": "t",
                                                                      "topic": "t", "uri": "t", "clusterName": "cm"}},
                          {}) == ["kafka_topic.clusterName: no such attribute in Atlas' model (Atlas would drop it)"]


def test_publishing_again_updates_the_same_entities(atlas: LocalAtlas) -> None:
    lineage = lineage_from_topology(cloudair_topology(), "cloudair", [d for s in sinks() for d in s.lineage()])
    first = publish_lineage(lineage, client(atlas), cluster="cm")
    count = len(atlas.state.entities)
    second = publish_lineage(lineage, client(atlas), cluster="cm")
    assert len(atlas.state.entities) == count
    assert second.created == [] and sorted(second.updated) == sorted(first.created)
    assert second.types_registered == []
    assert dict(second.guids) == {q: first.guids[q] for q in second.guids}
    bulk = [r for r in atlas.state.requests if r.path == "/api/atlas/v2/entity/bulk"]
    assert len(bulk) == 2 and bulk[0].body == bulk[1].body


def test_local_folder_is_an_fs_path(atlas: LocalAtlas, tmp_path: Path) -> None:
    lineage = TopologyLineage("app", [SubTopologyLineage("0", ["in"], [], ParquetSink(str(tmp_path)).lineage())])
    publish_lineage(lineage, client(atlas), cluster="dev")
    assert atlas.names("fs_path") == {f"file://{tmp_path}@dev"}
    assert atlas.entity("fs_path", f"file://{tmp_path}@dev")["attributes"]["path"] == f"file://{tmp_path}"


def test_basic_auth_is_sent_and_the_password_never_shown(atlas: LocalAtlas,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_PASSWORD", PASSWORD)
    c = AtlasClient(atlas.url, username="admin")
    c.ensure_types()
    sent = atlas.state.requests[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert PASSWORD not in repr(c)
    wrong = AtlasClient(atlas.url, username="admin", password="nope-wrong")
    with pytest.raises(AtlasError, match="401") as info:
        wrong.ensure_types()
    assert "ATLAS_PASSWORD" in str(info.value) and "nope-wrong" not in str(info.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"url": "atlas:21000"}, "not an http"),
    ({"url": "http://admin:pw@atlas:21000"}, "not in the URL"),
    ({"url": "http://atlas:21000", "username": "admin", "password": None}, "ATLAS_PASSWORD"),
    ({"url": "http://atlas:21000", "auth": "kerberos"}, "pip install httpx-gssapi"),
])
def test_configuration_errors_name_the_fix(kwargs: dict, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "httpx_gssapi", None)
    url = kwargs.pop("url")
    with pytest.raises(AtlasError, match=message):
        AtlasClient(url, **kwargs)


def test_unreachable_atlas_is_a_clear_error() -> None:
    c = AtlasClient("http://127.0.0.1:1", username="admin", password=PASSWORD, timeout=2)
    with pytest.raises(AtlasError, match=r"cannot reach Atlas at http://127\.0\.0\.1:1"):
        c.ensure_types()


def test_atlas_refusals_carry_its_message(atlas: LocalAtlas) -> None:
    c = client(atlas)
    with pytest.raises(AtlasError,
                       match=r"404 to POST /api/atlas/v2/entity/bulk: Given typename airstream_\w+ was invalid"):
        c.post_entities(atlas_entities(TopologyLineage("x", [SubTopologyLineage("0", ["a"], ["b"])]), "cm"))


@pytest.mark.parametrize("body", ['["gateway timeout"]', '"upstream down"', "<html>bad gateway</html>"])
def test_errors_from_a_proxy_in_front_of_atlas_carry_its_answer(body: str) -> None:
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(502, text=body))
    c = AtlasClient("http://atlas:21000", transport=transport)
    with pytest.raises(AtlasError, match=r"Atlas answered 502 to GET /api/atlas/v2/types/typedef/name/\w+: ") as err:
        c.ensure_types()
    assert body in str(err.value)


SCRIPT = """
from airstream.connectors.cml import CMLClient
from airstream.connectors.hbase import HBaseSink
from airstream.topology.builder import StreamsBuilder

def build():
    b = StreamsBuilder()
    b.stream("tweets").filter(lambda k, v: True, name="keep").to("airlines")
    return b.build()

sinks = [HBaseSink("airline", column_family="sentiment", row_key="tweet_id")]
"""


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airstream.cli", "lineage", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


def test_airstream_lineage_publishes_a_script_topology(atlas: LocalAtlas, tmp_path: Path) -> None:
    script = tmp_path / "pipeline.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = run_cli(f"{script}:build", "--atlas-url", atlas.url, "--atlas-user", "admin", "--cluster", "cm",
                   "--application-id", "cloudair", env={"ATLAS_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    assert "published cloudair" in done.stdout and PASSWORD not in done.stdout + done.stderr
    assert atlas.names("kafka_topic") == {"tweets@cm", "airlines@cm"}
    assert atlas.names("hbase_table") == {"default:airline@cm"}
    assert atlas.names("airstream_topology") == {"cloudair@cm"}

    dry = run_cli(f"{script}:build", "--dry-run", "--cluster", "cm", "--application-id", "cloudair", env={})
    assert dry.returncode == 0, dry.stderr
    assert {e["attributes"]["qualifiedName"] for e in json.loads(dry.stdout)} == {
        q for _, q in atlas.state.entities}

    named_by_file = run_cli(f"{script}:build", "--dry-run", "--cluster", "cm", env={})
    assert "pipeline@cm" in {e["attributes"]["qualifiedName"] for e in json.loads(named_by_file.stdout)}

    missing = run_cli(f"{script}:nope", "--dry-run", env={})
    assert missing.returncode == 1 and "defines no 'nope'" in missing.stderr and "['build']" in missing.stderr


def test_topology_level_sinks_are_outputs_of_the_topology_only() -> None:
    kudu = KuduSink("impala::cloudair.airline").lineage()
    lineage = lineage_from_topology(cloudair_topology(), "cloudair", kudu)
    entities = {e["attributes"]["qualifiedName"]: e for e in atlas_entities(lineage, "cm")}
    kudu_guid = entities["impala::cloudair.airline@cm"]["guid"]
    assert kudu_guid in {r["guid"] for r in entities["cloudair@cm"]["attributes"]["outputs"]}
    for sub in ("cloudair.subtopology-0@cm", "cloudair.subtopology-1@cm"):
        assert kudu_guid not in {r["guid"] for r in entities[sub]["attributes"]["outputs"]}
