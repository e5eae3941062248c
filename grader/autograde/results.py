"""The results JSON written for every graded submission.

Schema ``cloudlabs.autograde.result/1`` (close in spirit to Gradescope's and PrairieLearn's
results.json)::

    {
      "schema": "cloudlabs.autograde.result/1",
      "lab": "p1_w04_landing_zone", "student": "alice",
      "status": "graded" | "failed",        # failed: could not be graded; score is 0
      "score": 12.0, "max_score": 16.0,     # = the gradebook's auto score for the submission
      "tasks": [{"grade_id": "vpc_tests", "notebook": "...", "score": 3.0, "max_score": 3.0,
                 "status": "passed" | "failed" | "not_run",
                 "message": "first error line, shown to the learner",
                 "hidden": {"error": "...", "state_check": "passed" | "failed: ..." | null}}],
      "flags": ["kernel_died", "cell_timeout", "notebook_timeout", "output_truncated",
                "state_check_disagreement", "invalid_notebook", "missing_notebook",
                "kernel_failed_to_start", "exception_handler_removed", "grader_error"],
      "messages": ["shown to the learner"],
      "hidden": {"invalid": {...}, "grader_error": "...", "traceback": "..."},
      "timings": {"execute_seconds": ..., "state_check_seconds": ..., "worker_seconds": ...,
                  "record_seconds": ..., "overhead_seconds": ...},
      "worker": {"pid": ..., "host": ..., "emulator": "http://127.0.0.1:PORT"},
      "digest": "sha256 of the submitted files", "graded_at": "ISO-8601 UTC"
    }

"hidden" parts are for instructors; ``learner_view`` drops them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SCHEMA = "cloudlabs.autograde.result/1"


def results_path(course: Path, lab: str, student: str) -> Path:
    return Path(course) / "results" / lab / f"{student}.json"


def write_atomic(path: Path, doc: dict[str, Any]) -> None:
    """Write JSON so that a reader (or a re-run after SIGKILL) sees all of it or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == SCHEMA else None


def learner_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The result without anything instructor-only."""
    view = {k: v for k, v in doc.items() if k not in ("hidden", "worker")}
    view["tasks"] = [{k: v for k, v in t.items() if k != "hidden"} for t in doc["tasks"]]
    return view
