"""Out-of-kernel state checks of p1_w04_db_migration_plan (instructor-only, never shipped).

Run by the grader in its own process after the notebook: each re-reads the emulator (and the
test database through its endpoint and the secret's credentials), so a kernel that patched
boto3 or the helpers cannot pass a task whose resources are not really there.
"""

from __future__ import annotations

import json
import re

import psycopg

from labkit.checks import expect

TABLES = ("CATEGORIES", "CUSTOMERS", "PRODUCTS", "INVENTORY", "ORDERS", "ORDER_LINES")
EXPECTED_TYPES = {
    "categories": {
        "category_id": "integer",
        "name": "character varying(100)",
        "parent_id": "integer",
    },
    "customers": {
        "customer_id": "bigint",
        "email": "character varying(255)",
        "first_name": "character varying(100)",
        "last_name": "character varying(100)",
        "phone": "character varying(30)",
        "loyalty_tier": "character varying(10)",
        "marketing_opt_in": "boolean",
        "created_at": "timestamp(0) without time zone",
    },
    "products": {
        "product_id": "bigint",
        "sku": "character varying(20)",
        "name": "character varying(200)",
        "description": "text",
        "category_id": "integer",
        "price": "numeric(10,2)",
        "weight_kg": "numeric(8,3)",
        "image_file": "character varying(200)",
        "active": "boolean",
        "created_at": "timestamp(0) without time zone",
    },
    "inventory": {
        "product_id": "bigint",
        "warehouse": "character varying(10)",
        "qty_on_hand": "integer",
        "qty_reserved": "integer",
        "updated_at": "timestamp(0) without time zone",
    },
    "orders": {
        "order_id": "bigint",
        "customer_id": "bigint",
        "order_date": "timestamp(0) without time zone",
        "status": "character varying(20)",
        "total_amount": "numeric(12,2)",
        "shipping_address": "character varying(400)",
        "updated_at": "timestamp(0) without time zone",
    },
    "order_lines": {
        "order_id": "bigint",
        "line_no": "smallint",
        "product_id": "bigint",
        "quantity": "integer",
        "unit_price": "numeric(10,2)",
    },
}


def _instance(lab) -> dict:
    rds = lab.client("rds")
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=lab.names["test_db"])["DBInstances"][
            0
        ]
    except rds.exceptions.DBInstanceNotFoundFault:
        raise AssertionError(f"no RDS instance {lab.names['test_db']!r} (task 3)") from None


def _connect(lab, instance: dict):
    secret = lab.client("secretsmanager").get_secret_value(SecretId=lab.names["db_secret"])
    creds = json.loads(secret["SecretString"])
    ep = instance.get("Endpoint") or {}
    expect(ep.get("Address"), f"{lab.names['test_db']} has no endpoint")
    return psycopg.connect(
        host=ep["Address"],
        port=ep["Port"],
        user=creds["username"],
        password=creds["password"],
        dbname=lab.names["test_db_name"],
        autocommit=True,
        connect_timeout=10,
    )


def check_test_db(lab) -> None:
    names = lab.names
    inst = _instance(lab)
    expect(inst["Engine"] == "postgres", f"{names['test_db']} runs {inst['Engine']}, not postgres")
    expect(inst.get("StorageEncrypted") is True, f"{names['test_db']} storage is not encrypted")
    expect(inst.get("PubliclyAccessible") is False, f"{names['test_db']} is publicly accessible")
    group = (inst.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
    expect(group == names["db_subnet_group"], f"{names['test_db']} is in subnet group {group!r}")
    sgs = {g["VpcSecurityGroupId"] for g in inst.get("VpcSecurityGroups", [])}
    expect(
        names["db_sg_id"] in sgs, f"{names['test_db']} lacks the security group {names['db_sg']}"
    )
    with _connect(lab, inst) as conn:
        rows = conn.execute(
            """SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod),
                      c.is_identity, c.identity_generation
                 FROM information_schema.columns c
                 JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(c.table_name))::regclass
                                    AND a.attname = c.column_name
                WHERE c.table_schema = 'public'"""
        ).fetchall()
        found: dict = {}
        identity = set()
        for table, column, type_, is_identity, generation in rows:
            found.setdefault(table, {})[column] = type_
            if is_identity == "YES" and generation == "BY DEFAULT":
                identity.add(f"{table}.{column}")
        for table, cols in EXPECTED_TYPES.items():
            expect(
                found.get(table) == cols,
                f"table {table}: columns {found.get(table)}, expected {cols}",
            )
        for col in ("customers.customer_id", "products.product_id", "orders.order_id"):
            expect(col in identity, f"{col} is not a GENERATED BY DEFAULT identity column")
        fks = conn.execute(
            "SELECT count(*) FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
            "WHERE n.nspname = 'public' AND con.contype = 'f'"
        ).fetchone()[0]
        expect(fks == 6, f"the test database has {fks} foreign keys, expected 6")


def _dms_named(items: list, key: str, name: str, what: str) -> dict:
    found = [i for i in items if i.get(key) == name]
    expect(found, f"no DMS {what} {name!r}")
    return found[0]


def check_dms(lab) -> None:
    names = lab.names
    dms = lab.client("dms")
    ri = _dms_named(
        dms.describe_replication_instances()["ReplicationInstances"],
        "ReplicationInstanceIdentifier",
        names["dms_instance"],
        "replication instance",
    )
    expect(ri.get("PubliclyAccessible") is False, f"{names['dms_instance']} is publicly accessible")
    group = (ri.get("ReplicationSubnetGroup") or {}).get("ReplicationSubnetGroupIdentifier")
    expect(
        group == names["dms_subnet_group"], f"{names['dms_instance']} is in subnet group {group!r}"
    )
    expect(
        names["dms_sg_id"] in {g["VpcSecurityGroupId"] for g in ri.get("VpcSecurityGroups", [])},
        f"{names['dms_instance']} lacks the security group {names['dms_sg']}",
    )
    endpoints = dms.describe_endpoints()["Endpoints"]
    src = _dms_named(endpoints, "EndpointIdentifier", names["dms_source"], "endpoint")
    tgt = _dms_named(endpoints, "EndpointIdentifier", names["dms_target"], "endpoint")
    expect(
        src["EngineName"] == "oracle" and src["EndpointType"].lower() == "source",
        "the source endpoint must be an Oracle source",
    )
    expect(
        src.get("ServerName") in names["oracle_hosts"].split(","),
        f"the source endpoint points at {src.get('ServerName')!r}, not a RAC node of the JDBC URL",
    )
    expect(
        str(src.get("DatabaseName", "")).upper() == names["oracle_service"].upper(),
        "the source endpoint's DatabaseName is not the service name",
    )
    ep = _instance(lab)["Endpoint"]
    expect(
        tgt["EngineName"] in ("aurora-postgresql", "postgres")
        and tgt["EndpointType"].lower() == "target",
        "the target endpoint must be a PostgreSQL target",
    )
    expect(
        (tgt.get("ServerName"), tgt.get("Port")) == (ep["Address"], ep["Port"]),
        "the target endpoint does not point at the test instance",
    )


def _like(pattern: str, value: str) -> bool:
    rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(pattern))
    return re.fullmatch(rx, value, re.I) is not None


def _target(rules: list, schema: str, table: str) -> tuple[bool, str, str]:
    hits = [
        r
        for r in rules
        if r.get("rule-type") == "selection"
        and _like(r.get("object-locator", {}).get("schema-name", ""), schema)
        and _like(r.get("object-locator", {}).get("table-name", "%"), table)
    ]
    selected = any(r.get("rule-action") == "include" for r in hits) and not any(
        r.get("rule-action") == "exclude" for r in hits
    )
    out = {"schema": schema, "table": table}
    transforms = [r for r in rules if r.get("rule-type") == "transformation"]
    for r in sorted(transforms, key=lambda r: int(str(r.get("rule-id", 0)) or 0)):
        loc, tgt, act = r.get("object-locator", {}), r.get("rule-target"), r.get("rule-action")
        if tgt not in out or not _like(loc.get("schema-name", "%"), schema):
            continue
        if tgt == "table" and not _like(loc.get("table-name", "%"), table):
            continue
        if act == "convert-lowercase":
            out[tgt] = out[tgt].lower()
        elif act == "convert-uppercase":
            out[tgt] = out[tgt].upper()
        elif act == "rename":
            out[tgt] = r.get("value")
    return selected, out["schema"], out["table"]


def check_task(lab) -> None:
    names = lab.names
    dms = lab.client("dms")
    task = _dms_named(
        dms.describe_replication_tasks()["ReplicationTasks"],
        "ReplicationTaskIdentifier",
        names["dms_task"],
        "replication task",
    )
    expect(
        task["MigrationType"] == "full-load-and-cdc",
        f"{names['dms_task']} is {task['MigrationType']}",
    )
    rules = json.loads(task["TableMappings"]).get("rules", [])
    for table in TABLES:
        selected, schema, target = _target(rules, "RETAIL", table)
        expect(selected, f"the table mappings do not select RETAIL.{table}")
        expect(
            (schema, target) == ("public", table.lower()),
            f"RETAIL.{table} would land in {schema}.{target}",
        )
    expect(not _target(rules, "SYS", "AUD$")[0], "the table mappings select schema SYS too")
    settings = json.loads(task.get("ReplicationTaskSettings") or "{}")
    prep = settings.get("FullLoadSettings", {}).get("TargetTablePrepMode")
    expect(prep in ("DO_NOTHING", "TRUNCATE_BEFORE_LOAD"), f"TargetTablePrepMode is {prep!r}")
    expect(settings.get("TargetMetadata", {}).get("SupportLobs") is True, "SupportLobs is not true")


CHECKS = {
    "testdb_tests": check_test_db,
    "dms_tests": check_dms,
    "task_tests": check_task,
}
