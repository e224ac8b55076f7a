"""The ``airstream`` command: run topologies, replay tweets, serve the model, SQL, lineage, a local broker and HBase.

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


def _positive(text: str) -> int:
    """An argparse type: a whole number >= 1 (the error is argparse's one usage line)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from airstream.common.client_config import add_client_arguments

    parser = argparse.ArgumentParser(
        prog="airstream",
        description="Kafka Streams-style topologies in Python, on Apache Kafka or the embedded engine.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    kafka = sub.add_parser("kafka", help="start or stop a local Apache Kafka (KRaft) for development",
                           add_help=False)
    kafka.add_argument("kafka_args", nargs=argparse.REMAINDER)
    kafka.set_defaults(func=_kafka)

    replay = sub.add_parser(
        "replay", help="replay a tweets CSV / JSON-lines file to a Kafka topic",
        description="Replay a tweets CSV (the airline data set's format) or JSON-lines file to a Kafka topic. "
                    "Without --bootstrap, --config or -X it replays into an in-process embedded cluster "
                    "(a dry run: nothing persists).",
        epilog="A failure is one line on stderr saying how many rows were produced and how to resume (e.g. "
               "--from-row N); --verbose adds the traceback. Rows are numbered from 1: a CSV's Nth record "
               "after the header, a JSON-lines file's line N. Exit codes: 0 every row produced, 1 stopped "
               "partway (a bad row, records Kafka refused or did not deliver), 2 bad arguments, client "
               "configuration or file (missing, binary, not tweets), 130 interrupted.")
    replay.add_argument("path", nargs="?",
                        help="airline tweets CSV (the shared data set's format) or .jsonl of tweets; with --watch, a "
                             "folder of them; none with --synthetic alone")
    replay.add_argument("--synthetic", action="store_true",
                        help="synthetic tweets about CloudAir (@CloudAir, #ClouderaAir), with varied sentiment; "
                             "the same ones for a --seed. Alone: endless unless --limit; with a FILE: one after "
                             "every --synthetic-every rows of it, as the CloudAir demo replays")
    replay.add_argument("--synthetic-every", type=_positive, default=10, metavar="N",
                        help="with FILE and --synthetic: a synthetic tweet after every N rows (default: 10)")
    replay.add_argument("--seed", type=int, default=0, help="with --synthetic: which tweets (default: 0)")
    replay.add_argument("--topic", default="tweets", help="topic to produce to (default: tweets)")
    replay.add_argument("--partitions", type=_positive, metavar="N",
                        help="create the topic with N partitions if it does not exist (otherwise the broker "
                             "creates it on first use with its num.partitions, usually 1); an existing topic "
                             "is left as it is")
    replay.add_argument("--replication-factor", type=_positive, metavar="R",
                        help="with --partitions: replicas of the topic (default: the broker's)")
    add_client_arguments(replay)
    replay.add_argument("--rate", type=float, help="records per second (default: as fast as possible)")
    replay.add_argument("--speedup", type=float, help="replay at N times the tweets' original pace")
    replay.add_argument("--limit", type=int, help="stop after N records")
    replay.add_argument("--loop", action="store_true", help="start over at the end of the file")
    replay.add_argument("--on-error", choices=["stop", "skip"], default="stop",
                        help="at a row that cannot be read: stop (the default) or skip it with a warning")
    replay.add_argument("--from-row", type=_positive, default=1, metavar="N",
                        help="start at row N, e.g. where a stopped replay says to resume (default: 1)")
    replay.add_argument("--watch", action="store_true",
                        help="PATH is a folder: replay each new .csv/.jsonl file in it once, oldest first, until "
                             "stopped; progress is kept in --state, so a restart resumes without repeating rows")
    replay.add_argument("--once", action="store_true", help="with --watch: stop when no new file is left")
    replay.add_argument("--state", metavar="FILE",
                        help="with --watch: the progress file (default: FOLDER/.airstream-replay-state.json)")
    replay.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    replay.add_argument("--client-id",
                        help="the producer's client.id, its name in airmon's Traces (default: airstream-replay)")
    replay.set_defaults(func=_replay)

    model = sub.add_parser("model-server", help="serve the VADER sentiment model over the CML model protocol, "
                                                "or show a running one's status")
    model.add_argument("action", nargs="?", choices=["serve", "status"], default="serve",
                       help="serve (the default) or status: print the status of the server at URL")
    model.add_argument("url", nargs="?", help="with status: the model's URL, e.g. http://127.0.0.1:8765/model")
    model.add_argument("--json", action="store_true", help="with status: print the status as JSON")
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

    from airstream.connectors.hbase_local import add_arguments as add_hbase_arguments

    add_hbase_arguments(sub.add_parser("hbase", help="start or stop a local Apache HBase, scan an HBase table"))

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
