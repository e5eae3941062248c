"""``CREATE TABLE AS SELECT`` and ``INSERT INTO``: query results written to S3 and Glue.

DuckDB writes the rows to a scratch directory (``COPY ... PARTITION_BY`` for partitioned
tables); each file is then stored in moto's S3 under the table's location (``k=v/`` prefixes
for partitions, Hive's escaping) and the Glue catalog is updated, as Athena does:

- CTAS ``WITH (format = 'PARQUET' | 'JSON' | 'TEXTFILE', external_location = 's3://...',
  partitioned_by = ARRAY['col', ...], write_compression = 'GZIP' | 'SNAPPY' | 'ZSTD' | 'NONE',
  field_delimiter = ',')``; Parquet by default, GZIP by default for every format (as Athena);
  without ``external_location`` the data goes to ``<output location>tables/<query id>/``;
  partition columns must come last in the SELECT list; an ``external_location`` that already
  holds objects fails with ``HIVE_PATH_ALREADY_EXISTS``; ``WITH NO DATA`` only creates the
  table. The Glue table gets the columns and types of the result (Hive types), the SerDe and
  input/output formats Athena uses for the format, and its partitions.
- INSERT INTO ``t [(cols)]`` SELECT/VALUES writes new files in the table's own format (its
  delimiter, quote character; Parquet/JSON/text) under its location, casting each value to the
  column's declared type, and registers new partitions (a table read from unregistered
  ``k=v/`` prefixes first gets those registered, so none disappears).

Not supported (NOT_SUPPORTED): ORC, AVRO and ION output, bucketing, Iceberg tables.
UpdateCount is the number of rows written.

moto internals used (check them on a moto upgrade): ``S3Backend.put_object(bucket_name,
key_name, value)``, ``GlueBackend.create_table(database_name, table_name, table_input)``,
``GlueBackend.create_partition(database_name, table_name, part_input)``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlglot import exp

from labkit.emulator.extensions import athena_sql_catalog as catalog
from labkit.emulator.extensions.athena_sql_catalog import Column, TableSpec
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, not_supported, position
from labkit.emulator.extensions.athena_sql_results import ResultColumn, ResultSet
from labkit.emulator.extensions.athena_sql_translate import table_offset
from labkit.emulator.extensions.athena_sql_types import duckdb_type, hive_type, literal, quote

if TYPE_CHECKING:
    from labkit.emulator.extensions.athena_sql_engine import Run

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
HCAT_JSON = "org.apache.hive.hcatalog.data.JsonSerDe"
_CODECS = {
    "GZIP": "gzip",
    "SNAPPY": "snappy",
    "ZSTD": "zstd",
    "NONE": "uncompressed",
    "UNCOMPRESSED": "uncompressed",
}


def _properties(create: exp.Create) -> dict[str, Any]:
    """CTAS ``WITH (...)`` properties: name -> string or list of strings."""
    found: dict[str, Any] = {}
    props = create.args.get("properties")
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.FileFormatProperty):
            found["format"] = prop.this.name
        elif isinstance(prop, exp.PartitionedByProperty):
            found["partitioned_by"] = _strings(prop.this)
        elif isinstance(prop, exp.WithDataProperty):
            continue
        elif isinstance(prop, exp.Property):
            found[prop.name.lower()] = _strings(prop.args.get("value"))
        else:
            key = type(prop).__name__.removesuffix("Property").lower()
            found[key] = prop.sql("trino")
    return found


def _strings(value: Any) -> Any:
    if isinstance(value, exp.Array | exp.Tuple | exp.Schema):
        return [e.name for e in value.expressions]
    return value.name if isinstance(value, exp.Expression) else value


def create_table_as(run: Run, tree: exp.Expression) -> ResultSet:
    if not isinstance(tree, exp.Create) or tree.expression is None:
        raise AthenaQueryError("SYNTAX_ERROR", "line 1:1: expected CREATE TABLE ... AS SELECT")
    job = run.job
    target = tree.this if isinstance(tree.this, exp.Table) else tree.this.this
    database, name = (target.db or job.database), target.name.lower()
    props = _properties(tree)
    for unsupported in ("bucketed_by", "bucket_count"):
        if unsupported in props:
            raise not_supported("Bucketing (bucketed_by, bucket_count)")
    if str(props.get("table_type", "HIVE")).upper() != "HIVE":
        raise not_supported(f"table_type '{props['table_type']}'")
    fmt = str(props.get("format", "PARQUET")).upper()
    codec = str(props.get("write_compression") or props.get("parquet_compression") or "GZIP")
    if catalog.find_raw_table(job.account, job.region, database, name) is not None:
        raise AthenaQueryError(
            "TABLE_ALREADY_EXISTS",
            f"line 1:1: Table '{catalog.DEFAULT_CATALOG}.{database.lower()}.{name}' already exists",
            1003,
        )
    location = props.get("external_location") or f"{job.output_dir}tables/{job.execution_id}/"
    location = location if location.endswith("/") else location + "/"
    bucket, _ = catalog.split_s3(location)
    if not run.listing.bucket_exists(bucket):
        raise AthenaQueryError(
            "HIVE_FILESYSTEM_ERROR", f"Amazon S3 bucket not found: {bucket}", 1306
        )
    if run.listing.objects(location):
        raise AthenaQueryError(
            "HIVE_PATH_ALREADY_EXISTS",
            f"Target directory for table '{database.lower()}.{name}' already exists: {location}",
            1003,
        )
    compiled = run.compile(tree.expression)
    described = run.execute(f"SELECT * FROM {_paren(compiled.sql)} LIMIT 0").description
    names = [d[0].lower() for d in described]
    for i, n in enumerate(names):
        if n.startswith("_col") and n[4:].isdigit():
            raise AthenaQueryError(
                "MISSING_COLUMN_NAME", f"line 1:1: Column name not specified at position {i + 1}"
            )
    if len(set(names)) != len(names):
        raise AthenaQueryError(
            "DUPLICATE_COLUMN_NAME", "line 1:1: Column name specified more than once", 1004
        )
    columns = [Column(n, hive_type(d[1])) for n, d in zip(names, described, strict=True)]
    keys = [str(k).lower() for k in props.get("partitioned_by") or []]
    if keys != names[len(names) - len(keys) :] or len(keys) >= len(names) and keys:
        raise AthenaQueryError(
            "HIVE_COLUMN_ORDER_MISMATCH",
            f"Partition keys must be the last columns in the table and in the same order as the "
            f"table properties: {keys}",
            1004,
        )
    spec = TableSpec(
        database=database,
        name=name,
        columns=columns[: len(columns) - len(keys)],
        partition_keys=columns[len(columns) - len(keys) :],
        location=location,
        read=None,
    )
    table_input = _table_input(spec, fmt, codec, props.get("field_delimiter"))
    spec.read, _ = catalog.read_format(table_input["StorageDescriptor"], table_input["Parameters"])
    count = 0
    written: list[tuple[str | None, ...]] = []
    if not _no_data(tree):
        count, written = _write(run, spec, compiled.sql, fmt, codec)
    glue = catalog.glue(job.account, job.region)
    glue.create_table(
        catalog.find_database(job.account, job.region, database).name, name, table_input
    )
    _register(run, spec, written)
    return _count(count)


def _no_data(tree: exp.Create) -> bool:
    props = tree.args.get("properties")
    return any(
        isinstance(p, exp.WithDataProperty) and p.args.get("no")
        for p in (props.expressions if props else [])
    )


def _paren(sql: str) -> str:
    return f"({sql})"


def _table_input(spec: TableSpec, fmt: str, codec: str, delimiter: Any) -> dict[str, Any]:
    if codec.upper() not in _CODECS:
        raise not_supported(f"write_compression '{codec}'")
    params = {"EXTERNAL": "TRUE", "has_encrypted_data": "false"}
    if fmt == "PARQUET":
        serde = {"SerializationLibrary": catalog.PARQUET_SERDE, "Parameters": {}}
        formats = (PARQUET_INPUT, PARQUET_OUTPUT)
        params.update({"classification": "parquet", "parquet.compression": codec.upper()})
    elif fmt == "JSON":
        serde = {"SerializationLibrary": HCAT_JSON, "Parameters": {}}
        formats = (TEXT_INPUT, TEXT_OUTPUT)
        params.update({"classification": "json", "write.compression": codec.upper()})
    elif fmt == "TEXTFILE":
        delim = str(delimiter) if delimiter else "\x01"
        serde = {
            "SerializationLibrary": catalog.LAZY_SERDE,
            "Parameters": {"field.delim": delim, "serialization.format": delim},
        }
        formats = (TEXT_INPUT, TEXT_OUTPUT)
        params.update({"classification": "csv", "write.compression": codec.upper()})
    else:
        raise not_supported(f"format '{fmt}' for CREATE TABLE AS")
    return {
        "Name": spec.name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": [{"Name": c.name, "Type": str(c.type)} for c in spec.partition_keys],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": str(c.type)} for c in spec.columns],
            "Location": spec.location,
            "InputFormat": formats[0],
            "OutputFormat": formats[1],
            "Compressed": codec.upper() not in ("NONE", "UNCOMPRESSED"),
            "SerdeInfo": serde,
        },
    }


def _copy_options(spec: TableSpec, fmt: str, codec: str) -> str:
    codec = _CODECS[codec.upper()]
    read = spec.read
    if fmt == "PARQUET":
        options = f"FORMAT parquet, COMPRESSION {codec}"
    else:
        if codec == "snappy":
            raise not_supported("SNAPPY compression of text and JSON files")
        text_codec = "none" if codec == "uncompressed" else codec
        if fmt == "JSON":
            options = f"FORMAT json, COMPRESSION {text_codec}"
        else:
            assert read is not None
            options = (
                f"FORMAT csv, HEADER false, DELIMITER {literal(read.delimiter)}, "
                f"QUOTE {literal(read.quote)}, ESCAPE {literal(read.escape or read.quote)}, "
                f"NULLSTR {literal(read.null_format or '')}, COMPRESSION {text_codec}"
            )
    if spec.partition_keys:
        keys = ", ".join(quote(k.name) for k in spec.partition_keys)
        options += f", PARTITION_BY ({keys}), OVERWRITE_OR_IGNORE true"
    return options


def _select_for(spec: TableSpec, fmt: str, source: str) -> str:
    """Cast the source's columns (positional) to the table's declared types."""
    out = []
    for i, column in enumerate(spec.all_columns):
        value = f"CAST(__c{i} AS {duckdb_type(column.type)})"
        if fmt == "TEXTFILE" and column.type.name == "array":
            value = f"array_to_string({value}, '\x02')"
        elif fmt == "TEXTFILE" and column.type.name in ("map", "struct"):
            raise not_supported(f"Writing {column.type.name} column '{column.name}' as TEXTFILE")
        out.append(f"{value} AS {quote(column.name)}")
    aliases = ", ".join(f"__c{i}" for i in range(len(spec.all_columns)))
    return f"SELECT {', '.join(out)} FROM {_paren(source)} AS __q({aliases})"


def _write(
    run: Run, spec: TableSpec, source: str, fmt: str, codec: str
) -> tuple[int, list[tuple[str | None, ...]]]:
    """Write the rows of ``source``; returns (rows written, partition values written)."""
    job = run.job
    scratch = Path(tempfile.mkdtemp(prefix="ctas-", dir=run.engine.root))
    try:
        out = scratch / "out"
        target = out if spec.partition_keys else out / f"{job.execution_id}_0"
        if not spec.partition_keys:
            out.mkdir()
            suffix = {"PARQUET": ".parquet", "JSON": ".json"}.get(fmt, "")
            if fmt != "PARQUET":
                suffix += {"GZIP": ".gz", "ZSTD": ".zst"}.get(codec.upper(), "")
            target = target.with_name(target.name + suffix)
        options = _copy_options(spec, fmt, codec)
        if spec.partition_keys:
            options += f", FILENAME_PATTERN '{job.execution_id}_{{i}}'"
        copied = run.execute(
            f"COPY ({_select_for(spec, fmt, source)}) TO {literal(str(target))} ({options})"
        ).fetchall()
        count = int(copied[0][0]) if copied else 0
        if job.cancelled:
            raise AthenaQueryError("USER_CANCELED", "Query was canceled by user", 1011)
        written = _upload(job.account, spec, out)
        return count, written
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _upload(account: str, spec: TableSpec, out: Path) -> list[tuple[str | None, ...]]:
    bucket, prefix = catalog.split_s3(spec.location)
    backend = catalog.s3(account)
    values_seen: set[tuple[str | None, ...]] = set()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        parts = path.relative_to(out).parts
        values = tuple(
            None if v == catalog.HIVE_NULL else unquote(v)
            for v in (seg.partition("=")[2] for seg in parts[:-1])
        )
        folder = catalog.hive_path(spec.key_names, values) if spec.partition_keys else ""
        backend.put_object(
            bucket_name=bucket, key_name=prefix + folder + parts[-1], value=path.read_bytes()
        )
        if spec.partition_keys:
            values_seen.add(values)
    return sorted(values_seen, key=str)


def _register(run: Run, spec: TableSpec, values: list[tuple[str | None, ...]]) -> None:
    """Register partitions in Glue (existing ones are left alone)."""
    if not spec.partition_keys or not values:
        return
    from moto.glue.exceptions import PartitionAlreadyExistsException

    job = run.job
    glue = catalog.glue(job.account, job.region)
    table = catalog.find_raw_table(job.account, job.region, spec.database, spec.name)
    assert table is not None
    sd = dict(table.as_dict().get("StorageDescriptor") or {})
    for vals in values:
        stored = [catalog.HIVE_NULL if v is None else v for v in vals]
        part_sd = {**sd, "Location": catalog.default_location(spec, vals)}
        try:
            glue.create_partition(
                table.database_name, table.name, {"Values": stored, "StorageDescriptor": part_sd}
            )
        except PartitionAlreadyExistsException:
            pass


def _count(count: int) -> ResultSet:
    return ResultSet([ResultColumn("rows", "bigint", 19, 0)], [(str(count),)], update_count=count)


def insert_into(run: Run, tree: exp.Expression) -> ResultSet:
    if not isinstance(tree, exp.Insert) or tree.expression is None:
        raise AthenaQueryError("SYNTAX_ERROR", "line 1:1: expected INSERT INTO ... SELECT")
    job = run.job
    target = tree.this
    listed: list[str] | None = None
    if isinstance(target, exp.Schema):
        listed = [c.name.lower() for c in target.expressions]
        target = target.this
    database = target.db or job.database
    where = position(job.query, table_offset(target))
    spec = catalog.find_table(job.account, job.region, database, target.name, where)
    if spec.read is None:
        raise not_supported(f"{spec.unreadable} (INSERT INTO '{spec.qualified}')")
    compiled = run.compile(tree.expression)
    described = run.execute(f"SELECT * FROM {_paren(compiled.sql)} LIMIT 0").description
    names = [c.name for c in spec.all_columns]
    wanted = listed if listed is not None else names
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise AthenaQueryError(
            "COLUMN_NOT_FOUND",
            f"line 1:1: Insert column name does not exist in target table: {unknown[0]}",
        )
    if len(described) != len(wanted):
        raise AthenaQueryError(
            "TYPE_MISMATCH",
            "line 1:1: Insert query has mismatched column types: Table: ["
            + ", ".join(str(c.type) for c in spec.all_columns if c.name in wanted)
            + "], Query: ["
            + ", ".join(str(d[1]).lower() for d in described)
            + "]",
        )
    by_name = {n: f"__i{i}" for i, n in enumerate(wanted)}
    inner = ", ".join(f"__i{i}" for i in range(len(wanted)))
    source = (
        "SELECT "
        + ", ".join(by_name.get(n, "NULL") for n in names)
        + f" FROM {_paren(compiled.sql)} AS __src({inner})"
    )
    read = spec.read
    fmt = {"parquet": "PARQUET", "json": "JSON"}.get(read.kind, "TEXTFILE")
    params = spec.raw.get("Parameters") or {}
    codec = params.get("parquet.compression") or params.get("write.compression") or "GZIP"
    if codec.upper() not in _CODECS:
        codec = "GZIP"
    if spec.partition_keys:
        raw = catalog.find_raw_table(job.account, job.region, spec.database, spec.name)
        if raw is not None and not raw.partitions:
            _register(run, spec, [p.values for p in catalog.discover(spec, run.listing)])
    count, written = _write(run, spec, source, fmt, codec)
    _register(run, spec, written)
    return _count(count)
