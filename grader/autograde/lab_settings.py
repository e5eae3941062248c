"""Per-lab grading settings from the checkout: time limits from lab.yaml and the lab's
out-of-kernel state checks (``state_checks.py`` beside its source, never shipped to learners).

A lab unknown to the checkout (any plain nbgrader assignment) is graded with the defaults and
no state checks, exactly like ``nbgrader autograde`` would.
"""

from __future__ import annotations

from dataclasses import replace

from grader.autograde.batch import Options
from grader.autograde.execute import RunLimits
from grader.paths import Checkout
from labkit.catalog import iter_labs

STATE_CHECKS = "state_checks.py"


def lab_options(checkout: Checkout | None, lab: str, options: Options) -> Options:
    if checkout is None:
        return options
    for manifest in iter_labs(checkout.solutions):
        if manifest.id != lab:
            continue
        limits = RunLimits(
            cell_timeout=manifest.cell_timeout, notebook_timeout=manifest.notebook_timeout
        )
        checks = manifest.folder / STATE_CHECKS
        source = checks.read_text() if checks.is_file() else None
        return replace(
            options,
            limits=limits,
            state_checks=source,
            hide=(*options.hide, str(checkout.solutions)),
        )
    return options
