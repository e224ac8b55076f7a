"""``airstream run --instances N`` against the real broker: N processes share the group and the work,
one signal stops them all cleanly, and an instance's failure stops the command with its code."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from runtime_support import AIRSTREAM, GroupProgress, create_topic, produce, read_topic, write_counting_script

pytestmark = pytest.mark.kafka


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


# The classic protocol (client-side assignors, eager `range` here: the topology reads two topics) and
# KIP-848's (the broker assigns, incrementally; session timeouts are the broker's then).
@pytest.mark.parametrize("protocol", [["-X", "consumer.session.timeout.ms=6000"], ["-X", "group.protocol=consumer"]],
                         ids=["classic", "consumer"])
def test_two_instances_from_one_command_share_the_partitions_and_stop_together(
        kafka_cluster: str, unique_name: str, tmp_path: Path, protocol: list[str]) -> None:
    source, upper, counts, app = (f"{unique_name}-{s}" for s in ("in", "upper", "counts", "app"))
    create_topic(kafka_cluster, source, 4)
    spec = write_counting_script(tmp_path, source, upper, counts)
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen([AIRSTREAM, "run", spec, "--bootstrap", kafka_cluster, "--application-id", app,
                             "--instance-id", "w", "--instances", "2", *protocol],
                            stdout=log, stderr=subprocess.STDOUT)
    group = GroupProgress(kafka_cluster, app, source, 4)
    try:
        _wait(lambda: (owners := group.owners()) is not None and len(owners) == 2
              and sorted(p for ps in owners.values() for p in ps) == [0, 1, 2, 3], 90,
              f"two members sharing the 4 partitions: {group.assignment()}")
        assert {client.removeprefix(f"{app}-").removesuffix("-consumer") for client in group.owners() or {}} \
            == {"w-1", "w-2"}
        produce(kafka_cluster, source, [(f"k{i}".encode(), f"v{i}".encode()) for i in range(400)])
        assert sorted(m.value() for m in read_topic(kafka_cluster, upper, 400)) \
            == sorted(f"V{i}".encode() for i in range(400))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, (tmp_path / "run.log").read_text()
        _wait(lambda: not (group.owners() or {}), 60, "both instances left the group")
    finally:
        if proc.poll() is None:
            proc.kill()
        group.close()


def test_an_instance_that_fails_stops_the_others_and_the_command_exits_with_its_code(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    create_topic(kafka_cluster, source, 2)
    script = tmp_path / "fails.py"
    script.write_text(f"""
from airstream.topology import Serdes, StreamsBuilder

b = StreamsBuilder()
b.stream({source!r}, value_serde=Serdes.String()).map_values(int).to({out!r}, value_serde=Serdes.Long())
topology = b.build()
""")
    produce(kafka_cluster, source, [(b"k", b"not a number")])
    proc = subprocess.run([AIRSTREAM, "run", f"{script}:topology", "--bootstrap", kafka_cluster,
                           "--application-id", f"{unique_name}-app", "--instances", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "processing error in processor" in proc.stderr and "stopping the others" in proc.stderr
