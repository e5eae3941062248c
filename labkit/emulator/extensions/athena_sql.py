"""Athena runs real SQL: queries execute on DuckDB over the S3 objects of Glue tables.

moto alone (5.2) records ``StartQueryExecution`` and answers ``GetQueryResults`` with no rows
(or canned ones queued through its ``/moto-api/static/athena/query-results`` endpoint). This
extension, in the emulator's process:

- runs each query in a worker thread, as Athena does: ``QUEUED`` -> ``RUNNING`` ->
  ``SUCCEEDED`` | ``FAILED`` | ``CANCELLED`` (``StopQueryExecution`` interrupts DuckDB). Trino
  SQL is transpiled with sqlglot and executed by DuckDB over local copies of the objects of the
  tables' locations, read straight from moto's S3 backend (no HTTP): Parquet, JSON lines,
  delimited text and CSV, gzip/zstd, Hive-style and registered partitions, partition pruning
  (see ``athena_sql_translate``, ``athena_sql_scan``, ``athena_sql_catalog``,
  ``athena_sql_cache``). ``CREATE TABLE AS`` and ``INSERT INTO`` write files to S3 and the
  Glue catalog (``athena_sql_write``); Hive DDL, ``MSCK REPAIR TABLE``, partitions, ``SHOW``
  and ``DESCRIBE`` act on Glue (``athena_sql_ddl``). What is not supported fails with
  ``NOT_SUPPORTED``;
- resolves ``ResultConfiguration.OutputLocation`` as Athena does (the request's, or the
  workgroup's, which wins when the workgroup enforces its configuration); none at all is
  ``InvalidRequestException`` "No output location provided. ..."; an output bucket that does
  not exist fails the query ("Unable to verify/create output bucket ...");
- writes ``<OutputLocation>/<QueryExecutionId>.csv`` and ``.csv.metadata`` for queries and
  ``.txt`` for DDL and utility statements, before the query turns ``SUCCEEDED``;
- ``GetQueryExecution`` (and ``BatchGetQueryExecution``, which moto lacks) report
  ``StatementType``, ``SubstatementType``, ``Status`` with ``StateChangeReason`` and
  ``AthenaError`` on failure, and ``Statistics`` (queue, planning, engine, total time,
  ``DataScannedInBytes``: the size of the objects read); ``GetQueryResults`` pages with
  ``MaxResults`` (1-1000) and ``NextToken``, header row first for queries, Athena type names in
  ``ColumnInfo``, ``UpdateCount`` for INSERT and CTAS (``athena_sql_results``);
- ``GET /_labkit/athena/cache`` reports the object cache (``objects``, ``bytes``, ``copied``);
  ``POST /moto-api/reset`` cancels running queries and empties it.

Workgroups, named queries, prepared statements and data catalogs stay moto's. A query started
while moto's canned-results queue is not empty is left to moto, so that feature still works.

Modules: ``athena_sql_api`` (the API actions), ``athena_sql_runs`` (query lifecycle),
``athena_sql_statements`` (statement kinds), ``athena_sql_engine`` (runs a statement),
``athena_sql_translate``, ``athena_sql_scan``, ``athena_sql_catalog``, ``athena_sql_cache``,
``athena_sql_types``, ``athena_sql_results``, ``athena_sql_write``, ``athena_sql_ddl``,
``athena_sql_partitions``, ``athena_sql_show``, ``athena_sql_errors``. sqlglot and DuckDB are
imported by the first query, so installing the extension costs the emulator's start-up almost
nothing.

moto internals patched (check them on a moto upgrade): ``moto.athena.responses.AthenaResponse``
(see ``athena_sql_api``); moto's Glue and S3 backends are read and written through
``athena_sql_catalog``, ``athena_sql_write``, ``athena_sql_ddl`` and ``athena_sql_partitions``.
"""

from __future__ import annotations

import json
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import athena_sql_runs as runs
from labkit.emulator.extensions.athena_sql_api import patch_moto

CACHE_PATH = "/_labkit/athena/cache"


def _cache_report(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps(runs.cache_report()).encode()
    return "200 OK", [("Content-Type", "application/json")], body


def install(ctx: EmulatorContext) -> None:
    """Patch moto's Athena API in this process (once) and keep the engine's files under
    ``ctx.state_dir``."""
    runs.configure(ctx.state_dir / "athena_sql")
    ctx.on_reset(runs.reset)
    ctx.on_close(runs.close)
    ctx.add_route("GET", CACHE_PATH, _cache_report)
    patch_moto()
