"""Starting state of p4_w15_monitoring: what week 14 built, as far as this lab needs.

- the Aurora global database ``trading-platform-global`` on real PostgreSQL: the writer cluster
  ``trading-platform-primary`` (us-east-1, one instance, database ``trading``) and the
  secondary ``trading-platform-dr`` (us-west-2, one instance streaming from the writer), so
  that replication lag can be measured;
- the DR web tier's launch template and Auto Scaling group ``trading-platform-dr-asg``
  (us-west-2, at zero), for the dashboard's capacity widget.

Idempotent: everything is looked up before it is created.
"""

from __future__ import annotations

PASSWORD = "trading-monitoring-2026"  # the emulator's database only


def _cluster(lab, region: str, ident: str, **create) -> str:
    rds = lab.client("rds", region)
    found = [
        c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == ident
    ]
    if found:
        arn = found[0]["DBClusterArn"]
    else:
        arn = rds.create_db_cluster(
            DBClusterIdentifier=ident, Engine="aurora-postgresql", EngineVersion="15.4", **create
        )["DBCluster"]["DBClusterArn"]
    instance = f"{ident}-1"
    instances = rds.describe_db_instances()["DBInstances"]
    if not any(i["DBInstanceIdentifier"] == instance for i in instances):
        rds.create_db_instance(
            DBInstanceIdentifier=instance,
            DBClusterIdentifier=ident,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    return arn


def seed(lab) -> dict[str, str]:
    names = lab.names
    east = lab.client("rds", names["primary_region"])
    gid = names["global_cluster"]
    if not any(
        g["GlobalClusterIdentifier"] == gid
        for g in east.describe_global_clusters()["GlobalClusters"]
    ):
        east.create_global_cluster(
            GlobalClusterIdentifier=gid, Engine="aurora-postgresql", EngineVersion="15.4"
        )
    primary_arn = _cluster(
        lab,
        names["primary_region"],
        names["primary_cluster"],
        GlobalClusterIdentifier=gid,
        MasterUsername=names["db_user"],
        MasterUserPassword=PASSWORD,
        DatabaseName=names["db_name"],
    )
    dr_arn = _cluster(lab, names["dr_region"], names["dr_cluster"], GlobalClusterIdentifier=gid)

    region = names["dr_region"]
    ec2 = lab.client("ec2", region)
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    if not any(t["LaunchTemplateName"] == names["dr_launch_template"] for t in templates):
        ec2.create_launch_template(
            LaunchTemplateName=names["dr_launch_template"],
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m5.large"},
        )
    asg = lab.client("autoscaling", region)
    if not asg.describe_auto_scaling_groups(AutoScalingGroupNames=[names["dr_asg"]])[
        "AutoScalingGroups"
    ]:
        asg.create_auto_scaling_group(
            AutoScalingGroupName=names["dr_asg"],
            LaunchTemplate={"LaunchTemplateName": names["dr_launch_template"]},
            MinSize=0,
            MaxSize=12,
            DesiredCapacity=0,
            AvailabilityZones=[f"{region}a", f"{region}b", f"{region}c"],
        )
    return {"primary_cluster_arn": primary_arn, "dr_cluster_arn": dr_arn, "db_password": PASSWORD}
