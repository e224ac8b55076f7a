"""``python -m bench [--records N] [--only NAME ...]``: run the registered benchmarks, print a table."""

from __future__ import annotations

import argparse
import sys

from bench import Options, Result, discover


def table(results: list[Result]) -> str:
    """A plain-text table of results."""
    rows = [("benchmark", "case", "records", "seconds", "records/s", "note")]
    rows.extend((r.benchmark, r.case, f"{r.records:,}", f"{r.seconds:.3f}", f"{r.rate:,.0f}", r.note)
                for r in results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks ``argv`` selects and print their table; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--records", type=int, default=None,
                        help="records per benchmark (default: each benchmark's own)")
    parser.add_argument("--only", nargs="*", default=(), help="benchmark names to run (default: all)")
    args = parser.parse_args(argv)
    if args.records is not None and args.records < 1:
        parser.error("--records must be at least 1")
    registered, standalone = discover()
    unknown = set(args.only) - set(registered)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; registered: {sorted(registered)}")
    options = Options(args.records, tuple(args.only))
    results: list[Result] = []
    for name, module in registered.items():
        if options.only and name not in options.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.extend(module.results(options))
    print(table(results), flush=True)
    if standalone:
        print("\nstandalone benchmarks (run them directly): "
              + ", ".join(f"python -m bench.{m}" for m in standalone))
    return 0


if __name__ == "__main__":
    sys.exit(main())
