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
# # Project 4 · Week 15 · Day 11-13: Automated Failover Orchestration
#
# ## The scenario
#
# The trading platform's DR plan promises a **15-minute RTO** and **zero RPO** between
# us-east-1 (primary) and us-west-2 (DR). DNS already follows the regions' health (Day 8-10).
# But moving traders' terminals to us-west-2 is useless while us-west-2's **Aurora cluster is a
# read-only secondary** and its **Auto Scaling group has no instances**. Done by hand at 3 a.m.
# from a wiki page, those steps take longer than 15 minutes, and the one that is forgotten is
# the one that hurts.
#
# You will write the **failover orchestrator**: a Lambda function in us-west-2 that
#
# 1. promotes the Aurora secondary `trading-platform-dr` to the global cluster's writer,
# 2. scales the DR Auto Scaling group to 6 instances (min 3, max 12),
# 3. points the `active.trading-platform.example` record (which the trading clients read to
#    find the active region) at us-west-2,
# 4. tells people: a message on the DR notifications topic,
#
# and runs **safely twice**. Then you let a CloudWatch alarm on the primary's health start it,
# with no human in the loop, and measure how long that takes.
#
# What the earlier labs built is already in the account (the setup cell prints it): the Aurora
# global cluster `trading-platform-global` (writer in us-east-1, secondary in us-west-2), the
# DR group `trading-platform-dr-asg` at zero, the hosted zone with the `active` record, and the
# SNS topic `trading-platform-dr-notifications` in us-west-2. You work against an **emulated AWS
# account** with plain `boto3`; its Lambda really runs your code, its alarms really evaluate
# the data you publish, and its global cluster really changes writer (after a delay, as on AWS).
#
# **Estimated time: 4-5 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | The orchestrator's execution role, least privilege | IAM | 2 |
# | 2 | An audit queue subscribed to the DR notifications topic | SNS, SQS | 2 |
# | 3 | The orchestrator: code, zip, function with its configuration | Lambda | 3 |
# | 4 | A planned DR activation: invoke it twice, read its answers and logs | Lambda, RDS, Auto Scaling, Route 53, CloudWatch Logs | 3 |
# | 5 | Roll back, then let an alarm fail over without a human | RDS, CloudWatch, SNS, Lambda | 4 |
# | 6 | The orchestrator's code and its runbook in your portfolio | (portfolio) | 2 |
#
# By the end you should be able to:
#
# - write a Lambda orchestrator whose every step is idempotent, and explain why DR automation
#   must be (alarms re-fire, SNS redelivers, operators press the button twice);
# - choose between an Aurora global **switchover** (planned, no data loss, needs a healthy
#   primary) and a **failover with `AllowDataLoss`** (unplanned), and justify it against RPO 0;
# - give a function least-privilege permissions, configuration through environment variables, a
#   timeout, and read what it did from its return value and CloudWatch Logs;
# - wire a CloudWatch alarm to a Lambda function through SNS and measure the detection and
#   recovery time that alarm adds to the RTO.
#
# ## How this notebook works
#
# - Run the **setup** cell first. It connects to the emulator, sets its **time scale**
#   (`TIME_SCALE` = 0.025: a 60 s alarm period lasts 1.5 s here, a global failover under 1 s) and
#   prints the seeded resources.
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see: it invokes your function itself, fails the database back and fires your alarm.
# - Write cells so they can be **run again**: look a resource up before you create it.
# - Use the names in `names` (from this lab's `lab.yaml`): the checks look resources up by them.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top (the setup cell seeds the starting state again).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import ast
import io
import json
import time
import zipfile

from botocore.exceptions import ClientError

import labkit
from labkit.checks import as_list, expect, statements

lab = labkit.start_lab("p4_w15_orchestrator")
names = lab.names
TIME_SCALE = lab.manifest.time_scale or 1.0
PRIMARY_REGION, DR_REGION = names["primary_region"], names["dr_region"]
ACCOUNT_ID = lab.account_id
PRIMARY_ARN, DR_ARN = names["primary_cluster_arn"], names["dr_cluster_arn"]
ZONE_ID, TOPIC_ARN = names["zone_id"], names["notifications_topic_arn"]
ACTIVE_RECORD = names["active_record"].rstrip(".") + "."

iam = lab.client("iam")
rds_east, rds_west = lab.client("rds", PRIMARY_REGION), lab.client("rds", DR_REGION)
autoscaling = lab.client("autoscaling", DR_REGION)
route53 = lab.client("route53")
sns = lab.client("sns", DR_REGION)
sqs = lab.client("sqs", DR_REGION)
lam = lab.client("lambda", DR_REGION)
logs = lab.client("logs", DR_REGION)
cloudwatch = lab.client("cloudwatch", DR_REGION)

print(lab)
print(f"time scale {TIME_SCALE}: a 60 s alarm period lasts {60 * TIME_SCALE:.1f} s here")
for key in ("primary_cluster_arn", "dr_cluster_arn", "zone_id", "notifications_topic_arn"):
    print(f"{key:24} {names[key]}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The next cell defines **read-only helpers** for you and the checks: `global_cluster()` (the
# global cluster as RDS describes it), `writer_arn()` (the writer's ARN, `None` while a switch
# is under way), `wait_for(check, timeout, what)`, `dr_group()`, `active_region()` (what DNS
# answers for the `active` record), `notifications()` (receives, unwraps and deletes the
# messages waiting on the audit queue of task 2), `function_log()` (the orchestrator's
# CloudWatch Logs lines), `failover_events()` (RDS's global-failover events) and `alarm_state()`.
# `publish_health(value, until, timeout)` plays the **synthetic canary** in us-west-2 that
# probes us-east-1 and publishes `TradingPlatform/DR PrimaryHealthy` (1 up, 0 down) with the
# dimension `Region=us-east-1`: it publishes `value` every 0.3 s until `until()` is true.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def global_cluster() -> dict:
    gid = names["global_cluster"]
    return rds_west.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]


def writer_arn() -> str | None:
    gc = global_cluster()
    if gc.get("FailoverState") or gc.get("Status") != "available":
        return None
    return next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)


def wait_for(check, timeout: float, what: str):
    """Poll ``check`` until it returns something truthy; a failed check after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        expect(time.monotonic() < deadline, f"{what}: not within {timeout:.1f} s")
        time.sleep(0.1)


def dr_group() -> dict:
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[names["dr_asg"]])
    return found["AutoScalingGroups"][0]


def active_region() -> str:
    answer = route53.test_dns_answer(
        HostedZoneId=ZONE_ID, RecordName=ACTIVE_RECORD, RecordType="TXT"
    )
    return ",".join(v.strip('"') for v in answer["RecordData"])


def audit_queue_url() -> str:
    try:
        return sqs.get_queue_url(QueueName=names["audit_queue"])["QueueUrl"]
    except ClientError:
        raise AssertionError(
            f"no SQS queue {names['audit_queue']} in {DR_REGION} yet (task 2)"
        ) from None


def notifications(wait: float = 0.0) -> list[dict]:
    """Messages on the audit queue (SNS envelopes unwrapped, JSON parsed when it is JSON),
    received and deleted; waits up to ``wait`` seconds for the first one."""
    url, found = audit_queue_url(), []
    deadline = time.monotonic() + wait
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for m in got.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            body = m["Body"]
            try:
                doc = json.loads(body)
            except ValueError:
                doc = body
            if isinstance(doc, dict) and doc.get("Type") == "Notification":
                subject, text = doc.get("Subject"), doc.get("Message", "")
                try:
                    doc = json.loads(text)
                except ValueError:
                    doc = {"text": text}
                if isinstance(doc, dict):
                    doc.setdefault("_subject", subject)
            found.append(doc)
        if found and not got.get("Messages") or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def function_log() -> list[str]:
    try:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=f"/aws/lambda/{names['function']}"
        )
        return [e["message"] for page in pages for e in page["events"]]
    except ClientError:
        return []


def failover_events() -> list[dict]:
    found = rds_west.describe_events(SourceType="db-cluster")["Events"]
    return [e for e in found if "global-failover" in e.get("EventCategories", [])]


def alarm_state() -> str | None:
    found = cloudwatch.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"]
    return found[0]["StateValue"] if found else None


def publish_health(value: float, until, timeout: float = 30.0) -> float:
    """Publish PrimaryHealthy=value every 0.3 s until ``until()``; the seconds it took."""
    start = time.monotonic()
    while True:
        cloudwatch.put_metric_data(
            Namespace=names["metric_namespace"],
            MetricData=[
                {
                    "MetricName": names["metric_name"],
                    "Dimensions": [{"Name": "Region", "Value": PRIMARY_REGION}],
                    "Value": value,
                }
            ],
        )
        if until():
            return time.monotonic() - start
        expect(
            time.monotonic() - start < timeout,
            f"publishing {names['metric_name']}={value}: the expected change did not happen "
            f"within {timeout:.0f} s",
        )
        time.sleep(0.3)


def require(*variables: str) -> None:
    """A failed check naming the answer variables that are not defined yet."""
    missing = [v for v in variables if v not in globals()]
    expect(
        not missing,
        f"{', '.join(missing)} not defined: run this task's answer cell (and the earlier ones) "
        "first",
    )


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · The orchestrator's execution role (2 points)
#
# A Lambda function acts with its **execution role**. The orchestrator can change the writer of
# the firm's trading database, so it gets exactly what it needs and nothing else.
#
# Create the role `names["role"]` whose trust policy lets `lambda.amazonaws.com` assume it
# (`sts:AssumeRole`), and attach an **inline** policy `names["role_policy"]`
# (`put_role_policy`) with these statements (all `Allow`):
#
# | actions | resources |
# |---|---|
# | `rds:DescribeGlobalClusters`, `rds:FailoverGlobalCluster`, `rds:SwitchoverGlobalCluster` | the global cluster `arn:aws:rds::<account>:global-cluster:trading-platform-global` and both clusters' ARNs (`PRIMARY_ARN`, `DR_ARN`) |
# | `autoscaling:DescribeAutoScalingGroups` | `*` (describe calls take no resource) |
# | `autoscaling:UpdateAutoScalingGroup` | the DR group's ARN (`dr_group()["AutoScalingGroupARN"]`) |
# | `route53:ChangeResourceRecordSets` | the zone `arn:aws:route53:::hostedzone/<ZONE_ID>` |
# | `sns:Publish` | the notifications topic `TOPIC_ARN` |
# | `logs:CreateLogGroup`, `logs:CreateLogStream`, `logs:PutLogEvents` | `arn:aws:logs:us-west-2:<account>:*` |
#
# No `"*"` actions, no service-wide wildcards such as `rds:*`. (The emulator stores IAM policies
# but does not enforce them: the checks read the policy.) Re-running: `create_role` raises
# `iam.exceptions.EntityAlreadyExistsException`; `put_role_policy` replaces.

# %% nbgrader={"grade": false, "grade_id": "role_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
trust = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
try:
    role_arn = iam.create_role(
        RoleName=names["role"],
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Trading platform DR orchestrator (Lambda, us-west-2)",
    )["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:
    role_arn = iam.get_role(RoleName=names["role"])["Role"]["Arn"]

global_arn = f"arn:aws:rds::{ACCOUNT_ID}:global-cluster:{names['global_cluster']}"
access = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PromoteTheDrCluster",
            "Effect": "Allow",
            "Action": [
                "rds:DescribeGlobalClusters",
                "rds:FailoverGlobalCluster",
                "rds:SwitchoverGlobalCluster",
            ],
            "Resource": [global_arn, PRIMARY_ARN, DR_ARN],
        },
        {
            "Sid": "ReadGroups",
            "Effect": "Allow",
            "Action": "autoscaling:DescribeAutoScalingGroups",
            "Resource": "*",
        },
        {
            "Sid": "ScaleTheDrGroup",
            "Effect": "Allow",
            "Action": "autoscaling:UpdateAutoScalingGroup",
            "Resource": dr_group()["AutoScalingGroupARN"],
        },
        {
            "Sid": "PointDnsAtDr",
            "Effect": "Allow",
            "Action": "route53:ChangeResourceRecordSets",
            "Resource": f"arn:aws:route53:::hostedzone/{ZONE_ID}",
        },
        {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC_ARN},
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{DR_REGION}:{ACCOUNT_ID}:*",
        },
    ],
}
iam.put_role_policy(
    RoleName=names["role"], PolicyName=names["role_policy"], PolicyDocument=json.dumps(access)
)
print(role_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "role_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
try:
    role = iam.get_role(RoleName=names["role"])["Role"]
except iam.exceptions.NoSuchEntityException:
    raise AssertionError(f"no IAM role named {names['role']} yet") from None
trusted = [
    s
    for s in statements(role["AssumeRolePolicyDocument"])
    if s.get("Effect") == "Allow"
    and "lambda.amazonaws.com" in as_list(s.get("Principal", {}).get("Service"))
    and "sts:AssumeRole" in as_list(s.get("Action"))
]
expect(trusted, f"role {names['role']} must trust lambda.amazonaws.com with sts:AssumeRole")
try:
    policy = iam.get_role_policy(RoleName=names["role"], PolicyName=names["role_policy"])
except iam.exceptions.NoSuchEntityException:
    raise AssertionError(
        f"role {names['role']} has no inline policy {names['role_policy']}"
    ) from None
allowed = {}
for s in statements(policy["PolicyDocument"]):
    if s.get("Effect") == "Allow":
        for action in as_list(s.get("Action")):
            allowed.setdefault(action, []).extend(as_list(s.get("Resource")))
for action in allowed:
    expect(
        action != "*" and not action.endswith(":*"),
        f"the policy allows {action}: too broad, name each action the orchestrator calls",
    )
for action in (
    "rds:FailoverGlobalCluster",
    "rds:SwitchoverGlobalCluster",
    "rds:DescribeGlobalClusters",
    "autoscaling:UpdateAutoScalingGroup",
    "route53:ChangeResourceRecordSets",
    "sns:Publish",
    "logs:PutLogEvents",
):
    expect(action in allowed, f"policy {names['role_policy']} does not allow {action}")
print("role and policy look right")

### BEGIN HIDDEN TESTS
global_arn_expected = f"arn:aws:rds::{ACCOUNT_ID}:global-cluster:{names['global_cluster']}"
expect(
    global_arn_expected in allowed["rds:FailoverGlobalCluster"],
    f"rds:FailoverGlobalCluster must be allowed on {global_arn_expected}",
)
expect(
    allowed["autoscaling:UpdateAutoScalingGroup"] == [dr_group()["AutoScalingGroupARN"]],
    "autoscaling:UpdateAutoScalingGroup must be allowed on the DR group's ARN only, not "
    f"{allowed['autoscaling:UpdateAutoScalingGroup']}",
)
expect(
    allowed["route53:ChangeResourceRecordSets"] == [f"arn:aws:route53:::hostedzone/{ZONE_ID}"],
    "route53:ChangeResourceRecordSets must be allowed on the zone only",
)
expect(allowed["sns:Publish"] == [TOPIC_ARN], "sns:Publish must be allowed on the topic only")
for action in ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"):
    expect("*" not in allowed[action], f"{action} on every resource: name the clusters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · An audit queue on the DR notifications topic (2 points)
#
# The notifications topic `TOPIC_ARN` will page people (e-mail, SMS, chat). A regulator will
# also want a durable record of every DR activation, and you want to *check* that a message was
# sent. Create an SQS queue `names["audit_queue"]` in us-west-2 and subscribe it to the topic
# (`Protocol="sqs"`, `Endpoint=` the queue's ARN, from `get_queue_attributes`).
#
# SNS may only deliver to a queue whose **queue policy** allows it: set the queue's `Policy`
# attribute to allow `sqs:SendMessage` to the principal `{"Service": "sns.amazonaws.com"}` on the
# queue's ARN, with a condition `{"ArnEquals": {"aws:SourceArn": TOPIC_ARN}}` so that no other
# topic can write to it. Keep messages for 14 days (`MessageRetentionPeriod` 1209600 s).
#
# Re-running: `create_queue` with the same attributes returns the existing queue; `subscribe`
# with the same endpoint returns the existing subscription.

# %% nbgrader={"grade": false, "grade_id": "queue_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
queue_url = sqs.create_queue(
    QueueName=names["audit_queue"], Attributes={"MessageRetentionPeriod": "1209600"}
)["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
    "QueueArn"
]
queue_policy = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DrNotificationsOnly",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}},
        }
    ],
}
sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(queue_policy)})
subscription_arn = sns.subscribe(TopicArn=TOPIC_ARN, Protocol="sqs", Endpoint=queue_arn)[
    "SubscriptionArn"
]
print(queue_url, subscription_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "queue_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
url = audit_queue_url()
attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
arn = attributes["QueueArn"]
subscribed = [
    s
    for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    if s["Protocol"] == "sqs" and s["Endpoint"] == arn
]
expect(
    subscribed,
    f"queue {names['audit_queue']} is not subscribed to {TOPIC_ARN} (Protocol 'sqs', Endpoint "
    "the queue's ARN, not its URL)",
)
expect("Policy" in attributes, f"queue {names['audit_queue']} has no queue policy")
granted = [
    s
    for s in statements(attributes["Policy"])
    if s.get("Effect") == "Allow"
    and "sns.amazonaws.com" in as_list((s.get("Principal") or {}).get("Service"))
    and "sqs:SendMessage" in as_list(s.get("Action"))
]
expect(granted, "the queue policy must allow sns.amazonaws.com to sqs:SendMessage")
print("audit queue subscribed:", subscribed[0]["SubscriptionArn"])

### BEGIN HIDDEN TESTS
conditions = json.dumps([s.get("Condition", {}) for s in granted])
expect(TOPIC_ARN in conditions, "the queue policy must be limited to the topic (aws:SourceArn)")
expect(
    attributes.get("MessageRetentionPeriod") == "1209600",
    f"keep messages 14 days (1209600 s), not {attributes.get('MessageRetentionPeriod')}",
)
expect(len(subscribed) == 1, f"the queue is subscribed {len(subscribed)} times")
# a message published on the topic really arrives on the queue
notifications()
probe = {"probe": f"grader-{time.time()}"}
sns.publish(TopicArn=TOPIC_ARN, Message=json.dumps(probe), Subject="DR notifications probe")
got = notifications(wait=5)
expect(probe in [{"probe": m.get("probe")} for m in got if isinstance(m, dict)], f"got {got}")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · The orchestrator (3 points)
#
# Write the orchestrator's source as a string `ORCHESTRATOR_SOURCE` (a module `orchestrator.py`
# with a function `handler(event, context)`), zip it **in the notebook** with `zipfile` (in
# memory: `io.BytesIO`), and deploy it as the function `names["function"]` in **us-west-2**:
# the orchestrator must run in the region that survives. Runtime `python3.12`, handler
# `orchestrator.handler`, role `names["role"]`, `Timeout=120` (seconds: the slowest step is a
# few API calls; a hung call must not hold the function 15 minutes), `MemorySize=256`, and
# these **environment variables** (the code reads every name from them, nothing hard-coded):
#
# | variable | value |
# |---|---|
# | `DR_REGION` | `us-west-2` |
# | `GLOBAL_CLUSTER` | `names["global_cluster"]` |
# | `TARGET_CLUSTER_ARN` | `DR_ARN` (AWS asks for the ARN: the target is in another region) |
# | `DR_ASG` | `names["dr_asg"]` |
# | `DR_DESIRED`, `DR_MIN`, `DR_MAX` | `6`, `3`, `12` |
# | `ZONE_ID`, `ACTIVE_RECORD` | `ZONE_ID`, `ACTIVE_RECORD` |
# | `TOPIC_ARN` | `TOPIC_ARN` |
#
# What `handler` does:
#
# 1. **Decide the mode** from the event. An SNS delivery of a CloudWatch alarm
#    (`event["Records"][0]["Sns"]["Message"]` is the alarm's JSON: `AlarmName`,
#    `NewStateValue`) is an **unplanned** outage: act only when `NewStateValue` is `ALARM`, with
#    `mode="failover"`. A direct invocation `{"planned": true, "reason": "..."}` is a planned
#    activation (a DR test, a maintenance): `mode="switchover"`; `{"planned": false}` is an
#    operator's unplanned failover.
# 2. **Promote** `TARGET_CLUSTER_ARN`, idempotently: read the global cluster first. If its
#    `FailoverState` is set, a switch is under way: `"in-progress"`. If the target is already the
#    writer (`IsWriter`): `"already-writer"`. Otherwise start it: `"started"`. A switchover is
#    `switchover_global_cluster` (waits for replication to catch up: **no data loss**, but it
#    needs the primary); a failover is `failover_global_cluster(..., AllowDataLoss=True)` (works
#    with the primary gone; loses the transactions not yet replicated, typically under a second
#    of them: why task 5's alarm waits for two bad minutes before it pulls this trigger).
# 3. **Scale** the DR group with `update_auto_scaling_group`: `MinSize` 3, `MaxSize` 12,
#    `DesiredCapacity` 6, or the current desired capacity if that is already higher (never
#    scale *down* a group someone scaled up during the incident).
# 4. **UPSERT** the TXT record `ACTIVE_RECORD` to `"us-west-2"` (with the quotes, TTL 30).
# 5. **Notify** on `TOPIC_ARN` (subject `Trading Platform DR Activation`, message JSON with at
#    least `mode`, `reason` and `global_cluster`; for an alarm, the `reason` names it by its
#    `AlarmName`) **only when this run started the switch**: a
#    redelivered alarm must not page everyone twice.
# 6. `print` a line per step (it lands in CloudWatch Logs) and **return**
#    `{"mode": ..., "global_cluster": "started" | "in-progress" | "already-writer",
#    "desired": <the group's desired capacity now>, "active": "us-west-2", "notified": bool}`;
#    for an alarm that is not `ALARM`, `{"mode": "failover", "global_cluster": "none",
#    "notified": False}` and nothing else.
#
# Deploy idempotently: `get_function` first; when the function exists, `update_function_code`
# and `update_function_configuration` instead of `create_function`.

# %% nbgrader={"grade": false, "grade_id": "function_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
ORCHESTRATOR_SOURCE = '''\
"""Trading platform DR orchestrator: make us-west-2 the active region.

Triggered by the CloudWatch alarm on the primary's health through SNS (an unplanned outage:
failover_global_cluster with AllowDataLoss) or invoked by an operator: {"planned": true} is a
switchover (no data loss, needs the primary), {"planned": false} a failover. Every step is
idempotent: the global cluster is read before it is switched, the group is set (never scaled
down), the record is an UPSERT and only the run that starts the switch notifies.
"""

import json
import os

import boto3


def _trigger(event):
    """(mode, reason, act) from an SNS alarm delivery or a direct invocation."""
    records = event.get("Records") if isinstance(event, dict) else None
    if records:
        alarm = json.loads(records[0]["Sns"]["Message"])
        state = alarm.get("NewStateValue")
        return "failover", f"alarm {alarm.get('AlarmName')} is {state}", state == "ALARM"
    event = event if isinstance(event, dict) else {}
    mode = "switchover" if event.get("planned") else "failover"
    return mode, event.get("reason", "manual invocation"), True


def _promote(mode):
    rds = boto3.client("rds", region_name=os.environ["DR_REGION"])
    gid, target = os.environ["GLOBAL_CLUSTER"], os.environ["TARGET_CLUSTER_ARN"]
    gc = rds.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
    writer = next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)
    if gc.get("FailoverState"):
        return "in-progress"
    if writer == target:
        return "already-writer"
    if mode == "switchover":
        rds.switchover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target)
    else:
        rds.failover_global_cluster(
            GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target, AllowDataLoss=True
        )
    return "started"


def _scale():
    asg = boto3.client("autoscaling", region_name=os.environ["DR_REGION"])
    name = os.environ["DR_ASG"]
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    desired = max(group["DesiredCapacity"], int(os.environ["DR_DESIRED"]))
    asg.update_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=int(os.environ["DR_MIN"]),
        MaxSize=int(os.environ["DR_MAX"]),
        DesiredCapacity=desired,
    )
    return group["DesiredCapacity"], desired


def _point_dns(region, reason):
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=os.environ["ZONE_ID"],
        ChangeBatch={
            "Comment": f"DR activation: {reason}",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": os.environ["ACTIVE_RECORD"],
                        "Type": "TXT",
                        "TTL": 30,
                        "ResourceRecords": [{"Value": f'"{region}"'}],
                    },
                }
            ],
        },
    )


def handler(event, context):
    mode, reason, act = _trigger(event)
    print(f"orchestrator: {reason} -> mode {mode}")
    if not act:
        print("orchestrator: not an ALARM, nothing to do")
        return {"mode": mode, "global_cluster": "none", "notified": False}
    region = os.environ["DR_REGION"]
    promoted = _promote(mode)
    print(f"orchestrator: {mode} of {os.environ['GLOBAL_CLUSTER']} to "
          f"{os.environ['TARGET_CLUSTER_ARN']}: {promoted}")
    before, desired = _scale()
    print(f"orchestrator: {os.environ['DR_ASG']} desired {before} -> {desired}")
    _point_dns(region, reason)
    print(f"orchestrator: UPSERT {os.environ['ACTIVE_RECORD']} TXT {region}")
    notified = promoted == "started"
    if notified:
        topic = os.environ["TOPIC_ARN"]
        boto3.client("sns", region_name=topic.split(":")[3]).publish(
            TopicArn=topic,
            Subject="Trading Platform DR Activation",
            Message=json.dumps(
                {"mode": mode, "reason": reason, "global_cluster": promoted,
                 "target": os.environ["TARGET_CLUSTER_ARN"], "desired": desired,
                 "active": region}
            ),
        )
    print(f"orchestrator: notified {notified}; done")
    return {"mode": mode, "global_cluster": promoted, "desired": desired, "active": region,
            "notified": notified}
'''


def build_zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("orchestrator.py", source)
    return buf.getvalue()


settings = {
    "Runtime": "python3.12",
    "Role": iam.get_role(RoleName=names["role"])["Role"]["Arn"],
    "Handler": "orchestrator.handler",
    "Timeout": 120,
    "MemorySize": 256,
    "Description": "Trading platform DR orchestrator: promote us-west-2",
    "Environment": {
        "Variables": {
            "DR_REGION": DR_REGION,
            "GLOBAL_CLUSTER": names["global_cluster"],
            "TARGET_CLUSTER_ARN": DR_ARN,
            "DR_ASG": names["dr_asg"],
            "DR_DESIRED": "6",
            "DR_MIN": "3",
            "DR_MAX": "12",
            "ZONE_ID": ZONE_ID,
            "ACTIVE_RECORD": ACTIVE_RECORD,
            "TOPIC_ARN": TOPIC_ARN,
        }
    },
}
package = build_zip(ORCHESTRATOR_SOURCE)
try:
    lam.get_function(FunctionName=names["function"])
    lam.update_function_code(FunctionName=names["function"], ZipFile=package)
    function_arn = lam.update_function_configuration(FunctionName=names["function"], **settings)[
        "FunctionArn"
    ]
except lam.exceptions.ResourceNotFoundException:
    function_arn = lam.create_function(
        FunctionName=names["function"], Code={"ZipFile": package}, **settings
    )["FunctionArn"]
print(function_arn)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "function_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
require("ORCHESTRATOR_SOURCE")
try:
    config = lam.get_function_configuration(FunctionName=names["function"])
except lam.exceptions.ResourceNotFoundException:
    raise AssertionError(f"no Lambda function {names['function']} in {DR_REGION} yet") from None
expect(config["Runtime"].startswith("python3."), f"runtime {config['Runtime']}: use python3.12")
expect(config["Handler"] == "orchestrator.handler", f"handler {config['Handler']!r}")
role_arn_expected = iam.get_role(RoleName=names["role"])["Role"]["Arn"]
expect(
    config["Role"] == role_arn_expected, f"the function runs as {config['Role']}, not task 1's role"
)
expect(
    60 <= config["Timeout"] <= 300,
    f"Timeout {config['Timeout']} s: give it 60 to 300 s (120 is right)",
)
variables = config.get("Environment", {}).get("Variables", {})
wanted = {
    "DR_REGION": DR_REGION,
    "GLOBAL_CLUSTER": names["global_cluster"],
    "TARGET_CLUSTER_ARN": DR_ARN,
    "DR_ASG": names["dr_asg"],
    "DR_DESIRED": "6",
    "DR_MIN": "3",
    "DR_MAX": "12",
    "ZONE_ID": ZONE_ID,
    "ACTIVE_RECORD": ACTIVE_RECORD,
    "TOPIC_ARN": TOPIC_ARN,
}
for key, value in wanted.items():
    expect(
        variables.get(key) == value,
        f"environment variable {key} is {variables.get(key)!r}, expected {value!r}",
    )
module = ast.parse(ORCHESTRATOR_SOURCE)
expect(
    any(isinstance(n, ast.FunctionDef) and n.name == "handler" for n in module.body),
    "ORCHESTRATOR_SOURCE defines no function handler",
)
print("function deployed:", config["FunctionArn"])

### BEGIN HIDDEN TESTS
# the function really runs: an OK alarm notification (not ALARM) must change nothing
ok_event = {
    "Records": [
        {
            "EventSource": "aws:sns",
            "Sns": {
                "TopicArn": f"arn:aws:sns:{DR_REGION}:{ACCOUNT_ID}:{names['alarm_topic']}",
                "Message": json.dumps(
                    {"AlarmName": names["alarm"], "NewStateValue": "OK", "OldStateValue": "ALARM"}
                ),
            },
        }
    ]
}
before_writer = wait_for(writer_arn, 10, "the global cluster settled")
out = lam.invoke(FunctionName=names["function"], Payload=json.dumps(ok_event))
body = json.loads(out["Payload"].read())
expect("FunctionError" not in out, f"the orchestrator fails on an OK notification: {body}")
expect(body.get("global_cluster") == "none", f"an OK notification must do nothing, got {body}")
expect(writer_arn() == before_writer, "an OK notification changed the global cluster's writer")
expect(global_cluster().get("FailoverState") is None, "an OK notification started a failover")
expect(dr_group()["DesiredCapacity"] == 0, "an OK notification scaled the DR group")
expect(config["MemorySize"] >= 128, "MemorySize")
for hard in (DR_ARN, names["dr_asg"], ZONE_ID, TOPIC_ARN):
    expect(hard not in ORCHESTRATOR_SOURCE, f"{hard} is hard-coded: read it from the environment")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · A planned DR activation, run twice (3 points)
#
# The quarterly DR test is a **planned** activation: invoke the function with
# `lam.invoke(FunctionName=..., Payload=json.dumps({"planned": True, "reason": "quarterly DR
# test"}))`, read the result (`json.loads(response["Payload"].read())`) into `first_result`,
# and **at once invoke it a second time** (an operator who pressed the button twice) into
# `second_result`. Check `"FunctionError" not in response` for both: a handler that raised
# returns status 200 too, with the error in the payload.
#
# Then wait (with `wait_for`) until the global cluster's writer is `DR_ARN`, and collect the
# evidence:
#
# - `received = notifications(wait=5)`: the messages on the audit queue (there must be exactly
#   one, from the run that started the switch);
# - `log_lines = function_log()`: the function's CloudWatch Logs (`START`, your prints, `END`,
#   `REPORT` per run). Print them.
#
# What `second_result["global_cluster"]` says depends on timing: `"in-progress"` while the
# switchover runs (it takes about 30 s on AWS, 0.75 s here), `"already-writer"` after it.
#
# This activation starts from us-east-1 as the writer. To run the cell again after it worked,
# first roll back (the first three steps of task 5), or `labkit reset` and re-run from the top.


# %% nbgrader={"grade": false, "grade_id": "invoke_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def invoke(payload: dict) -> dict:
    response = lam.invoke(FunctionName=names["function"], Payload=json.dumps(payload))
    result = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise RuntimeError(f"the orchestrator failed: {result}")
    return result


first_result = invoke({"planned": True, "reason": "quarterly DR test"})
second_result = invoke({"planned": True, "reason": "quarterly DR test (pressed twice)"})
print("first ", first_result)
print("second", second_result)
wait_for(lambda: writer_arn() == DR_ARN, 20, "the DR cluster becoming the writer")
received = notifications(wait=5)
log_lines = function_log()
print("notifications:", received)
print("".join(log_lines))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "invoke_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
require("first_result", "second_result", "received", "log_lines")
expect(
    first_result.get("global_cluster") == "started" and first_result.get("mode") == "switchover",
    f"the first planned run must start a switchover, it returned {first_result}",
)
expect(
    second_result.get("global_cluster") in ("in-progress", "already-writer"),
    f"the second run must see the switch under way or done, it returned {second_result}",
)
expect(writer_arn() == DR_ARN, f"the global cluster's writer is {writer_arn()}, not {DR_ARN}")
group = dr_group()
sizes = (group["MinSize"], group["DesiredCapacity"], group["MaxSize"])
expect(sizes == (3, 6, 12), f"the DR group's (min, desired, max) is {sizes}, expected (3, 6, 12)")
expect(active_region() == DR_REGION, f"{ACTIVE_RECORD} answers {active_region()!r}, not us-west-2")
dr_messages = [m for m in received if isinstance(m, dict) and m.get("mode")]
expect(len(dr_messages) == 1, f"expected one DR notification on the queue, got {received}")
expect(
    dr_messages[0]["mode"] == "switchover",
    f"the notification says mode {dr_messages[0]['mode']}, not switchover",
)
expect(sum("START RequestId" in line for line in log_lines) >= 2, "the logs show fewer than 2 runs")
print("planned activation done and idempotent")

### BEGIN HIDDEN TESTS
expect(second_result.get("notified") is False, "the second run notified again")
expect(first_result.get("notified") is True, "the first run did not notify")
started = [e for e in failover_events() if e["Message"].endswith("started.")]
expect(len(started) == 1, f"{len(started)} global switches were started; one run must start one")
expect("switchover" in started[0]["Message"].lower(), f"a planned run must switch over: {started}")
# the grader presses the button twice more (planned, then unplanned), now that the switch is done
notifications()
runs_before = sum("START RequestId" in line for line in function_log())
for event in ({"planned": True, "reason": "grader"}, {"planned": False, "reason": "grader"}):
    again = lam.invoke(FunctionName=names["function"], Payload=json.dumps(event))
    again_body = json.loads(again["Payload"].read())
    expect("FunctionError" not in again, f"a run with {event} failed: {again_body}")
    expect(
        again_body.get("global_cluster") == "already-writer",
        f"with the DR cluster already the writer, a run with {event} returned {again_body}",
    )
    expect(again_body.get("desired") == 6, f"a run with {event} reports {again_body}")
    expect(again_body.get("notified") is False, f"a run with {event} notified again")
expect(not notifications(wait=1.5), "a run that changed nothing sent a notification")
expect(len([e for e in failover_events() if e["Message"].endswith("started.")]) == 1, "re-switched")
expect(dr_group()["DesiredCapacity"] == 6, "the repeated runs changed the DR group")
expect(active_region() == DR_REGION, "the repeated runs changed the active record")
wait_for(
    lambda: sum("START RequestId" in line for line in function_log()) >= runs_before + 2,
    5,
    "the grader's two runs in CloudWatch Logs",
)
platform = ("START RequestId", "END RequestId", "REPORT RequestId", "INIT_START")
expect(
    any(not line.startswith(platform) for line in function_log()),
    "the function's logs hold only START/END/REPORT lines: print a line per step",
)
# someone scaled the group up during the incident: a run must not scale it down
autoscaling.update_auto_scaling_group(AutoScalingGroupName=names["dr_asg"], DesiredCapacity=8)
again = lam.invoke(FunctionName=names["function"], Payload=json.dumps({"planned": True}))
again_body = json.loads(again["Payload"].read())
expect("FunctionError" not in again, f"a run with the group at 8 failed: {again_body}")
scaled_to = dr_group()["DesiredCapacity"]
autoscaling.update_auto_scaling_group(AutoScalingGroupName=names["dr_asg"], DesiredCapacity=6)
expect(
    scaled_to == 8 and again_body.get("desired") == 8,
    f"with the DR group already at 8 a run set it to {scaled_to} and reported {again_body}: keep "
    "the current desired capacity when it is higher than DR_DESIRED",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Roll back, then let an alarm fail over (4 points)
#
# **Roll back** the planned activation (this is the rollback section of your runbook):
#
# 1. `switchover_global_cluster` back to `PRIMARY_ARN` (no data loss: both regions are up) and
#    wait until the writer is `PRIMARY_ARN`;
# 2. the DR group back to min 0, desired 0 (max stays 12);
# 3. the `active` record back to `"us-east-1"`.
#
# Then **wire the automatic trigger**, all in us-west-2:
#
# 4. An SNS topic `names["alarm_topic"]`; the function subscribed to it (`Protocol="lambda"`,
#    `Endpoint=` the function's ARN) and `lam.add_permission` letting `sns.amazonaws.com`
#    invoke it with `SourceArn=` the topic (re-running: `add_permission` raises
#    `lam.exceptions.ResourceConflictException` for an existing statement id).
# 5. The alarm `names["alarm"]` on the canary's metric `names["metric_namespace"]` /
#    `names["metric_name"]` with the dimension `Region=us-east-1`: `Statistic="Minimum"`,
#    `Period=60`, `EvaluationPeriods=2`, `DatapointsToAlarm=2`, `Threshold=1`,
#    `ComparisonOperator="LessThanThreshold"`, `TreatMissingData="ignore"`, `AlarmActions=[`the
#    topic`]` and **no** `OKActions` (failing back is a human decision). Two bad minutes, not
#    one: an unplanned failover loses the unreplicated transactions, so one lost probe must not
#    trigger it. `ignore`: when the canary itself stops publishing, that is not proof the primary
#    is down (a separate alarm would page a human).
#
# Then **run the drill**: `publish_health(1, until=lambda: alarm_state() == "OK")` (the primary
# is healthy), empty the queue (`notifications()`), note the time, and
# `publish_health(0, until=...)` until the writer is `DR_ARN`, the group's desired capacity is 6
# and `active_region()` is us-west-2. Keep `automated_failover_seconds` (from the first 0 to all
# three done) and `received_alarm = notifications(wait=5)` (the notification of this run).


# %% nbgrader={"grade": false, "grade_id": "alarm_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def set_active(region: str) -> None:
    route53.change_resource_record_sets(
        HostedZoneId=ZONE_ID,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": ACTIVE_RECORD,
                        "Type": "TXT",
                        "TTL": 30,
                        "ResourceRecords": [{"Value": f'"{region}"'}],
                    },
                }
            ]
        },
    )


# rollback: the primary region takes over again, without data loss
wait_for(writer_arn, 20, "the global cluster settled")
if writer_arn() != PRIMARY_ARN:
    rds_east.switchover_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"], TargetDbClusterIdentifier=PRIMARY_ARN
    )
wait_for(lambda: writer_arn() == PRIMARY_ARN, 20, "the primary cluster becoming the writer")
autoscaling.update_auto_scaling_group(
    AutoScalingGroupName=names["dr_asg"], MinSize=0, DesiredCapacity=0, MaxSize=12
)
set_active(PRIMARY_REGION)

# the trigger: alarm -> SNS -> orchestrator
alarm_topic_arn = sns.create_topic(Name=names["alarm_topic"])["TopicArn"]
function_arn = lam.get_function_configuration(FunctionName=names["function"])["FunctionArn"]
try:
    lam.add_permission(
        FunctionName=names["function"],
        StatementId="sns-dr-alarms",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=alarm_topic_arn,
    )
except lam.exceptions.ResourceConflictException:
    pass
sns.subscribe(TopicArn=alarm_topic_arn, Protocol="lambda", Endpoint=function_arn)
cloudwatch.put_metric_alarm(
    AlarmName=names["alarm"],
    AlarmDescription="us-east-1 fails the synthetic canary for 2 minutes: fail over to us-west-2",
    Namespace=names["metric_namespace"],
    MetricName=names["metric_name"],
    Dimensions=[{"Name": "Region", "Value": PRIMARY_REGION}],
    Statistic="Minimum",
    Period=60,
    EvaluationPeriods=2,
    DatapointsToAlarm=2,
    Threshold=1,
    ComparisonOperator="LessThanThreshold",
    TreatMissingData="ignore",
    AlarmActions=[alarm_topic_arn],
)

# the drill
publish_health(1, until=lambda: alarm_state() == "OK")
notifications()
automated_failover_seconds = publish_health(
    0,
    until=lambda: (
        writer_arn() == DR_ARN
        and dr_group()["DesiredCapacity"] == 6
        and active_region() == DR_REGION
    ),
)
received_alarm = notifications(wait=5)
print(
    f"automated failover in {automated_failover_seconds:.2f} s "
    f"({automated_failover_seconds / TIME_SCALE:.0f} s on AWS)"
)
print(received_alarm)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alarm_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
require("automated_failover_seconds", "received_alarm")
found = cloudwatch.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"]
expect(found, f"no CloudWatch alarm {names['alarm']} in {DR_REGION}")
alarm = found[0]
for key, value in (
    ("Namespace", names["metric_namespace"]),
    ("MetricName", names["metric_name"]),
    ("Statistic", "Minimum"),
    ("Period", 60),
    ("EvaluationPeriods", 2),
    ("Threshold", 1),
    ("ComparisonOperator", "LessThanThreshold"),
):
    expect(
        alarm.get(key) == value, f"alarm {names['alarm']}: {key} is {alarm.get(key)}, not {value}"
    )
topics = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
alarm_topic = next((t for t in topics if t.endswith(f":{names['alarm_topic']}")), None)
expect(alarm_topic, f"no SNS topic {names['alarm_topic']} in {DR_REGION}")
expect(alarm_topic in alarm.get("AlarmActions", []), f"the alarm does not notify {alarm_topic}")
expect(writer_arn() == DR_ARN, "after the drill the writer is not the DR cluster")
expect(
    automated_failover_seconds >= 60 * TIME_SCALE,
    f"automated_failover_seconds = {automated_failover_seconds:.2f}: shorter than one alarm period "
    f"({60 * TIME_SCALE:.1f} s). Roll back first (writer {PRIMARY_ARN}, the group at 0, the "
    "record on us-east-1) and time from the first 0 published until all three are on us-west-2",
)
alarm_messages = [m for m in received_alarm if isinstance(m, dict) and m.get("mode")]
expect(
    len(alarm_messages) == 1 and alarm_messages[0]["mode"] == "failover",
    f"the alarm's run must send one notification with mode failover, got {received_alarm}",
)
print(f"alarm-driven failover in {automated_failover_seconds:.2f} s")

### BEGIN HIDDEN TESTS
expect(alarm.get("DatapointsToAlarm", 2) == 2, "DatapointsToAlarm 2: two bad minutes")
expect(alarm.get("TreatMissingData") in ("ignore", "missing"), "TreatMissingData must be ignore")
expect(not alarm.get("OKActions"), "no OKActions: failing back is a human decision")
expect(
    alarm.get("Dimensions") == [{"Name": "Region", "Value": PRIMARY_REGION}],
    f"the alarm's dimensions are {alarm.get('Dimensions')}, expected only Region={PRIMARY_REGION}",
)
try:
    invoke_policy = json.loads(lam.get_policy(FunctionName=names["function"])["Policy"])
except lam.exceptions.ResourceNotFoundException:
    invoke_policy = {"Statement": []}
expect(
    any(
        "sns.amazonaws.com" in json.dumps(s.get("Principal"))
        and alarm_topic in json.dumps(s.get("Condition"))
        for s in invoke_policy["Statement"]
    ),
    f"the function's resource policy does not let {names['alarm_topic']} invoke it: "
    "lam.add_permission(Principal='sns.amazonaws.com', SourceArn=the topic)",
)
function_arn_now = lam.get_function_configuration(FunctionName=names["function"])["FunctionArn"]
subs = sns.list_subscriptions_by_topic(TopicArn=alarm_topic)["Subscriptions"]
expect(
    any(s["Protocol"] == "lambda" and s["Endpoint"] == function_arn_now for s in subs),
    f"the function is not subscribed to {alarm_topic}",
)
# the grader's own drill: reset to the primary, then make the alarm fire
wait_for(writer_arn, 20, "the global cluster settled")
if writer_arn() != PRIMARY_ARN:
    rds_east.switchover_global_cluster(
        GlobalClusterIdentifier=names["global_cluster"], TargetDbClusterIdentifier=PRIMARY_ARN
    )
wait_for(lambda: writer_arn() == PRIMARY_ARN, 20, "the primary becoming the writer again")
autoscaling.update_auto_scaling_group(
    AutoScalingGroupName=names["dr_asg"], MinSize=0, DesiredCapacity=0, MaxSize=12
)
route53.change_resource_record_sets(
    HostedZoneId=ZONE_ID,
    ChangeBatch={
        "Changes": [
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": ACTIVE_RECORD,
                    "Type": "TXT",
                    "TTL": 30,
                    "ResourceRecords": [{"Value": f'"{PRIMARY_REGION}"'}],
                },
            }
        ]
    },
)
publish_health(1, until=lambda: alarm_state() == "OK")
notifications()
failovers_before = len([e for e in failover_events() if "failover to" in e["Message"].lower()])
took = publish_health(
    0,
    until=lambda: (
        writer_arn() == DR_ARN
        and dr_group()["DesiredCapacity"] == 6
        and active_region() == DR_REGION
    ),
)
expect(
    took >= 60 * TIME_SCALE * 0.9,
    f"the failover came {took:.2f} s after the first bad point: before two bad periods",
)
messages = [m for m in notifications(wait=5) if isinstance(m, dict) and m.get("mode")]
expect(len(messages) == 1 and messages[0]["mode"] == "failover", f"grader's drill: {messages}")
expect(
    names["alarm"] in json.dumps(messages[0]),
    f"the alarm's notification does not name the alarm {names['alarm']} (its AlarmName in "
    f"reason): {messages[0]}",
)
failovers = [e for e in failover_events() if "failover to" in e["Message"].lower()]
expect(len(failovers) > failovers_before, "the alarm's run did not use failover_global_cluster")
group = dr_group()
expect((group["MinSize"], group["MaxSize"]) == (3, 12), "the alarm's run did not size the group")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · The orchestrator's code and runbook in your portfolio (2 points)
#
# 1. Save the orchestrator's source: `lab.portfolio.add_file("code", names["code_file"],
#    ORCHESTRATOR_SOURCE)`.
# 2. Record the alarm-driven failover time in AWS seconds:
#    `lab.portfolio.record_measurement(names["measurement"], automated_failover_seconds /
#    TIME_SCALE, "s", project="p4", source=...)`.
# 3. Write the **runbook** `lab.portfolio.write_document("runbook", names["runbook"], text)`
#    with the sections `## Purpose`, `## Prerequisites`, `## Procedure`, `## Verification`,
#    `## Rollback` and `## Escalation`. Make it usable at 3 a.m.: the function's name and how to
#    invoke it (planned and unplanned), the switchover-or-failover decision and its data-loss
#    consequence for RPO 0, how to verify (writer, group, record, notification, logs), the
#    rollback you ran in task 5, who to call. Put the measured failover time in it (in AWS
#    seconds, rounded to whole seconds) and compare it with the 15-minute RTO.

# %% nbgrader={"grade": false, "grade_id": "portfolio_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
code_path = lab.portfolio.add_file("code", names["code_file"], ORCHESTRATOR_SOURCE)
aws_seconds = automated_failover_seconds / TIME_SCALE
lab.portfolio.record_measurement(
    names["measurement"],
    round(aws_seconds, 1),
    "s",
    target="<= 900",
    project="p4",
    source=(
        f"alarm {names['alarm']} -> SNS -> {names['function']}: first unhealthy datapoint to "
        f"writer, group and DNS in us-west-2; {automated_failover_seconds:.2f} s at time scale "
        f"{TIME_SCALE}"
    ),
)
runbook = f"""# Runbook: trading platform DR activation (us-east-1 -> us-west-2)

## Purpose
Make us-west-2 the active region of the trading platform within the 15-minute RTO: promote the
Aurora secondary `{names["dr_cluster"]}` of `{names["global_cluster"]}`, scale
`{names["dr_asg"]}` to 6 instances (min 3, max 12), point `{ACTIVE_RECORD}` at us-west-2 and
notify `{names["notifications_topic"]}`. The Lambda function `{names["function"]}` (us-west-2)
does all four, idempotently.

## Prerequisites
- Access to us-west-2 (the automation lives there; it must not depend on us-east-1).
- The function `{names["function"]}` with role `{names["role"]}`; the alarm `{names["alarm"]}`
  and topic `{names["alarm_topic"]}` that trigger it; the audit queue `{names["audit_queue"]}`.
- Decision rights: an unplanned failover may lose unreplicated transactions; only the incident
  commander may trigger one by hand.

## Procedure
Automatic: `{names["alarm"]}` fires after two minutes of failed canary probes of us-east-1 and
runs the function through SNS in failover mode (`failover_global_cluster` with
`AllowDataLoss=True`: the primary is gone, a switchover could not complete). Measured in the
drill: **{aws_seconds:.0f} s** from the first failed probe to writer, group and DNS in us-west-2,
well inside the RTO of 900 s.

Manual, planned (DR test, maintenance; both regions up, no data loss):
`aws lambda invoke --region us-west-2 --function-name {names["function"]} --payload
'{{"planned": true, "reason": "..."}}' out.json` (a switchover).
Manual, unplanned (the primary is down and the alarm did not fire): the same with
`"planned": false`. Invoking twice is safe: the second run reports `in-progress` or
`already-writer` and changes nothing.

## Verification
1. `aws rds describe-global-clusters --global-cluster-identifier {names["global_cluster"]}`:
   `{names["dr_cluster"]}` has `IsWriter: true` and no `FailoverState`.
2. `{names["dr_asg"]}`: desired 6, min 3, max 12, instances launching.
3. `{ACTIVE_RECORD}` TXT answers `"us-west-2"`.
4. One message on `{names["audit_queue"]}`; the function's log group `/aws/lambda/{names["function"]}`
   shows START, each step and `done`.
5. For a failover: the RDS event of the failover says how many transactions were lost (RPO).

## Rollback
When us-east-1 is healthy again, never automatically:
1. `switchover_global_cluster` to `{names["primary_cluster"]}` (no data loss) and wait for it to
   be the writer;
2. scale `{names["dr_asg"]}` back to min 0, desired 0;
3. set `{ACTIVE_RECORD}` back to `"us-east-1"`; confirm the alarm is OK.

## Escalation
1. Database on-call (Aurora global database) if the writer has not moved within 5 minutes.
2. Platform lead if the DR group does not reach 3 healthy instances within 10 minutes.
3. Head of trading operations and compliance for any failover with data loss (RPO breach).
"""
runbook_path = lab.portfolio.write_document("runbook", names["runbook"], runbook)
print(code_path, runbook_path)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "portfolio_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
require("ORCHESTRATOR_SOURCE", "automated_failover_seconds")
code_file = lab.portfolio.path("code", *names["code_file"].split("/"))
expect(code_file.is_file(), f"no {names['code_file']} in your portfolio's code/ yet")
expect("def handler" in code_file.read_text(), f"{code_file.name} has no handler")
doc = lab.portfolio.path("documents", "runbook", f"{names['runbook']}.md")
expect(doc.is_file(), f"no runbook {names['runbook']}.md in your portfolio yet")
text = doc.read_text()
headings = [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]
for section in ("Purpose", "Prerequisites", "Procedure", "Verification", "Rollback", "Escalation"):
    expect(
        any(section.lower() in h for h in headings),
        f"the runbook has no section heading containing {section!r}",
    )
print("code and runbook in the portfolio")

### BEGIN HIDDEN TESTS
expect(code_file.read_text() == ORCHESTRATOR_SOURCE, "the saved code is not ORCHESTRATOR_SOURCE")
expect(names["function"] in text, f"the runbook does not name the function {names['function']}")
expect("AllowDataLoss" in text or "data loss" in text.lower(), "say what a failover may lose")
seconds = f"{automated_failover_seconds / TIME_SCALE:.0f}"
expect(seconds in text, f"put the measured failover time ({seconds} s) in the runbook")
measured = lab.portfolio.path("measurements", f"p4_{names['measurement']}.json")
expect(measured.is_file(), f"no measurement p4_{names['measurement']}.json")
value = json.loads(measured.read_text())["value"]
expect(
    abs(value - automated_failover_seconds / TIME_SCALE) <= 2,
    f"the measurement is {value}, not automated_failover_seconds / TIME_SCALE "
    f"({automated_failover_seconds / TIME_SCALE:.0f}, in AWS seconds)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The DR activation is now code, not a wiki page: one function, idempotent, started by an alarm
# or by an operator, that leaves evidence (its return value, its logs, a message). The drill
# measured the automated part of the RTO: two alarm periods of detection plus a global failover.
#
# Think about, for your DR design notes:
#
# 1. The alarm lives in us-west-2 and watches a canary there. What would break if the alarm,
#    the SNS topic or the function lived in us-east-1?
# 2. `AllowDataLoss=True` and RPO 0 disagree. What would you add so that no acknowledged trade is
#    lost (hint: commit acknowledgements only after the secondary has the transaction, or
#    replay the trade log from a queue in us-west-2), and how would you monitor the replication
#    lag that a failover loses (Day 14)?
# 3. What should a *failed* run do (a step raises half way)? Look up Lambda destinations and
#    AWS Step Functions for orchestrations with retries and compensation.
