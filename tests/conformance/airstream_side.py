"""The catalogue's cases on airstream's own ``TopologyTestDriver``, read out as Kafka Streams' are."""

from __future__ import annotations

from cases import Case
from events import Event, Record, Steps

from airstream import Serdes, StreamsBuilder
from airstream.testing import TopologyTestDriver

CONFIG = {"application.id": "conformance", "default.key.serde": "String", "default.value.serde": "String"}


def run_airstream(case: Case, events: list[Event]) -> Steps:
    """The records each event makes airstream write, per event in order."""
    builder = StreamsBuilder()
    case.build(builder)
    steps: Steps = []
    with TopologyTestDriver(builder.build(), CONFIG) as driver:
        inputs = {t.name: driver.create_input_topic(t.name) for t in case.inputs}
        outputs = {name: driver.create_output_topic(name, value_serde=Serdes.Long() if kind == "long" else None)
                   for name, kind in case.outputs.items()}
        for e in events:
            if e.wall_ms:
                driver.advance_wall_clock_time(e.wall_ms)
            inputs[e.topic].pipe_input(e.key, e.value, timestamp=e.ts,
                                       headers=[(k, v.encode()) for k, v in e.headers])
            steps.append([Record(topic, r.key, r.value, r.timestamp,
                                 tuple((k, None if v is None else v.decode()) for k, v in r.headers))
                          for topic, out in outputs.items() for r in out.read_records_to_list()])
    return steps
