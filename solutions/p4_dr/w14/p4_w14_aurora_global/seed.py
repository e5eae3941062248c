"""Starting state of p4_w14_aurora_global: the network of p4_w14_network, as far as needed.

- in each region the VPC ``<prefix>-vpc`` (10.0.0.0/16 in us-east-1, 10.1.0.0/16 in
  us-west-2) with its three private subnets ``<prefix>-private-a|b|c`` (10.x.1-3.0/24, one per
  AZ, tagged Tier=private): the database lives there;
- in each VPC the app security group and the database security group, which admits TCP 5432
  from the local app group and from the other region's private subnets;
- the Secrets Manager secret ``trading-platform/aurora-master`` (us-east-1) with the master
  user name and a generated password, as the security team hands them out.

Public subnets, NAT gateways and the peering connection are left out: nothing in this lab
depends on them. Idempotent: everything is looked up by name before it is created.
"""

from __future__ import annotations

import json
import secrets

SIDES = ("primary", "dr")
CIDRS = {"primary": "10.0", "dr": "10.1"}


def _tags(resource_type: str, name: str, **more: str) -> list[dict]:
    pairs = {"Name": name, **more}
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}
    ]


def _network(lab, side: str) -> dict[str, str]:
    names = lab.names
    region, prefix = names[f"{side}_region"], names[f"{side}_prefix"]
    ec2 = lab.client("ec2", region)
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"]
    if found:
        vpc_id = found[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(
            CidrBlock=f"{CIDRS[side]}.0.0/16", TagSpecifications=_tags("vpc", f"{prefix}-vpc")
        )["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    existing = {
        t["Value"]: s["SubnetId"]
        for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]
        for t in s.get("Tags", [])
        if t["Key"] == "Name"
    }
    subnet_ids = []
    for i, letter in enumerate("abc"):
        name = f"{prefix}-private-{letter}"
        if name not in existing:
            existing[name] = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=f"{CIDRS[side]}.{i + 1}.0/24",
                AvailabilityZone=f"{region}{letter}",
                TagSpecifications=_tags("subnet", name, Tier="private"),
            )["Subnet"]["SubnetId"]
        subnet_ids.append(existing[name])

    def group(name: str, description: str) -> str:
        found = ec2.describe_security_groups(
            Filters=[*in_vpc, {"Name": "group-name", "Values": [name]}]
        )["SecurityGroups"]
        if found:
            return found[0]["GroupId"]
        return ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)[
            "GroupId"
        ]

    app = group(names["sg_app"], "trading platform application servers")
    db = group(names["sg_db"], "Aurora PostgreSQL: app tiers only")
    rules = ec2.describe_security_groups(GroupIds=[db])["SecurityGroups"][0]["IpPermissions"]
    if not rules:
        peer = CIDRS["dr" if side == "primary" else "primary"]
        ec2.authorize_security_group_ingress(
            GroupId=db,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": app}],
                    "IpRanges": [{"CidrIp": f"{peer}.{i}.0/24"} for i in (1, 2, 3)],
                }
            ],
        )
    return {
        f"vpc_{side}": vpc_id,
        f"private_subnets_{side}": ",".join(subnet_ids),
        f"sg_app_{side}": app,
        f"sg_db_{side}": db,
    }


def seed(lab) -> dict[str, str]:
    names = lab.names
    derived: dict[str, str] = {}
    for side in SIDES:
        derived.update(_network(lab, side))
    sm = lab.client("secretsmanager", names["primary_region"])
    try:
        arn = sm.describe_secret(SecretId=names["db_secret"])["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        value = {"username": "trader", "password": secrets.token_urlsafe(18)}
        arn = sm.create_secret(
            Name=names["db_secret"],
            Description="Master user of the trading platform's Aurora global database",
            SecretString=json.dumps(value),
        )["ARN"]
    derived["db_secret_arn"] = arn
    return derived
