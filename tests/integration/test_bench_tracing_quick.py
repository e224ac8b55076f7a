"""A quick pass of the tracing benchmark (``make bench`` runs it in full): against the test broker
it measures the plain and the tracing clients on every workload and reports each ratio."""

from __future__ import annotations

import pytest

from bench import bench_tracing

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_a_short_run_reports_every_ratio_of_traced_to_plain(kafka_cluster: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP", kafka_cluster)
    rows = {row["name"]: row for row in bench_tracing.run(records=3_000, rounds=1)}
    cases = [f"tracing.consume.{w}" for w in bench_tracing.WORKLOADS]
    cases += ["tracing.produce", "tracing.produce.one_header"]
    for case in cases:
        assert rows[f"{case}.plain"]["value"] > 0, case
        assert rows[f"{case}.traced"]["value"] > 0, case
        assert rows[f"{case}.ratio"]["value"] > 0, case
    assert rows["tracing.aggregation.per_record"]["value"] > 0
