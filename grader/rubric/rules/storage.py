"""Rules over S3 buckets, EBS volumes and DynamoDB tables (AWS Config managed rule names)."""

from __future__ import annotations

from typing import Any

from grader.rubric.rules.base import (
    BEST,
    COMPLIANCE,
    MONITORING,
    RISK,
    SECURITY,
    as_list,
    resources,
    rule,
    statements,
    where,
)

PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _buckets(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"s3:bucket/{b['name']}", b) for b in resources(state, "s3_buckets")]


@rule("s3-bucket-versioning-enabled", [RISK, BEST, COMPLIANCE], ["s3_buckets"])
def s3_versioning(state):
    """Versioning is Enabled on every bucket (recover overwritten or deleted objects)."""
    return [
        (res, b.get("versioning") == "Enabled", f"versioning: {b.get('versioning') or 'never set'}")
        for res, b in _buckets(state)
    ]


@rule("s3-bucket-server-side-encryption-enabled", [SECURITY, COMPLIANCE, BEST], ["s3_buckets"])
def s3_encryption(state):
    """A default server-side encryption rule (SSE-S3 or SSE-KMS) is configured."""
    out = []
    for res, b in _buckets(state):
        rules = (b.get("encryption") or {}).get("Rules") or []
        algos = [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules]
        algos = [a for a in algos if a]
        out.append((res, bool(algos), f"default encryption: {', '.join(algos) or 'none'}"))
    return out


@rule("s3-bucket-level-public-access-prohibited", [SECURITY, BEST], ["s3_buckets"])
def s3_public_access_block(state):
    """All four bucket-level Block Public Access settings are on."""
    out = []
    for res, b in _buckets(state):
        pab = b.get("public_access_block") or {}
        off = [f for f in PAB_FLAGS if not pab.get(f)]
        out.append((res, not off, f"off: {', '.join(off)}" if off else "all four blocks on"))
    return out


def _public_policy(policy: Any) -> list[str]:
    found = []
    for s in statements(policy):
        principal = s.get("Principal")
        anyone = principal == "*" or (
            isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))
        )
        actions = [a.lower() for a in as_list(s.get("Action"))]
        reads = any(a in ("*", "s3:*", "s3:getobject", "s3:get*") for a in actions)
        if s.get("Effect") == "Allow" and anyone and reads and not s.get("Condition"):
            found.append(s.get("Sid") or "statement")
    return found


@rule("s3-bucket-public-read-prohibited", [SECURITY, COMPLIANCE], ["s3_buckets"])
def s3_public_read(state):
    """Neither the ACL nor the bucket policy lets anyone read, unless Block Public Access
    (IgnorePublicAcls / RestrictPublicBuckets) neutralises it."""
    out = []
    for res, b in _buckets(state):
        pab = b.get("public_access_block") or {}
        grants = [
            g.get("Permission")
            for g in b.get("acl_grants") or []
            if g.get("Grantee", {}).get("URI") in PUBLIC_GROUPS
            and g.get("Permission") in ("READ", "FULL_CONTROL")
        ]
        public = []
        if grants and not pab.get("IgnorePublicAcls"):
            public.append(f"ACL grants {', '.join(grants)} to everyone")
        sids = _public_policy(b.get("policy"))
        if sids and not pab.get("RestrictPublicBuckets"):
            public.append(f"policy allows anonymous reads ({', '.join(sids)})")
        out.append((res, not public, "; ".join(public) or "no public read"))
    return out


@rule("s3-bucket-logging-enabled", [MONITORING, COMPLIANCE], ["s3_buckets"])
def s3_logging(state):
    """Server access logging is on."""
    out = []
    for res, b in _buckets(state):
        target = (b.get("logging") or {}).get("TargetBucket")
        out.append((res, bool(target), f"logs to {target}" if target else "access logging off"))
    return out


@rule("s3-bucket-ssl-requests-only", [SECURITY, BEST], ["s3_buckets"])
def s3_ssl_only(state):
    """The bucket policy denies requests with aws:SecureTransport false."""
    out = []
    for res, b in _buckets(state):
        ok = False
        for s in statements(b.get("policy")):
            cond = s.get("Condition") or {}
            bools = {k.lower(): v for k, v in (cond.get("Bool") or {}).items()}
            if (
                s.get("Effect") == "Deny"
                and str(bools.get("aws:securetransport")).lower() == "false"
            ):
                ok = True
        out.append((res, ok, "denies plain HTTP" if ok else "no Deny on aws:SecureTransport=false"))
    return out


@rule("s3-bucket-replication-enabled", [RISK], ["s3_buckets"])
def s3_replication(state):
    """At least one enabled replication rule (cross-region copy for DR)."""
    out = []
    for res, b in _buckets(state):
        rules = (b.get("replication") or {}).get("Rules") or []
        on = [r for r in rules if r.get("Status") == "Enabled"]
        out.append((res, bool(on), f"{len(on)} enabled replication rules"))
    return out


@rule("encrypted-volumes", [SECURITY, COMPLIANCE, BEST], ["ec2_volumes"])
def ebs_encrypted(state):
    """EBS volumes are encrypted."""
    return [
        (
            f"ec2:volume/{v['VolumeId']}{where(v)}",
            bool(v.get("Encrypted")),
            "encrypted" if v.get("Encrypted") else "not encrypted",
        )
        for v in resources(state, "ec2_volumes")
    ]


def _tables(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"dynamodb:table/{t['TableName']}{where(t)}", t)
        for t in resources(state, "dynamodb_tables")
    ]


@rule("dynamodb-pitr-enabled", [RISK, BEST], ["dynamodb_tables"])
def dynamodb_pitr(state):
    """Point-in-time recovery is enabled."""
    return [
        (
            res,
            t.get("PointInTimeRecoveryStatus") == "ENABLED",
            f"PITR {t.get('PointInTimeRecoveryStatus')}",
        )
        for res, t in _tables(state)
    ]


@rule("dynamodb-table-encrypted-kms", [SECURITY, COMPLIANCE], ["dynamodb_tables"])
def dynamodb_kms(state):
    """The table is encrypted with a KMS key (AWS managed or customer managed)."""
    out = []
    for res, t in _tables(state):
        sse = t.get("SSEDescription") or {}
        ok = sse.get("SSEType") == "KMS" and sse.get("Status") in ("ENABLED", "UPDATING")
        out.append((res, ok, f"SSE {sse.get('SSEType') or 'default (AWS owned key)'}"))
    return out
