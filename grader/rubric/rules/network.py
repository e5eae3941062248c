"""Rules over VPCs, security groups, instances and load balancers (AWS Config managed rule
names)."""

from __future__ import annotations

from typing import Any

from grader.rubric.rules.base import (
    ARCH,
    BEST,
    COMPLIANCE,
    MONITORING,
    RISK,
    SCALABILITY,
    SECURITY,
    resources,
    rule,
    where,
)

AUTHORIZED_TCP_PORTS = (80, 443)  # the managed rule's default authorizedTcpPorts
OPEN = ("0.0.0.0/0", "::/0")


def _open_ranges(group: dict[str, Any]) -> list[tuple[int, int, str]]:
    """(from, to, protocol) of ingress permissions open to the internet; all ports: (0, 65535)."""
    out = []
    for p in group.get("IpPermissions") or []:
        cidrs = [r.get("CidrIp") for r in p.get("IpRanges") or []]
        cidrs += [r.get("CidrIpv6") for r in p.get("Ipv6Ranges") or []]
        if not any(c in OPEN for c in cidrs):
            continue
        proto = str(p.get("IpProtocol"))
        if proto == "-1" or p.get("FromPort") is None:
            out.append((0, 65535, proto))
        else:
            out.append((int(p["FromPort"]), int(p["ToPort"]), proto))
    return out


def _groups(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"ec2:sg/{g['GroupId']} {g.get('GroupName', '')}{where(g)}", g)
        for g in resources(state, "ec2_security_groups")
    ]


@rule("vpc-sg-open-only-to-authorized-ports", [SECURITY, BEST], ["ec2_security_groups"])
def sg_authorized_ports(state):
    """Ingress open to 0.0.0.0/0 or ::/0 only on authorized TCP ports (80, 443)."""
    out = []
    for res, g in _groups(state):
        bad = [
            f"{proto} {lo}-{hi}"
            for lo, hi, proto in _open_ranges(g)
            if proto != "tcp" or not (lo == hi and lo in AUTHORIZED_TCP_PORTS)
        ]
        out.append((res, not bad, f"open to the internet: {', '.join(bad)}" if bad else "ok"))
    return out


@rule("restricted-ssh", [SECURITY, COMPLIANCE], ["ec2_security_groups"])
def restricted_ssh(state):
    """No ingress to port 22 from 0.0.0.0/0 or ::/0."""
    out = []
    for res, g in _groups(state):
        ssh = any(lo <= 22 <= hi and proto in ("tcp", "-1") for lo, hi, proto in _open_ranges(g))
        out.append((res, not ssh, "SSH open to the internet" if ssh else "SSH not open"))
    return out


@rule("vpc-flow-logs-enabled", [MONITORING, COMPLIANCE, SECURITY], ["ec2_vpcs", "ec2_flow_logs"])
def vpc_flow_logs(state):
    """Every VPC the learner created has a flow log (default VPCs: not applicable)."""
    logged = {f.get("ResourceId") for f in resources(state, "ec2_flow_logs")}
    out = []
    for v in resources(state, "ec2_vpcs"):
        res = f"ec2:vpc/{v['VpcId']}{where(v)}"
        if v.get("IsDefault"):
            out.append((res, None, "default VPC (not used by the labs)"))
        else:
            ok = v["VpcId"] in logged
            out.append((res, ok, "flow log present" if ok else "no flow log"))
    return out


@rule("ec2-instance-no-public-ip", [SECURITY], ["ec2_instances"])
def ec2_no_public_ip(state):
    """Instances have no public IPv4 address (reach them through a load balancer or SSM)."""
    out = []
    for i in resources(state, "ec2_instances"):
        if (i.get("State") or {}).get("Name") == "terminated":
            continue
        ip = i.get("PublicIpAddress")
        out.append(
            (
                f"ec2:instance/{i['InstanceId']}{where(i)}",
                not ip,
                f"public IP {ip}" if ip else "private",
            )
        )
    return out


@rule("alb-http-to-https-redirection-check", [SECURITY, BEST], ["elbv2_listeners"])
def alb_https_redirect(state):
    """Every HTTP listener redirects to HTTPS."""
    out = []
    for lst in resources(state, "elbv2_listeners"):
        res = (
            f"elbv2:listener/{lst['ListenerArn'].rsplit('/', 3)[-3]}:{lst.get('Port')}{where(lst)}"
        )
        if lst.get("Protocol") != "HTTP":
            out.append((res, None, f"{lst.get('Protocol')} listener"))
            continue
        ok = any(
            a.get("Type") == "redirect"
            and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
            for a in lst.get("DefaultActions") or []
        )
        out.append((res, ok, "redirects to HTTPS" if ok else "serves plain HTTP"))
    return out


@rule("alb-waf-enabled", [SECURITY], ["elbv2_load_balancers", "wafv2_web_acls"])
def alb_waf(state):
    """Internet-facing application load balancers are protected by a WAFv2 web ACL."""
    protected = {
        a for acl in resources(state, "wafv2_web_acls") for a in acl.get("ResourceArns") or []
    }
    out = []
    for lb in resources(state, "elbv2_load_balancers"):
        if lb.get("Type", "application") != "application" or lb.get("Scheme") == "internal":
            continue
        ok = lb["LoadBalancerArn"] in protected
        out.append(
            (f"elbv2:lb/{lb['LoadBalancerName']}{where(lb)}", ok, "web ACL" if ok else "no web ACL")
        )
    return out


def _asgs(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"autoscaling:group/{g['AutoScalingGroupName']}{where(g)}", g)
        for g in resources(state, "autoscaling_groups")
    ]


@rule("autoscaling-multiple-az", [SCALABILITY, RISK, ARCH], ["autoscaling_groups"])
def asg_multiple_az(state):
    """Auto Scaling groups span at least two Availability Zones."""
    out = []
    for res, g in _asgs(state):
        zones = sorted(set(g.get("AvailabilityZones") or []))
        out.append((res, len(zones) >= 2, f"AZs: {', '.join(zones) or 'none'}"))
    return out


@rule("autoscaling-group-elb-healthcheck-required", [SCALABILITY, ARCH], ["autoscaling_groups"])
def asg_elb_health(state):
    """Auto Scaling groups behind a load balancer use its health checks (ELB health check type)."""
    out = []
    for res, g in _asgs(state):
        behind = g.get("TargetGroupARNs") or g.get("LoadBalancerNames")
        if not behind:
            out.append((res, None, "not behind a load balancer"))
            continue
        ok = g.get("HealthCheckType") == "ELB"
        out.append((res, ok, f"health check type {g.get('HealthCheckType')}"))
    return out
