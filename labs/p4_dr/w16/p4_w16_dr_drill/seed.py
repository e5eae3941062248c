"""Starting state of p4_w16_dr_drill: the DR estate of weeks 14 and 15, as far as the drill
needs it.

- the Aurora PostgreSQL global database ``trading-platform-global``: the primary cluster
  ``trading-platform-primary`` (writer instance in us-east-1, database ``trading``) and the
  secondary ``trading-platform-dr`` (one reader in us-west-2) that really streams from it;
  the table ``trades`` with a few hundred seeded trades (the drill's load continues their
  ids);
- the SNS topic ``trading-platform-dr-alerts`` the runbook escalates through.

Idempotent: every resource is looked up first; the table uses IF NOT EXISTS and
ON CONFLICT DO NOTHING, on whichever cluster is the global writer now (a learner who re-runs
the setup cell after the drill keeps the drill's state).
"""

from __future__ import annotations

import time

import psycopg

ENGINE, VERSION = "aurora-postgresql", "15.4"
SEEDED_TRADES = 250
SYMBOLS = ("AAPL", "MSFT", "AMZN", "GOOG", "JPM", "GS", "BAC", "TSLA")


def _cluster(rds, ident: str) -> dict | None:
    try:
        return rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]
    except rds.exceptions.DBClusterNotFoundFault:
        return None


def _instance_exists(rds, ident: str) -> bool:
    try:
        rds.describe_db_instances(DBInstanceIdentifier=ident)
    except rds.exceptions.DBInstanceNotFoundFault:
        return False
    return True


def _settled(rds, gid: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        gc = rds.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
        if not gc.get("FailoverState") and gc.get("Status", "available") == "available":
            return gc
        if time.monotonic() > deadline:
            raise RuntimeError(f"global cluster {gid} is still switching after {timeout:.0f} s")
        time.sleep(0.2)


def _global_database(lab) -> dict:
    names = lab.names
    gid = names["global_cluster"]
    east = lab.client("rds", names["primary_region"])
    west = lab.client("rds", names["dr_region"])
    found = east.describe_global_clusters()["GlobalClusters"]
    if not any(g["GlobalClusterIdentifier"] == gid for g in found):
        east.create_global_cluster(
            GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION
        )
    members = (
        (east, names["primary_cluster"], names["primary_instance"], True),
        (west, names["dr_cluster"], names["dr_instance"], False),
    )
    for rds, cluster, instance, primary in members:
        if _cluster(rds, cluster) is None:
            extra = (
                {
                    "MasterUsername": names["db_user"],
                    "MasterUserPassword": names["db_password"],
                    "DatabaseName": names["db_name"],
                }
                if primary
                else {}
            )
            rds.create_db_cluster(
                DBClusterIdentifier=cluster,
                Engine=ENGINE,
                EngineVersion=VERSION,
                GlobalClusterIdentifier=gid,
                **extra,
            )
        if not _instance_exists(rds, instance):
            rds.create_db_instance(
                DBInstanceIdentifier=instance,
                DBClusterIdentifier=cluster,
                Engine=ENGINE,
                DBInstanceClass="db.r6g.large",
            )
        if primary:
            _tables(lab, _cluster(rds, cluster))
    return _settled(east, gid)


def _tables(lab, cluster: dict) -> None:
    names = lab.names
    # the writer of the global database: the seed's tables go there (the primary cluster on
    # a fresh account; after a failover the writer endpoint of whichever cluster writes now)
    gc = _settled(lab.client("rds", names["primary_region"]), names["global_cluster"])
    writer_arn = next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])
    if writer_arn != cluster["DBClusterArn"]:
        region = writer_arn.split(":")[3]
        ident = writer_arn.split(":")[-1]
        cluster = _cluster(lab.client("rds", region), ident)
    with psycopg.connect(
        host=cluster["Endpoint"],
        port=cluster["Port"],
        user=names["db_user"],
        password=names["db_password"],
        dbname=names["db_name"],
        autocommit=True,
        connect_timeout=10,
    ) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS trades ("
            " id bigint PRIMARY KEY, symbol text NOT NULL, side text NOT NULL,"
            " quantity int NOT NULL, price numeric(12, 2) NOT NULL,"
            " executed_at timestamptz NOT NULL DEFAULT now())"
        )
        rows = [
            (i, SYMBOLS[i % len(SYMBOLS)], "BUY" if i % 3 else "SELL", 10 + i % 90, 100 + i % 50)
            for i in range(1, SEEDED_TRADES + 1)
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO trades (id, symbol, side, quantity, price) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                rows,
            )


def seed(lab) -> dict[str, str]:
    names = lab.names
    topic = lab.client("sns").create_topic(Name=names["topic"])["TopicArn"]
    gc = _global_database(lab)
    arns = {}
    for key, region in (("primary_cluster", "primary_region"), ("dr_cluster", "dr_region")):
        found = _cluster(lab.client("rds", names[region]), names[key])
        arns[f"{key}_arn"] = found["DBClusterArn"]
    return {
        "topic_arn": topic,
        "global_cluster_arn": gc.get("GlobalClusterArn", ""),
        **arns,
    }
