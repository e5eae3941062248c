"""Route 53 health checks that probe, and ``TestDNSAnswer`` with routing policies.

moto alone stores health checks (without their AlarmIdentifier), reports every one as healthy
with a canned observation, and has no ``TestDNSAnswer``. This module adds:

- a daemon prober: HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH and TCP checks probe their
  target every RequestInterval x ``ctx.time_scale`` (read each cycle), with a short timeout;
  the status changes only after FailureThreshold consecutive failures or successes. ONLY
  loopback targets are probed (127.0.0.0/8, ::1, names that resolve to them without network
  traffic, see ``route53_health_probe``); any other target is unhealthy with the observation
  "target is not reachable from the emulator", and no connection is ever opened to it. HTTPS
  probes do not verify certificates. 2xx/3xx is healthy, as on AWS.
- CALCULATED checks follow their ChildHealthChecks and HealthThreshold; CLOUDWATCH_METRIC checks
  follow the state of the alarm named by AlarmIdentifier in moto's CloudWatch (OK healthy, ALARM
  unhealthy, INSUFFICIENT_DATA per InsufficientDataHealthStatus, LastKnownStatus by default).
  Disabled checks are healthy ("If you want to stop routing traffic to a resource, change the
  value of Inverted": Inverted still applies to a disabled check); Inverted flips the status.
- ``GetHealthCheckStatus`` returns the last real observation, one per checker region (the
  check's Regions, else Route 53's eight), each from the emulator's loopback checker 127.0.0.1.
- the AWS/Route53 ``HealthCheckStatus`` metric (1 healthy, 0 unhealthy; dimension
  HealthCheckId; us-east-1) is published every 60 s x time_scale and whenever the status
  changes, so CloudWatch alarms can watch health checks.
- ``TestDNSAnswer`` (GET /2013-04-01/testdnsanswer), routing rules in ``route53_health_dns``.
- reset (``POST /moto-api/reset``) forgets every observation and status.

moto internals patched: ``moto.route53.urls.url_paths`` (testdnsanswer route);
``moto.route53.responses.Route53``: ``create_health_check``, ``update_health_check`` (wrapped
to keep AlarmIdentifier, InsufficientDataHealthStatus, HTTPS default port 443),
``get_health_check_status`` (replaced), ``test_dns_answer`` (added);
``moto.route53.models.HealthCheck.health_check_config`` (property wrapped).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import route53_health_dns as dns
from labkit.emulator.extensions.route53_health_probe import ENDPOINT_TYPES, Result, Target, probe

log = logging.getLogger(__name__)

CHECKER_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
CHECKER_IP = "127.0.0.1"  # the emulator's one checker probes from loopback
TICK = 0.05  # seconds between scheduler passes
WORKERS = 4


@dataclass
class _State:
    healthy: bool = True  # after FailureThreshold, before Disabled/Inverted
    streak: int = 0  # consecutive results that disagree with ``healthy``
    last_done: float | None = None  # monotonic time the last probe finished
    in_flight: bool = False
    result: Result | None = None
    checked: datetime | None = None
    published: tuple[float, bool] | None = None  # (when, value) of the last metric point


@dataclass
class _Engine:
    ctx: EmulatorContext
    states: dict[tuple[str, str], _State] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0
    jobs: queue.Queue = field(default_factory=queue.Queue)

    # ---- status -------------------------------------------------------------------------
    def state(self, account: str, hc_id: str) -> _State:
        with self.lock:
            return self.states.setdefault((account, hc_id), _State())

    def healthy(self, account: str, backend: Any, hc_id: str, depth: int = 0) -> bool:
        """The status Route 53 acts on (DNS answers, calculated parents, the metric)."""
        hc = backend.health_checks.get(hc_id)
        if hc is None or depth > dns.MAX_DEPTH:
            return False
        if hc.disabled:
            base = True
        elif hc.type_ == "CALCULATED":
            children = hc.children or []
            up = sum(self.healthy(account, backend, c, depth + 1) for c in children)
            threshold = hc.health_threshold
            base = up >= (len(children) if threshold is None else int(threshold))
        elif hc.type_ == "CLOUDWATCH_METRIC":
            base = self._alarm_status(account, hc)[0]
        else:
            base = self.state(account, hc_id).healthy
        return base != bool(hc.inverted)

    def _alarm_status(self, account: str, hc: Any) -> tuple[bool, str]:
        ident = getattr(hc, "labkit_alarm", None) or {}
        name, region = ident.get("Name"), ident.get("Region")
        state_value = _alarm_state(account, region, name)
        st = self.state(account, hc.id)
        where = f"CloudWatch alarm {name} in {region}"
        if state_value in ("OK", "ALARM"):
            st.healthy = state_value == "OK"
            verdict = "Success" if st.healthy else "Failure"
            return st.healthy, f"{verdict}: {where} is in state {state_value}"
        setting = getattr(hc, "labkit_insufficient", None) or "LastKnownStatus"
        ok = {"Healthy": True, "Unhealthy": False}.get(setting, st.healthy)
        what = "does not exist" if state_value is None else "has insufficient data"
        return ok, f"{'Success' if ok else 'Failure'}: {where} {what} ({setting})"

    def observations(self, account: str, backend: Any, hc: Any) -> list[dict[str, Any]]:
        now = datetime.now().astimezone()
        if hc.disabled:
            status, checked = "Success: health checking is disabled (always healthy)", now
        elif hc.type_ == "CALCULATED":
            children = hc.children or []
            up = sum(self.healthy(account, backend, c) for c in children)
            # observations are the raw result: before Inverted
            ok = self.healthy(account, backend, hc.id) != bool(hc.inverted)
            status = (
                f"{'Success' if ok else 'Failure'}: {up} of {len(children)} child health "
                f"checks are healthy (HealthThreshold {hc.health_threshold})"
            )
            checked = now
        elif hc.type_ == "CLOUDWATCH_METRIC":
            status, checked = self._alarm_status(account, hc)[1], now
        else:
            st = self.state(account, hc.id)
            if st.result is None or st.checked is None:
                return []  # not probed yet
            status, checked = st.result.status, st.checked
        return [
            {
                "Region": region,
                "IPAddress": CHECKER_IP,
                "StatusReport": {"Status": status, "CheckedTime": checked},
            }
            for region in (hc.regions or CHECKER_REGIONS)
        ]

    # ---- the prober ---------------------------------------------------------------------
    def start(self) -> None:
        threading.Thread(target=self._loop, name="route53-health", daemon=True).start()
        for i in range(WORKERS):
            threading.Thread(target=self._work, name=f"route53-probe-{i}", daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.states.clear()

    def _loop(self) -> None:
        while True:
            try:
                self._tick()
            except Exception:  # never let the prober die
                log.exception("route53 health: scheduler pass failed")
            time.sleep(TICK)

    def _tick(self) -> None:
        seen: set[tuple[str, str]] = set()
        now = time.monotonic()
        for account, backend, hc in _health_checks():
            seen.add((account, hc.id))
            st = self.state(account, hc.id)
            if hc.type_ in ENDPOINT_TYPES and not hc.disabled and not st.in_flight:
                interval = self.ctx.seconds(int(hc.request_interval or 30))
                if st.last_done is None or now - st.last_done >= interval:
                    st.in_flight = True
                    threshold = max(1, int(hc.failure_threshold or 3))
                    self.jobs.put((self.generation, account, _target(hc), threshold))
            try:
                self._publish(account, backend, hc, st, now)
            except Exception:  # a metric problem must not stop the probes
                log.exception("route53 health: publishing HealthCheckStatus of %s failed", hc.id)
        with self.lock:
            for key in set(self.states) - seen:
                del self.states[key]

    def _work(self) -> None:
        while True:
            generation, account, target, threshold = self.jobs.get()
            if generation != self.generation:
                continue  # queued before a reset
            timeout = min(4.0, max(0.5, self.ctx.seconds(4)))
            try:
                result = probe(target, timeout, lambda name, a=account: _zone_address(a, name))
            except Exception as e:  # a bug here must not wedge the check "in flight"
                log.exception("route53 health: probe of %s failed", target.health_check_id)
                result = Result(False, f"Failure: internal error in the emulator: {e}", None)
            self._record(generation, account, target.health_check_id, threshold, result)

    def _record(
        self, generation: int, account: str, hc_id: str, threshold: int, result: Result
    ) -> None:
        """Apply one probe result with AWS's FailureThreshold semantics."""
        with self.lock:
            st = self.states.get((account, hc_id))
            if generation != self.generation or st is None:
                return  # reset or deleted meanwhile
            if result.ok == st.healthy:
                st.streak = 0
            else:
                st.streak += 1
                if st.streak >= threshold:
                    st.healthy, st.streak = result.ok, 0
            st.result, st.checked = result, datetime.now().astimezone()
            st.last_done, st.in_flight = time.monotonic(), False

    def _publish(self, account: str, backend: Any, hc: Any, st: _State, now: float) -> None:
        ok = self.healthy(account, backend, hc.id)
        if st.published and st.published[1] == ok and now - st.published[0] < self.ctx.seconds(60):
            return
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account]["us-east-1"].put_metric_data(
            "AWS/Route53",
            [
                {
                    "MetricName": "HealthCheckStatus",
                    "Dimensions": [{"Name": "HealthCheckId", "Value": hc.id}],
                    "Value": 1.0 if ok else 0.0,
                    "Unit": "None",
                }
            ],
        )
        st.published = (now, ok)


def _health_checks() -> list[tuple[str, Any, Any]]:
    """(account, backend, health check) for every account and partition holding checks."""
    from moto.route53.models import route53_backends

    found = []
    for account, per_partition in list(route53_backends.items()):
        for backend in list(per_partition.values()):
            found += [(account, backend, hc) for hc in list(backend.health_checks.values())]
    return found


def _target(hc: Any) -> Target:
    return Target(
        health_check_id=hc.id,
        type=hc.type_,
        ip_address=hc.ip_address,
        fqdn=hc.fqdn,
        port=int(hc.port or (443 if str(hc.type_).startswith("HTTPS") else 80)),
        resource_path=hc.resource_path or "/",
        search_string=hc.search_string,
        enable_sni=bool(hc.enable_sni),
    )


def _alarm_state(account: str, region: str | None, name: str | None) -> str | None:
    from moto.cloudwatch.models import cloudwatch_backends

    per_region = dict.get(cloudwatch_backends, account) or {}
    backend = dict.get(per_region, region or "")  # never create a backend just to look
    alarm = backend.alarms.get(name) if backend is not None and name else None
    return alarm.state_value if alarm is not None else None


def _zone_address(account: str, name: str) -> str | None:
    """The first A/AAAA value of ``name`` in the account's public hosted zones (as answered)."""
    from moto.route53.models import route53_backends

    per_partition = dict.get(route53_backends, account) or {}
    for backend in list(per_partition.values()):
        for zone in list(backend.zones.values()):
            if zone.private_zone:
                continue
            q = _query(account, backend, zone, "")
            for rtype in ("A", "AAAA"):
                code, values = dns.answer(q, name, rtype)
                if code == "NOERROR" and values:
                    return values[0]
    return None


_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    assert _ENGINE is not None, "route53_health is not installed"
    return _ENGINE


def _vpc_cidrs(account: str) -> list[tuple[str, str]]:
    from moto.ec2.models import ec2_backends

    cidrs = []
    for region, backend in list((dict.get(ec2_backends, account) or {}).items()):
        for vpc in list(backend.vpcs.values()):
            if vpc.is_default:
                continue
            blocks = [a.get("cidr_block") for a in vpc.cidr_block_association_set]
            cidrs += [(region, c) for c in [vpc.cidr_block, *blocks] if c]
    return cidrs


def _query(account: str, backend: Any, zone: Any, client: str) -> dns.Query:
    engine = _engine()
    return dns.Query(
        zone=zone,
        client_ip=client,
        client_region=dns.client_region(client, _vpc_cidrs(account)) if client else "us-east-1",
        healthy=lambda hc_id: engine.healthy(account, backend, hc_id),
    )


# ---- moto patches ---------------------------------------------------------------------------
def _patch_moto() -> None:
    from moto.core.responses import ActionResult
    from moto.route53 import urls
    from moto.route53.exceptions import InvalidInput
    from moto.route53.models import HealthCheck
    from moto.route53.responses import Route53

    if getattr(Route53, "_labkit_route53_health", False):
        return
    Route53._labkit_route53_health = True
    urls.url_paths[r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"] = Route53.dispatch

    original_create = Route53.create_health_check
    original_update = Route53.update_health_check
    original_config = HealthCheck.health_check_config

    def create_health_check(self: Any) -> Any:
        config = self._get_param("HealthCheckConfig") or {}
        result = original_create(self)
        hc = result.result["HealthCheck"]
        hc.labkit_alarm = config.get("AlarmIdentifier")
        hc.labkit_insufficient = config.get("InsufficientDataHealthStatus")
        if not config.get("Port") and str(config.get("Type", "")).startswith("HTTPS"):
            hc.port = 443
        return result

    def update_health_check(self: Any) -> Any:
        result = original_update(self)
        hc = result.result["HealthCheck"]
        if self._get_param("AlarmIdentifier"):
            hc.labkit_alarm = self._get_param("AlarmIdentifier")
        if self._get_param("InsufficientDataHealthStatus"):
            hc.labkit_insufficient = self._get_param("InsufficientDataHealthStatus")
        return result

    def health_check_config(self: Any) -> dict[str, Any]:
        config = original_config.fget(self)
        if self.type_ == "CLOUDWATCH_METRIC":
            for key in ("IPAddress", "Port", "RequestInterval", "FailureThreshold"):
                config.pop(key, None)
        if getattr(self, "labkit_alarm", None):
            config["AlarmIdentifier"] = self.labkit_alarm
        if getattr(self, "labkit_insufficient", None):
            config["InsufficientDataHealthStatus"] = self.labkit_insufficient
        return config

    def get_health_check_status(self: Any) -> Any:
        hc = self.backend.get_health_check(self._get_param("HealthCheckId"))
        observations = _engine().observations(self.current_account, self.backend, hc)
        return ActionResult({"HealthCheckObservations": observations})

    def test_dns_answer(self: Any) -> Any:
        zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId") or "")
        name = self._get_param("RecordName") or ""
        rtype = (self._get_param("RecordType") or "").upper()
        if rtype not in dns.RECORD_TYPES:
            raise InvalidInput(f"Invalid record type: {rtype}")
        client = dns.client_address(
            self._get_param("ResolverIP"),
            self._get_param("EDNS0ClientSubnetIP"),
            self._get_param("EDNS0ClientSubnetMask"),
        )
        q = _query(self.current_account, self.backend, zone, client)
        code, values = dns.answer(q, name, rtype)
        servers = zone.delegation_set.name_servers if zone.delegation_set else []
        return ActionResult(
            {
                "Nameserver": servers[0] if servers else "ns-2048.awsdns-64.com",
                "RecordName": name,
                "RecordType": rtype,
                "RecordData": values,
                "ResponseCode": code,
                "Protocol": "UDP",
            }
        )

    Route53.create_health_check = create_health_check
    Route53.update_health_check = update_health_check
    Route53.get_health_check_status = get_health_check_status
    Route53.test_dns_answer = test_dns_answer
    HealthCheck.health_check_config = property(health_check_config)


def install(ctx: EmulatorContext) -> None:
    """Patch moto's Route 53, start the prober, forget observations on reset."""
    global _ENGINE
    _patch_moto()
    if _ENGINE is not None:  # a second server in this process: one prober serves both
        _ENGINE.ctx = ctx
    else:
        _ENGINE = _Engine(ctx)
        _ENGINE.start()
    ctx.on_reset(_ENGINE.reset)
