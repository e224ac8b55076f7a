"""CloudAir's Kudu step: which writer the settings choose, the table definitions a run writes for it, and
the demo writing every scored tweet to a real Kudu through kudu-python (the table made from those
definitions), scanned back with Kudu's own CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cloudair.config import ConfigError, load_config  # noqa: E402
from cloudair.demo import write_kudu_ddl  # noqa: E402
from cloudair.pipeline import RECORD_SCHEMA, kudu_sink  # noqa: E402

from airstream.common.sink import SinkError, SinkRecord  # noqa: E402
from airstream.connectors.kudu import ImpalaKuduSink, KuduSink  # noqa: E402
from airstream.connectors.kudu_local import LocalKudu  # noqa: E402
from airstream.connectors.kudu_schema import KuduTable  # noqa: E402


def test_the_kudu_step_is_off_until_masters_are_set_or_impala_is_chosen() -> None:
    assert kudu_sink(load_config()) is None
    sink = kudu_sink(load_config(env={"CLOUDAIR_KUDU_MASTERS": "kudu-1:7051,kudu-2:7051"}))
    assert isinstance(sink, KuduSink) and sink.masters == ["kudu-1:7051", "kudu-2:7051"]
    impala = {"CLOUDAIR_KUDU_WRITER": "impala", "CLOUDAIR_KUDU_DATABASE": "cloudair"}
    through_impala = kudu_sink(load_config(env=impala))
    assert isinstance(through_impala, ImpalaKuduSink)
    assert through_impala.describe() == "ImpalaKuduSink(cloudair.airlinesentiment mode=UPSERT batch=500)"


def test_the_impala_writer_without_an_impala_says_which_setting_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMPALA_HOST", raising=False)
    sink = kudu_sink(load_config(env={"CLOUDAIR_KUDU_WRITER": "impala"}))
    assert sink is not None
    with pytest.raises(SinkError, match=r"no Impala connection configured \(set IMPALA_HOST\)"):
        sink.write([SinkRecord("airlines", 0, 0, 0, None, {"tweetid": "1"})])


def test_an_unknown_writer_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"\[kudu\] writer = 'spark': use 'kudu-python' or 'impala'"):
        load_config(env={"CLOUDAIR_KUDU_WRITER": "spark"})


@pytest.mark.parametrize("writer", ["kudu-python", "impala"])
def test_a_run_writes_the_kudu_schema_and_the_impala_ddl_of_its_writer(tmp_path: Path, writer: str) -> None:
    config = load_config(env={"CLOUDAIR_KUDU_WRITER": writer, "CLOUDAIR_KUDU_MASTERS": "127.0.0.1:7051",
                              "CLOUDAIR_KUDU_DATABASE": "cloudair", "CLOUDAIR_KUDU_REPLICAS": "1"},
                         parquet_location=str(tmp_path / "pq" / "airlinesentiment"))
    schema_file, impala_file = map(Path, write_kudu_ddl(config))
    assert schema_file == tmp_path / "pq" / "airlinesentiment.kudu.json"
    schema = orjson.loads(schema_file.read_bytes())
    assert [c["column_name"] for c in schema["schema"]["columns"]] == RECORD_SCHEMA.names  # tweetid is first
    assert schema["schema"]["key_column_names"] == ["tweetid"] and schema["num_replicas"] == 1
    sql = impala_file.read_text()
    if writer == "impala":
        assert sql.startswith("CREATE TABLE IF NOT EXISTS `cloudair`.`airlinesentiment` (\n"
                              "  `tweetid` STRING NOT NULL,")
        assert "STORED AS KUDU" in sql and "PARTITION BY HASH (`tweetid`) PARTITIONS 4" in sql
    else:
        assert sql == ("CREATE EXTERNAL TABLE IF NOT EXISTS `cloudair`.`airlinesentiment`\nSTORED AS KUDU\n"
                       "TBLPROPERTIES ('kudu.table_name' = 'airlinesentiment');\n")


@pytest.mark.kudu
def test_kudu_creates_the_table_from_the_schema_document_a_run_writes(local_kudu: LocalKudu) -> None:
    name = f"airlinesentiment_{uuid.uuid4().hex[:8]}"
    local_kudu.create_table(KuduTable(name, RECORD_SCHEMA, primary_key=("tweetid",), replicas=1).kudu_json())
    try:
        described = local_kudu.kudu("table", "describe", local_kudu.masters, name, check=True).stdout
    finally:
        local_kudu.drop_table(name)
    assert "tweetid STRING NOT NULL" in described and "airlinepolarity DOUBLE NULLABLE" in described
    assert "PRIMARY KEY (tweetid)" in described and "HASH (tweetid) PARTITIONS 4" in described


@pytest.mark.kudu
def test_the_demo_writes_every_scored_tweet_to_kudu_through_kudu_python(
        local_kudu: LocalKudu, kudu_python_env: dict[str, str], tmp_path: Path) -> None:
    table = f"airlinesentiment_{uuid.uuid4().hex[:8]}"  # the demo creates it
    env = {**os.environ, **kudu_python_env, "CLOUDAIR_KUDU_MASTERS": local_kudu.masters,
           "CLOUDAIR_KUDU_TABLE": table, "CLOUDAIR_KUDU_REPLICAS": "1", "CLOUDAIR_KUDU_HASH_BUCKETS": "2"}
    # kudu-python needs its client library preloaded before Python starts: the demo runs in a process of its own.
    demo = subprocess.run([sys.executable, str(ROOT / "examples" / "cloudair" / "demo.py"), "--headless",
                           "--limit", "80", "--parquet", str(tmp_path / "pq" / "airlinesentiment")],
                          capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr[-3000:]
    try:
        rows = local_kudu.scan(table)
    finally:
        local_kudu.drop_table(table)
    files = f"read_parquet('{tmp_path}/pq/airlinesentiment/**/*.parquet', hive_partitioning = true)"
    parquet = dict(duckdb.sql(f"SELECT tweetid, airlinepolarity FROM {files}").fetchall())
    assert len(rows) == len(parquet) > 0
    assert {r["tweetid"]: r["airlinepolarity"] for r in rows} == parquet
    assert f"Kudu table {table} (kudu-python)" in demo.stdout
