"""Starting state of p1_w05_db_migration: the data tier, and the legacy database to migrate.

- VPC ``retail-vpc`` with two data subnets, the DB subnet group ``retail-data-subnets``,
  security groups ``retail-dms-sg`` and ``retail-db-sg`` (5432 from DMS), as week 4 left them;
- secrets ``retail/aurora/master`` (the new cluster's master user) and
  ``retail/legacy/dms-user`` (the account that reads the legacy database);
- **the legacy database stand-in**: no Oracle runs here, so RDS instance
  ``retail-oracle-legacy`` (PostgreSQL) plays the shop's Oracle RAC. Database ``shopdb``,
  schema ``retail`` holds the six tables with Oracle's types kept as they are in Oracle
  (``NUMBER(p)`` -> ``numeric(p)``, ``NUMBER(1)`` flags as 0/1, ``DATE`` -> ``timestamp(0)``,
  ``CLOB`` -> ``text``), loaded from the Oracle export (``p1_retail.read_table``), and the
  change capture Oracle offers: a **materialized view log** per table (``retail."mlog$_orders"``
  ...), filled by triggers with the full row image of every insert, update and delete, numbered
  by one system change number (``retail.mlog_scn``, Oracle's SCN), plus ``retail.orders_seq``
  and ``retail.customers_seq`` for the shop's new keys.

Idempotent: resources are looked up first; the legacy database is loaded only once (its
``retail.migration_source`` marker table says it is ready).
"""

from __future__ import annotations

import json
import time

from labkit.datasets import p1_retail
from labkit.datasets.p1_retail.oracle_export import columns, raw_csv

LEGACY_USER, LEGACY_PASSWORD = "retail_owner", "Legacy-Oracle-2026!"
AURORA_USER, AURORA_PASSWORD = "retail_admin", "Aurora-Retail-2026!"

# the legacy tables as Oracle types them (NUMBER(p) -> numeric(p): no boolean, no bigint)
LEGACY_DDL = """
CREATE SCHEMA retail;
CREATE TABLE retail.categories (
    category_id numeric(6) PRIMARY KEY, name varchar(100) NOT NULL,
    parent_id numeric(6) REFERENCES retail.categories (category_id));
CREATE TABLE retail.customers (
    customer_id numeric(10) PRIMARY KEY, email varchar(255) NOT NULL UNIQUE,
    first_name varchar(100), last_name varchar(100), phone varchar(30), loyalty_tier varchar(10),
    marketing_opt_in numeric(1) DEFAULT 0 CHECK (marketing_opt_in IN (0, 1)),
    created_at timestamp(0) DEFAULT localtimestamp(0));
CREATE TABLE retail.products (
    product_id numeric(10) PRIMARY KEY, sku varchar(20) NOT NULL UNIQUE, name varchar(200),
    description text, category_id numeric(6) REFERENCES retail.categories (category_id),
    price numeric(10,2), weight_kg numeric(8,3), image_file varchar(200),
    active numeric(1) DEFAULT 1 CHECK (active IN (0, 1)), created_at timestamp(0));
CREATE TABLE retail.inventory (
    product_id numeric(10) NOT NULL REFERENCES retail.products (product_id),
    warehouse varchar(10) NOT NULL, qty_on_hand numeric(8) NOT NULL, qty_reserved numeric(8) NOT NULL,
    updated_at timestamp(0), PRIMARY KEY (product_id, warehouse));
CREATE TABLE retail.orders (
    order_id numeric(12) PRIMARY KEY,
    customer_id numeric(10) NOT NULL REFERENCES retail.customers (customer_id),
    order_date timestamp(0) NOT NULL, status varchar(20) NOT NULL,
    total_amount numeric(12,2) NOT NULL, shipping_address varchar(400), updated_at timestamp(0));
CREATE TABLE retail.order_lines (
    order_id numeric(12) NOT NULL REFERENCES retail.orders (order_id) ON DELETE CASCADE,
    line_no numeric(4) NOT NULL,
    product_id numeric(10) NOT NULL REFERENCES retail.products (product_id),
    quantity numeric(6) NOT NULL, unit_price numeric(10,2) NOT NULL,
    PRIMARY KEY (order_id, line_no));
CREATE SEQUENCE retail.mlog_scn;
"""

MLOG_TRIGGER = """
CREATE TABLE retail."mlog$_{t}" AS SELECT * FROM retail.{t} WITH NO DATA;
ALTER TABLE retail."mlog$_{t}"
    ADD COLUMN "sequence$$" bigint NOT NULL DEFAULT nextval('retail.mlog_scn'),
    ADD COLUMN "dmltype$$" char(1) NOT NULL,
    ADD COLUMN "old_new$$" char(1) NOT NULL,
    ADD COLUMN "snaptime$$" timestamp(0) NOT NULL DEFAULT localtimestamp(0);
CREATE INDEX ON retail."mlog$_{t}" ("sequence$$");
CREATE FUNCTION retail."mlog$_{t}_capture"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO retail."mlog$_{t}" SELECT OLD.*, nextval('retail.mlog_scn'), 'D', 'O';
        RETURN OLD;
    END IF;
    INSERT INTO retail."mlog$_{t}" SELECT NEW.*, nextval('retail.mlog_scn'), left(TG_OP, 1), 'N';
    RETURN NEW;
END;
$$;
CREATE TRIGGER "mlog$_{t}_trg" AFTER INSERT OR UPDATE OR DELETE ON retail.{t}
    FOR EACH ROW EXECUTE FUNCTION retail."mlog$_{t}_capture"();
"""


def _named(items: list[dict], name: str) -> dict | None:
    for item in items:
        if any(t["Key"] == "Name" and t["Value"] == name for t in item.get("Tags", [])):
            return item
    return None


def _tags(kind: str, name: str, **more: str) -> list[dict]:
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in more.items()]
    return [{"ResourceType": kind, "Tags": tags}]


def _network(lab) -> dict[str, str]:
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
        subnet = (
            _named(subnets, name)
            or ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{lab.region}{suffix}",
                TagSpecifications=_tags("subnet", name, Tier="data"),
            )["Subnet"]
        )
        subnet_ids.append(subnet["SubnetId"])
    groups = {
        g["GroupName"]: g["GroupId"]
        for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    }
    for key, description in (("dms_sg", "DMS replication instance"), ("db_sg", "PostgreSQL")):
        if names[key] not in groups:
            groups[names[key]] = ec2.create_security_group(
                GroupName=names[key], Description=description, VpcId=vpc_id
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
                    "UserIdGroupPairs": [{"GroupId": dms_sg}],
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
    return {
        "vpc_id": vpc_id,
        "data_subnet_ids": ",".join(subnet_ids),
        "db_sg_id": db_sg,
        "dms_sg_id": dms_sg,
    }


def _secret(sm, name: str, user: str, password: str, description: str) -> str:
    try:
        return sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        return sm.create_secret(
            Name=name,
            Description=description,
            SecretString=json.dumps({"username": user, "password": password}),
        )["ARN"]


def _legacy_instance(lab) -> dict:
    names = lab.names
    rds = lab.client("rds")
    try:
        rds.describe_db_instances(DBInstanceIdentifier=names["legacy_db"])
    except rds.exceptions.DBInstanceNotFoundFault:
        rds.create_db_instance(
            DBInstanceIdentifier=names["legacy_db"],
            Engine="postgres",
            DBInstanceClass="db.t3.medium",
            AllocatedStorage=20,
            DBName=names["legacy_db_name"],
            MasterUsername=LEGACY_USER,
            MasterUserPassword=LEGACY_PASSWORD,
            StorageEncrypted=True,
            PubliclyAccessible=False,
            DBSubnetGroupName=names["db_subnet_group"],
            Tags=[{"Key": "Role", "Value": "stand-in for the on-premises Oracle RAC"}],
        )
    for _ in range(600):
        inst = rds.describe_db_instances(DBInstanceIdentifier=names["legacy_db"])["DBInstances"][0]
        if inst["DBInstanceStatus"] == "available" and inst.get("Endpoint"):
            return inst
        time.sleep(0.1)
    raise RuntimeError(f"{names['legacy_db']} did not become available")


def _load_legacy(conninfo: dict) -> None:
    import psycopg

    with psycopg.connect(**conninfo, autocommit=True, connect_timeout=10) as conn:
        ready = conn.execute("SELECT to_regclass('retail.migration_source')").fetchone()[0]
        if ready:
            return
        conn.execute("DROP SCHEMA IF EXISTS retail CASCADE")
        with conn.transaction():
            conn.execute(LEGACY_DDL)
            for table in p1_retail.TABLES:
                cols = ", ".join(c.lower() for c in columns(table))
                with conn.cursor().copy(
                    f"COPY retail.{table.lower()} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy:
                    copy.write(raw_csv(table))
            for table in p1_retail.TABLES:
                conn.execute(MLOG_TRIGGER.format(t=table.lower()))
            conn.execute(
                "SELECT setval('retail.mlog_scn', 7340000);"
                "CREATE SEQUENCE retail.orders_seq START WITH 600001;"
                "CREATE SEQUENCE retail.customers_seq START WITH 20001;"
                "CREATE TABLE retail.migration_source (loaded_at timestamp DEFAULT now());"
                "INSERT INTO retail.migration_source DEFAULT VALUES;"
            )
        conn.execute("ANALYZE")


def seed(lab) -> dict[str, str]:
    names = lab.names
    out = _network(lab)
    sm = lab.client("secretsmanager")
    out["legacy_secret_arn"] = _secret(
        sm, names["legacy_secret"], LEGACY_USER, LEGACY_PASSWORD, "Reads the legacy shop database"
    )
    out["aurora_secret_arn"] = _secret(
        sm, names["aurora_secret"], AURORA_USER, AURORA_PASSWORD, "Master of the Aurora cluster"
    )
    inst = _legacy_instance(lab)
    ep = inst["Endpoint"]
    _load_legacy(
        {
            "host": ep["Address"],
            "port": ep["Port"],
            "user": LEGACY_USER,
            "password": LEGACY_PASSWORD,
            "dbname": names["legacy_db_name"],
        }
    )
    return out
