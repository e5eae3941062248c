"""The rule record, the registry and helpers shared by the state rules.

A rule is a pure function ``check(state) -> list[RuleResult]`` over an account-state export
(schema cloudlabs.account-state/1, see labkit/state_export.py), registered with :func:`rule`,
which names it after the AWS Config managed rule it mirrors, says which sub-criteria it informs
and which exported families it reads. :func:`evaluate` runs one rule: when a family it reads is
absent from the export or could not be exported, or the account has none of the resources it
checks, the rule yields a single NOT_APPLICABLE result saying so. Account-level rules
(cloudtrail-enabled, ...) are NON_COMPLIANT when their family was exported and is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE = "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"
STATUSES = (COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE)

SECURITY = "operational.security"
COMPLIANCE = "operational.compliance"
MONITORING = "operational.monitoring"
RISK = "business.risk_mitigation"
BEST = "technical.best_practices"
ARCH = "technical.architecture_quality"
SCALABILITY = "business.scalability"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    resource: str  # e.g. "s3:bucket/logs-123", "ec2:sg/sg-1 (us-east-1)", "account"
    status: str
    reason: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_dict(self) -> dict[str, str]:
        # not dataclasses.asdict: it deep-copies, and the collector calls this per failure
        return {
            "rule": self.rule,
            "resource": self.resource,
            "status": self.status,
            "reason": self.reason,
        }


Check = Callable[[dict[str, Any]], list[tuple[str, bool | None, str]]]


@dataclass(frozen=True)
class Rule:
    name: str  # the AWS Config managed rule identifier, lower-case with dashes
    informs: tuple[str, ...]
    families: tuple[str, ...]
    description: str
    check: Check  # state -> [(resource, compliant or None for not applicable, reason)]


RULES: dict[str, Rule] = {}


def rule(name: str, informs: Iterable[str], families: Iterable[str]) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``name``; its docstring is the rule's description."""

    def register(check: Check) -> Check:
        if name in RULES:
            raise ValueError(f"rule {name!r} registered twice")
        doc = (check.__doc__ or "").strip()
        RULES[name] = Rule(name, tuple(informs), tuple(families), doc, check)
        return check

    return register


def resources(state: dict[str, Any], family: str) -> list[dict[str, Any]]:
    return list((state.get("resources") or {}).get(family) or [])


def evaluate(r: Rule, state: dict[str, Any]) -> list[RuleResult]:
    fams = state.get("families") or {}
    absent = [f for f in r.families if f not in fams]
    if absent:
        return [
            RuleResult(r.name, "account", NOT_APPLICABLE, f"not in the export: {', '.join(absent)}")
        ]
    broken = [f for f in r.families if fams.get(f, {}).get("status") == "error"]
    if broken:
        why = "; ".join(f"{f}: {fams[f].get('error')}" for f in broken)
        return [RuleResult(r.name, "account", NOT_APPLICABLE, f"not exported ({why})")]
    out = []
    for resource, ok, reason in r.check(state):
        status = NOT_APPLICABLE if ok is None else COMPLIANT if ok else NON_COMPLIANT
        out.append(RuleResult(r.name, resource, status, reason))
    if not out:
        what = ", ".join(r.families)
        out.append(RuleResult(r.name, "account", NOT_APPLICABLE, f"no resources in {what}"))
    return out


def where(item: dict[str, Any]) -> str:
    return f" ({item['region']})" if item.get("region") else ""


def statements(document: Any) -> list[dict[str, Any]]:
    """A policy document's statements as a list (a single statement may be a dict)."""
    if isinstance(document, str):
        import json

        try:
            document = json.loads(document)
        except ValueError:
            return []
    st = (document or {}).get("Statement", []) if isinstance(document, dict) else []
    return [s for s in ([st] if isinstance(st, dict) else st) if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]
