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
# # Project 1 · Week 6 · Day 18-20: Security and Monitoring
#
# ## The scenario
#
# The migrated shop runs on AWS: an Application Load Balancer in front of the application, the
# data in RDS PostgreSQL. Before go-live the security officer and the operations lead each have a
# list. Security: "the old hardware load balancer had a WAF module and an IP blacklist; where are
# they? And how do we know nobody opens SSH to the world next month?" Operations: "on premises
# we found out about slow pages from Twitter. We want a dashboard, an alarm that pages us when
# the API gets slow, and a way to see *where* a slow request spent its time."
#
# This lab answers both lists:
#
# - **AWS WAF** on the load balancer: AWS's managed rule groups, a rate limit per client IP and
#   a rule of your own;
# - **AWS Config** records every configuration change and checks it against rules;
# - a **CloudWatch dashboard** and an **alarm** on the API's p95 latency that notifies the
#   on-call topic;
# - **X-Ray** traces written by a middleware you put around the real shop application;
# - an **incident drill**: you run the real shop against the RDS database, publish the latencies
#   you measure, make the database slow, watch the alarm fire and recover.
#
# You work against an **emulated AWS account** with plain `boto3`. The emulator runs a real
# PostgreSQL for the RDS instance, and it evaluates CloudWatch alarms from the data you publish,
# with time sped up 50x for this lab (a 60-second alarm period lasts 1.2 s).
#
# **Estimated time: 4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | A web ACL with managed rules, a rate limit and a custom rule, on the ALB | WAF | 3 |
# | 2 | AWS Config: recorder, delivery channel, managed rules | Config | 2 |
# | 3 | Tracing the application: a WSGI middleware that sends X-Ray segments | X-Ray | 3 |
# | 4 | An alarm on the API's p95 latency that notifies on-call | CloudWatch, SNS | 2 |
# | 5 | The incident drill: real traffic, published latencies, ALARM and back to OK | CloudWatch, RDS | 3 |
# | 6 | An operations dashboard | CloudWatch | 2 |
# | 7 | The monitoring runbook and the security controls document | portfolio | 2 |
#
# By the end you should be able to:
#
# - configure a WAF web ACL with managed rule groups, a rate-based rule and a custom match rule,
#   and attach it to a load balancer;
# - turn on AWS Config and choose managed rules that watch the controls you promised;
# - instrument a web application for X-Ray: trace ids, segments, subsegments, propagation;
# - publish application metrics, alarm on a percentile with "M out of N" datapoints, and prove the
#   alarm works with a drill;
# - write the runbook the on-call engineer follows when that alarm fires.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It starts (or finds) the emulator and creates what earlier
#   weeks built: the VPC and load balancer, the RDS PostgreSQL database with the shop's data,
#   the on-call SNS topic (an SQS queue subscribed to it stands in for the pager), and the S3
#   bucket and IAM role for AWS Config.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see, and re-checks the configuration from outside your notebook.
# - Write your code so it can be **run again** safely: look a resource up before you create it.
# - Use the names in `names` (from this lab's `lab.yaml`); the checks look resources up by them.
# - The shop runs in this notebook on `127.0.0.1` (`p1_retail.start_shop`), against the real
#   PostgreSQL behind the RDS instance. WAF rules and Config rules are stored, not enforced or
#   evaluated, by the emulator: the checks read their configuration.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import base64
import contextlib
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import psycopg

import labkit
from labkit.checks import expect
from labkit.datasets import p1_retail

lab = labkit.start_lab("p1_w06_security_monitoring")
names = lab.names
REGION = lab.region
ACCOUNT_ID = lab.account_id
DATABASE_URL = names["database_url"]

wafv2 = lab.client("wafv2")
config = lab.client("config")
cloudwatch = lab.client("cloudwatch")
xray = lab.client("xray")
sqs = lab.client("sqs")
elbv2 = lab.client("elbv2")

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

print(lab)
print("caller:", boto3.client("sts").get_caller_identity()["Arn"])
for key in ("alb_arn", "alb_dimension", "db_arn", "oncall_topic_arn", "config_role_arn"):
    print(f"{key:17} {names[key]}")
with psycopg.connect(DATABASE_URL) as conn:
    print("products in RDS:", conn.execute("SELECT count(*) FROM products").fetchone()[0])

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Read-only **helpers** the checks use (use them too): `get(url)` makes one HTTP request and
# returns `(status, headers, seconds)`; `shop_web_acl()` finds your web ACL;
# `alarm_history(name)` lists an alarm's state changes, oldest first; `oncall_messages()` peeks
# at the notifications that reached the on-call inbox (without consuming them).


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def get(url: str, headers: dict | None = None) -> tuple[int, dict, float]:
    """GET ``url``: (HTTP status, response headers, seconds taken); errors are statuses too."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, dict(response.headers), time.perf_counter() - started
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, dict(e.headers), time.perf_counter() - started


def shop_web_acl() -> dict:
    """The REGIONAL web ACL named ``names['web_acl']`` (full, with its rules and LockToken)."""
    acls = wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]
    found = [a for a in acls if a["Name"] == names["web_acl"]]
    expect(found, f"no REGIONAL web ACL named {names['web_acl']!r}")
    got = wafv2.get_web_acl(Name=found[0]["Name"], Scope="REGIONAL", Id=found[0]["Id"])
    return {**got["WebACL"], "LockToken": got["LockToken"]}


def alarm_history(alarm_name: str) -> list[dict]:
    """The alarm's StateUpdate history items, oldest first."""
    items = cloudwatch.describe_alarm_history(
        AlarmName=alarm_name, HistoryItemType="StateUpdate", MaxRecords=100
    )["AlarmHistoryItems"]
    return sorted(items, key=lambda item: item["Timestamp"])


def oncall_messages() -> list[dict]:
    """The alarm notifications in the on-call inbox (SNS envelopes' Message, parsed)."""
    found = sqs.receive_message(
        QueueUrl=names["oncall_queue_url"], MaxNumberOfMessages=10, VisibilityTimeout=0
    ).get("Messages", [])
    seen, out = set(), []
    for _ in range(20):
        for m in found:
            if m["MessageId"] in seen:
                continue
            seen.add(m["MessageId"])
            body = json.loads(m["Body"])
            try:
                out.append(json.loads(body.get("Message", "")))
            except ValueError:
                out.append({"raw": body.get("Message")})
        found = sqs.receive_message(
            QueueUrl=names["oncall_queue_url"], MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        if all(m["MessageId"] in seen for m in found):
            break
    return out


def rule_named(acl: dict, rule_name: str) -> dict:
    rules = {r["Name"]: r for r in acl.get("Rules", [])}
    expect(rule_name in rules, f"web ACL {acl['Name']} has no rule named {rule_name!r}")
    return rules[rule_name]


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · A web application firewall on the load balancer (3 points)
#
# AWS WAF inspects every HTTP request before the load balancer forwards it. A **web ACL** is an
# ordered list of rules (lowest `Priority` first) and a default action. Create the **REGIONAL**
# web ACL `names["web_acl"]` (REGIONAL = for an ALB or API Gateway; CloudFront's are `CLOUDFRONT`
# scope) with `DefaultAction={"Allow": {}}` and these rules:
#
# | priority | rule name | statement | action |
# |---|---|---|---|
# | 0 | `AWSManagedRulesCommonRuleSet` | managed rule group, vendor `AWS` (OWASP top 10 basics) | `OverrideAction={"None": {}}` |
# | 1 | `AWSManagedRulesKnownBadInputsRuleSet` | managed rule group (Log4Shell and friends) | `OverrideAction={"None": {}}` |
# | 2 | `AWSManagedRulesSQLiRuleSet` | managed rule group (SQL injection) | `OverrideAction={"None": {}}` |
# | 3 | `names["rate_rule"]` | `RateBasedStatement`: `Limit` 2000 requests per 5 minutes, `AggregateKeyType="IP"` | `Action={"Block": {}}` |
# | 4 | `names["admin_rule"]` | `ByteMatchStatement`: `UriPath` `STARTS_WITH` `/admin`, text transformation `LOWERCASE` | `Action={"Block": {}}` |
#
# A managed rule group carries its own actions, which is why its rule takes an
# **`OverrideAction`** (`None` = keep the group's blocks; `Count` would only count) instead of an
# `Action`. The old data centre exposed a Tomcat manager under `/admin`: nobody on the internet
# should reach it.
#
# Every rule and the ACL itself need a `VisibilityConfig` with `CloudWatchMetricsEnabled=True`,
# `SampledRequestsEnabled=True` and a `MetricName` (use the rule's name): that is where the
# dashboard's "blocked requests" come from. Then **associate** the ACL with the load balancer
# `names["alb_arn"]`.
#
# On a re-run, update the existing ACL with `update_web_acl` (it needs the `Id` and the current
# `LockToken`, see `shop_web_acl()`) instead of creating a second one. In boto3 the
# `SearchString` of a byte match is `bytes` (`b"/admin"`).
#
# Useful calls: `list_web_acls`, `create_web_acl`, `get_web_acl`, `update_web_acl`,
# `associate_web_acl`, `get_web_acl_for_resource`.


# %% nbgrader={"grade": false, "grade_id": "waf_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def visibility(metric: str) -> dict:
    return {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": metric,
    }


waf_rules = [
    {
        "Name": group,
        "Priority": priority,
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}},
        "OverrideAction": {"None": {}},
        "VisibilityConfig": visibility(group),
    }
    for priority, group in enumerate(MANAGED_GROUPS)
]
waf_rules.append(
    {
        "Name": names["rate_rule"],
        "Priority": 3,
        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
        "Action": {"Block": {}},
        "VisibilityConfig": visibility(names["rate_rule"]),
    }
)
waf_rules.append(
    {
        "Name": names["admin_rule"],
        "Priority": 4,
        "Statement": {
            "ByteMatchStatement": {
                "SearchString": b"/admin",
                "FieldToMatch": {"UriPath": {}},
                "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}],
                "PositionalConstraint": "STARTS_WITH",
            }
        },
        "Action": {"Block": {}},
        "VisibilityConfig": visibility(names["admin_rule"]),
    }
)
existing_acls = [
    a for a in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == names["web_acl"]
]
if existing_acls:
    current_acl = shop_web_acl()
    wafv2.update_web_acl(
        Name=names["web_acl"],
        Scope="REGIONAL",
        Id=current_acl["Id"],
        LockToken=current_acl["LockToken"],
        DefaultAction={"Allow": {}},
        Rules=waf_rules,
        VisibilityConfig=visibility("retail-shop-web-acl"),
    )
    acl_arn = current_acl["ARN"]
else:
    acl_arn = wafv2.create_web_acl(
        Name=names["web_acl"],
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Description="Retail shop: managed rules, rate limit, no /admin",
        Rules=waf_rules,
        VisibilityConfig=visibility("retail-shop-web-acl"),
    )["Summary"]["ARN"]
wafv2.associate_web_acl(WebACLArn=acl_arn, ResourceArn=names["alb_arn"])
print("web ACL", acl_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "waf_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
acl = shop_web_acl()
rules = {r["Name"]: r for r in acl.get("Rules", [])}
for group in MANAGED_GROUPS:
    expect(group in rules, f"web ACL {names['web_acl']} has no rule {group!r}")
expect(names["rate_rule"] in rules, f"no rate-based rule named {names['rate_rule']!r}")
try:
    attached = wafv2.get_web_acl_for_resource(ResourceArn=names["alb_arn"]).get("WebACL")
except wafv2.exceptions.WAFNonexistentItemException:
    attached = None
expect(attached, f"no web ACL is associated with the load balancer {names['alb']}")
expect(
    attached["ARN"] == acl["ARN"],
    f"the load balancer is protected by {attached['Name']}, not {names['web_acl']}",
)
print("web ACL with its rules, on the load balancer")

### BEGIN HIDDEN TESTS
expect(
    "Allow" in acl.get("DefaultAction", {}), "the default action should be Allow: the rules block"
)
for group in MANAGED_GROUPS:
    statement = rules[group]["Statement"].get("ManagedRuleGroupStatement", {})
    expect(
        statement.get("VendorName") == "AWS" and statement.get("Name") == group,
        f"rule {group} must be the managed rule group AWS/{group}, found {rules[group]['Statement']}",
    )
    expect(
        rules[group].get("OverrideAction") == {"None": {}},
        f"rule {group}: a managed rule group takes OverrideAction={{'None': {{}}}} (enforce the "
        f"group's own actions) and no Action; found OverrideAction="
        f"{rules[group].get('OverrideAction')}, Action={rules[group].get('Action')}",
    )
rate = rules[names["rate_rule"]]
rate_statement = rate["Statement"].get("RateBasedStatement", {})
expect(rate_statement, f"rule {names['rate_rule']} is not a RateBasedStatement")
expect(
    rate_statement.get("Limit") == 2000,
    f"rate limit {rate_statement.get('Limit')}, expected 2000 per 5 minutes",
)
expect(rate_statement.get("AggregateKeyType") == "IP", "the rate rule must aggregate by IP")
expect("Block" in rate.get("Action", {}), f"rule {names['rate_rule']} must block")
admin = rule_named(acl, names["admin_rule"])
match = admin["Statement"].get("ByteMatchStatement", {})
expect(match, f"rule {names['admin_rule']} is not a ByteMatchStatement")
raw = match.get("SearchString", "")
texts = {raw if isinstance(raw, str) else raw.decode(errors="replace")}
with contextlib.suppress(ValueError):
    texts.add(base64.b64decode(raw, validate=True).decode())
expect(
    any(t.strip("b'\"") == "/admin" for t in texts),
    f"rule {names['admin_rule']} matches {raw!r}, expected /admin",
)
expect("UriPath" in match.get("FieldToMatch", {}), "the admin rule must inspect the URI path")
expect(match.get("PositionalConstraint") == "STARTS_WITH", "match paths that START_WITH /admin")
expect("Block" in admin.get("Action", {}), f"rule {names['admin_rule']} must block")
priorities = [r["Priority"] for r in acl["Rules"]]
expect(len(priorities) == len(set(priorities)), f"two rules share a priority: {priorities}")
expect(
    max(rules[g]["Priority"] for g in MANAGED_GROUPS) < rate["Priority"],
    "evaluate the managed groups before the rate rule (lower priorities)",
)
for r in [*acl["Rules"], acl]:
    vis = r.get("VisibilityConfig", {})
    expect(
        vis.get("CloudWatchMetricsEnabled")
        and vis.get("SampledRequestsEnabled")
        and vis.get("MetricName"),
        f"{r['Name']}: enable CloudWatch metrics and sampled requests with a metric name",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · AWS Config watches the controls (2 points)
#
# A control that is true today can be false tomorrow. **AWS Config** records the configuration of
# every resource as it changes, and **Config rules** evaluate it continuously.
#
# 1. The configuration recorder `names["config_recorder"]` with the seeded role
#    `names["config_role_arn"]`, recording **all supported** resource types **including global**
#    ones (IAM): `recordingGroup={"allSupported": True, "includeGlobalResourceTypes": True}`.
# 2. The delivery channel `names["config_channel"]` to the seeded bucket `names["config_bucket"]`,
#    snapshots every `TwentyFour_Hours`.
# 3. **Start** the recorder (a recorder that exists but is stopped records nothing).
# 4. Four AWS-managed rules (`Source={"Owner": "AWS", "SourceIdentifier": ...}`), named as
#    in `CONFIG_RULES` (rule name → source identifier): S3 default encryption, RDS storage
#    encryption, no SSH open to the world, CloudTrail on.
#
# `put_configuration_recorder`, `put_delivery_channel` and `put_config_rule` create or replace;
# starting an already started recorder is fine.

# %% nbgrader={"grade": false, "grade_id": "config_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
config.put_configuration_recorder(
    ConfigurationRecorder={
        "name": names["config_recorder"],
        "roleARN": names["config_role_arn"],
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
    }
)
config.put_delivery_channel(
    DeliveryChannel={
        "name": names["config_channel"],
        "s3BucketName": names["config_bucket"],
        "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
    }
)
config.start_configuration_recorder(ConfigurationRecorderName=names["config_recorder"])
SCOPES = {
    "s3-bucket-server-side-encryption-enabled": ["AWS::S3::Bucket"],
    "rds-storage-encrypted": ["AWS::RDS::DBInstance"],
    "restricted-ssh": ["AWS::EC2::SecurityGroup"],
}
for rule_name, identifier in CONFIG_RULES.items():
    rule = {
        "ConfigRuleName": rule_name,
        "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
    }
    if rule_name in SCOPES:
        rule["Scope"] = {"ComplianceResourceTypes": SCOPES[rule_name]}
    else:
        rule["MaximumExecutionFrequency"] = "TwentyFour_Hours"
    config.put_config_rule(ConfigRule=rule)
print(config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "config_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
recorder = next((r for r in recorders if r["name"] == names["config_recorder"]), None)
expect(recorder, f"no configuration recorder named {names['config_recorder']!r}")
statuses = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
running = next((s for s in statuses if s["name"] == names["config_recorder"]), {})
expect(
    running.get("recording"), f"the recorder {names['config_recorder']} is not recording: start it"
)
config_rules = {r["ConfigRuleName"]: r for r in config.describe_config_rules()["ConfigRules"]}
missing_rules = sorted(set(CONFIG_RULES) - set(config_rules))
expect(not missing_rules, f"Config rules missing: {missing_rules}")
print("Config is recording, with", len(config_rules), "rules")

### BEGIN HIDDEN TESTS
group = recorder.get("recordingGroup", {})
expect(group.get("allSupported"), "the recorder must record all supported resource types")
expect(group.get("includeGlobalResourceTypes"), "the recorder must include global resources (IAM)")
expect(
    recorder.get("roleARN") == names["config_role_arn"],
    f"the recorder uses role {recorder.get('roleARN')}, expected {names['config_role_arn']}",
)
channels = config.describe_delivery_channels()["DeliveryChannels"]
channel = next((c for c in channels if c["name"] == names["config_channel"]), None)
expect(channel, f"no delivery channel named {names['config_channel']!r}")
expect(
    channel.get("s3BucketName") == names["config_bucket"],
    f"the delivery channel writes to {channel.get('s3BucketName')}, expected {names['config_bucket']}",
)
frequency = channel.get("configSnapshotDeliveryProperties", {}).get("deliveryFrequency")
expect(
    frequency == "TwentyFour_Hours", f"snapshot frequency {frequency}, expected TwentyFour_Hours"
)
for rule_name, identifier in CONFIG_RULES.items():
    source = config_rules[rule_name]["Source"]
    expect(
        source.get("Owner") == "AWS" and source.get("SourceIdentifier") == identifier,
        f"Config rule {rule_name} must be the AWS managed rule {identifier}, found {source}",
    )
    expect(
        config_rules[rule_name].get("ConfigRuleState", "ACTIVE") == "ACTIVE",
        f"Config rule {rule_name} is {config_rules[rule_name].get('ConfigRuleState')}",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · Tracing the shop with X-Ray (3 points)
#
# A dashboard says *that* the API is slow; a **trace** says *where*. X-Ray groups everything one
# request did under a **trace id** `1-<8 hex digits: epoch seconds>-<24 random hex digits>`. The
# application sends a **segment** per request (its name, ids, start and end times as epoch
# seconds, the HTTP request and response), with **subsegments** for the calls it made downstream,
# here the database.
#
# Write **`xray_middleware(app)`**: it takes the shop's WSGI application and returns a WSGI
# application that, for every request:
#
# 1. takes the trace id from the incoming `X-Amzn-Trace-Id` header (`Root=1-...;Parent=...`,
#    WSGI key `HTTP_X_AMZN_TRACE_ID`) when there is one (the ALB adds it), else makes a new one;
# 2. calls the app, timing it, and notes the response status;
# 3. adds `X-Amzn-Trace-Id: Root=<trace id>` to the response headers (so a client can find the
#    trace: the checks do exactly that);
# 4. sends one segment with `xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(doc)])`:
#    `name` = `names["xray_service"]`, `id` (16 hex digits), `trace_id`, `start_time`, `end_time`,
#    `http.request` (`method`, `url`), `http.response` (`status`), `error: true` for 4xx and
#    `fault: true` for 5xx, and a subsegment per database use: `name` `"postgres"`,
#    `namespace` `"remote"`, `sql` (`{"database_type": "PostgreSQL", "url": ...}` without the
#    password), its own `id`, `start_time`, `end_time`.
#
# Where do the database times come from? The shop's `app.db.connection()` is the context manager
# every query goes through. Replace it on the app object with your own context manager that
# times the original and appends `(start, end)` to a **thread-local** list (the shop serves
# requests on a pool of threads; one request stays on one thread). This is what the X-Ray SDK's
# `patch_all()` does for database drivers.
#
# Then start the shop with `p1_retail.start_shop(DATABASE_URL, wrap=xray_middleware)`, make a
# few requests (`get(shop.url + "/api/products/RS-10001")`, an unknown SKU, `/health`), and stop
# it. The check starts its own shop with your middleware and compares the traces with the
# requests it made. (The X-Ray SDK sends segments over UDP to a local daemon in a background
# thread; calling the API in the request is simpler and fine at this scale.)

# %% nbgrader={"grade": false, "grade_id": "xray_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
_trace_local = threading.local()
DB_URL_SAFE = re.sub(r"//([^:/@]+):[^@]*@", r"//\1@", DATABASE_URL)


def new_trace_id() -> str:
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def xray_middleware(app):
    original_connection = app.db.connection

    @contextlib.contextmanager
    def traced_connection(*args, **kwargs):
        started = time.time()
        try:
            with original_connection(*args, **kwargs) as conn:
                yield conn
        finally:
            calls = getattr(_trace_local, "db_calls", None)
            if calls is not None:
                calls.append((started, time.time()))

    app.db.connection = traced_connection

    def traced_app(environ, start_response):
        header = environ.get("HTTP_X_AMZN_TRACE_ID", "")
        incoming = dict(p.split("=", 1) for p in header.split(";") if "=" in p)
        trace_id = incoming.get("Root") if TRACE_ID.match(incoming.get("Root", "")) else None
        trace_id = trace_id or new_trace_id()
        _trace_local.db_calls = []
        seen = {}

        def traced_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            headers = [*headers, ("X-Amzn-Trace-Id", f"Root={trace_id}")]
            return start_response(status, headers, exc_info)

        started = time.time()
        try:
            body = list(app(environ, traced_start_response))
        finally:
            ended = time.time()
            status = seen.get("status", 500)
            url = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ.get('PATH_INFO', '/')}"
            if environ.get("QUERY_STRING"):
                url += "?" + environ["QUERY_STRING"]
            segment = {
                "name": names["xray_service"],
                "id": secrets.token_hex(8),
                "trace_id": trace_id,
                "start_time": started,
                "end_time": ended,
                "http": {
                    "request": {
                        "method": environ.get("REQUEST_METHOD", "GET"),
                        "url": url,
                        "client_ip": environ.get("REMOTE_ADDR", ""),
                    },
                    "response": {"status": status},
                },
                "error": 400 <= status < 500,
                "fault": status >= 500,
                "subsegments": [
                    {
                        "id": secrets.token_hex(8),
                        "name": "postgres",
                        "namespace": "remote",
                        "start_time": db_start,
                        "end_time": db_end,
                        "sql": {"database_type": "PostgreSQL", "url": DB_URL_SAFE},
                    }
                    for db_start, db_end in _trace_local.db_calls
                ],
            }
            if "Parent" in incoming:
                segment["parent_id"] = incoming["Parent"]
            _trace_local.db_calls = None
            xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment)])
        return body

    return traced_app


with p1_retail.start_shop(DATABASE_URL, wrap=xray_middleware) as shop:
    for path in ("/api/products/RS-10001", "/api/products/NO-SUCH-SKU", "/health"):
        status, headers, seconds = get(shop.url + path)
        print(status, path, headers.get("X-Amzn-Trace-Id"), f"{seconds * 1000:.1f} ms")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "xray_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def traced_call(shop_url: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    status, response_headers, _ = get(shop_url + path, headers)
    header = response_headers.get("X-Amzn-Trace-Id", "")
    expect(header, f"GET {path}: the response has no X-Amzn-Trace-Id header")
    root = dict(p.split("=", 1) for p in header.split(";") if "=" in p).get("Root", "")
    expect(TRACE_ID.match(root), f"GET {path}: {root!r} is not an X-Ray trace id (1-8hex-24hex)")
    return status, root


with p1_retail.start_shop(DATABASE_URL, wrap=xray_middleware) as traced_shop:
    ok_status, ok_trace = traced_call(traced_shop.url, "/api/products/RS-10002")
    missing_status, missing_trace = traced_call(traced_shop.url, "/api/products/NOT-A-SKU")
    given = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    _, kept_trace = traced_call(
        traced_shop.url,
        "/health",
        {"X-Amzn-Trace-Id": f"Root={given};Parent=53995c3f42cd8ad8;Sampled=1"},
    )
expect(
    ok_status == 200 and missing_status == 404, f"the shop answered {ok_status}/{missing_status}"
)
traces = {t["Id"]: t for t in xray.batch_get_traces(TraceIds=[ok_trace, missing_trace])["Traces"]}
expect(ok_trace in traces, f"X-Ray has no trace {ok_trace} for GET /api/products/RS-10002")
print("the middleware traces requests")

### BEGIN HIDDEN TESTS
expect(kept_trace == given, f"the incoming trace id {given} was not kept (got {kept_trace})")
wanted = {
    ok_trace: ("/api/products/RS-10002", 200),
    missing_trace: ("/api/products/NOT-A-SKU", 404),
    given: ("/health", 200),
}
found = {t["Id"]: t for t in xray.batch_get_traces(TraceIds=list(wanted))["Traces"]}
for trace_id, (path, status) in wanted.items():
    expect(trace_id in found, f"X-Ray has no trace {trace_id} for GET {path}")
    documents = [json.loads(s["Document"]) for s in found[trace_id]["Segments"]]
    mine = [d for d in documents if d.get("name") == names["xray_service"]]
    expect(
        len(mine) == 1,
        f"trace {trace_id}: expected one segment named {names['xray_service']}, found {len(mine)}",
    )
    doc = mine[0]
    expect(
        re.fullmatch(r"[0-9a-f]{16}", str(doc.get("id", ""))),
        f"trace {trace_id}: segment id {doc.get('id')!r} is not 16 hex digits",
    )
    expect(doc.get("trace_id") == trace_id, f"segment trace_id {doc.get('trace_id')} != {trace_id}")
    start, end = doc.get("start_time"), doc.get("end_time")
    expect(
        isinstance(start, (int, float)) and isinstance(end, (int, float)) and 0 <= end - start < 30,
        f"GET {path}: start/end times {start}/{end} are not epoch seconds of one request",
    )
    expect(abs(time.time() - end) < 600, f"GET {path}: end_time {end} is not now")
    http = doc.get("http", {})
    expect(
        http.get("request", {}).get("method") == "GET",
        f"GET {path}: http.request.method is {http.get('request', {}).get('method')}",
    )
    expect(
        str(http.get("request", {}).get("url", "")).split("?")[0].endswith(path),
        f"GET {path}: http.request.url is {http.get('request', {}).get('url')}",
    )
    expect(
        http.get("response", {}).get("status") == status,
        f"GET {path}: http.response.status is {http.get('response', {}).get('status')}, the shop answered {status}",
    )
    expect(
        bool(doc.get("error")) == (400 <= status < 500),
        f"GET {path}: error flag {doc.get('error')} for status {status}",
    )
    expect(not doc.get("fault"), f"GET {path}: fault set on a {status}")
    subsegments = doc.get("subsegments", [])
    databases = [s for s in subsegments if s.get("namespace") == "remote" and "sql" in s]
    expect(databases, f"GET {path}: no database subsegment (namespace remote, with sql)")
    for sub in databases:
        expect(
            start - 0.01 <= sub.get("start_time", 0) <= sub.get("end_time", 0) <= end + 0.01,
            f"GET {path}: the database subsegment is not inside its segment",
        )
        expect(
            re.fullmatch(r"[0-9a-f]{16}", str(sub.get("id", ""))),
            f"GET {path}: subsegment id {sub.get('id')!r}",
        )
    password = DATABASE_URL.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    expect(
        password not in json.dumps(doc),
        f"GET {path}: the trace contains the database password; strip it from sql.url",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · An alarm on the API's p95 latency (2 points)
#
# The business target of the migration is an **API p95 under 200 ms**. The shop will publish
# the latency of every API request (task 5) to the custom metric `names["latency_metric"]` in the
# namespace `names["metric_namespace"]`, in milliseconds, with the dimension
# `Service=names["service_dimension"]`.
#
# Create the alarm `names["latency_alarm"]` on that metric (same dimension):
#
# - `ExtendedStatistic="p95"` (an average hides the slow tail customers feel), `Period=60`;
# - `EvaluationPeriods=5`, `DatapointsToAlarm=3`: **3 breaching minutes out of 5**, so one slow
#   minute does not page anyone at night, but a real degradation pages within minutes;
# - `Threshold=200`, `ComparisonOperator="GreaterThanThreshold"`;
# - `TreatMissingData="notBreaching"` (no traffic is not an outage: the health check alarms on
#   that);
# - `AlarmActions` **and** `OKActions`: the on-call topic `names["oncall_topic_arn"]`, so on-call
#   also hears when it is over.
#
# `put_metric_alarm` creates or replaces.

# %% nbgrader={"grade": false, "grade_id": "alarm_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
LATENCY_DIMENSIONS = [{"Name": "Service", "Value": names["service_dimension"]}]
cloudwatch.put_metric_alarm(
    AlarmName=names["latency_alarm"],
    AlarmDescription="API p95 latency above 200 ms for 3 of 5 minutes: see the runbook p1-api-latency",
    Namespace=names["metric_namespace"],
    MetricName=names["latency_metric"],
    Dimensions=LATENCY_DIMENSIONS,
    ExtendedStatistic="p95",
    Period=60,
    EvaluationPeriods=5,
    DatapointsToAlarm=3,
    Threshold=200,
    ComparisonOperator="GreaterThanThreshold",
    TreatMissingData="notBreaching",
    Unit="Milliseconds",
    AlarmActions=[names["oncall_topic_arn"]],
    OKActions=[names["oncall_topic_arn"]],
)
print(
    cloudwatch.describe_alarms(AlarmNames=[names["latency_alarm"]])["MetricAlarms"][0]["StateValue"]
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alarm_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
alarms = cloudwatch.describe_alarms(AlarmNames=[names["latency_alarm"]])["MetricAlarms"]
expect(alarms, f"no alarm named {names['latency_alarm']!r}")
alarm = alarms[0]
expect(
    (alarm.get("Namespace"), alarm.get("MetricName"))
    == (names["metric_namespace"], names["latency_metric"]),
    f"the alarm watches {alarm.get('Namespace')}/{alarm.get('MetricName')}",
)
expect(
    alarm.get("ExtendedStatistic") == "p95",
    f"the alarm uses {alarm.get('ExtendedStatistic') or alarm.get('Statistic')}, expected p95",
)
expect(
    names["oncall_topic_arn"] in alarm.get("AlarmActions", []),
    "the alarm does not notify the on-call topic",
)
print("p95 alarm configured")

### BEGIN HIDDEN TESTS
for key, want in (
    ("Period", 60),
    ("EvaluationPeriods", 5),
    ("DatapointsToAlarm", 3),
    ("Threshold", 200.0),
    ("ComparisonOperator", "GreaterThanThreshold"),
    ("TreatMissingData", "notBreaching"),
):
    expect(
        alarm.get(key) == want,
        f"alarm {names['latency_alarm']}: {key} is {alarm.get(key)!r}, expected {want!r}",
    )
dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
expect(
    dims == {"Service": names["service_dimension"]},
    f"the alarm's dimensions are {dims}, expected Service={names['service_dimension']}",
)
expect(
    names["oncall_topic_arn"] in alarm.get("OKActions", []),
    "on-call should also hear when it is over: add OKActions",
)
expect(alarm.get("ActionsEnabled", True), "the alarm's actions are disabled")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · The incident drill (3 points)
#
# An alarm nobody has seen fire is a hope, not a control. Prove it with the real application:
#
# 1. Start the shop on the RDS database (`p1_retail.start_shop(DATABASE_URL, ...)`; keep your
#    X-Ray middleware on if you like).
# 2. **Normal traffic.** For about 3 seconds (2-3 alarm periods at this lab's speed), send bursts
#    of API requests (e.g. 30 `GET /api/products/<sku>` over 6 threads with a
#    `ThreadPoolExecutor`), measure each request's latency in **milliseconds**, and after each
#    burst publish the values with `put_metric_data` (`Values=[...]`, at most 150 per datum,
#    `Unit="Milliseconds"`, the `Service` dimension). The p95 of this phase is the migration's
#    headline figure: record it with
#    `lab.portfolio.record_measurement("api_p95", p95, "ms", target="<200", project="p1", source=...)`.
# 3. **Incident.** A long-running migration job locks the `products` table. In a separate
#    `psycopg` connection, run `LOCK TABLE products IN ACCESS EXCLUSIVE MODE` in a transaction,
#    keep it about 0.4 s while a burst runs, then commit (which releases the lock); repeat, and
#    publish the latencies (the requests that waited for the lock took hundreds of ms) until
#    the alarm's `StateValue` is `ALARM` (give up after ~20 s).
# 4. **Recovery.** Normal bursts again, published, until the alarm is back to `OK`.
# 5. Plot the latencies over time (a `matplotlib.figure.Figure`, p95 per burst, the 200 ms
#    threshold as a line, the ALARM period shaded) and save it with
#    `lab.portfolio.add_figure(names["latency_figure"], fig)`.
#
# The emulator evaluates the alarm every "minute" (1.2 s here) over the data you published and
# sends the notifications to the on-call topic: look at `oncall_messages()` afterwards.

# %% nbgrader={"grade": false, "grade_id": "drill_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from matplotlib.figure import Figure

SKUS = [f"RS-{10001 + i}" for i in range(400)]
drill_log: list[dict] = []  # one entry per burst: phase, time, latencies


def alarm_state() -> str:
    return cloudwatch.describe_alarms(AlarmNames=[names["latency_alarm"]])["MetricAlarms"][0][
        "StateValue"
    ]


def burst(base_url: str, count: int = 30, workers: int = 6) -> list[float]:
    paths = [f"/api/products/{secrets.choice(SKUS)}" for _ in range(count)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda p: get(base_url + p), paths))
    return [seconds * 1000 for _, _, seconds in results]


def publish(latencies_ms: list[float]) -> None:
    for i in range(0, len(latencies_ms), 150):
        cloudwatch.put_metric_data(
            Namespace=names["metric_namespace"],
            MetricData=[
                {
                    "MetricName": names["latency_metric"],
                    "Dimensions": LATENCY_DIMENSIONS,
                    "Values": latencies_ms[i : i + 150],
                    "Unit": "Milliseconds",
                }
            ],
        )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def run_phase(base_url: str, phase: str, until, limit_s: float, locked: bool = False) -> None:
    started = time.time()
    while time.time() - started < limit_s:
        if locked:
            with psycopg.connect(DATABASE_URL) as blocker:
                blocker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
                with ThreadPoolExecutor(max_workers=1) as runner:
                    pending = runner.submit(burst, base_url)
                    time.sleep(0.4)
                    blocker.commit()
                    latencies = pending.result()
        else:
            latencies = burst(base_url)
        publish(latencies)
        drill_log.append({"phase": phase, "t": time.time(), "ms": latencies})
        if until():
            return
        time.sleep(0.1)  # bursts, not a flood: a few hundred requests per alarm minute


drill_started = time.time()
with p1_retail.start_shop(DATABASE_URL) as drill_shop:
    run_phase(drill_shop.url, "normal", lambda: False, 3.0)
    normal_p95 = p95([ms for b in drill_log if b["phase"] == "normal" for ms in b["ms"]])
    run_phase(drill_shop.url, "incident", lambda: alarm_state() == "ALARM", 20.0, locked=True)
    alarm_seen_at = time.time()
    run_phase(drill_shop.url, "recovery", lambda: alarm_state() == "OK", 20.0)
    served = drill_shop.requests_served
print(f"normal p95 {normal_p95:.1f} ms, {served} requests, final state {alarm_state()}")
lab.portfolio.record_measurement(
    "api_p95",
    round(normal_p95, 2),
    "ms",
    target="<200",
    project="p1",
    source=f"incident drill, normal phase, {served} requests to the shop on RDS PostgreSQL",
)

fig = Figure(figsize=(8, 4))
ax = fig.add_subplot()
colors = {"normal": "tab:green", "incident": "tab:red", "recovery": "tab:blue"}
for phase, color in colors.items():
    points = [(b["t"] - drill_started, p95(b["ms"])) for b in drill_log if b["phase"] == phase]
    if points:
        ax.plot(*zip(*points, strict=True), "o-", color=color, label=f"{phase} (p95 per burst)")
ax.axhline(200, color="black", linestyle="--", label="alarm threshold 200 ms")
ax.axvspan(
    alarm_seen_at - drill_started, drill_log[-1]["t"] - drill_started, color="tab:red", alpha=0.1
)
ax.set_xlabel("seconds since the drill started (1.2 s = one alarm minute)")
ax.set_ylabel("API latency p95 (ms)")
ax.set_title(f"Incident drill: {names['latency_alarm']}")
ax.legend(loc="upper right")
lab.portfolio.add_figure(names["latency_figure"], fig)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "drill_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
history = alarm_history(names["latency_alarm"])
states = [json.loads(h["HistoryData"])["newState"]["stateValue"] for h in history]
if "ALARM" not in states:
    published = cloudwatch.get_metric_statistics(
        Namespace=names["metric_namespace"],
        MetricName=names["latency_metric"],
        Dimensions=[{"Name": "Service", "Value": names["service_dimension"]}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=3600,
        Statistics=["SampleCount", "Maximum"],
    )["Datapoints"]
    expect(
        published,
        f"the alarm {names['latency_alarm']} never went to ALARM (states: {states}), and no "
        f"latencies were published to {names['metric_namespace']}/{names['latency_metric']} "
        f"with Service={names['service_dimension']} in the last hour",
    )
    expect(
        False,
        f"the alarm {names['latency_alarm']} never went to ALARM (states: {states}): of the "
        f"{sum(d['SampleCount'] for d in published):.0f} latencies published, the highest is "
        f"{max(d['Maximum'] for d in published):.4g}; publish milliseconds, and keep publishing "
        "incident bursts (the lock held while they run) until 3 of 5 periods breach 200 ms",
    )
expect(
    "OK" in states[states.index("ALARM") + 1 :],
    f"the alarm did not come back to OK after ALARM (states: {states})",
)
measurement = lab.portfolio.path("measurements", "p1_api_p95.json")
expect(measurement.is_file(), "no api_p95 measurement (project p1) in the portfolio")
print("the alarm fired and recovered; states:", states)

### BEGIN HIDDEN TESTS
recorded = json.loads(measurement.read_text())
expect(recorded.get("unit") == "ms", f"api_p95 is in {recorded.get('unit')!r}, expected ms")
expect(
    0 < float(recorded.get("value", 0)) < 200,
    f"api_p95 {recorded.get('value')} ms: the normal phase should be well under 200 ms",
)
window = datetime.now(UTC) - timedelta(hours=1)
stats = cloudwatch.get_metric_statistics(
    Namespace=names["metric_namespace"],
    MetricName=names["latency_metric"],
    Dimensions=[{"Name": "Service", "Value": names["service_dimension"]}],
    StartTime=window,
    EndTime=datetime.now(UTC) + timedelta(minutes=5),
    Period=3600,
    Statistics=["SampleCount", "Maximum", "Minimum"],
)["Datapoints"]
samples = sum(d["SampleCount"] for d in stats)
expect(samples >= 200, f"only {samples:.0f} latencies were published; run real bursts of requests")
expect(
    max(d["Maximum"] for d in stats) > 200,
    "no published latency is above 200 ms: the incident phase was not measured",
)
expect(min(d["Minimum"] for d in stats) < 100, "no published latency is a normal one (< 100 ms)")
deadline = time.time() + 10  # notifications are sent just after the state changes
while True:
    ours = [m for m in oncall_messages() if m.get("AlarmName") == names["latency_alarm"]]
    if {"ALARM", "OK"} <= {m.get("NewStateValue") for m in ours} or time.time() > deadline:
        break
    time.sleep(0.5)
expect(
    any(m.get("NewStateValue") == "ALARM" for m in ours),
    "the on-call inbox never received the ALARM notification",
)
expect(
    any(m.get("NewStateValue") == "OK" for m in ours),
    "the on-call inbox never received the OK notification",
)
figure = lab.portfolio.path("figures", names["latency_figure"] + ".png")
expect(
    figure.is_file() and figure.stat().st_size > 5000,
    f"no drill figure {names['latency_figure']}.png in the portfolio",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The operations dashboard (2 points)
#
# Create the dashboard `names["dashboard"]` with `put_dashboard(DashboardName, DashboardBody=
# json.dumps(body))`. The body is `{"widgets": [...]}`; a metric widget is
# `{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {"title": ...,
# "region": REGION, "view": "timeSeries", "metrics": [[namespace, metric, dim name, dim value,
# ..., {"stat": ...}]]}}`. Write every metric row in full (no `"."` / `"..."` shorthand). Widgets:
#
# | widget | namespace / metric | dimensions | stat |
# |---|---|---|---|
# | ALB latency | `AWS/ApplicationELB` `TargetResponseTime` | `LoadBalancer` = `names["alb_dimension"]` | `p95` |
# | ALB errors | `AWS/ApplicationELB` `HTTPCode_Target_5XX_Count` (and `HTTPCode_ELB_5XX_Count`) | `LoadBalancer` | `Sum` |
# | ECS CPU | `AWS/ECS` `CPUUtilization` | `ClusterName` = `names["ecs_cluster"]`, `ServiceName` = `names["ecs_service"]` | `Average` |
# | RDS connections | `AWS/RDS` `DatabaseConnections` | `DBInstanceIdentifier` = `names["db_instance"]` | `Maximum` |
# | WAF blocked | `AWS/WAFV2` `BlockedRequests` | `WebACL` = `names["web_acl"]`, `Region` = `REGION`, `Rule` = `ALL` | `Sum` |
# | API p95 | your `names["metric_namespace"]` / `names["latency_metric"]` | `Service` | `p95` |
#
# Add an **alarm widget** too (`"type": "alarm"`, `"properties": {"alarms": [<alarm ARN>]}`) so
# the alarm's state is the first thing on-call sees.

# %% nbgrader={"grade": false, "grade_id": "dashboard_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
alarm_arn = cloudwatch.describe_alarms(AlarmNames=[names["latency_alarm"]])["MetricAlarms"][0][
    "AlarmArn"
]
ALB = ["LoadBalancer", names["alb_dimension"]]


def metric_widget(x: int, y: int, title: str, metrics: list[list]) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": REGION,
            "view": "timeSeries",
            "period": 60,
            "metrics": metrics,
        },
    }


dashboard_body = {
    "widgets": [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 3,
            "properties": {"title": "Paging alarms", "alarms": [alarm_arn]},
        },
        metric_widget(
            0,
            3,
            "API latency p95 (ms)",
            [
                [
                    names["metric_namespace"],
                    names["latency_metric"],
                    "Service",
                    names["service_dimension"],
                    {"stat": "p95"},
                ]
            ],
        ),
        metric_widget(
            12,
            3,
            "ALB target response time p95 (s)",
            [["AWS/ApplicationELB", "TargetResponseTime", *ALB, {"stat": "p95"}]],
        ),
        metric_widget(
            0,
            9,
            "5xx errors",
            [
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *ALB, {"stat": "Sum"}],
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *ALB, {"stat": "Sum"}],
            ],
        ),
        metric_widget(
            12,
            9,
            "ECS service CPU (%)",
            [
                [
                    "AWS/ECS",
                    "CPUUtilization",
                    "ClusterName",
                    names["ecs_cluster"],
                    "ServiceName",
                    names["ecs_service"],
                    {"stat": "Average"},
                ]
            ],
        ),
        metric_widget(
            0,
            15,
            "RDS connections",
            [
                [
                    "AWS/RDS",
                    "DatabaseConnections",
                    "DBInstanceIdentifier",
                    names["db_instance"],
                    {"stat": "Maximum"},
                ]
            ],
        ),
        metric_widget(
            12,
            15,
            "WAF blocked requests",
            [
                [
                    "AWS/WAFV2",
                    "BlockedRequests",
                    "WebACL",
                    names["web_acl"],
                    "Region",
                    REGION,
                    "Rule",
                    "ALL",
                    {"stat": "Sum"},
                ]
            ],
        ),
    ]
}
cloudwatch.put_dashboard(DashboardName=names["dashboard"], DashboardBody=json.dumps(dashboard_body))
print(len(dashboard_body["widgets"]), "widgets")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "dashboard_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def dashboard_metrics(body: dict) -> list[tuple[str, str, dict, str]]:
    """(namespace, metric, dimensions, stat) of every metric row of every widget."""
    rows = []
    for widget in body.get("widgets", []):
        for row in (
            widget.get("properties", {}).get("metrics", [])
            if widget.get("type") == "metric"
            else []
        ):
            options = row[-1] if row and isinstance(row[-1], dict) else {}
            parts = [p for p in row if not isinstance(p, dict)]
            if len(parts) < 2 or len(parts) % 2:
                continue
            dims = dict(zip(parts[2::2], parts[3::2], strict=True))
            stat = options.get("stat") or widget["properties"].get("stat", "Average")
            rows.append((parts[0], parts[1], dims, stat))
    return rows


try:
    dashboard = json.loads(
        cloudwatch.get_dashboard(DashboardName=names["dashboard"])["DashboardBody"]
    )
except cloudwatch.exceptions.ResourceNotFound:
    dashboard = None
expect(dashboard, f"no dashboard named {names['dashboard']!r}")
shown = dashboard_metrics(dashboard)
expect(
    any(ns == "AWS/ApplicationELB" and m == "TargetResponseTime" for ns, m, _, _ in shown),
    "the dashboard shows no ALB TargetResponseTime",
)
print(len(shown), "metric rows on the dashboard")


### BEGIN HIDDEN TESTS
def shows(namespace: str, metric: str, dims: dict, stats: set[str]) -> bool:
    return any(
        ns == namespace and m == metric and d == dims and s in stats for ns, m, d, s in shown
    )


alb_dims = {"LoadBalancer": names["alb_dimension"]}
for namespace, metric, dims, stats in (
    ("AWS/ApplicationELB", "TargetResponseTime", alb_dims, {"p95"}),
    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb_dims, {"Sum"}),
    (
        "AWS/ECS",
        "CPUUtilization",
        {"ClusterName": names["ecs_cluster"], "ServiceName": names["ecs_service"]},
        {"Average", "Maximum"},
    ),
    (
        "AWS/RDS",
        "DatabaseConnections",
        {"DBInstanceIdentifier": names["db_instance"]},
        {"Maximum", "Average"},
    ),
    (
        "AWS/WAFV2",
        "BlockedRequests",
        {"WebACL": names["web_acl"], "Region": REGION, "Rule": "ALL"},
        {"Sum"},
    ),
    (
        names["metric_namespace"],
        names["latency_metric"],
        {"Service": names["service_dimension"]},
        {"p95"},
    ),
):
    expect(
        shows(namespace, metric, dims, stats),
        f"the dashboard lacks {namespace} {metric} {dims} with stat {sorted(stats)}",
    )
the_alarm = cloudwatch.describe_alarms(AlarmNames=[names["latency_alarm"]])["MetricAlarms"]
alarm_widgets = [w for w in dashboard["widgets"] if w.get("type") == "alarm"]
expect(
    the_alarm
    and any(
        the_alarm[0]["AlarmArn"] in w.get("properties", {}).get("alarms", []) for w in alarm_widgets
    ),
    "no alarm widget shows the p95 alarm",
)
for w in dashboard["widgets"]:
    expect(
        all(k in w for k in ("x", "y", "width", "height")),
        f"widget {w.get('properties', {}).get('title')} has no position/size",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Runbook and security controls in your portfolio (2 points)
#
# The curriculum asks for a **monitoring runbook** and a **security assessment**. Write both from
# what you built and measured (read the values from AWS and from your drill, don't type them):
#
# 1. `lab.portfolio.write_document("runbook", names["runbook"], markdown)`: what on-call does when
#    `names["latency_alarm"]` fires. Sections **Purpose**, **Prerequisites**, **Procedure**,
#    **Verification**, **Rollback**, **Escalation**. Name the alarm, the dashboard, the on-call
#    topic's ARN, how to find the slow requests in X-Ray, and the p95 you measured in the drill
#    (the `api_p95` value you recorded, rounded to the millisecond or finer).
# 2. `lab.portfolio.write_document("compliance", names["compliance_doc"], markdown)`: sections
#    **Framework** (e.g. the AWS Well-Architected security pillar, PCI DSS for a shop taking
#    cards), **Controls** (the web ACL's ARN and its rules, the Config rules by name), **Evidence**
#    (what proves each control: the association, the recorder status, the alarm history) and
#    **Gaps** (what is still missing: e.g. Shield Advanced, GuardDuty, Security Hub, WAF logging).

# %% nbgrader={"grade": false, "grade_id": "docs_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
acl_now = shop_web_acl()
transitions = [
    (h["Timestamp"].strftime("%H:%M:%S"), json.loads(h["HistoryData"])["newState"]["stateValue"])
    for h in alarm_history(names["latency_alarm"])
]
runbook = f"""# Runbook: API p95 latency alarm

## Purpose
Restore the shop's API latency when the alarm `{names["latency_alarm"]}` (p95 of
`{names["metric_namespace"]}/{names["latency_metric"]}` above 200 ms for 3 of 5 minutes) fires.
Normal p95 measured in the incident drill: **{normal_p95:.1f} ms** ({served} requests).

## Prerequisites
- Subscribed to the on-call topic `{names["oncall_topic_arn"]}` (ALARM and OK notifications).
- Read access to the CloudWatch dashboard `{names["dashboard"]}`, X-Ray and RDS
  `{names["db_instance"]}`; database credentials from the secret store.

## Procedure
1. Open the dashboard `{names["dashboard"]}`: is the ALB p95 up too? Are 5xx errors rising, is
   WAF blocking a flood (rate rule `{names["rate_rule"]}`)?
2. X-Ray: `get_trace_summaries` for the last 15 minutes filtered on `responsetime > 0.2`, open
   the slowest traces: is the time in the `postgres` subsegments or in the application?
3. Database time: in RDS, `SELECT pid, state, wait_event_type, query FROM pg_stat_activity
   WHERE wait_event_type = 'Lock'` shows blocked queries; find the blocker with
   `pg_blocking_pids(pid)`.
4. A migration or batch job holding a lock (the drill's scenario): stop it
   (`SELECT pg_cancel_backend(<pid>)`), reschedule it outside shop hours.
5. Application time: check ECS CPU on the dashboard; scale the service out if CPU is high.

## Verification
The alarm returns to OK (on-call receives the OK notification); the dashboard's API p95 is back
under 200 ms. Drill transitions: {", ".join(f"{t} {s}" for t, s in transitions)}.

## Rollback
Undo what you changed: restart the cancelled job in the maintenance window, scale the service
back to its target-tracking range, remove temporary WAF blocks.

## Escalation
After 15 minutes in ALARM: the database on-call (RDS), then the platform lead; customer-facing
errors (5xx) at the same time: open an incident and inform the business duty manager.
"""
lab.portfolio.write_document("runbook", names["runbook"], runbook)

rule_lines = "\n".join(
    f"  - `{r['Name']}` (priority {r['Priority']})"
    for r in sorted(acl_now["Rules"], key=lambda r: r["Priority"])
)
config_lines = "\n".join(f"  - `{name}` ({ident})" for name, ident in CONFIG_RULES.items())
recording = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
compliance = f"""# Security controls of the migrated shop (week 6)

## Framework
AWS Well-Architected Framework, security pillar (SEC 5 network protection, SEC 4 detection),
and the PCI DSS requirements that apply to a shop taking card payments (6.4 web application
firewall, 10 logging and monitoring, 3 protection of stored data).

## Controls
- Web ACL `{acl_now["ARN"]}` on the load balancer `{names["alb"]}`:
{rule_lines}
- AWS Config recorder `{names["config_recorder"]}` (all resources, including global ones) with
  the managed rules:
{config_lines}
- Alarm `{names["latency_alarm"]}` on the API p95, notifying `{names["oncall_topic_arn"]}`;
  X-Ray tracing from the application (service `{names["xray_service"]}`).

## Evidence
- `get_web_acl_for_resource` on the ALB returns `{acl_now["Name"]}`.
- Config recorder status: recording = {recording.get("recording")}, delivery to
  `s3://{names["config_bucket"]}`.
- Incident drill: the alarm went {" -> ".join(s for _, s in transitions)}; notifications
  reached the on-call inbox; api_p95 = {normal_p95:.1f} ms in normal operation.

## Gaps
- WAF logging to S3/Firehose is not configured yet; no Shield Advanced for DDoS response.
- GuardDuty and Security Hub are not enabled; Config rules are not yet aggregated to the
  security account.
- The rate limit (2000 per 5 minutes per IP) is a first guess: tune it from the WAF metrics.
"""
lab.portfolio.write_document("compliance", names["compliance_doc"], compliance)
print(lab.portfolio.path("documents"))
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "docs_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def sections_of(kind: str, name: str, wanted: tuple[str, ...]) -> str:
    path = lab.portfolio.path("documents", kind, name + ".md")
    expect(path.is_file(), f"no {kind} document at {path}")
    text = path.read_text()
    headings = [
        line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")
    ]
    for section in wanted:
        expect(
            any(section.lower() in h for h in headings),
            f"the {kind} document has no {section!r} heading",
        )
    return text


runbook_text = sections_of(
    "runbook",
    names["runbook"],
    ("Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"),
)
compliance_text = sections_of(
    "compliance", names["compliance_doc"], ("Framework", "Controls", "Evidence", "Gaps")
)
print("runbook and compliance documents with their sections")

### BEGIN HIDDEN TESTS
expect(names["latency_alarm"] in runbook_text, "the runbook does not name the alarm")
expect(names["dashboard"] in runbook_text, "the runbook does not name the dashboard")
expect(
    names["oncall_topic_arn"] in runbook_text, "the runbook does not name the on-call topic's ARN"
)
expect(
    "x-ray" in runbook_text.lower() or "trace" in runbook_text.lower(),
    "the runbook does not say how to use the traces",
)
measured = json.loads(lab.portfolio.path("measurements", "p1_api_p95.json").read_text())["value"]
numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", runbook_text)}
expect(
    any(abs(n - measured) <= 0.5 for n in numbers),
    f"the runbook does not state the measured p95 ({measured:.1f} ms, the api_p95 measurement)",
)
expect(
    shop_web_acl()["ARN"] in compliance_text,
    "the compliance document does not name the web ACL's ARN",
)
for rule_name in CONFIG_RULES:
    expect(
        rule_name in compliance_text,
        f"the compliance document does not list the Config rule {rule_name}",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The shop now has a firewall with AWS-maintained rules, a recorder that notices configuration
# drift, traces that show where a request spends its time, and an alarm you have seen fire and
# clear on real traffic, with a runbook for whoever is on call.
#
# Questions for your go-live review:
#
# 1. The rate rule blocks at 2000 requests per 5 minutes per IP. What happens to customers behind
#    one corporate NAT on Black Friday? How would you use the WAF metrics (`Count` mode first) to
#    pick the limit?
# 2. Your middleware calls `put_trace_segments` inside the request. What does that cost at
#    10x traffic, and what do sampling rules and the X-Ray daemon change?
# 3. `DatapointsToAlarm=3` of 5: how long, at the earliest, after a real degradation starts does
#    on-call get paged? Is that acceptable against the 99.9 % availability target?
