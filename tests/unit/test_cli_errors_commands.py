"""Bad input to `airstream replay`, `airstream sql` and `airmon check` ends in one line on stderr and the
documented exit code, from the real commands (no broker: replay runs into its embedded cluster, and
the failures happen before any connection). `--verbose` adds the traceback."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_support import NOWHERE, one_line, run_module

from airstream.common.client_config import add_client_arguments, config_from_args
from airstream.connectors.tweets import SAMPLE_CSV


def _sample_rows(n: int) -> list[list[str]]:
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[: n + 1]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


# -- airstream replay -----------------------------------------------------------------------------------

def test_replay_refuses_a_binary_file_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))
    result = run_module("airstream.cli", "replay", str(path), "--no-progress")
    assert result.returncode == 2
    assert one_line(result) == (f"airstream replay: {path} is a binary file (it holds NUL bytes), not tweets: "
                                 "replay a CSV of the data set's format or a JSON-lines file of tweets")


def test_replay_names_the_row_that_is_not_utf8_and_how_to_go_on(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "tweets.csv", _sample_rows(6))
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", b",caf\xe9", 1)  # row 4, Latin-1: one byte that is not UTF-8
    path.write_bytes(b"\n".join(lines))
    result = run_module("airstream.cli", "replay", str(path), "--no-progress")
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"airstream replay: stopped at row 4 ({path}:5): field ")
    assert "is not UTF-8 text (byte 0xe9)" in line and line.endswith("or rerun with --on-error skip")
    skipped = run_module("airstream.cli", "replay", str(path), "--no-progress", "--on-error", "skip")
    assert skipped.returncode == 0 and "replayed 5 tweets" in skipped.stdout
    assert "skipping record" in skipped.stderr and "row 4:" in skipped.stderr


def test_replay_refuses_a_csv_field_over_128_kib_even_when_skipping(tmp_path: Path) -> None:
    rows = _sample_rows(5)
    rows[3][rows[0].index("text")] = "x" * (129 * 1024)
    path = _write_csv(tmp_path / "tweets.csv", rows)
    result = run_module("airstream.cli", "replay", str(path), "--no-progress", "--on-error", "skip")
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"airstream replay: stopped at row 3 ({path}:4): a field is over 128 KiB")
    assert "unclosed quote" in line and line.endswith("; fix the row")


def test_replay_skips_a_json_line_over_128_kib_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(b'{"id_str": "1"}\n{"id_str": "2", "text": "' + b"y" * (3 * 1024 * 1024) + b'"}\n'
                     b'{"id_str": "3"}\n')
    stopped = run_module("airstream.cli", "replay", str(path), "--no-progress")
    assert stopped.returncode == 1
    assert one_line(stopped) == (f"airstream replay: stopped at row 2 ({path}:2): the line is 3072 KiB, over the "
                                  "128 KiB a tweet can take (is this a JSON-lines file of tweets?); fix the row, "
                                  "or rerun with --on-error skip")
    skipped = run_module("airstream.cli", "replay", str(path), "--no-progress", "--on-error", "skip")
    assert skipped.returncode == 0 and "replayed 2 tweets" in skipped.stdout


def test_replay_from_row_starts_there(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "tweets.csv", _sample_rows(10))
    result = run_module("airstream.cli", "replay", str(path), "--no-progress", "--from-row", "8")
    assert result.returncode == 0 and "replayed 3 tweets" in result.stdout


@pytest.mark.parametrize(("args", "said"), [
    (["{missing}"], "airstream replay: tweets file not found: {missing} (the shipped sample is"),
    ([str(SAMPLE_CSV), "-X", "acks"], "airstream replay: -X 'acks' is not key=value: write it as -X property=value"),
    ([str(SAMPLE_CSV), "--config", "{missing}"],
     "airstream replay: client properties file {missing} does not exist: check the --config path"),
])
def test_replay_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], said: str) -> None:
    missing = str(tmp_path / "nope")
    result = run_module("airstream.cli", "replay", *(a.format(missing=missing) for a in args), "-b", NOWHERE)
    assert result.returncode == 2 and one_line(result).startswith(said.format(missing=missing))


def test_replay_verbose_adds_the_traceback(tmp_path: Path) -> None:
    result = run_module("airstream.cli", "replay", str(SAMPLE_CSV), "-b", NOWHERE, "--config", str(tmp_path / "nope"),
                  "--verbose")
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("airstream replay: client properties file")


# -- airstream run --------------------------------------------------------------------------------------

def test_run_verbose_prints_the_traceback_of_a_broken_script_before_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.py"
    path.write_text("def connect():\n    raise RuntimeError('no model server configured')\n\nconnect()\n")
    args = ("airstream.cli", "run", f"{path}:topology", "--bootstrap", NOWHERE, "--application-id", "x")
    quiet, verbose = run_module(*args), run_module(*args, "-v")
    assert quiet.returncode == verbose.returncode == 2
    line = one_line(quiet)
    assert line.startswith(f"airstream run: importing {path} failed: RuntimeError: no model server configured")
    *traceback, last = verbose.stderr.strip().splitlines()
    assert traceback[0] == "Traceback (most recent call last):" and last == line
    assert "in connect" in verbose.stderr  # the script's own frame: the one a user needs


# -- airstream sql --------------------------------------------------------------------------------------

@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "airlinesentiment"
    folder.mkdir()
    pq.write_table(pa.table({"tweetid": [1, 2]}), folder / "part-0.parquet")
    return folder


@pytest.mark.parametrize("query", ["", "   \n"])
def test_sql_with_an_empty_query_is_exit_2(dataset: Path, query: str) -> None:
    result = run_module("airstream.cli", "sql", query, "--data", str(dataset))
    assert result.returncode == 2
    assert one_line(result) == ('airstream sql: the query is empty: give the SQL, e.g. '
                                 '"SELECT * FROM airlinesentiment LIMIT 5"')


@pytest.mark.parametrize("corrupt", [b"PAR1" + b"\x00" * 20 + b"PAR1", b"not parquet at all"])
def test_sql_over_a_corrupt_parquet_file_is_one_line_and_exit_1(dataset: Path, corrupt: bytes) -> None:
    (dataset / "part-1.parquet").write_bytes(corrupt)
    result = run_module("airstream.cli", "sql", "SELECT count(*) FROM airlinesentiment", "--data", str(dataset))
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"airstream sql: cannot read the data set airlinesentiment at {dataset}: ")
    assert "part-1.parquet" in line and "not Parquet" in line


def test_sql_errors_are_one_line(dataset: Path) -> None:
    result = run_module("airstream.cli", "sql", "SELECT nope FROM airlinesentiment", "--data", str(dataset))
    assert result.returncode == 1
    assert one_line(result) == ('airstream sql: Binder Error: Referenced column "nope" not found in FROM clause!; '
                                 'Candidate bindings: "tweetid" (tables: airlinesentiment)')


def test_sql_takes_s3_settings_from_x_and_never_prints_the_keys(tmp_path: Path) -> None:
    props = tmp_path / "s3.properties"
    props.write_text("s3.secret.key=never-print-this-42\ns3.access.key=AKIAW16\n")
    result = run_module("airstream.cli", "sql", "SELECT 1 FROM t", "--data", "t=s3://bucket/tables/t", "--config",
                  str(props), "-X", "s3.endpoint=http://127.0.0.1:1", "-X", "s3.region=us-east-1")
    assert result.returncode == 1
    line = one_line(result)
    # The endpoint given by -X is the one tried (a closed port), and the secret key is nowhere.
    assert line.startswith("airstream sql: cannot read the data set t at s3://bucket/tables/t: ")
    assert "127.0.0.1:1" in line and "never-print-this-42" not in result.stderr
    unknown = run_module("airstream.cli", "sql", "SELECT 1", "--data", str(tmp_path), "-X", "s3.secret=x")
    assert unknown.returncode == 2
    assert one_line(unknown) == ("airstream sql: unknown property 's3.secret' in --config/-X: airstream sql takes "
                                  "s3.endpoint, s3.region, s3.access.key, s3.secret.key, s3.session.token")


# -- airmon check --rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "said"), [
    ("above: {n}", "rules[0] ('big-lag'): field 'above': 100000000000... (300 characters) is not a finite number"),
    ("above: 10\n    for: {n}", "rules[0] ('big-lag'): field 'for': 100000000000... (300 characters) is not a "
                                "finite number of seconds"),
    ("above: {n}{n}", "rules[0] ('big-lag'): field 'above': 100000000000... (600 characters) is not a finite"),
])
def test_airmon_check_names_the_rule_and_field_of_a_huge_number(tmp_path: Path, field: str, said: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: big-lag\n    kind: group_lag\n    group: '*'\n    "
                     + field.format(n="1" + "0" * 299) + "\n")
    result = run_module("airstream.monitor.cli", "check", "--rules", str(rules), "--bootstrap", NOWHERE)
    assert result.returncode == 2
    assert one_line(result).startswith(f"airmon: {rules}: {said}")


def test_airmon_refuses_a_huge_lag_window(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"settings:\n  lag_window: {'9' * 300}\nrules:\n  - {{name: a, kind: group_lag, above: 1}}\n")
    result = run_module("airstream.monitor.cli", "check", "--rules", str(rules), "--bootstrap", NOWHERE)
    assert result.returncode == 2
    assert one_line(result) == (f"airmon: {rules}: settings.lag_window: expected a whole number, got "
                                 "999999999999... (300 characters) (at most 9223372036854775807)")


# -- the shared client options --------------------------------------------------------------------------

def test_client_options_are_airmons_and_a_subcommand_keeps_the_parents_values() -> None:
    parser = argparse.ArgumentParser()
    add_client_arguments(parser)
    sub = parser.add_subparsers(dest="command")
    add_client_arguments(sub.add_parser("snapshot"), suppress_defaults=True)
    args = parser.parse_args(["-b", "k1:9092", "-X", "acks=all", "snapshot", "-c", "client.properties", "-v"])
    assert (args.bootstrap, args.overrides, args.config_file, args.verbose) == \
        ("k1:9092", ["acks=all"], "client.properties", True)
    plain = parser.parse_args(["--bootstrap", "k2:9092", "-X", "client.id=x"])
    assert config_from_args(plain) == {"client.id": "x", "bootstrap.servers": "k2:9092"}
    assert (plain.config_file, plain.verbose) == (None, False)
