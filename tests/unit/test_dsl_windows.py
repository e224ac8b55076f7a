"""Windowed aggregations: tumbling, hopping, sliding, session; grace, late records, suppress."""

from datetime import timedelta

from airstream.topology import Serdes, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, Window, Windowed
from airstream.topology.testing import TopologyTestDriver


def windowed_counts(windows, records, suppress=False, emit_final=False, name="counts"):
    b = StreamsBuilder()
    grouped = b.stream("events", key_serde=Serdes.String(), value_serde=Serdes.String()).group_by_key()
    windowed = grouped.windowed_by(windows)
    if emit_final:
        windowed = windowed.emit_final()
    table = windowed.count(name=name)
    if suppress:
        table = table.suppress(until_window_closes=True)
    table.to_stream().to("out")
    driver = TopologyTestDriver(b.build())
    inp = driver.create_input_topic("events")
    for key, ts in records:
        inp.pipe_input(key, "x", timestamp=ts)
    out = [(r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp)
           for r in driver.create_output_topic("out").read_records_to_list()]
    return out, driver


def test_tumbling_window_counts_with_grace_drop_late_records():
    out, driver = windowed_counts(TimeWindows.of_size_and_grace(10, 5),
                                  [("a", 1), ("a", 12), ("a", 8), ("a", 20), ("a", 9)])
    assert out == [
        ("a", 0, 10, 1, 1),
        ("a", 10, 20, 1, 12),
        ("a", 0, 10, 2, 8),    # out of order but within grace (stream time 12, close 10 + 5)
        ("a", 20, 30, 1, 20),  # the record at 9 arrives at stream time 20: too late, dropped
    ]
    assert driver.metrics()["dropped-records-total"] == 1
    # The store keeps windows for size + grace of stream time, as Kafka Streams does.
    store = driver.get_window_store("counts")
    assert store.fetch("a", 0) is None
    assert store.fetch("a", 10) == 1
    assert store.fetch("a", 0, 30) == [(10, 1), (20, 1)]
    assert store.all() == [(Windowed("a", Window(10, 20)), 1), (Windowed("a", Window(20, 30)), 1)]


def test_windows_accept_timedelta_and_results_are_keyed_by_windowed():
    out, _ = windowed_counts(TimeWindows.of_size_with_no_grace(timedelta(minutes=1)),
                             [("united", 1_000), ("delta", 61_000), ("delta", 62_000)])
    assert out == [("united", 0, 60_000, 1, 1_000), ("delta", 60_000, 120_000, 1, 61_000),
                   ("delta", 60_000, 120_000, 2, 62_000)]


def test_no_grace_drops_records_for_closed_windows():
    out, driver = windowed_counts(TimeWindows.of_size_with_no_grace(10), [("a", 15), ("a", 5)])
    assert out == [("a", 10, 20, 1, 15)]
    assert driver.metrics()["dropped-records-total"] == 1


def test_hopping_windows_assign_a_record_to_every_window_it_falls_in():
    out, _ = windowed_counts(TimeWindows.of_size_with_no_grace(10).advance_by(5), [("a", 7), ("a", 12)])
    assert out == [("a", 0, 10, 1, 7), ("a", 5, 15, 1, 7), ("a", 5, 15, 2, 12), ("a", 10, 20, 1, 12)]


def test_suppress_until_window_closes_emits_one_final_result_per_window():
    out, _ = windowed_counts(TimeWindows.of_size_and_grace(10, 2),
                             [("a", 1), ("a", 5), ("b", 7), ("a", 11), ("a", 12), ("a", 25)],
                             suppress=True)
    # [0,10) closes when stream time reaches 12; [10,20) when it reaches 22.
    assert out == [("a", 0, 10, 2, 5), ("b", 0, 10, 1, 7), ("a", 10, 20, 2, 12)]


def test_emit_final_strategy_matches_suppress():
    records = [("a", 1), ("a", 5), ("a", 11), ("a", 25)]
    final, _ = windowed_counts(TimeWindows.of_size_with_no_grace(10), records, emit_final=True)
    suppressed, _ = windowed_counts(TimeWindows.of_size_with_no_grace(10), records, suppress=True)
    assert final == suppressed == [("a", 0, 10, 2, 5), ("a", 10, 20, 1, 11)]


def test_session_windows_merge_and_delete_replaced_sessions():
    out, driver = windowed_counts(SessionWindows.of_inactivity_gap_and_grace(5, 100),
                                  [("a", 0), ("a", 3), ("a", 20), ("a", 10), ("a", 15)])
    assert out == [
        ("a", 0, 0, 1, 0),
        ("a", 0, 0, None, 0), ("a", 0, 3, 2, 3),        # 3 is within the gap: sessions merge
        ("a", 20, 20, 1, 20),
        ("a", 10, 10, 1, 10),                           # too far from both neighbours
        ("a", 10, 10, None, 10), ("a", 20, 20, None, 20), ("a", 10, 20, 3, 20),  # 15 bridges them
    ]
    sessions = driver.get_session_store("counts").fetch("a")
    assert [(w.window.start, w.window.end, n) for w, n in sessions] == [(0, 3, 2), (10, 20, 3)]


def test_session_windows_with_grace_drop_late_records():
    out, driver = windowed_counts(SessionWindows.of_inactivity_gap_and_grace(5, 10),
                                  [("a", 100), ("a", 85), ("a", 84), ("a", 70)])
    # A session closes once stream time passes its end + gap + grace (as in Kafka Streams'
    # KStreamSessionWindowAggregate): at stream time 100 that is sessions ending before 85. The
    # record at 85 still makes a session, 84 joins it; 70 would start a session ending at 70.
    assert out == [("a", 100, 100, 1, 100), ("a", 85, 85, 1, 85), ("a", 85, 85, None, 85), ("a", 84, 85, 2, 85)]
    assert driver.metrics()["dropped-records-total"] == 1


def test_sliding_windows_aggregate_records_within_the_time_difference():
    out, _ = windowed_counts(SlidingWindows.of_time_difference_and_grace(10, 100),
                             [("a", 5), ("a", 12)])
    assert out[0] == ("a", 0, 10, 1, 5)
    # at 12: the window ending at 12 holds both records; the right window of 5 holds one
    assert sorted(out[1:]) == [("a", 2, 12, 2, 12), ("a", 6, 16, 1, 12)]


def test_windowed_reduce_and_aggregate():
    b = StreamsBuilder()
    grouped = b.stream("t", key_serde=Serdes.String(), value_serde=Serdes.Long()).group_by_key()
    w = TimeWindows.of_size_with_no_grace(10)
    grouped.windowed_by(w).reduce(lambda a, v: a + v, name="sum").to_stream().to("sum")
    grouped.windowed_by(w).aggregate(list, lambda k, v, agg: [*agg, v], name="all",
                                     value_serde=Serdes.Json()).to_stream().to("all")
    with TopologyTestDriver(b.build()) as driver:
        inp = driver.create_input_topic("t")
        for v, ts in [(1, 1), (2, 2), (3, 11)]:
            inp.pipe_input("k", v, timestamp=ts)
        assert driver.create_output_topic("sum").read_values_to_list() == [1, 3, 3]
        assert driver.create_output_topic("all").read_values_to_list() == [[1], [1, 2], [3]]
        windowed_key = driver.create_output_topic("sum").key_serde
        assert windowed_key.deserialize("sum", windowed_key.serialize("sum", Windowed("k", Window(10, 20)))) \
            == Windowed("k", Window(10, 20))


def test_suppressed_session_windows_emit_only_final_sessions():
    out, _ = windowed_counts(SessionWindows.of_inactivity_gap_and_grace(5, 0),
                             [("a", 0), ("a", 3), ("a", 30)], suppress=True)
    # [0,0] was merged into [0,3] (its delete is not a final result); [0,3] closes once
    # stream time passes 3 + gap 5; [30,30] is still open
    assert out == [("a", 0, 3, 2, 3)]


def test_windowed_results_read_with_explicit_windowed_serdes():
    from airstream.topology import WindowedSerdes
    b = StreamsBuilder()
    (b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.String()).group_by_key()
      .windowed_by(TimeWindows.of_size_with_no_grace(10)).count().to_stream().to("out"))
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in").pipe_input("k", "v", timestamp=12)
        out = driver.create_output_topic("out", WindowedSerdes.time_windowed_serde_from(Serdes.String(), 10),
                                         Serdes.Long())
        assert out.read_key_value() == (Windowed("k", Window(10, 20)), 1)
