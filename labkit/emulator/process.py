"""Start, find and stop emulator processes.

A background emulator is a ``labkit serve`` child in its own session (process group), so
stopping it kills everything it started. ``up``/``down``/``status`` manage the learner's
emulator through a pid file per port under ``Settings.home``; ``EmulatorProcess.spawn``
gives the grader and the tests private emulators on free ports.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from labkit.emulator import client
from labkit.settings import Settings


class EmulatorError(RuntimeError):
    """The emulator could not be started or reached; the message says why and what to do."""


@dataclass(frozen=True)
class EmulatorStatus:
    endpoint_url: str
    pid: int | None  # None when an emulator answers that labkit did not start (e.g. Docker)
    started: bool = False  # True when this call started it
    seconds: float = 0.0  # time to ready, when started


class EmulatorProcess:
    """A child emulator process: ``labkit serve`` on ``host:port``."""

    def __init__(self, proc: subprocess.Popen, host: str, port: int) -> None:
        self.proc = proc
        self.host = host
        self.port = port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    @classmethod
    def spawn(
        cls,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | None = None,
        timeout: float = 20.0,
        time_scale: float | None = None,
        die_with_parent: bool = False,
    ) -> EmulatorProcess:
        """Start an emulator and wait until it answers its health check.

        ``port=0`` lets the OS choose a free port, so parallel workers never collide.
        ``die_with_parent`` has Linux stop it when the spawning process dies, even by SIGKILL.
        """
        run_dir = Path(os.environ.get("TMPDIR", "/tmp"))
        port_file = run_dir / f"labkit-port-{os.getpid()}-{time.monotonic_ns()}"
        cmd = [
            sys.executable,
            "-m",
            "labkit",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
            "--port-file",
            str(port_file),
        ]
        if time_scale is not None:
            cmd += ["--time-scale", str(time_scale)]
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_parent_death_signal if die_with_parent else None,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    where = f"; see {log_path}" if log_path else ""
                    raise EmulatorError(
                        f"the emulator exited with code {proc.returncode} while starting{where}"
                    )
                if port_file.exists() and (text := port_file.read_text().strip()):
                    emu = cls(proc, host, int(text))
                    if client.health(emu.endpoint_url, timeout=0.2) is not None:
                        return emu
                time.sleep(0.01)
            _kill_group(proc.pid, timeout=2.0)
            raise EmulatorError(f"the emulator did not become ready within {timeout:.0f}s")
        finally:
            port_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 5.0) -> None:
        _kill_group(self.proc.pid, timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1.0)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent (the thread that forked it)
    dies, even by SIGKILL: no orphans. A no-op where prctl is missing."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, sig)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _parent_death_signal() -> None:  # runs in the child between fork and exec
    die_with_parent(signal.SIGTERM)  # the emulator shuts down cleanly on SIGTERM


def _pid_file(settings: Settings) -> Path:
    return settings.home / f"emulator-{settings.port}.pid"


def log_file(settings: Settings) -> Path:
    return settings.home / f"emulator-{settings.port}.log"


@contextlib.contextmanager
def _locked(settings: Settings):
    settings.home.mkdir(parents=True, exist_ok=True)
    with open(settings.home / f"emulator-{settings.port}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _recorded_pid(settings: Settings) -> int | None:
    path = _pid_file(settings)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    if _alive(pid):
        return pid
    path.unlink(missing_ok=True)  # stale: the process is gone
    return None


def status(settings: Settings) -> EmulatorStatus | None:
    """The emulator answering at ``settings``' endpoint, or None."""
    pid = _recorded_pid(settings)
    if client.health(settings.endpoint_url) is None:
        return None
    return EmulatorStatus(settings.endpoint_url, pid)


def up(settings: Settings, timeout: float = 20.0) -> EmulatorStatus:
    """Start the background emulator, or reuse the one already answering (idempotent)."""
    with _locked(settings):
        running = status(settings)
        if running is not None:
            return running
        if _port_taken(settings.host, settings.port):
            raise EmulatorError(
                f"port {settings.port} on {settings.host} is taken by a program that is not an "
                f"emulator; stop it or choose another port (labkit up --port N)"
            )
        t0 = time.monotonic()
        emu = EmulatorProcess.spawn(
            settings.host, settings.port, log_file(settings), timeout, settings.time_scale
        )
        _pid_file(settings).write_text(f"{emu.pid}\n")
        return EmulatorStatus(
            emu.endpoint_url, emu.pid, started=True, seconds=time.monotonic() - t0
        )


def down(settings: Settings, timeout: float = 5.0) -> int | None:
    """Stop the background emulator labkit started on this port; returns its pid, if any.

    An emulator that labkit did not start (a container, another tool) is left alone.
    """
    with _locked(settings):
        pid = _recorded_pid(settings)
        if pid is None:
            return None
        _kill_group(pid, timeout)
        _pid_file(settings).unlink(missing_ok=True)
        return pid


def _kill_group(pid: int, timeout: float) -> None:
    """SIGTERM the process group led by ``pid``, SIGKILL what is left after ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not _alive(pid) and not _group_alive(pid):
                return
            time.sleep(0.02)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return bool(live_group_members(pgid))


def live_group_members(pgid: int) -> list[int]:
    """Processes of group ``pgid`` that are alive (zombies awaiting their reaper excluded)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _port_taken(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0
