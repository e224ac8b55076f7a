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
    "Dataset": "connectors.sink",
    "RecordRejected": "connectors.sink",
    "Rejected": "connectors.sink",
    "RejectedRecords": "connectors.sink",
    "Sink": "connectors.sink",
    "SinkError": "connectors.sink",
    "SinkRecord": "connectors.sink",
    # sinks and their catalogs
    "ParquetSink": "connectors.parquet",
    "S3Options": "connectors.parquet",
    "ImpalaCatalog": "connectors.impala",
    "ImpalaSettings": "connectors.impala",
    "ImpalaTable": "connectors.impala",
    "KuduSink": "connectors.kudu",
    "ImpalaKuduSink": "connectors.kudu",
    "HBaseSink": "connectors.hbase",
    # tweet sources
    "SAMPLE_CSV": "connectors.tweets",
    "TweetReplay": "connectors.tweets",
    "JsonlReplay": "connectors.tweets",
    "TweetFormatError": "connectors.tweets",
    "produce_tweets": "connectors.tweets",
    "TwitterStream": "connectors.twitter_v2",
    "TwitterAPIError": "connectors.twitter_v2",
    # model scoring
    "CMLClient": "connectors.cml",
    "CMLError": "connectors.cml",
    "CircuitBreaker": "connectors.cml",
    "CircuitOpenError": "connectors.cml",
    "ScoreResult": "connectors.cml",
    "ModelServer": "connectors.model_server",
    # routing and alerts
    "SqlRouter": "connectors.sql_router",
    "SqlRouteError": "connectors.sql_router",
    "RouteResult": "connectors.sql_router",
    "SlackSink": "connectors.slack",
    "SlackSinkError": "connectors.slack",
    # lineage
    "AtlasClient": "connectors.atlas",
    "TopologyLineage": "connectors.atlas",
    "SubTopologyLineage": "connectors.atlas",
    "lineage_from_topology": "connectors.atlas",
    "publish_lineage": "connectors.atlas",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'connectors' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
