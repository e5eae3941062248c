"""Reading an alarm's metric data for the CloudWatch alarm evaluator.

Turns moto's stored datapoints (``CloudWatchBackend.metric_data``: ``MetricDatum`` values and
``MetricAggregatedDatum`` statistic sets) into the evaluation windows of one alarm: exact
dimension-set match, Unit filter when the alarm has one, Statistic / ExtendedStatistic per
window; for metric-math alarms, every MetricStat query's series and then the returned
expression (``+ - * /`` arithmetic) per window. moto's AWS-provided metrics (S3 daily storage)
are not read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from labkit.emulator.extensions.cloudwatch_alarms_eval import (
    Window,
    evaluate_expression,
    expression_ids,
    parse_percentile,
    place,
)


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def fill(alarm: Any, windows: list[Window], samples: list[Any]) -> dict[str, Any] | None:
    """Compute ``windows[i].value`` for the alarm; returns the StateReasonData details."""
    if not alarm.metric_data_queries:
        stat = alarm.extended_statistic or alarm.statistic
        _collect(windows, samples, alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.unit)
        for w in windows:
            w.value = w.compute(stat)
        pct = parse_percentile(alarm.extended_statistic)
        if pct is not None and alarm.evaluate_low_sample_count_percentile == "ignore":
            needed = 10 / (1 - pct / 100) if pct >= 50 else 10 / max(pct / 100, 1e-9)
            newest = next((w for w in windows if w.value is not None), None)
            if newest is not None and newest.count < needed:
                return None  # too few samples for this percentile: keep the state
        describe: dict[str, Any] = (
            {"extendedStatistic": stat} if alarm.extended_statistic else {"statistic": stat}
        )
        describe["period"] = alarm.period
        if alarm.unit:
            describe["unit"] = alarm.unit
        return describe
    queries = {q.id: q for q in alarm.metric_data_queries}
    returned = returned_query(alarm)
    series: dict[str, list[Window]] = {}
    for q in queries.values():
        if q.metric_stat is not None:
            ws = [Window(start=w.start, end=w.end) for w in windows]
            m = q.metric_stat.metric
            _collect(ws, samples, m.namespace, m.metric_name, m.dimensions, q.metric_stat.unit)
            for w in ws:
                w.value = w.compute(q.metric_stat.stat)
            series[q.id] = ws
        elif q.expression:
            unknown = expression_ids(q.expression) - set(queries)
            if unknown:
                raise ValueError(f"expression {q.expression!r} uses unknown ids {unknown}")

    def value(qid: str, k: int, depth: int = 0) -> float | None:
        if depth > len(queries):
            raise ValueError("metric math expressions refer to each other in a cycle")
        if qid in series:
            return series[qid][k].value
        q = queries[qid]
        inputs = {i: value(i, k, depth + 1) for i in expression_ids(q.expression or "")}
        return evaluate_expression(q.expression or "", inputs)

    for k, w in enumerate(windows):
        w.value = value(returned.id, k)
        w.count = max((s[k].count for s in series.values()), default=0.0)
    return {"period": period_of(alarm)}


def period_of(alarm: Any) -> int | None:
    if alarm.period:
        return int(alarm.period)
    for q in alarm.metric_data_queries or []:
        if q.metric_stat is not None and q.metric_stat.period:
            return int(q.metric_stat.period)
        if q.period:
            return int(q.period)
    return None


def returned_query(alarm: Any) -> Any:
    queries = alarm.metric_data_queries
    chosen = [q for q in queries if q.return_data is True] or [
        q for q in queries if q.return_data is not False
    ]
    if not chosen:
        raise ValueError("no query has ReturnData true")
    return chosen[-1]


def _collect(
    windows: list[Window],
    samples: list[Any],
    namespace: str,
    name: str,
    dimensions: list[Any],
    unit: str | None,
) -> None:
    """Add the datapoints of one metric (exact dimension set, unit if given) to the windows."""
    from moto.cloudwatch.models import MetricAggregatedDatum

    wanted = frozenset((d.name, d.value) for d in dimensions or [])
    for md in samples:
        if md.namespace != namespace or md.name != name or (unit and md.unit != unit):
            continue
        if frozenset((d.name, d.value) for d in md.dimensions) != wanted:
            continue
        window = place(windows, _naive(md.timestamp))
        if window is None:
            continue
        if isinstance(md, MetricAggregatedDatum):
            window.add_set(md.sum, md.sample_count, md.min, md.max)
        else:
            window.add(md.value)
