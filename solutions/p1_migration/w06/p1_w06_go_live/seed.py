"""Starting state of p1_w06_go_live: the migrated platform as weeks 4-6 left it.

- the production database: RDS PostgreSQL ``retail-shop-db`` (db.r6g.large, Multi-AZ, 100 GB,
  automated backups kept 7 days), loaded with the migrated shop data
  (``p1_retail.load_postgres``), and its connection secret in Secrets Manager, which the
  application reads;
- the network and the web tier: VPC ``retail-prod-vpc`` with public and private subnets in two
  AZs, one NAT gateway per AZ, the Application Load Balancer ``retail-shop-alb``;
- ECS on Fargate: cluster ``retail-shop`` with the web service (4 tasks of 1 vCPU / 2 GB) and
  the worker service that replaced the cron host (2 tasks of 0.5 vCPU / 1 GB);
- DNS: the public zone ``retail-shop.example.com`` whose ``shop`` record still points at the
  data centre's load balancer (203.0.113.10): the cut-over of task 6 moves it.

Idempotent: every resource is looked up before it is created; the database is loaded only when
its ``orders`` table is missing, and never touched once it is not ``available`` (the DR test
stops it on purpose).
"""

from __future__ import annotations

import json

PASSWORD = "GoLive-2026-retail"
AZS = ("a", "b")


def _tags(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _database(lab) -> dict:
    names, rds = lab.names, lab.client("rds")
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=names["db_instance"])["DBInstances"][
            0
        ]
    except rds.exceptions.DBInstanceNotFoundFault:
        pass
    return rds.create_db_instance(
        DBInstanceIdentifier=names["db_instance"],
        Engine="postgres",
        EngineVersion="16.4",
        DBInstanceClass="db.r6g.large",
        AllocatedStorage=100,
        StorageType="gp3",
        MultiAZ=True,
        MasterUsername=names["db_user"],
        MasterUserPassword=PASSWORD,
        DBName=names["db_name"],
        BackupRetentionPeriod=7,
        StorageEncrypted=True,
        Tags=[{"Key": "Project", "Value": "p1"}],
    )["DBInstance"]


def _load(db: dict, names: dict) -> None:
    import psycopg

    from labkit.datasets import p1_retail

    if db.get("DBInstanceStatus") != "available":
        return
    endpoint = db["Endpoint"]
    conninfo = (
        f"host={endpoint['Address']} port={endpoint['Port']} dbname={names['db_name']} "
        f"user={names['db_user']} password={PASSWORD} connect_timeout=10"
    )
    with psycopg.connect(conninfo) as conn:
        loaded = conn.execute("SELECT to_regclass('public.orders') IS NOT NULL").fetchone()[0]
    if not loaded:
        p1_retail.load_postgres(conninfo)


def _secret(lab, db: dict) -> str:
    names, sm = lab.names, lab.client("secretsmanager")
    try:
        return sm.describe_secret(SecretId=names["db_secret"])["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        pass
    value = {
        "engine": "postgres",
        "host": db["Endpoint"]["Address"],
        "port": db["Endpoint"]["Port"],
        "dbname": names["db_name"],
        "username": names["db_user"],
        "password": PASSWORD,
        "dbInstanceIdentifier": names["db_instance"],
    }
    return sm.create_secret(
        Name=names["db_secret"],
        Description="Connection of the shop's ECS services to the production database",
        SecretString=json.dumps(value),
    )["ARN"]


def _network(lab) -> tuple[str, list[str]]:
    names, ec2 = lab.names, lab.client("ec2")
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names["vpc"]]}])["Vpcs"]
    if found:
        vpc_id = found[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(
            CidrBlock="10.1.0.0/16", TagSpecifications=_tags("vpc", names["vpc"])
        )["Vpc"]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = {
        s["CidrBlock"]: s["SubnetId"] for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    }
    public = []
    for i, az in enumerate(AZS):
        for tier, base in (("public", 0), ("private", 10)):
            cidr = f"10.1.{base + i}.0/24"
            if cidr not in subnets:
                subnets[cidr] = ec2.create_subnet(
                    VpcId=vpc_id,
                    CidrBlock=cidr,
                    AvailabilityZone=f"{lab.region}{az}",
                    TagSpecifications=_tags("subnet", f"retail-prod-{tier}-{az}"),
                )["Subnet"]["SubnetId"]
            if tier == "public":
                public.append(subnets[cidr])
    if not ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]:
        igw = ec2.create_internet_gateway(
            TagSpecifications=_tags("internet-gateway", "retail-prod-igw")
        )
        ec2.attach_internet_gateway(
            InternetGatewayId=igw["InternetGateway"]["InternetGatewayId"], VpcId=vpc_id
        )
    nats = [
        n
        for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]
        if n["State"] != "deleted"
    ]
    for subnet_id, az in list(zip(public, AZS, strict=True))[len(nats) :]:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(
            SubnetId=subnet_id,
            AllocationId=allocation,
            TagSpecifications=_tags("natgateway", f"retail-prod-nat-{az}"),
        )
    return vpc_id, public


def _load_balancer(lab, public: list[str]) -> str:
    names, elbv2 = lab.names, lab.client("elbv2")
    try:
        return elbv2.describe_load_balancers(Names=[names["alb"]])["LoadBalancers"][0]["DNSName"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        pass
    return elbv2.create_load_balancer(
        Name=names["alb"], Subnets=public, Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]["DNSName"]


def _ecs(lab, secret_arn: str) -> None:
    names, ecs = lab.names, lab.client("ecs")
    if not ecs.describe_clusters(clusters=[names["ecs_cluster"]])["clusters"]:
        ecs.create_cluster(clusterName=names["ecs_cluster"])
    elif (
        ecs.describe_clusters(clusters=[names["ecs_cluster"]])["clusters"][0]["status"] != "ACTIVE"
    ):
        ecs.create_cluster(clusterName=names["ecs_cluster"])
    for service, cpu, memory, count in (
        (names["web_service"], "1024", "2048", 4),
        (names["worker_service"], "512", "1024", 2),
    ):
        found = ecs.describe_services(cluster=names["ecs_cluster"], services=[service])["services"]
        if found and found[0]["status"] == "ACTIVE":
            continue
        task = ecs.register_task_definition(
            family=service,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu=cpu,
            memory=memory,
            containerDefinitions=[
                {
                    "name": "shop" if service == names["web_service"] else "worker",
                    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/retail-shop:1.4.0",
                    "essential": True,
                    "portMappings": [{"containerPort": 8080}],
                    "secrets": [{"name": "DATABASE_SECRET", "valueFrom": secret_arn}],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=names["ecs_cluster"],
            serviceName=service,
            taskDefinition=task,
            desiredCount=count,
            launchType="FARGATE",
        )


def _dns(lab) -> str:
    names, route53 = lab.names, lab.client("route53")
    zones = route53.list_hosted_zones_by_name(DNSName=names["zone"])["HostedZones"]
    zones = [z for z in zones if z["Name"] == names["zone"] + "."]
    if zones:
        return zones[0]["Id"].split("/")[-1]
    zone_id = route53.create_hosted_zone(Name=names["zone"], CallerReference="p1-go-live-seed")[
        "HostedZone"
    ]["Id"].split("/")[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": names["shop_record"],
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": names["onprem_ip"]}],
                    },
                }
            ]
        },
    )
    return zone_id


def seed(lab) -> dict[str, str]:
    db = _database(lab)
    _load(db, lab.names)
    secret_arn = _secret(lab, db)
    vpc_id, public = _network(lab)
    alb_dns = _load_balancer(lab, public)
    _ecs(lab, secret_arn)
    zone_id = _dns(lab)
    return {"db_secret_arn": secret_arn, "zone_id": zone_id, "alb_dns": alb_dns, "vpc_id": vpc_id}
