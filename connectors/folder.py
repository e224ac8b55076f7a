"""A folder of tweet files, each new file replayed once: what the Cloudera demo's NiFi flow did with
ListFile and FetchFile on an enterprise system's drop folder.

:class:`FolderReplay` looks at a folder for ``*.csv`` (the airline data set's format) and ``*.jsonl``
files, oldest first, and hands each one not replayed yet to a ``produce`` function as a
:func:`~airstream.connectors.tweets.replay` source, in chunks of ``chunk_rows`` rows. After each
chunk is delivered it records the file's progress in a state file (JSON, written atomically), so a
restart skips the files done and resumes a file at its next row: a stop (Ctrl-C, SIGTERM, a row that
cannot be read) repeats nothing. A process killed outright may produce the chunk it had in flight
again. A file is taken once its size has not changed for ``settle_s`` seconds (a copy in progress
waits); a file that changes after it was replayed is not replayed again.

Example::

    from airstream.connectors.folder import FolderReplay
    from airstream.connectors.tweets import produce_tweets

    folder = FolderReplay("/data/drop", state="/var/lib/cloudair/replay-state.json")
    folder.run(lambda source: produce_tweets(source, "localhost:9092", "tweets-ingest"))  # until stopped

``airstream replay FOLDER --watch`` runs it from the command line.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from airstream.connectors.tweets import ReplayError, replay

__all__ = ["FolderReplay"]

_PATTERNS = ("*.csv", "*.jsonl", "*.ndjson")


class FolderReplay:
    """Replays each new tweet file of ``folder`` once, resuming after a restart (see the module docstring).

    Args:
        folder: the folder to watch.
        state: the state file (default ``<folder>/.airstream-replay-state.json``).
        chunk_rows: rows produced between two state saves.
        settle_s: how long a file's size must stay the same before it is taken.
        options: passed to each file's :func:`~airstream.connectors.tweets.replay` (``rate``,
            ``on_error``, ...; not ``from_row`` or ``limit``, which the folder manages).
    """

    def __init__(self, folder: str | os.PathLike[str], *, state: str | os.PathLike[str] | None = None,
                 chunk_rows: int = 500, settle_s: float = 1.0, **options: Any) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"folder to watch not found: {self.folder}")
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows!r}")
        if {"from_row", "limit", "loop"} & set(options):
            raise ValueError("from_row, limit and loop are the folder's to manage: leave them out")
        self.state_path = Path(state) if state is not None else self.folder / ".airstream-replay-state.json"
        self.chunk_rows = chunk_rows
        self.settle_s = settle_s
        self.options = options
        self.state: dict[str, dict[str, Any]] = self._load()
        self._sizes: dict[str, tuple[int, float]] = {}

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            loaded = orjson.loads(self.state_path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ValueError(f"cannot read the replay state {self.state_path}: {exc}; move it away to replay "
                             "every file of the folder again") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{self.state_path} is not a replay state (a JSON object of files)")
        return loaded

    def _save(self) -> None:
        partial = self.state_path.with_name(self.state_path.name + ".tmp")
        partial.write_bytes(orjson.dumps(self.state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        os.replace(partial, self.state_path)  # never half a state, even if the process dies here

    def pending(self, now: float | None = None) -> list[Path]:
        """The files not replayed to the end yet whose size has settled, oldest first."""
        now = time.monotonic() if now is None else now
        found = {p for pattern in _PATTERNS for p in self.folder.glob(pattern) if p.is_file()}
        ready = []
        for path in sorted(found, key=lambda p: (p.stat().st_mtime, p.name)):
            if self.state.get(path.name, {}).get("done"):
                continue
            size = path.stat().st_size
            seen = self._sizes.get(path.name)
            if seen is None or seen[0] != size:
                self._sizes[path.name] = (size, now)
                if self.settle_s > 0:
                    continue
            elif now - seen[1] < self.settle_s:
                continue
            ready.append(path)
        return ready

    def replay_file(self, path: Path, produce: Callable[[Any], int]) -> int:
        """Replay ``path`` from its next row, a chunk at a time, saving progress after each; returns
        the tweets produced. A :class:`~airstream.connectors.tweets.ReplayError` is raised after the
        progress it made is saved."""
        entry = self.state.setdefault(path.name, {"rows": 0, "done": False})
        produced = 0
        while True:
            source = replay(path, from_row=entry["rows"] + 1, limit=self.chunk_rows, **self.options)
            try:
                produced += produce(source)
            except ReplayError as exc:
                resume = source.resume_row(exc.produced)
                if resume is not None:
                    entry["rows"] = resume - 1
                self._save()
                raise
            if source.handed < self.chunk_rows:
                entry.update(rows=source.last_row or entry["rows"], done=True)
                self._save()
                return produced
            entry["rows"] = source.last_row
            self._save()

    def run(self, produce: Callable[[Any], int], *, once: bool = False, poll_s: float = 2.0,
            stop: threading.Event | None = None) -> int:
        """Replay pending files until ``stop`` is set (or, with ``once``, until none is left); returns
        the tweets produced."""
        stop = stop or threading.Event()
        total = 0
        while not stop.is_set():
            files = self.pending()
            for path in files:
                if stop.is_set():
                    break
                total += self.replay_file(path, produce)
            if once and not files and not self._settling():
                return total
            stop.wait(0.05 if once else poll_s)
        return total

    def _settling(self) -> bool:
        """Whether a file not done yet is still waiting for its size to settle."""
        return any(not self.state.get(name, {}).get("done") for name in self._sizes)
