"""Out-of-kernel state checks of p1_w04_landing_zone (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator, after the
learner's notebook has run: a task scores only when its in-kernel test passes *and* its check
here finds the same configuration in the emulator. Each check mirrors the visible and hidden
tests of its grade cell; the messages end up in the learner's feedback.
"""

from __future__ import annotations

import fnmatch
import ipaddress

from labkit.checks import as_list, expect, find_named, statements, tag

TIERS = ("public", "private", "data")


# --- look-ups -------------------------------------------------------------------------------


def _all(client, operation: str, key: str, **kwargs) -> list[dict]:
    """Every item of a list call, following pages when the operation has a paginator."""
    if client.can_paginate(operation):
        pages = client.get_paginator(operation).paginate(**kwargs)
        return [item for page in pages for item in page.get(key, [])]
    return getattr(client, operation)(**kwargs).get(key, [])


def _azs(lab) -> list[str]:
    return [f"{lab.region}{suffix}" for suffix in "abc"]


def _organization_root(org) -> dict:
    try:
        org.describe_organization()
    except org.exceptions.AWSOrganizationsNotInUseException:
        raise AssertionError(
            "this account is not in an organization: create one with "
            "organizations.create_organization (task 1)"
        ) from None
    roots = org.list_roots()["Roots"]
    expect(len(roots) == 1, f"expected one organization root, found {len(roots)}")
    return roots[0]


def _org_units(org, parent_id: str) -> list[dict]:
    return _all(
        org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id
    )


def _parent(org, child_id: str) -> str:
    return org.list_parents(ChildId=child_id)["Parents"][0]["Id"]


def _lz_vpc(ec2, names) -> dict:
    vpcs = _all(ec2, "describe_vpcs", "Vpcs")
    expect(
        any(tag(v, "Name") == names["vpc"] for v in vpcs),
        f"no VPC with the Name tag {names['vpc']!r}: task 3 creates it",
    )
    return find_named(vpcs, names["vpc"], "VPC")


def _subnets_by_tier(ec2, vpc_id: str) -> dict:
    found = _all(ec2, "describe_subnets", "Subnets", Filters=[_in_vpc(vpc_id)])
    tiers: dict = {}
    for subnet in found:
        tiers.setdefault(tag(subnet, "Tier"), []).append(subnet)
    return tiers


def _in_vpc(vpc_id: str) -> dict:
    return {"Name": "vpc-id", "Values": [vpc_id]}


def _route_tables(ec2, vpc_id: str) -> list[dict]:
    return _all(ec2, "describe_route_tables", "RouteTables", Filters=[_in_vpc(vpc_id)])


def _main_tables(tables: list[dict]) -> list[dict]:
    return [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]


def _route_table_for(tables: list[dict], vpc_id: str, subnet_id: str) -> dict:
    """The table a subnet actually uses: its explicit association, else the VPC's main one."""
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    mains = _main_tables(tables)
    expect(mains, f"VPC {vpc_id} has no main route table")
    return mains[0]


def _default_routes(table: dict) -> list[dict]:
    return [
        r
        for r in table.get("Routes", [])
        if r.get("DestinationCidrBlock") == "0.0.0.0/0"
        or r.get("DestinationIpv6CidrBlock") == "::/0"
    ]


def _security_group(ec2, vpc_id: str, name: str) -> dict:
    groups = ec2.describe_security_groups(
        Filters=[_in_vpc(vpc_id), {"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    expect(groups, f"no security group named {name!r} in VPC {vpc_id} (task 5)")
    return groups[0]


# --- task 1: organization, OUs, accounts ------------------------------------------------------


def org_structure(lab) -> None:
    names, org = lab.names, lab.client("organizations")
    root = _organization_root(org)
    organization = org.describe_organization()["Organization"]
    expect(
        organization["FeatureSet"] == "ALL",
        f"the organization's feature set is {organization['FeatureSet']}; SCPs need 'ALL'",
    )
    ou_list = _org_units(org, root["Id"])
    ous = {ou["Name"]: ou for ou in ou_list}
    for ou_name in (names["ou_security"], names["ou_workloads"]):
        count = sum(ou["Name"] == ou_name for ou in ou_list)
        expect(count, f"no OU named {ou_name!r} directly under the root")
        expect(count == 1, f"{count} OUs are named {ou_name!r}; expected exactly one")

    accounts = _all(org, "list_accounts", "Accounts")
    where = {root["Id"]: "directly under the root"}
    where.update({ou["Id"]: f"in the {name} OU" for name, ou in ous.items()})
    placement = {
        names["account_security"]: names["ou_security"],
        names["account_log_archive"]: names["ou_security"],
        names["account_workloads"]: names["ou_workloads"],
    }
    for account_name, ou_name in placement.items():
        same = [a for a in accounts if a["Name"] == account_name]
        expect(same, f"no account named {account_name!r} in the organization")
        expect(len(same) == 1, f"{len(same)} accounts are named {account_name!r}; expected one")
        account = same[0]
        expect(
            account.get("Status", "ACTIVE") == "ACTIVE",
            f"account {account_name!r} is {account.get('Status')}, not ACTIVE",
        )
        parent_id = _parent(org, account["Id"])
        expect(
            parent_id == ous[ou_name]["Id"],
            f"account {account_name!r} must sit in the {ou_name} OU; "
            f"it is {where.get(parent_id, parent_id)}",
        )
    emails = [a["Email"].lower() for a in accounts]
    expect(len(emails) == len(set(emails)), "two accounts share an e-mail address")
    for ou_name in (names["ou_security"], names["ou_workloads"]):
        inside = {
            a["Name"]
            for a in _all(org, "list_accounts_for_parent", "Accounts", ParentId=ous[ou_name]["Id"])
        }
        wanted = {a for a, o in placement.items() if o == ou_name}
        expect(
            inside == wanted,
            f"the {ou_name} OU holds {sorted(inside)}, expected {sorted(wanted)}",
        )
    management_id = organization["MasterAccountId"]
    expect(
        _parent(org, management_id) == root["Id"],
        "the management account must stay directly under the root",
    )


# --- task 2: the guardrail SCP ----------------------------------------------------------------


def guardrail_scp(lab) -> None:
    names, org = lab.names, lab.client("organizations")
    root = _organization_root(org)
    enabled = {t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
    expect(
        "SERVICE_CONTROL_POLICY" in enabled,
        "the SERVICE_CONTROL_POLICY policy type is not enabled on the root",
    )
    scps = _all(org, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY")
    matching = [p for p in scps if p["Name"] == names["scp"]]
    expect(matching, f"no service control policy named {names['scp']!r}")
    scp = matching[0]

    def targets(policy_id: str) -> set[str]:
        found = _all(org, "list_targets_for_policy", "Targets", PolicyId=policy_id)
        return {t["TargetId"] for t in found}

    top_ous = {ou["Id"] for ou in _org_units(org, root["Id"])}
    attached = targets(scp["Id"])
    expect(
        root["Id"] in attached or (top_ous and top_ous <= attached),
        f"SCP {names['scp']!r} is not attached to the root {root['Id']}",
    )

    stmts = statements(org.describe_policy(PolicyId=scp["Id"])["Policy"]["Content"])
    denies = [s for s in stmts if s.get("Effect") == "Deny" and not s.get("Condition")]
    expect(denies, f"SCP {names['scp']!r} has no unconditional Deny statement")

    def denied(action: str) -> bool:
        return any(
            fnmatch.fnmatchcase(action.lower(), pattern.lower())
            for s in denies
            for pattern in as_list(s.get("Action"))
            if "*" in as_list(s.get("Resource")) or not s.get("Resource")
        )

    for action in (
        "organizations:LeaveOrganization",
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
    ):
        expect(denied(action), f"SCP {names['scp']!r} does not deny {action} on all resources")
    for s in stmts:
        if s.get("Effect") == "Deny":
            expect(
                "*" not in as_list(s.get("Action")),
                "the SCP denies '*': that would lock every account out of everything",
            )
            expect("NotAction" not in s, "the SCP must not use Deny with NotAction")
    full_access = [p for p in scps if p["Name"] == "FullAWSAccess" or p["Id"] == "p-FullAWSAccess"]
    expect(full_access, "the AWS-managed FullAWSAccess SCP is missing")
    expect(
        root["Id"] in targets(full_access[0]["Id"]),
        "the AWS-managed FullAWSAccess SCP must stay attached to the root",
    )


# --- task 3: VPC and subnets ------------------------------------------------------------------


def three_tier_vpc(lab) -> None:
    names, ec2 = lab.names, lab.client("ec2")
    vpc = _lz_vpc(ec2, names)
    vpc_id = vpc["VpcId"]
    expect(
        vpc["CidrBlock"] == "10.0.0.0/16",
        f"VPC {names['vpc']} has CIDR {vpc['CidrBlock']}; the landing zone uses 10.0.0.0/16",
    )
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        key = attribute[0].upper() + attribute[1:]
        value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        expect(value, f"VPC {names['vpc']}: {attribute} is off")

    tiers = _subnets_by_tier(ec2, vpc_id)
    for tier in TIERS:
        in_tier = tiers.get(tier, [])
        expect(
            len(in_tier) == 3,
            f"expected 3 subnets tagged Tier={tier} in {names['vpc']}, found {len(in_tier)}",
        )
        azs = sorted(s["AvailabilityZone"] for s in in_tier)
        expect(azs == _azs(lab), f"the {tier} subnets must be one per AZ {_azs(lab)}, not {azs}")
    expect(None not in tiers, f"every subnet in {names['vpc']} needs a Tier tag")
    subnets = [s for group in tiers.values() for s in group]
    expect(len(subnets) == 9, f"{names['vpc']} has {len(subnets)} subnets; the design has 9")

    vpc_net = ipaddress.ip_network(vpc["CidrBlock"])
    nets = []
    for s in subnets:
        net = ipaddress.ip_network(s["CidrBlock"])
        expect(net.prefixlen == 24, f"subnet {s['SubnetId']} is {net}, not a /24")
        expect(net.subnet_of(vpc_net), f"subnet {net} is outside {vpc_net}")
        expect(tag(s, "Name"), f"subnet {s['SubnetId']} ({net}) has no Name tag")
        nets.append(net)
    for i, a in enumerate(nets):
        for b in nets[i + 1 :]:
            expect(not a.overlaps(b), f"subnets {a} and {b} overlap")
    for tier in TIERS:
        for s in tiers[tier]:
            expect(
                bool(s["MapPublicIpOnLaunch"]) == (tier == "public"),
                f"{tier} subnet {s['CidrBlock']}: MapPublicIpOnLaunch must be "
                f"{'on' if tier == 'public' else 'off'}",
            )
    same_name = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names["vpc"]]}])
    count = len(same_name["Vpcs"])
    expect(count == 1, f"{count} VPCs are named {names['vpc']}; expected exactly one")


# --- task 4: gateways and route tables --------------------------------------------------------


def internet_routing(lab) -> None:
    names, ec2 = lab.names, lab.client("ec2")
    vpc_id = _lz_vpc(ec2, names)["VpcId"]
    tiers = _subnets_by_tier(ec2, vpc_id)
    expect(
        all(len(tiers.get(t, [])) == 3 for t in TIERS),
        "task 3's nine tiered subnets are needed first",
    )
    public_ids = {s["SubnetId"] for s in tiers["public"]}

    igws = _all(
        ec2,
        "describe_internet_gateways",
        "InternetGateways",
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}],
    )
    expect(len(igws) == 1, f"expected one internet gateway attached to the VPC, found {len(igws)}")
    igw_id = igws[0]["InternetGatewayId"]
    expect(
        find_named(igws, names["igw"], "internet gateway")["InternetGatewayId"] == igw_id,
        f"the attached internet gateway must carry the Name tag {names['igw']!r}",
    )

    nats = [
        n
        for n in _all(ec2, "describe_nat_gateways", "NatGateways", Filters=[_in_vpc(vpc_id)])
        if n["State"] != "deleted"
    ]
    expect(nats, "no NAT gateway in the VPC")
    allocations = {a.get("AllocationId") for a in ec2.describe_addresses()["Addresses"]}
    for nat in nats:
        nat_id = nat["NatGatewayId"]
        expect(
            nat["SubnetId"] in public_ids,
            f"NAT gateway {nat_id} is in subnet {nat['SubnetId']}, not a public one",
        )
        addresses = nat.get("NatGatewayAddresses", [])
        expect(any(a.get("AllocationId") for a in addresses), f"NAT {nat_id} has no Elastic IP")
        for address in addresses:
            expect(
                address.get("AllocationId") in allocations,
                f"the Elastic IP of NAT gateway {nat_id} is missing",
            )
        expect(nat["State"] == "available", f"NAT gateway {nat_id} is {nat['State']}")
        expect(
            nat.get("ConnectivityType", "public") == "public",
            f"NAT gateway {nat_id} must be a public NAT gateway",
        )
    find_named(nats, names["nat"], "NAT gateway")
    nat_ids = {n["NatGatewayId"] for n in nats}

    tables = _route_tables(ec2, vpc_id)
    for tier in TIERS:
        for s in tiers[tier]:
            table = _route_table_for(tables, vpc_id, s["SubnetId"])
            out = _default_routes(table)
            where = f"{tier} subnet {s['CidrBlock']}"
            if tier == "public":
                expect(
                    any(r.get("GatewayId") == igw_id for r in out),
                    f"{where}: its route table has no 0.0.0.0/0 route to {igw_id}",
                )
            elif tier == "private":
                expect(
                    any(r.get("NatGatewayId") in nat_ids for r in out),
                    f"{where}: its route table has no 0.0.0.0/0 route to a NAT gateway",
                )
            else:
                expect(
                    not out,
                    f"{where} can reach the internet through {table['RouteTableId']}; "
                    f"the data tier must have no route out",
                )
            expect(
                any(a.get("SubnetId") == s["SubnetId"] for a in table.get("Associations", [])),
                f"{where} has no explicit route-table association",
            )
            for r in table.get("Routes", []):
                gateway = str(r.get("GatewayId", ""))
                if tier == "public":
                    expect(not r.get("NatGatewayId"), f"{where} must not route via NAT")
                elif tier == "private":
                    expect(
                        not gateway.startswith("igw-"),
                        f"{where} must not route to the internet gateway",
                    )
                else:
                    expect(
                        not r.get("NatGatewayId") and not gateway.startswith(("igw-", "eigw-")),
                        f"{where} has a route via a gateway or NAT",
                    )

    def table_ids(tier: str) -> set[str]:
        return {
            _route_table_for(tables, vpc_id, s["SubnetId"])["RouteTableId"] for s in tiers[tier]
        }

    expect(
        not table_ids("public") & table_ids("data"),
        "data subnets must not share the public route table",
    )
    mains = _main_tables(tables)
    expect(
        mains and not _default_routes(mains[0]),
        "the VPC's main route table must keep only its local route (no route out)",
    )


# --- task 5: security groups ------------------------------------------------------------------


def _admits(group: dict, port: int) -> list[dict]:
    return [
        p
        for p in group["IpPermissions"]
        if p["IpProtocol"] == "-1"
        or (p["IpProtocol"] in ("tcp", "6") and p["FromPort"] <= port <= p["ToPort"])
    ]


def _cidrs(permission: dict) -> set[str]:
    return {r["CidrIp"] for r in permission.get("IpRanges", [])} | {
        r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])
    }


def _sources(permission: dict) -> set[str]:
    return {pair["GroupId"] for pair in permission.get("UserIdGroupPairs", [])}


def tiered_security_groups(lab) -> None:
    names, ec2 = lab.names, lab.client("ec2")
    vpc_id = _lz_vpc(ec2, names)["VpcId"]
    alb = _security_group(ec2, vpc_id, names["sg_alb"])
    app = _security_group(ec2, vpc_id, names["sg_app"])
    db = _security_group(ec2, vpc_id, names["sg_db"])
    expect(
        any("0.0.0.0/0" in _cidrs(p) for p in _admits(alb, 443)),
        f"{names['sg_alb']} must admit TCP 443 from 0.0.0.0/0",
    )
    for group, port, source in ((app, 8080, alb), (db, 5432, app)):
        name = group["GroupName"]
        expect(
            any(source["GroupId"] in _sources(p) for p in _admits(group, port)),
            f"{name} must admit TCP {port} from the group {source['GroupName']}",
        )
        for p in group["IpPermissions"]:
            expect(
                not _cidrs(p),
                f"{name} admits {sorted(_cidrs(p))}: it may take traffic only from "
                f"the security group in front of it",
            )
            expect(not p.get("PrefixListIds"), f"{name} must not admit prefix lists")
    for group in (alb, app, db):
        for p in group["IpPermissions"]:
            expect(p["IpProtocol"] in ("tcp", "6"), f"{group['GroupName']}: only TCP rules")
            expect(
                p["FromPort"] == p["ToPort"],
                f"{group['GroupName']}: open single ports, not {p['FromPort']}-{p['ToPort']}",
            )
    for p in alb["IpPermissions"]:
        expect(p["FromPort"] in (80, 443), f"{names['sg_alb']} opens port {p['FromPort']}")
        expect(not _sources(p), f"{names['sg_alb']} should only have CIDR rules")
    for group, port, source in ((app, 8080, alb), (db, 5432, app)):
        ports = {p["FromPort"] for p in group["IpPermissions"]}
        expect(ports == {port}, f"{group['GroupName']} opens ports {sorted(ports)}; only {port}")
        srcs = set().union(*(_sources(p) for p in group["IpPermissions"]))
        expect(
            srcs == {source["GroupId"]},
            f"{group['GroupName']} admits groups {sorted(srcs)}; only {source['GroupName']}",
        )
    expect(
        not any(alb["GroupId"] in _sources(p) for p in _admits(db, 5432)),
        "the ALB must not reach the database directly",
    )


# --- task 6: the app's IAM role ---------------------------------------------------------------


def _role_statements(iam, role_name: str) -> list[dict]:
    """Every statement of the role's inline and attached managed policies."""
    found = []
    for policy_name in _all(iam, "list_role_policies", "PolicyNames", RoleName=role_name):
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)
        found += statements(document["PolicyDocument"])
    attached = _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role_name)
    for item in attached:
        policy = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=item["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )
        found += statements(version["PolicyVersion"]["Document"])
    return found


def least_privilege_role(lab) -> None:
    names, iam = lab.names, lab.client("iam")
    role_name = names["app_role"]
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        raise AssertionError(f"no IAM role named {role_name!r}") from None

    trusted = [
        (s.get("Principal"), as_list(s.get("Action")))
        for s in statements(role["AssumeRolePolicyDocument"])
        if s.get("Effect") == "Allow"
    ]
    expect(
        any(
            isinstance(principal, dict)
            and as_list(principal.get("Service")) == ["ecs-tasks.amazonaws.com"]
            and "sts:AssumeRole" in actions
            for principal, actions in trusted
        ),
        f"the trust policy of {role_name} must let ecs-tasks.amazonaws.com sts:AssumeRole",
    )
    for principal, _ in trusted:
        expect(
            isinstance(principal, dict) and set(principal) == {"Service"},
            f"the trust policy of {role_name} may name only a Service principal, not {principal}",
        )
        expect(
            as_list(principal["Service"]) == ["ecs-tasks.amazonaws.com"],
            f"only ecs-tasks.amazonaws.com may assume {role_name}, not {principal['Service']}",
        )

    inline = _all(iam, "list_role_policies", "PolicyNames", RoleName=role_name)
    expect(
        names["app_policy"] in inline,
        f"{role_name} needs an inline policy named {names['app_policy']!r}",
    )
    granted = _role_statements(iam, role_name)
    expect(granted, f"role {role_name} has no permissions policy")
    allows = [s for s in granted if s.get("Effect") == "Allow"]

    def allowed(action: str, resource: str) -> bool:
        return any(
            any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(s.get("Action")))
            and any(fnmatch.fnmatchcase(resource, r) for r in as_list(s.get("Resource")))
            for s in allows
        )

    sample_object = f"{names['app_bucket_arn']}/products/sku-1234.jpg"
    sample_stream = f"{names['log_group_arn']}:log-stream:app/web/1"
    for action, resource in (
        ("s3:GetObject", sample_object),
        ("s3:PutObject", sample_object),
        ("logs:CreateLogStream", sample_stream),
        ("logs:PutLogEvents", sample_stream),
    ):
        expect(allowed(action, resource), f"role {role_name} cannot {action} on {resource}")

    wanted = {"s3:getobject", "s3:putobject", "logs:createlogstream", "logs:putlogevents"}
    for s in allows:
        expect(
            "NotAction" not in s and "NotResource" not in s,
            f"{role_name}: do not use NotAction/NotResource",
        )
        actions = as_list(s.get("Action"))
        for action in actions:
            expect("*" not in action, f"{role_name}: wildcard action {action!r}")
            expect(action.lower() in wanted, f"{role_name} is granted {action}, not needed")
        services = {a.split(":")[0].lower() for a in actions}
        for resource in as_list(s.get("Resource")):
            expect(resource != "*", f"{role_name}: no Resource '*'; scope to the app's resources")
            if "s3" in services:
                expect(
                    resource.startswith(names["app_bucket_arn"] + "/"),
                    f"S3 permissions must target the objects of {names['app_bucket']}, "
                    f"not {resource}",
                )
            if "logs" in services:
                expect(
                    resource.startswith(names["log_group_arn"] + ":"),
                    f"Logs permissions must target {names['log_group']}, not {resource}",
                )
    expect(
        not allowed("s3:GetObject", "arn:aws:s3:::some-other-bucket/x"),
        f"{role_name}: the S3 scope is too wide",
    )
    expect(not allowed("s3:DeleteObject", sample_object), f"{role_name} may not delete objects")


# --- task 7: logs, metric filter, alarm -------------------------------------------------------

VALID_RETENTION = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827}
VALID_RETENTION |= {2192, 2557, 2922, 3288, 3653}


def error_alarm(lab) -> None:
    names = lab.names
    logs, cloudwatch, sns = lab.client("logs"), lab.client("cloudwatch"), lab.client("sns")
    group_name = names["log_group"]
    groups = _all(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=group_name)
    group = next((g for g in groups if g["logGroupName"] == group_name), None)
    expect(group, f"no log group named {group_name!r}")
    kept = group.get("retentionInDays")
    expect(
        kept == 30,
        f"log group {group_name} keeps logs "
        f"{f'for {kept} days' if kept else 'forever (no retention set)'}; set 30 days",
    )
    expect(kept in VALID_RETENTION, f"{kept} is not a retention CloudWatch Logs accepts")

    metric = f"{names['metric_namespace']}/{names['metric_name']}"
    filters = _all(logs, "describe_metric_filters", "metricFilters", logGroupName=group_name)
    publishing = [
        (f, t)
        for f in filters
        for t in f.get("metricTransformations", [])
        if (t["metricNamespace"], t["metricName"])
        == (names["metric_namespace"], names["metric_name"])
    ]
    expect(publishing, f"no metric filter on {group_name} publishes {metric}")
    named = [(f, t) for f, t in publishing if f["filterName"] == names["metric_filter"]]
    expect(named, f"the metric filter publishing {metric} must be named {names['metric_filter']}")
    expect(
        any("ERROR" in f.get("filterPattern", "") for f, _ in publishing),
        "the metric filter's pattern must match the term ERROR",
    )
    pattern = named[0][0].get("filterPattern", "").strip()
    expect(pattern and pattern not in ('""', "*"), "an empty pattern matches every line")
    expect(str(named[0][1]["metricValue"]) == "1", "each ERROR line should count 1")

    alarm_name = names["alarm"]
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    expect(alarms, f"no CloudWatch alarm named {alarm_name!r}")
    alarm = alarms[0]
    watched = f"{alarm.get('Namespace')}/{alarm.get('MetricName')}"
    expect(watched == metric, f"alarm {alarm_name} watches {watched}, not {metric}")
    expect(
        names["alerts_topic_arn"] in alarm.get("AlarmActions", []),
        f"alarm {alarm_name} does not notify {names['alerts_topic_arn']} (AlarmActions)",
    )
    for key, value in (
        ("Statistic", "Sum"),
        ("Period", 300),
        ("EvaluationPeriods", 1),
        ("Threshold", 5),
        ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
    ):
        expect(
            alarm.get(key) == value,
            f"alarm {alarm_name}: {key} must be {value}, not {alarm.get(key)}",
        )
    expect(alarm.get("ActionsEnabled", True), f"the actions of alarm {alarm_name} are disabled")
    expect(
        not alarm.get("Dimensions"),
        f"alarm {alarm_name} has dimensions; the metric filter publishes none",
    )
    topics = {t["TopicArn"] for t in _all(sns, "list_topics", "Topics")}
    expect(names["alerts_topic_arn"] in topics, "the seeded alerts SNS topic is gone")


CHECKS = {
    "org_tests": org_structure,
    "scp_tests": guardrail_scp,
    "vpc_tests": three_tier_vpc,
    "routing_tests": internet_routing,
    "sg_tests": tiered_security_groups,
    "iam_tests": least_privilege_role,
    "monitoring_tests": error_alarm,
}
