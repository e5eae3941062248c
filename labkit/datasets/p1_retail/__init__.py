"""Project 1's on-premises estate: a retail company's e-commerce platform before migration.

Everything the Project 1 labs work from, as files (``ROOT``) and a few helpers:

    from labkit.datasets import p1_retail
    p1_retail.ROOT                          # this folder (read-only; copy what you change)
    p1_retail.TABLES                        # Oracle tables in load order (parents first)
    p1_retail.read_table("ORDERS")          # rows of the Oracle export, as dicts of strings
    p1_retail.load_postgres(conninfo)       # the migrated PostgreSQL schema, loaded
    with p1_retail.start_shop(database_url) as shop:   # the web application, on loopback
        shop.url

Folders: ``inventory/`` (servers, connections), ``configs/`` (Apache, Tomcat), ``oracle/``
(schema DDL, data export), ``nfs/`` (product images), ``costs/`` (on-prem cost sheet, AWS
price list for the exercises), ``app/`` (the shop application), ``migrated/`` (the PostgreSQL
schema the migration produces in week 5: a spoiler for the week 4 conversion exercise).
README.md describes every file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent

# parents before children: the order a load (or a foreign-key-safe delete, reversed) follows
TABLES = ("CATEGORIES", "CUSTOMERS", "PRODUCTS", "INVENTORY", "ORDERS", "ORDER_LINES")


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of Oracle table ``name`` from its export (``oracle/data/<NAME>.csv.gz``)."""
    from labkit.datasets.p1_retail.oracle_export import read_table as read

    return read(name)


def load_postgres(conninfo: Any, schema: str = "public") -> dict[str, int]:
    """Create the migrated schema (``migrated/schema.sql``) in ``schema`` of the PostgreSQL
    database at ``conninfo`` (a conninfo string, URL or open psycopg connection) and load every
    table; returns rows loaded per table (lower-case names). Replaces what is there."""
    from labkit.datasets.p1_retail.migrated_load import load_postgres as load

    return load(conninfo, schema=schema)


def start_shop(database_url: str, **options: Any) -> Any:
    """Start the shop application on loopback in a background thread; see
    ``labkit.datasets.p1_retail.shop_server.start_shop`` for the options."""
    from labkit.datasets.p1_retail.shop_server import start_shop as start

    return start(database_url, **options)
