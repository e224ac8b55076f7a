"""Topics created with the partitions an application needs (real broker): ``airstream replay
--partitions`` and ``airstream run --create-topics``, and records placed by murmur2 as Java clients
and Kafka Streams place them."""

from __future__ import annotations

import subprocess
import textwrap
import time
from pathlib import Path

import orjson
import pytest
from cli_support import one_line
from confluent_kafka.admin import AdminClient
from runtime_support import AIRSTREAM, produce, read_topic
from tweet_files import drop_tweets, sample_ids

from airstream.connectors.tweets import SAMPLE_CSV
from airstream.connectors.tweets import replay as replay_file
from airstream.topology.partitioner import partition_for

pytestmark = pytest.mark.kafka


def _airstream(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AIRSTREAM, *args], capture_output=True, text=True, timeout=120)


def _partitions(bootstrap: str, topic: str) -> int | None:
    # All topics' metadata: asking for one by name would make the broker create it (auto.create.topics.enable).
    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics.get(topic)
    return None if meta is None or meta.error is not None else len(meta.partitions)


def test_replay_creates_its_topic_with_the_partitions_given_and_places_tweets_by_murmur2(
        kafka_cluster: str, unique_name: str) -> None:
    replay = _airstream("replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                        "--partitions", "4", "--limit", "40", "--no-progress")
    assert replay.returncode == 0, replay.stderr
    assert f"created topic '{unique_name}' with 4 partition(s)" in replay.stderr
    assert _partitions(kafka_cluster, unique_name) == 4
    tweets = read_topic(kafka_cluster, unique_name, 40)
    assert len(tweets) == 40 and len({m.partition() for m in tweets}) > 1
    assert all(m.partition() == partition_for(m.key(), 4) for m in tweets)  # where a Java client puts the key
    again = _airstream("replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                       "--partitions", "2", "--limit", "1", "--no-progress")
    assert again.returncode == 0 and "created topic" not in again.stderr
    assert _partitions(kafka_cluster, unique_name) == 4  # an existing topic is left as it is


def test_replay_of_a_file_with_synthetic_tweets_mixes_one_after_every_n_rows(kafka_cluster: str,
                                                                           unique_name: str) -> None:
    replay = _airstream("replay", str(SAMPLE_CSV), "--synthetic", "--synthetic-every", "4", "--limit", "15",
                        "--topic", unique_name, "--bootstrap", kafka_cluster, "--partitions", "1", "--no-progress")
    assert replay.returncode == 0, replay.stderr
    airlines = [orjson.loads(m.value())["dataset"]["airline"] for m in read_topic(kafka_cluster, unique_name, 15)]
    assert [i for i, a in enumerate(airlines, 1) if a == "CloudAir"] == [5, 10, 15]
    assert airlines[:4] == [t["dataset"]["airline"] for t in list(replay_file(SAMPLE_CSV, limit=4))]


def test_replay_replication_without_partitions_is_refused(kafka_cluster: str, unique_name: str) -> None:
    refused = _airstream("replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                         "--replication-factor", "1", "--no-progress")
    assert refused.returncode == 2
    assert "--replication-factor applies to a topic --partitions creates" in one_line(refused)


def test_run_creates_missing_source_topics_with_the_partitions_given(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    script = tmp_path / "upper.py"
    script.write_text(textwrap.dedent(f"""\
        from airstream.topology import Serdes, StreamsBuilder

        builder = StreamsBuilder()
        (builder.stream({source!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
            .map_values(str.upper).to({out!r}, key_serde=Serdes.String(), value_serde=Serdes.String()))
        topology = builder.build()
        """))
    app = subprocess.Popen([AIRSTREAM, "run", f"{script}:topology", "--bootstrap", kafka_cluster, "--application-id",
                            unique_name, "--create-topics", "--partitions", "3", "-X", "commit.interval.ms=200"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _partitions(kafka_cluster, source) is None and time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.2)
        assert _partitions(kafka_cluster, source) == 3
        produce(kafka_cluster, source, [(f"k{i}".encode(), f"v{i}".encode()) for i in range(6)])
        assert sorted(m.value() for m in read_topic(kafka_cluster, out, 6)) == [f"V{i}".encode() for i in range(6)]
        assert _partitions(kafka_cluster, out) == 3  # output topics follow the sources' width
    finally:
        app.terminate()
        _, err = app.communicate(timeout=60)
    assert app.returncode == 0, err[-2000:]
    assert f"created source topic {source} (3 partition(s))" in err


def test_run_partitions_without_create_topics_is_refused(kafka_cluster: str, unique_name: str,
                                                          tmp_path: Path) -> None:
    script = tmp_path / "t.py"
    script.write_text("from airstream.topology import StreamsBuilder\nb = StreamsBuilder()\n"
                      "b.stream('x').to('y')\ntopology = b.build()\n")
    refused = _airstream("run", f"{script}:topology", "--bootstrap", kafka_cluster, "--application-id", unique_name,
                         "--partitions", "3")
    assert refused.returncode == 2
    assert one_line(refused) == ("airstream run: --partitions N (N >= 1) goes with --create-topics: the partitions "
                                 "of the source topics it creates")


def test_replay_watch_produces_each_new_file_once_and_a_rerun_only_the_new_ones(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    drop_tweets(tmp_path, "monday.csv", range(10), mtime=1_000)
    drop_tweets(tmp_path, "tuesday.csv", range(10, 20), mtime=2_000)
    args = ["replay", str(tmp_path), "--watch", "--once", "--topic", unique_name, "--bootstrap", kafka_cluster,
            "--partitions", "3", "--no-progress"]
    first = _airstream(*args)
    assert first.returncode == 0, first.stderr
    assert f"produced 20 tweets from {tmp_path} to topic '{unique_name}'" in first.stdout
    assert _partitions(kafka_cluster, unique_name) == 3
    drop_tweets(tmp_path, "wednesday.csv", range(20, 25), mtime=3_000)
    again = _airstream(*args)
    assert again.returncode == 0 and "produced 5 tweets" in again.stdout, again.stderr
    ids = [m.key().decode() for m in read_topic(kafka_cluster, unique_name, 25, settle=2)]
    assert sorted(ids) == sorted(sample_ids(range(25)))  # every row once, none repeated
