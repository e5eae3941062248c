"""Reviewer collector: levels a human proposed, with comments, from a YAML or CSV file.

Both formats are rows ``learner, sub_criterion, level, comment, reviewer``::

    # reviews.yaml
    schema: cloudlabs.portfolio.reviews/1
    reviews:
      - {learner: alice, sub_criterion: leadership.knowledge_transfer, level: 2,
         comment: "ran the DR walkthrough for the team", reviewer: dr.lee}

    # reviews.csv (header row required)
    learner,sub_criterion,level,comment,reviewer

Reviewer input is evidence (collector "reviewer"); scoring lets it win over machine evidence
for the rubric's reviewer-led sub-criteria. A reviewer-led sub-criterion with no row for a
learner gets a missing-evidence record.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from grader.rubric.evidence import LEVELS, Evidence
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

NAME = "reviewer"
SCHEMA = "cloudlabs.portfolio.reviews/1"
FIELDS = ("learner", "sub_criterion", "level", "comment", "reviewer")


class ReviewsError(ValueError):
    """The reviews file is invalid; the message names the row."""


def load(path: Path, rubric: Rubric) -> list[dict[str, Any]]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        # libyaml's loader when present: 5x faster on a cohort's reviews than the pure one
        doc = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise ReviewsError(f"{path}: expected a mapping with schema: {SCHEMA}")
        rows = doc.get("reviews") or []
    ids = {s.id for s in rubric.sub_criteria()}
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"{path}: row {n}"
        if not isinstance(row, dict) or not row.get("learner") or not row.get("sub_criterion"):
            raise ReviewsError(f"{where}: learner and sub_criterion are required")
        if row["sub_criterion"] not in ids:
            raise ReviewsError(f"{where}: unknown sub-criterion {row['sub_criterion']!r}")
        try:
            level = int(row.get("level"))
        except (TypeError, ValueError):
            level = None
        if level not in LEVELS:
            raise ReviewsError(f"{where}: level must be one of {LEVELS}, got {row.get('level')!r}")
        out.append(
            {
                "learner": str(row["learner"]),
                "sub_criterion": row["sub_criterion"],
                "level": level,
                "comment": str(row.get("comment") or ""),
                "reviewer": str(row.get("reviewer") or ""),
            }
        )
    return out


def collector(rubric: Rubric, path: Path | None) -> Callable[[Portfolio], list[Evidence]]:
    rows = load(path, rubric) if path else []
    led = [s.id for s in rubric.sub_criteria() if s.reviewer_led]

    def collect(portfolio: Portfolio) -> list[Evidence]:
        mine = [r for r in rows if r["learner"] == portfolio.learner_id]
        out = [
            Evidence(
                r["sub_criterion"],
                NAME,
                f"reviewer {r['reviewer'] or '(unnamed)'}: {r['comment'] or 'no comment'}",
                level=r["level"],
                details={"reviewer": r["reviewer"], "comment": r["comment"]},
            )
            for r in mine
        ]
        reviewed = {r["sub_criterion"] for r in mine}
        out += [
            Evidence(sid, NAME, "no reviewer input for this learner", missing=True)
            for sid in led
            if sid not in reviewed
        ]
        return out

    return collect
