"""CloudWatch metric alarms that evaluate themselves and run their actions.

moto alone stores alarms and metric data, but an alarm sits in ``OK`` ("Unchecked: Initial alarm
creation") forever: only ``set_alarm_state`` changes it, nothing fires its actions, an update by
``put_metric_alarm`` resets it, and ``DescribeAlarmHistory`` is not implemented.

This extension adds, for every metric alarm in every account and region:

* **Evaluation.** A daemon thread evaluates each alarm as often as CloudWatch does: every 60
  AWS seconds, every 10 for high-resolution periods (10 s, 30 s), i.e. every ``ctx.seconds(60)``
  (or ``ctx.seconds(10)``) wall seconds, reading ``ctx.time_scale`` on every cycle (a change
  re-plans every alarm at once).
  Statistic (SampleCount, Average, Sum, Minimum, Maximum) or ExtendedStatistic ``pNN`` (nearest
  rank over raw values), EvaluationPeriods, DatapointsToAlarm (M of N), Threshold, the four
  threshold ComparisonOperators, TreatMissingData (AWS's rules, see ``cloudwatch_alarms_eval``),
  exact Dimensions match and Unit filter. Metric-math alarms (``Metrics=[...]``) work when the
  returned expression is ``+ - * /`` arithmetic over MetricStat queries (or a MetricStat itself).
  Anomaly-detection operators, other math functions and composite alarms are not evaluated
  (they keep moto's behaviour).
* **Time.** Windows are computed in wall-clock time: period k of the evaluation range is
  ``(now - (k+1)·P·s, now - k·P·s]`` with P = Period and s = time_scale, and datapoints count
  where their timestamps (as stored) fall. Publish data as it happens (no Timestamp), or
  back-date it by ``k·P·s`` wall seconds; with time_scale 0.05 a 60 s period is 3 s.
* **State changes** set StateValue, an AWS-worded StateReason, StateReasonData JSON,
  StateUpdatedTimestamp and StateTransitionedTimestamp; new alarms start INSUFFICIENT_DATA and
  updates keep the state. The state set by ``set_alarm_state`` lasts until the next
  evaluation, one cadence later. ``describe_alarm_history`` serves ConfigurationUpdate,
  StateUpdate and Action items (kept after the alarm is deleted, as AWS does).
* **Actions** on transitions when ActionsEnabled (also after ``set_alarm_state``): SNS, Auto
  Scaling policies (re-run every evaluation while the state holds, as AWS does) and Lambda,
  see ``cloudwatch_alarms_actions``. They run on a separate worker thread.
* **Reset** forgets schedules, cooldowns and queued actions.

Helpers: ``cloudwatch_alarms_eval`` (the decision rules, pure), ``cloudwatch_alarms_metrics``
(moto's datapoints -> evaluation windows), ``cloudwatch_alarms_actions`` (SNS / Auto Scaling /
Lambda), ``cloudwatch_alarms_moto`` (the moto patches). Only data published with
PutMetricData (and by other extensions, e.g. Route 53 HealthCheckStatus) is evaluated.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from labkit.emulator.extensions import EmulatorContext
from labkit.emulator.extensions import cloudwatch_alarms_actions as actions
from labkit.emulator.extensions import cloudwatch_alarms_metrics as metrics
from labkit.emulator.extensions.cloudwatch_alarms_eval import (
    ALARM,
    COMPARISONS,
    INSUFFICIENT,
    OK,
    decide,
    make_windows,
)

log = logging.getLogger(__name__)
HISTORY_ATTR = "labkit_alarm_history"
Key = tuple[str, str, str]  # (account, region, alarm name)

_current: AlarmEvaluator | None = None  # the evaluator the moto patches report to


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def history(backend: Any) -> list[dict[str, Any]]:
    """The alarm history of one CloudWatch backend (gone with the backend on reset)."""
    return backend.__dict__.setdefault(HISTORY_ATTR, [])


def record(backend: Any, alarm: Any, item_type: str, summary: str, data: dict) -> None:
    history(backend).append(
        {
            "AlarmName": alarm.name,
            "AlarmType": "MetricAlarm" if alarm.rule is None else "CompositeAlarm",
            "Timestamp": _utcnow(),
            "HistoryItemType": item_type,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data),
        }
    )


class AlarmEvaluator:
    """Evaluates metric alarms on a daemon thread and runs their actions on another."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self._due: dict[Key, float] = {}
        self._scaled_at: dict[tuple[str, str, str], float] = {}
        self._warned: set[Key] = set()
        self._actions: queue.Queue[tuple[int, Callable[[], None]]] = queue.Queue()
        self._generation = 0
        self._scale_seen = ctx.time_scale
        self._wake = threading.Event()
        self._stop = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        threading.Thread(target=self._loop, name="cw-alarm-evaluator", daemon=True).start()
        threading.Thread(target=self._work, name="cw-alarm-actions", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._actions.put((-1, lambda: None))

    def reset(self) -> None:
        with self.ctx.lock:
            self._generation += 1
            self._due.clear()
            self._scaled_at.clear()
            self._warned.clear()
        while True:
            try:
                self._actions.get_nowait()
            except queue.Empty:
                break

    def schedule(self, key: Key, delay: float = 0.0) -> None:
        self._due[key] = time.monotonic() + delay
        self._wake.set()

    def cadence(self, alarm: Any) -> float:
        """Wall seconds between two evaluations of ``alarm``."""
        period = float(metrics.period_of(alarm) or 60)
        return max(0.05, self.ctx.seconds(10.0 if period < 60 else 60.0))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # never let the thread die
                log.exception("alarm evaluation cycle failed")
            pause = min(0.25, max(0.02, self.ctx.seconds(10) / 5))
            self._wake.wait(pause)
            self._wake.clear()

    def _work(self) -> None:
        while not self._stop.is_set():
            generation, job = self._actions.get()
            if generation != self._generation:
                continue
            try:
                job()
            except Exception:
                log.exception("alarm action failed")

    # --- evaluation --------------------------------------------------------------------

    def tick(self) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        generation = self._generation
        if self.ctx.time_scale != self._scale_seen:  # re-plan every alarm on a new time scale
            self._scale_seen = self.ctx.time_scale
            self._due.clear()
        for account, per_region in list(cloudwatch_backends.items()):
            for region, backend in list(per_region.items()):
                alarms = list(getattr(backend, "alarms", {}).values())
                now_mono = time.monotonic()
                due = [
                    a
                    for a in alarms
                    if a.rule is None and now_mono >= self._due.get((account, region, a.name), 0.0)
                ]
                if not due:
                    continue
                samples = list(backend.metric_data)
                now = _utcnow()
                for alarm in due:
                    key = (account, region, alarm.name)
                    self._due[key] = time.monotonic() + self.cadence(alarm)
                    try:
                        self.evaluate(account, region, backend, alarm, samples, now, generation)
                    except Exception:
                        log.exception("evaluating alarm %s failed", alarm.name)

    def evaluate(
        self,
        account: str,
        region: str,
        backend: Any,
        alarm: Any,
        samples: list[Any],
        now: datetime,
        generation: int,
    ) -> None:
        key = (account, region, alarm.name)
        if alarm.comparison_operator not in COMPARISONS or alarm.threshold is None:
            return  # anomaly-detection bands are not modelled
        period = metrics.period_of(alarm)
        if not period:
            return
        n = int(alarm.evaluation_periods or 1)
        windows = make_windows(now, self.ctx.seconds(float(period)), n + 2)
        try:
            describe = metrics.fill(alarm, windows, samples)
        except ValueError as e:
            if key not in self._warned:
                self._warned.add(key)
                log.warning("alarm %s is not evaluated: %s", alarm.name, e)
            return
        if describe is None:
            return
        with self.ctx.lock:
            if backend.alarms.get(alarm.name) is not alarm or generation != self._generation:
                return
            decision = decide(
                windows,
                evaluation_periods=n,
                datapoints_to_alarm=alarm.datapoints_to_alarm,
                comparison=alarm.comparison_operator,
                threshold=float(alarm.threshold),
                treat_missing_data=alarm.treat_missing_data,
                current_state=alarm.state_value,
                now=now,
                describe=describe,
            )
            if decision.state is None or decision.state == alarm.state_value:
                self._repeat_scaling(account, region, backend, alarm, decision.latest_value)
                return
            old = _snapshot(alarm)
            alarm.update_state(decision.reason, json.dumps(decision.reason_data), decision.state)
            self.transitioned(account, region, backend, alarm, old, decision.latest_value)

    # --- transitions and actions -------------------------------------------------------

    def transitioned(
        self,
        account: str,
        region: str,
        backend: Any,
        alarm: Any,
        old: tuple[str, str, str, datetime],
        metric_value: float | None,
    ) -> None:
        """Record a state change that already happened on ``alarm`` and queue its actions."""
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
        t = actions.Transition(
            account_id=account,
            region=region,
            old_state=old[0],
            old_reason=old[1] or "",
            old_reason_data=old[2] or "",
            old_timestamp=old[3],
            new_state=alarm.state_value,
            new_reason=alarm.state_reason or "",
            new_reason_data=alarm.state_reason_data or "",
            timestamp=alarm.state_updated_timestamp,
            metric_value=metric_value,
        )
        new_state: dict[str, Any] = {"stateValue": t.new_state, "stateReason": t.new_reason}
        try:
            new_state["stateReasonData"] = json.loads(t.new_reason_data or "{}")
        except ValueError:
            pass
        record(
            backend,
            alarm,
            "StateUpdate",
            f"Alarm updated from {t.old_state} to {t.new_state}",
            {
                "version": "1.0",
                "oldState": {"stateValue": t.old_state, "stateReason": t.old_reason},
                "newState": new_state,
            },
        )
        if alarm.actions_enabled:
            for arn in _actions_for(alarm, t.new_state):
                self._queue(lambda arn=arn: self._run(backend, alarm, arn, t, repeat=False))

    def _repeat_scaling(
        self, account: str, region: str, backend: Any, alarm: Any, value: float | None
    ) -> None:
        """AWS re-runs Auto Scaling actions every period the alarm stays in its state."""
        if not alarm.actions_enabled:
            return
        arns = [
            a for a in _actions_for(alarm, alarm.state_value) if actions.kind(a) == "autoscaling"
        ]
        if not arns:
            return
        snap = _snapshot(alarm)
        t = actions.Transition(account, region, *snap, *snap, metric_value=value)
        for arn in arns:
            self._queue(lambda arn=arn: self._run(backend, alarm, arn, t, repeat=True))

    def _queue(self, job: Callable[[], None]) -> None:
        self._actions.put((self._generation, job))

    def _run(self, backend: Any, alarm: Any, arn: str, t: actions.Transition, repeat: bool) -> None:
        kind = actions.kind(arn)
        detail: dict[str, Any] = {"actionState": "Succeeded", "notificationResource": arn}
        try:
            if kind == "sns":
                detail["publishedMessage"] = actions.notification(alarm, t)
                actions.publish_sns(arn, alarm, t)
            elif kind == "lambda":
                threading.Thread(
                    target=self._invoke, args=(backend, alarm, arn, t), daemon=True
                ).start()
                return
            elif kind == "autoscaling":
                summary = actions.execute_policy(arn, alarm, t, self._cooling, self._scaled)
                if repeat and not summary.startswith("changed"):
                    return
                detail["result"] = summary
            else:
                raise ValueError("this action type is not run by the emulator")
        except Exception as e:
            detail["actionState"] = "Failed"
            detail["error"] = str(e)
            record(
                backend,
                alarm,
                "Action",
                f"Failed to execute action {arn}. Received error: {e}",
                detail,
            )
            return
        record(backend, alarm, "Action", f"Successfully executed action {arn}", detail)

    def _invoke(self, backend: Any, alarm: Any, arn: str, t: actions.Transition) -> None:
        try:
            actions.invoke_lambda(arn, alarm, t)
        except Exception as e:
            summary = f"Failed to execute action {arn}. Received error: {e}"
            record(backend, alarm, "Action", summary, {"actionState": "Failed", "error": str(e)})
            return
        record(
            backend,
            alarm,
            "Action",
            f"Successfully executed action {arn}",
            {"actionState": "Succeeded"},
        )

    def _cooling(self, key: tuple[str, str, str], aws_seconds: float) -> bool:
        last = self._scaled_at.get(key)
        return last is not None and time.monotonic() - last < self.ctx.seconds(aws_seconds)

    def _scaled(self, key: tuple[str, str, str]) -> None:
        self._scaled_at[key] = time.monotonic()


def _snapshot(alarm: Any) -> tuple[str, str, str, datetime]:
    return (
        alarm.state_value,
        alarm.state_reason,
        alarm.state_reason_data,
        alarm.state_updated_timestamp,
    )


def _actions_for(alarm: Any, state: str) -> list[str]:
    return list(
        {
            ALARM: alarm.alarm_actions,
            OK: alarm.ok_actions,
            INSUFFICIENT: alarm.insufficient_data_actions,
        }.get(state)
        or []
    )


def install(ctx: EmulatorContext) -> None:
    """Patch moto's CloudWatch backend and start the evaluator."""
    global _current
    from labkit.emulator.extensions.cloudwatch_alarms_moto import patch_moto

    if _current is not None:
        _current.stop()
    evaluator = AlarmEvaluator(ctx)
    _current = evaluator
    patch_moto(lambda: _current)
    ctx.on_reset(evaluator.reset)
    evaluator.start()
