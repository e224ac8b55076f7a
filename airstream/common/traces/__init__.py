"""The trace format: the ``airstream.trace`` record header (:mod:`~airstream.common.traces.header`),
latency histograms (:mod:`~airstream.common.traces.histogram`) and the metrics record published to
``__airstream_metrics`` (:mod:`~airstream.common.traces.record`). The clients that write them are in
:mod:`airstream.topology.tracing`; airmon reads them in :mod:`airstream.monitor.traces`."""
