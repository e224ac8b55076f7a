"""The contenders of the Kafka benchmark that run in airstream's own environment, one per process.

The harness (:mod:`bench.bench_kafka`) starts each as
``python -m bench.kafka_contenders NAME --bootstrap B --input T --output O --group G`` so that its
peak RSS and CPU time are its own. They run until SIGTERM (then finish the batch, flush, commit and
leave the group); ``consume`` prints its rate as JSON after ``--records`` and then waits for it.

- ``consume``: librdkafka's own rate, ``consume(1000)`` and nothing else (the ceiling).
- ``loop-json`` / ``loop-orjson``: the hand-written confluent-kafka loop, at-least-once (the floor
  airstream must reach): batches of 1,000, decode, filter, project, encode, produce keeping the
  input timestamp, and every second flush then commit.
- ``airstream-alos`` / ``airstream-eos``: the same pipeline as an airstream topology on
  ``KafkaStreams`` with ``at_least_once`` / ``exactly_once_v2``.
- ``airstream-typed``: ``airstream-alos`` on msgspec Structs (``Serdes.Typed``, :mod:`bench.typed_pipeline`).
- ``airstream-untraced``: ``airstream-alos`` with ``tracing.enabled=false`` (no producer and consumer
  counts; the outputs of the untraced input carry no trace header either way): what tracing costs,
  measured in the same run.
- ``airstream-x2``: ``airstream run --instances 2`` of the same pipeline (:mod:`bench.kafka_app`): two
  processes in one group, at_least_once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

from bench.kafka_pipeline import keep, project

if TYPE_CHECKING:
    from airstream.topology import Topology

__all__ = ["CONTENDERS", "consume_only", "hand_written_loop", "main", "pipeline_topology", "run_airstream",
           "run_instances"]

REPO = Path(__file__).resolve().parent.parent

BATCH = 1000
# consume(n, timeout) waits for a full batch or the timeout: a short one keeps a quiet stream's
# latency low and costs nothing under load, where batches fill at once.
BATCH_WAIT_S = 0.1
COMMIT_EVERY_S = 1.0


def _consumer(args: argparse.Namespace, **extra: Any) -> Consumer:
    return Consumer({
        "bootstrap.servers": args.bootstrap, "group.id": args.group,
        "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra,
    })


def consume_only(args: argparse.Namespace, stop: threading.Event) -> dict[str, Any]:
    """Consume ``args.records`` records in batches of 1,000; the rate excludes the group join."""
    consumer = _consumer(args)
    consumer.subscribe([args.input])
    seen = first_batch = 0
    first_at = first_cpu = 0.0
    try:
        while seen < args.records and not stop.is_set():
            batch = consumer.consume(BATCH, BATCH_WAIT_S)
            if batch and not seen:
                first_at, first_cpu, first_batch = time.monotonic(), time.process_time(), len(batch)
            seen += len(batch)
        done_at, done_cpu = time.monotonic(), time.process_time()   # process_time: all threads
    finally:
        consumer.close()
    timed = max(seen - first_batch, 1)
    return {"records": seen, "records_per_s": timed / max(done_at - first_at, 1e-9),
            "cpu_us_per_record": (done_cpu - first_cpu) / timed * 1e6}


def _json_dumps_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def hand_written_loop(args: argparse.Namespace, stop: threading.Event, loads: Callable[[bytes], Any],
                      dumps: Callable[[Any], bytes]) -> dict[str, Any]:
    """Consume, decode, filter, project, encode, produce; flush then commit every second.

    Committing only after ``flush()`` returned 0 is what makes it at-least-once: every offset
    committed is covered by output the broker acknowledged.
    """
    producer = Producer({
        "bootstrap.servers": args.bootstrap, "enable.idempotence": True, "partitioner": "murmur2_random",
        "queue.buffering.max.messages": 500_000,
    })

    def flush_and_commit(consumer: Consumer) -> None:
        if producer.flush(60) != 0:
            raise RuntimeError(f"output to {args.output} not acknowledged within 60 s; not committing")
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:  # nothing consumed since the last commit
                raise

    consumer = _consumer(args)
    consumer.subscribe([args.input], on_revoke=lambda c, _parts: flush_and_commit(c))
    produce, output = producer.produce, args.output
    last_commit = time.monotonic()
    processed = 0
    try:
        while not stop.is_set():
            for msg in consumer.consume(BATCH, BATCH_WAIT_S):
                if msg.error():
                    print(f"consumer error: {msg.error()}", file=sys.stderr)
                    continue
                tweet = loads(msg.value())
                if keep(tweet):
                    value = dumps(project(tweet))
                    try:
                        produce(output, value, msg.key(), timestamp=msg.timestamp()[1])
                    except BufferError:
                        producer.flush(10)
                        produce(output, value, msg.key(), timestamp=msg.timestamp()[1])
                processed += 1
            producer.poll(0)
            if time.monotonic() - last_commit >= COMMIT_EVERY_S:
                flush_and_commit(consumer)
                last_commit = time.monotonic()
        flush_and_commit(consumer)
    finally:
        consumer.close()
    return {"records": processed}


def pipeline_topology(input_topic: str, output_topic: str, typed: bool = False) -> Topology:
    """The pipeline as a topology; with ``typed``, on msgspec Structs (:mod:`bench.typed_pipeline`)
    instead of dicts."""
    from airstream.topology import Serdes, StreamsBuilder

    builder = StreamsBuilder()
    if typed:
        from bench import typed_pipeline

        (builder.stream(input_topic, key_serde=Serdes.Bytes(), value_serde=Serdes.Typed(typed_pipeline.Tweet))
            .filter(lambda _key, tweet: typed_pipeline.keep(tweet), name="influencers")
            .map_values(typed_pipeline.project_typed, name="project")
            .to(output_topic, key_serde=Serdes.Bytes(), value_serde=Serdes.Typed(typed_pipeline.Projected)))
    else:
        (builder.stream(input_topic, key_serde=Serdes.Bytes(), value_serde=Serdes.Json())
            .filter(lambda _key, tweet: keep(tweet), name="influencers")
            .map_values(project, name="project")
            .to(output_topic, key_serde=Serdes.Bytes(), value_serde=Serdes.Json()))
    return builder.build()


def run_airstream(args: argparse.Namespace, stop: threading.Event, guarantee: str, typed: bool = False,
                  tracing: bool = True) -> dict[str, Any]:
    """The pipeline on ``KafkaStreams``, processing in this thread until SIGTERM; ``tracing`` off
    sets ``tracing.enabled=false``."""
    from airstream.topology.runtime import KafkaStreams

    app = KafkaStreams(pipeline_topology(args.input, args.output, typed), {
        "bootstrap.servers": args.bootstrap, "application.id": args.group,
        "processing.guarantee": guarantee, "consumer.auto.offset.reset": "earliest", "tracing.enabled": tracing,
    })
    threading.Thread(target=lambda: (stop.wait(), app.request_stop()), daemon=True).start()
    return {"guarantee": guarantee, "tracing": tracing, "records": app.run()}


def run_instances(args: argparse.Namespace, stop: threading.Event, instances: int) -> dict[str, Any]:
    """``airstream run bench/kafka_app.py:topology --instances N`` (at_least_once) until SIGTERM, which
    is passed on: the command's supervisor stops every instance cleanly."""
    airstream = Path(sys.executable).with_name("airstream")
    env = {**os.environ, "BENCH_INPUT": args.input, "BENCH_OUTPUT": args.output, "PYTHONPATH": str(REPO)}
    command = [str(airstream), "run", str(REPO / "bench" / "kafka_app.py") + ":topology",
               "--instances", str(instances), "--bootstrap", args.bootstrap, "--application-id", args.group,
               "--instance-id", args.group, "-X", "consumer.auto.offset.reset=earliest", "--log-level", "WARNING"]
    run = subprocess.Popen(command, env=env, cwd=REPO)
    stop.wait()
    run.send_signal(signal.SIGTERM)
    try:
        code = run.wait(60)
    except subprocess.TimeoutExpired:
        run.kill()
        code = run.wait()
    return {"instances": instances, "exit_code": code}


CONTENDERS: dict[str, Callable[[argparse.Namespace, threading.Event], dict[str, Any]]] = {
    "consume": consume_only,
    "loop-json": lambda a, stop: hand_written_loop(a, stop, json.loads, _json_dumps_bytes),
    "loop-orjson": lambda a, stop: hand_written_loop(a, stop, orjson.loads, orjson.dumps),
    "airstream-alos": lambda a, stop: run_airstream(a, stop, "at_least_once"),
    "airstream-eos": lambda a, stop: run_airstream(a, stop, "exactly_once_v2"),
    "airstream-typed": lambda a, stop: run_airstream(a, stop, "at_least_once", typed=True),
    "airstream-untraced": lambda a, stop: run_airstream(a, stop, "at_least_once", tracing=False),
    "airstream-x2": lambda a, stop: run_instances(a, stop, 2),
}


def main(argv: list[str] | None = None) -> int:
    """Run one contender; its summary goes to stdout as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.kafka_contenders", description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(CONTENDERS))
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True, help="topic to read")
    parser.add_argument("--output", help="topic to write (not used by 'consume')")
    parser.add_argument("--group", required=True, help="consumer group / application.id (fresh per run)")
    parser.add_argument("--records", type=int, default=0, help="'consume' stops after this many")
    args = parser.parse_args(argv)
    if args.name != "consume" and not args.output:
        parser.error(f"{args.name} writes its results: give --output TOPIC")
    if args.name == "consume" and args.records <= 0:
        parser.error("consume stops after --records N: give N > 0")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(json.dumps(CONTENDERS[args.name](args, stop)), flush=True)
    # Stay until told to stop, so the harness reads the peak RSS of a live process, as for the others.
    stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
