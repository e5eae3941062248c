"""Small portfolios and rubric documents built in the tests of grader.rubric (helper B)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
RUBRIC = ROOT / "rubrics" / "portfolio.yaml"


def rubric_doc() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(RUBRIC.read_text()))


def write_rubric(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def result(lab: str, score: float, max_score: float, status: str = "graded") -> dict[str, Any]:
    return {
        "schema": "cloudlabs.autograde.result/1",
        "lab": lab,
        "student": "x",
        "status": status,
        "score": score,
        "max_score": max_score,
        "tasks": [],
        "flags": [],
        "messages": [],
    }


def measurement(name: str, value: float, unit: str, project: str) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "project": project,
        "target": None,
        "source": "test",
        "measured_at": "2026-11-24T00:00:00Z",
    }


def portfolio(
    root: Path,
    learner: str,
    name: str = "",
    results: list[dict[str, Any]] = (),
    documents: dict[str, str] | None = None,
    diagrams: list[str] = (),
    measurements: list[dict[str, Any]] = (),
    code: dict[str, str] | None = None,
) -> Path:
    """A portfolio folder in the documented format; ``documents``: "kind/name.md" -> text."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = {
        "schema": "cloudlabs.portfolio/1",
        "learner": {"id": learner, "name": name},
        "cohort": "test",
    }
    (root / "portfolio.yaml").write_text(yaml.safe_dump(manifest))
    for r in results:
        _write(root / "results" / f"{r['lab']}.json", json.dumps(r))
    for rel, text in (documents or {}).items():
        _write(root / "documents" / rel, text)
    for d in diagrams:
        _write(root / "diagrams" / d, "<svg xmlns='http://www.w3.org/2000/svg'/>")
    for i, m in enumerate(measurements):
        _write(root / "measurements" / f"{m['project']}_{m['name']}_{i}.json", json.dumps(m))
    for rel, text in (code or {}).items():
        _write(root / rel, text)
    return root


def sections(*names: str) -> str:
    return "# Document\n\n" + "".join(f"## {n}\n\nSome text.\n\n" for n in names)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
