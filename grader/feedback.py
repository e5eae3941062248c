"""``grader feedback``: nbgrader's HTML feedback, without hidden test code.

nbgrader's generate_feedback renders the autograded notebook as is, so hidden tests (restored
for grading) and tracebacks quoting their lines would reach the learner. Here the hidden test
regions are cleared (nbgrader's ClearHiddenTests) and the error outputs of test cells keep only
their final line ("AssertionError: <the instructor's message>").
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from grader.course import COURSE_ID, patched_environ, venv_path


class ScrubTestTracebacks(NbGraderPreprocessor):
    """Error outputs of test cells reduced to their last line: no quoted test source."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


def generate_feedback(course: Path, lab: str, students: list[str]) -> list[Path]:
    """Write feedback/<student>/<lab>/*.html for each student; returns the files written."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config

    course = Path(course).resolve()
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = COURSE_ID
    c.Exchange.root = str(course / ".grader" / "exchange")
    c.GenerateFeedback.preprocessors = [
        ClearHiddenTests,
        ScrubTestTracebacks,
        GetGrades,
        CSSHTMLHeaderPreprocessor,
    ]
    api = NbGraderAPI(config=c)
    written: list[Path] = []
    for student in students:
        with patched_environ({"PATH": venv_path()}):
            out = api.generate_feedback(lab, student)
        if not out.get("success"):
            raise RuntimeError(f"feedback for {student} failed: {(out.get('log') or '')[-1500:]}")
        written.extend(sorted((course / "feedback" / student / lab).glob("*.html")))
    return written
