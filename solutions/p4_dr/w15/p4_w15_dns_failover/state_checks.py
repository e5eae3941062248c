"""Out-of-kernel state checks of p4_w15_dns_failover (instructor-only, never shipped).

They re-read the Route 53 configuration from the grader's process: the hosted zone, the two
HTTP health checks (loopback addresses of the two regions, /health, interval and threshold),
the failover records and their health checks, and that the zone answers the primary while it
is healthy. The learner's services live in the kernel, so reachability is checked there.
"""

from __future__ import annotations

from labkit.checks import expect


def _zone_id(r53, names) -> str:
    zone = names["zone"].rstrip(".") + "."
    zones = r53.list_hosted_zones_by_name(DNSName=zone)["HostedZones"]
    found = [z["Id"].split("/")[-1] for z in zones if z["Name"] == zone]
    expect(found, f"no hosted zone named {zone} (task 2)")
    expect(len(found) == 1, f"{len(found)} hosted zones are named {zone}; keep exactly one")
    return found[0]


def _health_checks(r53) -> dict[str, list[dict]]:
    checks = r53.list_health_checks()["HealthChecks"]
    if not checks:
        return {}
    by_id = {c["Id"]: c for c in checks}
    tags = r53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=list(by_id))
    named: dict[str, list[dict]] = {}
    for tag_set in tags["ResourceTagSets"]:
        for t in tag_set.get("Tags", []):
            if t["Key"] == "Name":
                named.setdefault(t["Value"], []).append(by_id[tag_set["ResourceId"]])
    return named


def _named(r53, name: str) -> dict:
    found = _health_checks(r53).get(name, [])
    expect(found, f"no Route 53 health check with the Name tag {name!r} (task 2)")
    expect(len(found) == 1, f"{len(found)} health checks are tagged Name={name}; keep one")
    return found[0]


def health_checks(lab) -> None:
    names, r53 = lab.names, lab.client("route53")
    _zone_id(r53, names)
    ports = []
    for name, address in (
        (names["hc_primary"], names["primary_ip"]),
        (names["hc_dr"], names["dr_ip"]),
    ):
        config = _named(r53, name)["HealthCheckConfig"]
        expect(
            config.get("Type") == "HTTP", f"health check {name} is {config.get('Type')}, not HTTP"
        )
        expect(
            config.get("IPAddress") == address,
            f"health check {name} probes {config.get('IPAddress')}, not the region's {address}",
        )
        port = config.get("Port")
        expect(isinstance(port, int) and 1024 <= port <= 65535, f"health check {name}: port {port}")
        ports.append(port)
        expect(config.get("ResourcePath") == "/health", f"health check {name}: path not /health")
        expect(
            (config.get("RequestInterval"), config.get("FailureThreshold")) == (10, 3),
            f"health check {name}: RequestInterval {config.get('RequestInterval')} and "
            f"FailureThreshold {config.get('FailureThreshold')}, expected 10 and 3",
        )
        expect(
            not config.get("Inverted") and not config.get("Disabled"), f"{name}: inverted/disabled"
        )


def failover_records(lab) -> None:
    names, r53 = lab.names, lab.client("route53")
    zone_id = _zone_id(r53, names)
    record = names["record"].rstrip(".") + "."
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    records = {s.get("SetIdentifier"): s for s in sets if s["Name"] == record and s["Type"] == "A"}
    expect(
        len(records) == 2, f"{record} must have two A records, found {sorted(map(str, records))}"
    )
    for set_id, role, address, hc_name in (
        (names["set_primary"], "PRIMARY", names["primary_ip"], names["hc_primary"]),
        (names["set_dr"], "SECONDARY", names["dr_ip"], names["hc_dr"]),
    ):
        expect(set_id in records, f"no A record {record} with SetIdentifier {set_id!r}")
        rrs = records[set_id]
        expect(rrs.get("Failover") == role, f"record {set_id}: Failover {rrs.get('Failover')}")
        values = [v["Value"] for v in rrs.get("ResourceRecords", [])]
        expect(values == [address], f"record {set_id} answers {values}, expected [{address!r}]")
        hc_id = _named(r53, hc_name)["Id"]
        expect(
            rrs.get("HealthCheckId") == hc_id,
            f"record {set_id} carries health check {rrs.get('HealthCheckId')}, not {hc_name}",
        )
        ttl = rrs.get("TTL")
        expect(ttl is not None and ttl <= 60, f"record {set_id} has a TTL of {ttl}; 60 s at most")
    answer = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=record, RecordType="A")
    expect(
        answer["ResponseCode"] == "NOERROR", f"{record} does not resolve: {answer['ResponseCode']}"
    )


CHECKS = {
    "health_tests": health_checks,
    "records_tests": failover_records,
}
