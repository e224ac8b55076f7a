"""Traces of embedded runs: named producers, the groups that consume their records and what those groups
forward give the same hops, paths, counts and latencies as traced clients on Kafka."""

from __future__ import annotations

import pytest
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.traces import TracesScreen
from airstream.monitor.sources import EmbeddedSource, EmbeddedTraceReader
from airstream.monitor.traces import TraceAccumulator
from airstream.monitor.widgets.live_table import LiveTable
from airstream.topology import StreamsBuilder
from airstream.topology.engine.cluster import EmbeddedCluster
from airstream.topology.engine.embedded import EmbeddedEngine
from airstream.topology.tracing import TRACE_HEADER, decode_trace, new_trace

MIN = 60_000
T0 = 1_764_150_000.0  # seconds: the produce time in the tests


class Clock:
    """Wall-clock time for the cluster, set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def two_steps() -> StreamsBuilder:
    """in -> upper-case -> mid; mid -> drop "B" -> out: two sub-topologies of one application."""
    b = StreamsBuilder()
    b.stream("in").map_values(str.upper, name="upper").to("mid")
    b.stream("mid").filter(lambda k, v: v != "B", name="no-b").to("out")
    return b


def run_two_steps(clock: Clock, values: str = "abcab", partitions: int = 1) -> EmbeddedCluster:
    """Replay ``values`` (one a minute) at T0, run the application at T0 + 0.25 s."""
    cluster = EmbeddedCluster(clock=clock)
    engine = EmbeddedEngine(two_steps().build(), {"application.id": "app"}, cluster=cluster,
                            partitions={"in": partitions})
    replay = cluster.producer("replay")
    for i, v in enumerate(values):
        replay.produce("in", f"k{i}".encode(), v.encode(), timestamp=MIN * i)
    clock.now = T0 + 0.25
    engine.run_until_idle()
    return cluster


def test_two_step_topology_gives_each_hop_and_the_path_with_counts_and_latency() -> None:
    clock = Clock(T0)
    cluster = run_two_steps(clock)
    clock.now = T0 + 2.0  # a second application reads the output later
    b = StreamsBuilder()
    b.stream("out").to("final")
    EmbeddedEngine(b.build(), {"application.id": "audit"}, cluster=cluster).run_until_idle()

    model = EmbeddedTraceReader(cluster.view(), clock=clock).refresh()
    assert [(h.text, h.hop, h.produced, h.consumed) for h in model.hops] == [
        ("replay -> in -> app", 0, 5, 5),
        ("app -> mid -> app", 1, 5, 5),
        ("app -> out -> audit", 2, 3, 3),  # the filter dropped both "B"s
        ("audit -> final -> (no reader)", 3, 3, 0),
    ]
    first, second, third, _last = model.hops
    # Hop latency: from this hop's produce to the group's fetch; end to end: from the replay's produce.
    assert (first.latency.min_ms, first.latency.max_ms) == (250, 250)
    assert (second.latency.max_ms, second.e2e.max_ms) == (0, 250)
    assert (third.latency.max_ms, third.e2e.max_ms, third.e2e.count) == (1750, 2000, 3)
    assert [(m.minute * 1000, m.produced, m.consumed) for m in third.minutes] == [(0, 1, 1), (2 * MIN, 1, 1),
                                                                                 (3 * MIN, 1, 1)]
    assert first.producers == ("replay",) and first.consumers == ("app-embedded-consumer",)
    assert third.producers == ("app-embedded-producer",)

    [path] = model.paths
    assert path.text == "replay -> in -> app -> mid -> app -> out -> audit -> final -> (no reader)"
    assert path.hops[2].e2e.p99_ms == 2000
    assert [(p.client_id, p.produced) for p in model.producers] == [
        ("app-embedded-producer", 8), ("audit-embedded-producer", 3), ("replay", 5)]
    assert all(p.active for p in model.producers)


def test_forwarded_records_carry_the_trace_header_as_on_kafka() -> None:
    cluster = run_two_steps(Clock(T0))
    out = cluster.read("out", 0, 0)
    traces = [decode_trace(dict(r.headers)[TRACE_HEADER]) for r in out]
    assert [r.value for r in out] == [b"A", b"C", b"A"]
    assert {(t.origin, t.hop, t.via, t.origin_ms, t.hop_ms) for t in traces} == {
        ("replay", 2, "app", int(T0 * 1000), int(T0 * 1000) + 250)}


def test_counts_per_partition_and_a_group_that_is_behind() -> None:
    clock = Clock(T0)
    cluster = run_two_steps(clock, values="abcabcab", partitions=3)
    reader = EmbeddedTraceReader(cluster.view(), clock=clock)
    assert reader.refresh().hop("replay", "in", "app").missing == 0
    for i in range(4):  # produced, not processed yet
        cluster.producer("replay").produce("in", f"late{i}".encode(), b"d", timestamp=MIN * 10)

    model = reader.refresh()
    hop = model.hop("replay", "in", "app")
    assert (hop.produced, hop.consumed, hop.missing) == (12, 8, 4)
    assert [(m.minute * 1000, m.produced, m.consumed) for m in hop.minutes][-1] == (10 * MIN, 4, 0)
    [replay] = [p for p in model.producers if p.client_id == "replay"]
    written = {p for r in cluster.view().topic("in").partitions for p in [r.partition] if r.high_watermark}
    assert set(replay.topics[0].partitions) == written and len(written) > 1
    # Reading again adds nothing twice: metrics records are deltas, each read once.
    assert reader.refresh().hop("replay", "in", "app").produced == 12


def test_records_of_anonymous_producers_are_not_traced() -> None:
    cluster = EmbeddedCluster()
    engine = EmbeddedEngine(two_steps().build(), {"application.id": "app"}, cluster=cluster)
    for v in "abc":
        cluster.produce("in", None, v.encode())
    engine.run_until_idle()
    assert [r.headers for r in cluster.read("out", 0, 0)] == [(), ()]
    assert cluster.view().trace_records() == []
    model = EmbeddedTraceReader(cluster.view()).refresh()
    assert model.hops == () and "no traces yet" in model.messages[0].text


def test_untraced_records_among_traced_ones_show_as_an_unknown_writer() -> None:
    cluster = EmbeddedCluster()
    cluster.producer("replay").produce("in", None, b"a")
    cluster.produce("in", None, b"x")  # an anonymous producer writes into the same partition
    EmbeddedEngine(two_steps().build(), {"application.id": "app"}, cluster=cluster).run_until_idle()
    model = EmbeddedTraceReader(cluster.view()).refresh()
    assert {(h.writer, h.produced, h.consumed) for h in model.hops_for(topic="in")} == {("replay", 1, 1),
                                                                                         ("?", None, 1)}
    assert model.hop("app", "out", None).produced == 1  # only the traced record is followed further


def test_a_record_that_already_carries_a_trace_keeps_it() -> None:
    cluster = EmbeddedCluster(clock=Clock(T0))
    header = new_trace("upstream", now_ms=int(T0 * 1000) - 5_000)
    cluster.producer("bridge").produce("in", None, b"a", headers=[(TRACE_HEADER, header), ("lang", b"en")])
    record = cluster.read("in", 0, 0)[0]
    assert record.headers == [(TRACE_HEADER, header), ("lang", b"en")]
    cluster.commit("app", {("in", 0): 1})
    hop = EmbeddedTraceReader(cluster.view()).refresh().hops[0]
    assert (hop.origin, hop.producers, hop.latency.max_ms) == ("upstream", ("bridge",), 5_000)


def test_metrics_records_have_the_shape_the_kafka_clients_publish() -> None:
    cluster = run_two_steps(Clock(T0))
    records = cluster.view().trace_records()
    assert {(r["kind"], r["client_id"], r["group"]) for r in records} == {
        ("producer", "replay", None), ("producer", "app-embedded-producer", None),
        ("consumer", "app-embedded-consumer", "app")}
    consumer = next(r for r in records if r["kind"] == "consumer")
    assert consumer["sample_rate"] == 100  # trace headers read a second, as the Kafka runtime's default
    assert sum(r["count"] for r in consumer["rows"] if r["topic"] == "in") == 5
    acc = TraceAccumulator(window=1e12)  # what airmon does with records read from __airstream_metrics
    for r in records:
        acc.add(r)
    assert [h.text for h in acc.model(now=T0).hops] == [h.text for h in
                                                        EmbeddedTraceReader(cluster.view()).refresh().hops]


def test_a_producer_needs_a_client_id() -> None:
    with pytest.raises(ValueError, match="needs a client id"):
        EmbeddedCluster().producer("")


@pytest.mark.asyncio
async def test_traces_screen_of_an_embedded_run_lists_the_hops_and_the_path() -> None:
    cluster = run_two_steps(Clock(T0))
    view = cluster.view()
    app = AirmonApp(EmbeddedSource(view), refresh_interval=3600, trace_reader=EmbeddedTraceReader(view))
    async with running(app, refreshes=1, size=(160, 40)) as pilot:
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, TracesScreen)
        table = app.screen.query_one("#hops", LiveTable)
        assert table.row_keys == ["replay|0||in|app", "replay|1|app|mid|app", "replay|2|app|out|"]
        assert table.cells("replay|2|app|out|")[:6] == ["app", "out", "(no reader)", "2", "3", "0"]
        text = screen_text(app)
        assert "replay -> in -> app -> mid -> app -> out -> (no reader)" in text


def test_headers_given_as_a_mapping_are_kept_next_to_the_trace() -> None:
    cluster = EmbeddedCluster()
    cluster.producer("replay").produce("in", None, b"a", headers={"lang": b"en"})
    cluster.produce("in", None, b"b", headers={"lang": b"fr"})
    EmbeddedEngine(two_steps().build(), {"application.id": "app"}, cluster=cluster).run_until_idle()
    a, b = cluster.read("mid", 0, 0)
    assert [k for k, _ in a.headers] == [TRACE_HEADER, "lang"] and dict(a.headers)["lang"] == b"en"
    assert dict(b.headers) == {"lang": b"fr"}
    model = EmbeddedTraceReader(cluster.view()).refresh()
    assert (model.hop("replay", "in", "app").consumed, model.hop("?", "in", "app").consumed) == (1, 1)


def test_reading_every_header_counts_each_path_exactly_while_a_group_is_behind() -> None:
    cluster = EmbeddedCluster(trace_sample_rate=None)
    a, b = cluster.producer("replay-a"), cluster.producer("replay-b")
    for _ in range(4):
        a.produce("in", None, b"a")
        b.produce("in", None, b"b")
    cluster.commit("app", {("in", 0): 3})  # read a, b, a
    model = EmbeddedTraceReader(cluster.view()).refresh()
    assert [(h.writer, h.produced, h.consumed, h.missing) for h in model.hops] == [("replay-a", 4, 2, 2),
                                                                                   ("replay-b", 4, 1, 3)]
    assert cluster.view().trace_records()[-1]["sample_rate"] is None
