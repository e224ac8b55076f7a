"""Tweets as the HBase sink's tests write them, and the cells the string encoding must store for them."""

from __future__ import annotations

from airstream.common.sink import SinkRecord


def tweet(i: int) -> dict:
    return {"tweet_id": str(570000000000000000 + i), "text": f"flight {i} delayed", "airline": "Delta",
            "airlinesentiment": "Negative", "airlinepolarity": -0.25 * (i % 4), "friendscount": 40 * i,
            "verified": i % 2 == 0, "hashtags": ["delay"], "location": None if i % 3 == 0 else "NYC"}


def records(start: int, stop: int) -> list[SinkRecord]:
    return [SinkRecord("airlines", i % 2, i // 2, 0, None, tweet(i)) for i in range(start, stop)]


def as_string_cells(t: dict) -> dict[bytes, bytes]:
    """What the string encoding must store for a tweet, written out by hand."""
    cells = {b"sentiment:tweet_id": t["tweet_id"].encode(), b"sentiment:text": t["text"].encode(),
             b"sentiment:airline": b"Delta", b"sentiment:airlinesentiment": b"Negative",
             b"sentiment:airlinepolarity": str(t["airlinepolarity"]).encode(),
             b"sentiment:friendscount": str(t["friendscount"]).encode(),
             b"sentiment:verified": b"true" if t["verified"] else b"false",
             b"sentiment:hashtags": b'["delay"]'}
    if t["location"] is not None:
        cells[b"sentiment:location"] = b"NYC"
    return cells
