"""Run one Lambda invocation in a fresh interpreter (the emulator starts this file as a script).

Usage: ``python -u lambda_runtime_runner.py SPEC_JSON``. The spec names the handler, the unpacked
code and layers, the event file, the result file, the timeout and the address-space limit.
The handler's stdout and stderr are the function's log; the outcome goes to the result file as
``{"kind": "json"|"bytes"|"error"|"timeout", "body": ..., "init_ms", "duration_ms",
"max_rss_kb"}``. No result file means the runtime died (``Runtime.ExitError``).

It mirrors AWS's Python runtime (awslambdaric): ``module.function`` handlers (``dir/module``
allowed), the ``[ERROR]`` log line, error payloads ``{errorMessage, errorType, requestId,
stackTrace}``, ``Runtime.*`` fault types, a ``LambdaContext`` whose ``memory_limit_in_mb`` is a
string as on AWS, and the root logger's ``[LEVEL]\\ttime\\trequest-id\\tmessage`` format.

Standalone on purpose: it imports nothing from labkit, so handler code sees a clean sys.path.
"""

from __future__ import annotations

import base64
import decimal
import importlib
import json
import logging
import os
import resource
import signal
import sys
import time
import traceback
from typing import Any

NBSP = "\u00a0"


class Fault(Exception):
    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


class LambdaContext:
    """What AWS passes as ``context`` (awslambdaric's LambdaContext, minus X-Ray)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.aws_request_id: str = spec["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn: str = spec["invoked_function_arn"]
        self.client_context = spec.get("client_context")
        self.identity = None
        self.tenant_id = None
        # Set when the handler is called: the timeout runs from then, not from process start.
        self._deadline_ms = int(time.time() * 1000) + int(spec["timeout_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"function_name={self.function_name},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class _RequestIdFilter(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _setup_logging(request_id: str) -> None:
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.terminator = ""
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter(request_id))
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)


def _add_account_header(account_id: str) -> None:
    """Every botocore client the handler creates sends ``x-moto-account-id``."""
    import botocore.session

    original_init = botocore.session.Session.__init__

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.register("before-sign", add_header)

    botocore.session.Session.__init__ = init  # type: ignore[method-assign]


def _load_handler(handler: str) -> Any:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {modname} as a handler module",
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}", trace
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def _peak_rss_kb() -> int:
    """VmHWM: unlike ru_maxrss it does not carry over the emulator's size from before exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _json_default(obj: Any) -> Any:
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _error(message: str, error_type: str, trace: list[str], request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }


def _log_error(error: dict[str, Any]) -> None:
    """The ``[ERROR]`` line AWS writes: one log event, lines joined by carriage returns."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    lines.append("Traceback (most recent call last):")
    for element in error["stackTrace"]:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(NBSP * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


def _user_trace(tb: Any) -> list[str]:
    frames = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    frames = [f for f in frames if os.path.abspath(f.filename) != here]
    return traceback.format_list(frames)


def main(spec_path: str) -> None:
    with open(spec_path) as fh:
        spec = json.load(fh)
    limit = spec.get("address_space_bytes")
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Script directory first on sys.path -> the function's code and layers instead, like AWS.
    sys.path[0:1] = [spec["task_root"], *spec["layer_paths"]]
    os.chdir(spec["task_root"])
    request_id = spec["request_id"]
    result_path = spec["result_path"]
    started = time.monotonic()

    def finish(kind: str, body: str, duration_ms: float) -> None:
        outcome = {
            "kind": kind,
            "body": body,
            "init_ms": init_ms,
            "duration_ms": duration_ms,
            "max_rss_kb": _peak_rss_kb(),
        }
        tmp = result_path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(outcome, fh)
        os.replace(tmp, result_path)

    if spec.get("account_id"):
        _add_account_header(spec["account_id"])
    _setup_logging(request_id)
    with open(spec["event_path"], "rb") as fh:
        event = json.loads(fh.read() or b"{}")
    context = LambdaContext(spec)

    init_ms = 0.0
    try:
        handler = _load_handler(spec["handler"])
    except Fault as f:
        init_ms = (time.monotonic() - started) * 1000
        error = _error(f.message, f.error_type, f.trace, request_id)
        _log_error(error)
        finish("error", json.dumps(error), 0.0)
        return
    except Exception as e:  # an exception while importing the module (init error)
        init_ms = (time.monotonic() - started) * 1000
        error = _error(str(e), type(e).__name__, _user_trace(e.__traceback__), request_id)
        _log_error(error)
        finish("error", json.dumps(error), 0.0)
        return
    init_ms = (time.monotonic() - started) * 1000

    invoked = time.monotonic()
    timeout_s = spec["timeout_ms"] / 1000
    context._deadline_ms = int(time.time() * 1000) + int(spec["timeout_ms"])

    def on_timeout(signum: int, frame: Any) -> None:
        finish("timeout", "", (time.monotonic() - invoked) * 1000)
        os._exit(0)

    signal.signal(signal.SIGALRM, on_timeout)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        response = handler(event, context)
        signal.setitimer(signal.ITIMER_REAL, 0)
        duration = (time.monotonic() - invoked) * 1000
        if isinstance(response, bytes):
            finish("bytes", base64.b64encode(response).decode(), duration)
            return
        try:
            body = json.dumps(response, default=_json_default)
        except (TypeError, ValueError) as e:
            error = _error(
                f"Unable to marshal response: {e}", "Runtime.MarshalError", [], request_id
            )
            _log_error(error)
            finish("error", json.dumps(error), duration)
            return
        finish("json", body, duration)
    except Exception as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        duration = (time.monotonic() - invoked) * 1000
        error = _error(str(e), type(e).__name__, _user_trace(e.__traceback__), request_id)
        _log_error(error)
        finish("error", json.dumps(error), duration)


if __name__ == "__main__":
    main(sys.argv[1])
