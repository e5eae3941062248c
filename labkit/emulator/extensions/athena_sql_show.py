"""Athena's SHOW and DESCRIBE statements on the Glue Data Catalog, for ``athena_sql``.

``SHOW TABLES [IN db] ['pattern']``, ``SHOW DATABASES|SCHEMAS [LIKE 'pattern']``,
``SHOW PARTITIONS t``, ``SHOW COLUMNS IN t [IN db]`` and ``DESCRIBE t``; the rows come without
a header row, as Athena returns them for utility statements (patterns: ``*`` any characters,
``|`` alternatives).

moto internals read: ``GlueBackend.databases`` and ``FakeTable.partitions`` (through
``athena_sql_catalog`` and ``athena_sql_ddl``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from labkit.emulator.extensions import athena_sql_catalog as catalog
from labkit.emulator.extensions.athena_sql_ddl import (
    NAME,
    QUALIFIED,
    STRING,
    db_exists,
    existing_table,
    match,
    rows,
    unquote_name,
)
from labkit.emulator.extensions.athena_sql_partitions import partitioned_spec
from labkit.emulator.extensions.athena_sql_results import ResultSet

if TYPE_CHECKING:
    from labkit.emulator.extensions.athena_sql_engine import Run


def _pattern(text: str | None) -> re.Pattern[str] | None:
    if text is None:
        return None
    return re.compile("|".join(re.escape(p).replace(r"\*", ".*") for p in text.split("|")), re.I)


def _show_tables(run: Run, query: str) -> ResultSet:
    m = match(
        rf"SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+({NAME}))?(?:\s+(?:LIKE\s+)?{STRING})?\s*$",
        query,
        "SHOW TABLES [IN db]",
    )
    db = db_exists(run, unquote_name(m.group(1)) if m.group(1) else run.job.database)
    pattern = _pattern(m.group(2))
    names = sorted(n.lower() for n in db.tables if pattern is None or pattern.fullmatch(n))
    return rows("tab_name", names)


def _show_databases(run: Run, query: str) -> ResultSet:
    m = match(rf"SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+LIKE\s+{STRING})?\s*$", query, "SHOW DATABASES")
    pattern = _pattern(m.group(1))
    names = [n.lower() for n in catalog.glue(run.job.account, run.job.region).databases]
    return rows(
        "database_name", sorted(n for n in names if pattern is None or pattern.fullmatch(n))
    )


def _show_partitions(run: Run, query: str) -> ResultSet:
    m = match(rf"SHOW\s+PARTITIONS\s+{QUALIFIED}\s*$", query, "SHOW PARTITIONS name")
    table = existing_table(run, m.group(1))
    spec = partitioned_spec(run, table)
    values = [
        tuple(None if v == catalog.HIVE_NULL else v for v in p.values)
        for p in table.partitions.values()
    ]
    return rows(
        "partition", sorted(catalog.hive_path(spec.key_names, v).rstrip("/") for v in values)
    )


def _show_columns(run: Run, query: str) -> ResultSet:
    m = match(
        rf"SHOW\s+COLUMNS\s+(?:IN|FROM)\s+{QUALIFIED}(?:\s+(?:IN|FROM)\s+({NAME}))?\s*$",
        query,
        "SHOW COLUMNS IN name",
    )
    qualified = f"{m.group(2)}.{m.group(1)}" if m.group(2) else m.group(1)
    spec = catalog.table_spec(existing_table(run, qualified).as_dict())
    return rows("field", [c.name for c in spec.all_columns])


def _describe(run: Run, query: str) -> ResultSet:
    m = match(
        rf"(?:DESCRIBE|DESC)\s+(?:EXTENDED\s+|FORMATTED\s+)?{QUALIFIED}\s*$", query, "DESCRIBE name"
    )
    raw = existing_table(run, m.group(1)).as_dict()
    sd = raw.get("StorageDescriptor") or {}

    def line(c: dict[str, str]) -> str:
        return f"{c['Name'].lower():<20}\t{c.get('Type', ''):<20}\t{c.get('Comment', '')}"

    lines = [line(c) for c in sd.get("Columns") or []]
    keys = raw.get("PartitionKeys") or []
    if keys:
        lines += [
            "",
            "# Partition Information",
            f"{'# col_name':<20}\t{'data_type':<20}\tcomment",
            "",
        ]
        lines += [line(c) for c in keys]
    return rows("col_name", lines)


HANDLERS = {
    "SHOW_TABLES": _show_tables,
    "SHOW_DATABASES": _show_databases,
    "SHOW_PARTITIONS": _show_partitions,
    "SHOW_COLUMNS": _show_columns,
    "DESCRIBE_TABLE": _describe,
}
