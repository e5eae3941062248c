"""Rules over Lambda functions, SNS topics, SQS queues and AWS Backup plans (AWS Config managed
rule names; sqs-queue-encrypted follows Security Hub control SQS.1)."""

from __future__ import annotations

import re

from grader.rubric.rules.base import BEST, COMPLIANCE, RISK, SECURITY, resources, rule, where

# lambda-function-settings-check parameters: supported runtimes (deprecated ones fail), the
# memory floor and the timeout ceiling.
SUPPORTED_RUNTIMES = re.compile(
    r"^(python3\.(9|1[0-4])|nodejs(18|20|22)\.x|java(11|17|21)|dotnet8|ruby3\.[2-4]"
    r"|provided\.al2(023)?)$"
)
MIN_MEMORY_MB, MAX_TIMEOUT_S = 128, 900
MIN_BACKUP_RETENTION_DAYS = 35  # backup-plan-min-frequency-and-min-retention-check default


def _functions(state):
    return [
        (f"lambda:function/{f['FunctionName']}{where(f)}", f)
        for f in resources(state, "lambda_functions")
    ]


@rule("lambda-function-settings-check", [BEST, SECURITY], ["lambda_functions"])
def lambda_settings(state):
    """Functions use a supported runtime, >= 128 MB and a timeout <= 900 s (container image
    functions have no runtime)."""
    out = []
    for res, f in _functions(state):
        bad = []
        runtime = f.get("Runtime")
        if f.get("PackageType", "Zip") == "Zip" and not SUPPORTED_RUNTIMES.match(str(runtime)):
            bad.append(f"runtime {runtime} unsupported")
        if (f.get("MemorySize") or 128) < MIN_MEMORY_MB:
            bad.append(f"memory {f.get('MemorySize')} MB")
        if (f.get("Timeout") or 3) > MAX_TIMEOUT_S:
            bad.append(f"timeout {f.get('Timeout')} s")
        out.append((res, not bad, "; ".join(bad) or f"{runtime}, {f.get('MemorySize')} MB"))
    return out


@rule("lambda-dlq-check", [RISK], ["lambda_functions"])
def lambda_dlq(state):
    """Functions have a dead-letter queue for failed asynchronous invocations."""
    out = []
    for res, f in _functions(state):
        target = (f.get("DeadLetterConfig") or {}).get("TargetArn")
        out.append((res, bool(target), f"DLQ {target}" if target else "no dead-letter queue"))
    return out


@rule("sns-encrypted-kms", [SECURITY, COMPLIANCE], ["sns_topics"])
def sns_kms(state):
    """Topics are encrypted with a KMS key."""
    return [
        (
            f"sns:topic/{t['TopicArn'].rsplit(':', 1)[-1]}{where(t)}",
            bool(t.get("KmsMasterKeyId")),
            "KMS key" if t.get("KmsMasterKeyId") else "not encrypted",
        )
        for t in resources(state, "sns_topics")
    ]


@rule("sqs-queue-encrypted", [SECURITY, COMPLIANCE], ["sqs_queues"])
def sqs_encrypted(state):
    """Queues are encrypted at rest (SSE-SQS or SSE-KMS)."""
    out = []
    for q in resources(state, "sqs_queues"):
        kms = q.get("KmsMasterKeyId")
        sse = str(q.get("SqsManagedSseEnabled", "")).lower() == "true"
        reason = "SSE-KMS" if kms else "SSE-SQS" if sse else "not encrypted"
        out.append(
            (f"sqs:queue/{q['QueueUrl'].rsplit('/', 1)[-1]}{where(q)}", bool(kms or sse), reason)
        )
    return out


@rule("backup-plan-min-frequency-and-min-retention-check", [RISK, COMPLIANCE], ["backup_plans"])
def backup_plan(state):
    """Every rule of a backup plan runs on a schedule and keeps recovery points >= 35 days."""
    out = []
    for p in resources(state, "backup_plans"):
        rules = ((p.get("BackupPlan") or {}).get("Rules")) or []
        bad = []
        for r in rules:
            days = (r.get("Lifecycle") or {}).get("DeleteAfterDays")
            if not r.get("ScheduleExpression"):
                bad.append(f"{r.get('RuleName')}: no schedule")
            if days is not None and days < MIN_BACKUP_RETENTION_DAYS:
                bad.append(f"{r.get('RuleName')}: kept {days} days")
        if not rules:
            bad.append("no rules")
        out.append(
            (
                f"backup:plan/{p.get('BackupPlanName')}{where(p)}",
                not bad,
                "; ".join(bad) or f"{len(rules)} rules ok",
            )
        )
    return out
