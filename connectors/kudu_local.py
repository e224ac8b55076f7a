"""A real Apache Kudu on 127.0.0.1 from Maven Central: one master and one tablet server, and kudu-python built for it.

Kudu publishes its own binaries for the Java mini-cluster tests as ``org.apache.kudu:kudu-binary``
(classifier ``linux-x86_64``): ``kudu-master``, ``kudu-tserver``, the ``kudu`` CLI and their shared
libraries, ``libkudu_client.so`` included. ``compose/kudu-local/pom.xml`` resolves that jar once with
Maven into ``$AIRSTREAM_CACHE``, as the local Kafka's and HBase's jars are, and it is unzipped beside
it. The servers start in about a second; the ``kudu`` CLI creates tables and scans them back.

:class:`~airstream.connectors.kudu.KuduSink` needs kudu-python, which PyPI has as a source distribution
only. :func:`ensure_kudu_python` builds it once against the jar's client library with the headers of
the same release kept in ``compose/kudu-local/client-headers`` (see its README), into a folder of the
cache. That folder is never put on the path of the calling interpreter: the client library must be
preloaded before Python starts, or ``import kudu`` aborts the process. Code that uses kudu-python runs
in a subprocess with :func:`kudu_python_environment`.

Example::

    from airstream.connectors.kudu_local import LocalKudu, kudu_python_environment

    with LocalKudu() as kudu:
        kudu.create_table({"table_name": "airline",
                           "schema": {"columns": [{"column_name": "tweet_id", "column_type": "STRING"},
                                                  {"column_name": "polarity", "column_type": "DOUBLE",
                                                   "is_nullable": True}],
                                      "key_column_names": ["tweet_id"]},
                           "partition": {"hash_partitions": [{"columns": ["tweet_id"], "num_buckets": 2}]}})
        subprocess.run([sys.executable, "writer.py", kudu.masters],
                       env={**os.environ, **kudu_python_environment()}, check=True)
        kudu.scan("airline")   # [{'tweet_id': '5703...', 'polarity': -0.25}, ...]
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from airstream.common.local_jvm import (
    LocalServer,
    LocalServiceError,
    ServerProcess,
    cache_dir,
    free_port,
    log_tail,
    maven_jars,
)

__all__ = ["KUDU_VERSION", "KuduCommandError", "KuduStartError", "LocalKudu", "ensure_kudu_binary",
           "ensure_kudu_python", "kudu_python_environment", "parse_scan_row"]

KUDU_VERSION = "1.18.1"
_COMPOSE = Path(__file__).resolve().parent.parent / "compose" / "kudu-local"
_POM = _COMPOSE / "pom.xml"
_HEADERS = _COMPOSE / "client-headers"
_RETRY_HINT = "python -m pytest -m kudu tests/integration/test_kudu_real.py"
# What kudu-python 1.18.1 builds with: its setup.py imports pkg_resources (gone from setuptools 81) and
# pins Cython 0.29.37 (it pip-installs that pin itself when missing).
_BUILD_TOOLS = ("setuptools<81", "Cython==0.29.37", "wheel")
# Flags of both servers. No NTP here ("clock considered unsynchronized" otherwise), no fsync and no file
# preallocation (a test cluster), no web UI, and no probing of cloud metadata services on start.
_SERVER_FLAGS = [
    "--logtostderr", "--webserver_enabled=false", "--unlock_unsafe_flags", "--time_source=system_unsync",
    "--never_fsync", "--log_container_preallocate_bytes=0", "--enable_minidumps=false",
    *(f"--cloud_{name}=http://127.0.0.1:9/" for name in (
        "aws_instance_id_url", "azure_instance_id_url", "gce_instance_id_url", "openstack_metadata_url")),
]


class KuduStartError(LocalServiceError):
    """The local Kudu or kudu-python could not be resolved, built or started; the message says why and the fix."""


class KuduCommandError(LocalServiceError):
    """A ``kudu`` CLI command failed; the message has the command and what Kudu said."""


def _check_platform() -> None:
    if not sys.platform.startswith("linux") or platform.machine().lower() not in ("x86_64", "amd64"):
        raise KuduStartError(f"the local Kudu runs Maven Central's kudu-binary for linux-x86_64 only, not "
                             f"{sys.platform}/{platform.machine()}; point the tests at a Kudu cluster instead")


def ensure_kudu_binary(version: str = KUDU_VERSION) -> Path:
    """Resolve ``kudu-binary`` with Maven once, unzip it, and return its folder (``bin/``, ``lib/``).

    The folder is ``<cache>/kudu-<version>/binary/kudu-binary-<version>-linux-x86_64``. The jar loses the
    exec bits of ``bin/*``; they are set again. A marker written last makes an interrupted unzip start over.
    """
    _check_platform()
    libs = maven_jars(_POM, f"kudu-{version}", {"kudu.version": version}, _RETRY_HINT, goal="dependency:copy",
                      error=KuduStartError)
    unpacked = libs.parent / "binary"
    home = unpacked / f"kudu-binary-{version}-linux-x86_64"
    marker = unpacked / ".complete"
    if marker.exists():
        return home
    jars = sorted(libs.glob(f"kudu-binary-{version}*.jar"))
    if not jars:
        raise KuduStartError(f"Maven left no kudu-binary-{version} jar in {libs}; remove {libs.parent} and retry: "
                             f"{_RETRY_HINT}")
    shutil.rmtree(unpacked, ignore_errors=True)
    try:
        with zipfile.ZipFile(jars[0]) as jar:
            jar.extractall(unpacked, [m for m in jar.namelist() if m.startswith(f"{home.name}/")])
    except (OSError, zipfile.BadZipFile) as exc:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise KuduStartError(f"could not unzip {jars[0]}: {exc}; remove {libs.parent} and retry: {_RETRY_HINT}") \
            from None
    if not (home / "bin" / "kudu").exists():
        raise KuduStartError(f"{jars[0]} has no {home.name}/bin/kudu: not a kudu-binary jar for linux-x86_64")
    for executable in (home / "bin").iterdir():
        executable.chmod(0o755)
    marker.write_text(version)
    return home


def _server_env(home: Path) -> dict[str, str]:
    """The environment of the servers and the CLI: the bundled libraries (RUNPATH is not transitive, so the
    bundled Kerberos libraries need LD_LIBRARY_PATH) and the bundled SASL plugins (else every RPC fails
    with "unable to find SASL plugin: PLAIN")."""
    lib = home / "lib"
    existing = os.environ.get("LD_LIBRARY_PATH")
    return {**os.environ, "LD_LIBRARY_PATH": f"{lib}{os.pathsep}{existing}" if existing else str(lib),
            "SASL_PATH": str(lib / "sasl2")}


# -- kudu-python ----------------------------------------------------------------------------------

def _run_step(step: str, command: list[str], log: Path, fix: str, *, env: dict[str, str] | None = None,
              timeout: float = 900) -> None:
    """Run one build step, appending its output to ``log``; a failure names the step, the log and ``fix``."""
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            proc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=env, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KuduStartError(f"building kudu-python failed at step '{step}': {exc}. {fix}") from None
    if proc.returncode != 0:
        raise KuduStartError(f"building kudu-python failed at step '{step}' (exit {proc.returncode}); last lines "
                             f"of {log}:\n{log_tail(log, 25)}\n{fix}")


def _tcmalloc(lib: Path) -> Path:
    found = sorted(lib.glob("libtcmalloc.so*"))
    if not found:
        raise KuduStartError(f"{lib} has no libtcmalloc.so: not the kudu-binary layout this module knows")
    return found[0]


def _python_env(home: Path, site: Path) -> dict[str, str]:
    lib = home / "lib"

    def prepend(name: str, value: str, sep: str = os.pathsep) -> str:
        existing = os.environ.get(name)
        return f"{value}{sep}{existing}" if existing else value

    return {"PYTHONPATH": prepend("PYTHONPATH", str(site)),
            "LD_PRELOAD": prepend("LD_PRELOAD", f"{_tcmalloc(lib)} {lib / 'libkudu_util.so'}", " "),
            "LD_LIBRARY_PATH": prepend("LD_LIBRARY_PATH", str(lib)),
            "SASL_PATH": str(lib / "sasl2")}


def ensure_kudu_python(version: str = KUDU_VERSION) -> Path:
    """Build kudu-python ``version`` against the kudu-binary client library once; return the folder it is
    installed in (``pip install --target``), to put on ``PYTHONPATH`` of a subprocess only.

    The steps, each of which names itself and the fix when it fails: a build virtualenv with the tools
    kudu-python's setup needs (``setuptools<81``, ``Cython==0.29.37``), a ``KUDU_BUILD`` folder that links
    ``lib/exported/libkudu_client.so`` to the jar's library, ``pip install --no-build-isolation --target``
    of the sdist from PyPI with ``KUDU_HOME`` at the vendored headers, and an ``import kudu`` in a
    subprocess. Everything lives in ``<cache>/kudu-python-<version>/``; the log of the build is
    ``build.log`` there. A marker written last makes an interrupted build start over.
    """
    home = ensure_kudu_binary(version)
    root = cache_dir() / f"kudu-python-{version}"
    site = root / "site"
    if (site / ".complete").exists():
        return site
    if not (_HEADERS / "src" / "kudu" / "client" / "client.h").exists():
        raise KuduStartError(f"the Kudu client headers {_HEADERS} are missing: run from a source checkout of airstream")
    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        raise KuduStartError("building kudu-python needs a C++ compiler: install one (Debian: apt-get install -y g++), "
                             f"then retry: {_RETRY_HINT}")
    python_h = Path(sysconfig.get_config_var("INCLUDEPY") or "") / "Python.h"
    if not python_h.exists():
        raise KuduStartError(f"building kudu-python needs the Python headers ({python_h} is missing): install them "
                             f"(Debian: apt-get install -y python3-dev), then retry: {_RETRY_HINT}")
    root.mkdir(parents=True, exist_ok=True)
    log = root / "build.log"
    log.write_text(f"building kudu-python {version} against {home}\n")

    venv = root / "build-venv"
    venv_python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        _run_step("create the build virtualenv", [sys.executable, "-m", "venv", str(venv)], log,
                  "Check that the venv module and ensurepip are available (Debian: apt-get install -y python3-venv).")
        _run_step("install the build tools", [str(venv_python), "-m", "pip", "install", "-q", *_BUILD_TOOLS], log,
                  f"Check access to PyPI, then retry: {_RETRY_HINT}")
        (venv / ".complete").write_text(" ".join(_BUILD_TOOLS))

    kudu_build = root / "kudu-build"  # what setup.py reads as a Kudu build tree: src/ and lib/exported/
    shutil.rmtree(kudu_build, ignore_errors=True)
    (kudu_build / "src").mkdir(parents=True)
    (kudu_build / "lib" / "exported").mkdir(parents=True)
    (kudu_build / "lib" / "exported" / "libkudu_client.so").symlink_to(home / "lib" / "libkudu_client.so")

    staging = root / "site.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    build_env = {**_server_env(home), "KUDU_HOME": str(_HEADERS), "KUDU_BUILD": str(kudu_build)}
    _run_step("compile and install kudu-python",
              [str(venv_python), "-m", "pip", "install", "--no-build-isolation", "--no-cache-dir", "--target",
               str(staging), f"kudu-python=={version}"], log,
              f"The headers in {_HEADERS} must be those of Kudu {version} (see the README there); "
              f"check access to PyPI, then retry: {_RETRY_HINT}", env=build_env)
    _run_step("import kudu", [sys.executable, "-c", "import kudu, kudu.client; print(kudu.__file__)"], log,
              f"kudu-python was built but does not load with the libraries of {home}/lib; remove {root} and retry: "
              f"{_RETRY_HINT}", env={**os.environ, **_python_env(home, staging)}, timeout=120)
    staging.rename(site)
    (site / ".complete").write_text(version)
    return site


def kudu_python_environment(version: str = KUDU_VERSION) -> dict[str, str]:
    """The variables a subprocess needs to ``import kudu`` (building kudu-python first if needed).

    ``PYTHONPATH`` leads to the kudu-python build. ``LD_PRELOAD`` loads two of the jar's libraries before the
    interpreter: ``libkudu_util.so`` looks ``dlopen`` up with ``RTLD_NEXT`` when it is loaded, which finds
    nothing when Python dlopens it, and ``import kudu`` then aborts the process ("Check failed: !error failed
    to find symbol dlopen"); and the Kudu libraries allocate with tcmalloc, so ``libtcmalloc.so`` must be the
    process's allocator from the start, or a process that has loaded another native library first (pyarrow,
    which ``airstream.connectors.kudu`` imports through ``airstream.connectors.impala``) crashes in
    ``kudu.connect`` (SIGSEGV in ``malloc_usable_size``). ``LD_LIBRARY_PATH`` and ``SASL_PATH`` find the
    bundled libraries and SASL plugins. Existing ``PYTHONPATH``, ``LD_PRELOAD`` and
    ``LD_LIBRARY_PATH`` values are kept after the new ones. Use it as ``env={**os.environ, **env}``.
    """
    site = ensure_kudu_python(version)
    return _python_env(ensure_kudu_binary(version), site)


# -- the cluster ----------------------------------------------------------------------------------

@dataclass
class _Server(ServerProcess):
    binary: str


class LocalKudu(LocalServer):
    """One Kudu master and one tablet server on free ports of 127.0.0.1 (see the module docstring).

    ``data_dir`` defaults to a fresh temporary folder, removed on :meth:`stop` unless ``keep_data=True``;
    the servers' logs are ``master.log`` and ``tserver.log`` in it. Tables get one replica. The master
    starts first, then the tablet server; :meth:`stop` stops them the other way round.

        >>> kudu = LocalKudu()
        >>> kudu.masters == f"127.0.0.1:{kudu.master_port}"
        True
        >>> kudu.stop()
    """

    product = "Kudu"
    error = KuduStartError
    retry_hint = _RETRY_HINT

    def __init__(self, data_dir: str | Path | None = None, *, keep_data: bool = False,
                 version: str = KUDU_VERSION) -> None:
        super().__init__(data_dir, keep_data=keep_data, version=version)
        self.master_port, self.tserver_port = free_port(), free_port()
        self._home: Path | None = None
        self.master = _Server("master", [
            f"--fs_wal_dir={self.data_dir / 'master'}", f"--rpc_bind_addresses={self.host}:{self.master_port}",
            "--default_num_replicas=1"], self.data_dir / "master.log", binary="kudu-master")
        self.tserver = _Server("tablet server", [
            f"--fs_wal_dir={self.data_dir / 'tserver'}", f"--rpc_bind_addresses={self.host}:{self.tserver_port}",
            f"--tserver_master_addrs={self.host}:{self.master_port}"], self.data_dir / "tserver.log",
            binary="kudu-tserver")

    @property
    def servers(self) -> tuple[_Server, _Server]:
        """The master and the tablet server."""
        return self.master, self.tserver

    @property
    def masters(self) -> str:
        """``host:port`` of the master, as the ``kudu`` CLI and clients take it."""
        return f"{self.host}:{self.master_port}"

    @property
    def home(self) -> Path:
        """The unzipped kudu-binary folder (resolved on first use)."""
        if self._home is None:
            self._home = ensure_kudu_binary(self.version)
        return self._home

    def start(self, timeout: float = 60.0) -> Self:
        """Start the master, then the tablet server, and wait until the master lists the tablet server."""
        env = _server_env(self.home)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for server in self.servers:
            self._launch(server, [str(self.home / "bin" / server.binary), *_SERVER_FLAGS, *server.arguments],
                         server.binary, server.log_file, env)
        self._wait_ready(timeout)
        return self

    def kudu(self, *args: str, check: bool = False, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run the jar's ``kudu`` CLI with ``args`` (pass :attr:`masters` where it needs them).

        With ``check=True`` a non-zero exit raises :class:`KuduCommandError` with what Kudu printed.
        """
        command = [str(self.home / "bin" / "kudu"), *args]
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace", env=_server_env(self.home),
                              stdin=subprocess.DEVNULL, timeout=timeout)
        if check and proc.returncode != 0:
            said = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
            raise KuduCommandError(f"kudu {' '.join(args[:2])} failed (exit {proc.returncode}): {said}")
        return proc

    def create_table(self, spec: dict[str, Any]) -> None:
        """Create a table from the JSON spec of ``kudu table create`` (``num_replicas`` defaults to 1).

        Mind that a column's ``is_nullable`` defaults to false there.
        """
        self.kudu("table", "create", self.masters, json.dumps({"num_replicas": 1, **spec}), check=True)

    def drop_table(self, name: str) -> None:
        """Delete the table ``name``."""
        self.kudu("table", "delete", self.masters, name, check=True)

    def scan(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` as the ``kudu table scan`` CLI prints it, parsed (see :func:`parse_scan_row`).

        The order is the scan's (per tablet); sort the rows to compare them.
        """
        out = self.kudu("table", "scan", self.masters, table, check=True).stdout
        rows = [parse_scan_row(line) for line in out.splitlines() if line.startswith("(")]
        for line in out.splitlines():
            if line.startswith("Total count "):
                count = int(line.split()[2])
                if count != len(rows):
                    raise KuduCommandError(f"kudu table scan {table}: counted {count} rows but printed {len(rows)}")
        return rows

    # -- internals -------------------------------------------------------------------------

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_running()
            try:
                proc = self.kudu("tserver", "list", self.masters, "-format=json", timeout=15)
            except subprocess.TimeoutExpired:
                proc = None
            if proc is not None:
                if proc.returncode == 0 and json.loads(proc.stdout or "[]"):
                    return
                last = (proc.stderr.strip() or proc.stdout.strip())[-300:]
            time.sleep(0.2)
        self._fail(self.tserver, f"the tablet server did not register with the master within {timeout:.0f}s "
                                 f"(last answer: {last or 'none'})")


# -- the scan output ------------------------------------------------------------------------------

_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", '"': b'"', "'": b"'", "\\": b"\\"}


def _unescape(line: str, start: int) -> tuple[bytes, int]:
    """The bytes of the C-escaped string (``strings::CHexEscape``) starting after the quote at ``start - 1``,
    and the index just past its closing quote."""
    out = bytearray()
    i = start
    while line[i] != '"':
        char = line[i]
        if char != "\\":
            out += char.encode()
            i += 1
            continue
        code = line[i + 1]
        if code in _ESCAPES:
            out += _ESCAPES[code]
            i += 2
        elif code == "x":
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        else:  # \NNN octal, what CEscape (not CHexEscape) writes
            out.append(int(line[i + 1:i + 4], 8))
            i += 4
    return bytes(out), i + 1


def _typed(kind: str, text: str) -> Any:
    if text == "NULL":
        return None
    if kind.startswith(("int", "uint")):
        return int(text)
    if kind in ("double", "float"):
        return float(text)
    if kind == "bool":
        return text == "true"
    if kind == "unixtime_micros":
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    if kind == "date":
        return date.fromisoformat(text)
    if kind.startswith("decimal"):
        return Decimal(text)
    return text


def parse_scan_row(line: str) -> dict[str, Any]:
    """One row printed by ``kudu table scan``, as column name to Python value.

    ``string``/``varchar`` become ``str`` (C escapes undone, UTF-8), ``binary`` ``bytes``, integers ``int``,
    ``float``/``double`` ``float``, ``bool`` ``bool``, ``unixtime_micros`` an aware UTC ``datetime``,
    ``date`` a ``date``, ``decimal`` a ``Decimal``, ``NULL`` ``None``.

        >>> parse_scan_row('(string id="t\\\\"1\\\\xc3\\\\xa9", double score=-0.75, bool ok=true, int64 n=NULL, '
        ...                'unixtime_micros at=2023-11-14T22:13:20.000001Z)')
        {'id': 't"1é', 'score': -0.75, 'ok': True, 'n': None,
         'at': datetime.datetime(2023, 11, 14, 22, 13, 20, 1, tzinfo=datetime.timezone.utc)}
    """
    if not (line.startswith("(") and line.endswith(")")):
        raise ValueError(f"not a row of kudu table scan: {line[:200]!r}")
    row: dict[str, Any] = {}
    i, end = 1, len(line) - 1
    while i < end:
        j, depth = i, 0  # the type, which may hold "decimal(10, 2)"
        while depth or line[j] != " ":
            depth += {"(": 1, ")": -1}.get(line[j], 0)
            j += 1
        kind = line[i:j]
        equals = line.index("=", j + 1)
        name = line[j + 1:equals]
        i = equals + 1
        if line[i] == '"':
            raw, i = _unescape(line, i + 1)
            row[name] = raw if kind == "binary" else raw.decode("utf-8", errors="replace")
        else:
            stop = line.find(", ", i)
            stop = end if stop < 0 else stop
            row[name] = _typed(kind, line[i:stop])
            i = stop
        if line.startswith(", ", i):
            i += 2
    return row
