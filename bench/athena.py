"""Athena on the emulator against DuckDB on local files: the same query, timed in one run.

It builds a table of N rows (default 1,000,000) partitioned Hive-style by ``dt`` (30 days) and
``region`` (4), written as Parquet by DuckDB (``COPY ... PARTITION_BY``) in a temporary
directory, plus a small ``products`` dimension table. It uploads both to a private emulator's
S3, registers them in Glue (the 120 partitions with ``batch_create_partition``), then times

- Athena end to end from the client: ``start_query_execution``, polling
  ``get_query_execution`` every ``--poll`` seconds until it is done, then
  ``get_query_results`` for every row (all pages);
- DuckDB directly on the local files, on an open connection (``read_parquet`` with
  ``hive_partitioning``), fetching every row.

The query joins the dimension, keeps one week of partitions and groups by category and region.
The first run of each is "cold" (the emulator's object cache is empty, DuckDB has not read
the files yet); then ``--runs`` warm runs of each, alternating, whose median is reported. It
checks that both return the same rows and prints the ratio (Athena / DuckDB) against the
targets: within 3x of DuckDB and under 1 second.

Run it from the checkout::

    .venv/bin/python bench/athena.py [--rows 1000000] [--runs 7] [--poll 0.005]

It exits non-zero only when something fails to run (or the two answers differ); a missed target
is reported, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 3.0
TARGET_SECONDS = 1.0
DAYS, REGIONS = 30, ("eu", "us", "ap", "sa")

QUERY = """
SELECT p.category, s.region, count(*) AS orders, sum(s.amount) AS revenue,
       avg(s.quantity) AS avg_quantity
FROM {sales} s JOIN {products} p ON s.product_id = p.id
WHERE s.dt BETWEEN '2024-01-08' AND '2024-01-14'
GROUP BY p.category, s.region
ORDER BY p.category, s.region
"""


def client(url: str, service: str):
    import boto3

    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def build(root: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect()
    regions = "[" + ", ".join(f"'{r}'" for r in REGIONS) + "]"
    con.execute(f"""
        COPY (SELECT i AS id, (i * 7919) % 500 AS product_id,
                     CAST(((i * 104729) % 100000) / 100 AS DECIMAL(12, 2)) AS amount,
                     1 + i % 5 AS quantity,
                     strftime(DATE '2024-01-01' + CAST(i % {DAYS} AS INTEGER), '%Y-%m-%d') AS dt,
                     {regions}[1 + (i // {DAYS}) % {len(REGIONS)}] AS region
              FROM range({rows}) t(i))
        TO '{root}/sales' (FORMAT parquet, PARTITION_BY (dt, region))""")
    con.execute(f"""
        COPY (SELECT i AS id, 'product ' || i AS name,
                     ['books', 'games', 'garden', 'music', 'tools'][1 + i % 5] AS category
              FROM range(500) t(i))
        TO '{root}/products.parquet' (FORMAT parquet)""")


def upload(url: str, root: Path) -> int:
    """Upload the files, register the tables; returns the bytes uploaded."""
    s3, glue = client(url, "s3"), client(url, "glue")
    s3.create_bucket(Bucket="lake")
    s3.create_bucket(Bucket="results")
    size = 0
    prefixes: set[str] = set()
    for path in sorted((root / "sales").rglob("*.parquet")):
        key = "sales/" + path.relative_to(root / "sales").as_posix()
        s3.upload_file(str(path), "lake", key)
        size += path.stat().st_size
        prefixes.add(key.rsplit("/", 1)[0])
    s3.upload_file(str(root / "products.parquet"), "lake", "products/products.parquet")
    glue.create_database(DatabaseInput={"Name": "bench"})
    parquet = {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }
    glue.create_table(
        DatabaseName="bench",
        TableInput={
            "Name": "sales",
            "PartitionKeys": [
                {"Name": "dt", "Type": "string"},
                {"Name": "region", "Type": "string"},
            ],
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "id", "Type": "bigint"},
                    {"Name": "product_id", "Type": "bigint"},
                    {"Name": "amount", "Type": "decimal(12,2)"},
                    {"Name": "quantity", "Type": "int"},
                ],
                "Location": "s3://lake/sales/",
                "SerdeInfo": parquet,
            },
        },
    )
    glue.create_table(
        DatabaseName="bench",
        TableInput={
            "Name": "products",
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "id", "Type": "bigint"},
                    {"Name": "name", "Type": "string"},
                    {"Name": "category", "Type": "string"},
                ],
                "Location": "s3://lake/products/",
                "SerdeInfo": parquet,
            },
        },
    )
    parts = sorted(prefixes)
    for i in range(0, len(parts), 100):
        glue.batch_create_partition(
            DatabaseName="bench",
            TableName="sales",
            PartitionInputList=[
                {
                    "Values": [p.split("dt=")[1].split("/")[0], p.split("region=")[1]],
                    "StorageDescriptor": {"Location": f"s3://lake/{p}/"},
                }
                for p in parts[i : i + 100]
            ],
        )
    return size


def athena_run(athena, poll: float) -> tuple[float, list[list[str | None]], dict]:
    t0 = time.perf_counter()
    qid = athena.start_query_execution(
        QueryString=QUERY.format(sales="sales", products="products"),
        QueryExecutionContext={"Database": "bench"},
        ResultConfiguration={"OutputLocation": "s3://results/bench/"},
    )["QueryExecutionId"]
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(poll)
    if execution["Status"]["State"] != "SUCCEEDED":
        raise RuntimeError(f"the Athena query did not succeed: {execution['Status']}")
    rows: list[list[str | None]] = []
    kwargs = {"QueryExecutionId": qid}
    while True:
        page = athena.get_query_results(**kwargs)
        rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    return time.perf_counter() - t0, rows[1:], execution["Statistics"]


def duckdb_run(con, root: Path) -> tuple[float, list[tuple]]:
    sql = QUERY.format(
        sales=f"read_parquet('{root}/sales/**/*.parquet', hive_partitioning = true)",
        products=f"read_parquet('{root}/products.parquet')",
    )
    t0 = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - t0, rows


def same(athena_rows: list[list[str | None]], duck_rows: list[tuple]) -> bool:
    if len(athena_rows) != len(duck_rows):
        return False
    for a, d in zip(athena_rows, duck_rows, strict=True):
        if a[:4] != [str(v) for v in d[:4]] or abs(float(a[4]) - d[4]) > 1e-9:
            return False
    return True


def cpu_busy(seconds: float) -> float:
    """Cores busy machine-wide over ``seconds`` (from /proc/stat), before we start."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="warm runs of each (median)")
    parser.add_argument("--poll", type=float, default=0.005, help="polling interval, seconds")
    args = parser.parse_args(argv)

    import duckdb

    from labkit.emulator.process import EmulatorProcess

    print(
        f"# {dt.date.today()} {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-athena-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        build(root, args.rows)
        files = len(list((root / "sales").rglob("*.parquet")))
        print(
            f"built {args.rows:,} rows in {files} Parquet files ({time.perf_counter() - t0:.1f} s)"
        )
        background = cpu_busy(2.0)
        print(f"background load before the runs: {background:.2f} cores busy")
        with EmulatorProcess.spawn(timeout=60) as emu:
            t0 = time.perf_counter()
            size = upload(emu.endpoint_url, root)
            print(
                f"uploaded {size / 1e6:.1f} MB and registered the tables "
                f"({time.perf_counter() - t0:.1f} s)"
            )
            athena = client(emu.endpoint_url, "athena")
            athena.list_work_groups()  # the client's first request pays its own set-up
            con = duckdb.connect()

            cold_athena, athena_rows, stats = athena_run(athena, args.poll)
            cold_duck, duck_rows = duckdb_run(con, root)
            if not same(athena_rows, duck_rows):
                print("MISMATCH: Athena and DuckDB returned different rows")
                print("athena:", athena_rows)
                print("duckdb:", duck_rows)
                return 1
            warm_athena, warm_duck, engine = [], [], []
            for _ in range(args.runs):
                seconds, _, stats = athena_run(athena, args.poll)
                warm_athena.append(seconds)
                engine.append(stats["EngineExecutionTimeInMillis"] / 1000)
                warm_duck.append(duckdb_run(con, root)[0])
    print(
        f"rows returned: {len(athena_rows)} (same as DuckDB); the query reads "
        f"{stats['DataScannedInBytes'] / 1e6:.2f} MB of {size / 1e6:.1f} MB (7 of 30 days)"
    )
    athena_med, duck_med = statistics.median(warm_athena), statistics.median(warm_duck)
    print()
    print("| | Athena on the emulator (end to end) | DuckDB on local files | ratio |")
    print("|---|---|---|---|")
    print(
        f"| cold (first run) | {cold_athena * 1000:.0f} ms | {cold_duck * 1000:.0f} ms "
        f"| {cold_athena / cold_duck:.2f}x |"
    )
    print(
        f"| warm (median of {args.runs}) | {athena_med * 1000:.0f} ms | {duck_med * 1000:.0f} ms "
        f"| {athena_med / duck_med:.2f}x |"
    )
    print(
        f"\nemulator engine time (warm median): {statistics.median(engine) * 1000:.0f} ms; "
        f"polling every {args.poll * 1000:.0f} ms"
    )
    ratio_ok = athena_med / duck_med <= TARGET_RATIO
    fast_ok = athena_med < TARGET_SECONDS and cold_athena < TARGET_SECONDS
    print(f"target within {TARGET_RATIO:.0f}x of DuckDB (warm): {'met' if ratio_ok else 'MISSED'}")
    print(f"target under {TARGET_SECONDS:.0f} s (cold and warm): {'met' if fast_ok else 'MISSED'}")
    if background > 0.2:
        print("note: the machine was busy before the runs; treat the figures as noise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
