"""rubrics/portfolio.yaml loads; invalid rubrics fail with messages naming what to fix."""

from __future__ import annotations

import pytest

from grader.rubric.model import COLLECTORS, Rubric, RubricError
from tests.grader.rubric.rubric_fixtures import RUBRIC, rubric_doc

CONTRACT_IDS = {
    "technical": ["architecture_quality", "best_practices", "innovation", "code_quality"],
    "operational": ["monitoring", "security", "compliance", "documentation"],
    "business": ["cost_optimization", "performance", "scalability", "risk_mitigation"],
    "leadership": [
        "stakeholder_engagement",
        "knowledge_transfer",
        "project_management",
        "continuous_improvement",
    ],
}


def test_the_shipped_rubric_has_the_curriculums_criteria_and_weights():
    rubric = Rubric.load(RUBRIC)
    assert [(c.id, c.weight) for c in rubric.criteria] == [
        ("technical", 40),
        ("operational", 30),
        ("business", 20),
        ("leadership", 10),
    ]
    for crit in rubric.criteria:
        assert [s.id for s in crit.sub_criteria] == [
            f"{crit.id}.{s}" for s in CONTRACT_IDS[crit.id]
        ]
        assert sum(s.weight for s in crit.sub_criteria) == 100
        for sub in crit.sub_criteria:
            assert sorted(sub.descriptors) == [0, 1, 2, 3]
            assert sub.collectors and set(sub.collectors) <= set(COLLECTORS)
    assert rubric.levels == {0: "Missing", 1: "Developing", 2: "Proficient", 3: "Exemplary"}
    assert rubric.version == "2026.11"
    # the curriculum's presentation guidelines: 3 sections x 4 items
    sections = [i["section"] for i in rubric.presentation_checklist]
    assert len(sections) == 12 and len(set(sections)) == 3
    # reviewer-led: what no machine can judge
    led = {s.id for s in rubric.sub_criteria() if s.reviewer_led}
    assert "technical.innovation" in led
    assert {s for s in led if s.startswith("leadership.")} == {
        f"leadership.{s}" for s in CONTRACT_IDS["leadership"]
    }


def _fails(doc, *words):
    with pytest.raises(RubricError) as err:
        Rubric.from_dict(doc)
    for w in words:
        assert w in str(err.value), str(err.value)


def test_criterion_weights_must_sum_to_100():
    doc = rubric_doc()
    doc["criteria"][0]["weight"] = 45
    _fails(doc, "criterion weights", "105", "must sum to 100")


def test_sub_criterion_weights_must_sum_to_100_within_their_criterion():
    doc = rubric_doc()
    doc["criteria"][2]["sub_criteria"][1]["weight"] = 20
    _fails(doc, "business", "sub-criterion weights", "95")


def test_unknown_collector_is_named():
    doc = rubric_doc()
    doc["criteria"][1]["sub_criteria"][0]["collectors"].append("crystal_ball")
    _fails(doc, "operational.monitoring", "unknown collector 'crystal_ball'")


def test_duplicate_ids_are_refused():
    doc = rubric_doc()
    subs = doc["criteria"][3]["sub_criteria"]
    subs[1]["id"] = subs[0]["id"]
    _fails(doc, "'leadership.stakeholder_engagement' is duplicated")
    doc = rubric_doc()
    doc["criteria"][1]["id"] = "technical"
    _fails(doc, "criterion id 'technical' is duplicated")


def test_levels_must_be_0_to_3_with_names_and_descriptors():
    doc = rubric_doc()
    doc["levels"] = doc["levels"][:3]
    _fails(doc, "levels must be exactly [0, 1, 2, 3]", "[0, 1, 2]")
    doc = rubric_doc()
    del doc["criteria"][0]["sub_criteria"][2]["descriptors"][3]
    _fails(doc, "technical.innovation", "descriptors missing for levels [3]")
    doc = rubric_doc()
    del doc["levels"]
    _fails(doc, "'levels' is required")


def test_settings_naming_an_unknown_sub_criterion_are_refused():
    doc = rubric_doc()
    doc["metrics"]["targets"][0]["sub_criterion"] = "business.speed"
    _fails(doc, "metrics.targets", "business.speed")
