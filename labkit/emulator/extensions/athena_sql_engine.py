"""Runs one Athena statement on DuckDB, for ``athena_sql``.

:class:`Engine` owns one DuckDB database for the emulator process (a cursor per query, so a
query can be interrupted alone; Parquet metadata cached across queries) and the object cache,
and runs a :class:`~athena_sql_statements.Job`: queries through ``athena_sql_translate``;
``CREATE TABLE AS`` and ``INSERT INTO`` through ``athena_sql_write``; DDL through
``athena_sql_ddl``; SHOW and DESCRIBE through ``athena_sql_show``. This module (and sqlglot
with it) is imported by the first query, not when the emulator starts.

No moto internals are used here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.emulator.extensions import athena_sql_ddl as ddl
from labkit.emulator.extensions import athena_sql_write as write
from labkit.emulator.extensions.athena_sql_cache import ObjectCache
from labkit.emulator.extensions.athena_sql_catalog import Listing, TableSpec
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError, from_duckdb
from labkit.emulator.extensions.athena_sql_results import ResultColumn, ResultSet
from labkit.emulator.extensions.athena_sql_scan import ParquetColumns, Scan, scan
from labkit.emulator.extensions.athena_sql_statements import Job
from labkit.emulator.extensions.athena_sql_translate import (
    Compiled,
    Scanner,
    Translations,
    compile_query,
    parse,
)
from labkit.emulator.extensions.athena_sql_types import athena_type, render

# DuckDB spills to the state directory beyond this, so one learner's runaway query cannot take
# the machine's memory from the other emulators grading next to it.
MEMORY_LIMIT = "2GB"


@dataclass
class Outcome:
    result: ResultSet
    scanned_bytes: int = 0


class Run:
    """A job while it runs: its cursor and S3 listing; what DDL and writers use."""

    def __init__(self, engine: Engine, job: Job, cursor: Any) -> None:
        self.engine = engine
        self.job = job
        self.cursor = cursor
        self.listing = Listing(job.account)
        self.scans: list[Scan] = []

    def scan(self, spec: TableSpec, conditions: list[list[str]] | None) -> Scan:
        found = scan(
            self.cursor,
            self.job.account,
            self.job.region,
            spec,
            conditions,
            self.listing,
            self.engine.cache,
            self.engine.parquet,
        )
        self.scans.append(found)
        return found

    def compile(self, tree: Any, cache_key: Any = None) -> Compiled:
        """DuckDB SQL for a query tree (or a function parsing it, when ``cache_key`` is given:
        a translation cached under that key is reused)."""
        scanner = Scanner(self.job.account, self.job.region, self.job.database, self.scan)
        return compile_query(
            self.job.query, tree, scanner, self._binds, self.engine.translations, cache_key
        )

    def _binds(self, sql: str) -> bool:
        try:
            self.cursor.execute(f"DESCRIBE {sql}")
            return True
        except Exception:  # noqa: BLE001 - any bind failure means "no"
            return False

    def execute(self, sql: str) -> Any:
        try:
            return self.cursor.execute(sql)
        except AthenaQueryError:
            raise
        except Exception as e:  # noqa: BLE001 - every DuckDB error becomes an Athena error
            if self.job.cancelled:
                raise AthenaQueryError("USER_CANCELED", "Query was canceled by user", 1011) from e
            raise _malformed(e) or from_duckdb(e) from e


def _malformed(e: Exception) -> AthenaQueryError | None:
    if "Malformed JSON" in str(e):
        return AthenaQueryError(
            "HIVE_CURSOR_ERROR", "Row is not a valid JSON Object - " + str(e).split("\n")[0], 1001
        )
    return None


class Engine:
    """DuckDB and the object cache of one emulator process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache = ObjectCache(root / "cache")
        self.parquet = ParquetColumns()
        self.translations = Translations()
        self._db: Any = None
        self._lock = threading.Lock()

    def _cursor(self) -> Any:
        with self._lock:
            if self._db is None:
                import duckdb

                spill = self.root / "spill"
                spill.mkdir(parents=True, exist_ok=True)
                self._db = duckdb.connect(
                    config={"temp_directory": str(spill), "memory_limit": MEMORY_LIMIT}
                )
                self._db.execute("SET parquet_metadata_cache = true")
                # DuckDB 2.0's type_pushdown turns TRY_CAST over a CSV column into a hard cast
                # in the reader (one bad value fails the query instead of reading as NULL).
                self._db.execute("SET disabled_optimizers = 'type_pushdown'")
            return self._db.cursor()

    def reset(self) -> None:
        self.cache.clear()
        self.parquet.clear()
        self.translations.clear()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def run(self, job: Job) -> Outcome:
        """Run ``job``; raises AthenaQueryError when it fails."""
        cursor = self._cursor()
        job.cursor = cursor
        try:
            run = Run(self, job, cursor)
            sub = job.kind.substatement_type
            if sub == "SELECT":
                result = self._select(run)
            elif sub == "CREATE_TABLE_AS_SELECT":
                result = write.create_table_as(run, parse(job.query, job.parameters))
            elif sub == "INSERT":
                result = write.insert_into(run, parse(job.query, job.parameters))
            else:
                result = ddl.run(run, sub)
            return Outcome(result, sum(s.bytes for s in run.scans))
        finally:
            job.cursor = None
            cursor.close()

    def _select(self, run: Run) -> ResultSet:
        job = run.job
        key = (job.query, tuple(job.parameters), job.database.lower())
        compiled = run.compile(lambda: parse(job.query, job.parameters), key)
        cursor = run.execute(compiled.sql)
        return fetch(run, cursor)


def fetch(run: Run, cursor: Any) -> ResultSet:
    """The rows of an executed DuckDB cursor, rendered as Athena prints them."""
    description = cursor.description or []
    columns = [ResultColumn(name.lower(), *athena_type(t)) for name, t, *_ in description]
    ids = [t.id for _, t, *_ in description]
    rows: list[tuple[str | None, ...]] = []
    while True:
        try:
            chunk = cursor.fetchmany(10000)
        except Exception as e:  # noqa: BLE001 - errors can surface while fetching
            if run.job.cancelled:
                raise AthenaQueryError("USER_CANCELED", "Query was canceled by user", 1011) from e
            raise _malformed(e) or from_duckdb(e) from e
        if not chunk:
            break
        rows.extend(tuple(render(v, i) for v, i in zip(row, ids, strict=True)) for row in chunk)
    return ResultSet(columns, rows)
