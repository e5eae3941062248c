"""`grader score` and `grader override` end to end on small portfolios built here."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main
from tests.grader.rubric.rubric_fixtures import (
    RUBRIC,
    measurement,
    portfolio,
    result,
    rubric_doc,
    sections,
    write_rubric,
)

REVIEWS = """schema: cloudlabs.portfolio.reviews/1
reviews:
  - {learner: ada, sub_criterion: technical.innovation, level: 2, comment: canary rollouts,
     reviewer: lee}
  - {learner: ada, sub_criterion: leadership.stakeholder_engagement, level: 3,
     comment: clear executive summary, reviewer: lee}
"""


@pytest.fixture()
def cohort(tmp_path):
    ada = portfolio(
        tmp_path / "ada",
        "ada",
        "Ada Lovelace",
        results=[result("p1_w04_landing_zone", 16, 16), result("p2_w08_eks", 8, 10)],
        documents={
            "runbook/failover.md": sections(
                "Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"
            )
        },
        measurements=[
            measurement("api_p95", 120, "ms", "p1"),
            measurement("page_load", 1.8, "s", "p1"),
            measurement("cost_reduction", 35, "%", "p1"),
            measurement("rto", 10, "min", "p4"),
            measurement("rpo", 0, "min", "p4"),
        ],
    )
    bob = portfolio(tmp_path / "bob", "bob", "Bob", results=[result("p1_w04_landing_zone", 4, 16)])
    reviews = tmp_path / "reviews.yaml"
    reviews.write_text(REVIEWS)
    return ada, bob, reviews


def score(cohort, out, audit, rubric=RUBRIC):
    ada, bob, reviews = cohort
    argv = [
        "score",
        str(ada),
        str(bob),
        "--rubric",
        str(rubric),
        "--out",
        str(out),
        "--reviews",
        str(reviews),
        "--audit",
        str(audit),
        "--no-static",
    ]
    assert main(argv) == 0
    docs = {n: json.loads((out / f"{n}.json").read_text()) for n in ("ada", "bob")}
    with (out / "scores.csv").open() as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    return docs, rows


def levels(doc):
    return {s["id"]: (s["level"], s["source"]) for c in doc["criteria"] for s in c["sub_criteria"]}


def test_score_override_and_rubric_change_end_to_end(cohort, tmp_path):
    out, log = tmp_path / "out", tmp_path / "audit.jsonl"
    docs, rows = score(cohort, out, log)
    ada = docs["ada"]
    # by hand from the rubric: technical 12 + 10 + 4 + 8 = 34; operational monitoring
    # (autograde 2, runbook 3 -> 3) 7.5, documentation 6/27 sections -> 0; business cost
    # 35% -> 2: 3.33, performance 120 ms -> 3, 1.8 s -> 2: 3 -> 5, risk 10 min / 0 -> 3 -> 5;
    # leadership stakeholder (reviewer) 3 -> 2.5, project management (autograde 24/26) 2.5
    assert ada["total"] == 59.83
    assert [c["points"] for c in ada["criteria"]] == [34.0, 7.5, 13.33, 5.0]
    assert ada["missing"] == [
        "operational.security",
        "operational.compliance",
        "business.scalability",
        "leadership.knowledge_transfer",
        "leadership.continuous_improvement",
    ]
    assert levels(ada)["operational.documentation"] == (0, "evidence")
    assert ada["learner"] == {"id": "ada", "name": "Ada Lovelace"}
    bob = docs["bob"]
    assert bob["total"] == 0.0 and len(bob["missing"]) == 13  # 4/16 -> three level-0 labs
    assert rows["ada"] == {
        "id": "ada",
        "name": "Ada Lovelace",
        "total": "59.83",
        "technical": "85.0",
        "operational": "25.0",
        "business": "66.67",
        "leadership": "50.0",
        "missing": "5",
    }
    assert rows["bob"]["missing"] == "13"
    # grader score also wrote the reports: one HTML per learner, the cohort CSV and summary
    reports = out / "reports"
    assert sorted(p.name for p in reports.iterdir()) == [
        "ada.html",
        "bob.html",
        "cohort.csv",
        "index.html",
    ]
    page = (reports / "ada.html").read_text()
    assert "data:image/png;base64," in page and "59.83" in page and "Ada Lovelace" in page
    checklist = {i["item"]: i["present"] for i in ada["presentation_checklist"]}
    assert checklist["Technical questions and troubleshooting scenarios"] is True  # runbook
    assert checklist["Architecture diagrams and design decisions"] is False

    # override: appended to the audit log, wins, and survives a recomputation
    argv = [
        "override",
        "ada",
        "operational.security",
        "2",
        "--reason",
        "IAM reviewed live",
        "--reviewer",
        "lee",
        "--audit",
        str(log),
        "--rubric",
        str(RUBRIC),
    ]
    assert main(argv) == 0
    entry = json.loads(log.read_text())
    assert {
        k: entry[k]
        for k in ("learner", "sub_criterion", "level", "reason", "reviewer", "rubric_version")
    } == {
        "learner": "ada",
        "sub_criterion": "operational.security",
        "level": 2,
        "reason": "IAM reviewed live",
        "reviewer": "lee",
        "rubric_version": "2026.11",
    }
    for _ in range(2):
        docs, rows = score(cohort, out, log)
        assert docs["ada"]["total"] == 65.83  # + 30 x 30% x 2/3 = 6
        assert levels(docs["ada"])["operational.security"] == (2, "override")
        assert rows["ada"]["missing"] == "4"
    assert docs["bob"]["total"] == 0.0

    # a new rubric version: recomputed, and what moved is reported
    doc = rubric_doc()
    doc["version"] = "2026.12"
    business = doc["criteria"][2]["sub_criteria"]
    business[1]["weight"], business[2]["weight"] = 35, 15  # performance 25 -> 35
    docs, _ = score(cohort, out, log, write_rubric(tmp_path / "v2.yaml", doc))
    assert docs["ada"]["rubric"]["version"] == "2026.12"
    assert docs["ada"]["total"] == 67.83  # performance 20 x 35% x 3/3 = 7 (was 5)
    assert levels(docs["ada"])["operational.security"] == (2, "override")  # still in force
    lines = (out / "changes.jsonl").read_text().splitlines()
    changes = {c["learner"]: c for c in map(json.loads, lines)}
    assert changes["ada"]["moved"] == [
        {
            "sub_criterion": "business.performance",
            "old": {"level": 3, "points": 5.0},
            "new": {"level": 3, "points": 7.0},
        }
    ]
    assert changes["bob"]["moved"] == [] and changes["bob"]["to_version"] == "2026.12"
    assert len(log.read_text().splitlines()) == 1
    # the folder is what `grader report` reads (changes.jsonl is not taken for a score)
    assert main(["report", str(out), "--out", str(tmp_path / "html")]) == 0
    assert "Ada Lovelace" in (tmp_path / "html" / "ada.html").read_text()


def test_override_refuses_bad_input_and_leaves_the_log_alone(tmp_path):
    log = tmp_path / "audit.jsonl"
    base = ["--reviewer", "lee", "--audit", str(log), "--rubric", str(RUBRIC)]
    assert main(["override", "ada", "operational.security", "7", "--reason", "x", *base]) == 2
    assert main(["override", "ada", "operational.vibes", "2", "--reason", "x", *base]) == 2
    assert main(["override", "ada", "operational.security", "2", "--reason", " ", *base]) == 2
    with pytest.raises(SystemExit):  # --reason is required by the parser
        main(["override", "ada", "operational.security", "2", *base])
    assert not log.exists()


def test_the_installed_grader_command_scores_and_reports_bad_portfolios(cohort, tmp_path):
    ada, _, _ = cohort
    grader = [str(Path(sys.executable).parent / "grader")]  # the console script
    run = subprocess.run(
        [
            *grader,
            "score",
            str(ada),
            "--rubric",
            str(RUBRIC),
            "--out",
            str(tmp_path / "o"),
            "--no-static",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    # without the reviews: 59.83 - innovation 4 - stakeholder engagement 2.5
    assert "ada: 53.33/100, 7 missing" in run.stderr
    bad = tmp_path / "not-a-portfolio"
    bad.mkdir()
    run = subprocess.run(
        [*grader, "score", str(bad), "--out", str(tmp_path / "o2"), "--rubric", str(RUBRIC)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "no portfolio.yaml" in run.stderr
    sneaky = portfolio(tmp_path / "sneaky", "../../etc/x")
    assert (
        main(
            [
                "score",
                str(sneaky),
                "--rubric",
                str(RUBRIC),
                "--out",
                str(tmp_path / "o3"),
                "--no-static",
            ]
        )
        == 2
    )
    assert not (tmp_path / "o3").exists()
