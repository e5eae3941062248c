"""Run one Lambda invocation of a Python zip function in a subprocess; write its CloudWatch log.

Used by ``lambda_runtime``. The deployment package and layers are unpacked once per content
hash under ``ctx.state_dir/lambda`` (layers merged in order into one ``/opt``-like directory, as
AWS does, exposing ``python/`` and ``python/lib/pythonX.Y/site-packages``). Each invocation is a
fresh ``lambda_runtime_runner`` process in its own process group with the function's environment
plus what AWS sets (region, function name, memory, version, log group/stream, task root), dummy
credentials, ``AWS_ENDPOINT_URL`` pointing at this emulator, and the function's account passed on
so boto3 in the handler reaches the same moto account.

Limits: the timeout is enforced in the runner (SIGALRM after the module is imported, like AWS,
where init has its own budget) and here (the process group is killed at timeout + 10 s). Memory
is an address-space limit (RLIMIT_AS) of MemorySize + 512 MiB: the interpreter with boto3 maps
about 60 MiB, the rest is headroom for shared libraries, thread stacks and malloc arenas, so a
handler that allocates far more than its MemorySize gets a MemoryError.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.core.exceptions import JsonRESTError

log = logging.getLogger(__name__)

RUNNER = Path(__file__).with_name("lambda_runtime_runner.py")
DEFAULT_ACCOUNT_ID = "123456789012"
HEADROOM_MB = 512  # address space on top of MemorySize for the interpreter itself
INIT_GRACE_S = 10.0  # AWS gives the init phase (imports) its own 10 s
MAX_EVENT_BYTES = 256 * 1024  # one CloudWatch Logs event
_PYTHON_RUNTIME = re.compile(r"python3\.(\d+)")
_unpack_lock = threading.Lock()
_logs_lock = threading.Lock()


class LambdaServiceError(JsonRESTError):
    """An error of the Lambda service itself (not of the function), as boto3 sees it."""

    def __init__(self, code: str, message: str, status: int = 502) -> None:
        super().__init__(code, message)
        self.code = status


@dataclass
class Outcome:
    """What an invocation returned: the payload (result or error document) and its log."""

    request_id: str
    payload: bytes
    function_error: bool
    log_lines: list[str] = field(default_factory=list)
    timed_out: bool = False

    @property
    def log_tail(self) -> str:
        """The last 4 KB of the log, base64, as InvokeResponse.LogResult."""
        text = "".join(line + "\n" for line in self.log_lines).encode()
        return base64.b64encode(text[-4096:]).decode()


def check_runnable(fn: Any) -> None:
    """Raise the Lambda error AWS would give if this emulator cannot run ``fn``."""
    runtime = fn.run_time or ""
    match = _PYTHON_RUNTIME.fullmatch(runtime)
    if fn.package_type == "Image" or not match or int(match.group(1)) < 11:
        raise LambdaServiceError(
            "InvalidRuntimeException",
            f"The runtime or runtime version specified is not supported: the labkit emulator "
            f"runs Python zip functions (python3.11 or later) only, not {runtime or 'an image'}.",
        )


def invoke(
    state_dir: Path,
    endpoint_url: str,
    fn: Any,
    event: Any,
    client_context: Any = None,
) -> Outcome:
    """Run ``fn`` on ``event`` (already parsed JSON) and wait for it; never raises for the
    function's own failures (they are in the Outcome), only LambdaServiceError."""
    check_runnable(fn)
    request_id = str(uuid.uuid4())
    task_root = _unpack(state_dir / "lambda" / "code", fn.code_sha_256, [fn.code_bytes])
    layer_paths = _layer_paths(state_dir, fn)
    now = datetime.now(UTC)
    stream = f"{now:%Y/%m/%d}/[{fn.version}]{uuid.uuid4().hex}"
    timeout = float(fn.timeout or 3)
    memory = int(fn.memory_size or 128)
    work = state_dir / "lambda" / "invocations" / request_id
    work.mkdir(parents=True)
    start_ms = int(time.time() * 1000)
    spec = {
        "handler": fn.handler or "",
        "task_root": str(task_root),
        "layer_paths": layer_paths,
        "event_path": str(work / "event.json"),
        "result_path": str(work / "result.json"),
        "request_id": request_id,
        "invoked_function_arn": fn.function_arn,
        "timeout_ms": int(timeout * 1000),
        "client_context": client_context,
        "address_space_bytes": (memory + HEADROOM_MB) * 1024 * 1024,
        "account_id": fn.account_id if fn.account_id != DEFAULT_ACCOUNT_ID else None,
    }
    (work / "event.json").write_text(json.dumps(event))
    (work / "spec.json").write_text(json.dumps(spec))
    env = _environment(endpoint_url, fn, task_root, stream)
    lines: list[tuple[int, str]] = [
        (start_ms, f"START RequestId: {request_id} Version: {fn.version}")
    ]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-u", str(RUNNER), str(work / "spec.json")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=task_root,
            start_new_session=True,
        )
        reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
        reader.start()
        killed = False
        hwm_kb = 0
        try:
            proc.wait(timeout=timeout + INIT_GRACE_S)
        except subprocess.TimeoutExpired:
            hwm_kb = _vm_hwm_kb(proc.pid)
            killed = True
        _kill_group(proc.pid)
        proc.wait()
        reader.join(timeout=2.0)
        result = _read_result(work / "result.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    end_ms = int(time.time() * 1000)
    return _outcome(
        fn, request_id, stream, timeout, memory, lines, result, proc, killed, hwm_kb, end_ms
    )


def _outcome(
    fn: Any,
    request_id: str,
    stream: str,
    timeout: float,
    memory: int,
    lines: list[tuple[int, str]],
    result: dict[str, Any] | None,
    proc: subprocess.Popen,
    killed: bool,
    hwm_kb: int,
    end_ms: int,
) -> Outcome:
    kind = "timeout" if killed else (result or {}).get("kind", "exit")
    timed_out = kind == "timeout"
    if timed_out:
        duration = timeout * 1000
        message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        payload = {"errorType": "Sandbox.Timedout", "errorMessage": message}
        body = json.dumps(payload).encode()
    elif result is None:
        code = proc.returncode
        why = (
            f"signal: {signal.Signals(-code).name.lower()[3:]}"
            if code < 0
            else f"exit status {code}"
        )
        message = f"RequestId: {request_id} Error: Runtime exited with error: {why}"
        payload = {"errorType": "Runtime.ExitError", "errorMessage": message}
        lines.append((end_ms, message))
        lines.append((end_ms, "Runtime.ExitError"))
        body = json.dumps(payload).encode()
        duration = 0.0
    elif kind == "bytes":
        body = base64.b64decode(result["body"])
        duration = result["duration_ms"]
    else:
        body = result["body"].encode()
        duration = result["duration_ms"]
    max_mb = ((result or {}).get("max_rss_kb") or hwm_kb) // 1024
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
        f"Billed Duration: {max(int(-(-duration // 1)), 1)} ms\tMemory Size: {memory} MB\t"
        f"Max Memory Used: {max_mb} MB"
    )
    if result and result.get("init_ms"):
        report += f"\tInit Duration: {result['init_ms']:.2f} ms"
    lines.append((end_ms, f"END RequestId: {request_id}"))
    lines.append((end_ms, report))
    if timed_out:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lines.append((end_ms, f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"))
    write_logs(fn, stream, lines)
    return Outcome(
        request_id=request_id,
        payload=body,
        function_error=kind in ("error", "timeout", "exit"),
        log_lines=[text for _, text in lines],
        timed_out=timed_out,
    )


def write_logs(fn: Any, stream: str, lines: list[tuple[int, str]]) -> None:
    """Create ``/aws/lambda/<name>`` and the stream in the function's account and region, then
    put the lines (moto's logs backend, in-process; subscription filters fire as on AWS)."""
    from moto.logs.models import logs_backends

    group = f"/aws/lambda/{fn.function_name}"
    events, last = [], 0
    for ts, text in lines:
        last = max(last, ts)  # chronological, as PutLogEvents requires
        events.append({"timestamp": last, "message": text[:MAX_EVENT_BYTES]})
    try:
        with _logs_lock:
            backend = logs_backends[fn.account_id][fn.region]
            backend.ensure_log_group(group)
            backend.ensure_log_stream(group, stream)
        for i in range(0, len(events), 10_000):
            backend.put_log_events(group, stream, events[i : i + 10_000])
    except Exception:  # the log is a side effect: never fail the invocation for it
        log.exception("could not write the log of %s", fn.function_arn)


def _read_lines(pipe: Any, lines: list[tuple[int, str]]) -> None:
    for raw in iter(pipe.readline, b""):
        lines.append((int(time.time() * 1000), raw.decode("utf-8", "replace").rstrip("\n")))
    pipe.close()


def _read_result(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmHWM:\s+(\d+)", status)
    return int(match.group(1)) if match else 0


def _environment(endpoint_url: str, fn: Any, task_root: Path, stream: str) -> dict[str, str]:
    """The function's variables, then what AWS reserves (which functions cannot override)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "MALLOC_ARENA_MAX": "2",
    }
    if "LD_LIBRARY_PATH" in os.environ:
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
    env.update(
        {
            "_HANDLER": fn.handler or "",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_ENDPOINT_URL": endpoint_url,
            # Never the emulator host's own ~/.aws files.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(RUNNER.parent),
        }
    )
    return env


def _layer_paths(state_dir: Path, fn: Any) -> list[str]:
    """Unpack the function's layers (in order, later ones win) into one ``/opt``-like directory
    and return the import paths AWS derives from it."""
    if not fn.layers:
        return []
    from moto.awslambda.models import lambda_backends

    contents, key = [], []
    for layer in fn.layers:
        arn = layer["Arn"]
        parts = arn.split(":")
        version = lambda_backends[parts[4]][parts[3]].layers_versions_by_arn(arn)
        if version is None:
            raise LambdaServiceError(
                "ResourceNotFoundException", f"Layer version {arn} not found", 404
            )
        contents.append(version.code_bytes)
        key.append(version.code_sha_256)
    opt = _unpack(state_dir / "lambda" / "opt", "|".join(key), contents)
    python = opt / "python"
    declared = fn.run_time or ""
    own = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [str(python / "lib" / declared / "site-packages")]
    if own != declared:
        paths.append(str(python / "lib" / own / "site-packages"))
    return [*paths, str(python)]


def _unpack(root: Path, key: str, archives: list[bytes]) -> Path:
    """Extract ``archives`` (zip bytes, in order) into ``root/<key>`` once; returns the dir."""
    target = root / hashlib.sha256(key.encode()).hexdigest()[:32]
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        for data in archives:
            if not data:
                continue
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                zf.extractall(tmp)
    except zipfile.BadZipFile:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LambdaServiceError(
            "InvalidZipFileException", "Lambda was unable to unzip the deployment package."
        ) from None
    with _unpack_lock:
        if target.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(target)
    return target
