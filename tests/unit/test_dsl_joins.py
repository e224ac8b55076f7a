"""Joins: stream-stream (windowed), stream-table, stream-global-table, table-table, foreign key."""

from airstream.topology import JoinWindows, Serdes, StreamsBuilder
from airstream.topology.testing import TopologyTestDriver

S = Serdes.String()


def stream_join(how, windows, events):
    b = StreamsBuilder()
    left = b.stream("left", key_serde=S, value_serde=S)
    right = b.stream("right", key_serde=S, value_serde=S)
    getattr(left, how)(right, lambda lv, rv: f"{lv}/{rv}", windows).to("out")
    with TopologyTestDriver(b.build()) as driver:
        topics = {"L": driver.create_input_topic("left"), "R": driver.create_input_topic("right")}
        for side, key, value, ts in events:
            topics[side].pipe_input(key, value, timestamp=ts)
        return [(r.key, r.value, r.timestamp) for r in driver.create_output_topic("out").read_records_to_list()]


def test_inner_stream_stream_join_within_the_window():
    out = stream_join("join", JoinWindows.of_time_difference_with_no_grace(10), [
        ("L", "A", "a1", 1), ("R", "A", "b1", 5), ("R", "A", "b2", 20), ("L", "A", "a2", 15),
        ("R", "B", "b3", 16),
    ])
    assert out == [("A", "a1/b1", 5), ("A", "a2/b1", 15), ("A", "a2/b2", 20)]


def test_left_stream_stream_join_emits_unmatched_left_records_when_the_window_closes():
    out = stream_join("left_join", JoinWindows.of_time_difference_with_no_grace(10), [
        ("L", "A", "a1", 1), ("L", "B", "b1", 2), ("R", "A", "r1", 3),
        ("R", "C", "r2", 5),     # right-only records never appear in a left join
        ("L", "D", "d1", 20),    # stream time 20 closes B's window (2 + 10): B is emitted
    ])
    assert out == [("A", "a1/r1", 3), ("B", "b1/None", 2)]


def test_outer_stream_stream_join_emits_both_sides_once_closed_with_grace():
    out = stream_join("outer_join", JoinWindows.of_time_difference_and_grace(5, 5), [
        ("L", "A", "a1", 0), ("R", "B", "b1", 1), ("L", "B", "b2", 4),
        ("R", "X", "x", 10),     # 0 + 5 + 5 = 10 is not yet past: A stays pending
        ("R", "X", "y", 11),     # now A's window has closed
    ])
    assert out == [("B", "b2/b1", 4), ("A", "a1/None", 0)]


def test_stream_table_join_and_left_join():
    b = StreamsBuilder()
    users = b.table("users", key_serde=S, value_serde=S, name="users-store")
    clicks = b.stream("clicks", key_serde=S, value_serde=S)
    clicks.join(users, lambda click, region: f"{click}@{region}").to("joined")
    clicks.left_join(users, lambda click, region: f"{click}@{region}").to("left-joined")
    with TopologyTestDriver(b.build()) as driver:
        u, c = driver.create_input_topic("users"), driver.create_input_topic("clicks")
        c.pipe_input("alice", "home", timestamp=1)
        u.pipe_input("alice", "asia", timestamp=2)
        c.pipe_input("alice", "cart", timestamp=3)
        u.pipe_input("alice", "europe", timestamp=4)
        c.pipe_input("alice", "pay", timestamp=5)
        assert driver.create_output_topic("joined").read_values_to_list() == ["cart@asia", "pay@europe"]
        assert driver.create_output_topic("left-joined").read_values_to_list() == [
            "home@None", "cart@asia", "pay@europe"]


def test_stream_join_with_a_rekeyed_stream_repartitions_first():
    b = StreamsBuilder()
    regions = b.table("regions", key_serde=S, value_serde=S)
    (b.stream("orders", key_serde=S, value_serde=Serdes.Json())
      .select_key(lambda k, v: v["user"])
      .join(regions, lambda order, region: f"{order['id']}:{region}")
      .to("out"))
    with TopologyTestDriver(b.build(), {"application.id": "j"}) as driver:
        driver.create_input_topic("regions").pipe_input("ann", "emea")
        driver.create_input_topic("orders").pipe_input("o1", {"id": "o1", "user": "ann"})
        assert driver.create_output_topic("out").read_key_value() == ("ann", "o1:emea")
        assert any(t.endswith("-repartition") for t in driver.produced_topic_names())


def test_stream_global_table_join_looks_up_by_any_key():
    b = StreamsBuilder()
    products = b.global_table("products", key_serde=S, value_serde=S, name="products")
    orders = b.stream("orders", key_serde=S, value_serde=Serdes.Json())
    orders.join(products, lambda k, order: order["product"],
                lambda order, name: f"{order['qty']} x {name}").to("out")
    orders.left_join(products, lambda k, order: order["product"],
                     lambda order, name: f"{order['qty']} x {name}").to("left-out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("products").pipe_input("p1", "apple")
        orders_in = driver.create_input_topic("orders")
        orders_in.pipe_input("o1", {"product": "p1", "qty": 2})
        orders_in.pipe_input("o2", {"product": "p9", "qty": 1})
        assert driver.create_output_topic("out").read_key_values_to_list() == [("o1", "2 x apple")]
        assert driver.create_output_topic("left-out").read_values_to_list() == ["2 x apple", "1 x None"]
        assert driver.get_key_value_store("products").get("p1") == "apple"


def table_join(how, events):
    b = StreamsBuilder()
    left = b.table("L", key_serde=S, value_serde=S)
    right = b.table("R", key_serde=S, value_serde=S)
    getattr(left, how)(right, lambda lv, rv: f"{lv}/{rv}").to_stream().to("out")
    with TopologyTestDriver(b.build()) as driver:
        topics = {"L": driver.create_input_topic("L"), "R": driver.create_input_topic("R")}
        for ts, (side, key, value) in enumerate(events):
            topics[side].pipe_input(key, value, timestamp=ts)
        return driver.create_output_topic("out").read_key_values_to_list()


def test_table_table_inner_join():
    assert table_join("join", [("L", "a", "1"), ("R", "a", "x"), ("L", "a", "2"), ("R", "a", None)]) == [
        ("a", "1/x"), ("a", "2/x"), ("a", None)]


def test_table_table_left_join():
    assert table_join("left_join", [("L", "a", "1"), ("R", "a", "x"), ("R", "a", None), ("L", "a", None),
                                    ("R", "b", "y")]) == [
        ("a", "1/None"), ("a", "1/x"), ("a", "1/None"), ("a", None)]


def test_table_table_outer_join():
    assert table_join("outer_join", [("R", "b", "y"), ("L", "b", "2"), ("R", "b", None), ("L", "b", None)]) == [
        ("b", "None/y"), ("b", "2/y"), ("b", "2/None"), ("b", None)]


def test_foreign_key_table_join_follows_both_sides():
    b = StreamsBuilder()
    orders = b.table("orders", key_serde=S, value_serde=Serdes.Json())
    products = b.table("products", key_serde=S, value_serde=S)
    (orders.join(products, lambda order: order["product"], lambda order, name: f"{order['qty']}x{name}")
           .to_stream().to("out"))
    with TopologyTestDriver(b.build(), {"application.id": "fk"}) as driver:
        o, p = driver.create_input_topic("orders"), driver.create_input_topic("products")
        out = driver.create_output_topic("out")
        p.pipe_input("p1", "apple")
        o.pipe_input("o1", {"product": "p1", "qty": 2})
        assert out.read_key_values_to_list() == [("o1", "2xapple")]
        p.pipe_input("p1", "pear")
        assert out.read_key_values_to_list() == [("o1", "2xpear")]
        o.pipe_input("o1", {"product": "p2", "qty": 2})   # no such product yet: no join result
        assert out.read_key_values_to_list() == [("o1", None)]
        p.pipe_input("p2", "fig")
        p.pipe_input("p1", "plum")                        # o1 no longer refers to p1
        assert out.read_key_values_to_list() == [("o1", "2xfig")]
        o.pipe_input("o1", None)
        assert out.read_key_values_to_list() == [("o1", None)]


def test_foreign_key_left_join_keeps_rows_without_a_match():
    b = StreamsBuilder()
    orders = b.table("orders", key_serde=S, value_serde=Serdes.Json())
    products = b.table("products", key_serde=S, value_serde=S)
    orders.left_join(products, lambda o: o["product"], lambda o, name: f"{o['qty']}x{name}").to_stream().to("out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("orders").pipe_input("o1", {"product": "p1", "qty": 3})
        driver.create_input_topic("products").pipe_input("p1", "kiwi")
        assert driver.create_output_topic("out").read_values_to_list() == ["3xNone", "3xkiwi"]
