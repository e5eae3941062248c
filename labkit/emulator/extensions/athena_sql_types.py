"""Types for ``athena_sql``: Glue/Hive column types, DuckDB types, Athena's result types.

Three vocabularies meet in an Athena query on the emulator:

- the Glue Data Catalog stores Hive type strings (``string``, ``bigint``, ``decimal(10,2)``,
  ``array<struct<a:int,b:string>>``); :func:`parse_hive` reads them and :func:`duckdb_type`
  turns them into the DuckDB type the table's columns are cast to;
- DuckDB reports the types of a result; :func:`hive_type` turns one back into a Hive type
  string (for the Glue table a ``CREATE TABLE AS`` registers) and :func:`athena_type` into the
  name, precision and scale ``GetQueryResults`` puts in ``ColumnInfo`` (Trino's names:
  ``varchar``, ``integer``, ``row``, ...);
- values travel as text: :func:`render` formats a Python value the way Athena (Trino) prints
  it in result sets and CSV files (``true``, ``2024-01-01 10:00:00.000``, ``[1, 2]``,
  ``{a=1}``, ``1.0E7``).

No moto internals are used here.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError


@dataclass(frozen=True)
class HiveType:
    """A parsed Hive type: ``name`` lower case; ``params`` (decimal/varchar/char sizes),
    ``children`` (array element, map key and value) and ``fields`` (struct members)."""

    name: str
    params: tuple[int, ...] = ()
    children: tuple[HiveType, ...] = ()
    fields: tuple[tuple[str, HiveType], ...] = ()

    def __str__(self) -> str:
        if self.name == "array":
            return f"array<{self.children[0]}>"
        if self.name == "map":
            return f"map<{self.children[0]},{self.children[1]}>"
        if self.name == "struct":
            return "struct<" + ",".join(f"{n}:{t}" for n, t in self.fields) + ">"
        if self.params:
            return f"{self.name}({','.join(map(str, self.params))})"
        return self.name


_SCALARS = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "real": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
    "varbinary": "BLOB",
    "decimal": "DECIMAL",
}


def parse_hive(text: str) -> HiveType:
    """Parse a Glue/Hive column type such as ``map<string,array<int>>``."""
    parser = _Parser(text)
    result = parser.type()
    parser.expect_end()
    return result


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _error(self, what: str) -> AthenaQueryError:
        return AthenaQueryError(
            "HIVE_INVALID_METADATA",
            f"Unsupported or malformed column type '{self.text}' ({what} at position {self.pos})",
            error_type=1004,
        )

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _word(self) -> str:
        self._skip()
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "_$"
        ):
            self.pos += 1
        if start == self.pos:
            raise self._error("expected a name")
        return self.text[start : self.pos]

    def _peek(self, char: str) -> bool:
        self._skip()
        return self.text.startswith(char, self.pos)

    def _take(self, char: str) -> None:
        if not self._peek(char):
            raise self._error(f"expected '{char}'")
        self.pos += len(char)

    def expect_end(self) -> None:
        self._skip()
        if self.pos != len(self.text):
            raise self._error("unexpected text")

    def type(self) -> HiveType:
        name = self._word().lower()
        if name == "array":
            self._take("<")
            element = self.type()
            self._take(">")
            return HiveType("array", children=(element,))
        if name == "map":
            self._take("<")
            key = self.type()
            self._take(",")
            value = self.type()
            self._take(">")
            return HiveType("map", children=(key, value))
        if name in ("struct", "row"):
            self._take("<")
            fields = []
            while True:
                field = self._word().lower()
                self._take(":")
                fields.append((field, self.type()))
                if not self._peek(","):
                    break
                self._take(",")
            self._take(">")
            return HiveType("struct", fields=tuple(fields))
        if name not in _SCALARS:
            raise self._error(f"unknown type '{name}'")
        params: list[int] = []
        if self._peek("("):
            self._take("(")
            while True:
                self._skip()
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos].isdigit():
                    self.pos += 1
                if start == self.pos:
                    raise self._error("expected a number")
                params.append(int(self.text[start : self.pos]))
                if not self._peek(","):
                    break
                self._take(",")
            self._take(")")
        if name == "integer":
            name = "int"
        return HiveType(name, tuple(params))


def duckdb_type(t: HiveType) -> str:
    """The DuckDB type a column of Hive type ``t`` is read as."""
    if t.name == "array":
        return f"{duckdb_type(t.children[0])}[]"
    if t.name == "map":
        return f"MAP({duckdb_type(t.children[0])}, {duckdb_type(t.children[1])})"
    if t.name == "struct":
        return "STRUCT(" + ", ".join(f"{quote(n)} {duckdb_type(c)}" for n, c in t.fields) + ")"
    if t.name == "decimal":
        precision, scale = (list(t.params) + [10, 0][len(t.params) :])[:2]
        return f"DECIMAL({precision}, {scale})"
    return _SCALARS[t.name]


_TRINO = {
    "string": "varchar",
    "char": "varchar",
    "int": "integer",
    "float": "real",
    "binary": "varbinary",
}


def trino_type(t: HiveType) -> str:
    """The Trino type of a Hive type (what sqlglot's type inference is told)."""
    if t.name == "array":
        return f"array({trino_type(t.children[0])})"
    if t.name == "map":
        return f"map({trino_type(t.children[0])}, {trino_type(t.children[1])})"
    if t.name == "struct":
        return "row(" + ", ".join(f"{n} {trino_type(c)}" for n, c in t.fields) + ")"
    if t.name == "decimal" and t.params:
        return f"decimal({','.join(map(str, t.params))})"
    return _TRINO.get(t.name, t.name)


def quote(name: str) -> str:
    """A DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


# --- DuckDB result types -------------------------------------------------------------------

_ATHENA_NAMES = {
    "boolean": ("boolean", 0, 0),
    "tinyint": ("tinyint", 3, 0),
    "smallint": ("smallint", 5, 0),
    "integer": ("integer", 10, 0),
    "bigint": ("bigint", 19, 0),
    "hugeint": ("bigint", 19, 0),
    "uhugeint": ("bigint", 19, 0),
    "utinyint": ("smallint", 5, 0),
    "usmallint": ("integer", 10, 0),
    "uinteger": ("bigint", 19, 0),
    "ubigint": ("bigint", 19, 0),
    "float": ("real", 7, 0),
    "double": ("double", 17, 0),
    "varchar": ("varchar", 2147483647, 0),
    "blob": ("varbinary", 2147483647, 0),
    "date": ("date", 0, 0),
    "time": ("time", 3, 0),
    "timestamp": ("timestamp", 3, 0),
    "timestamp_ms": ("timestamp", 3, 0),
    "timestamp_s": ("timestamp", 3, 0),
    "timestamp_ns": ("timestamp", 3, 0),
    "timestamp with time zone": ("timestamp with time zone", 3, 0),
    "interval": ("interval day to second", 0, 0),
    "uuid": ("uuid", 0, 0),
    "list": ("array", 0, 0),
    "array": ("array", 0, 0),
    "map": ("map", 0, 0),
    "struct": ("row", 0, 0),
    "json": ("json", 0, 0),
}


def athena_type(duck: Any) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) of a DuckDB result column type."""
    if duck.id == "decimal":
        precision, scale = _decimal_params(str(duck))
        return "decimal", precision, scale
    return _ATHENA_NAMES.get(duck.id, ("varchar", 2147483647, 0))


def _decimal_params(text: str) -> tuple[int, int]:
    inner = text[text.index("(") + 1 : text.rindex(")")]
    precision, scale = (int(p) for p in inner.split(","))
    return precision, scale


_HIVE_OF = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "hugeint": "bigint",
    "uhugeint": "bigint",
    "utinyint": "smallint",
    "usmallint": "int",
    "uinteger": "bigint",
    "ubigint": "bigint",
    "float": "float",
    "double": "double",
    "varchar": "string",
    "blob": "binary",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_s": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp with time zone": "timestamp",
}


def hive_type(duck: Any) -> HiveType:
    """The Hive type a ``CREATE TABLE AS`` registers for a DuckDB result column type
    (types Hive lacks, such as TIME, UUID or INTERVAL, become ``string``)."""
    if duck.id == "decimal":
        return HiveType("decimal", _decimal_params(str(duck)))
    if duck.id in ("list", "array"):
        return HiveType("array", children=(hive_type(duck.child),))
    if duck.id == "map":
        return HiveType("map", children=(hive_type(duck.key), hive_type(duck.value)))
    if duck.id == "struct":
        return HiveType("struct", fields=tuple((n, hive_type(c)) for n, c in duck.children))
    return HiveType(_HIVE_OF.get(duck.id, "string"))


# --- values as Athena prints them ------------------------------------------------------------


def render(value: Any, duck_id: str = "") -> str | None:
    """``value`` as Athena prints it in result rows and CSV (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _java_float(value, single=duck_id == "float")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        return text + (" UTC" if value.tzinfo is not None else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, bytes | bytearray | memoryview):
        return " ".join(f"{b:02x}" for b in bytes(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_nested(k)}={_nested(v)}" for k, v in value.items()) + "}"
    return str(value)


def _nested(value: Any) -> str:
    text = render(value)
    return "null" if text is None else text


def _java_float(value: float, single: bool) -> str:
    """Java's Double/Float.toString, as Trino prints doubles and reals."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    digits = _shortest_single(value) if single else repr(value)
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = format(Decimal(digits), "f")
        return text if "." in text else text + ".0"
    mantissa, exponent = format(Decimal(digits), "E").split("E")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0")
        mantissa = mantissa + "0" if mantissa.endswith(".") else mantissa
    else:
        mantissa += ".0"
    return f"{mantissa}E{int(exponent)}"


def _shortest_single(value: float) -> str:
    """Fewest digits that read back as the same 32-bit float."""
    packed = struct.pack("f", value)
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.pack("f", float(text)) == packed:
            return text
    return repr(value)
