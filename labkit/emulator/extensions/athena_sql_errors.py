"""Failed Athena queries: the error a query reports, shaped like Athena's.

A query that fails on AWS ends in state ``FAILED`` with ``StateChangeReason`` and
``AthenaError`` (``ErrorCategory`` 1 system / 2 user / 3 other, ``ErrorType`` from the Athena
error catalog, ``Retryable``, ``ErrorMessage``). The message starts with Trino's error name
(``TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist``).
:class:`AthenaQueryError` carries those fields from wherever the emulator finds the problem;
:func:`from_duckdb` translates DuckDB's exceptions into the closest Athena error.

Error types used (from the Athena error catalog): 1001 data error, 1003 DDL task failed,
1004 schema error, 1006 syntax error, 1100 invalid argument, 1110 table or view does not
exist, 1200 query not supported, 1303 function not found, 1306 S3 bucket not found,
200 query engine internal error.

No moto internals are used here.
"""

from __future__ import annotations

import re
from typing import Any

USER, SYSTEM = 2, 1


class AthenaQueryError(Exception):
    """A query failed; ``name`` is Trino's error name (``SYNTAX_ERROR``, ...)."""

    def __init__(
        self, name: str, message: str, error_type: int = 1006, category: int = USER
    ) -> None:
        super().__init__(f"{name}: {message}" if name else message)
        self.name = name
        self.error_type = error_type
        self.category = category

    @property
    def message(self) -> str:
        return str(self)

    def athena_error(self) -> dict[str, Any]:
        return {
            "ErrorCategory": self.category,
            "ErrorType": self.error_type,
            "Retryable": False,
            "ErrorMessage": self.message,
        }


def not_supported(what: str) -> AthenaQueryError:
    """A statement or feature Athena has and the emulator does not."""
    return AthenaQueryError(
        "NOT_SUPPORTED", f"{what} is not supported by the emulator's Athena", error_type=1200
    )


def position(query: str, offset: int) -> str:
    """``line L:C`` of a 0-based character offset, as Trino reports positions."""
    before = query[:offset]
    return f"line {before.count(chr(10)) + 1}:{offset - (before.rfind(chr(10)) + 1) + 1}"


_PATTERNS: list[tuple[str, str, str, int]] = [
    # (DuckDB message regex, Trino error name, message template, Athena error type)
    (
        r'Referenced column "([^"]+)" not found',
        "COLUMN_NOT_FOUND",
        "Column '{0}' cannot be resolved or requester is not authorized to access "
        "requested resources",
        1006,
    ),
    (
        r"(?:Scalar|Aggregate|Table) Function with name \"?([\w.]+)\"? does not exist",
        "FUNCTION_NOT_FOUND",
        "Function '{0}' not registered",
        1303,
    ),
    (
        r"Could not convert string '([^']*)' to (\w+)",
        "INVALID_CAST_ARGUMENT",
        "Cannot cast '{0}' to {1}",
        1001,
    ),
    (r"Division by zero|division by zero", "DIVISION_BY_ZERO", "Division by zero", 1001),
]


def from_duckdb(exc: Exception) -> AthenaQueryError:
    """The Athena error closest to a DuckDB exception (its text kept after the name)."""
    text = str(exc).strip()
    for pattern, name, template, error_type in _PATTERNS:
        match = re.search(pattern, text)
        if match:
            return AthenaQueryError(name, template.format(*match.groups()), error_type)
    kind = type(exc).__name__
    detail = text.split("\n")[0]
    if kind in ("ConversionException", "OutOfRangeException", "InvalidInputException"):
        return AthenaQueryError("INVALID_FUNCTION_ARGUMENT", detail, 1001)
    if kind in ("BinderException", "CatalogException", "ParserException"):
        return AthenaQueryError("SYNTAX_ERROR", detail, 1006)
    if kind == "InterruptException":
        return AthenaQueryError("USER_CANCELED", "Query was canceled by user", 1011)
    if kind == "OutOfMemoryException":
        return AthenaQueryError("EXCEEDED_LOCAL_MEMORY_LIMIT", detail, 0, SYSTEM)
    return AthenaQueryError("GENERIC_INTERNAL_ERROR", detail, 200, SYSTEM)
