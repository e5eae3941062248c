"""Starting state of p1_w06_security_monitoring: the migrated shop as weeks 4-6 left it.

- a VPC (``retail-sec-vpc``) with two public subnets, the load balancer ``retail-shop-alb``
  with an HTTP:80 listener forwarding to the target group ``retail-shop-tg``;
- the RDS PostgreSQL instance ``retail-shop-db`` (storage encrypted) holding the migrated
  schema and data (``p1_retail.load_postgres``): the shop application runs against it;
- the on-call SNS topic ``retail-shop-oncall`` with the SQS queue ``retail-shop-oncall-inbox``
  subscribed (raw delivery off), standing in for the pager: alarm notifications land there;
- the S3 bucket and the IAM role AWS Config delivers with.

Idempotent: everything is looked up by name first; the data is loaded only when the database
does not hold the 400 products yet. Returns the ARNs and the database URL the notebook uses.
"""

from __future__ import annotations

import json

DB_PASSWORD = "retail-shop-w06-db"  # an emulator-only database: nothing real behind it


def _named(items: list[dict], name: str) -> dict | None:
    for item in items:
        if {"Key": "Name", "Value": name} in item.get("Tags", []):
            return item
    return None


def _network(lab) -> tuple[str, list[str]]:
    names, ec2 = lab.names, lab.client("ec2")
    vpc = _named(ec2.describe_vpcs()["Vpcs"], names["vpc"])
    if vpc is None:
        vpc = ec2.create_vpc(
            CidrBlock="10.0.0.0/16",
            TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": names["vpc"]}]}
            ],
        )["Vpc"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "Subnets"
    ]
    ids = []
    for i, az in enumerate("ab"):
        name = f"retail-sec-public-{az}"
        found = _named(subnets, name)
        if found is None:
            found = ec2.create_subnet(
                VpcId=vpc["VpcId"],
                CidrBlock=f"10.0.{i}.0/24",
                AvailabilityZone=f"{lab.region}{az}",
                TagSpecifications=[
                    {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}
                ],
            )["Subnet"]
        ids.append(found["SubnetId"])
    return vpc["VpcId"], ids


def _load_balancer(lab, vpc_id: str, subnets: list[str]) -> tuple[dict, dict]:
    names, elb = lab.names, lab.client("elbv2")
    try:
        alb = elb.describe_load_balancers(Names=[names["alb"]])["LoadBalancers"][0]
    except elb.exceptions.LoadBalancerNotFoundException:
        alb = elb.create_load_balancer(Name=names["alb"], Subnets=subnets, Type="application")[
            "LoadBalancers"
        ][0]
    try:
        tg = elb.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]
    except elb.exceptions.TargetGroupNotFoundException:
        tg = elb.create_target_group(
            Name=names["target_group"],
            Protocol="HTTP",
            Port=8080,
            VpcId=vpc_id,
            TargetType="ip",
            HealthCheckPath="/health",
        )["TargetGroups"][0]
    if not elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]:
        elb.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )
    return alb, tg


def _database(lab) -> tuple[dict, str]:
    import psycopg

    from labkit.datasets import p1_retail

    names, rds = lab.names, lab.client("rds")
    try:
        db = rds.describe_db_instances(DBInstanceIdentifier=names["db_instance"])["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        db = rds.create_db_instance(
            DBInstanceIdentifier=names["db_instance"],
            Engine="postgres",
            DBInstanceClass="db.t3.medium",
            AllocatedStorage=20,
            MasterUsername=names["db_user"],
            MasterUserPassword=DB_PASSWORD,
            DBName=names["db_name"],
            StorageEncrypted=True,
        )["DBInstance"]
        db = rds.describe_db_instances(DBInstanceIdentifier=names["db_instance"])["DBInstances"][0]
    endpoint = db["Endpoint"]
    url = (
        f"postgresql://{names['db_user']}:{DB_PASSWORD}@{endpoint['Address']}:"
        f"{endpoint['Port']}/{names['db_name']}"
    )
    with psycopg.connect(url, connect_timeout=10) as conn:
        loaded = conn.execute("SELECT to_regclass('public.products') IS NOT NULL").fetchone()[0]
        if loaded:
            loaded = conn.execute("SELECT count(*) FROM products").fetchone()[0] == 400
    if not loaded:
        p1_retail.load_postgres(url)
    return db, url


def seed(lab) -> dict[str, str]:
    names = lab.names
    vpc_id, subnets = _network(lab)
    alb, tg = _load_balancer(lab, vpc_id, subnets)
    db, url = _database(lab)

    sns, sqs = lab.client("sns"), lab.client("sqs")
    topic_arn = sns.create_topic(Name=names["oncall_topic"])["TopicArn"]
    queue_url = sqs.create_queue(QueueName=names["oncall_queue"])["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    subscribed = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    if not any(s["Endpoint"] == queue_arn for s in subscribed):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    s3 = lab.client("s3")
    if names["config_bucket"] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=names["config_bucket"])
    iam = lab.client("iam")
    try:
        role = iam.get_role(RoleName=names["config_role"])["Role"]
    except iam.exceptions.NoSuchEntityException:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "config.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = iam.create_role(
            RoleName=names["config_role"], AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]
    bucket_arn = f"arn:aws:s3:::{names['config_bucket']}"
    delivery = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:PutObjectAcl"],
                "Resource": f"{bucket_arn}/AWSLogs/{lab.account_id}/*",
                "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket_arn},
            {
                "Effect": "Allow",
                "Action": ["config:Put*", "config:Get*", "config:Describe*", "config:List*"],
                "Resource": "*",
            },
        ],
    }
    iam.put_role_policy(
        RoleName=names["config_role"],
        PolicyName="config-recorder-delivery",
        PolicyDocument=json.dumps(delivery),
    )
    return {
        "alb_arn": alb["LoadBalancerArn"],
        "alb_dimension": alb["LoadBalancerArn"].split(":loadbalancer/", 1)[1],
        "target_group_arn": tg["TargetGroupArn"],
        "db_arn": db["DBInstanceArn"],
        "database_url": url,
        "oncall_topic_arn": topic_arn,
        "oncall_queue_url": queue_url,
        "config_role_arn": role["Arn"],
    }
