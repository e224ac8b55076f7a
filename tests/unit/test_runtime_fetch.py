"""``fetch``: a processing or restore loop takes what its consumer holds, and waits only when it
holds nothing, for the first record to arrive (not for a full batch)."""

from __future__ import annotations

from airstream.topology.runtime.fetch import fetch


class _LocalQueue:
    """A consumer's local queue: ``held`` records now, then ``arriving`` ones within a wait."""

    def __init__(self, held: int, arriving: int = 0) -> None:
        self.held, self.arriving = list(range(held)), list(range(100, 100 + arriving))
        self.waits: list[float] = []

    def consume(self, n: int, timeout: float) -> list[int]:
        self.waits.append(timeout)
        if not self.held and timeout > 0:
            self.held, self.arriving = self.arriving, []
        taken, self.held = self.held[:n], self.held[n:]
        return taken


def test_what_the_consumer_holds_is_taken_without_waiting() -> None:
    queue = _LocalQueue(held=300)
    assert fetch(queue, 1000, 0.5) == list(range(300))
    assert queue.waits == [0]


def test_a_full_batch_is_taken_in_one_call() -> None:
    queue = _LocalQueue(held=2500)
    assert len(fetch(queue, 1000, 0.5)) == 1000
    assert queue.waits == [0]


def test_with_nothing_held_it_waits_for_the_first_record_and_takes_what_came_with_it() -> None:
    queue = _LocalQueue(held=0, arriving=40)
    assert fetch(queue, 1000, 0.5) == list(range(100, 140))
    assert queue.waits == [0, 0.5, 0]


def test_nothing_arriving_within_the_wait_is_an_empty_batch() -> None:
    queue = _LocalQueue(held=0)
    assert fetch(queue, 1000, 0.5) == []
    assert queue.waits == [0, 0.5]
