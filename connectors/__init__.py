"""Sources and sinks for the CloudAir pipeline: tweets, CML scoring, SQL routing, Slack, Parquet, Kudu, HBase, Atlas."""
