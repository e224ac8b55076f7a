"""A task reads the Kafka runtime's batches as confluent-kafka messages: the same outputs, dead
letters and counts as from the records those messages make."""

from confluent_kafka import Message

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.compile import compile_topology
from airstream.topology.engine.task import Task
from airstream.topology.records import from_messages, message_runs
from airstream.topology.tracing.aggregate import ConsumerMetrics

DLQ = {"application.id": "app", "default.deserialization.exception.handler": "dlq",
       "processing.exception.handler": "dlq", "errors.dead.letter.queue.topic.name": "tweets-dlq"}


def messages(*values, partition=1, first_offset=40, ts=60_000):
    return [Message(topic="tweets", partition=partition, offset=first_offset + i, timestamp=(1, ts + i),
                    key=f"k{i}".encode(), value=value, headers=[("origin", b"test")] if i % 2 else None)
            for i, value in enumerate(values)]


def one_run(msgs):
    (run,) = message_runs(msgs)
    return run


def without_stacktraces(outputs):
    """Outputs with the dead letters' stack traces left out: they name the generated function."""
    return [(*o[:5], [h for h in o[5] if h[0] != "__streams.errors.stacktrace"] if o[0] == "tweets-dlq" else o[5])
            for o in outputs]


def task(topology, config=DLQ):
    plan = compile_topology(topology, config)
    return Task(plan, plan.subtopologies[0], 1)


def stateless():
    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.Bytes(), value_serde=Serdes.Json())
      .filter(lambda _k, v: v["friends"] > 100, name="influencers")
      .map_values(lambda v: {"text": v["text"].upper()}, name="shout")
      .to("out", value_serde=Serdes.Json()))
    return b.build()


RUN = (b'{"friends": 500, "text": "late again"}', b'{"friends": 5, "text": "fine"}', b"{not json",
       b'{"friends": 900}', None, b'{"friends": 101, "text": "lost bag"}')


def test_messages_give_the_outputs_and_dead_letters_of_their_records():
    run = messages(*RUN)
    from_records = task(stateless()).process(from_messages(run))
    reader = task(stateless())
    from_messages_directly = reader.process_messages(one_run(run))
    assert without_stacktraces(from_messages_directly) == without_stacktraces(from_records)
    assert [o[0] for o in from_messages_directly] == ["out", "tweets-dlq", "tweets-dlq", "tweets-dlq", "out"]
    assert from_messages_directly[0][2:6] == (b"k0", b'{"text":"LATE AGAIN"}', 60_000, None)
    assert from_messages_directly[4][5] == [("origin", b"test")]
    # the dead letter of the record that failed in a processor names it, its source and offset
    dead = dict(from_messages_directly[2][5])
    assert dead["__streams.errors.topic"] == b"tweets" and dead["__streams.errors.offset"] == b"43"
    assert reader.stream_time == 60_005
    assert reader.metrics["process-total"] == 6


def test_a_sub_topology_whose_processor_reads_the_record_takes_records_instead():
    b = StreamsBuilder()
    (b.stream("tweets", key_serde=Serdes.Bytes(), value_serde=Serdes.Json())
      .group_by_key().count(name="counts")
      .to_stream().to("out", value_serde=Serdes.Long()))
    run = messages(b'{"a": 1}', b'{"a": 2}', b'{"a": 3}')
    config = {"application.id": "app"}
    assert task(b.build(), config).process_messages(one_run(run)) == \
        task(b.build(), config).process(from_messages(run))


def test_consumer_counts_of_runs_are_those_of_their_records():
    run0 = messages(b"a", b"b", partition=0, ts=119_999)  # across a minute
    run1 = messages(b"c", partition=1)
    by_records = ConsumerMetrics("c", "g", 0, sample_rate=None)
    by_records.observe_records(from_messages(run0 + run1), 120_500)
    by_runs = ConsumerMetrics("c", "g", 0, sample_rate=None)
    by_runs.observe_runs(run0 + run1, message_runs(run0 + run1), 120_500)
    assert by_runs.record(121_000) == by_records.record(121_000)
    assert by_runs.counts == {("tweets", 0, 60_000): 1, ("tweets", 0, 120_000): 1, ("tweets", 1, 60_000): 1}


def test_runs_split_a_batch_by_topic_and_partition_in_fetch_order():
    other = [Message(topic="scores", partition=1, offset=7, timestamp=(1, 61_000))]
    batch = messages(b"a", b"b") + other + messages(b"c", partition=0, ts=62_000) + messages(b"d")
    runs = message_runs(batch)
    assert [(r.topic, r.partition, len(r.messages), r.timestamps) for r in runs] == [
        ("tweets", 1, 2, [60_000, 60_001]), ("scores", 1, 1, [61_000]), ("tweets", 0, 1, [62_000]),
        ("tweets", 1, 1, [60_000])]
    # a consumer of one topic names it: runs are then told apart by the partition alone
    assert [(r.topic, r.partition) for r in message_runs(messages(b"a") + messages(b"b", partition=0), "tweets")] == \
        [("tweets", 1), ("tweets", 0)]
