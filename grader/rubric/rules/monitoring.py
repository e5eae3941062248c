"""Rules over CloudTrail, CloudWatch, CloudWatch Logs, KMS and GuardDuty (AWS Config managed
rule names)."""

from __future__ import annotations

from grader.rubric.rules.base import (
    BEST,
    COMPLIANCE,
    MONITORING,
    SECURITY,
    resources,
    rule,
    where,
)

MIN_RETENTION_DAYS = 365  # the managed rule's default MinRetentionTime


def _trails(state):
    return [
        (f"cloudtrail:trail/{t['Name']}{where(t)}", t)
        for t in resources(state, "cloudtrail_trails")
    ]


@rule("cloudtrail-enabled", [MONITORING, COMPLIANCE, SECURITY], ["cloudtrail_trails"])
def cloudtrail_enabled(state):
    """At least one trail is logging (account-level)."""
    logging = [t["Name"] for _, t in _trails(state) if t.get("IsLogging")]
    return [("account", bool(logging), f"logging trails: {', '.join(logging) or 'none'}")]


@rule("multi-region-cloudtrail-enabled", [COMPLIANCE, MONITORING], ["cloudtrail_trails"])
def multi_region_trail(state):
    """At least one multi-region trail is logging (account-level)."""
    multi = [
        t["Name"] for _, t in _trails(state) if t.get("IsLogging") and t.get("IsMultiRegionTrail")
    ]
    return [("account", bool(multi), f"multi-region trails: {', '.join(multi) or 'none'}")]


@rule("cloud-trail-log-file-validation-enabled", [COMPLIANCE, SECURITY], ["cloudtrail_trails"])
def trail_validation(state):
    """Trails validate their log files (digest files detect tampering)."""
    return [
        (
            res,
            bool(t.get("LogFileValidationEnabled")),
            "validation on" if t.get("LogFileValidationEnabled") else "validation off",
        )
        for res, t in _trails(state)
    ]


@rule("cloud-trail-encryption-enabled", [SECURITY, COMPLIANCE], ["cloudtrail_trails"])
def trail_encryption(state):
    """Trails encrypt their logs with a KMS key."""
    return [
        (res, bool(t.get("KmsKeyId")), "SSE-KMS" if t.get("KmsKeyId") else "no KMS key")
        for res, t in _trails(state)
    ]


@rule("cloudwatch-alarm-action-check", [MONITORING, BEST], ["cloudwatch_alarms"])
def alarm_actions(state):
    """Alarms have actions enabled and at least one ALARM action (someone is told)."""
    out = []
    for a in resources(state, "cloudwatch_alarms"):
        n = len(a.get("AlarmActions") or [])
        ok = bool(a.get("ActionsEnabled", True)) and n > 0
        out.append(
            (
                f"cloudwatch:alarm/{a['AlarmName']}{where(a)}",
                ok,
                f"{n} alarm actions"
                + ("" if a.get("ActionsEnabled", True) else ", actions disabled"),
            )
        )
    return out


def _groups(state):
    return [
        (f"logs:group/{g['logGroupName']}{where(g)}", g) for g in resources(state, "logs_groups")
    ]


@rule("cw-loggroup-retention-period-check", [MONITORING, COMPLIANCE], ["logs_groups"])
def log_retention(state):
    """Log groups keep events at least 365 days (the managed rule's default; never expire
    complies)."""
    out = []
    for res, g in _groups(state):
        days = g.get("retentionInDays")
        ok = days is None or days >= MIN_RETENTION_DAYS
        out.append((res, ok, "never expire" if days is None else f"{days} days"))
    return out


@rule("cloudwatch-log-group-encrypted", [SECURITY], ["logs_groups"])
def log_group_encrypted(state):
    """Log groups are encrypted with a KMS key."""
    return [
        (res, bool(g.get("kmsKeyId")), "KMS key" if g.get("kmsKeyId") else "no KMS key")
        for res, g in _groups(state)
    ]


@rule("cmk-backing-key-rotation-enabled", [SECURITY, COMPLIANCE, BEST], ["kms_keys"])
def kms_rotation(state):
    """Enabled customer managed symmetric keys rotate yearly."""
    out = []
    for k in resources(state, "kms_keys"):
        res = f"kms:key/{k['KeyId']}{where(k)}"
        if k.get("KeyManager") != "CUSTOMER" or k.get("KeyState") != "Enabled":
            continue
        if k.get("KeyRotationEnabled") is None:
            out.append((res, None, f"{k.get('KeySpec')} keys cannot rotate"))
        else:
            ok = bool(k["KeyRotationEnabled"])
            out.append((res, ok, "rotation on" if ok else "rotation off"))
    return out


@rule("guardduty-enabled-centralized", [SECURITY, MONITORING], ["guardduty_detectors"])
def guardduty(state):
    """A GuardDuty detector is enabled in every exported region."""
    on = {
        d.get("region")
        for d in resources(state, "guardduty_detectors")
        if d.get("Status") == "ENABLED"
    }
    return [
        (
            f"guardduty:{region}",
            region in on,
            "detector enabled" if region in on else "no enabled detector",
        )
        for region in state.get("regions") or []
    ]
