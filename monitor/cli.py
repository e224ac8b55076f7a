"""The ``airmon`` command: the dashboard, and its headless uses for scripts, cron and CI.

::

    airmon [--bootstrap HOST:PORT] [--config client.properties] [-X key=value ...]   # the Textual dashboard
    airmon snapshot --json [--samples N --interval S] [--time-lag]                   # one JSON document
    airmon check --rules rules.yaml [--samples N --interval S] [--watch SECONDS]     # exit 1 if an alert fires

Connection options go before or after the subcommand. ``--bootstrap`` defaults to
``$AIRSTREAM_BOOTSTRAP``; ``--config`` reads a Java-style client.properties (SASL/SSL settings pass
through to librdkafka); ``-X`` sets or overrides one property. Exit codes: 0 fine, 1 an alert fires
(``check``), 2 a usage error or Kafka could not be reached (one line on stderr says why).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from airstream.common.client_config import ConfigError, client_config
from airstream.common.redact import scrub
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
    default: Any = argparse.SUPPRESS if sub else None
    group = parser.add_argument_group("connection")
    group.add_argument("--bootstrap", "-b", default=default, metavar="HOST:PORT[,...]",
                       help="bootstrap servers (default: $AIRSTREAM_BOOTSTRAP)")
    group.add_argument("--config", "-c", default=default, metavar="FILE",
                       help="client properties file (Java .properties: SASL, SSL, timeouts ...)")
    group.add_argument("-X", dest="overrides", action="append", default=argparse.SUPPRESS if sub else [],
                       metavar="KEY=VALUE", help="set one client property; repeatable; wins over --config")
    group.add_argument("--timeout", type=float, default=argparse.SUPPRESS if sub else 10.0, metavar="SECONDS",
                       help="timeout of each Kafka request (default: 10)")
    group.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS if sub else False,
                       help="log the Kafka client's messages to stderr")
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
        epilog="Exit codes: 0 ok, 1 an alert fires (check), 2 usage error or Kafka unreachable.")
    _connection_options(parser, sub=False)
    parser.add_argument("--rules", metavar="FILE", help="alert rules (YAML) shown on the Alerts screen")
    parser.add_argument("--refresh", type=float, default=2.0, metavar="SECONDS",
                        help="dashboard refresh interval (default: 2)")
    parser.add_argument("--allow-writes", action="store_true",
                        help="allow destructive actions (delete group, reset offsets), each typed-confirmed")
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

def _source(args: argparse.Namespace, lag: LagSettings) -> Any:
    from airstream.monitor.sources import KafkaSource

    return KafkaSource(args.client, timeout=args.timeout, commit_log=not args.polling, lag=lag,
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


def _warn_partial(snapshot: ClusterSnapshot) -> None:
    for m in snapshot.messages:
        if m.severity is not Severity.INFO:
            print(f"airmon: {m.severity.value}: {m.text}", file=sys.stderr)


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
    from airstream.monitor.history import History
    from airstream.monitor.traces import read_traces

    _setup_logging(args.verbose)
    rules = _load_rules(args.rules)
    source = _source(args, rules.lag)
    history = History(capacity=max(args.samples, 2), lag=rules.lag)

    def with_time_lag(s: ClusterSnapshot) -> ClusterSnapshot:
        return source.with_time_lag(s, [g.group_id for g in s.groups]) if args.time_lag else s

    snapshot = _sample(source, history, args.samples, args.interval, with_time_lag)
    document = snapshot.as_dict()
    document["traces"] = read_traces(args.client, timeout=args.timeout).as_dict()
    print(orjson.dumps(document, option=0 if args.compact else orjson.OPT_INDENT_2).decode())
    _warn_partial(snapshot)
    return EXIT_OK if snapshot.ok else EXIT_ERROR


def _check(args: argparse.Namespace) -> int:
    from airstream.monitor.traces import TraceReader

    rules = _load_rules(args.rules)
    reader = TraceReader(args.client, window=rules.trace_window, timeout=args.timeout) if rules.needs_traces else None
    try:
        return _check_rules(args, rules, reader)
    finally:
        if reader is not None:
            reader.close()


def _check_rules(args: argparse.Namespace, rules: Any, reader: Any) -> int:
    from airstream.monitor.alerts import AlertEngine
    from airstream.monitor.history import History
    from airstream.monitor.notifiers import build_dispatcher

    _setup_logging(args.verbose)
    dispatcher = build_dispatcher(rules)
    source = _source(args, rules.lag)
    history = History(lag=rules.lag)
    engine = AlertEngine(rules, idle_seconds=history.idle_seconds)

    def with_time_lag(s: ClusterSnapshot) -> ClusterSnapshot:
        wanted = rules.groups_needing_time_lag(s)
        return source.with_time_lag(s, wanted) if wanted else s

    def notify(events: Sequence[Any], force: bool = False) -> None:
        errors = dispatcher.deliver(events)
        if force:
            errors += dispatcher.flush(force=True)
        for error in errors:
            print(f"airmon: notifier error: {error}", file=sys.stderr)

    if args.watch is None:
        snapshot = _sample(source, history, args.samples, args.interval, with_time_lag)
        traces = _read_traces(reader, set())
        notify(engine.evaluate(snapshot, traces=traces, ignore_for=True), force=True)
        _warn_partial(snapshot)
        _warn_unmatched(rules, snapshot, traces, set())
        firing = [a for a in engine.firing if a.silenced_until is None]
        for alert in firing:
            print(alert.event(alert.state, snapshot.taken_at).text)
        for alert in engine.firing:
            if alert.silenced_until is not None:
                until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(alert.silenced_until))
                print(f"airmon: silenced until {until}: {alert.event(alert.state, snapshot.taken_at).text}",
                      file=sys.stderr)
        if not snapshot.ok:
            raise _Failure("the refresh was incomplete, so the check cannot vouch for the cluster (see above)")
        if traces is not None and not traces.ok:
            raise _Failure("the traces could not be read, so the check cannot vouch for the trace rules (see above)")
        if not firing:
            traced = "" if traces is None else f", {len(traces.producers)} traced producers, {len(traces.hops)} hops"
            print(f"OK: {len(rules.rules)} rule(s), no alert firing ({snapshot.source}, "
                  f"{len(snapshot.topics)} topics, {len(snapshot.groups)} groups{traced})")
        return EXIT_FIRING if firing else EXIT_OK

    evaluations = 0
    shown: set[str] = set()
    try:
        while args.count is None or evaluations < args.count:
            if evaluations:
                time.sleep(args.watch)
            raw = source.snapshot()
            evaluations += 1
            if not raw.brokers and not raw.ok:
                print(f"{time.strftime('%H:%M:%S')} airmon: {raw.messages[0].text} (retrying)", file=sys.stderr)
                continue
            snapshot = history.record(with_time_lag(raw))
            traces = _read_traces(reader, shown)
            events = engine.evaluate(snapshot, traces=traces)
            _warn_unmatched(rules, snapshot, traces, shown)
            for e in events:
                muted = " (silenced)" if e.silenced else ""
                print(f"{time.strftime('%H:%M:%S', time.localtime(e.at))} {e.text}{muted}", flush=True)
            notify(events)
    except KeyboardInterrupt:
        pass
    notify([], force=True)
    return EXIT_FIRING if any(a.silenced_until is None for a in engine.firing) else EXIT_OK


def _warn_unmatched(rules: Any, snapshot: ClusterSnapshot, traces: Any, shown: set[str]) -> None:
    """Say once per run which rules match nothing: a typo in a glob would otherwise never fire."""
    if not snapshot.ok:
        return
    for rule, why in rules.unmatched(snapshot, traces):
        line = f"airmon: warning: rule {rule.name!r} matches nothing: {why}"
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
    app = AirmonApp.for_kafka(args.client, timeout=args.timeout, commit_log=not args.polling,
                              lookback=args.commit_lookback, decoder=_decoder(args.schema_registry),
                              refresh_interval=args.refresh,
                              rules=rules if args.rules else None, allow_writes=args.allow_writes)
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


def main(argv: list[str] | None = None) -> int:
    """Run ``airmon`` with ``argv`` (default: the process arguments) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already explained by argparse)
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_ERROR
    args.client = {}
    try:
        from airstream.monitor.rules import parse_duration

        args.commit_lookback = parse_duration(args.commit_lookback, "--commit-lookback")
        args.client = client_config(args.bootstrap, args.config, args.overrides)
        func = getattr(args, "func", _dashboard)
        return func(args)
    except (ConfigError, _Failure, ValueError) as exc:  # RulesError is a ValueError
        print(f"airmon: {scrub(str(exc), args.client)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
