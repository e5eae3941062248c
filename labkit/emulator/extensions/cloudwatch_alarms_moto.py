"""The moto patches behind ``cloudwatch_alarms`` (moto 5.2; look here after a moto upgrade).

* ``moto.cloudwatch.models.CloudWatchBackend.put_metric_alarm``: a new metric alarm starts in
  INSUFFICIENT_DATA (moto: OK); an update keeps the alarm's state and history (moto replaces
  the object); both record a ConfigurationUpdate history item and ask for an evaluation.
* ``moto.cloudwatch.models.CloudWatchBackend.set_alarm_state``: a change of state is recorded
  and fires the new state's actions, as on AWS; the next evaluation waits one cadence.
* ``moto.cloudwatch.models.CloudWatchBackend.put_metric_data``: datapoints without a Timestamp
  all get the time the request was received, as on AWS (moto stamps each one separately, so
  a batch could straddle two evaluation periods).
* ``moto.cloudwatch.responses.CloudWatchResponse.describe_alarm_history``: added (moto 5.2 has
  no such action).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labkit.emulator.extensions.cloudwatch_alarms import AlarmEvaluator

_MARK = "_labkit_cloudwatch_alarms"
_CARRIED = (
    "state_value",
    "state_reason",
    "state_reason_data",
    "state_updated_timestamp",
    "state_transitioned_timestamp",
    "history",
)


def patch_moto(evaluator: Callable[[], AlarmEvaluator | None]) -> None:
    """Install the patches once per process; they report to whatever ``evaluator()`` returns."""
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    if getattr(CloudWatchBackend, _MARK, False):
        return
    setattr(CloudWatchBackend, _MARK, True)
    CloudWatchBackend.put_metric_alarm = _wrap_put(CloudWatchBackend.put_metric_alarm, evaluator)
    CloudWatchBackend.set_alarm_state = _wrap_set(CloudWatchBackend.set_alarm_state, evaluator)
    CloudWatchBackend.put_metric_data = _wrap_data(CloudWatchBackend.put_metric_data)
    CloudWatchResponse.describe_alarm_history = describe_alarm_history  # type: ignore[attr-defined]


def _wrap_put(original: Callable[..., Any], evaluator: Callable[[], Any]) -> Callable[..., Any]:
    from labkit.emulator.extensions.cloudwatch_alarms import record

    @functools.wraps(original)
    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        previous = self.alarms.get(name)
        alarm = original(self, *args, **kwargs)
        if alarm.rule is not None:  # composite alarms are left to moto
            return alarm
        if previous is not None and previous is not alarm and previous.rule is None:
            for attr in _CARRIED:
                if hasattr(previous, attr):
                    setattr(alarm, attr, getattr(previous, attr))
            change = "updated"
        else:
            alarm.state_value = "INSUFFICIENT_DATA"
            alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
            change = "created"
        record(
            self,
            alarm,
            "ConfigurationUpdate",
            f'Alarm "{name}" {change}',
            {"version": "1.0", "type": "Create" if change == "created" else "Update"},
        )
        ev = evaluator()
        if ev is not None:
            ev.schedule((self.account_id, self.region_name, name))
        return alarm

    return put_metric_alarm


def _wrap_set(original: Callable[..., Any], evaluator: Callable[[], Any]) -> Callable[..., Any]:
    from labkit.emulator.extensions.cloudwatch_alarms import _snapshot

    @functools.wraps(original)
    def set_alarm_state(
        self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str
    ) -> None:
        ev = evaluator()
        if ev is None:
            return original(self, alarm_name, reason, reason_data, state_value)
        with ev.ctx.lock:
            alarm = self.alarms.get(alarm_name)
            old = _snapshot(alarm) if alarm is not None else None
            original(self, alarm_name, reason, reason_data, state_value)
            if alarm is None or alarm.rule is not None or old is None:
                return None
            key = (self.account_id, self.region_name, alarm_name)
            ev.schedule(key, ev.cadence(alarm))  # the set state lasts until the next evaluation
            if old[0] != state_value:
                ev.transitioned(self.account_id, self.region_name, self, alarm, old, None)
        return None

    return set_alarm_state


def _wrap_data(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        received = datetime.now(UTC).replace(tzinfo=None)
        stamped = [m if m.get("Timestamp") else {**m, "Timestamp": received} for m in metric_data]
        return original(self, namespace, stamped)

    return put_metric_data


def _utc(ts: Any) -> datetime | None:
    if not isinstance(ts, datetime):
        return None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def describe_alarm_history(self: Any) -> Any:
    """DescribeAlarmHistory over the items ``cloudwatch_alarms`` records."""
    from moto.cloudwatch.exceptions import CloudWatchException
    from moto.core.responses import ActionResult

    from labkit.emulator.extensions.cloudwatch_alarms import history

    name = self._get_param("AlarmName")
    types = self._get_param("AlarmTypes") or ["MetricAlarm"]
    item_type = self._get_param("HistoryItemType")
    start, end = _utc(self._get_param("StartDate")), _utc(self._get_param("EndDate"))
    newest_first = (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending"
    limit = int(self._get_param("MaxRecords") or 100)
    token = self._get_param("NextToken")
    items = [
        item
        for item in list(history(self.cloudwatch_backend))
        if (not name or item["AlarmName"] == name)
        and item["AlarmType"] in types
        and (not item_type or item["HistoryItemType"] == item_type)
        and (start is None or item["Timestamp"] >= start)
        and (end is None or item["Timestamp"] <= end)
    ]
    items.sort(key=lambda item: item["Timestamp"], reverse=newest_first)
    offset = 0
    if token:
        if not str(token).isdigit() or int(token) > len(items):
            raise CloudWatchException("InvalidNextToken", "The next token specified is invalid.")
        offset = int(token)
    page = items[offset : offset + limit]
    result: dict[str, Any] = {"AlarmHistoryItems": page}
    if offset + limit < len(items):
        result["NextToken"] = str(offset + limit)
    return ActionResult(result)
