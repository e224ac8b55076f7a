"""Two `airstream run` instances share a 6-partition input while they are killed with SIGKILL.

The issue's figure is 200,000 records; on this 2-core box these tests use 2 x 12,000 records
produced over ~16 s (each record runs through two sub-topologies: map_values -> to, and
group_by -> repartition -> count), which keeps each test near a minute. The kill schedule:
one instance is killed and stays dead until the other has taken over and produced every
result so far; then both are killed and restarted in turn while a second wave arrives.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from runtime_support import (
    Instance,
    create_topic,
    duplicates,
    produce_in_background,
    read_table,
    read_topic,
    write_counting_script,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

WAVE = 12_000
RATE = 1_500.0
KEYS = 60


def _wave(start: int) -> list[tuple[bytes, bytes]]:
    return [(f"k{i % KEYS}".encode(), f"v{i}".encode()) for i in range(start, start + WAVE)]


def _run_with_kills(bootstrap: str, name: str, folder: Path, guarantee: str) -> tuple[list, list, dict]:
    source, upper, counts = f"{name}-in", f"{name}-upper", f"{name}-counts"
    create_topic(bootstrap, source, 6)
    spec = write_counting_script(folder, source, upper, counts)
    extra = ["--guarantee", guarantee, "-X", "commit.interval.ms=" + ("100" if guarantee == "exactly_once_v2" else "500")]
    a = Instance(spec, bootstrap, name, "a", folder, extra)
    b = Instance(spec, bootstrap, name, "b", folder, extra)
    first, second = _wave(0), _wave(WAVE)
    try:
        producer = produce_in_background(bootstrap, source, first, RATE)
        time.sleep(4)
        a.kill()  # b must take over a's partitions (after the session timeout) and finish the wave alone
        producer.join()
        alone = read_topic(bootstrap, upper, WAVE, timeout=90, settle=0)
        assert len({m.value() for m in alone}) == WAVE, b.log()[-3000:]

        a.start()
        producer = produce_in_background(bootstrap, source, second, RATE)
        for victim in (b, a, b):
            time.sleep(3)
            victim.kill()
            time.sleep(1)
            victim.start()  # same instance id: the new transactional producer fences the dead one
        producer.join()
        out = read_topic(bootstrap, upper, 2 * WAVE, timeout=120, settle=3)
        expected = Counter(k for k, _ in first + second)
        counted = read_table(bootstrap, counts, lambda t: all(t.get(k, 0) >= n for k, n in expected.items()))
    finally:
        for instance in (a, b):
            if instance.proc and instance.proc.poll() is None:
                instance.terminate(60)
    return [m.value() for m in out], first + second, {"expected": expected, "counted": counted}


def test_exactly_once_under_repeated_kills(kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    values, sent, counts = _run_with_kills(kafka_cluster, unique_name, tmp_path, "exactly_once_v2")
    assert duplicates(values) == 0
    assert sorted(values) == sorted(v.upper() for _, v in sent)
    assert counts["counted"] == dict(counts["expected"])


def test_at_least_once_loses_nothing_under_repeated_kills(kafka_cluster: str, unique_name: str,
                                                          tmp_path: Path, record_property) -> None:
    values, sent, counts = _run_with_kills(kafka_cluster, unique_name, tmp_path, "at_least_once")
    assert set(values) == {v.upper() for _, v in sent}
    assert all(counts["counted"][k] >= n for k, n in counts["expected"].items())
    dups = duplicates(values)
    over = sum(counts["counted"][k] - n for k, n in counts["expected"].items())
    record_property("duplicates", dups)
    print(f"at_least_once under kills: {dups} duplicate output record(s) of {len(sent)}; "
          f"counts over by {over} in total")
