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
# # Project 4 · Week 15 · Day 14: Monitoring and Alerting Setup
#
# ## The scenario
#
# The trading platform's disaster recovery is built: an Aurora global database replicates from
# us-east-1 to us-west-2, DNS follows the regions' health, and a Lambda orchestrator fails over
# when the primary dies. The regulator's question is now a different one: **how do you know,
# right now, that you could still meet RTO 15 minutes and RPO 0?**
#
# RPO 0 holds only while the secondary is *caught up*: every second of replication lag is a
# second of committed trades a failover would lose. RTO 15 minutes holds only while someone
# notices a dead primary in time. Both must be **measured**, **alarmed on** and **visible** on
# one screen that shows both regions.
#
# You will measure the application's latency and the global database's replication lag on the
# real (emulated) cluster, publish them as custom CloudWatch metrics, put alarms for RPO and RTO
# violations on them that notify SNS topics in both regions, prove each alarm fires and clears,
# and build the cross-region dashboard the on-call engineer opens first.
#
# The Aurora global database `trading-platform-global` (one PostgreSQL server per region: the
# emulator runs real ones) and the DR Auto Scaling group are already there. You work against an
# **emulated AWS account** with plain `boto3` and `psycopg`; its alarms really evaluate what you
# publish, on a clock 100 times faster than AWS's (`TIME_SCALE` = 0.01: a 60 s period is 0.6 s).
#
# **Estimated time: 3-4 hours.**
#
# ## What you will build
#
# | # | task | AWS services | points |
# |---|------|--------------|--------|
# | 1 | DR event topics in both regions, with audit queues | SNS, SQS | 2 |
# | 2 | Application latency: a measured workload, percentiles, a custom metric per region | RDS (Aurora), CloudWatch | 3 |
# | 3 | Replication lag measured on the global database, as a custom metric | RDS (Aurora), CloudWatch | 2 |
# | 4 | Alarms for RPO, RTO and latency violations | CloudWatch | 3 |
# | 5 | Proof: every alarm fires, notifies and clears | CloudWatch, SNS, SQS | 3 |
# | 6 | A cross-region dashboard | CloudWatch | 2 |
# | 7 | Plots and the monitoring design in your portfolio | (portfolio) | 2 |
#
# By the end you should be able to:
#
# - measure latency percentiles and replication lag yourself and publish them with
#   `put_metric_data` (`Values`, units, dimensions);
# - turn RPO and RTO into alarms: statistic, threshold, comparison, period, evaluation periods,
#   `DatapointsToAlarm` and `TreatMissingData`, and defend each choice;
# - route alarms to SNS topics in the alarm's own region and check that the message arrives;
# - write a CloudWatch dashboard body that shows metrics from two regions side by side.
#
# ## How this notebook works
#
# - Run the **setup** cell first: it connects to the emulator, sets its time scale and prints
#   the seeded resources (and the database password the seed set).
# - Each task has an explanation, a cell where **you write the code** (replace
#   `raise NotImplementedError()`), and a **check** cell. The grader runs more checks than you
#   see: it publishes breaching data itself and waits for your alarms and queues.
# - Write cells so they can be **run again**: look a resource up before you create it.
# - Use the names in `names` (from this lab's `lab.yaml`): the checks look resources up by them.
# - Stuck with a broken state? In a terminal, `labkit reset` empties the emulator; then re-run
#   the notebook from the top (the setup cell seeds the starting state again).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import statistics
import time
import uuid

import psycopg
from botocore.exceptions import ClientError

import labkit
from labkit.checks import as_list, expect, statements

lab = labkit.start_lab("p4_w15_monitoring")
names = lab.names
TIME_SCALE = lab.manifest.time_scale or 1.0
PRIMARY_REGION, DR_REGION = names["primary_region"], names["dr_region"]
REGIONS = (PRIMARY_REGION, DR_REGION)
ACCOUNT_ID = lab.account_id

rds = {r: lab.client("rds", r) for r in REGIONS}
cloudwatch = {r: lab.client("cloudwatch", r) for r in REGIONS}
sns = {r: lab.client("sns", r) for r in REGIONS}
sqs = {r: lab.client("sqs", r) for r in REGIONS}

print(lab)
print(f"time scale {TIME_SCALE}: a 60 s alarm period lasts {60 * TIME_SCALE:.1f} s here")
for key in ("primary_cluster_arn", "dr_cluster_arn", "db_password"):
    print(f"{key:20} {names[key]}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "helpers_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Helpers for you and the checks: `connect(cluster, region)` opens a `psycopg` connection
# (autocommit) to an Aurora cluster's endpoint as the master user; `wait_for(check, timeout,
# what)` polls; `alarm_state(region, name)`; `queue_url(region)` and `drain(region, wait)`
# (receives, unwraps and deletes the alarm notifications on that region's audit queue);
# `keep_publishing(region, namespace, metric, dimensions, value, until, timeout)` publishes one
# value every 0.2 s until `until()` is true, as a metric publisher running every minute would;
# `percentile(values, p)` is the nearest-rank percentile CloudWatch uses.


# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def connect(cluster: str, region: str) -> psycopg.Connection:
    found = rds[region].describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
    return psycopg.connect(
        host=found["Endpoint"],
        port=found["Port"],
        user=names["db_user"],
        password=names["db_password"],
        dbname=names["db_name"],
        autocommit=True,
        connect_timeout=5,
    )


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        expect(time.monotonic() < deadline, f"{what}: not within {timeout:.1f} s")
        time.sleep(0.1)


def alarm_state(region: str, name: str) -> str | None:
    found = cloudwatch[region].describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0]["StateValue"] if found else None


def queue_url(region: str) -> str:
    try:
        return sqs[region].get_queue_url(QueueName=names["events_queue"])["QueueUrl"]
    except ClientError:
        raise AssertionError(f"no SQS queue {names['events_queue']} in {region} (task 1)") from None


def drain(region: str, wait: float = 0.0) -> list[dict]:
    """Alarm notifications (the alarm's JSON: AlarmName, NewStateValue, ...) and other
    messages ({"text": ...}) on the region's audit queue, deleted; waits up to ``wait`` s."""
    url, found = queue_url(region), []
    deadline = time.monotonic() + wait
    while True:
        got = sqs[region].receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        for m in got.get("Messages", []):
            sqs[region].delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            try:
                doc = json.loads(m["Body"])
            except ValueError:
                doc = {"text": m["Body"]}
            if isinstance(doc, dict) and doc.get("Type") == "Notification":
                try:
                    doc = json.loads(doc.get("Message", ""))
                except ValueError:
                    doc = {"text": doc.get("Message")}
            found.append(doc if isinstance(doc, dict) else {"text": doc})
        if (found and not got.get("Messages")) or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def keep_publishing(region, namespace, metric, dimensions, value, until, timeout=30.0) -> float:
    """Publish ``value`` every 0.2 s until ``until()``; the seconds it took."""
    start = time.monotonic()
    while True:
        cloudwatch[region].put_metric_data(
            Namespace=namespace,
            MetricData=[{"MetricName": metric, "Dimensions": dimensions, "Value": value}],
        )
        if until():
            return time.monotonic() - start
        expect(
            time.monotonic() - start < timeout,
            f"publishing {namespace}/{metric}={value} in {region}: the expected change did not "
            f"happen within {timeout:.0f} s",
        )
        time.sleep(0.2)


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank: ceil(p/100 * n)
    return ordered[int(rank) - 1]


def sample_count(region, namespace, metric, dimensions) -> int:
    """How many values of the metric CloudWatch holds from the last hour."""
    now = time.time()
    points = cloudwatch[region].get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=dimensions,
        StartTime=now - 3600,
        EndTime=now + 60,
        Period=3600,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return int(sum(p["SampleCount"] for p in points))


def require(*variables: str) -> None:
    """A failed check naming the answer variables that are not defined yet."""
    missing = [v for v in variables if v not in globals()]
    expect(
        not missing,
        f"{', '.join(missing)} not defined: run this task's answer cell (and the earlier ones) "
        "first",
    )


# %% [markdown] nbgrader={"grade": false, "grade_id": "task1_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 1 · DR event topics in both regions (2 points)
#
# A CloudWatch alarm can only notify an SNS topic **in its own region**, and a topic in
# us-east-1 is no use when us-east-1 is the region that failed. So each region gets its own DR
# events topic, and people (and the audit trail) subscribe to both.
#
# In **each** of us-east-1 and us-west-2:
#
# 1. an SNS topic `names["events_topic"]`;
# 2. an SQS queue `names["events_queue"]` (the audit trail; in real life e-mail and the on-call
#    pager subscribe too) whose queue policy allows `sns.amazonaws.com` to `sqs:SendMessage`
#    only from that topic (`"Condition": {"ArnEquals": {"aws:SourceArn": <topic ARN>}}`);
# 3. the queue subscribed to the topic (`Protocol="sqs"`).
#
# Keep the two topic ARNs in a dict `topic_arns = {region: arn}`. `create_topic`,
# `create_queue` and `subscribe` return what exists when run again.

# %% nbgrader={"grade": false, "grade_id": "topics_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
topic_arns = {}
for region in REGIONS:
    topic_arn = sns[region].create_topic(Name=names["events_topic"])["TopicArn"]
    url = sqs[region].create_queue(QueueName=names["events_queue"])["QueueUrl"]
    queue_arn = sqs[region].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs[region].set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    sns[region].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    topic_arns[region] = topic_arn
print(topic_arns)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "topics_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
require("topic_arns")
for region in REGIONS:
    expected_arn = f"arn:aws:sns:{region}:{ACCOUNT_ID}:{names['events_topic']}"
    expect(
        topic_arns.get(region) == expected_arn,
        f"topic_arns[{region!r}] is {topic_arns.get(region)}",
    )
    queue_arn = sqs[region].get_queue_attributes(
        QueueUrl=queue_url(region), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    subs = sns[region].list_subscriptions_by_topic(TopicArn=expected_arn)["Subscriptions"]
    expect(
        any(s["Protocol"] == "sqs" and s["Endpoint"] == queue_arn for s in subs),
        f"the {region} queue {names['events_queue']} is not subscribed to the {region} topic",
    )
print("DR event topics and audit queues in both regions")

### BEGIN HIDDEN TESTS
for region in REGIONS:
    attributes = sqs[region].get_queue_attributes(
        QueueUrl=queue_url(region), AttributeNames=["Policy"]
    )
    policy = attributes.get("Attributes", {}).get("Policy")
    expect(policy, f"the {region} queue has no queue policy")
    granted = [
        s
        for s in statements(policy)
        if isinstance(s.get("Principal"), dict)
        and "sns.amazonaws.com" in as_list(s["Principal"].get("Service"))
        and {"sqs:sendmessage", "sqs:*", "*"} & {a.lower() for a in as_list(s.get("Action"))}
    ]
    expect(
        granted,
        f"the {region} queue policy does not let SNS send messages: it needs a statement with "
        '"Principal": {"Service": "sns.amazonaws.com"} and "Action": "sqs:SendMessage"',
    )
    expect(
        topic_arns[region] in json.dumps([s.get("Condition") for s in granted]),
        f"the {region} queue policy lets SNS send from any topic: add the condition "
        f"ArnEquals aws:SourceArn {topic_arns[region]}",
    )
    drain(region)
    marker = f"probe-{uuid.uuid4()}"
    sns[region].publish(TopicArn=topic_arns[region], Message=marker)
    got = drain(region, wait=5)
    expect(
        any(marker in json.dumps(m) for m in got),
        f"a message on the {region} topic never reached its queue",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task2_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 2 · Application latency, measured and published (3 points)
#
# Traders feel latency, not averages: the 99th percentile is what an SLA is written on. Measure
# it on the real database with a small, bounded workload:
#
# 1. On the primary (`connect(names["primary_cluster"], PRIMARY_REGION)`), create the table
#    `orders (id bigserial primary key, symbol text, qty int, price numeric, placed_at
#    timestamptz default now())` if it does not exist. Time **200 order inserts** (one `INSERT
#    ... RETURNING id` each, `time.perf_counter()` around it) in milliseconds: `write_ms`.
# 2. On the secondary (`connect(names["dr_cluster"], DR_REGION)`: a read-only replica), time
#    **200 reads** of an order by id (ids you inserted, once they have replicated): `read_ms`.
# 3. Compute `latency = {"write": {"p50":..., "p95":..., "p99":...}, "read": {...}}` with
#    `percentile`.
# 4. Publish every measured value to `names["app_namespace"]` / `names["latency_metric"]`
#    (`OrderLatency`), `Unit="Milliseconds"`, in the region where it was measured, with the
#    dimensions `Region=<region>` and `Operation=write` or `read`. One `put_metric_data` datum
#    takes up to 150 `Values` (with optional `Counts`): send them in chunks. CloudWatch computes
#    percentiles from the raw values, which is why you publish values and not your percentiles.

# %% nbgrader={"grade": false, "grade_id": "latency_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
with connect(names["primary_cluster"], PRIMARY_REGION) as db:
    db.execute(
        "CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, symbol text, qty int, "
        "price numeric, placed_at timestamptz DEFAULT now())"
    )
    write_ms, order_ids = [], []
    for i in range(200):
        start = time.perf_counter()
        row = db.execute(
            "INSERT INTO orders (symbol, qty, price) VALUES (%s, %s, %s) RETURNING id",
            (("AAPL", "MSFT", "NVDA", "AMZN")[i % 4], 100 + i, 150.25 + i / 100),
        ).fetchone()
        write_ms.append((time.perf_counter() - start) * 1000)
        order_ids.append(row[0])

with connect(names["dr_cluster"], DR_REGION) as replica:
    last = order_ids[-1]
    wait_for(
        lambda: (
            replica.execute("SELECT to_regclass('orders')").fetchone()[0]
            and replica.execute("SELECT 1 FROM orders WHERE id = %s", (last,)).fetchone()
        ),
        10,
        "the orders replicating to us-west-2",
    )
    read_ms = []
    for i in range(200):
        start = time.perf_counter()
        replica.execute("SELECT * FROM orders WHERE id = %s", (order_ids[i],)).fetchone()
        read_ms.append((time.perf_counter() - start) * 1000)

latency = {
    op: {f"p{p}": percentile(values, p) for p in (50, 95, 99)}
    for op, values in (("write", write_ms), ("read", read_ms))
}


def publish_values(region: str, operation: str, values: list[float]) -> None:
    for i in range(0, len(values), 150):
        cloudwatch[region].put_metric_data(
            Namespace=names["app_namespace"],
            MetricData=[
                {
                    "MetricName": names["latency_metric"],
                    "Dimensions": [
                        {"Name": "Region", "Value": region},
                        {"Name": "Operation", "Value": operation},
                    ],
                    "Values": values[i : i + 150],
                    "Unit": "Milliseconds",
                }
            ],
        )


publish_values(PRIMARY_REGION, "write", write_ms)
publish_values(DR_REGION, "read", read_ms)
print(json.dumps(latency, indent=1))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "latency_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
require("write_ms", "read_ms", "latency")
expect(len(write_ms) == 200 and len(read_ms) == 200, "time 200 writes and 200 reads")
for op, values in (("write", write_ms), ("read", read_ms)):
    for p in (50, 95, 99):
        expect(
            abs(latency[op][f"p{p}"] - percentile(values, p)) < 1e-6,
            f"latency[{op!r}]['p{p}'] is {latency[op].get(f'p{p}')}, not the measured percentile",
        )
for region, op in ((PRIMARY_REGION, "write"), (DR_REGION, "read")):
    dims = [{"Name": "Region", "Value": region}, {"Name": "Operation", "Value": op}]
    count = sample_count(region, names["app_namespace"], names["latency_metric"], dims)
    expect(
        count >= 200,
        f"CloudWatch in {region} holds {count} {names['latency_metric']} values for "
        f"Region={region}, Operation={op}; publish all 200",
    )
print(json.dumps(latency))

### BEGIN HIDDEN TESTS
with connect(names["primary_cluster"], PRIMARY_REGION) as db:
    on_primary = db.execute("SELECT count(*) FROM orders").fetchone()[0]
expect(on_primary >= 200, f"the primary holds {on_primary} orders; insert 200")
with connect(names["dr_cluster"], DR_REGION) as replica:
    in_recovery = replica.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    expect(in_recovery, "the us-west-2 cluster is not a replica any more: do not promote it here")
    replicated = wait_for(
        lambda: replica.execute("SELECT count(*) FROM orders").fetchone()[0] >= on_primary,
        10,
        "every order on the replica",
    )
expect(all(0 < v < 5000 for v in write_ms + read_ms), "latencies must be milliseconds")
now = time.time()
stats = cloudwatch[PRIMARY_REGION].get_metric_statistics(
    Namespace=names["app_namespace"],
    MetricName=names["latency_metric"],
    Dimensions=[
        {"Name": "Region", "Value": PRIMARY_REGION},
        {"Name": "Operation", "Value": "write"},
    ],
    StartTime=now - 3600,
    EndTime=now + 60,
    Period=3600,
    Statistics=["Maximum"],
)["Datapoints"]
expect(
    stats and max(p["Maximum"] for p in stats) >= max(write_ms) - 1e-3,
    "the published write latencies are not the measured ones (the largest is missing)",
)
in_ms = cloudwatch[PRIMARY_REGION].get_metric_statistics(
    Namespace=names["app_namespace"],
    MetricName=names["latency_metric"],
    Dimensions=[
        {"Name": "Region", "Value": PRIMARY_REGION},
        {"Name": "Operation", "Value": "write"},
    ],
    StartTime=now - 3600,
    EndTime=now + 60,
    Period=3600,
    Statistics=["SampleCount"],
    Unit="Milliseconds",
)["Datapoints"]
expect(
    sum(p["SampleCount"] for p in in_ms) >= 200,
    'publish the latencies with Unit="Milliseconds" (CloudWatch keeps values of another unit apart)',
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task3_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 3 · Replication lag, measured on the global database (2 points)
#
# Aurora publishes `AuroraGlobalDBReplicationLag` in `AWS/RDS`; the emulator does not, and a
# lag you measure end to end (a write on the primary until it is readable in us-west-2) is the
# honest number anyway: it is the window of committed trades a failover would lose.
#
# Take **20 samples**: create a table `lag_probe (marker text primary key, written_at
# timestamptz default now())` on the primary if needed; for each sample insert a fresh marker
# (`uuid.uuid4().hex`) on the primary, then poll the replica (`SELECT 1 FROM lag_probe WHERE
# marker = %s`, as fast as you can, bounded to 10 s) until it is there; the lag is the time in
# milliseconds from just before the insert to the first successful read. Keep them in
# `lag_ms` (a list of 20 floats). The new table replicates too: until
# `SELECT to_regclass('lag_probe')` on the replica is not `NULL`, querying it there raises
# `UndefinedTable`, so wait for it before the first sample.
#
# Publish them to `names["dr_namespace"]` / `names["lag_metric"]` (`ReplicationLagMs`) in
# **us-west-2** (where they are observed), `Unit="Milliseconds"`, dimension
# `DBClusterIdentifier=trading-platform-dr`. Also print what PostgreSQL itself reports on the
# replica: `SELECT now() - pg_last_xact_replay_timestamp()`.

# %% nbgrader={"grade": false, "grade_id": "lag_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
lag_dims = [{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}]
lag_ms = []
with (
    connect(names["primary_cluster"], PRIMARY_REGION) as db,
    connect(names["dr_cluster"], DR_REGION) as replica,
):
    db.execute(
        "CREATE TABLE IF NOT EXISTS lag_probe (marker text PRIMARY KEY, "
        "written_at timestamptz DEFAULT now())"
    )
    wait_for(
        lambda: replica.execute("SELECT to_regclass('lag_probe')").fetchone()[0],
        10,
        "the lag_probe table replicating to us-west-2",
    )
    for _ in range(20):
        marker = uuid.uuid4().hex
        start = time.perf_counter()
        db.execute("INSERT INTO lag_probe (marker) VALUES (%s)", (marker,))
        while not replica.execute(
            "SELECT 1 FROM lag_probe WHERE marker = %s", (marker,)
        ).fetchone():
            if time.perf_counter() - start > 10:
                raise RuntimeError("a marker did not replicate within 10 s")
            time.sleep(0.001)
        lag_ms.append((time.perf_counter() - start) * 1000)
    replay = replica.execute("SELECT now() - pg_last_xact_replay_timestamp()").fetchone()[0]
cloudwatch[DR_REGION].put_metric_data(
    Namespace=names["dr_namespace"],
    MetricData=[
        {
            "MetricName": names["lag_metric"],
            "Dimensions": lag_dims,
            "Values": lag_ms,
            "Unit": "Milliseconds",
        }
    ],
)
print(f"lag: max {max(lag_ms):.1f} ms, median {statistics.median(lag_ms):.1f} ms; replay {replay}")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "lag_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
require("lag_ms")
expect(len(lag_ms) == 20, f"take 20 samples, not {len(lag_ms)}")
expect(all(0 < v < 10000 for v in lag_ms), f"lag samples must be milliseconds: {lag_ms}")
dims = [{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}]
count = sample_count(DR_REGION, names["dr_namespace"], names["lag_metric"], dims)
expect(
    count >= 20, f"CloudWatch in us-west-2 holds {count} {names['lag_metric']} values; publish 20"
)
print(f"replication lag: max {max(lag_ms):.1f} ms")

### BEGIN HIDDEN TESTS
with connect(names["primary_cluster"], PRIMARY_REGION) as db:
    markers = db.execute("SELECT count(*) FROM lag_probe").fetchone()[0]
expect(markers >= 20, f"the primary holds {markers} lag markers; write one per sample")
with connect(names["dr_cluster"], DR_REGION) as replica:
    wait_for(
        lambda: replica.execute("SELECT count(*) FROM lag_probe").fetchone()[0] >= markers,
        10,
        "the markers on the replica",
    )
now = time.time()
lag_stats = cloudwatch[DR_REGION].get_metric_statistics(
    Namespace=names["dr_namespace"],
    MetricName=names["lag_metric"],
    Dimensions=dims,
    StartTime=now - 3600,
    EndTime=now + 60,
    Period=3600,
    Statistics=["Maximum"],
)["Datapoints"]
expect(
    lag_stats and max(p["Maximum"] for p in lag_stats) >= max(lag_ms) - 1e-3,
    "the published lag values are not the measured ones (the largest is missing)",
)
expect(len(set(lag_ms)) > 1, "20 identical lag samples: measure each one")
lag_in_ms = cloudwatch[DR_REGION].get_metric_statistics(
    Namespace=names["dr_namespace"],
    MetricName=names["lag_metric"],
    Dimensions=dims,
    StartTime=now - 3600,
    EndTime=now + 60,
    Period=3600,
    Statistics=["SampleCount"],
    Unit="Milliseconds",
)["Datapoints"]
expect(
    sum(p["SampleCount"] for p in lag_in_ms) >= 20,
    'publish the lag samples with Unit="Milliseconds"',
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task4_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 4 · Alarms for RPO, RTO and latency (3 points)
#
# Three alarms, each in the region of its metric, each notifying that region's DR events topic
# on `ALARM` **and** on `OK` (the on-call engineer wants to know it cleared):
#
# | alarm | region | metric (dimensions) | statistic | period | evaluation | threshold | missing data |
# |---|---|---|---|---|---|---|---|
# | `names["alarm_rpo"]` | us-west-2 | `TradingPlatform/DR` `ReplicationLagMs` (`DBClusterIdentifier=trading-platform-dr`) | `Maximum` | 60 | 1 of 1 | `GreaterThanThreshold` 1000 | `breaching` |
# | `names["alarm_rto"]` | us-west-2 | `TradingPlatform/DR` `PrimaryHealthy` (`Region=us-east-1`) | `Minimum` | 60 | 3 of 3 | `LessThanThreshold` 1 | `breaching` |
# | `names["alarm_latency"]` | us-east-1 | `TradingPlatform/App` `OrderLatency` (`Region=us-east-1`, `Operation=write`) | `ExtendedStatistic="p99"` | 60 | 2 of 2 | `GreaterThanThreshold` 250 | `notBreaching` |
#
# Why these choices:
#
# - **RPO**: any second of lag is data a failover loses; a full second of it means the
#   secondary is falling behind (the measured lag is milliseconds). Missing lag data is
#   **breaching**: if nobody can prove the secondary is caught up, RPO 0 is not assured.
# - **RTO**: `PrimaryHealthy` is the canary in us-west-2 probing us-east-1 (1 up, 0 down). Three
#   bad minutes without a failover eats a fifth of the 15-minute budget: page a human. Missing
#   data is breaching here because this alarm only pages (the Day 11-13 alarm that *fails over*
#   ignored missing data: a false failover loses data, a false page does not).
# - **Latency**: p99, not the average; two minutes so one slow batch does not page; no orders
#   means no latency problem (`notBreaching`).
#
# `put_metric_alarm` creates or replaces, so re-running is safe. Keep the three alarms' ARNs in
# `alarm_arns = {name: arn}` (from `describe_alarms`).

# %% nbgrader={"grade": false, "grade_id": "alarms_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
ALARMS = {
    names["alarm_rpo"]: dict(
        region=DR_REGION,
        AlarmDescription="RPO 0 at risk: the us-west-2 secondary lags the writer by over 1 s",
        Namespace=names["dr_namespace"],
        MetricName=names["lag_metric"],
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=1000,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="breaching",
    ),
    names["alarm_rto"]: dict(
        region=DR_REGION,
        AlarmDescription="RTO 15 min at risk: us-east-1 has failed the canary for 3 minutes",
        Namespace=names["dr_namespace"],
        MetricName=names["health_metric"],
        Dimensions=[{"Name": "Region", "Value": PRIMARY_REGION}],
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=3,
        DatapointsToAlarm=3,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching",
    ),
    names["alarm_latency"]: dict(
        region=PRIMARY_REGION,
        AlarmDescription="Order placement p99 over 250 ms for 2 minutes in us-east-1",
        Namespace=names["app_namespace"],
        MetricName=names["latency_metric"],
        Dimensions=[
            {"Name": "Region", "Value": PRIMARY_REGION},
            {"Name": "Operation", "Value": "write"},
        ],
        ExtendedStatistic="p99",
        Period=60,
        EvaluationPeriods=2,
        DatapointsToAlarm=2,
        Threshold=250,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    ),
}
alarm_arns = {}
for alarm_name, spec in ALARMS.items():
    spec = dict(spec)
    region = spec.pop("region")
    cloudwatch[region].put_metric_alarm(
        AlarmName=alarm_name,
        AlarmActions=[topic_arns[region]],
        OKActions=[topic_arns[region]],
        **spec,
    )
    alarm_arns[alarm_name] = cloudwatch[region].describe_alarms(AlarmNames=[alarm_name])[
        "MetricAlarms"
    ][0]["AlarmArn"]
print(json.dumps(alarm_arns, indent=1))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "alarms_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
require("alarm_arns")
EXPECTED_ALARMS = {
    names["alarm_rpo"]: (
        DR_REGION,
        {
            "Namespace": names["dr_namespace"],
            "MetricName": names["lag_metric"],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1000,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "breaching",
        },
    ),
    names["alarm_rto"]: (
        DR_REGION,
        {
            "Namespace": names["dr_namespace"],
            "MetricName": names["health_metric"],
            "Statistic": "Minimum",
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
        },
    ),
    names["alarm_latency"]: (
        PRIMARY_REGION,
        {
            "Namespace": names["app_namespace"],
            "MetricName": names["latency_metric"],
            "ExtendedStatistic": "p99",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 2,
            "Threshold": 250,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    ),
}
for alarm_name, (region, fields) in EXPECTED_ALARMS.items():
    found = cloudwatch[region].describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    expect(found, f"no alarm {alarm_name} in {region}")
    for key, value in fields.items():
        expect(
            found[0].get(key) == value,
            f"alarm {alarm_name}: {key} is {found[0].get(key)!r}, expected {value!r}",
        )
    expect(alarm_arns.get(alarm_name) == found[0]["AlarmArn"], f"alarm_arns[{alarm_name!r}]")
print("three alarms configured")

### BEGIN HIDDEN TESTS
topic_of = {r: f"arn:aws:sns:{r}:{ACCOUNT_ID}:{names['events_topic']}" for r in REGIONS}
dims_expected = {
    names["alarm_rpo"]: [{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}],
    names["alarm_rto"]: [{"Name": "Region", "Value": PRIMARY_REGION}],
    names["alarm_latency"]: [
        {"Name": "Region", "Value": PRIMARY_REGION},
        {"Name": "Operation", "Value": "write"},
    ],
}
for alarm_name, (region, _) in EXPECTED_ALARMS.items():
    alarm = cloudwatch[region].describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
    for key in ("AlarmActions", "OKActions"):
        expect(
            alarm.get(key) == [topic_of[region]],
            f"alarm {alarm_name}: {key} is {alarm.get(key)}, expected [{topic_of[region]}] "
            f"(the DR events topic in the alarm's own region, on ALARM and on OK)",
        )
    got = sorted(alarm.get("Dimensions", []), key=lambda d: d["Name"])
    want = sorted(dims_expected[alarm_name], key=lambda d: d["Name"])
    expect(got == want, f"alarm {alarm_name} watches dimensions {got}, expected {want}")
    expect(alarm.get("ActionsEnabled", True), f"alarm {alarm_name}: actions disabled")
expect(
    alarm_state(PRIMARY_REGION, names["alarm_rpo"]) is None,
    "the RPO alarm belongs in us-west-2 only (alarms notify topics in their own region)",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task5_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 5 · Prove every alarm fires, notifies and clears (3 points)
#
# An alarm nobody has seen fire is a hope, not a control. For each alarm, with
# `keep_publishing`:
#
# 1. publish a healthy value until the alarm is `OK` (lag 5 ms; `PrimaryHealthy` 1; latency
#    20 ms), then empty its region's queue (`drain(region)`);
# 2. publish a breaching value until it is `ALARM` (lag 5000 ms; `PrimaryHealthy` 0; latency
#    400 ms) and note how long it took;
# 3. `drain(region, wait=5)` and find the notification whose `AlarmName` is the alarm's and
#    whose `NewStateValue` is `ALARM`;
# 4. publish the healthy value until it is `OK` again, and find that `OK` notification.
#
# Keep `alarm_proof = {alarm name: {"to_alarm_s": seconds, "alarm_message": <the ALARM
# notification>, "ok_message": <the OK notification>}}`. How does `to_alarm_s` relate to
# `Period x DatapointsToAlarm x TIME_SCALE`?

# %% nbgrader={"grade": false, "grade_id": "proof_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
PROOF = {
    names["alarm_rpo"]: (DR_REGION, names["dr_namespace"], names["lag_metric"], 5, 5000),
    names["alarm_rto"]: (DR_REGION, names["dr_namespace"], names["health_metric"], 1, 0),
    names["alarm_latency"]: (
        PRIMARY_REGION,
        names["app_namespace"],
        names["latency_metric"],
        20,
        400,
    ),
}
alarm_proof = {}
for alarm_name, (region, namespace, metric, good, bad) in PROOF.items():
    dims = ALARMS[alarm_name]["Dimensions"]

    def in_state(state, alarm_name=alarm_name, region=region):
        return lambda: alarm_state(region, alarm_name) == state

    def message(state, found, alarm_name=alarm_name):
        return next(
            (
                m
                for m in found
                if m.get("AlarmName") == alarm_name and m.get("NewStateValue") == state
            ),
            None,
        )

    keep_publishing(region, namespace, metric, dims, good, in_state("OK"))
    drain(region)
    to_alarm = keep_publishing(region, namespace, metric, dims, bad, in_state("ALARM"))
    alarm_message = message("ALARM", drain(region, wait=5))
    keep_publishing(region, namespace, metric, dims, good, in_state("OK"))
    ok_message = message("OK", drain(region, wait=5))
    alarm_proof[alarm_name] = {
        "to_alarm_s": to_alarm,
        "alarm_message": alarm_message,
        "ok_message": ok_message,
    }
    print(
        f"{alarm_name}: ALARM after {to_alarm:.2f} s, notified {alarm_message is not None}, "
        f"OK notified {ok_message is not None}"
    )
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "proof_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
require("alarm_proof")
for alarm_name in (names["alarm_rpo"], names["alarm_rto"], names["alarm_latency"]):
    expect(alarm_name in alarm_proof, f"no proof for alarm {alarm_name} in alarm_proof")
    proof = alarm_proof[alarm_name]
    for key, state in (("alarm_message", "ALARM"), ("ok_message", "OK")):
        message = proof.get(key) or {}
        expect(
            message.get("AlarmName") == alarm_name and message.get("NewStateValue") == state,
            f"alarm_proof[{alarm_name!r}][{key!r}] is not the {state} notification of the alarm: "
            f"{message}",
        )
    expect(proof.get("to_alarm_s", 0) > 0, f"alarm_proof[{alarm_name!r}]['to_alarm_s']")
print("every alarm fired, notified and cleared")

### BEGIN HIDDEN TESTS
# the RTO alarm must wait three bad periods before it fires
expect(
    alarm_proof[names["alarm_rto"]]["to_alarm_s"] >= 1.5 * 60 * TIME_SCALE,
    "the RTO alarm fired before three bad periods could pass: check its DatapointsToAlarm",
)
# the learner's latency proof happened in us-east-1, the RPO proof in us-west-2
history = cloudwatch[PRIMARY_REGION].describe_alarm_history(
    AlarmName=names["alarm_latency"], HistoryItemType="StateUpdate"
)["AlarmHistoryItems"]
expect(
    any("to ALARM" in h.get("HistorySummary", "") for h in history),
    f"alarm {names['alarm_latency']} has never been in ALARM in us-east-1",
)
# the grader's own breach of the RPO alarm, with values the proof did not use
for alarm_name, region, namespace, metric, dims, good, bad in (
    (
        names["alarm_rpo"],
        DR_REGION,
        names["dr_namespace"],
        names["lag_metric"],
        [{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}],
        3,
        2500,
    ),
):
    keep_publishing(
        region,
        namespace,
        metric,
        dims,
        good,
        lambda r=region, a=alarm_name: alarm_state(r, a) == "OK",
    )
    drain(region)
    keep_publishing(
        region,
        namespace,
        metric,
        dims,
        bad,
        lambda r=region, a=alarm_name: alarm_state(r, a) == "ALARM",
    )
    seen = drain(region, wait=5)
    expect(
        any(m.get("AlarmName") == alarm_name and m.get("NewStateValue") == "ALARM" for m in seen),
        f"the grader made {alarm_name} fire but no ALARM notification reached the {region} queue",
    )
    keep_publishing(
        region,
        namespace,
        metric,
        dims,
        good,
        lambda r=region, a=alarm_name: alarm_state(r, a) == "OK",
    )
    seen = drain(region, wait=5)
    expect(
        any(m.get("AlarmName") == alarm_name and m.get("NewStateValue") == "OK" for m in seen),
        f"{alarm_name} cleared but no OK notification reached the {region} queue",
    )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task6_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 6 · A cross-region dashboard (2 points)
#
# One CloudWatch dashboard `names["dashboard"]` shows both regions: a dashboard is global, and
# each metric widget names the `region` its metrics come from. Write its body (JSON, `widgets`
# list, each `{"type", "x", "y", "width", "height", "properties"}`) with at least:
#
# | widget title | region | metrics (`[namespace, metric, dim name, dim value, ...]`) | stat |
# |---|---|---|---|
# | Replication lag (RPO) | us-west-2 | `TradingPlatform/DR ReplicationLagMs DBClusterIdentifier trading-platform-dr` | `Maximum` |
# | Primary health (RTO) | us-west-2 | `TradingPlatform/DR PrimaryHealthy Region us-east-1` | `Minimum` |
# | DR capacity | us-west-2 | `AWS/AutoScaling GroupInServiceInstances AutoScalingGroupName trading-platform-dr-asg` (and `GroupDesiredCapacity`) | `Average` |
# | Order latency us-east-1 | us-east-1 | `TradingPlatform/App OrderLatency Region us-east-1 Operation write` | `p99` (and p50, p95) |
# | Order latency us-west-2 | us-west-2 | `TradingPlatform/App OrderLatency Region us-west-2 Operation read` | `p99` |
# | DR alarms | (global) | a widget of `"type": "alarm"` with `"alarms": [the three alarm ARNs]` | |
#
# Write each metric out in full (no `"..."` shorthand), with the statistic in the widget's
# `"stat"` or in a per-metric options dict as the last item (`{"stat": "p95"}`); set
# `"period": 60`. `put_dashboard` creates or replaces.


# %% nbgrader={"grade": false, "grade_id": "dashboard_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def metric_widget(title, region, metrics, stat, x, y, **extra):
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "metrics": metrics,
            "stat": stat,
            "period": 60,
            "view": "timeSeries",
            **extra,
        },
    }


latency_east = [
    "TradingPlatform/App",
    "OrderLatency",
    "Region",
    PRIMARY_REGION,
    "Operation",
    "write",
]
latency_west = ["TradingPlatform/App", "OrderLatency", "Region", DR_REGION, "Operation", "read"]
group = ["AutoScalingGroupName", names["dr_asg"]]
body = {
    "widgets": [
        metric_widget(
            "Replication lag (RPO)",
            DR_REGION,
            [
                [
                    names["dr_namespace"],
                    names["lag_metric"],
                    "DBClusterIdentifier",
                    names["dr_cluster"],
                ]
            ],
            "Maximum",
            0,
            0,
            annotations={"horizontal": [{"label": "RPO at risk", "value": 1000}]},
        ),
        metric_widget(
            "Primary health (RTO)",
            DR_REGION,
            [[names["dr_namespace"], names["health_metric"], "Region", PRIMARY_REGION]],
            "Minimum",
            12,
            0,
        ),
        metric_widget(
            "DR capacity",
            DR_REGION,
            [
                ["AWS/AutoScaling", "GroupInServiceInstances", *group],
                ["AWS/AutoScaling", "GroupDesiredCapacity", *group],
            ],
            "Average",
            0,
            6,
        ),
        metric_widget(
            "Order latency us-east-1",
            PRIMARY_REGION,
            [
                [*latency_east, {"stat": "p50"}],
                [*latency_east, {"stat": "p95"}],
                [*latency_east, {"stat": "p99"}],
            ],
            "p99",
            12,
            6,
        ),
        metric_widget("Order latency us-west-2", DR_REGION, [latency_west], "p99", 0, 12),
        {
            "type": "alarm",
            "x": 12,
            "y": 12,
            "width": 12,
            "height": 6,
            "properties": {"title": "DR alarms", "alarms": list(alarm_arns.values())},
        },
    ]
}
cloudwatch[PRIMARY_REGION].put_dashboard(
    DashboardName=names["dashboard"], DashboardBody=json.dumps(body)
)
print(f"{len(body['widgets'])} widgets on {names['dashboard']}")
### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "dashboard_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def dashboard_series(body: dict) -> list[tuple]:
    """(widget region, namespace, metric, dimensions, stat) for every metric of the body."""
    series = []
    for widget in body.get("widgets", []):
        props = widget.get("properties", {})
        if widget.get("type") != "metric":
            continue
        for entry in props.get("metrics", []):
            options = entry[-1] if entry and isinstance(entry[-1], dict) else {}
            parts = [p for p in entry if not isinstance(p, dict)]
            if len(parts) < 2:
                continue
            dims = dict(zip(parts[2::2], parts[3::2], strict=False))
            stat = options.get("stat", props.get("stat"))
            series.append((props.get("region"), parts[0], parts[1], dims, stat))
    return series


stored = None
for region in REGIONS:  # dashboards are global; the emulator files them under the client's region
    try:
        stored = cloudwatch[region].get_dashboard(DashboardName=names["dashboard"])
        break
    except ClientError:
        continue
expect(stored, f"no CloudWatch dashboard {names['dashboard']}: put_dashboard it")
board = json.loads(stored["DashboardBody"])
series = dashboard_series(board)


def shows(region, namespace, metric, dims, stat=None) -> bool:
    return any(
        r == region and n == namespace and m == metric and d == dims and (stat is None or s == stat)
        for r, n, m, d, s in series
    )


for what, args in (
    (
        "replication lag",
        (
            DR_REGION,
            names["dr_namespace"],
            names["lag_metric"],
            {"DBClusterIdentifier": names["dr_cluster"]},
            "Maximum",
        ),
    ),
    (
        "primary health",
        (DR_REGION, names["dr_namespace"], names["health_metric"], {"Region": PRIMARY_REGION}),
    ),
    (
        "us-east-1 p99 latency",
        (
            PRIMARY_REGION,
            names["app_namespace"],
            names["latency_metric"],
            {"Region": PRIMARY_REGION, "Operation": "write"},
            "p99",
        ),
    ),
    (
        "us-west-2 p99 latency",
        (
            DR_REGION,
            names["app_namespace"],
            names["latency_metric"],
            {"Region": DR_REGION, "Operation": "read"},
            "p99",
        ),
    ),
):
    expect(shows(*args), f"dashboard {names['dashboard']} has no {what} widget: {args}")
print(
    f"dashboard {names['dashboard']}: {len(board.get('widgets', []))} widgets, {len(series)} series"
)

### BEGIN HIDDEN TESTS
expect(
    any(
        r == DR_REGION and n == "AWS/AutoScaling" and d == {"AutoScalingGroupName": names["dr_asg"]}
        for r, n, m, d, s in series
    ),
    "no DR capacity widget (AWS/AutoScaling of the DR group, us-west-2)",
)
alarm_widgets = [w for w in board.get("widgets", []) if w.get("type") == "alarm"]
expect(alarm_widgets, "no alarm status widget")
listed = {a for w in alarm_widgets for a in w.get("properties", {}).get("alarms", [])}
for alarm_name, (region, _) in EXPECTED_ALARMS.items():
    arn = cloudwatch[region].describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["AlarmArn"]
    expect(arn in listed, f"the alarm widget does not show {alarm_name} ({arn})")
expect({r for r, *_ in series} >= set(REGIONS), "the dashboard must show both regions")
for widget in board["widgets"]:
    for key in ("x", "y", "width", "height"):
        expect(
            isinstance(widget.get(key), int),
            f"widget {widget.get('properties', {}).get('title')!r}: {key} is "
            f"{widget.get(key)!r}; x, y, width and height must be integers (grid units)",
        )
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "task7_intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Task 7 · Plots and the monitoring design in your portfolio (2 points)
#
# 1. A matplotlib figure (object API, `from matplotlib.figure import Figure`) with two panels:
#    the distribution of `write_ms` and `read_ms` (histograms, with the p99s marked) and the 20
#    `lag_ms` samples (with the RPO alarm's 1000 ms threshold as a line, on a log scale if that
#    reads better). Save it with `lab.portfolio.add_figure(names["figure"], fig)`.
# 2. Measurements with `lab.portfolio.record_measurement(name, value, "ms", project="p4")`:
#    `order_latency_p99` (the write p99) and `replication_lag_max` (the largest lag sample).
# 3. The monitoring design as an **architecture** document
#    `lab.portfolio.write_document("architecture", names["document"], text)` with the sections
#    `## Overview`, `## Components` (metrics, alarms, topics, queues, dashboard, by region),
#    `## Design Decisions` (each alarm by its name, e.g. `trading-dr-rpo-at-risk`: its
#    threshold, periods and missing-data choice, and why),
#    `## Security` (who may publish to the topics and queues) and `## Scaling` (the DR group on
#    the dashboard; metric costs). Put your measured write p99 and maximum lag in it (in ms, one
#    decimal).

# %% nbgrader={"grade": false, "grade_id": "portfolio_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
from matplotlib.figure import Figure  # noqa: E402

fig = Figure(figsize=(11, 4))
ax1, ax2 = fig.subplots(1, 2)
ax1.hist(
    [write_ms, read_ms],
    bins=40,
    label=[
        f"write (us-east-1), p99 {latency['write']['p99']:.1f} ms",
        f"read (us-west-2), p99 {latency['read']['p99']:.1f} ms",
    ],
)
ax1.axvline(latency["write"]["p99"], color="C0", linestyle="--")
ax1.axvline(latency["read"]["p99"], color="C1", linestyle="--")
ax1.set_xlabel("latency (ms)")
ax1.set_ylabel("requests")
ax1.set_title("Order latency, 200 requests per operation")
ax1.legend()
ax2.plot(range(1, len(lag_ms) + 1), lag_ms, marker="o", label="measured lag")
ax2.axhline(1000, color="red", linestyle="--", label="RPO alarm threshold (1000 ms)")
ax2.set_yscale("log")
ax2.set_xlabel("sample")
ax2.set_ylabel("write-to-readable lag (ms)")
ax2.set_title("Replication lag us-east-1 -> us-west-2")
ax2.legend()
fig.tight_layout()
lab.portfolio.add_figure(names["figure"], fig)
lab.portfolio.record_measurement(
    "order_latency_p99",
    round(latency["write"]["p99"], 1),
    "ms",
    project="p4",
    source="200 order inserts on the Aurora writer (us-east-1), nearest-rank p99",
)
lab.portfolio.record_measurement(
    "replication_lag_max",
    round(max(lag_ms), 1),
    "ms",
    target="< 1000",
    project="p4",
    source="20 write-to-readable samples, us-east-1 writer -> us-west-2 secondary",
)
p99, worst = f"{latency['write']['p99']:.1f}", f"{max(lag_ms):.1f}"
design = f"""# Trading platform DR monitoring and alerting

## Overview
What tells us, at any minute, whether RTO 15 min and RPO 0 still hold. Measured today: order
placement p99 **{p99} ms** (us-east-1 writer), maximum replication lag **{worst} ms**
(us-east-1 -> us-west-2, 20 samples), against an RPO alarm threshold of 1000 ms.

## Components
- Metrics: `TradingPlatform/App OrderLatency` (Region, Operation; raw values, so CloudWatch
  computes p50/p95/p99) in each region; `TradingPlatform/DR ReplicationLagMs`
  (DBClusterIdentifier={names["dr_cluster"]}) and `PrimaryHealthy` (the canary, Region=us-east-1)
  in us-west-2.
- Alarms: `{names["alarm_rpo"]}` and `{names["alarm_rto"]}` in us-west-2,
  `{names["alarm_latency"]}` in us-east-1.
- SNS topics `{names["events_topic"]}` in both regions, each with the SQS audit queue
  `{names["events_queue"]}` (and the on-call pager, e-mail in production).
- Dashboard `{names["dashboard"]}`: lag, primary health, DR capacity, latency of both regions,
  alarm status.

## Design Decisions
- RPO alarm: Maximum lag > 1000 ms in 1 of 1 minute; missing data is breaching (unproven
  replication is an RPO risk). Measured lag is {worst} ms at most, far below the threshold.
- RTO alarm: canary Minimum < 1 for 3 of 3 minutes; missing data breaching because it only
  pages. The failover trigger (Day 11-13) ignores missing data: a false failover loses data.
- Latency alarm: p99 > 250 ms for 2 of 2 minutes, missing data not breaching (no orders).
- Alarms live with their metrics and notify a topic in their own region; the DR alarms live
  in us-west-2 so they survive the outage they report.

## Security
Queue policies let only `sns.amazonaws.com` send, and only from the region's DR topic
(aws:SourceArn). Publishing to the topics is limited to CloudWatch alarms and the orchestrator's
role; subscribers are managed by the platform team.

## Scaling
The DR group `{names["dr_asg"]}` (in service and desired) is on the dashboard, so a failover
that does not bring capacity is visible. Custom metrics cost per metric and per request: raw
latency values are batched (150 per call) instead of one call per order.
"""
lab.portfolio.write_document("architecture", names["document"], design)
print(design)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "portfolio_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
require("latency", "lag_ms")
png = lab.portfolio.path("figures", f"{names['figure']}.png")
expect(
    png.is_file() and png.read_bytes()[:4] == b"\x89PNG", f"no figure {png.name} in your portfolio"
)
doc = lab.portfolio.path("documents", "architecture", f"{names['document']}.md")
expect(doc.is_file(), f"no architecture document {names['document']}.md in your portfolio")
text = doc.read_text()
headings = [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]
for section in ("Overview", "Components", "Design Decisions", "Security", "Scaling"):
    expect(any(section.lower() in h for h in headings), f"the document has no {section!r} section")
for name in ("order_latency_p99", "replication_lag_max"):
    expect(
        lab.portfolio.path("measurements", f"p4_{name}.json").is_file(), f"no measurement {name}"
    )
print("figure, measurements and monitoring design in the portfolio")

### BEGIN HIDDEN TESTS
expect(png.stat().st_size > 8000, "the figure looks empty")
expect(
    f"{latency['write']['p99']:.1f}" in text, "put the measured write p99 (ms, one decimal) in it"
)
expect(f"{max(lag_ms):.1f}" in text, "put the measured maximum lag (ms, one decimal) in it")
for alarm_name in (names["alarm_rpo"], names["alarm_rto"], names["alarm_latency"]):
    expect(alarm_name in text, f"the document does not describe alarm {alarm_name}")
lag_doc = json.loads(lab.portfolio.path("measurements", "p4_replication_lag_max.json").read_text())
expect(abs(lag_doc["value"] - max(lag_ms)) <= 0.1, f"replication_lag_max is {lag_doc['value']}")
p99_doc = json.loads(lab.portfolio.path("measurements", "p4_order_latency_p99.json").read_text())
expect(
    abs(p99_doc["value"] - latency["write"]["p99"]) <= 0.1,
    f"order_latency_p99 is {p99_doc['value']}",
)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "wrap_up", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Wrap-up
#
# The DR posture is now observable: RPO risk (lag), RTO risk (a primary failing without a
# failover), and the traders' experience (p99), each alarmed in the region that survives and
# delivered to topics in both regions, on one cross-region dashboard. Week 16 tests all of it
# together in a full DR drill and writes the DR report.
#
# For your notes:
#
# 1. Your lag samples are milliseconds on a quiet database. What would make lag grow on the
#    real platform (a burst of trades, a long transaction, the inter-region link), and what
#    should the on-call engineer do when the RPO alarm fires (hint: throttle writes, or accept
#    that a failover now would lose data and say so)?
# 2. The metric publisher that measures lag is itself a single point of failure: with
#    `breaching`, its death pages you. Where would you run it, and how often?
# 3. CloudWatch cross-account/cross-region observability lets one monitoring account see both
#    regions: what would you put there?
