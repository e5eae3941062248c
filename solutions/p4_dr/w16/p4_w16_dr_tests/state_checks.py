"""Out-of-kernel state checks of p4_w16_dr_tests (instructor-only, never shipped).

They re-read, from the grader's process, what the learner's suite left in the emulator: the
global database really failed over (RDS events) and its marker rows are on the writer; the
DR web tier runs and the primary's is scaled in.
"""

from __future__ import annotations

import psycopg

from labkit.checks import expect


def _global(lab) -> dict:
    rds = lab.client("rds", lab.names["primary_region"])
    gid = lab.names["global_cluster"]
    return rds.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]


def _events(lab) -> list[str]:
    out = []
    for region in (lab.names["primary_region"], lab.names["dr_region"]):
        events = lab.client("rds", region).describe_events(SourceType="db-cluster")["Events"]
        out += [e["Message"] for e in events if "global-failover" in e.get("EventCategories", [])]
    return out


def check_database_failover(lab) -> None:
    names = lab.names
    messages = _events(lab)
    completed = [m for m in messages if m.startswith("Global failover to") and "completed" in m]
    expect(
        completed,
        f"no completed unplanned failover of {names['global_cluster']} in the RDS events "
        "(failover_global_cluster with AllowDataLoss=True; task 1)",
    )
    gc = _global(lab)
    expect(not gc.get("FailoverState"), f"{names['global_cluster']} is still switching")
    writer = next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])
    region, ident = writer.split(":")[3], writer.split(":")[-1]
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
        runs = conn.execute(
            f"SELECT count(DISTINCT run_id) FROM {names['consistency_table']} "
            "WHERE run_id NOT LIKE %s",
            ("%-probe",),
        ).fetchone()[0]
    expect(
        runs >= 1,
        f"the writer ({ident}) has no marker rows in {names['consistency_table']}: the "
        "database test writes them before the failover (task 1)",
    )


def _group(lab, region: str, name: str) -> dict:
    found = lab.client("autoscaling", region).describe_auto_scaling_groups(
        AutoScalingGroupNames=[name]
    )["AutoScalingGroups"]
    expect(found, f"the Auto Scaling group {name} is gone")
    return found[0]


def check_application_failover(lab) -> None:
    names = lab.names
    want = int(names["dr_capacity"])
    dr = _group(lab, names["dr_region"], names["dr_asg"])
    running = sum(i["LifecycleState"] == "InService" for i in dr.get("Instances", []))
    expect(
        dr["DesiredCapacity"] == want and running == want,
        f"{names['dr_asg']} should run {want} InService instances after the application "
        f"failover; desired {dr['DesiredCapacity']}, InService {running} (task 2)",
    )
    primary = _group(lab, names["primary_region"], names["primary_asg"])
    expect(
        primary["DesiredCapacity"] == 0,
        f"{names['primary_asg']} should be scaled to 0 after the failover; desired is "
        f"{primary['DesiredCapacity']} (task 2)",
    )


CHECKS = {
    "db_tests": check_database_failover,
    "app_tests": check_application_failover,
}
