"""Engines that run a compiled topology: the :class:`~airstream.topology.engine.task.Task` protocol
every engine drives, and the embedded engine with its in-process cluster."""

from airstream.topology.engine.cluster import EmbeddedCluster, EmbeddedClusterView, EmbeddedProducer
from airstream.topology.engine.embedded import EmbeddedEngine
from airstream.topology.engine.task import InputRecord, OutputRecord, Task

__all__ = [
    "EmbeddedCluster",
    "EmbeddedClusterView",
    "EmbeddedEngine",
    "EmbeddedProducer",
    "InputRecord",
    "OutputRecord",
    "Task",
]
