"""Out-of-kernel state checks of p1_w05_db_migration (instructor-only, never shipped).

They run in the grader's process after the notebook, against the same emulator: the cluster's
configuration, the DMS task, and the two databases compared row by row (by PostgreSQL-computed
digests of canonical rows), with the credentials from Secrets Manager.
"""

from __future__ import annotations

import json

import psycopg

from labkit.checks import expect

TABLES = ("categories", "customers", "products", "inventory", "orders", "order_lines")
KEYS = {
    "categories": ["category_id"],
    "customers": ["customer_id"],
    "products": ["product_id"],
    "inventory": ["product_id", "warehouse"],
    "orders": ["order_id"],
    "order_lines": ["order_id", "line_no"],
}
COLUMNS = {
    "categories": ["category_id", "name", "parent_id"],
    "customers": [
        "customer_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "loyalty_tier",
        "marketing_opt_in",
        "created_at",
    ],
    "products": [
        "product_id",
        "sku",
        "name",
        "description",
        "category_id",
        "price",
        "weight_kg",
        "image_file",
        "active",
        "created_at",
    ],
    # the shop application reserves stock on the new database after the cut-over (task 6)
    "inventory": ["product_id", "warehouse", "qty_on_hand"],
    "orders": [
        "order_id",
        "customer_id",
        "order_date",
        "status",
        "total_amount",
        "shipping_address",
        "updated_at",
    ],
    "order_lines": ["order_id", "line_no", "product_id", "quantity", "unit_price"],
}


def _creds(lab, name: str) -> dict:
    secret = lab.client("secretsmanager").get_secret_value(SecretId=name)
    return json.loads(secret["SecretString"])


def _cluster(lab) -> dict:
    rds = lab.client("rds")
    try:
        return rds.describe_db_clusters(DBClusterIdentifier=lab.names["cluster"])["DBClusters"][0]
    except rds.exceptions.DBClusterNotFoundFault:
        raise AssertionError(f"no Aurora cluster {lab.names['cluster']!r}") from None


def _connect_target(lab):
    cluster = _cluster(lab)
    creds = _creds(lab, lab.names["aurora_secret"])
    return psycopg.connect(
        host=cluster["Endpoint"],
        port=cluster["Port"],
        user=creds["username"],
        password=creds["password"],
        dbname=lab.names["db_name"],
        autocommit=True,
        connect_timeout=10,
    )


def _connect_source(lab):
    inst = lab.client("rds").describe_db_instances(DBInstanceIdentifier=lab.names["legacy_db"])
    ep = inst["DBInstances"][0]["Endpoint"]
    creds = _creds(lab, lab.names["legacy_secret"])
    return psycopg.connect(
        host=ep["Address"],
        port=ep["Port"],
        user=creds["username"],
        password=creds["password"],
        dbname=lab.names["legacy_db_name"],
        autocommit=True,
        connect_timeout=10,
    )


def check_target(lab) -> None:
    names = lab.names
    cluster = _cluster(lab)
    expect(cluster["Engine"] == "aurora-postgresql", f"{names['cluster']} is {cluster['Engine']}")
    expect(cluster.get("StorageEncrypted") is True, f"{names['cluster']} is not encrypted")
    expect(
        cluster.get("DBSubnetGroup") == names["db_subnet_group"],
        f"{names['cluster']} is not in {names['db_subnet_group']}",
    )
    writers = [
        m["DBInstanceIdentifier"]
        for m in cluster.get("DBClusterMembers", [])
        if m.get("IsClusterWriter")
    ]
    expect(
        writers == [names["writer"]],
        f"the cluster's writer is {writers}, expected {names['writer']}",
    )
    writer = lab.client("rds").describe_db_instances(DBInstanceIdentifier=names["writer"])[
        "DBInstances"
    ][0]
    expect(writer.get("PubliclyAccessible") is False, f"{names['writer']} is publicly accessible")
    with _connect_target(lab) as conn:
        types = dict(
            conn.execute(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public'"
            ).fetchall()
        )
    expect(
        types.get("customers.marketing_opt_in") == "boolean",
        "the converted schema is not applied (customers.marketing_opt_in)",
    )
    expect(
        types.get("orders.order_id") == "bigint",
        "the converted schema is not applied (orders.order_id)",
    )


def check_dms(lab) -> None:
    names = lab.names
    dms = lab.client("dms")
    tasks = [
        t
        for t in dms.describe_replication_tasks()["ReplicationTasks"]
        if t["ReplicationTaskIdentifier"] == names["dms_task"]
    ]
    expect(tasks, f"no DMS task {names['dms_task']!r}")
    task = tasks[0]
    expect(
        task["MigrationType"] == "full-load-and-cdc",
        f"{names['dms_task']} is {task['MigrationType']}",
    )
    expect(
        task["Status"] in ("running", "stopped"),
        f"{names['dms_task']} was never started ({task['Status']})",
    )
    eps = {e["EndpointArn"]: e for e in dms.describe_endpoints()["Endpoints"]}
    src, tgt = eps.get(task["SourceEndpointArn"], {}), eps.get(task["TargetEndpointArn"], {})
    expect(src.get("EngineName") == "oracle", "the task's source endpoint is not the Oracle source")
    cluster = _cluster(lab)
    expect(
        (tgt.get("ServerName"), tgt.get("Port")) == (cluster["Endpoint"], cluster["Port"]),
        "the task's target endpoint is not the cluster's writer endpoint",
    )


def _digests(conn, schema: str, table: str, where: str = "") -> dict:
    types = dict(
        conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        ).fetchall()
    )

    def canon(c: str) -> str:
        t = types.get(c, "text")
        if t in ("numeric", "integer", "bigint", "smallint"):
            e = f"trim_scale({c}::numeric)::text"
        elif t == "boolean":
            e = f"{c}::int::text"
        elif t.startswith("timestamp"):
            e = f"to_char({c}, 'YYYY-MM-DD HH24:MI:SS')"
        else:
            e = f"{c}::text"
        return f"coalesce({e}, '\\N')"

    key = " || '/' || ".join(canon(k) for k in KEYS[table])
    row = ", ".join(canon(c) for c in COLUMNS[table])
    sql = f"SELECT {key}, md5(concat_ws(chr(31), {row})) FROM {schema}.{table} {where}"
    return dict(conn.execute(sql).fetchall())


def check_cutover(lab) -> None:
    with _connect_source(lab) as src, _connect_target(lab) as tgt:
        legacy_max = src.execute("SELECT max(order_id) FROM retail.orders").fetchone()[0]
        for t in TABLES:
            where = f"WHERE order_id <= {int(legacy_max)}" if t in ("orders", "order_lines") else ""
            a, b = _digests(src, "retail", t), _digests(tgt, "public", t, where)
            missing, extra = set(a) - set(b), set(b) - set(a)
            differ = [k for k in set(a) & set(b) if a[k] != b[k]]
            expect(
                not (missing or extra or differ),
                f"table {t}: {len(missing)} rows missing in the target, {len(extra)} only in the "
                f"target, {len(differ)} differ (e.g. {sorted(missing or extra or differ)[:1]})",
            )


CHECKS = {
    "target_tests": check_target,
    "dms_tests": check_dms,
    "cdc_tests": check_cutover,
}
