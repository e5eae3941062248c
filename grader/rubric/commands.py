"""``grader score`` and ``grader override``: the rubric's commands, registered by grader/cli.py.

grader score PORTFOLIO_DIR ... --rubric rubrics/portfolio.yaml --out DIR
             [--reviews FILE] [--audit FILE] [--no-static]
    writes <out>/<learner>.json (score document) and <out>/scores.csv (one row per learner:
    id, name, total, the four criterion percentages, missing count). When <out>/<learner>.json
    already exists, what moved since (e.g. after a rubric version change) is printed and
    written to <out>/changes.jsonl (one line per learner; not *.json, which `grader report`
    reads as score documents). Learner ids must be safe file names.
grader override LEARNER SUB_CRITERION LEVEL --reason TEXT --reviewer NAME --audit FILE
             [--rubric FILE]
    appends an override to the audit log (LEVEL 0..3, or "none" to withdraw it).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from grader.rubric import audit, scoring
from grader.rubric.collectors import autograde, docs, metrics, reviewer, static
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
REPORTS = "reports"  # OUT/reports: per-learner HTML, cohort.csv, index.html


def collectors(rubric: Rubric, reviews: Path | None, static_analysis: bool) -> list:
    out = [
        autograde.collector(rubric),
        docs.collector(rubric),
        metrics.collector(rubric),
        reviewer.collector(rubric, reviews),
    ]
    if static_analysis:
        out.append(static.collector(rubric))
    try:  # the account-state rules live in their own module (named after AWS Config rules)
        rules = importlib.import_module("grader.rubric.collectors.state_rules")
    except ModuleNotFoundError:
        return out
    make = getattr(rules, "collector", None)
    out.append(make(rubric) if make else rules.collect)
    return out


def _fail(command: str, msg: str) -> int:
    print(f"grader {command}: {msg}", file=sys.stderr)
    return 2


def score(args: argparse.Namespace) -> int:
    try:
        rubric = Rubric.load(args.rubric)
        run = collectors(rubric, args.reviews, not args.no_static)
        entries = audit.read(args.audit)
        portfolios = [Portfolio.load(p) for p in args.portfolios]
        for p in portfolios:
            if not SAFE_ID.fullmatch(p.learner_id):
                raise ValueError(
                    f"{p.root}: learner id {p.learner_id!r} is not a safe file name"
                    " (letters, digits, '.', '_', '-'; not starting with '.')"
                )
    except (OSError, ValueError) as e:  # RubricError, PortfolioError, ReviewsError, AuditError
        return _fail("score", str(e))
    args.out.mkdir(parents=True, exist_ok=True)
    rows, changes, docs = [], [], []
    for portfolio in portfolios:
        doc = scoring.score(portfolio, rubric, run, entries)
        docs.append(doc)
        path = args.out / f"{portfolio.learner_id}.json"
        old = _previous(path)
        if old is not None:
            moved = scoring.diff(old, doc)
            if moved["moved"] or moved["from_version"] != moved["to_version"]:
                changes.append(moved)
        path.write_text(json.dumps(doc) + "\n")  # no indent: the C encoder, 8x faster
        rows.append(_row(doc))
        print(
            f"{portfolio.learner_id}: {doc['total']:.2f}/100, {len(doc['missing'])} missing",
            file=sys.stderr,
        )
    _write_csv(args.out / "scores.csv", rubric, rows)
    if not getattr(args, "no_reports", False):
        from grader.rubric.cohort_report import write_cohort

        write_cohort(docs, args.out / REPORTS)
        print(f"reports: {args.out / REPORTS / 'index.html'}", file=sys.stderr)
    if changes:
        lines = "".join(json.dumps(c, sort_keys=True) + "\n" for c in changes)
        (args.out / "changes.jsonl").write_text(lines)
        for c in changes:
            print(
                f"{c['learner']}: rubric {c['from_version']} -> {c['to_version']}, total "
                f"{c['total']['old']} -> {c['total']['new']}, "
                f"{len(c['moved'])} sub-criteria moved",
                file=sys.stderr,
            )
    return 0


def _previous(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == scoring.SCHEMA else None


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    row = {"id": doc["learner"]["id"], "name": doc["learner"]["name"], "total": doc["total"]}
    row.update({c["id"]: c["percent"] for c in doc["criteria"]})
    row["missing"] = len(doc["missing"])
    return row


def _write_csv(path: Path, rubric: Rubric, rows: list[dict[str, Any]]) -> None:
    fields = ["id", "name", "total", *(c.id for c in rubric.criteria), "missing"]
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def override(args: argparse.Namespace) -> int:
    text = str(args.level).strip().lower()
    if text in ("none", "null", "-"):
        level = None
    elif text.isdigit():
        level = int(text)
    else:
        return _fail("override", f"LEVEL must be 0..3 or none, got {args.level!r}")
    try:
        rubric = Rubric.load(args.rubric)
        entry = audit.append(
            args.audit, rubric, args.learner, args.sub_criterion, level, args.reason, args.reviewer
        )
    except (OSError, ValueError, KeyError) as e:
        return _fail("override", str(e.args[0]) if e.args else str(e))
    print(json.dumps(entry, sort_keys=True))
    return 0
