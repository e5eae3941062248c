"""Confine learner code (a Jupyter kernel): rlimits, namespaces, hidden paths, a dropped uid.

``wrap(cmd, limits)`` returns a command line that sets the sandbox up and then execs ``cmd``
(the work is done by ``grader/sandbox_exec.py``, see its docstring for the steps);
``kill_tree(pid)`` kills everything such a command started; ``capabilities()`` says which
isolation this machine actually grants, for the grader to report; ``kernel_manager(limits)``
is a jupyter_client ``KernelManager`` whose kernels start inside the sandbox.

Isolation levels (``capabilities()["level"]``):

- ``full``: root, or a non-root user allowed user namespaces. Private mount, PID and IPC
  namespaces; the file tree read-only except the workdir and private size-capped ``/tmp``,
  ``/var/tmp``, ``/dev/shm``; hidden paths replaced by empty unreadable tmpfs (the mounts are
  locked: a nested user namespace cannot unmount them); a private ``/proc`` showing only the
  sandbox's processes, so learner code can neither signal nor inspect the grader (its
  environment, its ``/proc/PID/root``). As root the command also runs as an unprivileged uid.
- ``partial``: some of the above refused (see ``warnings``).
- ``rlimits-only``: no namespaces: hidden paths are readable by whoever can read them anyway
  and, for a non-root grader, learner code runs with the grader's own uid and rights.

uids and RLIMIT_NPROC. RLIMIT_NPROC counts the tasks (threads too) of the *real uid*, and is
not enforced for root. As root the command runs as ``Limits.uid`` (default 65534, nobody) with
limit = tasks that uid already has + ``processes``. Parallel workers sharing a uid share that
budget, can signal and ptrace each other's kernels and are all swept by ``kill_tree(uid=..)``:
give worker k its own unused uid (e.g. ``60000 + k``). A non-root grader keeps its uid; inside
its user namespace the kernel charges only tasks created there, so the budget is the sandbox's
own (``processes`` plus the supervisor and PID 1). Without namespaces: the grader user's tasks
+ ``processes``, shared with the grader (a fork bomb makes its forks fail until killed).

Workdir: bound back read-write (and, as root, chowned recursively to the sandbox uid); HOME
points at it. The kernel's connection file (``-f PATH`` in the command) stays visible wherever
it is and, as root, is chowned to the sandbox uid (mode 0600): the HMAC key is exposed to that
kernel and root alone. ``kernel_manager`` puts it in the workdir.
Putting every worker's workdir under one directory listed in ``hide`` hides each worker's
siblings from it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

EXEC = Path(__file__).with_name("sandbox_exec.py")
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # as in sandbox_exec
NOBODY = 65534
# Credentials a non-root grader's kernel would otherwise read from the grader's home (a root
# grader hides its whole home, except the Python installation the kernel runs from).
SECRETS = (".aws", ".ssh", ".gnupg", ".azure", ".config/gcloud", ".kube", ".docker",
           ".netrc", ".git-credentials", ".pypirc", ".jupyter", ".local/share/jupyter")  # fmt: skip


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048  # RLIMIT_AS, virtual: an idle ipykernel already maps ~0.8 GB
    processes: int = 128  # tasks (processes + threads; ipykernel has ~12) at once
    cpu_seconds: int | None = None  # RLIMIT_CPU: SIGXCPU, then SIGKILL a second later
    file_size_mb: int = 256  # RLIMIT_FSIZE: larger writes fail with EFBIG
    hide: tuple[Path, ...] = ()  # unreadable inside (course dir, gradebook.db, solutions/)
    workdir: Path | None = None  # cwd and HOME, writable, visible even under a hidden dir
    expose: tuple[Path, ...] = ()  # kept visible (read-only) under hidden or private dirs
    uid: int | None = None  # run as this uid when the grader is root (default nobody)
    gid: int | None = None  # and this gid (default: the uid's number)
    tmp_mb: int | None = 256  # private /tmp = /var/tmp = /dev/shm, RAM (None: the host's)
    readonly_root: bool = True  # everything outside workdir and the private tmp read-only
    hide_secrets: bool = True  # also hide the grader's HOME (root) or SECRETS in it (non-root)
    namespaces: bool = True  # False: rlimits (and, as root, the uid drop) only


def sandbox_uid(limits: Limits) -> int | None:
    """The uid the command will run as, when it differs from ours (we are root)."""
    return (NOBODY if limits.uid is None else limits.uid) if os.geteuid() == 0 else None


def _connection_files(cmd: list[str]) -> list[str]:
    """The ``-f PATH`` / ``--f=PATH`` argument of a kernel command line, if any."""
    found = [b for a, b in zip(cmd, cmd[1:], strict=False) if a in ("-f", "--f")]
    return found + [a.split("=", 1)[1] for a in cmd if a.startswith(("-f=", "--f="))]


def _prefixes(program: str) -> set[str]:
    """Installations a program runs from: ``/v/bin/python`` -> ``/v`` and, as the link
    resolves, ``/usr``."""
    found = shutil.which(program)
    if not found:
        return set()
    return {os.path.dirname(os.path.dirname(p)) for p in (os.path.abspath(found),
                                                         os.path.realpath(found))}  # fmt: skip


def _within(path: str, parent: str | None) -> bool:
    return parent is not None and (path == parent or path.startswith(parent.rstrip("/") + "/"))


def _config(limits: Limits, report, probe: bool, cmd=(), python: str = sys.executable) -> dict:
    workdir = os.path.realpath(limits.workdir) if limits.workdir else None
    hide = [os.path.realpath(p) for p in limits.hide]
    give = [os.path.realpath(p) for p in _connection_files(cmd)]
    expose = [os.path.realpath(p) for p in limits.expose] + give
    if limits.hide_secrets:
        home = os.path.realpath(Path.home())
        if os.geteuid() == 0:  # all of root's home
            hide.append(home)
        else:
            hide += [os.path.join(home, s) for s in SECRETS if os.path.exists(home + "/" + s)]
    # The Python the kernel runs from stays visible even under a hidden or private directory.
    covered = hide + (list(PRIVATE_TMP) if limits.tmp_mb else [])
    pythons = {sys.prefix, sys.base_prefix, *_prefixes(python), *_prefixes(cmd[0] if cmd else "")}
    expose += [p for p in pythons if any(_within(p, c) and p != c for c in covered)]
    uid = sandbox_uid(limits)
    return {
        "memory_mb": limits.memory_mb,
        "processes": limits.processes,
        "cpu_seconds": limits.cpu_seconds,
        "file_size_mb": limits.file_size_mb,
        "hide": [p for p in dict.fromkeys(hide) if p != workdir],
        "workdir": workdir,
        "expose": [p for p in dict.fromkeys(expose) if not _within(p, workdir)],
        "give": give,
        "uid": uid,
        "gid": limits.gid if limits.gid is not None else uid,
        "tmp_mb": limits.tmp_mb,
        "readonly_root": limits.readonly_root,
        "namespaces": limits.namespaces,
        "report": str(report) if report else None,
        "probe": probe,
    }


def wrap(
    cmd: list[str], limits: Limits, report: Path | None = None, python: str = sys.executable
) -> list[str]:
    """A command line that confines itself per ``limits`` and then execs ``cmd``.

    ``python`` runs the (standard-library-only) wrapper. With ``report``, the wrapper writes
    there (JSON) which isolation it achieved. It exits 125 with a message on stderr when it
    cannot set up (e.g. the workdir is not writable), 127 when ``cmd`` cannot be exec'ed.
    """
    config = json.dumps(_config(limits, report, probe=False, cmd=cmd, python=python))
    return [python, "-I", "-S", str(EXEC), config, "--", *cmd]


def capabilities() -> dict:
    """Which isolation the sandbox achieves here, probed by really setting one up.

    Keys: root, user_namespace, mount_namespace, pid_namespace, ipc_namespace, proc_private,
    readonly_root, hide_effective, uid_drop, uid, no_new_privs, private_tmp, warnings, level.
    Probed once per process (about 0.1 s).
    """
    return json.loads(json.dumps(_capabilities()))


@functools.cache
def _capabilities() -> dict:
    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
        secret, work = Path(tmp, "hidden"), Path(tmp, "work")
        secret.mkdir()
        (secret / "gradebook.db").write_text("probe")
        work.mkdir()
        limits = Limits(hide=(secret,), workdir=work, memory_mb=256, processes=8)
        cmd = [sys.executable, "-I", "-S", str(EXEC), json.dumps(_config(limits, None, True))]
        proc = subprocess.run([*cmd, "--", "true"], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        return {"level": "none", "warnings": [proc.stderr.strip()], "hide_effective": False}
    caps = json.loads(proc.stdout)
    strong = ("mount_namespace", "pid_namespace", "proc_private", "hide_effective")
    full = all(caps.get(k) for k in strong) and caps["readonly_root"]
    full = full and (caps["uid_drop"] if caps["root"] else caps["user_namespace"])
    caps["level"] = "full" if full else "partial" if caps["mount_namespace"] else "rlimits-only"
    return caps


def kernel_manager(limits: Limits, **kwargs):
    """A jupyter_client KernelManager whose kernel starts inside ``wrap(.., limits)``.

    Its connection file goes in ``limits.workdir`` unless ``connection_file`` is given.
    """
    from jupyter_client.manager import KernelManager

    class SandboxedKernelManager(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return wrap(super().format_kernel_cmd(extra_arguments), limits)

    km = SandboxedKernelManager(**kwargs)
    if limits.workdir is not None and "connection_file" not in kwargs:
        km.connection_file = str(Path(limits.workdir, "kernel-connection.json"))
    return km


def _processes() -> dict[int, tuple[str, int, int, int, int]]:
    """pid -> (state, ppid, pgid, sid, starttime) for every process."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            rest = data[data.rindex(b")") + 2 :].split()
            out[int(name)] = (rest[0].decode(), *(int(rest[i]) for i in (1, 2, 3, 19)))
    return out


def _real_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _targets(procs: dict, root: int, uid: int | None) -> set[int]:
    me = os.getpid()
    found = {p for p, (_, _, pgid, sid, _) in procs.items() if root in (p, pgid, sid)}
    children: dict[int, list[int]] = {}
    for p, (_, ppid, *_rest) in procs.items():
        children.setdefault(ppid, []).append(p)
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    if uid is not None:
        found |= {p for p in procs if _real_uid(p) == uid}
    return {p for p in found if p != me and procs[p][0] not in "ZX"}


def _kill(pid: int, starttime: int) -> None:
    """SIGKILL ``pid`` unless it is no longer the process we saw (pid reuse)."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        if _starttime(pid) == starttime:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)


def _starttime(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return int(data[data.rindex(b")") + 2 :].split()[19])


def kill_tree(pid: int, uid: int | None = None, timeout: float = 5.0) -> list[int]:
    """SIGKILL process ``pid``, its process group and session, all their descendants, and
    (``uid``, e.g. ``sandbox_uid(limits)``) every process of that uid. Repeats until none is
    left or ``timeout`` passes; returns the pids still alive (zombies count as dead).

    Escapees that setsid'ed and lost their parent are found through the PID namespace (they
    die with it), the sandbox's child-subreaper fallback, or ``uid``.
    """
    if pid <= 1 or pid in (os.getpid(), os.getpgrp(), os.getsid(0)):
        raise ValueError(f"refusing to kill_tree({pid}): that is us or init")
    if uid is not None and uid in (0, os.getuid()):
        raise ValueError(f"refusing to kill every process of uid {uid}")
    deadline = time.monotonic() + timeout
    while True:
        procs = _processes()
        live = _targets(procs, pid, uid)
        if not live or time.monotonic() > deadline:
            return sorted(live)
        for p in live:
            _kill(p, procs[p][4])
        time.sleep(0.02)


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps(capabilities(), indent=2))
    else:
        sys.exit("usage: python -m grader.sandbox --probe   (wrap() builds the exec command)")
