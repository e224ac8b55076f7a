"""``airstream hbase scan``: the rows of an HBase table through its Thrift server, as the HBase shell shows them.

The CloudAir seed scans the rows its flow inserts into HBase; this is that scan for any HBase with a
Thrift (v1) server, the one :class:`~airstream.connectors.hbase.HBaseSink` writes through.

    >>> to_string_binary(b"Delta \\x00\\xff")
    'Delta \\\\x00\\\\xFF'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

__all__ = ["Cell", "HBaseScanError", "Row", "add_scan_arguments", "scan_command", "scan_rows", "to_string_binary"]

_DEFAULT_PORT = 9090


class HBaseScanError(RuntimeError):
    """The scan could not be made: the message says what and what to do."""


@dataclass(frozen=True)
class Cell:
    """One cell: ``family:qualifier``, its write time (ms since the epoch) and value."""

    column: bytes
    timestamp_ms: int
    value: bytes


@dataclass(frozen=True)
class Row:
    """One row with its cells in column order."""

    key: bytes
    cells: list[Cell]


def to_string_binary(data: bytes) -> str:
    """Bytes as the HBase shell prints them (``Bytes.toStringBinary``): printable ASCII as is, others ``\\xNN``."""
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in data)


def scan_rows(connection: Any, table: str, *, prefix: str | None = None, limit: int | None = None,
              columns: Sequence[str] = ()) -> Iterator[Row]:
    """The rows of ``table`` in key order, from a happybase ``connection``.

    ``prefix`` keeps the rows whose key starts with it; ``limit`` stops after that many rows;
    ``columns`` (``family`` or ``family:qualifier``) keeps only those cells.
    """
    scanner = connection.table(table).scan(row_prefix=prefix.encode() if prefix else None,
                                           columns=list(columns) or None, include_timestamp=True, limit=limit,
                                           batch_size=min(limit or 1000, 1000))
    for key, cells in scanner:
        yield Row(key, [Cell(column, ts, value) for column, (value, ts) in sorted(cells.items())])


def _shell_lines(rows: Iterator[Row], out: TextIO) -> int:
    """Print as the HBase shell's ``scan`` does; returns the number of rows."""
    count = 0
    out.write(f"{'ROW':<28}COLUMN+CELL\n")
    for row in rows:
        count += 1
        key = to_string_binary(row.key)
        for cell in row.cells:
            when = datetime.fromtimestamp(cell.timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            out.write(f" {key:<27}column={to_string_binary(cell.column)}, timestamp={when}, "
                      f"value={to_string_binary(cell.value)}\n")
    out.write(f"{count} row(s)\n")
    return count


def _json_lines(rows: Iterator[Row], out: TextIO) -> int:
    """One JSON object a row: ``{"row": ..., "cells": {"family:qualifier": value}}`` (UTF-8 text, else
    the shell's ``\\xNN`` form); returns the number of rows."""
    count = 0
    for row in rows:
        count += 1
        cells = {to_string_binary(c.column): _text(c.value) for c in row.cells}
        out.write(orjson.dumps({"row": _text(row.key), "cells": cells}).decode() + "\n")
    return count


def _text(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return to_string_binary(data)


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``airstream hbase scan``."""
    parser.description = "Print rows of an HBase table through its Thrift server, as the HBase shell's scan does."
    parser.epilog = ("Without --host/--port, the local HBase of 'airstream hbase up' if it runs, else "
                     f"localhost:{_DEFAULT_PORT}. Exit codes: 0 rows printed (none is fine), 1 the Thrift server "
                     "cannot be reached or fails, 2 no such table or column family, or bad arguments.")
    parser.add_argument("table", help="the table, 'name' or 'namespace:name'")
    parser.add_argument("--prefix", help="only rows whose key starts with this")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N rows (default: 20; 0: all)")
    parser.add_argument("--columns", nargs="+", default=[], metavar="COLUMN",
                        help="only these columns: 'family' or 'family:qualifier'")
    parser.add_argument("--host", help="the HBase Thrift server's host")
    parser.add_argument("--port", type=int, help=f"its port (default: {_DEFAULT_PORT})")
    parser.add_argument("--json", action="store_true", help="one JSON object per row instead of the shell's layout")
    parser.add_argument("-v", "--verbose", action="store_true", help="add the traceback to a failure")


def scan_command(args: argparse.Namespace, local: dict[str, Any] | None, out: TextIO | None = None) -> int:
    """Run parsed ``airstream hbase scan`` arguments; ``local`` is the running local HBase's state, if any."""
    from airstream.common.client_config import report_failure
    from airstream.connectors.hbase import thrift_error_text

    out = out or sys.stdout
    host, port = args.host, args.port
    if host is None and port is None and local is not None:
        host, _, given = local["address"].rpartition(":")
        port = int(given)
    where = f"{host or 'localhost'}:{port or _DEFAULT_PORT}"
    if args.limit < 0:
        report_failure("airstream hbase scan", HBaseScanError(f"--limit {args.limit}: give 0 (all rows) or more"),
                       verbose=False)
        return 2
    try:
        import happybase
    except ImportError as exc:
        report_failure("airstream hbase scan", exc, verbose=args.verbose,
                       message="happybase is not installed: pip install 'airstream[hbase]'")
        return 2
    connection = happybase.Connection(host or "localhost", port or _DEFAULT_PORT, timeout=30_000, autoconnect=False)
    try:
        try:
            connection.open()
            tables = [t.decode() for t in connection.tables()]
            families = (sorted(f.decode().rstrip(":") for f in connection.table(args.table).families())
                        if args.table in tables else [])
        except Exception as exc:  # thriftpy2's TTransportException, socket errors
            report_failure("airstream hbase scan", exc, verbose=args.verbose,
                           message=f"cannot reach the HBase Thrift server at {where}: {exc}; start one with "
                                   "'airstream hbase up' or give --host/--port")
            return 1
        if args.table not in tables:
            known = ", ".join(tables) or "none"
            report_failure("airstream hbase scan", HBaseScanError(args.table), verbose=False,
                           message=f"no table {args.table!r} on {where} (tables: {known})")
            return 2
        unknown = sorted({c.split(":")[0] for c in args.columns} - set(families))
        if unknown:
            report_failure("airstream hbase scan", HBaseScanError(args.table), verbose=False,
                           message=f"no column family {', '.join(map(repr, unknown))} in {args.table!r} "
                                   f"(families: {', '.join(families)})")
            return 2
        rows = scan_rows(connection, args.table, prefix=args.prefix, limit=args.limit or None, columns=args.columns)
        try:
            (_json_lines if args.json else _shell_lines)(rows, out)
        except Exception as exc:  # Hbase_thrift.IOError (a region moving), a dropped connection
            first = (thrift_error_text(exc).strip().splitlines() or [type(exc).__name__])[0]
            report_failure("airstream hbase scan", exc, verbose=args.verbose,
                           message=f"scanning {args.table!r} on {where} failed: {first}")
            return 1
    finally:
        connection.close()
    return 0
