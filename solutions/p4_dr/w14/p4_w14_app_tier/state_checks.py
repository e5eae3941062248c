"""Out-of-kernel state checks of p4_w14_app_tier (instructor-only, never shipped).

Each mirrors its grade cell from the grader's process. They follow the relationships: the DR
launch template's image is the us-west-2 copy of the us-east-1 AMI built from the golden
instance; the group launches that template into the DR private subnets behind the target group;
the failover policy belongs to the group and, executed, really launches instances of the copy;
the Route 53 health check probes the DR app and CloudWatch saw it both healthy and unhealthy.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from labkit.checks import expect, tag

# --- look-ups -------------------------------------------------------------------------------


def _ec2(lab, side: str):
    return lab.client("ec2", lab.names[f"{side}_region"])


def _image(lab, side: str) -> dict:
    names = lab.names
    found = _ec2(lab, side).describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [names["ami_name"]]}]
    )["Images"]
    live = [i for i in found if i.get("State") != "deregistered"]
    expect(live, f"no AMI named {names['ami_name']!r} in {names[f'{side}_region']}")
    expect(
        len(live) == 1,
        f"{len(live)} AMIs are named {names['ami_name']} in {names[f'{side}_region']}; expected one",
    )
    return live[0]


def _key_arn(lab, key_id: str | None) -> str | None:
    if not key_id:
        return None
    kms = lab.client("kms", lab.names["dr_region"])
    try:
        return kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    except kms.exceptions.NotFoundException:
        return key_id


def _template(lab) -> dict:
    names, ec2 = lab.names, _ec2(lab, "dr")
    found = ec2.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": [names["launch_template"]]}]
    )["LaunchTemplates"]
    expect(found, f"no launch template {names['launch_template']!r} in {names['dr_region']}")
    return found[0]


def _template_data(lab, version: str = "$Latest") -> dict:
    lt = _template(lab)
    versions = _ec2(lab, "dr").describe_launch_template_versions(
        LaunchTemplateId=lt["LaunchTemplateId"], Versions=[version]
    )["LaunchTemplateVersions"]
    expect(versions, f"launch template {lt['LaunchTemplateName']} has no version {version}")
    return versions[0]["LaunchTemplateData"]


def _group(lab) -> dict:
    names = lab.names
    found = lab.client("autoscaling", names["dr_region"]).describe_auto_scaling_groups(
        AutoScalingGroupNames=[names["asg"]]
    )["AutoScalingGroups"]
    expect(found, f"no Auto Scaling group {names['asg']!r} in {names['dr_region']}")
    return found[0]


def _target_group(lab) -> dict:
    names, elb = lab.names, lab.client("elbv2", lab.names["dr_region"])
    try:
        return elb.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]
    except elb.exceptions.TargetGroupNotFoundException:
        raise AssertionError(
            f"no target group {names['target_group']!r} in {names['dr_region']}"
        ) from None


def _policies(lab) -> dict[str, dict]:
    names = lab.names
    found = lab.client("autoscaling", names["dr_region"]).describe_policies(
        AutoScalingGroupName=names["asg"]
    )["ScalingPolicies"]
    return {p["PolicyName"]: p for p in found}


def _health_check(lab) -> dict:
    names, r53 = lab.names, lab.client("route53")
    checks = r53.list_health_checks()["HealthChecks"]
    for hc in checks:
        tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc["Id"])
        pairs = {t["Key"]: t["Value"] for t in tags["ResourceTagSet"].get("Tags", [])}
        if pairs.get("Name") == names["health_check"]:
            return hc
    raise AssertionError(f"no Route 53 health check tagged Name={names['health_check']!r}")


def _wait(fn, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# --- task 1 -----------------------------------------------------------------------------------


def primary_ami(lab) -> None:
    names = lab.names
    image = _image(lab, "primary")
    expect(image["State"] == "available", f"AMI {image['ImageId']} is {image['State']}")
    expect(
        image.get("SourceInstanceId") == names["golden_instance_id"],
        f"AMI {image['ImageId']} was not created from the golden instance "
        f"{names['golden_instance_id']} (source: {image.get('SourceInstanceId')})",
    )
    for key, value in (("App", "trading-platform"), ("Version", names["app_version"])):
        expect(
            tag(image, key) == value,
            f"AMI {image['ImageId']}: tag {key} is {tag(image, key)!r}, not {value!r}",
        )


# --- task 2 -----------------------------------------------------------------------------------


def copied_ami(lab) -> None:
    names = lab.names
    source, copy = _image(lab, "primary"), _image(lab, "dr")
    expect(copy["ImageId"] != source["ImageId"], "the DR image must be a copy in us-west-2")
    expect(copy["State"] == "available", f"AMI {copy['ImageId']} is {copy['State']}")
    origin = copy.get("SourceImageId") or tag(copy, "SourceImageId")
    expect(
        origin == source["ImageId"],
        f"the us-west-2 AMI {copy['ImageId']} names {origin!r} as its source, not "
        f"{source['ImageId']} (SourceImageId)",
    )
    region = copy.get("SourceImageRegion") or tag(copy, "SourceRegion")
    expect(region == names["primary_region"], f"{copy['ImageId']}: source region is {region!r}")
    for key in ("App", "Version"):
        expect(
            tag(copy, key) == tag(source, key),
            f"AMI {copy['ImageId']}: tag {key} is {tag(copy, key)!r}, the source has "
            f"{tag(source, key)!r} (the emulator ignores CopyImageTags: add the tag to the copy "
            f"with create_tags)",
        )
    for mapping in copy.get("BlockDeviceMappings", []):
        ebs = mapping.get("Ebs", {})
        if "Encrypted" in ebs:  # the emulator does not record a copy's encryption (moto gap)
            expect(ebs["Encrypted"], f"{copy['ImageId']}: {mapping['DeviceName']} is unencrypted")
            expect(
                _key_arn(lab, ebs.get("KmsKeyId")) == names["ebs_key_arn"],
                f"{copy['ImageId']} is encrypted with {ebs.get('KmsKeyId')}, not "
                f"{names['ebs_key_alias']}",
            )


# --- task 3 -----------------------------------------------------------------------------------


def launch_template(lab) -> None:
    names = lab.names
    copy = _image(lab, "dr")
    data = _template_data(lab)
    expect(
        data.get("ImageId") == copy["ImageId"],
        f"launch template {names['launch_template']} launches {data.get('ImageId')}, not the "
        f"us-west-2 copy {copy['ImageId']}",
    )
    expect(
        _template_data(lab, "$Default") == data,
        f"the default version of {names['launch_template']} differs from its latest: make the "
        f"new version the default (modify_launch_template)",
    )
    expect(data.get("InstanceType"), f"{names['launch_template']} sets no InstanceType")
    meta = data.get("MetadataOptions", {})
    expect(
        meta.get("HttpTokens") == "required",
        f"{names['launch_template']}: MetadataOptions.HttpTokens is {meta.get('HttpTokens')!r}; "
        f"IMDSv2 needs 'required'",
    )
    expect(meta.get("HttpEndpoint", "enabled") == "enabled", "the metadata endpoint is disabled")
    interfaces = data.get("NetworkInterfaces", [])
    expect(interfaces, f"{names['launch_template']} has no NetworkInterfaces entry")
    eth0 = next((n for n in interfaces if n.get("DeviceIndex", 0) == 0), interfaces[0])
    expect(
        eth0.get("AssociatePublicIpAddress") is False,
        f"{names['launch_template']}: AssociatePublicIpAddress is "
        f"{eth0.get('AssociatePublicIpAddress')!r}; it must be False",
    )
    groups = set(eth0.get("Groups", [])) | set(data.get("SecurityGroupIds", []))
    expect(
        groups == {names["sg_app_dr"]},
        f"{names['launch_template']} uses the groups {sorted(groups)}; only "
        f"{names['sg_app']} ({names['sg_app_dr']})",
    )
    volumes = [m.get("Ebs", {}) for m in data.get("BlockDeviceMappings", [])]
    expect(volumes, f"{names['launch_template']} has no BlockDeviceMappings")
    for ebs in volumes:
        expect(ebs.get("Encrypted") is True, f"{names['launch_template']}: a volume is unencrypted")
        expect(
            _key_arn(lab, ebs.get("KmsKeyId")) == names["ebs_key_arn"],
            f"{names['launch_template']}: a volume uses the key {ebs.get('KmsKeyId')}, not "
            f"{names['ebs_key_alias']}",
        )


# --- task 4 -----------------------------------------------------------------------------------


def dr_group(lab) -> None:
    names = lab.names
    tg = _target_group(lab)
    expect(tg["VpcId"] == names["vpc_dr"], f"{names['target_group']} is in {tg['VpcId']}")
    expect(
        tg.get("HealthCheckPath") == "/health",
        f"{names['target_group']} checks {tg.get('HealthCheckPath')!r}, not /health",
    )
    expect(
        (tg.get("Protocol"), tg.get("Port")) == ("HTTP", 8080),
        f"{names['target_group']} is {tg.get('Protocol')}:{tg.get('Port')}, not HTTP:8080",
    )
    group = _group(lab)
    lt = _template(lab)
    spec = group.get("LaunchTemplate") or {}
    expect(
        spec.get("LaunchTemplateId") == lt["LaunchTemplateId"],
        f"{names['asg']} launches {spec or group.get('LaunchConfigurationName')}, not "
        f"{names['launch_template']}",
    )
    # desired capacity 0 and no instances: checked with task 5, which must leave it at zero
    sizes = (group["MinSize"], group["MaxSize"])
    expect(sizes == (0, 12), f"{names['asg']} min/max are {sizes}, not (0, 12)")
    subnets = set(filter(None, group.get("VPCZoneIdentifier", "").split(",")))
    wanted = set(names["private_subnets_dr"].split(","))
    expect(
        subnets == wanted,
        f"{names['asg']} launches into {sorted(subnets)}, not the DR private subnets "
        f"{sorted(wanted)}",
    )
    expect(
        group["HealthCheckType"] == "ELB", f"{names['asg']} uses {group['HealthCheckType']} checks"
    )
    grace = group.get("HealthCheckGracePeriod") or 0
    expect(60 <= grace <= 900, f"{names['asg']}: grace period {grace} s; give 60-900 s")
    expect(
        group.get("TargetGroupARNs") == [tg["TargetGroupArn"]],
        f"{names['asg']} is attached to {group.get('TargetGroupARNs')}, not {names['target_group']}",
    )


# --- task 5 -----------------------------------------------------------------------------------


def scaling_policies(lab) -> None:
    names = lab.names
    capacity = int(names["failover_capacity"])
    policies = _policies(lab)
    failover = policies.get(names["failover_policy"])
    expect(failover, f"{names['asg']} has no policy {names['failover_policy']!r}")
    expect(
        failover["AutoScalingGroupName"] == names["asg"],
        f"{names['failover_policy']} belongs to {failover['AutoScalingGroupName']}",
    )
    expect(
        (failover["PolicyType"], failover.get("AdjustmentType"), failover.get("ScalingAdjustment"))
        == ("SimpleScaling", "ExactCapacity", capacity),
        f"{names['failover_policy']} is {failover['PolicyType']} "
        f"{failover.get('AdjustmentType')} {failover.get('ScalingAdjustment')}; expected "
        f"SimpleScaling ExactCapacity {capacity}",
    )
    steady = policies.get(names["steady_policy"])
    expect(steady, f"{names['asg']} has no policy {names['steady_policy']!r}")
    expect(
        steady["PolicyType"] == "TargetTrackingScaling",
        f"{names['steady_policy']} is {steady['PolicyType']}",
    )
    config = steady.get("TargetTrackingConfiguration", {})
    metric = config.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
    expect(metric == "ASGAverageCPUUtilization", f"{names['steady_policy']} tracks {metric}")
    expect(
        30 <= config.get("TargetValue", 0) <= 80,
        f"{names['steady_policy']} targets {config.get('TargetValue')}",
    )

    group = _group(lab)
    expect(
        group["DesiredCapacity"] == 0 and not group["Instances"],
        f"{names['asg']} is at desired capacity {group['DesiredCapacity']} with "
        f"{len(group['Instances'])} instances; put it back to zero after the test",
    )
    # behaviour: the policy scales the group out with instances of the copied AMI, then back in
    autoscaling = lab.client("autoscaling", names["dr_region"])
    copy = _image(lab, "dr")["ImageId"]
    autoscaling.execute_policy(
        AutoScalingGroupName=names["asg"], PolicyName=names["failover_policy"], HonorCooldown=False
    )
    try:
        group = _wait(
            lambda: (
                (g := _group(lab))["DesiredCapacity"] == capacity
                and len(g["Instances"]) == capacity
                and g
            ),
            10,
        )
        expect(group, f"executing {names['failover_policy']} did not bring {capacity} instances")
        ids = [i["InstanceId"] for i in group["Instances"]]
        wanted = set(names["private_subnets_dr"].split(","))
        found = _ec2(lab, "dr").describe_instances(InstanceIds=ids)["Reservations"]
        for instance in (i for r in found for i in r["Instances"]):
            expect(
                instance["ImageId"] == copy,
                f"{names['asg']} launched {instance['InstanceId']} from {instance['ImageId']}, "
                f"not the copied AMI {copy}",
            )
            expect(
                instance.get("SubnetId") in wanted,
                f"{instance['InstanceId']} is in {instance.get('SubnetId')}, not a DR private subnet",
            )
    finally:
        autoscaling.set_desired_capacity(
            AutoScalingGroupName=names["asg"], DesiredCapacity=0, HonorCooldown=False
        )


# --- task 6 -----------------------------------------------------------------------------------


def dr_health_check(lab) -> None:
    names = lab.names
    hc = _health_check(lab)
    config = hc["HealthCheckConfig"]
    expect(config["Type"] in ("HTTP", "HTTP_STR_MATCH"), f"health check type {config['Type']}")
    expect(
        config.get("IPAddress") == names["dr_host"],
        f"the health check probes {config.get('IPAddress')}, not the DR app on {names['dr_host']}",
    )
    expect(config.get("ResourcePath") == "/health", f"it probes {config.get('ResourcePath')!r}")
    cloudwatch = lab.client("cloudwatch", "us-east-1")
    now = datetime.now(UTC)
    # one-second buckets in order (the emulator keeps every datapoint; a new check starts at 1,
    # so "healthy" counts only after the check saw the app down: the restart of task 6)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Dimensions=[{"Name": "HealthCheckId", "Value": hc["Id"]}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=1,
        Statistics=["Minimum", "Maximum"],
    )["Datapoints"]
    expect(points, f"CloudWatch has no HealthCheckStatus of {hc['Id']}")
    points.sort(key=lambda p: p["Timestamp"])
    first_down = next((i for i, p in enumerate(points) if p["Minimum"] == 0), None)
    expect(
        first_down is not None,
        f"health check {hc['Id']} never reported the DR app down: stop it and watch (task 6)",
    )
    expect(
        any(p["Maximum"] == 1 for p in points[first_down + 1 :]),
        f"health check {hc['Id']} never saw the DR app healthy again after it was down: start "
        f"it again on the same port and wait for the verdict 'healthy' (task 6)",
    )


CHECKS = {
    "ami_tests": primary_ami,
    "copy_tests": copied_ami,
    "template_tests": launch_template,
    "asg_tests": dr_group,
    "policy_tests": scaling_policies,
    "health_tests": dr_health_check,
}
