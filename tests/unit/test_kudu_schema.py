"""A Kudu table's definition from an Arrow schema: Kudu's schema document and Impala's DDL. That Kudu
itself takes the document is checked against the real Kudu in tests/integration/test_kudu_real.py."""

from __future__ import annotations

import pyarrow as pa
import pytest

from airstream.connectors.kudu_schema import KuduSchemaError, KuduTable, kudu_type

SCHEMA = pa.schema([("text", pa.string()), ("friends", pa.int64()), ("verified", pa.bool_()),
                    ("created", pa.timestamp("us", tz="UTC")), ("price", pa.decimal128(9, 2)),
                    ("airline", pa.string()), ("tweet id", pa.string())])


def test_the_key_comes_first_not_null_and_the_rest_nullable_in_schema_order() -> None:
    table = KuduTable("cloudair.tweets", SCHEMA, primary_key=("airline", "tweet id"), hash_buckets=3, replicas=1)
    doc = table.kudu_json()
    assert [(c["column_name"], c["column_type"], c["is_nullable"]) for c in doc["schema"]["columns"]] == [
        ("airline", "STRING", False), ("tweet id", "STRING", False), ("text", "STRING", True),
        ("friends", "INT64", True), ("verified", "BOOL", True), ("created", "UNIXTIME_MICROS", True),
        ("price", "DECIMAL", True)]
    assert doc["schema"]["columns"][-1]["type_attributes"] == {"precision": 9, "scale": 2}
    assert doc["schema"]["key_column_names"] == ["airline", "tweet id"]
    assert doc["partition"] == {"hash_partitions": [{"columns": ["airline", "tweet id"], "num_buckets": 3}]}
    assert doc["table_name"] == "cloudair.tweets" and doc["num_replicas"] == 1


def test_impala_ddl_of_a_managed_and_of_an_external_table() -> None:
    table = KuduTable("air`line", SCHEMA, primary_key=("tweet id",))
    ddl = table.impala_create_sql("cloud air")
    assert ddl.splitlines()[0] == "CREATE TABLE IF NOT EXISTS `cloud air`.`air``line` ("
    assert "  `tweet id` STRING NOT NULL,\n  `text` STRING NULL," in ddl
    assert "  `created` TIMESTAMP NULL,\n  `price` DECIMAL(9,2) NULL," in ddl
    assert ddl.endswith("  PRIMARY KEY (`tweet id`)\n)\nPARTITION BY HASH (`tweet id`) PARTITIONS 4\n"
                        "STORED AS KUDU\nTBLPROPERTIES ('kudu.num_tablet_replicas' = '3')")
    assert KuduTable("it's", SCHEMA, primary_key=("tweet id",)).impala_external_sql("db", "tweets_kudu") == (
        "CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`tweets_kudu`\nSTORED AS KUDU\n"
        "TBLPROPERTIES ('kudu.table_name' = 'it\\'s')")


@pytest.mark.parametrize(("arrow", "says"), [
    (pa.list_(pa.string()), "Kudu columns are scalars: store nested values as JSON text"),
    (pa.uint32(), "Kudu has no unsigned integers"),
    (pa.decimal256(40, 2), "exceeds Kudu's precision 38"),
])
def test_types_kudu_cannot_hold_are_refused_naming_the_field(arrow: pa.DataType, says: str) -> None:
    with pytest.raises(KuduSchemaError, match=f"field 'tags'.*{says}"):
        KuduTable("t", pa.schema([("id", pa.string()), ("tags", arrow)]), primary_key=("id",))


def test_a_key_outside_the_schema_or_too_few_buckets_is_refused() -> None:
    with pytest.raises(KuduSchemaError, match=r"primary key column\(s\) \['tweetid'\] are not in the schema"):
        KuduTable("t", SCHEMA, primary_key=("tweetid",))
    with pytest.raises(KuduSchemaError, match="name its primary key"):
        KuduTable("t", SCHEMA, primary_key=())
    with pytest.raises(KuduSchemaError, match="hash_buckets must be at least 2"):
        KuduTable("t", SCHEMA, primary_key=("airline",), hash_buckets=1)


def test_dictionary_columns_are_their_values() -> None:
    assert kudu_type(pa.dictionary(pa.int32(), pa.string())) == "STRING"
