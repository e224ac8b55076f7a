"""airmon watching the CloudAir pipeline as it runs on Kafka stays quiet: `airstream run` with its
default commit interval (30 s), tweets replayed at a steady rate, and `airmon check --watch 2` with
the rules an operator would set. No alert may fire, and at the end the group is judged OK from its
commits in the commit log.

`make test` watches for AIRMON_SOAK_SECONDS (default 60); `make airmon-soak` for 10 minutes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.connectors.model_server import ModelServer
from airstream.connectors.tweets import SAMPLE_CSV

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SECONDS = float(os.environ.get("AIRMON_SOAK_SECONDS", "60"))

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOPICS = ("tweets-ingest", "tweets", "tweets-filtered", "scoring-failures", "airlines", "negativesentiment",
          "influencer-alerts", "sentiment", "cloudair-dlq")

RULES = """
rules:
  - {{name: consumer-stuck, kind: group_status, group: "{group}", status: [STALL, STOP, REWIND], severity: critical}}
  - {{name: falling-behind, kind: group_status, group: "{group}", status: [WARN], for: 2m}}
  - {{name: backlog, kind: group_lag, group: "{group}", above: 2000, for: 1m}}
  - {{name: slow-drain, kind: time_to_drain, group: "{group}", above: 10m, for: 1m}}
  - {{name: ingest-quiet, kind: topic_idle, topic: "{prefix}tweets-ingest", above: 1m}}
  - {{name: replicas, kind: under_replicated, topic: "{prefix}*"}}
  - {{name: broker-gone, kind: broker_down, severity: critical}}
"""


@pytest.mark.timeout(SECONDS * 3 + 300)
def test_airmon_check_watch_stays_quiet_on_the_cloudair_pipeline(kafka_cluster: str, unique_name: str,
                                                                 tmp_path: Path) -> None:
    seconds = SECONDS
    prefix, group = f"{unique_name}-", unique_name
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    for future in admin.create_topics([NewTopic(prefix + t, 3, 1) for t in TOPICS]).values():
        future.result(30)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(group=group, prefix=prefix))
    key = secrets.token_hex(8)
    dlq = f"errors.dead.letter.queue.topic.name={prefix}cloudair-dlq"
    with ModelServer(access_key=key) as server, open(tmp_path / "run.log", "w") as run_err, \
            open(tmp_path / "replay.log", "w") as replay_err:
        env = {**os.environ, "AIRSTREAM_BOOTSTRAP": kafka_cluster, "CLOUDAIR_MODEL_URL": server.url,
               "CML_ACCESS_KEY": key, "CLOUDAIR_PIPELINE_TOPIC_PREFIX": prefix,
               "CLOUDAIR_PARQUET_LOCATION": str(tmp_path / "parquet")}
        pipeline = subprocess.Popen(
            [BIN / "airstream", "run", "examples/cloudair/pipeline.py:topology", "--application-id", group,
             "-X", "processing.exception.handler=dlq", "-X", dlq],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=run_err)
        replay = subprocess.Popen(
            [BIN / "airstream", "replay", str(SAMPLE_CSV), "--topic", f"{prefix}tweets-ingest", "--rate", "20",
             "--loop", "--no-progress", "--bootstrap", kafka_cluster], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=replay_err)
        try:
            # --count is refreshes 2 s apart, plus the time each refresh takes: the watch lasts a bit longer.
            watch = subprocess.run(
                [BIN / "airmon", "check", "--rules", str(rules), "--watch", "2", "--count", str(int(seconds / 2))],
                env=env, capture_output=True, text=True, timeout=seconds * 3 + 120)
            snapshot = subprocess.run([BIN / "airmon", "snapshot", "--rules", str(rules)], env=env,
                                      capture_output=True, text=True, timeout=120)
        finally:
            for process in (replay, pipeline):
                process.terminate()
                process.wait(timeout=60)
    run_log = (tmp_path / "run.log").read_text()
    assert pipeline.returncode in (0, -15), run_log[-2000:]
    assert watch.returncode == 0 and watch.stdout == "", (watch.stdout, watch.stderr[-2000:], run_log[-2000:])
    doc = json.loads(snapshot.stdout)
    cloudair = next(g for g in doc["groups"] if g["group_id"] == group)
    assert cloudair["lag_source"] == "commit-log"
    # By then its commits came every 30 s while it consumed: a verdict that is not an error.
    assert cloudair["status"] in ("OK", "UNKNOWN") and all(
        p["status"] in ("OK", "UNKNOWN") for p in cloudair["partitions"]), cloudair
    if seconds >= 300:  # a full window of commits: judged, and keeping up
        assert (cloudair["status"], cloudair["caught_up"]) == ("OK", True), cloudair
