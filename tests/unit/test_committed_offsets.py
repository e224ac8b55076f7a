"""Where a rewind goes back to: the committed offsets, read again while any partition's lookup
fails, never mistaken for "nothing committed" (which would send the partition to
``auto.offset.reset``: with ``latest``, past the records being redone)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from airstream.topology.errors import StreamsException
from airstream.topology.runtime.commit import committed_offsets


class _Consumer:
    """A consumer whose ``committed()`` answers from a script, one answer a call."""

    def __init__(self, *answers: list[_Committed] | KafkaException) -> None:
        self.answers = list(answers)
        self.calls = 0

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[_Committed]:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, KafkaException):
            raise answer
        return answer


@dataclass
class _Committed:
    """One partition of ``committed()``'s answer (confluent-kafka's TopicPartition has a read-only
    ``error``, set only by librdkafka)."""

    partition: int
    offset: int
    error: KafkaError | None = None
    topic: str = "in"



def test_a_partition_whose_lookup_failed_is_read_again(caplog: pytest.LogCaptureFixture) -> None:
    loading = KafkaError(KafkaError.COORDINATOR_LOAD_IN_PROGRESS)
    consumer = _Consumer([_Committed(0, -1001, loading), _Committed(1, 40)], [_Committed(0, 17), _Committed(1, 40)])
    with caplog.at_level(logging.WARNING, logger="airstream.topology.runtime"):
        got = committed_offsets(consumer, [TopicPartition("in", 0), TopicPartition("in", 1)], retry_s=0)  # type: ignore[arg-type]
    assert [(tp.partition, tp.offset) for tp in got] == [(0, 17), (1, 40)]
    assert consumer.calls == 2
    assert "in[0]" in caplog.text and "retrying" in caplog.text


def test_a_failed_request_is_retried_and_a_partition_never_committed_is_an_answer() -> None:
    consumer = _Consumer(KafkaException(KafkaError(KafkaError._TIMED_OUT)), [_Committed(0, -1001), _Committed(1, 5)])
    got = committed_offsets(consumer, [TopicPartition("in", 0), TopicPartition("in", 1)], retry_s=0)  # type: ignore[arg-type]
    assert [(tp.partition, tp.offset) for tp in got] == [(0, -1001), (1, 5)]
    assert consumer.calls == 2


def test_a_lookup_that_keeps_failing_stops_the_rewind_naming_the_partition() -> None:
    consumer = _Consumer([_Committed(0, 3), _Committed(2, -1001, KafkaError(KafkaError.NOT_COORDINATOR))])
    with pytest.raises(StreamsException, match=r"after 3 attempts: in\[2\]: .*[Cc]oordinator"):
        committed_offsets(consumer, [TopicPartition("in", 0), TopicPartition("in", 2)], attempts=3, retry_s=0)  # type: ignore[arg-type]
    assert consumer.calls == 3
