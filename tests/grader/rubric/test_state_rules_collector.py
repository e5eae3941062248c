"""The state-rules collector: compliance ratio per sub-criterion -> level, failing resources
listed, missing when the portfolio has no account-state export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.rubric.collectors import state_rules
from grader.rubric.collectors.state_rules import THRESHOLDS, collect, collector, informed, level_for
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio as Reader
from labkit.portfolio import Portfolio

REPO = Path(__file__).resolve().parents[3]


def export(**families: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": "cloudlabs.account-state/1",
        "exported_at": "2026-11-24T22:00:00Z",
        "regions": ["us-east-1"],
        "resources": families,
        "families": {
            f: {"status": "ok", "count": len(v), "error": None} for f, v in families.items()
        },
        "errors": [],
    }


def portfolio(tmp_path: Path, state: dict[str, Any] | str | None) -> Reader:
    pf = Portfolio(tmp_path, "alice")
    if state is not None:
        text = state if isinstance(state, str) else json.dumps(state)
        pf.add_file("state", "account.json", text)
    return Reader.load(tmp_path)


def by_sub(evidence) -> dict[str, Any]:
    assert len({e.sub_criterion for e in evidence}) == len(evidence)
    return {e.sub_criterion: e for e in evidence}


def bucket(name: str, logging: bool) -> dict[str, Any]:
    return {
        "name": name,
        "region": "us-east-1",
        "logging": {"TargetBucket": "l"} if logging else None,
    }


def test_no_export_is_missing_for_every_informed_sub_criterion(tmp_path: Path):
    ev = by_sub(collect(portfolio(tmp_path, None)))
    assert set(ev) == set(informed())
    assert set(informed()) >= {
        "operational.security",
        "operational.compliance",
        "operational.monitoring",
    }
    assert all(
        e.missing and e.level is None and "labkit export-state" in e.summary for e in ev.values()
    )


def test_not_an_export_is_missing_and_says_so(tmp_path: Path):
    ev = collect(portfolio(tmp_path, {"schema": "something/else"}))
    assert all(e.missing and "is not a cloudlabs.account-state/1" in e.summary for e in ev)


def test_ratio_to_level_and_failing_resources(tmp_path: Path):
    # monitoring: of the rules informing it, only s3-bucket-logging-enabled applies (only S3 is
    # exported). 2 of 3 buckets log -> 0.667 -> level 1 (>= 0.4, < 0.75).
    state = export(s3_buckets=[bucket("a", True), bucket("b", True), bucket("c", False)])
    ev = by_sub(collect(portfolio(tmp_path, state)))
    mon = ev["operational.monitoring"]
    assert mon.level == 1 and not mon.missing
    assert mon.details["rules"] == {"s3-bucket-logging-enabled": pytest.approx(2 / 3, abs=1e-4)}
    assert mon.details["failing"] == [
        {
            "rule": "s3-bucket-logging-enabled",
            "resource": "s3:bucket/c",
            "status": "NON_COMPLIANT",
            "reason": "access logging off",
        }
    ]
    assert "cloudwatch-alarm-action-check" in mon.details["not_applicable"]
    # nothing informing scalability applies to S3 buckets: missing, not a zero
    assert ev["business.scalability"].missing and ev["business.scalability"].level is None


def test_all_compliant_is_exemplary_and_all_failing_is_zero(tmp_path: Path):
    good = export(s3_buckets=[bucket("a", True)])
    assert by_sub(collect(portfolio(tmp_path / "g", good)))["operational.monitoring"].level == 3
    bad = export(s3_buckets=[bucket("a", False)])
    ev = by_sub(collect(portfolio(tmp_path / "b", bad)))["operational.monitoring"]
    assert (ev.level, ev.details["ratio"]) == (0, 0.0)


def test_threshold_boundaries():
    assert THRESHOLDS == {3: 0.95, 2: 0.75, 1: 0.4}
    cases = [(1.0, 3), (0.95, 3), (0.949, 2), (0.75, 2), (0.749, 1), (0.4, 1), (0.399, 0), (0.0, 0)]
    assert [level_for(r) for r, _ in cases] == [lvl for _, lvl in cases]


def test_mean_over_rules_not_resources(tmp_path: Path):
    # security, with only security groups exported: vpc-sg-open-only-to-authorized-ports and
    # restricted-ssh apply. sg-1 opens 443 (both comply); sg-2 opens 22 (both fail); sg-3 opens
    # 3389 (ports rule fails, ssh rule complies): ports 1/3, ssh 2/3 -> mean 0.5 -> level 1.
    def sg(gid: str, port: int) -> dict[str, Any]:
        perm = {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        }
        return {"GroupId": gid, "GroupName": gid, "region": "us-east-1", "IpPermissions": [perm]}

    state = export(ec2_security_groups=[sg("sg-1", 443), sg("sg-2", 22), sg("sg-3", 3389)])
    ev = by_sub(collect(portfolio(tmp_path, state)))["operational.security"]
    assert ev.details["ratio"] == pytest.approx(0.5, abs=1e-4)
    assert ev.level == 1
    failing = {(f["rule"], f["resource"].split()[0]) for f in ev.details["failing"]}
    assert failing == {
        ("vpc-sg-open-only-to-authorized-ports", "ec2:sg/sg-2"),
        ("vpc-sg-open-only-to-authorized-ports", "ec2:sg/sg-3"),
        ("restricted-ssh", "ec2:sg/sg-2"),
    }


def test_rubric_collector_covers_the_rubrics_state_rules_sub_criteria(tmp_path: Path):
    rubric = Rubric.load(REPO / "rubrics" / "portfolio.yaml")
    wanted = {s.id for s in rubric.sub_criteria() if state_rules.NAME in s.collectors} & set(
        informed()
    )
    assert wanted, "the rubric lists state_rules for some sub-criteria"
    ev = collector(rubric)(portfolio(tmp_path, export(s3_buckets=[bucket("a", True)])))
    assert {e.sub_criterion for e in ev} == wanted
    assert all(e.collector == "state_rules" for e in ev)
