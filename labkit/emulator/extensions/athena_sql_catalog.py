"""The Glue Data Catalog and S3 as ``athena_sql`` sees them, read from moto's own backends.

- :func:`find_table` looks a table up in the Glue backend of the query's account and region
  (names match case-insensitively, as Glue lower-cases them) and describes it as a
  :class:`TableSpec`: columns and partition keys with their Hive types, the S3 location, and
  how to read its files (:func:`read_format`: Parquet; JSON lines through the OpenX or
  HCatalog JsonSerDe; delimited text through LazySimpleSerDe with ``field.delim``; quoted CSV
  through OpenCSVSerde, where a quote inside a quoted field is doubled as in RFC 4180 (a
  backslash-escaped quote is read as is); ``skip.header.line.count``).
- :func:`partitions` lists a partitioned table's partitions: the ones registered in Glue
  (``create_partition``, ``batch_create_partition``, ``MSCK REPAIR TABLE``, ``ALTER TABLE ADD
  PARTITION``; their locations may be anywhere), or, when none is registered at all, the
  Hive-style ``key=value/`` prefixes found under the table's location.
- :class:`Listing` lists S3 objects under a prefix (latest versions, no delete markers;
  Hive's rule: names starting with ``_`` or ``.`` and folder markers are skipped).

moto internals read (check them on a moto upgrade): ``moto.glue.models.glue_backends``
(``GlueBackend.databases`` -> ``FakeDatabase.tables`` -> ``FakeTable.as_dict()`` and
``.partitions`` of ``FakePartition.partition_input``), ``moto.s3.models.s3_backends``
(``S3Backend.buckets`` -> ``FakeBucket.keys.items()``, ``FakeKey.etag/.size/.version_id``,
``FakeDeleteMarker``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, not_supported
from labkit.emulator.extensions.athena_sql_types import HiveType, parse_hive

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
DEFAULT_CATALOG = "awsdatacatalog"

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPENCSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
JSON_SERDES = (
    OPENX_JSON_SERDE,
    "org.apache.hive.hcatalog.data.JsonSerDe",
    "org.apache.hadoop.hive.serde2.JsonSerDe",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: HiveType


@dataclass(frozen=True)
class ReadFormat:
    """How the files of a table are read."""

    kind: str  # "parquet", "json" or "text"
    delimiter: str = "\x01"
    quote: str = ""  # "" for LazySimpleSerDe (no quoting)
    escape: str = ""
    skip_header: int = 0
    null_format: str | None = "\\N"
    ignore_malformed: bool = False


@dataclass
class TableSpec:
    database: str
    name: str
    columns: list[Column]
    partition_keys: list[Column]
    location: str  # s3://bucket/prefix/ (always ends with "/")
    read: ReadFormat | None  # None: a format the emulator cannot read (the error says which)
    unreadable: str = ""
    raw: dict[str, Any] = field(default_factory=dict)  # the Glue table, as moto returns it

    @property
    def qualified(self) -> str:
        return f"{DEFAULT_CATALOG}.{self.database}.{self.name}"

    @property
    def key_names(self) -> list[str]:
        return [k.name for k in self.partition_keys]

    @property
    def all_columns(self) -> list[Column]:
        return self.columns + self.partition_keys


@dataclass(frozen=True)
class Partition:
    values: tuple[str | None, ...]
    location: str


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    etag: str
    size: int
    version: str
    source: Any  # moto's FakeKey: the bytes


# --- Glue ------------------------------------------------------------------------------------


def glue(account: str, region: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account][region]


def find_database(account: str, region: str, name: str) -> Any | None:
    databases = glue(account, region).databases
    if name in databases:
        return databases[name]
    return next((d for n, d in databases.items() if n.lower() == name.lower()), None)


def find_raw_table(
    account: str, region: str, database: str, name: str, where: str = ""
) -> Any | None:
    """moto's FakeTable, or None; the database must exist (SCHEMA_NOT_FOUND otherwise)."""
    db = find_database(account, region, database)
    if db is None:
        prefix = f"{where}: " if where else ""
        raise AthenaQueryError(
            "SCHEMA_NOT_FOUND", f"{prefix}Schema '{database.lower()}' does not exist", 1301
        )
    if name in db.tables:
        return db.tables[name]
    return next((t for n, t in db.tables.items() if n.lower() == name.lower()), None)


def find_table(account: str, region: str, database: str, name: str, where: str = "") -> TableSpec:
    """The Glue table ``database.name`` as a TableSpec; TABLE_NOT_FOUND when missing."""
    table = find_raw_table(account, region, database, name, where)
    if table is None:
        prefix = f"{where}: " if where else ""
        raise AthenaQueryError(
            "TABLE_NOT_FOUND",
            f"{prefix}Table '{DEFAULT_CATALOG}.{database.lower()}.{name.lower()}' does not exist",
            1110,
        )
    return table_spec(table.as_dict())


def table_spec(raw: dict[str, Any]) -> TableSpec:
    sd = raw.get("StorageDescriptor") or {}
    name = raw["Name"]
    if (raw.get("TableType") or "").upper() == "VIRTUAL_VIEW":
        raise not_supported(f"Querying the view '{name}'")
    params = raw.get("Parameters") or {}
    if (params.get("table_type") or "").upper() == "ICEBERG":
        raise not_supported(f"Querying the Iceberg table '{name}'")
    columns = [_column(c, name) for c in sd.get("Columns") or []]
    keys = [_column(c, name) for c in raw.get("PartitionKeys") or []]
    location = sd.get("Location") or ""
    if location and not location.endswith("/"):
        location += "/"
    read, why = read_format(sd, params)
    return TableSpec(
        database=raw.get("DatabaseName", ""),
        name=name,
        columns=columns,
        partition_keys=keys,
        location=location,
        read=read,
        unreadable=why,
        raw=raw,
    )


def _column(raw: dict[str, Any], table: str) -> Column:
    return Column(raw["Name"].lower(), parse_hive(raw.get("Type") or "string"))


def read_format(sd: dict[str, Any], params: dict[str, str]) -> tuple[ReadFormat | None, str]:
    """How to read a table's files, or (None, why not) for formats the emulator cannot read."""
    serde_info = sd.get("SerdeInfo") or {}
    serde = serde_info.get("SerializationLibrary") or ""
    props = {k: v for k, v in (serde_info.get("Parameters") or {}).items()}
    hints = " ".join([serde, sd.get("InputFormat") or "", params.get("classification", "")])
    lower = hints.lower()
    skip = int(params.get("skip.header.line.count") or props.get("skip.header.line.count") or 0)
    if "parquet" in lower:
        return ReadFormat("parquet"), ""
    for other in ("orc", "avro", "ion", "regex", "grok", "cloudtrail", "lazybinary"):
        if other in lower:
            return None, f"Reading {other.upper()} data (SerDe '{serde or hints.strip()}')"
    if serde in JSON_SERDES or "json" in lower:
        ignore = str(props.get("ignore.malformed.json", "false")).lower() == "true"
        return ReadFormat("json", ignore_malformed=ignore), ""
    if serde == OPENCSV_SERDE:
        return ReadFormat(
            "text",
            delimiter=props.get("separatorChar", ","),
            quote=props.get("quoteChar", '"'),
            escape=props.get("quoteChar", '"'),  # doubled quotes (RFC 4180), see module doc
            skip_header=skip,
            null_format=None,
        ), ""
    if serde == LAZY_SERDE or not hints.strip() or any(w in lower for w in ("text", "csv", "tsv")):
        # (no SerDe and no input format at all: Hive's defaults, LazySimpleSerDe on text)
        default = "," if "csv" in lower else "\t" if "tsv" in lower else "\x01"
        delimiter = props.get("field.delim") or props.get("serialization.format") or default
        if delimiter.isdigit() and len(delimiter) <= 3 and serde == LAZY_SERDE:
            delimiter = chr(int(delimiter))  # Hive stores "1" for Ctrl-A
        return ReadFormat(
            "text",
            delimiter=delimiter,
            escape=props.get("escape.delim", ""),
            skip_header=skip,
            null_format=props.get("serialization.null.format", "\\N"),
        ), ""
    return None, f"Reading a table with SerDe '{serde}' and input format '{sd.get('InputFormat')}'"


def partitions(account: str, region: str, spec: TableSpec, listing: Listing) -> list[Partition]:
    """Registered partitions of a partitioned table, or the Hive-style ones under its location
    when none is registered."""
    raw = find_raw_table(account, region, spec.database, spec.name)
    registered = list(raw.partitions.values()) if raw is not None else []
    if registered:
        found = []
        for p in registered:
            values = tuple(p.partition_input.get("Values") or [])
            if len(values) != len(spec.partition_keys):
                raise AthenaQueryError(
                    "HIVE_INVALID_METADATA",
                    f"Partition {list(values)} of table '{spec.qualified}' has {len(values)} "
                    f"values for {len(spec.partition_keys)} partition keys",
                    1004,
                )
            location = (p.partition_input.get("StorageDescriptor") or {}).get("Location")
            found.append(Partition(values, location or default_location(spec, values)))
        return found
    return discover(spec, listing)


def default_location(spec: TableSpec, values: tuple[str | None, ...]) -> str:
    return spec.location + hive_path(spec.key_names, values)


HIVE_SAFE = " ,;@+&$!'()~*"  # what Hive leaves unescaped in partition folder names


def hive_path(names: list[str], values: tuple[str | None, ...], safe: str = HIVE_SAFE) -> str:
    """``k1=v1/k2=v2/`` with special characters percent-escaped (Hive's escaping)."""
    from urllib.parse import quote

    parts = []
    for name, value in zip(names, values, strict=True):
        text = HIVE_NULL if value is None else quote(value, safe=safe)
        parts.append(f"{quote(name, safe=safe)}={text}/")
    return "".join(parts)


def discover(spec: TableSpec, listing: Listing) -> list[Partition]:
    """Partitions from ``key=value/`` prefixes under the table's location."""
    names = spec.key_names
    found: dict[tuple[str | None, ...], str] = {}
    for obj in listing.objects(spec.location):
        segments = obj.key[len(split_s3(spec.location)[1]) :].split("/")[: len(names)]
        values: list[str | None] = []
        for name, segment in zip(names, segments, strict=False):
            key, sep, value = segment.partition("=")
            if not sep or key.lower() != name:
                break
            values.append(None if value == HIVE_NULL else unquote(value))
        if len(values) == len(names) and len(segments) == len(names):
            prefix = "/".join(segments) + "/"
            found.setdefault(tuple(values), spec.location + prefix)
    return [Partition(v, loc) for v, loc in sorted(found.items(), key=lambda i: str(i[0]))]


# --- S3 --------------------------------------------------------------------------------------


def split_s3(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of ``s3://bucket/prefix``."""
    if not uri.lower().startswith("s3://") or len(uri) <= 5:
        raise AthenaQueryError("INVALID_ARGUMENT", f"'{uri}' is not an s3:// location", 1100)
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def s3(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


class Listing:
    """Objects of one account's buckets, listed once per bucket per query."""

    def __init__(self, account: str) -> None:
        self.account = account
        self._buckets: dict[str, tuple[list[str], dict[str, Any]]] = {}

    def bucket_exists(self, bucket: str) -> bool:
        return bucket in s3(self.account).buckets

    def objects(self, location: str) -> list[S3Object]:
        """Readable objects under ``location`` (a folder: ``s3://b/p/``), in key order."""
        bucket, prefix = split_s3(location)
        if bucket not in self._buckets:
            self._buckets[bucket] = self._load(bucket)
        names, keys = self._buckets[bucket]
        found = []
        for i in range(bisect.bisect_left(names, prefix), len(names)):
            name = names[i]
            if not name.startswith(prefix):
                break
            base = name.rsplit("/", 1)[-1]
            if not base or base[0] in "_." or name.endswith("_$folder$"):
                continue
            key = keys[name]
            found.append(S3Object(bucket, name, key.etag, key.size, str(key.version_id), key))
        return found

    def _load(self, bucket: str) -> tuple[list[str], dict[str, Any]]:
        from moto.s3.models import FakeDeleteMarker

        backend = s3(self.account)
        if bucket not in backend.buckets:
            raise AthenaQueryError(
                "HIVE_FILESYSTEM_ERROR", f"Amazon S3 bucket not found: {bucket}", 1306
            )
        keys = {
            name: key
            for name, key in backend.buckets[bucket].keys.items()
            if not isinstance(key, FakeDeleteMarker)
            and getattr(key, "storage_class", "STANDARD") not in ("GLACIER", "DEEP_ARCHIVE")
        }
        return sorted(keys), keys
