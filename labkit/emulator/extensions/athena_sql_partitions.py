"""Athena's partition statements on the Glue Data Catalog, for ``athena_sql``.

- ``MSCK REPAIR TABLE t``: registers the Hive-style ``k=v/`` prefixes found under the table's
  location that Glue does not know yet (Hive's "Partitions not in metastore" report as rows);
- ``ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (k = 'v', ...) [LOCATION 's3://...'] ...``:
  registers partitions (default location ``<table location>/k=v/``); an existing one fails
  with Hive's AlreadyExistsException unless IF NOT EXISTS;
- ``ALTER TABLE t DROP [IF EXISTS] PARTITION (k = 'v', ...), ...``: unregisters them (the data
  stays in S3).

moto internals used (check them on a moto upgrade): ``GlueBackend.create_partition``,
``delete_partition`` (``PartitionAlreadyExistsException``, ``PartitionNotFoundException``) and
``FakeTable.partitions``, ``FakeTable.as_dict()``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from labkit.emulator.extensions import athena_sql_catalog as catalog
from labkit.emulator.extensions.athena_sql_ddl import (
    DDL_TASK,
    NAME,
    QUALIFIED,
    STRING,
    existing_table,
    failed,
    match,
    rows,
    unquote_name,
)
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError
from labkit.emulator.extensions.athena_sql_results import ResultSet

if TYPE_CHECKING:
    from labkit.emulator.extensions.athena_sql_engine import Run


def partitioned_spec(run: Run, table: Any) -> catalog.TableSpec:
    spec = catalog.table_spec(table.as_dict())
    if not spec.partition_keys:
        raise failed(
            f"FAILED: SemanticException table is not partitioned but partition spec "
            f"exists: {table.name}"
        )
    return spec


def _add(run: Run, table: Any, values: list[str | None], location: str | None) -> bool:
    from moto.glue.exceptions import PartitionAlreadyExistsException

    spec = partitioned_spec(run, table)
    sd = dict(table.as_dict().get("StorageDescriptor") or {})
    sd["Location"] = location or catalog.default_location(spec, tuple(values))
    stored = [catalog.HIVE_NULL if v is None else v for v in values]
    try:
        catalog.glue(run.job.account, run.job.region).create_partition(
            table.database_name, table.name, {"Values": stored, "StorageDescriptor": sd}
        )
    except PartitionAlreadyExistsException:
        return False
    return True


def _msck(run: Run, query: str) -> ResultSet:
    m = match(rf"MSCK\s+REPAIR\s+TABLE\s+{QUALIFIED}\s*$", query, "MSCK REPAIR TABLE name")
    table = existing_table(run, m.group(1))
    spec = partitioned_spec(run, table)
    known = {tuple(p.values) for p in table.partitions.values()}
    missing = [
        p
        for p in catalog.discover(spec, run.listing)
        if tuple(catalog.HIVE_NULL if v is None else v for v in p.values) not in known
    ]
    if not missing:
        return rows("result", [])
    names = [
        f"{table.name}:{catalog.hive_path(spec.key_names, p.values).rstrip('/')}" for p in missing
    ]
    for p in missing:
        _add(run, table, list(p.values), p.location)
    return rows(
        "result",
        ["Partitions not in metastore:\t" + "\t".join(names)]
        + [f"Repair: Added partition to metastore {n}" for n in names],
    )


def _partition_specs(text: str, keys: list[str]) -> list[tuple[list[str | None], str | None]]:
    specs = []
    pattern = rf"PARTITION\s*\(([^)]*)\)(?:\s*LOCATION\s+{STRING})?"
    for m in re.finditer(pattern, text, re.I):
        pairs = {}
        for pm in re.finditer(rf"({NAME})\s*=\s*(?:{STRING}|\"([^\"]*)\"|([\w.\-]+))", m.group(1)):
            value = next(v for v in pm.groups()[1:] if v is not None)
            pairs[unquote_name(pm.group(1))] = value.replace("''", "'")
        if sorted(pairs) != sorted(keys):
            raise failed(
                f"FAILED: SemanticException [Error 10098]: Partition spec {pairs} "
                f"does not match the partition keys {keys}"
            )
        location = m.group(2).replace("''", "'") if m.group(2) is not None else None
        specs.append(([pairs[k] for k in keys], location))
    if not specs:
        raise AthenaQueryError("SYNTAX_ERROR", "line 1:1: expected PARTITION (key = 'value', ...)")
    return specs


def _alter_add(run: Run, query: str) -> ResultSet:
    m = match(
        rf"ALTER\s+TABLE\s+{QUALIFIED}\s+ADD\s+(IF\s+NOT\s+EXISTS\s+)?(.*)$",
        query,
        "ALTER TABLE name ADD|DROP PARTITION (...)",
    )
    table = existing_table(run, m.group(1))
    keys = [k.name for k in partitioned_spec(run, table).partition_keys]
    for values, location in _partition_specs(m.group(3), keys):
        if location is not None:
            catalog.split_s3(location)
        if not _add(run, table, list(values), location) and not m.group(2):
            raise failed(
                f"{DDL_TASK}AlreadyExistsException(message:Partition already exists: "
                f"{dict(zip(keys, values, strict=True))})"
            )
    return ResultSet(header=False)


def _alter_drop(run: Run, query: str) -> ResultSet:
    from moto.glue.exceptions import PartitionNotFoundException

    m = match(
        rf"ALTER\s+TABLE\s+{QUALIFIED}\s+DROP\s+(IF\s+EXISTS\s+)?(.*)$",
        query,
        "ALTER TABLE name ADD|DROP PARTITION (...)",
    )
    table = existing_table(run, m.group(1))
    keys = [k.name for k in partitioned_spec(run, table).partition_keys]
    glue = catalog.glue(run.job.account, run.job.region)
    for values, _ in _partition_specs(m.group(3), keys):
        try:
            glue.delete_partition(table.database_name, table.name, values)
        except PartitionNotFoundException:
            if not m.group(2):
                raise failed(
                    f"FAILED: SemanticException [Error 10006]: Partition not found "
                    f"{dict(zip(keys, values, strict=True))}"
                ) from None
    return ResultSet(header=False)


HANDLERS = {
    "MSCK_REPAIR_TABLE": _msck,
    "ALTER_TABLE_ADD_PARTITION": _alter_add,
    "ALTER_TABLE_DROP_PARTITION": _alter_drop,
}
