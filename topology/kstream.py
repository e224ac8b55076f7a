"""Record streams: :class:`KStream` and the branches of :meth:`KStream.split`.

>>> from airstream.topology import StreamsBuilder
>>> s = StreamsBuilder().stream("t")
>>> s.filter(lambda k, v: v).map_values(str.upper)
KStream(KSTREAM-MAPVALUES-0000000002)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airstream.topology import operators as ops
from airstream.topology.graph import Node, StoreSpec
from airstream.topology.grouped import KGroupedStream
from airstream.topology.ktable import GlobalKTable, KTable
from airstream.topology.processor import StoreBuilder
from airstream.topology.serde_defaults import as_serde
from airstream.topology.serdes import Serde
from airstream.topology.state import LeftOrRightSerde
from airstream.topology.windows import JoinWindows

if TYPE_CHECKING:
    from airstream.topology.builder import StreamsBuilder

__all__ = ["BranchedKStream", "KStream"]

_GENERATED = re.compile(r"KSTREAM.*-[0-9]{10}")


class KStream:
    """A record stream. Every method returns a new stream (or table) and leaves this one as is.

    Callables take ``(key, value)`` as in Kafka Streams, except value-only operators
    (``map_values``, ``flat_map_values``) which take the value.
    """

    def __init__(self, builder: StreamsBuilder, node: Node, key_serde: Serde[Any] | None,
                 value_serde: Serde[Any] | None, repartition_required: bool = False) -> None:
        self._b = builder
        self._g = builder.graph
        self.node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._repartition_required = repartition_required

    def __repr__(self) -> str:
        return f"KStream({self.node.name})"

    def _stateless(self, prefix: str, op: ops.Stateless, name: str | None, key_serde: Any,
                   value_serde: Any, rekeyed: bool = False) -> KStream:
        node = self._g.add_processor(name or self._g.new_name(prefix), op, [self.node])
        return KStream(self._b, node, key_serde, value_serde, self._repartition_required or rekeyed)

    # -- stateless ---------------------------------------------------------------------
    def filter(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KStream:
        """Keep records for which ``predicate(key, value)`` is true."""
        return self._stateless("KSTREAM-FILTER-", ops.Stateless("filter", predicate), name,
                               self.key_serde, self.value_serde)

    def filter_not(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KStream:
        """Drop records for which ``predicate(key, value)`` is true."""
        return self._stateless("KSTREAM-FILTER-", ops.Stateless("filter_not", predicate), name,
                               self.key_serde, self.value_serde)

    def map(self, mapper: Callable[[Any, Any], tuple[Any, Any]], name: str | None = None) -> KStream:
        """Replace each record by ``mapper(key, value) -> (new_key, new_value)``."""
        return self._stateless("KSTREAM-MAP-", ops.Stateless("map", mapper), name, None, None,
                               rekeyed=True)

    def map_values(self, mapper: Callable[[Any], Any], name: str | None = None) -> KStream:
        """Replace each value by ``mapper(value)``; the key is unchanged."""
        return self._stateless("KSTREAM-MAPVALUES-", ops.Stateless("map_values", mapper), name,
                               self.key_serde, None)

    def flat_map(self, mapper: Callable[[Any, Any], Iterable[tuple[Any, Any]]],
                 name: str | None = None) -> KStream:
        """Replace each record by zero or more ``(key, value)`` pairs."""
        return self._stateless("KSTREAM-FLATMAP-", ops.Stateless("flat_map", mapper), name, None,
                               None, rekeyed=True)

    def flat_map_values(self, mapper: Callable[[Any], Iterable[Any]],
                        name: str | None = None) -> KStream:
        """Replace each value by zero or more values, each with the original key."""
        return self._stateless("KSTREAM-FLATMAPVALUES-", ops.Stateless("flat_map_values", mapper),
                               name, self.key_serde, None)

    def select_key(self, mapper: Callable[[Any, Any], Any], name: str | None = None) -> KStream:
        """Set a new key ``mapper(key, value)``; a later stateful operator repartitions."""
        return self._stateless("KSTREAM-KEY-SELECT-", ops.Stateless("select_key", mapper), name,
                               None, self.value_serde, rekeyed=True)

    def peek(self, action: Callable[[Any, Any], None], name: str | None = None) -> KStream:
        """Call ``action(key, value)`` for each record and pass it on unchanged."""
        return self._stateless("KSTREAM-PEEK-", ops.Stateless("peek", action), name,
                               self.key_serde, self.value_serde)

    def foreach(self, action: Callable[[Any, Any], None], name: str | None = None) -> None:
        """Call ``action(key, value)`` for each record (a terminal operation)."""
        self._stateless("KSTREAM-FOREACH-", ops.Stateless("foreach", action), name, None, None)

    def merge(self, other: KStream, name: str | None = None) -> KStream:
        """Interleave this stream and ``other``."""
        node = self._g.add_processor(name or self._g.new_name("KSTREAM-MERGE-"),
                                     ops.Stateless("pass", None), [self.node, other.node])
        same = self.key_serde is other.key_serde and self.value_serde is other.value_serde
        return KStream(self._b, node, self.key_serde if same else None,
                       self.value_serde if same else None,
                       self._repartition_required or other._repartition_required)

    def split(self, prefix: str = "", name: str | None = None) -> BranchedKStream:
        """Route each record to the first branch whose predicate matches.

        >>> from airstream.topology import StreamsBuilder
        >>> s = StreamsBuilder().stream("t")
        >>> sorted(s.split(prefix="p-").branch(lambda k, v: v > 0, name="pos")
        ...         .default_branch(name="rest"))
        ['p-pos', 'p-rest']
        """
        return BranchedKStream(self, prefix or name)

    def to(self, topic: str | Callable[[Any, Any, Any], str], key_serde: Serde[Any] | str | None = None,
           value_serde: Serde[Any] | str | None = None, name: str | None = None) -> None:
        """Write the stream to ``topic``, or to ``topic(key, value, record_context)``."""
        self._g.add_sink(name or self._g.new_name("KSTREAM-SINK-"), topic, self.node,
                         as_serde(key_serde) or self.key_serde, as_serde(value_serde) or self.value_serde)

    def process(self, processor_factory: Callable[[], Any],
                stores: Iterable[str | StoreBuilder] = (), name: str | None = None) -> KStream:
        """Run a custom :class:`~airstream.topology.processor.Processor` made by ``processor_factory()``.

        ``stores`` are store names added with :meth:`StreamsBuilder.add_state_store` or
        :class:`~airstream.topology.processor.Stores` builders (added here).
        """
        names = []
        for store in stores:
            if isinstance(store, StoreBuilder):
                self._b.add_state_store(store)
                names.append(store.name)
            else:
                names.append(store)
        node = self._g.add_processor(name or self._g.new_name("KSTREAM-PROCESSOR-"),
                                     ops.CustomProcessor(processor_factory, names), [self.node],
                                     names)
        return KStream(self._b, node, None, None, True)

    # -- batch operators (airstream.topology.operators.batch) ------------------------------------
    def map_values_batch(self, mapper: Callable[[list[Any]], Sequence[Any]], name: str | None = None,
                         max_batch: int = 1000) -> KStream:
        """Replace the values of a whole batch at once: ``mapper(values)`` returns one new value each.

        For work that costs per call (a model endpoint, a lookup service). The task hands each
        batch on before the engine commits it, so nothing is left behind in a buffer.

        >>> from airstream.topology import StreamsBuilder
        >>> s = StreamsBuilder().stream("t").map_values_batch(lambda vs: [v * 2 for v in vs])
        """
        def per_batch(values: list[Any]) -> dict[str, list[tuple[int, Any]]]:
            out = mapper(values)
            if len(out) != len(values):
                raise ValueError(f"map_values_batch: the mapper returned {len(out)} values for "
                                 f"{len(values)} records; return exactly one value per record")
            return {"": list(enumerate(out))}
        node = self._g.add_processor(name or self._g.new_name("KSTREAM-MAPVALUES-BATCH-"),
                                     ops.BatchRoute(per_batch, max_batch, tagged=False),
                                     [self.node])
        return KStream(self._b, node, self.key_serde, None, self._repartition_required)

    def route_batch(self, router: ops.BatchFn, routes: Sequence[str], name: str | None = None,
                    max_batch: int = 1000) -> dict[str, KStream]:
        """Route a batch at once: ``router(values)`` returns ``{route: [(index, new_value), ...]}``.

        Each pair sends the record at ``index`` (key, timestamp and headers kept) with
        ``new_value`` to the stream of that route; a record may go to several routes or none.
        Returns one stream per name in ``routes`` (a route the router answers but ``routes`` does
        not name is an error for that batch, handled by the processing-error handler).

        >>> from airstream.topology import StreamsBuilder
        >>> s = StreamsBuilder().stream("t")
        >>> sorted(s.route_batch(lambda vs: {"all": list(enumerate(vs))}, ["all"], name="r"))
        ['all']
        """
        known = list(routes)
        if not known or len(set(known)) != len(known):
            raise ValueError(f"route_batch needs distinct route names, got {known!r}")

        def checked(values: list[Any]) -> Mapping[str, Any]:
            out = router(values)
            unknown = sorted(set(out) - set(known))
            if unknown:
                raise ValueError(f"route_batch: router answered route(s) {unknown} not in {known}")
            return out
        base = name or self._g.new_name("KSTREAM-ROUTE-BATCH-")
        node = self._g.add_processor(base, ops.BatchRoute(checked, max_batch, tagged=True),
                                     [self.node])
        tagged = KStream(self._b, node, self.key_serde, None, self._repartition_required)
        return {route: tagged.flat_map_values(ops.route_value(route), name=f"{base}-{route}")
                for route in known}

    def to_sink(self, sink: Any, name: str | None = None, max_batch: int = 10_000) -> None:
        """Write the stream to a :class:`airstream.common.sink.Sink` (Parquet, Kudu, HBase, Slack, ...).

        The sink's ``flush()`` runs before the batch's offsets are committed, on either engine,
        so an offset is committed only once its record is durable in the target. Records the sink
        rejects go to the processing-error handler (the dead-letter topic when configured).
        The sink is flushed once per batch the engine hands a task (``max.poll.records`` on Kafka),
        so for file sinks the batch size sets the smallest file size.
        """
        self._g.add_processor(name or self._g.new_name("KSTREAM-SINK-WRITE-"),
                              ops.SinkWrite(sink, max_batch), [self.node])

    # -- repartitioning ------------------------------------------------------------------
    def _repartition_node(self, prefix: str, num_partitions: int | None, key_serde: Any,
                          value_serde: Any) -> Node:
        topic = prefix if prefix.endswith("-repartition") else f"{prefix}-repartition"
        gen_sink = self._g.new_name("KSTREAM-SINK-")
        gen_filter = self._g.new_name("KSTREAM-FILTER-")
        gen_source = self._g.new_name("KSTREAM-SOURCE-")
        if _GENERATED.fullmatch(prefix):
            sink_name, filter_name, source_name = gen_sink, gen_filter, gen_source
        else:
            sink_name, filter_name, source_name = (f"{topic}-sink", f"{topic}-filter",
                                                   f"{topic}-source")
        self._g.add_repartition_topic(topic, num_partitions)
        # Records without a key cannot be routed; StreamsBuilder.build() lets them through where a
        # left or outer join downstream needs them.
        filt = self._g.add_processor(filter_name, ops.Stateless("filter", ops.key_not_none), [self.node])
        self._g.add_sink(sink_name, topic, filt, key_serde, value_serde, internal=True)
        return self._g.add_source([topic], source_name, key_serde, value_serde, internal=True)

    def repartition(self, name: str | None = None, num_partitions: int | None = None,
                    key_serde: Serde[Any] | str | None = None,
                    value_serde: Serde[Any] | str | None = None) -> KStream:
        """Write through an internal ``<application.id>-<name>-repartition`` topic."""
        if num_partitions is not None and num_partitions < 1:
            raise ValueError(f"repartition(num_partitions={num_partitions}): a topic needs at least 1 "
                             "partition; pass None to use the upstream topic's count")
        prefix = name or self._g.new_name("KSTREAM-REPARTITION-")
        ks, vs = as_serde(key_serde) or self.key_serde, as_serde(value_serde) or self.value_serde
        node = self._repartition_node(prefix, num_partitions, ks, vs)
        return KStream(self._b, node, ks, vs, False)

    def _copartitioned(self, prefix: str) -> KStream:
        if not self._repartition_required:
            return self
        node = self._repartition_node(prefix, None, self.key_serde, self.value_serde)
        return KStream(self._b, node, self.key_serde, self.value_serde, False)

    # -- grouping and tables -------------------------------------------------------------
    def group_by_key(self, key_serde: Serde[Any] | str | None = None,
                     value_serde: Serde[Any] | str | None = None,
                     name: str | None = None) -> KGroupedStream:
        """Group by the current key (repartitioning first if the key was changed)."""
        return KGroupedStream(self, as_serde(key_serde) or self.key_serde,
                              as_serde(value_serde) or self.value_serde, name,
                              self._repartition_required)

    def group_by(self, selector: Callable[[Any, Any], Any], key_serde: Serde[Any] | str | None = None,
                 value_serde: Serde[Any] | str | None = None,
                 name: str | None = None) -> KGroupedStream:
        """Group by ``selector(key, value)``; records go through a repartition topic."""
        rekeyed = self._stateless("KSTREAM-KEY-SELECT-", ops.Stateless("select_key", selector),
                                  name, None, self.value_serde, rekeyed=True)
        return KGroupedStream(rekeyed, as_serde(key_serde), as_serde(value_serde) or self.value_serde,
                              name, True)

    def to_table(self, name: str | None = None) -> KTable:
        """The latest value per key as a :class:`KTable` (store ``name`` if given)."""
        proc = self._g.new_name("KSTREAM-TOTABLE-")
        store = name or self._g.new_store_name("KSTREAM-TOTABLE-")
        stream = self._copartitioned(proc)
        spec = self._g.add_store(StoreSpec(store, "kv", self.key_serde, self.value_serde))
        node = self._g.add_processor(proc, ops.TableSource(spec.name), [stream.node], [spec.name])
        return KTable(self._b, node, self.key_serde, self.value_serde, ops.StoreGetter(spec.name),
                      store=spec.name)

    # -- joins ---------------------------------------------------------------------------
    def join(self, other: KStream | KTable | GlobalKTable, *args: Any, joiner: Any = None,
             windows: JoinWindows | None = None, key_selector: Any = None,
             name: str | None = None) -> KStream:
        """Inner join with a stream (``join(other, joiner, windows)``), a table
        (``join(table, joiner)``) or a global table (``join(gtable, key_selector, joiner)``).
        ``joiner(left_value, right_value)`` makes the output value."""
        return self._join("inner", other, args, joiner, windows, key_selector, name)

    def left_join(self, other: KStream | KTable | GlobalKTable, *args: Any, joiner: Any = None,
                  windows: JoinWindows | None = None, key_selector: Any = None,
                  name: str | None = None) -> KStream:
        """Left join: every left record produces output; a missing right side is ``None``."""
        return self._join("left", other, args, joiner, windows, key_selector, name)

    def outer_join(self, other: KStream, *args: Any, joiner: Any = None,
                   windows: JoinWindows | None = None, name: str | None = None) -> KStream:
        """Outer stream-stream join: unmatched records of either side are joined with ``None``
        once their window has closed."""
        if not isinstance(other, KStream):
            raise TypeError("outer_join works between two KStreams; for tables use KTable.outer_join")
        return self._join("outer", other, args, joiner, windows, None, name)

    def _join(self, how: str, other: Any, args: tuple[Any, ...], joiner: Any, windows: Any,
              key_selector: Any, name: str | None) -> KStream:
        if isinstance(other, GlobalKTable):
            positional = list(args)
            key_selector = key_selector or (positional.pop(0) if positional else None)
            joiner = joiner or (positional.pop(0) if positional else None)
            if key_selector is None or joiner is None:
                raise TypeError("join with a GlobalKTable needs key_selector and joiner: "
                                "stream.join(gtable, lambda k, v: lookup_key, lambda v, g: ...)")
            proc = name or self._g.new_name("KSTREAM-LEFTJOIN-" if how == "left" else "KSTREAM-JOIN-")
            node = self._g.add_processor(
                proc, ops.StreamTableJoin(ops.StoreGetter(other.store), joiner, how == "left",
                                          key_selector), [self.node])
            return KStream(self._b, node, self.key_serde, None, self._repartition_required)
        positional = list(args)
        joiner = joiner or (positional.pop(0) if positional else None)
        if joiner is None:
            raise TypeError("join needs a joiner(left_value, right_value)")
        if isinstance(other, KTable):
            proc = name or self._g.new_name("KSTREAM-LEFTJOIN-" if how == "left" else "KSTREAM-JOIN-")
            getter = other._need_getter("a stream-table join")
            left = self._copartitioned(name or self.node.name)
            node = self._g.add_processor(
                proc, ops.StreamTableJoin(getter, joiner, how == "left", None), [left.node], getter.stores())
            return KStream(self._b, node, self.key_serde, None, False)
        if not isinstance(other, KStream):
            raise TypeError(f"cannot join a KStream with {type(other).__name__}")
        windows = windows or (positional.pop(0) if positional else None)
        if not isinstance(windows, JoinWindows):
            raise TypeError("a stream-stream join needs JoinWindows, e.g. "
                            "JoinWindows.of_time_difference_with_no_grace(5_000)")
        return self._stream_join(how, other, joiner, windows, name)

    def _stream_join(self, how: str, other: KStream, joiner: Any, windows: JoinWindows,
                     name: str | None) -> KStream:
        g = self._g
        left = self._copartitioned(name or self.node.name)
        right = other._copartitioned(name or other.node.name)
        this_win = f"{name}-this-windowed" if name else g.new_name("KSTREAM-WINDOWED-")
        other_win = f"{name}-other-windowed" if name else g.new_name("KSTREAM-WINDOWED-")
        this_gen = g.new_name("KSTREAM-OUTERTHIS-" if how == "outer" else "KSTREAM-JOINTHIS-")
        other_gen = g.new_name("KSTREAM-OUTEROTHER-" if how in ("left", "outer") else "KSTREAM-JOINOTHER-")
        # A name is both the processors' and the stores' base, as StreamJoined.as(name)
        # .withName(name) in Kafka Streams, whose suffixes say which side keeps unmatched records.
        this_join = f"{name}-{'outer-' if how == 'outer' else ''}this-join" if name else this_gen
        other_join = f"{name}-{'outer-' if how != 'inner' else ''}other-join" if name else other_gen
        merge = f"{name}-merge" if name else g.new_name("KSTREAM-MERGE-")
        retention = windows.before_ms + windows.after_ms + windows.grace_ms
        this_store = g.add_store(StoreSpec(f"{this_join}-store",
                                           "window", left.key_serde, left.value_serde,
                                           window_size_ms=windows.before_ms + windows.after_ms,
                                           retention_ms=retention, retain_duplicates=True))
        other_store = g.add_store(StoreSpec(f"{other_join}-store",
                                            "window", right.key_serde, right.value_serde,
                                            window_size_ms=windows.before_ms + windows.after_ms,
                                            retention_ms=retention, retain_duplicates=True))
        stores = [this_store.name, other_store.name]
        shared = None
        if how != "inner":
            # Records of either side waiting for a match: the join key and a flagged value.
            shared = g.add_store(StoreSpec(
                f"{name}-{how}-shared-join-store" if name else g.new_name("KSTREAM-OUTERSHARED-") + "-store",
                "outer-join", this_store.key_serde,
                LeftOrRightSerde(this_store.value_serde, other_store.value_serde)))
            stores.append(shared.name)
        state = ops.SharedJoinState()
        tw = g.add_processor(this_win, ops.JoinWindowBuffer(this_store.name, state), [left.node],
                             [this_store.name])
        ow = g.add_processor(other_win, ops.JoinWindowBuffer(other_store.name, state), [right.node],
                             [other_store.name])
        outer_store = shared.name if shared else None
        this_spec = ops.StreamStreamJoin(True, windows, joiner, other_store.name, this_store.name,
                                         how in ("left", "outer"), outer_store, state)
        other_spec = ops.StreamStreamJoin(False, windows, joiner, this_store.name, other_store.name,
                                          how == "outer", outer_store, state)
        tj = g.add_processor(this_join, this_spec,
                             [tw], [other_store.name] + ([outer_store] if outer_store else []))
        oj = g.add_processor(other_join, other_spec,
                             [ow], [this_store.name] + ([outer_store] if outer_store else []))
        node = g.add_processor(merge, ops.Stateless("pass", None), [tj, oj])
        return KStream(self._b, node, self.key_serde, None, False)


class BranchedKStream:
    """Result of :meth:`KStream.split`: add branches, then take the dict of streams."""

    def __init__(self, stream: KStream, prefix: str | None) -> None:
        self._stream = stream
        g = stream._g
        self._prefix = prefix or ""
        self._splitter_name = prefix or g.new_name("KSTREAM-BRANCH-")
        self._op = ops.Stateless("branch", [])
        self._node = g.add_processor(self._splitter_name, self._op, [stream.node])
        self._branches: dict[str, KStream] = {}
        self._done = False

    def _add(self, predicate: Callable[[Any, Any], bool] | None, name: str | None, index: int,
             chain: Callable[[KStream], KStream | None] | None) -> None:
        if self._done:
            raise RuntimeError("default_branch() already ended this split; start a new split()")
        g = self._stream._g
        child = f"{self._splitter_name}{name if name is not None else index}"
        g.next_index()  # Kafka Streams burns a counter value per branch; keep numbering aligned
        node = g.add_processor(child, ops.Stateless("pass", None), [self._node])
        self._op.fn.append((predicate, node.name))
        s = self._stream
        branch = KStream(s._b, node, s.key_serde, s.value_serde, s._repartition_required)
        if chain is not None:
            # Branched.withFunction / withConsumer: the dict holds what the chain returns.
            result = chain(branch)
            if result is None:
                return
            branch = result
        self._branches[child] = branch

    def branch(self, predicate: Callable[[Any, Any], bool], name: str | None = None,
               chain: Callable[[KStream], KStream | None] | None = None) -> BranchedKStream:
        """Add a branch for records where ``predicate(key, value)`` is true (first match wins).

        ``chain(stream)`` may build on the branch right here; the returned stream (if any)
        goes in the result dict instead of the branch itself."""
        self._add(predicate, name, len(self._op.fn) + 1, chain)
        return self

    def default_branch(self, name: str | None = None,
                       chain: Callable[[KStream], KStream | None] | None = None) -> dict[str, KStream]:
        """Add a branch for records no predicate matched; returns all branches by name."""
        self._add(None, name, 0, chain)
        self._done = True
        return dict(self._branches)

    def no_default_branch(self) -> dict[str, KStream]:
        """Finish without a default branch; unmatched records are dropped."""
        self._done = True
        return dict(self._branches)
