"""The Athena API actions ``athena_sql`` answers in place of moto.

- ``StartQueryExecution``: workgroup (default ``primary``; unknown: moto's error), output
  location (the request's, or the workgroup's, which wins when the workgroup enforces its
  configuration; none: ``InvalidRequestException`` "No output location provided. ..."),
  ``QueryExecutionContext`` (``Database``, default ``default``; ``Catalog`` AwsDataCatalog),
  ``ExecutionParameters``; the statement is classified, recorded by moto and queued. A
  statement the emulator cannot run still gets an id and ends ``FAILED``, as on AWS.
- ``GetQueryExecution`` and ``BatchGetQueryExecution`` (moto lacks it): ``StatementType``,
  ``SubstatementType``, ``Status`` (``StateChangeReason`` and ``AthenaError`` on failure),
  ``Statistics``, ``ResultConfiguration``, ``EngineVersion``.
- ``GetQueryResults``: ``InvalidRequestException`` until the query succeeded; then pages
  (``athena_sql_results.page``).
- ``StopQueryExecution``: cancels a queued or running query.
- An unknown ``QueryExecutionId`` is ``InvalidRequestException`` (moto: HTTP 500).

A query started while moto's canned-results queue is not empty is left to moto entirely.

moto internals patched (check them on a moto upgrade): ``moto.athena.responses.AthenaResponse``
(``start_query_execution``, ``get_query_execution``, ``get_query_results``,
``stop_query_execution`` wrapped, ``batch_get_query_execution`` added; ``athena_backend``,
``_get_param``, ``current_account``, ``region``, ``error``), ``AthenaBackend.work_groups``,
``.executions``, ``.query_results_queue``, ``.start_query_execution`` and moto's
``Execution`` (``id``, ``query``, ``context``, ``config``, ``_status``, ``_transitions``);
``moto.glue.models.GlueBackend.create_database`` and ``.create_table`` wrapped to load the SQL
engine in the background (``athena_sql_runs.warm``) once a catalog is being built.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from labkit.emulator.extensions import athena_sql_runs as runs
from labkit.emulator.extensions.athena_sql_catalog import split_s3
from labkit.emulator.extensions.athena_sql_errors import AthenaQueryError
from labkit.emulator.extensions.athena_sql_results import BadRequest, page
from labkit.emulator.extensions.athena_sql_statements import Job, Kind, classify

NO_OUTPUT = (
    "No output location provided. An output location is required either through the Workgroup "
    "result configuration setting or as an API input."
)
_MARK = "_labkit_athena_sql"


def _error(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidRequestException", message)


def output_dir(request: dict[str, Any], configuration: dict[str, Any]) -> str | None:
    """Where results go: ``s3://bucket/prefix/``, or None when neither side says."""
    group = (configuration.get("ResultConfiguration") or {}).get("OutputLocation")
    enforced = bool(configuration.get("EnforceWorkGroupConfiguration", True))
    chosen = group if (enforced and group) else (request.get("OutputLocation") or group)
    if not chosen:
        return None
    return chosen if chosen.endswith("/") else chosen + "/"


def _start(original: Any) -> Any:
    @functools.wraps(original)
    def start_query_execution(self: Any) -> Any:
        backend = self.athena_backend
        if backend.query_results_queue:  # moto's canned results: moto's behaviour
            return original(self)
        query = self._get_param("QueryString") or ""
        context = self._get_param("QueryExecutionContext") or {}
        request = dict(self._get_param("ResultConfiguration") or {})
        name = self._get_param("WorkGroup") or "primary"
        parameters = self._get_param("ExecutionParameters") or []
        workgroup = backend.work_groups.get(name)
        if workgroup is None:
            return self.error("WorkGroup does not exist", 400)
        if not query.strip():
            raise _error("QueryString must not be empty")
        output = output_dir(request, workgroup.configuration)
        if output is None:
            raise _error(NO_OUTPUT)
        try:
            split_s3(output)
        except AthenaQueryError:
            raise _error(f"The output location '{output}' is not an s3:// URI") from None
        error = None
        try:
            kind = classify(query)
        except AthenaQueryError as e:
            kind, error = Kind("DML", "SELECT"), e
        catalog_name = (context.get("Catalog") or "AwsDataCatalog").lower()
        if error is None and catalog_name != "awsdatacatalog":
            error = AthenaQueryError(
                "CATALOG_NOT_FOUND",
                f"Catalog '{catalog_name}' is not supported by the emulator (only AwsDataCatalog)",
                1301,
            )
        request["OutputLocation"] = output  # moto appends "<id>.csv"
        exec_id = backend.start_query_execution(
            query=query,
            context=context,
            config=request,
            workgroup=name,
            execution_parameters=parameters or None,
        )
        execution = backend.executions[exec_id]
        execution._transitions = []  # states move only when the worker moves them
        execution._status = "QUEUED"
        if kind.statement_type != "DML":
            execution.config["OutputLocation"] = f"{output}{exec_id}.txt"
        database = context.get("Database") or "default"
        job = Job(
            query,
            self.current_account,
            self.region,
            database,
            exec_id,
            output,
            kind,
            list(parameters),
        )
        run = runs.new_run(job, name)
        execution.labkit_run = run
        if error is not None:
            runs.fail(run, execution, error)
        else:
            runs.submit(run, execution)
        return json.dumps({"QueryExecutionId": exec_id})

    return start_query_execution


def _execution(self: Any, exec_id: str | None) -> Any:
    execution = self.athena_backend.executions.get(exec_id or "")
    if execution is None:
        raise _error(f"QueryExecution {exec_id} was not found")
    return execution


def describe(execution: Any, run: runs.QueryRun) -> dict[str, Any]:
    """The QueryExecution document of GetQueryExecution."""
    status: dict[str, Any] = {"State": run.state, "SubmissionDateTime": run.submitted}
    if run.completed is not None:
        status["CompletionDateTime"] = run.completed
    if run.state == "CANCELLED":
        status["StateChangeReason"] = run.reason or "Query was cancelled by user"
    elif run.error is not None:
        status["StateChangeReason"] = run.error.message
        status["AthenaError"] = run.error.athena_error()
    end = run.completed or time.time()
    queued = ((run.started or end) - run.submitted) * 1000
    doc: dict[str, Any] = {
        "QueryExecutionId": execution.id,
        "Query": execution.query,
        "StatementType": run.job.kind.statement_type,
        "SubstatementType": run.job.kind.substatement_type,
        "ResultConfiguration": execution.config,
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        "QueryExecutionContext": execution.context or {},
        "Status": status,
        "Statistics": {
            "EngineExecutionTimeInMillis": run.engine_ms,
            "DataScannedInBytes": run.scanned,
            "TotalExecutionTimeInMillis": int((end - run.submitted) * 1000),
            "QueryQueueTimeInMillis": int(queued),
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": run.processing_ms,
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        },
        "WorkGroup": run.workgroup,
        "EngineVersion": {
            "SelectedEngineVersion": "AUTO",
            "EffectiveEngineVersion": "Athena engine version 3",
        },
    }
    if run.job.parameters:
        doc["ExecutionParameters"] = run.job.parameters
    return doc


def _get(original: Any) -> Any:
    @functools.wraps(original)
    def get_query_execution(self: Any) -> Any:
        execution = _execution(self, self._get_param("QueryExecutionId"))
        run = getattr(execution, "labkit_run", None)
        if run is None:
            return original(self)
        return json.dumps({"QueryExecution": describe(execution, run)})

    return get_query_execution


def _batch_get(self: Any) -> str:
    found, missing = [], []
    for exec_id in self._get_param("QueryExecutionIds") or []:
        execution = self.athena_backend.executions.get(exec_id)
        run = getattr(execution, "labkit_run", None)
        if run is None:
            missing.append(
                {
                    "QueryExecutionId": exec_id,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": f"QueryExecution {exec_id} was not found",
                }
            )
        else:
            found.append(describe(execution, run))
    return json.dumps({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing})


def _results(original: Any) -> Any:
    @functools.wraps(original)
    def get_query_results(self: Any) -> Any:
        exec_id = self._get_param("QueryExecutionId")
        execution = _execution(self, exec_id)
        run = getattr(execution, "labkit_run", None)
        if run is None:
            return original(self)
        if run.state in ("QUEUED", "RUNNING"):
            raise _error(f"Query has not yet finished. Current state: {run.state}")
        if run.state == "FAILED" and run.error is not None:
            raise _error(run.error.message)
        if run.result is None:
            raise _error(f"Query did not finish successfully. Final query state: {run.state}")
        try:
            body = page(
                run.result, exec_id, self._get_param("MaxResults"), self._get_param("NextToken")
            )
        except BadRequest as e:
            raise _error(str(e)) from None
        return json.dumps(body)

    return get_query_results


def _stop(original: Any) -> Any:
    @functools.wraps(original)
    def stop_query_execution(self: Any) -> Any:
        execution = _execution(self, self._get_param("QueryExecutionId"))
        run = getattr(execution, "labkit_run", None)
        if run is None:
            return original(self)
        runs.cancel(run, execution)
        return json.dumps({})

    return stop_query_execution


def patch_moto() -> None:
    """Install the patches once per process."""
    from moto.athena.responses import AthenaResponse

    if getattr(AthenaResponse, _MARK, False):
        return
    setattr(AthenaResponse, _MARK, True)
    AthenaResponse.start_query_execution = _start(AthenaResponse.start_query_execution)
    AthenaResponse.get_query_execution = _get(AthenaResponse.get_query_execution)
    AthenaResponse.get_query_results = _results(AthenaResponse.get_query_results)
    AthenaResponse.stop_query_execution = _stop(AthenaResponse.stop_query_execution)
    AthenaResponse.batch_get_query_execution = _batch_get  # type: ignore[attr-defined]
    from moto.glue.models import GlueBackend

    for name in ("create_database", "create_table"):
        setattr(GlueBackend, name, _warming(getattr(GlueBackend, name)))


def _warming(method: Callable[..., Any]) -> Callable[..., Any]:
    """A Glue catalog is being built: load the SQL engine before the first query needs it."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = method(self, *args, **kwargs)
        runs.warm()
        return out

    return wrapper
