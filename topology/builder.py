"""The DSL: :class:`StreamsBuilder`, :class:`KStream`, :class:`KTable` and friends.

Every call adds nodes to a logical :class:`~airstream.topology.graph.Graph`; nothing runs until an
engine runs the built :class:`Topology`. Names, stores and internal topics follow Kafka
Streams, so ``describe()`` output and store names match what a Kafka Streams user expects.

>>> from airstream.topology import StreamsBuilder, Serdes
>>> b = StreamsBuilder()
>>> words = b.stream("lines", value_serde=Serdes.String()).flat_map_values(str.split)
>>> counts = words.group_by(lambda k, w: w).count(name="counts")
>>> counts.to_stream().to("word-counts")
>>> b.build().describe().subtopologies[1].id
1
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from airstream.topology import operators as ops
from airstream.topology.graph import Graph, Node, StoreKind, StoreSpec, TopologyDescription
from airstream.topology.processor import StoreBuilder
from airstream.topology.serde_defaults import ChangeSerde, WindowedSerde, as_serde
from airstream.topology.serdes import Serde, Serdes
from airstream.topology.state import LeftOrRightSerde
from airstream.topology.windows import JoinWindows, SessionWindows, SlidingWindows, TimeWindows

__all__ = [
    "BranchedKStream",
    "GlobalKTable",
    "KGroupedStream",
    "KGroupedTable",
    "KStream",
    "KTable",
    "SessionWindowedKStream",
    "StreamsBuilder",
    "TimeWindowedKStream",
    "Topology",
]

_GENERATED = re.compile(r"KSTREAM.*-[0-9]{10}")


class Topology:
    """A topology: the logical graph, ready to describe or to run on an engine.

    Built by :meth:`StreamsBuilder.build`, or node by node with the processor API, as Kafka
    Streams' ``Topology`` allows:

    >>> from airstream.topology.processor import Processor, Stores
    >>> class Upper(Processor):
    ...     def process(self, record):
    ...         self.context.forward(record.with_value(record.value.upper()))
    >>> t = (Topology().add_source("src", "in")
    ...                .add_processor("upper", Upper, "src")
    ...                .add_state_store(Stores.key_value_store("seen"), "upper")
    ...                .add_sink("out", "result", "upper"))
    >>> print(str(t.describe()).splitlines()[4])
        Processor: upper (stores: [seen])

    The same object runs on the embedded engine (:class:`airstream.topology.testing.TopologyTestDriver`)
    and on Kafka; it holds no running state.
    """

    def __init__(self, graph: Graph | None = None) -> None:
        self.graph = graph or Graph()

    def describe(self) -> TopologyDescription:
        """Kafka Streams' ``TopologyDescription``: ``print(topology.describe())``."""
        return self.graph.describe()

    # -- processor API -------------------------------------------------------------------
    def _parents(self, names: tuple[str, ...]) -> list[Node]:
        if not names:
            raise ValueError("name at least one parent node")
        missing = [n for n in names if n not in self.graph.nodes]
        if missing:
            raise ValueError(f"unknown parent node(s) {missing}; add them first")
        return [self.graph.nodes[n] for n in names]

    def add_source(self, name: str, *topics: str, key_serde: Serde[Any] | str | None = None,
                   value_serde: Serde[Any] | str | None = None) -> Topology:
        """A source node ``name`` reading ``topics``."""
        if not topics:
            raise ValueError(f"source {name!r} needs at least one topic")
        self.graph.add_source(list(topics), name, as_serde(key_serde), as_serde(value_serde))
        return self

    def add_processor(self, name: str, processor_factory: Callable[[], Any],
                      *parent_names: str) -> Topology:
        """A custom processor ``name`` made by ``processor_factory()``, fed by the parents."""
        self.graph.add_processor(name, ops.CustomProcessor(processor_factory, []),
                                 self._parents(parent_names))
        return self

    def add_state_store(self, store: StoreBuilder, *processor_names: str) -> Topology:
        """Add ``store`` and give the named processors access to it."""
        self.graph.add_store(store.spec())
        for node in self._parents(processor_names):
            if not isinstance(node.op, ops.CustomProcessor):
                raise ValueError(f"{node.name!r} is not a processor added with add_processor")
            node.stores.append(store.name)
            node.op.stores.append(store.name)
        return self

    def add_sink(self, name: str, topic: str | Callable[[Any, Any, Any], str], *parent_names: str,
                 key_serde: Serde[Any] | str | None = None,
                 value_serde: Serde[Any] | str | None = None) -> Topology:
        """A sink ``name`` writing what the parents forward to ``topic``."""
        parents = self._parents(parent_names)
        node = self.graph.add_sink(name, topic, parents[0], as_serde(key_serde), as_serde(value_serde))
        for parent in parents[1:]:
            node.parents.append(parent)
            parent.children.append(node)
        return self

    # -- inspection ----------------------------------------------------------------------
    def source_topics(self) -> list[str]:
        """User (non-internal) topics the topology reads, in creation order."""
        return [t for n in self.graph.nodes.values() if n.kind == "source" and not n.internal
                for t in n.topics]

    def sink_topics(self) -> list[str]:
        """User topics the topology writes by name (not topic extractors)."""
        return [n.topic for n in self.graph.nodes.values()
                if n.kind == "sink" and not n.internal and isinstance(n.topic, str)]

    def __repr__(self) -> str:
        return f"Topology({len(self.graph.nodes)} nodes, {len(self.graph.stores)} stores)"


class StreamsBuilder:
    """Entry point of the DSL: create streams and tables from topics, then :meth:`build`.

    >>> b = StreamsBuilder()
    >>> s = b.stream(["a", "b"])
    >>> t = b.table("c", name="c-store")
    >>> isinstance(b.build(), Topology)
    True
    """

    def __init__(self) -> None:
        self.graph = Graph()

    def stream(self, topics: str | Iterable[str], key_serde: Serde[Any] | str | None = None,
               value_serde: Serde[Any] | str | None = None, name: str | None = None) -> KStream:
        """A :class:`KStream` reading one topic or a list of topics."""
        topic_list = [topics] if isinstance(topics, str) else list(topics)
        if not topic_list:
            raise ValueError("stream() needs at least one topic name")
        node = self.graph.add_source(topic_list, name, as_serde(key_serde), as_serde(value_serde))
        return KStream(self, node, node.key_serde, node.value_serde)

    def table(self, topic: str, key_serde: Serde[Any] | str | None = None,
              value_serde: Serde[Any] | str | None = None, name: str | None = None) -> KTable:
        """A :class:`KTable` over ``topic``, materialized in a store named ``name``
        (generated as ``<topic>-STATE-STORE-NNNNNNNNNN`` when not given)."""
        ks, vs = as_serde(key_serde), as_serde(value_serde)
        store = name or self.graph.new_store_name(f"{topic}-")
        source = self.graph.add_source([topic], None, ks, vs)
        spec = self.graph.add_store(StoreSpec(store, "kv", ks, vs))
        node = self.graph.add_processor(self.graph.new_name("KTABLE-SOURCE-"),
                                        ops.TableSource(spec.name), [source], [spec.name])
        return KTable(self, node, ks, vs, ops.StoreGetter(spec.name), store=spec.name)

    def global_table(self, topic: str, key_serde: Serde[Any] | str | None = None,
                     value_serde: Serde[Any] | str | None = None,
                     name: str | None = None) -> GlobalKTable:
        """A :class:`GlobalKTable`: every task sees the whole topic, for lookups by any key."""
        ks, vs = as_serde(key_serde), as_serde(value_serde)
        store = name or self.graph.new_store_name(f"{topic}-")
        source = self.graph.add_source([topic], None, ks, vs, is_global=True)
        # The topic itself is the changelog of a global store, as in Kafka Streams.
        spec = self.graph.add_store(StoreSpec(store, "kv", ks, vs, changelog=False,
                                              is_global=True, source_topic=topic))
        node = self.graph.add_processor(self.graph.new_name("KTABLE-SOURCE-"),
                                        ops.TableSource(spec.name, forward=False), [source],
                                        [spec.name])
        return GlobalKTable(self, node, spec.name, ks, vs)

    def add_state_store(self, store: StoreBuilder) -> StreamsBuilder:
        """Register a store for custom processors (:meth:`KStream.process`)."""
        self.graph.add_store(store.spec())
        return self

    def build(self) -> Topology:
        """Freeze the graph into a :class:`Topology`."""
        for node in self.graph.nodes.values():
            for store in node.stores:
                if store not in self.graph.stores:
                    raise ValueError(
                        f"processor {node.name!r} uses state store {store!r}, which was never "
                        "added; call builder.add_state_store(...) or pass a store builder in stores="
                    )
        return Topology(self.graph)


# ------------------------------------------------------------------------------------------
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

    # -- batch operators (airstream.topology.batch_ops) --------------------------------------------
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
                          value_serde: Any, drop_null_keys: bool = True) -> Node:
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
        keep = ops.Stateless("filter", ops.key_not_none) if drop_null_keys else ops.Stateless("pass", None)
        filt = self._g.add_processor(filter_name, keep, [self.node])
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
        node = self._repartition_node(prefix, num_partitions, ks, vs, drop_null_keys=False)
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


# ------------------------------------------------------------------------------------------
class _Aggregating:
    """Shared by grouped and windowed streams: repartition if needed, then add the
    aggregation processor with its store."""

    def __init__(self, stream: KStream, key_serde: Any, value_serde: Any, name: str | None,
                 repartition: bool) -> None:
        self._stream = stream
        self._g = stream._g
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._grouped_name = name
        self._repartition = repartition

    def _input(self, store: str) -> Node:
        s = self._stream
        if not self._repartition:
            return s.node
        return s._repartition_node(self._grouped_name or store, None, self.key_serde,
                                   self.value_serde)

    def _build(self, prefix: str, name: str | None, make: Callable[[str], Any], value_serde: Any,
               kind: StoreKind = "kv", size: int | None = None, retention: int | None = None,
               table_key_serde: Any = None) -> KTable:
        store = name or self._g.new_store_name(prefix)
        proc = self._g.new_name(prefix)
        source = self._input(store)
        spec = self._g.add_store(StoreSpec(store, kind, self.key_serde, value_serde,
                                           window_size_ms=size, retention_ms=retention))
        node = self._g.add_processor(proc, make(spec.name), [source], [spec.name])
        getter = ops.StoreGetter(spec.name) if kind == "kv" else None
        return KTable(self._stream._b, node, table_key_serde or self.key_serde, value_serde, getter,
                      store=spec.name)


class KGroupedStream(_Aggregating):
    """A stream grouped by key, ready to ``count``, ``reduce`` or ``aggregate``."""

    def count(self, name: str | None = None) -> KTable:
        """Count records per key (values as ``Serdes.Long()``)."""
        return self._build("KSTREAM-AGGREGATE-", name,
                           lambda s: ops.Aggregate(s, ops.count_init, ops.count_add),
                           Serdes.Long())

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per key with ``reducer(aggregate, value)``."""
        return self._build("KSTREAM-REDUCE-", name, lambda s: ops.Aggregate(s, None, reducer),
                           self.value_serde)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  name: str | None = None, value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per key: ``aggregator(key, value, aggregate)`` starting from ``initializer()``."""
        return self._build("KSTREAM-AGGREGATE-", name,
                           lambda s: ops.Aggregate(s, initializer, aggregator, with_key=True),
                           as_serde(value_serde))

    def windowed_by(self, windows: TimeWindows | SlidingWindows | SessionWindows
                    ) -> TimeWindowedKStream | SessionWindowedKStream:
        """Aggregate per key and window; results are keyed by ``Windowed(key, Window)``."""
        if isinstance(windows, SessionWindows):
            return SessionWindowedKStream(self, windows)
        if isinstance(windows, (TimeWindows, SlidingWindows)):
            return TimeWindowedKStream(self, windows)
        raise TypeError(f"windowed_by() takes TimeWindows, SlidingWindows or SessionWindows, "
                        f"not {type(windows).__name__}")


class TimeWindowedKStream:
    """A grouped stream windowed by :class:`TimeWindows` (tumbling/hopping) or :class:`SlidingWindows`."""

    def __init__(self, grouped: KGroupedStream, windows: TimeWindows | SlidingWindows) -> None:
        self._grouped = grouped
        self.windows = windows
        self._emit_final = False

    def emit_final(self) -> TimeWindowedKStream:
        """Emit one result per window when it closes (``EmitStrategy.onWindowClose``)."""
        self._emit_final = True
        return self

    def _build(self, prefix: str, name: str | None, init: Any, agg: Any, value_serde: Any,
               with_key: bool) -> KTable:
        w = self.windows
        if isinstance(w, SlidingWindows):
            size, retention = w.time_difference_ms, 2 * w.time_difference_ms + w.grace_ms
            win_size = w.time_difference_ms
        else:
            size, retention, win_size = w.size_ms, w.size_ms + w.grace_ms, w.size_ms
        g = self._grouped
        sliding = isinstance(w, SlidingWindows)
        table = g._build(prefix, name,
                         lambda s: ops.WindowAggregate(s, w, init, agg, with_key, self._emit_final,
                                                       f"{s}-sliding-records" if sliding else None),
                         value_serde, kind="window", size=size, retention=retention,
                         table_key_serde=WindowedSerde(g.key_serde, win_size))
        assert isinstance(table.node.op, ops.WindowAggregate)
        records = table.node.op.records_store
        if records is not None:
            # Named after the aggregate's store and not numbered, so that generated names
            # (and describe()) stay those Kafka Streams gives.
            g._g.add_store(StoreSpec(records, "sliding-records", g.key_serde, g.value_serde))
            table.node.hidden_stores.append(records)
        return table

    def count(self, name: str | None = None) -> KTable:
        """Count records per key and window."""
        return self._build("KSTREAM-AGGREGATE-", name, ops.count_init, ops.count_add,
                           Serdes.Long(), False)

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per key and window with ``reducer(aggregate, value)``."""
        return self._build("KSTREAM-REDUCE-", name, None, reducer, self._grouped.value_serde, False)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  name: str | None = None, value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per key and window with ``aggregator(key, value, aggregate)``."""
        return self._build("KSTREAM-AGGREGATE-", name, initializer, aggregator, as_serde(value_serde),
                           True)


class SessionWindowedKStream:
    """A grouped stream windowed by :class:`SessionWindows`. For one final result per
    session use ``.count().suppress(until_window_closes=True)``."""

    def __init__(self, grouped: KGroupedStream, windows: SessionWindows) -> None:
        self._grouped = grouped
        self.windows = windows

    def _build(self, prefix: str, name: str | None, init: Any, agg: Any, merger: Any,
               value_serde: Any, with_key: bool) -> KTable:
        w, g = self.windows, self._grouped
        return g._build(prefix, name,
                        lambda s: ops.SessionAggregate(s, w, init, agg, merger, with_key),
                        value_serde, kind="session", retention=w.gap_ms + w.grace_ms,
                        table_key_serde=WindowedSerde(g.key_serde, None))

    def count(self, name: str | None = None) -> KTable:
        """Count records per key and session."""
        return self._build("KSTREAM-AGGREGATE-", name, ops.count_init, ops.count_add,
                           lambda k, a, b: a + b, Serdes.Long(), False)

    def reduce(self, reducer: Callable[[Any, Any], Any], name: str | None = None) -> KTable:
        """Combine values per session with ``reducer(aggregate, value)``; sessions merge with it too."""
        return self._build("KSTREAM-REDUCE-", name, None, reducer, lambda k, a, b: reducer(a, b),
                           self._grouped.value_serde, False)

    def aggregate(self, initializer: Callable[[], Any], aggregator: Callable[[Any, Any, Any], Any],
                  merger: Callable[[Any, Any, Any], Any], name: str | None = None,
                  value_serde: Serde[Any] | str | None = None) -> KTable:
        """Fold values per session; ``merger(key, agg1, agg2)`` joins sessions a record bridges."""
        return self._build("KSTREAM-AGGREGATE-", name, initializer, aggregator, merger,
                           as_serde(value_serde), True)


# ------------------------------------------------------------------------------------------
class KTable:
    """A changelog stream: the latest value per key. Updates flow downstream as changes."""

    def __init__(self, builder: StreamsBuilder, node: Node, key_serde: Any, value_serde: Any,
                 getter: ops.ValueGetter | None, store: str | None = None) -> None:
        self._b = builder
        self._g = builder.graph
        self.node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._getter = getter
        self.store = store

    def __repr__(self) -> str:
        return f"KTable({self.node.name}, store={self.store})"

    @property
    def queryable_store_name(self) -> str | None:
        """The store the driver's ``get_*_store`` reads, when this table is materialized."""
        return self.store

    def _derive(self, prefix: str, name: str | None, op: Any, value_serde: Any,
                getter: ops.ValueGetter | None) -> KTable:
        node = self._g.add_processor(name or self._g.new_name(prefix), op, [self.node])
        return KTable(self._b, node, self.key_serde, value_serde, getter)

    def _need_getter(self, what: str) -> ops.ValueGetter:
        if self._getter is None:
            raise ValueError(f"{what} needs a key-value table; a windowed table cannot be looked up")
        return self._getter

    def filter(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KTable:
        """Keep rows where ``predicate(key, value)``; others become deletes (tombstones)."""
        return self._derive("KTABLE-FILTER-", name, ops.TableFilter(predicate, False),
                            self.value_serde,
                            self._getter and ops.FilterGetter(self._getter, predicate, False))

    def filter_not(self, predicate: Callable[[Any, Any], bool], name: str | None = None) -> KTable:
        """Drop rows where ``predicate(key, value)``."""
        return self._derive("KTABLE-FILTER-", name, ops.TableFilter(predicate, True),
                            self.value_serde,
                            self._getter and ops.FilterGetter(self._getter, predicate, True))

    def map_values(self, mapper: Callable[[Any], Any], name: str | None = None) -> KTable:
        """Map each row's value with ``mapper(value)``."""
        return self._derive("KTABLE-MAPVALUES-", name, ops.TableMapValues(mapper), None,
                            self._getter and ops.MapValuesGetter(self._getter, mapper))

    def to_stream(self, name: str | None = None) -> KStream:
        """The stream of updates (deletes come through as ``None`` values)."""
        node = self._g.add_processor(name or self._g.new_name("KTABLE-TOSTREAM-"),
                                     ops.Stateless("to_stream", None), [self.node])
        return KStream(self._b, node, self.key_serde, self.value_serde, False)

    def suppress(self, until_window_closes: bool = True, name: str | None = None) -> KTable:
        """Hold windowed results back until their window closes (end + grace), then emit
        each window's final value once (Kafka Streams' ``Suppressed.untilWindowCloses``)."""
        if not until_window_closes:
            raise ValueError("only suppress(until_window_closes=True) is supported")
        if not isinstance(self.node.op, (ops.WindowAggregate, ops.SessionAggregate)):
            raise ValueError("suppress(until_window_closes=True) needs a windowed aggregation "
                             "directly upstream, e.g. windowed_by(...).count().suppress()")
        proc = f"{name}-suppress" if name else self._g.new_name("KTABLE-SUPPRESS-")
        store = f"{name}-store" if name else self._g.new_store_name("KTABLE-SUPPRESS-")
        # The buffer holds what the aggregation upstream stores.
        upstream = self._g.stores[self.node.op.store]
        spec = self._g.add_store(StoreSpec(store, "suppress", upstream.key_serde, upstream.value_serde))
        windows = self.node.op.windows
        # A session can still grow until no record within the gap can arrive: end + gap + grace.
        grace = windows.grace_ms + (windows.gap_ms if isinstance(windows, SessionWindows) else 0)
        node = self._g.add_processor(proc, ops.Suppress(spec.name, grace), [self.node], [spec.name])
        return KTable(self._b, node, self.key_serde, self.value_serde, None)

    def group_by(self, selector: Callable[[Any, Any], tuple[Any, Any]],
                 key_serde: Serde[Any] | str | None = None,
                 value_serde: Serde[Any] | str | None = None,
                 name: str | None = None) -> KGroupedTable:
        """Re-group rows by ``selector(key, value) -> (new_key, new_value)``."""
        node = self._g.add_processor(name or self._g.new_name("KTABLE-SELECT-"),
                                     ops.TableRepartitionMap(selector), [self.node])
        return KGroupedTable(self, node, as_serde(key_serde), as_serde(value_serde), name)

    # -- joins ---------------------------------------------------------------------------
    def join(self, other: KTable, *args: Any, name: str | None = None) -> KTable:
        """Inner table-table join ``join(other, joiner)``, or the foreign-key join
        ``join(other, foreign_key_extractor, joiner)`` where ``foreign_key_extractor(value)``
        gives the other table's key."""
        if len(args) == 2:
            return self._fk_join(other, args[0], args[1], False, name)
        return self._table_join(other, args[0], "inner", name)

    def left_join(self, other: KTable, *args: Any, name: str | None = None) -> KTable:
        """Left table-table join (or foreign-key left join with three arguments)."""
        if len(args) == 2:
            return self._fk_join(other, args[0], args[1], True, name)
        return self._table_join(other, args[0], "left", name)

    def outer_join(self, other: KTable, joiner: Callable[[Any, Any], Any],
                   name: str | None = None) -> KTable:
        """Outer table-table join; the missing side is ``None``."""
        return self._table_join(other, joiner, "outer", name)

    def _table_join(self, other: KTable, joiner: Any, how: str, name: str | None) -> KTable:
        g = self._g
        left_get, right_get = self._need_getter("a table join"), other._need_getter("a table join")
        merge = name or g.new_name("KTABLE-MERGE-")
        this_name = f"{name}-join-this" if name else g.new_name("KTABLE-JOINTHIS-")
        other_name = f"{name}-join-other" if name else g.new_name("KTABLE-JOINOTHER-")
        left_outer, right_outer = how in ("left", "outer"), how == "outer"
        tj = g.add_processor(this_name, ops.TableTableJoin(right_get, joiner, left_outer,
                                                           right_outer, False),
                             [self.node], right_get.stores())
        oj = g.add_processor(other_name, ops.TableTableJoin(left_get, joiner, right_outer,
                                                            left_outer, True),
                             [other.node], left_get.stores())
        node = g.add_processor(merge, ops.Stateless("pass", None), [tj, oj])
        getter = ops.JoinGetter(left_get, right_get, joiner, left_outer, right_outer)
        return KTable(self._b, node, self.key_serde, None, getter)

    def _fk_join(self, other: KTable, extractor: Any, joiner: Any, left: bool,
                 name: str | None) -> KTable:
        g = self._g
        left_get, right_get = self._need_getter("a foreign-key join"), other._need_getter("a foreign-key join")
        base = name or g.new_name("KTABLE-FK-JOIN-")
        sub_topic = f"{base}-subscription-registration-topic"
        resp_topic = f"{base}-subscription-response-topic"
        sub_store = g.add_store(StoreSpec(f"{base}-subscription-store", "kv", None, None))
        # Left side: send a subscription to the partition owning the foreign key.
        reg = g.add_processor(f"{base}-subscription-registration-send",
                              ops.FkSubscriptionSend(extractor), [self.node])
        g.add_repartition_topic(sub_topic, None)
        g.add_sink(f"{base}-subscription-registration-sink", sub_topic, reg, other.key_serde,
                   ops.FK_SUBSCRIPTION_SERDE, internal=True)
        sub_src = g.add_source([sub_topic], f"{base}-subscription-registration-source",
                               other.key_serde, ops.FK_SUBSCRIPTION_SERDE, internal=True)
        # Right side: remember subscribers, answer with the current right value.
        recv = g.add_processor(f"{base}-subscription-receive",
                               ops.FkSubscriptionReceive(sub_store.name, right_get), [sub_src],
                               [sub_store.name, *right_get.stores()])
        upd = g.add_processor(f"{base}-subscription-update",
                              ops.FkRightUpdate(sub_store.name), [other.node], [sub_store.name])
        g.add_repartition_topic(resp_topic, None)
        g.add_sink(f"{base}-subscription-response-sink", resp_topic, recv, self.key_serde,
                   ops.FK_RESPONSE_SERDE, internal=True)
        g.add_sink(f"{base}-subscription-update-sink", resp_topic, upd, self.key_serde,
                   ops.FK_RESPONSE_SERDE, internal=True)
        resp_src = g.add_source([resp_topic], f"{base}-subscription-response-source",
                                self.key_serde, ops.FK_RESPONSE_SERDE, internal=True)
        node = g.add_processor(f"{base}-result", ops.FkResolve(left_get, extractor, joiner, left),
                               [resp_src], left_get.stores())
        return KTable(self._b, node, self.key_serde, None, None)


class KGroupedTable:
    """A re-grouped table, ready to ``count``, ``reduce(adder, subtractor)`` or
    ``aggregate(initializer, adder, subtractor)``."""

    def __init__(self, table: KTable, node: Node, key_serde: Any, value_serde: Any,
                 name: str | None) -> None:
        self._table = table
        self._g = table._g
        self._node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self._name = name

    def _build(self, prefix: str, name: str | None, make: Callable[[str], Any],
               value_serde: Any) -> KTable:
        g = self._g
        store = name or g.new_store_name(prefix)
        sink = g.new_name("KSTREAM-SINK-")
        source = g.new_name("KSTREAM-SOURCE-")
        proc = g.new_name(prefix)
        topic = f"{self._name or store}-repartition"
        g.add_repartition_topic(topic, None)
        change = ChangeSerde.of(self.value_serde)
        g.add_sink(sink, topic, self._node, self.key_serde, change, internal=True)
        src = g.add_source([topic], source, self.key_serde, change, internal=True)
        spec = g.add_store(StoreSpec(store, "kv", self.key_serde, value_serde))
        node = g.add_processor(proc, make(spec.name), [src], [spec.name])
        return KTable(self._table._b, node, self.key_serde, value_serde, ops.StoreGetter(spec.name),
                      store=spec.name)

    def count(self, name: str | None = None) -> KTable:
        """Count rows per new key (rows leaving a group are subtracted)."""
        return self._build("KTABLE-AGGREGATE-", name,
                           lambda s: ops.TableAggregate(s, ops.count_init, ops.table_count_add,
                                                        ops.table_count_sub), Serdes.Long())

    def reduce(self, adder: Callable[[Any, Any], Any], subtractor: Callable[[Any, Any], Any],
               name: str | None = None) -> KTable:
        """``adder(aggregate, new_value)`` / ``subtractor(aggregate, old_value)`` per key."""
        return self._build("KTABLE-REDUCE-", name,
                           lambda s: ops.TableAggregate(s, None, adder, subtractor),
                           self.value_serde)

    def aggregate(self, initializer: Callable[[], Any], adder: Callable[[Any, Any, Any], Any],
                  subtractor: Callable[[Any, Any, Any], Any], name: str | None = None,
                  value_serde: Serde[Any] | str | None = None) -> KTable:
        """``adder(key, new_value, agg)`` / ``subtractor(key, old_value, agg)`` from ``initializer()``."""
        return self._build("KTABLE-AGGREGATE-", name,
                           lambda s: ops.TableAggregate(s, initializer, adder, subtractor,
                                                        with_key=True), as_serde(value_serde))


class GlobalKTable:
    """A table replicated to every task; join a stream with it by any key."""

    def __init__(self, builder: StreamsBuilder, node: Node, store: str, key_serde: Any,
                 value_serde: Any) -> None:
        self._b = builder
        self.node = node
        self.store = store
        self.key_serde = key_serde
        self.value_serde = value_serde

    def __repr__(self) -> str:
        return f"GlobalKTable(store={self.store})"
