"""Engines that run a compiled topology: the :class:`~topology.engine.task.Task` protocol
every engine drives, and the embedded engine with its in-process cluster."""

from topology.engine.cluster import (
    ClusterView,
    EmbeddedCluster,
    GroupInfo,
    GroupOffset,
    PartitionInfo,
    TopicInfo,
)
from topology.engine.embedded import EmbeddedEngine
from topology.engine.task import InputRecord, OutputRecord, Task

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
