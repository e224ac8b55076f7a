"""The conformance catalogue, airstream side: every case is written operator for operator as
``java/src/Catalogue.java`` writes it for Kafka Streams, under the same name.

Inputs are string keys and values (values are small numbers as text, or null); outputs have string
keys and string or long values, windowed keys written as ``key@start/end``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from events import Shape, Topic

from airstream import (
    JoinWindows,
    KGroupedStream,
    KStream,
    KTable,
    Serdes,
    SessionWindows,
    SlidingWindows,
    StreamsBuilder,
    TimeWindows,
    Windowed,
)

STREAM = (Topic("in"),)
# Time and session windows get no null values: Kafka Streams aggregates them, against its own
# javadoc and its sliding windows (docs/conformance.md); airstream ignores them.
WINDOWED = (Topic("in", null_values=False),)
TABLE = (Topic("in", table=True),)
TWO_STREAMS = (Topic("in"), Topic("in2"))
JOIN_STREAMS = (Topic("left"), Topic("right"))
JOIN_TABLES = (Topic("left", table=True), Topic("right", table=True))
# A foreign key, and a global table's key, are "K" + the value's number modulo 3.
FK_TABLES = (Topic("left", table=True), Topic("right", table=True, keys=("K0", "K1", "K2")))
STREAM_AND_TABLE = (Topic("in"), Topic("table", table=True))
STREAM_AND_GLOBAL = (Topic("in"), Topic("table", table=True, keys=("K0", "K1", "K2")))

LONG = Serdes.Long()
DEFAULT_SHAPE = Shape()
# Kafka Streams emits a closed window by fetching it from its store, so a window that leaves the
# store's retention before the next record never comes out (docs/conformance.md): emit-final runs
# move stream time on in steps shorter than that.
SHORT_STEPS = Shape(jump_ms=4_000, flush=(5, 4_000))


@dataclass(frozen=True)
class Case:
    """A topology with its inputs and outputs (topic -> ``"string"`` or ``"long"`` values)."""

    name: str
    build: Build
    inputs: tuple[Topic, ...] = STREAM
    outputs: dict[str, str] = field(default_factory=lambda: {"out": "string"})
    shape: Shape = DEFAULT_SHAPE


CASES: dict[str, Case] = {}


Build = Callable[[StreamsBuilder], None]


def case(name: str, inputs: tuple[Topic, ...] = STREAM, outputs: dict[str, str] | None = None,
         shape: Shape = DEFAULT_SHAPE) -> Callable[[Build], Build]:
    """Register the decorated topology as the case ``name``."""
    def register(build: Build) -> Build:
        CASES[name] = Case(name, build, inputs, outputs or {"out": "string"}, shape)
        return build
    return register


def num(v: str) -> int:
    return int(v)


def even(v: str | None) -> bool:
    return v is not None and num(v) % 2 == 0


def windowed(wk: Windowed[Any], _v: Any) -> str:
    return f"{wk.key}@{wk.window.start}/{wk.window.end}"


def text(v: Any) -> str:
    """``v`` as Java's string concatenation writes it (``null`` for ``None``)."""
    return "null" if v is None else str(v)


def joined(left: Any, right: Any) -> str:
    return f"{text(left)}+{text(right)}"


def plus(a: str, b: str) -> str:
    return str(num(a) + num(b))


def minus(a: str, b: str) -> str:
    return str(num(a) - num(b))


def stream(b: StreamsBuilder, topic: str = "in") -> KStream:
    return b.stream(topic)


def table(b: StreamsBuilder, topic: str = "in") -> KTable:
    return b.table(topic)


def grouped(b: StreamsBuilder) -> KGroupedStream:
    return stream(b).group_by_key()


def to_long(s: KStream, topic: str = "out") -> None:
    s.to(topic, value_serde=LONG)


# -- stateless ------------------------------------------------------------------------------------
@case("filter")
def _filter(b: StreamsBuilder) -> None:
    stream(b).filter(lambda k, v: even(v)).to("out")


@case("filter_not")
def _filter_not(b: StreamsBuilder) -> None:
    stream(b).filter_not(lambda k, v: even(v)).to("out")


@case("map")
def _map(b: StreamsBuilder) -> None:
    stream(b).map(lambda k, v: (v, k)).to("out")


@case("map_values")
def _map_values(b: StreamsBuilder) -> None:
    stream(b).map_values(lambda v: None if v is None else v + "!").to("out")


@case("flat_map")
def _flat_map(b: StreamsBuilder) -> None:
    stream(b).flat_map(lambda k, v: [] if v is None else [(k, v), (v if k is None else k + v, v)]).to("out")


@case("flat_map_values")
def _flat_map_values(b: StreamsBuilder) -> None:
    stream(b).flat_map_values(lambda v: [] if v is None else [v, v + v]).to("out")


@case("select_key")
def _select_key(b: StreamsBuilder) -> None:
    stream(b).select_key(lambda k, v: v).to("out")


@case("peek")
def _peek(b: StreamsBuilder) -> None:
    stream(b).peek(lambda k, v: None).to("out")


@case("split", outputs={"out-even": "string", "out-three": "string", "out-rest": "string"})
def _split(b: StreamsBuilder) -> None:
    branches = (stream(b).split(prefix="by-")
                .branch(lambda k, v: even(v), name="even")
                .branch(lambda k, v: v is not None and num(v) % 3 == 0, name="three")
                .default_branch(name="rest"))
    branches["by-even"].to("out-even")
    branches["by-three"].to("out-three")
    branches["by-rest"].to("out-rest")


@case("merge", inputs=TWO_STREAMS)
def _merge(b: StreamsBuilder) -> None:
    stream(b).merge(stream(b, "in2")).to("out")


@case("repartition")
def _repartition(b: StreamsBuilder) -> None:
    stream(b).repartition(name="spread").map_values(lambda v: None if v is None else v + "!").to("out")


@case("select_key_count", outputs={"out": "long"})
def _select_key_count(b: StreamsBuilder) -> None:
    to_long(stream(b).select_key(lambda k, v: v).group_by_key().count().to_stream())


# -- tables -----------------------------------------------------------------------------------------
@case("table_filter", inputs=TABLE)
def _table_filter(b: StreamsBuilder) -> None:
    table(b).filter(lambda k, v: even(v)).to_stream().to("out")


@case("table_filter_not", inputs=TABLE)
def _table_filter_not(b: StreamsBuilder) -> None:
    table(b).filter_not(lambda k, v: even(v)).to_stream().to("out")


@case("table_map_values", inputs=TABLE)
def _table_map_values(b: StreamsBuilder) -> None:
    table(b).map_values(lambda v: v + "!").to_stream().to("out")


@case("table_to_stream", inputs=TABLE)
def _table_to_stream(b: StreamsBuilder) -> None:
    table(b).to_stream().to("out")


@case("merge_to_table", inputs=TWO_STREAMS)
def _merge_to_table(b: StreamsBuilder) -> None:
    stream(b).merge(stream(b, "in2")).to_table().to_stream().to("out")


# -- aggregations -----------------------------------------------------------------------------------
@case("stream_count", outputs={"out": "long"})
def _stream_count(b: StreamsBuilder) -> None:
    to_long(stream(b).group_by(lambda k, v: v).count().to_stream())


@case("stream_reduce")
def _stream_reduce(b: StreamsBuilder) -> None:
    grouped(b).reduce(lambda agg, v: agg + v).to_stream().to("out")


@case("stream_aggregate")
def _stream_aggregate(b: StreamsBuilder) -> None:
    grouped(b).aggregate(lambda: "", lambda k, v, agg: agg + k + v).to_stream().to("out")


def _by_number(k: str, v: str) -> tuple[str, str]:
    return str(num(v) % 3), v


@case("table_group_count", inputs=TABLE, outputs={"out": "long"})
def _table_group_count(b: StreamsBuilder) -> None:
    to_long(table(b).group_by(_by_number).count().to_stream())


@case("table_group_reduce", inputs=TABLE)
def _table_group_reduce(b: StreamsBuilder) -> None:
    table(b).group_by(_by_number).reduce(plus, minus).to_stream().to("out")


@case("table_group_aggregate", inputs=TABLE)
def _table_group_aggregate(b: StreamsBuilder) -> None:
    (table(b).group_by(_by_number)
     .aggregate(lambda: "0", lambda k, v, agg: plus(agg, v), lambda k, v, agg: minus(agg, v))
     .to_stream().to("out"))


# -- windows ----------------------------------------------------------------------------------------
TUMBLING = TimeWindows.of_size_and_grace(10_000, 2_000)
HOPPING = TimeWindows.of_size_and_grace(10_000, 3_000).advance_by(5_000)
SLIDING = SlidingWindows.of_time_difference_and_grace(5_000, 3_000)
SESSIONS = SessionWindows.of_inactivity_gap_and_grace(3_000, 2_000)


@case("tumbling_count", inputs=WINDOWED, outputs={"out": "long"})
def _tumbling_count(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(TUMBLING).count().to_stream().select_key(windowed))


@case("hopping_aggregate", inputs=WINDOWED)
def _hopping_aggregate(b: StreamsBuilder) -> None:
    (grouped(b).windowed_by(HOPPING).aggregate(lambda: "", lambda k, v, agg: agg + v)
     .to_stream().select_key(windowed).to("out"))


@case("sliding_count", outputs={"out": "long"})
def _sliding_count(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(SLIDING).count().to_stream().select_key(windowed))


@case("sliding_reduce")
def _sliding_reduce(b: StreamsBuilder) -> None:
    grouped(b).windowed_by(SLIDING).reduce(lambda agg, v: agg + v).to_stream().select_key(windowed).to("out")


@case("session_count", inputs=WINDOWED, outputs={"out": "long"})
def _session_count(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(SESSIONS).count().to_stream().select_key(windowed))


@case("session_reduce", inputs=WINDOWED)
def _session_reduce(b: StreamsBuilder) -> None:
    grouped(b).windowed_by(SESSIONS).reduce(lambda agg, v: agg + v).to_stream().select_key(windowed).to("out")


@case("tumbling_suppress", inputs=WINDOWED, outputs={"out": "long"})
def _tumbling_suppress(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(TUMBLING).count().suppress(until_window_closes=True)
            .to_stream().select_key(windowed))


@case("session_suppress", inputs=WINDOWED, outputs={"out": "long"})
def _session_suppress(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(SESSIONS).count().suppress(until_window_closes=True)
            .to_stream().select_key(windowed))


@case("tumbling_emit_final", inputs=WINDOWED, outputs={"out": "long"}, shape=SHORT_STEPS)
def _tumbling_emit_final(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(TUMBLING).emit_final().count().to_stream().select_key(windowed))


@case("sliding_emit_final", outputs={"out": "long"}, shape=SHORT_STEPS)
def _sliding_emit_final(b: StreamsBuilder) -> None:
    to_long(grouped(b).windowed_by(SLIDING).emit_final().count().to_stream().select_key(windowed))


# -- joins ------------------------------------------------------------------------------------------
@case("stream_table_join", inputs=STREAM_AND_TABLE)
def _stream_table_join(b: StreamsBuilder) -> None:
    stream(b).join(table(b, "table"), joined).to("out")


@case("stream_table_left_join", inputs=STREAM_AND_TABLE)
def _stream_table_left_join(b: StreamsBuilder) -> None:
    stream(b).left_join(table(b, "table"), joined).to("out")


def _global_key(k: str, v: str | None) -> str | None:
    return None if v is None else f"K{num(v) % 3}"


@case("stream_global_join", inputs=STREAM_AND_GLOBAL)
def _stream_global_join(b: StreamsBuilder) -> None:
    stream(b).join(b.global_table("table"), _global_key, joined).to("out")


@case("stream_global_left_join", inputs=STREAM_AND_GLOBAL)
def _stream_global_left_join(b: StreamsBuilder) -> None:
    stream(b).left_join(b.global_table("table"), _global_key, joined).to("out")


SYMMETRIC = JoinWindows.of_time_difference_and_grace(5_000, 2_000)
ASYMMETRIC = JoinWindows.of_time_difference_and_grace(5_000, 2_000).before(2_000).after(6_000)


def _stream_joins(suffix: str, windows: JoinWindows) -> None:
    @case(f"stream_stream_join{suffix}", inputs=JOIN_STREAMS)
    def inner(b: StreamsBuilder) -> None:
        stream(b, "left").join(stream(b, "right"), joined, windows).to("out")

    @case(f"stream_stream_left_join{suffix}", inputs=JOIN_STREAMS)
    def left(b: StreamsBuilder) -> None:
        stream(b, "left").left_join(stream(b, "right"), joined, windows).to("out")

    @case(f"stream_stream_outer_join{suffix}", inputs=JOIN_STREAMS)
    def outer(b: StreamsBuilder) -> None:
        stream(b, "left").outer_join(stream(b, "right"), joined, windows).to("out")


_stream_joins("", SYMMETRIC)
_stream_joins("_asymmetric", ASYMMETRIC)


@case("table_table_join", inputs=JOIN_TABLES)
def _table_table_join(b: StreamsBuilder) -> None:
    table(b, "left").join(table(b, "right"), joined).to_stream().to("out")


@case("table_table_left_join", inputs=JOIN_TABLES)
def _table_table_left_join(b: StreamsBuilder) -> None:
    table(b, "left").left_join(table(b, "right"), joined).to_stream().to("out")


@case("table_table_outer_join", inputs=JOIN_TABLES)
def _table_table_outer_join(b: StreamsBuilder) -> None:
    table(b, "left").outer_join(table(b, "right"), joined).to_stream().to("out")


def _foreign_key(v: str) -> str:
    return f"K{num(v) % 3}"


@case("fk_join", inputs=FK_TABLES)
def _fk_join(b: StreamsBuilder) -> None:
    table(b, "left").join(table(b, "right"), _foreign_key, joined).to_stream().to("out")


@case("fk_left_join", inputs=FK_TABLES)
def _fk_left_join(b: StreamsBuilder) -> None:
    table(b, "left").left_join(table(b, "right"), _foreign_key, joined).to_stream().to("out")
