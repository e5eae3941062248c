"""The DR drill of issue 4: every behaviour extension working together, through boto3 only.

Two regions, each with a tiny HTTP service on loopback (the primary on 127.0.0.1 for us-east-1,
the secondary on 127.0.0.2 for us-west-2); Route 53 health checks on both and failover records
over them; an Aurora global cluster (writer in us-east-1, secondary in us-west-2); an empty
Auto Scaling group in us-west-2; a CloudWatch alarm on the primary's HealthCheckStatus whose
action is an SNS topic with a Lambda subscription: the orchestrator, a zip built here, that
fails the global cluster over to us-west-2, scales the DR group and upserts a status record.

The drill stops the primary service and measures, on a spawned emulator at time scale 0.05,
how long until DNS answers with the secondary, the alarm fires, the orchestrator's run is in
CloudWatch Logs and the global cluster's writer is in us-west-2. Each measurement is checked
against bounds derived from the configuration (RequestInterval x FailureThreshold, the alarm's
period, the failover's duration, all times the scale) with generous slack for a loaded machine.
``pytest -s`` prints the timings.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.extensions.rds_global import PENDING_SECONDS, SWITCH_SECONDS
from labkit.emulator.process import EmulatorProcess

SCALE = 0.05
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
PRIMARY_IP, SECONDARY_IP = "127.0.0.1", "127.0.0.2"
ZONE = "drill.example"
APP = f"app.{ZONE}."
STATUS = f"status.{ZONE}."
INTERVAL, THRESHOLD = 10, 3  # Route 53 RequestInterval and FailureThreshold (AWS seconds)
PERIOD = 60  # the alarm's Period (AWS seconds): evaluated every 60 s, 3 s here
DR_CAPACITY = 2
FUNCTION = "dr-orchestrator"
SLACK = 8.0  # wall seconds added to every upper bound: a loaded 2-core machine, a Lambda cold start

ORCHESTRATOR = '''\
"""DR orchestrator: when the primary's health alarm fires, make us-west-2 the primary region.

Idempotent: the global cluster's writer is checked before failing over, the Auto Scaling group
only ever grows to DR_CAPACITY and the status record is an UPSERT.
"""
import json
import os

import boto3


def _alarm(event):
    try:
        sns = event["Records"][0]["Sns"]
        message = json.loads(sns["Message"])
        return sns["TopicArn"], message["AlarmName"], message["NewStateValue"]
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise ValueError(f"not an SNS alarm notification: {e!r}") from None


def handler(event, context):
    topic, alarm, state = _alarm(event)
    print(f"orchestrator: alarm {alarm} is {state} (via {topic})")
    if state != "ALARM":
        print("orchestrator: nothing to do")
        return {"failover": "none"}
    region = os.environ["DR_REGION"]

    rds = boto3.client("rds", region_name=region)
    gid, target = os.environ["GLOBAL_CLUSTER"], os.environ["TARGET_CLUSTER_ARN"]
    gc = rds.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
    writer = next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)
    if writer == target:
        failover = "already-writer"
    elif gc.get("FailoverState"):
        failover = "in-progress"
    else:
        rds.failover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target, AllowDataLoss=True
        )
        failover = "started"
    print(f"orchestrator: failover_global_cluster {gid} -> {target}: {failover}")

    asg = boto3.client("autoscaling", region_name=region)
    group, capacity = os.environ["DR_ASG"], int(os.environ["DR_CAPACITY"])
    found = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    before = found["AutoScalingGroups"][0]["DesiredCapacity"]
    if before < capacity:
        asg.set_desired_capacity(
            AutoScalingGroupName=group, DesiredCapacity=capacity, HonorCooldown=False
        )
    print(f"orchestrator: auto scaling group {group} desired {before} -> {max(before, capacity)}")

    record, value = os.environ["STATUS_RECORD"], f'"active={region}"'
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=os.environ["ZONE_ID"],
        ChangeBatch={
            "Comment": f"DR failover to {region} ({alarm})",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record,
                        "Type": "TXT",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ],
        },
    )
    print(f"orchestrator: UPSERT {record} TXT {value}")
    print("orchestrator: done")
    return {"failover": failover, "desired": max(before, capacity), "record": record}
'''


# ---- the two services ------------------------------------------------------------------------
class Service:
    """A tiny HTTP service of one region on a loopback address; GET answers its region.

    ``stop`` closes the listening socket (connections are refused, as when the process dies)
    and keeps the port bound but not listening, so ``start`` gets the same port back.
    """

    def __init__(self, host: str, region: str) -> None:
        self.host, self.region = host, region
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.reserved: socket.socket | None = None

    def start(self) -> None:
        region = self.region

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = json.dumps({"region": region, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # health checkers hang up after the status line (no search string)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)  # SO_REUSEADDR
        self.port = self.server.server_address[1]
        if self.reserved is not None:
            self.reserved.close()
            self.reserved = None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        reserve = socket.socket()
        reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        reserve.bind((self.host, self.port))  # bound, not listening: SYN gets RST
        self.reserved = reserve

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.reserved is not None:
            self.reserved.close()


# ---- the stack -------------------------------------------------------------------------------
@dataclass
class Stack:
    url: str
    primary: Service
    secondary: Service
    zone_id: str
    health_checks: dict[str, str]  # region -> health check id
    alarm: str
    topic: str
    global_cluster: str
    clusters: dict[str, str]  # region -> cluster ARN
    group: str

    def client(self, service: str, region: str = PRIMARY) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    # what the drill watches ----------------------------------------------------------------
    def dns_answer(self) -> list[str]:
        answer = self.client("route53").test_dns_answer(
            HostedZoneId=self.zone_id, RecordName=APP, RecordType="A"
        )
        assert answer["ResponseCode"] == "NOERROR"
        return answer["RecordData"]

    def served_region(self, address: str) -> str:
        """Ask the service DNS pointed at (the address and its service's port) who it is."""
        port = {PRIMARY_IP: self.primary.port, SECONDARY_IP: self.secondary.port}[address]
        with urllib.request.urlopen(f"http://{address}:{port}/", timeout=5) as r:
            return json.loads(r.read())["region"]

    def alarm_state(self) -> str:
        found = self.client("cloudwatch").describe_alarms(AlarmNames=[self.alarm])
        return found["MetricAlarms"][0]["StateValue"]

    def global_state(self) -> dict[str, Any]:
        found = self.client("rds", SECONDARY).describe_global_clusters(
            GlobalClusterIdentifier=self.global_cluster
        )
        return found["GlobalClusters"][0]

    def writer(self) -> str | None:
        """The writer's ARN once no switch is under way, else None."""
        gc = self.global_state()
        if gc.get("FailoverState") or gc["Status"] != "available":
            return None
        return next(m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"])

    def log_messages(self) -> list[str]:
        logs = self.client("logs", SECONDARY)
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{FUNCTION}")["events"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                return []
            raise
        return [e["message"] for e in events]

    def desired_capacity(self) -> int:
        return self.group_state()["DesiredCapacity"]

    def group_state(self) -> dict[str, Any]:
        found = self.client("autoscaling", SECONDARY).describe_auto_scaling_groups(
            AutoScalingGroupNames=[self.group]
        )
        return found["AutoScalingGroups"][0]

    def status_record(self) -> list[str]:
        found = self.client("route53").list_resource_record_sets(
            HostedZoneId=self.zone_id, StartRecordName=STATUS, StartRecordType="TXT"
        )["ResourceRecordSets"]
        return [
            r["Value"]
            for rrs in found
            if rrs["Name"] == STATUS and rrs["Type"] == "TXT"
            for r in rrs["ResourceRecords"]
        ]

    def failover_events(self) -> list[dict[str, Any]]:
        found = self.client("rds", SECONDARY).describe_events(SourceType="db-cluster")["Events"]
        return [e for e in found if "global-failover" in e.get("EventCategories", [])]


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _deploy(url: str, primary: Service, secondary: Service) -> Stack:
    """Build the two-region stack through the API, as a learner's notebook would."""
    stack = Stack(url, primary, secondary, "", {}, "dr-primary-unhealthy", "", "dr-global", {}, "")
    r53 = stack.client("route53")

    # Route 53: a health check per region, failover records over them
    zone = r53.create_hosted_zone(Name=ZONE, CallerReference="dr-drill")["HostedZone"]
    stack.zone_id = zone["Id"].split("/")[-1]
    changes = []
    for role, service in (("PRIMARY", primary), ("SECONDARY", secondary)):
        hc = r53.create_health_check(
            CallerReference=f"dr-{role}",
            HealthCheckConfig={
                "Type": "HTTP",
                "IPAddress": service.host,
                "Port": service.port,
                "ResourcePath": "/health",
                "RequestInterval": INTERVAL,
                "FailureThreshold": THRESHOLD,
            },
        )["HealthCheck"]["Id"]
        stack.health_checks[service.region] = hc
        changes.append(
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": APP,
                    "Type": "A",
                    "SetIdentifier": f"app-{service.region}",
                    "Failover": role,
                    "TTL": 30,
                    "HealthCheckId": hc,
                    "ResourceRecords": [{"Value": service.host}],
                },
            }
        )
    r53.change_resource_record_sets(HostedZoneId=stack.zone_id, ChangeBatch={"Changes": changes})

    # Aurora global database: writer in the primary region, secondary in the DR region
    east, west = stack.client("rds", PRIMARY), stack.client("rds", SECONDARY)
    east.create_global_cluster(
        GlobalClusterIdentifier=stack.global_cluster,
        Engine="aurora-postgresql",
        EngineVersion="15.4",
    )
    for region, rds in ((PRIMARY, east), (SECONDARY, west)):
        extra = {"MasterUsername": "app", "MasterUserPassword": "drill-password"}
        stack.clusters[region] = rds.create_db_cluster(
            DBClusterIdentifier=f"app-{region}",
            Engine="aurora-postgresql",
            EngineVersion="15.4",
            GlobalClusterIdentifier=stack.global_cluster,
            **(extra if region == PRIMARY else {}),
        )["DBCluster"]["DBClusterArn"]

    # the DR region's web tier: an empty Auto Scaling group the orchestrator scales up
    stack.client("ec2", SECONDARY).create_launch_template(
        LaunchTemplateName="dr-web",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
    )
    stack.group = "dr-web"
    stack.client("autoscaling", SECONDARY).create_auto_scaling_group(
        AutoScalingGroupName=stack.group,
        LaunchTemplate={"LaunchTemplateName": "dr-web"},
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=0,
        AvailabilityZones=[f"{SECONDARY}a", f"{SECONDARY}b"],
    )

    # the orchestrator, in the DR region
    role = stack.client("iam").create_role(
        RoleName="dr-orchestrator",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    lam = stack.client("lambda", SECONDARY)
    function_arn = lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="orchestrator.handler",
        Code={"ZipFile": _zip({"orchestrator.py": ORCHESTRATOR})},
        Timeout=60,
        Environment={
            "Variables": {
                "DR_REGION": SECONDARY,
                "GLOBAL_CLUSTER": stack.global_cluster,
                "TARGET_CLUSTER_ARN": stack.clusters[SECONDARY],
                "DR_ASG": stack.group,
                "DR_CAPACITY": str(DR_CAPACITY),
                "ZONE_ID": stack.zone_id,
                "STATUS_RECORD": STATUS,
            }
        },
    )["FunctionArn"]

    # alarm -> SNS -> orchestrator (the metric lives in us-east-1, so do the alarm and topic)
    sns = stack.client("sns")
    stack.topic = sns.create_topic(Name="dr-failover")["TopicArn"]
    lam.add_permission(
        FunctionName=FUNCTION,
        StatementId="sns-dr-failover",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=stack.topic,
    )
    sns.subscribe(TopicArn=stack.topic, Protocol="lambda", Endpoint=function_arn)
    stack.client("cloudwatch").put_metric_alarm(
        AlarmName=stack.alarm,
        AlarmDescription="The primary region's service fails its Route 53 health check",
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Dimensions=[{"Name": "HealthCheckId", "Value": stack.health_checks[PRIMARY]}],
        Statistic="Minimum",
        Period=PERIOD,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        AlarmActions=[stack.topic],
    )
    return stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    log = tmp_path_factory.mktemp("dr-drill") / "emulator.log"
    primary, secondary = Service(PRIMARY_IP, PRIMARY), Service(SECONDARY_IP, SECONDARY)
    primary.start()
    secondary.start()
    try:
        with EmulatorProcess.spawn(time_scale=SCALE, log_path=log) as emu:
            yield _deploy(emu.endpoint_url, primary, secondary)
    finally:
        primary.close()
        secondary.close()


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.1f}s (last: {value!r})")
        time.sleep(0.1)


def _alarm_event(stack: Stack) -> dict[str, Any]:
    """An SNS delivery of the alarm's ALARM notification, as the subscription sends it."""
    message = {"AlarmName": stack.alarm, "NewStateValue": "ALARM", "OldStateValue": "OK"}
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {"TopicArn": stack.topic, "Message": json.dumps(message)},
            }
        ]
    }


# ---- the drill -------------------------------------------------------------------------------
def test_dr_drill_fails_over_to_the_secondary_region_and_back(stack: Stack) -> None:
    # steady state: both services probed healthy, the alarm OK, DNS on the primary
    r53 = stack.client("route53")

    def probed_healthy() -> bool:
        for hc in stack.health_checks.values():
            seen = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
            if not seen or not all(o["StatusReport"]["Status"].startswith("Success") for o in seen):
                return False
        return True

    _wait(probed_healthy, 10, "both services probed healthy")
    _wait(lambda: stack.alarm_state() == "OK", PERIOD * SCALE * 2 + SLACK, "alarm OK")
    assert stack.dns_answer() == [PRIMARY_IP]
    assert stack.served_region(PRIMARY_IP) == PRIMARY
    assert stack.writer() == stack.clusters[PRIMARY]
    assert stack.desired_capacity() == 0
    assert stack.status_record() == []
    runs = "".join(stack.log_messages()).count("START RequestId:")  # the other test's, if any

    # the primary region goes down
    stack.primary.stop()
    t0 = time.monotonic()
    checks: dict[str, Callable[[], bool]] = {
        "dns": lambda: stack.dns_answer() == [SECONDARY_IP],
        "alarm": lambda: stack.alarm_state() == "ALARM",
        "lambda": lambda: "orchestrator: done" in "".join(stack.log_messages()),
        "promoted": lambda: stack.writer() == stack.clusters[SECONDARY],
        "scaled": lambda: stack.desired_capacity() == DR_CAPACITY,
        "record": lambda: stack.status_record() == [f'"active={SECONDARY}"'],
    }
    seen: dict[str, float] = {}
    deadline = t0 + 30
    while len(seen) < len(checks) and time.monotonic() < deadline:
        for what, check in checks.items():
            if what not in seen and check():
                seen[what] = time.monotonic() - t0
        time.sleep(0.05)
    timings = " ".join(f"{k}={v:.2f}s" for k, v in sorted(seen.items(), key=lambda kv: kv[1]))
    print(f"\nDR drill (time scale {SCALE}), from stopping the primary: {timings}")
    assert set(seen) == set(checks), f"not reached within 30 s: {set(checks) - set(seen)}"

    # within the scaled bounds: DNS needs FailureThreshold failed probes one interval apart
    probe = INTERVAL * SCALE
    assert (THRESHOLD - 1) * probe * 0.9 <= seen["dns"] <= (THRESHOLD + 1) * probe + SLACK
    # the status metric is published on the change; the alarm evaluates every Period
    assert seen["dns"] - 2.0 <= seen["alarm"] <= seen["dns"] + PERIOD * SCALE + SLACK
    # SNS -> Lambda, then the failover's pending and switching phases
    switch = (PENDING_SECONDS + SWITCH_SECONDS) * SCALE
    assert (THRESHOLD - 1) * probe * 0.9 + switch * 0.9 <= seen["promoted"]
    assert seen["promoted"] <= seen["alarm"] + switch + 2 * SLACK
    started, completed = (
        next(e["Date"] for e in stack.failover_events() if e["Message"].endswith(suffix))
        for suffix in ("started.", "completed.")
    )
    took = (completed - started).total_seconds()
    print(f"DR drill: failover_global_cluster took {took:.2f}s (scaled {switch:.2f}s)")
    assert switch * 0.9 <= took <= switch + SLACK

    # DNS now sends clients to a live service in the DR region
    assert stack.served_region(stack.dns_answer()[0]) == SECONDARY

    # the orchestrator ran once, from the alarm through SNS, and logged to CloudWatch Logs
    messages = stack.log_messages()
    text = "".join(messages)
    for marker in ("START RequestId:", "END RequestId:", "REPORT RequestId:"):
        assert text.count(marker) == runs + 1, (marker, messages)
    assert text.count(f"is ALARM (via {stack.topic})") == 1
    assert f"alarm {stack.alarm} is ALARM (via {stack.topic})" in text
    assert f"-> {stack.clusters[SECONDARY]}: started" in text
    assert f"desired 0 -> {DR_CAPACITY}" in text
    gc = stack.global_state()
    members = {m["DBClusterArn"]: m for m in gc["GlobalClusterMembers"]}
    assert members[stack.clusters[PRIMARY]]["IsWriter"] is False
    assert members[stack.clusters[SECONDARY]]["Readers"] == [stack.clusters[PRIMARY]]
    west = stack.client("rds", SECONDARY).describe_db_clusters(DBClusterIdentifier="app-us-west-2")
    assert "ReplicationSourceIdentifier" not in west["DBClusters"][0]

    # a second run (a redelivery, or an operator re-running it) changes nothing and succeeds
    lam = stack.client("lambda", SECONDARY)
    again = lam.invoke(FunctionName=FUNCTION, Payload=json.dumps(_alarm_event(stack)))
    body = json.loads(again["Payload"].read())
    assert again["StatusCode"] == 200 and "FunctionError" not in again, body
    assert body == {"failover": "already-writer", "desired": DR_CAPACITY, "record": STATUS}
    assert stack.writer() == stack.clusters[SECONDARY]
    group = stack.group_state()
    assert (group["DesiredCapacity"], len(group["Instances"])) == (DR_CAPACITY, DR_CAPACITY)
    assert stack.status_record() == [f'"active={SECONDARY}"']
    assert sum(e["Message"].endswith("started.") for e in stack.failover_events()) == 1

    # heal: the primary service comes back on the same port; DNS returns to it
    stack.primary.start()
    t1 = time.monotonic()
    _wait(
        lambda: stack.dns_answer() == [PRIMARY_IP],
        (THRESHOLD + 1) * probe + SLACK,
        "DNS back on the primary",
    )
    healed = time.monotonic() - t1
    _wait(lambda: stack.alarm_state() == "OK", PERIOD * SCALE + SLACK, "alarm OK again")
    print(f"DR drill: DNS back on the primary {healed:.2f}s after it restarted")
    assert (THRESHOLD - 1) * probe * 0.9 <= healed
    assert stack.served_region(PRIMARY_IP) == PRIMARY
    # the alarm has no OK action: the orchestrator ran only for the ALARM (and the direct call)
    assert "".join(stack.log_messages()).count("START RequestId:") == runs + 2


# ---- errors as AWS shapes them ---------------------------------------------------------------
def _error(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_drill_api_errors_have_aws_shapes(stack: Stack) -> None:
    west = stack.client("rds", SECONDARY)
    assert _error(
        lambda: west.failover_global_cluster(
            GlobalClusterIdentifier="no-such-global",
            TargetDbClusterIdentifier=stack.clusters[SECONDARY],
            AllowDataLoss=True,
        )
    ) == ("GlobalClusterNotFoundFault", 404)
    # failing over to the current writer is refused: why the orchestrator checks it first
    writer = _wait(stack.writer, 10, "global cluster settled")
    assert _error(
        lambda: west.failover_global_cluster(
            GlobalClusterIdentifier=stack.global_cluster,
            TargetDbClusterIdentifier=writer,
            AllowDataLoss=True,
        )
    ) == ("InvalidGlobalClusterStateFault", 400)

    lam = stack.client("lambda", SECONDARY)
    assert _error(lambda: lam.invoke(FunctionName="dr-no-such-function", Payload=b"{}")) == (
        "ResourceNotFoundException",
        404,
    )

    # the orchestrator given something that is not an alarm notification raises
    bad = lam.invoke(FunctionName=FUNCTION, Payload=json.dumps({"hello": "world"}))
    body = json.loads(bad["Payload"].read())
    assert bad["StatusCode"] == 200
    assert bad["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"].startswith("not an SNS alarm notification")
    assert isinstance(body["stackTrace"], list) and body["requestId"]
