"""Starting state of p1_w05_containers: what the landing zone (week 4) and the database
migration already built.

- the landing-zone VPC ``lz-vpc`` (10.0.0.0/16) with two public subnets (internet gateway) and
  two private subnets in us-east-1a and us-east-1b, tagged ``Tier=public`` / ``Tier=private``;
- the security groups ``lz-alb-sg`` (80 and 443 from anywhere) and ``lz-app-sg`` (8080 from
  ``lz-alb-sg`` only);
- the migrated database: the RDS PostgreSQL instance ``retail-shop-db`` (a real PostgreSQL
  server on the emulator) loaded with ``p1_retail.load_postgres``, and the Secrets Manager
  secret ``retail/shop/database-url`` holding its URL;
- the application's task role ``retail-app-task-role`` (trusts ecs-tasks.amazonaws.com);
- the CI service roles: ``retail-shop-codebuild-role`` (codebuild.amazonaws.com) and
  ``retail-shop-pipeline-role`` (codepipeline.amazonaws.com).

Idempotent: everything is looked up by name first.
"""

from __future__ import annotations

import json

import psycopg

from labkit.datasets import p1_retail

# the master password of the seeded instance (the same in p1_w05_testing, which may find it)
MASTER_PASSWORD = "Shop-Migration-2026"

AZS = ("a", "b")
SUBNETS = {
    "public": ("10.0.0.0/24", "10.0.1.0/24"),
    "private": ("10.0.10.0/24", "10.0.11.0/24"),
}


def _tags(kind: str, name: str, **more: str) -> list[dict]:
    pairs = {"Name": name, **more}
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}]


def _named(items: list[dict], name: str) -> dict | None:
    for item in items:
        if {"Key": "Name", "Value": name} in item.get("Tags", []):
            return item
    return None


def _network(lab) -> dict[str, str]:
    names, ec2 = lab.names, lab.client("ec2")
    vpc = _named(ec2.describe_vpcs()["Vpcs"], names["vpc"])
    if vpc is None:
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tags("vpc", names["vpc"]))[
            "Vpc"
        ]
        for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
            ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], **{attribute: {"Value": True}})
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]

    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    if igws:
        igw_id = igws[0]["InternetGatewayId"]
    else:
        igw_id = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", "lz-igw"))[
            "InternetGateway"
        ]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)

    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    ids: dict[str, list[str]] = {"public": [], "private": []}
    for tier, cidrs in SUBNETS.items():
        for az, cidr in zip(AZS, cidrs, strict=True):
            name = f"lz-{tier}-{az}"
            subnet = _named(subnets, name)
            if subnet is None:
                subnet = ec2.create_subnet(
                    VpcId=vpc_id,
                    CidrBlock=cidr,
                    AvailabilityZone=f"{lab.region}{az}",
                    TagSpecifications=_tags("subnet", name, Tier=tier),
                )["Subnet"]
                if tier == "public":
                    ec2.modify_subnet_attribute(
                        SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True}
                    )
            ids[tier].append(subnet["SubnetId"])

    tables = ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
    public_rt = _named(tables, "lz-public-rt")
    if public_rt is None:
        public_rt = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=_tags("route-table", "lz-public-rt")
        )["RouteTable"]
        ec2.create_route(
            RouteTableId=public_rt["RouteTableId"],
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=igw_id,
        )
        for subnet_id in ids["public"]:
            ec2.associate_route_table(RouteTableId=public_rt["RouteTableId"], SubnetId=subnet_id)

    groups = {
        g["GroupName"]: g for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    }

    def group(name: str, description: str) -> tuple[str, bool]:
        if name in groups:
            return groups[name]["GroupId"], False
        created = ec2.create_security_group(
            GroupName=name,
            Description=description,
            VpcId=vpc_id,
            TagSpecifications=_tags("security-group", name),
        )
        return created["GroupId"], True

    alb_sg, new_alb = group(names["sg_alb"], "Internet-facing load balancer")
    app_sg, new_app = group(names["sg_app"], "Application tasks")
    if new_alb:
        ec2.authorize_security_group_ingress(
            GroupId=alb_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": p,
                    "ToPort": p,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
                for p in (80, 443)
            ],
        )
    if new_app:
        ec2.authorize_security_group_ingress(
            GroupId=app_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 8080,
                    "ToPort": 8080,
                    "UserIdGroupPairs": [{"GroupId": alb_sg}],
                }
            ],
        )
    return {
        "vpc_id": vpc_id,
        "public_subnets": ",".join(ids["public"]),
        "private_subnets": ",".join(ids["private"]),
        "sg_alb_id": alb_sg,
        "sg_app_id": app_sg,
    }


def _role(iam, name: str, service: str, description: str) -> str:
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
        return iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Description=description
        )["Role"]["Arn"]


def _database(lab) -> str:
    """The migrated database's URL; the instance is created and loaded when missing."""
    names, rds = lab.names, lab.client("rds")
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=names["db_instance"])[
            "DBInstances"
        ][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        instance = rds.create_db_instance(
            DBInstanceIdentifier=names["db_instance"],
            Engine="postgres",
            EngineVersion="16.4",
            DBInstanceClass="db.t3.medium",
            AllocatedStorage=50,
            MasterUsername=names["db_user"],
            MasterUserPassword=MASTER_PASSWORD,
            DBName=names["db_name"],
            StorageEncrypted=True,
            PubliclyAccessible=False,
            BackupRetentionPeriod=7,
        )["DBInstance"]
    endpoint = instance["Endpoint"]
    url = (
        f"postgresql://{names['db_user']}:{MASTER_PASSWORD}@{endpoint['Address']}:"
        f"{endpoint['Port']}/{names['db_name']}"
    )
    with psycopg.connect(url, connect_timeout=10) as conn:
        loaded = conn.execute("SELECT to_regclass('public.products') IS NOT NULL").fetchone()[0]
    if not loaded:
        p1_retail.load_postgres(url)
    return url


def seed(lab) -> dict[str, str]:
    names = lab.names
    found = _network(lab)
    url = _database(lab)

    secrets = lab.client("secretsmanager")
    try:
        secret_arn = secrets.describe_secret(SecretId=names["db_secret"])["ARN"]
        if secrets.get_secret_value(SecretId=names["db_secret"])["SecretString"] != url:
            secrets.put_secret_value(SecretId=names["db_secret"], SecretString=url)
    except secrets.exceptions.ResourceNotFoundException:
        secret_arn = secrets.create_secret(
            Name=names["db_secret"],
            Description="Connection URL of the migrated shop database",
            SecretString=url,
        )["ARN"]

    iam = lab.client("iam")
    found["task_role_arn"] = _role(
        iam, names["task_role"], "ecs-tasks.amazonaws.com", "The shop application's task role"
    )
    found["codebuild_role_arn"] = _role(
        iam, names["codebuild_role"], "codebuild.amazonaws.com", "Builds the shop image"
    )
    found["pipeline_role_arn"] = _role(
        iam, names["pipeline_role"], "codepipeline.amazonaws.com", "Runs the shop pipeline"
    )
    found["db_secret_arn"] = secret_arn
    found["repository_uri"] = (
        f"{lab.account_id}.dkr.ecr.{lab.region}.amazonaws.com/{names['repository']}"
    )
    return found
