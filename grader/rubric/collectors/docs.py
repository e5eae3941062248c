"""Documentation collector: required sections per document kind, diagrams present.

The rubric's ``documents.kinds`` lists, per kind (folder under ``documents/``), the sections a
document of that kind must have and the sub-criteria it informs. A section is present when a
Markdown heading of any file of that kind contains its name (case-insensitive). For each
sub-criterion, completeness = sections found / sections required over every kind informing it
(an absent kind counts as none found), plus one item "a diagram" for the sub-criteria in
``documents.diagrams_inform``; ``documents.thresholds`` maps it to a level. Nothing of any
informing kind and no diagram: missing evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from grader.rubric.collectors.autograde import level_for
from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

NAME = "docs"
DIAGRAM_SUFFIXES = {".png", ".svg", ".drawio", ".mmd", ".jpg", ".jpeg", ".pdf"}
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def headings(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        try:
            out += [h.lower() for h in HEADING.findall(path.read_text(errors="replace"))]
        except OSError:
            continue
    return out


def diagrams(portfolio: Portfolio) -> list[Path]:
    return [p for p in portfolio.files("diagrams") if p.suffix.lower() in DIAGRAM_SUFFIXES]


def collector(rubric: Rubric) -> Callable[[Portfolio], list[Evidence]]:
    spec = rubric.settings["documents"]
    kinds: dict = spec.get("kinds") or {}
    thresholds = spec.get("thresholds") or {3: 0.9, 2: 0.6, 1: 0.3}
    with_diagrams = set(spec.get("diagrams_inform") or ())
    informed = {s for k in kinds.values() for s in k.get("informs", [])} | with_diagrams

    def collect(portfolio: Portfolio) -> list[Evidence]:
        docs = portfolio.documents()
        found: dict[str, dict[str, bool]] = {}
        for kind, k in kinds.items():
            heads = headings(docs.get(kind, []))
            found[kind] = {s: any(s.lower() in h for h in heads) for s in k.get("sections", [])}
        pictures = [str(p.relative_to(portfolio.root)) for p in diagrams(portfolio)]
        out = []
        for sid in sorted(informed):
            relevant = [kind for kind, k in kinds.items() if sid in k.get("informs", [])]
            present = [kind for kind in relevant if docs.get(kind)]
            wants_diagram = sid in with_diagrams
            if not present and not (wants_diagram and pictures):
                out.append(
                    Evidence(
                        sid,
                        NAME,
                        f"no documents of kinds {', '.join(relevant)}"
                        + (" and no diagrams" if wants_diagram else ""),
                        missing=True,
                        details={"kinds": relevant},
                    )
                )
                continue
            have = sum(sum(found[k].values()) for k in relevant)
            need = sum(len(found[k]) for k in relevant)
            missing = {k: [s for s, ok in found[k].items() if not ok] for k in relevant}
            if wants_diagram:
                need += 1
                have += bool(pictures)
            ratio = have / need if need else 0.0
            gaps = sum(len(v) for v in missing.values())
            summary = f"{have}/{need} required sections present in {', '.join(present) or 'none'}"
            if wants_diagram:
                summary += f"; {len(pictures)} diagram(s)"
            out.append(
                Evidence(
                    sid,
                    NAME,
                    summary + (f"; {gaps} missing" if gaps else ""),
                    level=level_for(ratio, thresholds),
                    details={
                        "ratio": round(ratio, 4),
                        "documents": present,
                        "missing_sections": {k: v for k, v in missing.items() if v},
                        "diagrams": pictures,
                    },
                )
            )
        return out

    return collect
