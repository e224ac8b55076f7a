"""Kudu sinks through their own interface, against minimal fakes of kudu-python and an Impala connection.

There is no Kudu server on the development machines and kudu-python needs the Kudu C++ client, so
``FakeKudu`` implements just the kudu-python calls the sink makes (client.table, table.schema.names /
primary_keys(), table.new_upsert / new_insert_ignore converting values per column type as the Cython
layer does, client.new_session, session.apply / flush / get_pending_errors) over a dict keyed by the
primary key, with UPSERT and INSERT_IGNORE semantics.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Any

import pytest
from impala.interface import _bind_parameters

from airstream.common.sink import Dataset, RejectedRecords, Sink, SinkError, SinkRecord
from airstream.connectors.kudu import KUDU_INSTALL_HINT, ImpalaKuduSink, KuduSink

# -- a minimal, faithful fake of the kudu-python calls used ----------------------------------------

COLUMNS = [("tweet_id", "int64"), ("airline", "string"), ("text", "string"), ("airlinesentiment", "string"),
           ("airlinepolarity", "double"), ("friendscount", "int64"), ("created_at", "unixtime_micros")]


def _convert(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "int64":
        if not isinstance(value, int):
            raise TypeError(f"an integer is required (got type {type(value).__name__})")
        if not -2**63 <= value < 2**63:
            raise OverflowError("value too large to convert to int64_t")
    elif kind == "double" and not isinstance(value, int | float):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    elif kind == "string" and not isinstance(value, str | bytes):
        raise TypeError(f"expected bytes, {type(value).__name__} found")
    elif kind == "unixtime_micros" and not isinstance(value, dt.datetime | int):
        raise TypeError(f"cannot convert {type(value).__name__} to unixtime_micros")
    return value


class FakeSchema:
    def __init__(self, columns: list[tuple[str, str]], keys: list[str]) -> None:
        self.types = dict(columns)
        self.names = [name for name, _ in columns]
        self._keys = keys

    def primary_keys(self) -> list[str]:
        return list(self._keys)


class FakeTable:
    def __init__(self, schema: FakeSchema) -> None:
        self.schema = schema
        self.rows: dict[tuple, dict] = {}

    def _op(self, kind: str, record: dict) -> tuple[str, dict]:
        return kind, {k: _convert(self.schema.types[k], v) for k, v in record.items()}

    def new_upsert(self, record: dict) -> tuple[str, dict]:
        return self._op("UPSERT", record)

    def new_insert_ignore(self, record: dict) -> tuple[str, dict]:
        return self._op("INSERT_IGNORE", record)


class FakeKuduError:
    def __init__(self, status: str) -> None:
        self.status = status

    def __repr__(self) -> str:
        return f"KuduError('{self.status}')"


class FakeSession:
    def __init__(self, cluster: FakeKudu, table: FakeTable) -> None:
        self.cluster, self.table, self.ops, self.errors = cluster, table, [], []

    def apply(self, op: tuple[str, dict]) -> None:
        self.ops.append(op)

    def flush(self) -> None:
        self.cluster.flushes += 1
        if self.cluster.fail_flushes:
            self.cluster.fail_flushes -= 1
            self.errors = [FakeKuduError("Timed out: Write RPC to tablet server timed out")] * len(self.ops)
            raise RuntimeError("KuduBadStatus: Some errors occurred")
        keys = self.table.schema.primary_keys()
        for kind, row in self.ops:
            key = tuple(row[k] for k in keys)
            if kind == "UPSERT":
                self.table.rows[key] = {**self.table.rows.get(key, {}), **row}
            elif key not in self.table.rows:
                self.table.rows[key] = row
        self.cluster.batches.append(len(self.ops))
        self.ops = []

    def get_pending_errors(self) -> tuple[list[FakeKuduError], bool]:
        return self.errors, False


class FakeKudu:
    """The client: tables by name, counts of flushes, and failure injection."""

    def __init__(self) -> None:
        self.tables = {"impala::cloudair.airline": FakeTable(FakeSchema(COLUMNS, ["tweet_id"]))}
        self.fail_flushes = 0
        self.flushes = 0
        self.batches: list[int] = []
        self.connects = 0

    def connect(self) -> FakeKudu:
        self.connects += 1
        return self

    def table(self, name: str) -> FakeTable:
        if name not in self.tables:
            raise RuntimeError(f"KuduNotFound: the table does not exist: table_name: \"{name}\"")
        return self.tables[name]

    def new_session(self, flush_mode: str = "manual", timeout_ms: int = 5000) -> FakeSession:
        assert flush_mode == "manual"
        return FakeSession(self, self.tables["impala::cloudair.airline"])

    @property
    def rows(self) -> dict[tuple, dict]:
        return self.tables["impala::cloudair.airline"].rows


# -- records ----------------------------------------------------------------------------------------

def tweet(i: int, **changes: Any) -> dict:
    return {"tweet_id": 570000000000000000 + i, "airline": "Delta", "text": f"tweet {i}",
            "airlinesentiment": "Negative", "airlinepolarity": -0.5, "friendscount": i,
            "created_at": dt.datetime(2015, 2, 24, 11, 0, tzinfo=dt.UTC), **changes}


def records(start: int, stop: int, **changes: Any) -> list[SinkRecord]:
    return [SinkRecord("airlines", 0, i, 0, None, tweet(i, **changes)) for i in range(start, stop)]


def kudu_sink(cluster: FakeKudu, **kwargs: Any) -> KuduSink:
    return KuduSink("impala::cloudair.airline", masters=["kudu-1:7051", "kudu-2:7051"],
                    client_factory=cluster.connect, backoff_s=0.0, **kwargs)


# -- KuduSink ---------------------------------------------------------------------------------------

def test_upsert_rows_by_primary_key_in_batches() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster, batch_size=40)
    assert isinstance(sink, Sink)
    sink.write(records(0, 100))
    assert cluster.batches == [40, 40]                 # full batches go out as they fill
    assert sink.flush() == {("airlines", 0): 100}
    assert cluster.batches == [40, 40, 20]
    assert cluster.rows == {(tweet(i)["tweet_id"],): tweet(i) for i in range(100)}
    sink.write(records(50, 60, airlinesentiment="Positive"))  # replay with new values: rewritten
    sink.flush()
    assert len(cluster.rows) == 100
    assert {r["airlinesentiment"] for k, r in cluster.rows.items() if 50 <= k[0] - 570000000000000000 < 60} == {
        "Positive"}


def test_insert_ignore_keeps_the_first_version() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster, mode="INSERT_IGNORE")
    sink.write(records(0, 10))
    sink.write(records(5, 15, airlinesentiment="Positive"))
    sink.flush()
    assert len(cluster.rows) == 15
    assert [cluster.rows[(tweet(i)["tweet_id"],)]["airlinesentiment"] for i in (4, 5, 9, 10)] == [
        "Negative", "Negative", "Negative", "Positive"]


def test_bad_records_are_rejected_by_field() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster)
    bad = [SinkRecord("airlines", 0, 10, 0, None, tweet(10, tweet_id=None)),
           SinkRecord("airlines", 0, 11, 0, None, tweet(11, retweets=3)),
           SinkRecord("airlines", 0, 12, 0, None, tweet(12, friendscount="many")),
           SinkRecord("airlines", 0, 13, 0, None, tweet(13, friendscount=2**64))]
    with pytest.raises(RejectedRecords) as info:
        sink.write([*records(0, 10), *bad])
    got = [(r.record.offset, r.field) for r in info.value.rejected]
    assert got == [(10, "tweet_id"), (11, "retweets"), (12, "friendscount"), (13, "friendscount")]
    reasons = [r.reason for r in info.value.rejected]
    assert "primary key column 'tweet_id'" in reasons[0]
    assert "extra_fields='ignore'" in reasons[1]
    assert "'many'" in reasons[2] and "integer is required" in reasons[2]
    assert "int64" in reasons[3]
    assert sink.flush() == {("airlines", 0): 14}
    assert len(cluster.rows) == 10


def test_extra_fields_can_be_ignored() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster, extra_fields="ignore")
    sink.write([SinkRecord("airlines", 0, 0, 0, None, tweet(0, retweets=3))])
    sink.flush()
    assert cluster.rows[(tweet(0)["tweet_id"],)] == tweet(0)


def test_a_failing_flush_is_retried_on_a_new_client() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster, retries=2)
    sink.write(records(0, 5))
    cluster.fail_flushes = 2
    assert sink.flush() == {("airlines", 0): 5}
    assert cluster.flushes == 3 and cluster.connects == 3
    assert len(cluster.rows) == 5


def test_a_batch_that_keeps_failing_stays_buffered_with_the_reason() -> None:
    cluster = FakeKudu()
    sink = kudu_sink(cluster, retries=1)
    sink.write(records(0, 5))
    cluster.fail_flushes = 2
    with pytest.raises(SinkError, match="5 rows failed after 2 attempts") as info:
        sink.flush()
    assert "Timed out: Write RPC" in str(info.value) and "next flush retries" in str(info.value)
    assert sink.flush() == {("airlines", 0): 5}
    assert len(cluster.rows) == 5


def test_unknown_table_names_the_fix() -> None:
    sink = KuduSink("airline", client_factory=FakeKudu().connect)
    with pytest.raises(SinkError, match=r"impala::db\.table"):
        sink.write(records(0, 1))


def test_without_kudu_python_the_sink_explains_how_to_install_it_and_the_alternative(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kudu", None)  # import kudu -> ImportError
    sink = KuduSink("impala::cloudair.airline")
    with pytest.raises(SinkError) as info:
        sink.write(records(0, 1))
    assert str(info.value) == KUDU_INSTALL_HINT
    assert "Kudu C++ client" in KUDU_INSTALL_HINT and "ImpalaKuduSink" in KUDU_INSTALL_HINT
    assert "pip install 'airstream[kudu]'" in KUDU_INSTALL_HINT


def test_describe_and_lineage() -> None:
    sink = kudu_sink(FakeKudu(), mode="INSERT_IGNORE")
    assert sink.describe() == ("KuduSink(kudu-1:7051,kudu-2:7051 table=impala::cloudair.airline "
                               "mode=INSERT_IGNORE batch=500)")
    assert sink.lineage() == [Dataset("kudu_table", "impala::cloudair.airline")]
    with pytest.raises(ValueError, match="'UPSERT' or 'INSERT_IGNORE'"):
        KuduSink("t", mode="UPDATE")  # type: ignore[arg-type]


# -- ImpalaKuduSink -------------------------------------------------------------------------------------

class FakeImpalaKudu:
    """A DB-API connection to Impala with one Kudu table; statements are bound as impyla binds them."""

    def __init__(self, rows: dict[tuple, dict] | None = None, fail: int = 0) -> None:
        self.rows = {} if rows is None else rows
        self.fail = fail
        self.statements: list[str] = []
        self.closed = False

    def cursor(self) -> FakeImpalaKudu:
        return self

    def execute(self, sql: str, params: list | None = None) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("HiveServer2Error: Kudu error(s) reported, first error: Timed out")
        bound = _bind_parameters(sql, params) if params is not None else sql
        self.statements.append(bound)
        if sql.startswith("DESCRIBE"):
            return
        m = re.match(r"(UPSERT|INSERT) INTO `cloudair`\.`airline` \(([^)]*)\) VALUES ", sql)
        assert m, sql
        columns = [c.strip("` ") for c in m[2].split(",")]
        assert params is not None and len(params) % len(columns) == 0
        for i in range(0, len(params), len(columns)):
            row = dict(zip(columns, params[i:i + len(columns)], strict=True))
            key = (row["tweet_id"],)
            if m[1] == "UPSERT":
                self.rows[key] = {**self.rows.get(key, {}), **row}
            else:
                self.rows.setdefault(key, row)

    def fetchall(self) -> list[tuple]:
        # Impala's DESCRIBE of a Kudu table: name, type, comment, primary_key, key_unique, nullable, ...
        return [(name, kind, "", "true" if name == "tweet_id" else "false", "true", "false")
                for name, kind in COLUMNS]

    def close(self) -> None:
        self.closed = True


def test_impala_writer_upserts_with_one_statement_per_batch() -> None:
    impala = FakeImpalaKudu()
    sink = ImpalaKuduSink("cloudair", "airline", connect=lambda: impala, batch_size=50, backoff_s=0)
    assert isinstance(sink, Sink)
    sink.write(records(0, 120))
    assert sink.flush() == {("airlines", 0): 120}
    writes = [s for s in impala.statements if not s.startswith("DESCRIBE")]
    assert len(writes) == 3 and all(s.startswith("UPSERT INTO `cloudair`.`airline`") for s in writes)
    assert impala.rows == {(tweet(i)["tweet_id"],): tweet(i) for i in range(120)}


def test_impala_writer_insert_ignore_and_quoting() -> None:
    impala = FakeImpalaKudu()
    sink = ImpalaKuduSink("cloudair", "airline", connect=lambda: impala, mode="INSERT_IGNORE")
    sink.write([SinkRecord("t", 0, 0, 0, None, tweet(0, text="it's 'late'"))])
    sink.write([SinkRecord("t", 0, 1, 0, None, tweet(0, text="second"))])
    sink.flush()
    write = impala.statements[-1]
    assert write.startswith("INSERT INTO `cloudair`.`airline`") and "'it\\'s \\'late\\''" in write
    assert impala.rows[(tweet(0)["tweet_id"],)]["text"] == "it's 'late'"


def test_impala_writer_rejects_and_retries_like_the_native_one() -> None:
    impala = FakeImpalaKudu()
    sink = ImpalaKuduSink("cloudair", "airline", connect=lambda: impala, backoff_s=0)
    with pytest.raises(RejectedRecords) as info:
        sink.write([*records(0, 3), SinkRecord("airlines", 0, 3, 0, None, tweet(3, tweet_id=None))])
    assert [r.field for r in info.value.rejected] == ["tweet_id"]
    impala.fail = 1
    assert sink.flush() == {("airlines", 0): 4}
    assert impala.closed and len(impala.rows) == 3


def test_impala_writer_needs_a_kudu_table_and_a_connection() -> None:
    class NotKudu(FakeImpalaKudu):
        def fetchall(self) -> list[tuple]:
            return [("id", "bigint", "")]

    with pytest.raises(SinkError, match="STORED AS KUDU"):
        ImpalaKuduSink("cloudair", "airline", connect=NotKudu).write(records(0, 1))
    with pytest.raises(SinkError, match="IMPALA_HOST"):
        ImpalaKuduSink("cloudair", "airline", connect=None).write(records(0, 1))
    assert ImpalaKuduSink("cloudair", "airline", connect=None).lineage() == [
        Dataset("kudu_table", "impala::cloudair.airline")]
