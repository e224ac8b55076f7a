"""CloudAir settings: ``cloudair.toml``, then ``CLOUDAIR_<SECTION>_<KEY>`` environment overrides.

Secrets never come from the file: the model's access key and API key (``CML_ACCESS_KEY``,
``CML_API_KEY``) and Slack's credentials (``SLACK_BOT_TOKEN`` / ``SLACK_WEBHOOK_URL``) are read from the
environment only (Atlas' ``ATLAS_USER`` / ``ATLAS_PASSWORD`` and the AWS settings by their clients), and a
file that holds one is refused with an error naming the key.

>>> cfg = load_config(env={"CLOUDAIR_PIPELINE_TOPIC_PREFIX": "t1-", "CLOUDAIR_MODEL_CONCURRENCY": "4"})
>>> cfg.topic("airlines"), cfg.model.concurrency
('t1-airlines', 4)
>>> "hunter2" in repr(load_config(env={"CML_ACCESS_KEY": "hunter2"}))
False
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_FILE", "CloudAirConfig", "ConfigError", "load_config"]

DEFAULT_FILE = Path(__file__).with_name("cloudair.toml")
"""The settings file shipped with the example."""

_SECRET_WORDS = ("key", "token", "secret", "password", "webhook")


class ConfigError(ValueError):
    """A setting is missing, malformed or a secret in the file; the message names it and the fix."""


@dataclass(frozen=True)
class Pipeline:
    application_id: str = "cloudair"
    topic_prefix: str = ""
    partitions: int = 3
    typed: bool = False


@dataclass(frozen=True)
class Source:
    path: str = ""
    limit: int = 0
    synthetic: bool = False
    synthetic_every: int = 10


@dataclass(frozen=True)
class Model:
    url: str = ""
    concurrency: int = 16
    timeout_s: float = 5.0
    retries: int = 3
    max_batch: int = 200


@dataclass(frozen=True)
class Parquet:
    location: str = ".airstream/cloudair/airlinesentiment"
    partition_by: tuple[str, ...] = ("airline",)
    database: str = "default"
    table: str = "airlinesentiment"


@dataclass(frozen=True)
class Slack:
    channel: str = "#cloudair-alerts"
    template: str = "{tweettext}"
    base_url: str = ""


@dataclass(frozen=True)
class HBase:
    host: str = ""
    port: int = 9090
    table: str = "airline"
    column_family: str = "sentiment"
    row_key: str = "tweetid"


KUDU_WRITERS = ("kudu-python", "impala")


@dataclass(frozen=True)
class Kudu:
    """Every scored tweet upserted into a Kudu table, by one of two writers: ``kudu-python`` (to the
    ``masters``; on while they are set) or ``impala`` (``UPSERT INTO database.table`` through the
    Impala of the ``IMPALA_*`` environment; on when chosen)."""

    writer: str = "kudu-python"
    masters: tuple[str, ...] = ()
    table: str = "airlinesentiment"
    database: str = "default"
    hash_buckets: int = 4
    replicas: int = 3

    @property
    def enabled(self) -> bool:
        """Whether the pipeline writes to Kudu."""
        return self.writer == "impala" or bool(self.masters)


@dataclass(frozen=True)
class Atlas:
    url: str = ""
    cluster: str = "cloudair"


@dataclass(frozen=True)
class Secrets:
    """Read from the environment only; ``repr`` shows which are set, never their values."""

    cml_access_key: str | None = field(default=None, repr=False)
    cml_api_key: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_webhook_url: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return "Secrets(" + ", ".join(f"{f.name}={'set' if getattr(self, f.name) else 'unset'}"
                                      for f in fields(self)) + ")"

    @property
    def slack(self) -> bool:
        """Whether Slack credentials are there (alerts are off otherwise)."""
        return bool(self.slack_bot_token or self.slack_webhook_url)


@dataclass(frozen=True)
class CloudAirConfig:
    """Every CloudAir setting; ``topic(name)`` gives a topic's real name (with the prefix)."""

    pipeline: Pipeline = Pipeline()
    source: Source = Source()
    model: Model = Model()
    parquet: Parquet = Parquet()
    slack: Slack = Slack()
    hbase: HBase = HBase()
    kudu: Kudu = Kudu()
    atlas: Atlas = Atlas()
    routes: Mapping[str, str] = field(default_factory=dict)
    secrets: Secrets = Secrets()

    def topic(self, name: str) -> str:
        """``name`` with the configured prefix."""
        return f"{self.pipeline.topic_prefix}{name}"


_SECTIONS: dict[str, type] = {"pipeline": Pipeline, "source": Source, "model": Model, "parquet": Parquet,
                              "slack": Slack, "hbase": HBase, "kudu": Kudu, "atlas": Atlas}


def _coerce(section: str, key: str, raw: Any, default: Any) -> Any:
    where = f"[{section}] {key}"
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            items = raw.split(",") if isinstance(raw, str) else raw
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} = {raw!r} is not a {type(default).__name__}") from None


def load_config(path: str | Path | None = DEFAULT_FILE, env: Mapping[str, str] | None = None,
                **overrides: Any) -> CloudAirConfig:
    """Read ``path`` (TOML; ``None`` for defaults only), apply environment and keyword overrides.

    ``overrides`` are ``section_key=value`` (``pipeline_topic_prefix="t-"``), applied last.
    """
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"CloudAir config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"CloudAir config file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_SECTIONS) - {"routes"})
    if unknown:
        raise ConfigError(f"unknown section(s) {unknown} in {path}; known: {[*sorted(_SECTIONS), 'routes']}")
    parts: dict[str, Any] = {}
    for section, cls in _SECTIONS.items():
        given = dict(data.get(section, {}))
        defaults = {f.name: f.default for f in fields(cls)}
        for key in given:
            if key not in defaults:
                hint = (" (secrets come from the environment only: see the top of cloudair.toml)"
                        if any(w in key.lower() for w in _SECRET_WORDS) else "")
                raise ConfigError(f"[{section}] {key} is not a CloudAir setting{hint}")
        values = {}
        for key, default in defaults.items():
            raw = given.get(key, default)
            raw = env.get(f"CLOUDAIR_{section}_{key}".upper(), raw)
            raw = overrides.pop(f"{section}_{key}", raw)
            values[key] = _coerce(section, key, raw, default)
        parts[section] = cls(**values)
    if overrides:
        raise ConfigError(f"unknown override(s) {sorted(overrides)}; use section_key=value")
    if parts["kudu"].writer not in KUDU_WRITERS:
        raise ConfigError(f"[kudu] writer = {parts['kudu'].writer!r}: use {' or '.join(map(repr, KUDU_WRITERS))}")
    routes = {str(k): str(v) for k, v in data.get("routes", {}).items()}
    if not routes:
        raise ConfigError(f"no [routes] in {path}: name at least one SQL route, e.g. "
                          "airlines = \"SELECT * FROM FLOWFILE\"")
    secrets = Secrets(env.get("CML_ACCESS_KEY") or None, env.get("CML_API_KEY") or None,
                      env.get("SLACK_BOT_TOKEN") or None, env.get("SLACK_WEBHOOK_URL") or None)
    return CloudAirConfig(routes=routes, secrets=secrets, **parts)

