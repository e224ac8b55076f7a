"""Benchmarks. ``make bench`` (``python -m bench``) runs every registered benchmark and prints
one table; results are reported, never asserted.

A benchmark registers itself by being a module ``bench/bench_<name>.py`` that defines::

    def results(options: bench.Options) -> list[bench.Result]: ...

``options.records`` is the record count the user asked for (``None``: the benchmark's
default). Modules without ``results`` are standalone tools (``python -m bench.<module>``),
listed but not run by the table runner.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType

__all__ = ["Options", "Result", "discover"]


@dataclass(frozen=True)
class Options:
    """What the user asked for on the command line."""

    records: int | None = None
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """One measured case: ``records`` processed in ``seconds``; ``note`` holds ratios etc.

    >>> Result("engine", "loop", 1000, 0.5).rate
    2000.0
    """

    benchmark: str
    case: str
    records: int
    seconds: float
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.records / self.seconds if self.seconds > 0 else float("inf")


def discover() -> tuple[dict[str, ModuleType], list[str]]:
    """Registered benchmark modules by name, and the names of standalone modules."""
    registered: dict[str, ModuleType] = {}
    standalone: list[str] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except Exception as exc:  # one broken benchmark must not hide the others
            standalone.append(f"{info.name} (cannot import: {type(exc).__name__}: {exc})")
            continue
        if callable(getattr(module, "results", None)):
            registered[info.name.removeprefix("bench_")] = module
        else:
            standalone.append(info.name)
    return registered, standalone
