"""The ``airmon`` command: the dashboard, and its headless uses for scripts, cron and CI.

::

    airmon [--bootstrap HOST:PORT] [--config client.properties] [-X key=value ...]   # the Textual dashboard
    airmon snapshot --json [--samples N --interval S] [--time-lag]                   # one JSON document
    airmon check --rules rules.yaml [--samples N --interval S] [--watch SECONDS]     # exit 1 if an alert fires

Connection options go before or after the subcommand. ``--bootstrap`` defaults to
``$AIRSTREAM_BOOTSTRAP``; ``--config`` reads a Java-style client.properties (SASL/SSL settings pass
through to librdkafka); ``-X`` sets or overrides one property. Exit codes: 0 fine, 1 an alert fires
(``check``), 2 a usage error, or Kafka could not be reached or refused the login (authentication, TLS):
one line on stderr says why (``--verbose`` adds the traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import orjson
from confluent_kafka import KafkaError, KafkaException

from airstream.common.client_config import (
    ConfigError,
    add_client_arguments,
    client_config,
    config_from_args,
    report_failure,
)
from airstream.common.kafka_errors import KafkaAccessError, explain, principal_of
from airstream.monitor.model import ClusterSnapshot, Severity

if TYPE_CHECKING:
    from airstream.monitor.decode import Decoder
    from airstream.monitor.history import History
    from airstream.monitor.lag import LagSettings
    from airstream.monitor.sources import Source

__all__ = ["main"]

EXIT_OK, EXIT_FIRING, EXIT_ERROR = 0, 1, 2


class _Failure(Exception):
    """Ends the command with exit code 2 and this one-line reason."""


def _connection_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    # On subcommands the defaults are SUPPRESS, so `airmon --bootstrap x snapshot` keeps x.
    # --bootstrap, --config, -X and -v are the options every airstream command takes (one parser).
    group = add_client_arguments(parser, suppress_defaults=sub)
    group.add_argument("--cluster", dest="cluster_specs", action="append", default=argparse.SUPPRESS if sub else [],
                       metavar="NAME=BOOTSTRAP[,FILE]",
                       help="a named cluster (its client properties FILE optional); repeatable: the dashboard "
                            "switches between them (C), snapshot and check cover each, named in JSON and alerts")
    group.add_argument("--timeout", type=float, default=argparse.SUPPRESS if sub else 10.0, metavar="SECONDS",
                       help="timeout of each Kafka request (default: 10)")
    lag = parser.add_argument_group("lag evaluation")
    lag.add_argument("--polling", action="store_true", default=argparse.SUPPRESS if sub else False,
                     help="judge lag from committed offsets seen at each refresh instead of reading the commits "
                          "and their times from __consumer_offsets (for principals that may not read it)")
    lag.add_argument("--commit-lookback", default=argparse.SUPPRESS if sub else "1h", metavar="DURATION",
                     help="how far back to start reading __consumer_offsets (default: 1h); a group whose last "
                          "commit is older is judged as having committed at the start of the read")


def _sampling_options(parser: argparse.ArgumentParser, default_samples: int) -> None:
    parser.add_argument("--samples", type=int, default=default_samples, metavar="N",
                        help=f"refreshes to take before answering, so rates and lag statuses are known "
                             f"(default: {default_samples})")
    parser.add_argument("--interval", type=float, default=5.0, metavar="SECONDS",
                        help="seconds between refreshes (default: 5)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``airmon`` (also used for ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="airmon",
        description="Terminal monitor for Kafka: topics, partitions, consumer groups, lag and alert rules. "
                    "Without a subcommand it opens the dashboard.",
        epilog="Exit codes: 0 ok, 1 an alert fires (check), 2 usage error, Kafka unreachable or the login "
               "refused (authentication, TLS).")
    _connection_options(parser, sub=False)
    parser.add_argument("--rules", metavar="FILE", help="alert rules (YAML) shown on the Alerts screen")
    parser.add_argument("--refresh", type=float, default=2.0, metavar="SECONDS",
                        help="dashboard refresh interval (default: 2)")
    parser.add_argument("--allow-writes", action="store_true",
                        help="allow writes (write a test message, reset offsets, delete a group), each typed-confirmed")
    parser.add_argument("--schema-registry", metavar="URL",
                        help="decode Avro records (Confluent wire format) with schemas from this Schema Registry; "
                             "credentials as https://user:password@host or AIRMON_SCHEMA_REGISTRY_AUTH=user:password")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    snap = sub.add_parser("snapshot", help="print one JSON document: brokers, topics, partitions, groups, lag",
                          description="Print the cluster as one JSON document.")
    _connection_options(snap, sub=True)
    snap.add_argument("--json", action="store_true", help="JSON output (the default and only format)")
    snap.add_argument("--compact", action="store_true", help="one line instead of indented JSON")
    snap.add_argument("--time-lag", action="store_true",
                      help="also read each group's time lag (age of the oldest unconsumed record)")
    snap.add_argument("--rules", metavar="FILE", help="take the lag settings from this rules file")
    _sampling_options(snap, default_samples=1)
    snap.set_defaults(func=_snapshot)

    check = sub.add_parser("check", help="evaluate alert rules; exit 1 if any alert fires",
                           description="Evaluate alert rules against the cluster. Prints firing alerts; "
                                       "exit 1 if any fires, 0 if none, 2 on a usage or connection error. "
                                       "Without --watch, a condition that holds fires at once "
                                       "(a single run cannot wait out a rule's 'for:'). Rules on message "
                                       "traces (e2e_latency, producer_inactive) read __airstream_metrics.")
    _connection_options(check, sub=True)
    check.add_argument("--rules", required=True, metavar="FILE", help="alert rules (YAML)")
    check.add_argument("--watch", type=float, metavar="SECONDS",
                       help="keep evaluating every SECONDS, printing alerts as they open and resolve, "
                            "until interrupted (honours 'for:' durations)")
    check.add_argument("--count", type=int, metavar="N", help="with --watch: stop after N evaluations")
    _sampling_options(check, default_samples=1)
    check.set_defaults(func=_check)
    return parser


# -- shared plumbing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cluster:
    """A cluster to watch: its name (``None`` for the one given by --bootstrap/--config) and client config."""

    name: str | None
    client: dict[str, str]


def _clusters(args: argparse.Namespace) -> list[_Cluster]:
    """The clusters of ``--cluster NAME=BOOTSTRAP[,FILE]`` (``-X`` applies to each), else the one of
    ``--bootstrap``/``--config``. A last comma-separated part that is a file is the properties file."""
    if not args.cluster_specs:
        return [_Cluster(None, config_from_args(args))]
    if args.bootstrap or args.config_file:
        raise _Failure("give the clusters either with --cluster NAME=BOOTSTRAP[,FILE] or with --bootstrap/--config, "
                       "not both")
    clusters: list[_Cluster] = []
    for spec in args.cluster_specs:
        name, sep, rest = spec.partition("=")
        if not sep or not name.strip() or not rest.strip():
            raise _Failure(f"--cluster {spec!r}: write it as NAME=HOST:PORT[,HOST:PORT...][,PROPERTIES_FILE]")
        parts = rest.split(",")
        config_file = parts.pop() if len(parts) > 1 and os.path.isfile(parts[-1]) else None
        if any(c.name == name.strip() for c in clusters):
            raise _Failure(f"--cluster {name.strip()!r} is given twice: each cluster needs its own name")
        clusters.append(_Cluster(name.strip(), client_config(",".join(parts), config_file, args.overrides)))
    return clusters


def _source(args: argparse.Namespace, cluster: _Cluster, lag: LagSettings) -> Any:
    from airstream.monitor.sources import KafkaSource

    return KafkaSource(cluster.client, timeout=args.timeout, commit_log=not args.polling, lag=lag,
                       lookback=args.commit_lookback)


def _require_reachable(snapshot: ClusterSnapshot) -> None:
    if not snapshot.brokers and not snapshot.ok:
        reason = next(m.message for m in snapshot.messages if m.severity is Severity.ERROR)
        raise _Failure(f"cannot read the cluster at {snapshot.source.removeprefix('kafka://')}: {reason}")


def _load_rules(path: str | None) -> Any:
    from airstream.monitor.rules import RuleSet, load_rules

    return load_rules(path) if path else RuleSet()


def _sample(source: Source, history: History, samples: int, interval: float,
            before_record: Callable[[ClusterSnapshot], ClusterSnapshot] = lambda s: s,
            sleep: Callable[[float], None] = time.sleep) -> ClusterSnapshot:
    snapshot = None
    for i in range(max(samples, 1)):
        if i:
            sleep(interval)
        raw = source.snapshot()
        _require_reachable(raw)
        snapshot = history.record(before_record(raw))
    assert snapshot is not None
    return snapshot


def _warn_partial(snapshot: ClusterSnapshot, cluster: str | None = None) -> None:
    where = f"{cluster}: " if cluster else ""
    for m in snapshot.messages:
        if m.severity is not Severity.INFO:
            print(f"airmon: {where}{m.severity.value}: {m.text}", file=sys.stderr)


def _read_traces(reader: Any, shown: set[str]) -> Any:
    """The trace model for the trace rules (``None`` without them).

    Notes go to stderr, info too (a trace rule that finds no traces should say why), each once
    per run: ``--watch`` must not repeat "no traces yet" every few seconds.
    """
    if reader is None:
        return None
    traces = reader.refresh()
    for m in traces.messages:
        line = f"airmon: {m.severity.value}: {m.text}"
        if line not in shown:
            shown.add(line)
            print(line, file=sys.stderr)
    return traces


# -- subcommands --------------------------------------------------------------------------------------

def _snapshot(args: argparse.Namespace) -> int:
    _setup_logging(args.verbose)
    rules = _load_rules(args.rules)
    documents, ok = [], True
    for cluster in args.clusters:
        snapshot, document = _snapshot_of(args, cluster, rules)
        ok = ok and snapshot.ok
        documents.append(document)
    named = args.clusters[0].name is not None
    output = {"clusters": documents} if named and len(documents) > 1 else documents[0]
    print(orjson.dumps(output, option=0 if args.compact else orjson.OPT_INDENT_2).decode())
    return EXIT_OK if ok else EXIT_ERROR


def _snapshot_of(args: argparse.Namespace, cluster: _Cluster, rules: Any) -> tuple[ClusterSnapshot, dict[str, Any]]:
    from airstream.monitor.history import History
    from airstream.monitor.traces import read_traces

    source = _source(args, cluster, rules.lag)
    history = History(capacity=max(args.samples, 2), lag=rules.lag)

    def with_time_lag(s: ClusterSnapshot) -> ClusterSnapshot:
        return source.with_time_lag(s, [g.group_id for g in s.groups]) if args.time_lag else s

    snapshot = _sample(source, history, args.samples, args.interval, with_time_lag)
    document = ({"cluster": cluster.name} if cluster.name is not None else {}) | snapshot.as_dict()
    document["traces"] = read_traces(cluster.client, timeout=args.timeout).as_dict()
    _warn_partial(snapshot, cluster.name)
    return snapshot, document


def _check(args: argparse.Namespace) -> int:
    rules = _load_rules(args.rules)
    _setup_logging(args.verbose)
    watches = [_Watch(args, cluster, rules) for cluster in args.clusters]
    try:
        if args.watch is None:
            codes = [watch.once() for watch in watches]
            return max(codes)
        evaluations = 0
        try:
            while args.count is None or evaluations < args.count:
                if evaluations:
                    time.sleep(args.watch)
                evaluations += 1
                for watch in watches:
                    watch.step()
        except KeyboardInterrupt:
            pass
        for watch in watches:
            watch.notify([], force=True)
        return EXIT_FIRING if any(watch.firing() for watch in watches) else EXIT_OK
    finally:
        for watch in watches:
            watch.close()


class _Watch:
    """``airmon check`` on one cluster: its source, history, alert engine, traces and notifiers."""

    def __init__(self, args: argparse.Namespace, cluster: _Cluster, rules: Any) -> None:
        from airstream.monitor.alerts import AlertEngine
        from airstream.monitor.history import History
        from airstream.monitor.notifiers import build_dispatcher
        from airstream.monitor.traces import TraceReader

        self.args, self.cluster, self.rules = args, cluster, rules
        self.reader = (TraceReader(cluster.client, window=rules.trace_window, timeout=args.timeout)
                       if rules.needs_traces else None)
        self.dispatcher = build_dispatcher(rules)
        self.source = _source(args, cluster, rules.lag)
        self.history = History(lag=rules.lag)
        self.engine = AlertEngine(rules, idle_seconds=self.history.idle_seconds, cluster=cluster.name)
        self.shown: set[str] = set()

    def with_time_lag(self, s: ClusterSnapshot) -> ClusterSnapshot:
        wanted = self.rules.groups_needing_time_lag(s)
        return self.source.with_time_lag(s, wanted) if wanted else s

    def notify(self, events: Sequence[Any], force: bool = False) -> None:
        errors = self.dispatcher.deliver(events)
        if force:
            errors += self.dispatcher.flush(force=True)
        for error in errors:
            print(f"airmon: notifier error: {error}", file=sys.stderr)

    def firing(self) -> bool:
        """Whether an alert fires that no silence covers."""
        return any(a.silenced_until is None for a in self.engine.firing)

    def once(self) -> int:
        """One evaluation, judging conditions that hold as firing at once (a single run cannot wait out
        a rule's ``for:``); prints what fires, or an OK line; returns the exit code."""
        args, engine, name = self.args, self.engine, self.cluster.name
        snapshot = _sample(self.source, self.history, args.samples, args.interval, self.with_time_lag)
        traces = _read_traces(self.reader, set())
        self.notify(engine.evaluate(snapshot, traces=traces, ignore_for=True), force=True)
        _warn_partial(snapshot, name)
        _warn_unmatched(self.rules, snapshot, traces, set(), name)
        firing = [a for a in engine.firing if a.silenced_until is None]
        for alert in firing:
            print(alert.event(alert.state, snapshot.taken_at).text)
        for alert in engine.firing:
            if alert.silenced_until is not None:
                until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(alert.silenced_until))
                print(f"airmon: silenced until {until}: {alert.event(alert.state, snapshot.taken_at).text}",
                      file=sys.stderr)
        where = f"cluster {name}: " if name else ""
        if not snapshot.ok:
            raise _Failure(f"{where}the refresh was incomplete, so the check cannot vouch for the cluster (see above)")
        if traces is not None and not traces.ok:
            raise _Failure(f"{where}the traces could not be read, so the check cannot vouch for the trace rules "
                           "(see above)")
        if not firing:
            traced = "" if traces is None else f", {len(traces.producers)} traced producers, {len(traces.hops)} hops"
            print(f"OK: {where}{len(self.rules.rules)} rule(s), no alert firing ({snapshot.source}, "
                  f"{len(snapshot.topics)} topics, {len(snapshot.groups)} groups{traced})")
        return EXIT_FIRING if firing else EXIT_OK

    def step(self) -> None:
        """One evaluation of ``--watch``: print the alerts that open or resolve."""
        raw = self.source.snapshot()
        if not raw.brokers and not raw.ok:
            where = f"{self.cluster.name}: " if self.cluster.name else ""
            print(f"{time.strftime('%H:%M:%S')} airmon: {where}{raw.messages[0].text} (retrying)", file=sys.stderr)
            return
        snapshot = self.history.record(self.with_time_lag(raw))
        traces = _read_traces(self.reader, self.shown)
        events = self.engine.evaluate(snapshot, traces=traces)
        _warn_unmatched(self.rules, snapshot, traces, self.shown, self.cluster.name)
        for e in events:
            muted = " (silenced)" if e.silenced else ""
            print(f"{time.strftime('%H:%M:%S', time.localtime(e.at))} {e.text}{muted}", flush=True)
        self.notify(events)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()


def _warn_unmatched(rules: Any, snapshot: ClusterSnapshot, traces: Any, shown: set[str],
                    cluster: str | None = None) -> None:
    """Say once per run which rules match nothing: a typo in a glob would otherwise never fire."""
    if not snapshot.ok:
        return
    where = f" on cluster {cluster}" if cluster else ""
    for rule, why in rules.unmatched(snapshot, traces):
        line = f"airmon: warning: rule {rule.name!r} matches nothing{where}: {why}"
        if line not in shown:
            shown.add(line)
            print(line, file=sys.stderr)


def _decoder(registry_url: str | None) -> Decoder:
    """How the browser reads record bytes: with Avro schemas from the registry when one is given."""
    from airstream.monitor.decode import Decoder, SchemaRegistry

    if registry_url is None:
        return Decoder()
    user, sep, password = os.environ.get("AIRMON_SCHEMA_REGISTRY_AUTH", "").partition(":")
    return Decoder(SchemaRegistry(registry_url, auth=(user, password) if sep else None))


def _dashboard(args: argparse.Namespace) -> int:
    rules = _load_rules(args.rules)
    try:
        from airstream.monitor.app import AirmonApp
    except ImportError as exc:
        raise _Failure(f"the dashboard is not available in this install ({exc}); "
                       "`airmon snapshot` and `airmon check` work without it") from None
    options: dict[str, Any] = {"timeout": args.timeout, "commit_log": not args.polling,
                               "lookback": args.commit_lookback, "decoder": _decoder(args.schema_registry),
                               "refresh_interval": args.refresh, "rules": rules if args.rules else None,
                               "allow_writes": args.allow_writes}
    if args.clusters[0].name is None:
        app = AirmonApp.for_kafka(args.clusters[0].client, **options)
    else:
        app = AirmonApp.for_clusters([(c.name or "", c.client) for c in args.clusters], **options)
    app.run()
    return EXIT_OK


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time, so in-process callers (tests) can capture it."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _setup_logging(verbose: bool) -> None:
    # Only airmon's own loggers: the log notifier's alerts, and librdkafka's messages with --verbose.
    # Headless commands only: on the dashboard a stderr handler would scribble over the screen.
    log = logging.getLogger("airmon")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    logging.getLogger("airmon.kafka").setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)


def _explain(exc: Exception, clusters: Sequence[_Cluster] = ()) -> str:
    """One line for a failure: a client property librdkafka refuses names the fix; a refused login or
    a missing ACL says so, with the principal (of the one cluster, when there is one)."""
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        error = exc.args[0]
        if error.code() == KafkaError._INVALID_ARG:
            return f"client configuration refused: {error.str()} (fix it in --config or -X)"
        principal = principal_of(clusters[0].client) if len(clusters) == 1 else None
        return explain(error, principal=principal) or error.str()
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    """Run ``airmon`` with ``argv`` (default: the process arguments) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already explained by argparse)
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_ERROR
    args.clusters = []
    try:
        from airstream.monitor.rules import parse_duration

        args.commit_lookback = parse_duration(args.commit_lookback, "--commit-lookback")
        args.clusters = _clusters(args)
        func = getattr(args, "func", _dashboard)
        return func(args)
    except (ConfigError, _Failure, ValueError, KafkaException, KafkaAccessError) as exc:  # RulesError: ValueError
        # Every cluster's secrets, so neither the line nor the traceback shows any of them.
        secrets = {f"{i}.{key}": value for i, cluster in enumerate(args.clusters)
                   for key, value in cluster.client.items()}
        report_failure("airmon", exc, verbose=getattr(args, "verbose", False), message=_explain(exc, args.clusters),
                       secrets=secrets)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
