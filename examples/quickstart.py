"""A small but real topology on the embedded engine: tweets in, airline counts and complaints out.

    python examples/quickstart.py            # the smallest demo; `make demo` runs the CloudAir pipeline

It replays the tweet sample that ships with airstream through a topology (filter -> map_values ->
split -> to, and a windowed count per airline), on the in-process engine with no broker, and prints
what flowed: records per topic, a few complaints, and the busiest airline-minutes.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta

from airstream import Serdes, StreamsBuilder, TimeWindows, Topology
from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay
from airstream.testing import TopologyTestDriver

COMPLAINT_WORDS = ("delay", "cancel", "lost", "late", "rude", "worst", "refund", "stuck")


def build() -> Topology:
    """The quickstart topology: English tweets routed to ``complaints`` / ``other-tweets``, and
    tweets per airline per hour to ``airline-hourly-counts``."""
    b = StreamsBuilder()
    tweets = b.stream("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
    clean = (
        tweets.filter(lambda k, v: v.get("lang") == "en", name="english-only")
        .map_values(lambda v: {
            "id": v["id_str"],
            "airline": v["dataset"]["airline"],
            "user": v["user"]["screen_name"],
            "text": " ".join(v["text"].split()),
        }, name="flatten")
    )
    routes = (
        clean.split(prefix="by-")
        .branch(lambda k, v: any(w in v["text"].lower() for w in COMPLAINT_WORDS), name="complaint")
        .default_branch(name="other")
    )
    routes["by-complaint"].to("complaints")
    routes["by-other"].to("other-tweets")
    # The sample is ordered by airline, newest first: a generous grace keeps those "late" tweets.
    (clean.group_by(lambda k, v: v["airline"], key_serde=Serdes.String())
          .windowed_by(TimeWindows.of_size_and_grace(timedelta(hours=1), timedelta(days=30)))
          .count(name="tweets-per-hour")
          .to_stream()
          .map(lambda wk, n: (f"{wk.key}@{wk.window.start}", n))
          .to("airline-hourly-counts", key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


def main() -> int:
    """Replay the bundled tweet sample through :func:`build` on the embedded engine and print a summary."""
    topology = build()
    print(topology.describe())
    with TopologyTestDriver(topology, {"application.id": "quickstart"}) as driver:
        source = driver.create_input_topic("tweets", key_serde=Serdes.String(), value_serde=Serdes.Json())
        sent = 0
        for tweet in TweetReplay(SAMPLE_CSV):
            source.pipe_input(tweet["id_str"], tweet, timestamp=tweet["timestamp_ms"])
            sent += 1
        complaints = driver.create_output_topic("complaints", value_serde=Serdes.Json()).read_values_to_list()
        others = driver.create_output_topic("other-tweets", value_serde=Serdes.Json()).read_values_to_list()
        counts = driver.create_output_topic(
            "airline-hourly-counts", key_serde=Serdes.String(), value_serde=Serdes.Long()
        ).read_key_values_to_map()

    print(f"\n{sent} tweets in -> {len(complaints)} complaints, {len(others)} other tweets, "
          f"{len(counts)} airline-hour counts")
    for tweet in complaints[:5]:
        print(f"  complaint  {tweet['airline']:<15} @{tweet['user']}: {tweet['text'][:70]}")
    per_airline: Counter[str] = Counter()
    for key, n in counts.items():
        per_airline[key.split("@")[0]] += n
    print("  tweets per airline:", ", ".join(f"{a} {n}" for a, n in per_airline.most_common()))
    assert len(complaints) + len(others) == sent, "every tweet must land in exactly one route"
    assert sum(per_airline.values()) == sent, "every tweet must be counted once"
    return 0


if __name__ == "__main__":
    sys.exit(main())
