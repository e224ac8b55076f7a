"""BatchingSink, the shared part of the HBase and Kudu sinks: retries with back-off, rejects, release.

The sinks' own tests (test_hbase_sink.py, test_kudu_sink.py) cover the same paths through a real
Thrift server and the Kudu fakes; these pin the base class on its own and run the docstring examples.
"""

from __future__ import annotations

import pytest

from airstream.common.sink import Dataset, Rejected, RejectedRecords, SinkError, SinkRecord
from airstream.connectors import batching
from airstream.connectors.batching import BatchingSink


class FlakySink(BatchingSink[str]):
    """Writes to a list; the first ``fail`` sends raise."""

    def __init__(self, fail: int = 0, **kwargs: object) -> None:
        super().__init__(**{"batch_size": 2, "retries": 3, "backoff_s": 0.5, **kwargs})  # type: ignore[arg-type]
        self.fail, self.written, self.resets = fail, [], 0

    def describe(self) -> str:
        return "FlakySink()"

    def lineage(self) -> list[Dataset]:
        return []

    def _convert(self, record: SinkRecord) -> str | Rejected:
        text = record.value.get("text")
        return text if isinstance(text, str) else Rejected(record, "field 'text' must be a string", "text")

    def _send(self, items: list[str]) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionResetError("connection reset by peer")
        self.written.append(items)

    def _reset(self) -> None:
        self.resets += 1


def rec(partition: int, offset: int, text: object = "x") -> SinkRecord:
    return SinkRecord("tweets", partition, offset, 0, None, {"text": text})


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(batching.time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize(("fail", "retries", "sent", "expected_pauses"), [
    (0, 3, True, []),
    (1, 3, True, [0.5]),
    (3, 3, True, [0.5, 1.0, 2.0]),
    (4, 3, False, [0.5, 1.0, 2.0]),
    (1, 0, False, []),
])
def test_a_failing_batch_is_retried_with_doubling_pauses(
        pauses: list[float], fail: int, retries: int, sent: bool, expected_pauses: list[float]) -> None:
    sink = FlakySink(fail=fail, retries=retries)
    sink.write([rec(0, 0, "a")])
    if sent:
        assert sink.flush() == {("tweets", 0): 1}
        assert sink.written == [["a"]]
    else:
        with pytest.raises(SinkError, match=f"1 rows failed after {retries + 1} attempts: connection reset"):
            sink.flush()
        assert sink.written == []
    assert pauses == expected_pauses
    assert sink.resets == min(fail, retries + 1)  # every failure drops the connection


def test_a_batch_that_fails_inside_write_is_kept_and_sent_by_flush(pauses: list[float]) -> None:
    sink = FlakySink(fail=1, retries=0)
    sink.write([rec(0, 0, "a"), rec(0, 1, "b"), rec(0, 2, "c")])
    assert sink.written == []
    assert sink.flush() == {("tweets", 0): 3}
    assert sink.written == [["a", "b"], ["c"]]


def test_rejected_records_count_as_handled_and_the_rest_are_written() -> None:
    sink = FlakySink()
    with pytest.raises(RejectedRecords) as info:
        sink.write([rec(0, 0, "a"), rec(0, 1, 7), rec(1, 0, "b")])
    assert [(r.record.offset, r.field) for r in info.value.rejected] == [(1, "text")]
    assert sink.flush() == {("tweets", 0): 2, ("tweets", 1): 1}
    assert sink.written == [["a", "b"]]


def test_release_drops_only_the_revoked_partitions() -> None:
    sink = FlakySink(batch_size=10)
    sink.write([rec(0, 0, "a"), rec(1, 0, "b"), rec(0, 1, "c")])
    sink.release([("tweets", 0)])
    assert sink.flush() == {("tweets", 1): 1}
    assert sink.written == [["b"]]


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="batch_size must be positive"):
        FlakySink(batch_size=0)
    with pytest.raises(ValueError, match="retries non-negative"):
        FlakySink(retries=-1)


