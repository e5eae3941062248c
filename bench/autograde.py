"""Throughput of ``grader autograde`` against plain sequential ``nbgrader autograde``.

One run, one batch: a course is built for a real lab (``p1_w04_landing_zone``) with N
generated submissions (reference solutions, partial solutions, untouched student versions),
copied twice so both graders see identical inputs, then graded

- by plain ``nbgrader autograde LAB`` once for the whole batch, sequentially, every kernel
  against one shared emulator that is never reset (no isolation, no limits beyond nbgrader's
  cell timeout, no state checks), and
- by ``grader autograde LAB --workers W`` with its defaults: a private emulator per worker reset
  before every submission, the kernel sandboxed and limited, out-of-kernel state checks.

It prints submissions per minute for each, the ratio, grader's per-submission overhead (from
the results JSON timings) and both graders' scores. Hostile submissions (loops, sleeps, bombs)
are left out on purpose: they are bound by the time limits, not by throughput.

Run it from the checkout::

    .venv/bin/python bench/autograde.py [--submissions 20] [--workers 2] [--keep DIR]

It exits non-zero only when something fails to run; a missed target is reported, not asserted.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB = "p1_w04_landing_zone"
COURSE_ID = "cloudlabs"
TARGET_RATIO = 2.0
TARGET_OVERHEAD = 1.0


@dataclass
class Run:
    name: str
    seconds: float
    scores: dict[str, float]
    busy: float = 0.0  # CPU seconds the whole machine was busy during the run (/proc/stat)
    background: float = 0.0  # cores busy just before the run, with nothing of ours running

    @property
    def core_seconds(self) -> float:
        """CPU seconds the run used, estimated as machine-wide busy time minus background."""
        return max(0.0, self.busy - self.background * self.seconds)

    def per_minute(self, n: int) -> float:
        return 60.0 * n / self.seconds if self.seconds > 0 else 0.0


# --- the batch -------------------------------------------------------------------------------


def _answer_cells(nb: dict) -> list[int]:
    return [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def kinds(solution: dict, blank: dict) -> list[tuple[str, Callable[[], dict]]]:
    """The submission kinds the batch cycles through: full, partial (first k answers), blank."""

    def partial(k: int) -> Callable[[], dict]:
        def make() -> dict:
            nb = copy.deepcopy(blank)
            for i in _answer_cells(nb)[:k]:
                nb["cells"][i] = copy.deepcopy(solution["cells"][i])
            return nb

        return make

    answers = len(_answer_cells(blank))
    out: list[tuple[str, Callable[[], dict]]] = [("solution", lambda: copy.deepcopy(solution))]
    out += [(f"partial_{k}", partial(k)) for k in range(answers - 1, 0, -1)]
    out.append(("blank", lambda: copy.deepcopy(blank)))
    return out


def find_manifest():
    from labkit.catalog import iter_labs

    for manifest in iter_labs(ROOT / "solutions"):
        if manifest.id == LAB:
            return manifest
    raise RuntimeError(f"lab {LAB} not found under {ROOT / 'solutions'}")


def build_course(root: Path, manifest, n: int) -> dict[str, str]:
    """An nbgrader course for the lab with n submissions s01..sNN; returns student -> kind."""
    from grader.course import Course

    course = Course(root, cell_timeout=manifest.cell_timeout)
    course.add_source(manifest)
    release = course.generate(LAB)
    nb_name = manifest.notebook.name
    solution = json.loads((root / "source" / LAB / nb_name).read_text())
    blank = json.loads((release / nb_name).read_text())
    cycle = kinds(solution, blank)
    students: dict[str, str] = {}
    width = max(2, len(str(n)))
    for i in range(n):
        student = f"s{i + 1:0{width}d}"
        kind, make = cycle[i % len(cycle)]
        dest = root / "submitted" / student / LAB
        shutil.copytree(release, dest, ignore=shutil.ignore_patterns("*.ipynb"))
        (dest / nb_name).write_text(json.dumps(make(), indent=1))
        students[student] = kind
    return students


# --- the two graders ---------------------------------------------------------------------------


def _env(labkit_home: Path, **extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bin_dir]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env.update(PATH=os.pathsep.join([bin_dir, *parts]), LABKIT_HOME=str(labkit_home))
    env.update(extra)
    return env


class Meter:
    """Wall time and the CPU time the whole machine spent busy (all processes, /proc/stat).

    Machine-wide on purpose: the CPU time of a sandboxed kernel is lost to per-process
    accounting (the kernel dies with its PID namespace, whose teardown reaps it unaccounted),
    so getrusage() would undercount grader. Other load on the machine counts too: the
    background load is sampled before each run and reported beside it.
    """

    def __enter__(self) -> Meter:
        self.t0, self.busy0 = time.monotonic(), machine_busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.t0
        self.busy = machine_busy() - self.busy0


def machine_busy() -> float:
    """CPU seconds spent not idle, all cores, since boot (0 where /proc/stat is missing)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def background_load(seconds: float = 3.0) -> float:
    """Cores kept busy by other processes while we do nothing."""
    with Meter() as meter:
        time.sleep(seconds)
    return meter.busy / meter.seconds


def _run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    with open(log, "wb") as out:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:3])} exited with {proc.returncode}:\n{tail}")


def run_nbgrader(course: Path, work: Path, cell_timeout: int) -> Run:
    """Plain ``nbgrader autograde``: one process, sequential, one shared emulator, no reset."""
    from labkit.emulator.process import EmulatorProcess

    bin_dir = Path(sys.executable).parent
    cmd = [
        str(bin_dir / "nbgrader"),
        "autograde",
        LAB,
        f"--CourseDirectory.course_id={COURSE_ID}",
        f"--Execute.timeout={cell_timeout}",  # the lab's cell limit, as grader uses
    ]
    emulator = EmulatorProcess.spawn(die_with_parent=True)  # started before the clock
    try:
        env = _env(work / "labkit-home-nbgrader", AWS_ENDPOINT_URL=emulator.endpoint_url)
        background = background_load()
        with Meter() as meter:
            _run(cmd, course, env, work / "nbgrader.log")
    finally:
        emulator.stop()
    scores = gradebook_scores(course)
    return Run("nbgrader", meter.seconds, scores, meter.busy, background)


def run_grader(course: Path, work: Path, workers: int) -> tuple[Run, list[dict]]:
    """``grader autograde`` with its defaults (sandbox, limits, state checks)."""
    cmd = [
        str(Path(sys.executable).parent / "grader"),
        "--root",
        str(ROOT),
        "autograde",
        LAB,
        "--course",
        str(course),
        "--workers",
        str(workers),
    ]
    env = _env(work / "labkit-home-grader")
    background = background_load()
    with Meter() as meter:
        _run(cmd, ROOT, env, work / "grader.log")
    docs = [json.loads(p.read_text()) for p in sorted((course / "results" / LAB).glob("*.json"))]
    scores = {d["student"]: float(d["score"]) for d in docs}
    return Run("grader", meter.seconds, scores, meter.busy, background), docs


def gradebook_scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, float] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        for student in sorted(p.name for p in (course / "submitted").iterdir()):
            try:
                out[student] = float(gb.find_submission(LAB, student).score)
            except MissingEntry:
                out[student] = float("nan")
    return out


# --- report ----------------------------------------------------------------------------------


def _mean(docs: list[dict], key: Callable[[dict], float]) -> tuple[float, float]:
    values = [key(d["timings"]) for d in docs]
    return statistics.fmean(values), max(values)


def report(students: dict[str, str], nbg: Run, grd: Run, docs: list[dict], workers: int) -> str:
    n = len(students)
    mix = ", ".join(
        f"{k} x{list(students.values()).count(k)}" for k in dict.fromkeys(students.values())
    )
    now = dt.datetime.now().astimezone().isoformat(timespec="minutes")
    ratio = grd.per_minute(n) / nbg.per_minute(n) if nbg.per_minute(n) else float("nan")
    lines = [
        f"lab {LAB}: {n} submissions ({mix})",
        "hostile submissions left out: they are bound by the time limits, not by throughput",
        f"machine: {os.cpu_count()} CPU(s), {platform.machine()}, "
        f"Python {platform.python_version()}, {now}",
        "",
        f"{'':34}{'wall s':>8}{'subs/min':>10}{'s/sub':>7}{'busy cores':>12}{'background':>12}"
        f"{'core-s/sub':>12}",
    ]
    for run, label in (
        (nbg, "nbgrader autograde (sequential)"),
        (grd, f"grader autograde --workers {workers}"),
    ):
        lines.append(
            f"{label:34}{run.seconds:8.1f}{run.per_minute(n):10.1f}{run.seconds / n:7.2f}"
            f"{run.busy / run.seconds:12.2f}{run.background:12.2f}{run.core_seconds / n:12.2f}"
        )
    lines.append(
        f"  busy cores: machine-wide CPU use during the run (of {os.cpu_count()}); background: "
        f"the same just before it, nothing of ours running (other load on the machine); "
        f"core-s/sub: CPU time per submission, busy minus background"
    )
    lines.append(f"ratio grader/nbgrader: {ratio:.2f}x (target >= {TARGET_RATIO:g}x)")
    lines.append("")
    overhead = _mean(docs, lambda t: t.get("overhead_seconds", 0.0))
    worker = _mean(docs, lambda t: t.get("worker_seconds", 0.0) - t.get("execute_seconds", 0.0))
    record = _mean(docs, lambda t: t.get("record_seconds", 0.0))
    execute = _mean(docs, lambda t: t.get("execute_seconds", 0.0))
    checks = _mean(docs, lambda t: t.get("state_check_seconds", 0.0))
    lines += [
        "grader per submission (results JSON timings), mean / max seconds:",
        f"  overhead (worker - execute + record)  {overhead[0]:6.2f} / {overhead[1]:6.2f}"
        f"   (target < {TARGET_OVERHEAD:g} s)",
        f"    in the worker (worker - execute)    {worker[0]:6.2f} / {worker[1]:6.2f}"
        f"   (of which state checks {checks[0]:.2f} / {checks[1]:.2f})",
        f"    recording in the parent (serial)    {record[0]:6.2f} / {record[1]:6.2f}",
        f"  kernel execution (execute_seconds)    {execute[0]:6.2f} / {execute[1]:6.2f}",
        "",
        f"{'student':8} {'kind':11} {'nbgrader':>9} {'grader':>7}  grader flags",
    ]
    by_student = {d["student"]: d for d in docs}
    for student, kind in students.items():
        doc = by_student.get(student, {})
        flags = ",".join(doc.get("flags", [])) or "-"
        lines.append(
            f"{student:8} {kind:11} {nbg.scores.get(student, float('nan')):9g} "
            f"{grd.scores.get(student, float('nan')):7g}  {flags}"
        )
    differ = sum(nbg.scores.get(s) != grd.scores.get(s) for s in students)
    lines.append(
        f"scores differ for {differ} of {n} submission(s): plain nbgrader grades every kernel "
        f"on one shared emulator, never reset, so resources left by earlier submissions pass "
        f"later ones' tests"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=20, help="batch size (default: 20)")
    parser.add_argument("--workers", type=int, default=2, help="grader workers (default: 2)")
    parser.add_argument("--keep", type=Path, help="build the courses here and keep them")
    args = parser.parse_args(argv)
    if args.submissions < 1 or args.workers < 1:
        parser.error("--submissions and --workers must be at least 1")
    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep} exists and is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    try:
        manifest = find_manifest()
        say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
        say(f"bench: building the course with {args.submissions} submissions in {work}")
        students = build_course(work / "course-nbgrader", manifest, args.submissions)
        shutil.copytree(work / "course-nbgrader", work / "course-grader")
        say(f"bench: grader autograde --workers {args.workers} ...")
        grd, docs = run_grader(work / "course-grader", work, args.workers)
        say(f"bench: {grd.seconds:.1f} s; nbgrader autograde (sequential) ...")
        nbg = run_nbgrader(work / "course-nbgrader", work, manifest.cell_timeout)
        say(f"bench: {nbg.seconds:.1f} s")
        print(report(students, nbg, grd, docs, args.workers))
        if args.keep:
            print(f"courses, logs and results kept in {work}")
    except (RuntimeError, OSError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
