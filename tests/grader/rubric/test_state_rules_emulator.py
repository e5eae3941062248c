"""End to end: build an account in a spawned emulator with boto3, export it with
`labkit export-state` into a portfolio, run the rules and the collector on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader.rubric.collectors.state_rules import collect
from grader.rubric.portfolio import Portfolio as Reader
from grader.rubric.rules import COMPLIANT, NON_COMPLIANT, RULES, run
from labkit.emulator.process import EmulatorProcess
from labkit.portfolio import Portfolio
from tests.conftest import emulator_client

REGION = "us-east-1"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    Portfolio(root, "erin", name="Erin")
    with EmulatorProcess.spawn() as emu:

        def c(service: str):
            return emulator_client(emu.endpoint_url, service, REGION)

        s3 = c("s3")
        for name in ("secure-data", "plain-data", "trail-logs"):
            s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(
            Bucket="secure-data", VersioningConfiguration={"Status": "Enabled"}
        )
        s3.put_bucket_encryption(
            Bucket="secure-data",
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        s3.put_bucket_acl(Bucket="trail-logs", ACL="log-delivery-write")
        s3.put_bucket_logging(
            Bucket="secure-data",
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": "trail-logs", "TargetPrefix": "s3/"}
            },
        )
        ec2 = c("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=web,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": p,
                    "ToPort": p,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
                for p in (443, 22)
            ],
        )
        ct = c("cloudtrail")
        ct.create_trail(Name="org", S3BucketName="trail-logs", IsMultiRegionTrail=True)
        ct.start_logging(Name="org")
        topic = c("sns").create_topic(Name="alerts")["TopicArn"]
        cw = c("cloudwatch")
        common = {
            "MetricName": "CPUUtilization",
            "Namespace": "AWS/EC2",
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 80.0,
            "ComparisonOperator": "GreaterThanThreshold",
        }
        cw.put_metric_alarm(AlarmName="cpu-paged", AlarmActions=[topic], **common)
        cw.put_metric_alarm(AlarmName="cpu-silent", **common)
        key = c("kms").create_key()["KeyMetadata"]["KeyId"]
        c("kms").enable_key_rotation(KeyId=key)
        ddb = c("dynamodb")
        ddb.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_continuous_backups(
            TableName="orders",
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        iam = c("iam")
        iam.create_policy(PolicyName="god-mode", PolicyDocument=json.dumps(ADMIN))
        iam.create_user(UserName="dev")
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": emu.endpoint_url,
            "LABKIT_PORTFOLIO_DIR": str(root),
            "AWS_DEFAULT_REGION": REGION,
        }
        proc = subprocess.run(
            [sys.executable, "-m", "labkit", "export-state"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
    return Reader.load(root)


def status_of(results, resource_prefix: str) -> str:
    [r] = [r for r in results if r.resource.startswith(resource_prefix)]
    return r.status


def test_the_export_lands_in_the_portfolio(exported: Reader):
    state = exported.state()
    assert state["schema"] == "cloudlabs.account-state/1"
    assert state["errors"] == []


def test_rules_judge_what_was_built(exported: Reader):
    res = run(exported.state())
    v = res["s3-bucket-versioning-enabled"]
    assert status_of(v, "s3:bucket/secure-data") == COMPLIANT
    assert status_of(v, "s3:bucket/plain-data") == NON_COMPLIANT
    enc = res["s3-bucket-server-side-encryption-enabled"]
    assert status_of(enc, "s3:bucket/secure-data") == COMPLIANT
    assert status_of(res["s3-bucket-logging-enabled"], "s3:bucket/secure-data") == COMPLIANT
    ssh = [r for r in res["restricted-ssh"] if " web " in f"{r.resource} "]
    assert [r.status for r in ssh] == [NON_COMPLIANT]
    web = [r for r in res["vpc-sg-open-only-to-authorized-ports"] if " web " in f"{r.resource} "]
    assert [r.status for r in web] == [NON_COMPLIANT] and "22-22" in web[0].reason
    assert [r.status for r in res["cloudtrail-enabled"]] == [COMPLIANT]
    assert [r.status for r in res["multi-region-cloudtrail-enabled"]] == [COMPLIANT]
    alarms = res["cloudwatch-alarm-action-check"]
    assert status_of(alarms, "cloudwatch:alarm/cpu-paged") == COMPLIANT
    assert status_of(alarms, "cloudwatch:alarm/cpu-silent") == NON_COMPLIANT
    assert {r.status for r in res["cmk-backing-key-rotation-enabled"]} == {COMPLIANT}
    assert status_of(res["dynamodb-pitr-enabled"], "dynamodb:table/orders") == COMPLIANT
    assert status_of(res["iam-policy-no-statements-with-admin-access"], "iam:policy/god-mode") == (
        NON_COMPLIANT
    )
    assert status_of(res["iam-user-mfa-enabled"], "iam:user/dev") == NON_COMPLIANT
    # the default VPC is not applicable; the learner's VPC has no flow log
    judged = [r.status for r in res["vpc-flow-logs-enabled"] if r.status != "NOT_APPLICABLE"]
    assert judged == [NON_COMPLIANT]


def test_collector_levels_from_the_export(exported: Reader):
    ev = {e.sub_criterion: e for e in collect(exported)}
    sec = ev["operational.security"]
    assert not sec.missing and sec.level is not None and sec.level < 3
    failing = {(f["rule"], f["resource"].split()[0]) for f in sec.details["failing"]}
    assert ("iam-policy-no-statements-with-admin-access", "iam:policy/god-mode") in failing
    assert ("iam-user-mfa-enabled", "iam:user/dev") in failing
    # an independent recount of the ratio from the per-rule results
    res = run(exported.state())
    shares = []
    for name, results in res.items():
        judged = [r for r in results if r.status in (COMPLIANT, NON_COMPLIANT)]
        if judged and "operational.security" in RULES[name].informs:
            shares.append(sum(r.status == COMPLIANT for r in judged) / len(judged))
    assert sec.details["ratio"] == pytest.approx(sum(shares) / len(shares), abs=1e-4)
