"""Doctests: every module of the airstream package (and of the CloudAir example), collected by
pytest under its import name.

pytest's own ``--doctest-modules`` would import ``topology/graph.py`` as ``topology.graph``: a second
copy of ``airstream.topology.graph``, under a name that does not exist once the package is
installed. These collectors import each module as ``airstream.<package>.<module>`` instead (and
the example as the ``cloudair`` package its scripts import); the folders are in ``testpaths``, so
``make test`` runs every docstring example.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"
PACKAGES = {ROOT / "airstream": "airstream", ROOT / "topology": "airstream.topology",
            ROOT / "monitor": "airstream.monitor", ROOT / "connectors": "airstream.connectors",
            EXAMPLES / "cloudair": "cloudair"}


def module_name(path: Path) -> str | None:
    """The import name of a module of the package, ``None`` for any other file."""
    if path.suffix != ".py":
        return None
    for folder, package in PACKAGES.items():
        if path.is_relative_to(folder):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            return ".".join((package, *parts))
    return None


class PackageDoctests(DoctestModule):
    """The docstring examples of one package module, imported by its package name."""

    def _getobj(self) -> ModuleType:
        name = module_name(self.path)
        assert name is not None
        if name.startswith("cloudair") and str(EXAMPLES) not in sys.path:
            sys.path.insert(0, str(EXAMPLES))  # as the example's own scripts do
        return importlib.import_module(name)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PackageDoctests | None:
    if module_name(file_path) is None:
        return None
    return PackageDoctests.from_parent(parent, path=file_path)
