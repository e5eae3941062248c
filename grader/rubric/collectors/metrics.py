"""Metrics collector: measured figures against the curriculum's targets.

``measurements/*.json`` records ``{"name", "value", "unit", "project", ...}`` are matched with
the rubric's ``metrics.targets`` on (project, name), or on name alone when it is
"<project>_<name>" (e.g. ``p4_rto``). Values are converted to the target's unit between time
units (ms, s, min, h) and data sizes (GB, TB); other unit mismatches are a portfolio problem.
Per matched measurement: missing the target proposes Developing (1), meeting it Proficient
(2), beating it by ``exemplary_margin`` of the target Exemplary (3). The rubric's target is
the authority; a measurement's own ``target`` is only reported. A sub-criterion with targets
but no measurement of any of them gets a missing-evidence record listing them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from grader.rubric.evidence import Evidence
from grader.rubric.model import Rubric
from grader.rubric.portfolio import Portfolio

NAME = "metrics"
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
UNITS = {  # unit -> (dimension, factor to the dimension's base unit)
    "ms": ("time", 0.001),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "GB": ("data", 1.0),
    "TB": ("data", 1000.0),
}


def convert(value: float, unit: str | None, to: str) -> float | None:
    """value in ``unit`` expressed in ``to``; None when the units do not convert."""
    if not unit or unit == to:
        return value
    a, b = UNITS.get(unit), UNITS.get(to)
    if a is None or b is None or a[0] != b[0]:
        return None
    return value * a[1] / b[1]


def level_for(value: float, op: str, target: float, margin: float) -> int:
    if not OPS[op](value, target):
        return 1
    lower_is_better = op in ("<", "<=")
    if target == 0:
        exemplary = value == 0
    elif lower_is_better:
        exemplary = value <= target * (1 - margin)
    else:
        exemplary = value >= target * (1 + margin)
    return 3 if exemplary else 2


def collector(rubric: Rubric) -> Callable[[Portfolio], list[Evidence]]:
    spec = rubric.settings["metrics"]
    margin = float(spec.get("exemplary_margin", 0.25))
    targets = spec.get("targets") or []

    def collect(portfolio: Portfolio) -> list[Evidence]:
        measured = {}
        for m in portfolio.measurements():
            measured[(str(m.get("project")), str(m["name"]))] = m
            measured.setdefault(tuple(str(m["name"]).split("_", 1)) + ("",), m)
        out, seen = [], set()
        for t in targets:
            key = (str(t["project"]), str(t["name"]))
            m = measured.get(key) or measured.get((*key, ""))
            if m is None:
                continue
            unit = t.get("unit", "")
            try:
                value = convert(float(m["value"]), m.get("unit"), unit)
            except (TypeError, ValueError):
                portfolio.problems.append(
                    f"measurement {key[0]}/{key[1]}: value {m['value']!r} is not a number"
                )
                continue
            if value is None:
                portfolio.problems.append(
                    f"measurement {key[0]}/{key[1]}: unit {m.get('unit')!r} does not convert"
                    f" to the target's {unit!r}"
                )
                continue
            level = level_for(value, t["op"], float(t["value"]), margin)
            verdict = {1: "misses", 2: "meets", 3: "beats"}[level]
            out.append(
                Evidence(
                    t["sub_criterion"],
                    NAME,
                    f"{key[0]} {key[1]} = {value:g} {unit} {verdict} target"
                    f" {t['op']} {t['value']} {unit}",
                    level=level,
                    details={
                        "project": key[0],
                        "name": key[1],
                        "value": value,
                        "unit": unit,
                        "target": {"op": t["op"], "value": t["value"]},
                        "own_target": m.get("target"),
                        "source": m.get("source"),
                    },
                )
            )
            seen.add(t["sub_criterion"])
        for sid in sorted({t["sub_criterion"] for t in targets} - seen):
            wanted = [f"{t['project']}/{t['name']}" for t in targets if t["sub_criterion"] == sid]
            out.append(
                Evidence(
                    sid,
                    NAME,
                    f"no measurement of {', '.join(wanted)}",
                    missing=True,
                    details={"wanted": wanted},
                )
            )
        return out

    return collect
