"""What an Athena statement is, and the job that runs it (``athena_sql``).

:func:`classify` tells, from the statement's leading keywords (comments skipped), its
``StatementType`` (DDL, DML, UTILITY) and ``SubstatementType`` (SELECT, INSERT,
CREATE_TABLE_AS_SELECT, CREATE_TABLE, MSCK_REPAIR_TABLE, SHOW_TABLES, ...), or refuses what the
emulator does not run (views, UNLOAD, DELETE/UPDATE/MERGE, EXPLAIN, prepared statements) with
``NOT_SUPPORTED``. It only uses regular expressions, so the API answers without loading the
SQL engine. :class:`Job` is one query execution as the engine sees it.

No moto internals are used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, not_supported

_COMMENTS = re.compile(r"^\s*(?:--[^\n]*(?:\n|$)\s*|/\*.*?\*/\s*)*", re.S)
_TABLE = r"(?:IF\s+NOT\s+EXISTS\s+)?[\w.`\"]+"
_KINDS: list[tuple[str, str, str]] = [
    (r"(?:SELECT|WITH|VALUES|TABLE)\b|\(", "DML", "SELECT"),
    (r"INSERT\s+INTO\b", "DML", "INSERT"),
    (rf"CREATE\s+TABLE\s+{_TABLE}\s*(?:WITH\b|AS\b)", "DML", "CREATE_TABLE_AS_SELECT"),
    (r"CREATE\s+(?:EXTERNAL\s+)?TABLE\b", "DDL", "CREATE_TABLE"),
    (r"CREATE\s+(?:DATABASE|SCHEMA)\b", "DDL", "CREATE_DATABASE"),
    (r"DROP\s+(?:DATABASE|SCHEMA)\b", "DDL", "DROP_DATABASE"),
    (r"DROP\s+TABLE\b", "DDL", "DROP_TABLE"),
    (r"MSCK\s+REPAIR\s+TABLE\b", "DDL", "MSCK_REPAIR_TABLE"),
    (
        r"ALTER\s+TABLE\s+\S+\s+ADD\s+(?:IF\s+NOT\s+EXISTS\s+)?PARTITION\b",
        "DDL",
        "ALTER_TABLE_ADD_PARTITION",
    ),
    (
        r"ALTER\s+TABLE\s+\S+\s+DROP\s+(?:IF\s+EXISTS\s+)?PARTITION\b",
        "DDL",
        "ALTER_TABLE_DROP_PARTITION",
    ),
    (r"SHOW\s+TABLES\b", "UTILITY", "SHOW_TABLES"),
    (r"SHOW\s+(?:DATABASES|SCHEMAS)\b", "UTILITY", "SHOW_DATABASES"),
    (r"SHOW\s+PARTITIONS\b", "UTILITY", "SHOW_PARTITIONS"),
    (r"SHOW\s+COLUMNS\b", "UTILITY", "SHOW_COLUMNS"),
    (r"(?:DESCRIBE|DESC)\b", "UTILITY", "DESCRIBE_TABLE"),
]
_UNSUPPORTED = [
    (r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\b", "CREATE VIEW"),
    (r"DROP\s+VIEW\b", "DROP VIEW"),
    (r"UNLOAD\b", "UNLOAD"),
    (r"(?:DELETE|UPDATE|MERGE)\b", "DELETE, UPDATE and MERGE"),
    (r"EXPLAIN\b", "EXPLAIN"),
    (r"(?:PREPARE|EXECUTE|DEALLOCATE)\b", "Prepared statements"),
    (r"(?:OPTIMIZE|VACUUM)\b", "OPTIMIZE and VACUUM"),
    (r"SHOW\s+\w+", "This SHOW statement"),
    (r"ALTER\s+\w+", "This ALTER statement"),
]


@dataclass(frozen=True)
class Kind:
    statement_type: str
    substatement_type: str


def classify(query: str) -> Kind:
    """The statement's kind; NOT_SUPPORTED or SYNTAX_ERROR for what the emulator cannot run."""
    text = _COMMENTS.sub("", query, count=1)
    for pattern, statement, sub in _KINDS:
        if re.match(pattern, text, re.I):
            return Kind(statement, sub)
    for pattern, what in _UNSUPPORTED:
        match = re.match(pattern, text, re.I)
        if match:
            raise not_supported(what if what != "This SHOW statement" else match.group(0).upper())
    word = (text.split() or [""])[0]
    raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: mismatched input '{word}'")


@dataclass
class Job:
    """One query execution: what to run, where, and its cancellation handle."""

    query: str
    account: str
    region: str
    database: str
    execution_id: str
    output_dir: str  # s3://bucket/prefix/ of the result files
    kind: Kind
    parameters: list[str] = field(default_factory=list)
    cursor: Any = None
    cancelled: bool = False
