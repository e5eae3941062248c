"""Starting state of p4_w16_dr_drill: the DR estate of weeks 14 and 15, as far as the drill
needs it.

- the Aurora PostgreSQL global database ``trading-platform-global``: the primary cluster
  ``trading-platform-primary`` (writer instance in us-east-1, database ``trading``) and the
  secondary ``trading-platform-dr`` (one reader in us-west-2) that really streams from it;
  the table ``trades`` with a few hundred seeded trades (the drill's load continues their
  ids);
- the SNS topic ``trading-platform-dr-alerts`` the runbook escalates through.

Idempotent (``labkit.datasets.p4_trading``): every resource is looked up first, the table is
written on whichever cluster is the global writer now (a learner who re-runs the setup cell
after the drill keeps the drill's state).
"""

from __future__ import annotations

from labkit.datasets.p4_trading import ensure_global_database, find_cluster


def seed(lab) -> dict[str, str]:
    names = lab.names
    topic = lab.client("sns").create_topic(Name=names["topic"])["TopicArn"]
    gc = ensure_global_database(lab)
    arns = {}
    for key, region in (("primary_cluster", "primary_region"), ("dr_cluster", "dr_region")):
        found = find_cluster(lab.client("rds", names[region]), names[key])
        arns[f"{key}_arn"] = found["DBClusterArn"]
    return {
        "topic_arn": topic,
        "global_cluster_arn": gc.get("GlobalClusterArn", ""),
        **arns,
    }
