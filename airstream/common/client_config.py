"""Kafka client properties from the command line: ``--bootstrap``, ``--config client.properties``
and ``-X key=value``, as ``airmon``, ``airstream run`` and the connectors' commands take them.

Everything the user gives passes through to librdkafka unchanged (SASL, SSL, timeouts ...), so a
``client.properties`` written for the Java tools works here too, as far as librdkafka knows the keys;
the Java-only ``sasl.jaas.config`` of PLAIN and SCRAM logins is translated to librdkafka's
``sasl.username``/``sasl.password``. Secret values never reach a message: see :mod:`airstream.common.redact`.

    >>> cfg = client_config(bootstrap="b1:9092", overrides=["security.protocol=SASL_SSL",
    ...                                                     "sasl.password=hunter2"])
    >>> cfg["bootstrap.servers"], cfg["security.protocol"]
    ('b1:9092', 'SASL_SSL')
    >>> connection_config({**cfg, "group.id": "g", "auto.offset.reset": "earliest"}) == cfg
    True
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import javaproperties

from airstream.common.redact import is_secret

__all__ = ["BOOTSTRAP_ENV", "ConfigError", "client_config", "connection_config", "load_properties",
           "parse_overrides", "translate_jaas"]

BOOTSTRAP_ENV = "AIRSTREAM_BOOTSTRAP"
_CONNECTION_PREFIXES = ("bootstrap.servers", "security.protocol", "ssl.", "sasl.", "socket.", "broker.",
                        "client.dns.lookup", "client.rack", "reconnect.", "retry.backoff", "metadata.",
                        "oauth", "enable.ssl", "error_cb", "log", "api.version", "topic.metadata")


class ConfigError(ValueError):
    """Client configuration that cannot be used; the message names the setting and the fix."""


def load_properties(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a Java ``.properties`` file (``key=value``, ``key: value``, ``#`` comments, ``\\`` continuations)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"client properties file {file} does not exist: check the --config path") from None
    except OSError as exc:
        raise ConfigError(f"cannot read client properties file {file}: {exc.strerror}") from None
    try:
        return dict(javaproperties.loads(text))
    except Exception as exc:  # javaproperties raises plain ValueError subclasses on bad escapes
        raise ConfigError(f"client properties file {file} is not a valid Java properties file: {exc}") from None


_JAAS = re.compile(r"\s*(?P<module>[\w.$]+)\s+(?:required|requisite|sufficient|optional)\b(?P<options>.*?);?\s*$",
                   re.S)
_JAAS_OPTION = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))')


def translate_jaas(config: dict[str, str]) -> dict[str, str]:
    """``config`` with a Java ``sasl.jaas.config`` for PLAIN or SCRAM turned into ``sasl.username`` and
    ``sasl.password`` (explicit ones win); any other login module is refused with what to set instead.
    The error never shows the JAAS value, which holds the password.

    >>> translate_jaas({"sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config":
    ...     'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p4ss";'})
    {'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'svc', 'sasl.password': 'p4ss'}
    """
    jaas = config.get("sasl.jaas.config")
    if jaas is None:
        return config
    out = {k: v for k, v in config.items() if k != "sasl.jaas.config"}
    match = _JAAS.match(jaas)
    module = match["module"].rsplit(".", 1)[-1] if match else ""
    if module not in ("PlainLoginModule", "ScramLoginModule"):
        raise ConfigError(f"sasl.jaas.config with {module or 'a login module airstream cannot read'} is Java-only: "
                          "librdkafka takes PLAIN and SCRAM logins as sasl.username/sasl.password (translated from "
                          "sasl.jaas.config), OAUTHBEARER as sasl.oauthbearer.* and GSSAPI as sasl.kerberos.*; "
                          "set those instead")
    options = {m[1]: re.sub(r"\\(.)", r"\1", m[2]) if m[2] is not None else m[3]
               for m in _JAAS_OPTION.finditer(match["options"] if match else "")}
    if "username" not in options or "password" not in options:
        raise ConfigError(f"sasl.jaas.config with {module} needs username=\"...\" and password=\"...\"")
    if module == "ScramLoginModule" and not out.get("sasl.mechanism", "").upper().startswith("SCRAM-"):
        raise ConfigError("sasl.jaas.config with ScramLoginModule needs sasl.mechanism=SCRAM-SHA-256 or "
                          "SCRAM-SHA-512")
    out.setdefault("sasl.mechanism", "PLAIN")
    out.setdefault("sasl.username", options["username"])
    out.setdefault("sasl.password", options["password"])
    return out


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """Turn ``-X key=value`` arguments into a dict; the error names the bad argument.

    >>> parse_overrides(["acks=all", "client.id=x=y"])
    {'acks': 'all', 'client.id': 'x=y'}
    """
    parsed: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            shown = f"{key}=***" if sep and is_secret(key) else item
            raise ConfigError(f"-X {shown!r} is not key=value: write it as -X property=value")
        parsed[key.strip()] = value
    return parsed


def client_config(bootstrap: str | None = None, config_file: str | os.PathLike[str] | None = None,
                  overrides: Iterable[str] = (), env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Merge the sources of client properties: file, then ``-X``, then ``--bootstrap`` (later wins).

    Without any of them, ``bootstrap.servers`` comes from ``$AIRSTREAM_BOOTSTRAP``; when it is still
    missing the error says how to give it.
    """
    env = os.environ if env is None else env
    config: dict[str, str] = {}
    if config_file is not None:
        config.update(load_properties(config_file))
    config.update(parse_overrides(overrides))
    if bootstrap:
        config["bootstrap.servers"] = bootstrap
    config = translate_jaas(config)
    if not config.get("bootstrap.servers"):
        if env.get(BOOTSTRAP_ENV):
            config["bootstrap.servers"] = env[BOOTSTRAP_ENV]
        else:
            raise ConfigError(f"no Kafka bootstrap servers: pass --bootstrap host:9092, set ${BOOTSTRAP_ENV}, "
                              "or put bootstrap.servers in the --config file")
    return config


def connection_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a client configuration that say how to reach and log in to the cluster.

    What a second client made from a user's configuration takes (a metrics publisher beside the
    user's producer, a reader beside the user's consumer): not their group, offsets or tuning.

    >>> connection_config({"bootstrap.servers": "k:9092", "group.id": "g", "sasl.password": "s"})
    {'bootstrap.servers': 'k:9092', 'sasl.password': 's'}
    """
    return {k: v for k, v in config.items() if k.startswith(_CONNECTION_PREFIXES)}
