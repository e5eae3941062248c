"""Rules over an exported account state (``labkit export-state``, cloudlabs.account-state/1),
named after the AWS Config managed rules they mirror.

Each rule is a small pure function over the state dict, registered in :data:`RULES` with the
sub-criteria it informs; :func:`run` evaluates them all into per-resource
:class:`RuleResult` records (COMPLIANT / NON_COMPLIANT / NOT_APPLICABLE, with a reason).

Modules: ``storage`` (S3, EBS, DynamoDB), ``databases`` (RDS, Aurora), ``network`` (security
groups, VPC flow logs, instances, load balancers, WAF), ``identity`` (IAM), ``monitoring``
(CloudTrail, CloudWatch, Logs, KMS, GuardDuty), ``apps`` (Lambda, SNS, SQS, Backup).
"""

from __future__ import annotations

from typing import Any

from grader.rubric.rules import apps, databases, identity, monitoring, network, storage  # noqa: F401
from grader.rubric.rules.base import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    RULES,
    Rule,
    RuleResult,
    evaluate,
)

__all__ = [
    "COMPLIANT",
    "NON_COMPLIANT",
    "NOT_APPLICABLE",
    "RULES",
    "Rule",
    "RuleResult",
    "evaluate",
    "run",
]


def run(state: dict[str, Any], names: list[str] | None = None) -> dict[str, list[RuleResult]]:
    """rule name -> its results, for every rule (or only ``names``)."""
    unknown = set(names or ()) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules: {', '.join(sorted(unknown))}")
    return {n: evaluate(r, state) for n, r in RULES.items() if names is None or n in names}
