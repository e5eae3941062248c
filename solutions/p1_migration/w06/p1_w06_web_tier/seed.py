"""Starting state of p1_w06_web_tier: what weeks 4 and 5 left behind for the web tier.

- a VPC (``retail-web-vpc``) with two public subnets and two private subnets in two AZs, the
  load balancer's and the application's security groups;
- the Application Load Balancer ``retail-shop-alb`` with an HTTP:80 listener forwarding to the
  target group ``retail-shop-tg`` (HTTP 8080, health check ``/health``): the lab turns port 80
  into a redirect and adds HTTPS;
- a launch template and the Auto Scaling group ``retail-shop-asg`` (2 to 4 instances in the
  private subnets, registered with the target group): the lab adds target tracking;
- the public hosted zone ``retail-shop.example.com`` for the certificate's DNS validation.

Idempotent: every resource is looked up by name before it is created.
"""

from __future__ import annotations


def _named(items: list[dict], name: str) -> dict | None:
    for item in items:
        if {"Key": "Name", "Value": name} in item.get("Tags", []):
            return item
    return None


def _tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def seed(lab) -> dict[str, str]:
    names, region = lab.names, lab.region
    ec2, elb = lab.client("ec2"), lab.client("elbv2")
    autoscaling, route53 = lab.client("autoscaling"), lab.client("route53")

    vpc = _named(ec2.describe_vpcs()["Vpcs"], names["vpc"])
    if vpc is None:
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tags("vpc", names["vpc"]))[
            "Vpc"
        ]
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    wanted = {
        "retail-web-public-a": ("10.0.0.0/24", "a"),
        "retail-web-public-b": ("10.0.1.0/24", "b"),
        "retail-web-private-a": ("10.0.10.0/24", "a"),
        "retail-web-private-b": ("10.0.11.0/24", "b"),
    }
    subnet_ids = {}
    for name, (cidr, az) in wanted.items():
        found = _named(subnets, name)
        if found is None:
            found = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{region}{az}",
                TagSpecifications=_tags("subnet", name),
            )["Subnet"]
        subnet_ids[name] = found["SubnetId"]
    public = [subnet_ids["retail-web-public-a"], subnet_ids["retail-web-public-b"]]
    private = [subnet_ids["retail-web-private-a"], subnet_ids["retail-web-private-b"]]

    groups = {}
    for key, description in (("sg_alb", "shop load balancer"), ("sg_app", "shop app tier")):
        found = ec2.describe_security_groups(
            Filters=in_vpc + [{"Name": "group-name", "Values": [names[key]]}]
        )["SecurityGroups"]
        if found:
            groups[key] = found[0]["GroupId"]
            continue
        groups[key] = ec2.create_security_group(
            GroupName=names[key], Description=description, VpcId=vpc_id
        )["GroupId"]
        if key == "sg_alb":
            ec2.authorize_security_group_ingress(
                GroupId=groups[key],
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": p,
                        "ToPort": p,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    }
                    for p in (80, 443)
                ],
            )
        else:
            ec2.authorize_security_group_ingress(
                GroupId=groups[key],
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 8080,
                        "ToPort": 8080,
                        "UserIdGroupPairs": [{"GroupId": groups["sg_alb"]}],
                    }
                ],
            )

    try:
        alb = elb.describe_load_balancers(Names=[names["alb"]])["LoadBalancers"][0]
    except elb.exceptions.LoadBalancerNotFoundException:
        alb = elb.create_load_balancer(
            Name=names["alb"],
            Subnets=public,
            SecurityGroups=[groups["sg_alb"]],
            Scheme="internet-facing",
            Type="application",
        )["LoadBalancers"][0]
    try:
        tg = elb.describe_target_groups(Names=[names["target_group"]])["TargetGroups"][0]
    except elb.exceptions.TargetGroupNotFoundException:
        tg = elb.create_target_group(
            Name=names["target_group"],
            Protocol="HTTP",
            Port=8080,
            VpcId=vpc_id,
            TargetType="instance",
            HealthCheckPath="/health",
            Matcher={"HttpCode": "200"},
        )["TargetGroups"][0]
    listeners = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    if not any(listener["Port"] == 80 for listener in listeners):
        elb.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )

    templates = ec2.describe_launch_templates(
        Filters=[{"Name": "launch-template-name", "Values": [names["launch_template"]]}]
    )["LaunchTemplates"]
    if not templates:
        ec2.create_launch_template(
            LaunchTemplateName=names["launch_template"],
            LaunchTemplateData={
                "ImageId": "ami-12c6146b",
                "InstanceType": "t3.small",
                "SecurityGroupIds": [groups["sg_app"]],
            },
        )
    groups_found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["asg"]])
    if not groups_found["AutoScalingGroups"]:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=names["asg"],
            LaunchTemplate={"LaunchTemplateName": names["launch_template"], "Version": "$Latest"},
            MinSize=2,
            MaxSize=4,
            DesiredCapacity=2,
            VPCZoneIdentifier=",".join(private),
            TargetGroupARNs=[tg["TargetGroupArn"]],
            HealthCheckType="ELB",
            HealthCheckGracePeriod=120,
        )

    zones = route53.list_hosted_zones_by_name(DNSName=names["zone"])["HostedZones"]
    zone = next((z for z in zones if z["Name"].rstrip(".") == names["zone"]), None)
    if zone is None:
        zone = route53.create_hosted_zone(Name=names["zone"], CallerReference="p1-w06-web-zone")[
            "HostedZone"
        ]
    return {
        "vpc_id": vpc_id,
        "alb_arn": alb["LoadBalancerArn"],
        "alb_dns": alb["DNSName"],
        "alb_zone_id": alb["CanonicalHostedZoneId"],
        "target_group_arn": tg["TargetGroupArn"],
        "zone_id": zone["Id"].split("/")[-1],
    }
