"""The presentation checklist: which items of the curriculum's "Portfolio Presentation
Guidelines" the portfolio shows, and by what.

Each rubric item's ``evidence`` is any of: ``documents`` (kinds present under documents/),
``keywords`` (found, case-insensitive, in any document), ``diagrams: true`` (at least one
file under diagrams/), ``measurements`` (names present). The item is present when any holds;
``evidence`` in the result says which.
"""

from __future__ import annotations

from typing import Any

from grader.rubric.collectors.docs import diagrams
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio


def evaluate(portfolio: Portfolio, rubric: Rubric) -> list[dict[str, Any]]:
    docs = portfolio.documents()
    text = "\n".join(p.read_text(errors="replace") for ps in docs.values() for p in ps).lower()
    names = {str(m["name"]) for m in portfolio.measurements()}
    pictures = diagrams(portfolio)
    out = []
    for item in rubric.presentation_checklist:
        spec = item.get("evidence") or {}
        seen = [f"document {k}" for k in spec.get("documents", []) if docs.get(k)]
        seen += [f"'{w}' in documents" for w in spec.get("keywords", []) if w.lower() in text]
        if spec.get("diagrams") and pictures:
            seen.append(f"{len(pictures)} diagram(s)")
        seen += [f"measurement {n}" for n in spec.get("measurements", []) if n in names]
        out.append(
            {
                "item": item["item"],
                "section": item["section"],
                "present": bool(seen),
                "evidence": "; ".join(seen) if seen else "nothing in the portfolio shows it",
            }
        )
    return out
