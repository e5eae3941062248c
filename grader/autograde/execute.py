"""Run a notebook in a limited kernel: time per cell and per notebook, output cap, scrubbed
environment, real-AWS guard preloaded, the kernel's whole process tree killed at the end.

Whatever the learner's code does (dies, loops, floods output), ``execute_notebook`` returns
the notebook as far as it ran and what went wrong; it never raises for learner behaviour.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from grader.autograde.forked import ForkServer, ForkServerError

# Flags a run can raise; the results JSON documents them.
KERNEL_DIED = "kernel_died"
CELL_TIMEOUT = "cell_timeout"
NOTEBOOK_TIMEOUT = "notebook_timeout"
OUTPUT_TRUNCATED = "output_truncated"
KERNEL_FAILED_TO_START = "kernel_failed_to_start"
EXCEPTION_HANDLER_REMOVED = "exception_handler_removed"

GUARD_LINE = "import labkit.guard as _g; _g.install(); del _g"
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class RunLimits:
    cell_timeout: int = 120
    notebook_timeout: int = 900
    output_bytes: int = 1_000_000  # per notebook; more is dropped with a note
    memory_mb: int = 2048  # virtual memory; an idle ipykernel maps ~0.8 GB
    processes: int = 128
    sandbox: bool = True  # run the kernel through grader.sandbox (namespaces, rlimits, uid)
    fork_kernels: bool = True  # fork kernels from a warm per-worker server (else exec each)


@dataclass
class RunReport:
    flags: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # shown to the learner
    seconds: float = 0.0
    kernel_start_seconds: float = 0.0
    launched_by: str = "exec"  # or "fork": from the worker's kernel fork server

    def flag(self, name: str, message: str) -> None:
        if name not in self.flags:
            self.flags.append(name)
            self.messages.append(message)


def kernel_environment(workdir: Path, endpoint_url: str, extra: Mapping[str, str] = ()) -> dict:
    """A scrubbed environment: nothing of the grader's own, dummy credentials, the emulator."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:{BASE_PATH}",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(workdir / ".tmp"),
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "NBGRADER_EXECUTION": "autograde",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "LABKIT_HOME": str(workdir / ".labkit"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.update(extra)
    return env


class _LimitedKernelManager(AsyncKernelManager):
    """Starts the kernel with the real-AWS guard installed before any learner code, through
    ``wrap`` (the sandbox launcher) when one is given, forked from ``fork_server`` (same
    command line, already imported) when one is given and answers."""

    wrap: Callable[[list[str]], list[str]] | None = None
    fork_server: ForkServer | None = None
    warm: tuple[str, ...] = ()
    launched_by: str = "exec"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        # The kernel's own log goes to the instructor's terminal: errors only (not its
        # per-kernel transport warning, nor one line per message a forking submission sends).
        cmd = [*cmd, f"--IPKernelApp.exec_lines=[{GUARD_LINE!r}]", "--IPKernelApp.log_level=ERROR"]
        return self.wrap(cmd) if self.wrap else cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if self.fork_server is None or not self.fork_server.alive():
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        env = dict(kw.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        cwd = str(kw.get("cwd") or os.getcwd())
        try:
            process = self.fork_server.launch(kernel_cmd, env, cwd, self.warm)
        except ForkServerError:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        provisioner = self.provisioner
        provisioner.process = process  # what LocalProvisioner.launch_kernel records
        provisioner.pid = provisioner.pgid = process.pid  # the child called setsid()
        provisioner.cwd = cwd
        self.launched_by = "fork"
        self._reconcile_connection_info(provisioner.connection_info)


class _LimitedClient(NotebookClient):
    """nbclient with an output budget: past it, outputs are dropped (once noted)."""

    def __init__(self, nb: NotebookNode, budget: int, report: RunReport, **kw: Any) -> None:
        super().__init__(nb, **kw)
        self._budget = budget
        self._used = 0
        self._report = report
        self._interrupted = False

    def output(self, outs, msg, display_id, cell_index):  # noqa: D401 - nbclient hook
        size = len(str(msg.get("content", "")))
        self._used += size
        if self._used <= self._budget:
            return super().output(outs, msg, display_id, cell_index)
        if OUTPUT_TRUNCATED not in self._report.flags:
            self._report.flag(
                OUTPUT_TRUNCATED,
                f"output beyond {self._budget // 1000} kB was dropped",
            )
            outs.append(_note(f"[output truncated: more than {self._budget} bytes]"))
        if self._used > 50 * self._budget and not self._interrupted:
            self._interrupted = True  # flooding: stop the cell (SIGINT), keep the kernel
            pid = _kernel_pid(self.km)
            if pid:
                try:
                    os.killpg(pid, signal.SIGINT)
                except (ProcessLookupError, PermissionError):
                    pass
        return None


def _note(text: str) -> NotebookNode:
    from nbformat.v4 import new_output

    return new_output("stream", name="stdout", text=text + "\n")


def error_output(ename: str, evalue: str) -> NotebookNode:
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def execute_notebook(
    nb: NotebookNode,
    workdir: Path,
    env: Mapping[str, str],
    limits: RunLimits,
    wrap: Callable[[list[str]], list[str]] | None = None,
    on_kernel_pid: Callable[[int], None] | None = None,
    kill_uid: int | None = None,
    fork_server: ForkServer | None = None,
    warm: tuple[str, ...] = (),
) -> RunReport:
    """Execute ``nb`` in place in ``workdir``; report what went wrong, never raise for it.

    With ``fork_server`` the kernel is forked from it (``warm``: the services whose botocore
    models it should have parsed first) instead of started by exec."""
    report = RunReport()
    (workdir / ".tmp").mkdir(parents=True, exist_ok=True)
    km = _LimitedKernelManager(kernel_name="python3")
    km.wrap = wrap
    km.fork_server = fork_server
    km.warm = warm
    client = _LimitedClient(
        nb,
        limits.output_bytes,
        report,
        km=km,
        timeout=limits.cell_timeout,
        interrupt_on_timeout=False,
        allow_errors=True,
        record_timing=False,
        startup_timeout=60,
        resources={"metadata": {"path": str(workdir)}},
    )
    deadline_hit = threading.Event()
    timer: threading.Timer | None = None
    t0 = time.monotonic()
    try:
        with client.setup_kernel(env=dict(env), cwd=str(workdir)):
            report.kernel_start_seconds = time.monotonic() - t0
            pid = _kernel_pid(km)
            if on_kernel_pid and pid:
                on_kernel_pid(pid)

            def over_time() -> None:
                deadline_hit.set()
                _kill_kernel(km, kill_uid)

            timer = threading.Timer(limits.notebook_timeout, over_time)
            timer.daemon = True
            timer.start()
            for index, cell in enumerate(nb.cells):
                if _is_test_cell(cell) and _reset_exception_handler(client):
                    report.flag(
                        EXCEPTION_HANDLER_REMOVED,
                        "the notebook installed a custom exception handler "
                        "(set_custom_exc) that hides errors; it was removed before each test "
                        "cell, so failing tests count as failed",
                    )
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    report.flag(
                        CELL_TIMEOUT,
                        f"a cell ran longer than {limits.cell_timeout} s "
                        f"and was stopped; later cells did not run",
                    )
                    cell.outputs.append(
                        error_output(
                            "TimeoutError", f"cell exceeded the {limits.cell_timeout} s time limit"
                        )
                    )
                    break
                except DeadKernelError:
                    if deadline_hit.is_set():
                        report.flag(
                            NOTEBOOK_TIMEOUT,
                            f"the notebook ran longer than "
                            f"{limits.notebook_timeout} s and was "
                            f"stopped",
                        )
                        cell.outputs.append(
                            error_output(
                                "TimeoutError",
                                f"notebook exceeded the {limits.notebook_timeout} s time limit",
                            )
                        )
                    else:
                        report.flag(
                            KERNEL_DIED,
                            "the kernel died (the code crashed the Python "
                            "process or exceeded a limit); later cells "
                            "did not run",
                        )
                        cell.outputs.append(
                            error_output(
                                "DeadKernelError", "the kernel died while running this cell"
                            )
                        )
                    break
    except (RuntimeError, TimeoutError) as e:  # kernel never came up
        report.flag(KERNEL_FAILED_TO_START, f"the kernel could not be started: {e}")
    finally:
        if timer is not None:
            timer.cancel()
        _kill_kernel(km, kill_uid)
        report.seconds = time.monotonic() - t0
        report.launched_by = km.launched_by
    return report


# IPython's set_custom_exc hook lets code hide every later exception from the notebook (the
# classic way to pass nbgrader's tests without an answer). Before a test cell it is reset; the
# reply says whether one was installed.
_RESET_HANDLER = (
    "get_ipython()._grader_had_handler = bool(get_ipython().custom_exceptions)\n"
    "get_ipython().custom_exceptions = ()"
)


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution")


def _reset_exception_handler(client: NotebookClient) -> bool:
    """Remove a custom exception handler from the kernel; True when one was installed. A
    kernel that does not answer is left to the cell's own execution to report."""
    try:
        msg_id = client.kc.execute(
            _RESET_HANDLER,
            silent=True,
            store_history=False,
            user_expressions={"had": "get_ipython()._grader_had_handler"},
        )
        reply = client.wait_for_reply(msg_id)
    except Exception:
        return False
    content = (reply or {}).get("content", {})
    had = content.get("user_expressions", {}).get("had", {})
    return had.get("data", {}).get("text/plain") == "True"


def _kernel_pid(km: KernelManager) -> int | None:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    return getattr(process, "pid", None)


def _kill_kernel(km: KernelManager, uid: int | None = None) -> None:
    """Kill the kernel, its process group, every descendant and (when the kernel ran as its
    own uid) every process of that uid."""
    from grader.sandbox import kill_tree

    pid = _kernel_pid(km)
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        kill_tree(pid, uid=uid, timeout=2.0)
