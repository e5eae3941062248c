"""PostgreSQL for the RDS data plane: binaries, the unprivileged user, processes, template.

No moto here. :class:`Engine` is the emulator-process-wide toolbox the RDS extension
(``rds_postgres``) uses; one server is a ``rds_postgres_postmaster.Server``:

- **Binaries** (``initdb``, ``postgres``, ``pg_basebackup``, ``pg_waldump``): the override
  directory when one is given (``labkit serve --postgres-bin`` / ``LABKIT_POSTGRES_BIN``, and
  then only there), else ``PATH``, else the highest ``/usr/lib/postgresql/<version>/bin``, else
  ``$CONDA_PREFIX/bin``. None found: :class:`PostgresNotFound`, whose message says how to get them.
- **User**: initdb and postgres refuse to run as root. When the emulator is root they run as
  ``postgres`` (the user distribution packages create), else ``nobody``; all data lives under
  ``<state_dir>/rds``, owned by that user, and the state dir is made traversable (``o+x``).
- **Processes**: every child is forked by one long-lived thread (:class:`Spawner`) with Linux's
  parent-death signal set, so when the emulator dies, even by SIGKILL, each postmaster gets
  SIGQUIT (immediate shutdown) and its backends follow. (The signal fires when the *thread*
  that forked the child exits; moto serves requests in short-lived threads, hence one thread.)
- **Template**: ``initdb`` runs once per emulator process, lazily on the first create, into
  ``<state_dir>/rds/template`` (1 MB WAL segments, roles ``rdsadmin`` - bootstrap superuser,
  reserved as on RDS - and ``rds_superuser``); every new server is a copy of it. Servers listen
  on 127.0.0.1 only, with ``fsync=off``, small buffers, WAL archiving and replication enabled;
  the administrative unix socket directory is private to that user (and root).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

TOOLS = ("initdb", "postgres", "pg_basebackup", "pg_waldump", "pg_controldata")
ADMIN_USER = "rdsadmin"
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, postgres, pg_basebackup, ...) were not found. "
    "RDS instances with engine postgres or aurora-postgresql run on a real PostgreSQL server: "
    "install it (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), "
    "or use the conda environment (`conda env create -f environment.yml`), or run the emulator "
    "from docker-compose (`docker compose up -d emulator`, its image includes PostgreSQL). "
    "labkit looks on PATH, in /usr/lib/postgresql/<version>/bin and in $CONDA_PREFIX/bin; "
    "`labkit serve --postgres-bin DIR` (or LABKIT_POSTGRES_BIN) names the directory."
)

# Settings of every server (the template's postgresql.conf); per-server ones are passed as -c.
SERVER_CONF = """
# labkit RDS data plane
listen_addresses = '127.0.0.1'
max_connections = 40
shared_buffers = 16MB
fsync = off
synchronous_commit = on
full_page_writes = on
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 64MB
min_wal_size = 4MB
max_wal_size = 64MB
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
archive_mode = always
track_commit_timestamp = on
jit = off
password_encryption = scram-sha-256
log_min_messages = warning
log_line_prefix = '%m [%p] '
timezone = 'UTC'
"""

# The socket directory is private to the server's user (and root): trust there, passwords on TCP.
HBA_CONF = f"""# labkit RDS data plane
local   all          all                        trust
local   replication  all                        trust
host    all          {ADMIN_USER}   0.0.0.0/0   reject
host    all          all           127.0.0.1/32 scram-sha-256
"""

# Run once in the template: the RDS-like role every master user joins.
# A spare database, renamed to DBName by each new server (instant, where CREATE DATABASE
# costs a checkpoint or megabytes of WAL).
SPARE_DB = "labkit_spare_db"
TEMPLATE_SQL = (
    "CREATE ROLE rds_superuser NOLOGIN CREATEDB CREATEROLE",
    "GRANT pg_monitor, pg_signal_backend, pg_read_all_settings TO rds_superuser WITH ADMIN OPTION",
    f"CREATE DATABASE {SPARE_DB} STRATEGY FILE_COPY",
)


class PostgresNotFound(RuntimeError):
    """No usable PostgreSQL binaries; the message says how to install them."""


class EngineError(RuntimeError):
    """A PostgreSQL tool or server failed; the message carries its output."""


def find_bin_dir(override: Path | None, environ: dict[str, str] | None = None) -> Path:
    """The directory holding every tool of :data:`TOOLS` (see the module docstring)."""
    env = os.environ if environ is None else environ
    if override is not None:
        candidates = [Path(override)]
    else:
        candidates = []
        for entry in env.get("PATH", "").split(os.pathsep):
            if entry and (Path(entry) / "postgres").exists():
                candidates.append(Path(os.path.realpath(Path(entry) / "postgres")).parent)
        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0],
            reverse=True,
        )
        candidates += versions
        if env.get("CONDA_PREFIX"):
            candidates.append(Path(env["CONDA_PREFIX"]) / "bin")
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in TOOLS):
            return directory
    where = f" in {override}" if override is not None else ""
    raise PostgresNotFound(INSTALL_HINT.replace("were not found", f"were not found{where}"))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` (errors count as not yet) until true or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return True
        except Exception:  # noqa: BLE001 - a server still starting answers errors
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


class Spawner:
    """Forks every child from one long-lived daemon thread, with a parent-death signal."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[list[str], dict[str, Any], Future]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        try:  # resolved here: the forked child must not load libraries
            self._prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):  # not Linux: servers stop on reset/close only
            self._prctl = None

    def popen(self, argv: list[str], death_signal: int, **kwargs: Any) -> subprocess.Popen:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="rds-postgres-spawner", daemon=True
                )
                self._thread.start()
        future: Future = Future()
        self._jobs.put((argv, {**kwargs, "death_signal": death_signal}, future))
        return future.result()

    def _loop(self) -> None:
        while True:
            argv, kwargs, future = self._jobs.get()
            sig = kwargs.pop("death_signal")
            prctl = self._prctl

            def pdeathsig(prctl=prctl, sig=sig) -> None:  # after setuid: it survives exec
                if prctl is not None:
                    prctl(1, sig)  # PR_SET_PDEATHSIG

            try:
                future.set_result(subprocess.Popen(argv, preexec_fn=pdeathsig, **kwargs))
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                future.set_exception(e)


class Engine:
    """PostgreSQL for one emulator process: binaries, user, spawner, template, directories."""

    def __init__(self, state_dir: Path, bin_override: Path | None = None) -> None:
        self.root = Path(state_dir) / "rds"
        self.bin_override = bin_override
        self.spawner = Spawner()
        self._lock = threading.RLock()
        self._bin_dir: Path | None = None
        self._template: Path | None = None
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self.user = pwd.getpwnam(name)
                    break

    # --- set-up -----------------------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            self._bin_dir = find_bin_dir(self.bin_override)
        return self._bin_dir

    @property
    def sock_dir(self) -> Path:
        return self.root / "run"

    def ensure_ready(self) -> Path:
        """Binaries found, directories made, template initialised; returns the template."""
        with self._lock:
            if self._template is not None:
                return self._template
            self.bin_dir  # noqa: B018 - raises PostgresNotFound early
            self._prepare_root()
            template = self.root / "template"
            shutil.rmtree(template, ignore_errors=True)
            self.mkdir(template)
            self.run(
                "initdb",
                ["-D", str(template), "-U", ADMIN_USER, "-A", "trust", "-E", "UTF8"]
                + ["--locale=C", "--no-sync", "--wal-segsize=1"],
                timeout=120,
            )
            with open(template / "postgresql.conf", "a") as fh:
                fh.write(SERVER_CONF)
            (template / "pg_hba.conf").write_text(HBA_CONF)
            from labkit.emulator.extensions.rds_postgres_postmaster import Server

            server = Server(self, "template", template, free_port())
            server.start()
            try:
                for statement in TEMPLATE_SQL:
                    server.sql(statement)
                for db in ("postgres", "template1"):
                    server.sql("GRANT CREATE ON SCHEMA public TO rds_superuser", dbname=db)
            finally:
                server.stop()
            control = self.run("pg_controldata", ["-D", str(template)])
            redo = re.search(r"REDO WAL file:\s+(\S+)", control)
            for segment in (template / "pg_wal").glob("0" * 7 + "*"):
                if redo and segment.name != redo.group(1):  # only the last checkpoint's counts
                    segment.unlink()
            self._template = template
            return template

    def warm_up(self) -> None:
        """Make the template in the background (a cluster was created: instances will come)."""

        def make() -> None:
            try:
                self.ensure_ready()
            except Exception:  # noqa: BLE001 - the create that needs it reports the error
                pass

        if self._template is None:
            threading.Thread(target=make, name="rds-postgres-template", daemon=True).start()

    def _prepare_root(self) -> None:
        if self.user is not None:  # the server's user must reach <state_dir>/rds
            state = self.root.parent
            if state.stat().st_uid == os.geteuid():
                state.chmod(state.stat().st_mode | 0o001)
            for parent in [state, *state.parents]:
                if not parent.stat().st_mode & 0o001:
                    raise EngineError(
                        f"PostgreSQL runs as user {self.user.pw_name}, which cannot reach "
                        f"{self.root}: {parent} is not traversable by others (chmod o+x it, "
                        "or start the emulator with TMPDIR set to a directory it can reach)"
                    )
        self.mkdir(self.root)
        for sub in ("run", "data", "wal", "bases", "backups"):
            self.mkdir(self.root / sub)

    # --- files as the server's user ---------------------------------------------------------

    def chown(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def mkdir(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
        self.chown(path)
        return path

    def write(self, path: Path, text: str, append: bool = False) -> None:
        with open(path, "a" if append else "w") as fh:
            fh.write(text)
        path.chmod(0o600)
        self.chown(path)

    def copy_tree(self, source: Path, target: Path, link: bool = False) -> None:
        """Copy a data directory (``link``: hard links, for files that never change)."""
        shutil.rmtree(target, ignore_errors=True)
        self.run_program(["cp", "-al" if link else "-a", str(source), str(target)], timeout=120)

    # --- processes --------------------------------------------------------------------------

    def _child_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "cwd": str(self.root if self.root.exists() else self.root.parent),
            "env": {
                "PATH": f"{self.bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
                "LC_ALL": "C",
                "TZ": "UTC",
                "HOME": str(self.root),
            },
            "stdin": subprocess.DEVNULL,
            "umask": 0o077,
        }
        if self.user is not None:
            kwargs.update(user=self.user.pw_uid, group=self.user.pw_gid, extra_groups=[])
        return kwargs

    def popen(self, argv: list[str], log: Path, death_signal: int) -> subprocess.Popen:
        with open(log, "ab") as out:
            return self.spawner.popen(
                argv, death_signal, stdout=out, stderr=subprocess.STDOUT, **self._child_kwargs()
            )

    def run_program(self, argv: list[str], timeout: float = 60) -> str:
        """Run ``argv`` as the server's user; its output, or :class:`EngineError`."""
        proc = self.spawner.popen(
            argv,
            signal.SIGKILL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **self._child_kwargs(),
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            raise EngineError(f"{shlex.join(argv)} timed out after {timeout:.0f} s") from None
        text = out.decode(errors="replace")
        if proc.returncode != 0:
            raise EngineError(f"{shlex.join(argv)} failed ({proc.returncode}): {text.strip()}")
        return text

    def run(self, tool: str, args: list[str], timeout: float = 60) -> str:
        return self.run_program([str(self.bin_dir / tool), *args], timeout=timeout)
