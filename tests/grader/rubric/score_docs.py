"""Hand-built score documents (schema cloudlabs.portfolio.score/1) for the report tests.

Points are computed here from the levels, independently of the scoring code: a sub-criterion
at level L of 3 earns weight_criterion * share/100 * L/3.
"""

from __future__ import annotations

from typing import Any

CRITERIA = {
    "technical": (
        "Technical Excellence",
        40,
        ["architecture_quality", "best_practices", "innovation", "code_quality"],
    ),
    "operational": (
        "Operational Readiness",
        30,
        ["monitoring", "security", "compliance", "documentation"],
    ),
    "business": (
        "Business Value",
        20,
        ["cost_optimization", "performance", "scalability", "risk_mitigation"],
    ),
    "leadership": (
        "Leadership and Communication",
        10,
        [
            "stakeholder_engagement",
            "knowledge_transfer",
            "project_management",
            "continuous_improvement",
        ],
    ),
}
NAMES = {0: "Missing", 1: "Developing", 2: "Proficient", 3: "Exemplary"}


def score_doc(
    learner_id: str, name: str, levels: dict[str, int | None], default: int | None = 2
) -> dict[str, Any]:
    """levels: "criterion.sub" -> level (None: missing); the rest get ``default``."""
    criteria, missing, total = [], [], 0.0
    for cid, (cname, weight, subs) in CRITERIA.items():
        rows, cpoints = [], 0.0
        for sub in subs:
            sid = f"{cid}.{sub}"
            level = levels.get(sid, default)
            points = 0.0 if level is None else weight * 25 / 100 * level / 3
            cpoints += points
            if level is None:
                missing.append(sid)
            evidence = [
                {
                    "sub_criterion": sid,
                    "collector": "docs",
                    "summary": f"{sub} evidence seen",
                    "level": level,
                    "details": {},
                    "missing": level is None,
                }
            ]
            rows.append(
                {
                    "id": sid,
                    "name": sub.replace("_", " ").title(),
                    "weight": 25,
                    "level": level,
                    "level_name": None if level is None else NAMES[level],
                    "points": round(points, 4),
                    "source": "missing" if level is None else "evidence",
                    "evidence": evidence,
                    "override": None,
                }
            )
        total += cpoints
        criteria.append(
            {
                "id": cid,
                "name": cname,
                "weight": weight,
                "points": round(cpoints, 4),
                "percent": round(100 * cpoints / weight, 2),
                "sub_criteria": rows,
            }
        )
    return {
        "schema": "cloudlabs.portfolio.score/1",
        "learner": {"id": learner_id, "name": name},
        "rubric": {"id": "portfolio", "version": "1.0"},
        "total": round(total, 4),
        "criteria": criteria,
        "missing": missing,
        "problems": [],
        "presentation_checklist": [
            {
                "item": "Architecture diagrams and design decisions",
                "section": "Technical Deep Dive",
                "present": True,
                "evidence": "diagrams/arch.png",
            },
            {
                "item": "Total cost savings and efficiency gains",
                "section": "Executive Summary",
                "present": False,
                "evidence": None,
            },
        ],
    }
