"""``airstream sql`` over data sets the Parquet sink wrote: as a user runs it, and from Python."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers.s3 import SECRET_KEY, LocalS3

from airstream.common.sink import SinkRecord
from airstream.connectors.parquet import ParquetSink
from airstream.connectors.sql_cli import QueryError, main, parse_data_args, query

AIRLINES = ["Delta", "United", "Virgin America"]
SENTIMENTS = ["Negative", "Neutral", "Positive"]


def tweet(i: int) -> dict:
    return {"tweet_id": 1000 + i, "airline": AIRLINES[i % 3], "airlinesentiment": SENTIMENTS[(i // 3) % 3],
            "airlinepolarity": (i % 5) / 4 - 0.5, "text": f"tweet, \"{i}\""}


TWEETS = [tweet(i) for i in range(90)]


def write_dataset(location: str, **kwargs: object) -> None:
    sink = ParquetSink(location, partition_by=["airline"], max_rows=10, **kwargs)  # type: ignore[arg-type]
    sink.write([SinkRecord("airlines", 0, i, 0, None, t) for i, t in enumerate(TWEETS)])
    sink.flush()


def expected_counts() -> list[tuple[str, str, int]]:
    counts: dict[tuple[str, str], int] = {}
    for t in TWEETS:
        key = (t["airline"], t["airlinesentiment"])
        counts[key] = counts.get(key, 0) + 1
    return sorted((a, s, n) for (a, s), n in counts.items())


PIE_CHART = ("SELECT airline, airlinesentiment, count(*) AS n FROM airlinesentiment "
             "GROUP BY ALL ORDER BY airline, airlinesentiment")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> str:
    location = str(tmp_path_factory.mktemp("out") / "airlinesentiment")
    write_dataset(location)
    return location


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airstream.cli", "sql", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


def test_table_output_from_the_command_line(dataset: str) -> None:
    done = run_cli(PIE_CHART, "--data", dataset)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["airline", "┃", "airlinesentiment", "┃", "n"]
    body = [line.replace("│", " ").split() for line in lines[2:-1]]
    assert [(" ".join(r[:-2]), r[-2], int(r[-1])) for r in body] == expected_counts()
    assert lines[-1] == f"({len(expected_counts())} rows)"


def test_csv_for_scripts(dataset: str) -> None:
    done = run_cli("SELECT tweet_id, text, airline FROM airlinesentiment ORDER BY tweet_id", "--csv",
                   "--data", dataset)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["tweet_id", "text", "airline"]
    assert rows[1:] == [[str(t["tweet_id"]), t["text"], t["airline"]] for t in TWEETS]


def test_json_for_scripts_with_the_data_set_from_the_environment(dataset: str) -> None:
    done = run_cli("SELECT * FROM airlinesentiment ORDER BY tweet_id", "--json",
                   env={"AIRSTREAM_DATA": dataset})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == TWEETS


def test_named_and_several_data_sets(dataset: str) -> None:
    out = io.StringIO()
    code = main(["SELECT count(*) AS n FROM a JOIN b USING (tweet_id)", "--json",
                 "--data", f"a={dataset}", "--data", f"b={dataset}"], out=out)
    assert code == 0
    assert json.loads(out.getvalue()) == [{"n": len(TWEETS)}]


def test_errors_name_the_problem(dataset: str, tmp_path: Path) -> None:
    bad_sql = run_cli("SELECT nope FROM airlinesentiment", "--data", dataset)
    assert bad_sql.returncode == 1
    assert '"nope"' in bad_sql.stderr and "tables: airlinesentiment" in bad_sql.stderr
    empty = run_cli("SELECT 1", "--data", str(tmp_path))
    assert empty.returncode == 1 and "no Parquet files under" in empty.stderr
    nothing = run_cli("SELECT 1", env={"AIRSTREAM_DATA": ""})
    assert nothing.returncode == 2 and "--data" in nothing.stderr
    with pytest.raises(QueryError, match="NAME=LOCATION"):
        parse_data_args(["/data/2024-01"])


def test_a_single_file_is_a_data_set(dataset: str) -> None:
    one = next(Path(dataset).rglob("*.parquet"))
    columns, rows = query("SELECT count(*) FROM part", parse_data_args([f"part={one}"]))
    assert columns == ["count_star()"] and rows == [(10,)]
    assert parse_data_args([str(one)]) == {one.name.removesuffix(".parquet").replace("-", "_"): str(one)}


def test_data_argument_names() -> None:
    assert parse_data_args(["out/airline-sentiment/", "t=s3://b/x"]) == {
        "airline_sentiment": "out/airline-sentiment/", "t": "s3://b/x"}


def test_s3_data_set(s3_server: LocalS3, unique_name: str) -> None:
    bucket = unique_name.lower().replace("_", "-")[:60]
    s3_server.client().create_bucket(Bucket=bucket)
    location = f"s3://{bucket}/tables/airlinesentiment"
    write_dataset(location, s3=s3_server.options)
    columns, rows = query(PIE_CHART, {"airlinesentiment": location}, s3=s3_server.options)
    assert columns == ["airline", "airlinesentiment", "n"]
    assert rows == expected_counts()
    done = run_cli(PIE_CHART, "--csv", "--data", location, env=s3_server.env())
    assert done.returncode == 0, done.stderr
    got = list(csv.reader(io.StringIO(done.stdout)))
    assert got[0] == ["airline", "airlinesentiment", "n"]
    assert [(a, s, int(n)) for a, s, n in got[1:]] == expected_counts()
    assert SECRET_KEY not in done.stdout + done.stderr
