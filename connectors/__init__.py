"""Sources and sinks for the CloudAir pipeline: tweets, CML scoring, SQL routing, Slack, Parquet, Kudu, HBase, Atlas.

Names load lazily (``from connectors import ParquetSink`` imports pyarrow only then), so importing one
connector never pulls in the client libraries of the others.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # the sink contract
    "Dataset": "airstream.common.sink",
    "RecordRejected": "airstream.common.sink",
    "Rejected": "airstream.common.sink",
    "RejectedRecords": "airstream.common.sink",
    "Sink": "airstream.common.sink",
    "SinkError": "airstream.common.sink",
    "SinkRecord": "airstream.common.sink",
    # sinks and their catalogs
    "ParquetSink": "airstream.connectors.parquet",
    "S3Options": "airstream.connectors.parquet",
    "ImpalaCatalog": "airstream.connectors.impala",
    "ImpalaSettings": "airstream.connectors.impala",
    "ImpalaTable": "airstream.connectors.impala",
    "KuduSink": "airstream.connectors.kudu",
    "ImpalaKuduSink": "airstream.connectors.kudu",
    "HBaseSink": "airstream.connectors.hbase",
    "JsonLinesSink": "airstream.connectors.jsonlog",
    # tweet sources
    "SAMPLE_CSV": "airstream.connectors.tweets",
    "TweetReplay": "airstream.connectors.tweets",
    "JsonlReplay": "airstream.connectors.tweets",
    "SyntheticTweets": "airstream.connectors.synthetic",
    "TweetFormatError": "airstream.connectors.tweets",
    "produce_tweets": "airstream.connectors.tweets",
    "TwitterStream": "airstream.connectors.twitter_v2",
    "TwitterAPIError": "airstream.connectors.twitter_v2",
    # model scoring
    "CMLClient": "airstream.connectors.cml",
    "CMLError": "airstream.connectors.cml",
    "CircuitBreaker": "airstream.connectors.cml",
    "CircuitOpenError": "airstream.connectors.cml",
    "ScoreResult": "airstream.connectors.cml",
    "ModelServer": "airstream.connectors.model_server",
    # routing and alerts
    "SqlRouter": "airstream.connectors.sql_router",
    "SqlRouteError": "airstream.connectors.sql_router",
    "RouteResult": "airstream.connectors.sql_router",
    "SlackSink": "airstream.connectors.slack",
    "SlackSinkError": "airstream.connectors.slack",
    # lineage
    "AtlasClient": "airstream.connectors.atlas",
    "TopologyLineage": "airstream.connectors.atlas",
    "SubTopologyLineage": "airstream.connectors.atlas",
    "lineage_from_topology": "airstream.connectors.atlas",
    "publish_lineage": "airstream.connectors.atlas",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'airstream.connectors' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
