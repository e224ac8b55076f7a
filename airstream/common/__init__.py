"""What the stream engine, the monitor and the connectors share; it imports none of them.

- :mod:`airstream.common.client_config` -- Kafka client properties from ``--bootstrap``,
  ``--config`` and ``-X``, and the connection part of a configuration;
- :mod:`airstream.common.redact` -- secrets kept out of logs, errors and the screen;
- :mod:`airstream.common.sink` -- the contract every sink follows, which ``KStream.to_sink`` drives;
- :mod:`airstream.common.traces` -- the trace header, latency histograms and the metrics record
  that traced clients publish and airmon reads;
- :mod:`airstream.common.cluster_view` -- what a monitor may read of an in-process cluster.
"""
