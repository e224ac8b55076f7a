"""Impala DDL parsed with the Hive dialect and checked against the files the Parquet sink wrote."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from airstream.common.sink import Dataset, SinkRecord
from airstream.connectors.impala import ImpalaCatalog, ImpalaError, ImpalaSettings, ImpalaTable, impala_type
from airstream.connectors.parquet import ParquetSink

TYPES = [
    (pa.bool_(), "BOOLEAN"),
    (pa.int8(), "TINYINT"),
    (pa.int16(), "SMALLINT"),
    (pa.int32(), "INT"),
    (pa.int64(), "BIGINT"),
    (pa.float32(), "FLOAT"),
    (pa.float64(), "DOUBLE"),
    (pa.string(), "STRING"),
    (pa.large_string(), "STRING"),
    (pa.binary(), "BINARY"),
    (pa.timestamp("us"), "TIMESTAMP"),
    (pa.timestamp("ms", tz="UTC"), "TIMESTAMP"),
    (pa.date32(), "DATE"),
    (pa.decimal128(10, 2), "DECIMAL(10,2)"),
    (pa.list_(pa.string()), "ARRAY<STRING>"),
    (pa.struct([("lat", pa.float64()), ("lon", pa.float64())]), "STRUCT<`lat`:DOUBLE,`lon`:DOUBLE>"),
    (pa.map_(pa.string(), pa.int64()), "MAP<STRING,BIGINT>"),
    (pa.dictionary(pa.int32(), pa.string()), "STRING"),
]


@pytest.mark.parametrize(("arrow", "impala"), TYPES, ids=[str(t[0]) for t in TYPES])
def test_arrow_to_impala_types(arrow: pa.DataType, impala: str) -> None:
    assert impala_type(arrow) == impala


@pytest.mark.parametrize(("arrow", "hint"), [(pa.uint64(), "signed type one size up"),
                                             (pa.null(), "declare a supported type"),
                                             (pa.decimal256(50, 2), "precision 38")])
def test_types_impala_cannot_read_name_the_field_and_fix(arrow: pa.DataType, hint: str) -> None:
    with pytest.raises(ImpalaError, match=hint) as info:
        impala_type(arrow, "friendscount")
    assert "'friendscount'" in str(info.value)


def scored_tweet(i: int) -> dict:
    return {
        "tweet_id": 570000000000000000 + i,
        "text": f"flight {i} was late",
        "created_at": dt.datetime(2015, 2, 24, 11, i % 60, tzinfo=dt.UTC),
        "airline": ["Delta", "United", "Virgin America"][i % 3],
        "airlinesentiment": "Negative",
        "airlinepolarity": -0.5,
        "friendscount": i * 3,
        "verified": i % 2 == 0,
        "hashtags": ["fail"],
        "coords": {"lat": 40.6, "lon": -73.7},
    }


# What Impala must call each Parquet column the sink writes (independent of impala_type()).
EXPECTED_COLUMNS = [("tweet_id", "BIGINT"), ("text", "STRING"), ("created_at", "TIMESTAMP"),
                    ("airlinesentiment", "STRING"), ("airlinepolarity", "DOUBLE"), ("friendscount", "BIGINT"),
                    ("verified", "BOOLEAN"), ("hashtags", "ARRAY<STRING>"),
                    ("coords", "STRUCT<lat: DOUBLE, lon: DOUBLE>")]


def ddl_columns(ddl: str) -> tuple[exp.Create, list[tuple[str, str]], list[tuple[str, str]]]:
    create = sqlglot.parse_one(ddl, read="hive")
    assert isinstance(create, exp.Create)
    columns = [(c.name, c.args["kind"].sql("hive").replace("`", "")) for c in create.this.expressions]
    partitioned = create.find(exp.PartitionedByProperty)
    parts = [(c.name, c.args["kind"].sql("hive")) for c in partitioned.this.expressions] if partitioned else []
    return create, columns, parts


def test_ddl_parses_as_hive_and_matches_the_files_the_sink_wrote(tmp_path: Path) -> None:
    sink = ParquetSink(str(tmp_path), partition_by=["airline"])
    sink.write([SinkRecord("airlines", 0, i, 0, None, scored_tweet(i)) for i in range(30)])
    sink.flush()
    table = ImpalaTable("cloudair", "airlinesentiment", "s3://demo-bucket/tables/airlinesentiment")
    assert sink.schema is not None
    ddl = table.create_sql(sink.schema, sink.partition_by)
    create, columns, parts = ddl_columns(ddl)

    file_schema = pq.read_schema(next(tmp_path.rglob("*.parquet")))
    assert [name for name, _ in columns] == file_schema.names
    assert columns == EXPECTED_COLUMNS
    assert parts == [("airline", "STRING")]
    assert {p.name.split("=")[0] for p in tmp_path.iterdir()} == {"airline"}

    assert create.args["exists"] is True
    assert create.find(exp.ExternalProperty) is not None
    assert create.find(exp.FileFormatProperty).this.name == "PARQUET"
    assert create.find(exp.LocationProperty).this.name == "s3a://demo-bucket/tables/airlinesentiment"
    assert create.this.this.sql("hive") == "`cloudair`.`airlinesentiment`"


def test_unpartitioned_ddl_and_maintenance_statements() -> None:
    table = ImpalaTable("default", "events", "hdfs://nn:8020/data/events")
    _, columns, parts = ddl_columns(table.create_sql(pa.schema([("id", pa.int64()), ("text", pa.string())])))
    assert columns == [("id", "BIGINT"), ("text", "STRING")] and parts == []
    assert table.refresh_sql() == "REFRESH `default`.`events`"
    assert table.recover_partitions_sql() == "ALTER TABLE `default`.`events` RECOVER PARTITIONS"
    assert "LOCATION 'hdfs://nn:8020/data/events'" in table.create_sql(pa.schema([("id", pa.int64())]))


def test_reserved_words_and_quotes_are_escaped() -> None:
    schema = pa.schema([("timestamp", pa.int64()), ("weird`name", pa.string())])
    ddl = ImpalaTable("default", "t", "s3://b/it's").create_sql(schema)
    _, columns, _ = ddl_columns(ddl)
    assert [c for c, _ in columns] == ["timestamp", "weird`name"]
    assert "LOCATION 's3a://b/it\\'s'" in ddl


@pytest.mark.parametrize(("database", "name"), [("default", "bad-name"), ("1db", "t"), ("db", "t;drop")])
def test_invalid_names_are_refused(database: str, name: str) -> None:
    with pytest.raises(ImpalaError, match="letters, digits and underscores"):
        ImpalaTable(database, name, "s3://b/t")


def test_partition_field_problems() -> None:
    table = ImpalaTable("default", "t", "s3://b/t")
    with pytest.raises(ImpalaError, match=r"\['day'\] are not in the schema"):
        table.create_sql(pa.schema([("id", pa.int64())]), ["day"])
    with pytest.raises(ImpalaError, match="partition by a scalar field"):
        table.create_sql(pa.schema([("id", pa.int64()), ("tags", pa.list_(pa.string()))]), ["tags"])


# -- connection settings -----------------------------------------------------------------------------

IMPYLA_PARAMS = set(inspect.signature(__import__("impala.dbapi", fromlist=["connect"]).connect).parameters)

SETTINGS = [
    (ImpalaSettings("h"), {"auth_mechanism": "NOSASL", "port": 21050, "use_http_transport": False}),
    (ImpalaSettings("h", auth="PLAIN", user="u", password="p"),
     {"auth_mechanism": "PLAIN", "user": "u", "password": "p"}),
    (ImpalaSettings("h", auth="LDAP", user="u", password="p", use_ssl=True, ca_cert="/etc/ca.pem"),
     {"auth_mechanism": "LDAP", "use_ssl": True, "ca_cert": "/etc/ca.pem", "user": "u"}),
    (ImpalaSettings("h", auth="GSSAPI", krb_host="impala.realm"),
     {"auth_mechanism": "GSSAPI", "kerberos_service_name": "impala", "krb_host": "impala.realm"}),
    (ImpalaSettings("h", auth="JWT", jwt="eyJ.x.y", use_ssl=True),
     {"auth_mechanism": "JWT", "jwt": "eyJ.x.y", "use_http_transport": True, "port": 28000}),
    (ImpalaSettings("h", port=443, use_http_transport=True, http_path="cliservice"),
     {"port": 443, "use_http_transport": True, "http_path": "cliservice"}),
]


@pytest.mark.parametrize(("settings", "expected"), SETTINGS, ids=[s[0].auth + str(i) for i, s in enumerate(SETTINGS)])
def test_settings_map_onto_impyla_connect(settings: ImpalaSettings, expected: dict) -> None:
    kwargs = settings.connect_kwargs()
    assert set(kwargs) <= IMPYLA_PARAMS
    assert {k: kwargs[k] for k in expected} == expected
    if settings.auth != "JWT":
        assert "jwt" not in kwargs
    if settings.auth not in ("PLAIN", "LDAP"):
        assert "password" not in kwargs


@pytest.mark.parametrize(("settings", "message"), [
    (ImpalaSettings("h", auth="LDAP", user="u"), "IMPALA_USER and IMPALA_PASSWORD"),
    (ImpalaSettings("h", auth="JWT"), "IMPALA_JWT"),
])
def test_incomplete_settings_say_what_is_missing(settings: ImpalaSettings, message: str) -> None:
    with pytest.raises(ImpalaError, match=message):
        settings.connect_kwargs()


def test_settings_from_env_and_secrets_never_shown() -> None:
    env = {"IMPALA_HOST": "impala.corp", "IMPALA_AUTH": "ldap", "IMPALA_USER": "etl",
           "IMPALA_PASSWORD": "hunter2-secret", "IMPALA_SSL": "true", "IMPALA_HTTP_PATH": "cliservice"}
    s = ImpalaSettings.from_env(env)
    assert s is not None
    assert (s.host, s.auth, s.use_ssl, s.use_http_transport, s.http_path) == (
        "impala.corp", "LDAP", True, True, "cliservice")
    for text in (repr(s), str(s)):
        assert "hunter2-secret" not in text
    assert ImpalaSettings.from_env({}) is None
    with pytest.raises(ImpalaError, match="use NOSASL, PLAIN, LDAP, GSSAPI or JWT"):
        ImpalaSettings.from_env({"IMPALA_HOST": "h", "IMPALA_AUTH": "kerberos"})


def test_unreachable_impala_is_a_clear_error_without_the_password() -> None:
    s = ImpalaSettings("127.0.0.1", port=1, auth="PLAIN", user="etl", password="hunter2-secret", timeout=2)
    with pytest.raises(ImpalaError, match=r"cannot connect to Impala at 127\.0\.0\.1:1") as info:
        s.connect()
    assert "hunter2-secret" not in str(info.value)


# -- the catalog over a DB-API connection --------------------------------------------------------------

class FakeImpala:
    """A DB-API connection that records statements; fails the statements it is told to."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.statements: list[str] = []
        self.fail_on = fail_on
        self.closed = False

    def cursor(self) -> FakeImpala:
        return self

    def execute(self, sql: str) -> None:
        if self.fail_on and sql.startswith(self.fail_on):
            self.fail_on = None
            raise RuntimeError("AnalysisException: could not load table metadata")
        self.statements.append(sql)

    def close(self) -> None:
        self.closed = True


def test_sink_creates_the_table_once_and_refreshes_as_files_land(tmp_path: Path) -> None:
    conns: list[FakeImpala] = []
    catalog = ImpalaCatalog(ImpalaTable("default", "airlinesentiment", str(tmp_path)),
                            connect=lambda: conns.append(FakeImpala()) or conns[-1])
    sink = ParquetSink(str(tmp_path), partition_by=["airline"], catalog=catalog)
    sink.write([SinkRecord("airlines", 0, i, 0, None, scored_tweet(i)) for i in range(2)])  # Delta, United
    sink.flush()
    sink.write([SinkRecord("airlines", 0, 2 + i, 0, None, scored_tweet(3 * i)) for i in range(2)])  # Delta
    sink.flush()
    sink.write([SinkRecord("airlines", 0, 4, 0, None, scored_tweet(2))])  # Virgin America: new folder
    sink.flush()
    verbs = [" ".join(s.split()[:2]) for s in conns[0].statements]
    assert verbs == ["CREATE EXTERNAL", "ALTER TABLE", "REFRESH `default`.`airlinesentiment`",
                     "REFRESH `default`.`airlinesentiment`",
                     "ALTER TABLE", "REFRESH `default`.`airlinesentiment`"]
    assert len(conns) == 1
    assert sink.lineage()[1] == Dataset("hive_table", "airlinesentiment", namespace="default")


def test_a_failing_refresh_keeps_the_data_and_reconnects(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    conns = [FakeImpala(fail_on="REFRESH"), FakeImpala()]
    it = iter(conns)
    catalog = ImpalaCatalog(ImpalaTable("default", "t", str(tmp_path)), connect=lambda: next(it))
    sink = ParquetSink(str(tmp_path), catalog=catalog)
    sink.write([SinkRecord("airlines", 0, 0, 0, None, scored_tweet(0))])
    assert sink.flush() == {("airlines", 0): 1}  # the file is durable whatever Impala says
    assert "REFRESH" in caplog.text and "AnalysisException" in caplog.text
    assert conns[0].closed
    sink.write([SinkRecord("airlines", 0, 1, 0, None, scored_tweet(1))])
    sink.flush()
    assert [s.split()[0] for s in conns[1].statements] == ["REFRESH"]


def test_without_a_connection_the_catalog_collects_the_statements() -> None:
    catalog = ImpalaCatalog(ImpalaTable("default", "t", "s3://b/t"), connect=None)
    catalog.files_landed(pa.schema([("id", pa.int64())]), (), True)
    assert catalog.executed[0].startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `default`.`t`")
    assert catalog.executed[1:] == ["REFRESH `default`.`t`"]


def test_catalog_from_env_uses_impala_settings_only_when_a_host_is_set() -> None:
    table = ImpalaTable("default", "t", "s3://b/t")
    offline = ImpalaCatalog.from_env(table, {})
    offline.files_landed(pa.schema([("id", pa.int64())]), (), True)
    assert len(offline.executed) == 2
    online = ImpalaCatalog.from_env(table, {"IMPALA_HOST": "127.0.0.1", "IMPALA_PORT": "1"})
    with pytest.raises(ImpalaError, match=r"cannot connect to Impala at 127\.0\.0\.1:1"):
        online.files_landed(pa.schema([("id", pa.int64())]), (), True)
