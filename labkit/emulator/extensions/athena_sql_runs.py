"""The life of an Athena query execution on the emulator, for ``athena_sql``.

A :class:`QueryRun` is the emulator's record of one execution (it hangs on moto's
``Execution`` as ``labkit_run``). :func:`submit` queues it on a small thread pool: ``QUEUED``
-> ``RUNNING`` -> ``SUCCEEDED`` | ``FAILED`` | ``CANCELLED``. Running it means checking the
output bucket, running the statement on the :class:`~athena_sql_engine.Engine` (imported, with
sqlglot and DuckDB, by the first query) and writing the result files
(``<id>.csv`` + ``<id>.csv.metadata``, or ``<id>.txt`` for DDL) before the state turns
``SUCCEEDED``. :func:`cancel` interrupts DuckDB; :func:`reset` (after ``POST /moto-api/reset``)
cancels every running query, discards what it would still write, and empties the object cache;
:func:`close` (when the emulator shuts down) also closes DuckDB.

moto internals touched (check them on a moto upgrade): moto's ``Execution._status`` (kept equal
to the run's state, for ``ListQueryExecutions`` and friends), ``Execution.config``
(``OutputLocation``) and ``S3Backend.put_object``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.emulator.extensions.athena_sql_catalog import s3, split_s3
from labkit.emulator.extensions.athena_sql_errors import SYSTEM, AthenaQueryError
from labkit.emulator.extensions.athena_sql_results import (
    ResultSet,
    csv_bytes,
    metadata_bytes,
    text_bytes,
)
from labkit.emulator.extensions.athena_sql_statements import Job

log = logging.getLogger(__name__)

WORKERS = 4
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclass(eq=False)
class QueryRun:
    """The emulator's record of one query execution."""

    job: Job
    workgroup: str
    generation: int
    state: str = "QUEUED"
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    engine_ms: int = 0
    processing_ms: int = 0
    scanned: int = 0
    error: AthenaQueryError | None = None
    reason: str | None = None
    result: ResultSet | None = None


class _State:
    root: Path | None = None
    engine: Any = None  # athena_sql_engine.Engine, created by the first query (or warm())
    warming = False
    pool: ThreadPoolExecutor | None = None
    generation = 0
    active: set[QueryRun] = set()
    lock = threading.RLock()  # private: see rds_global._State.lock


def configure(root: Path) -> None:
    """Keep the engine's files under ``root`` (the emulator's state directory)."""
    with _State.lock:
        _State.root = root
        _State.engine = None
        if _State.pool is None:
            _State.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="athena-sql")


def engine() -> Any:
    with _State.lock:
        if _State.engine is None:
            from labkit.emulator.extensions.athena_sql_engine import Engine

            assert _State.root is not None, "athena_sql is not installed"
            _State.engine = Engine(_State.root)
        return _State.engine


def warm() -> None:
    """Load the SQL engine (sqlglot, DuckDB: about 0.25 s) in the background, once, so that
    the first query does not wait for it. Called when a Glue database or table is created: an
    emulator that gets a catalog is about to be queried; others never pay for it."""
    with _State.lock:
        if _State.engine is not None or _State.warming or _State.pool is None:
            return
        _State.warming = True
        pool = _State.pool
    pool.submit(_warm)


def _warm() -> None:
    try:
        from labkit.emulator.extensions import athena_sql_translate  # imports sqlglot

        athena_sql_translate.parse("SELECT 1")
        engine()._cursor().close()  # imports and opens DuckDB
    except Exception:  # the first query will load it (and report what fails) instead
        log.exception("athena_sql: warming the SQL engine failed")
    finally:
        with _State.lock:
            _State.warming = False


def new_run(job: Job, workgroup: str) -> QueryRun:
    with _State.lock:
        return QueryRun(job, workgroup, _State.generation)


def submit(run: QueryRun, execution: Any) -> None:
    assert _State.pool is not None
    _State.pool.submit(_execute, run, execution)


def _set_state(run: QueryRun, execution: Any, state: str) -> None:
    run.state = state
    if execution is not None:
        execution._status = state
    if state in DONE:
        run.completed = time.time()


def _execute(run: QueryRun, execution: Any) -> None:
    with _State.lock:
        if run.state != "QUEUED" or run.generation != _State.generation:
            return
        _set_state(run, execution, "RUNNING")
        run.started = time.time()
        _State.active.add(run)
    try:
        job = run.job
        bucket, _ = split_s3(job.output_dir)
        if bucket not in s3(job.account).buckets:
            raise AthenaQueryError("", f"Unable to verify/create output bucket {bucket}", 1306)
        t0 = time.perf_counter()
        outcome = engine().run(job)
        t1 = time.perf_counter()
        _store(run, execution, outcome.result)
        run.engine_ms = int((t1 - t0) * 1000)
        run.processing_ms = int((time.perf_counter() - t1) * 1000)
        run.scanned = outcome.scanned_bytes
        with _State.lock:
            if run.state == "RUNNING" and run.generation == _State.generation:
                run.result = outcome.result
                _set_state(run, execution, "SUCCEEDED")
    except AthenaQueryError as e:
        fail(run, execution, e)
    except Exception as e:  # noqa: BLE001 - a bug must fail the query, not hang it
        log.exception("Athena query %s failed in the emulator", run.job.execution_id)
        fail(run, execution, AthenaQueryError("GENERIC_INTERNAL_ERROR", str(e), 200, SYSTEM))
    finally:
        with _State.lock:
            _State.active.discard(run)


def fail(run: QueryRun, execution: Any, error: AthenaQueryError) -> None:
    with _State.lock:
        if run.state in DONE:
            return
        run.error = error
        run.reason = error.message
        _set_state(run, execution, "FAILED")


def _store(run: QueryRun, execution: Any, result: ResultSet) -> None:
    """Write the result files to the output location (unless a reset or stop intervened)."""
    if run.generation != _State.generation or run.state != "RUNNING":
        return
    bucket, key = split_s3(execution.config["OutputLocation"])
    backend = s3(run.job.account)
    if key.endswith(".txt"):
        backend.put_object(bucket_name=bucket, key_name=key, value=text_bytes(result))
        return
    backend.put_object(bucket_name=bucket, key_name=key, value=csv_bytes(result))
    backend.put_object(bucket_name=bucket, key_name=key + ".metadata", value=metadata_bytes(result))


def cancel(run: QueryRun, execution: Any | None) -> None:
    """Stop a queued or running query (a finished one is left as it is)."""
    with _State.lock:
        if run.state in DONE:
            return
        run.job.cancelled = True
        run.reason = "Query was cancelled by user"
        _set_state(run, execution, "CANCELLED")
        cursor = run.job.cursor
    if cursor is not None:
        try:
            cursor.interrupt()
        except Exception:  # noqa: BLE001 - the query may have just finished
            pass


def reset() -> None:
    with _State.lock:
        _State.generation += 1
        running = list(_State.active)
    for run in running:
        cancel(run, None)
    with _State.lock:
        if _State.engine is not None:
            _State.engine.reset()


def close() -> None:
    """The emulator shuts down: cancel running queries and close DuckDB."""
    reset()
    with _State.lock:
        if _State.engine is not None:
            _State.engine.close()
            _State.engine = None


def cache_report() -> dict[str, int]:
    """What the object cache holds: objects, bytes, objects copied since the last reset; and
    whether DuckDB is loaded."""
    with _State.lock:
        current = _State.engine
    if current is None:
        return {"objects": 0, "bytes": 0, "copied": 0, "engine_loaded": False}
    files = [p for p in (current.cache.root / "objects").rglob("*") if p.is_file()]
    return {
        "objects": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "copied": current.cache.copied,
        "engine_loaded": current._db is not None,
    }
