"""The JSON-lines log sink: one line per record with its coordinates, files rolled by size, durable
at flush, and a replay after a crash that adds no copy."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from airstream.common.sink import Sink, SinkError, SinkRecord
from airstream.connectors.jsonlog import JsonLinesSink
from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.testing import TopologyTestDriver


def _records(topic: str, partition: int, offsets: range) -> list[SinkRecord]:
    return [SinkRecord(topic, partition, o, 1_700_000_000_000 + o, f"k{o}".encode(), {"n": o}) for o in offsets]


def test_every_record_is_a_line_with_where_it_came_from(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "log")
    assert isinstance(sink, Sink)
    sink.write(_records("airlines", 0, range(3)) + _records("airlines", 1, range(5, 7)))
    assert sink.flush() == {("airlines", 0): 3, ("airlines", 1): 7}
    first = orjson.loads((tmp_path / "log" / "airlines-0-00000000000000000000.jsonl").read_bytes().splitlines()[0])
    assert first == {"topic": "airlines", "partition": 0, "offset": 0, "timestamp": 1_700_000_000_000, "key": "k0",
                     "value": {"n": 0}}
    assert [e["offset"] for e in sink.read("airlines")] == [0, 1, 2, 5, 6]
    assert str(tmp_path / "log") in sink.describe() and sink.lineage()[0].name.startswith("file://")


def test_files_roll_at_max_bytes_and_are_named_by_their_first_offset(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path, max_bytes=300)
    sink.write(_records("t", 0, range(10)))
    sink.flush()
    files = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert len(files) > 2 and files[0] == "t-0-00000000000000000000.jsonl"
    for name in files:
        lines = (tmp_path / name).read_bytes().splitlines()
        assert int(name[4:-6]) == orjson.loads(lines[0])["offset"]
        assert sum(len(line) + 1 for line in lines[:-1]) < 300  # a file closes once it reaches max_bytes
    assert [e["offset"] for e in sink.read()] == list(range(10))


def test_a_replay_after_a_crash_adds_no_copy_and_a_torn_line_is_cut(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path)
    sink.write(_records("t", 0, range(5)))
    sink.flush()  # written, but the engine crashed before committing: it replays from offset 2
    with next(tmp_path.glob("*.jsonl")).open("ab") as f:
        f.write(b'{"topic": "t", "partition": 0, "off')  # a write the crash cut short
    after = JsonLinesSink(tmp_path)
    after.write(_records("t", 0, range(2, 8)))
    assert after.flush() == {("t", 0): 8}
    assert [e["offset"] for e in after.read()] == list(range(8))


def test_released_partitions_forget_what_they_buffered(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path)
    sink.write(_records("t", 0, range(3)) + _records("t", 1, range(3)))
    sink.release([("t", 1)])
    assert sink.flush() == {("t", 0): 3}
    assert {e["partition"] for e in sink.read()} == {0}


def test_a_folder_that_cannot_be_created_is_a_sink_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(SinkError, match="cannot create the log folder"):
        JsonLinesSink(tmp_path / "file" / "log")


def test_a_topology_logs_its_stream_through_to_sink(tmp_path: Path) -> None:
    log = JsonLinesSink(tmp_path)
    b = StreamsBuilder()
    b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json()).to_sink(log, name="log")
    with TopologyTestDriver(b.build()) as driver:
        tweets = driver.create_input_topic("tweets")
        for i in range(4):
            tweets.pipe_input(f"id{i}", {"text": f"tweet {i}"})
    assert [(e["key"], e["value"]["text"]) for e in log.read("tweets")] == [(f"id{i}", f"tweet {i}") for i in range(4)]
