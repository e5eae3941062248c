"""One Route 53 endpoint health check probe, loopback only (helper of ``route53_health``).

A probe resolves its target, refuses anything that is not a loopback address, and only then
opens a socket: this workplace forbids traffic to any non-loopback address, so the loopback
test comes first and a non-loopback target is reported unhealthy without any connection.

Names are resolved without any network traffic: the hosted zones of the health check's
account (through the caller's ``zone_lookup``), then ``localhost`` / ``*.localhost``
(RFC 6761), then ``/etc/hosts``. External DNS is never queried.

HTTPS probes do not verify certificates (like Route 53's health checkers, which accept
self-signed and expired certificates); with ``EnableSNI`` the FullyQualifiedDomainName goes in
the TLS client hello.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")
BODY_LIMIT = 5120  # Route 53 searches the first 5,120 bytes of the body for SearchString
NOT_REACHABLE = (
    "Failure: target is not reachable from the emulator (only loopback targets are probed)"
)
USER_AGENT = "Amazon-Route53-Health-Check-Service (ref {ref}; report http://amzn.to/1vsZADi)"
_FIREWALL = "The endpoint or the internet connection is down, or requests are being blocked."


@dataclass(frozen=True)
class Target:
    """What one probe needs, copied from moto's HealthCheck so probes never touch moto."""

    health_check_id: str
    type: str
    ip_address: str | None
    fqdn: str | None
    port: int
    resource_path: str
    search_string: str | None
    enable_sni: bool


@dataclass(frozen=True)
class Result:
    ok: bool
    status: str  # Route 53's StatusReport.Status text
    ip_address: str | None  # the address probed, when one was resolved


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def resolve(name: str, zone_lookup: Callable[[str], str | None]) -> str | None:
    """An address for ``name`` without network traffic, or None. Follows CNAME-like answers
    of the hosted zones (a name where an address was expected) a few levels deep."""
    for _ in range(5):
        name = name.rstrip(".").lower()
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            pass
        found = zone_lookup(name)
        if not found:
            if name == "localhost" or name.endswith(".localhost"):
                return "127.0.0.1"
            return _hosts_file().get(name)
        name = found
    return None


def _hosts_file(path: Path = Path("/etc/hosts")) -> dict[str, str]:
    entries: dict[str, str] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return entries
    for line in lines:
        fields = line.split("#", 1)[0].split()
        for host in fields[1:]:
            entries.setdefault(host.lower(), fields[0])
    return entries


def probe(target: Target, timeout: float, zone_lookup: Callable[[str], str | None]) -> Result:
    """Probe ``target`` once. Never connects anywhere but a loopback address."""
    address = target.ip_address
    if not address:
        if not target.fqdn:
            return Result(False, "Failure: the health check has no IPAddress or domain name", None)
        address = resolve(target.fqdn, zone_lookup)
        if address is None:
            return Result(
                False,
                f"Failure: DNS resolution failed: {target.fqdn} is not in a hosted zone of this "
                "account, /etc/hosts or .localhost (the emulator never queries external DNS)",
                None,
            )
    # Safety first: the loopback test precedes any socket call.
    if not is_loopback(address):
        return Result(False, NOT_REACHABLE, address)
    try:
        sock = socket.create_connection((address, target.port), timeout=timeout)
    except ConnectionRefusedError:
        return Result(False, f"Failure: Connection refused. {_FIREWALL}", address)
    except TimeoutError:
        return Result(False, f"Failure: Connection timed out. {_FIREWALL}", address)
    except OSError as e:
        return Result(False, f"Failure: Could not connect: {e.strerror or e}", address)
    try:
        if target.type == "TCP":
            return Result(True, "Success: TCP connection established", address)
        return _http(target, address, sock, timeout)
    finally:
        sock.close()


def _http(target: Target, address: str, sock: socket.socket, timeout: float) -> Result:
    secure = target.type.startswith("HTTPS")
    if secure:
        context = ssl.create_default_context()
        # Route 53 health checkers do not validate certificates; neither do we.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sni = target.fqdn.rstrip(".") if target.enable_sni and target.fqdn else None
        try:
            sock = context.wrap_socket(sock, server_hostname=sni)
        except (ssl.SSLError, OSError) as e:
            return Result(False, f"Failure: SSL handshake failed: {e}", address)
    host = (target.fqdn or address).rstrip(".")
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if target.port != (443 if secure else 80):
        host = f"{host}:{target.port}"
    conn = http.client.HTTPConnection(address, target.port, timeout=timeout)
    conn.sock = sock  # already connected (and checked to be loopback)
    try:
        conn.request(
            "GET",
            target.resource_path or "/",
            headers={
                "Host": host,
                "User-Agent": USER_AGENT.format(ref=target.health_check_id),
                "Connection": "close",
            },
        )
        resp = conn.getresponse()
        code = f"HTTP Status Code {resp.status}, {resp.reason}"
        body = resp.read(BODY_LIMIT) if target.search_string is not None else b""
    except TimeoutError:
        return Result(False, "Failure: The endpoint did not respond in time (timeout)", address)
    except (OSError, http.client.HTTPException) as e:
        return Result(
            False,
            f"Failure: The endpoint closed the connection or sent an invalid HTTP response: {e}",
            address,
        )
    finally:
        conn.close()
    if not 200 <= resp.status < 400:
        return Result(False, f"Failure: {code}", address)
    if target.type.endswith("_STR_MATCH"):
        wanted = (target.search_string or "").encode()
        if wanted not in body[:BODY_LIMIT]:
            return Result(
                False,
                f"Failure: {code}. The search string was not found in the first "
                f"{BODY_LIMIT} bytes of the response body",
                address,
            )
    return Result(True, f"Success: {code}", address)
