"""Pure helpers of the S3 replication extension: which rules of a configuration apply.

moto keeps a replication configuration as ``xmltodict`` parsed it from the PutBucketReplication
body: strings everywhere, ``None`` for empty elements, a dict where a list holds one element.
These functions read that shape; they know nothing of moto's objects.

AWS rules applied (S3 User Guide, "Replication configuration file elements"):

- a rule applies when its ``Status`` is ``Enabled`` and its filter matches: ``Filter.Prefix``,
  ``Filter.Tag``, or ``Filter.And`` (prefix and every tag); a V1 rule has a top-level ``Prefix``;
  an empty filter matches every object;
- when several rules match and name the same destination, the one with the highest
  ``Priority`` wins; rules naming different destinations all apply (multi-destination);
- delete markers replicate only under a winning rule whose ``DeleteMarkerReplication.Status``
  is ``Enabled`` and that filters on no tag (AWS refuses tag filters with delete marker
  replication);
- SSE-KMS objects replicate only when ``SourceSelectionCriteria.SseKmsEncryptedObjects`` is
  ``Enabled``.
"""

from __future__ import annotations

from typing import Any

Rule = dict[str, Any]


def rules_of(config: dict[str, Any] | None) -> list[Rule]:
    """The rules of a stored configuration (always a list)."""
    if not config:
        return []
    rules = config.get("Rule") or []
    return [rules] if isinstance(rules, dict) else list(rules)


def _tags(value: Any) -> dict[str, str]:
    if not value:
        return {}
    items = [value] if isinstance(value, dict) else value
    return {t["Key"]: t.get("Value") or "" for t in items}


def rule_filter(rule: Rule) -> tuple[str, dict[str, str]]:
    """(prefix, tags) a key must have for ``rule`` to apply to it."""
    if "Filter" in rule:
        f = rule["Filter"] or {}
        if f.get("And") is not None:
            and_ = f["And"] or {}
            return and_.get("Prefix") or "", _tags(and_.get("Tag"))
        if f.get("Tag") is not None:
            return "", _tags(f["Tag"])
        return f.get("Prefix") or "", {}
    return rule.get("Prefix") or "", {}


def priority(rule: Rule) -> int:
    try:
        return int(rule.get("Priority") or 0)
    except (TypeError, ValueError):
        return 0


def destination_bucket(rule: Rule) -> str:
    """The destination bucket's name (``Destination.Bucket`` is an ARN)."""
    arn = (rule.get("Destination") or {}).get("Bucket") or ""
    return arn.split(":::", 1)[1] if ":::" in arn else arn


def _enabled(rule: Rule) -> bool:
    return rule.get("Status") == "Enabled"


def matches(rule: Rule, key: str, tags: dict[str, str]) -> bool:
    prefix, wanted = rule_filter(rule)
    return (
        _enabled(rule)
        and key.startswith(prefix)
        and all(tags.get(k) == v for k, v in wanted.items())
    )


def _winners(rules: list[Rule], key: str, tags: dict[str, str]) -> dict[str, Rule]:
    """Per destination bucket, the highest-priority enabled rule that matches."""
    winners: dict[str, Rule] = {}
    for rule in rules:
        if not matches(rule, key, tags):
            continue
        dest = destination_bucket(rule)
        if dest not in winners or priority(rule) > priority(winners[dest]):
            winners[dest] = rule
    return winners


def object_rules(
    rules: list[Rule], key: str, tags: dict[str, str], sse_kms: bool = False
) -> dict[str, Rule]:
    """Destination bucket name -> rule, for a new object version."""
    winners = _winners(rules, key, tags)
    if sse_kms:
        winners = {
            dest: rule
            for dest, rule in winners.items()
            if (
                (
                    (rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects") or {}
                ).get("Status")
            )
            == "Enabled"
        }
    return winners


def delete_marker_rules(rules: list[Rule], key: str) -> dict[str, Rule]:
    """Destination bucket name -> rule, for a new delete marker (tags play no part)."""
    untagged = [r for r in rules if not rule_filter(r)[1]]
    return {
        dest: rule
        for dest, rule in _winners(untagged, key, {}).items()
        if ((rule.get("DeleteMarkerReplication") or {}).get("Status")) == "Enabled"
    }


def _response_filter(f: dict[str, Any] | None) -> dict[str, Any]:
    f = f or {}
    if f.get("And") is not None:
        and_ = f["And"] or {}
        out: dict[str, Any] = {}
        if and_.get("Prefix") is not None:
            out["Prefix"] = and_["Prefix"]
        tags = _tags(and_.get("Tag"))
        if tags:
            out["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        return {"And": out}
    if f.get("Tag") is not None:
        tag = f["Tag"]
        return {"Tag": {"Key": tag["Key"], "Value": tag.get("Value") or ""}}
    return {"Prefix": f.get("Prefix") or ""}


def for_response(config: dict[str, Any]) -> dict[str, Any]:
    """The stored configuration in the shape of GetBucketReplication's output members."""
    rules = []
    for rule in rules_of(config):
        out: dict[str, Any] = {k: v for k, v in rule.items() if k not in ("Filter", "Priority")}
        out["Priority"] = priority(rule)
        if "Filter" in rule:
            out["Filter"] = _response_filter(rule["Filter"])
        elif "Prefix" not in rule:
            out["Filter"] = {"Prefix": ""}
        if "Prefix" in rule and rule["Prefix"] is None:
            out["Prefix"] = ""
        rules.append(out)
    return {"Role": config.get("Role") or "", "Rules": rules}
