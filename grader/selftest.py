"""``grader selftest``: proof that every lab is gradable.

For each lab, in a throwaway nbgrader course and on a freshly reset emulator:
- the reference solution (the source notebook) is autograded and must score full marks with
  no cell raising;
- the student version (nbgrader's release) is autograded and must score 0 on every grade
  cell, while its read-only cells (setup, helpers) run without error.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.autograde.state_checks import prepare_lab, run_state_checks
from grader.build import select_labs
from grader.course import Course, patched_environ
from grader.paths import Checkout
from labkit.emulator import client
from labkit.emulator.process import EmulatorProcess
from labkit.manifest import LabManifest

SOLUTION, BLANK = "solution", "blank"
STATE_CHECKS = "state_checks.py"


@dataclass(frozen=True)
class CellResult:
    grade_id: str
    score: float
    max_score: float
    error: str | None  # "NameError: ..." when the cell raised


@dataclass
class SelftestResult:
    lab: str
    points: float
    solution_score: float = 0.0
    blank_score: float = 0.0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def grade_cells(course: Course, lab_id: str, student: str) -> list[CellResult]:
    """Per grade cell: the score nbgrader recorded and the error the cell raised, if any."""
    from nbgrader.api import Gradebook

    nb_dir = course.root / "autograded" / student / lab_id
    errors: dict[str, str] = {}
    for path in nb_dir.glob("*.ipynb"):
        for gid, err in cell_errors(nbformat.read(path, as_version=4)).items():
            errors[gid] = err
    with Gradebook(course.db_url) as gb:
        sub = gb.find_submission(lab_id, student)
        return [
            CellResult(g.name, float(g.score), float(g.max_score), errors.get(g.name))
            for nb in sub.notebooks
            for g in nb.grades
        ]


def cell_errors(nb: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id (or cell-N) -> "Ename: evalue" for every code cell that raised."""
    out: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                key = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{index}"
                out[key] = f"{output.get('ename')}: {output.get('evalue', '')}"[:400]
                break
    return out


def read_only_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Locked code cells that are neither graded nor answers (setup, helpers)."""
    ids = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (
            cell.cell_type == "code"
            and meta.get("locked")
            and not meta.get("grade")
            and not meta.get("solution")
        ):
            ids.append(meta.get("grade_id", "?"))
    return ids


def _state_check_problems(checks_file: Path, lab, grade_ids: set[str]) -> list[str]:
    """The lab's out-of-kernel state checks after the solution ran: each must pass, and each
    must belong to a grade cell."""
    problems = []
    for check in run_state_checks(checks_file.read_text(), lab):
        if check.grade_id not in grade_ids:
            problems.append(f"{STATE_CHECKS}: {check.grade_id!r} is not a grade cell of the lab")
        elif not check.passed:
            problems.append(f"solution fails the state check of {check.grade_id}: {check.message}")
    return problems


def selftest_lab(
    course: Course, manifest: LabManifest, endpoint_url: str, kernel_home: Path
) -> SelftestResult:
    result = SelftestResult(manifest.id, float(manifest.points))
    t0 = time.monotonic()
    source_dir = course.add_source(manifest)
    release = course.generate(manifest.id)
    course.submit(manifest.id, SOLUTION, source_dir)
    course.submit(manifest.id, BLANK, release)
    checks_file = manifest.folder / STATE_CHECKS
    for student in (SOLUTION, BLANK):
        client.reset(endpoint_url)
        # a home (and portfolio) of its own: the blank run must not find the solution's files
        home = kernel_home / manifest.id / student
        lab = None
        if student == SOLUTION and checks_file.is_file():
            # as `grader autograde` does: seeded before the kernel, checked after it
            lab = prepare_lab(manifest.id, manifest.folder, endpoint_url, home / "grader")
        kernel_env = {
            "AWS_ENDPOINT_URL": endpoint_url,
            "LABKIT_HOME": str(home),
            "LABKIT_LEARNER_ID": student,
        }
        with patched_environ(kernel_env):
            graded_dir = course.autograde(manifest.id, student)
        cells = grade_cells(course, manifest.id, student)
        if lab is not None:
            ids = {c.grade_id for c in cells}
            result.problems.extend(_state_check_problems(checks_file, lab, ids))
        nb = nbformat.read(graded_dir / manifest.notebook.name, as_version=4)
        errors = cell_errors(nb)
        score = sum(c.score for c in cells)
        if student == SOLUTION:
            result.solution_score = score
            for c in cells:
                if c.score < c.max_score:
                    result.problems.append(
                        f"solution scores {c.score:g}/{c.max_score:g} on {c.grade_id}"
                        + (f" ({c.error})" if c.error else "")
                    )
            for gid, err in errors.items():
                if gid not in {c.grade_id for c in cells}:
                    result.problems.append(f"solution: cell {gid} raised {err}")
        else:
            result.blank_score = score
            for c in cells:
                if c.score > 0:
                    result.problems.append(
                        f"student version scores {c.score:g} on {c.grade_id} without an answer"
                    )
            for gid in read_only_ids(nb):
                if gid in errors:
                    result.problems.append(
                        f"student version: read-only cell {gid} raised {errors[gid]}"
                    )
    if abs(sum(c.max_score for c in cells) - manifest.points) > 1e-9:
        result.problems.append(
            f"gradebook max score {sum(c.max_score for c in cells):g} != lab.yaml points "
            f"{manifest.points:g}"
        )
    result.seconds = time.monotonic() - t0
    return result


def selftest(
    checkout: Checkout,
    ids: Iterable[str] = (),
    endpoint_url: str | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[SelftestResult]:
    """Selftest the selected labs; starts a private emulator unless ``endpoint_url`` is given."""
    manifests = select_labs(checkout, ids)
    results: list[SelftestResult] = []
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as tmp:
        tmp_path = Path(tmp)
        emulator = None
        if endpoint_url is None:
            emulator = EmulatorProcess.spawn(log_path=tmp_path / "emulator.log")
            endpoint_url = emulator.endpoint_url
        try:
            for manifest in manifests:
                progress(f"selftest {manifest.id} ...")
                course = Course(tmp_path / manifest.id, cell_timeout=manifest.cell_timeout)
                try:
                    results.append(
                        selftest_lab(course, manifest, endpoint_url, tmp_path / "labkit-home")
                    )
                except Exception as e:  # one broken lab never stops the others
                    results.append(
                        SelftestResult(
                            manifest.id,
                            float(manifest.points),
                            problems=[f"{type(e).__name__}: {e}"],
                        )
                    )
        finally:
            if emulator is not None:
                emulator.stop()
    return results


def _quiet_worker() -> None:
    """Pool worker start-up: the kernels' own chatter on stderr (ipykernel's transport
    warnings, nbgrader's log) would interleave between labs; whatever goes wrong reaches the
    result's problems instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _selftest_one(checkout_root: str, lab_id: str) -> SelftestResult:
    """One lab on its own private emulator (a pool worker's job)."""
    return selftest(Checkout(Path(checkout_root)), [lab_id])[0]


def selftest_parallel(
    checkout: Checkout,
    ids: Iterable[str] = (),
    workers: int = 2,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[SelftestResult]:
    """Selftest the selected labs ``workers`` at a time, each lab on a private emulator of its
    own; results in lab order. A worker that dies costs its lab a failed result, not the run."""
    manifests = select_labs(checkout, ids)
    if workers <= 1 or len(manifests) <= 1:
        return selftest(checkout, [m.id for m in manifests], progress=progress)
    results: dict[str, SelftestResult] = {}
    context = multiprocessing.get_context("spawn")  # no inherited threads, locks or sockets
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_quiet_worker
    ) as pool:
        futures = {pool.submit(_selftest_one, str(checkout.root), m.id): m for m in manifests}
        progress(f"selftest of {len(manifests)} labs, {workers} at a time ...")
        for future in as_completed(futures):
            manifest = futures[future]
            try:
                result = future.result()
            except Exception as e:  # a crashed worker: report it on its lab, go on
                result = SelftestResult(
                    manifest.id, float(manifest.points), problems=[f"{type(e).__name__}: {e}"]
                )
            results[manifest.id] = result
            progress(
                f"  {manifest.id}: {'ok' if result.ok else 'FAIL'} ({result.seconds:.0f} s, "
                f"{len(results)}/{len(manifests)})"
            )
    return [results[m.id] for m in manifests]


def format_table(results: list[SelftestResult]) -> str:
    header = ("lab", "points", "solution", "blank", "seconds", "status")
    rows = [
        (
            r.lab,
            f"{r.points:g}",
            f"{r.solution_score:g}",
            f"{r.blank_score:g}",
            f"{r.seconds:.1f}",
            "ok" if r.ok else "FAIL",
        )
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True))
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        for p in r.problems:
            lines.append(f"  {r.lab}: {p}")
    return "\n".join(lines)
