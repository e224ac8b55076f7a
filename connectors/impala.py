"""Impala over the Parquet sink's files: the external table's DDL, its refresh, and the connection.

:class:`ImpalaTable` turns an Arrow schema and the sink's partition fields into
``CREATE EXTERNAL TABLE IF NOT EXISTS ... PARTITIONED BY (...) STORED AS PARQUET LOCATION 's3a://...'``
with Impala's types, plus the ``ALTER TABLE ... RECOVER PARTITIONS`` and ``REFRESH`` statements that
make new folders and files visible. :class:`ImpalaCatalog` runs them through impyla when files land
(pass it to :class:`airstream.connectors.parquet.ParquetSink` as ``catalog=``). :class:`ImpalaSettings` maps
host, authentication (NOSASL, PLAIN/LDAP, GSSAPI, JWT) and TLS onto ``impala.dbapi.connect``.

    >>> import pyarrow as pa
    >>> table = ImpalaTable("default", "airlinesentiment", "s3://demo/tables/airlinesentiment")
    >>> schema = pa.schema([("tweet_id", pa.int64()), ("airline", pa.string())])
    >>> print(table.create_sql(schema, ["airline"]))
    CREATE EXTERNAL TABLE IF NOT EXISTS `default`.`airlinesentiment` (
      `tweet_id` BIGINT
    )
    PARTITIONED BY (`airline` STRING)
    STORED AS PARQUET
    LOCATION 's3a://demo/tables/airlinesentiment'
    >>> table.refresh_sql()
    'REFRESH `default`.`airlinesentiment`'
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeGuard, get_args
from urllib.parse import urlparse

import pyarrow as pa

from airstream.common.sink import Dataset, SinkError

__all__ = [
    "AuthMechanism",
    "ImpalaCatalog",
    "ImpalaError",
    "ImpalaSettings",
    "ImpalaTable",
    "impala_type",
    "quote_identifier",
]

log = logging.getLogger(__name__)

AuthMechanism = Literal["NOSASL", "PLAIN", "LDAP", "GSSAPI", "JWT"]
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_auth_mechanism(name: str) -> TypeGuard[AuthMechanism]:
    return name in get_args(AuthMechanism)


class ImpalaError(SinkError):
    """A statement failed, or Impala settings are incomplete (the message names the statement or setting)."""


def impala_type(t: pa.DataType, field_name: str = "?") -> str:
    """The Impala column type for an Arrow type, as Impala reads it from Parquet.

        >>> impala_type(pa.list_(pa.struct([("tag", pa.string()), ("n", pa.int32())])))
        'ARRAY<STRUCT<`tag`:STRING,`n`:INT>>'
    """
    if pa.types.is_dictionary(t):
        return impala_type(t.value_type, field_name)
    simple: list[tuple[Callable[[pa.DataType], bool], str]] = [
        (pa.types.is_boolean, "BOOLEAN"), (pa.types.is_int8, "TINYINT"), (pa.types.is_int16, "SMALLINT"),
        (pa.types.is_int32, "INT"), (pa.types.is_int64, "BIGINT"), (pa.types.is_float32, "FLOAT"),
        (pa.types.is_float64, "DOUBLE"), (pa.types.is_string, "STRING"), (pa.types.is_large_string, "STRING"),
        (pa.types.is_timestamp, "TIMESTAMP"), (pa.types.is_date32, "DATE"), (pa.types.is_binary, "BINARY"),
        (pa.types.is_large_binary, "BINARY"),
    ]
    for test, name in simple:
        if test(t):
            return name
    if pa.types.is_decimal(t):
        if t.precision > 38:
            raise ImpalaError(f"field {field_name!r}: DECIMAL({t.precision},{t.scale}) exceeds Impala's "
                              f"precision 38; declare a narrower decimal or a DOUBLE")
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"ARRAY<{impala_type(t.value_type, field_name)}>"
    if pa.types.is_map(t):
        return f"MAP<{impala_type(t.key_type, field_name)},{impala_type(t.item_type, field_name)}>"
    if pa.types.is_struct(t):
        members = ",".join(f"{quote_identifier(f.name)}:{impala_type(f.type, field_name)}" for f in t)
        return f"STRUCT<{members}>"
    hint = ("Impala has no unsigned integers: declare a signed type one size up"
            if pa.types.is_unsigned_integer(t) else "declare a supported type in the sink's schema")
    raise ImpalaError(f"field {field_name!r}: Arrow type {t} has no Impala equivalent; {hint}")


@dataclass(frozen=True)
class ImpalaTable:
    """An Impala external table over a Parquet data set.

    ``location`` is the data set URI the sink writes (``s3://bucket/prefix`` becomes ``s3a://`` for
    Impala; ``hdfs://`` and ``abfs://``-style URIs pass through).
    """

    database: str
    name: str
    location: str

    def __post_init__(self) -> None:
        for what, ident in (("database", self.database), ("table", self.name)):
            if not _IDENT.match(ident):
                raise ImpalaError(f"Impala {what} name {ident!r} is not valid: use letters, digits and "
                                  f"underscores, starting with a letter")

    @property
    def qualified_name(self) -> str:
        """``database.table``."""
        return f"{self.database}.{self.name}"

    @property
    def impala_location(self) -> str:
        """The location as Impala addresses it."""
        parsed = urlparse(self.location)
        if parsed.scheme == "s3":
            return "s3a" + self.location[2:]
        if not parsed.scheme:
            return "file://" + os.path.abspath(self.location)
        return self.location

    def create_sql(self, schema: pa.Schema, partition_by: Sequence[str] = ()) -> str:
        """``CREATE EXTERNAL TABLE IF NOT EXISTS`` matching the files the sink writes for ``schema``."""
        missing = [p for p in partition_by if p not in schema.names]
        if missing:
            raise ImpalaError(f"partition field(s) {missing} are not in the schema {schema.names}")
        columns = [f"  {quote_identifier(f.name)} {impala_type(f.type, f.name)}" for f in schema
                   if f.name not in partition_by]
        if not columns:
            raise ImpalaError("every field is a partition field; Impala needs at least one data column")
        parts = []
        for p in partition_by:
            f = schema.field(p)
            kind = impala_type(f.type, p)
            if "<" in kind:
                raise ImpalaError(f"partition field {p!r} has the nested type {kind}; partition by a scalar field")
            parts.append(f"{quote_identifier(p)} {kind}")
        location = self.impala_location.replace("\\", "\\\\").replace("'", "\\'")
        lines = [f"CREATE EXTERNAL TABLE IF NOT EXISTS {self._ref()} (", ",\n".join(columns), ")"]
        if parts:
            lines.append(f"PARTITIONED BY ({', '.join(parts)})")
        lines += ["STORED AS PARQUET", f"LOCATION '{location}'"]
        return "\n".join(lines)

    def refresh_sql(self) -> str:
        """Make new files in known partitions visible."""
        return f"REFRESH {self._ref()}"

    def recover_partitions_sql(self) -> str:
        """Register partition folders Impala has not seen yet."""
        return f"ALTER TABLE {self._ref()} RECOVER PARTITIONS"

    def dataset(self) -> Dataset:
        """The table, for lineage."""
        return Dataset("hive_table", self.name, namespace=self.database)

    def _ref(self) -> str:
        return f"{quote_identifier(self.database)}.{quote_identifier(self.name)}"


@dataclass(frozen=True)
class ImpalaSettings:
    """How to reach impalad; passwords and tokens are never shown.

    ``from_env()`` reads ``IMPALA_HOST``, ``IMPALA_PORT``, ``IMPALA_DATABASE``, ``IMPALA_AUTH``,
    ``IMPALA_USER``, ``IMPALA_PASSWORD``, ``IMPALA_JWT``, ``IMPALA_SSL`` (1/true), ``IMPALA_CA_CERT``,
    ``IMPALA_HTTP_PATH`` (set it to use HTTP transport, e.g. ``cliservice`` behind Knox) and
    ``IMPALA_KERBEROS_SERVICE``.

        >>> s = ImpalaSettings("impala.example.com", auth="LDAP", user="etl", password="pw", use_ssl=True)
        >>> s.connect_kwargs()["auth_mechanism"], s.connect_kwargs()["use_ssl"]
        ('LDAP', True)
        >>> "pw" in repr(s)
        False
    """

    host: str
    port: int | None = None
    database: str | None = None
    auth: AuthMechanism = "NOSASL"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    jwt: str | None = field(default=None, repr=False)
    use_ssl: bool = False
    ca_cert: str | None = None
    kerberos_service_name: str = "impala"
    krb_host: str | None = None
    use_http_transport: bool = False
    http_path: str = ""
    timeout: float | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ImpalaSettings | None:
        """Settings from ``IMPALA_*`` variables, or None when ``IMPALA_HOST`` is unset."""
        env = os.environ if env is None else env
        host = env.get("IMPALA_HOST")
        if not host:
            return None
        auth = env.get("IMPALA_AUTH", "NOSASL").upper()
        if not _is_auth_mechanism(auth):
            raise ImpalaError(f"IMPALA_AUTH={auth!r}: use NOSASL, PLAIN, LDAP, GSSAPI or JWT")
        return cls(
            host=host,
            port=int(env["IMPALA_PORT"]) if env.get("IMPALA_PORT") else None,
            database=env.get("IMPALA_DATABASE") or None,
            auth=auth,
            user=env.get("IMPALA_USER") or None,
            password=env.get("IMPALA_PASSWORD") or None,
            jwt=env.get("IMPALA_JWT") or None,
            use_ssl=env.get("IMPALA_SSL", "").lower() in ("1", "true", "yes"),
            ca_cert=env.get("IMPALA_CA_CERT") or None,
            kerberos_service_name=env.get("IMPALA_KERBEROS_SERVICE") or "impala",
            use_http_transport=bool(env.get("IMPALA_HTTP_PATH")) or auth == "JWT",
            http_path=env.get("IMPALA_HTTP_PATH", ""),
        )

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``impala.dbapi.connect`` (checked for completeness)."""
        if self.auth in ("PLAIN", "LDAP") and not (self.user and self.password):
            raise ImpalaError(f"Impala auth {self.auth} needs a user and a password "
                              f"(IMPALA_USER and IMPALA_PASSWORD)")
        if self.auth == "JWT" and not self.jwt:
            raise ImpalaError("Impala auth JWT needs a token (IMPALA_JWT)")
        http = self.use_http_transport or self.auth == "JWT"  # impyla sends JWTs over HTTP only
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self._port(),
            "database": self.database,
            "timeout": self.timeout,
            "auth_mechanism": self.auth,
            "use_ssl": self.use_ssl,
            "ca_cert": self.ca_cert,
            "use_http_transport": http,
            "http_path": self.http_path,
        }
        if self.auth in ("PLAIN", "LDAP"):
            kwargs.update(user=self.user, password=self.password)
        elif self.auth == "GSSAPI":
            kwargs.update(kerberos_service_name=self.kerberos_service_name, krb_host=self.krb_host)
        elif self.auth == "JWT":
            kwargs["jwt"] = self.jwt
        elif self.user:
            kwargs["user"] = self.user
        return kwargs

    def connect(self) -> Any:
        """An open impyla DB-API connection."""
        try:
            from impala.dbapi import connect
        except ImportError as exc:
            raise ImpalaError("impyla is not installed: pip install 'airstream[impala]'") from exc
        kwargs = self.connect_kwargs()
        try:
            return connect(**kwargs)
        except Exception as exc:
            raise ImpalaError(f"cannot connect to Impala at {self.host}:{kwargs['port']} "
                              f"(auth {self.auth}, ssl {self.use_ssl}): {_scrub(exc, self)}") from None

    def __str__(self) -> str:
        return f"impala://{self.host}:{self._port()} (auth {self.auth})"

    def _port(self) -> int:
        return self.port or (28000 if self.use_http_transport or self.auth == "JWT" else 21050)


class DBAPIConnection(Protocol):
    """The slice of a DB-API 2 connection the catalog uses."""

    def cursor(self) -> Any: ...

    def close(self) -> None: ...


class ImpalaCatalog:
    """Creates the external table when the sink's first files land, then refreshes it.

    ``connect`` is :class:`ImpalaSettings` or any callable returning a DB-API connection. Without a
    connection (``connect=None``) the catalog only collects the statements in ``executed``, which
    is how to print the DDL for a DBA.

        >>> cat = ImpalaCatalog(ImpalaTable("default", "t", "s3://b/t"), connect=None)
        >>> cat.files_landed(pa.schema([("id", pa.int64()), ("day", pa.string())]), ["day"], True)
        >>> [s.split()[0] for s in cat.executed]
        ['CREATE', 'ALTER', 'REFRESH']
    """

    def __init__(self, table: ImpalaTable,
                 connect: ImpalaSettings | Callable[[], DBAPIConnection] | None) -> None:
        self.table = table
        self._settings = connect if isinstance(connect, ImpalaSettings) else None
        self._connect = connect.connect if isinstance(connect, ImpalaSettings) else connect
        self._conn: DBAPIConnection | None = None
        self._created = False
        self._recover_pending = False
        self.executed: list[str] = []

    @classmethod
    def from_env(cls, table: ImpalaTable, env: Mapping[str, str] | None = None) -> ImpalaCatalog:
        """A catalog that runs its statements on the Impala of ``IMPALA_*`` (see :class:`ImpalaSettings`).

        Without ``IMPALA_HOST`` the catalog only collects the statements (``executed``).
        """
        return cls(table, ImpalaSettings.from_env(env))

    def files_landed(self, schema: pa.Schema, partition_by: Sequence[str], new_partitions: bool) -> None:
        """Create the table (once), register new partition folders, refresh the file list.

        A statement that fails is retried on the next call (the files themselves are already safe).
        """
        if not self._created:
            self._execute(self.table.create_sql(schema, partition_by))
            self._created = True
            self._recover_pending = bool(partition_by)
        if partition_by and (new_partitions or self._recover_pending):
            self._recover_pending = True
            self._execute(self.table.recover_partitions_sql())
            self._recover_pending = False
        self._execute(self.table.refresh_sql())

    def lineage(self) -> list[Dataset]:
        """The Impala table."""
        return [self.table.dataset()]

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _execute(self, sql: str) -> None:
        self.executed.append(sql)
        if self._connect is None:
            return
        try:
            if self._conn is None:
                self._conn = self._connect()
            cursor = self._conn.cursor()
            try:
                cursor.execute(sql)
            finally:
                cursor.close()
        except ImpalaError:
            raise
        except Exception as exc:
            self.close_quietly()
            first_line = sql.splitlines()[0]
            raise ImpalaError(f"Impala statement failed: {first_line} ...: {_scrub(exc, self._settings)}. "
                              f"Run it by hand to see the full error; the Parquet files are in place.") from None

    def close_quietly(self) -> None:
        """Drop a broken connection so the next statement reconnects."""
        try:
            self.close()
        except Exception:  # the connection is already broken; reconnecting is what matters
            self._conn = None


def quote_identifier(ident: str) -> str:
    """An Impala identifier in backticks (a backtick inside doubled).

        >>> quote_identifier("airline sentiment")
        '`airline sentiment`'
    """
    return "`" + ident.replace("`", "``") + "`"


def _scrub(exc: BaseException, settings: ImpalaSettings | None) -> str:
    text = str(exc) or type(exc).__name__
    if settings is not None:
        for secret in (settings.password, settings.jwt):
            if secret:
                text = text.replace(secret, "***")
    return text
