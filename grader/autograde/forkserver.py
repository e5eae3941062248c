"""A kernel fork server: one process per grading worker that has already imported ipykernel,
boto3 and labkit, and forks a kernel for each submission.

Starting a Jupyter kernel the usual way costs a new Python process that imports ipykernel
(about 0.2 s of CPU), then the notebook imports boto3 and labkit and parses the botocore
models of every service it uses (0.3-0.5 s more). Grading one submission after another pays
that every time. A forked child of this server inherits all of it already done: the imports,
and the service models parsed into labkit's shared botocore loader (``labkit.sessions``).

What a forked kernel gets is what ``exec`` of the same command line would give: the child
starts a new session, takes the request's environment and working directory, closes every
descriptor it inherited, enters the sandbox the command asks for (``grader.sandbox_exec``,
the same steps as the exec wrapper, in-process), sets ``sys.argv`` and ``sys.path[0]`` as
``python -m ipykernel_launcher`` would, and runs ``IPKernelApp``. Any command that is not
``<this python> -m ipykernel_launcher ...`` (inside the wrapper or not) is exec'ed as usual.

The server itself never runs learner code; it holds no secret (it starts with the worker's
scrubbed kernel environment) and it is single-threaded, so forking it is safe. It exits when
its worker closes the request pipe, and dies with the worker (``PR_SET_PDEATHSIG``).

Protocol, one JSON document per line: the server writes ``{"ready": pid}`` once its imports
are done; then for each request ``{"cmd": [...], "env": {...}, "cwd": "...", "warm":
[services]}`` it answers ``{"pid": N}`` (the forked child) or ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

# Imported here, once, so that every forked kernel starts with them.
KERNEL_NAME = "lab-kernel"  # what a forked kernel (and its sandbox) is called in ps
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "boto3", "botocore.session", "labkit.lab")


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)


def _warm(services: list[str], done: set[str]) -> None:
    todo = [s for s in services if s not in done]
    if todo:
        from labkit.sessions import warm

        warm(todo)
        done.update(todo)


def _set_name(name: str) -> None:
    """The process name ``ps -o comm`` and ``/proc/PID/comm`` show (its command line stays
    the server's)."""
    import ctypes

    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _is_wrapper(cmd: list[str]) -> bool:
    """``cmd`` is ``grader.sandbox.wrap(...)``'s: ``python -I -S sandbox_exec.py CFG -- ...``."""
    from grader import sandbox_exec

    if len(cmd) < 7 or cmd[1:3] != ["-I", "-S"] or cmd[5] != "--":
        return False
    return os.path.realpath(cmd[3]) == os.path.realpath(sandbox_exec.__file__)


def _run_child(request: dict) -> None:
    """In the forked child: become the command; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _set_name(KERNEL_NAME)
        os.setsid()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(2, 1)  # a launched kernel's stdout and stderr both go to the worker's stderr
        os.closerange(3, 65536)
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]  # see grader/__init__.py: not for learner code
        cmd = request["cmd"]
        if _is_wrapper(cmd):
            from grader import sandbox_exec

            cfg, cmd = sandbox_exec.parse(cmd[4:])
            sandbox_exec.enter(cfg)
        if cmd[:3] == [sys.executable, "-m", "ipykernel_launcher"]:
            _run_kernel(cmd[3:])
            os._exit(0)
        os.execvp(cmd[0], cmd)
    except SystemExit as e:
        os._exit(e.code if isinstance(e.code, int) else 1)
    except BaseException as e:  # noqa: BLE001 - report and die, never return into the server
        try:
            print(f"kernel fork server: child failed: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            os._exit(127)


def _run_kernel(argv: list[str]) -> None:
    """What ``python -m ipykernel_launcher ARGV`` does, in this (already warm) process.

    ipykernel reads ``JPY_PARENT_PID`` when it is imported (a trait default), and that was in
    the server, so it is passed as an option: the kernel exits when its parent goes. Inside
    the sandbox's PID namespace the sandbox has set it to 1 (no polling; the supervisor
    watches); otherwise the parent is this server, which dies with the worker."""
    import ipykernel_launcher
    from ipykernel import kernelapp

    parent = os.environ.get("JPY_PARENT_PID")
    if parent and parent != "1":
        parent = os.environ["JPY_PARENT_PID"] = str(os.getppid())
    options = [f"--IPKernelApp.parent_handle={parent}"] if parent else []
    sys.argv = [ipykernel_launcher.__file__, *argv]
    # -m put the working directory first and ipykernel_launcher removed it again (IPython adds
    # '' back); the server's own first entry (its working directory, "/") goes the same way.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path("/")):
        del sys.path[0]
    kernelapp.launch_new_instance(argv=[*argv, *options])


def _checked(request) -> dict:
    """The request, or ValueError saying what is wrong with it."""

    def strings(value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    if not isinstance(request, dict):
        raise ValueError("a request is a JSON object")
    if not (strings(request.get("cmd")) and request["cmd"]):
        raise ValueError("cmd: a non-empty list of strings is required")
    env = request.get("env")
    if not (isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
        raise ValueError("env: an object of strings is required")
    if not isinstance(request.get("cwd"), str):
        raise ValueError("cwd: a string is required")
    request.setdefault("warm", [])
    if not strings(request["warm"]):
        raise ValueError("warm: a list of service names is required")
    return request


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(requests, replies) -> None:
    """Answer fork requests from ``requests`` until it closes."""
    warmed: set[str] = set()
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    replies.flush()
    for line in requests:
        _reap()
        try:
            request = _checked(json.loads(line))
            _warm(request["warm"], warmed)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
        except Exception as e:  # a bad request or a failed fork: say so, keep serving
            replies.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
            replies.flush()
            continue
        if pid == 0:
            _run_child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
    _reap()


def main() -> None:
    from labkit.emulator.process import die_with_parent

    die_with_parent()  # and with it, every kernel it forked (their supervisors watch it)
    # Replies go to the original stdout; anything else printed goes to stderr.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _preload()
    serve(sys.stdin, replies)
    sys.stderr.flush()
    os._exit(0)  # nothing to clean up; tearing the interpreter down only costs CPU


if __name__ == "__main__":
    main()
