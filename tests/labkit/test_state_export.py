"""labkit export-state: the emulator account as cloudlabs.account-state/1 JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from labkit.emulator.process import EmulatorProcess
from labkit.state_export import GLOBAL_FAMILIES, REGIONAL_FAMILIES, SCHEMA, export_state
from tests.conftest import emulator_client

REGION = "us-east-1"


@pytest.fixture(scope="module")
def emu():
    with EmulatorProcess.spawn() as e:
        yield e


def client(emu, service: str, region: str = REGION):
    return emulator_client(emu.endpoint_url, service, region)


@pytest.fixture(scope="module")
def built(emu):
    """A few resources with settings the export must carry."""
    tag = uuid.uuid4().hex[:6]
    s3 = client(emu, "s3")
    bucket = f"data-{tag}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    plain = f"plain-{tag}"
    s3.create_bucket(Bucket=plain)
    kms = client(emu, "kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key)
    logs = client(emu, "logs")
    logs.create_log_group(logGroupName=f"/app/{tag}")
    logs.put_retention_policy(logGroupName=f"/app/{tag}", retentionInDays=30)
    ec2 = client(emu, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName=f"web-{tag}", Description="web", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=sg["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    elb = client(emu, "elbv2")
    lbs = [
        elb.create_load_balancer(Name=f"{n}-{tag}", Subnets=subnets)["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
        for n in ("guarded", "bare")
    ]
    waf = client(emu, "wafv2")
    acl = waf.create_web_acl(
        Name=f"acl-{tag}",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": False,
            "CloudWatchMetricsEnabled": False,
            "MetricName": "m",
        },
    )["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lbs[0])
    west = client(emu, "sqs", "us-west-2")
    west.create_queue(QueueName=f"jobs-{tag}")
    return {
        "bucket": bucket,
        "plain": plain,
        "key": key,
        "vpc": vpc,
        "sg": sg["GroupId"],
        "tag": tag,
        "acl": acl,
        "lbs": lbs,
    }


@pytest.fixture(scope="module")
def doc(emu, built):
    return export_state(emu.endpoint_url, [REGION, "us-west-2"])


def test_every_family_is_read_and_json_serialisable(doc):
    assert doc["schema"] == SCHEMA
    assert doc["account_id"] == "123456789012"
    assert set(doc["families"]) == set(GLOBAL_FAMILIES) | set(REGIONAL_FAMILIES)
    failed = {f: v["error"] for f, v in doc["families"].items() if v["status"] != "ok"}
    assert failed == {}
    assert doc["errors"] == []
    assert json.loads(json.dumps(doc)) == doc


def test_s3_settings_are_exported(doc, built):
    buckets = {b["name"]: b for b in doc["resources"]["s3_buckets"]}
    b, p = buckets[built["bucket"]], buckets[built["plain"]]
    assert b["versioning"] == "Enabled" and p["versioning"] is None
    assert b["public_access_block"]["RestrictPublicBuckets"] is True
    assert p["public_access_block"] is None
    assert b["region"] == REGION


def test_regional_resources_carry_their_region(doc, built):
    keys = {k["KeyId"]: k for k in doc["resources"]["kms_keys"]}
    assert keys[built["key"]]["KeyRotationEnabled"] is True
    assert keys[built["key"]]["region"] == REGION
    groups = {g["logGroupName"]: g for g in doc["resources"]["logs_groups"]}
    assert groups[f"/app/{built['tag']}"]["retentionInDays"] == 30
    sgs = {g["GroupId"]: g for g in doc["resources"]["ec2_security_groups"]}
    perm = sgs[built["sg"]]["IpPermissions"][0]
    assert (perm["FromPort"], perm["IpRanges"][0]["CidrIp"]) == (22, "0.0.0.0/0")
    queues = [q for q in doc["resources"]["sqs_queues"] if built["tag"] in q["QueueUrl"]]
    assert [q["region"] for q in queues] == ["us-west-2"]
    # global families are read once, not per region
    names = [b["name"] for b in doc["resources"]["s3_buckets"]]
    assert names.count(built["bucket"]) == 1


def test_web_acls_list_the_load_balancers_they_guard(doc, built):
    acls = {a["ARN"]: a for a in doc["resources"]["wafv2_web_acls"]}
    assert acls[built["acl"]]["ResourceArns"] == [built["lbs"][0]]
    assert acls[built["acl"]]["region"] == REGION
    west = [a for a in doc["resources"]["wafv2_web_acls"] if a["region"] == "us-west-2"]
    assert west == []


def test_a_failing_family_is_recorded_not_fatal(emu, built):
    # A region the emulator rejects for one service only would be hard to arrange; an
    # unreachable endpoint makes every family fail, and the export still completes.
    dead = export_state("http://127.0.0.1:9", [REGION], families=["s3_buckets", "kms_keys"])
    assert {e["family"] for e in dead["errors"]} == {"account", "s3_buckets", "kms_keys"}
    assert dead["families"]["kms_keys"]["status"] == "error"
    assert "Could not connect" in dead["families"]["kms_keys"]["error"]
    with pytest.raises(ValueError, match="unknown families: nope"):
        export_state(emu.endpoint_url, [REGION], families=["nope"])


def test_cli_writes_the_portfolio_state_file(emu, built, tmp_path: Path):
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": emu.endpoint_url,
        "LABKIT_PORTFOLIO_DIR": str(tmp_path / "pf"),
        "LABKIT_HOME": str(tmp_path / "home"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "labkit", "export-state", "--regions", REGION],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    out = tmp_path / "pf" / "state" / "account.json"
    assert str(out) in run.stdout
    doc = json.loads(out.read_text())
    assert doc["regions"] == [REGION]
    assert built["bucket"] in {b["name"] for b in doc["resources"]["s3_buckets"]}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    run = subprocess.run(
        [sys.executable, "-m", "labkit", "export-state", "--out", str(tmp_path / "x.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "no emulator answers" in run.stderr


def test_cli_to_stdout_with_regions(emu, built, monkeypatch, capsys):
    from labkit.cli import main

    monkeypatch.setenv("AWS_ENDPOINT_URL", emu.endpoint_url)
    code = main(["export-state", "--out", "-", "--regions", "us-west-2"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["regions"] == ["us-west-2"]
    assert {q["region"] for q in doc["resources"]["sqs_queues"]} == {"us-west-2"}
    assert all(k["region"] == "us-west-2" for k in doc["resources"]["kms_keys"])
