"""Athena statements that change the catalog or write data (athena_sql): Hive DDL, CTAS,
INSERT INTO, partitions; and moto's workgroups and named queries, which must keep working."""

from __future__ import annotations

import gzip
import json
import urllib.request

import duckdb
import pytest

from labkit.emulator.process import EmulatorProcess
from tests.labkit.emulator.athena_support import Lake, name


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn() as e:
        yield e


@pytest.fixture
def lake(emu) -> Lake:
    return Lake.create(emu.endpoint_url)


@pytest.fixture
def orders(lake, tmp_path):
    """A Parquet table of 600 orders and the same rows in a local file."""
    local = tmp_path / "orders.parquet"
    duckdb.execute(f"""
        COPY (SELECT i AS id, ['north', 'south', 'west'][1 + i % 3] AS region,
                     CAST(i % 97 AS DOUBLE) AS amount,
                     DATE '2024-05-01' + CAST(i % 4 AS INTEGER) AS day
              FROM range(600) t(i)) TO '{local}' (FORMAT parquet)""")
    lake.upload(local, "orders/")
    lake.table(
        "orders",
        {"id": "bigint", "region": "string", "amount": "double", "day": "date"},
        f"s3://{lake.bucket}/orders/",
    )
    return local


def keys(lake: Lake, prefix: str) -> list[str]:
    listed = lake.s3.list_objects_v2(Bucket=lake.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_ctas_writes_partitioned_parquet_registers_the_table_and_reads_back(lake, orders, tmp_path):
    where = f"s3://{lake.bucket}/marts/by_region/"
    created = lake.run(
        f"CREATE TABLE by_region WITH (format = 'PARQUET', external_location = '{where}', "
        "partitioned_by = ARRAY['region']) AS "
        "SELECT day, count(*) AS orders, sum(amount) AS total, region FROM orders "
        "GROUP BY day, region"
    )
    assert created["Status"]["State"] == "SUCCEEDED", created["Status"]
    assert created["StatementType"] == "DML"
    assert created["SubstatementType"] == "CREATE_TABLE_AS_SELECT"
    result = lake.athena.get_query_results(QueryExecutionId=created["QueryExecutionId"])
    assert result["UpdateCount"] == 12  # 4 days x 3 regions

    written = keys(lake, "marts/by_region/")
    assert {k.split("/")[2] for k in written} == {"region=north", "region=south", "region=west"}
    table = lake.glue.get_table(DatabaseName=lake.database, Name="by_region")["Table"]
    sd = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [
        ("day", "date"),
        ("orders", "bigint"),
        ("total", "double"),
    ]
    assert table["PartitionKeys"] == [{"Name": "region", "Type": "string"}]
    assert sd["Location"] == where
    assert "parquet" in sd["SerdeInfo"]["SerializationLibrary"].lower()
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="by_region")
    assert sorted(p["Values"][0] for p in parts["Partitions"]) == ["north", "south", "west"]

    # The files are real Parquet: read one back locally.
    body = lake.s3.get_object(Bucket=lake.bucket, Key=written[0])["Body"].read()
    (tmp_path / "one.parquet").write_bytes(body)
    assert duckdb.execute(f"SELECT count(*) FROM '{tmp_path}/one.parquet'").fetchone()[0] == 4

    expected = duckdb.execute(
        f"SELECT region, day, count(*), sum(amount) FROM '{orders}' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    got = lake.query("SELECT region, day, orders, total FROM by_region ORDER BY region, day")
    assert got[1:] == [[r, str(d), str(n), str(t)] for r, d, n, t in expected]


def test_insert_into_adds_files_and_partitions(lake, orders):
    lake.run(
        f"CREATE TABLE daily WITH (external_location = 's3://{lake.bucket}/daily/', "
        "partitioned_by = ARRAY['day']) AS SELECT id, amount, day FROM orders WHERE id < 10"
    )
    before = keys(lake, "daily/")
    inserted = lake.run(
        "INSERT INTO daily SELECT id, amount, DATE '2024-06-01' FROM orders WHERE id >= 590"
    )
    assert inserted["Status"]["State"] == "SUCCEEDED", inserted["Status"]
    assert inserted["SubstatementType"] == "INSERT"
    count = lake.athena.get_query_results(QueryExecutionId=inserted["QueryExecutionId"])
    assert count["UpdateCount"] == 10
    after = keys(lake, "daily/")
    assert set(before) < set(after)
    assert any(k.startswith("daily/day=2024-06-01/") for k in set(after) - set(before))
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="daily")
    assert "2024-06-01" in {p["Values"][0] for p in parts["Partitions"]}
    assert lake.query("SELECT count(*), min(id), max(id) FROM daily WHERE day = DATE '2024-06-01'")[
        1
    ] == ["10", "590", "599"]
    assert lake.query("SELECT count(*) FROM daily")[1] == ["20"]


def test_insert_into_a_table_read_from_unregistered_prefixes_keeps_them(lake):
    lake.s3.put_object(Bucket=lake.bucket, Key="ev/k=a/x.csv", Body=b"1\n")
    lake.run(
        "CREATE EXTERNAL TABLE ev (n int) PARTITIONED BY (k string) ROW FORMAT DELIMITED "
        f"FIELDS TERMINATED BY ',' LOCATION 's3://{lake.bucket}/ev/'"
    )
    assert lake.query("SELECT k, n FROM ev")[1:] == [["a", "1"]]  # read from the prefix
    done = lake.run("INSERT INTO ev VALUES (2, 'b')")
    assert done["Status"]["State"] == "SUCCEEDED", done["Status"]
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="ev")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == ["a", "b"]
    assert lake.query("SELECT k, n FROM ev ORDER BY k")[1:] == [["a", "1"], ["b", "2"]]


def test_insert_into_a_text_table_keeps_its_delimiter_and_types(lake):
    lake.run(
        "CREATE EXTERNAL TABLE notes (n int, msg string) ROW FORMAT DELIMITED FIELDS "
        f"TERMINATED BY '|' LOCATION 's3://{lake.bucket}/notes/'"
    )
    done = lake.run("INSERT INTO notes (msg, n) VALUES ('hello', 1), ('bye', 2)")
    assert done["Status"]["State"] == "SUCCEEDED", done["Status"]
    [key] = keys(lake, "notes/")
    raw = lake.s3.get_object(Bucket=lake.bucket, Key=key)["Body"].read()
    assert sorted(gzip.decompress(raw).decode().splitlines()) == ["1|hello", "2|bye"]
    assert lake.query("SELECT n, msg FROM notes ORDER BY n")[1:] == [["1", "hello"], ["2", "bye"]]
    mismatched = lake.run("INSERT INTO notes VALUES (1)")
    assert mismatched["Status"]["State"] == "FAILED"
    assert "Insert query has mismatched column types" in mismatched["Status"]["StateChangeReason"]


@pytest.mark.parametrize(
    ("fmt", "extra", "serde_hint"),
    [
        ("JSON", "", "json"),
        ("TEXTFILE", ", field_delimiter = ','", "lazysimple"),
        ("PARQUET", ", write_compression = 'SNAPPY'", "parquet"),
    ],
)
def test_ctas_formats_round_trip(lake, orders, fmt, extra, serde_hint):
    table = name("t")
    done = lake.run(
        f"CREATE TABLE {table} WITH (format = '{fmt}'{extra}) AS "
        "SELECT id, region, amount FROM orders WHERE id < 25"
    )
    assert done["Status"]["State"] == "SUCCEEDED", done["Status"]
    sd = lake.glue.get_table(DatabaseName=lake.database, Name=table)["Table"]["StorageDescriptor"]
    assert serde_hint in sd["SerdeInfo"]["SerializationLibrary"].lower()
    # Without external_location the data goes under the output location's tables/<query id>/.
    assert sd["Location"] == f"{lake.output}tables/{done['QueryExecutionId']}/"
    expected = duckdb.execute(
        f"SELECT id, region, amount FROM '{orders}' WHERE id < 25 ORDER BY id"
    ).fetchall()
    got = lake.query(f"SELECT id, region, amount FROM {table} ORDER BY id")
    assert got[1:] == [[str(i), r, str(a)] for i, r, a in expected]


def test_ctas_refuses_existing_tables_and_non_empty_locations(lake, orders):
    lake.s3.put_object(Bucket=lake.bucket, Key="taken/x.csv", Body=b"1\n")
    taken = lake.run(
        f"CREATE TABLE t1 WITH (external_location = 's3://{lake.bucket}/taken/') AS SELECT 1 AS a"
    )
    assert taken["Status"]["State"] == "FAILED"
    assert taken["Status"]["StateChangeReason"].startswith("HIVE_PATH_ALREADY_EXISTS")
    again = lake.run("CREATE TABLE orders AS SELECT 1 AS a")
    assert again["Status"]["StateChangeReason"].startswith(
        f"TABLE_ALREADY_EXISTS: line 1:1: Table 'awsdatacatalog.{lake.database}.orders'"
    )
    unnamed = lake.run("CREATE TABLE t2 AS SELECT 1")
    assert "Column name not specified at position 1" in unnamed["Status"]["StateChangeReason"]
    misplaced = lake.run(
        "CREATE TABLE t3 WITH (partitioned_by = ARRAY['region']) AS SELECT region, id FROM orders"
    )
    assert misplaced["Status"]["StateChangeReason"].startswith("HIVE_COLUMN_ORDER_MISMATCH")
    assert not lake.glue.get_tables(DatabaseName=lake.database, Expression="t[123]")["TableList"]


def test_hive_ddl_creates_glue_tables_databases_and_partitions(lake):
    db = name("ddl")
    assert lake.run(f"CREATE DATABASE {db} COMMENT 'made by Athena'")["Status"]["State"] == (
        "SUCCEEDED"
    )
    assert lake.glue.get_database(Name=db)["Database"]["Description"] == "made by Athena"
    lake.s3.put_object(Bucket=lake.bucket, Key="raw/clicks/2024/a.json", Body=b'{"u": "a"}\n')
    created = lake.run(
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {db}.clicks (`u` string COMMENT 'user') "
        "PARTITIONED BY (year int) "
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
        f"LOCATION 's3://{lake.bucket}/raw/clicks/' TBLPROPERTIES ('classification' = 'json')"
    )
    assert created["Status"]["State"] == "SUCCEEDED", created["Status"]
    table = lake.glue.get_table(DatabaseName=db, Name="clicks")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [
        {"Name": "u", "Type": "string", "Comment": "user"}
    ]
    assert table["PartitionKeys"] == [{"Name": "year", "Type": "int"}]
    assert table["Parameters"]["classification"] == "json"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == (
        "org.openx.data.jsonserde.JsonSerDe"
    )
    added = lake.run(
        f"ALTER TABLE {db}.clicks ADD PARTITION (year = 2024) "
        f"LOCATION 's3://{lake.bucket}/raw/clicks/2024/'"
    )
    assert added["Status"]["State"] == "SUCCEEDED", added["Status"]
    assert lake.query(f"SELECT u, year FROM {db}.clicks") == [["u", "year"], ["a", "2024"]]
    twice = lake.run(f"ALTER TABLE {db}.clicks ADD PARTITION (year = 2024)")
    assert "AlreadyExistsException" in twice["Status"]["StateChangeReason"]
    dropped = lake.run(f"ALTER TABLE {db}.clicks DROP PARTITION (year = 2024)")
    assert dropped["Status"]["State"] == "SUCCEEDED"
    assert lake.glue.get_partitions(DatabaseName=db, TableName="clicks")["Partitions"] == []

    assert lake.query(f"SHOW TABLES IN {db}") == [["clicks"]]
    assert [db] in lake.query("SHOW DATABASES")
    assert lake.query(f"SHOW COLUMNS IN {db}.clicks") == [["u"], ["year"]]
    described = [r[0] for r in lake.query(f"DESCRIBE {db}.clicks")]
    assert described[0].split("\t")[0].strip() == "u" and "# Partition Information" in described

    not_empty = lake.run(f"DROP DATABASE {db}")
    assert "is not empty" in not_empty["Status"]["StateChangeReason"]
    assert lake.run(f"DROP TABLE {db}.clicks")["Status"]["State"] == "SUCCEEDED"
    assert keys(lake, "raw/clicks/") == ["raw/clicks/2024/a.json"]  # data stays, as on AWS
    assert lake.run(f"DROP TABLE IF EXISTS {db}.clicks")["Status"]["State"] == "SUCCEEDED"
    assert lake.run(f"DROP DATABASE {db}")["Status"]["State"] == "SUCCEEDED"
    missing = lake.run(f"DROP TABLE {db}.clicks")
    assert missing["Status"]["State"] == "FAILED"


def test_ddl_errors_and_unsupported_statements(lake):
    not_external = lake.run(f"CREATE TABLE x (a int) LOCATION 's3://{lake.bucket}/x/'")
    assert (
        "Only external table creation is supported" in not_external["Status"]["StateChangeReason"]
    )
    for sql, what in (
        ("UNLOAD (SELECT 1) TO 's3://b/x/' WITH (format = 'JSON')", "UNLOAD"),
        ("DELETE FROM t WHERE a = 1", "DELETE, UPDATE and MERGE"),
        ("EXPLAIN SELECT 1", "EXPLAIN"),
    ):
        failed = lake.run(sql)
        assert failed["Status"]["AthenaError"]["ErrorType"] == 1200
        assert failed["Status"]["StateChangeReason"] == (
            f"NOT_SUPPORTED: {what} is not supported by the emulator's Athena"
        )


# --- moto's own Athena behaviour keeps working ------------------------------------------------


def test_workgroups_named_queries_and_canned_results_still_work(emu, lake):
    athena = lake.athena
    group = name("wg")
    athena.create_work_group(Name=group, Description="team", Configuration={})
    assert athena.get_work_group(WorkGroup=group)["WorkGroup"]["Description"] == "team"
    assert group in [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    nq = athena.create_named_query(
        Name="daily", Database=lake.database, QueryString="SELECT 1", WorkGroup=group
    )["NamedQueryId"]
    got = athena.get_named_query(NamedQueryId=nq)["NamedQuery"]
    assert (got["Name"], got["QueryString"], got["WorkGroup"]) == ("daily", "SELECT 1", group)
    assert nq in athena.list_named_queries(WorkGroup=group)["NamedQueryIds"]
    # A named query's text runs like any other query.
    assert lake.query(got["QueryString"], WorkGroup=group) == [["_col0"], ["1"]]
    athena.delete_work_group(WorkGroup=group)
    assert group not in [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]

    # moto's canned results (queued through its static endpoint) are still served.
    canned = {
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": "canned"}]}],
                "column_info": [{"Name": "c", "Type": "varchar"}],
            }
        ]
    }
    request = urllib.request.Request(
        f"{emu.endpoint_url}/moto-api/static/athena/query-results",
        data=json.dumps(canned).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).close()
    qid = lake.start("SELECT anything FROM anywhere")
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert rows == [{"Data": [{"VarCharValue": "canned"}]}]
