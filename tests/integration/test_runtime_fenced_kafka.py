"""Two ``airstream run`` instances with one instance id under exactly-once (real broker): the one
fenced stops with one line naming the transactional.id taken over and exits 1; the other goes on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from runtime_support import Instance, create_topic, produce_in_background, read_topic, write_counting_script

pytestmark = pytest.mark.kafka


def test_an_instance_fenced_by_a_second_with_its_id_says_so_in_one_line_and_exits_1(
        kafka_cluster: str, unique_name: str, tmp_path: Path) -> None:
    source, upper, counts, app = (f"{unique_name}-{s}" for s in ("in", "upper", "counts", "app"))
    create_topic(kafka_cluster, source, 2)
    spec = write_counting_script(tmp_path, source, upper, counts)
    eos = ["--guarantee", "exactly_once_v2"]
    producing = produce_in_background(kafka_cluster, source, [(f"k{i % 5}".encode(), f"v{i}".encode())
                                                              for i in range(3000)], rate=100)
    first = Instance(spec, kafka_cluster, app, "same-id", tmp_path, extra=eos)
    assert read_topic(kafka_cluster, upper, 50, settle=0)  # the first instance is working
    (tmp_path / "second").mkdir()  # the log file is named after the instance id
    second = Instance(spec, kafka_cluster, app, "same-id", tmp_path / "second", extra=eos)
    try:
        assert first.proc is not None
        deadline = time.monotonic() + 120
        while first.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert first.proc.returncode == 1, first.log()[-3000:]
        last = first.log().strip().splitlines()[-1]
        assert last.startswith("airstream run: fenced by another instance with transactional.id "
                               f"'{app}-same-id'"), last
        assert "Traceback" not in first.log()
        # It stopped without taking the id back, which would fence the new instance in turn.
        assert "with a new transactional producer" not in first.log()
        assert second.proc is not None and second.proc.poll() is None  # the new one goes on
    finally:
        producing.join()
        first.terminate()
        assert second.terminate() == 0, second.log()[-3000:]
