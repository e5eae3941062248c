"""A sample cohort of synthetic portfolios, from weak to exemplary (``grader portfolios``).

Five learners at postures 0 (weak) to 4 (exemplary), written with :mod:`labkit.portfolio` in
the folder format of :mod:`grader.rubric.portfolio`: autograde results of the project labs
(more labs and higher scores with the posture), documents whose required sections are present
or not, architecture diagrams, IaC and Python code (the weak one commits a fake AWS key and
lint-heavy code), measurements below or above the curriculum's targets, and an account-state
export (:mod:`grader.rubric.sample_state`) from non-compliant to compliant. ``reviews.yaml``
next to the portfolios holds the reviewer's levels and comments for every learner (schema
``cloudlabs.portfolio.reviews/1``). Everything is deterministic except the manifests'
``created_at``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.rubric import sample_content as content
from grader.rubric.portfolio import MANIFEST, SCHEMA
from grader.rubric.sample_state import account_state


@dataclass(frozen=True)
class Sample:
    learner_id: str
    name: str
    posture: int  # 0 weak .. 4 exemplary
    cohort: str = "2026-autumn"


SAMPLES = (
    Sample("wes", "Wes Weak", 0),
    Sample("dee", "Dee Developing", 1),
    Sample("pat", "Pat Proficient", 2),
    Sample("sam", "Sam Strong", 3),
    Sample("eve", "Eve Exemplary", 4),
)
REVIEWS = "reviews.yaml"


def write_samples(out: Path, samples: tuple[Sample, ...] = SAMPLES) -> list[Path]:
    """Write one portfolio folder per sample into ``out`` and ``out/reviews.yaml``; returns the
    portfolio folders, weakest first. Write into a new folder: files are added or replaced,
    never removed, so leftovers of an earlier, different sample set would stay."""
    from labkit.portfolio import Portfolio as Writer

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for s in samples:
        manifest = out / s.learner_id / MANIFEST
        if not manifest.exists():  # the writer keeps an existing manifest (and its cohort)
            manifest.parent.mkdir(parents=True, exist_ok=True)
            learner = {"id": s.learner_id, "name": s.name}
            doc = {"schema": SCHEMA, "learner": learner, "cohort": s.cohort}
            manifest.write_text(yaml.safe_dump(doc, sort_keys=False))
        w = Writer(out / s.learner_id, s.learner_id, s.name)
        _results(w, s)
        _documents(w, s)
        for name, text in content.diagrams(s.posture):
            w.add_diagram(name, text)
        for rel, text in content.code_and_iac(s.posture):
            folder, _, path = rel.partition("/")
            w.add_file(folder, path, text)
        for doc in measurements(s.posture):
            w.add_file("measurements", f"{doc['project']}_{doc['name']}.json", _dump(doc))
        state = account_state(s.learner_id, s.posture)
        w.add_file("state", "account.json", _dump(state))
        folders.append(w.root)
    reviews = {
        "schema": "cloudlabs.portfolio.reviews/1",
        "reviews": [row for s in samples for row in review_rows(s)],
    }
    (out / REVIEWS).write_text(yaml.safe_dump(reviews, sort_keys=False, width=100))
    return folders


# --------------------------------------------------------------------------------- results

LABS = (  # (lab id, max score), in the order a learner completes them
    ("p1_w04_landing_zone", 16),
    ("p1_w05_three_tier", 20),
    ("p1_w06_dr_backup", 12),
    ("p2_w08_eks_platform", 20),
    ("p2_w09_observability", 15),
    ("p3_w12_data_lake", 18),
    ("p3_w13_analytics", 14),
    ("p4_w14_multi_region", 20),
)
LABS_DONE = (2, 4, 6, 8, 8)
RATIO = (0.35, 0.55, 0.78, 0.88, 1.0)


def result_doc(learner: str, lab: str, max_score: int, ratio: float) -> dict[str, Any]:
    """An autograde results document (schema cloudlabs.autograde.result/1)."""
    tasks, left = [], float(round(max_score * ratio))
    for i in range(4):
        task_max = max_score / 4
        got = min(task_max, left)
        left -= got
        status = "passed" if got == task_max else "failed"
        tasks.append(
            {
                "grade_id": f"task_{i + 1}",
                "notebook": f"{lab}.ipynb",
                "score": got,
                "max_score": task_max,
                "status": status,
                "message": "" if status == "passed" else "AssertionError: check the resource",
            }
        )
    return {
        "schema": "cloudlabs.autograde.result/1",
        "lab": lab,
        "student": learner,
        "status": "graded",
        "score": float(round(max_score * ratio)),
        "max_score": float(max_score),
        "tasks": tasks,
        "flags": [],
        "messages": [],
        "graded_at": "2026-11-20T12:00:00Z",
    }


def _results(w, s: Sample) -> None:
    for i, (lab, max_score) in enumerate(LABS[: LABS_DONE[s.posture]]):
        ratio = min(1.0, RATIO[s.posture] + (0.04 if i % 2 else -0.02) * (s.posture < 4))
        w.add_result(result_doc(s.learner_id, lab, max_score, ratio))


# ------------------------------------------------------------------------------- documents

KINDS_BY_POSTURE = (
    ("assessment-report",),
    ("assessment-report", "architecture", "runbook", "lessons-learned"),
    (
        "assessment-report",
        "architecture",
        "runbook",
        "dr-report",
        "test-report",
        "cost-analysis",
        "lessons-learned",
        "compliance",
        "executive-summary",
    ),
    tuple(content.SECTIONS),
    tuple(content.SECTIONS),
)
SECTION_SHARE = (0.4, 0.5, 0.75, 0.9, 1.0)


def _documents(w, s: Sample) -> None:
    for kind in KINDS_BY_POSTURE[s.posture]:
        sections = content.SECTIONS[kind]
        keep = sections[: max(1, int(len(sections) * SECTION_SHARE[s.posture]))]
        w.write_document(kind, kind, content.document(kind, keep, s.posture))


# ---------------------------------------------------------------------------- measurements

# (project, name, unit, op, target, value when missed / met / beaten by 25 % or more)
MEASURES = (
    ("p1", "api_p95", "ms", "<", 200, (340, 180, 120)),
    ("p1", "page_load", "s", "<", 2, (3.1, 1.8, 1.2)),
    ("p1", "uptime", "%", ">=", 99.9, (99.5, 99.95, 99.99)),
    ("p1", "cost_reduction", "%", ">=", 30, (18, 33, 41)),
    ("p1", "rto", "min", "<", 240, (300, 200, 95)),
    ("p1", "rpo", "min", "<", 60, (90, 45, 15)),
    ("p2", "traffic_multiplier", "x", ">=", 10, (6, 11, 14)),
    ("p2", "api_p95", "ms", "<", 200, (260, 170, 110)),
    ("p3", "query_p95", "s", "<", 1, (1.6, 0.9, 0.5)),
    ("p3", "cost_reduction", "%", ">=", 40, (28, 44, 55)),
    ("p3", "daily_ingest", "TB", ">=", 1, (0.6, 1.1, 1.6)),
    ("p4", "rto", "min", "<=", 15, (24, 14, 9)),
    ("p4", "rpo", "min", "<=", 0, (5, 0, 0)),
    ("p4", "availability", "%", ">=", 99.99, (99.9, 99.99, 99.995)),
)
# per posture: which projects were measured and how each measure fares (0 miss, 1 meet, 2 beat)
PROJECTS = ({"p1"}, {"p1"}, {"p1", "p2"}, {"p1", "p2", "p3", "p4"}, {"p1", "p2", "p3", "p4"})


def outcome(posture: int, index: int) -> int:
    """0 missed, 1 met, 2 beaten: weak misses everything, exemplary beats everything."""
    return (0, index % 2, 1, 1 + index % 2, 2)[posture]


def measurements(posture: int) -> list[dict[str, Any]]:
    out = []
    for i, (project, name, unit, op, target, values) in enumerate(MEASURES):
        if project not in PROJECTS[posture] or (posture == 0 and i > 3):
            continue
        out.append(
            {
                "schema": "cloudlabs.portfolio.measurement/1",
                "name": name,
                "value": values[outcome(posture, i)],
                "unit": unit,
                "target": {"op": op, "value": target},
                "project": project,
                "source": "load test" if "p95" in name or name == "page_load" else "drill/report",
                "measured_at": "2026-11-20T12:00:00Z",
            }
        )
    return out


# -------------------------------------------------------------------------------- reviewer

REVIEWED = (
    "technical.innovation",
    "leadership.stakeholder_engagement",
    "leadership.knowledge_transfer",
    "leadership.project_management",
    "leadership.continuous_improvement",
)
REVIEW_LEVELS = (
    (1, 0, None, None, None),
    (1, 1, 1, 2, None),
    (2, 2, 2, 2, 2),
    (3, 2, 3, 2, 3),
    (3, 3, 3, 3, 3),
)


def review_rows(s: Sample) -> list[dict[str, Any]]:
    """The reviewer's rows for one learner (a sub-criterion without a row stays missing)."""
    rows = []
    for sid, level in zip(REVIEWED, REVIEW_LEVELS[s.posture], strict=True):
        if level is None:
            continue
        rows.append(
            {
                "learner": s.learner_id,
                "sub_criterion": sid,
                "level": level,
                "comment": content.review_comment(sid, level),
                "reviewer": "dr.lee",
            }
        )
    return rows


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"
