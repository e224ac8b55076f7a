"""Rebuild ``airline_tweets_sample.csv`` from the full data set, deterministically.

    python connectors/data/make_sample.py ../shared/data/airline_tweets.csv connectors/data/airline_tweets_sample.csv

Selection (no randomness: rows are ranked by SHA-256 of ``"<tweet_id>:<row number>"``, lowest first):

1. coverage quotas, filled from that ranking: 12 rows per (airline, sentiment) pair (6 x 3 pairs),
   8 per negative reason, 25 with non-ASCII text, 20 with embedded newlines, 20 mentioning two or more
   airlines' handles, 20 with hashtags, 10 with coordinates;
2. both copies of the first 10 duplicated tweet ids (the full set has 155 ids that appear twice);
3. the rest, up to 500 rows, in ranking order.

Rows keep the full file's order and columns, so the sample parses exactly like the data set.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Callable

SIZE = 500
HANDLES = re.compile(r"@(virginamerica|united|southwestair|delta|jetblue|usairways|americanair)\b", re.I)


def rank(row_no: int, row: dict[str, str]) -> str:
    return hashlib.sha256(f"{row['tweet_id']}:{row_no}".encode()).hexdigest()


def has(**values: str) -> Callable[[dict[str, str]], bool]:
    """A row predicate: each named column holds the given value."""
    return lambda row: all(row[column] == value for column, value in values.items())


def select(rows: list[dict[str, str]]) -> list[int]:
    order = sorted(range(len(rows)), key=lambda i: rank(i, rows[i]))
    chosen: set[int] = set()

    def take(n: int, predicate: Callable[[dict[str, str]], bool]) -> None:
        have = sum(1 for i in chosen if predicate(rows[i]))
        for i in order:
            if have >= n:
                return
            if i not in chosen and predicate(rows[i]):
                chosen.add(i)
                have += 1

    for airline in sorted({r["airline"] for r in rows}):
        for sentiment in ("negative", "neutral", "positive"):
            take(12, has(airline=airline, airline_sentiment=sentiment))
    for reason in sorted({r["negativereason"] for r in rows} - {""}):
        take(8, has(negativereason=reason))
    take(25, lambda r: any(ord(c) > 127 for c in r["text"]))
    take(20, lambda r: "\n" in r["text"])
    take(20, lambda r: len({m.lower() for m in HANDLES.findall(r["text"])}) > 1)
    take(20, lambda r: "#" in r["text"])
    take(10, lambda r: bool(r["tweet_coord"]))
    counts = Counter(r["tweet_id"] for r in rows)
    duplicated = [t for t in dict.fromkeys(r["tweet_id"] for r in rows) if counts[t] > 1][:10]
    chosen.update(i for i, r in enumerate(rows) if r["tweet_id"] in set(duplicated))
    for i in order:
        if len(chosen) >= SIZE:
            break
        chosen.add(i)
    return sorted(chosen)


def main(argv: list[str]) -> int:
    source, target = argv
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        if fields is None:
            raise ValueError(f"{source} is empty: no header row")
        rows = list(reader)
    with open(target, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[i] for i in select(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
