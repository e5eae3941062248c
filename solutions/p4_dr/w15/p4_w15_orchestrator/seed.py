"""Starting state of p4_w15_orchestrator: what weeks 14 and 15 built, as far as this lab needs.

- the Aurora global cluster ``trading-platform-global``: writer ``trading-platform-primary`` in
  us-east-1, secondary ``trading-platform-dr`` in us-west-2 (clusters without instances: the
  failover moves roles, no database servers are needed for it);
- the DR web tier: launch template ``trading-platform-dr-web`` and the Auto Scaling group
  ``trading-platform-dr-asg`` in us-west-2, scaled to zero;
- the public hosted zone ``trading-platform.example`` with the TXT record
  ``active.trading-platform.example`` = "us-east-1" that the trading clients read to find the
  active region;
- the SNS topic ``trading-platform-dr-notifications`` for DR events, in us-west-2: the region
  that is up when a failover has to be announced.

Idempotent: everything is looked up before it is created.
"""

from __future__ import annotations


def _global_cluster(lab, names) -> dict[str, str]:
    east = lab.client("rds", names["primary_region"])
    west = lab.client("rds", names["dr_region"])
    gid = names["global_cluster"]
    found = east.describe_global_clusters()["GlobalClusters"]
    if not any(g["GlobalClusterIdentifier"] == gid for g in found):
        east.create_global_cluster(
            GlobalClusterIdentifier=gid, Engine="aurora-postgresql", EngineVersion="15.4"
        )
    arns = {}
    for rds, cluster, primary in (
        (east, names["primary_cluster"], True),
        (west, names["dr_cluster"], False),
    ):
        existing = [
            c
            for c in rds.describe_db_clusters()["DBClusters"]
            if c["DBClusterIdentifier"] == cluster
        ]
        if existing:
            arns[cluster] = existing[0]["DBClusterArn"]
            continue
        extra = {"MasterUsername": "trading", "MasterUserPassword": "trading-dr-2026"}
        arns[cluster] = rds.create_db_cluster(
            DBClusterIdentifier=cluster,
            Engine="aurora-postgresql",
            EngineVersion="15.4",
            GlobalClusterIdentifier=gid,
            **(extra if primary else {}),
        )["DBCluster"]["DBClusterArn"]
    return {
        "primary_cluster_arn": arns[names["primary_cluster"]],
        "dr_cluster_arn": arns[names["dr_cluster"]],
    }


def _dr_group(lab, names) -> None:
    region = names["dr_region"]
    ec2 = lab.client("ec2", region)
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    if not any(t["LaunchTemplateName"] == names["dr_launch_template"] for t in templates):
        ec2.create_launch_template(
            LaunchTemplateName=names["dr_launch_template"],
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m5.large"},
        )
    asg = lab.client("autoscaling", region)
    groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[names["dr_asg"]])
    if not groups["AutoScalingGroups"]:
        asg.create_auto_scaling_group(
            AutoScalingGroupName=names["dr_asg"],
            LaunchTemplate={"LaunchTemplateName": names["dr_launch_template"]},
            MinSize=0,
            MaxSize=12,
            DesiredCapacity=0,
            AvailabilityZones=[f"{region}a", f"{region}b", f"{region}c"],
        )


def _zone(lab, names) -> str:
    r53 = lab.client("route53")
    zone = names["zone"].rstrip(".") + "."
    zones = r53.list_hosted_zones_by_name(DNSName=zone)["HostedZones"]
    zone_id = next((z["Id"].split("/")[-1] for z in zones if z["Name"] == zone), None)
    if zone_id is None:
        zone_id = r53.create_hosted_zone(Name=zone, CallerReference="trading-platform-zone")[
            "HostedZone"
        ]["Id"].split("/")[-1]
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": names["active_record"].rstrip(".") + ".",
                            "Type": "TXT",
                            "TTL": 30,
                            "ResourceRecords": [{"Value": f'"{names["primary_region"]}"'}],
                        },
                    }
                ]
            },
        )
    return zone_id


def seed(lab) -> dict[str, str]:
    names = lab.names
    out = _global_cluster(lab, names)
    _dr_group(lab, names)
    out["zone_id"] = _zone(lab, names)
    sns = lab.client("sns", names["dr_region"])
    out["notifications_topic_arn"] = sns.create_topic(Name=names["notifications_topic"])["TopicArn"]
    return out
