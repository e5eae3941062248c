"""Starting state of p4_w16_dr_tests: the DR estate weeks 14 and 15 built.

- the Aurora PostgreSQL global database ``trading-platform-global``: the primary cluster
  ``trading-platform-primary`` (writer instance in us-east-1, database ``trading``) and the
  secondary ``trading-platform-dr`` (one reader in us-west-2) that really streams from it;
  tables ``trades`` (a few hundred seeded trades) and ``dr_consistency_checks`` (empty: the
  DR test suite writes its marker rows there);
- the web tier's Auto Scaling groups: ``trading-platform-primary-asg`` in us-east-1 at 2
  instances, ``trading-platform-dr-asg`` in us-west-2 at 0 (pilot light);
- the public hosted zone ``trading-platform.example`` (the notebook's locked helper cell adds
  the health checks and failover records, because they point at the two loopback services the
  kernel starts on OS-chosen ports);
- the SNS topic ``trading-platform-dr-alerts``.

Idempotent (``labkit.datasets.p4_trading``): every resource is looked up first, the tables
are written on whichever cluster is the global writer now (a learner who re-runs the setup
cell after a failover keeps the failed-over state).
"""

from __future__ import annotations

from labkit.datasets.p4_trading import ensure_global_database, find_cluster


def _web_tier(lab) -> None:
    names = lab.names
    groups = (
        (names["primary_region"], names["primary_asg"], 2),
        (names["dr_region"], names["dr_asg"], 0),
    )
    for region, group, desired in groups:
        ec2 = lab.client("ec2", region)
        template = f"{group}-lt"
        found = ec2.describe_launch_templates()["LaunchTemplates"]
        if not any(t["LaunchTemplateName"] == template for t in found):
            ec2.create_launch_template(
                LaunchTemplateName=template,
                LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
            )
        asg = lab.client("autoscaling", region)
        if not asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"]:
            asg.create_auto_scaling_group(
                AutoScalingGroupName=group,
                LaunchTemplate={"LaunchTemplateName": template},
                MinSize=0,
                MaxSize=4,
                DesiredCapacity=desired,
                AvailabilityZones=[f"{region}a", f"{region}b"],
                Tags=[
                    {
                        "Key": "Project",
                        "Value": "trading-platform",
                        "PropagateAtLaunch": True,
                    }
                ],
            )


def _zone(lab) -> str:
    r53 = lab.client("route53")
    zone = lab.names["zone"].rstrip(".") + "."
    for z in r53.list_hosted_zones()["HostedZones"]:
        if z["Name"] == zone:
            return z["Id"].split("/")[-1]
    return r53.create_hosted_zone(Name=zone, CallerReference=f"seed-{zone}")["HostedZone"][
        "Id"
    ].split("/")[-1]


def seed(lab) -> dict[str, str]:
    names = lab.names
    topic = lab.client("sns").create_topic(Name=names["topic"])["TopicArn"]
    _web_tier(lab)
    zone_id = _zone(lab)
    gc = ensure_global_database(
        lab,
        extra_ddl=(
            f"CREATE TABLE IF NOT EXISTS {names['consistency_table']} ("
            " run_id text NOT NULL, seq int NOT NULL,"
            " written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, seq))",
        ),
    )
    arns = {}
    for key, region in (("primary_cluster", "primary_region"), ("dr_cluster", "dr_region")):
        found = find_cluster(lab.client("rds", names[region]), names[key])
        arns[f"{key}_arn"] = found["DBClusterArn"]
    return {
        "topic_arn": topic,
        "zone_id": zone_id,
        "global_cluster_arn": gc.get("GlobalClusterArn", ""),
        **arns,
    }
