"""The layers of airstream, lowest first, and no import that points up.

    airstream.common                       client config, redaction, sink contract, trace format
    airstream.topology | airstream.monitor the stream engine and airmon: never each other
    airstream.connectors                   sources and sinks, on top of the engine
    airstream, airstream.testing, airstream.cli   the facade and the commands

Checked twice: statically, every ``import`` in every module (inside functions too); and by
importing every module of a layer in a fresh interpreter and looking at what got loaded, which
also catches ``importlib.import_module`` and imports done by a parent package.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"airstream": ROOT / "airstream", "airstream.topology": ROOT / "topology",
           "airstream.monitor": ROOT / "monitor", "airstream.connectors": ROOT / "connectors"}

# layer -> the layers it may import (besides itself)
MAY_IMPORT = {
    "common": set(),
    "topology": {"common"},
    "monitor": {"common"},
    "connectors": {"common", "topology"},
    "commands": {"common", "topology", "monitor", "connectors"},
}


def layer_of(module: str) -> str:
    """The layer of an ``airstream`` module name."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("common", "topology", "monitor", "connectors"):
        return parts[1]
    return "commands"


def modules() -> dict[str, Path]:
    """Every module of the distribution by its import name."""
    found: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("").parts
            if rel[0] in ("topology", "monitor", "connectors") and package == "airstream":
                continue
            if rel[-1] == "__init__":
                rel = rel[:-1]
            found[".".join((package, *rel))] = path
    return found


def imports_of(path: Path, module: str) -> set[str]:
    """The ``airstream`` modules that ``path`` imports, wherever the import statement is."""
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
    return {m for m in out if m.split(".")[0] in ("airstream", "topology", "monitor", "connectors")}


def test_the_walk_finds_every_part() -> None:
    found = modules()
    for module in ("airstream", "airstream.cli", "airstream.common.redact", "airstream.topology.builder",
                   "airstream.monitor.app", "airstream.connectors.parquet", "airstream.topology.runtime.streams"):
        assert module in found


def test_no_module_imports_a_layer_above_or_beside_it() -> None:
    wrong = []
    known = modules()
    for module, path in sorted(known.items()):
        own = layer_of(module)
        for target in sorted(imports_of(path, module)):
            if not target.startswith("airstream"):
                wrong.append(f"{module} imports {target}: a top-level name, import it as airstream.{target}")
                continue
            if target == "airstream" or (target not in known and target.rpartition(".")[0] == "airstream"):
                continue  # `from airstream import X` in the facade layer, checked by its own layer below
            theirs = layer_of(target)
            if theirs != own and theirs not in MAY_IMPORT[own]:
                wrong.append(f"{module} ({own}) imports {target} ({theirs})")
    assert wrong == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    # The check above is only as good as its parsing: one wrong import of each kind must show.
    probe = tmp_path / "probe.py"
    probe.write_text("import airstream.monitor.app\nfrom airstream.connectors import sink\n"
                     "def later():\n    from ..monitor import lag\n")
    found = imports_of(probe, "airstream.topology.probe")
    assert {"airstream.monitor.app", "airstream.connectors", "airstream.monitor.lag"} <= found
    assert {layer_of(m) for m in found} == {"monitor", "connectors"}


_LOADED = """
import importlib, json, pkgutil, sys
root = importlib.import_module(sys.argv[1])
names = [sys.argv[1]]
if hasattr(root, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(root.__path__, sys.argv[1] + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted({m.split(".")[1] for m in sys.modules if m.startswith("airstream.")})))
"""


@pytest.mark.parametrize(("package", "allowed"), [
    ("airstream.common", {"common"}),
    ("airstream.topology", {"common", "topology"}),
    ("airstream.monitor", {"common", "monitor"}),
    ("airstream.connectors", {"common", "topology", "connectors"}),
])
def test_importing_a_layer_loads_nothing_above_it(package: str, allowed: set[str]) -> None:
    out = subprocess.run([sys.executable, "-c", _LOADED, package], capture_output=True, text=True, check=True,
                         cwd=ROOT / "tests")
    assert set(json.loads(out.stdout)) <= allowed
