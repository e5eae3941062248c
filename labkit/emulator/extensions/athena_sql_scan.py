"""A Glue table as a DuckDB relation over local copies of its S3 objects (``athena_sql``).

:func:`scan` lists the table's objects in moto's S3 (only those of the partitions the query
keeps, see :func:`prune`), has :class:`~athena_sql_cache.ObjectCache` materialise them, and
returns a DuckDB subquery that yields exactly the table's columns, in order, with their
declared types:

- Parquet: ``read_parquet`` by column name (case-insensitive, as Athena maps Parquet columns);
  a declared column no file has is NULL, values are cast to the declared type;
- JSON lines: ``read_ndjson_objects``; keys match columns case-insensitively (the OpenX SerDe's
  default); a value that does not convert is NULL; malformed lines fail the query with
  ``HIVE_CURSOR_ERROR`` unless ``ignore.malformed.json`` is set;
- delimited text: ``read_csv`` with the SerDe's delimiter, quote and escape characters, no
  header, ``skip.header.line.count`` lines skipped per file, missing fields NULL, extra fields
  ignored, ``\\N`` as NULL (LazySimpleSerDe), arrays of scalars split on ``\\x02``;
- partition keys come from the path (``hive_partitioning``), cast to their declared types.

:func:`prune` evaluates the query's conditions on partition keys against the partitions'
values in DuckDB itself, so only the files of matching partitions are copied and read.

No moto internals are used here (see athena_sql_catalog and athena_sql_cache).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.emulator.extensions.athena_sql_cache import ObjectCache, layout_path
from labkit.emulator.extensions.athena_sql_catalog import (
    Column,
    Listing,
    Partition,
    S3Object,
    TableSpec,
    partitions,
)
from labkit.emulator.extensions.athena_sql_errors import not_supported
from labkit.emulator.extensions.athena_sql_types import duckdb_type, literal, quote

_NEVER_NULL = "\x00labkit-no-null-marker\x00"


@dataclass
class Scan:
    sql: str  # a parenthesised DuckDB subquery
    objects: list[S3Object]

    @property
    def bytes(self) -> int:
        return sum(o.size for o in self.objects)


class ParquetColumns:
    """Column names of cached Parquet files (files never change: they are keyed by ETag)."""

    def __init__(self) -> None:
        self._names: dict[Path, frozenset[str]] = {}
        self._lock = threading.Lock()

    def of(self, cursor: Any, files: list[Path]) -> list[frozenset[str]]:
        missing = [f for f in files if f not in self._names]
        if missing:
            rows = cursor.execute(
                "SELECT file_name, lower(name), coalesce(num_children, 0) FROM parquet_schema(?)",
                [[str(f) for f in missing]],
            ).fetchall()
            by_file: dict[str, list[tuple[str, int]]] = {}
            for file_name, name, children in rows:
                by_file.setdefault(file_name, []).append((name, children))
            with self._lock:
                for f in missing:
                    self._names[f] = frozenset(_top_level(by_file.get(str(f), [])))
        return [self._names[f] for f in files]

    def clear(self) -> None:
        with self._lock:
            self._names.clear()


def _top_level(schema: list[tuple[str, int]]) -> list[str]:
    """Top-level column names of a depth-first Parquet schema (first entry: the root)."""
    names: list[str] = []
    if not schema:
        return names
    pos = 1

    def skip(children: int) -> None:
        nonlocal pos
        for _ in range(children):
            _, grand = schema[pos]
            pos += 1
            skip(grand)

    for _ in range(schema[0][1]):
        name, children = schema[pos]
        names.append(name)
        pos += 1
        skip(children)
    return names


def prune(
    cursor: Any, spec: TableSpec, parts: list[Partition], conditions: list[str] | None
) -> list[Partition]:
    """The partitions whose values satisfy every condition (DuckDB SQL over the partition
    key names); ``None`` keeps them all. A condition DuckDB cannot evaluate is ignored."""
    if not conditions or not parts:
        return parts
    keys = spec.partition_keys
    # The values travel as list parameters: binding a long VALUES list costs far more.
    columns = ", ".join(
        f"TRY_CAST(unnest(${i + 1}) AS {duckdb_type(k.type)}) AS {quote(k.name)}"
        for i, k in enumerate(keys)
    )
    source = f"(SELECT unnest(range(len($1))) AS __i, {columns})"
    params = [[p.values[i] for p in parts] for i in range(len(keys))]
    keep = set(range(len(parts)))
    # All conditions at once; one at a time (skipping those DuckDB cannot evaluate alone)
    # only when that fails.
    attempts = [conditions] if len(conditions) == 1 else [conditions, *([c] for c in conditions)]
    for attempt in attempts:
        where = " AND ".join(f"({c})" for c in attempt)
        try:
            found = cursor.execute(
                f"SELECT __i FROM {source} AS p WHERE {where}", params
            ).fetchall()
        except Exception:  # noqa: BLE001 - not evaluable alone: that condition does not prune
            continue
        keep &= {row[0] for row in found}
        if attempt is conditions:
            break
    return [p for i, p in enumerate(parts) if i in keep]


def scan(
    cursor: Any,
    account: str,
    region: str,
    spec: TableSpec,
    conditions: list[list[str]] | None,
    listing: Listing,
    cache: ObjectCache,
    parquet: ParquetColumns,
) -> Scan:
    """The table as a DuckDB subquery. ``conditions`` holds, per reference to the table in the
    query, the conditions on its partition keys; None reads every partition."""
    if spec.read is None:
        raise not_supported(f"{spec.unreadable} for table '{spec.qualified}'")
    if not spec.location:
        return Scan(_empty(spec), [])
    objects: list[S3Object] = []
    files: list[Path] = []
    if spec.partition_keys:
        names = spec.key_names
        found = partitions(account, region, spec, listing)
        if conditions is None:
            kept = found
        else:  # a partition any reference to the table needs
            wanted = {id(p) for conds in conditions for p in prune(cursor, spec, found, conds)}
            kept = [p for p in found if id(p) in wanted]
        for part in kept:
            layout = layout_path(names, part.values)
            for obj in listing.objects(
                part.location if part.location.endswith("/") else part.location + "/"
            ):
                objects.append(obj)
                files.append(cache.path(obj, layout))
    else:
        for obj in listing.objects(spec.location):
            objects.append(obj)
            files.append(cache.path(obj))
    if not files:
        return Scan(_empty(spec), objects)
    read = spec.read
    hive = bool(spec.partition_keys)
    if read.kind == "parquet":
        sql = _parquet(cursor, spec, files, hive, parquet)
    elif read.kind == "json":
        sql = _json(spec, files, hive)
    else:
        sql = _text(spec, files, hive)
    return Scan(sql, objects)


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(literal(str(f)) for f in files) + "]"


def _hive_args(spec: TableSpec, hive: bool) -> str:
    if not hive:
        return "hive_partitioning = false"
    types = ", ".join(f"{literal(k.name)}: 'VARCHAR'" for k in spec.partition_keys)
    return f"hive_partitioning = true, hive_types = {{{types}}}"


def _keys(spec: TableSpec) -> list[str]:
    return [
        f"CAST({quote(k.name)} AS {duckdb_type(k.type)}) AS {quote(k.name)}"
        for k in spec.partition_keys
    ]


def _empty(spec: TableSpec) -> str:
    cols = ", ".join(
        f"CAST(NULL AS {duckdb_type(c.type)}) AS {quote(c.name)}" for c in spec.all_columns
    )
    return f"(SELECT {cols or '1 AS _empty'} WHERE false)"


def _parquet(
    cursor: Any, spec: TableSpec, files: list[Path], hive: bool, parquet: ParquetColumns
) -> str:
    schemas = parquet.of(cursor, files)
    present = frozenset().union(*schemas)
    union = len(set(schemas)) > 1
    cols = [
        f"CAST({quote(c.name)} AS {duckdb_type(c.type)}) AS {quote(c.name)}"
        if c.name in present
        else f"CAST(NULL AS {duckdb_type(c.type)}) AS {quote(c.name)}"
        for c in spec.columns
    ]
    options = _hive_args(spec, hive) + (", union_by_name = true" if union else "")
    select = ", ".join(cols + _keys(spec)) or "1 AS _empty"
    return f"(SELECT {select} FROM read_parquet({_file_list(files)}, {options}))"


def _json_value(name: str) -> str:
    exact = literal(f'$."{name}"')
    folded = (
        f"""json -> ('$."' || list_filter(json_keys(json), lambda k: lower(k) = """
        f"""{literal(name)})[1] || '"')"""
    )
    return f"COALESCE(json -> {exact}, {folded})"


def _json(spec: TableSpec, files: list[Path], hive: bool) -> str:
    assert spec.read is not None
    cols = []
    for c in spec.columns:
        value = _json_value(c.name)
        if c.type.name in ("array", "map", "struct"):
            cols.append(f"TRY_CAST({value} AS {duckdb_type(c.type)}) AS {quote(c.name)}")
        else:
            cols.append(f"TRY_CAST({value} ->> '$' AS {duckdb_type(c.type)}) AS {quote(c.name)}")
    ignore = "true" if spec.read.ignore_malformed else "false"
    options = f"{_hive_args(spec, hive)}, ignore_errors = {ignore}"
    select = ", ".join(cols + _keys(spec)) or "1 AS _empty"
    return f"(SELECT {select} FROM read_ndjson_objects({_file_list(files)}, {options}))"


def _text_column(raw: str, column: Column) -> str:
    t = column.type
    if t.name == "string" or t.name in ("varchar", "char"):
        return f"{raw} AS {quote(column.name)}"
    if t.name == "array" and t.children[0].name not in ("array", "map", "struct"):
        element = duckdb_type(t.children[0])
        return (
            f"list_transform(string_split({raw}, '\x02'), lambda x: TRY_CAST(x AS {element}))"
            f" AS {quote(column.name)}"
        )
    return f"TRY_CAST({raw} AS {duckdb_type(t)}) AS {quote(column.name)}"


def _text(spec: TableSpec, files: list[Path], hive: bool) -> str:
    read = spec.read
    assert read is not None
    n = max(len(spec.columns), 1)
    raw = [f"column{i}" for i in range(n)]
    columns = "{" + ", ".join(f"{literal(r)}: 'VARCHAR'" for r in raw) + "}"
    null = _NEVER_NULL if read.null_format is None else read.null_format
    options = [
        f"columns = {columns}",
        f"delim = {literal(read.delimiter)}",
        f"quote = {literal(read.quote)}",
        f"escape = {literal(read.escape)}",
        "header = false",
        f"skip = {read.skip_header}",
        "auto_detect = false",
        "null_padding = true",
        "strict_mode = false",
        f"nullstr = {literal(null)}",
        _hive_args(spec, hive),
    ]
    cols = [_text_column(quote(r), c) for r, c in zip(raw, spec.columns, strict=False)]
    select = ", ".join(cols + _keys(spec)) or "1 AS _empty"
    return f"(SELECT {select} FROM read_csv({_file_list(files)}, {', '.join(options)}))"
