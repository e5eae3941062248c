"""Building nbgrader courses from the fixture lab for the autograde tests."""

from __future__ import annotations

from pathlib import Path

from grader.autograde.batch import Options
from grader.autograde.execute import RunLimits
from grader.cohort import make_cohort
from grader.course import Course
from labkit.catalog import iter_labs
from tests.conftest import FIXTURE

LAB = "p9_w01_buckets"
MANIFEST = next(iter_labs(FIXTURE / "solutions"))
STATE_CHECKS = (MANIFEST.folder / "state_checks.py").read_text()


def make_course(root: Path, students: list[str] | None = None) -> Path:
    course = Course(root)
    course.add_source(MANIFEST)
    course.generate(LAB)
    make_cohort(root, LAB, students)
    return root


def options(**kw) -> Options:
    base = dict(
        workers=2, limits=RunLimits(cell_timeout=8, notebook_timeout=30), state_checks=STATE_CHECKS
    )
    base.update(kw)
    return Options(**base)
