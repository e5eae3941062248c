"""Read the Oracle data export of schema RETAIL (``oracle/data/<TABLE>.csv.gz``).

Rows come back exactly as exported: dicts keyed by the upper-case column names, every value a
string (DATE as ``YYYY-MM-DD HH24:MI:SS``, NULL as ``""``, numbers as plain decimals).
"""

from __future__ import annotations

import csv
import gzip
import io
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "oracle" / "data"
TABLES = ("CATEGORIES", "CUSTOMERS", "PRODUCTS", "INVENTORY", "ORDERS", "ORDER_LINES")


def path(name: str) -> Path:
    """The export file of table ``name`` (case-insensitive); ValueError for an unknown table."""
    key = str(name).strip().upper()
    if key.startswith("RETAIL."):
        key = key[len("RETAIL.") :]
    if key not in TABLES:
        raise ValueError(
            f"unknown table {name!r} in the RETAIL export; the tables are: {', '.join(TABLES)}"
        )
    return DATA / f"{key}.csv.gz"


def raw_csv(name: str) -> bytes:
    """The decompressed CSV of table ``name`` (header line first)."""
    return gzip.decompress(path(name).read_bytes())


@cache
def _rows(key: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    reader = csv.reader(io.StringIO(raw_csv(key).decode("utf-8"), newline=""))
    header = tuple(next(reader))
    return header, tuple(tuple(r) for r in reader)


def columns(name: str) -> tuple[str, ...]:
    """Column names of table ``name``, in export order."""
    path(name)
    return _rows(str(name).strip().upper().removeprefix("RETAIL."))[0]


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of table ``name`` as fresh dicts of strings (safe to modify)."""
    path(name)
    header, rows = _rows(str(name).strip().upper().removeprefix("RETAIL."))
    return [dict(zip(header, row, strict=True)) for row in rows]
