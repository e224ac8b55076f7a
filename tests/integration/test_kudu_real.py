"""The Kudu sink against a real Apache Kudu (one master and one tablet server from Maven Central's
kudu-binary) through kudu-python built for it: what KuduSink writes is what the ``kudu`` CLI scans back,
a replay never adds rows (UPSERT rewrites them, INSERT_IGNORE keeps the first version), misfit records
are rejected with the field named, and a missing table is a clear error.

kudu-python runs in a subprocess (``tests/kudu_sink_driver.py``): its client library has to be preloaded
before Python starts, so this process never imports it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airstream.common.sink import SinkError, SinkRecord
from airstream.connectors.kudu import KUDU_INSTALL_HINT, KuduSink
from airstream.connectors.kudu_local import LocalKudu, parse_scan_row

pytestmark = pytest.mark.kudu

DRIVER = Path(__file__).resolve().parent.parent / "kudu_sink_driver.py"
START = datetime(2024, 2, 21, 9, 30, tzinfo=UTC)
# Strings the CLI prints C-escaped: quotes, the row's own separators, control characters, non-ASCII.
AIRLINES = ["Delta", 'Virgin "America", (VX)', "Südwest ✈ 航空", "tab\there\nnewline \\ back", "US Airways"]


def tweet(i: int, *, sentiment: str = "negative") -> dict[str, Any]:
    """A CloudAir-like row; some nullable columns are null."""
    return {"tweet_id": str(570000000000000000 + i), "airline": None if i % 7 == 6 else AIRLINES[i % 5],
            "sentiment": sentiment, "polarity": None if i % 4 == 3 else -0.25 * (i % 4) + 0.1,
            "friends": 40 * i - 200, "verified": None if i % 5 == 4 else i % 2 == 0,
            "created_at": START + timedelta(seconds=i, microseconds=i)}


def as_json(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in value.items()}


def items(start: int, stop: int, **changes: Any) -> list[dict[str, Any]]:
    return [{"topic": "airlines", "partition": i % 2, "offset": i // 2, "value": as_json(tweet(i, **changes))}
            for i in range(start, stop)]


@pytest.fixture
def table(local_kudu: LocalKudu) -> Iterator[str]:
    name = f"airline_{uuid.uuid4().hex[:8]}"

    def column(name: str, kind: str, nullable: bool = True) -> dict[str, Any]:
        return {"column_name": name, "column_type": kind, "is_nullable": nullable}

    local_kudu.create_table({
        "table_name": name,
        "schema": {"columns": [column("tweet_id", "STRING", False), column("airline", "STRING"),
                               column("sentiment", "STRING"), column("polarity", "DOUBLE"),
                               column("friends", "INT64"), column("verified", "BOOL"),
                               column("created_at", "UNIXTIME_MICROS")],
                   "key_column_names": ["tweet_id"]},
        "partition": {"hash_partitions": [{"columns": ["tweet_id"], "num_buckets": 2}]}})
    yield name
    local_kudu.drop_table(name)


def write(kudu: LocalKudu, env: dict[str, str], table: str, *batches: list[dict[str, Any]],
          **options: Any) -> dict[str, Any]:
    """KuduSink in a subprocess that can import kudu-python; its report (see kudu_sink_driver.py)."""
    request = {"table": table, "masters": [kudu.masters], "timestamps": ["created_at"], "batches": list(batches),
               "options": {"backoff_s": 0.01, **options}}
    proc = subprocess.run([sys.executable, str(DRIVER)], input=json.dumps(request), capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=180)
    assert proc.returncode == 0, f"the driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def rows(kudu: LocalKudu, table: str) -> list[dict[str, Any]]:
    return sorted(kudu.scan(table), key=lambda row: row["tweet_id"])


def test_rows_scanned_with_the_kudu_cli_equal_the_records(local_kudu: LocalKudu, kudu_python_env: dict[str, str],
                                                          table: str) -> None:
    report = write(local_kudu, kudu_python_env, table, items(0, 60), batch_size=25)
    assert report["error"] is None and report["rejected"] == []
    assert report["flushed"] == [["airlines", 0, 30], ["airlines", 1, 30]]
    assert report["describe"] == f"KuduSink({local_kudu.masters} table={table} mode=UPSERT batch=25)"
    assert rows(local_kudu, table) == [tweet(i) for i in range(60)]


def test_a_replay_upserts_the_newest_values_without_adding_rows(local_kudu: LocalKudu,
                                                               kudu_python_env: dict[str, str], table: str) -> None:
    assert write(local_kudu, kudu_python_env, table, items(0, 20))["error"] is None
    report = write(local_kudu, kudu_python_env, table, items(10, 30, sentiment="positive"), mode="UPSERT")
    assert report["error"] is None and report["rejected"] == []
    assert rows(local_kudu, table) == [tweet(i, sentiment="negative" if i < 10 else "positive") for i in range(30)]


def test_insert_ignore_keeps_the_first_version(local_kudu: LocalKudu, kudu_python_env: dict[str, str],
                                               table: str) -> None:
    first = write(local_kudu, kudu_python_env, table, items(0, 20), mode="INSERT_IGNORE")
    assert first["error"] is None
    report = write(local_kudu, kudu_python_env, table, items(10, 30, sentiment="positive"), mode="INSERT_IGNORE",
                   batch_size=7)
    assert report["error"] is None and report["rejected"] == []
    assert report["describe"].endswith("mode=INSERT_IGNORE batch=7)")
    assert rows(local_kudu, table) == [tweet(i, sentiment="negative" if i < 20 else "positive") for i in range(30)]


def test_misfit_records_are_rejected_with_the_field_named(local_kudu: LocalKudu, kudu_python_env: dict[str, str],
                                                          table: str) -> None:
    batch = items(0, 6)
    batch[1]["value"]["hashtags"] = ["delay"]  # not a column
    batch[2]["value"]["tweet_id"] = None  # the key
    del batch[3]["value"]["tweet_id"]
    batch[4]["value"]["friends"] = "many"  # does not fit INT64: kudu-python refuses it
    report = write(local_kudu, kudu_python_env, table, batch)
    assert report["error"] is None
    rejected = {i: r for i in range(6) for r in report["rejected"]
                if (r["partition"], r["offset"]) == (batch[i]["partition"], batch[i]["offset"])}
    assert sorted(rejected) == [1, 2, 3, 4] and len(report["rejected"]) == 4
    assert rejected[1]["field"] == "hashtags"
    assert rejected[1]["reason"].startswith(
        f"field 'hashtags' is not a column of Kudu table {table} (tweet_id, airline, sentiment, polarity, friends, "
        "verified, created_at); add the column or pass extra_fields='ignore'")
    for i in (2, 3):
        assert rejected[i]["field"] == "tweet_id"
        assert rejected[i]["reason"] == (
            "primary key column 'tweet_id' is missing or null; Kudu needs every key column (tweet_id)")
    assert rejected[4]["field"] == "friends"
    assert rejected[4]["reason"].startswith("field 'friends': value 'many' does not fit the column")
    assert rows(local_kudu, table) == [tweet(0), tweet(5)]

    ignored = write(local_kudu, kudu_python_env, table, [batch[1]], extra_fields="ignore")
    assert ignored["error"] is None and ignored["rejected"] == []
    assert rows(local_kudu, table) == [tweet(0), tweet(1), tweet(5)]


def test_a_missing_table_is_a_clear_error(local_kudu: LocalKudu, kudu_python_env: dict[str, str]) -> None:
    report = write(local_kudu, kudu_python_env, "no_such_table", items(0, 1), retries=0)
    assert report["flushed"] is None
    assert report["error"].startswith(
        f"KuduSink({local_kudu.masters} table=no_such_table mode=UPSERT batch=500): cannot open the table: ")
    assert 'cannot open the table: the table does not exist: table_name: "no_such_table". ' in report["error"]
    assert report["error"].endswith("Check the name (Impala-created tables are called impala::db.table) and the "
                                    "masters.")


def test_this_process_never_loads_kudu_python(local_kudu: LocalKudu, kudu_python_env: dict[str, str],
                                              table: str) -> None:
    # The build lives on PYTHONPATH of subprocesses only: here the sink says how to install kudu-python.
    assert importlib.util.find_spec("kudu") is None
    sink = KuduSink(table, masters=[local_kudu.masters], retries=0)
    with pytest.raises(SinkError) as info:
        sink.write([SinkRecord("airlines", 0, 0, 0, None, tweet(0))])
    assert str(info.value) == KUDU_INSTALL_HINT


def test_the_scan_parser_reads_every_printed_type() -> None:
    line = ('(int8 a=-8, int16 b=16, int32 c=-32, int64 d=64, float e=1.5, double f=-0.1, bool g=false, '
            'string h="x\\"y\\", (z)\\x00\\xe2\\x9c\\x88", binary i="\\x01\\x02", date j=2024-02-29, '
            'decimal(10, 2) k=12.34, varchar(5) l="abc", unixtime_micros m=1970-01-01T00:00:00.000001Z, '
            'string n=NULL)')
    row = parse_scan_row(line)
    assert row == {"a": -8, "b": 16, "c": -32, "d": 64, "e": 1.5, "f": -0.1, "g": False, "h": 'x"y", (z)\x00✈',
                   "i": b"\x01\x02", "j": datetime(2024, 2, 29).date(), "k": Decimal("12.34"),
                   "l": "abc", "m": datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), "n": None}
