"""The buffers of suppress / emit-final and of left and outer stream-stream joins survive a
restart: their changelogs rebuild them, so stopping anywhere changes no result."""

import pytest

from airstream.topology import (
    JoinWindows,
    Serdes,
    SessionWindows,
    SlidingWindows,
    StreamsBuilder,
    TimeWindows,
)
from airstream.topology.engine import EmbeddedCluster, EmbeddedEngine

S, L = Serdes.String(), Serdes.Long()


def windowed_counts(windows, final="suppress"):
    """Counts per key and window: every update to ``updates``, final values to ``out``."""
    def build():
        b = StreamsBuilder()
        grouped = b.stream("events", key_serde=S, value_serde=S).group_by_key()
        windowed = grouped.windowed_by(windows)
        if final == "emit_final":
            windowed = windowed.emit_final()
        table = windowed.count()
        if final == "suppress":
            b_updates = table.to_stream()
            b_updates.map(lambda k, v: (f"{k.key}@{k.window.start}-{k.window.end}", v)).to(
                "updates", key_serde=S, value_serde=L)
            table = table.suppress(until_window_closes=True)
        (table.to_stream()
              .map(lambda k, v: (f"{k.key}@{k.window.start}-{k.window.end}", v))
              .to("out", key_serde=S, value_serde=L))
        return b.build()
    return build


def outer_join(how):
    def build():
        b = StreamsBuilder()
        left = b.stream("left", key_serde=S, value_serde=S)
        right = b.stream("right", key_serde=S, value_serde=S)
        windows = JoinWindows.of_time_difference_and_grace(3, 2).after(6)
        getattr(left, how)(right, lambda lv, rv: f"{lv}/{rv}", windows).to("out", key_serde=S, value_serde=S)
        return b.build()
    return build


def run(build, events, stop_at=None, app="buffers"):
    """Process ``events`` (topic, key, value, timestamp) one at a time; with ``stop_at``, close
    the engine before that event and go on with a new one that restores from the changelogs."""
    cluster = EmbeddedCluster()
    engine = EmbeddedEngine(build(), {"application.id": app}, cluster)
    for i, (topic, key, value, ts) in enumerate(events):
        if i == stop_at:
            engine.close()
            engine = EmbeddedEngine(build(), {"application.id": app}, cluster)
        cluster.produce(topic, key.encode(), value.encode(), timestamp=ts)
        engine.run_until_idle()
    engine.close()
    return {topic: [(r.key, r.value, r.timestamp) for r in cluster.records_in_order(topic)]
            for topic in ("out", "updates")}, cluster, engine


def decoded(records, value=lambda v: int.from_bytes(v, "big")):
    return [(k.decode(), value(v), ts) for k, v, ts in records]


def every_stop_gives_the_same_results(build, events):
    expected, _, _ = run(build, events)
    for stop in range(1, len(events)):
        got, _, _ = run(build, events, stop_at=stop)
        assert got == expected, f"stopped before event {stop}: {events[stop]}"
    return expected


EVENTS = [("events", k, "x", ts) for k, ts in [
    ("a", 1), ("b", 2), ("a", 8), ("a", 12), ("b", 14), ("a", 3), ("a", 16), ("b", 9),
    ("a", 22), ("b", 4), ("b", 27), ("a", 31), ("a", 18), ("b", 45), ("a", 60)]]


FINAL_COUNTS = [("a@0-10", 3, 8), ("b@0-10", 1, 2), ("a@10-20", 2, 16), ("b@10-20", 1, 14),
                ("a@20-30", 1, 22), ("b@20-30", 1, 27), ("a@30-40", 1, 31), ("b@40-50", 1, 45)]


def test_suppressed_window_counts_are_the_same_wherever_the_app_stopped():
    out = every_stop_gives_the_same_results(windowed_counts(TimeWindows.of_size_and_grace(10, 5)), EVENTS)
    # A window closes 5 ms of stream time after its end: "a" at 3 still counts (stream time 14),
    # "b" at 9 (stream time 16), "b" at 4 and "a" at 18 (stream time 31) are dropped as late,
    # also after a restart. a@[60,70) is still open when the input ends.
    assert decoded(out["out"]) == FINAL_COUNTS
    assert decoded(out["updates"])[-1] == ("a@60-70", 1, 60) and len(out["updates"]) == 12


def test_emit_final_window_counts_are_the_same_wherever_the_app_stopped():
    out = every_stop_gives_the_same_results(
        windowed_counts(TimeWindows.of_size_and_grace(10, 5), final="emit_final"), EVENTS)
    assert decoded(out["out"]) == FINAL_COUNTS


def test_suppressed_session_counts_are_the_same_wherever_the_app_stopped():
    events = [("events", k, "x", ts) for k, ts in [
        ("a", 0), ("a", 4), ("b", 5), ("a", 20), ("a", 9), ("a", 24), ("b", 30), ("a", 33), ("a", 60),
        ("b", 80)]]
    out = every_stop_gives_the_same_results(
        windowed_counts(SessionWindows.of_inactivity_gap_and_grace(5, 3)), events)
    # A session is final once stream time passes its end + gap + grace; "a" at 9 is late
    # (stream time 20), "a" at 24 merges into the session of 20.
    assert decoded(out["out"]) == [("a@0-4", 2, 4), ("b@5-5", 1, 5), ("a@20-24", 2, 24), ("b@30-30", 1, 30),
                                   ("a@33-33", 1, 33), ("a@60-60", 1, 60)]


JOIN_EVENTS = [
    ("left", "A", "a1", 0), ("right", "B", "b1", 1), ("left", "B", "b2", 4), ("right", "A", "r1", 5),
    ("left", "C", "c1", 6), ("right", "D", "d1", 7), ("left", "A", "a2", 9), ("right", "C", "c2", 20),
    ("left", "E", "e1", 21), ("right", "E", "e2", 18), ("left", "F", "f1", 30), ("right", "G", "g1", 31),
    ("left", "I", "i1", 10),  # its window closed already (stream time 31): unmatched at once
    ("left", "K", "k1", 24), ("right", "K", "k2", 26),  # k1 is late too, but still joins k2
    ("left", "H", "h1", 50)]


@pytest.mark.parametrize("how", ["left_join", "outer_join"])
def test_left_and_outer_joins_are_the_same_wherever_the_app_stopped(how):
    out = every_stop_gives_the_same_results(outer_join(how), JOIN_EVENTS)
    got = decoded(out["out"], value=bytes.decode)
    matched = [("B", "b2/b1", 4), ("A", "a1/r1", 5), ("E", "e1/e2", 21), ("K", "k1/k2", 26)]
    assert [r for r in got if "None" not in r[1]] == matched
    # left records wait 6 ahead + 2 grace, right records 3 back + 2 grace, then go unmatched,
    # in timestamp order
    left_alone = [("C", "c1/None", 6), ("A", "a2/None", 9), ("I", "i1/None", 10), ("K", "k1/None", 24),
                  ("F", "f1/None", 30)]
    right_alone = [("D", "None/d1", 7), ("C", "None/c2", 20), ("G", "None/g1", 31)]
    unmatched = [r for r in got if "None" in r[1]]
    if how == "left_join":
        assert unmatched == left_alone
    else:
        assert sorted(unmatched, key=lambda r: r[2]) == sorted(left_alone + right_alone, key=lambda r: r[2])


def test_buffer_changelogs_are_named_as_in_kafka_streams_and_end_in_tombstones():
    _, cluster, engine = run(windowed_counts(TimeWindows.of_size_and_grace(10, 5)), EVENTS)
    suppress = "buffers-KTABLE-SUPPRESS-STATE-STORE-0000000007-changelog"
    assert engine.plan.changelog_topics["KTABLE-SUPPRESS-STATE-STORE-0000000007"] == suppress
    assert cluster.view().topic(suppress).internal
    latest = {r.key: r.value for r in cluster.read(suppress, 0, 0)}
    # nine windows were buffered; the eight emitted ones end in a tombstone, a@[60,70) is held
    assert len(latest) == 9 and len([v for v in latest.values() if v is not None]) == 1
    assert [(w.key, w.window.start, change.new) for w, change in
            engine.stores("KTABLE-SUPPRESS-STATE-STORE-0000000007")[0].all()] == [("a", 60, 1)]

    _, cluster, engine = run(outer_join("outer_join"), JOIN_EVENTS)
    outer = "buffers-KSTREAM-OUTERSHARED-0000000007-store-changelog"
    assert engine.plan.changelog_topics["KSTREAM-OUTERSHARED-0000000007-store"] == outer
    latest = {r.key: r.value for r in cluster.read(outer, 0, 0)}
    # every record that waited was matched or emitted (a tombstone) but h1, whose window is open
    assert [k[9:] for k, v in latest.items() if v is not None] == [b"H"]


def test_buffer_changelogs_have_one_partition_per_task_and_restore_per_partition():
    cluster = EmbeddedCluster()
    cluster.create_topic("events", 3)
    build = windowed_counts(TimeWindows.of_size_with_no_grace(10))
    first = EmbeddedEngine(build(), {"application.id": "wide"}, cluster)
    keys = ["a", "b", "c", "d", "e", "f"]
    for key in keys:
        cluster.produce("events", key.encode(), b"x", timestamp=5)
    first.run_until_idle()
    first.close()
    assert cluster.partitions("wide-KTABLE-SUPPRESS-STATE-STORE-0000000007-changelog") == 3
    second = EmbeddedEngine(build(), {"application.id": "wide"}, cluster)
    held = sorted(w.key for store in second.stores("KTABLE-SUPPRESS-STATE-STORE-0000000007") for w, _ in store.all())
    assert held == keys
    for key in keys:  # closes every key's window in its own partition
        cluster.produce("events", key.encode(), b"x", timestamp=10)
    second.run_until_idle()
    assert sorted(decoded((r.key, r.value, r.timestamp) for r in cluster.records_in_order("out"))) == [
        (f"{k}@0-10", 1, 5) for k in keys]


def test_embedded_and_kafka_runtime_share_the_partition_rule_for_internal_topics():
    from airstream.topology.compile import plan_partitions

    b = StreamsBuilder()
    orders = b.table("orders", key_serde=S, value_serde=Serdes.Json())
    products = b.table("products", key_serde=S, value_serde=S)
    orders.join(products, lambda order: order["product"], lambda order, name: f"{order['qty']}x{name}").to_stream().to(
        "out", key_serde=S, value_serde=S)
    topology = b.build()
    cluster = EmbeddedCluster()
    engine = EmbeddedEngine(topology, {"application.id": "fk"}, cluster, partitions={"orders": 3, "products": 2})
    # the subscription topics feed each other; each is co-partitioned with the table read beside it
    registration = "fk-KTABLE-FK-JOIN-0000000006-subscription-registration-topic"
    response = "fk-KTABLE-FK-JOIN-0000000006-subscription-response-topic"
    assert (cluster.partitions(registration), cluster.partitions(response)) == (2, 3)
    assert plan_partitions(engine.plan, {"orders": 3, "products": 2}) == engine.layout
    cluster.produce("products", b"p1", b"apple")
    cluster.produce("orders", b"o1", b'{"product": "p1", "qty": 2}')
    engine.run_until_idle()
    assert [(r.key, r.value) for r in cluster.records_in_order("out")] == [(b"o1", b"2xapple")]


def test_buffers_log_the_latest_state_once_per_batch():
    cluster = EmbeddedCluster()
    engine = EmbeddedEngine(windowed_counts(TimeWindows.of_size_with_no_grace(10))(), {"application.id": "once"},
                            cluster)
    for ts in range(5):  # one batch: five updates of a@[0,10)
        cluster.produce("events", b"a", b"x", timestamp=ts)
    engine.run_until_idle()
    changelog = cluster.read("once-KTABLE-SUPPRESS-STATE-STORE-0000000007-changelog", 0, 0)
    assert len(changelog) == 1
    restored = EmbeddedEngine(windowed_counts(TimeWindows.of_size_with_no_grace(10))(), {"application.id": "once"},
                              cluster)
    [(window, change)] = restored.stores("KTABLE-SUPPRESS-STATE-STORE-0000000007")[0].all()
    assert (window.key, window.window.start, change.new, change.old) == ("a", 0, 5, 4)

    cluster = EmbeddedCluster()
    engine = EmbeddedEngine(outer_join("left_join")(), {"application.id": "once"}, cluster)
    cluster.produce("left", b"A", b"a1", timestamp=1)
    cluster.produce("right", b"A", b"r1", timestamp=2)
    cluster.produce("left", b"B", b"b1", timestamp=3)
    engine.run_until_idle()  # a1 waits, then matches; b1 waits
    changelog = cluster.read("once-KSTREAM-OUTERSHARED-0000000007-store-changelog", 0, 0)
    assert [(r.key[9:], r.value is None) for r in changelog] == [(b"A", True), (b"B", False)]


def sliding(final=None):
    """Sliding-window counts (``final``: suppress / emit_final / plain updates) and, beside
    them, the values of each window in the order the aggregation folded them."""
    def build():
        b = StreamsBuilder()
        grouped = b.stream("events", key_serde=S, value_serde=S).group_by_key()
        windows = SlidingWindows.of_time_difference_and_grace(10, 5)
        windowed = grouped.windowed_by(windows)
        if final == "emit_final":
            windowed = windowed.emit_final()
        counts = windowed.count()
        if final == "suppress":
            counts = counts.suppress(until_window_closes=True)
        (counts.to_stream().map(lambda k, v: (f"{k.key}@{k.window.start}-{k.window.end}", v))
               .to("out", key_serde=S, value_serde=L))
        (grouped.windowed_by(windows)
                .aggregate(lambda: "", lambda k, v, agg: agg + v, name="folded", value_serde=S)
                .to_stream().map(lambda k, v: (f"{k.key}@{k.window.start}-{k.window.end}", v))
                .to("updates", key_serde=S, value_serde=S))
        return b.build()
    return build


# Early records (before the time difference), out-of-order ones within grace, late ones
# (dropped), two keys, equal timestamps, and gaps longer than the windows' reach.
SLIDING_EVENTS = [("events", k, v, ts) for k, v, ts in [
    ("a", "1", 2), ("a", "2", 8), ("b", "3", 9), ("a", "4", 15), ("a", "5", 11), ("b", "6", 12),
    ("a", "7", 21), ("a", "8", 17), ("a", "9", 21), ("b", "0", 14), ("a", "x", 4), ("a", "y", 40),
    ("b", "z", 38), ("a", "w", 36), ("a", "v", 55), ("b", "u", 60), ("a", "t", 80)]]


@pytest.mark.parametrize("final", [None, "suppress", "emit_final"])
def test_sliding_window_aggregations_are_the_same_wherever_the_app_stopped(final):
    # What the values are is Kafka Streams' to say (tests/conformance); here: a restart anywhere
    # changes none of them, as the windows live in the window store and its changelog alone.
    out = every_stop_gives_the_same_results(sliding(final), SLIDING_EVENTS)
    assert out["out"] and out["updates"]


def test_sliding_windows_keep_only_their_window_store_as_kafka_streams_does():
    build = sliding()
    assert "(stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])" in str(build().describe())
    _, _, engine = run(build, SLIDING_EVENTS, app="slide")
    assert sorted(engine.plan.changelog_topics) == ["KSTREAM-AGGREGATE-STATE-STORE-0000000001", "folded"]


@pytest.mark.parametrize(("how", "this", "other", "shared"), [
    ("join", "this-join", "other-join", None),
    ("left_join", "this-join", "outer-other-join", "left-shared-join-store"),
    ("outer_join", "outer-this-join", "outer-other-join", "outer-shared-join-store")])
def test_named_stream_joins_name_processors_stores_and_buffer_as_kafka_streams(how, this, other, shared):
    b = StreamsBuilder()
    left = b.stream("left", key_serde=S, value_serde=S)
    right = b.stream("right", key_serde=S, value_serde=S)
    getattr(left, how)(right, lambda lv, rv: f"{lv}/{rv}", JoinWindows.of_time_difference_with_no_grace(5),
                       name="clicks").to("out")
    description = str(b.build().describe())
    stores = [f"clicks-{this}-store", f"clicks-{other}-store"] + ([f"clicks-{shared}"] if shared else [])
    assert f"Processor: clicks-{this} (stores: [{', '.join(sorted(stores[1:]))}])" in description
    assert f"Processor: clicks-{other} (stores: [{', '.join(sorted([stores[0], *stores[2:]]))}])" in description
    engine = EmbeddedEngine(b.build(), {"application.id": "named"}, EmbeddedCluster())
    assert sorted(engine.plan.changelog_topics) == sorted(stores)
