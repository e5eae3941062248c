# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Project 4 · Week 14 · Day 1-2: Multi-Region Network Architecture
#
# ## The scenario
#
# A financial trading firm processes millions of transactions a day. Regulators and its own
# risk committee require that a regional outage costs at most **15 minutes of downtime (RTO)**
# and **no committed trade (RPO zero)**. The platform runs in **us-east-1**; **us-west-2** is the
# disaster-recovery (DR) region that must be able to take over at any moment.
#
# Everything in the next weeks (an Aurora global database replicating across regions, an
# application tier waiting scaled to zero in the DR region, Route 53 failover) needs a network
# first: one VPC per region, laid out the same way in both, and a private path between them for
# database replication and for the operators' tools.
#
# You are the network engineer. You work against an **emulated AWS account** with plain `boto3`;
# nothing reaches real AWS.
#
# **Estimated time: 3-4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | One VPC per region with non-overlapping CIDRs | VPC | 2 |
# | 2 | Public and private subnets in three Availability Zones of each region | VPC | 3 |
# | 3 | Internet egress: internet gateways, one NAT gateway per AZ, route tables per tier | VPC | 3 |
# | 4 | A cross-region VPC peering connection and the routes that use it | VPC peering | 3 |
# | 5 | Database security groups that admit only the application tiers | VPC | 2 |
# | 6 | The network design document and a diagram drawn from the live state | portfolio | 2 |
#
# By the end you should be able to:
#
# - plan address space for several regions so that they can be connected later;
# - build the same VPC layout in two regions from one piece of code;
# - explain why each private subnet leaves through the NAT gateway of its own AZ;
# - connect two regions privately with VPC peering and route only what must cross;
# - restrict a database to the application tiers of both regions, by security group and CIDR.
#
# ## How this notebook works
#
# - Run the **setup** cell first: it starts (or finds) the emulator and prints the names to use.
#   The account starts empty in both regions: this is the project's first lab.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see, so build what the task describes, not only what the visible checks test.
# - Write code that can be **run again**: look a resource up (by its `Name` tag) before you create
#   it. A second VPC or NAT gateway with the same name fails checks.
# - Write the code for **one region as a function of the region**, then call it for both: the two
#   layouts must stay identical apart from their CIDRs, and that is how real teams keep them so
#   (one Terraform module, two instances, as in the curriculum's snippet).
# - The emulator keeps the configuration but forwards no packets: the checks follow the route
#   tables a packet would use, hop by hop, as AWS's Reachability Analyzer does.
# - Broken state? `labkit reset` in a terminal empties the emulator; re-run from the top.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import ipaddress

import boto3

import labkit
from labkit.checks import expect, find_named, tag

lab = labkit.start_lab("p4_w14_network")
names = lab.names
SIDES = ("primary", "dr")
PEER = {"primary": "dr", "dr": "primary"}
REGIONS = {side: names[f"{side}_region"] for side in SIDES}
PREFIX = {side: names[f"{side}_prefix"] for side in SIDES}
CIDR = {side: names[f"{side}_cidr"] for side in SIDES}
AZS = {side: [f"{REGIONS[side]}{s}" for s in "abc"] for side in SIDES}
EC2 = {side: lab.client("ec2", REGIONS[side]) for side in SIDES}
DB_PORT = 5432

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for side in SIDES:
    print(f"{side:8} {REGIONS[side]}  {CIDR[side]:12}  names start with {PREFIX[side]}-")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **look-up helpers** the checks use; they only read state, and you may use
# them too. `EC2["primary"]` and `EC2["dr"]` are the EC2 clients of the two regions.
# `tag_spec("vpc", "trading-platform-dr-vpc", Tier="app")` builds the `TagSpecifications`
# argument of EC2's create calls. `expected_subnets(side)` is the design as data: for each
# `(tier, AZ)` the CIDR the subnet must have.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def tag_spec(resource_type: str, name: str, **more: str) -> list[dict]:
    """``TagSpecifications`` for an EC2 create call: a Name tag plus any ``more`` tags."""
    pairs = {"Name": name, **more}
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}
    ]


def in_vpc(vpc_id: str) -> list[dict]:
    return [{"Name": "vpc-id", "Values": [vpc_id]}]


def region_vpc(side: str) -> dict:
    """The VPC named ``<prefix>-vpc`` of ``side`` ("primary" or "dr"); task 1 creates it."""
    name = f"{PREFIX[side]}-vpc"
    vpcs = EC2[side].describe_vpcs()["Vpcs"]
    expect(
        any(tag(v, "Name") == name for v in vpcs),
        f"no VPC with the Name tag {name!r} in {REGIONS[side]} yet (task 1 creates it)",
    )
    same = [v["VpcId"] for v in vpcs if tag(v, "Name") == name]
    expect(
        len(same) == 1,
        f"{len(same)} VPCs in {REGIONS[side]} carry the Name tag {name!r} ({', '.join(same)}); "
        f"expected exactly one (did a re-run create a duplicate? delete the extra one)",
    )
    return find_named(vpcs, name, "VPC")


def expected_subnets(side: str) -> dict[tuple[str, str], str]:
    """(tier, AZ) -> CIDR: public 10.x.101-103.0/24 and private 10.x.1-3.0/24, one per AZ."""
    second = ipaddress.ip_network(CIDR[side]).network_address.packed[1]
    design = {}
    for i, az in enumerate(AZS[side]):
        design[("public", az)] = f"10.{second}.{101 + i}.0/24"
        design[("private", az)] = f"10.{second}.{1 + i}.0/24"
    return design


def region_subnets(side: str, vpc_id: str) -> dict[str, list[dict]]:
    """The VPC's subnets grouped by their ``Tier`` tag (untagged ones under ``None``)."""
    tiers: dict = {}
    for s in EC2[side].describe_subnets(Filters=in_vpc(vpc_id))["Subnets"]:
        tiers.setdefault(tag(s, "Tier"), []).append(s)
    return tiers


def need_subnets(side: str) -> dict[str, list[dict]]:
    """Task 2's subnets of ``side`` by tier, or a failed check saying they are missing."""
    tiers = region_subnets(side, region_vpc(side)["VpcId"])
    expect(
        len(tiers.get("public", [])) == 3 and len(tiers.get("private", [])) == 3,
        f"{PREFIX[side]}-vpc needs task 2's three public and three private subnets first",
    )
    return tiers


def route_table_for(side: str, vpc_id: str, subnet_id: str) -> dict:
    """The route table a subnet actually uses: its explicit association, else the VPC's main."""
    tables = EC2[side].describe_route_tables(Filters=in_vpc(vpc_id))["RouteTables"]
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    mains = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    expect(mains, f"VPC {vpc_id} has no main route table")
    return mains[0]


def default_routes(table: dict) -> list[dict]:
    """Routes of ``table`` to the internet (0.0.0.0/0)."""
    return [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"]


def live_nats(side: str, vpc_id: str) -> list[dict]:
    found = EC2[side].describe_nat_gateways(Filters=in_vpc(vpc_id))["NatGateways"]
    return [n for n in found if n["State"] not in ("deleted", "deleting", "failed")]


def peering_connection() -> dict:
    """The live peering connection tagged Name=names['peering'], seen from us-east-1."""
    found = [
        p
        for p in EC2["primary"].describe_vpc_peering_connections()["VpcPeeringConnections"]
        if tag(p, "Name") == names["peering"]
        and p["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")
    ]
    expect(found, f"no VPC peering connection tagged Name={names['peering']!r} yet (task 4)")
    expect(len(found) == 1, f"{len(found)} live peering connections are named {names['peering']}")
    return found[0]


def security_group(side: str, vpc_id: str, group_name: str) -> dict:
    found = EC2[side].describe_security_groups(
        Filters=[*in_vpc(vpc_id), {"Name": "group-name", "Values": [group_name]}]
    )["SecurityGroups"]
    expect(found, f"no security group named {group_name!r} in {PREFIX[side]}-vpc yet (task 5)")
    return found[0]


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · One VPC per region (2 points)
#
# Two regions that will be connected must not share addresses: a route to `10.0.0.0/16` across a
# peering connection is useless if the local VPC is `10.0.0.0/16` too, and VPC peering refuses
# overlapping CIDRs outright. The firm's plan (the curriculum's Terraform) gives each region its
# own `/16` out of `10.0.0.0/8`, leaving room for more regions later:
#
# | side | region | VPC name | CIDR |
# |---|---|---|---|
# | primary | `us-east-1` | `trading-platform-primary-vpc` | `10.0.0.0/16` |
# | DR | `us-west-2` | `trading-platform-dr-vpc` | `10.1.0.0/16` |
#
# Create each VPC in its region (`EC2["primary"]`, `EC2["dr"]`) with the Name tag
# `f"{PREFIX[side]}-vpc"` and turn on **DNS support and DNS hostnames** (`modify_vpc_attribute`,
# one attribute per call): the Aurora endpoints of the next lab are DNS names that resolve to
# private addresses only with both on.
#
# Write a function `ensure_vpc(side) -> str` (returns the VPC id, creating it only when no VPC has
# that name) and call it for both sides. Useful calls: `describe_vpcs` (filter
# `tag:Name`), `create_vpc(CidrBlock=..., TagSpecifications=tag_spec("vpc", ...))`,
# `modify_vpc_attribute(VpcId=..., EnableDnsHostnames={"Value": True})`.


# %% nbgrader={"grade": false, "grade_id": "vpc_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def ensure_vpc(side: str) -> str:
    ec2, name = EC2[side], f"{PREFIX[side]}-vpc"
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    if found:
        vpc_id = found[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(
            CidrBlock=CIDR[side],
            TagSpecifications=tag_spec("vpc", name, Project="trading-platform", Side=side),
        )["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return vpc_id


vpc_ids = {side: ensure_vpc(side) for side in SIDES}
print(vpc_ids)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "vpc_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
nets = {}
for side in SIDES:
    vpc = region_vpc(side)
    expect(
        vpc["CidrBlock"] == CIDR[side],
        f"VPC {PREFIX[side]}-vpc in {REGIONS[side]} has CIDR {vpc['CidrBlock']}, "
        f"expected {CIDR[side]}",
    )
    nets[side] = ipaddress.ip_network(vpc["CidrBlock"])
expect(not nets["primary"].overlaps(nets["dr"]), "the two VPC CIDRs overlap")
print("both VPCs exist with their CIDRs")

### BEGIN HIDDEN TESTS
for side in SIDES:
    vpc_id, name = region_vpc(side)["VpcId"], f"{PREFIX[side]}-vpc"
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        key = attribute[0].upper() + attribute[1:]
        value = EC2[side].describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]
        expect(value, f"VPC {name} in {REGIONS[side]}: {attribute} is off")
    same = EC2[side].describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    expect(len(same) == 1, f"{len(same)} VPCs are named {name} in {REGIONS[side]}; expected one")
    other = EC2[PEER[side]].describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])
    expect(not other["Vpcs"], f"VPC {name} was also created in {REGIONS[PEER[side]]}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Subnets in three Availability Zones (3 points)
#
# An Availability Zone is one or more data centres with independent power and networking; a
# region has several. The trading platform survives the loss of one AZ *within* a region (Aurora
# and the app tier spread over three) and the loss of the whole region (the DR region). Each VPC
# gets, in each of its three AZs (`AZS[side]`), one **public** subnet (load balancers, NAT
# gateways) and one **private** subnet (application servers, database):
#
# | tier | AZ a | AZ b | AZ c | MapPublicIpOnLaunch |
# |---|---|---|---|---|
# | public | `10.x.101.0/24` | `10.x.102.0/24` | `10.x.103.0/24` | on |
# | private | `10.x.1.0/24` | `10.x.2.0/24` | `10.x.3.0/24` | off |
#
# with `x` = 0 in us-east-1 and 1 in us-west-2; `expected_subnets(side)` gives exactly this table.
# Name each subnet `f"{PREFIX[side]}-{tier}-{az[-1]}"` (e.g. `trading-platform-dr-private-b`) and
# tag it `Tier=public` or `Tier=private`: later labs find the DR private subnets by these tags.
#
# Write `ensure_subnets(side) -> dict[str, list[str]]` (tier -> subnet ids, AZ order), idempotent
# (look up by Name tag), and call it for both sides. Useful calls: `create_subnet(VpcId=...,
# CidrBlock=..., AvailabilityZone=..., TagSpecifications=tag_spec("subnet", ...))`,
# `modify_subnet_attribute(SubnetId=..., MapPublicIpOnLaunch={"Value": True})`.


# %% nbgrader={"grade": false, "grade_id": "subnet_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def ensure_subnets(side: str) -> dict[str, list[str]]:
    ec2, vpc_id = EC2[side], region_vpc(side)["VpcId"]
    existing = {tag(s, "Name"): s for s in ec2.describe_subnets(Filters=in_vpc(vpc_id))["Subnets"]}
    ids: dict[str, list[str]] = {"public": [], "private": []}
    for (tier, az), cidr in expected_subnets(side).items():
        name = f"{PREFIX[side]}-{tier}-{az[-1]}"
        if name in existing:
            subnet_id = existing[name]["SubnetId"]
        else:
            subnet_id = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=az,
                TagSpecifications=tag_spec("subnet", name, Tier=tier),
            )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": tier == "public"}
        )
        ids[tier].append(subnet_id)
    return ids


subnet_ids = {side: ensure_subnets(side) for side in SIDES}
print(subnet_ids)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "subnet_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
for side in SIDES:
    tiers = region_subnets(side, region_vpc(side)["VpcId"])
    for (tier, az), cidr in expected_subnets(side).items():
        here = [s for s in tiers.get(tier, []) if s["AvailabilityZone"] == az]
        expect(here, f"{PREFIX[side]}-vpc has no subnet tagged Tier={tier} in {az}")
        expect(
            here[0]["CidrBlock"] == cidr,
            f"the {tier} subnet of {PREFIX[side]}-vpc in {az} is {here[0]['CidrBlock']}, "
            f"expected {cidr}",
        )
print("six subnets per VPC, one of each tier per AZ")

### BEGIN HIDDEN TESTS
for side in SIDES:
    vpc = region_vpc(side)
    tiers = region_subnets(side, vpc["VpcId"])
    expect(None not in tiers, f"every subnet of {PREFIX[side]}-vpc needs a Tier tag")
    count = sum(len(v) for v in tiers.values())
    expect(count == 6, f"{PREFIX[side]}-vpc has {count} subnets; the design has 6")
    vpc_net = ipaddress.ip_network(vpc["CidrBlock"])
    for (tier, az), cidr in expected_subnets(side).items():
        here = [s for s in tiers.get(tier, []) if s["AvailabilityZone"] == az]
        expect(len(here) == 1, f"{PREFIX[side]}-vpc has {len(here)} {tier} subnets in {az}")
        s = here[0]
        expect(ipaddress.ip_network(s["CidrBlock"]).subnet_of(vpc_net), f"{cidr} is outside")
        expect(
            tag(s, "Name") == f"{PREFIX[side]}-{tier}-{az[-1]}",
            f"subnet {cidr} should be named {PREFIX[side]}-{tier}-{az[-1]}, not {tag(s, 'Name')}",
        )
        expect(
            bool(s["MapPublicIpOnLaunch"]) == (tier == "public"),
            f"{tier} subnet {cidr} ({REGIONS[side]}): MapPublicIpOnLaunch must be "
            f"{'on' if tier == 'public' else 'off'}",
        )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · Internet egress, one NAT gateway per AZ (3 points)
#
# Public subnets reach the internet through an **internet gateway**; private subnets have no
# public addresses and go out (for patches, market-data feeds, AWS APIs) through a **NAT gateway**
# in a public subnet. A NAT gateway lives in one AZ. With a single NAT gateway, losing its AZ cuts
# every private subnet of the VPC off the internet, and cross-AZ traffic is billed. The design
# therefore has **one NAT gateway per AZ, in both regions**, and each private subnet routes
# through the NAT gateway **of its own AZ**.
#
# *Why also in the DR region, where nothing runs most of the time?* Because after a failover
# us-west-2 *is* production, under the same 15-minute RTO; a DR region with a single NAT gateway
# would re-introduce the single point of failure the primary was built without, at the worst
# moment. Three NAT gateways cost about USD 100 a month per region plus data; the firm accepts
# that. (A cost-driven single NAT in DR is a defensible choice elsewhere, but not in this design,
# and the checks require one per AZ.)
#
# For each region build:
#
# 1. An internet gateway named `f"{PREFIX[side]}-igw"`, attached to the VPC.
# 2. A **public route table** `f"{PREFIX[side]}-public-rt"` with `0.0.0.0/0` → the internet
#    gateway, associated with the three public subnets.
# 3. Per AZ letter `a`, `b`, `c`: an Elastic IP (`allocate_address(Domain="vpc")`), a NAT gateway
#    `f"{PREFIX[side]}-nat-{letter}"` in that AZ's public subnet, and a **private route table**
#    `f"{PREFIX[side]}-private-rt-{letter}"` with `0.0.0.0/0` → that NAT gateway, associated with
#    that AZ's private subnet.
#
# Leave the VPC's main route table alone (local route only): a subnet you forget to associate
# then has no way out, which fails safe. NAT gateways start `pending`; wait for `available`
# (`get_waiter("nat_gateway_available")`) before routing to them.


# %% nbgrader={"grade": false, "grade_id": "egress_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def named(items: list[dict], name: str) -> dict | None:
    return next((i for i in items if tag(i, "Name") == name), None)


def ensure_route_table(side: str, vpc_id: str, name: str) -> str:
    ec2 = EC2[side]
    found = named(ec2.describe_route_tables(Filters=in_vpc(vpc_id))["RouteTables"], name)
    if found:
        return found["RouteTableId"]
    return ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", name))[
        "RouteTable"
    ]["RouteTableId"]


def set_route(side: str, table_id: str, cidr: str, **target: str) -> None:
    ec2 = EC2[side]
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    if any(r.get("DestinationCidrBlock") == cidr for r in table["Routes"]):
        ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock=cidr, **target)
    else:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=cidr, **target)


def associate(side: str, table_id: str, subnet_id: str) -> None:
    ec2 = EC2[side]
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    for table in tables:
        for a in table["Associations"]:
            if a.get("SubnetId") == subnet_id and table["RouteTableId"] != table_id:
                ec2.replace_route_table_association(
                    AssociationId=a["RouteTableAssociationId"], RouteTableId=table_id
                )
                return
            if a.get("SubnetId") == subnet_id:
                return
    ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)


def ensure_egress(side: str) -> dict[str, str]:
    ec2, prefix = EC2[side], PREFIX[side]
    vpc_id = region_vpc(side)["VpcId"]
    subnets = {
        (tag(s, "Tier"), s["AvailabilityZone"]): s["SubnetId"]
        for tier in need_subnets(side).values()
        for s in tier
    }
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-igw"]}]
    )
    if igws["InternetGateways"]:
        igw = igws["InternetGateways"][0]
    else:
        igw = ec2.create_internet_gateway(
            TagSpecifications=tag_spec("internet-gateway", f"{prefix}-igw")
        )["InternetGateway"]
    if not any(a["VpcId"] == vpc_id for a in igw.get("Attachments", [])):
        ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
    public_rt = ensure_route_table(side, vpc_id, f"{prefix}-public-rt")
    set_route(side, public_rt, "0.0.0.0/0", GatewayId=igw["InternetGatewayId"])
    for az in AZS[side]:
        associate(side, public_rt, subnets[("public", az)])

    nats = {}
    for az in AZS[side]:
        letter = az[-1]
        nat = named(live_nats(side, vpc_id), f"{prefix}-nat-{letter}")
        if nat is None:
            allocation = ec2.allocate_address(
                Domain="vpc", TagSpecifications=tag_spec("elastic-ip", f"{prefix}-nat-{letter}")
            )["AllocationId"]
            nat = ec2.create_nat_gateway(
                SubnetId=subnets[("public", az)],
                AllocationId=allocation,
                TagSpecifications=tag_spec("natgateway", f"{prefix}-nat-{letter}"),
            )["NatGateway"]
        nats[az] = nat["NatGatewayId"]
    ec2.get_waiter("nat_gateway_available").wait(
        NatGatewayIds=list(nats.values()), WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    for az in AZS[side]:
        private_rt = ensure_route_table(side, vpc_id, f"{prefix}-private-rt-{az[-1]}")
        set_route(side, private_rt, "0.0.0.0/0", NatGatewayId=nats[az])
        associate(side, private_rt, subnets[("private", az)])
    return nats


nat_ids = {side: ensure_egress(side) for side in SIDES}
print(nat_ids)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "egress_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    tiers = need_subnets(side)
    igws = EC2[side].describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    expect(igws, f"no internet gateway is attached to {PREFIX[side]}-vpc in {REGIONS[side]}")
    nat_ids_here = {n["NatGatewayId"] for n in live_nats(side, vpc_id)}
    expect(nat_ids_here, f"no NAT gateway in {PREFIX[side]}-vpc")
    for s in tiers["private"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        expect(
            any(r.get("NatGatewayId") in nat_ids_here for r in default_routes(table)),
            f"private subnet {s['CidrBlock']} ({REGIONS[side]}): its route table "
            f"{table['RouteTableId']} has no 0.0.0.0/0 route to a NAT gateway"
            + (
                ""
                if any(a.get("SubnetId") == s["SubnetId"] for a in table.get("Associations", []))
                else " (it is the VPC's main table: associate the subnet with its private table)"
            ),
        )
print("internet gateways, NAT gateways and private default routes in place")

### BEGIN HIDDEN TESTS
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    tiers = need_subnets(side)
    igws = EC2[side].describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    igw_id = find_named(igws, f"{PREFIX[side]}-igw", "internet gateway")["InternetGatewayId"]
    public_az = {s["SubnetId"]: s["AvailabilityZone"] for s in tiers["public"]}
    nat_az = {}
    for n in live_nats(side, vpc_id):
        expect(
            n["SubnetId"] in public_az,
            f"NAT gateway {n['NatGatewayId']} ({REGIONS[side]}) sits in {n['SubnetId']}, "
            f"not in a public subnet",
        )
        expect(n["State"] == "available", f"NAT gateway {n['NatGatewayId']} is {n['State']}")
        expect(
            any(a.get("AllocationId") for a in n.get("NatGatewayAddresses", [])),
            f"NAT gateway {n['NatGatewayId']} has no Elastic IP",
        )
        nat_az[n["NatGatewayId"]] = public_az[n["SubnetId"]]
    expect(
        sorted(nat_az.values()) == AZS[side],
        f"{PREFIX[side]}-vpc needs exactly one NAT gateway in each of {AZS[side]}; "
        f"found NAT gateways in {sorted(nat_az.values())}",
    )
    for s in tiers["public"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        expect(
            any(r.get("GatewayId") == igw_id for r in default_routes(table)),
            f"public subnet {s['CidrBlock']}: route table {table['RouteTableId']} has no "
            f"0.0.0.0/0 route to {igw_id}",
        )
    for s in tiers["private"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        where = f"private subnet {s['CidrBlock']} ({s['AvailabilityZone']})"
        expect(
            any(a.get("SubnetId") == s["SubnetId"] for a in table.get("Associations", [])),
            f"{where} has no explicit route-table association (it uses the main table)",
        )
        used = [nat_az.get(r.get("NatGatewayId")) for r in default_routes(table)]
        expect(
            used == [s["AvailabilityZone"]],
            f"{where} leaves through the NAT gateway(s) of {used}, not the one in its own AZ "
            f"{s['AvailabilityZone']}",
        )
        expect(
            not any(str(r.get("GatewayId", "")).startswith("igw-") for r in table["Routes"]),
            f"{where} must not route to the internet gateway",
        )
    tables = EC2[side].describe_route_tables(Filters=in_vpc(vpc_id))["RouteTables"]
    mains = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    expect(mains and not default_routes(mains[0]), "the main route table must keep no route out")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · A private path between the regions: VPC peering (3 points)
#
# Aurora's cross-region replication runs on AWS's own backbone, but the application and the
# operators' tooling need to reach the other region's private addresses too: the DR app checks
# the primary database during a drill, the reconciliation job compares both sides. A
# **cross-region VPC peering connection** joins the two VPCs over the AWS network without the
# internet, a VPN or a transit gateway (which would be the choice beyond a handful of VPCs).
#
# Peering is a request and an acceptance, even inside one account:
#
# 1. In **us-east-1** request it: `create_vpc_peering_connection(VpcId=<primary VPC>,
#    PeerVpcId=<DR VPC>, PeerRegion="us-west-2", TagSpecifications=tag_spec(
#    "vpc-peering-connection", names["peering"]))`.
# 2. In **us-west-2** accept it: `accept_vpc_peering_connection(VpcPeeringConnectionId=...)`;
#    its status becomes `active` on both sides.
# 3. Route over it: in **every private route table** of the primary, `10.1.0.0/16` →
#    the peering connection (`create_route(..., VpcPeeringConnectionId=...)`); in every private
#    route table of the DR VPC, `10.0.0.0/16` → the same connection. Public route tables get no
#    such route: nothing public needs to cross.
#
# Peering is not transitive and routes nothing by itself: without step 3 no packet crosses.
# Re-running: look the connection up by its Name tag first (`describe_vpc_peering_connections`),
# skip the acceptance when it is already `active`, and replace routes that exist.


# %% nbgrader={"grade": false, "grade_id": "peering_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def ensure_peering() -> str:
    east = EC2["primary"]
    live = [
        p
        for p in east.describe_vpc_peering_connections(
            Filters=[{"Name": "tag:Name", "Values": [names["peering"]]}]
        )["VpcPeeringConnections"]
        if p["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")
    ]
    if live:
        pcx_id = live[0]["VpcPeeringConnectionId"]
    else:
        pcx_id = east.create_vpc_peering_connection(
            VpcId=region_vpc("primary")["VpcId"],
            PeerVpcId=region_vpc("dr")["VpcId"],
            PeerRegion=REGIONS["dr"],
            TagSpecifications=tag_spec("vpc-peering-connection", names["peering"]),
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    west = EC2["dr"]
    status = west.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])[
        "VpcPeeringConnections"
    ][0]["Status"]["Code"]
    if status == "pending-acceptance":
        west.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    for side in SIDES:
        vpc_id = region_vpc(side)["VpcId"]
        for az in AZS[side]:
            table_id = ensure_route_table(side, vpc_id, f"{PREFIX[side]}-private-rt-{az[-1]}")
            set_route(side, table_id, CIDR[PEER[side]], VpcPeeringConnectionId=pcx_id)
    return pcx_id


pcx_id = ensure_peering()
print(pcx_id)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "peering_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
pcx = peering_connection()
pcx_id = pcx["VpcPeeringConnectionId"]
expect(
    pcx["Status"]["Code"] == "active",
    f"{pcx_id} is {pcx['Status']['Code']!r}; accept it in {REGIONS['dr']}",
)
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    for s in need_subnets(side)["private"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        expect(
            any(
                r.get("VpcPeeringConnectionId") == pcx_id
                and r.get("DestinationCidrBlock") == CIDR[PEER[side]]
                for r in table["Routes"]
            ),
            f"private subnet {s['CidrBlock']} ({REGIONS[side]}): route table "
            f"{table['RouteTableId']} has no route to {CIDR[PEER[side]]} via {pcx_id}",
        )
print(f"{pcx_id} is active and both regions' private subnets route across it")

### BEGIN HIDDEN TESTS
requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
expect(
    requester["VpcId"] == region_vpc("primary")["VpcId"],
    f"{pcx_id} must be requested by the primary VPC, not {requester['VpcId']}"
    + (
        f" (the DR VPC): request it in {REGIONS['primary']} from the primary VPC, accept it in "
        f"{REGIONS['dr']}"
        if requester["VpcId"] == region_vpc("dr")["VpcId"]
        else ""
    ),
)
expect(
    accepter["VpcId"] == region_vpc("dr")["VpcId"],
    f"{pcx_id} must be accepted by the DR VPC, not {accepter['VpcId']}",
)
expect(
    accepter.get("Region", REGIONS["dr"]) == REGIONS["dr"],
    f"{pcx_id}'s accepter is in {accepter.get('Region')}, not {REGIONS['dr']}",
)
seen = EC2["dr"].describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])
code = seen["VpcPeeringConnections"][0]["Status"]["Code"]
expect(code == "active", f"{pcx_id} is {code!r} as seen from {REGIONS['dr']}")
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    peer_net = ipaddress.ip_network(CIDR[PEER[side]])
    for s in need_subnets(side)["private"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        for r in table["Routes"]:
            if r.get("VpcPeeringConnectionId") == pcx_id:
                dest = ipaddress.ip_network(r["DestinationCidrBlock"])
                expect(dest.subnet_of(peer_net), f"{dest} does not lie across {pcx_id}")
                expect(r.get("State", "active") == "active", f"a blackhole route to {dest}")
        # the peer's private subnets resolve to the peering route, not to the NAT's 0.0.0.0/0
        for peer_subnet in need_subnets(PEER[side])["private"]:
            target = ipaddress.ip_network(peer_subnet["CidrBlock"])
            matches = [
                r
                for r in table["Routes"]
                if r.get("DestinationCidrBlock")
                and target.subnet_of(ipaddress.ip_network(r["DestinationCidrBlock"]))
            ]
            best = max(
                matches, key=lambda r: ipaddress.ip_network(r["DestinationCidrBlock"]).prefixlen
            )
            expect(
                best.get("VpcPeeringConnectionId") == pcx_id,
                f"from {s['CidrBlock']} traffic to {target} takes {best}, not {pcx_id}",
            )
    for s in need_subnets(side)["public"]:
        table = route_table_for(side, vpc_id, s["SubnetId"])
        expect(
            not any(r.get("VpcPeeringConnectionId") for r in table["Routes"]),
            f"public subnet {s['CidrBlock']} ({REGIONS[side]}): route table "
            f"{table['RouteTableId']} routes to the peering connection; only the private route "
            f"tables may (nothing public needs to cross)",
        )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Database security groups (2 points)
#
# Routes say where packets *may* go; security groups say what an interface *accepts*. The
# database (Aurora PostgreSQL, port 5432, next lab) must accept connections only from the
# application tier: the app servers of its own region, and (for drills, reconciliation and the
# minutes after a failover while clients move) those of the other region, which arrive over the
# peering connection with their private addresses. Security groups cannot reference a group in
# another region, so the remote side is named by its **CIDRs**: the other region's three private
# (app) subnets, not its whole VPC and certainly not `0.0.0.0/0`.
#
# In **each** VPC create:
#
# 1. `names["sg_app"]` (`trading-platform-app-sg`): the application servers' group (its rules come
#    with the app tier in Day 5-7; create it with no inbound rules now).
# 2. `names["sg_db"]` (`trading-platform-db-sg`), admitting TCP 5432 **only** from the local app
#    group (`UserIdGroupPairs=[{"GroupId": <app sg>}]`) and from the other region's three private
#    subnet CIDRs (`IpRanges`). No other port and no other source.
#
# `create_security_group` raises `InvalidGroup.Duplicate` when the group exists: look it up first.
# `authorize_security_group_ingress` raises `InvalidPermission.Duplicate` for a rule that is there.

# %% nbgrader={"grade": false, "grade_id": "sg_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from botocore.exceptions import ClientError


def ensure_group(side: str, vpc_id: str, name: str, description: str) -> str:
    found = EC2[side].describe_security_groups(
        Filters=[*in_vpc(vpc_id), {"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    return EC2[side].create_security_group(
        GroupName=name,
        Description=description,
        VpcId=vpc_id,
        TagSpecifications=tag_spec("security-group", name),
    )["GroupId"]


def ensure_db_groups(side: str) -> dict[str, str]:
    vpc_id = region_vpc(side)["VpcId"]
    app = ensure_group(side, vpc_id, names["sg_app"], "trading platform application servers")
    db = ensure_group(side, vpc_id, names["sg_db"], "Aurora PostgreSQL: app tiers only")
    peer_app = [s["CidrBlock"] for s in need_subnets(PEER[side])["private"]]
    try:
        EC2[side].authorize_security_group_ingress(
            GroupId=db,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": DB_PORT,
                    "ToPort": DB_PORT,
                    "UserIdGroupPairs": [{"GroupId": app, "Description": "local app tier"}],
                    "IpRanges": [
                        {"CidrIp": c, "Description": f"{REGIONS[PEER[side]]} app tier"}
                        for c in peer_app
                    ],
                }
            ],
        )
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidPermission.Duplicate":
            raise
    return {"app": app, "db": db}


groups = {side: ensure_db_groups(side) for side in SIDES}
print(groups)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "sg_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    app = security_group(side, vpc_id, names["sg_app"])
    db = security_group(side, vpc_id, names["sg_db"])
    expect(
        not [p for p in db["IpPermissions"] if p["IpProtocol"] == "-1"],
        f"{names['sg_db']} in {REGIONS[side]} admits all traffic (protocol -1); only TCP {DB_PORT}",
    )
    on_port = [p for p in db["IpPermissions"] if p.get("FromPort") == DB_PORT]
    expect(on_port, f"{names['sg_db']} in {REGIONS[side]} admits nothing on port {DB_PORT}")
    sources = {g["GroupId"] for p in on_port for g in p.get("UserIdGroupPairs", [])}
    expect(
        app["GroupId"] in sources,
        f"{names['sg_db']} in {REGIONS[side]} must admit {DB_PORT} from {names['sg_app']}",
    )
print("database groups admit the app tiers")

### BEGIN HIDDEN TESTS
for side in SIDES:
    vpc_id = region_vpc(side)["VpcId"]
    app = security_group(side, vpc_id, names["sg_app"])
    db = security_group(side, vpc_id, names["sg_db"])
    peer_private = [
        ipaddress.ip_network(s["CidrBlock"]) for s in need_subnets(PEER[side])["private"]
    ]
    cidrs, sources = [], set()
    for p in db["IpPermissions"]:
        expect(
            p["IpProtocol"] in ("tcp", "6") and p.get("FromPort") == p.get("ToPort") == DB_PORT,
            f"{names['sg_db']} in {REGIONS[side]} opens "
            + (
                "all traffic (protocol -1)"
                if p["IpProtocol"] == "-1"
                else f"{p['IpProtocol']} {p.get('FromPort')}-{p.get('ToPort')}"
            )
            + f"; only TCP {DB_PORT}",
        )
        expect(not p.get("Ipv6Ranges"), f"{names['sg_db']} admits IPv6 ranges")
        cidrs += [ipaddress.ip_network(r["CidrIp"]) for r in p.get("IpRanges", [])]
        sources |= {g["GroupId"] for g in p.get("UserIdGroupPairs", [])}
    expect(
        sources == {app["GroupId"]},
        f"{names['sg_db']} in {REGIONS[side]} admits the groups {sorted(sources)}; only "
        f"{names['sg_app']} ({app['GroupId']})",
    )
    for net in cidrs:
        expect(
            any(net.subnet_of(p) for p in peer_private),
            f"{names['sg_db']} in {REGIONS[side]} admits {net}: only the other region's app "
            f"subnets {[str(p) for p in peer_private]} may reach the database",
        )
    for net in peer_private:
        expect(
            any(net.subnet_of(c) for c in cidrs),
            f"{names['sg_db']} in {REGIONS[side]} does not admit the other region's app "
            f"subnet {net}",
        )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · Network design document and diagram (2 points)
#
# The project's deliverables include **network design documentation**. Reviewers trust a design
# document whose figures come from the running system, so generate both artefacts from the state
# you just built, not from memory:
#
# 1. A **diagram** in Mermaid (`flowchart`) text, drawn from `describe_*` calls: a subgraph per
#    region with the VPC (id and CIDR), its six subnets (CIDR, AZ), NAT gateways, and the peering
#    connection (its id) joining the two. Save it with
#    `lab.portfolio.add_diagram(names["diagram"], text)`.
# 2. An **architecture document** `lab.portfolio.write_document("architecture",
#    names["design_doc"], markdown)` with the sections the portfolio rubric requires:
#    `Overview`, `Components`, `Design Decisions`, `Security`, `Scaling`. It must state the
#    real figures: both VPC CIDRs, every subnet CIDR, the peering connection id, the NAT
#    decision (one per AZ in both regions, and why), and how the address plan leaves room to
#    grow (more regions, more AZs, larger subnets).
#
# The check reads both files back from your portfolio (`lab.portfolio.path(...)`).

# %% nbgrader={"grade": false, "grade_id": "doc_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
state = {}
for side in SIDES:
    vpc = region_vpc(side)
    state[side] = {
        "vpc": vpc,
        "subnets": sorted(
            (s for tier in need_subnets(side).values() for s in tier),
            key=lambda s: ipaddress.ip_network(s["CidrBlock"]),
        ),
        "nats": live_nats(side, vpc["VpcId"]),
    }
pcx = peering_connection()
pcx_id = pcx["VpcPeeringConnectionId"]

lines = ["flowchart LR"]
for side in SIDES:
    vpc = state[side]["vpc"]
    node = side.upper()
    lines.append(f'  subgraph {node}["{REGIONS[side]} ({side})"]')
    lines.append(f'    {node}_VPC["{tag(vpc, "Name")}<br/>{vpc["VpcId"]}<br/>{vpc["CidrBlock"]}"]')
    for s in state[side]["subnets"]:
        sid = s["SubnetId"].replace("-", "_")
        lines.append(f'    {sid}["{tag(s, "Name")}<br/>{s["CidrBlock"]} {s["AvailabilityZone"]}"]')
        lines.append(f"    {node}_VPC --- {sid}")
    for n in state[side]["nats"]:
        nid = n["NatGatewayId"].replace("-", "_")
        lines.append(f'    {nid}(["{tag(n, "Name")}<br/>{n["NatGatewayId"]}"])')
        lines.append(f"    {n['SubnetId'].replace('-', '_')} --> {nid}")
    lines.append("  end")
lines.append(f'  PRIMARY_VPC <== "{pcx_id} (VPC peering)" ==> DR_VPC')
diagram = "\n".join(lines) + "\n"
lab.portfolio.add_diagram(names["diagram"], diagram)


def subnet_rows(side: str) -> str:
    return "\n".join(
        f"| {REGIONS[side]} | {tag(s, 'Name')} | {tag(s, 'Tier')} | {s['AvailabilityZone']} | "
        f"{s['CidrBlock']} |"
        for s in state[side]["subnets"]
    )


document = f"""# Trading platform: multi-region network design

## Overview
The trading platform runs in {REGIONS["primary"]} (primary) with {REGIONS["dr"]} as its
disaster-recovery region, for an RTO of 15 minutes and an RPO of zero. Each region has one VPC
with the same layout: {state["primary"]["vpc"]["VpcId"]} ({CIDR["primary"]}) in
{REGIONS["primary"]} and {state["dr"]["vpc"]["VpcId"]} ({CIDR["dr"]}) in {REGIONS["dr"]},
joined by the cross-region VPC peering connection {pcx_id}. Diagram: `diagrams/{names["diagram"]}`.

## Components
| region | subnet | tier | AZ | CIDR |
|---|---|---|---|---|
{subnet_rows("primary")}
{subnet_rows("dr")}

- Internet gateways {PREFIX["primary"]}-igw and {PREFIX["dr"]}-igw; a public route table per VPC.
- NAT gateways: {", ".join(n["NatGatewayId"] for n in state["primary"]["nats"])} (primary) and
  {", ".join(n["NatGatewayId"] for n in state["dr"]["nats"])} (DR), one per AZ, each with its own
  private route table.
- Peering {pcx_id}: requested in {REGIONS["primary"]}, accepted in {REGIONS["dr"]}; every private
  route table sends the other region's CIDR across it.

## Design Decisions
- Non-overlapping /16 per region ({CIDR["primary"]}, {CIDR["dr"]}): peering requires it, and the
  rest of 10.0.0.0/8 is free for further regions.
- One NAT gateway per AZ in both regions: after a failover {REGIONS["dr"]} is production under the
  same RTO, so it must not depend on a single AZ; each private subnet leaves through the NAT of its
  own AZ (no cross-AZ dependency or charges).
- VPC peering rather than a transit gateway: two VPCs, no transitive routing needed, no hourly
  attachment cost; a transit gateway becomes worthwhile beyond a handful of VPCs.
- Public route tables carry no peering route: only private (app and data) subnets cross regions.

## Security
- {names["sg_db"]} admits TCP {DB_PORT} only from {names["sg_app"]} of its own VPC and from the
  other region's private subnets ({", ".join(s["CidrBlock"] for s in need_subnets("dr")["private"])}
  seen from {REGIONS["primary"]}; {", ".join(s["CidrBlock"] for s in need_subnets("primary")["private"])}
  seen from {REGIONS["dr"]}).
- Private subnets assign no public IPs; the main route tables have no route out, so an
  unassociated subnet fails closed.

## Scaling
- Each /16 holds 256 /24s; six are used. A fourth AZ takes 10.x.4.0/24 and 10.x.104.0/24.
- A third region takes 10.2.0.0/16; with more than three VPCs, move to a transit gateway.
- NAT gateways scale to 100 Gbps each; the per-AZ layout spreads egress across three.
"""
lab.portfolio.write_document("architecture", names["design_doc"], document)
print(lab.portfolio.path("documents", "architecture", f"{names['design_doc']}.md"))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "doc_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import re

doc_path = lab.portfolio.path("documents", "architecture", f"{names['design_doc']}.md")
expect(doc_path.is_file(), f"no architecture document at {doc_path}")
text = doc_path.read_text()
headings = [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]
for section in ("Overview", "Components", "Design Decisions", "Security", "Scaling"):
    expect(
        any(section.lower() in h for h in headings),
        f"the design document has no '{section}' section (headings: {headings})",
    )
diagram_path = lab.portfolio.path("diagrams", names["diagram"])
expect(diagram_path.is_file(), f"no diagram at {diagram_path}")
expect(
    re.match(
        r"\s*(---\n(?s:.*?)\n---\s*\n)?\s*(%%.*\n\s*)*(flowchart|graph)\s",
        diagram_path.read_text(),
    ),
    f"{names['diagram']} does not start like a Mermaid flowchart ('flowchart LR' or 'graph TB')",
)
print("design document and diagram written")

### BEGIN HIDDEN TESTS
pcx_id = peering_connection()["VpcPeeringConnectionId"]
drawn = diagram_path.read_text()
for side in SIDES:
    vpc = region_vpc(side)
    for figure in (
        vpc["CidrBlock"],
        *(s["CidrBlock"] for t in need_subnets(side).values() for s in t),
    ):
        expect(figure in text, f"the design document does not state {figure} ({REGIONS[side]})")
    expect(vpc["VpcId"] in drawn, f"the diagram does not show {vpc['VpcId']} (from the state)")
    for s in (s for t in need_subnets(side).values() for s in t):
        expect(s["CidrBlock"] in drawn, f"the diagram does not show subnet {s['CidrBlock']}")
expect(pcx_id in text, f"the design document does not name the peering connection {pcx_id}")
expect(pcx_id in drawn, f"the diagram does not show the peering connection {pcx_id}")
expect("nat" in text.lower(), "the design document does not explain the NAT gateway decision")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# Both regions now have the same network, built by the same functions, and a private path
# between them that only the private tiers use. The next lab puts an Aurora global database into
# these private subnets, behind `trading-platform-db-sg`.
#
# Questions for your design review:
#
# 1. What would a transit gateway peering (instead of VPC peering) change in the route tables,
#    and at how many VPCs would you switch?
# 2. Three NAT gateways per region cost about USD 100 a month each region before data. What
#    would you lose with a single NAT in the DR region, and when could that be acceptable?
# 3. The database accepts the other region's app subnets by CIDR. What happens to that rule if
#    the DR VPC's address plan changes, and how would you keep it in step (prefix lists)?
