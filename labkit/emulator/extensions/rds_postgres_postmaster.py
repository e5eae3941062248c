"""One PostgreSQL server (postmaster) of the RDS data plane: start, stop, administer.

No moto here. A :class:`Server` runs ``postgres -D <data dir>`` on ``127.0.0.1:<port>`` as a
child of the engine's spawner thread (``rds_postgres_server.Spawner``: it dies with the
emulator), with its unix socket in the engine's private directory and, when ``archive`` is
set, every finished WAL segment copied there. It is ready when ``postmaster.pid`` says
``ready`` (a primary) or ``standby``; ``stop`` is a fast shutdown (a clean checkpoint, WAL
delivered to connected standbys) or an immediate one. Administrative SQL goes through the
unix socket as the ``rdsadmin`` superuser.
"""

from __future__ import annotations

import contextlib
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.emulator.extensions.rds_postgres_server import ADMIN_USER, EngineError, free_port

if TYPE_CHECKING:
    from labkit.emulator.extensions.rds_postgres_server import Engine


class Server:
    """One postmaster on ``127.0.0.1:port`` over ``data_dir``, a child of the spawner thread."""

    def __init__(self, engine: Engine, name: str, data_dir: Path, port: int) -> None:
        self.engine = engine
        self.name = name
        self.data_dir = data_dir
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.archive: Path | None = None  # where WAL segments are archived, if anywhere

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the postmaster; returns once it accepts connections (primary or standby)."""
        for attempt in range(3):
            argv = [
                str(self.engine.bin_dir / "postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(self.port),
                "-c",
                f"unix_socket_directories={self.engine.sock_dir}",
                "-c",
                f"cluster_name={self.name}",
            ]
            if self.archive is not None:
                target = shlex.quote(str(self.archive))
                argv += ["-c", f"archive_command=cp %p {target}/%f"]
            else:
                argv += ["-c", "archive_command=/bin/true"]
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
            self.proc = self.engine.popen(argv, self.log_path, signal.SIGQUIT)
            if self._wait_ready(timeout):
                return
            log = self.log_tail()
            self.stop(immediate=True)
            if attempt < 2 and ("could not bind" in log or "already in use" in log):
                self.port = free_port()
                continue
            raise EngineError(f"PostgreSQL server {self.name} did not start: {log}")

    def _wait_ready(self, timeout: float) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() in ("ready", "standby"):
                    return True
            time.sleep(0.005)
        return False

    def stop(self, immediate: bool = False, timeout: float = 30.0) -> None:
        """Fast shutdown (a clean checkpoint, standbys get every WAL record), or immediate."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGQUIT if immediate else signal.SIGINT)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.proc = None

    def signal_stop(self) -> None:
        """Ask for a fast shutdown without waiting (to stop many servers at once)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def connect(self, dbname: str = "postgres", timeout: float = 10.0) -> Any:
        """An autocommit administrative connection through the private unix socket."""
        import psycopg

        return psycopg.connect(
            host=str(self.engine.sock_dir),
            port=self.port,
            user=ADMIN_USER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=max(1, int(timeout)),
        )

    def sql(self, query: str, params: Any = None, dbname: str = "postgres") -> list[tuple]:
        with self.connect(dbname) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []
