"""The exec wrapper behind ``grader.sandbox.wrap``: confine one command, then exec it.

Invoked as ``python -I -S grader/sandbox_exec.py CONFIG_JSON -- cmd ...``. Standard library
only (it runs before any venv site is set up and must start in a few milliseconds). Steps, each
of which falls back with a warning in the report when the kernel refuses it:

1. new session (process group leader), so the grader can kill the group;
2. namespaces: mount + PID + IPC; as non-root also a user namespace mapping the caller's own
   uid/gid to themselves (no extra privilege outside; capabilities vanish at exec);
3. mounts: the whole tree read-only, an empty mode-000 read-only tmpfs over each hidden
   directory (``/dev/null``, nodev, over each hidden file), one private size-capped tmpfs on
   ``/tmp``, ``/var/tmp`` and ``/dev/shm``, then ``workdir`` (read-write) and ``expose``
   paths (read-only) bound back in even when they lie under a hidden or private directory;
4. PID namespace: the wrapper stays outside as a supervisor (its pid is the one the grader
   holds); its child is PID 1 inside, mounts a private ``/proc`` and reaps; the command runs as
   PID 2. When PID 1 dies (kernel exited, or the supervisor died: PDEATHSIG) the kernel kills
   everything left in the namespace, setsid escapees included;
5. rlimits (AS, NPROC, FSIZE, CORE=0, optional CPU), oom_score_adj=1000; as root chown the
   workdir (and, first of all, the kernel's connection file) and drop to the sandbox uid/gid;
   no_new_privs; HOME=workdir; chdir workdir; exec.

Signals: the supervisor and PID 1 ignore SIGINT (the command gets it from the process group,
exactly once); SIGTERM/SIGKILL on the supervisor tear the whole namespace down.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import stat
import sys

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
SECURE = MS_NOSUID | MS_NODEV | MS_NOEXEC
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY, SYS_MOUNT_SETATTR = -100, 0x8000, 1, 442
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
EXIT_SETUP = 125  # the wrapper could not set the sandbox up (message on stderr)

_libc = ctypes.CDLL(None, use_errno=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("set", "clr", "propagation", "userns_fd")]


def _b(s: str | None) -> bytes | None:
    return None if s is None else os.fsencode(s)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    ret = _libc.mount(_b(src), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data))
    _check(ret, f"mount {target}")


def _setattr(path: str, set_: int = 0, clr: int = 0, recursive: bool = False) -> None:
    attr = _MountAttr(set_, clr, 0, 0)
    ret = _libc.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), _b(path),
        ctypes.c_uint(AT_RECURSIVE if recursive else 0), ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )  # fmt: skip
    _check(ret, f"mount_setattr {path}")


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl({option})")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _unshare(cfg: dict, rep: dict) -> int:
    """Enter new namespaces, the most isolating set the kernel allows; returns the flags."""
    user = 0 if rep["root"] else CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    attempts = (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC, CLONE_NEWNS) if cfg["namespaces"] else ()
    if not cfg["namespaces"]:
        rep["warnings"].append("namespaces disabled by Limits.namespaces")
    for flags in attempts:
        if _libc.unshare(ctypes.c_int(flags | user)) == 0:
            break
        err = os.strerror(ctypes.get_errno())
        rep["warnings"].append(f"unshare(0x{flags | user:x}) refused: {err}")
    else:
        flags = user = 0
    if user:  # map ourselves to ourselves: same uid inside, no privilege gained outside
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    rep["user_namespace"] = bool(user)
    rep["mount_namespace"] = bool(flags & CLONE_NEWNS)
    rep["pid_namespace"] = bool(flags & CLONE_NEWPID)
    rep["ipc_namespace"] = bool(flags & CLONE_NEWIPC)
    return flags


def _same_file(path: str, st: os.stat_result) -> bool:
    try:
        cur = os.stat(path)
    except OSError:
        return False
    return (cur.st_dev, cur.st_ino) == (st.st_dev, st.st_ino)


def _mounts(cfg: dict, rep: dict) -> None:
    """Read-only tree, hidden paths, private tmp dirs, then workdir/expose bound back in."""
    warn = rep["warnings"].append
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = [(cfg["workdir"], True)] if cfg["workdir"] else []
    keep += [(p, False) for p in cfg["expose"]]
    fds = [(os.open(p, os.O_PATH | os.O_CLOEXEC), p, rw) for p, rw in keep if os.path.exists(p)]
    rep["readonly_root"] = False
    if cfg["readonly_root"]:
        try:
            _setattr("/", set_=MOUNT_ATTR_RDONLY, recursive=True)
            rep["readonly_root"] = True
        except OSError as e:
            warn(f"root not made read-only: {e}")
    hidden, tmpfs_hides = [], {}  # tmpfs_hides: path -> O_PATH fd (the path may get covered)
    for path in sorted(cfg["hide"], key=len, reverse=True):  # deepest first: all still exist
        if not os.path.lexists(path):
            continue
        try:
            if os.path.isdir(path):
                _mount("sandbox-hidden", path, "tmpfs", SECURE, "size=64k,nr_inodes=256,mode=000")
                tmpfs_hides[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
            else:
                _mount("/dev/null", path, None, MS_BIND)
                _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | SECURE)
            hidden.append(path)
        except OSError as e:
            warn(f"not hidden: {e}")
    rep["hidden"] = hidden
    rep["private_tmp"] = []
    for path in PRIVATE_TMP if cfg["tmp_mb"] else ():  # one tmpfs, one size budget, for all
        if os.path.isdir(path):
            try:
                if rep["private_tmp"]:
                    _mount(rep["private_tmp"][0], path, None, MS_BIND)
                else:
                    opts = f"size={cfg['tmp_mb']}m,mode=1777"
                    _mount("sandbox-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV, opts)
                rep["private_tmp"].append(path)
            except OSError as e:
                warn(f"shared {path}: {e}")
    old_umask = os.umask(0o022)
    for fd, path, rw in fds:
        st = os.fstat(fd)
        try:
            if not _same_file(path, st):  # covered by a tmpfs above: make a mount point in it
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if stat.S_ISDIR(st.st_mode):
                    os.mkdir(path)
                else:
                    open(path, "a").close()
                for h, hfd in tmpfs_hides.items():
                    if path.startswith(h + "/") and _same_file(h, os.fstat(hfd)):
                        os.chmod(h, 0o711)  # traversable, still not listable
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            if rw:
                _setattr(path, clr=MOUNT_ATTR_RDONLY)
            else:
                _setattr(path, set_=MOUNT_ATTR_RDONLY, recursive=True)
        except OSError as e:
            warn(f"{path} not bound back in: {e}")
        os.close(fd)
    os.umask(old_umask)
    for path, hfd in tmpfs_hides.items():
        try:
            _mount(None, f"/proc/self/fd/{hfd}", None, MS_REMOUNT | MS_RDONLY | SECURE)
        except OSError as e:
            warn(f"hidden tmpfs {path} left writable: {e}")
        os.close(hfd)


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _supervise(child: int) -> None:
    """Outside the PID namespace: mirror PID 1's exit status; if our own parent (the grader)
    dies, kill PID 1 and with it the namespace (what ipykernel's parent poller would do)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    parent, pidfd = os.getppid(), os.pidfd_open(child)
    while True:
        select.select([pidfd], [], [], 1.0)
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid == child:
            os._exit(_exit_code(status))
        if os.getppid() != parent:
            os.kill(child, signal.SIGKILL)


def _pid_one(rep: dict) -> None:
    """Fork PID 1 of the namespace; returns in PID 2 (the future command) only."""
    r, w = os.pipe()
    child = os.fork()
    if child:
        os.close(r)
        _supervise(child)
    os.close(w)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([r], [], [], 0)[0]:  # EOF: the supervisor died before PDEATHSIG was set
        os._exit(1)
    os.close(r)
    rep["proc_private"] = False
    if rep["mount_namespace"]:
        try:
            _mount("proc", "/proc", "proc", SECURE)
            rep["proc_private"] = True
        except OSError as e:
            rep["warnings"].append(f"host /proc still visible: {e}")
    command = os.fork()
    if command == 0:
        if "JPY_PARENT_PID" in os.environ:  # our parent is PID 1 here; the supervisor watches
            os.environ["JPY_PARENT_PID"] = "1"  # the grader (ipykernel polls only if != 1)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    os.closerange(3, 65536)
    while True:  # reap orphans; leave (and take the namespace with us) when the command ends
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        if pid == command:
            os._exit(_exit_code(status))


def _tasks_of(uid: int) -> int:
    """Tasks (threads count: RLIMIT_NPROC counts them) whose real uid is ``uid``."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(fields["Uid"].split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def _confine(cfg: dict, rep: dict, others: int) -> None:
    """rlimits, uid drop (root), no_new_privs, HOME and cwd: the last steps before exec.

    RLIMIT_NPROC counts the tasks of the real uid; inside a user namespace only those created
    in it (our supervisor and PID 1, besides the command). ``others``: tasks of the uid that
    are not the command, counted before the namespaces hid them."""
    root = rep["root"]
    uid = cfg["uid"] if root else os.getuid()
    gid = cfg["gid"] if root else os.getgid()
    if rep["user_namespace"]:
        others = 2 if rep["pid_namespace"] else 0
    nproc = others + cfg["processes"]
    mib = 1024 * 1024
    limits = {
        resource.RLIMIT_AS: cfg["memory_mb"] * mib,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_FSIZE: cfg["file_size_mb"] * mib,
        resource.RLIMIT_CORE: 0,
    }
    for res, value in limits.items():
        resource.setrlimit(res, (value, value))
    if cfg["cpu_seconds"]:
        resource.setrlimit(resource.RLIMIT_CPU, (cfg["cpu_seconds"], cfg["cpu_seconds"] + 1))
    rep["rlimits"] = {"as_mb": cfg["memory_mb"], "nproc": nproc, "cpu": cfg["cpu_seconds"]}
    try:
        _write("/proc/self/oom_score_adj", "1000")  # first to go if the machine runs short
    except OSError as e:
        rep["warnings"].append(f"oom_score_adj: {e}")
    workdir = cfg["workdir"]
    if root:
        if workdir:
            os.chown(workdir, uid, gid)
            for top, dirs, files in os.walk(workdir):
                for name in dirs + files:
                    try:
                        os.lchown(os.path.join(top, name), uid, gid)
                    except OSError:
                        pass  # e.g. a hidden path inside the workdir (read-only tmpfs)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    rep["uid_drop"] = root and os.getuid() == uid != 0
    rep["uid"], rep["gid"] = os.getuid(), os.getgid()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    rep["no_new_privs"] = True
    if not rep["pid_namespace"]:  # orphans re-parent to the command: kill_tree still finds them
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    if workdir:
        os.environ["HOME"] = workdir
        os.chdir(workdir)
        if not os.access(workdir, os.W_OK | os.X_OK):
            raise OSError(f"workdir {workdir} is not writable by uid {os.getuid()}")


def _probe(cfg: dict, rep: dict) -> None:
    """--probe: check from inside that hidden paths are unreadable, print the report."""
    readable = []
    for path in cfg["hide"]:
        try:
            if os.path.isdir(path):
                if os.listdir(path):
                    readable.append(path)
            else:
                with open(path, "rb") as f:
                    f.read(1)
                readable.append(path)
        except OSError:
            pass
    rep["hide_effective"] = not readable
    print(json.dumps(rep), flush=True)


def enter(cfg: dict) -> dict:
    """Steps 1-5 in this process; returns the report in the confined process (the command's
    place), or exits (``EXIT_SETUP``) when the setup fails. ``main`` then execs the command;
    grader's kernel fork server (``grader.autograde.forkserver``) runs the kernel in-process
    instead, from a process that has already imported it."""
    rep: dict = {"root": os.geteuid() == 0, "warnings": []}
    others = _tasks_of(cfg["uid"]) if rep["root"] else _tasks_of(os.getuid()) - 1
    report_fd = None
    if cfg.get("report"):
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        report_fd = os.open(cfg["report"], flags, 0o600)
    try:
        os.setsid()
    except OSError:
        pass  # already a session leader (jupyter_client's start_new_session) or group leader
    for path in cfg["give"] if rep["root"] else ():  # the kernel's connection file (0600)
        try:
            os.chown(path, cfg["uid"], cfg["gid"])
        except OSError as e:
            rep["warnings"].append(f"connection file not handed over: {e}")
    try:
        flags = _unshare(cfg, rep)
        if flags & CLONE_NEWNS:
            _mounts(cfg, rep)
        else:
            rep.update(readonly_root=False, hidden=[], private_tmp=[])
        if flags & CLONE_NEWPID:
            _pid_one(rep)
        else:
            rep["proc_private"] = False
        _confine(cfg, rep, others)
    except OSError as e:
        print(f"sandbox: setup failed: {e}", file=sys.stderr, flush=True)
        os._exit(EXIT_SETUP)
    if report_fd is not None:
        os.write(report_fd, json.dumps(rep).encode())
        os.close(report_fd)
    if cfg.get("probe"):
        _probe(cfg, rep)
        os._exit(0)
    return rep


def parse(argv: list[str]) -> tuple[dict, list[str]]:
    """``CONFIG_JSON -- COMMAND...`` -> (config, command)."""
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: sandbox_exec.py CONFIG_JSON -- COMMAND [ARG...]")
    return json.loads(argv[0]), argv[2:]


def main(argv: list[str]) -> None:
    cfg, cmd = parse(argv)
    enter(cfg)
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        print(f"sandbox: cannot exec {cmd[0]}: {e}", file=sys.stderr, flush=True)
        os._exit(127)


if __name__ == "__main__":
    main(sys.argv[1:])
