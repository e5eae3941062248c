"""Synthetic account-state exports (schema ``cloudlabs.account-state/1``) for the sample cohort.

:func:`account_state` builds what ``labkit export-state`` (``labkit/state_export.py``) would
write for a learner's account, resource shapes as the AWS APIs return them, at one of five
postures: 0 (weak: public buckets, open SSH, admin policies, no trail) to 4 (exemplary: every
control the Config-style rules look at). Each control switches on at a fixed posture, so a
higher posture is never less compliant than a lower one. No emulator is involved.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops-alerts"


def account_state(learner: str, posture: int) -> dict[str, Any]:
    """The account-state document of one learner at posture 0..4."""
    if posture not in range(5):
        raise ValueError(f"posture must be 0..4, got {posture!r}")

    def on(at: int) -> bool:
        return posture >= at

    buckets = [
        _bucket(f"{learner}-{name}", on, i) for i, name in enumerate(("web", "lake", "logs"))
    ]
    resources: dict[str, list[dict[str, Any]]] = {
        "s3_buckets": buckets,
        "iam_roles": [_role("app-role", on)],
        "iam_users": [_user(f"{learner}-admin", on)],
        "iam_policies": [_policy(on)],
        "iam_account": [
            {
                "root_access_keys_present": 0 if on(1) else 1,
                "root_mfa_enabled": 1 if on(2) else 0,
                "summary": {"AccountMFAEnabled": 1 if on(2) else 0},
            }
        ],
        "ec2_vpcs": [{"VpcId": "vpc-0a1", "CidrBlock": "10.0.0.0/16", "IsDefault": False}],
        "ec2_subnets": [
            {
                "SubnetId": f"subnet-0{i}",
                "VpcId": "vpc-0a1",
                "AvailabilityZone": az,
                "CidrBlock": f"10.0.{i}.0/24",
                "MapPublicIpOnLaunch": not on(2) and i == 0,
            }
            for i, az in enumerate(AZS[: 1 + min(posture, 2)])
        ],
        "ec2_security_groups": [_security_group(on)],
        "ec2_flow_logs": (
            [{"FlowLogId": "fl-01", "ResourceId": "vpc-0a1", "FlowLogStatus": "ACTIVE"}]
            if on(2)
            else []
        ),
        "ec2_volumes": [
            {"VolumeId": "vol-01", "Encrypted": on(2), "Size": 20, "State": "in-use"},
        ],
        "ec2_instances": [_instance(on)],
        "rds_instances": [_db(learner, on)],
        "rds_clusters": [],
        "cloudtrail_trails": _trails(on),
        "cloudwatch_alarms": _alarms(on),
        "logs_groups": [
            {
                "logGroupName": "/app/web",
                "retentionInDays": 400 if on(3) else (90 if on(2) else 3),
                **({"kmsKeyId": KMS_KEY} if on(4) else {}),
            }
        ],
        "kms_keys": [
            {
                "KeyId": KMS_KEY.rsplit("/", 1)[1],
                "Arn": KMS_KEY,
                "KeyManager": "CUSTOMER",
                "KeyState": "Enabled",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "KeyRotationEnabled": on(3),
            }
        ]
        if on(1)
        else [],
        "lambda_functions": [
            {
                "FunctionName": "ingest",
                "Runtime": "python3.12" if on(2) else "python3.7",
                "TracingConfig": {"Mode": "Active" if on(4) else "PassThrough"},
                **({"DeadLetterConfig": {"TargetArn": TOPIC}} if on(3) else {}),
            }
        ],
        "elbv2_load_balancers": [
            {
                "LoadBalancerArn": LB_ARN,
                "LoadBalancerName": "web",
                "Scheme": "internet-facing",
                "Type": "application",
                "AvailabilityZones": [{"ZoneName": az} for az in AZS[: 1 + min(posture, 2)]],
            }
        ],
        "elbv2_listeners": [_listener(on)],
        "autoscaling_groups": [
            {
                "AutoScalingGroupName": "web",
                "MinSize": 2 if on(2) else 1,
                "MaxSize": 12 if on(2) else 1,
                "AvailabilityZones": list(AZS[: 1 + min(posture, 2)]),
                "TargetGroupARNs": [LB_ARN.replace(":loadbalancer/app/", ":targetgroup/")],
                "HealthCheckType": "ELB" if on(3) else "EC2",
            }
        ],
        "wafv2_web_acls": ([{"Name": "web-acl", "ResourceArns": [LB_ARN]}] if on(4) else []),
        "sns_topics": [{"TopicArn": TOPIC, **({"KmsMasterKeyId": KMS_KEY} if on(3) else {})}],
        "sqs_queues": [
            {
                "QueueUrl": f"http://sqs.{REGION}.localhost/{ACCOUNT}/orders",
                "SqsManagedSseEnabled": "true" if on(3) else "false",
            }
        ],
        "dynamodb_tables": [
            {
                "TableName": "sessions",
                "PointInTimeRecoveryStatus": "ENABLED" if on(3) else "DISABLED",
                **({"SSEDescription": {"Status": "ENABLED", "SSEType": "KMS"}} if on(3) else {}),
            }
        ],
        "backup_plans": (
            [
                {
                    "BackupPlanId": "bp-01",
                    "BackupPlanName": "daily",
                    "BackupPlan": {
                        "Rules": [
                            {
                                "RuleName": "daily",
                                "ScheduleExpression": "cron(0 5 ? * * *)",
                                "Lifecycle": {"DeleteAfterDays": 35 if on(3) else 7},
                            }
                        ]
                    },
                }
            ]
            if on(2)
            else []
        ),
        "config_recorders": (
            [
                {
                    "name": "default",
                    "recordingGroup": {"allSupported": True},
                    "recording": True,
                }
            ]
            if on(3)
            else []
        ),
        "guardduty_detectors": [{"DetectorId": "gd-01", "Status": "ENABLED"}] if on(3) else [],
    }
    for family, items in resources.items():
        if not family.startswith(("s3_", "iam_")):
            for item in items:
                item["region"] = REGION
    return {
        "schema": "cloudlabs.account-state/1",
        "exported_at": "2026-11-20T12:00:00Z",
        "endpoint_url": "http://127.0.0.1:4566",
        "account_id": ACCOUNT,
        "regions": [REGION],
        "resources": resources,
        "families": {
            name: {"status": "ok", "count": len(items), "error": None}
            for name, items in resources.items()
        },
        "errors": [],
    }


def _bucket(name: str, on, index: int) -> dict[str, Any]:
    sse = (
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY}
        if on(3)
        else {"SSEAlgorithm": "AES256"}
    )
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
        ],
    }
    return {
        "name": name,
        "region": REGION,
        "versioning": "Enabled" if on(2) or (on(1) and index == 0) else None,
        "encryption": {"Rules": [{"ApplyServerSideEncryptionByDefault": sse}]} if on(1) else None,
        "public_access_block": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        )
        if on(2)
        else None,
        "policy": tls_only if on(3) else (public_read if not on(1) and index == 0 else None),
        "acl_grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": "owner"}, "Permission": "FULL_CONTROL"}
        ],
        "logging": {"TargetBucket": name.rsplit("-", 1)[0] + "-logs", "TargetPrefix": "s3/"}
        if on(3)
        else None,
        "replication": {
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [{"ID": "dr", "Status": "Enabled", "Destination": {"Bucket": f"{name}-dr"}}],
        }
        if on(4)
        else None,
    }


def _role(name: str, on) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "assume_role_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "inline_policies": {},
        "attached_policies": [f"arn:aws:iam::{ACCOUNT}:policy/app-access"]
        if on(2)
        else ["arn:aws:iam::aws:policy/AdministratorAccess"],
    }


def _user(name: str, on) -> dict[str, Any]:
    return {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "mfa_devices": [f"arn:aws:iam::{ACCOUNT}:mfa/{name}"] if on(2) else [],
        "console_access": True,
        "access_keys": [] if on(3) else [{"id": "AKIA" + "SAMPLEKEY0000001", "status": "Active"}],
        "inline_policies": {},
        "attached_policies": [] if on(2) else ["arn:aws:iam::aws:policy/AdministratorAccess"],
    }


def _policy(on) -> dict[str, Any]:
    if on(2):
        statement = [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::app-*/*",
            }
        ]
    else:
        statement = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    return {
        "name": "app-access",
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/app-access",
        "attachment_count": 1,
        "document": {"Version": "2012-10-17", "Statement": statement},
    }


def _security_group(on) -> dict[str, Any]:
    https = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    ssh = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0" if not on(2) else "10.0.0.0/16"}],
    }
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    perms = [https, ssh] + ([everything] if not on(1) else [])
    return {
        "GroupId": "sg-0web",
        "GroupName": "web",
        "VpcId": "vpc-0a1",
        "IpPermissions": perms,
        "IpPermissionsEgress": [everything],
    }


def _instance(on) -> dict[str, Any]:
    return {
        "InstanceId": "i-0web",
        "InstanceType": "t3.small",
        "State": {"Name": "running"},
        "SubnetId": "subnet-00",
        "VpcId": "vpc-0a1",
        "MetadataOptions": {"HttpTokens": "required" if on(3) else "optional"},
        "Monitoring": {"State": "enabled" if on(3) else "disabled"},
        "IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/app"}
        if on(2)
        else None,
        **({} if on(2) else {"PublicIpAddress": "54.0.0.10"}),
    }


def _db(learner: str, on) -> dict[str, Any]:
    return {
        "DBInstanceIdentifier": f"{learner}-orders",
        "DBInstanceClass": "db.t3.medium",
        "Engine": "postgres",
        "EngineVersion": "15.4",
        "DBInstanceStatus": "available",
        "StorageEncrypted": on(1),
        **({"KmsKeyId": KMS_KEY} if on(1) else {}),
        "MultiAZ": on(2),
        "PubliclyAccessible": not on(1),
        "BackupRetentionPeriod": 7 if on(2) else (1 if on(1) else 0),
        "DeletionProtection": on(3),
        "AutoMinorVersionUpgrade": on(2),
        "IAMDatabaseAuthenticationEnabled": on(4),
        "EnabledCloudwatchLogsExports": ["postgresql"] if on(3) else [],
    }


def _trails(on) -> list[dict[str, Any]]:
    if not on(1):
        return []
    return [
        {
            "Name": "org-trail",
            "TrailARN": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-trail",
            "S3BucketName": "trail-logs",
            "HomeRegion": REGION,
            "IsMultiRegionTrail": on(2),
            "IncludeGlobalServiceEvents": on(2),
            "LogFileValidationEnabled": on(3),
            **({"KmsKeyId": KMS_KEY} if on(4) else {}),
            **(
                {"CloudWatchLogsLogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:trail"}
                if on(3)
                else {}
            ),
            "IsLogging": True,
        }
    ]


def _alarms(on) -> list[dict[str, Any]]:
    if not on(1):
        return []
    names = ["api-p95-latency", "web-5xx"] + (["rds-cpu", "replica-lag"] if on(3) else [])
    return [
        {
            "AlarmName": name,
            "MetricName": name,
            "Namespace": "App",
            "ActionsEnabled": on(2),
            "AlarmActions": [TOPIC] if on(2) else [],
            "StateValue": "OK",
        }
        for name in names
    ]


def _listener(on) -> dict[str, Any]:
    return {
        "ListenerArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/1/2",
        "Port": 443 if on(2) else 80,
        "Protocol": "HTTPS" if on(2) else "HTTP",
        **({"SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"} if on(2) else {}),
    }
