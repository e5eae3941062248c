"""Out-of-kernel state checks of p4_w15_orchestrator (instructor-only, never shipped).

From the grader's process: the execution role and its least-privilege policy, the audit
queue's subscription and policy, the function's configuration (role, handler, timeout,
environment), the state a planned activation leaves (DR writer, group sized, DNS on us-west-2,
the function's runs in CloudWatch Logs), and the alarm -> SNS -> Lambda trigger.
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from labkit.checks import as_list, expect, statements


def _allowed(iam, names) -> dict[str, list[str]]:
    try:
        policy = iam.get_role_policy(RoleName=names["role"], PolicyName=names["role_policy"])
    except iam.exceptions.NoSuchEntityException:
        raise AssertionError(
            f"role {names['role']} has no inline policy {names['role_policy']}"
        ) from None
    allowed: dict[str, list[str]] = {}
    for s in statements(policy["PolicyDocument"]):
        if s.get("Effect") == "Allow":
            for action in as_list(s.get("Action")):
                allowed.setdefault(action, []).extend(as_list(s.get("Resource")))
    return allowed


def execution_role(lab) -> None:
    names, iam = lab.names, lab.client("iam")
    try:
        role = iam.get_role(RoleName=names["role"])["Role"]
    except iam.exceptions.NoSuchEntityException:
        raise AssertionError(f"no IAM role named {names['role']}") from None
    expect(
        any(
            "lambda.amazonaws.com" in as_list(s.get("Principal", {}).get("Service"))
            and "sts:AssumeRole" in as_list(s.get("Action"))
            for s in statements(role["AssumeRolePolicyDocument"])
        ),
        f"role {names['role']} must trust lambda.amazonaws.com",
    )
    allowed = _allowed(iam, names)
    for action in (
        "rds:FailoverGlobalCluster",
        "rds:SwitchoverGlobalCluster",
        "autoscaling:UpdateAutoScalingGroup",
        "route53:ChangeResourceRecordSets",
        "sns:Publish",
    ):
        expect(action in allowed, f"policy {names['role_policy']} does not allow {action}")
        expect("*" not in allowed[action], f"{action} is allowed on every resource")
    for action in allowed:
        expect(action != "*" and not action.endswith(":*"), f"the policy allows {action}")
    expect(
        allowed["sns:Publish"] == [lab.names["notifications_topic_arn"]],
        "sns:Publish must be allowed on the notifications topic only",
    )


def audit_queue(lab) -> None:
    names = lab.names
    sqs, sns = lab.client("sqs", names["dr_region"]), lab.client("sns", names["dr_region"])
    try:
        url = sqs.get_queue_url(QueueName=names["audit_queue"])["QueueUrl"]
    except ClientError:
        raise AssertionError(
            f"no SQS queue {names['audit_queue']} in {names['dr_region']}"
        ) from None
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    topic = names["notifications_topic_arn"]
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    expect(
        any(s["Protocol"] == "sqs" and s["Endpoint"] == attributes["QueueArn"] for s in subs),
        f"queue {names['audit_queue']} is not subscribed to {topic}",
    )
    expect("Policy" in attributes, f"queue {names['audit_queue']} has no queue policy")
    granted = [
        s
        for s in statements(attributes["Policy"])
        if "sns.amazonaws.com" in as_list((s.get("Principal") or {}).get("Service"))
        and "sqs:SendMessage" in as_list(s.get("Action"))
    ]
    expect(granted, "the queue policy must allow sns.amazonaws.com to sqs:SendMessage")
    expect(topic in json.dumps([s.get("Condition") for s in granted]), "limit it to the topic")


def function(lab) -> None:
    names = lab.names
    lam, iam = lab.client("lambda", names["dr_region"]), lab.client("iam")
    try:
        config = lam.get_function_configuration(FunctionName=names["function"])
    except lam.exceptions.ResourceNotFoundException:
        raise AssertionError(f"no Lambda function {names['function']} in us-west-2") from None
    expect(config["Handler"] == "orchestrator.handler", f"handler {config['Handler']!r}")
    expect(config["Role"] == iam.get_role(RoleName=names["role"])["Role"]["Arn"], "role")
    expect(60 <= config["Timeout"] <= 300, f"Timeout {config['Timeout']} s")
    variables = config.get("Environment", {}).get("Variables", {})
    for key, value in (
        ("GLOBAL_CLUSTER", names["global_cluster"]),
        ("TARGET_CLUSTER_ARN", names["dr_cluster_arn"]),
        ("DR_ASG", names["dr_asg"]),
        ("ZONE_ID", names["zone_id"]),
        ("TOPIC_ARN", names["notifications_topic_arn"]),
        ("DR_DESIRED", "6"),
        ("DR_MIN", "3"),
        ("DR_MAX", "12"),
    ):
        expect(variables.get(key) == value, f"environment variable {key} is {variables.get(key)!r}")


def _writer(lab) -> str | None:
    rds = lab.client("rds", lab.names["dr_region"])
    gc = rds.describe_global_clusters(GlobalClusterIdentifier=lab.names["global_cluster"])[
        "GlobalClusters"
    ][0]
    return next((m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]), None)


def activation(lab) -> None:
    """What a planned activation leaves behind whatever later tasks did: a switchover of the
    global cluster to the DR cluster in RDS's events, and the function's runs in its logs."""
    names = lab.names
    rds = lab.client("rds", names["dr_region"])
    events = rds.describe_events(SourceType="db-cluster")["Events"]
    switched = [
        e
        for e in events
        if "global-failover" in e.get("EventCategories", [])
        and "switchover" in e["Message"].lower()
        and names["dr_cluster"] in e["Message"]
    ]
    expect(switched, f"RDS has no event of a global switchover to {names['dr_cluster']}")
    logs = lab.client("logs", names["dr_region"])
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{names['function']}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    runs = sum("START RequestId" in e["message"] for e in events)
    expect(runs >= 2, f"the function's logs show {runs} runs; it was never invoked twice")


def alarm_trigger(lab) -> None:
    names = lab.names
    cw = lab.client("cloudwatch", names["dr_region"])
    found = cw.describe_alarms(AlarmNames=[names["alarm"]])["MetricAlarms"]
    expect(found, f"no CloudWatch alarm {names['alarm']} in {names['dr_region']}")
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
        expect(alarm.get(key) == value, f"alarm {names['alarm']}: {key} is {alarm.get(key)}")
    expect(not alarm.get("OKActions"), "no OKActions: failing back is a human decision")
    sns = lab.client("sns", names["dr_region"])
    topic = next(
        (
            t["TopicArn"]
            for t in sns.list_topics()["Topics"]
            if t["TopicArn"].endswith(f":{names['alarm_topic']}")
        ),
        None,
    )
    expect(
        topic and topic in alarm.get("AlarmActions", []),
        f"the alarm does not notify {names['alarm_topic']}",
    )
    lam = lab.client("lambda", names["dr_region"])
    arn = lam.get_function_configuration(FunctionName=names["function"])["FunctionArn"]
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    expect(
        any(s["Protocol"] == "lambda" and s["Endpoint"] == arn for s in subs),
        f"the function is not subscribed to {names['alarm_topic']}",
    )
    try:
        policy = json.loads(lam.get_policy(FunctionName=names["function"])["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        policy = {"Statement": []}
    expect(
        any("sns.amazonaws.com" in json.dumps(s.get("Principal")) for s in policy["Statement"]),
        "the function's resource policy does not let SNS invoke it (add_permission)",
    )
    expect(
        _writer(lab) == names["dr_cluster_arn"], "after the drill the writer is not in us-west-2"
    )


CHECKS = {
    "role_tests": execution_role,
    "queue_tests": audit_queue,
    "function_tests": function,
    "invoke_tests": activation,
    "alarm_tests": alarm_trigger,
}
