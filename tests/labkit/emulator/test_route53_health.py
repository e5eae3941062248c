"""Route 53 health checks probe loopback endpoints; TestDNSAnswer routes on their status.

Everything goes through boto3 against a spawned emulator whose time scale is 0.05, so a 10 s
RequestInterval is 0.5 s. Endpoints are tiny HTTP(S) servers on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator import client
from labkit.emulator.extensions import route53_health_probe as probe_mod
from labkit.emulator.extensions.route53_health_probe import NOT_REACHABLE, Target
from labkit.emulator.process import EmulatorProcess

SCALE = 0.05
UP, DOWN = "192.0.2.1", "192.0.2.2"  # answers of the failover pair that exposes a status


# ---- fixtures and helpers -------------------------------------------------------------------
@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    log = tmp_path_factory.mktemp("route53") / "emulator.log"
    with EmulatorProcess.spawn(time_scale=SCALE, log_path=log) as e:
        yield e


@pytest.fixture
def aws(emu):
    client.reset(emu.endpoint_url)

    def make(service: str, region: str = "us-east-1"):
        return boto3.client(
            service,
            endpoint_url=emu.endpoint_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return make


@pytest.fixture
def r53(aws):
    return aws("route53")


class Endpoint:
    """An HTTP(S) server on 127.0.0.1; ``routes`` maps a path to (status, body)."""

    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.hits: list[dict[str, str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                endpoint.hits.append({"path": self.path, **dict(self.headers)})
                status, body = endpoint.routes.get(self.path, (200, b"<h1>ready</h1>"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoints():
    started: list[Endpoint] = []

    def start(port: int = 0, tls: ssl.SSLContext | None = None) -> Endpoint:
        started.append(Endpoint(port, tls))
        return started[-1]

    yield start
    for e in started:
        e.stop()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(r53, **config) -> str:
    config.setdefault("RequestInterval", 10)
    config.setdefault("FailureThreshold", 1)
    if config["Type"] in ("CALCULATED", "CLOUDWATCH_METRIC"):
        config.pop("RequestInterval")
        config.pop("FailureThreshold")
    ref = f"ref-{time.monotonic_ns()}"
    return r53.create_health_check(CallerReference=ref, HealthCheckConfig=config)["HealthCheck"][
        "Id"
    ]


def status(r53, hc_id: str) -> str:
    """The last observation's Status ("" before the first probe)."""
    obs = r53.get_health_check_status(HealthCheckId=hc_id)["HealthCheckObservations"]
    return obs[0]["StatusReport"]["Status"] if obs else ""


def observed(r53, hc_id: str, prefix: str, timeout: float = 10.0) -> str:
    return wait_for(
        lambda: (s := status(r53, hc_id)).startswith(prefix) and s, timeout, f"{prefix} of {hc_id}"
    )


class Zone:
    """A public hosted zone; ``watch`` exposes a health check's status as a DNS answer."""

    def __init__(self, r53, name: str = "example.com") -> None:
        self.r53, self.name = r53, name
        self.id = r53.create_hosted_zone(Name=name, CallerReference=f"z-{time.monotonic_ns()}")[
            "HostedZone"
        ]["Id"]

    def put(self, *records: dict) -> None:
        changes = [{"Action": "UPSERT", "ResourceRecordSet": r} for r in records]
        self.r53.change_resource_record_sets(HostedZoneId=self.id, ChangeBatch={"Changes": changes})

    def ask(self, name: str, rtype: str = "A", **kwargs: str) -> dict:
        return self.r53.test_dns_answer(
            HostedZoneId=self.id, RecordName=name, RecordType=rtype, **kwargs
        )

    def data(self, name: str, rtype: str = "A", **kwargs: str) -> list[str]:
        return self.ask(name, rtype, **kwargs)["RecordData"]

    def watch(self, hc_id: str) -> Callable[[], bool]:
        name = f"hc-{hc_id[:8]}.{self.name}"
        self.put(
            rr(name, UP, Failover="PRIMARY", SetIdentifier="p", HealthCheckId=hc_id),
            rr(name, DOWN, Failover="SECONDARY", SetIdentifier="s"),
        )
        return lambda: self.data(name) == [UP]


def rr(name: str, *values: str, rtype: str = "A", **extra: Any) -> dict:
    return {
        "Name": name,
        "Type": rtype,
        "TTL": 60,
        "ResourceRecords": [{"Value": v} for v in values],
        **extra,
    }


def alias(name: str, target: str, zone_id: str, evaluate: bool = True, **extra: Any) -> dict:
    return {
        "Name": name,
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": zone_id.split("/")[-1],
            "DNSName": target,
            "EvaluateTargetHealth": evaluate,
        },
        **extra,
    }


# ---- endpoint health checks -----------------------------------------------------------------
def test_failover_follows_the_primary_with_failure_threshold(r53, endpoints):
    primary = endpoints()
    hc = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=primary.port, FailureThreshold=3)
    zone = Zone(r53)
    zone.put(
        rr(
            "www.example.com", "192.0.2.10", Failover="PRIMARY", SetIdentifier="a", HealthCheckId=hc
        ),
        rr("www.example.com", "192.0.2.20", Failover="SECONDARY", SetIdentifier="b"),
    )
    assert observed(r53, hc, "Success") == "Success: HTTP Status Code 200, OK"
    assert zone.data("www.example.com") == ["192.0.2.10"]
    assert primary.hits[0]["User-Agent"].startswith("Amazon-Route53-Health-Check-Service")
    assert primary.hits[0]["Host"] == f"127.0.0.1:{primary.port}"

    primary.stop()
    first_failure = observed(r53, hc, "Failure")
    failed_at = time.monotonic()
    assert "Connection refused" in first_failure
    # One failed probe of three: Route 53 still answers with the primary.
    assert zone.data("www.example.com") == ["192.0.2.10"]
    wait_for(lambda: zone.data("www.example.com") == ["192.0.2.20"], what="failover")
    # Two more probes, 0.5 s apart, were needed.
    assert time.monotonic() - failed_at > 0.7

    endpoints(port=primary.port)  # the primary heals
    observed(r53, hc, "Success")
    assert zone.data("www.example.com") == ["192.0.2.20"]  # one success is not enough
    wait_for(lambda: zone.data("www.example.com") == ["192.0.2.10"], what="fail back")
    obs = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
    assert {o["Region"] for o in obs} >= {"us-east-1", "us-west-1", "eu-west-1"}
    assert {o["StatusReport"]["Status"] for o in obs} == {"Success: HTTP Status Code 200, OK"}
    checked = obs[0]["StatusReport"]["CheckedTime"]
    assert abs(checked - datetime.datetime.now(datetime.UTC)).total_seconds() < 5


def test_status_codes_and_string_match(r53, endpoints):
    web = endpoints()
    web.routes.update(
        {
            "/health": (200, b"status: ready"),
            "/late": (200, b"x" * 5200 + b"ready"),
            "/moved": (301, b""),
            "/broken": (503, b"ready"),
            "/missing": (404, b""),
        }
    )

    def http(path: str, **extra: Any) -> str:
        return check(
            r53, Type="HTTP", IPAddress="127.0.0.1", Port=web.port, ResourcePath=path, **extra
        )

    def match(path: str, search: str) -> str:
        return check(
            r53,
            Type="HTTP_STR_MATCH",
            IPAddress="127.0.0.1",
            Port=web.port,
            ResourcePath=path,
            SearchString=search,
        )

    moved, broken, missing = http("/moved"), http("/broken"), http("/missing")
    found, beyond, absent = match("/health", "ready"), match("/late", "ready"), match("/", "nope")
    assert observed(r53, moved, "Success") == "Success: HTTP Status Code 301, Moved Permanently"
    assert observed(r53, broken, "Fail") == "Failure: HTTP Status Code 503, Service Unavailable"
    assert observed(r53, missing, "Fail") == "Failure: HTTP Status Code 404, Not Found"
    assert observed(r53, found, "Success") == "Success: HTTP Status Code 200, OK"
    assert "search string was not found in the first 5120 bytes" in observed(r53, beyond, "Fail")
    assert "search string" in observed(r53, absent, "Fail")
    # FQDN goes in the Host header, with the port when it is not the default.
    fqdn = check(
        r53,
        Type="HTTP",
        IPAddress="127.0.0.1",
        FullyQualifiedDomainName="shop.example.com",
        Port=web.port,
        ResourcePath="/health",
    )
    observed(r53, fqdn, "Success")
    assert any(h.get("Host") == f"shop.example.com:{web.port}" for h in web.hits)


def test_tcp_and_https_probes(r53, endpoints, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        tcp_up = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=listener.getsockname()[1])
        tcp_down = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port())
        assert observed(r53, tcp_up, "Success") == "Success: TCP connection established"
        assert "Connection refused" in observed(r53, tcp_down, "Failure")
    finally:
        listener.close()

    # A self-signed certificate: Route 53 (and the emulator) do not verify it.
    tls = endpoints(tls=self_signed(tmp_path))
    tls.routes["/secure"] = (200, b"tls ready")
    https = check(
        r53,
        Type="HTTPS_STR_MATCH",
        IPAddress="127.0.0.1",
        Port=tls.port,
        ResourcePath="/secure",
        SearchString="tls ready",
        FullyQualifiedDomainName="secure.example.com",
        EnableSNI=True,
    )
    assert observed(r53, https, "Success") == "Success: HTTP Status Code 200, OK"
    plain = check(r53, Type="HTTPS", IPAddress="127.0.0.1", Port=endpoints().port)
    assert "SSL" in observed(r53, plain, "Failure")
    # No Port: HTTPS checks default to 443 (moto alone says 80).
    default = check(r53, Type="HTTPS", IPAddress="127.0.0.1")
    assert (
        r53.get_health_check(HealthCheckId=default)["HealthCheck"]["HealthCheckConfig"]["Port"]
        == 443
    )


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secure.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return ctx


def test_only_loopback_targets_are_probed(r53, endpoints):
    web = endpoints()
    zone = Zone(r53)
    zone.put(
        rr("api.example.com", "127.0.0.1"),
        rr("ext.example.com", "203.0.113.7"),
        rr("edge.example.com", "api.example.com", rtype="CNAME"),
    )
    private = check(r53, Type="HTTP", IPAddress="10.0.0.5", Port=80, FailureThreshold=2)
    public = check(r53, Type="TCP", IPAddress="93.184.216.34", Port=443)
    via_zone_public = check(r53, Type="HTTP", FullyQualifiedDomainName="ext.example.com")
    via_zone_loopback = check(
        r53, Type="HTTP", FullyQualifiedDomainName="api.example.com", Port=web.port
    )
    via_cname = check(r53, Type="TCP", FullyQualifiedDomainName="edge.example.com", Port=web.port)
    via_localhost = check(r53, Type="HTTP", FullyQualifiedDomainName="localhost", Port=web.port)
    unknown = check(r53, Type="HTTP", FullyQualifiedDomainName="www.example.org")
    for hc in (private, public, via_zone_public):
        assert observed(r53, hc, "Failure", timeout=3) == NOT_REACHABLE
    assert observed(r53, via_zone_loopback, "Success") == "Success: HTTP Status Code 200, OK"
    assert observed(r53, via_cname, "Success") == "Success: TCP connection established"
    assert observed(r53, via_localhost, "Success") == "Success: HTTP Status Code 200, OK"
    assert "DNS resolution failed" in observed(r53, unknown, "Failure")
    # ... and they are unhealthy as far as DNS is concerned once the threshold is reached.
    wait_for(lambda: not zone.watch(private)(), what="private target unhealthy")


def test_probe_opens_no_socket_for_a_non_loopback_target(monkeypatch):
    """Unit test of the probe helper: the loopback test comes before any socket call."""
    calls: list[tuple] = []

    def create_connection(address, *args, **kwargs):
        calls.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(probe_mod.socket, "create_connection", create_connection)
    for ip in ("10.1.2.3", "8.8.8.8", "169.254.169.254", "::ffff:10.0.0.1", "2001:db8::1"):
        target = Target("id", "HTTP", ip, None, 80, "/", None, False)
        result = probe_mod.probe(target, 0.5, lambda name: None)
        assert not result.ok and result.status == NOT_REACHABLE
    named = Target("id", "TCP", None, "db.example.com", 5432, "/", None, False)
    assert probe_mod.probe(named, 0.5, lambda name: "10.0.0.9").status == NOT_REACHABLE
    assert calls == []
    loopback = Target("id", "TCP", "127.0.0.2", None, 9, "/", None, False)
    assert "Connection refused" in probe_mod.probe(loopback, 0.5, lambda name: None).status
    assert calls == [("127.0.0.2", 9)]


# ---- Inverted, Disabled, CALCULATED, CLOUDWATCH_METRIC ---------------------------------------
def test_inverted_and_disabled(r53, endpoints):
    web = endpoints()
    zone = Zone(r53)
    inverted = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=web.port, Inverted=True)
    dead = closed_port()
    disabled = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=dead, Disabled=True)
    both = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=dead, Disabled=True, Inverted=True)
    failing = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=dead)
    is_inverted_up, is_disabled_up, is_both_up, is_failing_up = (
        zone.watch(h) for h in (inverted, disabled, both, failing)
    )
    observed(r53, inverted, "Success")
    assert not is_inverted_up()
    assert is_disabled_up()
    assert not is_both_up()  # "to stop routing traffic to a resource, change Inverted"
    assert "disabled" in status(r53, disabled)
    wait_for(lambda: not is_failing_up(), what="failing check unhealthy")
    r53.update_health_check(HealthCheckId=failing, Disabled=True)
    assert is_failing_up()
    r53.update_health_check(HealthCheckId=inverted, Inverted=False)
    assert is_inverted_up()


def test_calculated_follows_its_children(r53, endpoints):
    web = endpoints()
    zone = Zone(r53)
    up = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=web.port)
    down = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port())
    off = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port(), Disabled=True)
    children = [up, down, off]
    two = check(r53, Type="CALCULATED", ChildHealthChecks=children, HealthThreshold=2)
    three = check(r53, Type="CALCULATED", ChildHealthChecks=children, HealthThreshold=3)
    zero = check(r53, Type="CALCULATED", ChildHealthChecks=[down], HealthThreshold=0)
    inverted = check(
        r53, Type="CALCULATED", ChildHealthChecks=[down], HealthThreshold=1, Inverted=True
    )
    observed(r53, down, "Failure")
    observed(r53, up, "Success")
    assert zone.watch(two)()
    assert not zone.watch(three)()
    assert zone.watch(zero)()
    assert zone.watch(inverted)()
    assert status(r53, two) == (
        "Success: 2 of 3 child health checks are healthy (HealthThreshold 2)"
    )
    config = r53.get_health_check(HealthCheckId=two)["HealthCheck"]["HealthCheckConfig"]
    assert config["ChildHealthChecks"] == children and config["HealthThreshold"] == 2


def test_cloudwatch_metric_follows_the_alarm(r53, aws):
    cw = aws("cloudwatch", "us-west-2")
    # A day-long period: nothing re-evaluates the alarm while the test drives its state.
    cw.put_metric_alarm(
        AlarmName="orders-errors",
        Namespace="Shop",
        MetricName="Errors",
        Statistic="Sum",
        Period=86400,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
    zone = Zone(r53)
    alarm = {"Region": "us-west-2", "Name": "orders-errors"}
    strict = check(
        r53,
        Type="CLOUDWATCH_METRIC",
        AlarmIdentifier=alarm,
        InsufficientDataHealthStatus="Unhealthy",
    )
    last_known = check(r53, Type="CLOUDWATCH_METRIC", AlarmIdentifier=alarm)
    missing = check(
        r53,
        Type="CLOUDWATCH_METRIC",
        AlarmIdentifier={"Region": "us-east-1", "Name": "orders-errors"},  # wrong region
        InsufficientDataHealthStatus="Healthy",
    )
    strict_up, last_known_up, missing_up = (zone.watch(h) for h in (strict, last_known, missing))
    config = r53.get_health_check(HealthCheckId=strict)["HealthCheck"]["HealthCheckConfig"]
    assert config["AlarmIdentifier"] == alarm
    assert config["InsufficientDataHealthStatus"] == "Unhealthy"
    assert "Port" not in config and "IPAddress" not in config

    def set_state(value: str) -> None:
        cw.set_alarm_state(AlarmName="orders-errors", StateValue=value, StateReason="test")

    set_state("ALARM")
    assert not strict_up() and not last_known_up()
    assert status(r53, strict) == (
        "Failure: CloudWatch alarm orders-errors in us-west-2 is in state ALARM"
    )
    set_state("INSUFFICIENT_DATA")
    assert not strict_up()
    assert not last_known_up()  # the last known status was unhealthy
    set_state("OK")
    assert strict_up() and last_known_up()
    set_state("INSUFFICIENT_DATA")
    assert not strict_up() and last_known_up()
    assert missing_up()
    assert "does not exist" in status(r53, missing)


def test_health_check_status_metric_is_published(r53, aws):
    hc = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port())
    cw = aws("cloudwatch")
    dims = [{"Name": "HealthCheckId", "Value": hc}]

    def minimum() -> float | None:
        now = datetime.datetime.now(datetime.UTC)
        points = cw.get_metric_statistics(
            Namespace="AWS/Route53",
            MetricName="HealthCheckStatus",
            Dimensions=dims,
            StartTime=now - datetime.timedelta(minutes=5),
            EndTime=now + datetime.timedelta(minutes=1),
            Period=60,
            Statistics=["Minimum", "Maximum"],
        )["Datapoints"]
        return points[0] if points else None

    first = wait_for(minimum, what="a HealthCheckStatus data point")
    assert first["Maximum"] == 1.0  # healthy until the first failed probe
    wait_for(lambda: (m := minimum()) and m["Minimum"] == 0.0, what="status 0 published")


# ---- prober lifecycle -----------------------------------------------------------------------
def test_interval_follows_the_time_scale_at_runtime(r53, emu, endpoints):
    web = endpoints()
    hc = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=web.port, RequestInterval=30)
    observed(r53, hc, "Success")

    def set_scale(scale: float) -> None:
        req = urllib.request.Request(
            f"{emu.endpoint_url}/_labkit/config", json.dumps({"time_scale": scale}).encode()
        )
        urllib.request.urlopen(req, timeout=5).close()

    try:
        set_scale(1.0)  # 30 s between probes
        hits = len(web.hits)
        time.sleep(2.0)
        assert len(web.hits) == hits
        set_scale(SCALE)  # 1.5 s between probes, effective at once
        wait_for(lambda: len(web.hits) > hits, timeout=3, what="a probe at the new scale")
    finally:
        set_scale(SCALE)


def test_reset_forgets_observations_and_the_prober_keeps_going(r53, emu, endpoints):
    web = endpoints()
    hc = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=web.port)
    observed(r53, hc, "Success")
    client.reset(emu.endpoint_url)
    with pytest.raises(ClientError) as err:
        r53.get_health_check_status(HealthCheckId=hc)
    assert err.value.response["Error"]["Code"] == "NoSuchHealthCheck"
    again = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=web.port)
    assert observed(r53, again, "Success") == "Success: TCP connection established"


# ---- TestDNSAnswer --------------------------------------------------------------------------
def test_dns_answer_simple_nxdomain_and_errors(r53):
    zone = Zone(r53)
    zone.put(
        rr("www.example.com", "192.0.2.1", "192.0.2.2"),
        rr("example.com", '"v=spf1 -all"', rtype="TXT"),
        rr("blog.example.com", "www.example.com", rtype="CNAME"),
        rr("*.apps.example.com", "192.0.2.9"),
        rr("deep.sub.example.com", "192.0.2.3"),
    )
    resp = zone.ask("www.example.com")
    resp.pop("ResponseMetadata")
    assert resp == {
        "Nameserver": "ns-2048.awsdns-64.com",
        "RecordName": "www.example.com",
        "RecordType": "A",
        "RecordData": ["192.0.2.1", "192.0.2.2"],
        "ResponseCode": "NOERROR",
        "Protocol": "UDP",
    }
    assert zone.data("WWW.example.com.") == ["192.0.2.1", "192.0.2.2"]
    assert zone.data("example.com", "TXT") == ['"v=spf1 -all"']
    assert zone.data("blog.example.com") == ["www.example.com"]
    assert zone.data("x.apps.example.com") == ["192.0.2.9"]
    assert zone.ask("nope.example.com")["ResponseCode"] == "NXDOMAIN"
    assert zone.ask("nope.example.com")["RecordData"] == []
    no_data = zone.ask("www.example.com", "AAAA")
    assert (no_data["ResponseCode"], no_data["RecordData"]) == ("NOERROR", [])
    assert zone.ask("sub.example.com")["ResponseCode"] == "NOERROR"  # empty non-terminal
    assert len(zone.data("example.com", "NS")) == 4
    with pytest.raises(ClientError) as err:
        r53.test_dns_answer(HostedZoneId="ZNOSUCHZONE", RecordName="a.example.com", RecordType="A")
    assert err.value.response["Error"]["Code"] == "NoSuchHostedZone"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:
        zone.ask("www.example.com", "BOGUS")
    assert err.value.response["Error"]["Code"] == "InvalidInput"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_dns_answer_failover_with_alias_target_health(r53, endpoints):
    primary, secondary = endpoints(), endpoints()
    hc_p = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=primary.port)
    hc_s = check(r53, Type="HTTP", IPAddress="127.0.0.1", Port=secondary.port)
    zone = Zone(r53)
    zone.put(
        rr("blue.example.com", "192.0.2.10", HealthCheckId=hc_p),
        rr("green.example.com", "192.0.2.20", HealthCheckId=hc_s),
        alias(
            "app.example.com", "blue.example.com", zone.id, Failover="PRIMARY", SetIdentifier="blue"
        ),
        alias(
            "app.example.com",
            "green.example.com",
            zone.id,
            Failover="SECONDARY",
            SetIdentifier="green",
        ),
        alias("lb.example.com", "my-lb-1234.us-east-1.elb.amazonaws.com.", "Z35SXDOTRQ7X7K"),
        alias("apex.example.com", "app.example.com", zone.id, evaluate=False),
    )
    observed(r53, hc_p, "Success")
    assert zone.data("app.example.com") == ["192.0.2.10"]
    assert zone.data("apex.example.com") == ["192.0.2.10"]
    assert zone.data("lb.example.com") == ["my-lb-1234.us-east-1.elb.amazonaws.com"]
    primary.stop()
    wait_for(lambda: zone.data("app.example.com") == ["192.0.2.20"], what="alias failover")
    assert zone.data("apex.example.com") == ["192.0.2.20"]
    secondary.stop()
    # Both unhealthy: Route 53 answers with the primary.
    wait_for(lambda: zone.data("app.example.com") == ["192.0.2.10"], what="both unhealthy")


def test_dns_answer_weighted_is_deterministic_and_spreads_by_weight(r53, endpoints):
    zone = Zone(r53)
    zone.put(
        rr("w.example.com", "192.0.2.1", Weight=1, SetIdentifier="one"),
        rr("w.example.com", "192.0.2.3", Weight=3, SetIdentifier="three"),
        rr("w.example.com", "192.0.2.9", Weight=0, SetIdentifier="zero"),
    )
    answers = [zone.data("w.example.com", ResolverIP=f"198.51.100.{i}")[0] for i in range(120)]
    share = answers.count("192.0.2.3") / len(answers)
    assert 0.6 < share < 0.9, share
    assert "192.0.2.9" not in answers
    assert zone.data("w.example.com", ResolverIP="198.51.100.7") == [answers[7]]
    # Clients of one /24 (EDNS0 client subnet) get one answer.
    same = {
        zone.data("w.example.com", ResolverIP="198.51.100.1", EDNS0ClientSubnetIP=f"203.0.113.{i}")[
            0
        ]
        for i in range(1, 20)
    }
    assert len(same) == 1

    # An unhealthy record stops receiving traffic.
    hc = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port())
    zone.put(rr("w.example.com", "192.0.2.3", Weight=3, SetIdentifier="three", HealthCheckId=hc))
    observed(r53, hc, "Failure")
    answers = {zone.data("w.example.com", ResolverIP=f"198.51.100.{i}")[0] for i in range(40)}
    assert answers == {"192.0.2.1"}


def test_dns_answer_latency_and_multivalue(r53, aws):
    ec2 = aws("ec2", "eu-west-1")
    ec2.create_vpc(CidrBlock="10.50.0.0/16")
    zone = Zone(r53)
    zone.put(
        rr("api.example.com", "192.0.2.1", Region="us-east-1", SetIdentifier="use1"),
        rr("api.example.com", "192.0.2.2", Region="eu-west-1", SetIdentifier="euw1"),
        rr("api.example.com", "192.0.2.3", Region="ap-southeast-2", SetIdentifier="apse2"),
    )
    assert zone.data("api.example.com") == ["192.0.2.1"]  # AWS's resolver is in us-east-1
    assert zone.data("api.example.com", ResolverIP="10.50.3.4") == ["192.0.2.2"]
    assert zone.data("api.example.com", ResolverIP="8.8.8.8", EDNS0ClientSubnetIP="10.50.9.9") == [
        "192.0.2.2"
    ]
    hc = check(r53, Type="TCP", IPAddress="127.0.0.1", Port=closed_port())
    many = [f"192.0.2.{i}" for i in range(10, 20)]
    zone.put(
        *(
            rr("mv.example.com", ip, MultiValueAnswer=True, SetIdentifier=f"m{i}")
            for i, ip in enumerate(many)
        ),
        rr(
            "mv.example.com",
            "192.0.2.99",
            MultiValueAnswer=True,
            SetIdentifier="bad",
            HealthCheckId=hc,
        ),
    )
    observed(r53, hc, "Failure")
    values = zone.data("mv.example.com")
    assert len(values) == 8 and set(values) <= set(many)
