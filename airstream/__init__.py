"""airstream: Kafka Streams-style stream processing, a terminal Kafka monitor and the CloudAir
connectors, in Python on plain Apache Kafka.

The DSL is the friendly entry point; everything here is :mod:`airstream.topology`'s public API:

>>> from airstream import Serdes, StreamsBuilder
>>> from airstream.testing import TopologyTestDriver
>>> b = StreamsBuilder()
>>> b.stream("in", value_serde=Serdes.String()).map_values(str.upper).to("out")
>>> with TopologyTestDriver(b.build()) as driver:
...     driver.create_input_topic("in").pipe_input("k", "hi", timestamp=1)
...     driver.create_output_topic("out").read_value()
'HI'

The parts: :mod:`airstream.topology` (the DSL and its engines), :mod:`airstream.monitor`
(``airmon``), :mod:`airstream.connectors` (sources and sinks), :mod:`airstream.common` (what all
three share: client configuration, secret redaction, the sink contract, the trace format).
Names load on first use, so ``import airstream.monitor`` does not load the stream engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airstream.topology import *


def __getattr__(name: str) -> Any:
    # PEP 562: the DSL loads on first use, so the monitor and the common layer can be imported
    # without the stream engine behind them. ``__all__`` is the engine's own, so ``from airstream
    # import *`` gives exactly what ``airstream.topology`` exports.
    topology = importlib.import_module("airstream.topology")
    if name == "__all__" or name in topology.__all__:
        value = getattr(topology, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'airstream' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(importlib.import_module("airstream.topology").__all__))
