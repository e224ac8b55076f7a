"""The ``airstream`` command: run topologies, replay tweets, serve the model, SQL, lineage, a local broker.

It sits above the engine and the connectors (each subcommand loads its module when it runs, so
``airstream kafka up`` does not import DuckDB).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _kafka(args: argparse.Namespace) -> int:
    from airstream.topology import kafka_local

    return kafka_local.main(args.kafka_args)


def _replay(args: argparse.Namespace) -> int:
    from airstream.connectors import tweets

    return tweets.main(args)


def _model_server(args: argparse.Namespace) -> int:
    from airstream.connectors import model_server

    return model_server.main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airstream",
        description="Kafka Streams-style topologies in Python, on Apache Kafka or the embedded engine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    kafka = sub.add_parser("kafka", help="start or stop a local Apache Kafka (KRaft) for development",
                           add_help=False)
    kafka.add_argument("kafka_args", nargs=argparse.REMAINDER)
    kafka.set_defaults(func=_kafka)

    replay = sub.add_parser("replay", help="replay a tweets CSV / JSON-lines file to a Kafka topic")
    replay.add_argument("path", help="airline tweets CSV (the shared data set's format) or .jsonl of tweets")
    replay.add_argument("--topic", default="tweets", help="topic to produce to (default: tweets)")
    replay.add_argument("--bootstrap", help="Kafka bootstrap servers, e.g. localhost:9092")
    replay.add_argument("--rate", type=float, help="records per second (default: as fast as possible)")
    replay.add_argument("--speedup", type=float, help="replay at N times the tweets' original pace")
    replay.add_argument("--limit", type=int, help="stop after N records")
    replay.add_argument("--loop", action="store_true", help="start over at the end of the file")
    replay.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    replay.add_argument("--client-id",
                        help="the producer's client.id, its name in airmon's Traces (default: airstream-replay)")
    replay.set_defaults(func=_replay)

    model = sub.add_parser("model-server", help="serve the VADER sentiment model over the CML model protocol")
    model.add_argument("--host", default="127.0.0.1")
    model.add_argument("--port", type=int, default=8765, help="0 picks a free port (default: 8765)")
    model.add_argument("--access-key", help="required accessKey (default: $CML_ACCESS_KEY, else any)")
    model.add_argument("--api-key", help="required Bearer API key (default: $CML_API_KEY, else none)")
    model.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every call")
    model.add_argument("--fail-rate", type=float, default=0.0, help="fraction of calls answered 500")
    model.add_argument("--timeout-rate", type=float, default=0.0, help="fraction of calls that hang")
    model.add_argument("--seed", type=int, default=0, help="seed of the fault injection")
    model.set_defaults(func=_model_server)

    from airstream.topology.cli_run import add_arguments as add_run_arguments

    add_run_arguments(sub.add_parser("run", help="run a topology on Kafka (start more instances to scale out)"))

    from airstream.connectors.sql_cli import add_arguments as add_sql_arguments

    add_sql_arguments(sub.add_parser("sql", help="run SQL with DuckDB over the Parquet data sets (local or S3)"))

    from airstream.connectors.atlas import add_arguments as add_lineage_arguments

    add_lineage_arguments(sub.add_parser("lineage", help="publish a topology's lineage to Apache Atlas"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``airstream`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    # `airstream kafka --help`: argparse keeps an option that starts a REMAINDER for itself, so the
    # kafka command's own options (and its help) are passed on from what is left unparsed.
    args, rest = parser.parse_known_args(argv)
    if args.command == "kafka":
        args.kafka_args = rest + args.kafka_args
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
