"""The DSL's entry points: :class:`StreamsBuilder`, which starts streams and tables from topics, and
:class:`Topology`, what it builds (or what the processor API assembles node by node).

Every call adds nodes to a logical :class:`~airstream.topology.graph.Graph`; nothing runs until an
engine runs the built :class:`Topology`. Names, stores and internal topics follow Kafka
Streams, so ``describe()`` output and store names match what a Kafka Streams user expects.
The streams and tables themselves are in :mod:`~airstream.topology.kstream`,
:mod:`~airstream.topology.grouped` and :mod:`~airstream.topology.ktable`.

>>> from airstream.topology import StreamsBuilder, Serdes
>>> b = StreamsBuilder()
>>> words = b.stream("lines", value_serde=Serdes.String()).flat_map_values(str.split)
>>> counts = words.group_by(lambda k, w: w).count(name="counts")
>>> counts.to_stream().to("word-counts")
>>> b.build().describe().subtopologies[1].id
1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from airstream.topology import operators as ops
from airstream.topology.graph import Graph, Node, StoreSpec, TopologyDescription
from airstream.topology.kstream import KStream
from airstream.topology.ktable import GlobalKTable, KTable
from airstream.topology.processor import StoreBuilder
from airstream.topology.serde_defaults import as_serde
from airstream.topology.serdes import Serde

__all__ = ["StreamsBuilder", "Topology"]


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
        self._keep_null_keys_for_relaxed_joins()
        return Topology(self.graph)

    def _keep_null_keys_for_relaxed_joins(self) -> None:
        # As Kafka Streams does when it builds: a repartition topic drops records without a key,
        # unless a left or outer join below it pairs them with nothing (KIP-962).
        for node in self.graph.nodes.values():
            op = node.op
            if isinstance(op, ops.Stateless) and op.fn is ops.key_not_none and any(
                    isinstance(d.op, ops.Spec) and d.op.relaxes_null_keys for d in self.graph.downstream(node)):
                node.op = ops.Stateless("pass", None)

    def stream_of(self, node: Node, key_serde: Serde[Any] | None, value_serde: Serde[Any] | None,
                  repartition_required: bool = False) -> KStream:
        """The stream of what ``node`` forwards (how tables turn back into streams)."""
        return KStream(self, node, key_serde, value_serde, repartition_required)
