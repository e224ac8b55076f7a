"""The conformance suite's set-up: one Kafka Streams JVM for the whole run, the number of seeds,
and the figure printed at the end.

``CONFORMANCE_SEEDS`` (default 3) seeds per case; ``make conformance SEEDS=200`` runs a long pass.
Without Java or Maven the suite is skipped with the reason, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from ci_support import missing
from kstreams import KafkaStreamsDriver

from airstream.common.local_jvm import LocalServiceError
from airstream.topology.kafka_local import KAFKA_VERSION


@dataclass
class Tally:
    """Runs compared, per case: how many, and how many matched."""

    runs: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)

    def add(self, case: str, match: bool) -> None:
        self.runs[case] = self.runs.get(case, 0) + 1
        self.matched[case] = self.matched.get(case, 0) + int(match)


TALLY = Tally()


def seeds() -> range:
    """The seeds every case runs with."""
    return range(int(os.environ.get("CONFORMANCE_SEEDS", "3")))


@pytest.fixture(scope="session")
def kafka_streams() -> Iterator[KafkaStreamsDriver]:
    """Kafka Streams' TopologyTestDriver, in one JVM for the session."""
    try:
        driver = KafkaStreamsDriver()
    except LocalServiceError as exc:
        missing("Kafka Streams cannot be run for the conformance suite", str(exc))
    try:
        yield driver
    finally:
        driver.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY.runs:
        return
    cases = len(TALLY.runs)
    matching = sum(TALLY.matched[c] == TALLY.runs[c] for c in TALLY.runs)
    runs, matched = sum(TALLY.runs.values()), sum(TALLY.matched.values())
    terminalreporter.write_line(
        f"conformance with Kafka Streams {KAFKA_VERSION}: {matching}/{cases} cases match on every seed "
        f"({matched}/{runs} runs)")
