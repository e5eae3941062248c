"""Reviewer overrides in an append-only audit log (JSON lines).

Each line: ``{"at", "reviewer", "learner", "sub_criterion", "level", "reason",
"rubric_version"}``. ``level`` null withdraws the earlier override (the evidence counts
again). The file is only ever opened for appending; nothing rewrites or truncates it. The last
entry for a (learner, sub-criterion) is the one in force, whatever rubric version it was made
under, so overrides survive recomputation and rubric changes (the score document shows the
version each was made under).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.rubric.evidence import LEVELS
from grader.rubric.model import Rubric

FIELDS = ("at", "reviewer", "learner", "sub_criterion", "level", "reason", "rubric_version")


class AuditError(ValueError):
    """A bad override or an unreadable audit log; the message says which."""


def append(
    path: Path,
    rubric: Rubric,
    learner: str,
    sub_criterion: str,
    level: int | None,
    reason: str,
    reviewer: str,
    at: str | None = None,
) -> dict[str, Any]:
    """Validate and append one override; returns the entry written."""
    if not reason or not reason.strip():
        raise AuditError("an override needs a reason (--reason)")
    if not reviewer or not reviewer.strip():
        raise AuditError("an override needs the reviewer's name (--reviewer)")
    if not learner:
        raise AuditError("an override needs a learner id")
    rubric.sub_criterion(sub_criterion)  # KeyError naming it when unknown
    if level is not None and level not in LEVELS:
        raise AuditError(f"level must be one of {LEVELS} or none, got {level!r}")
    entry = {
        "at": at or datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "reviewer": reviewer.strip(),
        "learner": learner,
        "sub_criterion": sub_criterion,
        "level": level,
        "reason": reason.strip(),
        "rubric_version": rubric.version,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        # one write of one line: appends from two shells interleave whole lines
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def read(path: Path | None) -> list[dict[str, Any]]:
    if path is None or not Path(path).exists():
        return []
    out = []
    for n, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise AuditError(f"{path}: line {n} is not JSON") from None
        if not isinstance(entry, dict) or any(k not in entry for k in FIELDS):
            raise AuditError(f"{path}: line {n} lacks one of {', '.join(FIELDS)}")
        if entry["level"] is not None and entry["level"] not in LEVELS:
            raise AuditError(f"{path}: line {n}: level {entry['level']!r} is not one of {LEVELS}")
        out.append(entry)
    return out


def in_force(entries: list[dict[str, Any]], learner: str) -> dict[str, dict[str, Any]]:
    """sub-criterion -> the learner's last override (withdrawn ones left out)."""
    last: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e["learner"] == learner:
            last[e["sub_criterion"]] = e
    return {sid: e for sid, e in last.items() if e["level"] is not None}
