"""``grader export``: a lab's grades as CSV for an LMS gradebook, one row per learner.

The gradebook is the authority for scores (nbgrader's own, so manual grades and late
penalties count); the results JSON adds each submission's grading status and flags.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.autograde.batch import lab_notebooks
from grader.autograde.results import read, results_path
from grader.course import COURSE_ID

COLUMNS = (
    "student_id",
    "first_name",
    "last_name",
    "email",
    "lab",
    "score",
    "max_score",
    "percent",
    "status",
    "flags",
)


def export_csv(course: Path, lab: str) -> str:
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course).resolve()
    lab_notebooks(course, lab)  # clear error when the course or lab is not set up
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        max_score = float(gb.find_assignment(lab).max_score)
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                sub = gb.find_submission(lab, student.id)
                score = float(sub.score)
                status = "graded"
            except MissingEntry:
                score, status = 0.0, "not_submitted"
            doc = read(results_path(course, lab, student.id)) or {}
            if doc.get("status") == "failed":
                status = "grading_failed"
            percent = round(100 * score / max_score, 2) if max_score else 0.0
            writer.writerow(
                (
                    student.id,
                    student.first_name or "",
                    student.last_name or "",
                    student.email or "",
                    lab,
                    f"{score:g}",
                    f"{max_score:g}",
                    f"{percent:g}",
                    status,
                    ";".join(doc.get("flags", [])),
                )
            )
    return out.getvalue()
