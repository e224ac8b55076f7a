"""The reproductions that first showed airstream losing or changing records against Kafka Streams,
kept as they were found (``topic key=value @timestamp``), and the cases where airstream keeps a
behaviour of its own because Kafka Streams' is a defect (docs/conformance.md)."""

from __future__ import annotations

from airstream_side import run_airstream
from cases import CASES
from events import Event, Record, Steps
from kstreams import KafkaStreamsDriver


def both(kafka_streams: KafkaStreamsDriver, name: str, events: list[Event]) -> tuple[Steps, Steps]:
    case = CASES[name]
    return kafka_streams.run(name, events, case.outputs), run_airstream(case, events)


def test_a_late_record_kafka_streams_accepts_in_a_session_opens_a_session(kafka_streams: KafkaStreamsDriver) -> None:
    # gap 3000, grace 2000: a session closes at stream time - grace - gap, not at - grace
    expected, got = both(kafka_streams, "session_count", [Event("in", "D", "4", 46729), Event("in", "C", "1", 44259)])
    assert got == expected
    assert got[1] == [Record("out", "C@44259/44259", 1, 44259)]


def test_a_late_record_inside_an_open_sliding_window_counts(kafka_streams: KafkaStreamsDriver) -> None:
    # difference 5000, grace 3000: the record at 0 is dropped only once every window holding it closed
    expected, got = both(kafka_streams, "sliding_count", [Event("in", "E", "2", 7768), Event("in", "D", "8", 0)])
    assert got == expected
    assert got[1] == [Record("out", "D@0/5000", 1, 0)]


def test_unmatched_left_records_with_the_same_key_and_timestamp_are_all_emitted(
        kafka_streams: KafkaStreamsDriver) -> None:
    events = [Event("left", "A", "5", 6985), Event("left", "A", "6", 6985), Event("left", "B", "1", 20_000)]
    expected, got = both(kafka_streams, "stream_stream_left_join", events)
    assert got == expected
    assert got[2] == [Record("out", "A", "5+null", 6985), Record("out", "A", "6+null", 6985)]


def test_foreign_key_results_carry_kafka_streams_timestamps(kafka_streams: KafkaStreamsDriver) -> None:
    events = [Event("right", "K1", "3", 100), Event("left", "A", "4", 200),   # A's foreign key is K1
              Event("right", "K1", "5", 150),   # a right update: the right record's timestamp
              Event("left", "A", None, 50)]     # a left delete in an inner join: the larger of both
    expected, got = both(kafka_streams, "fk_join", events)
    assert got == expected
    assert [r.ts for step in got for r in step] == [200, 150, 150]


# -- where airstream differs on purpose -------------------------------------------------------------
def test_null_values_are_ignored_by_time_window_aggregations(kafka_streams: KafkaStreamsDriver) -> None:
    # Kafka Streams' KStreamWindowAggregate aggregates a null value (its javadoc says it is
    # ignored, and its sliding windows and plain aggregations ignore it); airstream ignores it.
    events = [Event("in", "A", "1", 1000), Event("in", "A", None, 2000)]
    expected, got = both(kafka_streams, "tumbling_count", events)
    assert expected[1] == [Record("out", "A@0/10000", 2, 2000)]
    assert got[1] == []


def test_emit_final_emits_a_window_the_store_no_longer_holds(kafka_streams: KafkaStreamsDriver) -> None:
    # A jump of stream time past the window's retention: Kafka Streams fetches closed windows from
    # its window store, which dropped this one, so it is never emitted; airstream emits it.
    events = [Event("in", "A", "2", 30_832), Event("in", "C", "5", 432_127)]
    expected, got = both(kafka_streams, "tumbling_emit_final", events)
    assert expected[1] == []
    assert got[1] == [Record("out", "A@30000/40000", 1, 30_832)]
