"""Cyclic garbage collection paused around work whose objects form no reference cycles.

Both engines process records that die with their batch (or, on the embedded engine, live in its
topics for the whole run) and never point back at each other; a collection in the middle would
only scan them, and move the live ones into older generations that every full collection rescans.

>>> import gc
>>> with PausedCollections():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc

__all__ = ["PausedCollections"]


class PausedCollections:
    """Disable the cyclic garbage collector inside ``with``; on leaving, enable it again if it was
    enabled on entering (a caller that disabled it keeps it so). A class rather than a generator:
    the Kafka runtime enters it on every turn of its loop."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()
