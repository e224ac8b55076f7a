"""Kafka client properties for airmon: ``--bootstrap``, ``--config client.properties`` and ``-X key=value``.

Everything the user gives passes through to librdkafka unchanged (SASL, SSL, timeouts ...), so a
``client.properties`` written for the Java tools works here too, as far as librdkafka knows the keys.
Secret values (``sasl.password``, ``ssl.key.password`` and anything whose name says password, secret
or token) are masked by :func:`redact` and scrubbed out of any text by :func:`scrub`, so they never
reach a log, an exception or the screen.

Example::

    >>> cfg = client_config(bootstrap="b1:9092", overrides=["security.protocol=SASL_SSL",
    ...                                                     "sasl.password=hunter2"])
    >>> cfg["bootstrap.servers"], redact(cfg)["sasl.password"]
    ('b1:9092', '***')
    >>> scrub("auth failed with hunter2", cfg)
    'auth failed with ***'
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import javaproperties

__all__ = ["BOOTSTRAP_ENV", "ConfigError", "client_config", "is_secret", "load_properties", "parse_overrides",
           "redact", "scrub", "with_kafka_logger"]

BOOTSTRAP_ENV = "AIRSTREAM_BOOTSTRAP"
MASK = "***"
_SECRET_NAME = re.compile(r"password|secret|token|jaas|\.pem$|credentials", re.IGNORECASE)

# librdkafka's own messages (refused connections while a broker restarts ...) go to this logger, not
# to stderr where they would scribble over a TUI; `airmon -v` shows them.
_kafka_log = logging.getLogger("airmon.kafka")
_kafka_log.addHandler(logging.NullHandler())


class ConfigError(ValueError):
    """Client configuration that cannot be used; the message names the setting and the fix."""


def is_secret(key: str) -> bool:
    """Whether a property's value must never be shown.

    >>> is_secret("sasl.password"), is_secret("sasl.jaas.config"), is_secret("security.protocol")
    (True, True, False)
    """
    return bool(_SECRET_NAME.search(key))


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
    if not config.get("bootstrap.servers"):
        if env.get(BOOTSTRAP_ENV):
            config["bootstrap.servers"] = env[BOOTSTRAP_ENV]
        else:
            raise ConfigError(f"no Kafka bootstrap servers: pass --bootstrap host:9092, set ${BOOTSTRAP_ENV}, "
                              "or put bootstrap.servers in the --config file")
    return config


def redact(config: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``config`` with every secret value replaced by ``***``."""
    return {k: (MASK if is_secret(k) else v) for k, v in config.items()}


def scrub(text: str, config: Mapping[str, object]) -> str:
    """``text`` with every secret value of ``config`` replaced by ``***`` (for errors from the client)."""
    for key, value in config.items():
        if is_secret(key) and isinstance(value, str) and len(value) >= 3:
            text = text.replace(value, MASK)
    return text


def with_kafka_logger(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` that sends librdkafka's log lines to the ``airmon.kafka`` logger, not stderr.

    Every client airmon makes needs this: librdkafka writes straight to stderr otherwise, over the
    dashboard. The lines are delivered when the client is polled.

    >>> with_kafka_logger({"bootstrap.servers": "b1:9092"})["logger"].name
    'airmon.kafka'
    """
    return {**config, "logger": _kafka_log}
