"""Run topologies on a Kafka cluster: :class:`KafkaStreams` and its :class:`StreamsConfig`.

>>> from airstream.topology.runtime import KafkaStreams, StreamsConfig, State
>>> State.RUNNING.value
'RUNNING'
"""

from airstream.topology.runtime.config import ConfigError, StreamsConfig
from airstream.topology.runtime.streams import KafkaStreams, State

__all__ = ["ConfigError", "KafkaStreams", "State", "StreamsConfig"]
