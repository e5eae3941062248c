"""Lambda functions run for real: Python handlers in a subprocess of the emulator, no Docker.

moto alone stores functions, versions, aliases, layers and event source mappings, but its
``invoke`` needs Docker to run anything, and every path that triggers a function (SQS and
Kinesis mappings, S3 notifications, SNS, EventBridge, log subscriptions, DynamoDB streams,
Secrets Manager rotation) goes through ``LambdaFunction.invoke``.

This module replaces that one method, so all of those paths run the handler:

- ``RequestResponse`` returns the handler's JSON result (StatusCode 200, ExecutedVersion);
  ``LogType=Tail`` returns the last 4 KB of the log; a raising handler gives FunctionError
  ``Unhandled`` and ``{errorMessage, errorType, requestId, stackTrace}``; a timeout kills the
  process group and gives ``Sandbox.Timedout`` "Task timed out after N.00 seconds".
- ``Event`` (202) runs in the background with AWS's retries (EventInvokeConfig
  MaximumRetryAttempts, default 2, after 1 and 2 minutes times ``ctx.time_scale``);
  ``DryRun`` (204) runs nothing.
- Every run writes START / output / END / REPORT to ``/aws/lambda/<name>`` in the function's
  account and region. ReservedConcurrentExecutions throttles synchronous calls.
- Invoke's ``Qualifier`` selects the version or alias (moto ignores it), and the deprecated
  InvokeAsync API runs in the background.
- Runtimes python3.11 and later all run on the emulator's own interpreter (the minor version is
  not enforced); other runtimes and container images fail with InvalidRuntimeException.

Triggers (``lambda_runtime_sources``): SQS and Kinesis mappings are polled by a daemon thread in
batches; S3 notifications, SNS (protocol lambda, with a real SNS event), EventBridge and log
subscription deliveries are asynchronous, as on AWS. How one invocation runs: see
``lambda_runtime_sandbox``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import lambda_runtime_sandbox as sandbox
from labkit.emulator.extensions.lambda_runtime_sandbox import LambdaServiceError, Outcome

log = logging.getLogger(__name__)

ASYNC_WORKERS = 8
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)  # AWS's delays between asynchronous attempts
THROTTLE_WAIT_S = 60.0  # how long a throttled asynchronous event waits for a free slot


class Runtime:
    """The running Lambda service of one emulator: invocations, background work, throttling."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.generation = 0  # bumped on reset: queued or delayed work of older state is dropped
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str, str], int] = {}
        self._jobs: queue.Queue[tuple[int, Callable[[], None]]] = queue.Queue()
        for i in range(ASYNC_WORKERS):
            threading.Thread(target=self._worker, name=f"lambda-async-{i}", daemon=True).start()

    # --- running functions ------------------------------------------------------------------

    def run(self, fn: Any, event: Any, client_context: Any = None) -> Outcome:
        """Run ``fn`` now and wait; TooManyRequestsException when its reserved concurrency is
        used up."""
        key = (fn.account_id, fn.region, fn.function_name)
        with self._lock:
            reserved = _reserved(fn)
            if reserved is not None and self._running.get(key, 0) >= reserved:
                raise LambdaServiceError("TooManyRequestsException", "Rate Exceeded.", 429)
            self._running[key] = self._running.get(key, 0) + 1
        try:
            return sandbox.invoke(
                self.ctx.state_dir, self.ctx.endpoint_url, fn, event, client_context
            )
        finally:
            with self._lock:
                self._running[key] -= 1

    def run_async(self, fn: Any, event: Any, attempt: int = 0) -> None:
        """Queue an asynchronous invocation (Event type, S3, SNS, EventBridge)."""
        self.submit(lambda: self._attempt(fn, event, attempt))

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put((self.generation, job))

    def _attempt(self, fn: Any, event: Any, attempt: int) -> None:
        deadline = time.monotonic() + THROTTLE_WAIT_S
        while True:
            try:
                outcome = self.run(fn, event)
                break
            except LambdaServiceError as e:
                throttled = e.error_type == "TooManyRequestsException"
                if not throttled or time.monotonic() > deadline or _reserved(fn) == 0:
                    log.warning("asynchronous invocation of %s dropped: %s", fn.function_arn, e)
                    return
                time.sleep(0.2)
        if not outcome.function_error or attempt >= _max_retries(fn):
            return
        generation = self.generation
        delay = self.ctx.seconds(ASYNC_RETRY_DELAYS_S[min(attempt, 1)])

        def retry() -> None:
            if self.generation == generation:
                self.run_async(fn, event, attempt + 1)

        timer = threading.Timer(delay, retry)
        timer.daemon = True
        timer.start()

    def _worker(self) -> None:
        while True:
            generation, job = self._jobs.get()
            if generation != self.generation:
                continue
            try:
                job()
            except Exception:
                log.exception("asynchronous Lambda work failed")

    def reset(self) -> None:
        """Drop queued and delayed asynchronous work; running invocations finish (and keep
        counting against their function's concurrency until then)."""
        self.generation += 1


_runtime: Runtime | None = None
_poller: Any = None


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("lambda_runtime is not installed")
    return _runtime


def _reserved(fn: Any) -> int | None:
    reserved = fn.reserved_concurrency
    return None if reserved is None else int(reserved)


def _max_retries(fn: Any) -> int:
    for config in getattr(fn, "event_invoke_config", None) or []:
        if "MaximumRetryAttempts" in config.config:
            return int(config.config["MaximumRetryAttempts"])
    return 2


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key in (name, name.lower()):
        value = headers.get(key)
        if value is not None:
            return str(value)
    return None


def _parse_event(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as e:
        raise LambdaServiceError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {e}",
            400,
        ) from None


def _client_context(headers: Any) -> Any:
    raw = _header(headers, "X-Amz-Client-Context")
    if not raw:
        return None
    try:
        return json.loads(base64.b64decode(raw))
    except (ValueError, binascii.Error):
        raise LambdaServiceError(
            "InvalidRequestContentException", "Client context must be base64 JSON", 400
        ) from None


def function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """Replacement for ``moto.awslambda.models.LambdaFunction.invoke``.

    ``request_headers`` carry the invocation type for API calls; moto's internal callers pass
    ``{}`` and expect a synchronous run and ``x-amz-function-error`` on failure."""
    runtime = current()
    invocation_type = (
        getattr(_forced, "invocation_type", None)
        or _header(request_headers, "X-Amz-Invocation-Type")
        or "RequestResponse"
    )
    event = _parse_event(body)
    sandbox.check_runnable(self)
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        runtime.run_async(self, event)
        return b""
    outcome = runtime.run(self, event, _client_context(request_headers))
    if outcome.function_error:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["x-amz-log-result"] = outcome.log_tail
    response_headers["x-amz-executed-version"] = str(self.version)
    return outcome.payload


_patched = False
_forced = threading.local()  # the invocation type of an API without the header (InvokeAsync)


def _patch() -> None:
    global _patched
    if _patched:
        return
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    from labkit.emulator.extensions import lambda_runtime_sources

    response_invoke = LambdaResponse.invoke
    response_invoke_async = LambdaResponse.invoke_async

    def invoke(self: Any) -> Any:
        # moto reads the qualifier as "qualifier": never in the query string (boto3 sends
        # "Qualifier"), but from the event payload when it has such a key.
        self.querystring["qualifier"] = [(self.querystring.get("Qualifier") or [None])[0]]
        return response_invoke(self)

    def invoke_async(self: Any) -> Any:
        # The deprecated InvokeAsync API: an Event invocation without the header that says so.
        _forced.invocation_type = "Event"
        try:
            return response_invoke_async(self)
        finally:
            _forced.invocation_type = None

    LambdaFunction.invoke = function_invoke  # type: ignore[method-assign]
    LambdaResponse.invoke = invoke  # type: ignore[method-assign]
    LambdaResponse.invoke_async = invoke_async  # type: ignore[method-assign]
    lambda_runtime_sources.patch(current)
    _patched = True


def install(ctx: EmulatorContext) -> None:
    """Run Python Lambda functions for real and poll their event sources."""
    global _runtime, _poller
    from labkit.emulator.extensions import lambda_runtime_sources

    if _runtime is not None:  # installed again in this process: the newest context wins
        _runtime.reset()
        _poller.stop()
    _runtime = Runtime(ctx)
    _poller = lambda_runtime_sources.Poller(current)
    _patch()
    _poller.start()

    def on_reset() -> None:
        current().reset()

    ctx.on_reset(on_reset)
