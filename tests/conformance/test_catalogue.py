"""Every case of the catalogue, fed the same seeded events, writes the same records as Kafka Streams
(topic, key, value, timestamp and headers, in order, after every event). A difference is shrunk to
a smallest input that still shows it, which the failure prints."""

from __future__ import annotations

import pytest
from airstream_side import run_airstream
from cases import CASES, Case
from events import Event, Steps, first_difference, generate, shrink
from kstreams import KafkaStreamsDriver

from conftest import TALLY, seeds


def differs(kafka_streams: KafkaStreamsDriver, case: Case, events: list[Event]) -> tuple[Steps, Steps, int | None]:
    expected = kafka_streams.run(case.name, events, case.outputs)
    got = run_airstream(case, events)
    return expected, got, first_difference(expected, got)


def report(kafka_streams: KafkaStreamsDriver, case: Case, seed: int, events: list[Event]) -> str:
    """The smallest input that still differs, event by event, with both sides' records."""
    small = shrink(events, lambda evs: differs(kafka_streams, case, evs)[2] is not None)
    expected, got, at = differs(kafka_streams, case, small)
    lines = [f"{case.name}, seed {seed}: airstream differs from Kafka Streams; smallest input ({len(small)} events):"]
    for i, event in enumerate(small):
        lines.append(f"  {event}{'   <== first difference' if i == at else ''}")
        lines.append(f"      Kafka Streams: {[str(r) for r in expected[i]]}")
        lines.append(f"      airstream:     {[str(r) for r in got[i]]}")
    return "\n".join(lines)


@pytest.mark.conformance
@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_kafka_streams(name: str, kafka_streams: KafkaStreamsDriver) -> None:
    case = CASES[name]
    assert name in kafka_streams.cases, f"{name} is missing from java/src/Catalogue.java"
    failures = []
    for seed in seeds():
        events = generate(case.inputs, seed, case.shape)
        match = differs(kafka_streams, case, events)[2] is None
        TALLY.add(name, match)
        if not match:
            failures.append(report(kafka_streams, case, seed, events))
    assert not failures, "\n\n".join(failures[:3])


def test_both_catalogues_have_the_same_cases(kafka_streams: KafkaStreamsDriver) -> None:
    assert sorted(kafka_streams.cases) == sorted(CASES)
