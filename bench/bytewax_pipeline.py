"""The benchmark pipeline as a Bytewax dataflow, run by the Kafka benchmark as a peer.

It runs in its own virtual environment, ``bench/.venv-bytewax`` (apart from
airstream's dependencies), which :mod:`bench.bench_kafka` creates when it is missing::

    bench/.venv-bytewax/bin/python bench/bytewax_pipeline.py --bootstrap 127.0.0.1:9092 \\
        --input tweets --output influencers --group bytewax-1

Bytewax's Kafka connectors are used with their defaults: the source assigns itself every partition
and reads from the beginning (no consumer group: Bytewax keeps offsets in its own recovery store),
the sink flushes its producer after every batch. At-least-once needs recovery on, so it is: one
SQLite partition per application in ``$TMPDIR/airstream-bench-bytewax/<group>``, a snapshot at
the end of every epoch (10 s, Bytewax's default epoch without recovery). One worker, like the other
Python contenders' one thread. SIGTERM ends the process: Bytewax has no call that stops a running
dataflow (a KeyboardInterrupt in a source only makes it panic), and a dataflow killed at any point
resumes from its last snapshot, which is what at-least-once means here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import bytewax.operators as op
import orjson
from bytewax._bytewax import cli_main
from bytewax.connectors.kafka import KafkaSinkMessage, KafkaSourceMessage
from bytewax.connectors.kafka import operators as kop
from bytewax.dataflow import Dataflow
from bytewax.recovery import RecoveryConfig, init_db_dir

# airstream is not installed in this environment; the shared pipeline is plain Python in the repo.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.kafka_pipeline import keep, project

EPOCH = timedelta(seconds=10)


def influencer(msg: KafkaSourceMessage[bytes, bytes]) -> KafkaSinkMessage[bytes, bytes] | None:
    """The projected tweet with the input's key and timestamp, or None (dropped) when it is not kept."""
    tweet: dict[str, Any] = orjson.loads(msg.value)
    if not keep(tweet):
        return None
    assert msg.timestamp is not None   # Kafka records always carry one
    return KafkaSinkMessage(msg.key, orjson.dumps(project(tweet)), timestamp=msg.timestamp[1])


def dataflow(bootstrap: str, input_topic: str, output_topic: str) -> Dataflow:
    """Kafka in, filter and project in one step, Kafka out; consumer errors stop the dataflow."""
    flow = Dataflow("influencers")
    tweets = kop.input("tweets", flow, brokers=[bootstrap], topics=[input_topic])
    op.raises("consumer-errors", tweets.errs)
    kop.output("out", op.filter_map("influencers", tweets.oks, influencer), brokers=[bootstrap], topic=output_topic)
    return flow


def recovery(group: str) -> RecoveryConfig:
    """The group's recovery store, created on its first run and read again when it restarts."""
    db_dir = Path(tempfile.gettempdir()) / "airstream-bench-bytewax" / group
    if not db_dir.exists():
        db_dir.mkdir(parents=True)
        init_db_dir(db_dir, 1)
    return RecoveryConfig(str(db_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bytewax: filter influencers, project four fields")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True, help="names the recovery store (Bytewax has no consumer group)")
    args = parser.parse_args(argv)
    cli_main(dataflow(args.bootstrap, args.input, args.output), epoch_interval=EPOCH,
             recovery_config=recovery(args.group))
    return 0


if __name__ == "__main__":
    sys.exit(main())
