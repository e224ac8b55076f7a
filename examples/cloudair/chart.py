"""Chart the CloudAir data set as a PNG: sentiment per airline (the demo dashboard's pie charts) and average polarity.

    python examples/cloudair/chart.py                          # the demo's Parquet data set -> cloudair.png
    python examples/cloudair/chart.py --parquet s3://bucket/airlinesentiment --out sentiment.png

It runs the same DuckDB query as the terminal report (:data:`cloudair.report.SENTIMENT_SQL`) over the
Parquet files. Needs matplotlib: ``pip install 'airstream[charts]'``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cloudair.config import load_config
from cloudair.report import AirlineSentiment, sentiment_by_airline

__all__ = ["draw", "main"]

_COLOURS = {"Negative": "#d62728", "Neutral": "#9e9e9e", "Positive": "#2ca02c"}


def draw(airlines: list[AirlineSentiment], out: Path) -> Path:
    """One pie per airline plus a polarity bar chart, saved to ``out`` (PNG, or SVG by its suffix)."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("chart.py needs matplotlib: pip install 'airstream[charts]'") from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    if not airlines:
        raise ValueError("no scored tweets in the Parquet data set: run `make demo` first")
    cols = min(4, len(airlines))
    rows = -(-len(airlines) // cols) + 1
    fig = plt.figure(figsize=(3.2 * cols, 3.2 * rows))
    for i, a in enumerate(airlines):
        ax = fig.add_subplot(rows, cols, i + 1)
        labels = [s for s in _COLOURS if a.counts.get(s)]
        ax.pie([a.counts[s] for s in labels], labels=labels, colors=[_COLOURS[s] for s in labels],
               autopct="%1.0f%%", textprops={"fontsize": 8})
        ax.set_title(f"{a.airline} ({a.tweets})", fontsize=10)
    ax = fig.add_subplot(rows, 1, rows)
    ax.bar([a.airline for a in airlines], [a.polarity for a in airlines],
           color=[_COLOURS["Positive"] if a.polarity >= 0 else _COLOURS["Negative"] for a in airlines])
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_ylabel("average polarity")
    ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("CloudAir: airline sentiment")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    p = argparse.ArgumentParser(prog="cloudair-chart", description=__doc__.split("\n\n")[0])
    p.add_argument("--parquet", help="the Parquet data set (default: [parquet] location of cloudair.toml)")
    p.add_argument("--out", default="cloudair.png", help="the image to write (.png or .svg)")
    args = p.parse_args(argv)
    location = args.parquet or load_config().parquet.location
    try:
        out = draw(sentiment_by_airline(location), Path(args.out))
    except ValueError as exc:
        print(f"cloudair-chart: {exc} ({location})", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
