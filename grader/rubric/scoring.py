"""Scoring: evidence and overrides -> levels -> the weighted total out of 100.

Rule per sub-criterion, in order:

1. A reviewer override in force (``audit.in_force``) wins: source "override".
2. Proposals are the evidence records with a level (missing-evidence records propose none).
3. For a reviewer-led sub-criterion with reviewer proposals, only those count.
4. No proposal: level null, 0 points, source "missing", listed in the document's "missing".
5. Proposals more than one level apart: the lowest (a disagreement that large means some
   evidence contradicts the rest; the benefit of the doubt is a reviewer's to give by
   override). Otherwise the mean, rounded half up.

Points: criterion weight x sub-criterion weight / 100 x level / 3. The score document
(schema cloudlabs.portfolio.score/1, see the shared contract) keeps the evidence behind each
level. :func:`diff` compares two score documents (e.g. before and after a rubric change).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from grader.rubric import audit, checklist
from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric, SubCriterion
from grader.rubric.portfolio import Portfolio

SCHEMA = "cloudlabs.portfolio.score/1"
Collector = Callable[[Portfolio], list[Evidence]]


def combine(sub: SubCriterion, evidence: Iterable[Evidence]) -> tuple[int | None, str]:
    """(level or None, how it was reached) from one sub-criterion's evidence."""
    proposals = [e for e in evidence if e.level is not None and not e.missing]
    if sub.reviewer_led:
        by_reviewer = [e for e in proposals if e.collector == "reviewer"]
        if by_reviewer:
            proposals = by_reviewer
    levels = [e.level for e in proposals]
    if not levels:
        return None, "no evidence proposes a level"
    who = "reviewer" if sub.reviewer_led and proposals[0].collector == "reviewer" else "machine"
    if max(levels) - min(levels) > 1:
        return min(levels), f"lowest of {who} proposals {levels} (more than one level apart)"
    level = math.floor(sum(levels) / len(levels) + 0.5)
    return level, f"mean of {who} proposals {levels}, rounded half up"


def _as_dict(e: Evidence) -> dict[str, Any]:
    """``Evidence.to_dict()`` without its deep copy of ``details`` (``dataclasses.asdict``
    took half the time of scoring 1,000 portfolios); the document is serialised right away."""
    return {
        "sub_criterion": e.sub_criterion,
        "collector": e.collector,
        "summary": e.summary,
        "level": e.level,
        "details": e.details,
        "missing": e.missing,
    }


def score_evidence(
    rubric: Rubric,
    learner: dict[str, str],
    evidence: list[Evidence],
    overrides: dict[str, dict[str, Any]] | None = None,
    problems: list[str] | None = None,
    presentation: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The score document from collected evidence and the overrides in force."""
    overrides = overrides or {}
    by_sub: dict[str, list[Evidence]] = {}
    for e in evidence:
        by_sub.setdefault(e.sub_criterion, []).append(e)
    known = {s.id for s in rubric.sub_criteria()}
    problems = list(problems or [])
    problems += [
        f"override of {sid} ({o['rubric_version']}) ignored: not in rubric {rubric.version}"
        for sid, o in overrides.items()
        if sid not in known
    ]
    problems += [
        f"evidence for unknown sub-criterion {sid!r} ignored" for sid in by_sub if sid not in known
    ]
    criteria, missing, total = [], [], 0.0
    for crit in rubric.criteria:
        subs, crit_points = [], 0.0
        for sub in crit.sub_criteria:
            ev = by_sub.get(sub.id, [])
            level, rule = combine(sub, ev)
            source = "evidence" if level is not None else "missing"
            override = overrides.get(sub.id)
            if override is not None:
                level, source = int(override["level"]), "override"
                rule = f"override by {override['reviewer']}: {override['reason']}"
            points = crit.weight * sub.weight / 100 * (level or 0) / 3
            crit_points += points
            if level is None:
                missing.append(sub.id)
            subs.append(
                {
                    "id": sub.id,
                    "name": sub.name,
                    "weight": sub.weight,
                    "level": level,
                    "level_name": rubric.levels[level] if level is not None else None,
                    "descriptor": sub.descriptors[level] if level is not None else None,
                    "points": round(points, 2),
                    "source": source,
                    "rule": rule,
                    "evidence": [_as_dict(e) for e in ev],
                    "override": None
                    if override is None
                    else {
                        k: override[k]
                        for k in ("level", "reason", "reviewer", "at", "rubric_version")
                    },
                }
            )
        total += crit_points
        criteria.append(
            {
                "id": crit.id,
                "name": crit.name,
                "weight": crit.weight,
                "points": round(crit_points, 2),
                "percent": round(crit_points / crit.weight * 100, 2),
                "sub_criteria": subs,
            }
        )
    return {
        "schema": SCHEMA,
        "learner": {"id": learner["id"], "name": learner.get("name") or learner["id"]},
        "rubric": {"id": rubric.id, "version": rubric.version},
        "total": round(total, 2),
        "criteria": criteria,
        "missing": missing,
        "problems": problems,
        "presentation_checklist": presentation or [],
    }


def score(
    portfolio: Portfolio,
    rubric: Rubric,
    collectors: list[Collector],
    audit_entries: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the collectors over the portfolio and score what they found."""
    evidence: list[Evidence] = []
    for collect in collectors:
        evidence += collect(portfolio)
    presentation = checklist.evaluate(portfolio, rubric)
    overrides = audit.in_force(audit_entries or [], portfolio.learner_id)
    learner = {"id": portfolio.learner_id, "name": portfolio.learner_name}
    return score_evidence(rubric, learner, evidence, overrides, portfolio.problems, presentation)


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What moved between two score documents of one learner: sub-criteria whose level or
    points changed (added or removed ones included), and the totals."""

    def flat(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for c in doc["criteria"] for s in c["sub_criteria"]}

    a, b = flat(old), flat(new)
    moved = []
    for sid in sorted(a.keys() | b.keys()):
        x, y = a.get(sid, {}), b.get(sid, {})
        if (x.get("level"), x.get("points")) != (y.get("level"), y.get("points")):
            moved.append(
                {
                    "sub_criterion": sid,
                    "old": {"level": x.get("level"), "points": x.get("points")},
                    "new": {"level": y.get("level"), "points": y.get("points")},
                }
            )
    return {
        "learner": new["learner"]["id"],
        "from_version": old["rubric"]["version"],
        "to_version": new["rubric"]["version"],
        "total": {"old": old["total"], "new": new["total"]},
        "moved": moved,
    }
