"""``airstream sql``: ad-hoc SQL with DuckDB over the Parquet data sets the sinks write, no Impala needed.

Each data set becomes a view named after its folder (``out/airlinesentiment`` -> ``airlinesentiment``)
or the name you give (``--data tweets=s3://bucket/tables/t``), with Hive partition folders as columns::

    airstream sql "SELECT airline, count(*) FROM airlinesentiment GROUP BY 1" --data out/airlinesentiment
    airstream sql "SELECT * FROM airlinesentiment LIMIT 5" --json          # uses $AIRSTREAM_DATA

Local folders are read by DuckDB directly. S3 data sets are read through pyarrow's S3 filesystem
(the same settings as the Parquet sink: ``AWS_ENDPOINT_URL``, ``AWS_REGION``, the AWS credential
chain), so no DuckDB extension has to be downloaded at run time. ``--config FILE`` (a ``.properties``
file) and ``-X KEY=VALUE`` set them for one command, over the environment: ``s3.endpoint``,
``s3.region``, ``s3.access.key``, ``s3.secret.key``, ``s3.session.token``. Keys never appear in output.

A failure is one line on stderr (``--verbose`` adds the traceback). Exit codes: 0 the rows were
printed, 1 the query or the data failed (an SQL error, a file that is not Parquet), 2 usage (no data
set, an empty query, a bad ``--config``/``-X``).

From Python, :func:`query` returns the column names and rows::

    >>> import tempfile, pyarrow as pa, pyarrow.parquet as pq, os
    >>> d = os.path.join(tempfile.mkdtemp(), "airlinesentiment"); os.makedirs(d + "/airline=Delta")
    >>> pq.write_table(pa.table({"id": [1, 2]}), d + "/airline=Delta/part.parquet")
    >>> query("SELECT airline, count(*) AS n FROM airlinesentiment GROUP BY 1", {"airlinesentiment": d})
    (['airline', 'n'], [('Delta', 2)])
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import orjson

if TYPE_CHECKING:  # pyarrow loads lazily: `airstream --help` stays fast
    from airstream.connectors.parquet import S3Options

__all__ = ["QueryError", "add_arguments", "connect", "main", "parse_data_args", "query", "run", "s3_options"]

DEFAULT_DATA_ENV = "AIRSTREAM_DATA"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The S3Options field each --config/-X property sets.
_S3_PROPERTIES = {"s3.endpoint": "endpoint_url", "s3.region": "region", "s3.access.key": "access_key",
                  "s3.secret.key": "secret_key", "s3.session.token": "session_token"}


class QueryError(Exception):
    """The data set or the query is wrong; the message says which and how to fix it."""


class NoParquetFiles(QueryError):
    """A data set location holds no Parquet file yet (the pipeline has written nothing there)."""


def parse_data_args(values: Sequence[str]) -> dict[str, str]:
    """``[NAME=]LOCATION`` arguments to ``{view name: location}``; the name defaults to the last folder.

        >>> parse_data_args(["out/airlinesentiment", "raw=s3://bucket/tables/tweets/"])
        {'airlinesentiment': 'out/airlinesentiment', 'raw': 's3://bucket/tables/tweets/'}
    """
    datasets: dict[str, str] = {}
    for value in values:
        name, sep, location = value.partition("=")
        if not sep or "/" in name or ":" in name:
            name, location = os.path.basename(value.rstrip("/")).removesuffix(".parquet"), value
        name = name.replace("-", "_")
        if not _NAME.match(name):
            raise QueryError(f"cannot name a table after {value!r}: pass NAME=LOCATION, e.g. tweets={value}")
        datasets[name] = location
    return datasets


def s3_options(settings: Mapping[str, str], env: Mapping[str, str] | None = None) -> S3Options | None:
    """The S3 settings of ``--config``/``-X`` properties over the AWS environment; ``None`` without any.

        >>> s3_options({"s3.endpoint": "http://127.0.0.1:9000"}, env={"AWS_REGION": "eu-west-1"})
        S3Options(endpoint_url='http://127.0.0.1:9000', region='eu-west-1', access_key=None)
    """
    from dataclasses import replace

    from airstream.common.client_config import ConfigError
    from airstream.connectors.parquet import S3Options

    unknown = sorted(set(settings) - set(_S3_PROPERTIES))
    if unknown:
        raise ConfigError(f"unknown property {unknown[0]!r} in --config/-X: airstream sql takes "
                          f"{', '.join(_S3_PROPERTIES)}")
    if not settings:
        return None
    return replace(S3Options.from_env(env), **{_S3_PROPERTIES[k]: v or None for k, v in settings.items()})


def _require_sql(sql: str) -> None:
    # DuckDB runs an empty string as no statement at all and returns no result to read.
    if not sql.strip():
        raise QueryError('the query is empty: give the SQL, e.g. "SELECT * FROM airlinesentiment LIMIT 5"')


def _one_line(exc: BaseException) -> str:
    """DuckDB's message as one line: its lines up to the query excerpt (``LINE 1: ...`` and a caret)."""
    lines: list[str] = []
    for line in str(exc).strip().splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return "; ".join(lines) or type(exc).__name__


def connect(datasets: Mapping[str, str], s3: S3Options | None = None) -> Any:
    """A DuckDB connection with one view per data set (Hive partition folders become columns)."""
    import duckdb

    from airstream.connectors.parquet import dataset_filesystem

    con = duckdb.connect()
    for name, location in datasets.items():
        try:
            fs, root = dataset_filesystem(location, s3)
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        if location.startswith(("s3://", "s3a://")):
            import pyarrow.dataset as ds

            try:
                dataset = ds.dataset(root, filesystem=fs, format="parquet", partitioning="hive")
            except (OSError, ValueError) as exc:
                raise QueryError(f"cannot read the data set {name} at {location}: {exc}") from None
            if not dataset.files:
                raise NoParquetFiles(f"no Parquet files under {location}: has the pipeline written any yet?")
            con.register(name, dataset)
        else:
            if os.path.isfile(root):
                glob = root.replace("'", "''")
            elif any(f.endswith(".parquet") for _, _, files in os.walk(root) for f in files):
                glob = f"{root}/**/*.parquet".replace("'", "''")
            else:
                raise NoParquetFiles(f"no Parquet files under {root}: check --data (or ${DEFAULT_DATA_ENV}); "
                                     f"has the pipeline written any yet?")
            try:
                con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM '
                            f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)")
            except duckdb.Error as exc:
                raise QueryError(f"cannot read the data set {name} at {location}: {_one_line(exc)} (a file that "
                                 "is not Parquet, or one cut short while it was written? move it away)") from None
    return con


def query(sql: str, datasets: Mapping[str, str],
          s3: S3Options | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` over the data sets; return the column names and the rows."""
    import duckdb

    _require_sql(sql)
    con = connect(datasets, s3)
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()
    except (duckdb.Error, OSError) as exc:  # OSError: pyarrow reading an S3 data set
        tables = ", ".join(datasets) or "none"
        raise QueryError(f"{_one_line(exc)} (tables: {tables})") from None
    finally:
        con.close()


def _print_table(columns: list[str], rows: list[tuple[Any, ...]], out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    console = Console(file=out, width=max(80, min(200, 20 * len(columns))))
    console.print(table)
    console.print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", style="dim")


def _print_csv(columns: list[str], rows: list[tuple[Any, ...]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def _print_json(columns: list[str], rows: list[tuple[Any, ...]], out: TextIO) -> None:
    docs = [dict(zip(columns, row, strict=True)) for row in rows]
    out.write(orjson.dumps(docs, default=str, option=orjson.OPT_INDENT_2).decode() + "\n")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``airstream sql`` arguments to ``parser`` (the ``airstream`` CLI's subcommand)."""
    from airstream.common.client_config import add_property_arguments

    parser.description = "Run SQL with DuckDB over Parquet data sets (local folders or s3://bucket/prefix)."
    parser.epilog = (f"Without --data, ${DEFAULT_DATA_ENV} names the data set(s), separated by commas. S3 settings "
                     f"(over the AWS environment): {', '.join(_S3_PROPERTIES)}. Exit codes: 0 ok, 1 the query or "
                     "the data failed (SQL error, a file that is not Parquet), 2 usage (no data set, empty query, "
                     "bad --config/-X).")
    parser.add_argument("query", help='the SQL, e.g. "SELECT airline, count(*) FROM airlinesentiment GROUP BY 1"')
    parser.add_argument("--data", action="append", default=[], metavar="[NAME=]LOCATION",
                        help="a data set folder or s3:// URL, as a view named NAME (default: its folder name); "
                             "repeatable")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="print CSV with a header row")
    fmt.add_argument("--json", action="store_true", help="print a JSON array of objects")
    add_property_arguments(parser, what="S3")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run parsed ``airstream sql`` arguments; returns the exit code (0 ok, 1 query error, 2 usage)."""
    from airstream.common.client_config import ConfigError, properties, report_failure

    out = out or sys.stdout
    locations = args.data or [d for d in os.environ.get(DEFAULT_DATA_ENV, "").split(",") if d]
    settings: dict[str, str] = {}
    try:
        if not locations:
            raise QueryError(f"no data set: pass --data PATH_OR_S3_URL or set ${DEFAULT_DATA_ENV}")
        _require_sql(args.query)
        settings = properties(args.config_file, args.overrides)
        s3 = s3_options(settings)
        datasets = parse_data_args(locations)
    except (ConfigError, QueryError) as exc:
        report_failure("airstream sql", exc, verbose=args.verbose, secrets=settings)
        return 2
    try:
        columns, rows = query(args.query, datasets, s3)
    except QueryError as exc:
        report_failure("airstream sql", exc, verbose=args.verbose, secrets=settings)
        return 1
    printer = _print_csv if args.csv else _print_json if args.json else _print_table
    printer(columns, rows, out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """``python -m airstream.connectors.sql_cli``: the same as ``airstream sql``."""
    args = add_arguments(argparse.ArgumentParser(prog="airstream sql")).parse_args(argv)
    return run(args, out)


if __name__ == "__main__":
    sys.exit(main())
