"""The benchmark pipeline as an ``airstream run`` script, for the ``airstream-x2`` contender.

``airstream run --instances 2`` starts two processes of the application in one consumer group, so
the pipeline uses both cores. The topics come from the environment, since ``airstream run`` takes
the topology by name::

    BENCH_INPUT=tweets BENCH_OUTPUT=influencers PYTHONPATH=. \\
        airstream run bench/kafka_app.py:topology --instances 2 \\
        --bootstrap 127.0.0.1:9092 --application-id bench --instance-id bench
"""

from __future__ import annotations

import os

from airstream.topology import Topology
from bench.kafka_contenders import pipeline_topology

__all__ = ["topology"]


def topology() -> Topology:
    """:func:`bench.kafka_contenders.pipeline_topology` from ``$BENCH_INPUT`` to ``$BENCH_OUTPUT``."""
    return pipeline_topology(os.environ["BENCH_INPUT"], os.environ["BENCH_OUTPUT"])
