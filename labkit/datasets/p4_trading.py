"""Project 4's trading platform as the DR labs start from it: the Aurora PostgreSQL global
database of weeks 14-15, for the seeds of the later labs.

    from labkit.datasets import p4_trading
    gc = p4_trading.ensure_global_database(lab)      # lab.names: global_cluster, primary_region,
                                                     # dr_region, primary_cluster/_instance,
                                                     # dr_cluster/_instance, db_user/_password/_name

The primary cluster (a writer instance, database ``db_name``) and the secondary (one reader)
really replicate on the emulator; the table ``trades`` holds a few hundred seeded trades.
Idempotent: every resource is looked up first; the tables use IF NOT EXISTS and ON CONFLICT DO
NOTHING, on whichever cluster is the global writer now (after a drill, too).
"""

from __future__ import annotations

import time

import psycopg

ENGINE, VERSION = "aurora-postgresql", "15.4"
SEEDED_TRADES = 250
SYMBOLS = ("AAPL", "MSFT", "AMZN", "GOOG", "JPM", "GS", "BAC", "TSLA")


def find_cluster(rds, ident: str) -> dict | None:
    """The DB cluster ``ident`` of this client's region, or None."""
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


def ensure_global_database(lab, extra_ddl: tuple[str, ...] = ()) -> dict:
    """The global database as weeks 14-15 leave it (created where missing, table ``trades``
    seeded on the current writer); returns the settled global cluster. ``extra_ddl`` runs on
    the writer after the trades table (CREATE ... IF NOT EXISTS statements)."""
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
        if find_cluster(rds, cluster) is None:
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
            _tables(lab, find_cluster(rds, cluster), extra_ddl)
    return _settled(east, gid)


def _tables(lab, cluster: dict, extra_ddl: tuple[str, ...]) -> None:
    names = lab.names
    # the writer of the global database: the seed's tables go there (the primary cluster on
    # a fresh account; after a failover the writer endpoint of whichever cluster writes now)
    gc = _settled(lab.client("rds", names["primary_region"]), names["global_cluster"])
    writer_arn = next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])
    if writer_arn != cluster["DBClusterArn"]:
        region = writer_arn.split(":")[3]
        ident = writer_arn.split(":")[-1]
        cluster = find_cluster(lab.client("rds", region), ident)
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
        for statement in extra_ddl:
            conn.execute(statement)
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
