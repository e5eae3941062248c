"""Project 1 estate, the Oracle part: the RETAIL export, its generator and the PostgreSQL load.

The export is checked against the documented counts and relationships; ``load_postgres`` runs
against a real RDS PostgreSQL instance of a private emulator and the data is read back.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from decimal import Decimal

import psycopg
import pytest

from labkit.datasets import p1_retail
from labkit.datasets.p1_retail.oracle import generate
from labkit.datasets.p1_retail.oracle_export import DATA
from tests.conftest import emulator_client

COUNTS = {
    "CATEGORIES": 25,
    "CUSTOMERS": 8000,
    "PRODUCTS": 400,
    "INVENTORY": 800,
    "ORDERS": 15000,
}
KEYS = {
    "CATEGORIES": ("CATEGORY_ID",),
    "CUSTOMERS": ("CUSTOMER_ID",),
    "PRODUCTS": ("PRODUCT_ID",),
    "INVENTORY": ("PRODUCT_ID", "WAREHOUSE"),
    "ORDERS": ("ORDER_ID",),
    "ORDER_LINES": ("ORDER_ID", "LINE_NO"),
}
FKS = [  # child table, column, parent table, column
    ("CATEGORIES", "PARENT_ID", "CATEGORIES", "CATEGORY_ID"),
    ("PRODUCTS", "CATEGORY_ID", "CATEGORIES", "CATEGORY_ID"),
    ("INVENTORY", "PRODUCT_ID", "PRODUCTS", "PRODUCT_ID"),
    ("ORDERS", "CUSTOMER_ID", "CUSTOMERS", "CUSTOMER_ID"),
    ("ORDER_LINES", "ORDER_ID", "ORDERS", "ORDER_ID"),
    ("ORDER_LINES", "PRODUCT_ID", "PRODUCTS", "PRODUCT_ID"),
]
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def test_row_counts_are_as_documented():
    for table, n in COUNTS.items():
        assert len(p1_retail.read_table(table)) == n, table
    assert 35_000 <= len(p1_retail.read_table("ORDER_LINES")) <= 50_000


def test_tables_match_the_interface_and_unknown_tables_are_refused():
    assert tuple(generate.COLUMNS) == p1_retail.TABLES
    for table, cols in generate.COLUMNS.items():
        assert tuple(p1_retail.read_table(table)[0]) == cols
    with pytest.raises(ValueError, match="unknown table 'SHIPMENTS'.*ORDER_LINES"):
        p1_retail.read_table("SHIPMENTS")
    assert p1_retail.read_table("orders")[0]["ORDER_ID"] == "500001"


def test_keys_are_unique_and_foreign_keys_resolve():
    for table, key in KEYS.items():
        rows = p1_retail.read_table(table)
        seen = Counter(tuple(r[c] for c in key) for r in rows)
        assert max(seen.values()) == 1, f"{table} duplicate key"
    for child, col, parent, pcol in FKS:
        parents = {r[pcol] for r in p1_retail.read_table(parent)}
        values = {r[col] for r in p1_retail.read_table(child)} - {""}
        assert values and values <= parents, f"{child}.{col} -> {parent}: {values - parents}"
    emails = [r["EMAIL"] for r in p1_retail.read_table("CUSTOMERS")]
    assert len(set(emails)) == len(emails)
    skus = [r["SKU"] for r in p1_retail.read_table("PRODUCTS")]
    assert skus == [f"RS-{n}" for n in range(10001, 10401)]
    assert p1_retail.read_table("PRODUCTS")[0]["IMAGE_FILE"] == "products/RS-10001.jpg"


def test_order_totals_equal_the_sum_of_their_lines():
    sums: dict[str, Decimal] = {}
    for line in p1_retail.read_table("ORDER_LINES"):
        amount = int(line["QUANTITY"]) * Decimal(line["UNIT_PRICE"])
        sums[line["ORDER_ID"]] = sums.get(line["ORDER_ID"], Decimal(0)) + amount
    orders = p1_retail.read_table("ORDERS")
    assert all(o["ORDER_ID"] in sums for o in orders), "every order has lines"
    for o in orders:
        assert Decimal(o["TOTAL_AMOUNT"]) == sums[o["ORDER_ID"]], o["ORDER_ID"]


def test_formats_of_the_export():
    orders = p1_retail.read_table("ORDERS")
    assert all(DATE.match(o["ORDER_DATE"]) for o in orders)
    statuses = {o["STATUS"] for o in orders}
    assert statuses == {"NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED"}
    assert any(o["SHIPPING_ADDRESS"] == "" for o in orders), "some NULLs"
    cats = p1_retail.read_table("CATEGORIES")
    assert sum(c["PARENT_ID"] == "" for c in cats) == 5
    products = p1_retail.read_table("PRODUCTS")
    assert {p["ACTIVE"] for p in products} == {"0", "1"}
    assert all(re.match(r"^\d+\.\d\d$", p["PRICE"]) for p in products)
    inv = p1_retail.read_table("INVENTORY")
    assert {i["WAREHOUSE"] for i in inv} == {"DC-EAST", "DC-WEST"}


def test_regeneration_is_byte_stable():
    files = generate.build()
    for table, blob in files.items():
        assert (DATA / f"{table}.csv.gz").read_bytes() == blob, table
    assert generate.build() == files


def test_oracle_ddl_declares_every_table_and_the_objects_to_convert():
    ddl = (p1_retail.ROOT / "oracle" / "schema.sql").read_text()
    for table, cols in generate.COLUMNS.items():
        assert f"CREATE TABLE RETAIL.{table} (" in ddl
        body = ddl.split(f"CREATE TABLE RETAIL.{table} (")[1].split(") TABLESPACE")[0]
        for col in cols:
            assert re.search(rf"^\s+{col}\s+(NUMBER|VARCHAR2|DATE|CLOB)", body, re.M), (table, col)
    for needle in (
        "ORDERS_SEQ",
        "BEFORE INSERT",
        "PACKAGE BODY RETAIL.PKG_ORDERS",
        "NVL(",
        "DECODE(",
        "ROWNUM",
        "SYSDATE",
        "CLOB",
    ):
        assert needle in ddl


# ---------------------------------------------------------------- load into RDS PostgreSQL


@pytest.fixture(scope="module")
def database(emulator):
    rds = emulator_client(emulator.endpoint_url, "rds")
    ident = f"p1-retail-{uuid.uuid4().hex[:6]}"
    rds.create_db_instance(
        DBInstanceIdentifier=ident,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="master",
        MasterUserPassword="password123",
        DBName="shop",
    )
    ep = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["Endpoint"]
    conninfo = (
        f"host={ep['Address']} port={ep['Port']} user=master password=password123 dbname=shop"
    )
    yield conninfo
    rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)


def expected_counts() -> dict[str, int]:
    return {t.lower(): len(p1_retail.read_table(t)) for t in p1_retail.TABLES}


def test_load_postgres_returns_the_counts_and_the_data_round_trips(database):
    counts = p1_retail.load_postgres(database)
    assert counts == expected_counts()
    assert list(counts) == [t.lower() for t in p1_retail.TABLES]
    with psycopg.connect(database, autocommit=True) as conn:
        for table, n in counts.items():
            assert conn.execute(f"SELECT count(*) FROM public.{table}").fetchone()[0] == n
        lines = p1_retail.read_table("ORDER_LINES")
        csv_sum = sum(int(r["QUANTITY"]) * Decimal(r["UNIT_PRICE"]) for r in lines)
        db_sum = conn.execute("SELECT sum(quantity * unit_price) FROM order_lines").fetchone()[0]
        assert db_sum == csv_sum
        csv_total = sum(Decimal(r["TOTAL_AMOUNT"]) for r in p1_retail.read_table("ORDERS"))
        assert conn.execute("SELECT sum(total_amount) FROM orders").fetchone()[0] == csv_total
        csv_weight = sum(Decimal(r["WEIGHT_KG"]) for r in p1_retail.read_table("PRODUCTS"))
        assert conn.execute("SELECT sum(weight_kg) FROM products").fetchone()[0] == csv_weight
        opt_in = sum(r["MARKETING_OPT_IN"] == "1" for r in p1_retail.read_table("CUSTOMERS"))
        got = conn.execute("SELECT count(*) FROM customers WHERE marketing_opt_in").fetchone()[0]
        assert got == opt_in
        first = p1_retail.read_table("ORDERS")[0]
        row = conn.execute(
            "SELECT to_char(order_date, 'YYYY-MM-DD HH24:MI:SS'), status, shipping_address "
            "FROM orders WHERE order_id = %s",
            (int(first["ORDER_ID"]),),
        ).fetchone()
        assert row == (first["ORDER_DATE"], first["STATUS"], first["SHIPPING_ADDRESS"] or None)
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'products'"
            ).fetchall()
        )
        assert types["description"] == "text" and types["active"] == "boolean"
        assert types["price"] == "numeric" and types["created_at"].startswith("timestamp")
        # identities are past the loaded ids; the package functions work
        new_id = conn.execute(
            "INSERT INTO orders (customer_id, status, total_amount) VALUES (1001, 'NEW', 0) "
            "RETURNING order_id"
        ).fetchone()[0]
        assert new_id > max(int(o["ORDER_ID"]) for o in p1_retail.read_table("ORDERS"))
        oid = int(first["ORDER_ID"])
        assert conn.execute("SELECT pkg_orders.order_total(%s)", (oid,)).fetchone()[0] == Decimal(
            first["TOTAL_AMOUNT"]
        )
        assert (
            conn.execute("SELECT pkg_orders.status_label('SHIPPED')").fetchone()[0] == "On its way"
        )
    # load again (replaces what is there, including the row inserted above), into another schema
    assert p1_retail.load_postgres(database) == expected_counts()
    with psycopg.connect(database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 15000
        assert p1_retail.load_postgres(conn, schema="legacy_copy") == expected_counts()
        assert conn.execute("SELECT count(*) FROM legacy_copy.order_lines").fetchone()[0] == len(
            p1_retail.read_table("ORDER_LINES")
        )
