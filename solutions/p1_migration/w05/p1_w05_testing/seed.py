"""Starting state of p1_w05_testing: the staging copy of the migrated shop's data tier, as the
migration team left it on day 13, including the security mistakes the learner has to find.

- the landing-zone VPC ``lz-vpc`` with two data subnets and a DB subnet group;
- the security groups ``lz-app-sg`` (the application tasks) and ``retail-staging-db-sg``
  which, by a leftover of the migration weekend, admits 5432 from 0.0.0.0/0 and not from
  ``lz-app-sg``;
- the RDS PostgreSQL instance ``retail-staging-db`` (a real PostgreSQL server on the emulator),
  encrypted, but **publicly accessible**, loaded with the migrated data
  (``p1_retail.load_postgres``) but **without** the index ``orders_customer_ix`` (the staging
  copy was made by a full load that skipped secondary indexes);
- the secret ``retail/staging/database-url`` (the database URL) **without rotation**, and the
  rotation function ``retail-shop-secret-rotation`` the platform team provides;
- the ECS task definition ``retail-shop-staging`` (the test environment's) revision 1 with
  DATABASE_URL in **plain environment**.

Idempotent: looked up by name first; the data is loaded only when the products table is missing.
"""

from __future__ import annotations

import io
import json
import zipfile

import psycopg

from labkit.datasets import p1_retail

MASTER_PASSWORD = "Shop-Migration-2026"  # the seeded instance's master password (in the secret)

ROTATION_CODE = '''\
"""Secrets Manager rotation for the shop's database secrets (single user).

The four steps of the rotation protocol; this training version keeps the same credentials
(createSecret copies the current value to AWSPENDING) so a rotation never locks the shop out.
"""
import boto3


def handler(event, context):
    sm = boto3.client("secretsmanager")
    step, secret, token = event["Step"], event["SecretId"], event["ClientRequestToken"]
    print(f"rotation {step} for {secret} ({token})")
    if step == "createSecret":
        current = sm.get_secret_value(SecretId=secret, VersionStage="AWSCURRENT")
        try:
            sm.get_secret_value(SecretId=secret, VersionId=token, VersionStage="AWSPENDING")
        except sm.exceptions.ResourceNotFoundException:
            sm.put_secret_value(
                SecretId=secret,
                ClientRequestToken=token,
                SecretString=current["SecretString"],
                VersionStages=["AWSPENDING"],
            )
    return {"step": step}
'''


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
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    data_ids = []
    for az, cidr in (("a", "10.0.20.0/24"), ("b", "10.0.21.0/24")):
        subnet = _named(subnets, f"lz-data-{az}")
        if subnet is None:
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{lab.region}{az}",
                TagSpecifications=_tags("subnet", f"lz-data-{az}", Tier="data"),
            )["Subnet"]
        data_ids.append(subnet["SubnetId"])
    groups = {
        g["GroupName"]: g for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    }
    ids = {}
    for key, description in (("sg_app", "Application tasks"), ("sg_db", "Staging shop database")):
        name = names[key]
        if name in groups:
            ids[key] = groups[name]["GroupId"]
            continue
        ids[key] = ec2.create_security_group(
            GroupName=name,
            Description=description,
            VpcId=vpc_id,
            TagSpecifications=_tags("security-group", name),
        )["GroupId"]
        if key == "sg_db":  # the migration weekend's shortcut
            ec2.authorize_security_group_ingress(
                GroupId=ids[key],
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "DMS, temporary"}],
                    }
                ],
            )
    rds = lab.client("rds")
    try:
        rds.describe_db_subnet_groups(DBSubnetGroupName=names["db_subnet_group"])
    except rds.exceptions.DBSubnetGroupNotFoundFault:
        rds.create_db_subnet_group(
            DBSubnetGroupName=names["db_subnet_group"],
            DBSubnetGroupDescription="Data tier of the landing zone (staging)",
            SubnetIds=data_ids,
        )
    return {"vpc_id": vpc_id, "sg_app_id": ids["sg_app"], "sg_db_id": ids["sg_db"]}


def _database(lab, sg_db_id: str) -> str:
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
            VpcSecurityGroupIds=[sg_db_id],
            DBSubnetGroupName=names["db_subnet_group"],
            PubliclyAccessible=True,  # the finding
            StorageEncrypted=True,
            BackupRetentionPeriod=7,
            MultiAZ=False,
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
        # like a DMS full load, the staging copy came without one secondary index (the finding
        # of the optimization task)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP INDEX IF EXISTS orders_customer_ix")
    return url


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buf.getvalue()


def _rotation_function(lab) -> str:
    names, lam, iam = lab.names, lab.client("lambda"), lab.client("iam")
    try:
        return lam.get_function(FunctionName=names["rotation_function"])["Configuration"][
            "FunctionArn"
        ]
    except lam.exceptions.ResourceNotFoundException:
        pass
    try:
        role = iam.get_role(RoleName=names["rotation_function"])["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=names["rotation_function"],
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
    return lam.create_function(
        FunctionName=names["rotation_function"],
        Runtime="python3.12",
        Role=role,
        Handler="rotation.handler",
        Code={"ZipFile": _zip({"rotation.py": ROTATION_CODE})},
        Timeout=30,
    )["FunctionArn"]


def seed(lab) -> dict[str, str]:
    names = lab.names
    found = _network(lab)
    url = _database(lab, found["sg_db_id"])

    secrets = lab.client("secretsmanager")
    try:
        secret_arn = secrets.describe_secret(SecretId=names["db_secret"])["ARN"]
        current = secrets.get_secret_value(SecretId=names["db_secret"])["SecretString"]
        if current != url:  # the instance was re-created on another port
            secrets.put_secret_value(SecretId=names["db_secret"], SecretString=url)
    except secrets.exceptions.ResourceNotFoundException:
        secret_arn = secrets.create_secret(
            Name=names["db_secret"],
            Description="Connection URL of the staging shop database",
            SecretString=url,
        )["ARN"]
    found["db_secret_arn"] = secret_arn
    found["rotation_function_arn"] = _rotation_function(lab)

    ecs = lab.client("ecs")
    try:
        ecs.describe_task_definition(taskDefinition=names["task_family"])
    except ecs.exceptions.ClientException:
        ecs.register_task_definition(
            family=names["task_family"],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="512",
            memory="1024",
            containerDefinitions=[
                {
                    "name": names["container"],
                    "image": (
                        f"{lab.account_id}.dkr.ecr.{lab.region}.amazonaws.com/retail/shop:1.4.0"
                    ),
                    "essential": True,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                    "environment": [
                        {"name": "PORT", "value": "8080"},
                        {"name": "DATABASE_URL", "value": url},  # the finding
                    ],
                }
            ],
        )
    return found
