"""Static-analysis collector: ruff, detect-secrets and checkov, run as subprocesses.

- ruff (``ruff check --isolated``, rules ``static.ruff_select`` less ``static.ruff_ignore``)
  over the portfolio's Python -> technical.code_quality: findings per 100 lines mapped with
  ``static.ruff_per_100_lines`` (code present is at least Developing).
- detect-secrets (``scan --all-files``) over everything but results/, state/, measurements/
  (generated JSON full of digests) and tool caches -> operational.security: any secret
  proposes Missing (0), none Proficient (2): no committed secret is necessary, not sufficient.
- checkov (``-d iac --skip-download``: nothing fetched) over CloudFormation, Terraform,
  Kubernetes and Dockerfiles -> technical.code_quality and operational.security:
  passed / (passed + failed) checks mapped with ``static.checkov_pass_ratio``.

A tool that is not installed (looked up on PATH and beside the running interpreter) yields a
missing-evidence record saying "<tool> not installed"; nothing to analyse (no Python, no
iac/) yields a missing-evidence record saying so. checkov is not in the project's
dependencies: it pins boto3/botocore below what moto needs, so install it in its own
environment (``pipx install checkov``) and put it on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.rubric.collectors.autograde import level_for
from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

NAME = "static"
CODE = "technical.code_quality"
SECURITY = "operational.security"
# generated, not written by the learner: the portfolio's JSON records and tool caches
GENERATED = (
    r"^(results|state|measurements)/"
    r"|(^|/)(\.git|\.ruff_cache|\.pytest_cache|__pycache__|\.ipynb_checkpoints)/"
)
TIMEOUT = 300


def find_tool(name: str, path: str | None = None) -> str | None:
    """The tool on ``path`` (default: PATH plus the interpreter's bin folder), or None."""
    if path is None:
        path = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    return shutil.which(name, path=path)


def _run(argv: list[str], cwd: Path) -> tuple[Any, str | None]:
    """(parsed JSON stdout, None) or (None, what went wrong)."""
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{Path(argv[0]).name} failed: {e}"
    try:
        return json.loads(proc.stdout), None
    except ValueError:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        return None, f"{Path(argv[0]).name} exited {proc.returncode}: {err[-1] if err else ''}"


def _absent(sid: str, tool: str, why: str) -> Evidence:
    return Evidence(sid, NAME, f"{tool}: {why}", missing=True, details={"tool": tool})


def ruff(
    portfolio: Portfolio,
    exe: str | None,
    thresholds: dict,
    select: list[str],
    ignore: list[str] | tuple[str, ...] = (),
) -> list[Evidence]:
    files = portfolio.files(".", "**/*.py")
    if not files:
        return [_absent(CODE, "ruff", "no Python files in the portfolio")]
    if exe is None:
        return [_absent(CODE, "ruff", "not installed")]
    found, err = _run(
        [
            exe,
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
            "--select",
            ",".join(select),
            *(["--ignore", ",".join(ignore)] if ignore else []),
            *map(str, files),
        ],
        portfolio.root,
    )
    if err:
        return [_absent(CODE, "ruff", err)]
    lines = sum(len(p.read_text(errors="replace").splitlines()) for p in files)
    per_100 = len(found) * 100 / max(lines, 1)
    level = 0
    for lvl in sorted((int(k) for k in thresholds), reverse=True):
        if per_100 <= float(thresholds[lvl]):
            level = lvl
            break
    codes: dict[str, int] = {}
    for f in found:
        codes[f["code"] or "syntax"] = codes.get(f["code"] or "syntax", 0) + 1
    summary = f"ruff: {len(found)} finding(s) in {len(files)} file(s), {lines} lines"
    return [
        Evidence(
            CODE,
            NAME,
            summary,
            level=max(level, 1),
            details={
                "tool": "ruff",
                "findings": len(found),
                "lines": lines,
                "per_100_lines": round(per_100, 2),
                "codes": codes,
            },
        )
    ]


def secrets(portfolio: Portfolio, exe: str | None) -> list[Evidence]:
    if exe is None:
        return [_absent(SECURITY, "detect-secrets", "not installed")]
    doc, err = _run([exe, "scan", "--all-files", "--exclude-files", GENERATED, "."], portfolio.root)
    if err:
        return [_absent(SECURITY, "detect-secrets", err)]
    hits = sorted({(f, r["line_number"]) for f, rs in doc.get("results", {}).items() for r in rs})
    where = [f"{f}:{n}" for f, n in hits]
    if hits:
        summary = f"detect-secrets: {len(hits)} committed secret(s): {', '.join(where[:5])}"
    else:
        summary = "detect-secrets: no committed secrets"
    return [
        Evidence(
            SECURITY,
            NAME,
            summary,
            level=0 if hits else 2,
            details={"tool": "detect-secrets", "secrets": where},
        )
    ]


CHECKOV_FRAMEWORKS = ("cloudformation", "terraform", "kubernetes", "dockerfile")


def checkov_evidence(doc: Any, thresholds: dict) -> list[Evidence]:
    """Evidence from checkov's JSON output: one report, or a list of them (one per framework)."""
    reports = doc if isinstance(doc, list) else [doc]
    passed = sum(int(r.get("summary", {}).get("passed", 0)) for r in reports)
    failed_checks = [
        c.get("check_id") for r in reports for c in r.get("results", {}).get("failed_checks", [])
    ]
    total = passed + len(failed_checks)
    if total == 0:
        return [_absent(s, "checkov", "no checks applied to iac/") for s in (CODE, SECURITY)]
    ratio = passed / total
    summary = f"checkov: {passed}/{total} checks passed"
    details = {
        "tool": "checkov",
        "passed": passed,
        "failed": sorted(set(failed_checks)),
        "frameworks": [r.get("check_type") for r in reports],
        "ratio": round(ratio, 4),
    }
    level = level_for(ratio, thresholds)
    return [Evidence(s, NAME, summary, level=level, details=details) for s in (CODE, SECURITY)]


def checkov(portfolio: Portfolio, exe: str | None, thresholds: dict) -> list[Evidence]:
    iac = portfolio.root / "iac"
    if not portfolio.files("iac"):
        return [_absent(s, "checkov", "no iac/ in the portfolio") for s in (CODE, SECURITY)]
    if exe is None:
        return [_absent(s, "checkov", "not installed") for s in (CODE, SECURITY)]
    argv = [
        exe,
        "-d",
        str(iac),
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
        "--framework",
        *CHECKOV_FRAMEWORKS,
    ]
    doc, err = _run(argv, portfolio.root)
    if err:
        return [_absent(s, "checkov", err) for s in (CODE, SECURITY)]
    return checkov_evidence(doc, thresholds)


def collector(rubric: Rubric, path: str | None = None) -> Callable[[Portfolio], list[Evidence]]:
    """``path``: where to look for the tools (default: PATH and the interpreter's folder)."""
    spec = rubric.settings["static"]
    select = list(spec.get("ruff_select") or ["E", "F", "W", "B"])
    ignore = list(spec.get("ruff_ignore") or [])
    ruff_levels = spec.get("ruff_per_100_lines") or {3: 0.0, 2: 1.0, 1: 5.0}
    checkov_levels = spec.get("checkov_pass_ratio") or {3: 0.95, 2: 0.8, 1: 0.5}
    exes = {t: find_tool(t, path) for t in ("ruff", "detect-secrets", "checkov")}

    def collect(portfolio: Portfolio) -> list[Evidence]:
        return (
            ruff(portfolio, exes["ruff"], ruff_levels, select, ignore)
            + secrets(portfolio, exes["detect-secrets"])
            + checkov(portfolio, exes["checkov"], checkov_levels)
        )

    return collect
