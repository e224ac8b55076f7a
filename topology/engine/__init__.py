"""Engines that run a compiled topology: the :class:`~airstream.topology.engine.task.Task` protocol
every engine drives, and the embedded engine with its in-process cluster."""

from airstream.topology.engine.cluster import (
    ClusterView,
    EmbeddedCluster,
    GroupInfo,
    GroupOffset,
    PartitionInfo,
    TopicInfo,
)
from airstream.topology.engine.embedded import EmbeddedEngine
from airstream.topology.engine.task import InputRecord, OutputRecord, Task

__all__ = [
    "ClusterView",
    "EmbeddedCluster",
    "EmbeddedEngine",
    "GroupInfo",
    "GroupOffset",
    "InputRecord",
    "OutputRecord",
    "PartitionInfo",
    "Task",
    "TopicInfo",
]
