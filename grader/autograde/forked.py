"""The worker's side of the kernel fork server (``grader.autograde.forkserver``).

``ForkServer`` starts the server process and asks it for kernels; ``ForkedKernel`` is the
``subprocess.Popen``-like handle jupyter_client's provisioner keeps for a kernel it did not
start itself. The forked process is the fork server's child, not ours, so the handle works
through a pidfd (Linux 5.3+): it polls, waits and signals that exact process even after its
pid is reused. Its exit status belongs to the server, which reaps it: ``returncode`` is
``EXIT_UNKNOWN`` once it ended (jupyter_client and nbclient only ask whether it is alive).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping

EXIT_UNKNOWN = -1


class ForkServerError(RuntimeError):
    """The fork server could not start or answer; the caller falls back to exec."""


class ForkedKernel:
    """A process forked by the server: the part of ``Popen`` jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone (and reaped)
            self._fd, self.returncode = None, EXIT_UNKNOWN

    def poll(self) -> int | None:
        return self.wait(timeout=0)

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and self._fd is not None:
            if select.select([self._fd], [], [], timeout)[0]:
                self.returncode = EXIT_UNKNOWN
                os.close(self._fd)
                self._fd = None
            elif timeout is not None and timeout > 0:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self._fd is not None and self.returncode is None:
            try:
                signal.pidfd_send_signal(self._fd, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


class ForkServer:
    """One fork server process; ``launch`` returns a kernel forked from it."""

    def __init__(self, env: Mapping[str, str], start_timeout: float = 60.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.autograde.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(env),
            cwd="/",
            text=True,
            bufsize=1,
        )
        self._start_timeout = start_timeout
        self._ready = False

    def wait_ready(self) -> None:
        if not self._ready:
            self._read(self._start_timeout, "ready")
            self._ready = True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def launch(
        self, cmd: list[str], env: Mapping[str, str], cwd: str, warm: Iterable[str] = ()
    ) -> ForkedKernel:
        self.wait_ready()
        request = {"cmd": list(cmd), "env": dict(env), "cwd": str(cwd), "warm": list(warm)}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise ForkServerError(f"the kernel fork server is gone: {e}") from None
        return ForkedKernel(self._read(30.0, "pid"))

    def _read(self, timeout: float, key: str):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                self.close()
                raise ForkServerError(f"the kernel fork server did not answer in {timeout:g} s")
            line = self.proc.stdout.readline()
            if not line:
                self.close()
                raise ForkServerError("the kernel fork server exited")
            answer = json.loads(line)
            if "error" in answer:
                raise ForkServerError(f"the kernel fork server failed: {answer['error']}")
            if key in answer:
                return answer[key]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # the server exits at end of input
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
