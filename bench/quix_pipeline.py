"""The benchmark pipeline as a Quix Streams application, run by the Kafka benchmark as a peer.

It runs in its own virtual environment, ``bench/.venv-quix`` (Quix Streams pins an older
confluent-kafka than airstream's), which :mod:`bench.bench_kafka` creates when it is missing::

    bench/.venv-quix/bin/python bench/quix_pipeline.py --bootstrap 127.0.0.1:9092 \\
        --input tweets --output influencers --group quix-1

Quix defaults are kept (at-least-once, its orjson JSON serdes, 5 s commit interval) except the
offset reset, so the app reads the pre-filled topic from the start. It stops on SIGTERM, which
Quix handles by finishing, committing and leaving the group.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quixstreams import Application

# airstream is not installed in this environment; the shared pipeline is plain Python in the repo.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.kafka_pipeline import keep, project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Quix Streams: filter influencers, project four fields")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--guarantee", default="at-least-once", choices=["at-least-once", "exactly-once"])
    args = parser.parse_args(argv)

    app = Application(broker_address=args.bootstrap, consumer_group=args.group, auto_offset_reset="earliest",
                      processing_guarantee=args.guarantee, loglevel="WARNING")
    tweets = app.topic(args.input, key_deserializer="bytes", value_deserializer="json")
    influencers = app.topic(args.output, key_serializer="bytes", value_serializer="json")
    sdf = app.dataframe(tweets).filter(keep).apply(project)
    sdf.to_topic(influencers)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
