"""Tweet files for the tests: rows of the shipped sample CSV written to new files."""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

from airstream.connectors.tweets import SAMPLE_CSV


@cache
def _sample() -> tuple[list[str], list[dict[str, str]]]:
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def drop_tweets(folder: Path, name: str, rows: range, mtime: int) -> Path:
    """A CSV of the data set's format in ``folder`` holding the sample's ``rows``, last modified at ``mtime``."""
    header, sample = _sample()
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(sample[i] for i in rows)
    os.utime(path, (mtime, mtime))
    return path


def sample_ids(rows: range) -> list[str]:
    """The tweet ids of the sample's ``rows``."""
    return [_sample()[1][i]["tweet_id"] for i in rows]
