"""Readers of the account-state export (``labkit export-state``), one per resource family.

Each reader takes a client factory ``c(service) -> boto3 client`` (bound to the emulator and
one region) and returns the family's resources as boto3 shapes, extended with the settings the
portfolio rules need (bucket versioning and encryption, IAM policy documents, KMS rotation,
DynamoDB PITR, ...). :data:`GLOBAL_FAMILIES` are read once per export, :data:`REGIONAL_FAMILIES`
once per region. Talks to the emulator through boto3 only; no moto internals are touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _pages(client: Any, op: str, key: str, **kw: Any) -> list[dict[str, Any]]:
    if client.can_paginate(op):
        out: list[dict[str, Any]] = []
        for page in client.get_paginator(op).paginate(**kw):
            out.extend(page.get(key, []))
        return out
    return list(getattr(client, op)(**kw).get(key, []))


def _opt(call: Callable[..., Any], kw: dict[str, Any], *missing: str) -> Any:
    """``call(**kw)``, or None when it fails with one of the 'not configured' error codes."""
    from botocore.exceptions import ClientError

    try:
        return call(**kw)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in missing:
            return None
        raise


# ----------------------------------------------------------------------------- global families


def s3_buckets(c: Any) -> list[dict[str, Any]]:
    s3 = c("s3")
    out = []
    for b in s3.list_buckets().get("Buckets", []):
        name = b["Name"]
        loc = _opt(s3.get_bucket_location, {"Bucket": name}, "NoSuchBucket") or {}
        pab = _opt(
            s3.get_public_access_block,
            {"Bucket": name},
            "NoSuchPublicAccessBlockConfiguration",
        )
        enc = _opt(
            s3.get_bucket_encryption,
            {"Bucket": name},
            "ServerSideEncryptionConfigurationNotFoundError",
        )
        pol = _opt(s3.get_bucket_policy, {"Bucket": name}, "NoSuchBucketPolicy")
        repl = _opt(
            s3.get_bucket_replication, {"Bucket": name}, "ReplicationConfigurationNotFoundError"
        )
        out.append(
            {
                "name": name,
                "region": loc.get("LocationConstraint") or "us-east-1",
                "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
                "encryption": (enc or {}).get("ServerSideEncryptionConfiguration"),
                "public_access_block": (pab or {}).get("PublicAccessBlockConfiguration"),
                "policy": json.loads(pol["Policy"]) if pol else None,
                "acl_grants": s3.get_bucket_acl(Bucket=name).get("Grants", []),
                "logging": s3.get_bucket_logging(Bucket=name).get("LoggingEnabled"),
                "replication": (repl or {}).get("ReplicationConfiguration"),
            }
        )
    return out


def iam_roles(c: Any) -> list[dict[str, Any]]:
    iam = c("iam")
    out = []
    for r in _pages(iam, "list_roles", "Roles"):
        name = r["RoleName"]
        inline = {
            p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
        }
        attached = _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        out.append(
            {
                "name": name,
                "arn": r["Arn"],
                "assume_role_policy": r.get("AssumeRolePolicyDocument"),
                "inline_policies": inline,
                "attached_policies": [p["PolicyArn"] for p in attached],
            }
        )
    return out


def iam_users(c: Any) -> list[dict[str, Any]]:
    iam = c("iam")
    out = []
    for u in _pages(iam, "list_users", "Users"):
        name = u["UserName"]
        inline = {
            p: iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"]
            for p in _pages(iam, "list_user_policies", "PolicyNames", UserName=name)
        }
        attached = _pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
        login = _opt(iam.get_login_profile, {"UserName": name}, "NoSuchEntity")
        out.append(
            {
                "name": name,
                "arn": u["Arn"],
                "mfa_devices": [
                    d["SerialNumber"]
                    for d in _pages(iam, "list_mfa_devices", "MFADevices", UserName=name)
                ],
                "console_access": login is not None,
                "access_keys": [
                    {"id": k["AccessKeyId"], "status": k["Status"]}
                    for k in _pages(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)
                ],
                "inline_policies": inline,
                "attached_policies": [p["PolicyArn"] for p in attached],
            }
        )
    return out


def iam_policies(c: Any) -> list[dict[str, Any]]:
    """Customer managed policies with their default version's document."""
    iam = c("iam")
    out = []
    for p in _pages(iam, "list_policies", "Policies", Scope="Local"):
        ver = iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])
        out.append(
            {
                "name": p["PolicyName"],
                "arn": p["Arn"],
                "attachment_count": p.get("AttachmentCount", 0),
                "document": ver["PolicyVersion"]["Document"],
            }
        )
    return out


def iam_account(c: Any) -> list[dict[str, Any]]:
    summary = c("iam").get_account_summary()["SummaryMap"]
    return [
        {
            "root_access_keys_present": summary.get("AccountAccessKeysPresent"),
            "root_mfa_enabled": summary.get("AccountMFAEnabled"),
            "summary": summary,
        }
    ]


# --------------------------------------------------------------------------- regional families


def ec2_vpcs(c: Any) -> list[dict[str, Any]]:
    return _pages(c("ec2"), "describe_vpcs", "Vpcs")


def ec2_subnets(c: Any) -> list[dict[str, Any]]:
    return _pages(c("ec2"), "describe_subnets", "Subnets")


def ec2_security_groups(c: Any) -> list[dict[str, Any]]:
    return _pages(c("ec2"), "describe_security_groups", "SecurityGroups")


def ec2_flow_logs(c: Any) -> list[dict[str, Any]]:
    return _pages(c("ec2"), "describe_flow_logs", "FlowLogs")


def ec2_volumes(c: Any) -> list[dict[str, Any]]:
    return _pages(c("ec2"), "describe_volumes", "Volumes")


def ec2_instances(c: Any) -> list[dict[str, Any]]:
    res = _pages(c("ec2"), "describe_instances", "Reservations")
    return [i for r in res for i in r.get("Instances", [])]


def autoscaling_groups(c: Any) -> list[dict[str, Any]]:
    return _pages(c("autoscaling"), "describe_auto_scaling_groups", "AutoScalingGroups")


def rds_instances(c: Any) -> list[dict[str, Any]]:
    return _pages(c("rds"), "describe_db_instances", "DBInstances")


def rds_clusters(c: Any) -> list[dict[str, Any]]:
    return _pages(c("rds"), "describe_db_clusters", "DBClusters")


def cloudtrail_trails(c: Any) -> list[dict[str, Any]]:
    ct = c("cloudtrail")
    region = ct.meta.region_name
    out = []
    for t in ct.describe_trails(includeShadowTrails=False).get("trailList", []):
        if t.get("HomeRegion", region) != region:
            continue
        status = ct.get_trail_status(Name=t["TrailARN"])
        out.append({**t, "IsLogging": bool(status.get("IsLogging"))})
    return out


def cloudwatch_alarms(c: Any) -> list[dict[str, Any]]:
    return _pages(c("cloudwatch"), "describe_alarms", "MetricAlarms")


def logs_groups(c: Any) -> list[dict[str, Any]]:
    return _pages(c("logs"), "describe_log_groups", "logGroups")


def kms_keys(c: Any) -> list[dict[str, Any]]:
    kms = c("kms")
    out = []
    for k in _pages(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        rotation = None
        if meta.get("KeyManager") == "CUSTOMER" and meta.get("KeySpec", "SYMMETRIC_DEFAULT") == (
            "SYMMETRIC_DEFAULT"
        ):
            rotation = kms.get_key_rotation_status(KeyId=k["KeyId"]).get("KeyRotationEnabled")
        out.append({**meta, "KeyRotationEnabled": rotation})
    return out


def lambda_functions(c: Any) -> list[dict[str, Any]]:
    return _pages(c("lambda"), "list_functions", "Functions")


def elbv2_load_balancers(c: Any) -> list[dict[str, Any]]:
    return _pages(c("elbv2"), "describe_load_balancers", "LoadBalancers")


def elbv2_listeners(c: Any) -> list[dict[str, Any]]:
    elb = c("elbv2")
    out = []
    for lb in _pages(elb, "describe_load_balancers", "LoadBalancers"):
        arn = lb["LoadBalancerArn"]
        out.extend(_pages(elb, "describe_listeners", "Listeners", LoadBalancerArn=arn))
    return out


def wafv2_web_acls(c: Any) -> list[dict[str, Any]]:
    """Regional web ACLs with ``ResourceArns``: the region's load balancers each is associated
    with, found with GetWebACLForResource per load balancer (moto 5.2.5 answers
    ListResourcesForWebACL with a 500; check on a moto upgrade)."""
    waf = c("wafv2")
    acls = {
        a["ARN"]: {**a, "ResourceArns": []} for a in waf.list_web_acls(Scope="REGIONAL")["WebACLs"]
    }
    if acls:
        for lb in _pages(c("elbv2"), "describe_load_balancers", "LoadBalancers"):
            found = _opt(
                waf.get_web_acl_for_resource,
                {"ResourceArn": lb["LoadBalancerArn"]},
                "WAFNonexistentItemException",
            )
            arn = ((found or {}).get("WebACL") or {}).get("ARN")
            if arn in acls:
                acls[arn]["ResourceArns"].append(lb["LoadBalancerArn"])
    return list(acls.values())


def sns_topics(c: Any) -> list[dict[str, Any]]:
    sns = c("sns")
    return [
        {
            "TopicArn": t["TopicArn"],
            **sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"],
        }
        for t in _pages(sns, "list_topics", "Topics")
    ]


def sqs_queues(c: Any) -> list[dict[str, Any]]:
    sqs = c("sqs")
    out = []
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        out.append({"QueueUrl": url, **attrs})
    return out


def dynamodb_tables(c: Any) -> list[dict[str, Any]]:
    ddb = c("dynamodb")
    out = []
    for name in _pages(ddb, "list_tables", "TableNames"):
        table = ddb.describe_table(TableName=name)["Table"]
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        pitr = backups.get("PointInTimeRecoveryDescription", {})
        out.append({**table, "PointInTimeRecoveryStatus": pitr.get("PointInTimeRecoveryStatus")})
    return out


def backup_plans(c: Any) -> list[dict[str, Any]]:
    bk = c("backup")
    out = []
    for p in _pages(bk, "list_backup_plans", "BackupPlansList"):
        plan = bk.get_backup_plan(BackupPlanId=p["BackupPlanId"])
        out.append({**p, "BackupPlan": plan.get("BackupPlan")})
    return out


def config_recorders(c: Any) -> list[dict[str, Any]]:
    cfg = c("config")
    status = {
        s["name"]: s
        for s in cfg.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
    }
    return [
        {**r, "recording": bool(status.get(r["name"], {}).get("recording"))}
        for r in cfg.describe_configuration_recorders().get("ConfigurationRecorders", [])
    ]


def guardduty_detectors(c: Any) -> list[dict[str, Any]]:
    gd = c("guardduty")
    return [
        {"DetectorId": d, **gd.get_detector(DetectorId=d)}
        for d in gd.list_detectors().get("DetectorIds", [])
    ]


GLOBAL_FAMILIES: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "s3_buckets": s3_buckets,
    "iam_roles": iam_roles,
    "iam_users": iam_users,
    "iam_policies": iam_policies,
    "iam_account": iam_account,
}
REGIONAL_FAMILIES: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    f.__name__: f
    for f in (
        ec2_vpcs,
        ec2_subnets,
        ec2_security_groups,
        ec2_flow_logs,
        ec2_volumes,
        ec2_instances,
        autoscaling_groups,
        rds_instances,
        rds_clusters,
        cloudtrail_trails,
        cloudwatch_alarms,
        logs_groups,
        kms_keys,
        lambda_functions,
        elbv2_load_balancers,
        elbv2_listeners,
        wafv2_web_acls,
        sns_topics,
        sqs_queues,
        dynamodb_tables,
        backup_plans,
        config_recorders,
        guardduty_detectors,
    )
}
