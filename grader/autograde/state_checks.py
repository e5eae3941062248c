"""Out-of-kernel state checks: the lab's checks read the emulator from the grader's process.

A lab's ``state_checks.py`` (in solutions/, never shipped to learners) defines
``CHECKS = {grade_id: check}`` where ``check(lab)`` raises AssertionError with a message when
the emulator's state does not show the task done. ``lab`` is a labkit ``Lab`` on the worker's
emulator, seeded before the kernel started (``prepare_lab``). Whatever the learner did inside
the kernel (patching boto3, ``assert``, the check helpers) cannot reach this process.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.autograde.job import StateCheck

if TYPE_CHECKING:
    from labkit.lab import Lab


def load_checks(source: str, lab_id: str) -> dict:
    module = types.ModuleType(f"state_checks_{lab_id}")
    exec(compile(source, f"<state checks of {lab_id}>", "exec"), module.__dict__)
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict):
        raise ValueError(f"state checks of {lab_id} define no CHECKS dict")
    return checks


# endpoint -> (boto3 session, client cache): a worker grades many submissions on one emulator,
# and building botocore clients costs more CPU than the checks' requests do.
_sessions: dict[str, tuple[Any, dict]] = {}


def prepare_lab(lab_id: str, lab_folder: Path, endpoint_url: str, home: Path) -> Lab:
    """The lab, seeded on the worker's freshly reset emulator, before the learner's kernel
    starts: its ``names`` are what the checks look for, and a seeded resource the learner's
    code deletes is missing when the checks run."""
    from labkit.lab import start_lab
    from labkit.settings import Settings

    settings = Settings.from_env({"AWS_ENDPOINT_URL": endpoint_url, "LABKIT_HOME": str(home)})
    if endpoint_url not in _sessions:
        from labkit.sessions import new_session

        _sessions[endpoint_url] = (new_session(settings.region), {})
    session, clients = _sessions[endpoint_url]
    return start_lab(
        lab_id,
        settings=settings,
        search=(lab_folder.parent,),
        start_emulator=False,
        start=lab_folder,
        session=session,
        clients=clients,
    )


def run_state_checks(source: str, lab: Lab) -> list[StateCheck]:
    """Run every check of the lab's ``CHECKS`` against the emulator; never raises."""
    out = []
    for grade_id, check in load_checks(source, lab.id).items():
        try:
            check(lab)
        except AssertionError as e:
            out.append(StateCheck(grade_id, False, str(e) or "state check failed"))
        except Exception as e:
            out.append(StateCheck(grade_id, False, f"{type(e).__name__}: {e}"))
        else:
            out.append(StateCheck(grade_id, True))
    return out
