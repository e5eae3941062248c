"""Out-of-kernel state checks: the lab's checks read the emulator from the grader's process.

A lab's ``state_checks.py`` (in solutions/, never shipped to learners) defines
``CHECKS = {grade_id: check}`` where ``check(lab)`` raises AssertionError with a message when
the emulator's state does not show the task done. ``lab`` is a labkit ``Lab`` on the worker's
emulator. Whatever the learner did inside the kernel (patching boto3, ``assert``, the check
helpers) cannot reach this process.
"""

from __future__ import annotations

import types
from pathlib import Path

from grader.autograde.job import StateCheck


def load_checks(source: str, lab_id: str) -> dict:
    module = types.ModuleType(f"state_checks_{lab_id}")
    exec(compile(source, f"<state checks of {lab_id}>", "exec"), module.__dict__)
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict):
        raise ValueError(f"state checks of {lab_id} define no CHECKS dict")
    return checks


def run_state_checks(
    source: str, lab_id: str, lab_folder: Path, endpoint_url: str, home: Path
) -> list[StateCheck]:
    from labkit.lab import start_lab
    from labkit.settings import Settings

    settings = Settings.from_env({"AWS_ENDPOINT_URL": endpoint_url, "LABKIT_HOME": str(home)})
    lab = start_lab(
        lab_id,
        settings=settings,
        search=(lab_folder.parent,),
        start_emulator=False,
        start=lab_folder,
    )
    out = []
    for grade_id, check in load_checks(source, lab_id).items():
        try:
            check(lab)
        except AssertionError as e:
            out.append(StateCheck(grade_id, False, str(e) or "state check failed"))
        except Exception as e:
            out.append(StateCheck(grade_id, False, f"{type(e).__name__}: {e}"))
        else:
            out.append(StateCheck(grade_id, True))
    return out
