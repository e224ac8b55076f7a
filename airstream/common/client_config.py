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

Every command takes these options the same way through :func:`add_client_arguments` and builds its
configuration with :func:`config_from_args`; :func:`report_failure` prints a failure as the one line
(and, with ``--verbose``, the traceback before it)::

    parser = argparse.ArgumentParser(prog="airstream replay")
    add_client_arguments(parser)
    args = parser.parse_args(["--bootstrap", "b1:9092", "-X", "acks=all"])
    config = config_from_args(args)     # {'acks': 'all', 'bootstrap.servers': 'b1:9092'}
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import javaproperties

from airstream.common.redact import is_secret

__all__ = ["BOOTSTRAP_ENV", "ConfigError", "add_client_arguments", "add_property_arguments", "client_config",
           "config_from_args", "connection_config", "load_properties", "parse_overrides", "properties",
           "report_failure", "translate_jaas"]

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


def properties(config_file: str | os.PathLike[str] | None = None, overrides: Iterable[str] = ()) -> dict[str, str]:
    """The properties of ``--config FILE`` with ``-X key=value`` over them (``-X`` wins), as given.

    >>> properties(None, ["s3.region=eu-west-1"])
    {'s3.region': 'eu-west-1'}
    """
    config: dict[str, str] = {}
    if config_file is not None:
        config.update(load_properties(config_file))
    config.update(parse_overrides(overrides))
    return config


def client_config(bootstrap: str | None = None, config_file: str | os.PathLike[str] | None = None,
                  overrides: Iterable[str] = (), env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Merge the sources of client properties: file, then ``-X``, then ``--bootstrap`` (later wins).

    Without any of them, ``bootstrap.servers`` comes from ``$AIRSTREAM_BOOTSTRAP``; when it is still
    missing the error says how to give it.
    """
    env = os.environ if env is None else env
    config = properties(config_file, overrides)
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


def add_property_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, what: str = "client",
                           config_option: str = "--config", suppress_defaults: bool = False) -> None:
    """Add ``--config FILE`` (dest ``config_file``), ``-X KEY=VALUE`` (repeatable; dest ``overrides``) and
    ``-v/--verbose``.

    ``what`` names the properties in the help ("client", "S3"). ``config_option`` is the file option's
    name for a command whose ``--config`` already means something else (the CloudAir demo's settings
    file); the short ``-c`` comes with ``--config`` only. ``suppress_defaults`` is for a subcommand that
    repeats its parent's options (``airmon --bootstrap x snapshot``): a default there would reset the
    value the parent parsed.
    """
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress_defaults else value

    names = [config_option, "-c"] if config_option == "--config" else [config_option]
    parser.add_argument(*names, dest="config_file", default=default(None), metavar="FILE",
                        help=f"{what} properties file (Java .properties: key=value lines)")
    parser.add_argument("-X", dest="overrides", action="append", default=default([]), metavar="KEY=VALUE",
                        help=f"set one {what} property; repeatable; wins over {config_option}")
    parser.add_argument("--verbose", "-v", action="store_true", default=default(False),
                        help="on a failure, print the traceback too; show the Kafka client's own log lines")


def add_client_arguments(parser: argparse.ArgumentParser, *, config_option: str = "--config",
                         suppress_defaults: bool = False) -> argparse._ArgumentGroup:
    """Add the Kafka connection options to ``parser``, in a "connection" group it returns:
    ``--bootstrap/-b`` (default ``$AIRSTREAM_BOOTSTRAP``), and :func:`add_property_arguments`' options.

    The names and meanings are airmon's, so a user writes the same flags for every command:

        >>> p = argparse.ArgumentParser(); _ = add_client_arguments(p)
        >>> a = p.parse_args(["-b", "k:9092", "-c", "client.properties", "-X", "acks=all", "-v"])
        >>> a.bootstrap, a.config_file, a.overrides, a.verbose
        ('k:9092', 'client.properties', ['acks=all'], True)
    """
    group = parser.add_argument_group("connection")
    group.add_argument("--bootstrap", "-b", default=argparse.SUPPRESS if suppress_defaults else None,
                       metavar="HOST:PORT[,...]", help=f"Kafka bootstrap servers (default: ${BOOTSTRAP_ENV})")
    add_property_arguments(group, config_option=config_option, suppress_defaults=suppress_defaults)
    return group


def config_from_args(args: argparse.Namespace) -> dict[str, str]:
    """The client configuration of parsed :func:`add_client_arguments` options (see :func:`client_config`)."""
    return client_config(args.bootstrap, args.config_file, args.overrides)


def report_failure(prog: str, exc: BaseException, *, verbose: bool, message: str | None = None,
                   secrets: Mapping[str, object] | None = None) -> None:
    """Print ``exc`` as ``prog: message`` on stderr (``message`` defaults to ``str(exc)``); with
    ``verbose``, its traceback first.

    The traceback shows the exception a ``raise ... from None`` hid too: that is the one a bug report
    needs. Secret values of ``secrets`` (a client configuration) are scrubbed from both.
    """
    from airstream.common.redact import scrub

    if verbose:
        shown = exc.__context__ if exc.__suppress_context__ and exc.__context__ is not None else exc
        text = "".join(traceback.format_exception(shown))
        print(scrub(text, secrets or {}), end="", file=sys.stderr)
    print(f"{prog}: {scrub(str(exc) if message is None else message, secrets or {})}", file=sys.stderr)
