"""The sample cohort: five portfolios that Portfolio.load reads, ordered weak to exemplary in
every kind of evidence (checked here on the files, independently of the scoring code)."""

from __future__ import annotations

import json
import operator
import re

import pytest
import yaml

from grader.cli import main
from grader.rubric.portfolio import Portfolio
from grader.rubric.samples import REVIEWS, SAMPLES, write_samples

OPS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge, ">": operator.gt}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    folders = write_samples(out)
    return out, [Portfolio.load(f) for f in folders]


def test_samples_load_with_the_portfolio_reader(cohort):
    _, portfolios = cohort
    assert [p.learner_id for p in portfolios] == ["wes", "dee", "pat", "sam", "eve"]
    assert len(SAMPLES) >= 5
    for p, s in zip(portfolios, SAMPLES, strict=True):
        assert p.learner_name == s.name and p.manifest["cohort"] == "2026-autumn"
        assert p.results() and p.state()["schema"] == "cloudlabs.account-state/1"
        assert all(d["schema"] == "cloudlabs.autograde.result/1" for d in p.results().values())
        assert p.problems == []


def _ratio(p: Portfolio) -> float:
    docs = p.results().values()
    return sum(d["score"] for d in docs) / sum(d["max_score"] for d in docs)


def _sections(p: Portfolio) -> int:
    return sum(
        len(re.findall(r"^## ", path.read_text(), re.M))
        for v in p.documents().values()
        for path in v
    )


def _targets_met(p: Portfolio) -> tuple[int, int]:
    met = sum(OPS[m["target"]["op"]](m["value"], m["target"]["value"]) for m in p.measurements())
    return met, len(p.measurements())


def _violations(state: dict) -> int:
    """A few Config-style checks counted by hand on the export."""
    r = state["resources"]
    bad = sum(b["versioning"] != "Enabled" for b in r["s3_buckets"])
    bad += sum(b["encryption"] is None for b in r["s3_buckets"])
    bad += sum(not db["StorageEncrypted"] or not db["MultiAZ"] for db in r["rds_instances"])
    bad += sum(
        rng["CidrIp"] == "0.0.0.0/0" and perm.get("FromPort") in (22, None)
        for sg in r["ec2_security_groups"]
        for perm in sg["IpPermissions"]
        for rng in perm["IpRanges"]
    )
    bad += sum(
        s["Action"] == "*" and s["Resource"] == "*"
        for pol in r["iam_policies"]
        for s in pol["document"]["Statement"]
    )
    bad += not any(t["IsMultiRegionTrail"] and t["IsLogging"] for t in r["cloudtrail_trails"])
    bad += sum(not a["AlarmActions"] for a in r["cloudwatch_alarms"]) + (not r["cloudwatch_alarms"])
    return bad


def test_evidence_grows_from_weak_to_exemplary(cohort):
    _, ps = cohort
    ratios = [_ratio(p) for p in ps]
    assert ratios == sorted(ratios) and ratios[0] < 0.4 and ratios[-1] == 1.0
    labs = [len(p.results()) for p in ps]
    assert labs == sorted(labs) and labs[0] == 2 and labs[-1] == 8
    sections = [_sections(p) for p in ps]
    assert sections == sorted(set(sections))  # strictly more required sections each step
    diagrams = [len(p.files("diagrams")) for p in ps]
    assert diagrams[0] == 0 and diagrams == sorted(set(diagrams))
    met = [_targets_met(p) for p in ps]
    assert met[0] == (0, 4)  # the weak one misses every target it measured
    assert met[-1][0] == met[-1][1] == 14
    assert [m for m, _ in met] == sorted(m for m, _ in met)
    violations = [_violations(p.state()) for p in ps]
    assert violations == sorted(violations, reverse=True)
    assert violations[0] >= 8 and violations[-1] == 0


def test_weak_commits_a_key_and_exemplary_has_clean_iac(cohort):
    _, ps = cohort
    weak, best = ps[0], ps[-1]
    assert re.search(r"AKIA[0-9A-Z]{16}", (weak.root / "code" / "app.py").read_text())
    assert weak.files("iac") == []
    assert "AKIA" not in (best.root / "code" / "app.py").read_text()
    docker = (best.root / "iac" / "docker" / "Dockerfile").read_text()
    assert "USER 10001" in docker and ":latest" not in docker
    compile((best.root / "code" / "app.py").read_text(), "app.py", "exec")
    cfn = yaml.safe_load(
        (best.root / "iac/cloudformation/data-bucket.yaml").read_text().replace("!Ref ", "")
    )
    assert cfn["Resources"]["Data"]["Properties"]["VersioningConfiguration"]["Status"] == "Enabled"


def test_reviews_cover_each_learner_and_leave_gaps_for_the_weak(cohort):
    out, _ = cohort
    doc = yaml.safe_load((out / REVIEWS).read_text())
    assert doc["schema"] == "cloudlabs.portfolio.reviews/1"
    per = {}
    for row in doc["reviews"]:
        assert 0 <= row["level"] <= 3 and row["reviewer"] and row["comment"]
        per.setdefault(row["learner"], []).append(row["level"])
    assert set(per) == {s.learner_id for s in SAMPLES}
    assert len(per["wes"]) < 5 and per["eve"] == [3] * 5
    assert sum(per["wes"]) < sum(per["dee"]) < sum(per["pat"]) < sum(per["sam"])


def test_measurements_are_recorded_per_project(cohort):
    _, ps = cohort
    names = [(m["project"], m["name"]) for m in ps[-1].measurements()]
    assert ("p1", "rto") in names and ("p4", "rto") in names
    assert len(names) == len(set(names))
    for m in ps[-1].measurements():
        assert json.dumps(m) and isinstance(m["value"], int | float)


def test_grader_portfolios_command(tmp_path, capsys):
    assert main(["portfolios", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / s.learner_id) for s in SAMPLES]
    assert (tmp_path / REVIEWS).is_file()


def test_state_rules_find_fewer_violations_as_the_posture_rises(cohort):
    from grader.rubric import rules

    _, ps = cohort
    failing = []
    for p in ps:
        results = rules.run(p.state())
        failing.append(
            sorted({n for n, rs in results.items() for r in rs if r.status == "NON_COMPLIANT"})
        )
    counts = [len(f) for f in failing]
    assert counts == sorted(set(counts), reverse=True)  # strictly fewer failing rules each step
    assert counts[0] >= 25 and failing[-1] == []
    assert {"s3-bucket-versioning-enabled", "rds-storage-encrypted", "cloudtrail-enabled"} <= set(
        failing[0]
    )
