"""ParquetSink against a local folder and a local S3 server: what DuckDB reads back is exactly the input."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from servers.s3 import SECRET_KEY, LocalS3

from airstream.common.sink import Dataset, RejectedRecords, Sink, SinkError, SinkRecord
from airstream.connectors.parquet import ParquetSink, S3Options, parse_file_name

AIRLINES = ["Delta", "United", "Virgin America", "US Airways", "Southwest", "American"]
SENTIMENTS = ["Negative", "Neutral", "Positive"]


def tweet(i: int) -> dict:
    return {
        "tweet_id": 570000000000000000 + i,
        "text": f"tweet number {i} about flying",
        "airline": AIRLINES[i % len(AIRLINES)],
        "airlinesentiment": SENTIMENTS[i % 3],
        "airlinepolarity": round((i % 21 - 10) / 10, 1),
        "friendscount": i * 7 % 500,
        "hashtags": [f"tag{i % 4}"] if i % 2 else [],
    }


def records(start: int, stop: int, topic: str = "airlines", partitions: int = 2) -> list[SinkRecord]:
    """Records of tweets start..stop-1 spread over partitions; offsets count per partition."""
    out = []
    for i in range(start, stop):
        p = i % partitions
        out.append(SinkRecord(topic, p, i // partitions, 1_700_000_000_000 + i, str(i).encode(), tweet(i)))
    return out


def read_back(glob: str) -> list[tuple]:
    return duckdb.sql(
        f"SELECT tweet_id, text, airline, airlinesentiment, airlinepolarity, friendscount, hashtags "
        f"FROM read_parquet('{glob}', hive_partitioning = 1) ORDER BY tweet_id").fetchall()


def expected(ids: range) -> list[tuple]:
    return [tuple(tweet(i).values()) for i in ids]


def test_is_a_sink_and_describes_itself_without_secrets(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), partition_by=["airline"], compression="zstd",
                       s3=S3Options(access_key="AKIA", secret_key=SECRET_KEY))
    assert isinstance(sink, Sink)
    assert str(tmp_path) in sink.describe() and "zstd" in sink.describe()
    s3 = ParquetSink("s3://bucket/tables/t", s3=S3Options(region="us-east-1", access_key="AKIA",
                                                         secret_key=SECRET_KEY))
    for text in (s3.describe(), repr(s3.__dict__), repr(S3Options(access_key="A", secret_key=SECRET_KEY))):
        assert SECRET_KEY not in text
    assert s3.lineage() == [Dataset("path", "s3://bucket/tables/t")]
    assert sink.lineage() == [Dataset("path", "file://" + str(tmp_path))]


def test_local_folder_round_trip_through_duckdb(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), partition_by=["airline"])
    batch = records(0, 600)
    for i in range(0, 600, 100):
        sink.write(batch[i:i + 100])
    assert sink.flush() == {("airlines", 0): 300, ("airlines", 1): 300}
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(600))
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == sorted(f"airline={a}" for a in AIRLINES)
    # Partition fields live in folder names, not in the files (as Hive/Impala expect).
    one = next(tmp_path.rglob("*.parquet"))
    assert "airline" not in pq.read_schema(one).names
    assert not list(tmp_path.rglob("*.tmp"))


def test_file_names_carry_the_offsets_they_hold(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), partition_by=["airline"], max_rows=7)
    for i in range(0, 300, 25):
        sink.write(records(i, i + 25))
    sink.flush()
    files = list(tmp_path.rglob("*.parquet"))
    assert len(files) > 2 * len(AIRLINES)
    for f in files:
        topic, partition, first, last = parse_file_name(f.name)  # type: ignore[misc]
        table = pq.read_table(f)
        assert table.num_rows <= 7
        ids = table.column("tweet_id").to_pylist()
        # tweet i sits at offset i // 2 of partition i % 2 (see records()).
        offsets = [(t - 570000000000000000) // 2 for t in ids]
        assert topic == "airlines"
        assert all((t - 570000000000000000) % 2 == partition for t in ids)
        assert (offsets[0], offsets[-1]) == (first, last)
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(300))


def test_roll_by_age_and_offsets_only_cover_landed_files(tmp_path: Path) -> None:
    now = [0.0]
    sink = ParquetSink(str(tmp_path), max_age_s=60, clock=lambda: now[0])
    sink.write(records(0, 10, partitions=1))
    assert not list(tmp_path.rglob("*.parquet"))
    now[0] = 30.0
    sink.write(records(10, 20, partitions=1))
    assert not list(tmp_path.rglob("*.parquet"))
    now[0] = 61.0
    sink.write([])  # an idle poll still closes old files
    assert [f.name for f in tmp_path.rglob("*.parquet")] == [
        "airlines-0-00000000000000000000-00000000000000000019.parquet"]
    sink.write(records(20, 25, partitions=1))
    # Records 20..24 are only buffered: a flush now writes them; before it nothing past 19 is durable.
    assert sink._committable() == {("airlines", 0): 20}
    assert sink.flush() == {("airlines", 0): 25}


def test_roll_by_bytes(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), max_bytes=4096)
    sink.write(records(0, 200, partitions=1))
    sink.flush()
    assert len(list(tmp_path.rglob("*.parquet"))) == 1  # one write call -> one chunk -> one file
    for i in range(200, 400, 10):
        sink.write(records(i, i + 10, partitions=1))
    sink.flush()
    assert len(list(tmp_path.rglob("*.parquet"))) > 3
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(400))


def test_crash_after_upload_before_commit_then_replay_leaves_no_duplicates(tmp_path: Path) -> None:
    first = ParquetSink(str(tmp_path), partition_by=["airline"], max_rows=40)
    first.write(records(0, 200))
    committed = first.flush()                      # the engine commits these
    first.write(records(200, 500))                 # files roll and land ...
    first.flush()                                  # ... and a crash hits before the commit
    (tmp_path / "airline=Delta" / ".airlines-0-00000000000000000100-00000000000000000130.parquet.x.tmp"
     ).write_bytes(b"half a file")
    assert len(read_back(f"{tmp_path}/**/*.parquet")) == 500

    # The restarted application replays from the committed offsets with different roll settings,
    # so file boundaries differ from the crashed run's.
    replay = [r for r in records(0, 600) if r.offset >= committed[r.topic_partition]]
    second = ParquetSink(str(tmp_path), partition_by=["airline"], max_rows=33)
    for i in range(0, len(replay), 64):
        second.write(replay[i:i + 64])
    assert second.flush() == {("airlines", 0): 300, ("airlines", 1): 300}
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(600))
    assert not list(tmp_path.rglob("*.tmp"))


def test_rewind_to_a_file_boundary_rewrites_instead_of_duplicating(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path))
    sink.write(records(0, 50, partitions=1))
    sink.flush()
    sink.write(records(50, 100, partitions=1))
    sink.flush()
    sink.write(records(50, 120, partitions=1))  # e.g. the engine reset the offset to 50
    sink.flush()
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(120))


def test_rewind_into_a_file_warns_which_records_repeat(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    sink = ParquetSink(str(tmp_path))
    sink.write(records(0, 100, partitions=1))
    sink.flush()
    with caplog.at_level(logging.WARNING):
        sink.write(records(60, 100, partitions=1))
    assert "airlines-0-00000000000000000000-00000000000000000099.parquet" in caplog.text
    assert "from offset 60 on will be duplicated" in caplog.text


def test_release_then_reassign_cleans_files_another_owner_left(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path))
    sink.write(records(0, 40, partitions=1))
    assert sink.flush() == {("airlines", 0): 40}
    sink.release([("airlines", 0)])
    other = ParquetSink(str(tmp_path))      # the partition's next owner writes, crashes uncommitted
    other.write(records(40, 70, partitions=1))
    other.flush()
    sink.write(records(40, 80, partitions=1))  # back to us, from the committed offset 40
    sink.flush()
    assert read_back(f"{tmp_path}/**/*.parquet") == expected(range(80))


def test_bad_records_are_rejected_by_field_and_the_rest_written(tmp_path: Path) -> None:
    schema = pa.schema([("tweet_id", pa.int64()), ("text", pa.string()), ("airline", pa.string()),
                        ("airlinesentiment", pa.string()), ("airlinepolarity", pa.float64()),
                        ("friendscount", pa.int64()), ("hashtags", pa.list_(pa.string()))])
    sink = ParquetSink(str(tmp_path), schema=schema, partition_by=["airline"])
    batch = records(0, 10, partitions=1)
    bad_type = SinkRecord("airlines", 0, 10, 0, None, {**tweet(10), "friendscount": "lots"})
    extra = SinkRecord("airlines", 0, 11, 0, None, {**tweet(11), "retweets": 3})
    good = SinkRecord("airlines", 0, 12, 0, None, tweet(12))
    with pytest.raises(RejectedRecords) as info:
        sink.write([*batch, bad_type, extra, good])
    rejected = info.value.rejected
    assert [(r.record.offset, r.field) for r in rejected] == [(11, "retweets"), (10, "friendscount")]
    assert "'lots'" in rejected[1].reason and "int64" in rejected[1].reason
    assert "schema=" in rejected[0].reason
    assert "airlines[0]@11" in str(info.value)
    # Rejected records are the engine's to dead-letter; their offsets count as handled.
    assert sink.flush() == {("airlines", 0): 13}
    assert [r[0] for r in read_back(f"{tmp_path}/**/*.parquet")] == [tweet(i)["tweet_id"] for i in
                                                                     [*range(10), 12]]


def test_inferred_schema_is_kept_and_checked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sink = ParquetSink(str(tmp_path))
    with caplog.at_level(logging.WARNING):
        sink.write([SinkRecord("t", 0, 0, 0, None, {"id": 1, "location": None})])
    assert "'location'" in caplog.text and "schema=" in caplog.text
    assert sink.schema == pa.schema([("id", pa.int64()), ("location", pa.string())])
    with pytest.raises(RejectedRecords) as info:
        sink.write([SinkRecord("t", 0, 1, 0, None, {"id": 2.5, "location": "NYC"}),
                    SinkRecord("t", 0, 2, 0, None, {"id": 3, "location": "SFO"})])
    assert [r.field for r in info.value.rejected] == ["id"]
    sink.flush()
    assert duckdb.sql(f"SELECT id, location FROM '{tmp_path}/*.parquet' ORDER BY id").fetchall() == [
        (1, None), (3, "SFO")]


def test_configuration_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'snappy' or 'zstd'"):
        ParquetSink(str(tmp_path), compression="gzip")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"partition field\(s\) \['airline'\]"):
        ParquetSink(str(tmp_path), schema=pa.schema([("id", pa.int64())]), partition_by=["airline"])
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        ParquetSink("gs://bucket/x")
    with pytest.raises(ValueError, match="partition by scalar fields"):
        ParquetSink(str(tmp_path), schema=pa.schema([("tags", pa.list_(pa.string()))]), partition_by=["tags"])


def test_declared_schema_fills_absent_fields_and_enforces_required_ones(tmp_path: Path) -> None:
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), ("location", pa.string()),
                        ("score", pa.float64())])
    sink = ParquetSink(str(tmp_path), schema=schema)
    with pytest.raises(RejectedRecords) as info:
        sink.write([SinkRecord("t", 0, 0, 0, None, {"id": 1, "score": 2}),
                    SinkRecord("t", 0, 1, 0, None, {"score": 0.5})])
    assert [(r.record.offset, r.field) for r in info.value.rejected] == [(1, "id")]
    assert "required" in info.value.rejected[0].reason
    sink.flush()
    table = pq.read_table(next(tmp_path.rglob("*.parquet")))
    assert table.schema == schema
    assert table.to_pylist() == [{"id": 1, "location": None, "score": 2.0}]


def test_zstd_is_used_when_asked(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), compression="zstd")
    sink.write(records(0, 20, partitions=1))
    sink.flush()
    meta = pq.ParquetFile(next(tmp_path.rglob("*.parquet"))).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_hive_folder_names_are_escaped_and_null_goes_to_the_default_partition(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), partition_by=["airline"])
    values = ["A/B", "x=y", None, "Virgin America"]
    sink.write([SinkRecord("t", 0, i, 0, None, {"id": i, "airline": a}) for i, a in enumerate(values)])
    sink.flush()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "airline=A%2FB", "airline=Virgin America", "airline=__HIVE_DEFAULT_PARTITION__", "airline=x%3Dy"]
    got = duckdb.sql(f"SELECT id, airline FROM read_parquet('{tmp_path}/**/*.parquet', hive_partitioning=1) "
                     f"ORDER BY id").fetchall()
    assert got == list(enumerate(values))


# -- S3 ---------------------------------------------------------------------------------------------

def s3_rows(s3: LocalS3, bucket: str, prefix: str) -> list[tuple]:
    import pyarrow.dataset as ds

    dataset = ds.dataset(f"{bucket}/{prefix}", filesystem=s3.options.filesystem(), format="parquet",
                         partitioning="hive")
    con = duckdb.connect()
    con.register("landed", dataset.to_table())
    return con.sql("SELECT tweet_id, text, airline, airlinesentiment, airlinepolarity, friendscount, "
                   "hashtags FROM landed ORDER BY tweet_id").fetchall()


def test_s3_round_trip_and_crash_replay(s3_server: LocalS3, unique_name: str) -> None:
    bucket = unique_name.lower().replace("_", "-")[:60]
    s3_server.client().create_bucket(Bucket=bucket)
    uri = f"s3://{bucket}/tables/airlinesentiment"
    first = ParquetSink(uri, partition_by=["airline"], s3=s3_server.options, max_rows=50)
    first.write(records(0, 300))
    committed = first.flush()
    first.write(records(300, 450))
    first.flush()  # crash: landed, never committed
    replay = [r for r in records(0, 500) if r.offset >= committed[r.topic_partition]]
    second = ParquetSink(uri, partition_by=["airline"], s3=s3_server.options, max_rows=70)
    second.write(replay)
    second.flush()
    assert s3_rows(s3_server, bucket, "tables/airlinesentiment") == expected(range(500))
    # (pyarrow leaves "folder/" marker objects when it deletes a crashed run's files; readers skip them)
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
            if not o["Key"].endswith("/")]
    assert [k for k in keys if not (k.startswith("tables/airlinesentiment/airline=") and k.endswith(".parquet"))] == []


def test_s3_failure_is_a_sink_error_that_keeps_the_records(s3_server: LocalS3) -> None:
    sink = ParquetSink("s3://no-such-bucket-airstream/x", s3=s3_server.options)
    with pytest.raises(SinkError) as info:
        sink.write(records(0, 5, partitions=1))
        sink.flush()
    assert "no-such-bucket-airstream" in str(info.value)
    assert SECRET_KEY not in str(info.value)
    s3_server.client().create_bucket(Bucket="no-such-bucket-airstream")
    assert sink.flush() == {("airlines", 0): 5}


def test_rejected_records_go_through_the_topology_dead_letter_policy(tmp_path: Path) -> None:
    from airstream.topology.errors import ErrorPolicy

    policy = ErrorPolicy.from_config({"processing.exception.handler": "dlq",
                                      "errors.dead.letter.queue.topic.name": "airlines-dlq"})
    sink = ParquetSink(str(tmp_path), schema=pa.schema([("tweet_id", pa.int64()), ("airline", pa.string())]))
    bad = SinkRecord("airlines", 2, 41, 1_700_000_000_000, b"k", {"tweet_id": "x1", "airline": "Delta"},
                     headers=(("trace", b"abc"),))
    dead: list[tuple] = []
    try:
        sink.write([bad, SinkRecord("airlines", 2, 42, 0, None, {"tweet_id": 1, "airline": "Delta"})])
    except RejectedRecords as exc:
        for r in exc.rejected:
            policy.handle("processing", r.exception(), r.record, "parquet-sink",
                          emit=lambda *a: dead.append(a), count_drop=lambda: None)
    assert sink.flush() == {("airlines", 2): 43}
    [(topic, key, _, timestamp, headers)] = dead
    h = dict(headers)
    assert (topic, key, timestamp) == ("airlines-dlq", b"k", 1_700_000_000_000)
    assert h["trace"] == b"abc" and h["__streams.errors.exception"] == b"RecordRejected"
    assert b"field 'tweet_id'" in h["__streams.errors.message"]
    assert (h["__streams.errors.topic"], h["__streams.errors.partition"], h["__streams.errors.offset"]) == (
        b"airlines", b"2", b"41")
