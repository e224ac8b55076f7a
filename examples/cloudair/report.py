"""The end-of-run report: what flowed where, and the demo's pie-chart query over the Parquet data set.

``sentiment_by_airline(location)`` is that query (DuckDB over the Parquet files, Hive partitions, read
as ``airstream sql`` reads them: an S3 location through pyarrow's S3 filesystem, so DuckDB needs no
extension download and the report works offline);
``render(summary)`` draws the report with rich, bars for the sentiment split of each airline, and the
run's traces (``trace_table``) when it has them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from airstream.connectors.parquet import S3Options
from airstream.connectors.sql_cli import NoParquetFiles, query

if TYPE_CHECKING:
    from airstream.monitor.traces import LatencyStats, TraceModel

__all__ = ["SENTIMENT_SQL", "AirlineSentiment", "RunSummary", "parquet_rows", "render", "sentiment_by_airline",
           "trace_table"]

SENTIMENT_SQL = """
SELECT airline, airlinesentiment, count(*) AS tweets, avg(airlinepolarity) AS polarity
FROM airlinesentiment
GROUP BY airline, airlinesentiment
ORDER BY airline, airlinesentiment
"""
"""Sentiment counts and average polarity per airline: the demo dashboard's pie-chart query (the same
runs from the command line: ``airstream sql "..." --data LOCATION``)."""

_COLOURS = {"Negative": "red", "Neutral": "grey62", "Positive": "green"}


@dataclass(frozen=True)
class AirlineSentiment:
    """One airline's row of the report."""

    airline: str
    counts: dict[str, int]
    polarity: float

    @property
    def tweets(self) -> int:
        """All scored tweets about the airline."""
        return sum(self.counts.values())


@dataclass
class RunSummary:
    """What one run did; every input tweet is in exactly one of filtered, scored, failed, dead-lettered."""

    engine: str
    tweets_in: int
    filtered: Counter[str]
    scored: int
    failed: int
    dead_letters: int
    routes: dict[str, int]
    topics: dict[str, int]
    airlines: list[AirlineSentiment]
    parquet_rows: int
    seconds: float
    slack_alerts: int | None = None
    impala_ddl: str | None = None
    notes: list[str] = field(default_factory=list)
    """Where else the rows went and how to look at them (e.g. the HBase scan command)."""
    traces: TraceModel | None = None
    """Producers, hops and paths of the run (``None`` when it was not traced)."""

    @property
    def adds_up(self) -> bool:
        """Whether every tweet in is accounted for, and the Parquet table holds every scored one."""
        return (self.tweets_in == sum(self.filtered.values()) + self.scored + self.failed + self.dead_letters
                and self.parquet_rows == self.scored)


def _query(sql: str, location: str, s3: S3Options | None) -> list[tuple[Any, ...]]:
    """``sql`` over the data set at ``location`` as the table ``airlinesentiment``; no rows when it has
    no files yet."""
    try:
        return query(sql, {"airlinesentiment": location}, s3)[1]
    except NoParquetFiles:
        return []


def parquet_rows(location: str, s3: S3Options | None = None) -> int:
    """Rows in the Parquet data set at ``location`` (0 when it has no files yet)."""
    rows = _query("SELECT count(*) FROM airlinesentiment", location, s3)
    return int(rows[0][0]) if rows else 0


def sentiment_by_airline(location: str, s3: S3Options | None = None) -> list[AirlineSentiment]:
    """:data:`SENTIMENT_SQL` over the data set, one entry per airline, most tweets first (``s3``: the
    S3 settings, by default from the AWS environment variables)."""
    rows = _query(SENTIMENT_SQL, location, s3)
    counts: dict[str, dict[str, int]] = {}
    weighted: Counter[str] = Counter()
    for airline, sentiment, n, polarity in rows:
        counts.setdefault(airline, {})[sentiment] = n
        weighted[airline] += polarity * n
    out = [AirlineSentiment(a, c, weighted[a] / sum(c.values())) for a, c in counts.items()]
    return sorted(out, key=lambda s: (-s.tweets, s.airline))


def _bar(counts: dict[str, int], width: int, scale: int) -> Text:
    bar = Text()
    done = drawn = 0
    for sentiment in ("Negative", "Neutral", "Positive"):
        # Round the running total, not each part, so a full bar is exactly ``width`` long.
        done += counts.get(sentiment, 0)
        end = round(done * width / scale) if scale else 0
        bar.append("█" * (end - drawn), style=_COLOURS[sentiment])
        drawn = end
    return bar


def _ms(stats: LatencyStats | None) -> str:
    return "-" if stats is None else f"{stats.p99_ms} ms"


def trace_table(model: TraceModel) -> Group:
    """The hops (writer -> topic -> consumer group: records produced and consumed, p99 latency) and
    the multi-hop paths with the records that went all the way, as airmon's Traces screen lists them.

    Latency is the time a record waited in its topic (produce to the group's fetch); end to end, from
    the first producer's produce.
    """
    hops = Table("writer -> topic -> group", "produced", "consumed", "p99", title="Traces (airmon: x)",
                 title_justify="left")
    for h in model.hops:
        hops.add_row(h.text, "-" if h.produced is None else str(h.produced), str(h.consumed), _ms(h.latency))
    # End to end needs a reader at the end of a path; without one the column would be all dashes.
    e2e = any(path.e2e is not None for path in model.paths)
    paths = Table("path", "records", *(["e2e p99"] if e2e else []), title="Paths", title_justify="left")
    for path in model.paths:
        last = path.hops[-1]
        paths.add_row(path.text, str(last.consumed if last.group else last.produced),
                      *([_ms(path.e2e)] if e2e else []))
    return Group(hops, paths)


def render(summary: RunSummary, console: Console | None = None) -> None:
    """Print the report: flow counts, routes, and the per-airline sentiment chart."""
    console = console or Console()
    flow = Table.grid(padding=(0, 2))
    flow.add_column(justify="right", style="bold")
    flow.add_column()
    flow.add_row(str(summary.tweets_in), "tweets in")
    for reason, n in sorted(summary.filtered.items()):
        flow.add_row(str(n), f"filtered out: {reason}")
    flow.add_row(str(summary.scored), "scored")
    flow.add_row(str(summary.failed), "failed scoring (topic scoring-failures)")
    flow.add_row(str(summary.dead_letters), "dead letters")
    check = "[green]adds up[/]" if summary.adds_up else "[red bold]DOES NOT ADD UP[/]"
    flow.add_row("", f"{check} (filtered + scored + failed + dead letters = in; Parquet rows = scored)")
    routes = Table("route (topic)", "records", title="SQL routes", title_justify="left")
    for name, n in summary.routes.items():
        routes.add_row(name, str(n))
    routes.add_row("Parquet airlinesentiment", str(summary.parquet_rows))
    if summary.slack_alerts is not None:
        routes.add_row("Slack alerts", str(summary.slack_alerts))
    chart = Table("airline", "tweets", "neg/neu/pos", "neg", "neu", "pos", "polarity",
                  title="Sentiment by airline (DuckDB over the Parquet files)", title_justify="left")
    scale = max((a.tweets for a in summary.airlines), default=0)
    for a in summary.airlines:
        chart.add_row(a.airline, str(a.tweets), _bar(a.counts, 16, scale),
                      *(str(a.counts.get(s, 0)) for s in ("Negative", "Neutral", "Positive")),
                      f"{a.polarity:+.3f}")
    ddl = Text("\n".join(([f"Impala DDL of the Parquet table: {summary.impala_ddl}"] if summary.impala_ddl else [])
                         + summary.notes), overflow="fold")
    title = f"CloudAir run on the {summary.engine} engine: {summary.seconds:.1f} s"
    parts = [flow, Text(), routes, ddl, Text(), chart]
    if summary.traces is not None:
        parts += [Text(), trace_table(summary.traces)]
    console.print(Panel(Group(*parts), title=title, title_align="left"))
