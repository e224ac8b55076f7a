"""Test a topology without a broker, as with Kafka Streams' ``kafka-streams-test-utils``.

The same names as :mod:`airstream.topology.testing`, where they are documented:

>>> from airstream import Serdes, StreamsBuilder
>>> from airstream.testing import TopologyTestDriver
>>> b = StreamsBuilder()
>>> b.stream("in", value_serde=Serdes.String()).filter(lambda k, v: v != "drop").to("out")
>>> with TopologyTestDriver(b.build()) as driver:
...     driver.create_input_topic("in").pipe_value_list(["keep", "drop"])
...     driver.create_output_topic("out").read_values_to_list()
['keep']
"""

from airstream.topology import testing as _driver
from airstream.topology.testing import *

__all__ = _driver.__all__
