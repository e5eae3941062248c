# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Project 4 · Week 14 · Day 5-7: Application Tier Replication
#
# ## The scenario
#
# The trading firm's order book now replicates to us-west-2 (last lab). A database without the
# application in front of it recovers nothing, though: within the **15-minute RTO** the DR region
# must also run the trading application, at the release that runs in us-east-1, behind a load
# balancer, and something must know whether it is healthy.
#
# Keeping a full fleet idle in us-west-2 would double the compute bill. The firm's design is a
# **pilot light**: everything is defined in the DR region, but the Auto Scaling group waits at
# **zero** instances. On failover the DR orchestrator (Week 15) executes one scaling policy and
# the group launches the fleet from an AMI that is **already in us-west-2**: copying an image
# across regions takes minutes that a failover does not have.
#
# You work against an **emulated AWS account** with plain `boto3`. The emulator launches
# instances as records (nothing boots), but Route 53 health checks **really probe**: you will run
# the DR application as a small HTTP service on 127.0.0.2 (the emulator's stand-in for an
# address in us-west-2) and watch Route 53 see it go up and down.
#
# **Estimated time: 4-5 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | The release's AMI, built from the golden instance in us-east-1 | EC2 (AMI) | 2 |
# | 2 | The AMI copied to us-west-2, encrypted with the DR region's key | EC2 (AMI), KMS | 3 |
# | 3 | A DR launch template: the copied AMI, IMDSv2, no public IP, encrypted volumes | EC2 | 3 |
# | 4 | A target group and the DR Auto Scaling group, scaled to zero | ELB, Auto Scaling | 3 |
# | 5 | A failover scaling policy and a steady-state target-tracking policy | Auto Scaling | 3 |
# | 6 | The DR app's `/health` and a Route 53 health check that probes it | Route 53, CloudWatch | 2 |
# | 7 | The runbook for scaling the DR tier up | portfolio | 2 |
#
# By the end you should be able to:
#
# - build an AMI from an instance and copy it to another region with encryption and tags;
# - write a launch template that meets a bank's baseline (IMDSv2, private only, encrypted);
# - keep a DR fleet at zero and bring it up with one API call;
# - choose between simple, step and target-tracking scaling policies;
# - expose a health endpoint and let Route 53 decide whether a region is serving.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and seeds the network, the
#   golden instance of the release pipeline (us-east-1) and the DR region's EBS key.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see, and re-checks the account from outside your notebook; one of them executes your
#   failover policy and looks at what the group launches.
# - Write code that can be **run again**: look resources up by name before creating them.
# - Emulated time runs 20 times faster (`time_scale: 0.05`): Route 53 probes every 0.5 s instead
#   of every 10 s.
# - Broken state? `labkit reset` in a terminal empties the emulator; re-run from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

import labkit
from labkit.checks import expect, tag

lab = labkit.start_lab("p4_w14_app_tier")
names = lab.names
PRIMARY, DR = names["primary_region"], names["dr_region"]
ec2_east = lab.client("ec2", PRIMARY)
ec2_west = lab.client("ec2", DR)
autoscaling = lab.client("autoscaling", DR)
elbv2 = lab.client("elbv2", DR)
kms_west = lab.client("kms", DR)
route53 = lab.client("route53")
cloudwatch = lab.client("cloudwatch", PRIMARY)  # Route 53 metrics live in us-east-1
DR_PRIVATE_SUBNETS = names["private_subnets_dr"].split(",")
FAILOVER_CAPACITY = int(names["failover_capacity"])

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for key in ("golden_instance_id", "vpc_dr", "sg_app_dr", "ebs_key_arn"):
    print(f"{key:20} {names[key]}")
print(f"{'DR private subnets':20} {DR_PRIVATE_SUBNETS}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **look-up helpers** the checks use; they only read. `image(ec2)` finds
# the AMI named `names["ami_name"]` through a region's client; `template_data()` is the latest
# version of the DR launch template; `dr_group()` and `policies()` describe the Auto Scaling group
# and its policies; `health_check()` finds the Route 53 health check tagged
# `Name=names["health_check"]`; `probed_status(id)` and `route53_verdict(id)` read what Route 53
# observed (task 6 explains the difference); `eventually(fn, timeout)` polls until `fn` returns
# something truthy.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def image(ec2) -> dict:
    """The one available AMI named ``names['ami_name']`` that this account owns in ec2's region."""
    region = ec2.meta.region_name
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [names["ami_name"]]}]
    )["Images"]
    live = [i for i in found if i.get("State") != "deregistered"]
    expect(live, f"no AMI named {names['ami_name']!r} in {region} yet")
    expect(len(live) == 1, f"{len(live)} AMIs are named {names['ami_name']} in {region}")
    return live[0]


def key_arn(key_id: str | None) -> str | None:
    """A us-west-2 KMS key id, alias or ARN as the key's ARN (a key us-west-2 does not know
    stays as it is)."""
    if not key_id:
        return None
    try:
        return kms_west.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    except kms_west.exceptions.NotFoundException:
        return key_id


def launch_template() -> dict:
    found = ec2_west.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": [names["launch_template"]]}]
    )["LaunchTemplates"]
    expect(found, f"no launch template {names['launch_template']!r} in {DR} yet (task 3)")
    return found[0]


def template_data(version: str = "$Latest") -> dict:
    lt = launch_template()
    versions = ec2_west.describe_launch_template_versions(
        LaunchTemplateId=lt["LaunchTemplateId"], Versions=[version]
    )["LaunchTemplateVersions"]
    expect(versions, f"launch template {lt['LaunchTemplateName']} has no version {version}")
    return versions[0]["LaunchTemplateData"]


def dr_group() -> dict:
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])
    expect(found["AutoScalingGroups"], f"no Auto Scaling group {names['asg']!r} in {DR} yet")
    return found["AutoScalingGroups"][0]


def target_group() -> dict:
    try:
        return elbv2.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]
    except elbv2.exceptions.TargetGroupNotFoundException:
        raise AssertionError(f"no target group {names['target_group']!r} in {DR} yet") from None


def policies() -> dict[str, dict]:
    found = autoscaling.describe_policies(AutoScalingGroupName=names["asg"])["ScalingPolicies"]
    return {p["PolicyName"]: p for p in found}


def health_check() -> dict:
    for hc in route53.list_health_checks()["HealthChecks"]:
        tags = route53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"])
        pairs = {t["Key"]: t["Value"] for t in tags["ResourceTagSet"].get("Tags", [])}
        if pairs.get("Name") == names["health_check"]:
            return hc
    raise AssertionError(f"no Route 53 health check tagged Name={names['health_check']!r} yet")


def probed_status(health_check_id: str) -> str | None:
    """'healthy' or 'unhealthy' when every checker's last observation agrees, else None."""
    seen = route53.get_health_check_status(HealthCheckId=health_check_id)["HealthCheckObservations"]
    states = {o["StatusReport"]["Status"].startswith("Success") for o in seen}
    if states == {True}:
        return "healthy"
    if states == {False}:
        return "unhealthy"
    return None


def route53_verdict(health_check_id: str) -> str | None:
    """Route 53's verdict on the check ('healthy' or 'unhealthy'), which changes only after
    FailureThreshold probes agree: the latest value of its HealthCheckStatus metric (1 or 0)."""
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Dimensions=[{"Name": "HealthCheckId", "Value": health_check_id}],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=1,
        Statistics=["Minimum"],
    )["Datapoints"]
    if not points:
        return None
    latest = max(points, key=lambda p: p["Timestamp"])
    return "healthy" if latest["Minimum"] == 1 else "unhealthy"


def eventually(fn, timeout: float = 10.0):
    """Poll ``fn`` every 0.1 s until it returns something truthy or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · The release's AMI in us-east-1 (2 points)
#
# The release pipeline has built and tested version `names["app_version"]` of the trading
# application on a **golden instance** (`names["golden_instance_id"]`, tagged
# `Name=trading-platform-app-golden`). Every server of that release, in either region, must
# boot from an image of exactly that instance: an **AMI**.
#
# Create it in us-east-1 (`ec2_east.create_image`) from the golden instance, named
# `names["ami_name"]` (`trading-platform-app-1.4.2`), with a description and the tags
# `App=trading-platform` and `Version=<names["app_version"]>` on the image
# (`TagSpecifications=[{"ResourceType": "image", "Tags": [...]}]`). On AWS `create_image`
# reboots the instance for a consistent file system unless `NoReboot=True`; the golden instance
# serves no traffic, so let it reboot. Wait until the image is `available` (waiter
# `image_available`). Re-running: look the image up by name first (`describe_images(
# Owners=["self"], Filters=[{"Name": "name", ...}])`); AMI names are unique per region.

# %% nbgrader={"grade": false, "grade_id": "ami_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
APP_TAGS = [
    {"Key": "App", "Value": "trading-platform"},
    {"Key": "Version", "Value": names["app_version"]},
]
existing = ec2_east.describe_images(
    Owners=["self"], Filters=[{"Name": "name", "Values": [names["ami_name"]]}]
)["Images"]
if existing:
    primary_ami = existing[0]["ImageId"]
else:
    primary_ami = ec2_east.create_image(
        InstanceId=names["golden_instance_id"],
        Name=names["ami_name"],
        Description=f"trading platform application {names['app_version']}",
        TagSpecifications=[{"ResourceType": "image", "Tags": APP_TAGS}],
    )["ImageId"]
ec2_east.get_waiter("image_available").wait(
    ImageIds=[primary_ami], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)
print(primary_ami)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ami_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
source_image = image(ec2_east)
expect(
    source_image["State"] == "available",
    f"AMI {source_image['ImageId']} is {source_image['State']}",
)
expect(
    tag(source_image, "Version") == names["app_version"],
    f"AMI {source_image['ImageId']}: tag Version is {tag(source_image, 'Version')!r}, not "
    f"{names['app_version']!r}",
)
print(f"AMI {source_image['ImageId']} in {PRIMARY}")

### BEGIN HIDDEN TESTS
expect(
    source_image.get("SourceInstanceId") == names["golden_instance_id"],
    f"AMI {source_image['ImageId']} was not created from the golden instance "
    f"{names['golden_instance_id']} (its source is {source_image.get('SourceInstanceId')})",
)
expect(
    tag(source_image, "App") == "trading-platform",
    f"AMI {source_image['ImageId']}: tag App is {tag(source_image, 'App')!r}",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Copy the AMI to us-west-2 (3 points)
#
# An AMI is regional: a launch template in us-west-2 can only use an image in us-west-2.
# `copy_image` is called in the **destination** region (`ec2_west`) and pulls the image from the
# source region:
#
# - `SourceImageId`, `SourceRegion=PRIMARY`, `Name=names["ami_name"]` (same name, so people and
#   scripts recognise the release), a `Description`;
# - `Encrypted=True` with `KmsKeyId` the DR region's EBS key (`names["ebs_key_arn"]`, alias
#   `names["ebs_key_alias"]`): the copy's snapshots are re-encrypted with a key of the region they
#   live in, so us-west-2 can boot them even when us-east-1's KMS is unreachable;
# - `CopyImageTags=True`, so the copy carries `App` and `Version` (on AWS; the emulator ignores
#   it, see below).
#
# Then tag the copy with its lineage, `SourceImageId=<the us-east-1 AMI id>` and
# `SourceRegion=us-east-1` (`create_tags`), and with `App` and `Version` as well: the emulator
# does not apply `CopyImageTags`, and the checks want the copy's `App` and `Version` equal to
# the source's. AWS also reports the source in `describe_images`
# (`SourceImageId`, `SourceImageRegion`), but the emulator does not, and explicit tags survive
# any tooling; the checks read either. Wait for `available`. Re-running: look the copy up by name
# in us-west-2 first; a second copy would leave two images of one release in the region.

# %% nbgrader={"grade": false, "grade_id": "copy_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
primary_ami = image(ec2_east)["ImageId"]
existing = ec2_west.describe_images(
    Owners=["self"], Filters=[{"Name": "name", "Values": [names["ami_name"]]}]
)["Images"]
if existing:
    dr_ami = existing[0]["ImageId"]
else:
    dr_ami = ec2_west.copy_image(
        SourceImageId=primary_ami,
        SourceRegion=PRIMARY,
        Name=names["ami_name"],
        Description=f"trading platform application {names['app_version']} (copy for DR)",
        Encrypted=True,
        KmsKeyId=names["ebs_key_arn"],
        CopyImageTags=True,
    )["ImageId"]
ec2_west.create_tags(
    Resources=[dr_ami],
    Tags=[
        *APP_TAGS,
        {"Key": "SourceImageId", "Value": primary_ami},
        {"Key": "SourceRegion", "Value": PRIMARY},
    ],
)
ec2_west.get_waiter("image_available").wait(
    ImageIds=[dr_ami], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
)
print(f"{primary_ami} ({PRIMARY}) -> {dr_ami} ({DR})")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "copy_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
source_image, copied_image = image(ec2_east), image(ec2_west)
expect(copied_image["State"] == "available", f"AMI {copied_image['ImageId']} is not available")
origin = copied_image.get("SourceImageId") or tag(copied_image, "SourceImageId")
expect(
    origin == source_image["ImageId"],
    f"the {DR} AMI {copied_image['ImageId']} names {origin!r} as its source, not "
    f"{source_image['ImageId']} (tag SourceImageId)",
)
print(f"{copied_image['ImageId']} in {DR} is the copy of {source_image['ImageId']}")

### BEGIN HIDDEN TESTS
expect(copied_image["ImageId"] != source_image["ImageId"], "the DR AMI must be a copy")
where = copied_image.get("SourceImageRegion") or tag(copied_image, "SourceRegion")
expect(where == PRIMARY, f"{copied_image['ImageId']}: source region {where!r}, not {PRIMARY}")
for key in ("App", "Version"):
    expect(
        tag(copied_image, key) == tag(source_image, key),
        f"AMI {copied_image['ImageId']}: tag {key} is {tag(copied_image, key)!r}, the source "
        f"has {tag(source_image, key)!r} (the emulator ignores CopyImageTags: add the tag to "
        f"the copy with create_tags)",
    )
for mapping in copied_image.get("BlockDeviceMappings", []):
    ebs = mapping.get("Ebs", {})
    if "Encrypted" in ebs:  # the emulator does not record a copy's encryption
        expect(ebs["Encrypted"], f"{copied_image['ImageId']} has an unencrypted snapshot")
        expect(
            key_arn(ebs.get("KmsKeyId")) == names["ebs_key_arn"],
            f"{copied_image['ImageId']} is encrypted with {ebs.get('KmsKeyId')}",
        )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · The DR launch template (3 points)
#
# A **launch template** is everything the Auto Scaling group needs to start an instance. The
# firm's server baseline, which auditors check, says:
#
# - the image is the **us-west-2 copy** of the release AMI (task 2), instance type `m5.large`;
# - **IMDSv2 only**: `MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"}`.
#   With IMDSv1 a server-side request forgery in the app can read the instance role's
#   credentials with one GET; IMDSv2 needs a session token obtained by a PUT;
# - **no public IP**: one network interface, `DeviceIndex=0`, `AssociatePublicIpAddress=False`,
#   with the DR app security group `names["sg_app_dr"]` in its `Groups` (security groups go on
#   the interface when you specify one, not in `SecurityGroupIds`);
# - **encrypted volumes**: a `BlockDeviceMappings` entry for the root device (`/dev/xvda`, gp3,
#   30 GiB) with `Encrypted=True` and `KmsKeyId=names["ebs_key_arn"]`;
# - tags for the instances and volumes it launches (`TagSpecifications` inside the data) are
#   good practice: `App`, `Version`, `Region`.
#
# Create it in us-west-2 as `names["launch_template"]` (`create_launch_template`). Re-running:
# when it exists, add a version with the current data (`create_launch_template_version`) and make
# it the default (`modify_launch_template`), instead of failing.

# %% nbgrader={"grade": false, "grade_id": "template_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
dr_ami = image(ec2_west)["ImageId"]
TEMPLATE_DATA = {
    "ImageId": dr_ami,
    "InstanceType": "m5.large",
    "MetadataOptions": {
        "HttpTokens": "required",
        "HttpEndpoint": "enabled",
        "HttpPutResponseHopLimit": 1,
    },
    "NetworkInterfaces": [
        {"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": [names["sg_app_dr"]]}
    ],
    "BlockDeviceMappings": [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {
                "VolumeSize": 30,
                "VolumeType": "gp3",
                "Encrypted": True,
                "KmsKeyId": names["ebs_key_arn"],
                "DeleteOnTermination": True,
            },
        }
    ],
    "TagSpecifications": [
        {
            "ResourceType": kind,
            "Tags": [*APP_TAGS, {"Key": "Region", "Value": DR}],
        }
        for kind in ("instance", "volume")
    ],
}
found = ec2_west.describe_launch_templates(
    Filters=[{"Name": "launch-template-name", "Values": [names["launch_template"]]}]
)["LaunchTemplates"]
if not found:
    template_id = ec2_west.create_launch_template(
        LaunchTemplateName=names["launch_template"],
        VersionDescription=f"release {names['app_version']}",
        LaunchTemplateData=TEMPLATE_DATA,
    )["LaunchTemplate"]["LaunchTemplateId"]
else:
    template_id = found[0]["LaunchTemplateId"]
    if template_data() != TEMPLATE_DATA:
        version = ec2_west.create_launch_template_version(
            LaunchTemplateId=template_id,
            VersionDescription=f"release {names['app_version']}",
            LaunchTemplateData=TEMPLATE_DATA,
        )["LaunchTemplateVersion"]["VersionNumber"]
        ec2_west.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion=str(version))
print(template_id)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "template_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
data = template_data()
copied_image = image(ec2_west)
expect(
    data.get("ImageId") == copied_image["ImageId"],
    f"{names['launch_template']} launches {data.get('ImageId')}, not the {DR} copy "
    f"{copied_image['ImageId']}",
)
expect(
    data.get("MetadataOptions", {}).get("HttpTokens") == "required",
    f"{names['launch_template']}: MetadataOptions.HttpTokens must be 'required' (IMDSv2)",
)
print("launch template uses the copied AMI with IMDSv2")

### BEGIN HIDDEN TESTS
expect(
    template_data("$Default") == data,
    f"the default version of {names['launch_template']} (what the group launches) differs from "
    f"its latest: make the new version the default (modify_launch_template)",
)
expect(data.get("InstanceType"), f"{names['launch_template']} sets no InstanceType")
expect(
    data["MetadataOptions"].get("HttpEndpoint", "enabled") == "enabled",
    "the metadata endpoint is disabled: the app needs its role's credentials",
)
interfaces = data.get("NetworkInterfaces", [])
expect(interfaces, f"{names['launch_template']} has no NetworkInterfaces entry")
eth0 = next((n for n in interfaces if n.get("DeviceIndex", 0) == 0), interfaces[0])
expect(
    eth0.get("AssociatePublicIpAddress") is False,
    f"{names['launch_template']}: AssociatePublicIpAddress is "
    f"{eth0.get('AssociatePublicIpAddress')!r}, it must be False",
)
template_groups = set(eth0.get("Groups", [])) | set(data.get("SecurityGroupIds", []))
expect(
    template_groups == {names["sg_app_dr"]},
    f"{names['launch_template']} uses the security groups {sorted(template_groups)}; only "
    f"{names['sg_app']} ({names['sg_app_dr']})",
)
volumes = [m.get("Ebs", {}) for m in data.get("BlockDeviceMappings", [])]
expect(volumes, f"{names['launch_template']} defines no BlockDeviceMappings")
for ebs in volumes:
    expect(ebs.get("Encrypted") is True, f"{names['launch_template']}: a volume is unencrypted")
    expect(
        key_arn(ebs.get("KmsKeyId")) == names["ebs_key_arn"],
        f"{names['launch_template']}: a volume uses the key {ebs.get('KmsKeyId')}, not "
        f"{names['ebs_key_alias']}",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Target group and the DR Auto Scaling group at zero (3 points)
#
# 1. A **target group** `names["target_group"]` in the DR VPC (`names["vpc_dr"]`): HTTP on port
#    8080 (the app's port), target type `instance`, health check `HTTP` on path **`/health`**
#    (every 15 s, healthy after 2 and unhealthy after 3 results). The DR load balancer (Week 15)
#    forwards to it; it only sends traffic to targets that pass `/health`.
# 2. The **Auto Scaling group** `names["asg"]` (`trading-platform-dr-asg`):
#    - `LaunchTemplate={"LaunchTemplateId": ..., "Version": "$Default"}`;
#    - `MinSize=0`, `DesiredCapacity=0`, `MaxSize=12` (the pilot light: nothing runs, and it can
#      grow to the primary's peak of 12);
#    - `VPCZoneIdentifier`: the three DR private subnets `DR_PRIVATE_SUBNETS`, comma-separated;
#    - `HealthCheckType="ELB"` (replace instances the target group finds unhealthy, not only
#      those EC2 finds dead) with a `HealthCheckGracePeriod` (300 s: the app needs time to warm
#      its caches before the first check counts);
#    - `TargetGroupARNs=[<the target group ARN>]`;
#    - tags `App=trading-platform`, `Role=dr`.
#
# `describe_target_groups(Names=[...])` raises `TargetGroupNotFoundException` when missing
# (look it up before creating: the emulator refuses a second `create_target_group`).
# `describe_auto_scaling_groups` returns an empty list when the group does not exist; when it
# does, `update_auto_scaling_group` brings it in line.

# %% nbgrader={"grade": false, "grade_id": "asg_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
try:
    tg_arn = target_group()["TargetGroupArn"]
except AssertionError:
    tg_arn = elbv2.create_target_group(
        Name=names["target_group"],
        Protocol="HTTP",
        Port=8080,
        VpcId=names["vpc_dr"],
        TargetType="instance",
        HealthCheckProtocol="HTTP",
        HealthCheckPath="/health",
        HealthCheckIntervalSeconds=15,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher={"HttpCode": "200"},
    )["TargetGroups"][0]["TargetGroupArn"]
template_id = launch_template()["LaunchTemplateId"]
group_settings = {
    "AutoScalingGroupName": names["asg"],
    "LaunchTemplate": {"LaunchTemplateId": template_id, "Version": "$Default"},
    "MinSize": 0,
    "DesiredCapacity": 0,
    "MaxSize": 12,
    "VPCZoneIdentifier": ",".join(DR_PRIVATE_SUBNETS),
    "HealthCheckType": "ELB",
    "HealthCheckGracePeriod": 300,
}
existing = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])
if existing["AutoScalingGroups"]:
    autoscaling.update_auto_scaling_group(**group_settings)
    attached = existing["AutoScalingGroups"][0].get("TargetGroupARNs", [])
    if tg_arn not in attached:
        autoscaling.attach_load_balancer_target_groups(
            AutoScalingGroupName=names["asg"], TargetGroupARNs=[tg_arn]
        )
else:
    autoscaling.create_auto_scaling_group(
        **group_settings,
        TargetGroupARNs=[tg_arn],
        Tags=[
            {"Key": "App", "Value": "trading-platform", "PropagateAtLaunch": True},
            {"Key": "Role", "Value": "dr", "PropagateAtLaunch": True},
        ],
    )
print(json.dumps({k: dr_group()[k] for k in ("MinSize", "DesiredCapacity", "MaxSize")}))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "asg_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
group = dr_group()
sizes = (group["MinSize"], group["DesiredCapacity"], group["MaxSize"])
expect(sizes == (0, 0, 12), f"{names['asg']} min/desired/max are {sizes}, expected (0, 0, 12)")
spec = group.get("LaunchTemplate") or {}
expect(
    spec.get("LaunchTemplateId") == launch_template()["LaunchTemplateId"],
    f"{names['asg']} does not launch {names['launch_template']} (it has {spec})",
)
expect(
    target_group()["HealthCheckPath"] == "/health",
    f"{names['target_group']} checks {target_group()['HealthCheckPath']!r}, not /health",
)
print(f"{names['asg']} waits at zero")

### BEGIN HIDDEN TESTS
tg = target_group()
expect(tg["VpcId"] == names["vpc_dr"], f"{names['target_group']} is not in the DR VPC")
expect(
    (tg.get("Protocol"), tg.get("Port")) == ("HTTP", 8080),
    f"{names['target_group']} is {tg.get('Protocol')}:{tg.get('Port')}, not HTTP:8080",
)
in_subnets = set(filter(None, group.get("VPCZoneIdentifier", "").split(",")))
expect(
    in_subnets == set(DR_PRIVATE_SUBNETS),
    f"{names['asg']} launches into {sorted(in_subnets)}, not the DR private subnets "
    f"{sorted(DR_PRIVATE_SUBNETS)}",
)
expect(group["HealthCheckType"] == "ELB", f"{names['asg']} uses {group['HealthCheckType']} checks")
grace = group.get("HealthCheckGracePeriod") or 0
expect(60 <= grace <= 900, f"{names['asg']}: a grace period of {grace} s; give it 60-900 s")
expect(
    group.get("TargetGroupARNs") == [tg["TargetGroupArn"]],
    f"{names['asg']} is attached to {group.get('TargetGroupARNs')}, not {names['target_group']}",
)
expect(not group["Instances"], f"{names['asg']} runs {len(group['Instances'])} instances")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Scaling policies: failover and steady state (3 points)
#
# Two kinds of scaling serve the DR tier:
#
# 1. **Failover**: the DR orchestrator must take the group from 0 to the failover capacity in
#    one call, whatever the metrics say (there is no load yet: the traffic arrives *after* DNS
#    has moved). A **simple scaling** policy with `AdjustmentType="ExactCapacity"` and
#    `ScalingAdjustment=FAILOVER_CAPACITY` (6, half the primary's peak; target tracking adds the
#    rest) does exactly that when executed (`execute_policy`) or when an alarm fires. Name it
#    `names["failover_policy"]`, with a `Cooldown` of 60 s.
# 2. **Steady state**: once serving, a **target-tracking** policy `names["steady_policy"]`
#    keeps the group's average CPU at 50 % (`PredefinedMetricType="ASGAverageCPUUtilization"`,
#    `TargetValue=50.0`), adding and removing instances between the group's min and max.
#
# `put_scaling_policy` creates or replaces a policy by name, so re-running is safe. Then **test
# the failover policy**: execute it (`HonorCooldown=False`), check that the group's desired
# capacity is 6 and that it launched 6 instances (`describe_auto_scaling_groups`, then
# `describe_instances`: which image, which subnets?), and put the group back to zero
# (`set_desired_capacity`). Leave it at zero: it is a pilot light.

# %% nbgrader={"grade": false, "grade_id": "policy_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
autoscaling.put_scaling_policy(
    AutoScalingGroupName=names["asg"],
    PolicyName=names["failover_policy"],
    PolicyType="SimpleScaling",
    AdjustmentType="ExactCapacity",
    ScalingAdjustment=FAILOVER_CAPACITY,
    Cooldown=60,
)
autoscaling.put_scaling_policy(
    AutoScalingGroupName=names["asg"],
    PolicyName=names["steady_policy"],
    PolicyType="TargetTrackingScaling",
    TargetTrackingConfiguration={
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
        "TargetValue": 50.0,
    },
)
autoscaling.execute_policy(
    AutoScalingGroupName=names["asg"], PolicyName=names["failover_policy"], HonorCooldown=False
)
scaled = eventually(lambda: len(dr_group()["Instances"]) == FAILOVER_CAPACITY, 10)
launched = [i["InstanceId"] for i in dr_group()["Instances"]]
reservations = ec2_west.describe_instances(InstanceIds=launched)["Reservations"]
for instance in (i for r in reservations for i in r["Instances"]):
    print(instance["InstanceId"], instance["ImageId"], instance["SubnetId"])
autoscaling.set_desired_capacity(
    AutoScalingGroupName=names["asg"], DesiredCapacity=0, HonorCooldown=False
)
eventually(lambda: not dr_group()["Instances"], 10)
print(f"scaled to {len(launched)} and back to {dr_group()['DesiredCapacity']}")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "policy_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
found_policies = policies()
failover = found_policies.get(names["failover_policy"])
expect(failover, f"{names['asg']} has no policy {names['failover_policy']!r}")
expect(
    (failover["PolicyType"], failover.get("AdjustmentType"), failover.get("ScalingAdjustment"))
    == ("SimpleScaling", "ExactCapacity", FAILOVER_CAPACITY),
    f"{names['failover_policy']} is {failover['PolicyType']} {failover.get('AdjustmentType')} "
    f"{failover.get('ScalingAdjustment')}; expected SimpleScaling ExactCapacity "
    f"{FAILOVER_CAPACITY}",
)
steady = found_policies.get(names["steady_policy"])
expect(steady, f"{names['asg']} has no policy {names['steady_policy']!r}")
expect(
    steady["PolicyType"] == "TargetTrackingScaling",
    f"{names['steady_policy']} is {steady['PolicyType']}, not TargetTrackingScaling",
)
expect(dr_group()["DesiredCapacity"] == 0, f"put {names['asg']} back to zero after the test")
print("failover and steady-state policies in place")

### BEGIN HIDDEN TESTS
expect(failover["AutoScalingGroupName"] == names["asg"], "the policy belongs to another group")
tracking = steady.get("TargetTrackingConfiguration", {})
tracked = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
expect(tracked == "ASGAverageCPUUtilization", f"{names['steady_policy']} tracks {tracked}")
expect(
    30 <= tracking.get("TargetValue", 0) <= 80,
    f"{names['steady_policy']} targets {tracking.get('TargetValue')} % CPU; choose 30-80",
)
# the policy, executed as the orchestrator will, launches instances of the copied AMI
# into the DR private subnets, registered with the target group; then back to zero
copy_id = image(ec2_west)["ImageId"]
autoscaling.execute_policy(
    AutoScalingGroupName=names["asg"], PolicyName=names["failover_policy"], HonorCooldown=False
)
try:
    scaled_group = eventually(
        lambda: (
            (g := dr_group())["DesiredCapacity"] == FAILOVER_CAPACITY
            and len(g["Instances"]) == FAILOVER_CAPACITY
            and g
        ),
        10,
    )
    expect(scaled_group, f"executing {names['failover_policy']} did not launch the fleet")
    launched_ids = {i["InstanceId"] for i in scaled_group["Instances"]}
    found = ec2_west.describe_instances(InstanceIds=sorted(launched_ids))["Reservations"]
    for instance in (i for r in found for i in r["Instances"]):
        expect(
            instance["ImageId"] == copy_id,
            f"{instance['InstanceId']} boots {instance['ImageId']}, not the copy {copy_id}",
        )
        expect(
            instance.get("SubnetId") in DR_PRIVATE_SUBNETS,
            f"{instance['InstanceId']} is in {instance.get('SubnetId')}, not a DR private subnet",
        )
    targets = elbv2.describe_target_health(TargetGroupArn=target_group()["TargetGroupArn"])
    registered = {t["Target"]["Id"] for t in targets["TargetHealthDescriptions"]}
    expect(
        launched_ids <= registered,
        f"the launched instances are not registered with {names['target_group']}",
    )
finally:
    autoscaling.set_desired_capacity(
        AutoScalingGroupName=names["asg"], DesiredCapacity=0, HonorCooldown=False
    )
expect(eventually(lambda: not dr_group()["Instances"], 10), "the group did not scale back in")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The DR app's health, probed by Route 53 (2 points)
#
# Week 15's DNS failover sends traders to us-west-2 only while a **Route 53 health check** says
# the DR app is healthy; the same `/health` path is what the target group checks. Here the
# emulator stands in for the DR fleet with a process you run, and Route 53 really probes it.
#
# 1. Run the DR app: an HTTP server (`http.server.ThreadingHTTPServer`, in a daemon thread) on
#    `names["dr_host"]` (`127.0.0.2`), port 0 (the OS picks a free one). `GET /health` answers
#    `200` with a JSON body such as `{"status": "ok", "region": "us-west-2", "version": "1.4.2"}`;
#    any other path `404`. Keep the server in a variable named **`dr_service`**, and write
#    `start_dr_service(port)` / `stop_dr_service()` functions: stop = `shutdown()` then
#    `server_close()`; start on the **same port** again so the health check finds it.
# 2. Create the health check: `route53.create_health_check(CallerReference=<unique>,
#    HealthCheckConfig={"Type": "HTTP", "IPAddress": names["dr_host"], "Port": <port>,
#    "ResourcePath": "/health", "RequestInterval": 10, "FailureThreshold": 3})` and tag it
#    `Name=names["health_check"]` (`change_tags_for_resource(ResourceType="healthcheck", ...)`).
#    Re-running: find it by the tag and `update_health_check` its `Port` instead.
# 3. Watch it. `probed_status(id)` shows what the checkers saw on their **last probe**;
#    Route 53's **verdict** changes only after `FailureThreshold` probes in a row agree, and is
#    published as the `HealthCheckStatus` metric (1/0) in CloudWatch: `route53_verdict(id)`
#    reads it. Wait until the verdict is `"healthy"`; **stop** the service and measure how long
#    the verdict takes to become `"unhealthy"` (about FailureThreshold x RequestInterval, scaled);
#    **start** it again and wait for `"healthy"`. Print both times. The grader reads the
#    metric's history afterwards.
#
# Bound every wait (e.g. 20 s) so a mistake cannot hang the notebook. Leave the service running.


# %% nbgrader={"grade": false, "grade_id": "health_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
class HealthHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            status = 200
            body = {"status": "ok", "region": DR, "version": names["app_version"]}
        else:
            status, body = 404, {"error": "not found"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a health checker may hang up after the status line

    def log_message(self, *args) -> None:
        pass  # keep the notebook quiet


def start_dr_service(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((names["dr_host"], port), HealthHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_dr_service() -> None:
    dr_service.shutdown()
    dr_service.server_close()


if "dr_service" not in globals():  # re-running: keep the service that is already up
    dr_service = start_dr_service()
dr_port = dr_service.server_address[1]

try:
    hc_id = health_check()["Id"]
    route53.update_health_check(HealthCheckId=hc_id, IPAddress=names["dr_host"], Port=dr_port)
except AssertionError:
    hc_id = route53.create_health_check(
        CallerReference=f"{names['health_check']}-{time.time_ns()}",
        HealthCheckConfig={
            "Type": "HTTP",
            "IPAddress": names["dr_host"],
            "Port": dr_port,
            "ResourcePath": "/health",
            "RequestInterval": 10,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    route53.change_tags_for_resource(
        ResourceType="healthcheck",
        ResourceId=hc_id,
        AddTags=[{"Key": "Name", "Value": names["health_check"]}, {"Key": "Region", "Value": DR}],
    )

if eventually(lambda: route53_verdict(hc_id) == "healthy", 20) is not True:
    raise RuntimeError("the DR app never became healthy")
stop_dr_service()
t0 = time.monotonic()
if eventually(lambda: route53_verdict(hc_id) == "unhealthy", 20) is not True:
    raise RuntimeError("Route 53 never noticed the DR app was down")
down_after = time.monotonic() - t0
dr_service = start_dr_service(dr_port)
t1 = time.monotonic()
if eventually(lambda: route53_verdict(hc_id) == "healthy", 20) is not True:
    raise RuntimeError("the DR app did not come back healthy")
up_after = time.monotonic() - t1
print(
    f"health check {hc_id}: unhealthy {down_after:.1f} s after the stop, healthy "
    f"{up_after:.1f} s after the restart (emulated time x20)"
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "health_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
hc = health_check()
hc_config = hc["HealthCheckConfig"]
expect(
    hc_config.get("IPAddress") == names["dr_host"] and hc_config.get("ResourcePath") == "/health",
    f"the health check probes {hc_config.get('IPAddress')}{hc_config.get('ResourcePath')}, not "
    f"{names['dr_host']}/health",
)
expect(
    "dr_service" in globals(),
    "no variable dr_service: keep the DR app's ThreadingHTTPServer in dr_service",
)
service_port = dr_service.server_address[1]
try:
    with urllib.request.urlopen(f"http://{names['dr_host']}:{service_port}/health", timeout=5) as r:
        expect(r.status == 200, f"GET /health answered {r.status}")
except OSError as e:  # refused, timed out, or an HTTP error status
    raise AssertionError(
        f"GET http://{names['dr_host']}:{service_port}/health failed ({e}): dr_service must "
        f"listen on names['dr_host'] and still be running, and /health must answer 200"
    ) from None
expect(
    eventually(lambda: route53_verdict(hc["Id"]) == "healthy", 20),
    f"Route 53 does not see the DR app as healthy (port {hc_config.get('Port')})",
)
print("the DR app is up and Route 53 agrees")

### BEGIN HIDDEN TESTS
from urllib.error import HTTPError

expect(hc_config["Type"] in ("HTTP", "HTTP_STR_MATCH"), f"health check type {hc_config['Type']}")
expect(hc_config.get("Port") == service_port, "the health check probes another port")
try:
    urllib.request.urlopen(f"http://{names['dr_host']}:{service_port}/nope", timeout=5)
    raise AssertionError("the DR app answers 200 on any path; only /health is healthy")
except HTTPError as e:
    expect(e.code == 404, f"an unknown path answers {e.code}, expected 404")
now = datetime.now(UTC)
datapoints = cloudwatch.get_metric_statistics(
    Namespace="AWS/Route53",
    MetricName="HealthCheckStatus",
    Dimensions=[{"Name": "HealthCheckId", "Value": hc["Id"]}],
    StartTime=now - timedelta(hours=6),
    EndTime=now + timedelta(minutes=5),
    Period=60,
    Statistics=["Minimum", "Maximum"],
)["Datapoints"]
expect(
    any(p["Minimum"] == 0 for p in datapoints),
    f"CloudWatch never saw health check {hc['Id']} unhealthy: stop the DR app and watch",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Runbook: scaling the DR tier up (2 points)
#
# At 3 a.m. during a regional outage nobody should have to work out which group, which policy
# and which health check. Write the **runbook** with the real identifiers, read from the account
# (not typed from memory), and save it with `lab.portfolio.write_document("runbook",
# names["runbook"], markdown)`. The portfolio rubric requires the sections `Purpose`,
# `Prerequisites`, `Procedure`, `Verification`, `Rollback` and `Escalation`. It must name:
#
# - the Auto Scaling group, its region and its launch template (id);
# - the failover policy and the capacity it sets, and the exact command to execute it
#   (`aws autoscaling execute-policy ...`);
# - the AMI in us-west-2 and the us-east-1 AMI it was copied from;
# - the target group and the Route 53 health check id used to verify.

# %% nbgrader={"grade": false, "grade_id": "runbook_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
group = dr_group()
source_image, copied_image = image(ec2_east), image(ec2_west)
template = launch_template()
tg = target_group()
hc = health_check()
runbook = f"""# Runbook: scale the DR application tier up in {DR}

## Purpose
Bring the trading application up in {DR} during a failover (RTO 15 minutes): the Auto Scaling
group `{names["asg"]}` waits at 0 instances and goes to {FAILOVER_CAPACITY} with one call.

## Prerequisites
- The Aurora global database has been switched or failed over to `{DR}` (Week 15 procedure).
- `{copied_image["ImageId"]}` ({names["ami_name"]}) is available in {DR}; it is the copy of
  `{source_image["ImageId"]}` in {PRIMARY}. Launch template `{template["LaunchTemplateId"]}`
  (`{names["launch_template"]}`) uses it.
- Operator role with `autoscaling:ExecutePolicy` and `autoscaling:SetDesiredCapacity` in {DR}.

## Procedure
1. Execute the failover policy `{names["failover_policy"]}` (ExactCapacity {FAILOVER_CAPACITY}):

       aws autoscaling execute-policy --region {DR} \\
           --auto-scaling-group-name {names["asg"]} \\
           --policy-name {names["failover_policy"]} --no-honor-cooldown

2. Watch the group reach {FAILOVER_CAPACITY} InService instances:
   `aws autoscaling describe-auto-scaling-groups --region {DR} --auto-scaling-group-names {names["asg"]}`.
3. The target-tracking policy `{names["steady_policy"]}` (50 % CPU) then scales between 0 and 12.

## Verification
- Target group `{tg["TargetGroupArn"]}`: all targets `healthy` on `/health`.
- Route 53 health check `{hc["Id"]}` reports Success from every checker
  (`aws route53 get-health-check-status --health-check-id {hc["Id"]}`).
- A test order through the DR endpoint is acknowledged and visible in the trades table.

## Rollback
After failing back to {PRIMARY}: `aws autoscaling set-desired-capacity --region {DR}
--auto-scaling-group-name {names["asg"]} --desired-capacity 0`, then confirm no instances remain.

## Escalation
1. DR on-call engineer (pager), 2. platform lead, 3. head of trading technology; AWS Support
(Enterprise, severity "business-critical system down") if instances fail to launch in {DR}.
"""
lab.portfolio.write_document("runbook", names["runbook"], runbook)
print(lab.portfolio.path("documents", "runbook", f"{names['runbook']}.md"))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "runbook_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
runbook_path = lab.portfolio.path("documents", "runbook", f"{names['runbook']}.md")
expect(runbook_path.is_file(), f"no runbook at {runbook_path}")
runbook_text = runbook_path.read_text()
runbook_headings = [
    line.lstrip("#").strip().lower() for line in runbook_text.splitlines() if line.startswith("#")
]
for section in ("Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"):
    expect(
        any(section.lower() in h for h in runbook_headings),
        f"the runbook has no '{section}' section (headings: {runbook_headings})",
    )
print("runbook written")

### BEGIN HIDDEN TESTS
for what, value in (
    ("the Auto Scaling group", names["asg"]),
    ("the failover policy", names["failover_policy"]),
    ("the us-west-2 AMI", image(ec2_west)["ImageId"]),
    ("the us-east-1 source AMI", image(ec2_east)["ImageId"]),
    ("the launch template id", launch_template()["LaunchTemplateId"]),
    ("the health check id", health_check()["Id"]),
    ("the target group", names["target_group"]),
):
    expect(value in runbook_text, f"the runbook does not name {what} ({value})")
expect(str(FAILOVER_CAPACITY) in runbook_text, "the runbook does not state the failover capacity")
expect("execute-policy" in runbook_text, "the runbook does not give the execute-policy command")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The DR region now holds everything the application tier needs, at almost no cost while idle:
# the release's image (encrypted with a us-west-2 key), a launch template that meets the
# baseline, a group at zero that one policy brings to six, and a health check that tells
# Route 53 whether the DR app serves. Week 15 wires these to an alarm and an orchestrator.
#
# Questions for your DR review:
#
# 1. Every release must be copied to us-west-2 before it runs in us-east-1. Where in the
#    release pipeline does the copy belong, and what should block the release if it fails?
# 2. Six instances take several minutes to pass the grace period and `/health`. How much of the
#    15-minute RTO does that use, and would a warm standby of 1-2 instances be worth its cost?
# 3. The health check probes one address. What should `/health` check (the database? the
#    market-data feed?) so that it says "can trade" and not merely "process is up"?
