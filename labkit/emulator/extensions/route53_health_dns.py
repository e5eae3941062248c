"""Route 53 ``TestDNSAnswer``: answer a query from a hosted zone's records (helper of
``route53_health``).

Routing rules implemented (AWS's, made deterministic where AWS picks at random):

- simple: every value of the record set.
- failover: the PRIMARY while it is healthy, else the SECONDARY while it is healthy; when both
  are unhealthy Route 53 answers with the primary.
- weighted: a weighted choice among the healthy records (weight 0 only when every healthy
  record has weight 0). AWS picks at random; here the choice is a hash of the record name,
  type and client address (the EDNS0 client subnet, masked like AWS's default /24 or /64, else
  the resolver IP), so one client always gets the same answer and many clients spread by weight.
- latency: the client's region is the region of a (non-default) VPC of the account whose CIDR
  holds the client address, else us-east-1 (where AWS's TestDNSAnswer resolver sits). The
  healthy record of that region answers; else one of the same geography (us-/ca-/sa- Americas,
  eu-/me-/af-/il- EMEA, ap- Asia Pacific); else the first healthy record.
- multivalue answer: up to eight healthy records.
- geolocation: the default (``CountryCode: *``) record while healthy, else the first healthy
  (the emulator does not geolocate clients).
When every record of a weighted/latency/multivalue/geolocation group is unhealthy, Route 53
answers as if all were healthy; so does this.

A record is healthy when its HealthCheckId (if any) is healthy and, for an alias with
EvaluateTargetHealth, its target is: a target in the zone is healthy when at least one of its
records is; targets outside the zone (ELB, CloudFront, S3...) count as healthy. An alias to a
name in the zone answers with that name's answer; any other alias answers with its DNSName.
A CNAME at the name answers queries of any type with the CNAME's value; ``*`` wildcards match.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 8
RECORD_TYPES = frozenset(
    "A AAAA CAA CNAME DS HTTPS MX NAPTR NS PTR SOA SPF SRV SSHFP SVCB TLSA TXT".split()
)
_GEOGRAPHY = {"us": "amer", "ca": "amer", "sa": "amer", "mx": "amer"}
_GEOGRAPHY.update({"eu": "emea", "me": "emea", "af": "emea", "il": "emea", "ap": "apac"})


def norm(name: str) -> str:
    """Lower case, no trailing dot, Route 53's ``\\052`` escape read as ``*``."""
    return name.replace("\\052", "*").rstrip(".").lower()


@dataclass
class Query:
    zone: Any  # moto's FakeZone
    client_ip: str  # who asks: EDNS0 client subnet (masked) or resolver IP; "" for AWS's default
    client_region: str
    healthy: Callable[[str], bool]  # health check id -> status, as Route 53 sees it


def answer(q: Query, name: str, rtype: str) -> tuple[str, list[str]]:
    """(ResponseCode, RecordData) for a query of ``name``/``rtype``."""
    name = norm(name)
    zone_name = norm(q.zone.name)
    if name != zone_name and not name.endswith("." + zone_name):
        return "REFUSED", []  # Route 53 is not authoritative for the name
    if not _rrsets_at(q, name):
        exists = any(norm(r.name).endswith("." + name) for r in q.zone.rrsets)
        return ("NOERROR" if exists else "NXDOMAIN"), []
    return "NOERROR", _values(q, name, rtype, 0)


def client_address(resolver_ip: str | None, subnet_ip: str | None, mask: str | None) -> str:
    if subnet_ip:
        try:
            ip = ipaddress.ip_address(subnet_ip)
            bits = int(mask) if mask else (24 if ip.version == 4 else 64)
            return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False).network_address)
        except ValueError:
            return subnet_ip
    return resolver_ip or ""


def client_region(ip: str, vpcs: list[tuple[str, str]]) -> str:
    """The region of the first VPC CIDR (region, cidr) holding ``ip``, else us-east-1."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "us-east-1"
    for region, cidr in vpcs:
        try:
            if address in ipaddress.ip_network(cidr, strict=False):
                return region
        except ValueError:
            continue
    return "us-east-1"


def _rrsets_at(q: Query, name: str) -> list[Any]:
    found = [r for r in q.zone.rrsets if norm(r.name) == name]
    if found or any(norm(r.name).endswith("." + name) for r in q.zone.rrsets):
        return found  # the name exists (maybe as an empty non-terminal): no wildcard
    labels = name.split(".")
    zone_labels = len(norm(q.zone.name).split("."))
    for i in range(1, len(labels) - zone_labels + 1):
        wildcard = "*." + ".".join(labels[i:])
        found = [r for r in q.zone.rrsets if norm(r.name) == wildcard]
        if found:
            return found
    return []


def _values(q: Query, name: str, rtype: str, depth: int) -> list[str]:
    rrsets = _rrsets_at(q, name)
    candidates = [r for r in rrsets if r.type == rtype]
    if not candidates and rtype != "CNAME":
        candidates = [r for r in rrsets if r.type == "CNAME"]
    values: list[str] = []
    for record in _route(q, candidates, depth):
        values += _record_values(q, record, depth)
    return values


def _record_values(q: Query, record: Any, depth: int) -> list[str]:
    alias = record.alias_target
    if not alias:
        return [str(v) for v in record.records or []]
    target = norm(alias.get("DNSName", ""))
    if depth < MAX_DEPTH and _rrsets_at(q, target):
        return _values(q, target, record.type, depth + 1)
    return [alias.get("DNSName", "").rstrip(".")]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def record_healthy(q: Query, record: Any, depth: int = 0) -> bool:
    if record.health_check_id and not q.healthy(record.health_check_id):
        return False
    alias = record.alias_target
    if alias and _truthy(alias.get("EvaluateTargetHealth")):
        if depth >= MAX_DEPTH:
            return False
        target = norm(alias.get("DNSName", ""))
        targets = [r for r in _rrsets_at(q, target) if r.type == record.type]
        if targets:
            return any(record_healthy(q, r, depth + 1) for r in targets)
        zone_name = norm(q.zone.name)
        # In the zone but no such record: unhealthy. Elsewhere (ELB, CloudFront...): healthy.
        return not (target == zone_name or target.endswith("." + zone_name))
    return True


def _route(q: Query, candidates: list[Any], depth: int) -> list[Any]:
    if not candidates:
        return []
    healthy = [r for r in candidates if record_healthy(q, r, depth)]
    pool = healthy or candidates  # all unhealthy: answer as if all were healthy
    failover = [r for r in candidates if r.failover]
    if failover:
        primary = [r for r in failover if str(r.failover).upper() == "PRIMARY"]
        secondary = [r for r in failover if str(r.failover).upper() == "SECONDARY"]
        for record in primary + secondary:
            if record in healthy:
                return [record]
        return (primary or secondary)[:1]
    if any(r.weight is not None for r in candidates):
        return [_weighted(q, [r for r in pool if r.weight is not None])]
    if any(r.region for r in candidates):
        return [_nearest(q.client_region, [r for r in pool if r.region])]
    if any(_truthy(r.multi_value_answer) for r in candidates):
        return [r for r in pool if _truthy(r.multi_value_answer)][:8]
    if any(r.geo_location for r in candidates):
        default = [r for r in pool if (r.geo_location or {}).get("CountryCode") == "*"]
        return (default or pool)[:1]
    return candidates


def _weighted(q: Query, records: list[Any]) -> Any:
    records = sorted(records, key=lambda r: str(r.set_identifier))
    weights = [int(r.weight or 0) for r in records]
    if not any(weights):
        weights = [1] * len(records)
    seed = f"{norm(records[0].name)}|{records[0].type}|{q.client_ip}".encode()
    point = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64 * sum(weights)
    for record, weight in zip(records, weights, strict=True):
        if point < weight:
            return record
        point -= weight
    return records[-1]


def _nearest(region: str, records: list[Any]) -> Any:
    def geography(name: str) -> str:
        return _GEOGRAPHY.get(name.split("-", 1)[0], name)

    for same in (
        lambda r: r.region == region,
        lambda r: geography(r.region) == geography(region),
    ):
        for record in records:
            if same(record):
                return record
    return records[0]
