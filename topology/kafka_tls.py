"""A throw-away certificate authority and broker certificate for the local secured broker.

:class:`~airstream.topology.kafka_local.LocalKafka` with ``security=Security()`` serves clients over
TLS. This module makes what that needs with the ``openssl`` command (present wherever Java is; the
``cryptography`` package is not a dependency of airstream): a self-signed CA, and a broker key and
certificate signed by it for ``localhost`` and ``127.0.0.1``, all PEM, which Kafka 4.x reads directly
(``ssl.keystore.type=PEM``) and librdkafka trusts through ``ssl.ca.location``.

Example::

    files = make_certificates(Path("/tmp/tls"))
    files.ca        # the CA certificate: a client's ssl.ca.location
    files.keystore  # the broker's key and certificate chain: its ssl.keystore.location

The keys are unencrypted and the files readable by their owner only: they protect a test broker on
loopback for as long as it runs, nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TlsError", "TlsFiles", "make_certificates"]

_DAYS = "3650"


class TlsError(RuntimeError):
    """The certificates could not be made; the message says which ``openssl`` step failed and why."""


@dataclass(frozen=True)
class TlsFiles:
    """Where the PEM files are."""

    ca: Path
    """The CA certificate (what clients trust)."""
    keystore: Path
    """The broker's private key, its certificate and the CA certificate, in that order."""


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsError("'openssl' is not on PATH: install it (Debian: apt-get install -y openssl) to start a "
                       "secured local broker")
    proc = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise TlsError(f"openssl {args[0]} failed (exit {proc.returncode}): {last}")


def make_certificates(directory: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> TlsFiles:
    """Make a CA and a broker certificate for ``hosts`` (names and IP addresses) in ``directory``.

    Both certificates are RSA 2048 and valid for ten years: tests never wait for expiry, and a local
    broker kept by ``airstream kafka up --secure`` should not stop working after a month.
    """
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", _DAYS, "-subj", "/CN=airstream local Kafka CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=directory)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
             "-subj", f"/CN={hosts[0]}", cwd=directory)
    # Hostname verification (librdkafka's default, and the broker's own inter-broker client) checks the
    # subjectAltName, never the CN: every address a client may dial must be listed.
    names = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() or ":" in h else f"DNS:{h}" for h in hosts)
    (directory / "broker.ext").write_text(f"subjectAltName={names}\nextendedKeyUsage=serverAuth,clientAuth\n")
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "broker.pem", "-days", _DAYS, "-extfile", "broker.ext", cwd=directory)
    keystore = directory / "broker-keystore.pem"
    # openssl 3 writes keys unencrypted as PKCS#8 ("BEGIN PRIVATE KEY"), the form Kafka's PEM key store reads.
    keystore.write_text("".join((directory / name).read_text() for name in ("broker.key", "broker.pem", "ca.pem")))
    for path in directory.iterdir():
        os.chmod(path, 0o600)
    return TlsFiles(ca=directory / "ca.pem", keystore=keystore)
