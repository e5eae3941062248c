"""docs/portfolio-format.md stays in step with the rubric and the state export it documents."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from grader.rubric.rules import RULES
from labkit.state_export import GLOBAL_FAMILIES, REGIONAL_FAMILIES

REPO = Path(__file__).resolve().parents[3]
DOC = (REPO / "docs" / "portfolio-format.md").read_text()


def test_document_kinds_and_sections_match_the_rubric():
    rubric = yaml.safe_load((REPO / "rubrics" / "portfolio.yaml").read_text())
    kinds = rubric["documents"]["kinds"]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \|", DOC, re.M))
    for kind, spec in kinds.items():
        assert kind in rows, f"{kind} not documented"
        assert [s.strip() for s in rows[kind].split(",")] == spec["sections"], kind


def test_every_exported_family_is_documented():
    documented = set(re.findall(r"`([a-z0-9]+_[a-z0-9_]+)`", DOC))
    assert set(GLOBAL_FAMILIES) | set(REGIONAL_FAMILIES) <= documented


def test_documented_rule_names_exist():
    for name in ("s3-bucket-versioning-enabled", "rds-storage-encrypted", "restricted-ssh"):
        assert name in DOC and name in RULES
