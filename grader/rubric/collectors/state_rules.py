"""State-rules collector: the AWS Config-style rules (grader.rubric.rules) over the portfolio's
account-state export (``state/account.json``, written by ``labkit export-state``).

For each sub-criterion the rules inform, the compliance ratio is the mean over the *applicable*
rules (at least one COMPLIANT or NON_COMPLIANT result) of each rule's compliant share of its
resources, so one open security group among ten counts less than ten. The ratio maps to a level
with :data:`THRESHOLDS` (the rubric may override them under ``state_rules.thresholds``):

    ratio >= 0.95 -> 3 Exemplary, >= 0.75 -> 2 Proficient, >= 0.40 -> 1 Developing, else 0

The evidence's details list every failing resource (rule, resource, reason), the per-rule ratios
and the rules that did not apply. No state export: one missing Evidence per informed
sub-criterion; an export in which no rule applies to a sub-criterion: missing as well, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.rubric.collectors import autograde
from grader.rubric.evidence import Evidence
from grader.rubric.portfolio import Portfolio
from grader.rubric.rules import COMPLIANT, NON_COMPLIANT, RULES, RuleResult, run

NAME = "state_rules"
STATE_SCHEMA = "cloudlabs.account-state/1"
THRESHOLDS: dict[int, float] = {3: 0.95, 2: 0.75, 1: 0.4}


def informed() -> list[str]:
    """Every sub-criterion some rule informs, in a stable order."""
    return sorted({s for r in RULES.values() for s in r.informs})


def level_for(ratio: float, thresholds: dict[int, float] = THRESHOLDS) -> int:
    """Highest level whose threshold the ratio reaches, else 0."""
    return autograde.level_for(ratio, thresholds)


def rule_ratio(results: list[RuleResult]) -> float | None:
    """Compliant share of the rule's judged resources; None when nothing applied."""
    judged = [r for r in results if r.status in (COMPLIANT, NON_COMPLIANT)]
    if not judged:
        return None
    return sum(r.status == COMPLIANT for r in judged) / len(judged)


def evaluate(
    state: dict[str, Any], subs: list[str], thresholds: dict[int, float] = THRESHOLDS
) -> list[Evidence]:
    """Evidence per sub-criterion in ``subs`` from one state export."""
    results = run(state)
    out = []
    for sub in subs:
        names = sorted(n for n, r in RULES.items() if sub in r.informs)
        ratios = {n: rule_ratio(results[n]) for n in names}
        applied = {n: v for n, v in ratios.items() if v is not None}
        if not applied:
            out.append(
                Evidence(
                    sub,
                    NAME,
                    f"the account-state export has nothing the {len(names)} rules for it apply to",
                    missing=True,
                    details={"rules": names},
                )
            )
            continue
        ratio = sum(applied.values()) / len(applied)
        failing = [r.to_dict() for n in applied for r in results[n] if r.status == NON_COMPLIANT]
        passed = sum(v == 1.0 for v in applied.values())
        out.append(
            Evidence(
                sub,
                NAME,
                f"{passed} of {len(applied)} applicable rules fully compliant, compliance "
                f"{ratio:.0%}, {len(failing)} failing resource(s)",
                level=level_for(ratio, thresholds),
                details={
                    "ratio": round(ratio, 4),
                    "rules": {n: round(v, 4) for n, v in applied.items()},
                    "failing": failing,
                    "not_applicable": sorted(set(names) - set(applied)),
                    "exported_at": state.get("exported_at"),
                },
            )
        )
    return out


def _collect(portfolio: Portfolio, subs: list[str], thresholds: dict[int, float]) -> list[Evidence]:
    state = portfolio.state()
    if not isinstance(state, dict) or state.get("schema") != STATE_SCHEMA:
        why = (
            "no account-state export (state/account.json; run `labkit export-state`)"
            if state is None
            else f"state/account.json is not a {STATE_SCHEMA} export"
        )
        return [Evidence(s, NAME, why, missing=True) for s in subs]
    return evaluate(state, subs, thresholds)


def collect(portfolio: Portfolio) -> list[Evidence]:
    """Evidence for every sub-criterion the rules inform, with the default thresholds."""
    return _collect(portfolio, informed(), THRESHOLDS)


def collector(rubric: Any) -> Callable[[Portfolio], list[Evidence]]:
    """Only the rubric's sub-criteria that list ``state_rules`` among their collectors (and that
    some rule informs); thresholds from ``rubric.settings['state_rules']`` when present."""
    settings = (getattr(rubric, "settings", None) or {}).get(NAME) or {}
    thresholds = {int(k): float(v) for k, v in (settings.get("thresholds") or THRESHOLDS).items()}
    known = set(informed())
    subs = [s.id for s in rubric.sub_criteria() if NAME in s.collectors and s.id in known]

    def collect_for_rubric(portfolio: Portfolio) -> list[Evidence]:
        return _collect(portfolio, subs, thresholds)

    return collect_for_rubric
