"""Load the migrated shop database: ``migrated/schema.sql`` plus the Oracle export, by COPY."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labkit.datasets.p1_retail.oracle_export import TABLES, columns, raw_csv

SCHEMA_SQL = Path(__file__).resolve().parent / "migrated" / "schema.sql"
# identity columns: table -> column (set past the loaded ids after the COPY)
IDENTITIES = {
    "categories": "category_id",
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
}


def schema_sql() -> str:
    """The PostgreSQL DDL of the migrated schema (unqualified names)."""
    return SCHEMA_SQL.read_text()


def _connect(conninfo: Any):
    import psycopg

    if isinstance(conninfo, psycopg.Connection):
        return conninfo, False
    return psycopg.connect(str(conninfo), connect_timeout=10), True


def load_postgres(conninfo: Any, schema: str = "public") -> dict[str, int]:
    """Create the migrated schema in ``schema`` and COPY every table of the export into it.

    ``conninfo``: a conninfo string, a ``postgresql://`` URL or an open psycopg connection
    (left open; its search_path is left pointing at ``schema``). Existing tables of the same
    names in ``schema`` (and the ``pkg_orders`` functions) are dropped first. Identity columns
    are set past the loaded ids. Returns rows loaded per table, lower-case names, load order.
    """
    from psycopg import sql

    conn, owned = _connect(conninfo)
    try:
        was_autocommit = conn.autocommit
        if conn.autocommit:
            conn.autocommit = False
        else:
            conn.commit()  # start from a clean transaction
        counts: dict[str, int] = {}
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            cur.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            for table in reversed(TABLES):
                cur.execute(
                    sql.SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(
                        sql.Identifier(schema), sql.Identifier(table.lower())
                    )
                )
            for fn in ("customers_lower_email", "set_updated_at", "products_default_image"):
                cur.execute(
                    sql.SQL("DROP FUNCTION IF EXISTS {}.{}() CASCADE").format(
                        sql.Identifier(schema), sql.Identifier(fn)
                    )
                )
            cur.execute("DROP SCHEMA IF EXISTS pkg_orders CASCADE")
            cur.execute(schema_sql())
            for table in TABLES:
                name = table.lower()
                cols = sql.SQL(", ").join(sql.Identifier(c.lower()) for c in columns(table))
                stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
                    sql.Identifier(name), cols
                )
                with cur.copy(stmt) as copy:
                    copy.write(raw_csv(table))
                counts[name] = cur.rowcount
            for name, col in IDENTITIES.items():
                cur.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), "
                        "(SELECT coalesce(max({}), 0) + 1 FROM {}), false)"
                    ).format(sql.Identifier(col), sql.Identifier(name)),
                    (f'"{schema}"."{name}"', col),
                )
            for table in TABLES:
                cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.lower())))
        conn.commit()
        if was_autocommit:
            conn.autocommit = True
            if not owned:
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        return counts
    except BaseException:
        conn.rollback()
        raise
    finally:
        if owned:
            conn.close()
