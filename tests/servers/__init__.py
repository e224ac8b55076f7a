"""Small servers the unit tests run in-process on 127.0.0.1 (S3, HBase Thrift, Atlas)."""
