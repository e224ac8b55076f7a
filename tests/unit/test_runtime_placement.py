"""The foreign-key join placement check (issue #18) without a broker: which topics it watches,
what it counts, and that it warns once per topic and then stops."""

from __future__ import annotations

import logging

import pytest

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.compile import compile_topology
from airstream.topology.partitioner import partition_for
from airstream.topology.records import InputRecord
from airstream.topology.runtime.placement import PlacementCheck, fk_join_topics

N = 4


def _fk_plan():  # type: ignore[no-untyped-def]
    b = StreamsBuilder()
    orders = b.table("orders", key_serde=Serdes.String(), value_serde=Serdes.Json())
    customers = (b.stream("customers", key_serde=Serdes.String(), value_serde=Serdes.Json())
                 .filter(lambda k, v: True).to_table())
    b.stream("clicks").to("clicks-out")
    orders.join(customers, lambda o: o["c"], lambda o, c: (o, c)).to_stream().to("out")
    return compile_topology(b.build(), {"application.id": "app"})


def _run(topic: str, partition: int, keys: list[bytes | None], value: bytes | None = b"v") -> list[InputRecord]:
    return [InputRecord(topic, partition, i, 0, k, value) for i, k in enumerate(keys)]


def _keys_on(partition: int, count: int, placed_right: bool) -> list[bytes]:
    keys = (f"k{i}".encode() for i in range(100_000))
    return [k for k in keys if (partition_for(k, N) == partition) == placed_right][:count]


def test_watches_both_tables_of_a_foreign_key_join_through_stateless_steps_and_nothing_else() -> None:
    readers = fk_join_topics(_fk_plan())
    assert sorted(readers) == ["customers", "orders"]
    assert readers["customers"].startswith("the right-hand table of the foreign-key join 'KTABLE-FK-JOIN-")
    assert readers["customers"].endswith("(orders -> customers)")


def test_no_check_without_a_foreign_key_join_or_with_single_partition_topics() -> None:
    b = StreamsBuilder()
    b.stream("in").filter(lambda k, v: True).to("out")
    assert PlacementCheck.of(compile_topology(b.build(), {"application.id": "a"}), {"in": N}) is None
    assert PlacementCheck.of(_fk_plan(), {"orders": 1, "customers": 1, "clicks": 4}) is None


def test_warns_once_with_counts_example_and_fix_then_stops(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airstream.topology.runtime")
    check = PlacementCheck.of(_fk_plan(), {"orders": N, "customers": N, "clicks": N})
    assert check is not None and check.topics == ["customers", "orders"]
    wrong = _keys_on(1, 3, placed_right=False)
    check.check(_run("clicks", 1, wrong))  # not watched
    check.check(_run("customers", 1, [*wrong[:1], None]))  # a null key is skipped
    check.check(_run("customers", 1, wrong[1:], value=None))  # tombstones are skipped
    check.check(_run("customers", 2, _keys_on(2, 5, placed_right=True)))
    check.check(_run("customers", 3, _keys_on(3, 2, placed_right=False)))
    assert not check.end_batch()
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith("topic 'customers' is not partitioned the way foreign-key joins need: "
                              "3 of 8 keyed record(s) checked are on another partition than murmur2(key) % 4 "
                              f"(e.g. key {wrong[0]!r} is on partition 1, murmur2 puts it on "
                              f"{partition_for(wrong[0], N)}). It is the right-hand table of the foreign-key join ")
    assert message.endswith("which will miss matches. Fix: produce it with partitioner=murmur2_random, "
                            "as Java clients and `airstream replay` do, then re-produce the topic")
    assert check.topics == ["orders"]
    check.check(_run("customers", 1, wrong))
    assert not check.end_batch()
    assert len(caplog.records) == 1


def test_checks_only_the_first_records_of_each_partition_and_says_nothing_when_all_are_right(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airstream.topology.runtime")
    check = PlacementCheck({"orders": "the left-hand table of x"}, {"orders": N}, limit=5)
    for p in range(N):
        assert check.topics == ["orders"]
        right = _keys_on(p, 5, placed_right=True)
        check.check(_run("orders", p, right + _keys_on(p, 1, placed_right=False)))  # the 6th is past the limit
        done = check.end_batch()
    assert done and check.topics == []
    assert caplog.records == []


def test_long_keys_are_shown_truncated(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airstream.topology.runtime")
    check = PlacementCheck({"t": "the right-hand table of x"}, {"t": N})
    key = next(k for k in (b"x" * 100 + str(i).encode() for i in range(100)) if partition_for(k, N) != 0)
    check.check(_run("t", 0, [key]))
    check.end_batch()
    [record] = caplog.records
    assert f"key {repr(key)[:37]}... is on partition 0" in record.getMessage()
