"""What a worker needs to grade one submission, and what it sends back.

Both are plain data (picklable, no open files or shared paths required), so grading maps on a
local process pool or a Dask cluster alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.autograde.execute import RunLimits


@dataclass(frozen=True)
class GradeJob:
    lab: str
    student: str
    # The submission as nbgrader will see it: submitted files, overwritten by the source
    # folder's non-notebook files (lab.yaml, seed.py, data), relative path -> bytes.
    files: dict[str, bytes]
    # Notebook names (without .ipynb) the gradebook knows for this lab.
    notebooks: tuple[str, ...]
    # A snapshot of the gradebook: nbgrader's sanitize step reads the master cells from it.
    gradebook: bytes
    limits: RunLimits = RunLimits()
    # The lab's out-of-kernel state checks (Python source defining CHECKS), or None.
    state_checks: str | None = None
    digest: str = ""  # sha256 of the submitted files, for resuming
    # Paths learner code must not read (the course directory, the lab sources).
    hide: tuple[str, ...] = ()


@dataclass
class StateCheck:
    grade_id: str
    passed: bool
    message: str = ""


@dataclass
class WorkerResult:
    lab: str
    student: str
    digest: str
    # notebook name -> executed notebook JSON (None when it could not be read or run)
    executed: dict[str, str | None] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)  # notebook name -> why
    flags: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # visible to the learner
    state_checks: list[StateCheck] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    worker: dict[str, object] = field(default_factory=dict)
    error: str | None = None  # the grader itself failed (never the learner's fault)
