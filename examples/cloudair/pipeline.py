"""The CloudAir topology: the airline-sentiment flow the Cloudera demo ran in NiFi, as one DSL topology.

    airstream run examples/cloudair/pipeline.py:topology --bootstrap localhost:9092 --application-id cloudair

::

    tweets-ingest --filter--> tweets-filtered        (not English / not about a tracked airline, with the reason)
                     |------> tweets                 (the raw tweet JSON, for other teams)
                     '--flatten--score (CML, batched)--> scoring-failures (with the reason)
                                        '--SQL routes--> airlines (+ Parquet table airlinesentiment)
                                                         negativesentiment
                                                         influencer-alerts (+ Slack when configured)
                                                         sentiment (tweets about CloudAir)

Every record that enters ends in exactly one of: ``tweets-filtered``, ``scoring-failures``, the
``airlines`` route, or the dead-letter topic ``cloudair-dlq`` (a tweet the code cannot read), so the
counts always add up. Topic names take ``[pipeline] topic_prefix``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `cloudair` imports as a package under `airstream run`

from airstream import Serde, Serdes, StreamsBuilder, Topology
from airstream.connectors.cml import CMLClient
from airstream.connectors.hbase import HBaseSink
from airstream.connectors.impala import ImpalaCatalog, ImpalaSettings, ImpalaTable
from airstream.connectors.kudu import ImpalaKuduSink, KuduSink
from airstream.connectors.kudu_schema import KuduTable
from airstream.connectors.parquet import ParquetSink
from airstream.connectors.slack import SlackSink
from airstream.connectors.sql_router import SqlRouter
from cloudair.config import CloudAirConfig, load_config

__all__ = [
    "AIRLINES", "DLQ", "FAILURES", "FILTERED", "INGEST", "RAW", "RECORD_SCHEMA", "CloudAirParts", "TweetReader",
    "airline_in", "airline_of", "build", "cml_scorer", "connect", "filter_reason", "flatten", "impala_table",
    "kudu_sink", "kudu_table", "output_topics", "sql_routes", "streams_config", "topology", "tweet_reader",
]

INGEST, RAW, FILTERED, FAILURES, DLQ = "tweets-ingest", "tweets", "tweets-filtered", "scoring-failures", "cloudair-dlq"
"""Topic names (before the configured prefix)."""

AIRLINES = {
    "united": "United", "delta": "Delta", "americanair": "American", "usairways": "US Airways",
    "jetblue": "JetBlue", "southwestair": "Southwest", "virginamerica": "Virgin America",
    "cloudair": "CloudAir", "clouderaair": "CloudAir",
}
"""Tracked handles and hashtags (lower case, without ``@``/``#``) -> airline name."""

RECORD_SCHEMA = pa.schema([
    ("tweetid", pa.string()), ("tweettext", pa.string()), ("createdat", pa.string()),
    ("timestampms", pa.int64()), ("hashtags", pa.string()), ("location", pa.string()),
    ("followerscount", pa.int64()), ("friendscount", pa.int64()), ("listedcount", pa.int64()),
    ("statusescount", pa.int64()), ("favouritescount", pa.int64()), ("retweetcount", pa.int64()),
    ("airline", pa.string()), ("name", pa.string()),
    ("airlinesentiment", pa.string()), ("airlinepolarity", pa.float64()),
])
"""A scored CloudAir record: the Parquet table ``airlinesentiment`` and what the SQL routes see."""

_TAG = re.compile(r"[@#](\w+)")
_MENTION = re.compile(r"@\w+")


def airline_in(text: str) -> str | None:
    """The first tracked airline ``text`` mentions or tags, or ``None``.

    >>> airline_in("thanks @JetBlue! #travel"), airline_in("no airline here")
    ('JetBlue', None)
    """
    for tag in _TAG.findall(text):
        airline = AIRLINES.get(tag.lower())
        if airline:
            return airline
    return None


def airline_of(tweet: dict[str, Any]) -> str | None:
    """The first tracked airline the tweet mentions or tags, or ``None``.

    >>> airline_of({"text": "thanks @JetBlue! #travel"})
    'JetBlue'
    """
    return airline_in(tweet.get("text") or "")


def filter_reason(tweet: Any) -> str | None:
    """Why a tweet is left out (``None``: it is kept). Reasons are what the report counts."""
    if not isinstance(tweet, dict) or "id_str" not in tweet or "text" not in tweet:
        return "not a tweet"
    if tweet.get("lang") != "en":
        return "not English"
    if airline_of(tweet) is None:
        return "no tracked airline"
    return None


def flatten(tweet: dict[str, Any]) -> dict[str, Any]:
    """Clean and flatten a tweet as the demo's NiFi flow did; the user's name becomes its SHA-256.

    >>> r = flatten({"id_str": "1", "text": " late  again @united ", "created_at": "c", "timestamp_ms": "5",
    ...              "retweet_count": 2, "entities": {"hashtags": [{"text": "fail"}]},
    ...              "user": {"name": "ann", "location": "NYC", "friends_count": 101}})
    >>> r["tweettext"], r["airline"], r["friendscount"], r["name"] == hashlib.sha256(b"ann").hexdigest()
    ('late again @united', 'United', 101, True)
    """
    user = tweet.get("user") or {}
    return {
        "tweetid": tweet["id_str"],
        "tweettext": " ".join(tweet["text"].split()),
        "createdat": tweet.get("created_at"),
        "timestampms": int(tweet.get("timestamp_ms") or 0),
        "hashtags": " ".join(h["text"] for h in (tweet.get("entities") or {}).get("hashtags", [])),
        "location": user.get("location"),
        "followerscount": int(user.get("followers_count") or 0),
        "friendscount": int(user.get("friends_count") or 0),
        "listedcount": int(user.get("listed_count") or 0),
        "statusescount": int(user.get("statuses_count") or 0),
        "favouritescount": int(user.get("favourites_count") or 0),
        "retweetcount": int(tweet.get("retweet_count") or 0),
        "airline": airline_of(tweet),
        "name": hashlib.sha256(str(user.get("name", "")).encode()).hexdigest(),
    }


def cml_scorer(client: CMLClient) -> Callable[[list[dict[str, Any]]], dict[str, list[tuple[int, Any]]]]:
    """A ``route_batch`` function: one CML call per record, concurrently; ``scored`` or ``failed``.

    Scored records get ``airlinesentiment`` and ``airlinepolarity``; failed ones the ``reason``
    (the HTTP status or timeout; never a key).
    """
    def score(records: list[dict[str, Any]]) -> dict[str, list[tuple[int, Any]]]:
        # Handles are not sentiment ("@united" would read as positive): the model gets the words only.
        results = client.score_batch([{"sentence": _MENTION.sub("", r["tweettext"]).strip()} for r in records])
        out: dict[str, list[tuple[int, Any]]] = {"scored": [], "failed": []}
        for i, (record, result) in enumerate(zip(records, results, strict=True)):
            if result.ok and result.response is not None:
                out["scored"].append((i, {**record, "airlinesentiment": result.response["sentiment"],
                                          "airlinepolarity": float(result.response["polarity"])}))
            else:
                out["failed"].append((i, {**record, "reason": result.reason, "attempts": result.attempts}))
        return out
    return score


def sql_routes(router: SqlRouter) -> Callable[[list[dict[str, Any]]], dict[str, list[tuple[int, Any]]]]:
    """A ``route_batch`` function: each SQL route gets the records its query selects."""
    def route(records: list[dict[str, Any]]) -> dict[str, list[tuple[int, Any]]]:
        return {name: [(i, records[i]) for i in result.indexes or ()]
                for name, result in router.route(records).items()}
    return route


@dataclass
class CloudAirParts:
    """The connectors a CloudAir topology uses; ``close()`` releases them."""

    cml: CMLClient
    router: SqlRouter
    parquet: ParquetSink
    slack: SlackSink | None = None
    hbase: HBaseSink | None = None
    kudu: KuduSink | ImpalaKuduSink | None = None

    def table_sinks(self) -> dict[str, Any]:
        """The sinks every scored tweet goes to, by node name: Parquet, and HBase / Kudu when configured."""
        sinks = {"parquet-airlinesentiment": self.parquet, "hbase-airline": self.hbase,
                 "kudu-airlinesentiment": self.kudu}
        return {name: sink for name, sink in sinks.items() if sink is not None}

    def close(self) -> None:
        """Close clients and files (sinks were flushed batch by batch)."""
        self.cml.close()
        self.router.close()
        for sink in (*self.table_sinks().values(), self.slack):
            if sink is not None:
                sink.close()


def connect(config: CloudAirConfig, model_url: str | None = None, access_key: str | None = None,
            cml_options: dict[str, Any] | None = None) -> CloudAirParts:
    """The connectors for ``config``: CML client, SQL router, Parquet sink, Slack when configured."""
    url = model_url or config.model.url
    key = access_key or config.secrets.cml_access_key
    if not url:
        raise ValueError("no model endpoint: set [model] url (or CLOUDAIR_MODEL_URL), or run the demo "
                         "(examples/cloudair/demo.py), which starts the local model server")
    if not key:
        raise ValueError(f"no access key for the model at {url}: set CML_ACCESS_KEY in the environment")
    options = {"concurrency": config.model.concurrency, "timeout": config.model.timeout_s,
               "retries": config.model.retries, **(cml_options or {})}
    slack = None
    if config.secrets.slack:
        slack = SlackSink(token=config.secrets.slack_bot_token, webhook_url=config.secrets.slack_webhook_url,
                          channel=config.slack.channel, template=config.slack.template,
                          base_url=config.slack.base_url or None)
    hb = config.hbase
    cml = CMLClient(url, key, config.secrets.cml_api_key, **options)
    cml.report_status()
    return CloudAirParts(
        cml=cml,
        router=SqlRouter(config.routes, schema=RECORD_SCHEMA),
        parquet=ParquetSink(config.parquet.location, schema=RECORD_SCHEMA,
                            partition_by=list(config.parquet.partition_by),
                            catalog=ImpalaCatalog.from_env(impala_table(config))),
        slack=slack,
        hbase=HBaseSink(hb.table, column_family=hb.column_family, row_key=hb.row_key, host=hb.host,
                        port=hb.port) if hb.host else None,
        kudu=kudu_sink(config),
    )


def kudu_sink(config: CloudAirConfig) -> KuduSink | ImpalaKuduSink | None:
    """The Kudu step's sink, by ``[kudu] writer``, or ``None`` when it is off."""
    kudu = config.kudu
    if not kudu.enabled:
        return None
    if kudu.writer == "impala":
        return ImpalaKuduSink(kudu.database, kudu.table, connect=ImpalaSettings.from_env())
    return KuduSink(kudu.table, masters=kudu.masters)


def kudu_table(config: CloudAirConfig) -> KuduTable:
    """The Kudu table of the Kudu step: the scored record, keyed by tweet id.

    Its Kudu schema (``kudu table create``) and Impala DDL are written by every run with Kudu on."""
    kudu = config.kudu
    return KuduTable(kudu.table, RECORD_SCHEMA, primary_key=("tweetid",), hash_buckets=kudu.hash_buckets,
                     replicas=kudu.replicas)


def impala_table(config: CloudAirConfig) -> ImpalaTable:
    """The Impala external table over the Parquet data set; ``.create_sql(RECORD_SCHEMA, ...)`` is its DDL."""
    return ImpalaTable(config.parquet.database, config.parquet.table, config.parquet.location)


@dataclass(frozen=True)
class TweetReader:
    """How a CloudAir topology reads the ingest topic: the serde, a first step (``None``: none), and
    what it asks of a value so read: why it is filtered, its id, its bytes for the ``tweets`` topic
    (with their serde) and the flat record to score."""

    serde: Serde[Any]
    read: Callable[[Any], Any] | None
    filter_reason: Callable[[Any], str | None]
    tweet_id: Callable[[Any], str | None]
    raw: Callable[[Any], Any] | None
    raw_serde: Serde[Any]
    flatten: Callable[[Any], dict[str, Any]]


def _dict_id(value: Any) -> str | None:
    return value.get("id_str") if isinstance(value, dict) else None


def tweet_reader(typed: bool) -> TweetReader:
    """Tweets as dicts (orjson, every field), or as declared types (:mod:`cloudair.typed`: msgspec, the
    fields the pipeline reads)."""
    if not typed:
        return TweetReader(Serdes.Json(), None, filter_reason, _dict_id, None, Serdes.Json(), flatten)
    from cloudair import typed as t

    return TweetReader(Serdes.Bytes(), t.read_tweet, t.filter_reason, t.tweet_id, lambda read: read.raw,
                       Serdes.Bytes(), t.flatten)


def build(config: CloudAirConfig, parts: CloudAirParts) -> Topology:
    """The CloudAir topology over ``parts``' connectors, topics named after ``config``; on declared
    record types when ``[pipeline] typed`` is on (:mod:`cloudair.typed`)."""
    t = config.topic
    json, string = Serdes.Json(), Serdes.String()
    reader = tweet_reader(config.pipeline.typed)
    b = StreamsBuilder()
    ingest = b.stream(t(INGEST), key_serde=string, value_serde=reader.serde)
    if reader.read is not None:
        ingest = ingest.map_values(reader.read, name="read")
    reason, tweet_id = reader.filter_reason, reader.tweet_id
    checked = ingest.split(prefix="filter-") \
        .branch(lambda k, v: reason(v) is not None, name="out") \
        .default_branch(name="kept")
    (checked["filter-out"]
        .map_values(lambda v: {"reason": reason(v), "id": tweet_id(v)}, name="filter-reason")
        .to(t(FILTERED), value_serde=json))
    kept = checked["filter-kept"]
    (kept if reader.raw is None else kept.map_values(reader.raw, name="raw")).to(t(RAW), value_serde=reader.raw_serde)
    scored = kept.map_values(reader.flatten, name="flatten") \
        .route_batch(cml_scorer(parts.cml), ["scored", "failed"], name="score", max_batch=config.model.max_batch)
    scored["failed"].to(t(FAILURES), value_serde=json)
    routes = scored["scored"].route_batch(sql_routes(parts.router), list(config.routes), name="route")
    for name, stream in routes.items():
        stream.to(t(name), value_serde=json)
    all_route = routes[next(iter(config.routes))]
    for sink_name, sink in parts.table_sinks().items():
        all_route.to_sink(sink, name=sink_name)
    if parts.slack is not None and "influencer-alerts" in routes:
        routes["influencer-alerts"].to_sink(parts.slack, name="slack-influencer-alerts")
    return b.build()


def streams_config(config: CloudAirConfig) -> dict[str, Any]:
    """Streams settings: the application id, and a dead-letter topic so no tweet is ever dropped."""
    return {"application.id": config.pipeline.application_id,
            "processing.exception.handler": "dlq",
            "default.deserialization.exception.handler": "dlq",
            "errors.dead.letter.queue.topic.name": config.topic(DLQ)}


def output_topics(config: CloudAirConfig) -> list[str]:
    """Every topic the pipeline reads or writes (prefixed), ingest first."""
    return [config.topic(n) for n in (INGEST, RAW, FILTERED, FAILURES, *config.routes, DLQ)]


def topology() -> Topology:
    """For ``airstream run examples/cloudair/pipeline.py:topology``: config from cloudair.toml and the environment.

    The model endpoint must be configured (``CLOUDAIR_MODEL_URL`` and ``CML_ACCESS_KEY``); start one
    with ``airstream model-server`` if you have none.
    """
    config = load_config()
    return build(config, connect(config))
