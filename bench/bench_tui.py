"""airmon's screens at scale: how long the UI thread spends drawing one refresh.

The refresh itself (Kafka requests, history, rules) runs in a worker thread; what the UI thread does
per refresh is redraw the current screen from the finished snapshot. This measures that redraw for
each main screen over a synthetic cluster of issue 5's size (100 topics x 20 partitions = 2,000
partitions, 100 consumer groups with 20 partitions each) with a full history (120 refreshes, so lag
trends and charts have all their points). ``records`` is the rows drawn; the note gives the ratio
to a 100 ms budget (a redraw under it is not felt as a freeze). Reported, not asserted.

Run alone with ``python -m bench.bench_tui`` or in ``python -m bench --only tui``. No broker needed.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bench import Options, Result

TOPICS, PARTITIONS, GROUPS, HISTORY, REDRAWS = 100, 20, 100, 120, 5
BUDGET_SECONDS = 0.1
SCREENS = {"overview": "o", "topics": "t", "groups": "g", "alerts": "a"}

__all__ = ["results", "run"]


def _cluster(step: int):  # type: ignore[no-untyped-def]
    from airstream.monitor.model import (
        BrokerInfo,
        ClusterSnapshot,
        GroupInfo,
        GroupPartition,
        MemberInfo,
        PartitionInfo,
        TopicInfo,
    )

    topics, groups = [], []
    for t in range(TOPICS):
        name = f"topic-{t:03d}"
        topics.append(TopicInfo(name, partitions=tuple(
            PartitionInfo(name, p, p % 3 + 1, (1, 2, 3), (1, 2, 3), 0, 1000 + 10 * step + p)
            for p in range(PARTITIONS))))
    for g in range(GROUPS):
        topic = f"topic-{g % TOPICS:03d}"
        member = MemberInfo(f"m-{g}", f"client-{g}", "/10.0.0.1",
                            assignments=tuple((topic, p) for p in range(PARTITIONS)))
        partitions = tuple(GroupPartition(topic, p, 900 + 9 * step, 1000 + 10 * step + p,
                                          member.member_id, member.client_id, member.host)
                           for p in range(PARTITIONS))
        groups.append(GroupInfo(f"group-{g:03d}", "Stable", coordinator_id=g % 3 + 1, members=(member,),
                                partitions=partitions))
    brokers = tuple(BrokerInfo(i, f"kafka-{i}", 9092, is_controller=i == 1) for i in (1, 2, 3))
    return ClusterSnapshot(taken_at=1_700_000_000.0 + 2 * step, cluster_id="bench", controller_id=1, brokers=brokers,
                           topics=tuple(topics), groups=tuple(groups), source="bench://synthetic")


class _Synthetic:
    """A Source that moves the synthetic cluster one step per snapshot."""

    name = "bench://synthetic"

    def __init__(self, start: int) -> None:
        self.step = start

    def snapshot(self):  # type: ignore[no-untyped-def]
        self.step += 1
        return _cluster(self.step)

    def close(self) -> None:
        pass


async def _measure() -> dict[str, tuple[float, int]]:
    from airstream.monitor.app import AirmonApp
    from airstream.monitor.widgets.live_table import LiveTable

    app = AirmonApp(_Synthetic(HISTORY), refresh_interval=3600)
    for step in range(HISTORY):  # fill the history directly: the refresh path is not what is measured
        app.history.record(_cluster(step))
    timings: dict[str, tuple[float, int]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for name, key in SCREENS.items():
            await pilot.press(key)
            await pilot.pause()
            samples = []
            for _ in range(REDRAWS):
                started = time.perf_counter()
                app.screen.redraw()
                samples.append(time.perf_counter() - started)
            rows = sum(t.row_count for t in app.screen.query(LiveTable))
            timings[name] = (statistics.median(samples), rows)
    return timings


def run() -> dict[str, tuple[float, int]]:
    """Median redraw seconds and rows drawn, per screen."""
    return asyncio.run(_measure())


def results(options: Options) -> list[Result]:
    """One result per screen: rows drawn in the median redraw time, with the ratio to the budget."""
    return [Result("tui", f"redraw {name}", rows, seconds,
                   note=f"{seconds / BUDGET_SECONDS:.2f}x of a {BUDGET_SECONDS * 1000:.0f} ms budget; "
                        f"{TOPICS * PARTITIONS:,} partitions, {GROUPS} groups, {HISTORY} refreshes kept")
            for name, (seconds, rows) in run().items()]


if __name__ == "__main__":
    for r in results(Options()):
        print(f"{r.case:18} {r.records:6,} rows  {r.seconds * 1000:7.1f} ms  {r.note}")
