"""Alert rules from YAML: what to watch, for how long, how bad it is, and whom to tell.

A ``rules.yaml`` has four sections; only ``rules`` is required::

    settings:                    # Burrow lag evaluation (see airstream.monitor.lag)
      lag_window: 10             # commits judged per partition
      min_distance: 1s           # a commit closer than this to the previous one replaces it
      minimum_complete: 0.5      # below this share of a full window: UNKNOWN
      allowed_lag: 0             # a lag this small counts as caught up
      min_span: 1m               # the least time a window counts for in the STOP rule
      stop_after: 5m             # log past the last commit this long, no commit since: STOP (STALL if owned)
    notifiers:
      ops-slack: {type: slack, channel: "#kafka", token: "${SLACK_BOT_TOKEN}", min_interval: 30s}
      pager:     {type: webhook, url: "https://alerts.example.com/airmon", headers: {X-Team: data}}
      console:   {type: log}
    rules:
      - name: scorer-behind
        kind: group_lag          # group_lag | group_status | time_lag | time_to_drain |
        group: "scorer*"         # under_replicated | offline_partitions | broker_down |
                                 # topic_idle | e2e_latency | producer_inactive
        above: 1000
        for: 1m                  # the condition must hold this long before the alert fires
        severity: critical       # info | warning | critical
        labels: {team: data}
        notify: [ops-slack, console]
      - {name: consumer-stuck, kind: group_status, status: [STALL, STOP, REWIND]}
      - {name: tweets-idle, kind: topic_idle, topic: tweets, above: 10m}
      - {name: slow-path, kind: e2e_latency, producer: "replay*", group: alerts-sink, stat: p99,
         above: 2s, window: 5m}  # traced hops: origin producer -> ... -> topic -> group
      - {name: replay-quiet, kind: producer_inactive, producer: "replay*", above: 5m}
      - {name: broker-gone, kind: broker_down, severity: critical}
    silences:                    # mute notifications until a time (the alerts still show)
      - {rule: consumer-stuck, subject: "group audit*", until: "2026-12-24T08:00:00Z", comment: "job retired"}

``group``, ``topic`` and ``producer`` are shell-style globs (default ``*``); internal topics only
match when named or with ``include_internal: true``.

The cluster kinds raise one alert per cause: ``broker_down`` one per broker that was in the cluster
(or still holds replicas) and is gone, counting the partitions that lost a replica;
``under_replicated`` one per topic with its count and the brokers out of sync -- left out when a
``broker_down`` rule already reports every broker behind it; ``offline_partitions`` one per set of
brokers holding the offline partitions' replicas.

The two trace kinds read what traced clients (:mod:`airstream.topology.tracing`) publish: ``e2e_latency``
fires when the ``stat`` (``p99``, the default, ``avg`` or ``max``) of the end-to-end latency --
receive time minus the origin producer's produce time -- of a matching hop over the last ``window``
(default ``5m``) is above ``above``; one alert per hop ``origin -> ... -> topic -> group``.
``producer`` matches the origin producer's ``client.id`` or the client that wrote the hop.
``producer_inactive`` fires when a matching producer (by ``client.id``, and ``topic`` it wrote to)
has produced nothing for longer than ``above``. Durations are seconds or ``500ms``/``30s``/``5m``/``2h``/``1d``.
``${NAME}`` in a notifier option is read from the environment, so tokens stay out of the file.
Every mistake is reported as :class:`RulesError` naming the file, the rule and the field.

Example::

    >>> rs = parse_rules({"rules": [{"name": "lag", "kind": "group_lag", "above": 10, "for": "2m"}]})
    >>> rs.rules[0].for_seconds, rs.rules[0].group
    (120.0, '*')
"""

from __future__ import annotations

import enum
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from airstream.monitor.lag import LagSettings
from airstream.monitor.model import ClusterSnapshot, LagStatus

if TYPE_CHECKING:
    from airstream.monitor.traces import TraceModel

__all__ = ["NotifierSpec", "Rule", "RuleKind", "RuleSet", "RulesError", "Silence", "load_rules", "parse_duration",
           "parse_rules"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
# Kafka's offsets, lags and timestamps are 64-bit; YAML reads 300 digits as an int that floats and
# C sizes cannot hold, so a larger number is refused here rather than overflow later.
_LARGEST = 2**63 - 1
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SEVERITIES = ("info", "warning", "critical")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file, the rule and the field."""


class RuleKind(enum.StrEnum):
    """What a rule measures. Group kinds take ``group:``; topic kinds take ``topic:``."""

    GROUP_LAG = "group_lag"                  # total lag of the group, records
    GROUP_STATUS = "group_status"            # Burrow status of the group or any of its partitions
    TIME_LAG = "time_lag"                    # age of the oldest unconsumed record, seconds
    TIME_TO_DRAIN = "time_to_drain"          # seconds until the lag is gone; endless if not shrinking
    UNDER_REPLICATED = "under_replicated"    # under-replicated partitions of the topic
    OFFLINE_PARTITIONS = "offline_partitions"  # partitions without a leader, one alert per set of brokers
    BROKER_DOWN = "broker_down"              # a broker that was in the cluster (or holds replicas) is gone
    TOPIC_IDLE = "topic_idle"                # seconds since the topic last received a record
    E2E_LATENCY = "e2e_latency"              # traced hop: receive time minus the origin's produce time
    PRODUCER_INACTIVE = "producer_inactive"  # seconds since a traced producer last produced

    @property
    def about_groups(self) -> bool:
        """True for kinds evaluated per consumer group, False for per-topic and trace kinds."""
        return self in (RuleKind.GROUP_LAG, RuleKind.GROUP_STATUS, RuleKind.TIME_LAG, RuleKind.TIME_TO_DRAIN)

    @property
    def about_traces(self) -> bool:
        """True for kinds evaluated on message traces (``airstream.monitor.traces.TraceModel``), not the snapshot."""
        return self in (RuleKind.E2E_LATENCY, RuleKind.PRODUCER_INACTIVE)

    @property
    def scope_fields(self) -> tuple[str, ...]:
        """The glob fields that choose this kind's subjects.

        >>> RuleKind.GROUP_LAG.scope_fields, RuleKind.PRODUCER_INACTIVE.scope_fields
        (('group',), ('producer', 'topic'))
        """
        if self is RuleKind.E2E_LATENCY:
            return ("producer", "topic", "group")
        if self is RuleKind.PRODUCER_INACTIVE:
            return ("producer", "topic")
        if self is RuleKind.BROKER_DOWN:
            return ()
        return ("group",) if self.about_groups else ("topic",)


_COUNT_DEFAULT_ABOVE = {RuleKind.UNDER_REPLICATED: 0.0, RuleKind.OFFLINE_PARTITIONS: 0.0, RuleKind.BROKER_DOWN: 0.0}
_TIME_KINDS = (RuleKind.TIME_LAG, RuleKind.TIME_TO_DRAIN, RuleKind.TOPIC_IDLE, RuleKind.E2E_LATENCY,
               RuleKind.PRODUCER_INACTIVE)
_RULE_FIELDS = {"name", "kind", "group", "topic", "producer", "above", "status", "stat", "window", "for", "severity",
                "labels", "notify", "include_internal", "description"}
_SCOPE_FIELDS = ("group", "topic", "producer")
_LATENCY_STATS = ("p99", "avg", "max")
_NOTIFIER_OPTIONS = {"log": frozenset(), "webhook": frozenset({"url", "headers", "timeout"}),
                     "slack": frozenset({"token", "channel", "webhook_url", "base_url", "timeout", "max_retries"})}
_TRACE_WINDOW = 3600.0  # seconds of traces airmon reads back by default (airstream.monitor.traces.TraceReader)


def parse_duration(value: object, where: str = "duration") -> float:
    """Seconds from ``30``, ``"30s"``, ``"500ms"``, ``"5m"``, ``"2h"`` or ``"1d"``.

    >>> parse_duration("5m"), parse_duration(2.5), parse_duration("250ms")
    (300.0, 2.5, 0.25)
    """
    if isinstance(value, bool):
        raise RulesError(f"{where}: expected a duration like 30s or 5m, got {value!r}")
    if isinstance(value, int | float):
        if (isinstance(value, float) and not math.isfinite(value)) or value < 0:
            raise RulesError(f"{where}: a duration is a finite number of seconds >= 0 or like 30s or 5m, "
                             f"got {value!r}")
        if not _finite(value):
            raise RulesError(f"{where}: {_shown(value)} is not a finite number of seconds airmon can use (at most "
                             f"{_LARGEST})")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise RulesError(f"{where}: expected a duration like 30s, 5m or 1h, got {_shown(value)}")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not _finite(seconds):
        raise RulesError(f"{where}: {_shown(value)} is not a finite number of seconds airmon can use (at most "
                         f"{_LARGEST})")
    return seconds


def _finite(value: float) -> bool:
    """Whether a number is one airmon can compute with: not NaN or infinite, and within 64 bits."""
    return abs(value) <= _LARGEST if isinstance(value, int) else math.isfinite(value) and abs(value) <= _LARGEST


def _shown(value: object) -> str:
    """``value`` for a message; a number of hundreds of digits by its length instead."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:12]}... ({len(text)} characters)"


@dataclass(frozen=True, slots=True)
class NotifierSpec:
    """A notifier as written in the file: its ``type`` and options (``${ENV}`` already expanded)."""

    name: str
    type: str
    options: Mapping[str, Any] = field(default_factory=dict)
    min_interval: float = 0.0

    def __repr__(self) -> str:
        # Options hold tokens and webhook URLs; the type and name are enough to tell them apart.
        return f"NotifierSpec(name={self.name!r}, type={self.type!r})"


@dataclass(frozen=True, slots=True)
class Silence:
    """Mutes the notifications of alerts whose rule and subject match, until ``until`` (epoch seconds).

    ``rule`` is a glob over rule names; ``subject`` a glob over the subject (``scorer``) or the subject
    with its kind (``group scorer``, ``broker 2``). Silenced alerts are still evaluated and shown.

    >>> s = Silence(until=100.0, rule="consumer-*", subject="group audit*")
    >>> s.covers("consumer-stuck", "group", "audit-2024", now=50.0), s.covers("consumer-stuck", "group", "x", now=50.0)
    (True, False)
    >>> s.covers("consumer-stuck", "group", "audit", now=150.0)  # expired
    False
    """

    until: float
    rule: str = "*"
    subject: str = "*"
    comment: str = ""
    origin: str = "rules file"

    def active(self, now: float) -> bool:
        """Whether it has not expired at ``now``."""
        return now < self.until

    def covers(self, rule: str, subject_kind: str, subject: str, now: float) -> bool:
        """Whether it mutes the alert of ``rule`` on that subject at ``now``."""
        return self.active(now) and fnmatchcase(rule, self.rule) and (
            fnmatchcase(subject, self.subject) or fnmatchcase(f"{subject_kind} {subject}", self.subject))


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule (see the module docstring for the YAML)."""

    name: str
    kind: RuleKind
    above: float | None = None
    statuses: frozenset[LagStatus] = frozenset()
    group: str = "*"
    topic: str = "*"
    for_seconds: float = 0.0
    severity: str = "warning"
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    notify: tuple[str, ...] = ()
    include_internal: bool = False
    description: str = ""
    producer: str = "*"
    stat: str = "p99"
    window: float = 300.0

    @property
    def scope(self) -> str:
        """What the rule applies to, in words: ``group scorer*``, ``producer replay* group sink``.

        >>> parse_rules({"rules": [{"name": "q", "kind": "producer_inactive", "above": "5m"}]}).rules[0].scope
        'every traced producer'
        """
        if self.kind.about_traces:
            parts = [f"{f} {getattr(self, f)}" for f in self.kind.scope_fields if getattr(self, f) != "*"]
            what = "hop" if self.kind is RuleKind.E2E_LATENCY else "producer"
            return " ".join(parts) or f"every traced {what}"
        if self.kind is RuleKind.BROKER_DOWN:
            return "every broker"
        return f"group {self.group}" if self.kind.about_groups else f"topic {self.topic}"

    def matches_producer(self, *client_ids: str | None) -> bool:
        """Whether the rule's ``producer`` glob covers any of these client ids."""
        return self.producer == "*" or any(c is not None and fnmatchcase(c, self.producer) for c in client_ids)

    def matches_group(self, group_id: str) -> bool:
        """Whether the rule's ``group`` glob covers this group."""
        return fnmatchcase(group_id, self.group)

    def matches_topic(self, topic: str, internal: bool) -> bool:
        """Whether the rule's ``topic`` glob covers this topic (internal ones only when asked for)."""
        if internal and not self.include_internal and self.topic != topic:
            return False
        return fnmatchcase(topic, self.topic)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Everything loaded from one rules file."""

    rules: tuple[Rule, ...] = ()
    notifiers: Mapping[str, NotifierSpec] = field(default_factory=dict)
    lag: LagSettings = field(default_factory=LagSettings)
    origin: str = "rules.yaml"
    silences: tuple[Silence, ...] = ()

    @property
    def needs_traces(self) -> bool:
        """Whether some rule reads message traces: read a ``TraceModel`` and pass it to the engine."""
        return any(r.kind.about_traces for r in self.rules)

    @property
    def trace_window(self) -> float:
        """Seconds of traces to read back so every trace rule can see what it judges.

        A producer is only known from what it published inside the window, so a ``producer_inactive``
        rule needs an hour more than its ``above``.

        >>> parse_rules({"rules": [{"name": "q", "kind": "producer_inactive", "above": "2h"}]}).trace_window
        10800.0
        """
        needed = [(r.above or 0.0) + _TRACE_WINDOW for r in self.rules if r.kind is RuleKind.PRODUCER_INACTIVE]
        needed += [r.window for r in self.rules if r.kind is RuleKind.E2E_LATENCY]
        return max([_TRACE_WINDOW, *needed])

    def unmatched(self, snapshot: ClusterSnapshot, traces: TraceModel | None = None) -> list[tuple[Rule, str]]:
        """Rules whose globs match nothing there, with why: a misspelt ``group:`` would never fire.

        Rules on every subject (``*``) are not listed: an empty cluster is not a mistake in the file.
        Trace rules are judged only on ``traces`` that were read.

        >>> from airstream.monitor.model import GroupInfo
        >>> rs = parse_rules({"rules": [{"name": "a", "kind": "group_lag", "group": "scorr*", "above": 1}]})
        >>> rs.unmatched(ClusterSnapshot(groups=(GroupInfo("scorer"),)))[0][1]
        "no consumer group matches 'scorr*' (there are 1: scorer)"
        """
        found = []
        for rule in self.rules:
            if rule.kind.about_traces:
                why = _unmatched_in_traces(rule, traces) if traces is not None and traces.ok else None
            elif rule.kind.about_groups:
                names = [g.group_id for g in snapshot.groups]
                why = None if rule.group == "*" or any(rule.matches_group(n) for n in names) else \
                    f"no consumer group matches {rule.group!r} ({_some(names)})"
            elif rule.kind is RuleKind.BROKER_DOWN:
                why = None
            else:
                names = [t.name for t in snapshot.topics]
                hit = any(rule.matches_topic(t.name, t.internal) for t in snapshot.topics)
                why = None if rule.topic == "*" or hit else f"no topic matches {rule.topic!r} ({_some(names)})"
            if why is not None:
                found.append((rule, why))
        return found

    def groups_needing_time_lag(self, snapshot: ClusterSnapshot) -> set[str]:
        """Groups some ``time_lag`` rule looks at: read their time lag before evaluating."""
        rules = [r for r in self.rules if r.kind is RuleKind.TIME_LAG]
        return {g.group_id for g in snapshot.groups if any(r.matches_group(g.group_id) for r in rules)}


def _some(names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:5]) + (" ..." if len(names) > 5 else "")
    return f"there are {len(names)}: {shown}" if names else "there are none"


def _unmatched_in_traces(rule: Rule, traces: TraceModel) -> str | None:
    producers = {p.client_id for p in traces.producers} | {h.writer for h in traces.hops}
    if rule.producer != "*" and not any(fnmatchcase(p, rule.producer) for p in producers):
        return f"no traced producer matches {rule.producer!r} ({_some(sorted(producers))})"
    topics = {h.topic for h in traces.hops} | {t.topic for p in traces.producers for t in p.topics}
    if rule.topic != "*" and not any(fnmatchcase(t, rule.topic) for t in topics):
        return f"no traced topic matches {rule.topic!r} ({_some(sorted(topics))})"
    groups = {h.group for h in traces.hops if h.group is not None}
    if rule.kind is RuleKind.E2E_LATENCY and rule.group != "*" and not any(fnmatchcase(g, rule.group) for g in groups):
        return f"no traced consumer group matches {rule.group!r} ({_some(sorted(groups))})"
    return None


def load_rules(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> RuleSet:
    """Read and check a rules file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"rules file {file} does not exist: check the --rules path") from None
    except OSError as exc:
        raise RulesError(f"cannot read rules file {file}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{file}: not valid YAML{where}: {problem}") from None
    return parse_rules(data, origin=str(file), env=env)


def parse_rules(data: object, origin: str = "rules.yaml", env: Mapping[str, str] | None = None) -> RuleSet:
    """Check already-parsed YAML (a mapping) and build a :class:`RuleSet`."""
    env = os.environ if env is None else env
    if not isinstance(data, Mapping):
        raise RulesError(f"{origin}: expected a mapping with a 'rules:' list at the top, got {type(data).__name__}")
    unknown = set(data) - {"rules", "notifiers", "settings", "silences"}
    if unknown:
        raise RulesError(f"{origin}: unknown top-level section(s) {sorted(unknown)}: "
                         "use 'rules', 'notifiers', 'settings' and 'silences'")
    notifiers = _notifiers(data.get("notifiers") or {}, origin, env)
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{origin}: 'rules:' must be a non-empty list of rules")
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        rule = _rule(raw, f"{origin}: rules[{index}]", notifiers)
        if any(r.name == rule.name for r in rules):
            raise RulesError(f"{origin}: rule name {rule.name!r} is used twice: names identify alerts, make "
                             "them unique")
        rules.append(rule)
    silences = _silences(data.get("silences") or [], origin, {r.name for r in rules})
    return RuleSet(tuple(rules), MappingProxyType(notifiers), _settings(data.get("settings") or {}, origin), origin,
                   silences)


def _silences(raw: object, origin: str, names: set[str]) -> tuple[Silence, ...]:
    if not isinstance(raw, list):
        raise RulesError(f"{origin}: 'silences:' must be a list, e.g. - {{rule: consumer-stuck, subject: 'group "
                         "audit', until: '2026-12-24T08:00:00Z', comment: why}")
    silences = []
    for index, entry in enumerate(raw):
        where = f"{origin}: silences[{index}]"
        if not isinstance(entry, Mapping):
            raise RulesError(f"{where}: expected a mapping with 'until' and optionally 'rule', 'subject', 'comment'")
        unknown = set(entry) - {"rule", "subject", "until", "comment"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}; known: comment, rule, subject, until")
        for key in ("rule", "subject", "comment"):
            if key in entry and not isinstance(entry[key], str):
                raise RulesError(f"{where}: field {key!r} must be text")
        rule = entry.get("rule", "*")
        if not any(fnmatchcase(n, rule) for n in names):
            raise RulesError(f"{where}: 'rule' {rule!r} matches no rule of this file; rules: {sorted(names)}")
        silences.append(Silence(_instant(entry.get("until"), f"{where}.until"), rule, entry.get("subject", "*"),
                                entry.get("comment", "")))
    return tuple(silences)


def _instant(value: object, where: str) -> float:
    """Epoch seconds from an ISO 8601 date and time with a zone (YAML may already have parsed it)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise RulesError(f"{where}: expected a date and time like 2026-12-24T08:00:00Z, got {value!r}") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise RulesError(f"{where}: give a time too, e.g. {value.isoformat()}T08:00:00Z")
    if not isinstance(value, datetime):
        raise RulesError(f"{where}: expected a date and time like 2026-12-24T08:00:00Z, got {value!r}")
    if value.tzinfo is None:
        raise RulesError(f"{where}: give the time zone, e.g. {value.isoformat()}Z for UTC")
    return value.timestamp()


def _settings(raw: object, origin: str) -> LagSettings:
    where = f"{origin}: settings"
    if not isinstance(raw, Mapping):
        raise RulesError(f"{where}: expected a mapping")
    names = {"lag_window": "window", "min_distance": "min_distance", "minimum_complete": "minimum_complete",
             "allowed_lag": "allowed_lag", "min_span": "min_span", "stop_after": "stop_after"}
    unknown = set(raw) - set(names)
    if unknown:
        raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(names)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("min_distance", "min_span", "stop_after"):
            values[key] = parse_duration(value, f"{where}.{key}")
        elif key in ("lag_window", "allowed_lag"):
            if isinstance(value, bool) or not isinstance(value, int) or not _finite(value):
                raise RulesError(f"{where}.{key}: expected a whole number, got {_shown(value)} (at most {_LARGEST})")
            values[names[key]] = value
        else:
            values[names[key]] = _number(value, f"{where}.{key}")
    try:
        return LagSettings(**values)
    except ValueError as exc:
        raise RulesError(f"{where}: {exc}") from None


def _number(value: object, where: str) -> float:
    """A finite number >= 0 (YAML's .nan and .inf are refused: a comparison with them never holds)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where} must be a number, got {_shown(value)}")
    if (isinstance(value, float) and math.isnan(value)) or value < 0:
        raise RulesError(f"{where} must be a finite number >= 0, got {value!r}")
    if not _finite(value):
        raise RulesError(f"{where}: {_shown(value)} is not a finite number airmon can use (at most {_LARGEST})")
    return float(value)


def _http_url(value: object, where: str) -> str:
    """An http(s) URL with a host; the message never repeats the URL (it may hold a token)."""
    if not isinstance(value, str) or not value:
        raise RulesError(f"{where}: expected an http:// or https:// URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RulesError(f"{where}: expected an http:// or https:// URL with a host, got one with scheme "
                         f"{parts.scheme or 'none'!r}")
    return value


def _flag(raw: Mapping[str, Any], key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise RulesError(f"{where}: field {key!r} must be true or false, got {value!r}")
    return value


def _expand(value: Any, where: str, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            if match.group(1) not in env:
                raise RulesError(f"{where}: environment variable {match.group(1)} is not set")
            return env[match.group(1)]
        return _ENV.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: _expand(v, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, where, env) for v in value]
    return value


def _notifiers(raw: object, origin: str, env: Mapping[str, str]) -> dict[str, NotifierSpec]:
    if not isinstance(raw, Mapping):
        raise RulesError(f"{origin}: 'notifiers:' must map a name to its settings, e.g. console: {{type: log}}")
    specs: dict[str, NotifierSpec] = {}
    for name, options in raw.items():
        where = f"{origin}: notifier {name!r}"
        if not isinstance(options, Mapping) or "type" not in options:
            raise RulesError(f"{where}: needs a 'type' (log, webhook or slack)")
        options = dict(options)
        kind = str(options.pop("type"))
        if kind not in ("log", "webhook", "slack"):
            raise RulesError(f"{where}: unknown type {kind!r}; use log, webhook or slack")
        if not isinstance(name, str):
            raise RulesError(f"{origin}: notifier names are text, got {name!r}")
        interval = parse_duration(options.pop("min_interval", 0), f"{where}.min_interval")
        unknown = set(options) - _NOTIFIER_OPTIONS[kind]
        if unknown:
            raise RulesError(f"{where}: unknown option(s) {sorted(unknown)} for type {kind}; known: "
                             f"{sorted(_NOTIFIER_OPTIONS[kind] | {'type', 'min_interval'})}")
        expanded = _expand(options, where, env)
        if kind == "webhook":
            if not expanded.get("url"):
                raise RulesError(f"{where}: a webhook needs 'url'")
            _http_url(expanded["url"], f"{where}.url")
            headers = expanded.get("headers", {})
            if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in headers.values()):
                raise RulesError(f"{where}.headers: expected a mapping of header names to text values")
        if kind == "slack":
            if not (expanded.get("webhook_url") or (expanded.get("token") and expanded.get("channel"))):
                raise RulesError(f"{where}: a slack notifier needs 'webhook_url', or 'token' and 'channel'")
            for key in ("webhook_url", "base_url"):
                if key in expanded:
                    _http_url(expanded[key], f"{where}.{key}")
            for key in ("token", "channel"):
                if key in expanded and not isinstance(expanded[key], str):
                    raise RulesError(f"{where}.{key}: expected text")
            retries = expanded.get("max_retries", 0)
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0 or not _finite(retries):
                raise RulesError(f"{where}.max_retries: expected a whole number >= 0, got {_shown(retries)}")
        if "timeout" in expanded:
            expanded["timeout"] = parse_duration(expanded["timeout"], f"{where}.timeout")
            if expanded["timeout"] <= 0:
                raise RulesError(f"{where}.timeout: must be longer than 0")
            if kind == "slack":  # slack_sdk counts whole seconds
                expanded["timeout"] = math.ceil(expanded["timeout"])
        specs[name] = NotifierSpec(name, kind, MappingProxyType(expanded), interval)
    return specs


def _rule(raw: object, where: str, notifiers: Mapping[str, NotifierSpec]) -> Rule:
    if not isinstance(raw, Mapping):
        raise RulesError(f"{where}: each rule is a mapping with at least 'name' and 'kind'")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RulesError(f"{where}: field 'name' is required (a short unique text)")
    where = f"{where} ({name!r})"
    unknown = set(raw) - _RULE_FIELDS
    if unknown:
        raise RulesError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(_RULE_FIELDS)}")
    try:
        kind = RuleKind(str(raw.get("kind")))
    except ValueError:
        raise RulesError(f"{where}: field 'kind' must be one of {[k.value for k in RuleKind]}, "
                         f"got {raw.get('kind')!r}") from None
    for key in _SCOPE_FIELDS:
        if key in raw and key not in kind.scope_fields:
            raise RulesError(f"{where}: field {key!r} does not apply to kind {kind.value}: use "
                             f"{' or '.join(repr(f) for f in kind.scope_fields)}")
    for key in ("stat", "window"):
        if key in raw and kind is not RuleKind.E2E_LATENCY:
            raise RulesError(f"{where}: field {key!r} only applies to kind e2e_latency")

    above: float | None = None
    statuses: frozenset[LagStatus] = frozenset()
    if kind is RuleKind.GROUP_STATUS:
        if "above" in raw:
            raise RulesError(f"{where}: kind group_status takes 'status', not 'above'")
        wanted = raw.get("status", ["ERR", "STOP", "STALL", "REWIND"])
        wanted = [wanted] if isinstance(wanted, str) else wanted
        try:
            statuses = frozenset(LagStatus(str(s).upper()) for s in wanted)
        except ValueError:
            raise RulesError(f"{where}: field 'status' must list statuses out of "
                             f"{[s.value for s in LagStatus]}, got {wanted!r}") from None
    else:
        if "status" in raw:
            raise RulesError(f"{where}: field 'status' only applies to kind group_status")
        if "above" in raw and kind is RuleKind.BROKER_DOWN:
            raise RulesError(f"{where}: kind broker_down takes no 'above': it fires for each broker that is gone")
        value = raw.get("above", _COUNT_DEFAULT_ABOVE.get(kind))
        if value is None:
            raise RulesError(f"{where}: field 'above' is required for kind {kind.value}")
        if kind in _TIME_KINDS:
            above = parse_duration(value, f"{where}: field 'above'")
        else:
            above = _number(value, f"{where}: field 'above'")

    severity = str(raw.get("severity", "warning")).lower()
    if severity not in SEVERITIES:
        raise RulesError(f"{where}: field 'severity' must be one of {list(SEVERITIES)}, got {severity!r}")
    labels = raw.get("labels") or {}
    if not isinstance(labels, Mapping) or not all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                                   for v in labels.values()):
        raise RulesError(f"{where}: field 'labels' must be a mapping of names to text values")
    notify = raw.get("notify") or []
    notify = [notify] if isinstance(notify, str) else notify
    if not isinstance(notify, list) or not all(isinstance(n, str) for n in notify):
        raise RulesError(f"{where}: field 'notify' must be a list of notifier names")
    missing = [n for n in notify if n not in notifiers]
    if missing:
        raise RulesError(f"{where}: field 'notify' names undefined notifier(s) {missing}; "
                         f"defined: {sorted(notifiers)}")
    for key in _SCOPE_FIELDS:
        if key in raw and not isinstance(raw[key], str):
            raise RulesError(f"{where}: field {key!r} must be a name or a glob like 'orders-*'")
    stat = str(raw.get("stat", "p99")).lower()
    if stat not in _LATENCY_STATS:
        raise RulesError(f"{where}: field 'stat' must be one of {list(_LATENCY_STATS)}, got {raw.get('stat')!r}")
    window = parse_duration(raw.get("window", "5m"), f"{where}: field 'window'")
    if window <= 0:
        raise RulesError(f"{where}: field 'window' must be longer than 0, e.g. 5m (the latency judged is "
                         "that of the records received in this last stretch of time)")
    return Rule(
        name=name, kind=kind, above=above, statuses=statuses, group=raw.get("group", "*"),
        topic=raw.get("topic", "*"), for_seconds=parse_duration(raw.get("for", 0), f"{where}: field 'for'"),
        severity=severity, labels=MappingProxyType({str(k): str(v) for k, v in labels.items()}),
        notify=tuple(notify), include_internal=_flag(raw, "include_internal", where),
        description=str(raw.get("description", "")), producer=raw.get("producer", "*"), stat=stat,
        window=window)
