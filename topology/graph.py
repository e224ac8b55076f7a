"""The logical graph a :class:`~airstream.StreamsBuilder` builds, and its description.

The graph knows nothing about how records move: it holds named nodes (sources, processors,
sinks), the state stores they use and the internal topics between them. ``compile.py`` turns
it into an executable plan; :meth:`Graph.describe` prints it the way Kafka Streams'
``TopologyDescription`` does, so the two can be compared line by line.

Names follow Kafka Streams: a generated name is a prefix plus a ten-digit counter shared by
processors and stores in creation order (``KSTREAM-FILTER-0000000002``); a user's name is used
as given. Internal topics are stored without the application id; the engine prefixes
``<application.id>-`` when it runs the plan.

>>> g = Graph()
>>> src = g.add_source(["words"], name=None, key_serde=None, value_serde=None)
>>> src.name
'KSTREAM-SOURCE-0000000000'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from airstream.topology.operators import OperatorSpec

__all__ = [
    "GlobalStoreDescription",
    "Graph",
    "Node",
    "NodeKind",
    "StoreKind",
    "StoreSpec",
    "SubtopologyDescription",
    "TopologyDescription",
]


NodeKind = Literal["source", "processor", "sink"]

StoreKind = Literal["kv", "window", "session", "suppress", "outer-join"]
"""Stores (key-value, window, session) and the buffers of operators that hold records back."""


@dataclass(eq=False)
class Node:
    """One node of the logical graph.

    ``kind`` is ``"source"``, ``"processor"`` or ``"sink"``. ``op`` is the operator spec from
    :mod:`airstream.topology.operators` that the compiler turns into running code; sources and sinks
    carry their topics and serdes instead. ``stores`` are the stores :meth:`Graph.describe`
    lists; ``hidden_stores`` are stores the operator keeps that Kafka Streams has no
    counterpart for (so its description would not show them), changelogged all the same.
    """

    name: str
    kind: NodeKind
    op: OperatorSpec | None = None
    parents: list[Node] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    hidden_stores: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    topic: str | Callable[..., str] | None = None
    key_serde: Any = None
    value_serde: Any = None
    internal: bool = False
    is_global: bool = False

    def __repr__(self) -> str:
        return f"Node({self.kind} {self.name})"


@dataclass(eq=False)
class StoreSpec:
    """A state store: its name, type, serdes and whether it has a changelog topic.

    ``kind`` is ``"kv"``, ``"window"`` or ``"session"``, or one of the operators' buffers:
    ``"suppress"`` (:class:`~airstream.topology.state.SuppressionBuffer`) and ``"outer-join"``
    (:class:`~airstream.topology.state.OuterJoinBuffer`). Window stores also carry the window size
    (``None`` for sliding/session), retention and whether duplicates are kept (join buffers
    keep every record).
    """

    name: str
    kind: StoreKind = "kv"
    key_serde: Any = None
    value_serde: Any = None
    changelog: bool = True
    window_size_ms: int | None = None
    retention_ms: int | None = None
    retain_duplicates: bool = False
    is_global: bool = False
    source_topic: str | None = None

    @property
    def changelog_topic(self) -> str:
        """The changelog topic name without the application-id prefix."""
        return f"{self.name}-changelog"


class Graph:
    """Nodes, stores and internal topics in creation order."""

    def __init__(self) -> None:
        self._index = 0
        self.nodes: dict[str, Node] = {}
        self.stores: dict[str, StoreSpec] = {}
        self.repartition_topics: dict[str, int | None] = {}

    # -- naming ---------------------------------------------------------------------------
    def next_index(self) -> int:
        """Take the next number of the shared processor/store counter."""
        index = self._index
        self._index += 1
        return index

    def new_name(self, prefix: str) -> str:
        """A generated processor name: ``prefix`` plus the next ten-digit number."""
        return f"{prefix}{self.next_index():010d}"

    def new_store_name(self, prefix: str) -> str:
        """A generated store name, e.g. ``KSTREAM-AGGREGATE-STATE-STORE-0000000003``."""
        return f"{prefix}STATE-STORE-{self.next_index():010d}"

    # -- building ------------------------------------------------------------------------
    def _add(self, node: Node, parents: Iterable[Node]) -> Node:
        if node.name in self.nodes:
            raise ValueError(
                f"a processor named {node.name!r} already exists in this topology; "
                "give each operator a unique name="
            )
        self.nodes[node.name] = node
        for parent in parents:
            node.parents.append(parent)
            parent.children.append(node)
        return node

    def add_source(self, topics: list[str], name: str | None, key_serde: Any, value_serde: Any,
                   internal: bool = False, is_global: bool = False) -> Node:
        """Add a source node reading ``topics``."""
        for topic in topics:
            for other in self.nodes.values():
                if other.kind == "source" and topic in other.topics:
                    raise ValueError(
                        f"topic {topic!r} is already read by source {other.name!r}; "
                        "read it once and reuse the stream"
                    )
        node = Node(name or self.new_name("KSTREAM-SOURCE-"), "source", topics=list(topics),
                    key_serde=key_serde, value_serde=value_serde, internal=internal,
                    is_global=is_global)
        return self._add(node, [])

    def add_processor(self, name: str, op: Any, parents: Iterable[Node],
                      stores: Iterable[str] = ()) -> Node:
        """Add a processor node running ``op`` downstream of ``parents``."""
        node = Node(name, "processor", op=op, stores=list(stores))
        node.is_global = any(p.is_global for p in parents)
        return self._add(node, parents)

    def add_sink(self, name: str, topic: str | Callable[..., str], parent: Node, key_serde: Any,
                 value_serde: Any, internal: bool = False) -> Node:
        """Add a sink node writing to ``topic`` (a name or a ``(key, value, ctx) -> str``)."""
        node = Node(name, "sink", topic=topic, key_serde=key_serde, value_serde=value_serde,
                    internal=internal)
        return self._add(node, [parent])

    def add_store(self, spec: StoreSpec) -> StoreSpec:
        """Register a state store; a second store with the same name is an error."""
        if spec.name in self.stores:
            raise ValueError(
                f"a state store named {spec.name!r} already exists; store names must be unique"
            )
        self.stores[spec.name] = spec
        return spec

    def add_repartition_topic(self, name: str, num_partitions: int | None) -> None:
        """Declare ``name`` (ending in ``-repartition``) as an internal topic."""
        self.repartition_topics[name] = num_partitions

    # -- structure -----------------------------------------------------------------------
    def downstream(self, start: Node) -> Iterator[Node]:
        """Every node a record from ``start`` can reach: through edges, and from a sink of an
        internal topic to the sources that read it."""
        readers: dict[str, list[Node]] = {}
        for n in self.nodes.values():
            if n.kind == "source" and n.internal:
                for topic in n.topics:
                    readers.setdefault(topic, []).append(n)
        seen: set[str] = set()
        todo = list(start.children)
        while todo:
            node = todo.pop()
            if node.name in seen:
                continue
            seen.add(node.name)
            yield node
            todo.extend(node.children)
            if node.kind == "sink" and node.internal and isinstance(node.topic, str):
                todo.extend(readers.get(node.topic, ()))

    def subtopologies(self) -> list[tuple[int, list[Node], bool]]:
        """Group nodes into sub-topologies as Kafka Streams numbers them.

        Nodes connected by an edge or by a shared store form one group; groups are numbered
        in the order of their first source node sorted by name. Returns ``(id, nodes,
        is_global)`` triples, nodes in creation order.
        """
        parent: dict[str, str] = {n: n for n in self.nodes}

        def root(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        def union(a: str, b: str) -> None:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[rb] = ra

        by_store: dict[str, str] = {}
        for node in self.nodes.values():
            for child in node.children:
                union(node.name, child.name)
            for store in node.stores:
                if store in by_store:
                    union(by_store[store], node.name)
                else:
                    by_store[store] = node.name
        groups: dict[str, list[Node]] = {}
        for node in self.nodes.values():
            groups.setdefault(root(node.name), []).append(node)
        result: list[tuple[int, list[Node], bool]] = []
        seen: set[str] = set()
        sources = sorted((n for n in self.nodes.values() if n.kind == "source"), key=lambda n: n.name)
        for source in sources:
            r = root(source.name)
            if r in seen:
                continue
            seen.add(r)
            members = groups[r]
            result.append((len(result), members, any(n.is_global for n in members)))
        return result

    def describe(self) -> TopologyDescription:
        """The Kafka Streams-style description of this graph."""
        subs: list[SubtopologyDescription | GlobalStoreDescription] = []
        for sub_id, members, is_global in self.subtopologies():
            sizes = _subtree_sizes(members)
            if is_global:
                subs.append(GlobalStoreDescription(sub_id, members, sizes))
            else:
                subs.append(SubtopologyDescription(sub_id, members, sizes))
        return TopologyDescription(subs)


def _subtree_sizes(members: list[Node]) -> dict[str, int]:
    # Kafka Streams orders nodes by the size of the sub-tree below them (paths counted),
    # largest first, then by name; reproducing it keeps describe() output identical.
    sizes: dict[str, int] = {}

    def size(node: Node) -> int:
        if node.name not in sizes:
            sizes[node.name] = 1 + sum(size(c) for c in node.children)
        return sizes[node.name]

    for node in members:
        size(node)
    return sizes


def _node_names(nodes: list[Node], sizes: dict[str, int]) -> str:
    if not nodes:
        return "none"
    return ", ".join(n.name for n in sorted(nodes, key=lambda n: (-sizes.get(n.name, 1), n.name)))


def _ordered(nodes: list[Node], sizes: dict[str, int]) -> list[Node]:
    return sorted(nodes, key=lambda n: (-sizes[n.name], n.name))


def _node_text(node: Node, sizes: dict[str, int]) -> str:
    if node.kind == "source":
        return (f"Source: {node.name} (topics: [{', '.join(node.topics)}])\n"
                f"      --> {_node_names(node.children, sizes)}")
    if node.kind == "sink":
        if callable(node.topic):
            target = f"extractor class: {getattr(node.topic, '__qualname__', repr(node.topic))}"
        else:
            target = f"topic: {node.topic}"
        return f"Sink: {node.name} ({target})\n      <-- {_node_names(node.parents, sizes)}"
    return (f"Processor: {node.name} (stores: [{', '.join(sorted(node.stores))}])\n"
            f"      --> {_node_names(node.children, sizes)}\n"
            f"      <-- {_node_names(node.parents, sizes)}")


@dataclass
class SubtopologyDescription:
    """One sub-topology: an id and its nodes."""

    id: int
    nodes: list[Node]
    sizes: dict[str, int]

    def ordered(self) -> list[Node]:
        """Nodes in Kafka Streams' description order (sub-tree size descending, then name)."""
        return _ordered(self.nodes, self.sizes)

    def __str__(self) -> str:
        lines = "".join(f"    {_node_text(n, self.sizes)}\n" for n in self.ordered())
        return f"Sub-topology: {self.id}\n{lines}\n"


@dataclass
class GlobalStoreDescription:
    """A global store's source and processor (no tasks are created for it)."""

    id: int
    nodes: list[Node]
    sizes: dict[str, int]

    def __str__(self) -> str:
        lines = "".join(f"    {_node_text(n, self.sizes)}\n" for n in _ordered(self.nodes, self.sizes))
        return f"Sub-topology: {self.id} for global store (will not generate tasks)\n{lines}"


@dataclass
class TopologyDescription:
    """What :meth:`Topology.describe` returns; ``str()`` gives Kafka Streams' layout.

    >>> from airstream.topology import StreamsBuilder
    >>> b = StreamsBuilder()
    >>> b.stream("in").filter(lambda k, v: v is not None).to("out")
    >>> print(b.build().describe())  # doctest: +NORMALIZE_WHITESPACE
    Topologies:
       Sub-topology: 0
        Source: KSTREAM-SOURCE-0000000000 (topics: [in])
          --> KSTREAM-FILTER-0000000001
        Processor: KSTREAM-FILTER-0000000001 (stores: [])
          --> KSTREAM-SINK-0000000002
          <-- KSTREAM-SOURCE-0000000000
        Sink: KSTREAM-SINK-0000000002 (topic: out)
          <-- KSTREAM-FILTER-0000000001
    <BLANKLINE>
    """

    subtopologies: list[SubtopologyDescription | GlobalStoreDescription]

    def __str__(self) -> str:
        out = "Topologies:\n "
        for sub in self.subtopologies:
            out += "  " + str(sub)
        return out

    def __repr__(self) -> str:
        return str(self)
