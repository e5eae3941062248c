"""Grade every submission of a lab in an nbgrader course directory.

Resumable: a submission whose results JSON says "graded" for the same files (digest) and that
the gradebook holds is not graded again; an interrupted batch (even by SIGKILL) continues
where it stopped, and nothing recorded is lost.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.autograde import executors
from grader.autograde.execute import RunLimits
from grader.autograde.job import GradeJob, WorkerResult
from grader.autograde.progress import Progress
from grader.autograde.record import Recorder
from grader.autograde.results import read, results_path
from grader.course import COURSE_ID

IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
MAX_FILE_BYTES = 100 * 1024 * 1024


class CourseError(RuntimeError):
    """The course directory cannot be graded as it is; the message says what to do."""


@dataclass
class Options:
    workers: int = os.cpu_count() or 1
    students: tuple[str, ...] = ()
    force: bool = False
    dask: str | None = None
    limits: RunLimits = field(default_factory=RunLimits)
    state_checks: str | None = None  # source of the lab's state checks
    hide: tuple[str, ...] = ()  # more paths learner code must not read


def submission_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(_files(folder)):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).parts
        if any(fnmatch.fnmatch(part, pat) for part in rel for pat in IGNORE):
            continue
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            yield path


def students_of(course: Path, lab: str, only: tuple[str, ...] = ()) -> list[str]:
    root = course / "submitted"
    found = sorted(p.parent.name for p in root.glob(f"*/{lab}") if p.is_dir())
    if only:
        missing = sorted(set(only) - set(found))
        if missing:
            raise CourseError(
                f"no submission of {lab} for: {', '.join(missing)} "
                f"(looked in {root}/<student>/{lab})"
            )
        return [s for s in found if s in only]
    return found


def lab_notebooks(course: Path, lab: str) -> tuple[str, ...]:
    from nbgrader.api import Gradebook, MissingEntry

    db = course / "gradebook.db"
    if not db.exists():
        raise CourseError(
            f"{db} does not exist: run `nbgrader generate_assignment {lab}` in {course} first"
        )
    with Gradebook(f"sqlite:///{db}", COURSE_ID) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            raise CourseError(
                f"the gradebook has no assignment {lab!r}: run `nbgrader "
                f"generate_assignment {lab}` in {course} first"
            ) from None
        return tuple(sorted(nb.name for nb in assignment.notebooks))


def already_graded(course: Path, lab: str, student: str, digest: str) -> dict | None:
    from nbgrader.api import Gradebook, MissingEntry

    doc = read(results_path(course, lab, student))
    if not doc or doc.get("status") != "graded" or doc.get("digest") != digest:
        return None
    if not (course / "autograded" / student / lab).is_dir():
        return None  # nbgrader's output is gone: feedback needs it
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None
        if abs(float(sub.score) - float(doc.get("score", -1))) > 1e-9:
            return None
    return doc


def build_job(
    course: Path,
    lab: str,
    student: str,
    notebooks: tuple[str, ...],
    gradebook: bytes,
    options: Options,
    digest: str,
) -> GradeJob:
    files: dict[str, bytes] = {}
    submitted = course / "submitted" / student / lab
    for path in _files(submitted):
        files[str(path.relative_to(submitted))] = path.read_bytes()
    source = course / "source" / lab  # nbgrader overwrites these with the master versions
    if source.is_dir():
        for path in _files(source):
            if path.suffix != ".ipynb":
                files[str(path.relative_to(source))] = path.read_bytes()
    return GradeJob(
        lab=lab,
        student=student,
        files=files,
        notebooks=notebooks,
        gradebook=gradebook,
        limits=options.limits,
        state_checks=options.state_checks,
        digest=digest,
        hide=(str(course), *options.hide),
    )


def autograde(
    course: Path, lab: str, options: Options, progress: Callable[[int], Progress] | None = Progress
) -> list[dict]:
    """Grade the lab's submissions; returns one results document per student, sorted."""
    course = Path(course).resolve()
    notebooks = lab_notebooks(course, lab)
    students = students_of(course, lab, options.students)
    docs: dict[str, dict] = {}
    todo: list[tuple[str, str]] = []
    for student in students:
        digest = submission_digest(course / "submitted" / student / lab)
        doc = None if options.force else already_graded(course, lab, student, digest)
        if doc is not None:
            docs[student] = doc
        else:
            todo.append((student, digest))
    if todo:
        gradebook = (course / "gradebook.db").read_bytes()
        jobs = [build_job(course, lab, s, notebooks, gradebook, options, d) for s, d in todo]
        recorder = Recorder(course, lab)
        bar = progress(len(jobs)) if progress else None
        results: Iterator[WorkerResult] = (
            executors.dask_cluster(jobs, options.dask)
            if options.dask
            else executors.local_pool(jobs, max(1, min(options.workers, len(jobs))))
        )
        for result in results:
            doc = recorder.record(result)
            docs[result.student] = doc
            if bar:
                bar.update(result.student, doc["status"] == "graded")
    return [docs[s] for s in sorted(docs)]


def format_summary(docs: list[dict]) -> str:
    header = ("student", "score", "max", "status", "flags")
    rows = [
        (
            d["student"],
            f"{d['score']:g}",
            f"{d['max_score']:g}",
            d["status"],
            ",".join(d["flags"]) or "-",
        )
        for d in docs
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = sum(d["status"] == "graded" for d in docs)
    lines.append(f"{len(docs)} submission(s): {graded} graded, {len(docs) - graded} failed")
    return "\n".join(lines)
