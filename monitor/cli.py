"""The ``airmon`` command."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airmon",
        description="Terminal monitor for Kafka: topics, partitions, consumer groups, lag and alert rules.",
    )
    parser.add_argument("--bootstrap", help="bootstrap servers (default: $AIRSTREAM_BOOTSTRAP)")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
