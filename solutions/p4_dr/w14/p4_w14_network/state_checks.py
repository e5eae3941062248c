"""Out-of-kernel state checks of p4_w14_network (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator after the
learner's notebook ran; each mirrors the visible and hidden tests of its grade cell, in both
regions. Messages end up in the learner's feedback.
"""

from __future__ import annotations

import ipaddress

from labkit.checks import expect, find_named, tag

SIDES = ("primary", "dr")
PEER = {"primary": "dr", "dr": "primary"}
DB_PORT = 5432


# --- look-ups -------------------------------------------------------------------------------


def _ec2(lab, side: str):
    return lab.client("ec2", lab.names[f"{side}_region"])


def _azs(lab, side: str) -> list[str]:
    return [f"{lab.names[f'{side}_region']}{s}" for s in "abc"]


def _in_vpc(vpc_id: str) -> list[dict]:
    return [{"Name": "vpc-id", "Values": [vpc_id]}]


def _vpc(lab, side: str) -> dict:
    name = lab.names[f"{side}_prefix"] + "-vpc"
    region = lab.names[f"{side}_region"]
    vpcs = _ec2(lab, side).describe_vpcs()["Vpcs"]
    expect(
        any(tag(v, "Name") == name for v in vpcs),
        f"no VPC with the Name tag {name!r} in {region} (task 1 creates it)",
    )
    same = [v["VpcId"] for v in vpcs if tag(v, "Name") == name]
    expect(
        len(same) == 1,
        f"{len(same)} VPCs in {region} carry the Name tag {name!r} ({', '.join(same)}); "
        f"expected exactly one (did a re-run create a duplicate? delete the extra one)",
    )
    return find_named(vpcs, name, "VPC")


def _expected_subnets(lab, side: str) -> dict[tuple[str, str], str]:
    """(tier, AZ) -> the CIDR the design gives it."""
    second = ipaddress.ip_network(lab.names[f"{side}_cidr"]).network_address.packed[1]
    found = {}
    for i, az in enumerate(_azs(lab, side)):
        found[("public", az)] = f"10.{second}.{101 + i}.0/24"
        found[("private", az)] = f"10.{second}.{1 + i}.0/24"
    return found


def _subnets(lab, side: str, vpc_id: str) -> dict[str, list[dict]]:
    found = _ec2(lab, side).describe_subnets(Filters=_in_vpc(vpc_id))["Subnets"]
    tiers: dict = {}
    for s in found:
        tiers.setdefault(tag(s, "Tier"), []).append(s)
    return tiers


def _tables(lab, side: str, vpc_id: str) -> list[dict]:
    return _ec2(lab, side).describe_route_tables(Filters=_in_vpc(vpc_id))["RouteTables"]


def _table_for(tables: list[dict], subnet_id: str) -> dict:
    for t in tables:
        if any(a.get("SubnetId") == subnet_id for a in t.get("Associations", [])):
            return t
    mains = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    expect(mains, "the VPC has no main route table")
    return mains[0]


def _default(table: dict) -> list[dict]:
    return [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"]


def _need_subnets(lab, side: str, vpc_id: str) -> dict[str, list[dict]]:
    tiers = _subnets(lab, side, vpc_id)
    expect(
        len(tiers.get("public", [])) == 3 and len(tiers.get("private", [])) == 3,
        f"{lab.names[f'{side}_prefix']}-vpc needs task 2's three public and three private "
        f"subnets first",
    )
    return tiers


def _peering(lab) -> dict:
    names = lab.names
    ec2 = _ec2(lab, "primary")
    found = [
        p
        for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        if tag(p, "Name") == names["peering"]
        and p["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")
    ]
    expect(
        found,
        f"no VPC peering connection tagged Name={names['peering']!r} in "
        f"{names['primary_region']} (task 4 requests it there)",
    )
    expect(len(found) == 1, f"{len(found)} live peering connections are named {names['peering']}")
    return found[0]


# --- task 1 -----------------------------------------------------------------------------------


def two_vpcs(lab) -> None:
    names = lab.names
    nets = {}
    for side in SIDES:
        vpc = _vpc(lab, side)
        region, name = names[f"{side}_region"], names[f"{side}_prefix"] + "-vpc"
        expect(
            vpc["CidrBlock"] == names[f"{side}_cidr"],
            f"VPC {name} in {region} has CIDR {vpc['CidrBlock']}, expected {names[f'{side}_cidr']}",
        )
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            key = attribute[0].upper() + attribute[1:]
            value = _ec2(lab, side).describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)
            expect(value[key]["Value"], f"VPC {name} in {region}: {attribute} is off")
        same = _ec2(lab, side).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])
        expect(len(same["Vpcs"]) == 1, f"{len(same['Vpcs'])} VPCs named {name} in {region}")
        nets[side] = ipaddress.ip_network(vpc["CidrBlock"])
    expect(
        not nets["primary"].overlaps(nets["dr"]),
        f"the VPC CIDRs {nets['primary']} and {nets['dr']} overlap: peering needs disjoint ranges",
    )


# --- task 2 -----------------------------------------------------------------------------------


def subnets_per_az(lab) -> None:
    names = lab.names
    for side in SIDES:
        vpc = _vpc(lab, side)
        region, prefix = names[f"{side}_region"], names[f"{side}_prefix"]
        tiers = _subnets(lab, side, vpc["VpcId"])
        expect(None not in tiers, f"every subnet of {prefix}-vpc needs a Tier tag")
        expect(
            set(tiers) <= {"public", "private"},
            f"{prefix}-vpc has subnets tagged Tier={sorted(set(tiers) - {'public', 'private'})}",
        )
        want = _expected_subnets(lab, side)
        for (tier, az), cidr in want.items():
            matches = [s for s in tiers.get(tier, []) if s["AvailabilityZone"] == az]
            expect(matches, f"{prefix}-vpc has no {tier} subnet in {az} ({region})")
            expect(len(matches) == 1, f"{prefix}-vpc has {len(matches)} {tier} subnets in {az}")
            s = matches[0]
            expect(
                s["CidrBlock"] == cidr,
                f"the {tier} subnet of {prefix}-vpc in {az} is {s['CidrBlock']}, expected {cidr}",
            )
            expect(
                tag(s, "Name") == f"{prefix}-{tier}-{az[-1]}",
                f"subnet {cidr} should be named {prefix}-{tier}-{az[-1]}, not {tag(s, 'Name')}",
            )
            expect(
                bool(s["MapPublicIpOnLaunch"]) == (tier == "public"),
                f"{tier} subnet {cidr}: MapPublicIpOnLaunch must be "
                f"{'on' if tier == 'public' else 'off'}",
            )
        count = sum(len(v) for v in tiers.values())
        expect(count == 6, f"{prefix}-vpc has {count} subnets; the design has 6")


# --- task 3 -----------------------------------------------------------------------------------


def internet_egress(lab) -> None:
    names = lab.names
    for side in SIDES:
        ec2, region, prefix = _ec2(lab, side), names[f"{side}_region"], names[f"{side}_prefix"]
        vpc_id = _vpc(lab, side)["VpcId"]
        tiers = _need_subnets(lab, side, vpc_id)
        igws = ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        )["InternetGateways"]
        expect(igws, f"no internet gateway attached to {prefix}-vpc in {region}")
        igw_id = find_named(igws, f"{prefix}-igw", "internet gateway")["InternetGatewayId"]
        public_by_id = {s["SubnetId"]: s for s in tiers["public"]}
        nats = [
            n
            for n in ec2.describe_nat_gateways(Filters=_in_vpc(vpc_id))["NatGateways"]
            if n["State"] not in ("deleted", "deleting", "failed")
        ]
        nat_az = {}
        for n in nats:
            expect(
                n["SubnetId"] in public_by_id,
                f"NAT gateway {n['NatGatewayId']} ({region}) is in {n['SubnetId']}, not a public "
                f"subnet",
            )
            expect(n["State"] == "available", f"NAT gateway {n['NatGatewayId']} is {n['State']}")
            expect(
                any(a.get("AllocationId") for a in n.get("NatGatewayAddresses", [])),
                f"NAT gateway {n['NatGatewayId']} has no Elastic IP",
            )
            nat_az[n["NatGatewayId"]] = public_by_id[n["SubnetId"]]["AvailabilityZone"]
        azs = sorted(nat_az.values())
        expect(
            azs == _azs(lab, side),
            f"{prefix}-vpc needs one NAT gateway in each of {_azs(lab, side)}; found NATs in {azs}",
        )
        tables = _tables(lab, side, vpc_id)
        for s in tiers["public"]:
            t = _table_for(tables, s["SubnetId"])
            expect(
                any(r.get("GatewayId") == igw_id for r in _default(t)),
                f"public subnet {s['CidrBlock']} ({region}): its route table {t['RouteTableId']} "
                f"has no 0.0.0.0/0 route to {igw_id}",
            )
        for s in tiers["private"]:
            t = _table_for(tables, s["SubnetId"])
            where = f"private subnet {s['CidrBlock']} ({s['AvailabilityZone']})"
            expect(
                any(a.get("SubnetId") == s["SubnetId"] for a in t.get("Associations", [])),
                f"{where} has no explicit route-table association",
            )
            via = [r.get("NatGatewayId") for r in _default(t)]
            expect(
                any(v in nat_az for v in via),
                f"{where}: route table {t['RouteTableId']} has no 0.0.0.0/0 route to a NAT gateway",
            )
            expect(
                all(nat_az.get(v) == s["AvailabilityZone"] for v in via),
                f"{where} leaves through the NAT gateway in {[nat_az.get(v) for v in via]}, not "
                f"the one in its own AZ: an AZ outage elsewhere would cut it off",
            )
            expect(
                not any(str(r.get("GatewayId", "")).startswith("igw-") for r in t["Routes"]),
                f"{where} must not route to the internet gateway",
            )
        mains = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
        expect(
            mains and not _default(mains[0]),
            f"the main route table of {prefix}-vpc must keep no route out",
        )


# --- task 4 -----------------------------------------------------------------------------------


def cross_region_peering(lab) -> None:
    names = lab.names
    vpcs = {side: _vpc(lab, side) for side in SIDES}
    pcx = _peering(lab)
    pcx_id = pcx["VpcPeeringConnectionId"]
    requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
    expect(
        requester["VpcId"] == vpcs["primary"]["VpcId"],
        f"{pcx_id} is requested by {requester['VpcId']}, not the primary VPC "
        f"{vpcs['primary']['VpcId']}"
        + (
            " (the DR VPC requested it): request it in the primary region, accept it in the DR one"
            if requester["VpcId"] == vpcs["dr"]["VpcId"]
            else ""
        ),
    )
    expect(
        accepter["VpcId"] == vpcs["dr"]["VpcId"],
        f"{pcx_id} is accepted by {accepter['VpcId']}, not the DR VPC {vpcs['dr']['VpcId']}",
    )
    expect(
        accepter.get("Region", names["dr_region"]) == names["dr_region"],
        f"{pcx_id}'s accepter is in {accepter.get('Region')}, not {names['dr_region']}",
    )
    seen_west = _ec2(lab, "dr").describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])
    status = seen_west["VpcPeeringConnections"][0]["Status"]["Code"]
    expect(status == "active", f"{pcx_id} is {status!r} in {names['dr_region']}: accept it there")
    expect(pcx["Status"]["Code"] == "active", f"{pcx_id} is {pcx['Status']['Code']!r}")
    for side in SIDES:
        peer = PEER[side]
        peer_vpc = ipaddress.ip_network(names[f"{peer}_cidr"])
        tiers = _need_subnets(lab, side, vpcs[side]["VpcId"])
        peer_private = [
            ipaddress.ip_network(s["CidrBlock"])
            for s in _need_subnets(lab, peer, vpcs[peer]["VpcId"])["private"]
        ]
        tables = _tables(lab, side, vpcs[side]["VpcId"])
        for s in tiers["private"]:
            t = _table_for(tables, s["SubnetId"])
            where = f"private subnet {s['CidrBlock']} in {names[f'{side}_region']}"
            via = [
                ipaddress.ip_network(r["DestinationCidrBlock"])
                for r in t["Routes"]
                if r.get("VpcPeeringConnectionId") == pcx_id and r.get("DestinationCidrBlock")
            ]
            for net in peer_private:
                expect(
                    any(net.subnet_of(d) for d in via),
                    f"{where}: route table {t['RouteTableId']} has no route to {net} via {pcx_id}",
                )
            for d in via:
                expect(
                    d.subnet_of(peer_vpc),
                    f"{where} sends {d} through {pcx_id}; only {peer_vpc} lies across it",
                )
            for r in t["Routes"]:
                if r.get("VpcPeeringConnectionId") == pcx_id:
                    expect(r.get("State", "active") == "active", f"{where}: a blackhole route")
        for s in tiers["public"]:
            t = _table_for(tables, s["SubnetId"])
            expect(
                not any(r.get("VpcPeeringConnectionId") for r in t["Routes"]),
                f"public subnet {s['CidrBlock']} in {names[f'{side}_region']}: route table "
                f"{t['RouteTableId']} routes to the peering connection; only the private route "
                f"tables may",
            )


# --- task 5 -----------------------------------------------------------------------------------


def _group(ec2, vpc_id: str, name: str, where: str) -> dict:
    found = ec2.describe_security_groups(
        Filters=[*_in_vpc(vpc_id), {"Name": "group-name", "Values": [name]}]
    )["SecurityGroups"]
    expect(found, f"no security group named {name!r} in {where} (task 5)")
    return found[0]


def database_security_groups(lab) -> None:
    names = lab.names
    for side in SIDES:
        ec2, region = _ec2(lab, side), names[f"{side}_region"]
        vpc_id = _vpc(lab, side)["VpcId"]
        peer = PEER[side]
        peer_private = [
            ipaddress.ip_network(s["CidrBlock"])
            for s in _need_subnets(lab, peer, _vpc(lab, peer)["VpcId"])["private"]
        ]
        where = f"{names[f'{side}_prefix']}-vpc ({region})"
        app = _group(ec2, vpc_id, names["sg_app"], where)
        db = _group(ec2, vpc_id, names["sg_db"], where)
        cidrs = []
        groups = set()
        for p in db["IpPermissions"]:
            expect(
                p["IpProtocol"] in ("tcp", "6")
                and p.get("FromPort") == DB_PORT
                and p.get("ToPort") == DB_PORT,
                f"{names['sg_db']} in {region} opens "
                + (
                    "all traffic (protocol -1)"
                    if p["IpProtocol"] == "-1"
                    else f"{p['IpProtocol']} {p.get('FromPort')}-{p.get('ToPort')}"
                )
                + f"; only TCP {DB_PORT}",
            )
            cidrs += [ipaddress.ip_network(r["CidrIp"]) for r in p.get("IpRanges", [])]
            groups |= {g["GroupId"] for g in p.get("UserIdGroupPairs", [])}
            expect(not p.get("Ipv6Ranges"), f"{names['sg_db']} in {region} admits IPv6 ranges")
        expect(
            app["GroupId"] in groups,
            f"{names['sg_db']} in {region} must admit {DB_PORT} from {names['sg_app']} "
            f"({app['GroupId']})",
        )
        expect(
            groups == {app["GroupId"]},
            f"{names['sg_db']} in {region} admits groups {sorted(groups)}; only {names['sg_app']}",
        )
        for net in cidrs:
            expect(
                any(net.subnet_of(p) for p in peer_private),
                f"{names['sg_db']} in {region} admits {net}, which is not an app (private) subnet "
                f"of the other region {[str(p) for p in peer_private]}",
            )
        for net in peer_private:
            expect(
                any(net.subnet_of(c) for c in cidrs),
                f"{names['sg_db']} in {region} does not admit the other region's app subnet {net}",
            )


CHECKS = {
    "vpc_tests": two_vpcs,
    "subnet_tests": subnets_per_az,
    "egress_tests": internet_egress,
    "peering_tests": cross_region_peering,
    "sg_tests": database_security_groups,
}
