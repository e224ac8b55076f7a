"""``airstream run``: run a topology from a Python file on Kafka until stopped.

``airstream run examples/cloudair/pipeline.py:topology --bootstrap localhost:9092 \\
--application-id cloudair [--guarantee exactly_once_v2] [--config client.properties] [-X k=v] [-v]``

``path.py:name`` (or ``package.module:name``) names a :class:`~airstream.Topology`, a
``StreamsBuilder`` (built here) or a function returning either. Start the same command on
several machines to scale out. SIGINT / SIGTERM finish the batch, commit and leave the group
(a second signal exits at once).

A failure ends in one line on stderr, ``airstream run: <what failed and what to do>``; ``--verbose``
prints the traceback before it. Exit codes: 0 after a clean stop, 1 when the application stopped on
an error while running (Kafka, a sink such as Slack or S3, the topology's code; an ACL the brokers
refuse; another instance with the same ``--instance-id``), 2 on bad arguments, configuration (a
login or TLS handshake the brokers refuse included: fix ``--config``/``-X``) or a topology script that
cannot be loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["add_arguments", "load_topology", "main"]

log = logging.getLogger("airstream.topology.runtime")

E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def _import_errors(target: str) -> Iterator[None]:
    """What goes wrong loading the user's topology, as one line (the traceback at DEBUG)."""
    try:
        yield
    except SyntaxError as exc:
        raise ValueError(f"{exc.filename or target} has a syntax error at line {exc.lineno}: {exc.msg}") from None
    except ModuleNotFoundError as exc:
        raise ValueError(f"cannot import {target}: no module named {exc.name!r} (give path/to/script.py:name, or "
                         "install the module)") from None
    except Exception as exc:
        logging.getLogger(__name__).debug("importing %s failed", target, exc_info=True)
        raise ValueError(f"importing {target} failed: {type(exc).__name__}: {exc} (--verbose or --log-level DEBUG "
                         "shows the traceback)") from None


def load_topology(spec: str) -> Any:
    """The topology ``spec`` (``file.py:name`` or ``module:name``) names; clear errors otherwise."""
    from airstream.topology.builder import StreamsBuilder, Topology

    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise ValueError(f"{spec!r} is not path/to/script.py:name; name the topology variable after a colon, "
                         "e.g. examples/cloudair/pipeline.py:topology")
    if target.endswith(".py") or os.sep in target:
        path = Path(target)
        if not path.is_file():
            raise ValueError(f"topology script {path} does not exist")
        module_spec = importlib.util.spec_from_file_location(f"airstream_run_{path.stem}", path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        # Registered before it runs, as an import would: dataclasses and pickling look it up there.
        sys.modules[module_spec.name] = module
        sys.path.insert(0, str(path.parent.resolve()))
        with _import_errors(str(path)):
            module_spec.loader.exec_module(module)
    else:
        with _import_errors(target):
            module = importlib.import_module(target)
    try:
        obj = getattr(module, name)
    except AttributeError:
        found = sorted(k for k, v in vars(module).items() if isinstance(v, (Topology, StreamsBuilder)))
        raise ValueError(f"{target} has no {name!r}; topologies there: {found or 'none'}") from None
    if callable(obj) and not isinstance(obj, (Topology, StreamsBuilder)):
        obj = obj()
    if isinstance(obj, StreamsBuilder):
        obj = obj.build()
    if not isinstance(obj, Topology):
        raise ValueError(f"{spec} is a {type(obj).__name__}, not a Topology or StreamsBuilder")
    return obj


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``airstream run``'s arguments to ``parser``."""
    from airstream.common.client_config import add_client_arguments

    parser.epilog = ("Exit codes: 0 after a clean stop, 1 when the application stopped on an error while running, "
                     "2 on bad arguments, configuration or topology script. --config and -X take streams settings "
                     "too (e.g. -X commit.interval.ms=1000).")
    parser.add_argument("topology", help="path/to/script.py:name (a Topology, StreamsBuilder or function)")
    add_client_arguments(parser)
    parser.add_argument("--application-id", help="consumer group and internal topic prefix (required)")
    parser.add_argument("--guarantee", choices=["at_least_once", "exactly_once_v2"],
                        help="processing.guarantee (default: at_least_once)")
    parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on this port")
    parser.add_argument("--instance-id", help="client.id of this instance; reuse it on restart so the "
                                              "transactional producer fences its predecessor at once")
    parser.add_argument("--instances", type=int, metavar="N",
                        help="run N instances of the application in N processes, to use N cores (default: the "
                             "config's num.stream.threads, else 1); each instance id gets -1, -2 ... appended")
    parser.add_argument("--create-topics", action="store_true",
                        help="create the topology's source topics that do not exist (with --partitions, and the "
                             "config's replication.factor) before starting; output topics are created anyway "
                             "(auto.create.output.topics)")
    parser.add_argument("--partitions", type=int, metavar="N",
                        help="with --create-topics: partitions of the topics it creates (default: the broker's "
                             "num.partitions)")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    parser.set_defaults(func=main)


def _config(args: argparse.Namespace) -> dict[str, Any]:
    from airstream.common.client_config import config_from_args

    config: dict[str, Any] = config_from_args(args)
    if args.application_id:
        config["application.id"] = args.application_id
    if args.guarantee:
        config["processing.guarantee"] = args.guarantee
    if args.metrics_port is not None:
        config["metrics.port"] = args.metrics_port
    if args.instance_id:
        config["client.id"] = args.instance_id
    if not config.get("application.id"):
        from airstream.common.client_config import ConfigError

        raise ConfigError("no application id: pass --application-id NAME (instances with the same id share "
                          "the work)")
    return config


def _cause_of(exc: BaseException, kind: type[E]) -> E | None:
    """``exc`` or the first of its causes (``__cause__`` chain) that is a ``kind``."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, kind):
        cause = cause.__cause__
    return cause


def _stopped_by(exc: BaseException) -> str:
    """What stopped a running application, as the one line: a connector's error by name, and what to do.

    Sinks raise their own errors in the stream thread and ``run()`` raises them again (an engine that
    wraps one in a ``StreamsException`` keeps it as the cause): the user must learn that Slack or S3
    failed, not that "streams" did.
    """
    from airstream.common.sink import SinkError
    from airstream.topology.errors import StreamsException, TopologyException

    cause = _cause_of(exc, SinkError)
    if cause is not None:
        said = str(cause).rstrip(". ")  # the advice follows as its own sentence
        return (f"a sink failed ({type(cause).__name__}): {said}. Nothing it had not written was committed: "
                "fix what it names and run again to resume from the last committed offset")
    if isinstance(exc, (StreamsException, TopologyException, TimeoutError)):
        return str(exc)
    return (f"stopped by {type(exc).__name__}: {exc} (--verbose shows the traceback; nothing after the last "
            "commit was committed, so a rerun resumes there)")


def _instances(args: argparse.Namespace, config: dict[str, Any]) -> int:
    """How many instances to run: ``--instances``, else ``num.stream.threads`` (taken out of ``config``:
    an instance runs one thread)."""
    from airstream.common.client_config import ConfigError

    threads = config.pop("num.stream.threads", 1)
    count = args.instances if args.instances is not None else threads
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ConfigError(f"num.stream.threads={threads!r} is not a whole number") from None
    if count < 1:
        raise ConfigError(f"--instances / num.stream.threads must be at least 1, got {count}")
    return count


def _instance_base_args(args: argparse.Namespace) -> list[str]:
    """This command's arguments, for its instances (see :mod:`airstream.topology.run_instances`)."""
    import uuid

    base = [args.topology, "--instance-id", args.instance_id or uuid.uuid4().hex[:8], "--log-level", args.log_level]
    for option, value in (("--bootstrap", args.bootstrap), ("--config", args.config_file),
                          ("--application-id", args.application_id), ("--guarantee", args.guarantee)):
        if value:
            base += [option, value]
    for override in args.overrides:
        base += ["-X", override]
    return base + (["--verbose"] if args.verbose else [])


def _exit_code(exc: BaseException) -> int:
    """2 when the brokers refused the login (the configuration is wrong), else 1."""
    from airstream.common.kafka_errors import KafkaAccessError

    cause = _cause_of(exc, KafkaAccessError)
    return 2 if cause is not None and cause.kind == "authentication" else 1


def main(args: argparse.Namespace) -> int:
    """Run the topology until a signal stops it."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # httpx logs every request (a model call per record) at INFO: that is a DEBUG line here.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
    from airstream.common.client_config import ConfigError, report_failure
    from airstream.topology.errors import TopologyException
    from airstream.topology.runtime import KafkaStreams

    try:
        config = _config(args)
        instances = _instances(args, config)
        if args.partitions is not None and (not args.create_topics or args.partitions < 1):
            raise ConfigError("--partitions N (N >= 1) goes with --create-topics: the partitions of the source "
                              "topics it creates")
        app = KafkaStreams(load_topology(args.topology), config)
    except (ConfigError, ValueError, TopologyException) as exc:
        report_failure("airstream run", exc, verbose=args.verbose)
        return 2
    if args.create_topics:
        from airstream.common.topics import TopicCreationError, create_topics

        sources = sorted({t for s in app.plan.subtopologies + app.plan.global_subtopologies for t in s.source_topics
                          if t not in app.plan.repartition_topics})
        try:
            created = create_topics(app.config.admin(), dict.fromkeys(sources, args.partitions or -1),
                                    app.config.replication_factor)
        except TopicCreationError as exc:
            report_failure("airstream run", exc, verbose=args.verbose, secrets=config)
            return 2 if exc.access is not None and exc.access.kind == "authentication" else 1
        for topic in created:
            log.info("created source topic %s (%s partition(s))", topic, args.partitions or "the broker's default")
    if instances > 1:  # checked here once, run in child processes
        from airstream.topology.run_instances import instance_args, python_command, supervise

        base = _instance_base_args(args)
        return supervise([python_command() + instance_args(base, instance=i, metrics_port=args.metrics_port)
                          for i in range(1, instances + 1)])

    def stop(signum: int, frame: Any) -> None:
        if app.stop_requested:
            log.warning("second signal: exiting without a clean close")
            os._exit(1)
        log.info("received %s; finishing the batch, committing and leaving the group",
                 signal.Signals(signum).name)
        app.request_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        app.run()
    except Exception as exc:  # whatever stopped the stream thread: one line, never a bare traceback
        report_failure("airstream run", exc, verbose=args.verbose, message=_stopped_by(exc), secrets=config)
        return _exit_code(exc)
    return 0
