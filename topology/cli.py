"""The ``airstream`` command: run topologies, the demo, and the local Kafka broker."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _kafka(args: argparse.Namespace) -> int:
    from topology import kafka_local

    return kafka_local.main(args.kafka_args)


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
