"""HBaseSink against a test double of the HBase Thrift server that can drop connections and fail calls (the
retries, reconnects and buffering); rows, encodings and errors against the real HBase are in
tests/integration/test_hbase_real.py."""

from __future__ import annotations

from collections.abc import Iterator

import happybase
import pytest
from hbase_records import as_string_cells, records, tweet
from servers.hbase_double import HBaseThriftDouble

from airstream.common.sink import Dataset, RejectedRecords, Sink, SinkError, SinkRecord
from airstream.connectors.hbase import HBaseSink, encode_value


@pytest.fixture
def hbase() -> Iterator[HBaseThriftDouble]:
    server = HBaseThriftDouble().start()
    server.create_table("airline", "sentiment")
    yield server
    server.stop()


def read_all(server: HBaseThriftDouble) -> dict[bytes, dict[bytes, bytes]]:
    conn = happybase.Connection("127.0.0.1", server.port)
    try:
        return dict(conn.table("airline").scan())
    finally:
        conn.close()


def sink_for(server: HBaseThriftDouble, **kwargs: object) -> HBaseSink:
    options = {"column_family": "sentiment", "row_key": "tweet_id", "host": "127.0.0.1", "port": server.port,
               "backoff_s": 0.01, **kwargs}
    return HBaseSink("airline", **options)  # type: ignore[arg-type]


def test_rows_read_back_through_happybase_equal_the_records(hbase: HBaseThriftDouble) -> None:
    sink = sink_for(hbase, batch_size=25)
    assert isinstance(sink, Sink)
    sink.write(records(0, 60))
    assert hbase.store.mutate_calls == 2          # two full batches went out during write
    assert sink.flush() == {("airlines", 0): 30, ("airlines", 1): 30}
    assert hbase.store.mutate_calls == 3
    rows = read_all(hbase)
    assert rows == {tweet(i)["tweet_id"].encode(): as_string_cells(tweet(i)) for i in range(60)}
    assert b"sentiment:location" not in rows[tweet(0)["tweet_id"].encode()]  # nulls are skipped


@pytest.mark.parametrize(("value", "string", "binary"), [
    ("Delta", b"Delta", b"Delta"), (True, b"true", b"\xff"), (False, b"false", b"\x00"),
    (7, b"7", b"\x00\x00\x00\x00\x00\x00\x00\x07"), (-1, b"-1", b"\xff" * 8),
    (0.5, b"0.5", b"\x3f\xe0\x00\x00\x00\x00\x00\x00"), ({"a": 1}, b'{"a":1}', b'{"a":1}'),
    (b"\x01\x02", b"\x01\x02", b"\x01\x02")])
def test_value_encodings(value: object, string: bytes, binary: bytes) -> None:
    assert encode_value(value, "string") == string
    assert encode_value(value, "binary") == binary


def test_bad_records_are_rejected_and_the_rest_written(hbase: HBaseThriftDouble) -> None:
    sink = sink_for(hbase, encoding="binary")
    no_key = SinkRecord("airlines", 0, 100, 0, None, {**tweet(100), "tweet_id": None})
    too_big = SinkRecord("airlines", 0, 101, 0, None, {**tweet(101), "friendscount": 2**70})
    with pytest.raises(RejectedRecords) as info:
        sink.write([*records(0, 2), no_key, too_big])
    assert [(r.record.offset, r.field) for r in info.value.rejected] == [(100, "tweet_id"), (101, "friendscount")]
    assert "row_key=" in info.value.rejected[0].reason and "encoding='string'" in info.value.rejected[1].reason
    assert sink.flush() == {("airlines", 0): 102, ("airlines", 1): 1}
    assert len(read_all(hbase)) == 2


def test_reconnects_after_the_server_drops_connections(hbase: HBaseThriftDouble) -> None:
    sink = sink_for(hbase)
    sink.write(records(0, 5))
    sink.flush()
    hbase.drop_connections()
    sink.write(records(5, 10))
    sink.flush()
    assert len(read_all(hbase)) == 10


def test_retries_a_failing_region_then_succeeds(hbase: HBaseThriftDouble) -> None:
    sink = sink_for(hbase)
    hbase.store.fail_next = 2
    sink.write(records(0, 5))
    assert sink.flush() == {("airlines", 0): 3, ("airlines", 1): 2}
    assert hbase.store.mutate_calls == 3
    assert len(read_all(hbase)) == 5


def test_server_down_keeps_the_puts_until_it_is_back(hbase: HBaseThriftDouble) -> None:
    sink = sink_for(hbase, retries=2)
    sink.write(records(0, 4))
    hbase.stop()
    with pytest.raises(SinkError, match="4 puts failed after 3 attempts") as info:
        sink.flush()
    assert "Thrift server is up" in str(info.value)
    hbase.start()
    assert sink.flush() == {("airlines", 0): 2, ("airlines", 1): 2}
    assert len(read_all(hbase)) == 4


def test_configuration_and_lineage() -> None:
    with pytest.raises(ValueError, match="family name alone"):
        HBaseSink("t", column_family="cf:x", row_key="id")
    with pytest.raises(ValueError, match="'string' or 'binary'"):
        HBaseSink("t", column_family="cf", row_key="id", encoding="utf16")  # type: ignore[arg-type]
    assert HBaseSink("airline", column_family="s", row_key="id").lineage() == [
        Dataset("hbase_table", "airline", namespace="default")]
    assert HBaseSink("cloudair:airline", column_family="s", row_key="id").lineage() == [
        Dataset("hbase_table", "airline", namespace="cloudair")]


def test_a_send_failing_inside_write_is_kept_and_reported_by_flush(hbase: HBaseThriftDouble,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    sink = sink_for(hbase, batch_size=2, retries=0)
    hbase.stop()
    sink.write(records(0, 4))  # accepted: the full batch that could not go out stays buffered
    assert "puts failed" in caplog.text
    with pytest.raises(SinkError):
        sink.flush()
    hbase.start()
    assert sink.flush() == {("airlines", 0): 2, ("airlines", 1): 2}
    assert len(read_all(hbase)) == 4


def test_ensure_table_creates_a_missing_table_with_its_family_and_leaves_one_that_exists(
        hbase: HBaseThriftDouble) -> None:
    sink = HBaseSink("scored", column_family="sentiment", row_key="tweet_id", host="127.0.0.1", port=hbase.port)
    assert sink.ensure_table() is True
    assert hbase.store.families[b"scored"] == {b"sentiment"}
    assert sink.ensure_table() is False
    sink.write(records(0, 2))
    assert sink.flush() == {("airlines", 0): 1, ("airlines", 1): 1}
    # A table without the sink's family is not altered: the first write names the family and the fix.
    other = sink_for(hbase, column_family="scores", retries=0)
    assert other.ensure_table() is False
    assert hbase.store.families[b"airline"] == {b"sentiment"}
    other.write(records(0, 1))
    with pytest.raises(SinkError, match=r"has no column family 'scores'.*alter 'airline', 'scores'"):
        other.flush()
