"""Record a worker's result the way ``nbgrader autograde`` records a submission.

One submission at a time, in the parent process: the submission is staged with each notebook
replaced by the worker's executed copy (notebooks the worker found unreadable left out), and
nbgrader's Autograde converter records it: nbgrader writes the gradebook and ``autograded/``
itself. The worker already ran nbgrader's sanitize steps (restoring locked and test cells
from the gradebook) before executing, so the converter's sanitize pass is empty and its
autograde pass has no Execute: it scores the outputs the worker's kernel produced. Then the
results JSON is built from the gradebook and written atomically.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import nbformat

from grader.autograde import nbgrader_fast
from grader.autograde.job import WorkerResult
from grader.autograde.results import SCHEMA, results_path, write_atomic
from grader.course import COURSE_ID, patched_environ, venv_path

STAGING = ".grader/staging"


class Recorder:
    def __init__(self, course: Path, lab: str) -> None:
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.apps import NbGraderAPI
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            IgnorePattern,
            LimitOutput,
            SaveAutoGrades,
        )
        from traitlets.config import Config

        nbgrader_fast.apply()
        self.course = Path(course).resolve()
        self.lab = lab
        c = Config()
        c.CourseDirectory.root = str(self.course)
        c.CourseDirectory.submitted_directory = STAGING
        c.CourseDirectory.course_id = COURSE_ID
        c.Exchange.root = str(self.course / ".grader" / "exchange")
        c.Autograde.sanitize_preprocessors = []  # done in the worker (grader.autograde.sanitize)
        c.Autograde.autograde_preprocessors = [  # nbgrader's, minus Execute
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ]
        self.api = NbGraderAPI(config=c)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.course / 'gradebook.db'}"

    def record(self, result: WorkerResult) -> dict:
        t0 = time.monotonic()
        doc = _skeleton(result)
        if result.error:
            doc["status"] = "failed"
            doc["flags"].append("grader_error")
            doc["messages"].append(
                "the grader could not grade this submission; it will be retried on the next run"
            )
            doc["hidden"]["grader_error"] = result.error
            doc["hidden"]["traceback"] = result.worker.get("traceback")
        else:
            graded = [n for n, nb in result.executed.items() if nb is not None]
            self._stage(result)
            if graded:
                with patched_environ({"PATH": venv_path()}):
                    out = self.api.autograde(self.lab, result.student)
                if not out.get("success"):
                    doc["status"] = "failed"
                    doc["flags"].append("grader_error")
                    doc["hidden"]["grader_error"] = (out.get("log") or "")[-3000:]
            else:
                self._record_zero(result.student)
                # nbgrader leaves no autograded/ folder for it; keep the layout uniform
                (self.course / "autograded" / result.student / self.lab).mkdir(
                    parents=True, exist_ok=True
                )
            if doc["status"] != "failed":
                self._fill_tasks(doc, result)
        doc["timings"]["record_seconds"] = time.monotonic() - t0
        t = doc["timings"]
        t["overhead_seconds"] = (
            t.get("worker_seconds", 0) - t.get("execute_seconds", 0) + t["record_seconds"]
        )
        write_atomic(results_path(self.course, self.lab, result.student), doc)
        return doc

    def _stage(self, result: WorkerResult) -> None:
        src = self.course / "submitted" / result.student / self.lab
        staged = self.course / STAGING / result.student / self.lab
        if staged.exists():
            shutil.rmtree(staged)
        shutil.copytree(src, staged)
        for name in result.invalid:
            (staged / f"{name}.ipynb").unlink(missing_ok=True)
        for name, text in result.executed.items():
            if text is not None:
                (staged / f"{name}.ipynb").write_text(text)

    def _record_zero(self, student: str) -> None:
        """Nothing gradable was submitted: every grade 0, as nbgrader does for a missing file."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, COURSE_ID) as gb:
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(self.lab, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def _fill_tasks(self, doc: dict, result: WorkerResult) -> None:
        from nbgrader.api import Gradebook

        checks = {c.grade_id: c for c in result.state_checks}
        with Gradebook(self.db_url, COURSE_ID) as gb:
            sub = gb.find_submission(self.lab, result.student)
            doc["score"], doc["max_score"] = float(sub.score), float(sub.max_score)
            for nb in sub.notebooks:
                errors = _errors(
                    self.course / "autograded" / result.student / self.lab / f"{nb.name}.ipynb"
                )
                for grade in nb.grades:
                    score = float(grade.score)
                    ename, evalue = errors.get(grade.name, ("", ""))
                    check = checks.get(grade.name)
                    status = (
                        "passed"
                        if score >= grade.max_score
                        else (
                            "not_run"
                            if ename == "NotExecuted" or nb.name in result.invalid
                            else "failed"
                        )
                    )
                    doc["tasks"].append(
                        {
                            "grade_id": grade.name,
                            "notebook": nb.name,
                            "score": score,
                            "max_score": float(grade.max_score),
                            "status": status,
                            "message": _first_line(evalue) if status != "passed" else "",
                            "hidden": {
                                "error": f"{ename}: {evalue}"[:2000] if ename else None,
                                "state_check": None
                                if check is None
                                else ("passed" if check.passed else f"failed: {check.message}"),
                            },
                        }
                    )


def _skeleton(result: WorkerResult) -> dict:
    flags = list(result.flags)
    for why in result.invalid.values():
        flag = "missing_notebook" if why.endswith("was not submitted") else "invalid_notebook"
        if flag not in flags:
            flags.append(flag)
    return {
        "schema": SCHEMA,
        "lab": result.lab,
        "student": result.student,
        "status": "graded",
        "score": 0.0,
        "max_score": 0.0,
        "tasks": [],
        "flags": flags,
        "messages": list(result.messages),
        "hidden": {"invalid": dict(result.invalid)},
        "timings": {
            "execute_seconds": result.timings.get("execute_seconds", 0.0),
            "state_check_seconds": result.timings.get("state_check_seconds", 0.0),
            "worker_seconds": result.timings.get("total_seconds", 0.0),
        },
        "worker": {k: v for k, v in result.worker.items() if k != "traceback"},
        "digest": result.digest,
        "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _errors(path: Path) -> dict[str, tuple[str, str]]:
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    out = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        for o in cell.get("outputs", []):
            if gid and o.get("output_type") == "error":
                out[gid] = (o.get("ename", ""), o.get("evalue", ""))
    return out


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:500] if (text or "").strip() else ""
