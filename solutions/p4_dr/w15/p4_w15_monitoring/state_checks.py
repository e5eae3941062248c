"""Out-of-kernel state checks of p4_w15_monitoring (instructor-only, never shipped).

From the grader's process: the DR events topics and subscribed audit queues in both regions,
the custom metrics' data in CloudWatch, the three alarms' configuration and actions, and the
cross-region dashboard's body.
"""

from __future__ import annotations

import json
import time

from botocore.exceptions import ClientError

from labkit.checks import expect


def _regions(lab) -> tuple[str, str]:
    return lab.names["primary_region"], lab.names["dr_region"]


def topics(lab) -> None:
    names = lab.names
    for region in _regions(lab):
        sns, sqs = lab.client("sns", region), lab.client("sqs", region)
        topic = f"arn:aws:sns:{region}:{lab.account_id}:{names['events_topic']}"
        arns = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
        expect(topic in arns, f"no SNS topic {names['events_topic']} in {region}")
        try:
            url = sqs.get_queue_url(QueueName=names["events_queue"])["QueueUrl"]
        except ClientError:
            raise AssertionError(f"no SQS queue {names['events_queue']} in {region}") from None
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        expect(
            any(s["Protocol"] == "sqs" and s["Endpoint"] == attrs["QueueArn"] for s in subs),
            f"the {region} queue is not subscribed to the {region} topic",
        )
        expect(
            topic in attrs.get("Policy", ""), f"the {region} queue policy does not name the topic"
        )


def _count(lab, region, namespace, metric, dims) -> int:
    now = time.time()
    points = lab.client("cloudwatch", region).get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=dims,
        StartTime=now - 3600,
        EndTime=now + 60,
        Period=3600,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return int(sum(p["SampleCount"] for p in points))


def latency(lab) -> None:
    names = lab.names
    east, west = _regions(lab)
    for region, op in ((east, "write"), (west, "read")):
        dims = [{"Name": "Region", "Value": region}, {"Name": "Operation", "Value": op}]
        count = _count(lab, region, names["app_namespace"], names["latency_metric"], dims)
        expect(count >= 200, f"{region} holds {count} {names['latency_metric']} values ({op})")


def lag(lab) -> None:
    names = lab.names
    dims = [{"Name": "DBClusterIdentifier", "Value": names["dr_cluster"]}]
    count = _count(lab, names["dr_region"], names["dr_namespace"], names["lag_metric"], dims)
    expect(count >= 20, f"us-west-2 holds {count} {names['lag_metric']} values; publish 20")


EXPECTED = {
    "alarm_rpo": (
        "dr_region",
        {
            "MetricName": "lag_metric",
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1000,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "breaching",
        },
    ),
    "alarm_rto": (
        "dr_region",
        {
            "MetricName": "health_metric",
            "Statistic": "Minimum",
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
        },
    ),
    "alarm_latency": (
        "primary_region",
        {
            "MetricName": "latency_metric",
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


DIMENSIONS = {
    "alarm_rpo": lambda lab: [("DBClusterIdentifier", lab.names["dr_cluster"])],
    "alarm_rto": lambda lab: [("Region", lab.names["primary_region"])],
    "alarm_latency": lambda lab: [
        ("Operation", "write"),
        ("Region", lab.names["primary_region"]),
    ],
}


def _alarm(lab, key: str) -> tuple[str, dict]:
    names = lab.names
    region = names[EXPECTED[key][0]]
    found = lab.client("cloudwatch", region).describe_alarms(AlarmNames=[names[key]])[
        "MetricAlarms"
    ]
    expect(found, f"no alarm {names[key]} in {region}")
    return region, found[0]


def alarms(lab) -> None:
    names = lab.names
    for key, (_, fields) in EXPECTED.items():
        region, alarm = _alarm(lab, key)
        for field, value in fields.items():
            value = names[value] if field == "MetricName" else value
            expect(
                alarm.get(field) == value, f"alarm {names[key]}: {field} is {alarm.get(field)!r}"
            )
        topic = f"arn:aws:sns:{region}:{lab.account_id}:{names['events_topic']}"
        expect(alarm.get("AlarmActions") == [topic], f"alarm {names[key]}: AlarmActions")
        expect(alarm.get("OKActions") == [topic], f"alarm {names[key]}: OKActions")
        got = sorted((d["Name"], d["Value"]) for d in alarm.get("Dimensions", []))
        expect(got == DIMENSIONS[key](lab), f"alarm {names[key]}: dimensions {got}")


def proof(lab) -> None:
    names = lab.names
    for key in EXPECTED:
        region, _ = _alarm(lab, key)
        history = lab.client("cloudwatch", region).describe_alarm_history(
            AlarmName=names[key], HistoryItemType="StateUpdate"
        )["AlarmHistoryItems"]
        summaries = " ".join(h.get("HistorySummary", "") for h in history)
        expect("to ALARM" in summaries, f"alarm {names[key]} has never been in ALARM")
        expect("to OK" in summaries, f"alarm {names[key]} has never been OK")


def dashboard(lab) -> None:
    names = lab.names
    body = None
    for region in _regions(lab):  # global in AWS; the emulator files it under one region
        cw = lab.client("cloudwatch", region)
        try:
            body = json.loads(cw.get_dashboard(DashboardName=names["dashboard"])["DashboardBody"])
            break
        except ClientError:
            continue
    expect(body is not None, f"no dashboard {names['dashboard']}")
    regions = set()
    metrics = set()
    for widget in body.get("widgets", []):
        props = widget.get("properties", {})
        if widget.get("type") == "metric":
            regions.add(props.get("region"))
            for entry in props.get("metrics", []):
                parts = [p for p in entry if not isinstance(p, dict)]
                if len(parts) >= 2:
                    metrics.add((props.get("region"), parts[1]))
    expect(
        regions >= set(_regions(lab)), f"the dashboard shows regions {sorted(map(str, regions))}"
    )
    for region, metric in (
        (names["dr_region"], names["lag_metric"]),
        (names["dr_region"], names["health_metric"]),
        (names["primary_region"], names["latency_metric"]),
        (names["dr_region"], names["latency_metric"]),
    ):
        expect((region, metric) in metrics, f"the dashboard has no {metric} widget for {region}")
    alarms_shown = {
        a
        for w in body.get("widgets", [])
        if w.get("type") == "alarm"
        for a in w["properties"].get("alarms", [])
    }
    for key in EXPECTED:
        _, alarm = _alarm(lab, key)
        expect(alarm["AlarmArn"] in alarms_shown, f"the alarm widget does not show {names[key]}")


CHECKS = {
    "topics_tests": topics,
    "latency_tests": latency,
    "lag_tests": lag,
    "alarms_tests": alarms,
    "proof_tests": proof,
    "dashboard_tests": dashboard,
}
