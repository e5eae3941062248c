"""Query results as Athena hands them out, for ``athena_sql``.

- :class:`ResultSet`: column metadata (Athena type names, precision, scale) and the rows as
  text (``None`` for NULL), rendered once when the query finishes;
- :func:`csv_bytes`: the ``<QueryExecutionId>.csv`` object Athena writes for a query, with a
  header line and every non-NULL value in double quotes (NULL is an empty field);
  :func:`text_bytes`: the tab-separated ``<QueryExecutionId>.txt`` of DDL and utility
  statements; :func:`metadata_bytes`: the ``.metadata`` object next to it (Athena's own is an
  undocumented binary; the emulator writes JSON with the same ColumnInfo GetQueryResults
  returns);
- :func:`page`: one page of ``GetQueryResults``: ``ResultSet.Rows`` (a SELECT's first row is the
  header, on the first page only), ``ResultSetMetadata.ColumnInfo``, ``NextToken`` while rows
  remain, ``UpdateCount`` for INSERT and CTAS. ``MaxResults`` is 1 to 1000 (default 1000).

No moto internals are used here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

MAX_RESULTS = 1000


class BadRequest(ValueError):
    """A GetQueryResults request AWS would refuse (InvalidRequestException)."""


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str  # Athena's name: varchar, bigint, row, ...
    precision: int = 0
    scale: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": self.type,
            "Precision": self.precision,
            "Scale": self.scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": self.type in ("varchar", "char", "string"),
        }


@dataclass
class ResultSet:
    columns: list[ResultColumn] = field(default_factory=list)
    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    header: bool = True  # SELECT-like results start with a header row
    update_count: int | None = None

    @property
    def all_rows(self) -> list[tuple[str | None, ...]]:
        if self.header and self.columns:
            return [tuple(c.name for c in self.columns), *self.rows]
        return self.rows


def _csv_field(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def csv_bytes(result: ResultSet) -> bytes:
    lines = [",".join(_csv_field(v) for v in row) for row in result.all_rows]
    return "".join(line + "\n" for line in lines).encode()


def text_bytes(result: ResultSet) -> bytes:
    lines = ["\t".join("" if v is None else v for v in row) for row in result.rows]
    return "".join(line + "\n" for line in lines).encode()


def metadata_bytes(result: ResultSet) -> bytes:
    doc: dict[str, Any] = {"ColumnInfo": [c.info() for c in result.columns]}
    if result.update_count is not None:
        doc["UpdateCount"] = result.update_count
    return json.dumps(doc, indent=1).encode()


def _token(execution_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{execution_id}:{offset}".encode()).decode()


def _offset(execution_id: str, token: str | None) -> int:
    if not token:
        return 0
    try:
        owner, _, offset = base64.urlsafe_b64decode(token.encode()).decode().rpartition(":")
        if owner == execution_id and int(offset) >= 0:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise BadRequest("The NextToken is not valid for this query execution.")


def page(
    result: ResultSet, execution_id: str, max_results: Any = None, token: str | None = None
) -> dict[str, Any]:
    """One GetQueryResults response."""
    if max_results is None:
        size = MAX_RESULTS
    else:
        try:
            size = int(max_results)
        except (TypeError, ValueError):
            raise BadRequest("MaxResults must be a number between 1 and 1000.") from None
        if not 1 <= size <= MAX_RESULTS:
            raise BadRequest(
                f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
                "constraint: Member must have value less than or equal to 1000"
                if size > MAX_RESULTS
                else f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
                "satisfy constraint: Member must have value greater than or equal to 1"
            )
    start = _offset(execution_id, token)
    rows = result.all_rows
    chunk = rows[start : start + size]
    body: dict[str, Any] = {
        "ResultSet": {
            "Rows": [
                {"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in chunk
            ],
            "ResultSetMetadata": {"ColumnInfo": [c.info() for c in result.columns]},
        },
        "UpdateCount": result.update_count or 0,
    }
    if start + size < len(rows):
        body["NextToken"] = _token(execution_id, start + size)
    return body
