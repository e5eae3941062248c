"""Alarm actions for the CloudWatch alarm evaluator: what an alarm does when its state changes.

* SNS topic ARN: publish the AWS alarm notification JSON through moto's SNS backend, in
  process, so SQS, Lambda and HTTP subscribers receive it as they would from AWS.
* Auto Scaling policy ARN: run the policy (SimpleScaling, StepScaling) against the group's
  desired capacity, clamped to MinSize..MaxSize; SimpleScaling honours its cooldown (scaled).
* Lambda function ARN: invoke the function through moto's Lambda backend with the alarm event
  CloudWatch sends to Lambda (``"source": "aws.cloudwatch"``).

Other action types (EC2 stop/terminate, SSM, ...) are reported as failed, not executed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Transition:
    """A state change of one alarm, as the actions see it."""

    account_id: str
    region: str
    old_state: str
    old_reason: str
    old_reason_data: str
    old_timestamp: datetime
    new_state: str
    new_reason: str
    new_reason_data: str
    timestamp: datetime
    metric_value: float | None = None  # newest evaluated value, when the evaluator decided


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("endpoints")
    return {
        region: info.get("description", region)
        for partition in data.get("partitions", [])
        for region, info in partition.get("regions", {}).items()
    }


def region_name(region: str) -> str:
    """``us-east-1`` -> ``US East (N. Virginia)``, as alarm notifications spell regions."""
    return _region_names().get(region, region)


def _dimensions(alarm: Any) -> list[dict[str, str]]:
    return [{"value": d.value, "name": d.name} for d in alarm.dimensions]


def _metrics(alarm: Any) -> list[dict[str, Any]]:
    out = []
    for q in alarm.metric_data_queries:
        item: dict[str, Any] = {"id": q.id, "returnData": q.return_data is not False}
        if q.label:
            item["label"] = q.label
        if q.expression:
            item["expression"] = q.expression
        if q.metric_stat is not None:
            ms = q.metric_stat
            item["metricStat"] = {
                "metric": {
                    "namespace": ms.metric.namespace,
                    "name": ms.metric.metric_name,
                    "dimensions": {d.name: d.value for d in ms.metric.dimensions},
                },
                "period": int(ms.period or 0),
                "stat": ms.stat,
            }
            if ms.unit:
                item["metricStat"]["unit"] = ms.unit
        out.append(item)
    return out


def _trigger_metric(q: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"Id": q.id, "ReturnData": q.return_data is not False}
    if q.label:
        item["Label"] = q.label
    if q.expression:
        item["Expression"] = q.expression
    if q.metric_stat is not None:
        ms = q.metric_stat
        item["MetricStat"] = {
            "Metric": {
                "Dimensions": [{"value": d.value, "name": d.name} for d in ms.metric.dimensions],
                "MetricName": ms.metric.metric_name,
                "Namespace": ms.metric.namespace,
            },
            "Period": int(ms.period or 0),
            "Stat": ms.stat,
        }
        if ms.unit:
            item["MetricStat"]["Unit"] = ms.unit
    return item


def notification(alarm: Any, t: Transition) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an SNS topic on a state change."""
    trigger: dict[str, Any]
    if alarm.metric_data_queries:
        trigger = {"Metrics": [_trigger_metric(q) for q in alarm.metric_data_queries]}
    else:
        trigger = {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": (alarm.statistic or "").upper() or None,
            "Unit": alarm.unit,
            "Dimensions": _dimensions(alarm),
            "Period": alarm.period,
        }
        if alarm.extended_statistic:
            trigger["ExtendedStatistic"] = alarm.extended_statistic
    trigger |= {
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": alarm.threshold,
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    }
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": t.account_id,
        "AlarmConfigurationUpdatedTimestamp": iso(alarm.configuration_updated_timestamp),
        "NewStateValue": t.new_state,
        "NewStateReason": t.new_reason,
        "StateChangeTime": iso(t.timestamp),
        "Region": region_name(t.region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": t.old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": trigger,
    }


def lambda_event(alarm: Any, t: Transition) -> dict[str, Any]:
    """The event CloudWatch passes to a Lambda function that is an alarm action."""
    configuration: dict[str, Any] = {"metrics": _metrics(alarm)}
    if not alarm.metric_data_queries:
        stat = alarm.extended_statistic or alarm.statistic
        configuration["metrics"] = [
            {
                "id": "m1",
                "metricStat": {
                    "metric": {
                        "namespace": alarm.namespace,
                        "name": alarm.metric_name,
                        "dimensions": {d.name: d.value for d in alarm.dimensions},
                    },
                    "period": alarm.period,
                    "stat": stat,
                }
                | ({"unit": alarm.unit} if alarm.unit else {}),
                "returnData": True,
            }
        ]
    if alarm.description:
        configuration["description"] = alarm.description
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm.alarm_arn,
        "accountId": t.account_id,
        "time": iso(t.timestamp),
        "region": t.region,
        "alarmData": {
            "alarmName": alarm.name,
            "state": {
                "value": t.new_state,
                "reason": t.new_reason,
                "reasonData": t.new_reason_data,
                "timestamp": iso(t.timestamp),
            },
            "previousState": {
                "value": t.old_state,
                "reason": t.old_reason,
                "reasonData": t.old_reason_data,
                "timestamp": iso(t.old_timestamp),
            },
            "configuration": configuration,
        },
    }


# --- executing actions ----------------------------------------------------------------------


def kind(arn: str) -> str:
    """``sns``, ``autoscaling``, ``lambda`` or ``unsupported``."""
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        if parts[2] == "sns":
            return "sns"
        if parts[2] == "autoscaling" and parts[5] == "scalingPolicy":
            return "autoscaling"
        if parts[2] == "lambda" and parts[5] == "function":
            return "lambda"
    return "unsupported"


def publish_sns(arn: str, alarm: Any, t: Transition) -> str:
    """Publish the alarm notification to the topic; returns the message id."""
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = arn.split(":", 5)
    subject = f'{t.new_state}: "{alarm.name}" in {region_name(t.region)}'[:100]
    message = json.dumps(notification(alarm, t))
    return sns_backends[account][region].publish(message, arn=arn, subject=subject)


def invoke_lambda(arn: str, alarm: Any, t: Transition) -> None:
    """Invoke the function asynchronously (InvocationType Event) with the alarm event."""
    from moto.awslambda.utils import get_backend

    parts = arn.split(":")
    region, account, name = parts[3], parts[4], parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    get_backend(account, region).invoke(
        name,
        qualifier,
        json.dumps(lambda_event(alarm, t)),
        {"x-amz-invocation-type": "Event"},
        {},
    )


def _parse_policy_arn(arn: str) -> tuple[str, str, str, str]:
    """(account, region, group, policy) from a scaling policy ARN."""
    parts = arn.split(":")
    fields = dict(p.split("/", 1) for p in parts[7:] if "/" in p)
    if "autoScalingGroupName" not in fields or "policyName" not in fields:
        raise ValueError(f"not a scaling policy ARN: {arn}")
    return parts[4], parts[3], fields["autoScalingGroupName"], fields["policyName"]


def _step_adjustment(policy: Any, delta: float) -> int:
    for step in policy.step_adjustments or []:
        lower = step.get("MetricIntervalLowerBound")
        upper = step.get("MetricIntervalUpperBound")
        lo = -math.inf if lower is None else float(lower)
        hi = math.inf if upper is None else float(upper)
        inside = lo <= delta < hi if delta >= 0 else lo < delta <= hi
        if inside:
            return int(step["ScalingAdjustment"])
    raise ValueError(f"no step adjustment of {policy.name} covers a breach of {delta}")


def new_capacity(policy: Any, desired: int, adjustment: int, low: int, high: int) -> int:
    """Desired capacity after ``adjustment`` under the policy's AdjustmentType, clamped."""
    kind_ = policy.adjustment_type or "ChangeInCapacity"
    if kind_ == "ExactCapacity":
        target = adjustment
    elif kind_ == "PercentChangeInCapacity":
        change = desired * adjustment / 100.0
        if 0 < abs(change) < 1:
            change = math.copysign(1, change)
        step = int(change)  # AWS truncates toward zero beyond +-1
        magnitude = int(policy.min_adjustment_magnitude or 0)
        if step and abs(step) < magnitude:
            step = int(math.copysign(magnitude, step))
        target = desired + step
    else:
        target = desired + adjustment
    return max(low, min(high, target))


def execute_policy(arn: str, alarm: Any, t: Transition, cooldown_left: Any, started: Any) -> str:
    """Run the scaling policy; returns a summary. ``cooldown_left(key, seconds)`` says whether
    the group is cooling down, ``started(key)`` records a capacity change."""
    from moto.autoscaling.models import autoscaling_backends

    account, region, group_name, policy_name = _parse_policy_arn(arn)
    backend = autoscaling_backends[account][region]
    policy = backend.policies.get(policy_name)
    if policy is None or policy.auto_scaling_group_name != group_name:
        raise LookupError(f"no scaling policy {policy_name} on group {group_name}")
    group = backend.autoscaling_groups[group_name]
    key = (account, region, group_name)
    if policy.policy_type in (None, "SimpleScaling"):
        cooldown = policy.cooldown if policy.cooldown is not None else group.default_cooldown
        if cooldown_left(key, float(cooldown or 0)):
            return f"group {group_name} is in its cooldown; policy {policy_name} not run"
        adjustment = int(policy.scaling_adjustment or 0)
    elif policy.policy_type == "StepScaling":
        value = t.metric_value if t.metric_value is not None else alarm.threshold
        adjustment = _step_adjustment(policy, float(value) - float(alarm.threshold))
    else:
        raise ValueError(f"{policy.policy_type} policies are not run by alarm actions")
    desired = int(group.desired_capacity or 0)
    target = new_capacity(policy, desired, adjustment, int(group.min_size), int(group.max_size))
    if target == desired:
        return f"group {group_name} stays at {desired} (min {group.min_size}, max {group.max_size})"
    backend.set_desired_capacity(group_name, target)
    started(key)
    return f"changed the desired capacity of {group_name} from {desired} to {target}"
