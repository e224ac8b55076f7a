"""CML scoring throughput: CMLClient.score_batch against the local model server with 20 ms of latency.

    python -m bench.bench_cml [--concurrency 16] [--latency-ms 20] [--records 2000] [--batch 250]
    python -m bench --only cml                  # the same, in the make bench table

The model server runs in its own process (so it does not share the client's GIL), adding
``--latency-ms`` to every call. Two capacities are reported for the chosen concurrency:

- *theoretical*: ``concurrency / latency`` (what C calls in flight, each taking exactly the latency,
  could do);
- *raw*: a bare ``httpx.AsyncClient`` with C workers posting back to back, the best a Python client
  gets from this server at that concurrency.

The figure of merit is ``score_batch`` records/s over each capacity (target >= 0.8x). The result is
reported, never asserted: timings are noisy (raw and score_batch runs alternate, see ``run``). The
client's CPU time per record is reported too: it barely moves when other work shares the CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from airstream.connectors.cml import CMLClient

__all__ = ["main", "results", "run"]

_KEY = "bench-access-key"


def _start_server(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "airstream.cli", "model-server", "--port", "0", "--latency-ms", str(latency_ms),
         "--access-key", _KEY],
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"(http://\S+/model)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"model server did not start: {line.strip()}")
    return proc, match.group(1)


async def _raw(url: str, concurrency: int, n: int) -> float:
    """Records/s of C bare workers posting back to back."""
    body = {"accessKey": _KEY, "request": {"sentence": "@united my flight was delayed again"}}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        left = n

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                (await http.post(url, json=body)).raise_for_status()

        await asyncio.gather(*(worker() for _ in range(concurrency)))  # warm the pool
        left = n
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - start)


def _scored(url: str, concurrency: int, n: int, batch: int) -> tuple[float, int]:
    """Records/s through score_batch in micro-batches, and how many failed."""
    requests = [{"sentence": f"@united flight {i} was delayed again"} for i in range(n)]
    with CMLClient(url, _KEY, concurrency=concurrency, timeout=30) as cml:
        cml.score_batch(requests[:concurrency * 2])  # warm the pool and the loop thread
        failed = 0
        start = time.perf_counter()
        for i in range(0, n, batch):
            failed += sum(not r.ok for r in cml.score_batch(requests[i:i + batch]))
        return n / (time.perf_counter() - start), failed


def run(concurrency: int = 16, latency_ms: float = 20.0, records: int = 2000, batch: int = 250,
        rounds: int = 3) -> dict[str, Any]:
    """Measure and return the figures (also what ``python -m bench`` prints).

    Raw and score_batch runs alternate for ``rounds`` rounds and the ratio is the median of the
    per-round ratios, so load from other processes shifts both sides of a ratio alike.
    """
    proc, url = _start_server(latency_ms)
    raws: list[float] = []
    scores: list[float] = []
    raw_cpu: list[float] = []
    score_cpu: list[float] = []
    failed = 0
    try:
        for _ in range(rounds):
            cpu = time.process_time()
            raws.append(asyncio.run(_raw(url, concurrency, records)))
            raw_cpu.append((time.process_time() - cpu) / (2 * records))  # _raw sends a warm-up round too
            cpu = time.process_time()
            per_s, bad = _scored(url, concurrency, records, batch)
            score_cpu.append((time.process_time() - cpu) / (records + 2 * concurrency))
            scores.append(per_s)
            failed += bad
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    theoretical = concurrency / (latency_ms / 1000.0)
    ratio = statistics.median(s / r for s, r in zip(scores, raws, strict=True))
    return {
        "name": "cml_score_batch",
        "concurrency": concurrency,
        "latency_ms": latency_ms,
        "records": records,
        "batch": batch,
        "rounds": rounds,
        "failed": failed,
        "theoretical_capacity_per_s": round(theoretical, 1),
        "raw_httpx_per_s": round(max(raws), 1),
        "score_batch_per_s": round(max(scores), 1),
        "ratio_vs_raw": round(ratio, 3),
        "ratio_vs_theoretical": round(max(scores) / theoretical, 3),
        "raw_cpu_us_per_record": round(min(raw_cpu) * 1e6, 1),
        "score_batch_cpu_us_per_record": round(min(score_cpu) * 1e6, 1),
        "target_ratio": 0.8,
    }


def results(options: Any) -> list[Any]:
    """Rows for ``python -m bench`` (``bench.Options`` in, ``bench.Result`` out)."""
    from bench import Result

    r = run(records=options.records or 2000)
    theoretical = r["theoretical_capacity_per_s"]
    return [
        Result("cml", f"raw httpx, {r['concurrency']} workers", r["records"], r["records"] / r["raw_httpx_per_s"],
               note=f"capacity {theoretical:.0f}/s at {r['concurrency']} x {r['latency_ms']:.0f} ms; "
                    f"{r['raw_cpu_us_per_record']:.0f} us CPU/record"),
        Result("cml", "CMLClient.score_batch", r["records"], r["records"] / r["score_batch_per_s"],
               note=f"{r['ratio_vs_raw']:.2f}x raw, {r['ratio_vs_theoretical']:.2f}x capacity (target 0.8x); "
                    f"{r['score_batch_cpu_us_per_record']:.0f} us CPU/record"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cml", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    r = run(args.concurrency, args.latency_ms, args.records, args.batch, args.rounds)
    print(f"CML score_batch, concurrency {r['concurrency']}, {r['latency_ms']:.0f} ms model latency, "
          f"{r['records']} records in batches of {r['batch']}, {r['rounds']} rounds ({r['failed']} failed)")
    print(f"  capacity: theoretical {r['theoretical_capacity_per_s']:.0f}/s, "
          f"raw httpx best {r['raw_httpx_per_s']:.0f}/s")
    print(f"  score_batch best {r['score_batch_per_s']:.0f} records/s; median ratio {r['ratio_vs_raw']:.2f}x raw, "
          f"best {r['ratio_vs_theoretical']:.2f}x theoretical (target >= {r['target_ratio']}x)")
    print(f"  client CPU per record: raw {r['raw_cpu_us_per_record']:.0f} us, "
          f"score_batch {r['score_batch_cpu_us_per_record']:.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
