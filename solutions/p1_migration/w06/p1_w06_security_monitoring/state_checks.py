"""Out-of-kernel state checks of p1_w06_security_monitoring (instructor-only, never shipped).

The grader runs these in its own process against the grading worker's emulator after the
notebook ran. They re-read what each task configured or produced: the web ACL and its
association, the Config recorder and rules, the X-Ray traces the middleware sent, the alarm,
its history and the notifications in the on-call inbox, the published latencies, the dashboard.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime, timedelta

from labkit.checks import expect

MANAGED_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
CONFIG_RULES = {
    "s3-bucket-server-side-encryption-enabled": "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED",
    "restricted-ssh": "INCOMING_SSH_DISABLED",
    "cloudtrail-enabled": "CLOUD_TRAIL_ENABLED",
}
TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")


def _web_acl(lab) -> dict:
    wafv2, name = lab.client("wafv2"), lab.names["web_acl"]
    found = [a for a in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == name]
    expect(len(found) == 1, f"expected one REGIONAL web ACL named {name!r}, found {len(found)}")
    return wafv2.get_web_acl(Name=name, Scope="REGIONAL", Id=found[0]["Id"])["WebACL"]


def web_acl(lab) -> None:
    names, wafv2 = lab.names, lab.client("wafv2")
    acl = _web_acl(lab)
    expect("Allow" in acl.get("DefaultAction", {}), "the default action should be Allow")
    rules = {r["Name"]: r for r in acl.get("Rules", [])}
    for group in MANAGED_GROUPS:
        expect(group in rules, f"no rule {group!r}")
        statement = rules[group]["Statement"].get("ManagedRuleGroupStatement", {})
        expect(
            (statement.get("VendorName"), statement.get("Name")) == ("AWS", group),
            f"rule {group} is not the managed group AWS/{group}",
        )
        expect(
            rules[group].get("OverrideAction") == {"None": {}},
            f"{group}: a managed rule group takes OverrideAction={{'None': {{}}}}, found "
            f"OverrideAction={rules[group].get('OverrideAction')}, Action={rules[group].get('Action')}",
        )
    expect(names["rate_rule"] in rules, f"no rule named {names['rate_rule']!r}")
    rate = rules[names["rate_rule"]]
    statement = rate["Statement"].get("RateBasedStatement", {})
    expect(
        statement.get("Limit") == 2000 and statement.get("AggregateKeyType") == "IP",
        f"rule {names['rate_rule']}: expected 2000 per IP, found {statement}",
    )
    expect("Block" in rate.get("Action", {}), f"rule {names['rate_rule']} must block")
    expect(names["admin_rule"] in rules, f"no rule named {names['admin_rule']!r}")
    admin = rules[names["admin_rule"]]
    match = admin["Statement"].get("ByteMatchStatement", {})
    raw = match.get("SearchString", "")
    texts = {raw if isinstance(raw, str) else raw.decode(errors="replace")}
    try:
        texts.add(base64.b64decode(raw, validate=True).decode())
    except (ValueError, binascii.Error):
        pass
    expect(any(t.strip("b'\"") == "/admin" for t in texts), f"the admin rule matches {raw!r}")
    expect(
        "UriPath" in match.get("FieldToMatch", {})
        and match.get("PositionalConstraint") == "STARTS_WITH",
        "the admin rule must match URI paths starting with /admin",
    )
    expect("Block" in admin.get("Action", {}), f"rule {names['admin_rule']} must block")
    for r in [*acl["Rules"], acl]:
        vis = r.get("VisibilityConfig", {})
        expect(
            vis.get("CloudWatchMetricsEnabled") and vis.get("MetricName"),
            f"{r['Name']}: enable CloudWatch metrics",
        )
    try:
        attached = wafv2.get_web_acl_for_resource(ResourceArn=names["alb_arn"]).get("WebACL")
    except wafv2.exceptions.WAFNonexistentItemException:
        attached = None
    expect(attached and attached["ARN"] == acl["ARN"], "the web ACL is not on the load balancer")


def config_recording(lab) -> None:
    names, config = lab.names, lab.client("config")
    recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
    recorder = next((r for r in recorders if r["name"] == names["config_recorder"]), None)
    expect(recorder, f"no configuration recorder named {names['config_recorder']!r}")
    group = recorder.get("recordingGroup", {})
    expect(
        group.get("allSupported") and group.get("includeGlobalResourceTypes"),
        "record all supported resource types, global ones included",
    )
    expect(recorder.get("roleARN") == names["config_role_arn"], "the recorder's role is wrong")
    statuses = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    expect(
        any(s["name"] == names["config_recorder"] and s.get("recording") for s in statuses),
        "the recorder is not recording",
    )
    channels = config.describe_delivery_channels()["DeliveryChannels"]
    channel = next((c for c in channels if c["name"] == names["config_channel"]), None)
    expect(
        channel and channel.get("s3BucketName") == names["config_bucket"],
        f"no delivery channel {names['config_channel']!r} to {names['config_bucket']}",
    )
    rules = {r["ConfigRuleName"]: r for r in config.describe_config_rules()["ConfigRules"]}
    for rule_name, identifier in CONFIG_RULES.items():
        expect(rule_name in rules, f"no Config rule named {rule_name}")
        source = rules[rule_name]["Source"]
        expect(
            source.get("Owner") == "AWS" and source.get("SourceIdentifier") == identifier,
            f"Config rule {rule_name} must be AWS's {identifier}",
        )


def xray_traces(lab) -> None:
    names, xray = lab.names, lab.client("xray")
    now = datetime.now(UTC)
    ids, token = [], None
    for _ in range(20):
        kwargs = {"StartTime": now - timedelta(hours=2), "EndTime": now + timedelta(minutes=5)}
        if token:
            kwargs["NextToken"] = token
        page = xray.get_trace_summaries(**kwargs)
        ids += [s["Id"] for s in page.get("TraceSummaries", [])]
        token = page.get("NextToken")
        if not token:
            break
    expect(ids, "X-Ray has no traces: the middleware sent no segments")
    documents = []
    for i in range(0, len(ids), 5):
        for trace in xray.batch_get_traces(TraceIds=ids[i : i + 5])["Traces"]:
            documents += [json.loads(s["Document"]) for s in trace.get("Segments", [])]
    ours = [d for d in documents if d.get("name") == names["xray_service"]]
    expect(len(ours) >= 3, f"only {len(ours)} segments named {names['xray_service']}")
    password = names["database_url"].split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    expect(
        not password or all(password not in json.dumps(d) for d in ours),
        "a trace contains the database password; strip it from sql.url",
    )
    statuses = set()
    for doc in ours:
        expect(TRACE_ID.match(str(doc.get("trace_id", ""))), f"bad trace id {doc.get('trace_id')}")
        expect(
            re.fullmatch(r"[0-9a-f]{16}", str(doc.get("id", ""))), f"bad segment id {doc.get('id')}"
        )
        expect(doc.get("start_time", 0) <= doc.get("end_time", -1), "segment ends before it starts")
        status = doc.get("http", {}).get("response", {}).get("status")
        expect(status, "a segment has no http.response.status")
        statuses.add(status)
        expect(bool(doc.get("error")) == (400 <= status < 500), f"error flag wrong for {status}")
        if status < 300:
            subs = [s for s in doc.get("subsegments", []) if s.get("namespace") == "remote"]
            expect(subs and all("sql" in s for s in subs), "a traced request has no SQL subsegment")
    expect({200, 404} <= statuses, f"traced statuses {sorted(statuses)}: expected 200 and 404")


def _alarm(lab) -> dict:
    cloudwatch, name = lab.client("cloudwatch"), lab.names["latency_alarm"]
    alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    expect(alarms, f"no alarm named {name!r}")
    return alarms[0]


def latency_alarm(lab) -> None:
    names, alarm = lab.names, _alarm(lab)
    for key, want in (
        ("Namespace", names["metric_namespace"]),
        ("MetricName", names["latency_metric"]),
        ("ExtendedStatistic", "p95"),
        ("Period", 60),
        ("EvaluationPeriods", 5),
        ("DatapointsToAlarm", 3),
        ("Threshold", 200.0),
        ("ComparisonOperator", "GreaterThanThreshold"),
        ("TreatMissingData", "notBreaching"),
    ):
        expect(alarm.get(key) == want, f"alarm: {key} is {alarm.get(key)!r}, expected {want!r}")
    dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    expect(dims == {"Service": names["service_dimension"]}, f"alarm dimensions {dims}")
    for key in ("AlarmActions", "OKActions"):
        expect(names["oncall_topic_arn"] in alarm.get(key, []), f"{key} must notify on-call")


def incident_drill(lab) -> None:
    names, cloudwatch, sqs = lab.names, lab.client("cloudwatch"), lab.client("sqs")
    items = cloudwatch.describe_alarm_history(
        AlarmName=names["latency_alarm"], HistoryItemType="StateUpdate", MaxRecords=100
    )["AlarmHistoryItems"]
    items.sort(key=lambda h: h["Timestamp"])
    states = [json.loads(h["HistoryData"])["newState"]["stateValue"] for h in items]
    expect("ALARM" in states, f"the alarm never went to ALARM ({states})")
    expect("OK" in states[states.index("ALARM") + 1 :], f"no OK after ALARM ({states})")
    now = datetime.now(UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace=names["metric_namespace"],
        MetricName=names["latency_metric"],
        Dimensions=[{"Name": "Service", "Value": names["service_dimension"]}],
        StartTime=now - timedelta(hours=2),
        EndTime=now + timedelta(minutes=5),
        Period=7200,
        Statistics=["SampleCount", "Maximum", "Minimum"],
    )["Datapoints"]
    expect(sum(d["SampleCount"] for d in stats) >= 200, "fewer than 200 latencies published")
    expect(max(d["Maximum"] for d in stats) > 200, "no published latency above 200 ms")
    expect(min(d["Minimum"] for d in stats) < 100, "no normal latency published")
    seen, messages = set(), []
    for _ in range(20):
        batch = sqs.receive_message(
            QueueUrl=names["oncall_queue_url"], MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for m in fresh:
            seen.add(m["MessageId"])
            try:
                messages.append(json.loads(json.loads(m["Body"]).get("Message", "")))
            except ValueError:
                continue
    ours = {
        m.get("NewStateValue") for m in messages if m.get("AlarmName") == names["latency_alarm"]
    }
    expect({"ALARM", "OK"} <= ours, f"the on-call inbox got {sorted(ours)}, expected ALARM and OK")


def dashboard(lab) -> None:
    names, cloudwatch = lab.names, lab.client("cloudwatch")
    try:
        body = json.loads(
            cloudwatch.get_dashboard(DashboardName=names["dashboard"])["DashboardBody"]
        )
    except cloudwatch.exceptions.ResourceNotFound:
        raise AssertionError(f"no dashboard named {names['dashboard']!r}") from None
    shown = []
    for widget in body.get("widgets", []):
        if widget.get("type") != "metric":
            continue
        for row in widget.get("properties", {}).get("metrics", []):
            options = row[-1] if row and isinstance(row[-1], dict) else {}
            parts = [p for p in row if not isinstance(p, dict)]
            if len(parts) < 2 or len(parts) % 2:
                continue
            dims = dict(zip(parts[2::2], parts[3::2], strict=True))
            stat = options.get("stat") or widget["properties"].get("stat", "Average")
            shown.append((parts[0], parts[1], dims, stat))
    region = lab.region
    for namespace, metric, dims, stats in (
        ("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": names["alb_dimension"]}, {"p95"}),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", {"LoadBalancer": names["alb_dimension"]}, {"Sum"}),
        ("AWS/ECS", "CPUUtilization", {"ClusterName": names["ecs_cluster"], "ServiceName": names["ecs_service"]}, {"Average", "Maximum"}),
        ("AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": names["db_instance"]}, {"Maximum", "Average"}),
        ("AWS/WAFV2", "BlockedRequests", {"WebACL": names["web_acl"], "Region": region, "Rule": "ALL"}, {"Sum"}),
        (names["metric_namespace"], names["latency_metric"], {"Service": names["service_dimension"]}, {"p95"}),
    ):  # fmt: skip
        expect(
            any(
                n == namespace and m == metric and d == dims and s in stats for n, m, d, s in shown
            ),
            f"the dashboard lacks {namespace} {metric} {dims} ({sorted(stats)})",
        )
    arn = _alarm(lab)["AlarmArn"]
    expect(
        any(
            w.get("type") == "alarm" and arn in w.get("properties", {}).get("alarms", [])
            for w in body.get("widgets", [])
        ),
        "no alarm widget shows the p95 alarm",
    )


CHECKS = {
    "waf_tests": web_acl,
    "config_tests": config_recording,
    "xray_tests": xray_traces,
    "alarm_tests": latency_alarm,
    "drill_tests": incident_drill,
    "dashboard_tests": dashboard,
}
