"""Autograde collector: the labs' results -> a level for each sub-criterion they inform.

A sub-criterion lists lab id patterns (``labs`` in the rubric, fnmatch); its score ratio is
total score / total max score over the matching labs' results (a result with status "failed"
counts as 0 of its max). The ratio is mapped to a level with ``autograde.thresholds``. No
matching result: missing evidence, saying which labs would inform it.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatch

from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

NAME = "autograde"


def level_for(ratio: float, thresholds: dict) -> int:
    """Highest level whose threshold the ratio reaches, else 0."""
    for level in sorted((int(k) for k in thresholds), reverse=True):
        if ratio >= float(thresholds[level]):
            return level
    return 0


def collector(rubric: Rubric) -> Callable[[Portfolio], list[Evidence]]:
    thresholds = rubric.settings["autograde"].get("thresholds") or {3: 0.9, 2: 0.7, 1: 0.4}
    subs = [s for s in rubric.sub_criteria() if NAME in s.collectors and s.labs]

    def collect(portfolio: Portfolio) -> list[Evidence]:
        results = portfolio.results()
        out = []
        for sub in subs:
            labs = sorted(lab for lab in results if any(fnmatch(lab, p) for p in sub.labs))
            if not labs:
                out.append(
                    Evidence(
                        sub.id,
                        NAME,
                        f"no autograde results for labs {', '.join(sub.labs)}",
                        missing=True,
                        details={"labs": list(sub.labs)},
                    )
                )
                continue
            per_lab = {}
            for lab in labs:
                doc = results[lab]
                score = float(doc.get("score") or 0) if doc.get("status") != "failed" else 0.0
                per_lab[lab] = {
                    "score": score,
                    "max_score": float(doc.get("max_score") or 0),
                    "status": doc.get("status"),
                }
            total_max = sum(r["max_score"] for r in per_lab.values())
            ratio = sum(r["score"] for r in per_lab.values()) / total_max if total_max else 0.0
            out.append(
                Evidence(
                    sub.id,
                    NAME,
                    f"{len(labs)} lab(s) scored {ratio:.0%} of their points",
                    level=level_for(ratio, thresholds),
                    details={"ratio": round(ratio, 4), "labs": per_lab},
                )
            )
        return out

    return collect
