"""Starting state of p1_w04_db_migration_plan: the landing zone's data tier, already built.

- VPC ``retail-vpc`` with two private data subnets (us-east-1a, us-east-1b), tagged
  ``Tier=data``;
- the RDS DB subnet group ``retail-data-subnets`` over them;
- security groups ``retail-dms-sg`` (the DMS replication instance) and ``retail-db-sg``
  (PostgreSQL: 5432 from the DMS group only);
- the Secrets Manager secret ``retail/test-db/master`` with the test database's master user
  name and password (the learner reads it; nobody types a password into a notebook);
- the secret ``retail/oracle/dms-user``: the Oracle account DMS reads with;
- the Oracle source as the Tomcat configuration names it (``configs/tomcat/context.xml``):
  the RAC's addresses (node VIPs), port and service name, returned as names for the checks.

Idempotent: every resource is looked up (by Name tag or name) before it is created.
"""

from __future__ import annotations

import json
import re

from labkit.datasets import p1_retail

PASSWORD = "Retail-Test-2026!"  # the test database's master password, kept in the secret
MASTER_USER = "retail_admin"
DEFAULT_SOURCE = ("db01-vip.retail.local,db02-vip.retail.local", 1521, "SHOP.retail.local")


def oracle_source() -> tuple[str, int, str]:
    """(hosts, port, service) of the Oracle RAC from the Tomcat JDBC URL of the estate; hosts
    comma-separated in the URL's order (the node VIPs of its ADDRESS_LIST, or a SCAN name)."""
    path = p1_retail.ROOT / "configs" / "tomcat" / "context.xml"
    if not path.is_file():
        return DEFAULT_SOURCE
    return parse_jdbc(path.read_text()) or DEFAULT_SOURCE


def parse_jdbc(text: str) -> tuple[str, int, str] | None:
    """The Oracle address in a JDBC URL: the descriptor form (HOST=..)(PORT=..)(SERVICE_NAME=..)
    or the thin form ``@//host:port/service``."""
    m = re.search(r"jdbc:oracle:thin:@[^\"'<\s]*", text, re.I)
    url = m.group(0) if m else text
    hosts = re.findall(r"HOST\s*=\s*([\w.-]+)", url, re.I)
    if hosts:
        port = re.search(r"PORT\s*=\s*(\d+)", url, re.I)
        service = re.search(r"SERVICE_NAME\s*=\s*([\w.$-]+)", url, re.I)
        return (
            ",".join(hosts),
            int(port.group(1)) if port else 1521,
            service.group(1) if service else DEFAULT_SOURCE[2],
        )
    thin = re.search(r"@(?://)?([\w.-]+):(\d+)[/:]([\w.$-]+)", url)
    if thin:
        return thin.group(1), int(thin.group(2)), thin.group(3)
    return None


def _named(items: list[dict], name: str) -> dict | None:
    for item in items:
        if any(t["Key"] == "Name" and t["Value"] == name for t in item.get("Tags", [])):
            return item
    return None


def _tags(kind: str, name: str, **more: str) -> list[dict]:
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in more.items()]
    return [{"ResourceType": kind, "Tags": tags}]


def seed(lab) -> dict[str, str]:
    names = lab.names
    ec2 = lab.client("ec2")
    vpc = _named(ec2.describe_vpcs()["Vpcs"], names["vpc"])
    if vpc is None:
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tags("vpc", names["vpc"]))[
            "Vpc"
        ]
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    subnet_ids = []
    for suffix, cidr in (("a", "10.0.20.0/24"), ("b", "10.0.21.0/24")):
        name = f"retail-data-{suffix}"
        subnet = _named(subnets, name)
        if subnet is None:
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{lab.region}{suffix}",
                TagSpecifications=_tags("subnet", name, Tier="data"),
            )["Subnet"]
        subnet_ids.append(subnet["SubnetId"])

    groups = {
        g["GroupName"]: g["GroupId"]
        for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    }
    for key, description in (
        ("dms_sg", "DMS replication instance"),
        ("db_sg", "PostgreSQL of the retail shop"),
    ):
        if names[key] not in groups:
            groups[names[key]] = ec2.create_security_group(
                GroupName=names[key],
                Description=description,
                VpcId=vpc_id,
                TagSpecifications=_tags("security-group", names[key]),
            )["GroupId"]
    db_sg, dms_sg = groups[names["db_sg"]], groups[names["dms_sg"]]
    rules = ec2.describe_security_groups(GroupIds=[db_sg])["SecurityGroups"][0]["IpPermissions"]
    if not any(p.get("FromPort") == 5432 for p in rules):
        ec2.authorize_security_group_ingress(
            GroupId=db_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": dms_sg, "Description": "DMS"}],
                }
            ],
        )

    rds = lab.client("rds")
    existing = {g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]}
    if names["db_subnet_group"] not in existing:
        rds.create_db_subnet_group(
            DBSubnetGroupName=names["db_subnet_group"],
            DBSubnetGroupDescription="Data tier of the retail landing zone",
            SubnetIds=subnet_ids,
        )

    sm = lab.client("secretsmanager")
    secret = json.dumps({"username": MASTER_USER, "password": PASSWORD})
    try:
        secret_arn = sm.describe_secret(SecretId=names["db_secret"])["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        secret_arn = sm.create_secret(
            Name=names["db_secret"],
            Description="Master credentials of the retail test PostgreSQL database",
            SecretString=secret,
        )["ARN"]

    oracle_secret = json.dumps({"username": "DMS_USER", "password": "Dms-Reader-2026!"})
    try:
        sm.describe_secret(SecretId=names["oracle_secret"])
    except sm.exceptions.ResourceNotFoundException:
        sm.create_secret(
            Name=names["oracle_secret"],
            Description="Oracle user DMS reads RETAIL with (SELECT ANY TABLE, LogMiner)",
            SecretString=oracle_secret,
        )

    hosts, port, service = oracle_source()
    return {
        "vpc_id": vpc_id,
        "data_subnet_ids": ",".join(subnet_ids),
        "db_sg_id": db_sg,
        "dms_sg_id": dms_sg,
        "db_secret_arn": secret_arn,
        "oracle_hosts": hosts,
        "oracle_port": str(port),
        "oracle_service": service,
    }
