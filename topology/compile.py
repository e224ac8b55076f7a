"""Logical graph -> executable plan.

:func:`compile_topology` splits the graph into sub-topologies (at repartition topics), resolves
serdes and internal topic names for an ``application.id``, and generates, per sub-topology,
Python source in which every chain of stateless operators is fused into one function. A
source's function deserializes nothing (the task does that in batches); it runs the fused
chain for one record and calls stateful operators (from :mod:`airstream.topology.operators`) or writes
sink output inline. Stateful operators forward into the generated function for their own
downstream chain, so a record still travels depth-first as in Kafka Streams.

Line numbers of the generated code map back to node names, so an exception in a user
function is reported against the processor that called it without any per-record cost.

>>> from airstream.topology import StreamsBuilder
>>> b = StreamsBuilder()
>>> b.stream("in").filter(lambda k, v: v).map_values(str.upper).to("out")
>>> plan = compile_topology(b.build(), {"application.id": "demo"})
>>> print(plan.subtopologies[0].source_code.splitlines()[1].strip())
def seg_0(k0, v0, ts, h, src):
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from airstream.topology.builder import Topology
from airstream.topology.errors import TopologyException
from airstream.topology.graph import Node, StoreSpec
from airstream.topology.operators import Spec, Stateless, StatelessKind
from airstream.topology.serde_defaults import AutoSerde, resolve_serde
from airstream.topology.serdes import (
    BytesSerde,
    IntegerSerde,
    LongSerde,
    Serde,
    Serdes,
    StringSerde,
)
from airstream.topology.state import LeftOrRightSerde

__all__ = ["Plan", "SubtopologyPlan", "TopicLayout", "compile_topology", "plan_partitions", "resolve_config"]

# Key of sink_serdes for sinks whose topic a topic extractor picks per record.
DYNAMIC = "<topic extractor>"

DEFAULTS: dict[str, Any] = {
    "application.id": "airstream-app",
    "default.key.serde": None,
    "default.value.serde": None,
    "default.deserialization.exception.handler": "fail",
    "processing.exception.handler": "fail",
    "production.exception.handler": None,
    "errors.dead.letter.queue.topic.name": None,
    "commit.interval.ms": 100,
}


def resolve_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """The config with defaults filled in; ``application.id`` must be a usable topic prefix."""
    merged = dict(DEFAULTS)
    merged.update(config or {})
    app = str(merged["application.id"])
    if not app or any(c.isspace() for c in app):
        raise ValueError(f"application.id {app!r} must be a non-empty name without spaces; it "
                         "prefixes internal topic names")
    return merged


def _default_serde(value: Any) -> Serde[Any]:
    """A ``default.*.serde`` config value: a Serde, a name (``"string"``), or a Java class name
    as Kafka Streams configs spell it (``org.apache...Serdes$StringSerde``)."""
    if value is None:
        return AutoSerde()
    if isinstance(value, Serde):
        return value
    name = str(value).rsplit("$", 1)[-1].rsplit(".", 1)[-1]
    if name.endswith("Serde") and name != "Serde":
        name = name[: -len("Serde")]
    return Serdes.from_name(name)


@dataclass
class SubtopologyPlan:
    """One sub-topology: its source topics (resolved), nodes, stores and generated code."""

    id: int
    nodes: list[Node]
    source_topics: list[str]
    source_serdes: dict[str, tuple[Serde[Any], Serde[Any]]]
    entry_nodes: dict[str, int]
    stores: list[StoreSpec]
    source_code: str
    code: Any
    line_nodes: dict[int, str]
    node_ids: dict[str, int]
    bindings: dict[str, Any] = field(default_factory=dict)
    sink_serdes: dict[str, tuple[Serde[Any], Serde[Any]]] = field(default_factory=dict)
    is_global: bool = False


@dataclass
class Plan:
    """The executable form of a :class:`~airstream.Topology` for one ``application.id``.

    Engines create one :class:`~airstream.topology.engine.task.Task` per sub-topology and partition.
    """

    topology: Topology
    config: dict[str, Any]
    application_id: str
    subtopologies: list[SubtopologyPlan]
    global_subtopologies: list[SubtopologyPlan]
    repartition_topics: dict[str, int | None]
    changelog_topics: dict[str, str]
    default_key_serde: Serde[Any]
    default_value_serde: Serde[Any]
    stores: dict[str, StoreSpec]

    def topic_name(self, node_topic: str, internal: bool) -> str:
        """Internal topics are prefixed with ``<application.id>-``."""
        return f"{self.application_id}-{node_topic}" if internal else node_topic

    def sink_serdes_for(self, topic: str) -> tuple[Serde[Any], Serde[Any]] | None:
        """The serdes a sink uses to write ``topic``: a sink naming it, else a sink choosing
        topics with a topic extractor, else ``None``."""
        for name in (topic, DYNAMIC):
            for sub in self.subtopologies:
                if name in sub.sink_serdes:
                    return sub.sink_serdes[name]
        return None

    def source_serdes_for(self, topic: str) -> tuple[Serde[Any], Serde[Any]] | None:
        """The serdes the topology reads ``topic`` with, if it reads it."""
        for sub in self.subtopologies + self.global_subtopologies:
            if topic in sub.source_serdes:
                return sub.source_serdes[topic]
        return None

    def store_spec(self, name: str) -> StoreSpec:
        """The spec of store ``name``; a clear error for unknown names."""
        try:
            return self.stores[name]
        except KeyError:
            raise KeyError(f"no state store named {name!r}; the topology has "
                           f"{sorted(self.stores) or 'no stores'}") from None


@dataclass(frozen=True)
class TopicLayout:
    """Partition counts of every topic the application reads (sources and repartition topics),
    and the number of tasks (partitions) of each sub-topology; changelogs have one partition
    per task of the sub-topology that owns the store."""

    partitions: dict[str, int]
    task_counts: dict[int, int]

    def tasks(self, sub: SubtopologyPlan) -> int:
        """How many tasks ``sub`` has."""
        return self.task_counts[sub.id]


def plan_partitions(plan: Plan, existing: Mapping[str, int], default: int = 1) -> TopicLayout:
    """The partition rule every engine follows, given the counts of the ``existing`` topics.

    A repartition topic has the count the topology gives (``repartition(num_partitions=...)``),
    or else that of the other topics the sub-topology reading it reads, or else the largest
    count of the topics its writers read (``default`` when that is none); a sub-topology has
    one task per partition of its source topics, which must all have the same count. Raises
    :class:`~airstream.topology.errors.TopologyException` for a missing source topic, co-partitioned
    topics with different counts, and an existing repartition topic whose count differs from the one
    the topology asks for.

    >>> from airstream.topology import StreamsBuilder
    >>> b = StreamsBuilder()
    >>> b.stream("in").repartition(name="spread").to("out")
    >>> plan = compile_topology(b.build(), {"application.id": "app"})
    >>> plan_partitions(plan, {"in": 3}).partitions["app-spread-repartition"]
    3
    """
    counts = dict(existing)
    repartition = plan.repartition_topics
    subs = plan.subtopologies + plan.global_subtopologies
    missing = sorted({t for s in subs for t in s.source_topics if t not in repartition and t not in counts})
    if missing:
        raise TopologyException(
            f"source topic(s) {', '.join(map(repr, missing))} do not exist: create them first "
            f"(e.g. kafka-topics.sh --create --topic {missing[0]} --partitions 6) or fix the topic "
            "name in the topology")
    for topic, n in repartition.items():
        if n is not None and topic not in counts:
            counts[topic] = n
    # Repartition topics a sub-topology reads are co-partitioned with its other sources: they
    # take those topics' count when it is known (the foreign-key join's subscription topics),
    # else together the largest count of the topics their writers read, as Kafka Streams does.
    groups = [[t for t in sub.source_topics if t not in counts] for sub in plan.subtopologies]
    pending = [g for g in groups if g]
    while pending:
        progressed = False
        for group in list(pending):
            sub = next(s for s in plan.subtopologies if group[0] in s.source_topics)
            partners = [counts[t] for t in sub.source_topics if t in counts]
            inputs = [t for s in plan.subtopologies if any(g in s.sink_serdes for g in group)
                      for t in s.source_topics]
            if partners:
                n = max(partners)
            elif any(t not in counts for t in inputs):
                continue
            else:
                n = max((counts[t] for t in inputs), default=default)
            counts.update(dict.fromkeys(group, n))
            pending.remove(group)
            progressed = True
        if not progressed:  # repartition topics feeding each other: no upstream count to copy
            raise TopologyException(f"cannot derive the partition count of {sorted(t for g in pending for t in g)}: "
                                    "give it with repartition(num_partitions=...)")
    for topic, n in repartition.items():
        if n is not None and counts[topic] != n:
            raise TopologyException(f"internal topic {topic!r} has {counts[topic]} partitions but the "
                                    f"topology asks for {n}; delete it (it is rebuilt) or reset the application")
    tasks: dict[int, int] = {}
    for sub in plan.subtopologies:
        by_topic = {t: counts[t] for t in sub.source_topics}
        if len(set(by_topic.values())) > 1:
            raise TopologyException(
                f"sub-topology {sub.id} reads topics that must be co-partitioned but have different "
                f"partition counts: {by_topic}; give them the same number of partitions or "
                "repartition one side")
        tasks[sub.id] = next(iter(by_topic.values()), default)
    return TopicLayout(counts, tasks)


def compile_topology(topology: Topology, config: dict[str, Any] | None = None) -> Plan:
    """Compile ``topology`` for the (resolved) ``config``."""
    cfg = resolve_config(config)
    app = str(cfg["application.id"])
    dk, dv = _default_serde(cfg["default.key.serde"]), _default_serde(cfg["default.value.serde"])
    graph = topology.graph
    stores: dict[str, StoreSpec] = {}
    for spec in graph.stores.values():
        ks = resolve_serde(spec.key_serde, dk)
        vs = _resolve_store_serde(spec.value_serde, dv)
        stores[spec.name] = StoreSpec(spec.name, spec.kind, ks, vs, spec.changelog,
                                      spec.window_size_ms, spec.retention_ms,
                                      spec.retain_duplicates, spec.is_global, spec.source_topic)
    subs: list[SubtopologyPlan] = []
    globals_: list[SubtopologyPlan] = []
    for sub_id, members, is_global in graph.subtopologies():
        gen = _Generator(app, members, dk, dv)
        plan = gen.build(sub_id, stores, is_global)
        (globals_ if is_global else subs).append(plan)
    changelogs = {s.name: f"{app}-{s.changelog_topic}" for s in stores.values()
                  if s.changelog and not s.is_global}
    return Plan(topology, cfg, app, subs, globals_,
                {f"{app}-{t}": n for t, n in graph.repartition_topics.items()}, changelogs, dk, dv,
                stores)


def _resolve_store_serde(serde: Serde[Any] | None, default: Serde[Any]) -> Serde[Any]:
    """``resolve_serde``, also into both sides of an outer-join buffer's values."""
    if isinstance(serde, LeftOrRightSerde):
        return LeftOrRightSerde(resolve_serde(serde.left, default), resolve_serde(serde.right, default))
    return resolve_serde(serde, default)


class _Fields(NamedTuple):
    """How a batch function reads its inputs: its ``loop`` line (binding ``src``, and ``ts`` when
    ``timestamp`` is ``None``), the ``reads`` at the top of each turn, and the expressions of the
    input's raw ``key``, ``value``, ``timestamp`` and ``headers``."""

    loop: str
    reads: tuple[str, ...]
    key: str
    value: str
    timestamp: str | None
    headers: str


_RECORD_FIELDS = _Fields("for src in run:", (), "src[4]", "src[5]", "src[3]", "src[6]")
"""Records: tuples in InputRecord order."""

# A record tuple costs a call per field to build (from_messages: ~0.3 us a record); a message's
# key, value and headers cost one call each, and its timestamps come as one list per run.
_MESSAGE_FIELDS = _Fields("for src, ts in zip(run, stamps):", ("kr = src.key()", "vr = src.value()"),
                          "kr", "vr", None, "src.headers()")
"""confluent-kafka messages, with their timestamps in ``stamps``."""


class _Input(NamedTuple):
    """What a function being written reads: its source's key and value ``serdes`` and the ``fields``
    of a raw input (a sink whose key or value is the input's, unchanged, reuses its bytes)."""

    serdes: tuple[Serde[Any], Serde[Any]]
    fields: _Fields


def _reads_source(node: Node) -> bool:
    """Whether an operator below ``node`` is handed the input record itself (a processor, a topic
    extractor), which then has to be a record, not a message."""
    own = (node.kind == "processor" and isinstance(node.op, Spec)) or (node.kind == "sink" and callable(node.topic))
    return own or any(_reads_source(child) for child in node.children)


class _Step(NamedTuple):
    """The generated code of one stateless operator: ``line`` (``None`` for none) over ``fn`` (the
    user's function), the incoming ``k``/``v`` and the outgoing ``nk``/``nv`` names; whether it
    binds a new key or value, and whether its children go in the block it opens."""

    line: str | None
    new_key: bool = False
    new_value: bool = False
    opens_block: bool = False


_STATELESS: dict[StatelessKind, _Step] = {
    "filter": _Step("if {fn}({k}, {v}):", opens_block=True),
    "filter_not": _Step("if not {fn}({k}, {v}):", opens_block=True),
    "map": _Step("{nk}, {nv} = {fn}({k}, {v})", new_key=True, new_value=True),
    "map_values": _Step("{nv} = {fn}({v})", new_value=True),
    "flat_map": _Step("for {nk}, {nv} in {fn}({k}, {v}):", new_key=True, new_value=True, opens_block=True),
    "flat_map_values": _Step("for {nv} in {fn}({v}):", new_value=True, opens_block=True),
    "select_key": _Step("{nk} = {fn}({k}, {v})", new_key=True),
    "peek": _Step("{fn}({k}, {v})"),
    "foreach": _Step("{fn}({k}, {v})"),
    "to_stream": _Step("{nv} = {v}[0]", new_value=True),
    "pass": _Step(None),
}
"""Every stateless kind but ``branch``, which emits one block per branch (:meth:`_Generator.branch`)."""


class _Generator:
    """Writes the Python source of one sub-topology."""

    def __init__(self, app: str, members: list[Node], dk: Serde[Any], dv: Serde[Any]) -> None:
        self.app = app
        self.members = members
        self.dk, self.dv = dk, dv
        self.ids = {n.name: i for i, n in enumerate(members)}
        self.lines: list[str] = []
        self.line_nodes: dict[int, str] = {}
        self.bindings: dict[str, Any] = {}
        self.sink_serdes: dict[str, tuple[Serde[Any], Serde[Any]]] = {}

    def topic(self, node: Node, raw: str) -> str:
        return f"{self.app}-{raw}" if node.internal else raw

    def emit(self, depth: int, text: str, node: Node | None) -> None:
        self.lines.append("    " * depth + text)
        if node is not None:
            self.line_nodes[len(self.lines)] = node.name

    def build(self, sub_id: int, stores: dict[str, StoreSpec], is_global: bool) -> SubtopologyPlan:
        source_topics, source_serdes, entries = [], {}, {}
        used_stores: list[StoreSpec] = []
        self.emit(0, "# generated by airstream.topology.compile", None)
        for node in self.members:
            for store in node.stores + node.hidden_stores:
                if stores[store] not in used_stores:
                    used_stores.append(stores[store])
            if node.kind == "source":
                ks, vs = resolve_serde(node.key_serde, self.dk), resolve_serde(node.value_serde, self.dv)
                for raw in node.topics:
                    topic = self.topic(node, raw)
                    source_topics.append(topic)
                    source_serdes[topic] = (ks, vs)
                    entries[topic] = self.ids[node.name]
                self.segment(node, (ks, vs))
            elif node.kind == "processor" and isinstance(node.op, Spec):
                self.segment(node)
        source = "\n".join(self.lines) + "\n"
        filename = f"<airstream sub-topology {sub_id}>"
        code = compile(source, filename, "exec")
        return SubtopologyPlan(sub_id, self.members, source_topics, source_serdes, entries,
                               used_stores, source, code, self.line_nodes, self.ids,
                               self.bindings, self.sink_serdes, is_global)

    def segment(self, root: Node, serdes: tuple[Serde[Any], Serde[Any]] | None = None) -> None:
        """``seg_<i>(k0, v0, ts, h, src)`` runs the chains below ``root`` for one record; for a
        source also ``batch_<i>(run, topic, task, fail, decode)``, the same for a whole batch of
        undecoded records with no call per record (``decode(topic, record)``: the key and value by
        the serdes' own ``deserialize``, or ``None`` once the error handler has the record), and,
        when no operator below reads the record itself, ``mbatch_<i>(run, stamps, topic, task,
        fail, decode)``: the same for confluent-kafka messages and their timestamps, read without
        building records (``fail`` and ``decode`` then take a message)."""
        i = self.ids[root.name]
        self.emit(0, f"def seg_{i}(k0, v0, ts, h, src):", root)
        self.body(root, 1, None if serdes is None else _Input(serdes, _RECORD_FIELDS))
        if serdes is None:
            return
        self.batch(root, f"batch_{i}(run, topic, task, fail, decode)", _Input(serdes, _RECORD_FIELDS))
        if not _reads_source(root):
            self.batch(root, f"mbatch_{i}(run, stamps, topic, task, fail, decode)", _Input(serdes, _MESSAGE_FIELDS))

    def batch(self, root: Node, signature: str, source: _Input) -> None:
        """The batch function ``signature`` of the source ``root``, reading each input as ``source`` says."""
        i = self.ids[root.name]
        serdes, fields = source
        self.emit(0, f"def {signature}:", root)
        self.emit(1, "st = task.stream_time", None)
        self.emit(1, fields.loop, None)
        for line in fields.reads:
            self.emit(2, line, None)
        # Each record is decoded as the loop takes it: its objects are then used and freed while
        # they are still in the CPU caches (a decoded tweet is ~5 kB of objects).
        self.emit(2, "try:", None)
        self.decode("k0", fields.key, serdes[0], f"kd_{i}", 3)
        self.decode("v0", fields.value, serdes[1], f"vd_{i}", 3)
        self.emit(2, "except Exception:", None)
        self.emit(3, "kv = decode(topic, src)", None)  # the serde's own error, to the handler
        self.emit(3, "if kv is None:", None)
        self.emit(4, "continue", None)
        self.emit(3, "k0, v0 = kv", None)
        if fields.timestamp is not None:
            self.emit(2, f"ts = {fields.timestamp}", None)
        self.emit(2, "if ts > st:", None)
        self.emit(3, "st = task.stream_time = ts", None)
        self.emit(2, f"h = {fields.headers}", None)
        self.emit(2, "try:", None)
        self.body(root, 3, source)
        self.emit(2, "except Exception as exc:", None)
        self.emit(3, "fail(exc, src)", None)

    def decode(self, var: str, raw: str, serde: Serde[Any], name: str, d: int) -> None:
        """Lines setting ``var`` to the record's key or value (read by the expression ``raw``) as
        ``serde`` reads it."""
        if type(serde) is BytesSerde:
            self.emit(d, f"{var} = {raw}", None)
            return
        decoder = serde.decoder() if _hook_matches(serde, "decoder", "deserialize") else None
        if decoder is None:
            self.bindings[name] = serde.deserialize
            self.emit(d, f"{var} = {name}(topic, {raw})", None)
            return
        self.bindings[name] = decoder
        self.emit(d, f"{var} = {raw}", None)
        self.emit(d, f"if {var} is not None:", None)
        self.emit(d + 1, f"{var} = {name}({var})", None)

    def body(self, root: Node, d: int, source: _Input | None) -> None:
        """The chains below ``root``; ``source``: what they read, ``None`` below a processor."""
        before = len(self.lines)
        for child in root.children:
            self.node(child, "k0", "v0", d, source)
        if len(self.lines) == before:
            self.emit(d, "pass", root)

    def node(self, node: Node, k: str, v: str, d: int, source: _Input | None) -> None:
        i = self.ids[node.name]
        if node.kind == "sink":
            self.sink(node, k, v, d, source)
            return
        op = node.op
        if isinstance(op, Spec):
            self.emit(d, f"op_{i}.process({k}, {v}, ts, h, src)", node)
            return
        assert op is not None, f"processor {node.name} has no operator"
        if op.kind == "branch":
            self.branch(node, op, k, v, d, source)
            return
        step = _STATELESS[op.kind]
        fn = f"fn_{i}"
        nk = f"k{i + 1}_" if step.new_key else k
        nv = f"v{i + 1}_" if step.new_value else v
        if step.line is not None:
            self.emit(d, step.line.format(fn=fn, k=k, v=v, nk=nk, nv=nv), node)
        if step.opens_block:
            d += 1
        if op.fn is not None:
            self.bindings[fn] = op.fn
        before = len(self.lines)
        for child in node.children:
            self.node(child, nk, nv, d, source)
        if len(self.lines) == before and step.opens_block:
            self.emit(d, "pass", node)

    def branch(self, node: Node, op: Stateless, k: str, v: str, d: int, source: _Input | None) -> None:
        i = self.ids[node.name]
        by_name = {c.name: c for c in node.children}
        first = True
        for j, (pred, child_name) in enumerate(op.fn):
            if pred is None:
                self.emit(d, "else:" if not first else "if True:", node)
            else:
                self.bindings[f"br_{i}_{j}"] = pred
                self.emit(d, f"{'if' if first else 'elif'} br_{i}_{j}({k}, {v}):", node)
            first = False
            before = len(self.lines)
            self.node(by_name[child_name], k, v, d + 1, source)
            if len(self.lines) == before:
                self.emit(d + 1, "pass", node)

    def sink(self, node: Node, k: str, v: str, d: int, source: _Input | None) -> None:
        i = self.ids[node.name]
        ks = resolve_serde(node.key_serde, self.dk)
        vs = resolve_serde(node.value_serde, self.dv)
        self.bindings[f"ks_{i}"] = ks.serialize
        self.bindings[f"vs_{i}"] = vs.serialize
        if callable(node.topic):
            self.sink_serdes.setdefault(DYNAMIC, (ks, vs))
            self.bindings[f"tx_{i}"] = node.topic
            self.emit(d, f"t{i} = tx_{i}({k}, {v}, src)", node)
            topic = f"t{i}"
        else:
            assert node.topic is not None, f"sink {node.name} has no topic"
            resolved = self.topic(node, node.topic)
            self.sink_serdes[resolved] = (ks, vs)
            topic = repr(resolved)
        key = value = None
        if source is not None:
            # Unchanged key/value with a byte-exact serde: reuse the input bytes.
            if k == "k0" and _same_bytes(source.serdes[0], ks):
                key = source.fields.key
            if v == "v0" and _same_bytes(source.serdes[1], vs):
                value = source.fields.value
        key = key or self.encode(k, ks, f"ks_{i}", f"ke_{i}", f"kb_{i}", topic, d, node)
        value = value or self.encode(v, vs, f"vs_{i}", f"ve_{i}", f"vb_{i}", topic, d, node)
        # A plain tuple in OutputRecord's field order: the named tuple would cost a second
        # allocation per record, and engines unpack outputs anyway.
        self.emit(d, f"_out(({topic}, None, {key}, {value}, ts, h))", node)

    def encode(self, var: str, serde: Serde[Any], serialize: str, name: str, out: str, topic: str, d: int,
               node: Node) -> str:
        """The expression of ``var`` as ``serde`` writes it for ``topic``: a call of its ``serialize``
        (bound as ``serialize``), or, when it has an encoder, lines setting ``out`` through it."""
        encoder = serde.encoder() if _hook_matches(serde, "encoder", "serialize") else None
        if encoder is None:
            return f"{serialize}({topic}, {var})"
        self.bindings[name] = encoder
        self.emit(d, f"{out} = {var}", node)
        self.emit(d, f"if {out} is not None:", node)
        self.emit(d + 1, "try:", node)
        self.emit(d + 2, f"{out} = {name}({out})", node)
        self.emit(d + 1, "except Exception:", node)  # the serde's own error, to the handler
        self.emit(d + 2, f"{out} = {serialize}({topic}, {var})", node)
        return out


_EXACT = (StringSerde, BytesSerde, IntegerSerde, LongSerde)


def _hook_matches(serde: Serde[Any], hook: str, method: str) -> bool:
    """Whether ``serde``'s ``hook`` (``decoder``, ``encoder``) comes from the class that gives its
    ``method`` (``deserialize``, ``serialize``): a subclass that overrides only the method must not
    be read or written with its parent's C function."""
    cls = type(serde)
    owner = next(c for c in cls.__mro__ if hook in c.__dict__)
    return getattr(cls, method) is getattr(owner, method)


def _same_bytes(reader: Serde[Any], writer: Serde[Any]) -> bool:
    """Whether writing a value read with ``reader`` through ``writer`` gives back the same bytes."""
    return type(reader) is type(writer) and isinstance(reader, _EXACT)


def node_for_traceback(sub: SubtopologyPlan, tb: Any, runtimes: dict[int, Any]) -> str | None:
    """The processor an exception came from: the innermost generated line or operator frame."""
    name = None
    filename = f"<airstream sub-topology {sub.id}>"
    op_ids = {id(rt): rt.name for rt in runtimes.values()}
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == filename:
            name = sub.line_nodes.get(tb.tb_lineno, name)
        else:
            me = frame.f_locals.get("self")
            if me is not None and id(me) in op_ids:
                name = op_ids[id(me)]
        tb = tb.tb_next
    return name
