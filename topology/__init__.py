"""airstream's topology DSL: Kafka Streams semantics in Python.

Build with :class:`StreamsBuilder`, inspect with ``Topology.describe()``, test with
:class:`airstream.topology.testing.TopologyTestDriver`, run on Kafka with the runtime engine.
See ``docs/dsl.md`` for a tour.

>>> from airstream.topology import StreamsBuilder, Serdes
>>> b = StreamsBuilder()
>>> b.stream("tweets", value_serde=Serdes.Json()).filter(lambda k, v: v["lang"] == "en").to("en")
>>> print(b.build().describe().subtopologies[0].id)
0
"""

from airstream.topology.builder import StreamsBuilder, Topology
from airstream.topology.compile import Plan, compile_topology
from airstream.topology.errors import (
    DeserializationException,
    ProcessingException,
    StreamsException,
    TopologyException,
)
from airstream.topology.graph import TopologyDescription
from airstream.topology.grouped import KGroupedStream, SessionWindowedKStream, TimeWindowedKStream
from airstream.topology.kstream import BranchedKStream, KStream
from airstream.topology.ktable import GlobalKTable, KGroupedTable, KTable
from airstream.topology.partitioner import murmur2, partition_for
from airstream.topology.processor import (
    Processor,
    ProcessorContext,
    PunctuationType,
    Record,
    RecordMetadata,
    Stores,
)
from airstream.topology.runtime import KafkaStreams, StreamsConfig
from airstream.topology.serde_defaults import Change, WindowedSerdes
from airstream.topology.serdes import Serde, SerdeError, Serdes
from airstream.topology.windows import (
    JoinWindows,
    SessionWindows,
    SlidingWindows,
    TimeWindows,
    Window,
    Windowed,
)

__all__ = [
    "BranchedKStream",
    "Change",
    "DeserializationException",
    "GlobalKTable",
    "JoinWindows",
    "KGroupedStream",
    "KGroupedTable",
    "KStream",
    "KTable",
    "KafkaStreams",
    "Plan",
    "ProcessingException",
    "Processor",
    "ProcessorContext",
    "PunctuationType",
    "Record",
    "RecordMetadata",
    "Serde",
    "SerdeError",
    "Serdes",
    "SessionWindowedKStream",
    "SessionWindows",
    "SlidingWindows",
    "Stores",
    "StreamsBuilder",
    "StreamsConfig",
    "StreamsException",
    "TimeWindowedKStream",
    "TimeWindows",
    "Topology",
    "TopologyDescription",
    "TopologyException",
    "Window",
    "Windowed",
    "WindowedSerdes",
    "compile_topology",
    "murmur2",
    "partition_for",
]

