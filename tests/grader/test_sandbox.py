"""grader.sandbox against real processes: limits, hidden paths, kill_tree, a real kernel.

Most tests run in two modes. ``root``: the sandbox is launched by this test process as it is
(CI runs as root: the wrapper drops to a per-test uid). ``user``: the wrapper itself is started
under ``setpriv`` as an unprivileged uid, the path a non-root instructor takes (user namespace).
When the suite runs as non-root, both modes take the non-root path.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from grader import sandbox
from grader.sandbox import Limits, kill_tree, wrap

ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parents[2]
SECRET = "hidden-test-answers-0xC0FFEE"
_uids = itertools.count()


def _fresh_uid() -> int:
    """A uid no other test (or xdist worker) uses, so uid sweeps cannot hit a neighbour."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    return 62000 + 500 * worker + next(_uids)


def _tasks(uid: int) -> list[int]:
    pids = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields["Uid"].split()[0]) == uid and "Z" not in fields["State"]:
            pids.append(int(name))
    return pids


def _pids_with(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (tests spell it split in the code they
    run, so only the intended process matches)."""
    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(name))
        except OSError:
            pass
    return found


def _python_for(uid: int, base: Path) -> str:
    """An interpreter with this venv's packages that ``uid`` can exec (a child of setpriv has
    no capabilities: the venv's own Python may sit under a root-only directory)."""
    ok = "import ipykernel, grader.sandbox"
    candidates = [sys.executable]
    for i, system in enumerate(("/usr/bin/python3.11", "/usr/local/bin/python3.11")):
        if os.path.exists(system):  # a venv over a system Python of the same version
            venv = base / f"venv{i}"
            (venv / "bin").mkdir(parents=True)
            (venv / "bin" / "python").symlink_to(system)
            (venv / "lib" / "python3.11").mkdir(parents=True)
            purelib = sysconfig.get_paths()["purelib"]
            (venv / "lib" / "python3.11" / "site-packages").symlink_to(purelib)
            (venv / "pyvenv.cfg").write_text(f"home = {Path(system).parent}\n")
            candidates.append(str(venv / "bin" / "python"))
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    for python in candidates:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "/bin/sh", "-c"]
        probe = subprocess.run([*cmd, f'exec "$0" -c "{ok}"', python], cwd=REPO, timeout=60)
        if probe.returncode == 0:
            return python
    raise AssertionError(f"no Python that uid {uid} can run among {candidates}")


@pytest.fixture(scope="module")
def user_python():
    base = Path(tempfile.mkdtemp(prefix="sandbox-py-"))
    yield _python_for(_fresh_uid(), base) if ROOT else sys.executable
    shutil.rmtree(base)


@dataclass
class Runner:
    """How a test launches the sandbox in one mode, and what it should observe."""

    mode: str
    uid: int  # the uid the sandboxed program runs as
    prefix: list[str]
    python: str
    base: Path
    baseline: frozenset[int] = frozenset()  # processes of uid not ours (a non-root run: pytest)

    def tasks(self) -> list[int]:
        """Processes of the sandbox uid, ignoring those that existed before the test."""
        return [p for p in _tasks(self.uid) if p not in self.baseline]

    def limits(self, **kw) -> Limits:
        kw.setdefault("workdir", self.base / "work")
        return Limits(uid=self.uid if self.mode == "root" else None, **kw)

    def cmd(self, limits: Limits, argv: list[str], report: Path | None = None) -> list[str]:
        return [*self.prefix, *wrap(argv, limits, report=report, python=self.python)]

    def script(self, limits: Limits, code: str) -> list[str]:
        return self.cmd(limits, [self.python, "-c", textwrap.dedent(code)])

    def run(self, limits: Limits, code: str, timeout: float = 60) -> dict:
        proc = subprocess.run(
            self.script(limits, code), capture_output=True, text=True, timeout=timeout, cwd=REPO
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["root", "user"])
def runner(request, user_python):
    """A world-traversable directory holding a fake course (gradebook.db, hidden tests), a
    file of answers, and the workdir, plus how to launch the sandbox in this mode."""
    base = Path(tempfile.mkdtemp(prefix="sandbox-test-"))
    base.chmod(0o755)
    (base / "course" / "source" / "ps1").mkdir(parents=True)
    (base / "course" / "gradebook.db").write_text(SECRET)
    (base / "course" / "source" / "ps1" / "tests.py").write_text(SECRET)
    (base / "answers.txt").write_text(SECRET)
    (base / "work").mkdir()
    uid = _fresh_uid()
    if request.param == "user" and ROOT:
        subprocess.run(["chown", "-R", f"{uid}:{uid}", str(base)], check=True)
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        r = Runner("user", uid, prefix, user_python, base)
    else:
        r = Runner(request.param, uid if ROOT else os.getuid(), [], sys.executable, base)
        r.baseline = frozenset(_tasks(r.uid))
    yield r
    if ROOT:
        kill_tree_uid(uid)
    shutil.rmtree(base, ignore_errors=True)


def kill_tree_uid(uid: int) -> None:
    for pid in _tasks(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def test_wrap_builds_an_exec_command_line():
    limits = Limits(hide=(Path("/srv/course/"),), workdir=Path("/srv/w"), memory_mb=512)
    kernel = ["python", "-m", "ipykernel_launcher", "-f", "/srv/run/kernel-1.json"]
    cmd = wrap(kernel, limits, python="/opt/py")
    assert cmd[:4] == ["/opt/py", "-I", "-S", str(sandbox.EXEC)]
    assert cmd[5] == "--" and cmd[6:] == kernel
    config = json.loads(cmd[4])
    assert "/srv/course" in config["hide"] and config["workdir"] == "/srv/w"
    assert "/srv/run/kernel-1.json" in config["expose"]  # the connection file stays readable
    assert config["memory_mb"] == 512
    assert config["uid"] == (65534 if ROOT else None)


def test_capabilities_match_what_a_sandboxed_process_sees(runner):
    caps_code = "import json; from grader.sandbox import capabilities as c; print(json.dumps(c()))"
    proc = subprocess.run(
        [*runner.prefix, runner.python, "-c", caps_code],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    caps = json.loads(proc.stdout)
    assert caps["level"] == "full", caps
    assert caps["root"] == (runner.mode == "root" and ROOT)
    assert caps["uid_drop"] == caps["root"] and caps["user_namespace"] == (not caps["root"])
    seen = runner.run(
        runner.limits(),
        """
        import json, os
        print(json.dumps({"uid": os.getuid(), "pid": os.getpid(), "ppid": os.getppid(),
                          "mnt": os.readlink("/proc/self/ns/mnt"),
                          "nnp": open("/proc/self/status").read().split("NoNewPrivs:")[1][:3],
                          "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}))
        """,
    )
    assert seen["uid"] == runner.uid
    assert (seen["pid"], seen["ppid"]) == (2, 1)  # PID namespace: the command runs as PID 2
    assert set(seen["procs"]) <= {1, 2}  # private /proc: nothing of the grader is visible
    assert seen["mnt"] != os.readlink("/proc/self/ns/mnt")
    assert seen["nnp"].strip() == "1"


def test_hidden_paths_are_unreadable_and_the_workdir_writable(runner):
    base, work = runner.base, runner.base / "work"
    (base / "owned").mkdir()
    os.chown(base / "owned", runner.uid, runner.uid)
    limits = runner.limits(hide=(base / "course", base / "answers.txt"), tmp_mb=None)
    code = f"""
        import json, os, subprocess
        def attempt(f):
            try:
                return "read:" + repr(f())
            except Exception as e:
                return type(e).__name__
        base = {str(base)!r}
        out = {{
            "db": attempt(lambda: open(base + "/course/gradebook.db").read()),
            "ls": attempt(lambda: os.listdir(base + "/course")),
            "tests": attempt(lambda: open(base + "/course/source/ps1/tests.py").read()),
            "answers": attempt(lambda: open(base + "/answers.txt").read()),
            "chmod": attempt(lambda: os.chmod(base + "/course", 0o777)),
            "escape": subprocess.run(["unshare", "-Urm", "sh", "-c",
                "umount " + base + "/course; cat " + base + "/course/gradebook.db"],
                capture_output=True, text=True).stdout,
            "grader_env": attempt(lambda: open("/proc/{os.getpid()}/environ").read()),
            "outside_workdir": attempt(lambda: open(base + "/owned/x", "w").write("x")),
        }}
        open("result.txt", "w").write("written")
        out["cwd"] = os.getcwd()
        print(json.dumps(out))
    """
    out = runner.run(limits, code)
    assert SECRET not in json.dumps(out)
    assert out["db"] in ("PermissionError", "FileNotFoundError"), out
    assert out["ls"] == "PermissionError" and out["tests"] == "PermissionError"
    assert out["answers"] == "PermissionError"  # a hidden file: /dev/null on a nodev mount
    assert out["chmod"] in ("PermissionError", "OSError")
    assert out["grader_env"] == "FileNotFoundError"  # our pid does not exist in its /proc
    assert out["outside_workdir"] == "OSError"  # EROFS: everything but workdir is read-only
    assert out["cwd"] == str(work)
    assert (work / "result.txt").read_text() == "written"
    assert (base / "course" / "gradebook.db").read_text() == SECRET  # untouched outside


def test_workdir_under_a_hidden_dir_and_private_tmp(runner):
    base, work = runner.base, runner.base / "work"
    host_tmp = Path(tempfile.mkstemp(prefix="sandbox-host-")[1])
    host_tmp.write_text(SECRET)
    host_tmp.chmod(0o644)
    try:
        limits = runner.limits(hide=(base,), tmp_mb=8)
        out = runner.run(
            limits,
            f"""
            import json, os
            def attempt(f):
                try:
                    return repr(f())
                except Exception as e:
                    return type(e).__name__
            out = {{"ls": attempt(lambda: os.listdir({str(base)!r})),
                   "db": attempt(lambda: open({str(base / "course/gradebook.db")!r}).read()),
                   "host_tmp": attempt(lambda: open({str(host_tmp)!r}).read()),
                   "shm_flood": attempt(lambda: open("/dev/shm/x", "wb").write(b"x" * 16 * 2**20)),
                   "home": os.environ["HOME"]}}
            open("ok", "w").write("ok")
            print(json.dumps(out))
            """,
        )
    finally:
        host_tmp.unlink()
    assert SECRET not in json.dumps(out)
    assert out["ls"] in ("PermissionError", "['work']"), out  # only the bound-in workdir
    assert out["db"] in ("FileNotFoundError", "PermissionError")
    assert out["host_tmp"] == "FileNotFoundError"  # /tmp is private
    assert out["shm_flood"] == "OSError"  # ENOSPC: /dev/shm is capped at tmp_mb
    assert out["home"] == str(work)
    assert (work / "ok").read_text() == "ok"


def test_memory_limit(runner):
    out = runner.run(
        runner.limits(memory_mb=512),
        """
        import json
        res = []
        for attempt in (lambda: bytearray(10**10), lambda: [b"x" * 10**6 for _ in range(4000)]):
            try:
                attempt()
                res.append("allocated")
            except MemoryError:
                res.append("MemoryError")
        print(json.dumps(res))
        """,
    )
    assert out == ["MemoryError", "MemoryError"]


def test_file_size_limit(runner):
    out = runner.run(
        runner.limits(file_size_mb=1),
        """
        import json, os
        try:
            with open("big", "wb") as f:
                f.write(b"x" * 3 * 2**20)
            err = None
        except OSError as e:
            err = e.errno
        print(json.dumps([err, os.path.getsize("big")]))
        """,
    )
    assert out == [27, 2**20]  # EFBIG, and the file stopped at the limit


def test_fork_bomb_is_contained_and_cleaned_up(runner):
    limits = runner.limits(processes=24, memory_mb=256)
    bomb = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    proc = subprocess.Popen(runner.script(limits, bomb), cwd=REPO, start_new_session=True)
    try:
        peak, deadline = 0, time.monotonic() + 3
        while time.monotonic() < deadline:
            peak = max(peak, len(runner.tasks()))
            time.sleep(0.05)
        assert 10 <= peak <= 24 + 3, peak  # it forked, and hit RLIMIT_NPROC
    finally:
        left = kill_tree(proc.pid, timeout=10)
        proc.wait(timeout=10)
    assert left == []
    time.sleep(0.2)
    assert runner.tasks() == []  # the PID namespace died with its PID 1


def test_setsid_escapee_is_killed(runner):
    marker = f"escapee-{runner.uid}"
    code = f"""
        import os, subprocess, sys, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(999)",
                                          {marker[:3]!r} + {marker[3:]!r}])
            os._exit(0)
        time.sleep(999)
    """
    proc = subprocess.Popen(runner.script(runner.limits(), code), cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while not _pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _pids_with(marker), "the escapee never started"
    finally:
        assert kill_tree(proc.pid, timeout=10) == []
        proc.wait(timeout=10)
    assert _pids_with(marker) == []


def test_kill_tree_without_sandbox_walks_descendants_and_sweeps_a_uid():
    marker = f"plain-escapee-{os.getpid()}"
    sleeper = f'setsid sh -c "sleep 999; : {marker[:3]}""{marker[3:]}" &'
    # Still parented: found by the descendant walk although it left the session.
    proc = subprocess.Popen(["sh", "-c", sleeper + " wait"], start_new_session=True)
    deadline = time.monotonic() + 10
    while not _pids_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _pids_with(marker)
    assert kill_tree(proc.pid) == []
    proc.wait(timeout=10)
    assert _pids_with(marker) == []
    with pytest.raises(ValueError):
        kill_tree(os.getpid())
    with pytest.raises(ValueError):
        kill_tree(12345, uid=os.getuid())
    if not ROOT:
        return
    # Orphaned (its parent exited at once): only the uid sweep can find it.
    uid = _fresh_uid()
    priv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    proc = subprocess.Popen([*priv, "sh", "-c", sleeper])
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not _pids_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _pids_with(marker)
    assert kill_tree(proc.pid, uid=uid) == []
    assert _pids_with(marker) == [] and _tasks(uid) == []


def test_setup_failure_exits_125_with_a_reason(runner):
    limits = runner.limits(workdir=runner.base / "missing")
    proc = subprocess.run(
        runner.cmd(limits, ["true"]), capture_output=True, text=True, timeout=30, cwd=REPO
    )
    assert proc.returncode == 125
    assert "sandbox: setup failed" in proc.stderr and "missing" in proc.stderr


def test_report_records_the_isolation(runner):
    report = runner.base / "report.json"
    proc = subprocess.run(runner.cmd(runner.limits(), ["true"], report=report), timeout=30)
    assert proc.returncode == 0
    rep = json.loads(report.read_text())
    assert rep["uid"] == runner.uid and rep["pid_namespace"] and rep["readonly_root"]
    assert rep["rlimits"]["as_mb"] == 2048


def test_wrapper_overhead_is_small():
    def median(cmd):
        times = []
        for _ in range(5):
            start = time.monotonic()
            subprocess.run(cmd, check=True, timeout=30)
            times.append(time.monotonic() - start)
        return sorted(times)[2]

    work = Path(tempfile.mkdtemp(prefix="sandbox-overhead-"))
    try:
        plain = [sys.executable, "-c", "pass"]
        overhead = median(wrap(plain, Limits(workdir=work, uid=_fresh_uid()))) - median(plain)
    finally:
        shutil.rmtree(work)
    assert overhead < 0.3, overhead


def _kernel_manager(runner: Runner, limits: Limits):
    km = sandbox.kernel_manager(limits)
    if runner.mode == "root" or not ROOT:
        return km
    # user mode: the kernel and its wrapper run under setpriv with an interpreter that uid
    # can exec; the connection file (written by us, root) is handed to that uid.
    km.format_kernel_cmd = lambda extra_arguments=None: (
        os.chown(km.connection_file, runner.uid, runner.uid),
        runner.cmd(limits, [runner.python, "-m", "ipykernel_launcher", "-f", km.connection_file]),
    )[1]
    return km


def test_real_kernel_runs_confined_interrupts_and_dies_with_kill_tree(runner):
    limits = runner.limits(hide=(runner.base / "course",), memory_mb=1536, tmp_mb=None)
    km = _kernel_manager(runner, limits)
    km.start_kernel()
    pid = km.provisioner.process.pid
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)

        def run(code: str, timeout: float = 30) -> str:
            out = []

            def hook(msg):
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    out.append(content["text"])
                elif msg["msg_type"] == "execute_result":
                    out.append(content["data"]["text/plain"])
                elif msg["msg_type"] == "error":
                    out.append("error:" + content["ename"])

            kc.execute_interactive(code, output_hook=hook, timeout=timeout)
            return "".join(out)

        assert run("import os, resource; os.getuid(), os.getpid()") == f"({runner.uid}, 2)"
        assert run("resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20") == "1536"
        gradebook = runner.base / "course" / "gradebook.db"
        assert run(f"open({str(gradebook)!r}).read()") == "error:PermissionError"
        assert run("x = bytearray(10**10)") == "error:MemoryError"
        assert run("open('notes.txt', 'w').write('ok')") == "2"
        threading.Timer(1.0, km.interrupt_kernel).start()
        assert run("import time; time.sleep(10**6)", timeout=20) == "error:KeyboardInterrupt"
        assert run("1 + 1") == "2"  # the kernel survived all of the above
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        assert kill_tree(pid, timeout=10) == []
    assert (runner.base / "work" / "notes.txt").read_text() == "ok"
    time.sleep(0.2)
    assert runner.tasks() == []


def test_limits_are_frozen():
    limits = Limits()
    with pytest.raises(AttributeError):
        limits.memory_mb = 1  # type: ignore[misc]
    assert replace(limits, processes=4).processes == 4


def test_command_exit_takes_its_whole_namespace_along(runner):
    """A kernel that dies (os._exit) leaves nothing behind, even without kill_tree."""
    marker = f"orphan-{runner.uid}"
    code = f"""
        import os, subprocess
        sleeper = "sleep 999; : " + {marker[:3]!r} + {marker[3:]!r}
        subprocess.Popen(["setsid", "sh", "-c", sleeper])
        subprocess.Popen(["sh", "-c", sleeper])
        while len([p for p in os.listdir("/proc") if p.isdigit()]) < 6:
            pass
        os._exit(3)
    """
    proc = subprocess.Popen(runner.script(runner.limits(), code), cwd=REPO)
    assert proc.wait(timeout=30) == 3
    deadline = time.monotonic() + 5
    while _pids_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _pids_with(marker) == []


def test_cpu_limit_kills_a_busy_loop(runner):
    start = time.monotonic()
    proc = subprocess.run(
        runner.script(runner.limits(cpu_seconds=1), "while True: pass"), timeout=30, cwd=REPO
    )
    assert proc.returncode in (128 + signal.SIGXCPU, 128 + signal.SIGKILL)
    assert time.monotonic() - start < 15


def test_rlimits_only_fallback_reports_itself_and_still_cleans_up(runner, user_python):
    """namespaces=False takes the path of a machine that refuses namespaces."""
    runner = replace(runner, python=user_python)
    report, marker = runner.base / "report.json", f"fallback-{runner.uid}"
    limits = runner.limits(namespaces=False, hide=(runner.base / "answers.txt",))
    code = f"""
        import os, sys, time
        print(open({str(runner.base / "answers.txt")!r}).read(), flush=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sh", ["sh", "-c", "sleep 999; : " + {marker[:3]!r} + {marker[3:]!r}])
            os._exit(0)
        time.sleep(999)
    """
    cmd = runner.cmd(limits, [runner.python, "-c", textwrap.dedent(code)], report=report)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == SECRET  # no mount namespace: nothing hidden
        deadline = time.monotonic() + 20
        while not _pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        escapee = _pids_with(marker)
        assert escapee

        def parent() -> int:
            with open(f"/proc/{escapee[0]}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])

        while parent() != proc.pid and time.monotonic() < deadline:
            time.sleep(0.05)  # its parent exits right after forking it
        assert parent() == proc.pid  # re-parented to the command, a child subreaper
    finally:
        assert kill_tree(proc.pid, timeout=10) == []  # without uid: found through the tree
        proc.wait(timeout=10)
    assert _pids_with(marker) == []
    rep = json.loads(report.read_text())
    assert not rep["mount_namespace"] and not rep["pid_namespace"] and rep["hidden"] == []
    assert rep["uid"] == runner.uid and rep["uid_drop"] == (runner.mode == "root" and ROOT)
    assert "namespaces disabled" in rep["warnings"][0]


def test_sandbox_dies_with_the_grader(runner):
    """If the process that launched the sandbox dies, the supervisor takes PID 1 (and so the
    whole namespace) down within about a second, like ipykernel's parent poller would."""
    marker = f"grader-died-{runner.uid}"
    code = f"""
        import subprocess, time
        subprocess.Popen(["sh", "-c", "sleep 999; : " + {marker[:3]!r} + {marker[3:]!r}])
        time.sleep(999)
    """
    inner = subprocess.list2cmdline(runner.script(runner.limits(), code))
    grader = subprocess.Popen(["sh", "-c", f"{inner} & wait"], cwd=REPO, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not _pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _pids_with(marker)
        grader.kill()  # only the "grader": the sandbox is in another session
        grader.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _pids_with(marker) == []
    finally:
        kill_tree(grader.pid, uid=runner.uid if ROOT else None)


def test_kernel_with_jupyter_default_connection_file():
    """A plain KernelManager whose command is wrapped (as grader.autograde does): the
    connection file sits in the grader's runtime dir, hidden and 0600, yet the kernel reads
    it (as root, the wrapper hands it to the sandbox uid)."""
    from jupyter_client.manager import KernelManager

    work = Path(tempfile.mkdtemp(prefix="sandbox-km-"))
    uid = _fresh_uid()

    class Wrapped(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return wrap(super().format_kernel_cmd(extra_arguments), Limits(workdir=work, uid=uid))

    km = Wrapped()
    km.start_kernel()
    pid = km.provisioner.process.pid
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive("import os; os.getuid()", timeout=30)
        assert reply["content"]["status"] == "ok"
        assert not km.connection_file.startswith(str(work))
        if ROOT:
            assert os.stat(km.connection_file).st_uid == uid
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        assert kill_tree(pid, timeout=10) == []
        shutil.rmtree(work, ignore_errors=True)
