"""Grade one submission: a pure function of the job, run in a worker process.

Each worker process owns one emulator (started on first use, on a free loopback port, killed
with the worker) and resets it before every submission, so no learner's resources reach
another's grade. The kernel runs in a scratch folder holding only the submission.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from grader.autograde import execute
from grader.autograde.forked import ForkServer
from grader.autograde.job import GradeJob, StateCheck, WorkerResult
from grader.autograde.sanitize import InvalidSubmission, sanitize
from grader.autograde.state_checks import prepare_lab, run_state_checks
from labkit.emulator import client
from labkit.emulator.process import EmulatorProcess

_emulator: EmulatorProcess | None = None
_fork_server: ForkServer | None = None
NOT_EXECUTED = "NotExecuted"
STATE_CHECK_FAILED = "StateCheckFailed"
DISAGREEMENT = "state_check_disagreement"


def worker_emulator() -> EmulatorProcess:
    """This process's private emulator, started on first use."""
    global _emulator
    if _emulator is None or _emulator.proc.poll() is not None:
        _emulator = EmulatorProcess.spawn(die_with_parent=True)
        import atexit

        atexit.register(_emulator.stop)
    return _emulator


def worker_fork_server() -> ForkServer:
    """This process's kernel fork server (``grader.autograde.forkserver``), started on first
    use; it starts with the scrubbed kernel environment, so it holds nothing of ours."""
    global _fork_server
    if _fork_server is None or not _fork_server.alive():
        import atexit

        _fork_server = ForkServer(execute.kernel_environment(Path("/"), "http://127.0.0.1:9"))
        atexit.register(_fork_server.close)
    return _fork_server


def start_worker() -> None:
    """Start this worker's emulator and kernel fork server, side by side (a pool worker's
    initializer). At exit the worker stops both, then leaves without tearing the interpreter
    down: that would take a second of CPU per worker for nothing."""
    import atexit

    atexit.register(_exit_now)  # registered first, so it runs after the two closers
    server = worker_fork_server()
    worker_emulator()
    server.wait_ready()


def _exit_now() -> None:
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def grade_submission(job: GradeJob) -> WorkerResult:
    """Grade ``job``; every failure becomes part of the result, none escapes."""
    t0 = time.monotonic()
    result = WorkerResult(job.lab, job.student, job.digest)
    result.worker = {"pid": os.getpid(), "host": socket.gethostname()}
    scratch = Path(tempfile.mkdtemp(prefix=f"grade-{job.student}-"))
    try:
        emulator = worker_emulator()
        result.worker["emulator"] = emulator.endpoint_url
        client.reset(emulator.endpoint_url)
        _grade(job, scratch, emulator.endpoint_url, result)
    except Exception as e:  # the grader's own failure: reported, batch goes on
        result.error = f"{type(e).__name__}: {e}"
        result.worker["traceback"] = traceback.format_exc()[-4000:]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        result.timings["total_seconds"] = time.monotonic() - t0
    return result


def _grade(job: GradeJob, scratch: Path, endpoint_url: str, result: WorkerResult) -> None:
    workdir = scratch / "work"
    workdir.mkdir()
    for rel, data in job.files.items():
        target = (workdir / rel).resolve()
        if not target.is_relative_to(workdir.resolve()):
            continue  # never write outside the scratch folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    db = scratch / "gradebook.db"
    db.write_bytes(job.gradebook)
    # labkit.portfolio writes under LABKIT_HOME (the scratch folder) as this student
    env = execute.kernel_environment(workdir, endpoint_url, {"LABKIT_LEARNER_ID": job.student})
    lab = None
    if job.state_checks:
        t = time.monotonic()
        lab = prepare_lab(job.lab, workdir, endpoint_url, scratch / "labkit-home")
        result.timings["state_check_seconds"] = time.monotonic() - t
    services = lab.manifest.services if lab else _services(workdir)
    execute_seconds = 0.0
    for name in job.notebooks:
        path = workdir / f"{name}.ipynb"
        if not path.exists():
            result.invalid[name] = f"{name}.ipynb was not submitted"
            result.executed[name] = None
            result.messages.append(
                f"{name}.ipynb was not found in the submission: submit the notebook under its "
                f"original name; its tasks score 0"
            )
            continue
        try:
            nb = sanitize(path.read_bytes(), f"sqlite:///{db}", job.lab, name)
        except InvalidSubmission as e:
            result.invalid[name] = str(e)
            result.executed[name] = None
            result.messages.append(str(e))
            continue
        path.unlink()  # the kernel never sees a copy holding the restored hidden tests
        wrap, uid = _sandbox(job, workdir)
        report = execute.execute_notebook(
            nb,
            workdir,
            env,
            job.limits,
            wrap=wrap,
            kill_uid=uid,
            fork_server=worker_fork_server() if job.limits.fork_kernels else None,
            warm=services,
        )
        execute_seconds += report.seconds
        result.worker["kernel"] = report.launched_by
        for flag, message in zip(report.flags, report.messages, strict=True):
            if flag not in result.flags:
                result.flags.append(flag)
                result.messages.append(message)
        _mark_unexecuted(nb)
        result.executed[name] = nb
    if lab is not None:
        t = time.monotonic()
        result.state_checks = run_state_checks(job.state_checks, lab)
        result.timings["state_check_seconds"] += time.monotonic() - t
        for nb in result.executed.values():
            if nb is not None:
                _apply_state_checks(nb, result.state_checks, result)
    result.executed = {
        k: (nbformat.writes(v) if v is not None else None) for k, v in result.executed.items()
    }
    result.timings["execute_seconds"] = execute_seconds


def _services(workdir: Path) -> tuple[str, ...]:
    """The AWS services the lab's manifest lists (for the fork server to parse ahead)."""
    from labkit.manifest import LabManifest

    try:
        return LabManifest.load(workdir).services
    except Exception:  # no or a broken lab.yaml: a plain nbgrader assignment
        return ()


def _sandbox(job: GradeJob, workdir: Path):
    """The kernel's jail: rlimits, hidden course and sources, its own uid when we are root."""
    if not job.limits.sandbox:
        return None, None
    from grader import sandbox

    limits = sandbox.Limits(
        memory_mb=job.limits.memory_mb,
        processes=job.limits.processes,
        hide=tuple(Path(p) for p in job.hide if Path(p).exists()),
        expose=_importable(),
        workdir=workdir,
        uid=60000 + os.getpid() % 5000,  # one uid per worker: kernels cannot touch each other
    )
    return (lambda cmd: sandbox.wrap(cmd, limits)), sandbox.sandbox_uid(limits)


def _importable() -> tuple[Path, ...]:
    """What the kernel must still read when the checkout sits under a hidden or private
    folder (a clone in /tmp): the interpreter, the venv, labkit's package (read-only)."""
    import sys

    import labkit

    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(labkit.__file__).resolve().parent}
    return tuple(sorted(p for p in paths if p.exists()))


def _grade_cells(nb):
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            yield meta["grade_id"], cell


def _has_error(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _mark_unexecuted(nb) -> None:
    """A grade cell that never ran earns nothing (nbgrader would count it as passed)."""
    for _gid, cell in _grade_cells(nb):
        if cell.get("execution_count") is None and not _has_error(cell):
            cell.outputs.append(
                execute.error_output(
                    NOT_EXECUTED, "this test did not run (an earlier cell stopped the notebook)"
                )
            )


def _apply_state_checks(nb, checks: list[StateCheck], result: WorkerResult) -> None:
    """A task scores only when the emulator's state agrees with the in-kernel test."""
    by_id = {c.grade_id: c for c in checks}
    for gid, cell in _grade_cells(nb):
        check = by_id.get(gid)
        if check is None or check.passed:
            continue
        if not _has_error(cell):
            if DISAGREEMENT not in result.flags:
                result.flags.append(DISAGREEMENT)
                result.messages.append(
                    "some tests passed inside the notebook, but what you built in the emulator "
                    "does not support them; those tasks score 0"
                )
            cell.outputs.append(
                execute.error_output(
                    STATE_CHECK_FAILED,
                    f"the test passed inside the notebook, but the emulator's state does not "
                    f"support it: {check.message}",
                )
            )
