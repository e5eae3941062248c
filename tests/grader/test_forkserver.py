"""The kernel fork server: a forked kernel behaves like an exec'ed one, and the handle works."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from grader import sandbox
from grader.autograde import execute
from grader.autograde.forked import EXIT_UNKNOWN, ForkedKernel, ForkServer, ForkServerError
from grader.autograde.worker import _importable

PROBE = """
import json, os, sys
try:
    import rfc3987_syntax  # grader's own processes skip it (grader/__init__.py), kernels not
    rfc = "imported"
except ImportError as e:
    rfc = repr(e)
print(json.dumps({
    "rfc3987_syntax": rfc,
    "argv0": os.path.basename(sys.argv[0]),
    "path": [p for p in sys.path if "site-packages" not in p],
    "cwd": os.getcwd(),
    "uid": os.getuid(),
    "marker": os.environ.get("FORK_TEST_MARKER"),
    "server_only": os.environ.get("FORK_SERVER_ONLY"),
    "boto3_loaded": "boto3" in sys.modules,
    "guard": "labkit.guard" in sys.modules,
}))
"""


@pytest.fixture(scope="module")
def server():
    env = execute.kernel_environment(Path("/"), "http://127.0.0.1:9", {"FORK_SERVER_ONLY": "1"})
    srv = ForkServer(env)
    srv.wait_ready()
    yield srv
    srv.close()


def _run(tmp_path: Path, server, sandboxed: bool) -> tuple[dict, execute.RunReport]:
    import json

    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    env = execute.kernel_environment(work, "http://127.0.0.1:9", {"FORK_TEST_MARKER": "m"})
    wrap = uid = None
    if sandboxed:
        limits = sandbox.Limits(  # as the worker sets it up (labkit visible even under /tmp)
            workdir=work, hide=(tmp_path / "secret",), uid=61234, expose=_importable()
        )
        (tmp_path / "secret").mkdir(exist_ok=True)
        wrap, uid = (lambda cmd: sandbox.wrap(cmd, limits)), sandbox.sandbox_uid(limits)
    report = execute.execute_notebook(
        nb, work, env, execute.RunLimits(cell_timeout=30), wrap, kill_uid=uid, fork_server=server
    )
    out = nb.cells[0].outputs
    assert out and out[0]["output_type"] == "stream", out
    return json.loads(out[0]["text"]), report


@pytest.mark.parametrize("sandboxed", [False, True])
def test_a_forked_kernel_looks_like_an_execed_one(tmp_path, server, sandboxed):
    forked, report = _run(tmp_path, server, sandboxed)
    execed, exec_report = _run(tmp_path, None, sandboxed)
    assert (report.launched_by, exec_report.launched_by) == ("fork", "exec")
    assert report.flags == exec_report.flags == []
    assert forked.pop("boto3_loaded") and not execed.pop("boto3_loaded")  # preloaded
    assert forked == execed
    assert forked["cwd"] == str((tmp_path / "work").resolve())
    assert forked["marker"] == "m" and forked["server_only"] is None  # the request's env only
    assert forked["guard"]  # the guard line ran
    assert forked["uid"] == (61234 if sandboxed and os.geteuid() == 0 else os.getuid())


def test_a_dead_server_falls_back_to_exec(tmp_path):
    srv = ForkServer(execute.kernel_environment(Path("/"), "http://127.0.0.1:9"))
    srv.wait_ready()
    srv.close()
    seen, report = _run(tmp_path, srv, sandboxed=False)
    assert report.launched_by == "exec"
    assert seen["argv0"] == "ipykernel_launcher.py" and seen["marker"] == "m"


def test_handle_polls_signals_and_waits(server):
    env = {"PATH": "/usr/bin:/bin"}
    handle = server.launch(["sleep", "30"], env, "/")
    assert isinstance(handle, ForkedKernel) and handle.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        handle.wait(timeout=0.2)
    handle.send_signal(signal.SIGKILL)
    assert handle.wait(timeout=5) == EXIT_UNKNOWN
    assert handle.poll() == EXIT_UNKNOWN
    handle.kill()  # a dead process: nothing happens


def test_a_command_that_cannot_run_ends_and_the_server_goes_on(server):
    handle = server.launch(["/no/such/program"], {"PATH": "/bin"}, "/")
    assert handle.wait(timeout=10) == EXIT_UNKNOWN
    again = server.launch(["true"], {"PATH": "/usr/bin:/bin"}, "/")
    assert again.wait(timeout=10) == EXIT_UNKNOWN
    assert server.alive()


def test_a_bad_request_is_an_error_not_a_crash(server):
    with pytest.raises(ForkServerError, match="cmd: a non-empty list"):
        server.proc.stdin.write("{}\n")
        server.proc.stdin.flush()
        server._read(10, "pid")
    assert server.alive()
    assert server.launch(["true"], {"PATH": "/bin:/usr/bin"}, "/").wait(timeout=10) is not None


def test_the_server_dies_with_its_parent(tmp_path):
    import sys

    code = (
        "import sys, time; from pathlib import Path; "
        "from grader.autograde.forked import ForkServer; "
        "s = ForkServer({'PATH': '/usr/bin:/bin'}); s.wait_ready(); "
        "print(s.proc.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    server_pid = int(parent.stdout.readline())
    os.kill(server_pid, 0)
    parent.kill()
    parent.wait()
    for _ in range(50):
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{server_pid}/stat").read_text().split(") ")[1][0] == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail("the fork server outlived its parent")
