"""Scoring arithmetic on hand-built evidence, overrides from the audit log, rubric diffs."""

from __future__ import annotations

import json

import pytest

from grader.rubric import audit, scoring
from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric
from tests.grader.rubric.rubric_fixtures import RUBRIC, rubric_doc

LEARNER = {"id": "ada", "name": "Ada"}


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(RUBRIC)


def ev(sid: str, level: int | None, collector: str = "metrics", missing: bool = False):
    return Evidence(sid, collector, f"{collector} says {level}", level=level, missing=missing)


EVIDENCE = [
    ev("technical.architecture_quality", 3, "docs"),
    ev("technical.architecture_quality", 2, "autograde"),  # 2.5 -> 3 (half up)
    ev("technical.best_practices", 3, "autograde"),
    ev("technical.best_practices", 1, "state_rules"),  # 2 apart -> lowest, 1
    ev("technical.innovation", 0, "docs"),
    ev("technical.innovation", 2, "reviewer"),  # reviewer-led: reviewer's 2 wins
    ev("technical.code_quality", None, "static", missing=True),  # only missing -> missing
    ev("operational.monitoring", 2, "state_rules"),
    ev("operational.security", 2, "state_rules"),
    ev("operational.security", 2, "static"),
    ev("operational.security", 1, "static"),  # mean 1.67 -> 2
    ev("operational.compliance", 1, "state_rules"),  # overridden to 3 below
    ev("operational.documentation", 0, "docs"),  # a level 0 is scored, not missing
    ev("business.cost_optimization", 2),
    ev("business.cost_optimization", 1, "docs"),  # 1.5 -> 2
    ev("leadership.knowledge_transfer", 3, "reviewer"),
]
OVERRIDE = {
    "operational.compliance": {
        "level": 3,
        "reason": "HIPAA mapping seen in the demo",
        "reviewer": "lee",
        "at": "2026-11-24T10:00:00Z",
        "rubric_version": "2026.11",
    }
}


def test_weighted_total_from_hand_built_evidence(rubric):
    doc = scoring.score_evidence(rubric, LEARNER, EVIDENCE, OVERRIDE)
    subs = {s["id"]: s for c in doc["criteria"] for s in c["sub_criteria"]}
    levels = {sid: s["level"] for sid, s in subs.items() if s["level"] is not None}
    assert levels == {
        "technical.architecture_quality": 3,
        "technical.best_practices": 1,
        "technical.innovation": 2,
        "operational.monitoring": 2,
        "operational.security": 2,
        "operational.compliance": 3,
        "operational.documentation": 0,
        "business.cost_optimization": 2,
        "leadership.knowledge_transfer": 3,
    }
    # points = criterion weight x sub weight / 100 x level / 3, by hand:
    # technical 40: 30%x3/3 -> 12, 25%x1/3 -> 3.333, 15%x2/3 -> 4, code_quality missing -> 0
    # operational 30: 25%x2/3 -> 5, 30%x2/3 -> 6, 20%x3/3 -> 6, 25%x0 -> 0
    # business 20: 25%x2/3 -> 3.333; leadership 10: 25%x3/3 -> 2.5
    assert [c["points"] for c in doc["criteria"]] == [19.33, 17.0, 3.33, 2.5]
    assert [c["percent"] for c in doc["criteria"]] == [48.33, 56.67, 16.67, 25.0]
    assert doc["total"] == 42.17
    assert subs["technical.best_practices"]["points"] == 3.33
    assert subs["operational.compliance"]["source"] == "override"
    assert subs["operational.compliance"]["override"]["reason"] == "HIPAA mapping seen in the demo"
    assert subs["operational.documentation"]["source"] == "evidence"
    assert subs["operational.documentation"]["level_name"] == "Missing"
    assert "lowest" in subs["technical.best_practices"]["rule"]
    assert "reviewer" in subs["technical.innovation"]["rule"]
    assert len(subs["technical.innovation"]["evidence"]) == 2  # the machine's 0 still shown


def test_missing_evidence_is_shown_as_missing(rubric):
    doc = scoring.score_evidence(rubric, LEARNER, EVIDENCE, OVERRIDE)
    assert doc["missing"] == [
        "technical.code_quality",
        "business.performance",
        "business.scalability",
        "business.risk_mitigation",
        "leadership.stakeholder_engagement",
        "leadership.project_management",
        "leadership.continuous_improvement",
    ]
    subs = {s["id"]: s for c in doc["criteria"] for s in c["sub_criteria"]}
    code = subs["technical.code_quality"]
    assert (code["level"], code["level_name"], code["points"], code["source"]) == (
        None,
        None,
        0.0,
        "missing",
    )
    assert code["evidence"][0]["missing"] is True
    assert doc["schema"] == "cloudlabs.portfolio.score/1"
    assert doc["rubric"] == {"id": "portfolio", "version": "2026.11"}
    json.dumps(doc)  # the document is JSON


def test_all_exemplary_is_100_and_nothing_is_0(rubric):
    full = [ev(s.id, 3, "reviewer") for s in rubric.sub_criteria()]
    assert scoring.score_evidence(rubric, LEARNER, full)["total"] == 100.0
    none = scoring.score_evidence(rubric, LEARNER, [])
    assert none["total"] == 0.0 and len(none["missing"]) == 16


def test_overrides_survive_recomputation_and_are_in_the_audit_log(rubric, tmp_path):
    log = tmp_path / "audit.jsonl"
    audit.append(log, rubric, "ada", "operational.compliance", 3, "HIPAA mapping in demo", "lee")
    first = log.read_bytes()
    audit.append(log, rubric, "bob", "operational.compliance", 0, "not his work", "lee")
    assert log.read_bytes().startswith(first)  # appended, never rewritten
    entries = audit.read(log)
    assert [(e["learner"], e["level"], e["rubric_version"]) for e in entries] == [
        ("ada", 3, "2026.11"),
        ("bob", 0, "2026.11"),
    ]
    for _ in range(2):  # recompute: same result
        doc = scoring.score_evidence(rubric, LEARNER, EVIDENCE, audit.in_force(entries, "ada"))
        assert doc["total"] == 42.17
    # withdrawn: the evidence (level 1) counts again: 30 x 20% x 1/3 = 2 instead of 6
    audit.append(log, rubric, "ada", "operational.compliance", None, "demo was rehearsed", "kim")
    again = scoring.score_evidence(
        rubric, LEARNER, EVIDENCE, audit.in_force(audit.read(log), "ada")
    )
    assert again["total"] == 38.17
    assert len(audit.read(log)) == 3


def test_an_override_needs_a_reason_a_reviewer_and_a_known_sub_criterion(rubric, tmp_path):
    log = tmp_path / "audit.jsonl"
    with pytest.raises(audit.AuditError, match="reason"):
        audit.append(log, rubric, "ada", "operational.compliance", 3, "  ", "lee")
    with pytest.raises(audit.AuditError, match="reviewer"):
        audit.append(log, rubric, "ada", "operational.compliance", 3, "why", "")
    with pytest.raises(KeyError, match="operational.vibes"):
        audit.append(log, rubric, "ada", "operational.vibes", 3, "why", "lee")
    with pytest.raises(audit.AuditError, match="level"):
        audit.append(log, rubric, "ada", "operational.compliance", 4, "why", "lee")
    assert not log.exists()


def test_a_rubric_version_change_reports_what_moved(rubric):
    before = scoring.score_evidence(rubric, LEARNER, EVIDENCE, OVERRIDE)
    doc = rubric_doc()
    doc["version"] = "2026.12"
    tech = doc["criteria"][0]["sub_criteria"]
    tech[0]["weight"], tech[1]["weight"] = 20, 35  # architecture 30 -> 20, practices 25 -> 35
    after = scoring.score_evidence(Rubric.from_dict(doc), LEARNER, EVIDENCE, OVERRIDE)
    moved = scoring.diff(before, after)
    assert (moved["from_version"], moved["to_version"]) == ("2026.11", "2026.12")
    # architecture 40 x 20% x 3/3 = 8 (was 12); practices 40 x 35% x 1/3 = 4.67 (was 3.33)
    assert moved["moved"] == [
        {
            "sub_criterion": "technical.architecture_quality",
            "old": {"level": 3, "points": 12.0},
            "new": {"level": 3, "points": 8.0},
        },
        {
            "sub_criterion": "technical.best_practices",
            "old": {"level": 1, "points": 3.33},
            "new": {"level": 1, "points": 4.67},
        },
    ]
    assert moved["total"] == {"old": 42.17, "new": 39.5}


def test_an_override_of_a_sub_criterion_the_rubric_dropped_is_reported(rubric):
    gone = {"technical.vibes": {**OVERRIDE["operational.compliance"], "level": 3}}
    doc = scoring.score_evidence(rubric, LEARNER, EVIDENCE, {**OVERRIDE, **gone})
    assert doc["total"] == 42.17
    assert doc["problems"] == [
        "override of technical.vibes (2026.11) ignored: not in rubric 2026.11"
    ]


def test_a_hand_edited_audit_log_is_refused_with_the_line(tmp_path):
    log = tmp_path / "audit.jsonl"
    good = {
        "at": "t",
        "reviewer": "lee",
        "learner": "ada",
        "sub_criterion": "operational.security",
        "level": 2,
        "reason": "r",
        "rubric_version": "2026.11",
    }
    log.write_text(json.dumps(good) + "\n" + json.dumps({**good, "level": 5}) + "\n")
    with pytest.raises(audit.AuditError, match="line 2: level 5"):
        audit.read(log)
    log.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(audit.AuditError, match="line 2 is not JSON"):
        audit.read(log)
