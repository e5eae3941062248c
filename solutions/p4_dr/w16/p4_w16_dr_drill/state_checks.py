"""Out-of-kernel state checks of p4_w16_dr_drill (instructor-only, never shipped).

They re-read, from the grader's process, what the drill left in the emulator: RDS's own
events of a planned switchover that lost nothing and of an unplanned failover that lost
transactions, the writer back in us-east-1, and the load's trades on it.
"""

from __future__ import annotations

import psycopg

from labkit.checks import expect


def _events(lab, region: str, cluster: str) -> list[str]:
    found = lab.client("rds", region).describe_events(
        SourceType="db-cluster", SourceIdentifier=cluster
    )["Events"]
    return [e["Message"] for e in found if "global-failover" in e.get("EventCategories", [])]


def _writer(lab) -> tuple[str, str]:
    gid = lab.names["global_cluster"]
    gc = lab.client("rds", lab.names["primary_region"]).describe_global_clusters(
        GlobalClusterIdentifier=gid
    )["GlobalClusters"][0]
    expect(not gc.get("FailoverState"), f"{gid} is still switching")
    arn = next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])
    return arn.split(":")[3], arn.split(":")[-1]


def check_planned(lab) -> None:
    names = lab.names
    messages = _events(lab, names["dr_region"], names["dr_cluster"])
    expect(
        any(m.startswith("Global switchover to") and "no data was lost" in m for m in messages),
        f"RDS has no event of a global switchover to {names['dr_cluster']} that lost nothing "
        "(switchover_global_cluster; task 2)",
    )


def check_unplanned(lab) -> None:
    names = lab.names
    messages = _events(lab, names["primary_region"], names["primary_cluster"])
    lossy = [m for m in messages if m.startswith("Global failover to") and "are lost" in m]
    expect(
        lossy,
        f"RDS has no event of a failover to {names['primary_cluster']} that lost transactions "
        "(pause replication, then failover_global_cluster with AllowDataLoss; task 3)",
    )
    region, ident = _writer(lab)
    expect(
        (region, ident) == (names["primary_region"], names["primary_cluster"]),
        f"after the drill the writer should be {names['primary_cluster']} in "
        f"{names['primary_region']}; it is {ident} in {region}",
    )
    cluster = lab.client("rds", region).describe_db_clusters(DBClusterIdentifier=ident)
    cluster = cluster["DBClusters"][0]
    with psycopg.connect(
        host=cluster["Endpoint"],
        port=cluster["Port"],
        user=names["db_user"],
        password=names["db_password"],
        dbname=names["db_name"],
        autocommit=True,
        connect_timeout=10,
    ) as conn:
        count = conn.execute("SELECT count(*) FROM trades WHERE id > 250").fetchone()[0]
    expect(count >= 50, f"the writer holds only {count} trades beyond the seeded 250")


CHECKS = {"planned_tests": check_planned, "unplanned_tests": check_unplanned}
