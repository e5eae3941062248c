"""Athena DDL and utility statements on the Glue Data Catalog, for ``athena_sql``.

Supported (Hive DDL, as Athena takes it):

- ``CREATE EXTERNAL TABLE [IF NOT EXISTS] [db.]t (col type [COMMENT '...'], ...)
  [PARTITIONED BY (...)] [ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' ... | ROW FORMAT SERDE
  '...' [WITH SERDEPROPERTIES (...)]] [STORED AS PARQUET | TEXTFILE | ORC | AVRO | INPUTFORMAT
  '...' OUTPUTFORMAT '...'] LOCATION 's3://...' [TBLPROPERTIES (...)]``: creates the Glue
  table (columns lower case, Hive types, SerDe and formats as Athena records them);
- ``CREATE DATABASE|SCHEMA [IF NOT EXISTS] db [COMMENT '...'] [LOCATION '...']``,
  ``DROP DATABASE|SCHEMA [IF EXISTS] db [CASCADE]``, ``DROP TABLE [IF EXISTS] t`` (the data
  stays in S3, as on AWS);
- MSCK REPAIR TABLE and ALTER TABLE ADD/DROP PARTITION: see ``athena_sql_partitions``;
- SHOW and DESCRIBE: see ``athena_sql_show``.

Failures read like Athena's (Hive's ``FAILED: ...`` messages, ErrorType 1003).

moto internals used (check them on a moto upgrade): ``GlueBackend.create_database``,
``delete_database``, ``create_table``, ``delete_table``, through ``athena_sql_catalog.glue``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from labkit.emulator.extensions import athena_sql_catalog as catalog
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, not_supported
from labkit.emulator.extensions.athena_sql_results import ResultColumn, ResultSet
from labkit.emulator.extensions.athena_sql_translate import parse
from labkit.emulator.extensions.athena_sql_types import parse_hive
from labkit.emulator.extensions.athena_sql_write import (
    HCAT_JSON,
    PARQUET_INPUT,
    PARQUET_OUTPUT,
    TEXT_INPUT,
    TEXT_OUTPUT,
)

if TYPE_CHECKING:
    from labkit.emulator.extensions.athena_sql_engine import Run

NAME = r"(?:`[^`]+`|\"[^\"]+\"|[\w$]+)"
QUALIFIED = rf"({NAME}(?:\s*\.\s*{NAME})?)"
STRING = r"'((?:[^']|'')*)'"
_FORMATS = {
    "PARQUET": (PARQUET_INPUT, PARQUET_OUTPUT, catalog.PARQUET_SERDE),
    "TEXTFILE": (TEXT_INPUT, TEXT_OUTPUT, catalog.LAZY_SERDE),
    "ORC": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
    "AVRO": (
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
    ),
    "JSONFILE": (TEXT_INPUT, TEXT_OUTPUT, HCAT_JSON),
}
DDL_TASK = "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "


def failed(message: str) -> AthenaQueryError:
    return AthenaQueryError("", message, 1003)


def unquote_name(name: str) -> str:
    name = name.strip()
    if name[:1] in '`"' and name[-1:] == name[:1]:
        name = name[1:-1]
    return name.lower()


def split_name(qualified: str, default: str) -> tuple[str, str]:
    parts = [unquote_name(p) for p in re.split(rf"\s*\.\s*(?={NAME})", qualified.strip())]
    return (parts[0], parts[1]) if len(parts) == 2 else (default.lower(), parts[0])


def match(pattern: str, query: str, usage: str) -> re.Match[str]:
    """``pattern`` matched (case-insensitively) at the start of ``query``, or SYNTAX_ERROR."""
    found = re.match(pattern, query, re.I | re.S)
    if found is None:
        raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: expected {usage}")
    return found


def rows(name: str, values: list[str]) -> ResultSet:
    return ResultSet([ResultColumn(name, "string", 0, 0)], [(v,) for v in values], header=False)


def run(run: Run, substatement: str) -> ResultSet:
    """Run a DDL or utility statement."""
    from labkit.emulator.extensions import athena_sql_partitions as partitions
    from labkit.emulator.extensions import athena_sql_show as show

    query = run.job.query.strip().rstrip(";").strip()
    handlers = {**_HANDLERS, **partitions.HANDLERS, **show.HANDLERS}
    return handlers[substatement](run, query)


def db_exists(run: Run, database: str) -> Any:
    db = catalog.find_database(run.job.account, run.job.region, database)
    if db is None:
        raise AthenaQueryError(
            "",
            f"FAILED: SemanticException [Error 10072]: Database does not exist: {database}",
            1003,
        )
    return db


def existing_table(run: Run, qualified: str) -> Any:
    database, name = split_name(qualified, run.job.database)
    db_exists(run, database)
    table = catalog.find_raw_table(run.job.account, run.job.region, database, name)
    if table is None:
        raise AthenaQueryError(
            "", f"FAILED: SemanticException [Error 10001]: Table not found {database}.{name}", 1003
        )
    return table


# --- CREATE / DROP ---------------------------------------------------------------------------


def _create_table(run: Run, query: str) -> ResultSet:
    tree = parse(query, dialect="hive")
    if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Schema):
        raise AthenaQueryError(
            "SYNTAX_ERROR", "line 1:1: expected CREATE EXTERNAL TABLE name (columns ...)"
        )
    target = tree.this.this
    database = (target.db or run.job.database).lower()
    name = target.name.lower()
    db = db_exists(run, database)
    props = tree.args.get("properties")
    found = list(props.expressions) if props else []
    params = {p.name: p.args["value"].name for p in found if type(p) is exp.Property}
    if (params.get("table_type") or "").upper() == "ICEBERG":
        raise not_supported("Creating Iceberg tables")
    if not any(isinstance(p, exp.ExternalProperty) for p in found):
        raise failed(
            "Only external table creation is supported. Use CREATE EXTERNAL TABLE, "
            "or CREATE TABLE AS SELECT."
        )
    if catalog.find_raw_table(run.job.account, run.job.region, database, name) is not None:
        if tree.args.get("exists"):
            return ResultSet(header=False)
        raise failed(f"{DDL_TASK}AlreadyExistsException(message:Table {name} already exists)")
    table_input = _table_input(name, tree.this.expressions, found, params)
    catalog.split_s3(table_input["StorageDescriptor"]["Location"])
    catalog.glue(run.job.account, run.job.region).create_table(db.name, name, table_input)
    return ResultSet(header=False)


def _columns(defs: list[exp.Expression]) -> list[dict[str, str]]:
    columns = []
    for d in defs:
        if not isinstance(d, exp.ColumnDef) or d.args.get("kind") is None:
            raise AthenaQueryError(
                "SYNTAX_ERROR", f"line 1:1: expected a column definition, got '{d.sql('hive')}'"
            )
        column = {"Name": d.name.lower(), "Type": str(parse_hive(d.args["kind"].sql("hive")))}
        for constraint in d.args.get("constraints") or []:
            if isinstance(constraint.kind, exp.CommentColumnConstraint):
                column["Comment"] = constraint.kind.name
        columns.append(column)
    return columns


def _table_input(
    name: str, defs: list[exp.Expression], found: list[exp.Expression], params: dict[str, str]
) -> dict[str, Any]:
    serde, serde_params = "", {}
    formats: tuple[str, str] | None = None
    location, keys, comment = "", [], None
    for p in found:
        if isinstance(p, exp.PartitionedByProperty):
            keys = _columns(list(p.this.expressions))
        elif isinstance(p, exp.RowFormatSerdeProperty):
            serde = p.this.name
            sp = p.args.get("serde_properties")
            serde_params = {q.name: q.args["value"].name for q in (sp.expressions if sp else [])}
        elif isinstance(p, exp.RowFormatDelimitedProperty):
            serde = catalog.LAZY_SERDE
            for arg, key in (
                ("fields", "field.delim"),
                ("escaped", "escape.delim"),
                ("collection_items", "collection.delim"),
                ("map_keys", "mapkey.delim"),
                ("lines", "line.delim"),
                ("null", "serialization.null.format"),
            ):
                if p.args.get(arg) is not None:
                    serde_params[key] = p.args[arg].name
            if "field.delim" in serde_params:
                serde_params["serialization.format"] = serde_params["field.delim"]
        elif isinstance(p, exp.FileFormatProperty):
            if isinstance(p.this, exp.InputOutputFormat):
                formats = (p.this.args["input_format"].name, p.this.args["output_format"].name)
            else:
                stored = p.this.name.upper()
                if stored not in _FORMATS:
                    raise not_supported(f"STORED AS {stored}")
                formats = _FORMATS[stored][:2]
                serde = serde or _FORMATS[stored][2]
        elif isinstance(p, exp.LocationProperty):
            location = p.this.name
        elif isinstance(p, exp.SchemaCommentProperty):
            comment = p.this.name
    if not location:
        raise failed(
            "FAILED: SemanticException CREATE EXTERNAL TABLE requires LOCATION "
            "'s3://bucket/prefix/'"
        )
    serde = serde or catalog.LAZY_SERDE
    if formats is None:
        formats = (
            (PARQUET_INPUT, PARQUET_OUTPUT)
            if "parquet" in serde.lower()
            else (TEXT_INPUT, TEXT_OUTPUT)
        )
    if serde == catalog.LAZY_SERDE and "serialization.format" not in serde_params:
        serde_params["serialization.format"] = "1"
    table_input: dict[str, Any] = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **params},
        "PartitionKeys": keys,
        "StorageDescriptor": {
            "Columns": _columns(defs),
            "Location": location,
            "InputFormat": formats[0],
            "OutputFormat": formats[1],
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
        },
    }
    if comment is not None:
        table_input["Description"] = comment
    return table_input


def _create_database(run: Run, query: str) -> ResultSet:
    m = match(
        rf"CREATE\s+(?:DATABASE|SCHEMA)\s+(IF\s+NOT\s+EXISTS\s+)?({NAME})"
        rf"(?:\s+COMMENT\s+{STRING})?(?:\s+LOCATION\s+{STRING})?",
        query,
        "CREATE DATABASE name",
    )
    name = unquote_name(m.group(2))
    if catalog.find_database(run.job.account, run.job.region, name) is not None:
        if m.group(1):
            return ResultSet(header=False)
        raise failed(f"{DDL_TASK}Database {name} already exists")
    db_input: dict[str, Any] = {"Name": name}
    if m.group(3) is not None:
        db_input["Description"] = m.group(3).replace("''", "'")
    if m.group(4) is not None:
        db_input["LocationUri"] = m.group(4).replace("''", "'")
    catalog.glue(run.job.account, run.job.region).create_database(name, db_input)
    return ResultSet(header=False)


def _drop_database(run: Run, query: str) -> ResultSet:
    m = match(
        rf"DROP\s+(?:DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?({NAME})\s*(CASCADE|RESTRICT)?",
        query,
        "DROP DATABASE name",
    )
    name = unquote_name(m.group(2))
    db = catalog.find_database(run.job.account, run.job.region, name)
    if db is None:
        if m.group(1):
            return ResultSet(header=False)
        raise failed(f"FAILED: SemanticException [Error 10072]: Database does not exist: {name}")
    if db.tables and (m.group(3) or "").upper() != "CASCADE":
        raise failed(
            f"{DDL_TASK}InvalidOperationException(message:Database {name} is not "
            "empty. One or more tables exist.)"
        )
    catalog.glue(run.job.account, run.job.region).delete_database(db.name)
    return ResultSet(header=False)


def _drop_table(run: Run, query: str) -> ResultSet:
    m = match(rf"DROP\s+TABLE\s+(IF\s+EXISTS\s+)?{QUALIFIED}", query, "DROP TABLE name")
    database, name = split_name(m.group(2), run.job.database)
    if catalog.find_database(run.job.account, run.job.region, database) is None or (
        catalog.find_raw_table(run.job.account, run.job.region, database, name) is None
    ):
        if m.group(1):
            return ResultSet(header=False)
    table = existing_table(run, m.group(2))
    catalog.glue(run.job.account, run.job.region).delete_table(table.database_name, table.name)
    return ResultSet(header=False)


_HANDLERS = {
    "CREATE_TABLE": _create_table,
    "CREATE_DATABASE": _create_database,
    "DROP_DATABASE": _drop_database,
    "DROP_TABLE": _drop_table,
}
