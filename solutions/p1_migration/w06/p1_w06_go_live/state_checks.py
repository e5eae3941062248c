"""Out-of-kernel state checks of p1_w06_go_live (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator after the
learner's notebook has run; a task scores only when its in-kernel test passes *and* its check
here finds the same state. They read the account and the databases themselves (through the
database secret and the RDS endpoints), never the kernel's variables.
"""

from __future__ import annotations

import json

from labkit.checks import expect


def _secret(lab) -> dict:
    sm = lab.client("secretsmanager")
    return json.loads(sm.get_secret_value(SecretId=lab.names["db_secret"])["SecretString"])


def _instance(lab, identifier: str) -> dict | None:
    rds = lab.client("rds")
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None


def _rows(secret: dict, query: str, params=(), host=None, port=None) -> list[tuple]:
    import psycopg

    info = (
        f"host={host or secret['host']} port={port or secret['port']} dbname={secret['dbname']} "
        f"user={secret['username']} password={secret['password']} connect_timeout=5"
    )
    try:
        with psycopg.connect(info) as conn:
            return conn.execute(query, params).fetchall()
    except psycopg.OperationalError as e:
        raise AssertionError(
            f"the database at {host or secret['host']}:{port or secret['port']} "
            f"does not answer: {str(e).strip()[:200]}"
        ) from None


# --- task 1: an order placed through the shop is in the production database ------------------


def shop_orders(lab) -> None:
    from labkit.datasets import p1_retail

    seeded = {int(r["ORDER_ID"]) for r in p1_retail.read_table("ORDERS")}
    secret = _secret(lab)
    found = _rows(
        secret,
        "SELECT o.order_id FROM orders o WHERE EXISTS"
        " (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id)"
        " ORDER BY o.order_id DESC LIMIT 5000",
    )
    new = [r[0] for r in found if r[0] not in seeded]
    expect(
        new,
        f"the production database ({secret['dbInstanceIdentifier']}) holds no order placed "
        f"through the shop",
    )


# --- task 3: snapshot, restore, fail-over ----------------------------------------------------


def dr_restore(lab) -> None:
    names, rds = lab.names, lab.client("rds")
    snaps = rds.describe_db_snapshots(
        Filters=[{"Name": "db-snapshot-id", "Values": [names["dr_snapshot"]]}]
    )["DBSnapshots"]
    expect(snaps, f"no DB snapshot named {names['dr_snapshot']!r}")
    expect(
        snaps[0]["DBInstanceIdentifier"] == names["db_instance"],
        f"snapshot {names['dr_snapshot']} is not of {names['db_instance']}",
    )
    restored = _instance(lab, names["restored_instance"])
    expect(restored, f"no DB instance {names['restored_instance']!r}")
    expect(
        restored["DBInstanceStatus"] == "available",
        f"{names['restored_instance']} is {restored['DBInstanceStatus']}",
    )
    expect(restored["Engine"] == "postgres", f"{names['restored_instance']} is not PostgreSQL")
    expect(
        restored.get("BackupRetentionPeriod", 0) >= 1,
        f"{names['restored_instance']} has no automated backups",
    )
    primary = _instance(lab, names["db_instance"])
    if primary is not None:
        for key in ("DBInstanceClass", "MultiAZ"):
            expect(
                restored[key] == primary[key],
                f"{names['restored_instance']}: {key} {restored[key]} differs from the "
                f"primary's {primary[key]}",
            )
    secret = _secret(lab)
    endpoint = restored["Endpoint"]
    expect(
        (secret["host"], int(secret["port"])) == (endpoint["Address"], endpoint["Port"])
        and secret.get("dbInstanceIdentifier") == names["restored_instance"],
        f"the secret {names['db_secret']} does not point at {names['restored_instance']}",
    )
    count = _rows(secret, "SELECT count(*) FROM orders")[0][0]
    expect(count >= 15000, f"the restored database has only {count} orders")


# --- task 4: the old primary, recovered, holds what the restore lost ---------------------------


def recovered_primary(lab) -> None:
    names = lab.names
    primary = _instance(lab, names["db_instance"])
    expect(primary, f"the old primary {names['db_instance']} is gone: start it, do not delete it")
    expect(
        primary["DBInstanceStatus"] == "available",
        f"the old primary {names['db_instance']} is {primary['DBInstanceStatus']}: start it",
    )
    secret = _secret(lab)
    ep = primary["Endpoint"]
    expect(
        (secret["host"], int(secret["port"])) != (ep["Address"], ep["Port"]),
        "the database secret points at the old primary again",
    )
    old = {
        r[0]
        for r in _rows(secret, "SELECT order_id FROM orders", host=ep["Address"], port=ep["Port"])
    }
    new = {r[0] for r in _rows(secret, "SELECT order_id FROM orders")}
    expect(old - new, "the old primary has no order the restored database lacks: nothing was lost?")


# --- task 6: the cut-over ----------------------------------------------------------------------


def cutover(lab) -> None:
    names = lab.names
    route53, elbv2 = lab.client("route53"), lab.client("elbv2")
    alb = elbv2.describe_load_balancers(Names=[names["alb"]])["LoadBalancers"][0]
    records = route53.list_resource_record_sets(HostedZoneId=names["zone_id"])["ResourceRecordSets"]
    shop = [
        r for r in records if r["Name"].rstrip(".") == names["shop_record"] and r["Type"] == "A"
    ]
    expect(shop, f"no A record {names['shop_record']}")
    alias = shop[0].get("AliasTarget") or {}
    expect(
        alias.get("DNSName", "").rstrip(".").lower() == alb["DNSName"].lower(),
        f"{names['shop_record']} is not an alias to {alb['DNSName']}",
    )
    answer = route53.test_dns_answer(
        HostedZoneId=names["zone_id"], RecordName=names["shop_record"], RecordType="A"
    )["RecordData"]
    expect(names["onprem_ip"] not in answer, f"Route 53 still answers {answer}")


CHECKS = {
    "e2e_tests": shop_orders,
    "dr_tests": dr_restore,
    "rpo_tests": recovered_primary,
    "cutover_tests": cutover,
}
