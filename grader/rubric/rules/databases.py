"""Rules over RDS DB instances and Aurora clusters (AWS Config managed rule names)."""

from __future__ import annotations

from typing import Any

from grader.rubric.rules.base import ARCH, BEST, COMPLIANCE, RISK, SECURITY, resources, rule, where


def _instances(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Stand-alone instances; Aurora members are judged on their cluster."""
    return [
        (f"rds:db/{d['DBInstanceIdentifier']}{where(d)}", d)
        for d in resources(state, "rds_instances")
        if not d.get("DBClusterIdentifier")
    ]


def _clusters(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"rds:cluster/{c['DBClusterIdentifier']}{where(c)}", c)
        for c in resources(state, "rds_clusters")
    ]


def _flag(items, key: str, yes: str, no: str):
    return [(res, bool(d.get(key)), yes if d.get(key) else no) for res, d in items]


@rule("rds-storage-encrypted", [SECURITY, COMPLIANCE, BEST], ["rds_instances"])
def rds_encrypted(state):
    """Storage of DB instances is encrypted."""
    return _flag(
        _instances(state), "StorageEncrypted", "storage encrypted", "storage not encrypted"
    )


@rule("rds-multi-az-support", [RISK, BEST, ARCH], ["rds_instances"])
def rds_multi_az(state):
    """DB instances run Multi-AZ (a standby in another AZ)."""
    return _flag(_instances(state), "MultiAZ", "Multi-AZ", "single AZ")


@rule("rds-instance-deletion-protection-enabled", [RISK], ["rds_instances"])
def rds_deletion_protection(state):
    """DB instances have deletion protection on."""
    return _flag(_instances(state), "DeletionProtection", "protected", "deletion protection off")


@rule("db-instance-backup-enabled", [RISK, COMPLIANCE, BEST], ["rds_instances"])
def rds_backups(state):
    """Automated backups are on (retention period > 0 days)."""
    return [
        (
            res,
            (d.get("BackupRetentionPeriod") or 0) > 0,
            f"retention {d.get('BackupRetentionPeriod') or 0} days",
        )
        for res, d in _instances(state)
    ]


@rule("rds-instance-public-access-check", [SECURITY], ["rds_instances"])
def rds_public(state):
    """DB instances are not publicly accessible."""
    return [
        (
            res,
            not d.get("PubliclyAccessible"),
            "public" if d.get("PubliclyAccessible") else "private",
        )
        for res, d in _instances(state)
    ]


@rule("rds-cluster-encrypted-at-rest", [SECURITY, COMPLIANCE], ["rds_clusters"])
def cluster_encrypted(state):
    """Aurora clusters encrypt their storage."""
    return _flag(_clusters(state), "StorageEncrypted", "storage encrypted", "storage not encrypted")


@rule("rds-cluster-deletion-protection-enabled", [RISK], ["rds_clusters"])
def cluster_deletion_protection(state):
    """Aurora clusters have deletion protection on."""
    return _flag(_clusters(state), "DeletionProtection", "protected", "deletion protection off")


@rule("rds-cluster-multi-az-enabled", [RISK, BEST, ARCH], ["rds_clusters"])
def cluster_multi_az(state):
    """Aurora clusters span more than one Availability Zone."""
    out = []
    for res, c in _clusters(state):
        zones = set(c.get("AvailabilityZones") or [])
        ok = bool(c.get("MultiAZ")) or len(c.get("DBClusterMembers") or []) > 1
        out.append((res, ok, f"{len(c.get('DBClusterMembers') or [])} members, {len(zones)} AZs"))
    return out
