"""Collectors on small real portfolio folders: autograde, docs, metrics, reviewer, static."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.rubric.collectors import autograde, docs, metrics, reviewer, static
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio
from tests.grader.rubric.rubric_fixtures import (
    RUBRIC,
    measurement,
    portfolio,
    result,
    sections,
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(RUBRIC)


def by_sub(evidence):
    out = {}
    for e in evidence:
        out.setdefault(e.sub_criterion, []).append(e)
    return out


def test_autograde_score_ratio_per_sub_criterion(rubric, tmp_path):
    root = portfolio(
        tmp_path / "p",
        "ada",
        results=[
            result("p1_w04_landing_zone", 15, 16),
            result("p1_w05_three_tier", 5, 10),
            result("p2_w08_eks", 9, 10, status="failed"),  # failed: counts as 0 of 10
        ],
    )
    got = by_sub(autograde.collector(rubric)(Portfolio.load(root)))
    # architecture_quality: p1_*, p2_*, p4_* -> (15 + 5 + 0) / 36 = 0.556 -> Developing (>= 0.4)
    arch = got["technical.architecture_quality"][0]
    assert (arch.level, arch.details["ratio"]) == (1, round(20 / 36, 4))
    assert set(arch.details["labs"]) == {"p1_w04_landing_zone", "p1_w05_three_tier", "p2_w08_eks"}
    # code_quality: p2_*, p3_* -> 0 / 10 -> 0
    assert got["technical.code_quality"][0].level == 0
    # monitoring: p2_* only; p1 alone would be 20/26 = 0.77 -> 2 for best_practices (p*)
    assert got["technical.best_practices"][0].level == 1
    only_p1 = portfolio(tmp_path / "q", "bob", results=[result("p1_w04_landing_zone", 15, 16)])
    got = by_sub(autograde.collector(rubric)(Portfolio.load(only_p1)))
    assert got["technical.best_practices"][0].level == 3  # 0.9375 >= 0.9
    assert (
        got["operational.monitoring"][0].missing and got["operational.monitoring"][0].level is None
    )


def test_docs_completeness_and_diagrams(rubric, tmp_path):
    root = portfolio(
        tmp_path / "p",
        "ada",
        documents={
            "runbook/failover.md": sections(
                "Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"
            ),
            "architecture/p1.md": sections("Overview", "Components"),  # 2 of 5
        },
        diagrams=["p1.svg"],
    )
    got = by_sub(docs.collector(rubric)(Portfolio.load(root)))
    # monitoring <- runbook only: 6/6
    assert got["operational.monitoring"][0].level == 3
    # architecture_quality <- architecture (2/5) + a diagram (1/1): 3/6 = 0.5 -> 1
    arch = got["technical.architecture_quality"][0]
    assert arch.level == 1 and arch.details["diagrams"] == ["diagrams/p1.svg"]
    assert arch.details["missing_sections"] == {
        "architecture": ["Design Decisions", "Security", "Scaling"]
    }
    # documentation <- 5 kinds (26 sections) + diagram: 6 + 2 + 1 = 9 of 27 -> 0.33 -> 1
    doc = got["operational.documentation"][0]
    assert doc.details["ratio"] == round(9 / 27, 4) and doc.level == 1
    # no compliance document: missing, not a silent 0
    assert got["operational.compliance"][0].missing
    assert got["operational.compliance"][0].level is None


def test_metrics_against_the_curriculum_targets(rubric, tmp_path):
    root = portfolio(
        tmp_path / "p",
        "ada",
        measurements=[
            measurement("api_p95", 160, "ms", "p1"),  # < 200 but not <= 150: meets -> 2
            measurement("page_load", 1200, "ms", "p1"),  # 1.2 s <= 1.5 s: beats -> 3
            measurement("cost_reduction", 25, "%", "p1"),  # misses >= 30 -> 1
            measurement("rto", 3, "h", "p1"),  # 180 min < 240, not <= 180? 240*0.75 = 180 -> 3
            measurement("rpo", 0, "min", "p4"),  # target 0: exactly 0 -> 3
            measurement("rto", 20, "min", "p4"),  # misses <= 15 -> 1
            measurement("uptime", 99.5, "GB", "p1"),  # unit does not convert: a problem
        ],
    )
    pf = Portfolio.load(root)
    got = by_sub(metrics.collector(rubric)(pf))
    perf = {e.details["name"]: e.level for e in got["business.performance"]}
    assert perf == {"api_p95": 2, "page_load": 3}
    assert got["business.performance"][1].details["value"] == 1.2
    assert [e.level for e in got["business.cost_optimization"]] == [1]
    risk = {
        (e.details["project"], e.details["name"]): e.level for e in got["business.risk_mitigation"]
    }
    assert risk == {("p1", "rto"): 3, ("p4", "rto"): 1, ("p4", "rpo"): 3}
    assert got["business.scalability"][0].missing  # uptime unusable, nothing else measured
    assert any("'GB' does not convert" in p for p in pf.problems)


def test_metrics_name_with_project_prefix(rubric, tmp_path):
    root = portfolio(tmp_path / "p", "ada")
    (root / "measurements").mkdir()
    (root / "measurements" / "p4_rto.json").write_text(
        '{"name": "p4_rto", "value": 9, "unit": "min", "project": null}'
    )
    got = by_sub(metrics.collector(rubric)(Portfolio.load(root)))
    assert [(e.details["project"], e.level) for e in got["business.risk_mitigation"]] == [
        ("p4", 3)
    ]  # 9 <= 15 x 0.75


def test_reviewer_yaml_and_csv(rubric, tmp_path):
    yml = tmp_path / "reviews.yaml"
    yml.write_text(
        "schema: cloudlabs.portfolio.reviews/1\nreviews:\n"
        "  - {learner: ada, sub_criterion: technical.innovation, level: 3,"
        " comment: zero-RPO design, reviewer: lee}\n"
    )
    csv = tmp_path / "reviews.csv"
    csv.write_text(
        "learner,sub_criterion,level,comment,reviewer\n"
        "ada,leadership.knowledge_transfer,2,ran the DR walkthrough,kim\n"
        "bob,leadership.knowledge_transfer,1,,kim\n"
    )
    ada = Portfolio.load(portfolio(tmp_path / "a", "ada"))
    got = by_sub(reviewer.collector(rubric, yml)(ada))
    assert got["technical.innovation"][0].level == 3
    assert got["technical.innovation"][0].details["comment"] == "zero-RPO design"
    assert got["leadership.stakeholder_engagement"][0].missing
    got = by_sub(reviewer.collector(rubric, csv)(ada))
    kt = got["leadership.knowledge_transfer"]
    assert [(e.level, e.details["reviewer"]) for e in kt] == [(2, "kim")]  # bob's row not ada's
    bad = tmp_path / "bad.csv"
    bad.write_text("learner,sub_criterion,level\nada,leadership.charisma,2\n")
    with pytest.raises(reviewer.ReviewsError, match="row 1: unknown sub-criterion"):
        reviewer.collector(rubric, bad)
    bad.write_text("learner,sub_criterion,level\nada,technical.innovation,5\n")
    with pytest.raises(reviewer.ReviewsError, match="level must be one of"):
        reviewer.collector(rubric, bad)


# a fake AWS key, assembled so this file itself holds none
FAKE_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"


def test_static_ruff_and_detect_secrets_run_and_checkov_absent_says_so(rubric, tmp_path):
    long_comment = " ".join(["past 88 columns, not a defect"] * 4)
    clean = (
        "def area(width: float, height: float) -> float:\n"
        f"    return width * height  # {long_comment}\n"
    )
    cache_tag = "Signature: 8a477f597d28d172789f06886806bc55\n"  # hex: not a secret
    dirty = f'import os\nimport sys\nKEY = "{FAKE_KEY}"\n'
    good = Portfolio.load(
        portfolio(
            tmp_path / "good",
            "ada",
            code={"code/geo.py": clean, ".ruff_cache/CACHEDIR.TAG": cache_tag},
        )
    )
    bad = Portfolio.load(
        portfolio(
            tmp_path / "bad", "bob", code={"code/app.py": dirty}, documents={"runbook/x.md": "# x"}
        )
    )
    (bad.root / "iac").mkdir()
    (bad.root / "iac" / "bucket.yaml").write_text("Resources: {}\n")
    collect = static.collector(rubric)
    got = by_sub(collect(good))
    code = got["technical.code_quality"]
    assert code[0].details["tool"] == "ruff" and code[0].level == 3
    sec = [e for e in got["operational.security"] if e.details["tool"] == "detect-secrets"]
    assert sec[0].level == 2 and sec[0].details["secrets"] == []
    got = by_sub(collect(bad))
    ruff = got["technical.code_quality"][0]
    assert ruff.details["findings"] == 2  # two unused imports (F401) in 3 lines
    assert ruff.details["codes"] == {"F401": 2} and ruff.level == 1
    sec = [e for e in got["operational.security"] if e.details["tool"] == "detect-secrets"]
    assert sec[0].level == 0 and sec[0].details["secrets"] == ["code/app.py:3"]
    # no checkov in an empty search path: missing evidence saying so
    nothing = tmp_path / "empty-bin"
    nothing.mkdir()
    got = by_sub(static.collector(rubric, path=str(nothing))(bad))
    said = {e.summary for es in got.values() for e in es}
    assert said == {
        "ruff: not installed",
        "detect-secrets: not installed",
        "checkov: not installed",
    }
    assert all(e.missing and e.level is None for es in got.values() for e in es)


def test_checkov_output_as_checkov_3_writes_it(rubric):
    """checkov is not a project dependency (see static.py); its JSON, as checkov 3.3.30 wrote
    it for a sample portfolio's iac/ (trimmed to the fields read), and its empty-scan form."""
    doc = json.loads((Path(__file__).parent / "checkov_output.json").read_text())
    thresholds = rubric.settings["static"]["checkov_pass_ratio"]
    code, security = static.checkov_evidence(doc, thresholds)
    assert {code.sub_criterion, security.sub_criterion} == {
        "technical.code_quality",
        "operational.security",
    }
    # checkov's own summaries: 9 + 80 + 25 passed, 0 + 9 + 0 failed -> 114/123 = 0.927 -> 2
    assert code.summary == "checkov: 114/123 checks passed" and code.level == 2
    assert code.details["frameworks"] == ["cloudformation", "kubernetes", "dockerfile"]
    assert "CKV_K8S_43" in code.details["failed"] and len(code.details["failed"]) == 9
    empty = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    nothing = static.checkov_evidence(empty, thresholds)
    assert all(e.missing and "no checks applied" in e.summary for e in nothing)


BUCKETS = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Plain:
    Type: AWS::S3::Bucket
  Hardened:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms"}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      LoggingConfiguration: {DestinationBucketName: logs}
"""


def test_checkov_runs_on_the_portfolios_iac(rubric, tmp_path, monkeypatch):
    """checkov for real (`make install` puts it in .tools/, on make's PATH): the versioning
    check (CKV_AWS_21) passes on the hardened bucket and fails on the plain one."""
    assert static.find_tool("checkov"), "checkov is not on PATH: run the tests with `make test`"
    pf = Portfolio.load(portfolio(tmp_path / "p", "cara", code={"iac/buckets.yaml": BUCKETS}))
    monkeypatch.chdir(tmp_path)
    thresholds = rubric.settings["static"]["checkov_pass_ratio"]
    code, security = static.checkov(pf, static.find_tool("checkov"), thresholds)
    assert code.details["tool"] == "checkov" and not code.missing
    assert "CKV_AWS_21" in code.details["failed"]  # versioning, on Plain only
    assert 0 < code.details["passed"] and code.details["ratio"] < 1
    assert security.level == code.level == static.level_for(code.details["ratio"], thresholds)


def test_a_relative_portfolio_path_is_analysed_like_an_absolute_one(rubric, tmp_path, monkeypatch):
    dirty = 'import os\nimport sys\nKEY = "' + FAKE_KEY + '"\n'
    portfolio(tmp_path / "rel", "dan", code={"code/app.py": dirty})
    monkeypatch.chdir(tmp_path)
    relative = by_sub(static.collector(rubric)(Portfolio.load(Path("rel"))))
    absolute = by_sub(static.collector(rubric)(Portfolio.load(tmp_path / "rel")))
    assert relative == absolute
    assert relative["technical.code_quality"][0].details["findings"] == 2
