"""grader autograde as a batch: parallel equals sequential, SIGKILL loses nothing, Dask, and a
drop-in for ``nbgrader autograde`` on a plain nbgrader course."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from grader.autograde.batch import autograde
from grader.autograde.results import SCHEMA
from grader.course import COURSE_ID, Course
from labkit.emulator.client import health
from tests.conftest import FIXTURE
from tests.grader.autograde_support import LAB, make_course, options
from tests.grader.test_autograde import EXPECTED

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _outcome(docs: list[dict]) -> dict[str, tuple]:
    """What must not depend on how the batch was run: scores, tasks, flags."""
    return {
        d["student"]: (
            d["status"],
            d["score"],
            d["max_score"],
            sorted(d["flags"]),
            sorted((t["grade_id"], t["score"], t["status"]) for t in d["tasks"]),
        )
        for d in docs
    }


# 1. Parallel = sequential ---------------------------------------------------------------------

COHORT = ["solution", "blank", "partial", "swallow_errors", "kernel_exit"]


def test_parallel_grading_equals_sequential_grading(tmp_path):
    one = make_course(tmp_path / "one_worker", COHORT)
    two = shutil.copytree(one, tmp_path / "two_workers")
    with deadline(150):
        by_one = autograde(one, LAB, options(workers=1), progress=None)
        by_two = autograde(two, LAB, options(workers=2), progress=None)
    assert [d["student"] for d in by_one] == sorted(COHORT)
    assert _outcome(by_two) == _outcome(by_one)
    assert {d["student"]: d["score"] for d in by_two} == {s: EXPECTED[s][0] for s in COHORT}
    assert "exception_handler_removed" in _outcome(by_two)["swallow_errors"][3]
    # the runs really differed in how they were spread over worker processes and emulators
    assert len({d["worker"]["pid"] for d in by_one}) == 1
    assert len({d["worker"]["pid"] for d in by_two}) == 2
    assert len({d["worker"]["emulator"] for d in by_two}) == 2


# 2. SIGKILL mid-batch -------------------------------------------------------------------------

KILL_COHORT = ["blank", "cell_deleted", "kernel_exit", "partial", "solution", "swallow_errors"]


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, state, start time in clock ticks since boot) of a process, None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def _cmdline(pid: int) -> str:
    """The command line, and for a kernel forked by the fork server (whose command line is
    the server's) its name: ``lab-kernel <uid>``."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        uid = Path(f"/proc/{pid}/status").read_text().split("\nUid:")[1].split()[0]
    except (OSError, IndexError):
        return ""
    cmd = raw.replace(b"\0", b" ").decode(errors="replace")
    return f"{cmd} [lab-kernel uid {uid}]" if comm == "lab-kernel" else cmd


def _processes() -> dict[int, tuple[int, str, int]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            out[int(entry.name)] = st
    return out


def _below(roots: set[int], procs: dict[int, tuple[int, str, int]]) -> set[int]:
    """Every process under ``roots`` (not the roots themselves)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _snapshot(root: int, seen: dict[int, tuple[int, str]]) -> list[str]:
    """Add every live process under ``root`` to ``seen`` (pid -> (start time, command line));
    returns their command lines."""
    procs = _processes()
    live = _below({root}, procs)
    for pid in live:
        if seen.get(pid, (None,))[0] != procs[pid][2]:
            seen[pid] = (procs[pid][2], _cmdline(pid))
    return [seen[pid][1] for pid in live]


def _survivors(seen: dict[int, tuple[int, str]], since: int, patterns: list[str]) -> list:
    """Live (not zombie) processes started at/after ``since`` that belong to the run: seen in
    its tree, naming one of ``patterns`` on their command line, or below such a process."""
    procs = {p: st for p, st in _processes().items() if st[2] >= since and st[1] not in "ZX"}
    ours = {
        pid
        for pid, (_, _, start) in procs.items()
        if seen.get(pid, (None,))[0] == start or any(p in _cmdline(pid) for p in patterns)
    }
    ours |= _below(ours, procs) & procs.keys()
    return sorted((pid, _cmdline(pid)[:160]) for pid in ours)


def _grader(course: Path, *extra: str) -> list[str]:
    """The CLI on the fixture checkout, so the lab's time limits and state checks apply."""
    return [
        str(BIN / "grader"),
        "--root",
        str(FIXTURE),
        "autograde",
        LAB,
        "--course",
        str(course),
        *extra,
    ]


def test_sigkill_mid_batch_leaves_no_process_and_loses_no_grade(tmp_path):
    course = make_course(tmp_path / "course", KILL_COHORT)
    results = course / "results" / LAB
    cmd = _grader(course, "--workers", "1", "--cell-timeout", "8")
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killpg reaches its workers too
    )
    since = _stat(proc.pid)[2]
    seen: dict[int, tuple[int, str]] = {}
    try:
        t_end = time.monotonic() + 90
        while time.monotonic() < t_end and proc.poll() is None:
            kernel = any("[lab-kernel uid 6" in cmd for cmd in _snapshot(proc.pid, seen))
            done = len(list(results.glob("*.json")))
            if done >= 2 and (kernel or done >= 3):  # preferably while a kernel runs
                break
            time.sleep(0.1)
        _snapshot(proc.pid, seen)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        before = {p.stem: p.read_text() for p in results.glob("*.json")}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert 2 <= len(before) < len(KILL_COHORT), sorted(before)
    commands = [cmd for _, cmd in seen.values()]
    assert any("labkit serve" in c and "--port-file" in c for c in commands), commands
    # kernels forked by the worker's fork server, in the sandbox (an unprivileged uid)
    assert any("grader.autograde.forkserver" in c for c in commands), commands
    assert any("[lab-kernel uid 6" in c for c in commands), commands
    # what the batch started (worker, its emulator, the sandboxed kernel), and whatever names
    # its course (the sandbox's command line) or its workers' emulator port files
    patterns = [str(course), *(f"labkit-port-{pid}-" for pid in seen)]
    t_end = time.monotonic() + 8
    while (left := _survivors(seen, since, patterns)) and time.monotonic() < t_end:
        time.sleep(0.2)
    assert left == [], f"processes of the killed batch survived: {left}"

    rerun = subprocess.run(
        _grader(course, "--workers", "1", "--cell-timeout", "8"),
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    docs = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    assert sorted(docs) == sorted(KILL_COHORT)
    # what was recorded before the kill was kept as it was, not graded again
    assert {s: (results / f"{s}.json").read_text() for s in before} == before
    assert all(d["schema"] == SCHEMA and d["status"] == "graded" for d in docs.values())
    assert {s: d["score"] for s, d in docs.items()} == {s: EXPECTED[s][0] for s in KILL_COHORT}
    for student, doc in docs.items():
        flag = EXPECTED[student][1]
        assert flag is None or flag in doc["flags"], (student, doc["flags"])

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        assert {s: float(gb.find_submission(LAB, s).score) for s in KILL_COHORT} == {
            s: float(EXPECTED[s][0]) for s in KILL_COHORT
        }
    export = subprocess.run(
        [str(BIN / "nbgrader"), "export", f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=course,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert export.returncode == 0, export.stderr
    rows = (course / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(KILL_COHORT)


# 3. Dask --------------------------------------------------------------------------------------

DASK_COHORT = ["solution", "blank", "partial"]


def test_dask_cluster_grades_like_the_local_pool(tmp_path):
    from distributed import Client, LocalCluster

    local = make_course(tmp_path / "local", DASK_COHORT)
    remote = shutil.copytree(local, tmp_path / "dask")
    with (
        deadline(150),
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
    ):
        by_pool = autograde(local, LAB, options(workers=1), progress=None)
        by_dask = autograde(remote, LAB, options(dask=cluster.scheduler_address), progress=None)
        with Client(cluster) as client:
            dask_workers = set(client.run(os.getpid).values())
    assert _outcome(by_dask) == _outcome(by_pool)
    assert {d["student"]: d["score"] for d in by_dask} == {s: EXPECTED[s][0] for s in DASK_COHORT}
    assert {d["worker"]["pid"] for d in by_dask} == dask_workers  # graded on the cluster
    # the Dask worker's private emulator went away with the cluster
    [emulator] = {d["worker"]["emulator"] for d in by_dask}
    t_end = time.monotonic() + 10
    while health(emulator, timeout=0.2) is not None and time.monotonic() < t_end:
        time.sleep(0.2)
    assert health(emulator, timeout=0.2) is None, f"{emulator} outlived the Dask cluster"


# 4. Drop-in for nbgrader ----------------------------------------------------------------------

PLAIN = "adder"
ANSWER = "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION"
VISIBLE = "assert add(1, 2) == 3"
HIDDEN = (
    "assert add(2, 2) == 4\n"
    "### BEGIN HIDDEN TESTS\n"
    "assert add(-1, -2) == -3\n"
    "assert add(10, 5) == 15\n"
    "### END HIDDEN TESTS"
)
STUDENTS = {
    "correct": "def add(a, b):\n    return a + b",
    "wrong": "def add(a, b):\n    return a - b",
    "partly": "def add(a, b):\n    return {(1, 2): 3, (2, 2): 4}.get((a, b), 0)",
}
PLAIN_EXPECTED = {
    "correct": {"test_visible": 1.0, "test_hidden": 2.0},
    "wrong": {"test_visible": 0.0, "test_hidden": 0.0},
    "partly": {"test_visible": 1.0, "test_hidden": 0.0},
}


def _cell(source: str, grade_id: str, *, solution=False, points=0) -> nbformat.NotebookNode:
    meta = {
        "grade": bool(points),
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
    }
    if points:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def _plain_course(root: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        _cell(ANSWER, "add_answer", solution=True),
        _cell(VISIBLE, "test_visible", points=1),
        _cell(HIDDEN, "test_hidden", points=2),
    ]
    source = root / "source" / PLAIN
    source.mkdir(parents=True)
    nbformat.write(nb, source / f"{PLAIN}.ipynb")
    release = Course(root).generate(PLAIN)
    student_nb = nbformat.read(release / f"{PLAIN}.ipynb", as_version=4)
    assert "HIDDEN" not in json.dumps(student_nb) and "a + b" not in json.dumps(student_nb)
    for student, code in STUDENTS.items():
        nb = nbformat.read(release / f"{PLAIN}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.metadata["nbgrader"]["grade_id"] == "add_answer":
                cell.source = code
        dest = root / "submitted" / student / PLAIN
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / f"{PLAIN}.ipynb")
    return root


def _gradebook(course: Path) -> dict[str, dict[str, tuple]]:
    """student -> grade cell -> (auto score, max score, needs manual grade), and the total."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        out = {}
        for student in STUDENTS:
            sub = gb.find_submission(PLAIN, student)
            out[student] = {
                g.name: (g.auto_score, g.max_score, g.needs_manual_grade)
                for nb in sub.notebooks
                for g in nb.grades
            }
            out[student]["total"] = (float(sub.score), float(sub.max_score), sub.needs_manual_grade)
        return out


def test_grader_autograde_is_a_drop_in_for_nbgrader_autograde(tmp_path):
    ours = _plain_course(tmp_path / "ours")
    theirs = shutil.copytree(ours, tmp_path / "theirs")
    nbgrader = subprocess.run(
        [str(BIN / "nbgrader"), "autograde", PLAIN, f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=theirs,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert nbgrader.returncode == 0, nbgrader.stderr[-3000:]
    grader = subprocess.run(
        [str(BIN / "grader"), "autograde", PLAIN, "--course", str(ours), "--workers", "1"],
        cwd=ours,  # no solutions/ at or above: no lab settings, like any nbgrader course
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert grader.returncode == 0, grader.stdout + grader.stderr
    by_nbgrader, by_grader = _gradebook(theirs), _gradebook(ours)
    assert by_grader == by_nbgrader
    assert {s: {k: v[0] for k, v in g.items()} for s, g in by_nbgrader.items()} == {
        s: {**g, "total": sum(g.values())} for s, g in PLAIN_EXPECTED.items()
    }
    for student in STUDENTS:
        ran = nbformat.read(ours / "autograded" / student / PLAIN / f"{PLAIN}.ipynb", 4)
        assert "add(-1, -2)" in ran.cells[2].source  # the hidden tests were restored and run
