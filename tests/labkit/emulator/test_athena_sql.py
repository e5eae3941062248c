"""Athena runs real SQL on DuckDB over the S3 objects of Glue tables (athena_sql).

Data is written locally with DuckDB, uploaded with boto3 to a spawned emulator, described in
Glue, and queried through the Athena API; expected answers come from DuckDB run directly on the
local files, or from the data the test wrote.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
import urllib.request

import duckdb
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.process import EmulatorProcess
from tests.labkit.emulator.athena_support import Lake, client, name, rows, text


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn() as e:
        yield e


@pytest.fixture
def lake(emu) -> Lake:
    return Lake.create(emu.endpoint_url)


# --- the check: join + GROUP BY + partition filter, same rows as DuckDB ---------------


@pytest.fixture
def sales(lake, tmp_path):
    """sales (Parquet, partitioned by dt and region, partitions registered in Glue) and
    customers (Parquet, one file)."""
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT i AS id, i % 50 AS customer_id,
                     CAST(((i * 37) % 10000) / 100 AS DECIMAL(12, 2)) AS amount,
                     strftime(DATE '2024-01-01' + CAST((i // 700) % 6 AS INTEGER), '%Y-%m-%d')
                         AS dt,
                     ['eu', 'us', 'ap'][1 + i % 3] AS region
              FROM range(12000) t(i))
        TO '{tmp_path}/sales' (FORMAT parquet, PARTITION_BY (dt, region))""")
    con.execute(f"""
        COPY (SELECT i AS id, 'customer ' || i AS name,
                     CASE WHEN i % 3 = 0 THEN 'gold' ELSE 'basic' END AS segment
              FROM range(50) t(i))
        TO '{tmp_path}/customers.parquet' (FORMAT parquet)""")
    keys = lake.upload(tmp_path / "sales", "warehouse/sales/")
    lake.upload(tmp_path / "customers.parquet", "warehouse/customers/")
    lake.table(
        "sales",
        {"id": "bigint", "customer_id": "bigint", "amount": "decimal(12,2)"},
        f"s3://{lake.bucket}/warehouse/sales/",
        PartitionKeys=[{"Name": "dt", "Type": "string"}, {"Name": "region", "Type": "string"}],
    )
    lake.table(
        "customers",
        {"id": "bigint", "name": "string", "segment": "string"},
        f"s3://{lake.bucket}/warehouse/customers/",
    )
    prefixes = sorted({k.rsplit("/", 1)[0] for k in keys})
    lake.glue.batch_create_partition(
        DatabaseName=lake.database,
        TableName="sales",
        PartitionInputList=[
            {
                "Values": [p.split("dt=")[1].split("/")[0], p.split("region=")[1]],
                "StorageDescriptor": {"Location": f"s3://{lake.bucket}/{p}/"},
            }
            for p in prefixes
        ],
    )
    return tmp_path, con


JOIN_QUERY = """
    SELECT c.segment, s.region, count(*) AS orders, sum(s.amount) AS total,
           count(DISTINCT s.customer_id) AS buyers
    FROM {sales} s JOIN {customers} c ON s.customer_id = c.id
    WHERE s.dt BETWEEN '2024-01-02' AND '2024-01-04' AND s.region <> 'ap'
    GROUP BY c.segment, s.region
    ORDER BY c.segment, s.region
"""


def test_join_group_by_and_partition_filter_return_the_rows_duckdb_returns(lake, sales):
    local, con = sales
    athena_rows = lake.query(JOIN_QUERY.format(sales="sales", customers="customers"))
    expected = con.execute(
        JOIN_QUERY.format(
            sales=f"read_parquet('{local}/sales/**/*.parquet', hive_partitioning = true)",
            customers=f"read_parquet('{local}/customers.parquet')",
        )
    ).fetchall()
    assert athena_rows[0] == ["segment", "region", "orders", "total", "buyers"]
    assert athena_rows[1:] == [[text(v) for v in row] for row in expected]
    assert len(expected) == 4  # gold/basic x eu/us: the filter and the join did something


def test_only_the_partitions_the_filter_keeps_are_read(lake, sales):
    execution = lake.run(JOIN_QUERY.format(sales="sales", customers="customers"))
    objects = lake.s3.list_objects_v2(Bucket=lake.bucket, Prefix="warehouse/")["Contents"]
    kept = [
        o["Size"]
        for o in objects
        if "customers/" in o["Key"]
        or (any(f"dt=2024-01-0{d}/" in o["Key"] for d in (2, 3, 4)) and "region=ap" not in o["Key"])
    ]
    scanned = execution["Statistics"]["DataScannedInBytes"]
    assert scanned == sum(kept)
    assert scanned < sum(o["Size"] for o in objects)


def test_conditions_on_the_outer_side_of_a_join_do_not_prune(lake, sales):
    local, con = sales
    sql = """SELECT c.id, count(s.id) FROM {customers} c LEFT JOIN {sales} s
             ON s.customer_id = c.id AND s.id < 300 AND s.id % 7 = 0
             WHERE s.dt IS NULL OR s.dt = '2024-01-02' GROUP BY c.id ORDER BY c.id"""
    got = lake.query(sql.format(sales="sales", customers="customers"))
    expected = con.execute(
        sql.format(
            sales=f"read_parquet('{local}/sales/**/*.parquet', hive_partitioning = true)",
            customers=f"read_parquet('{local}/customers.parquet')",
        )
    ).fetchall()
    assert got[1:] == [[str(a), str(b)] for a, b in expected]
    assert 0 < len(expected) < 50  # some customers have no match at all, some do


def test_qualified_names_and_the_default_database(lake, sales):
    qualified = lake.query(
        f'SELECT count(*) FROM "AwsDataCatalog"."{lake.database}".sales WHERE dt = \'2024-01-01\'',
        QueryExecutionContext={"Database": "default"},
    )
    _, con = sales
    local = sales[0]
    expected = con.execute(
        f"SELECT count(*) FROM read_parquet('{local}/sales/**/*.parquet', hive_partitioning=true)"
        " WHERE dt = '2024-01-01'"
    ).fetchone()[0]
    assert qualified == [["_col0"], [str(expected)]]


# --- formats ----------------------------------------------------------------------------------


def test_delimited_text_with_header_gzip_zstd_and_nulls(lake, tmp_path):
    body = gzip.compress(b"id,name,score\n1,ann,1.5\n2,,\\N\n3,cy,x\n")
    lake.s3.put_object(Bucket=lake.bucket, Key="csv/part-0.csv.gz", Body=body)
    duckdb.execute(
        f"COPY (SELECT 4 AS id, 'dee' AS name, 2.5 AS score) TO '{tmp_path}/part-1.csv.zst' "
        "(FORMAT csv, HEADER true, COMPRESSION zstd)"
    )
    lake.upload(tmp_path / "part-1.csv.zst", "csv/")
    lake.table(
        "people",
        {"id": "int", "name": "string", "score": "double"},
        f"s3://{lake.bucket}/csv/",
        serde="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        serde_params={"field.delim": ","},
        Parameters={"skip.header.line.count": "1"},
    )
    got = lake.query("SELECT id, name, score FROM people ORDER BY id")
    # Hive: an empty field is '' for strings, NULL for numbers; \N is NULL; bad numbers NULL.
    assert got[1:] == [["1", "ann", "1.5"], ["2", "", None], ["3", "cy", None], ["4", "dee", "2.5"]]


def test_tab_separated_text_created_with_hive_ddl(lake):
    lake.s3.put_object(Bucket=lake.bucket, Key="tsv/a.tsv", Body=b"1\ta\tx\x02y\n2\tb\tz\n")
    created = lake.run(
        f"CREATE EXTERNAL TABLE tsv (n bigint, s string, tags array<string>) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' STORED AS TEXTFILE "
        f"LOCATION 's3://{lake.bucket}/tsv/'"
    )
    assert created["Status"]["State"] == "SUCCEEDED"
    assert created["StatementType"] == "DDL"
    assert lake.query("SELECT n, s, cardinality(tags) FROM tsv ORDER BY n")[1:] == [
        ["1", "a", "2"],
        ["2", "b", "1"],
    ]


def test_quoted_csv_through_open_csv_serde(lake):
    body = b'"id","city","note"\n"1","Paris","a, b"\n"2","New ""York""",""\n'
    lake.s3.put_object(Bucket=lake.bucket, Key="ocsv/x.csv", Body=body)
    lake.table(
        "cities",
        {"id": "int", "city": "string", "note": "string"},
        f"s3://{lake.bucket}/ocsv/",
        serde="org.apache.hadoop.hive.serde2.OpenCSVSerde",
        serde_params={"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
        Parameters={"skip.header.line.count": "1"},
    )
    assert lake.query("SELECT * FROM cities ORDER BY id")[1:] == [
        ["1", "Paris", "a, b"],
        ["2", 'New "York"', ""],
    ]


def test_json_lines_keys_match_case_insensitively_and_gzip_is_detected(lake):
    lines = [
        {"Id": 1, "Name": "x", "tags": ["a", "b"], "info": {"k": 5}},
        {"id": 2, "name": None, "tags": [], "info": {"k": 6}, "extra": True},
        {"id": "not a number", "name": "z"},
    ]
    body = gzip.compress("\n".join(json.dumps(x) for x in lines).encode())
    lake.s3.put_object(Bucket=lake.bucket, Key="json/data", Body=body)  # no .gz suffix
    lake.table(
        "events",
        {"id": "bigint", "name": "string", "tags": "array<string>", "info": "struct<k:int>"},
        f"s3://{lake.bucket}/json/",
        serde="org.openx.data.jsonserde.JsonSerDe",
        Parameters={"compressionType": "gzip"},
    )
    got = lake.query("SELECT id, name, tags, info.k FROM events ORDER BY name NULLS FIRST")
    assert got[0] == ["id", "name", "tags", "k"]
    assert got[1:] == [["2", None, "[]", "6"], ["1", "x", "[a, b]", "5"], [None, "z", None, None]]


def test_malformed_json_fails_unless_the_serde_ignores_it(lake):
    lake.s3.put_object(Bucket=lake.bucket, Key="bad/a.json", Body=b'{"a": 1}\nnot json\n')
    for table, ignore in (("strict", "false"), ("lenient", "true")):
        lake.table(
            table,
            {"a": "int"},
            f"s3://{lake.bucket}/bad/",
            serde="org.apache.hive.hcatalog.data.JsonSerDe",
            serde_params={"ignore.malformed.json": ignore},
        )
    failed = lake.run("SELECT * FROM strict")
    assert failed["Status"]["State"] == "FAILED"
    assert failed["Status"]["AthenaError"]["ErrorMessage"].startswith("HIVE_CURSOR_ERROR")
    assert lake.query("SELECT a FROM lenient ORDER BY a NULLS LAST")[1:] == [["1"], [None]]


def test_parquet_columns_map_by_name_and_missing_ones_are_null(lake, tmp_path):
    duckdb.execute(
        f"COPY (SELECT 'b' AS second, 1 AS first) TO '{tmp_path}/one.parquet' (FORMAT parquet)"
    )
    lake.upload(tmp_path / "one.parquet", "pq/")
    lake.table(
        "evolved",
        {"first": "int", "second": "string", "added": "double"},
        f"s3://{lake.bucket}/pq/",
    )
    assert lake.query("SELECT * FROM evolved") == [["first", "second", "added"], ["1", "b", None]]


def test_partitions_registered_anywhere_and_discovered_hive_prefixes(lake, tmp_path):
    lake.s3.put_object(Bucket=lake.bucket, Key="logs/dt=2024-03-01/a.csv", Body=b"1\n2\n")
    lake.s3.put_object(Bucket=lake.bucket, Key="logs/dt=2024-03-02/b.csv", Body=b"3\n")
    lake.s3.put_object(Bucket=lake.bucket, Key="elsewhere/batch-7/c.csv", Body=b"40\n")
    lake.table(
        "logs",
        {"n": "int"},
        f"s3://{lake.bucket}/logs/",
        serde="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        serde_params={"field.delim": ","},
        PartitionKeys=[{"Name": "dt", "Type": "date"}],
    )
    sql = "SELECT dt, sum(n) FROM logs GROUP BY dt ORDER BY dt"
    # No partition registered at all: the emulator reads the Hive-style prefixes.
    assert lake.query(sql)[1:] == [["2024-03-01", "3"], ["2024-03-02", "3"]]
    lake.glue.create_partition(
        DatabaseName=lake.database,
        TableName="logs",
        PartitionInput={
            "Values": ["2024-03-09"],
            "StorageDescriptor": {"Location": f"s3://{lake.bucket}/elsewhere/batch-7/"},
        },
    )
    # Registered partitions are the table's partitions, wherever they live (as on Athena).
    assert lake.query(sql)[1:] == [["2024-03-09", "40"]]
    repaired = lake.query("MSCK REPAIR TABLE logs")
    assert any("dt=2024-03-01" in r[0] for r in repaired)
    assert lake.query(sql)[1:] == [["2024-03-01", "3"], ["2024-03-02", "3"], ["2024-03-09", "40"]]
    assert lake.query("SHOW PARTITIONS logs") == [
        ["dt=2024-03-01"],
        ["dt=2024-03-02"],
        ["dt=2024-03-09"],
    ]
    stored = lake.glue.get_partitions(DatabaseName=lake.database, TableName="logs")
    assert sorted(p["Values"][0] for p in stored["Partitions"]) == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-09",
    ]


def test_changed_objects_are_read_again(lake):
    lake.s3.put_object(Bucket=lake.bucket, Key="v/x.csv", Body=b"1\n")
    lake.table("v", {"n": "int"}, f"s3://{lake.bucket}/v/", serde=LAZY)
    assert lake.query("SELECT sum(n) FROM v")[1:] == [["1"]]
    lake.s3.put_object(Bucket=lake.bucket, Key="v/x.csv", Body=b"1\n41\n")
    lake.s3.put_object(Bucket=lake.bucket, Key="v/_SUCCESS", Body=b"")
    assert lake.query("SELECT sum(n) FROM v")[1:] == [["42"]]


LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def test_a_repeated_query_sees_schema_changes(lake):
    lake.s3.put_object(Bucket=lake.bucket, Key="w/x.csv", Body=b"1,a\n")
    columns = [{"Name": "n", "Type": "int"}]
    sd = {
        "Columns": columns,
        "Location": f"s3://{lake.bucket}/w/",
        "SerdeInfo": {"SerializationLibrary": LAZY, "Parameters": {"field.delim": ","}},
    }
    lake.glue.create_table(
        DatabaseName=lake.database, TableInput={"Name": "w", "StorageDescriptor": sd}
    )
    assert lake.query("SELECT * FROM w") == [["n"], ["1"]]
    sd["Columns"] = [*columns, {"Name": "s", "Type": "string"}]
    lake.glue.update_table(
        DatabaseName=lake.database, TableInput={"Name": "w", "StorageDescriptor": sd}
    )
    assert lake.query("SELECT * FROM w") == [["n", "s"], ["1", "a"]]
    lake.glue.delete_table(DatabaseName=lake.database, Name="w")
    gone = lake.run("SELECT * FROM w")
    assert gone["Status"]["StateChangeReason"].startswith("TABLE_NOT_FOUND: line 1:15:")


# --- results: paging, files, types ------------------------------------------------------------


@pytest.fixture
def numbers(lake, tmp_path):
    duckdb.execute(
        f"COPY (SELECT i AS n FROM range(1, 2501) t(i)) TO '{tmp_path}/n.parquet' (FORMAT parquet)"
    )
    lake.upload(tmp_path / "n.parquet", "numbers/")
    lake.table("numbers", {"n": "int"}, f"s3://{lake.bucket}/numbers/")
    return "numbers"


def test_results_page_by_max_results_with_the_header_once(lake, numbers):
    execution = lake.run("SELECT n FROM numbers ORDER BY n")
    qid = execution["QueryExecutionId"]
    pages = []
    token = None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = lake.athena.get_query_results(QueryExecutionId=qid, MaxResults=1000, **kwargs)
        pages.append([r["Data"][0]["VarCharValue"] for r in page["ResultSet"]["Rows"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [1000, 1000, 501]
    assert pages[0][0] == "n"
    assert [int(v) for p in pages for v in p[p is pages[0] :]] == list(range(1, 2501))
    paginated = lake.athena.get_paginator("get_query_results").paginate(
        QueryExecutionId=qid, PaginationConfig={"PageSize": 700}
    )
    assert sum(len(p["ResultSet"]["Rows"]) for p in paginated) == 2501
    with pytest.raises(ClientError) as too_many:
        lake.athena.get_query_results(QueryExecutionId=qid, MaxResults=1001)
    assert too_many.value.response["Error"]["Code"] == "InvalidRequestException"


def test_result_csv_and_metadata_are_written_to_the_output_location(lake, numbers):
    execution = lake.run("SELECT n, n * 2 AS twice, 'q\"x' AS s FROM numbers WHERE n <= 3")
    qid = execution["QueryExecutionId"]
    location = execution["ResultConfiguration"]["OutputLocation"]
    assert location == f"{lake.output}{qid}.csv"
    body = lake.s3.get_object(Bucket=lake.results, Key=f"out/{qid}.csv")["Body"].read()
    assert list(csv.reader(io.StringIO(body.decode()))) == rows(lake.athena, qid)
    assert body.startswith(b'"n","twice","s"\n"1","2","q""x"\n')
    meta = json.loads(
        lake.s3.get_object(Bucket=lake.results, Key=f"out/{qid}.csv.metadata")["Body"].read()
    )
    assert [c["Name"] for c in meta["ColumnInfo"]] == ["n", "twice", "s"]
    ddl = lake.run("SHOW TABLES")
    assert ddl["ResultConfiguration"]["OutputLocation"].endswith(f"{ddl['QueryExecutionId']}.txt")
    listed = lake.s3.get_object(Bucket=lake.results, Key=f"out/{ddl['QueryExecutionId']}.txt")
    assert b"numbers\n" in listed["Body"].read()


def test_values_and_types_print_as_athena_prints_them(lake):
    sql = """SELECT CAST(1 AS integer) i, CAST(2 AS bigint) b, 1.5e0 d, DECIMAL '1.20' dec,
        DATE '2024-01-02' dt, TIMESTAMP '2024-01-02 03:04:05.678' ts, true bo,
        ARRAY[1, 2] arr, MAP(ARRAY['k'], ARRAY[1]) m, NULL n, 'x' s, 7 / 2 idiv,
        1e7 big, CAST(0.1 AS real) r, upper('a')"""
    qid = lake.run(sql)["QueryExecutionId"]
    result = lake.athena.get_query_results(QueryExecutionId=qid)["ResultSet"]
    values = [d.get("VarCharValue") for d in result["Rows"][1]["Data"]]
    assert values == [
        "1", "2", "1.5", "1.20", "2024-01-02", "2024-01-02 03:04:05.678", "true", "[1, 2]",
        "{k=1}", None, "x", "3", "1.0E7", "0.1", "A",
    ]  # fmt: skip
    types = [c["Type"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
    assert types[:8] == [
        "integer", "bigint", "double", "decimal", "date", "timestamp", "boolean", "array",
    ]  # fmt: skip
    assert types[8] == "map" and types[13] == "real" and types[14] == "varchar"
    assert result["ResultSetMetadata"]["ColumnInfo"][14]["Name"] == "_col14"


def test_trino_semantics_survive_the_transpilation(lake, numbers):
    got = lake.query(
        "SELECT 7 / 2, -7 / 2, 7.0 / 2, date_add('day', 1, DATE '2024-01-31'), "
        "DATE '2024-01-31' + INTERVAL '1' MONTH, format('%s=%d', 'n', 3), "
        "element_at(ARRAY[1, 2], 5), count(*) FROM numbers WHERE n % 1000 = 0"
    )
    assert got == [
        [f"_col{i}" for i in range(8)],
        ["3", "-3", "3.5", "2024-02-01", "2024-02-29", "n=3", None, "2"],
    ]


def test_execution_parameters_fill_the_placeholders(lake):
    got = lake.query("SELECT ? + 1, ?", ExecutionParameters=["41", "'x'"])
    assert got[1] == ["42", "x"]


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "message", "error_type"),
    [
        ("SELEC 1", "SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'", 1006),
        (
            "SELECT * FROM nope",
            "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{db}.nope' does not exist",
            1110,
        ),
        ("SELECT x FROM nodb.t", "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist", 1301),
        (
            "SELECT n, wrong FROM numbers",
            "COLUMN_NOT_FOUND: line 1:11: Column 'wrong' cannot be "
            "resolved or requester is not authorized to access requested resources",
            1006,
        ),
        ("SELECT nosuchfn(n) FROM numbers", "FUNCTION_NOT_FOUND", 1303),
        ("CREATE VIEW v AS SELECT 1", "NOT_SUPPORTED: CREATE VIEW is not supported", 1200),
    ],
)
def test_failed_queries_report_athena_errors(lake, numbers, sql, message, error_type):
    execution = lake.run(sql)
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith(message.format(db=lake.database))
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert status["AthenaError"]["ErrorType"] == error_type
    assert status["AthenaError"]["ErrorMessage"] == status["StateChangeReason"]
    with pytest.raises(ClientError) as err:
        lake.athena.get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert status["StateChangeReason"] in err.value.response["Error"]["Message"]


def test_unknown_query_execution_ids_are_invalid_requests(lake):
    for call in (lake.athena.get_query_execution, lake.athena.get_query_results):
        with pytest.raises(ClientError) as err:
            call(QueryExecutionId="00000000-0000-0000-0000-000000000000")
        assert err.value.response["Error"]["Code"] == "InvalidRequestException"


# --- output locations and workgroups ----------------------------------------------------------


def test_no_output_location_anywhere_is_refused(lake):
    with pytest.raises(ClientError) as err:
        lake.athena.start_query_execution(QueryString="SELECT 1")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert err.value.response["Error"]["Message"].startswith("No output location provided.")


def test_workgroup_output_location_and_enforcement(lake):
    group, relaxed = name("wg"), name("wg")
    where = f"s3://{lake.results}/wg/"
    for wg, enforce in ((group, True), (relaxed, False)):
        lake.athena.create_work_group(
            Name=wg,
            Configuration={
                "ResultConfiguration": {"OutputLocation": where},
                "EnforceWorkGroupConfiguration": enforce,
            },
        )
    plain = lake.run("SELECT 1", WorkGroup=group, ResultConfiguration={})
    overridden = lake.run("SELECT 1", WorkGroup=group)  # request says lake.output: ignored
    chosen = lake.run("SELECT 1", WorkGroup=relaxed)  # not enforced: the request's wins
    for execution, prefix in ((plain, "wg/"), (overridden, "wg/"), (chosen, "out/")):
        qid = execution["QueryExecutionId"]
        assert execution["Status"]["State"] == "SUCCEEDED"
        assert execution["WorkGroup"] in (group, relaxed)
        lake.s3.head_object(Bucket=lake.results, Key=f"{prefix}{qid}.csv")
    listed = lake.athena.list_query_executions(WorkGroup=group)["QueryExecutionIds"]
    assert {plain["QueryExecutionId"], overridden["QueryExecutionId"]} <= set(listed)


def test_a_missing_output_bucket_fails_the_query(lake):
    execution = lake.run("SELECT 1", ResultConfiguration={"OutputLocation": "s3://no-such-b/x/"})
    assert execution["Status"]["State"] == "FAILED"
    assert (
        "Unable to verify/create output bucket no-such-b"
        in execution["Status"]["StateChangeReason"]
    )


# --- lifecycle: states, statistics, stop ------------------------------------------------------


def test_statistics_and_batch_get_describe_finished_queries(lake, numbers):
    first = lake.run("SELECT count(*) FROM numbers")
    second = lake.run("SELECT 1")
    stats = first["Statistics"]
    assert stats["DataScannedInBytes"] > 0
    assert stats["TotalExecutionTimeInMillis"] >= stats["EngineExecutionTimeInMillis"] >= 0
    assert first["StatementType"] == "DML" and first["SubstatementType"] == "SELECT"
    assert first["Status"]["CompletionDateTime"] >= first["Status"]["SubmissionDateTime"]
    batch = lake.athena.batch_get_query_execution(
        QueryExecutionIds=[first["QueryExecutionId"], second["QueryExecutionId"], "nope"]
    )
    assert [q["QueryExecutionId"] for q in batch["QueryExecutions"]] == [
        first["QueryExecutionId"],
        second["QueryExecutionId"],
    ]
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "nope"


def test_stop_cancels_a_running_query(lake, numbers):
    slow = "SELECT count(*) FROM numbers a, numbers b, numbers c WHERE (a.n * b.n + c.n) % 7919 = 1"
    qid = lake.start(slow)
    states = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = lake.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        states.add(state["Status"]["State"])
        if state["Status"]["State"] == "RUNNING":
            break
        time.sleep(0.01)
    assert "RUNNING" in states
    lake.athena.stop_query_execution(QueryExecutionId=qid)
    time.sleep(0.3)
    final = lake.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    assert final["Status"]["State"] == "CANCELLED"
    with pytest.raises(ClientError):
        lake.athena.get_query_results(QueryExecutionId=qid)
    started = time.monotonic()
    assert lake.query("SELECT 2")[1] == ["2"]  # the worker is free again
    assert time.monotonic() - started < 5


# --- the object cache -------------------------------------------------------------------------


def cache(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_labkit/athena/cache", timeout=5) as r:
        return json.loads(r.read())


def test_objects_are_cached_once_and_reset_clears_the_cache(emu, lake, numbers):
    lake.query("SELECT count(*) FROM numbers")
    before = cache(emu.endpoint_url)
    assert before["objects"] >= 1 and before["bytes"] > 0
    lake.query("SELECT sum(n) FROM numbers")
    assert cache(emu.endpoint_url)["copied"] == before["copied"]  # warm: nothing copied again
    req = urllib.request.Request(f"{emu.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=5).close()
    after = cache(emu.endpoint_url)
    assert (after["objects"], after["bytes"], after["copied"]) == (0, 0, 0)
    with pytest.raises(ClientError):  # the reset removed the table's database too
        client(emu.endpoint_url, "glue").get_database(Name=lake.database)


def test_creating_a_glue_catalog_loads_the_sql_engine_before_the_first_query():
    with EmulatorProcess.spawn() as fresh:
        assert cache(fresh.endpoint_url)["engine_loaded"] is False
        client(fresh.endpoint_url, "s3").create_bucket(Bucket="not-a-catalog")
        time.sleep(0.5)
        assert cache(fresh.endpoint_url)["engine_loaded"] is False  # only a catalog warms it
        client(fresh.endpoint_url, "glue").create_database(DatabaseInput={"Name": "warm"})
        deadline = time.monotonic() + 20
        while not cache(fresh.endpoint_url)["engine_loaded"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cache(fresh.endpoint_url)["engine_loaded"] is True
