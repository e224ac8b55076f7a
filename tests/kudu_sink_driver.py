"""Writes records to a Kudu table with :class:`airstream.connectors.kudu.KuduSink`, in a process that can
import kudu-python (``tests/integration/test_kudu_real.py`` runs it with ``kudu_python_environment()``;
the test process itself must never load the Kudu client library).

Reads one JSON object from stdin::

    {"table": "airline_1", "masters": ["127.0.0.1:7051"],
     "options": {"mode": "UPSERT", "batch_size": 25, ...},     # more KuduSink keyword arguments
     "timestamps": ["created_at"],                              # fields sent as ISO-8601 strings
     "batches": [[{"topic": "airlines", "partition": 0, "offset": 0, "value": {...}}, ...], ...]}

writes each batch (``sink.write``), flushes, and prints one JSON object::

    {"describe": "KuduSink(...)", "flushed": [["airlines", 0, 30], ...],
     "rejected": [{"partition": 1, "offset": 3, "field": "hashtags", "reason": "..."}], "error": null}

``error`` is the text of a ``SinkError`` from ``write`` or ``flush`` (``flushed`` is then null).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from airstream.common.sink import RejectedRecords, SinkError, SinkRecord
from airstream.connectors.kudu import KuduSink


def main() -> int:
    request = json.load(sys.stdin)
    timestamps = set(request.get("timestamps", ()))

    def record(item: dict[str, Any]) -> SinkRecord:
        value = {k: datetime.fromisoformat(v) if k in timestamps and isinstance(v, str) else v
                 for k, v in item["value"].items()}
        return SinkRecord(item.get("topic", "airlines"), item.get("partition", 0), item["offset"], 0, None, value)

    sink = KuduSink(request["table"], masters=request["masters"], **request.get("options", {}))
    result: dict[str, Any] = {"describe": sink.describe(), "flushed": None, "rejected": [], "error": None}
    try:
        for batch in request["batches"]:
            try:
                sink.write([record(item) for item in batch])
            except RejectedRecords as exc:
                result["rejected"] += [{"partition": r.record.partition, "offset": r.record.offset,
                                        "field": r.field, "reason": r.reason}
                                       for r in exc.rejected]
        result["flushed"] = sorted([topic, partition, offset] for (topic, partition), offset in sink.flush().items())
    except SinkError as exc:
        result["error"] = str(exc)
    finally:
        sink.close()
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
