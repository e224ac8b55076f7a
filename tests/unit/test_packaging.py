"""What ``pip install airstream`` puts into site-packages: one ``airstream`` package, nothing generic.

The wheel test builds the wheel and installs it, without the editable install, into a fresh venv
whose third-party dependencies come from this venv (read through a path entry, so none of its
``.pth`` hooks run: the editable finder stays out), and runs from a folder outside the checkout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"airstream": "airstream", "airstream.topology": "topology", "airstream.monitor": "monitor",
           "airstream.connectors": "connectors"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_folder_with_python_code_is_a_listed_package() -> None:
    found = set()
    for package, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.parent.relative_to(ROOT / folder).parts
            if package == "airstream" and rel and rel[0] in FOLDERS.values():
                continue
            found.add(".".join((package, *rel)))
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert set(setuptools["packages"]) == found
    assert setuptools["package-dir"] == FOLDERS


def test_console_scripts_point_into_airstream() -> None:
    assert PYPROJECT["project"]["scripts"] == {"airstream": "airstream.cli:main",
                                               "airmon": "airstream.monitor.cli:main"}


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed (no editable install anywhere on its path)."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools keeps a build/ folder in the source tree, and files left there
    # by an earlier build would end up in the wheel.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                                 "__pycache__", ".airstream", ".mypy_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
                   check=True, cwd=work)
    wheel = next((work / "dist").glob("airstream-*.whl"))
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    site = next(env_dir.glob("lib/python*/site-packages"))
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (site / "_airstream_test_deps.pth").write_text(f"{deps}\n")
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, cwd=work)
    return env_dir


def _run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=env_dir.parent,
                          env={"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(env_dir.parent)})


def test_the_wheel_installs_only_airstream_at_top_level(wheel_venv: Path) -> None:
    site = next(wheel_venv.glob("lib/python*/site-packages"))
    record = next(site.glob("airstream-*.dist-info")) / "RECORD"
    # RECORD lists every installed file; the console scripts sit outside site-packages (../../../bin).
    tops = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines() if not line.startswith("..")}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"airstream"}
    python = str(wheel_venv / "bin" / "python")
    for generic in ("topology", "monitor", "connectors"):
        result = _run(wheel_venv, python, "-c", f"import {generic}")
        assert f"No module named '{generic}'" in result.stderr
    result = _run(wheel_venv, python, "-c", "import airstream.topology, airstream.monitor.app; print('ok')")
    assert result.stdout.strip() == "ok", result.stderr


def test_the_readme_example_and_the_commands_run_from_the_wheel(wheel_venv: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "TopologyTestDriver" in b)
    result = _run(wheel_venv, str(wheel_venv / "bin" / "python"), "-c", block)
    assert result.returncode == 0, result.stderr
    assert "Sub-topology: 0" in result.stdout
    assert str(wheel_venv) in _run(wheel_venv, str(wheel_venv / "bin" / "python"), "-c",
                                   "import airstream; print(airstream.__file__)").stdout
    airmon = _run(wheel_venv, str(wheel_venv / "bin" / "airmon"), "--help")
    assert airmon.returncode == 0 and "snapshot" in airmon.stdout, airmon.stderr
    airstream = _run(wheel_venv, str(wheel_venv / "bin" / "airstream"), "--help")
    assert airstream.returncode == 0 and "replay" in airstream.stdout, airstream.stderr
    sample = _run(wheel_venv, str(wheel_venv / "bin" / "python"), "-c",
                  "from airstream.connectors.tweets import SAMPLE_CSV; print(SAMPLE_CSV.is_file())")
    assert sample.stdout.strip() == "True", sample.stderr
