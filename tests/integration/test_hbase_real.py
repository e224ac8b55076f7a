"""The HBase sink and ``airstream hbase`` against a real HBase (standalone, from Maven Central jars) through
its Thrift server: what is written reads back through happybase as the records were, a replay overwrites
instead of adding rows, errors come from HBase itself, and the scan command shows the rows as the HBase
shell does."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import happybase
import orjson
import pytest
from hbase_records import as_string_cells, records, tweet

from airstream.common.sink import SinkError
from airstream.connectors.hbase import HBaseSink
from airstream.connectors.hbase_local import HBASE_VERSION, LocalHBase

pytestmark = pytest.mark.hbase


@pytest.fixture
def table(local_hbase: LocalHBase) -> Iterator[str]:
    name = f"airline_{uuid.uuid4().hex[:8]}"
    local_hbase.create_table(name, "sentiment")
    yield name
    connection = local_hbase.connection()
    try:
        if name.encode() in connection.tables():
            connection.delete_table(name, disable=True)
    finally:
        connection.close()


def read_all(hbase: LocalHBase, table: str) -> dict[bytes, dict[bytes, bytes]]:
    connection = hbase.connection()
    try:
        return dict(connection.table(table).scan())
    finally:
        connection.close()


def sink_for(hbase: LocalHBase, table: str, **options: object) -> HBaseSink:
    settings = {"column_family": "sentiment", "row_key": "tweet_id", "host": hbase.host, "port": hbase.thrift_port,
                "backoff_s": 0.01, **options}
    return HBaseSink(table, **settings)  # type: ignore[arg-type]


def airstream(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airstream.cli", *args], capture_output=True, text=True,
                          timeout=180)


def test_rows_read_back_through_happybase_equal_the_records(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table, batch_size=25)
    sink.write(records(0, 60))
    assert sink.flush() == {("airlines", 0): 30, ("airlines", 1): 30}
    rows = read_all(local_hbase, table)
    assert rows == {tweet(i)["tweet_id"].encode(): as_string_cells(tweet(i)) for i in range(60)}
    assert b"sentiment:location" not in rows[tweet(0)["tweet_id"].encode()]  # nulls are skipped


def test_binary_encoding_reads_back_as_java_bytes(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table, encoding="binary")
    sink.write(records(1, 2))
    sink.flush()
    row = read_all(local_hbase, table)[tweet(1)["tweet_id"].encode()]
    assert struct.unpack(">q", row[b"sentiment:friendscount"]) == (40,)
    assert struct.unpack(">d", row[b"sentiment:airlinepolarity"]) == (-0.25,)
    assert row[b"sentiment:verified"] == b"\x00"
    assert orjson.loads(row[b"sentiment:hashtags"]) == ["delay"]
    assert row[b"sentiment:text"] == b"flight 1 delayed"


def test_a_replay_overwrites_the_same_rows(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table)
    sink.write(records(0, 20))
    sink.flush()
    again = sink_for(local_hbase, table)
    again.write(records(10, 30))
    again.flush()
    rows = read_all(local_hbase, table)
    assert sorted(rows) == sorted(tweet(i)["tweet_id"].encode() for i in range(30))
    connection = local_hbase.connection()
    try:  # HBase keeps versions of a cell: a replay adds one, and the newest is what readers see
        cells = connection.table(table).cells(tweet(15)["tweet_id"].encode(), b"sentiment:text", versions=5)
    finally:
        connection.close()
    assert cells[0] == b"flight 15 delayed"


def test_a_missing_family_is_a_clear_error_from_hbase(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table, column_family="nope", retries=0)
    sink.write(records(0, 1))
    with pytest.raises(SinkError) as info:
        sink.flush()
    assert f"table {table!r} has no column family 'nope' (families: sentiment); add it: alter '{table}', 'nope'" \
        in str(info.value)


def test_a_missing_table_is_a_clear_error_from_hbase(local_hbase: LocalHBase) -> None:
    sink = sink_for(local_hbase, "no_such_table", retries=0)
    sink.write(records(0, 1))
    with pytest.raises(SinkError) as info:
        sink.flush()
    assert (f"table 'no_such_table' does not exist on {local_hbase.address}; create it: "
            "create 'no_such_table', 'sentiment'") in str(info.value)


def test_hbase_errors_are_told_without_the_java_stack_trace(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table, retries=0)
    sink.write(records(0, 1))
    sink.flush()
    connection = local_hbase.connection()
    try:  # dropped behind the sink's back: HBase's own error, which comes with the Java stack trace
        connection.delete_table(table, disable=True)
    finally:
        connection.close()
    sink.write(records(1, 2))
    with pytest.raises(SinkError, match=f"RetriesExhaustedWithDetailsException: Failed 1 action: {table}") as info:
        sink.flush()
    assert "\tat " not in str(info.value) and "\n" not in str(info.value)


def test_scan_shows_rows_as_the_hbase_shell_does(local_hbase: LocalHBase, table: str) -> None:
    sink = sink_for(local_hbase, table)
    sink.write(records(0, 12))
    sink.flush()
    where = ["--host", local_hbase.host, "--port", str(local_hbase.thrift_port)]
    shown = airstream("hbase", "scan", table, "--prefix", "57000000000000000", "--limit", "3", *where)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["ROW", "COLUMN+CELL"] and lines[-1] == "3 row(s)"
    keys = sorted({line.split()[0] for line in lines[1:-1]})
    assert keys == sorted(tweet(i)["tweet_id"] for i in range(3))  # keys sort as text: ...000, ...001, ...002
    assert any("column=sentiment:airline, timestamp=" in line and line.endswith("value=Delta") for line in lines)

    as_json = airstream("hbase", "scan", table, "--json", "--limit", "0", "--columns", "sentiment:text", *where)
    assert as_json.returncode == 0, as_json.stderr
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert rows == [{"row": tweet(i)["tweet_id"], "cells": {"sentiment:text": f"flight {i} delayed"}}
                    for i in sorted(range(12), key=lambda i: tweet(i)["tweet_id"])]


@pytest.mark.parametrize(("args", "code", "says"), [
    (["no_such_table"], 2, "no table 'no_such_table' on 127.0.0.1:{port} (tables: "),
    (["{table}", "--columns", "nope:x"], 2, "no column family 'nope' in '{table}' (families: sentiment)"),
    (["{table}", "--limit", "-1"], 2, "--limit -1: give 0 (all rows) or more"),
])
def test_scan_errors_are_one_line(local_hbase: LocalHBase, table: str, args: list[str], code: int,
                                  says: str) -> None:
    given = [a.format(table=table) for a in args]
    done = airstream("hbase", "scan", *given, "--host", local_hbase.host, "--port", str(local_hbase.thrift_port))
    assert done.returncode == code
    [line] = done.stderr.splitlines()
    assert line.startswith(f"airstream hbase scan: {says.format(table=table, port=local_hbase.thrift_port)}")


def test_scan_of_a_server_that_is_not_there_says_how_to_start_one() -> None:
    done = airstream("hbase", "scan", "airline", "--host", "127.0.0.1", "--port", "1")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("airstream hbase scan: cannot reach the HBase Thrift server at 127.0.0.1:1")
    assert line.endswith("start one with 'airstream hbase up' or give --host/--port")


def test_up_status_scan_and_down(tmp_path: Path, local_hbase: LocalHBase) -> None:
    from airstream.common.local_jvm import cache_dir

    # A cache of its own (the jars linked from the real one), so the developer's own `hbase up` is untouched.
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"hbase-{HBASE_VERSION}").symlink_to(cache_dir() / f"hbase-{HBASE_VERSION}")
    env = {**os.environ, "AIRSTREAM_CACHE": str(cache)}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "airstream.cli", "hbase", *args], capture_output=True,
                              text=True, timeout=180, env=env)

    assert command("status").returncode == 1
    up = command("up")
    try:
        assert up.returncode == 0, up.stderr
        address = up.stdout.strip()
        host, _, port = address.rpartition(":")
        assert host == "127.0.0.1" and "is up" in up.stderr
        assert command("up").stdout.strip() == address  # a second `up` finds the running one
        assert command("status").stdout.strip() == address
        connection = happybase.Connection(host, int(port))
        connection.create_table("airline", {"sentiment": {}})
        connection.close()
        sink = HBaseSink("airline", column_family="sentiment", row_key="tweet_id", host=host, port=int(port))
        sink.write(records(0, 2))
        sink.flush()
        scanned = command("scan", "airline")  # no --host/--port: the running local HBase
        assert scanned.returncode == 0, scanned.stderr
        assert scanned.stdout.splitlines()[-1] == "2 row(s)"
    finally:
        down = command("down")
    assert down.returncode == 0 and "stopped" in down.stderr
    assert command("status").returncode == 1
    assert command("down").returncode == 0  # nothing to stop is not an error
