"""CloudWatch alarms evaluate themselves and run their actions (extension ``cloudwatch_alarms``).

A private emulator runs at time_scale 0.02, so a 60 s period is a 1.2 s window of wall time and
every alarm is evaluated every 1.2 s. Datapoints are published as they happen or back-dated by
whole scaled periods, the rule the extension documents.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator import client as emulator_client
from labkit.emulator.extensions.cloudwatch_alarms_actions import new_capacity
from labkit.emulator.extensions.cloudwatch_alarms_eval import (
    Window,
    decide,
    evaluate_expression,
    expression_ids,
    make_windows,
)
from labkit.emulator.process import EmulatorProcess

SCALE = 0.02
PERIOD = 60
WINDOW = PERIOD * SCALE  # wall seconds per period
REGION = "us-east-1"
OTHER_ACCOUNT = "111111111111"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    log = tmp_path_factory.mktemp("cw-alarms") / "emulator.log"
    with EmulatorProcess.spawn(time_scale=SCALE, log_path=log) as e:
        yield e


@pytest.fixture
def aws(emu) -> Callable[..., Any]:
    emulator_client.reset(emu.endpoint_url)

    def make(service: str, account: str | None = None) -> Any:
        c = boto3.client(
            service,
            endpoint_url=emu.endpoint_url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        if account:

            def add_header(request, **_):
                request.headers["x-moto-account-id"] = account

            c.meta.events.register("before-sign.*.*", add_header)
        return c

    return make


def wait_for(check: Callable[[], Any], timeout: float = 8.0, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def alarm(cw, name: str) -> dict:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def state_is(cw, name: str, state: str) -> Callable[[], dict | None]:
    def check() -> dict | None:
        a = alarm(cw, name)
        return a if a["StateValue"] == state else None

    return check


def put_alarm(cw, name: str, **overrides: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "Lab",
        "MetricName": "Errors",
        "Statistic": "Maximum",
        "Period": PERIOD,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": "Service", "Value": "api"}],
    }
    params.update(overrides)
    cw.put_metric_alarm(**params)


def put_value(cw, value: float, age: float = 0.0, **datum: Any) -> None:
    """Publish one datapoint ``age`` wall seconds old (default dimensions Service=api)."""
    item: dict[str, Any] = {
        "MetricName": "Errors",
        "Value": value,
        "Dimensions": [{"Name": "Service", "Value": "api"}],
        "Timestamp": datetime.now(UTC) - timedelta(seconds=age),
    }
    namespace = datum.pop("Namespace", "Lab")
    item.update(datum)
    cw.put_metric_data(Namespace=namespace, MetricData=[item])


def history(cw, name: str, item_type: str) -> list[dict]:
    return cw.describe_alarm_history(AlarmName=name, HistoryItemType=item_type)["AlarmHistoryItems"]


def sns_to_sqs(aws) -> tuple[str, str]:
    """A topic with a queue subscribed; returns (topic ARN, queue URL)."""
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn["QueueArn"])
    return topic, url


def next_notification(sqs, url: str, timeout: float = 8.0) -> dict:
    def check() -> dict | None:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not got:
            return None
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        return json.loads(got[0]["Body"])

    return wait_for(check, timeout)


# --- through the emulator ------------------------------------------------------------------


def test_threshold_crossing_goes_to_alarm_then_back_to_ok(aws):
    cw = aws("cloudwatch")
    put_alarm(cw, "errors-high")
    created = alarm(cw, "errors-high")
    assert created["StateValue"] == "INSUFFICIENT_DATA"
    assert created["StateReason"] == "Unchecked: Initial alarm creation"

    put_value(cw, 9.0)
    fired = wait_for(state_is(cw, "errors-high", "ALARM"), timeout=4)
    assert fired["StateReason"].startswith("Threshold Crossed: 1 datapoint [9.0 (")
    assert fired["StateReason"].endswith("was greater than the threshold (5.0).")
    data = json.loads(fired["StateReasonData"])
    assert data["statistic"] == "Maximum" and data["period"] == PERIOD
    assert data["recentDatapoints"] == [9.0] and data["threshold"] == 5.0

    time.sleep(WINDOW + 0.1)  # the breaching point leaves the newest period
    put_value(cw, 1.0)
    back = wait_for(state_is(cw, "errors-high", "OK"), timeout=4)
    assert "[1.0 (" in back["StateReason"]
    assert back["StateReason"].endswith("was not greater than the threshold (5.0).")
    assert back["StateUpdatedTimestamp"] > fired["StateUpdatedTimestamp"]

    summaries = [h["HistorySummary"] for h in history(cw, "errors-high", "StateUpdate")]
    assert summaries[:2] == [
        "Alarm updated from ALARM to OK",
        "Alarm updated from INSUFFICIENT_DATA to ALARM",
    ]
    item = history(cw, "errors-high", "StateUpdate")[0]
    assert json.loads(item["HistoryData"])["newState"]["stateValue"] == "OK"


def test_m_out_of_n(aws):
    cw = aws("cloudwatch")
    common = {"Statistic": "Sum", "EvaluationPeriods": 3, "Threshold": 10.0}
    common["ComparisonOperator"] = "GreaterThanOrEqualToThreshold"
    # newest period breaching, the one before not, the one before that breaching; published
    # before the alarms exist so that their first evaluation sees all three
    put_value(cw, 12.0, age=0.2)
    put_value(cw, 3.0, age=0.2 + WINDOW)
    put_value(cw, 15.0, age=0.2 + 2 * WINDOW)
    put_alarm(cw, "two-of-three", DatapointsToAlarm=2, **common)
    put_alarm(cw, "three-of-three", **common)

    two = wait_for(state_is(cw, "two-of-three", "ALARM"), timeout=4)
    assert two["StateReason"].startswith("Threshold Crossed: 2 out of the last 3 datapoints [")
    assert "were greater than or equal to the threshold (10.0)" in two["StateReason"]
    assert "(minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)" in two["StateReason"]
    three = wait_for(state_is(cw, "three-of-three", "OK"), timeout=4)
    assert "1 out of the last 3 datapoints [3.0 (" in three["StateReason"]
    assert "(minimum 1 datapoint for INSUFFICIENT_DATA -> OK transition)" in three["StateReason"]


def test_treat_missing_data_modes(aws):
    cw = aws("cloudwatch")
    # No datapoint at all for metric "Silent".
    for mode in ("missing", "ignore", "breaching", "notBreaching"):
        put_alarm(cw, f"silent-{mode}", MetricName="Silent", TreatMissingData=mode)
    # One breaching datapoint for 3-of-3 alarms on metric "Sparse": "- - X".
    put_value(cw, 9.0, MetricName="Sparse")
    for mode in ("missing", "ignore", "breaching", "notBreaching"):
        put_alarm(
            cw, f"sparse-{mode}", MetricName="Sparse", EvaluationPeriods=3, TreatMissingData=mode
        )
    for name in ("silent-missing", "silent-ignore", "sparse-missing", "sparse-ignore"):
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="set by the test")

    a = wait_for(state_is(cw, "silent-breaching", "ALARM"), timeout=4)
    assert a["StateReason"] == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint "
        "was treated as [Breaching]."
    )
    b = wait_for(state_is(cw, "silent-notBreaching", "OK"), timeout=4)
    assert "treated as [NonBreaching]" in b["StateReason"]
    c = wait_for(state_is(cw, "silent-missing", "INSUFFICIENT_DATA"), timeout=4)
    assert c["StateReason"] == "Insufficient Data: 1 datapoint was unknown."

    d = wait_for(state_is(cw, "sparse-breaching", "ALARM"), timeout=4)
    assert "and 2 missing datapoints were treated as [Breaching]" in d["StateReason"]
    wait_for(state_is(cw, "sparse-notBreaching", "OK"), timeout=4)
    e = wait_for(state_is(cw, "sparse-missing", "INSUFFICIENT_DATA"), timeout=4)
    assert e["StateReason"] == "Insufficient Data: 2 datapoints were unknown."

    time.sleep(2 * WINDOW)  # two more evaluations: "ignore" keeps the state it was given
    for name in ("silent-ignore", "sparse-ignore"):
        kept = alarm(cw, name)
        assert (kept["StateValue"], kept["StateReason"]) == ("OK", "set by the test")


def test_only_exact_dimensions_and_unit_count(aws):
    cw = aws("cloudwatch")
    put_alarm(cw, "dims", TreatMissingData="notBreaching")
    put_alarm(cw, "unit", MetricName="Latency", TreatMissingData="notBreaching", Unit="Count")
    other = [{"Name": "Service", "Value": "web"}]
    extra = [{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "h1"}]
    put_value(cw, 50.0, Dimensions=other)
    put_value(cw, 50.0, Dimensions=extra)
    put_value(cw, 50.0, Dimensions=[])
    put_value(cw, 50.0, MetricName="Warnings")
    put_value(cw, 50.0, MetricName="Latency", Unit="Seconds")

    ok = wait_for(state_is(cw, "dims", "OK"), timeout=4)
    assert "no datapoints were received" in ok["StateReason"]
    wait_for(state_is(cw, "unit", "OK"), timeout=4)
    time.sleep(WINDOW + 0.2)  # at least one more evaluation: still nothing that matches
    assert alarm(cw, "dims")["StateValue"] == "OK"
    assert alarm(cw, "unit")["StateValue"] == "OK"

    put_value(cw, 50.0)  # exactly Service=api
    put_value(cw, 50.0, MetricName="Latency", Unit="Count")
    wait_for(state_is(cw, "dims", "ALARM"), timeout=4)
    wait_for(state_is(cw, "unit", "ALARM"), timeout=4)


def test_sns_action_delivers_the_aws_notification_to_sqs(aws):
    cw, sqs = aws("cloudwatch"), aws("sqs")
    topic, url = sns_to_sqs(aws)
    put_alarm(cw, "notify", AlarmActions=[topic], OKActions=[topic], AlarmDescription="d")
    put_value(cw, 9.0)

    envelope = next_notification(sqs, url)
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert envelope["Subject"] == 'ALARM: "notify" in US East (N. Virginia)'
    msg = json.loads(envelope["Message"])
    assert msg["AlarmName"] == "notify" and msg["AlarmDescription"] == "d"
    assert (msg["OldStateValue"], msg["NewStateValue"]) == ("INSUFFICIENT_DATA", "ALARM")
    assert msg["NewStateReason"] == alarm(cw, "notify")["StateReason"]
    assert msg["Region"] == "US East (N. Virginia)" and msg["AWSAccountId"] == "123456789012"
    assert msg["AlarmArn"] == f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:notify"
    datetime.strptime(msg["StateChangeTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    trigger = msg["Trigger"]
    assert trigger["MetricName"] == "Errors" and trigger["Namespace"] == "Lab"
    assert trigger["Statistic"] == "MAXIMUM" and trigger["Period"] == PERIOD
    assert trigger["EvaluationPeriods"] == 1 and trigger["Threshold"] == 5.0
    assert trigger["ComparisonOperator"] == "GreaterThanThreshold"
    assert trigger["Dimensions"] == [{"value": "api", "name": "Service"}]

    actions = history(cw, "notify", "Action")
    assert actions[0]["HistorySummary"] == f"Successfully executed action {topic}"


def test_actions_disabled_fire_nothing(aws):
    cw, sqs = aws("cloudwatch"), aws("sqs")
    topic, url = sns_to_sqs(aws)
    put_alarm(cw, "quiet", AlarmActions=[topic], ActionsEnabled=False)
    put_alarm(cw, "loud", AlarmActions=[topic], MetricName="Other")
    put_value(cw, 9.0)
    wait_for(state_is(cw, "quiet", "ALARM"), timeout=4)
    put_value(cw, 9.0, MetricName="Other")  # the enabled alarm's message marks "actions done"
    assert json.loads(next_notification(sqs, url)["Message"])["AlarmName"] == "loud"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert history(cw, "quiet", "Action") == []


def test_set_alarm_state_fires_actions_until_the_next_evaluation(aws):
    cw, sqs = aws("cloudwatch"), aws("sqs")
    topic, url = sns_to_sqs(aws)
    put_alarm(cw, "drill", AlarmActions=[topic], InsufficientDataActions=[topic])
    cw.set_alarm_state(AlarmName="drill", StateValue="ALARM", StateReason="fire drill")

    first = json.loads(next_notification(sqs, url)["Message"])
    assert (first["NewStateValue"], first["NewStateReason"]) == ("ALARM", "fire drill")
    # The set state lasts until the next evaluation, which finds no data: back, with actions.
    second = json.loads(next_notification(sqs, url)["Message"])
    assert (second["OldStateValue"], second["NewStateValue"]) == ("ALARM", "INSUFFICIENT_DATA")

    with pytest.raises(ClientError) as err:
        cw.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x")
    assert err.value.response["Error"]["Code"] == "ResourceNotFound"


def test_auto_scaling_policy_action_changes_desired_capacity(aws):
    cw, ec2, asg = aws("cloudwatch"), aws("ec2"), aws("autoscaling")
    ec2.create_launch_template(
        LaunchTemplateName="web-lt",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
    )
    for group in ("web-simple", "web-step"):
        asg.create_auto_scaling_group(
            AutoScalingGroupName=group,
            LaunchTemplate={"LaunchTemplateName": "web-lt"},
            MinSize=1,
            MaxSize=3,
            DesiredCapacity=1,
            AvailabilityZones=[f"{REGION}a"],
        )
    asg.put_scaling_policy(
        AutoScalingGroupName="web-simple",
        PolicyName="add-one",
        PolicyType="SimpleScaling",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
    )
    asg.put_scaling_policy(
        AutoScalingGroupName="web-step",
        PolicyName="steps",
        PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity",
        StepAdjustments=[
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 5},
        ],
    )
    arns = {p["PolicyName"]: p["PolicyARN"] for p in asg.describe_policies()["ScalingPolicies"]}
    put_alarm(cw, "scale-simple", AlarmActions=[arns["add-one"]])
    put_alarm(cw, "scale-step", AlarmActions=[arns["steps"]])
    put_value(cw, 25.0)  # 20 above the threshold: the second step, clamped to MaxSize

    def desired(group: str) -> int:
        groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
        return groups["AutoScalingGroups"][0]["DesiredCapacity"]

    wait_for(lambda: desired("web-simple") == 2, timeout=5)
    wait_for(lambda: desired("web-step") == 3, timeout=5)
    summaries = [h["HistorySummary"] for h in history(cw, "scale-step", "Action")]
    assert summaries[-1] == f"Successfully executed action {arns['steps']}"
    detail = json.loads(history(cw, "scale-simple", "Action")[-1]["HistoryData"])
    assert detail["result"] == "changed the desired capacity of web-simple from 1 to 2"
    time.sleep(WINDOW + 0.2)  # still ALARM, but SimpleScaling waits out its (scaled) cooldown
    assert desired("web-simple") == 2


def test_lambda_action_invokes_the_function(aws):
    cw, lam, iam, logs = aws("cloudwatch"), aws("lambda"), aws("iam"), aws("logs")
    role = iam.create_role(RoleName="alarm-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr(
            "app.py", "import json\ndef handler(event, context):\n    print(json.dumps(event))\n"
        )
    fn = lam.create_function(
        FunctionName="on-alarm",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    put_alarm(cw, "to-lambda", AlarmActions=[fn])
    put_value(cw, 9.0)

    done = wait_for(lambda: history(cw, "to-lambda", "Action"), timeout=5)
    assert done[0]["HistorySummary"] == f"Successfully executed action {fn}"

    def events() -> list[str]:
        try:
            streams = logs.describe_log_streams(logGroupName="/aws/lambda/on-alarm")["logStreams"]
        except ClientError:
            return []
        return [
            e["message"]
            for s in streams
            for e in logs.get_log_events(
                logGroupName="/aws/lambda/on-alarm", logStreamName=s["logStreamName"]
            )["events"]
        ]

    assert wait_for(events, timeout=8)  # the function ran (its log group has output)


def test_metric_math_and_percentile_alarms(aws):
    cw = aws("cloudwatch")
    stat = {"Namespace": "Lab", "Dimensions": [{"Name": "Service", "Value": "api"}]}
    cw.put_metric_alarm(
        AlarmName="error-rate",
        EvaluationPeriods=1,
        Threshold=50.0,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": stat | {"MetricName": "Errors"},
                    "Period": PERIOD,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {
                "Id": "requests",
                "MetricStat": {
                    "Metric": stat | {"MetricName": "Requests"},
                    "Period": PERIOD,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "rate", "Expression": "100 * errors / requests", "ReturnData": True},
        ],
    )
    for p, threshold in (("p90-high", 9.5), ("p90-low", 8.5)):
        cw.put_metric_alarm(
            AlarmName=p,
            Namespace="Lab",
            MetricName="Latency",
            ExtendedStatistic="p90",
            Period=PERIOD,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
        )
    put_value(cw, 6.0)
    put_value(cw, 10.0, MetricName="Requests")
    cw.put_metric_data(
        Namespace="Lab",
        MetricData=[{"MetricName": "Latency", "Values": [float(v) for v in range(1, 11)]}],
    )

    rate = wait_for(state_is(cw, "error-rate", "ALARM"), timeout=4)
    assert "[60.0 (" in rate["StateReason"]
    assert "[9.0 (" in wait_for(state_is(cw, "p90-low", "ALARM"), timeout=4)["StateReason"]
    wait_for(state_is(cw, "p90-high", "OK"), timeout=4)


def test_accounts_are_evaluated_separately(aws):
    home, other = aws("cloudwatch"), aws("cloudwatch", account=OTHER_ACCOUNT)
    put_alarm(other, "elsewhere", TreatMissingData="notBreaching")
    put_value(home, 9.0)  # same metric, default account
    wait_for(state_is(other, "elsewhere", "OK"), timeout=4)
    put_value(other, 9.0)
    fired = wait_for(state_is(other, "elsewhere", "ALARM"), timeout=4)
    assert fired["AlarmArn"].split(":")[4] == OTHER_ACCOUNT
    assert home.describe_alarms()["MetricAlarms"] == []


def test_update_keeps_state_history_survives_delete_and_reset_clears(aws, emu):
    cw = aws("cloudwatch")
    put_alarm(cw, "kept")
    put_value(cw, 9.0)
    wait_for(state_is(cw, "kept", "ALARM"), timeout=4)
    put_alarm(cw, "kept", Threshold=6.0)  # an update keeps the state
    assert alarm(cw, "kept")["StateValue"] == "ALARM" and alarm(cw, "kept")["Threshold"] == 6.0
    cw.delete_alarms(AlarmNames=["kept"])
    summaries = [h["HistorySummary"] for h in history(cw, "kept", "ConfigurationUpdate")]
    assert summaries == ['Alarm "kept" updated', 'Alarm "kept" created']
    with pytest.raises(ClientError) as err:
        cw.describe_alarm_history(NextToken="not-a-token")
    assert err.value.response["Error"]["Code"] == "InvalidNextToken"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    emulator_client.reset(emu.endpoint_url)
    assert cw.describe_alarm_history()["AlarmHistoryItems"] == []


# --- the decision rules (AWS User Guide, "How alarm state is evaluated when data is missing") ---

NOW = datetime(2024, 1, 1, 12, 0, 0)


def _windows(pattern: str) -> list[Window]:
    """``"0 - X - X"`` oldest first (as the guide writes it) -> windows newest first."""
    ws = make_windows(NOW, 60, 5)
    for w, mark in zip(ws, reversed(pattern.split()), strict=True):
        w.value = {"0": 1.0, "X": 10.0, "-": None}[mark]
        w.count = 0.0 if w.value is None else 1.0
    return ws


GUIDE_3_OF_3 = [
    ("0 - X - X", "OK", "OK", "OK", "OK"),
    ("0 - - - -", "OK", "OK", "OK", "OK"),
    ("- - - - -", "INSUFFICIENT_DATA", None, "ALARM", "OK"),
    ("0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- - - - X", "INSUFFICIENT_DATA", None, "ALARM", "OK"),
    ("X - - - -", "ALARM", None, "ALARM", "OK"),
]
GUIDE_2_OF_3 = [
    ("0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0 - X - -", "OK", "OK", "ALARM", "OK"),
    ("- - - - 0", "OK", "OK", "ALARM", "OK"),
    ("- - - - X", "INSUFFICIENT_DATA", None, "ALARM", "OK"),
]


@pytest.mark.parametrize(
    ("m", "row"), [(3, r) for r in GUIDE_3_OF_3] + [(2, r) for r in GUIDE_2_OF_3]
)
def test_decisions_match_the_user_guide_tables(m, row):
    pattern, *expected = row
    for mode, want in zip(
        ("missing", "ignore", "breaching", "notBreaching"), expected, strict=True
    ):
        got = decide(
            _windows(pattern),
            evaluation_periods=3,
            datapoints_to_alarm=m,
            comparison="GreaterThanThreshold",
            threshold=5.0,
            treat_missing_data=mode,
            current_state="OK",
            now=NOW,
        )
        assert got.state == want, (pattern, m, mode)


def test_math_and_capacity_helpers():
    assert expression_ids("100 * (e1 + e2) / m") == {"e1", "e2", "m"}
    assert evaluate_expression("100 * a / b", {"a": 1.0, "b": 4.0}) == 25.0
    assert evaluate_expression("a / b", {"a": 1.0, "b": 0.0}) is None
    assert evaluate_expression("a + b", {"a": 1.0, "b": None}) is None
    with pytest.raises(ValueError):
        expression_ids("__import__('os')")

    class Policy:
        adjustment_type = "PercentChangeInCapacity"
        min_adjustment_magnitude = 2

    assert new_capacity(Policy(), 10, 50, 1, 100) == 15
    assert new_capacity(Policy(), 4, 10, 1, 100) == 6  # 0.4 -> 1, raised to the minimum 2
    assert new_capacity(Policy(), 4, -50, 3, 100) == 3  # clamped to MinSize
