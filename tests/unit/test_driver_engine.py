"""The embedded engine: partitions by murmur2, tasks per partition, commits, the read-only view,
restore from changelogs."""

import pytest

from airstream.topology import Serdes, StreamsBuilder, TopologyException
from airstream.topology.compile import compile_topology
from airstream.topology.engine import EmbeddedCluster, EmbeddedEngine, InputRecord, Task
from airstream.topology.partitioner import partition_for
from airstream.topology.testing import TopologyTestDriver


def word_count(store="counts"):
    b = StreamsBuilder()
    (b.stream("lines", key_serde=Serdes.String(), value_serde=Serdes.String())
      .flat_map_values(str.split)
      .group_by(lambda k, w: w, key_serde=Serdes.String())
      .count(name=store)
      .to_stream().to("counts", key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


def test_keyed_records_land_on_the_murmur2_partition():
    b = StreamsBuilder()
    b.stream("in", key_serde=Serdes.String()).to("out", key_serde=Serdes.String())
    with TopologyTestDriver(b.build(), partitions={"in": 3, "out": 3}) as driver:
        inp = driver.create_input_topic("in")
        for key in ["delta", "united", "virgin", "jetblue"]:
            inp.pipe_input(key, "x")
        view = driver.cluster.view()
        for key in ["delta", "united", "virgin", "jetblue"]:
            p = partition_for(key.encode(), 3)
            assert key.encode() in [r.key for r in view.records("out", p)]
        assert sum(p.high_watermark for p in view.topic("out").partitions) == 4


def test_one_task_per_partition_and_repartitioned_counts_are_complete():
    with TopologyTestDriver(word_count(), {"application.id": "wc"}, partitions={"lines": 4}) as driver:
        assert sorted(t.task_id for t in driver.engine.tasks) == [
            "0_0", "0_1", "0_2", "0_3", "1_0", "1_1", "1_2", "1_3"]
        inp = driver.create_input_topic("lines")
        for i, line in enumerate(["a b c", "a b", "a", "d a"]):
            inp.pipe_input(f"line-{i}", line)
        final = driver.create_output_topic("counts").read_key_values_to_map()
        assert final == {"a": 4, "b": 2, "c": 1, "d": 1}
        view = driver.cluster.view()
        assert len(view.topic("wc-counts-repartition").partitions) == 4
        assert len(view.topic("wc-counts-changelog").partitions) == 4
        # each word is counted by the task owning its partition of the repartition topic
        store = driver.get_key_value_store("counts")
        assert store.get("a") == 4 and store.approximate_num_entries() == 4


def test_co_partitioning_mismatch_is_reported():
    b = StreamsBuilder()
    left, right = b.stream("left"), b.stream("right")
    left.join(right.to_table(), lambda lv, rv: (lv, rv)).to("out")
    with pytest.raises(TopologyException, match=r"co-partitioned.*'left': 2.*'right': 3.*same number of partitions"):
        TopologyTestDriver(b.build(), partitions={"left": 2, "right": 3})


@pytest.mark.parametrize("count", [0, -1])
def test_a_topic_without_partitions_is_refused(count):
    cluster = EmbeddedCluster()
    with pytest.raises(ValueError, match=f"topic 'lines' needs at least 1 partition, not {count}"):
        cluster.create_topic("lines", count)
    assert not cluster.has_topic("lines")
    with pytest.raises(ValueError, match="at least 1 partition"):
        TopologyTestDriver(word_count(), partitions={"lines": count})


def test_view_shows_committed_offsets_and_lag():
    cluster = EmbeddedCluster()
    cluster.create_topic("lines", 2)
    engine = EmbeddedEngine(word_count(), {"application.id": "wc"}, cluster)
    for i in range(5):
        cluster.produce("lines", f"k{i}".encode(), b"x y", timestamp=i)
    assert "wc" not in [g.group for g in cluster.view().groups()]  # nothing committed yet
    assert engine.run_until_idle() > 5
    group = cluster.view().group("wc")
    lines = [o for o in group.offsets if o.topic == "lines"]
    assert sum(o.committed for o in lines) == 5 and all(o.lag == 0 for o in lines)
    assert group.total_lag == 0
    cluster.produce("lines", b"k9", b"z", timestamp=9)
    lagging = [o for o in cluster.view().group("wc").offsets if o.topic == "lines" and o.lag]
    assert len(lagging) == 1 and lagging[0].lag == 1
    topics = {t.name: t for t in cluster.view().topics()}
    assert topics["wc-counts-changelog"].internal and not topics["lines"].internal
    assert topics["lines"].message_count == 6


def test_restart_restores_state_from_the_changelog_and_resumes_from_commits():
    cluster = EmbeddedCluster()
    first = EmbeddedEngine(word_count(), {"application.id": "wc"}, cluster)
    cluster.produce("lines", b"1", b"kafka streams")
    first.run_until_idle()
    first.close()
    second = EmbeddedEngine(word_count(), {"application.id": "wc"}, cluster)
    assert second.stores("counts")[0].get("kafka") == 1
    cluster.produce("lines", b"2", b"kafka")
    assert second.run_until_idle() == 2  # only the new line and its repartitioned word
    assert second.stores("counts")[0].get("kafka") == 2


def test_a_task_can_be_driven_directly_as_the_kafka_runtime_will():
    plan = compile_topology(word_count(), {"application.id": "wc"})
    task = Task(plan, plan.subtopologies[0], 0)
    out = task.process([InputRecord("lines", 0, 0, 100, b"k", b"hello world", ())])
    assert [(topic, p, key, ts) for topic, p, key, _, ts, _ in out] == [
        ("wc-counts-repartition", None, b"hello", 100), ("wc-counts-repartition", None, b"world", 100)]
    counter = Task(plan, plan.subtopologies[1], 0)
    out = counter.process([InputRecord("wc-counts-repartition", 0, 0, 100, b"hello", b"world", ())])
    topics = [(o[0], o[1]) for o in out]
    assert topics == [("wc-counts-changelog", 0), ("counts", None)]
    assert out[1][3] == (1).to_bytes(8, "big")


def test_a_task_reading_several_topics_processes_records_in_timestamp_order():
    b = StreamsBuilder()
    users = b.table("users", key_serde=Serdes.String(), value_serde=Serdes.String())
    (b.stream("clicks", key_serde=Serdes.String(), value_serde=Serdes.String())
      .join(users, lambda click, region: f"{click}@{region}").to("out"))
    cluster = EmbeddedCluster()
    cluster.produce("clicks", b"ann", b"c1", timestamp=1)
    cluster.produce("clicks", b"ann", b"c2", timestamp=10)
    cluster.produce("users", b"ann", b"emea", timestamp=5)
    engine = EmbeddedEngine(b.build(), {"application.id": "ts"}, cluster)
    assert engine.run_until_idle() == 3
    # c1 (t=1) comes before the user row (t=5) and finds nothing; c2 (t=10) joins
    assert [r.value for r in cluster.read("out", 0, 0)] == [b"c2@emea"]
    assert cluster.committed("ts", "users", 0) == 1 and cluster.committed("ts", "clicks", 0) == 2


def test_a_batch_of_many_records_gives_what_they_give_one_at_a_time():
    # The runtime hands a task up to max.poll.records at once; the task works through it in chunks.
    b = StreamsBuilder()
    s = b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
    (s.filter(lambda k, v: v["n"] % 3 != 0).map_values(lambda v: {"n": v["n"] * 2})
      .to("doubled", key_serde=Serdes.String(), value_serde=Serdes.Json()))
    s.group_by_key().count(name="per-key").to_stream().to("counts", key_serde=Serdes.String(),
                                                           value_serde=Serdes.Long())
    plan = compile_topology(b.build(), {"application.id": "chunks", "default.deserialization.exception.handler": "dlq",
                                        "errors.dead.letter.queue.topic.name": "dead"})
    records = [InputRecord("tweets", 0, i, 1_000 + i, f"k{i % 7}".encode(),
                           b"{not json" if i == 300 else b'{"n": %d}' % i, ()) for i in range(1_000)]

    whole = Task(plan, plan.subtopologies[0], 0).process(records)
    one_task = Task(plan, plan.subtopologies[0], 0)
    one_by_one = [out for rec in records for out in one_task.process([rec])]

    def what(outputs):
        return [(topic, key, value) for topic, _, key, value, _, _ in outputs]

    assert sorted(what(whole)) == sorted(what(one_by_one))
    assert [v for t, _, v in what(whole) if t == "doubled"] == [
        b'{"n":%d}' % (2 * i) for i in range(1_000) if i % 3 and i != 300]
    assert [t for t, _, _ in what(whole)].count("dead") == 1
