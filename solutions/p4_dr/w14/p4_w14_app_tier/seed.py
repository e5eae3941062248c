"""Starting state of p4_w14_app_tier: what the network lab and the release pipeline left.

- us-west-2: the DR VPC ``trading-platform-dr-vpc`` (10.1.0.0/16) with its three private
  subnets ``trading-platform-dr-private-a|b|c`` (10.1.1-3.0/24, Tier=private) and the app
  security group ``trading-platform-app-sg``; a customer managed KMS key for EBS volumes,
  alias ``alias/trading-platform-ebs``;
- us-east-1: the primary VPC with one private subnet and its app security group, and the
  release pipeline's **golden instance** ``trading-platform-app-golden`` (running, tagged with
  the app version) from which the learner builds the AMI.

Public subnets, NAT gateways, peering and the database are left out: nothing here needs them.
Idempotent: everything is looked up by name (or alias) first.
"""

from __future__ import annotations


def _tags(resource_type: str, name: str, **more: str) -> list[dict]:
    pairs = {"Name": name, **more}
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}
    ]


def _by_name(items: list[dict], name: str) -> dict | None:
    return next(
        (
            i
            for i in items
            if any(t["Key"] == "Name" and t["Value"] == name for t in i.get("Tags", []))
        ),
        None,
    )


def _vpc(ec2, prefix: str, second: int, region: str, subnets: int) -> dict[str, object]:
    vpc = _by_name(ec2.describe_vpcs()["Vpcs"], f"{prefix}-vpc")
    if vpc is None:
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{second}.0.0/16", TagSpecifications=_tags("vpc", f"{prefix}-vpc")
        )["Vpc"]
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    found = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    ids = []
    for i, letter in enumerate("abc"[:subnets]):
        name = f"{prefix}-private-{letter}"
        subnet = _by_name(found, name)
        if subnet is None:
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=f"10.{second}.{i + 1}.0/24",
                AvailabilityZone=f"{region}{letter}",
                TagSpecifications=_tags("subnet", name, Tier="private"),
            )["Subnet"]
        ids.append(subnet["SubnetId"])
    return {"vpc": vpc_id, "subnets": ids}


def _group(ec2, vpc_id: str, name: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    return ec2.create_security_group(
        GroupName=name, Description="trading platform application servers", VpcId=vpc_id
    )["GroupId"]


def seed(lab) -> dict[str, str]:
    names = lab.names
    east = lab.client("ec2", names["primary_region"])
    west = lab.client("ec2", names["dr_region"])

    dr = _vpc(west, names["dr_prefix"], 1, names["dr_region"], 3)
    dr_sg = _group(west, dr["vpc"], names["sg_app"])
    primary = _vpc(east, names["primary_prefix"], 0, names["primary_region"], 1)
    primary_sg = _group(east, primary["vpc"], names["sg_app"])

    running = east.describe_instances(
        Filters=[
            {"Name": "tag:Name", "Values": [names["golden_instance"]]},
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]},
        ]
    )["Reservations"]
    if running:
        golden = running[0]["Instances"][0]["InstanceId"]
    else:
        base = east.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        golden = east.run_instances(
            ImageId=base,
            InstanceType="m5.large",
            MinCount=1,
            MaxCount=1,
            SubnetId=primary["subnets"][0],
            SecurityGroupIds=[primary_sg],
            MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
            TagSpecifications=_tags(
                "instance",
                names["golden_instance"],
                App="trading-platform",
                Version=names["app_version"],
            ),
        )["Instances"][0]["InstanceId"]

    kms = lab.client("kms", names["dr_region"])
    alias = next(
        (a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == names["ebs_key_alias"]),
        None,
    )
    if alias and alias.get("TargetKeyId"):
        key_id = alias["TargetKeyId"]
    else:
        key_id = kms.create_key(Description="EBS volumes of the trading platform in the DR region")[
            "KeyMetadata"
        ]["KeyId"]
        kms.create_alias(AliasName=names["ebs_key_alias"], TargetKeyId=key_id)
    key_arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    return {
        "vpc_dr": dr["vpc"],
        "private_subnets_dr": ",".join(dr["subnets"]),
        "sg_app_dr": dr_sg,
        "golden_instance_id": golden,
        "ebs_key_arn": key_arn,
    }
