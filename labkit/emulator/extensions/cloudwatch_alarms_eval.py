"""Pure evaluation logic for the CloudWatch alarm evaluator (no moto, no threads).

The rules follow the CloudWatch User Guide ("Evaluating an alarm", "How alarm state is evaluated
when data is missing"):

* The alarm looks at an *evaluation range* of ``N + 2`` periods (N = EvaluationPeriods; the
  guide's example retrieves 5 for N = 3), newest first.
* With at least N real datapoints in the range, the N most recent real ones are evaluated and
  TreatMissingData plays no part.
* With none, ``missing`` -> INSUFFICIENT_DATA, ``ignore`` -> keep the state, ``breaching`` ->
  ALARM, ``notBreaching`` -> OK.
* With some, the N most recent periods are evaluated, older real datapoints pulled in in place of
  the oldest missing ones ("missing data points only as few times as possible"); the remaining
  gaps are filled as breaching / not breaching, or, for ``missing`` and ``ignore``: ALARM if
  DatapointsToAlarm (M) real points breach, OK if any real point does not, else ALARM when the
  oldest evaluated point is a real breaching one (``missing``) or INSUFFICIENT_DATA (``missing``)
  / the current state (``ignore``). This reproduces every row of the guide's two tables.
* ALARM when at least M evaluated points breach, else OK.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

# ComparisonOperator -> (test, phrase used in StateReason). The anomaly-band operators need
# ANOMALY_DETECTION_BAND metric math, which the emulator does not model.
COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}


@dataclass
class Window:
    """One period of the evaluation range: ``(start, end]`` and the statistic over it."""

    start: datetime
    end: datetime
    values: list[float] = field(default_factory=list)  # raw values (percentiles need them)
    total: float = 0.0
    count: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    value: float | None = None  # the statistic, set by ``compute``

    def add(self, value: float) -> None:
        self.values.append(value)
        self.add_set(value, 1.0, value, value)

    def add_set(self, total: float, count: float, minimum: float, maximum: float) -> None:
        self.total += total
        self.count += count
        self.minimum = min(self.minimum, minimum)
        self.maximum = max(self.maximum, maximum)

    def compute(self, stat: str) -> float | None:
        """The statistic (``Average``, ``p90``, ...) over this window; None when no data."""
        if self.count <= 0:
            return None
        if stat == "SampleCount":
            return self.count
        if stat == "Sum":
            return self.total
        if stat == "Average":
            return self.total / self.count
        if stat == "Minimum":
            return self.minimum
        if stat == "Maximum":
            return self.maximum
        pct = parse_percentile(stat)
        if pct is None or not self.values:
            return None
        ordered = sorted(self.values)  # nearest-rank percentile over the raw values
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[min(rank, len(ordered)) - 1]


def parse_percentile(stat: str | None) -> float | None:
    """``p90`` -> 90.0, ``p99.9`` -> 99.9; None for anything else."""
    if not stat or not stat.startswith("p"):
        return None
    try:
        pct = float(stat[1:])
    except ValueError:
        return None
    return pct if 0 <= pct <= 100 else None


def make_windows(now: datetime, period: float, count: int) -> list[Window]:
    """``count`` windows of ``period`` seconds ending at ``now``, newest first."""
    step = timedelta(seconds=period)
    return [Window(start=now - (k + 1) * step, end=now - k * step) for k in range(count)]


def place(windows: list[Window], timestamp: datetime) -> Window | None:
    """The window (newest first, contiguous) holding ``timestamp``, if any."""
    if not windows or timestamp > windows[0].end or timestamp <= windows[-1].start:
        return None
    newest = windows[0]
    span = (newest.end - newest.start).total_seconds()
    k = int((newest.end - timestamp).total_seconds() // span)
    k = min(k, len(windows) - 1)
    return windows[k]


# --- metric math --------------------------------------------------------------------------

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def expression_ids(expression: str) -> set[str]:
    """The query ids an arithmetic expression uses; ValueError if it is not plain arithmetic."""
    tree = ast.parse(expression.strip(), mode="eval")
    ids: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            ids.add(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise ValueError(f"unsupported constant in {expression!r}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise ValueError(f"unsupported operator in {expression!r}")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise ValueError(f"unsupported operator in {expression!r}")
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            raise ValueError(f"only + - * / over query ids is supported: {expression!r}")
    return ids


def evaluate_expression(expression: str, values: dict[str, float | None]) -> float | None:
    """Evaluate ``+ - * /`` arithmetic over query values; None if an input is missing."""

    def walk(node: ast.AST) -> float | None:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            if inner is None:
                return None
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            try:
                return _BINOPS[type(node.op)](left, right)
            except ZeroDivisionError:
                return None
        raise ValueError(f"unsupported expression {expression!r}")

    return walk(ast.parse(expression.strip(), mode="eval"))


# --- the decision -------------------------------------------------------------------------


@dataclass
class Decision:
    """The outcome of one evaluation; ``state`` None means keep the current state."""

    state: str | None
    reason: str = ""
    reason_data: dict[str, Any] = field(default_factory=dict)
    latest_value: float | None = None  # newest real evaluated value (step scaling uses it)


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


def _num(value: float) -> str:
    return repr(float(value))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def decide(
    windows: list[Window],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
    comparison: str,
    threshold: float,
    treat_missing_data: str | None,
    current_state: str,
    now: datetime,
    describe: dict[str, Any] | None = None,
) -> Decision:
    """Decide the alarm state from ``windows`` (newest first, ``value`` already computed)."""
    test, phrase = COMPARISONS[comparison]
    n = max(1, int(evaluation_periods))
    m = min(n, max(1, int(datapoints_to_alarm or n)))
    treat = treat_missing_data or "missing"
    real = [i for i, w in enumerate(windows) if w.value is not None]

    def breaching(i: int) -> bool:
        value = windows[i].value
        return value is not None and test(value, threshold)

    if len(real) >= n:
        evaluated, gaps = real[:n], []
    else:
        slots = list(range(min(n, len(windows))))
        gaps = [i for i in slots if windows[i].value is None]
        kept = [i for i in slots if windows[i].value is not None]
        for older in (i for i in real if i >= n):
            if gaps:
                gaps.pop()  # the oldest missing slot gives way to an older real point
                kept.append(older)
        evaluated = sorted(kept + gaps)
    real_eval = [i for i in evaluated if windows[i].value is not None]
    hits = [i for i in real_eval if breaching(i)]
    misses = [i for i in real_eval if not breaching(i)]

    state: str | None
    if not real_eval and treat == "missing":
        state = INSUFFICIENT
    elif not real_eval and treat == "ignore":
        state = None
    elif not gaps or treat in ("breaching", "notBreaching"):
        filled_hits = len(gaps) if treat == "breaching" and gaps else 0
        state = ALARM if len(hits) + filled_hits >= m else OK
    elif len(hits) >= m:
        state = ALARM
    elif misses:
        state = OK
    elif treat == "ignore":
        state = None
    else:
        oldest = evaluated[-1]
        state = ALARM if windows[oldest].value is not None and breaching(oldest) else INSUFFICIENT

    latest = windows[real_eval[0]].value if real_eval else None
    decision = Decision(state=state, latest_value=latest)
    if state is None:
        return decision

    data: dict[str, Any] = {"version": "1.0", "queryDate": _iso(now)}
    if evaluated:
        data["startDate"] = _iso(windows[evaluated[-1]].start)
    data.update(describe or {})
    data["recentDatapoints"] = [windows[i].value for i in reversed(real_eval)]
    data["threshold"] = threshold
    data["evaluatedDatapoints"] = [
        {"timestamp": _iso(windows[i].start)}
        | (
            {"sampleCount": windows[i].count, "value": windows[i].value}
            if windows[i].value is not None
            else {}
        )
        for i in evaluated
    ]
    decision.reason_data = data

    transition = f"{current_state} -> {state}"
    if state == INSUFFICIENT:
        decision.reason = (
            f"Insufficient Data: {_plural(len(gaps) or n, 'datapoint')} "
            f"{'was' if (len(gaps) or n) == 1 else 'were'} unknown."
        )
        return decision
    support = hits if state == ALARM else misses
    fill_word = "Breaching" if treat == "breaching" else "NonBreaching"
    filled = len(gaps) if treat in ("breaching", "notBreaching") else 0
    if not support:
        decision.reason = (
            f"Threshold Crossed: no datapoints were received for {_plural(filled, 'period')} "
            f"and {_plural(filled, 'missing datapoint')} "
            f"{'was' if filled == 1 else 'were'} treated as [{fill_word}]."
        )
        return decision
    listed = ", ".join(
        f"{_num(windows[i].value or 0.0)} ({windows[i].start:%d/%m/%y %H:%M:%S})" for i in support
    )
    verb = "was" if len(support) == 1 else "were"
    negation = "" if state == ALARM else "not "
    if n == 1:
        head = f"Threshold Crossed: 1 datapoint [{listed}] {verb} {negation}{phrase}"
    else:
        head = (
            f"Threshold Crossed: {len(support)} out of the last {n} datapoints [{listed}] "
            f"{verb} {negation}{phrase}"
        )
    text = f"{head} the threshold ({_num(threshold)})"
    if filled:
        text += (
            f" and {_plural(filled, 'missing datapoint')} {'was' if filled == 1 else 'were'} "
            f"treated as [{fill_word}]"
        )
    if n > 1:
        need = m if state == ALARM else n - m + 1
        text += f" (minimum {_plural(need, 'datapoint')} for {transition} transition)"
    decision.reason = text + "."
    return decision


def matching_dimensions(wanted: Iterable[tuple[str, str]], have: Iterable[tuple[str, str]]) -> bool:
    """A datapoint counts for an alarm only when its dimension set equals the alarm's."""
    return frozenset(wanted) == frozenset(have)
