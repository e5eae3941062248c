"""Each state rule on a compliant and a non-compliant account state (plain dicts)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from grader.rubric.rules import COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RULES, RuleResult, run

R = "us-east-1"
PAB_ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
SSL_DENY = {
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
}
PUBLIC_READ = {
    "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
}
ALL_USERS = {"URI": "http://acs.amazonaws.com/groups/global/AllUsers", "Type": "Group"}


def state(family: str, *items: dict[str, Any], **more: list[dict[str, Any]]) -> dict[str, Any]:
    res = {family: [dict(i) for i in items], **more}
    return {
        "schema": "cloudlabs.account-state/1",
        "regions": [R],
        "resources": res,
        "families": {f: {"status": "ok", "count": len(v), "error": None} for f, v in res.items()},
    }


def bucket(**kw: Any) -> dict[str, Any]:
    return {"name": "data", "region": R, **kw}


def sg(*perms: dict[str, Any]) -> dict[str, Any]:
    return {"GroupId": "sg-1", "GroupName": "web", "region": R, "IpPermissions": list(perms)}


def tcp(port: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def db(**kw: Any) -> dict[str, Any]:
    return {"DBInstanceIdentifier": "orders", "region": R, **kw}


def cluster(**kw: Any) -> dict[str, Any]:
    return {"DBClusterIdentifier": "aurora", "region": R, **kw}


def asg(**kw: Any) -> dict[str, Any]:
    return {"AutoScalingGroupName": "web", "region": R, **kw}


def trail(**kw: Any) -> dict[str, Any]:
    return {"Name": "org", "region": R, "IsLogging": True, **kw}


def fn(**kw: Any) -> dict[str, Any]:
    return {"FunctionName": "api", "region": R, "Runtime": "python3.12", "MemorySize": 256, **kw}


LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/abc/def"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/abc"
ADMIN = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCOPED = {
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::d/*"}]
}

# rule -> (compliant state, non-compliant state)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "s3-bucket-versioning-enabled": (
        state("s3_buckets", bucket(versioning="Enabled")),
        state("s3_buckets", bucket(versioning="Enabled"), bucket(name="b", versioning="Suspended")),
    ),
    "s3-bucket-server-side-encryption-enabled": (
        state(
            "s3_buckets",
            bucket(
                encryption={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
                }
            ),
        ),
        state("s3_buckets", bucket(encryption=None)),
    ),
    "s3-bucket-level-public-access-prohibited": (
        state("s3_buckets", bucket(public_access_block=PAB_ON)),
        state("s3_buckets", bucket(public_access_block={**PAB_ON, "BlockPublicPolicy": False})),
    ),
    "s3-bucket-public-read-prohibited": (
        # a public policy neutralised by RestrictPublicBuckets complies
        state("s3_buckets", bucket(policy=PUBLIC_READ, public_access_block=PAB_ON)),
        state("s3_buckets", bucket(acl_grants=[{"Grantee": ALL_USERS, "Permission": "READ"}])),
    ),
    "s3-bucket-logging-enabled": (
        state("s3_buckets", bucket(logging={"TargetBucket": "logs", "TargetPrefix": "data/"})),
        state("s3_buckets", bucket(logging=None)),
    ),
    "s3-bucket-ssl-requests-only": (
        state("s3_buckets", bucket(policy=SSL_DENY)),
        state("s3_buckets", bucket(policy=PUBLIC_READ)),
    ),
    "s3-bucket-replication-enabled": (
        state("s3_buckets", bucket(replication={"Rules": [{"Status": "Enabled"}]})),
        state("s3_buckets", bucket(replication={"Rules": [{"Status": "Disabled"}]})),
    ),
    "encrypted-volumes": (
        state("ec2_volumes", {"VolumeId": "vol-1", "Encrypted": True}),
        state("ec2_volumes", {"VolumeId": "vol-1", "Encrypted": False}),
    ),
    "dynamodb-pitr-enabled": (
        state("dynamodb_tables", {"TableName": "t", "PointInTimeRecoveryStatus": "ENABLED"}),
        state("dynamodb_tables", {"TableName": "t", "PointInTimeRecoveryStatus": "DISABLED"}),
    ),
    "dynamodb-table-encrypted-kms": (
        state(
            "dynamodb_tables",
            {"TableName": "t", "SSEDescription": {"SSEType": "KMS", "Status": "ENABLED"}},
        ),
        state("dynamodb_tables", {"TableName": "t"}),
    ),
    "rds-storage-encrypted": (
        state("rds_instances", db(StorageEncrypted=True)),
        state("rds_instances", db(StorageEncrypted=False)),
    ),
    "rds-multi-az-support": (
        state("rds_instances", db(MultiAZ=True)),
        state("rds_instances", db(MultiAZ=False)),
    ),
    "rds-instance-deletion-protection-enabled": (
        state("rds_instances", db(DeletionProtection=True)),
        state("rds_instances", db(DeletionProtection=False)),
    ),
    "db-instance-backup-enabled": (
        state("rds_instances", db(BackupRetentionPeriod=7)),
        state("rds_instances", db(BackupRetentionPeriod=0)),
    ),
    "rds-instance-public-access-check": (
        state("rds_instances", db(PubliclyAccessible=False)),
        state("rds_instances", db(PubliclyAccessible=True)),
    ),
    "rds-cluster-encrypted-at-rest": (
        state("rds_clusters", cluster(StorageEncrypted=True)),
        state("rds_clusters", cluster(StorageEncrypted=False)),
    ),
    "rds-cluster-deletion-protection-enabled": (
        state("rds_clusters", cluster(DeletionProtection=True)),
        state("rds_clusters", cluster()),
    ),
    "rds-cluster-multi-az-enabled": (
        state("rds_clusters", cluster(MultiAZ=True)),
        state("rds_clusters", cluster(MultiAZ=False, DBClusterMembers=[{"x": 1}])),
    ),
    "vpc-sg-open-only-to-authorized-ports": (
        state("ec2_security_groups", sg(tcp(443), tcp(80), tcp(5432, "10.0.0.0/16"))),
        state("ec2_security_groups", sg(tcp(443), tcp(3389))),
    ),
    "restricted-ssh": (
        state("ec2_security_groups", sg(tcp(22, "10.0.0.0/8"), tcp(443))),
        state(
            "ec2_security_groups", sg({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
        ),
    ),
    "vpc-flow-logs-enabled": (
        state(
            "ec2_vpcs",
            {"VpcId": "vpc-d", "IsDefault": True},
            {"VpcId": "vpc-1", "IsDefault": False},
            ec2_flow_logs=[{"ResourceId": "vpc-1"}],
        ),
        state(
            "ec2_vpcs",
            {"VpcId": "vpc-1", "IsDefault": False},
            ec2_flow_logs=[{"ResourceId": "vpc-2"}],
        ),
    ),
    "autoscaling-multiple-az": (
        state("autoscaling_groups", asg(AvailabilityZones=["us-east-1a", "us-east-1b"])),
        state("autoscaling_groups", asg(AvailabilityZones=["us-east-1a"])),
    ),
    "autoscaling-group-elb-healthcheck-required": (
        state(
            "autoscaling_groups",
            asg(TargetGroupARNs=["arn:tg"], HealthCheckType="ELB"),
            asg(AutoScalingGroupName="batch", HealthCheckType="EC2"),
        ),
        state("autoscaling_groups", asg(TargetGroupARNs=["arn:tg"], HealthCheckType="EC2")),
    ),
    "ec2-instance-no-public-ip": (
        state("ec2_instances", {"InstanceId": "i-1", "PrivateIpAddress": "10.0.0.5"}),
        state("ec2_instances", {"InstanceId": "i-1", "PublicIpAddress": "54.1.2.3"}),
    ),
    "alb-http-to-https-redirection-check": (
        state(
            "elbv2_listeners",
            {
                "ListenerArn": LISTENER,
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS"}}],
            },
        ),
        state(
            "elbv2_listeners",
            {
                "ListenerArn": LISTENER,
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": [{"Type": "forward"}],
            },
        ),
    ),
    "alb-waf-enabled": (
        state(
            "elbv2_load_balancers",
            {"LoadBalancerArn": LB, "LoadBalancerName": "web", "Type": "application"},
            wafv2_web_acls=[{"Name": "acl", "ResourceArns": [LB]}],
        ),
        state(
            "elbv2_load_balancers",
            {"LoadBalancerArn": LB, "LoadBalancerName": "web", "Type": "application"},
            wafv2_web_acls=[],
        ),
    ),
    "iam-policy-no-statements-with-admin-access": (
        state("iam_policies", {"name": "read", "document": SCOPED}),
        state(
            "iam_policies", {"name": "read", "document": SCOPED}, {"name": "god", "document": ADMIN}
        ),
    ),
    "iam-no-inline-policy-check": (
        state("iam_roles", {"name": "app", "inline_policies": {}}, iam_users=[{"name": "u"}]),
        state("iam_roles", {"name": "app", "inline_policies": {"p": SCOPED}}, iam_users=[]),
    ),
    "iam-user-no-policies-check": (
        state("iam_users", {"name": "u", "attached_policies": [], "inline_policies": {}}),
        state("iam_users", {"name": "u", "attached_policies": ["arn:aws:iam::aws:policy/X"]}),
    ),
    "iam-user-mfa-enabled": (
        state("iam_users", {"name": "u", "mfa_devices": ["arn:aws:iam::1:mfa/u"]}),
        state("iam_users", {"name": "u", "mfa_devices": []}),
    ),
    "iam-root-access-key-check": (
        state("iam_account", {"root_access_keys_present": 0}),
        state("iam_account", {"root_access_keys_present": 1}),
    ),
    "cloudtrail-enabled": (
        state("cloudtrail_trails", trail()),
        state("cloudtrail_trails", trail(IsLogging=False)),
    ),
    "multi-region-cloudtrail-enabled": (
        state("cloudtrail_trails", trail(IsMultiRegionTrail=True)),
        state("cloudtrail_trails", trail(IsMultiRegionTrail=False)),
    ),
    "cloud-trail-log-file-validation-enabled": (
        state("cloudtrail_trails", trail(LogFileValidationEnabled=True)),
        state("cloudtrail_trails", trail(LogFileValidationEnabled=False)),
    ),
    "cloud-trail-encryption-enabled": (
        state("cloudtrail_trails", trail(KmsKeyId="arn:aws:kms:us-east-1:1:key/k")),
        state("cloudtrail_trails", trail()),
    ),
    "cloudwatch-alarm-action-check": (
        state(
            "cloudwatch_alarms",
            {"AlarmName": "p95", "ActionsEnabled": True, "AlarmActions": ["arn:sns"]},
        ),
        state(
            "cloudwatch_alarms",
            {"AlarmName": "p95", "ActionsEnabled": False, "AlarmActions": ["arn:sns"]},
        ),
    ),
    "cw-loggroup-retention-period-check": (
        state(
            "logs_groups", {"logGroupName": "/a", "retentionInDays": 400}, {"logGroupName": "/b"}
        ),
        state("logs_groups", {"logGroupName": "/a", "retentionInDays": 30}),
    ),
    "cloudwatch-log-group-encrypted": (
        state("logs_groups", {"logGroupName": "/a", "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}),
        state("logs_groups", {"logGroupName": "/a"}),
    ),
    "cmk-backing-key-rotation-enabled": (
        state(
            "kms_keys",
            {
                "KeyId": "k1",
                "KeyManager": "CUSTOMER",
                "KeyState": "Enabled",
                "KeyRotationEnabled": True,
            },
            {
                "KeyId": "k2",
                "KeyManager": "AWS",
                "KeyState": "Enabled",
                "KeyRotationEnabled": False,
            },
        ),
        state(
            "kms_keys",
            {
                "KeyId": "k1",
                "KeyManager": "CUSTOMER",
                "KeyState": "Enabled",
                "KeyRotationEnabled": False,
            },
        ),
    ),
    "guardduty-enabled-centralized": (
        state("guardduty_detectors", {"DetectorId": "d", "Status": "ENABLED", "region": R}),
        state("guardduty_detectors", {"DetectorId": "d", "Status": "DISABLED", "region": R}),
    ),
    "lambda-function-settings-check": (
        state(
            "lambda_functions",
            fn(Timeout=30),
            fn(FunctionName="img", PackageType="Image", Runtime=None),
        ),
        state("lambda_functions", fn(Runtime="python2.7")),
    ),
    "lambda-dlq-check": (
        state(
            "lambda_functions", fn(DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:1:dlq"})
        ),
        state("lambda_functions", fn()),
    ),
    "sns-encrypted-kms": (
        state(
            "sns_topics",
            {"TopicArn": "arn:aws:sns:us-east-1:1:alerts", "KmsMasterKeyId": "alias/aws/sns"},
        ),
        state("sns_topics", {"TopicArn": "arn:aws:sns:us-east-1:1:alerts"}),
    ),
    "sqs-queue-encrypted": (
        state("sqs_queues", {"QueueUrl": "http://x/1/jobs", "SqsManagedSseEnabled": "true"}),
        state("sqs_queues", {"QueueUrl": "http://x/1/jobs", "SqsManagedSseEnabled": "false"}),
    ),
    "backup-plan-min-frequency-and-min-retention-check": (
        state(
            "backup_plans",
            {
                "BackupPlanName": "daily",
                "BackupPlan": {
                    "Rules": [
                        {
                            "RuleName": "d",
                            "ScheduleExpression": "cron(0 5 * * ? *)",
                            "Lifecycle": {"DeleteAfterDays": 35},
                        }
                    ]
                },
            },
        ),
        state(
            "backup_plans",
            {
                "BackupPlanName": "daily",
                "BackupPlan": {
                    "Rules": [
                        {
                            "RuleName": "d",
                            "ScheduleExpression": "cron(0 5 * * ? *)",
                            "Lifecycle": {"DeleteAfterDays": 7},
                        }
                    ]
                },
            },
        ),
    ),
}


def statuses(results: list[RuleResult]) -> set[str]:
    return {r.status for r in results}


def test_at_least_25_rules_all_covered_here():
    assert len(RULES) >= 25
    assert set(CASES) == set(RULES), "every rule needs a compliant and a non-compliant case"


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_on_compliant_and_non_compliant_state(name: str):
    good, bad = CASES[name]
    frozen = copy.deepcopy((good, bad))
    ok = run(good, [name])[name]
    assert COMPLIANT in statuses(ok) and NON_COMPLIANT not in statuses(ok), ok
    ko = run(bad, [name])[name]
    assert NON_COMPLIANT in statuses(ko), ko
    assert all(r.rule == name and r.reason for r in ok + ko)
    assert (good, bad) == frozen, "rules must not modify the state"


@pytest.mark.parametrize("name", sorted(RULES))
def test_no_resources_is_not_applicable(name: str):
    empty = {"schema": "cloudlabs.account-state/1", "regions": [], "resources": {}, "families": {}}
    results = run(empty, [name])[name]
    assert statuses(results) == {NOT_APPLICABLE}


def test_account_level_rules_fail_on_an_exported_empty_family():
    empty = state("cloudtrail_trails")
    for name in ("cloudtrail-enabled", "multi-region-cloudtrail-enabled"):
        [r] = run(empty, [name])[name]
        assert (r.resource, r.status) == ("account", NON_COMPLIANT)
    [r] = run(state("guardduty_detectors"), ["guardduty-enabled-centralized"])[
        "guardduty-enabled-centralized"
    ]
    assert (r.resource, r.status) == ("guardduty:us-east-1", NON_COMPLIANT)
    # per-resource rules on an exported empty family: nothing to judge
    [r] = run(state("s3_buckets"), ["s3-bucket-logging-enabled"])["s3-bucket-logging-enabled"]
    assert r.status == NOT_APPLICABLE and "no resources" in r.reason


def test_unexported_family_is_not_applicable_with_the_error():
    good, _ = CASES["rds-storage-encrypted"]
    broken = copy.deepcopy(good)
    broken["families"]["rds_instances"] = {"status": "error", "count": 0, "error": "boom"}
    [result] = run(broken, ["rds-storage-encrypted"])["rds-storage-encrypted"]
    assert result.status == NOT_APPLICABLE and "boom" in result.reason


def test_specific_reasons_name_the_problem():
    _, bad = CASES["vpc-sg-open-only-to-authorized-ports"]
    [r] = run(bad, ["vpc-sg-open-only-to-authorized-ports"])["vpc-sg-open-only-to-authorized-ports"]
    assert "3389" in r.reason and "443" not in r.reason
    _, bad = CASES["iam-policy-no-statements-with-admin-access"]
    res = run(bad, ["iam-policy-no-statements-with-admin-access"])[
        "iam-policy-no-statements-with-admin-access"
    ]
    assert {(r.resource, r.status) for r in res} == {
        ("iam:policy/read", COMPLIANT),
        ("iam:policy/god", NON_COMPLIANT),
    }
    good, _ = CASES["vpc-flow-logs-enabled"]
    res = run(good, ["vpc-flow-logs-enabled"])["vpc-flow-logs-enabled"]
    assert {r.resource.split()[0]: r.status for r in res} == {
        "ec2:vpc/vpc-d": NOT_APPLICABLE,
        "ec2:vpc/vpc-1": COMPLIANT,
    }


def test_unknown_rule_name_is_an_error():
    with pytest.raises(ValueError, match="unknown rules: nope"):
        run({}, ["nope"])
