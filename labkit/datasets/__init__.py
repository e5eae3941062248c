"""Course datasets the labs read: one folder per dataset, shipped inside the labkit package so
that a learner's kernel (and a sandboxed grading kernel) can read them wherever labkit is
installed.

    from labkit import datasets
    estate = datasets.path("p1_retail")        # the retail company's on-premises estate

Datasets are read-only: labs copy what they change.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def available() -> list[str]:
    """Names of the datasets that ship with labkit."""
    return sorted(p.name for p in ROOT.iterdir() if p.is_dir() and _NAME.match(p.name))


def path(name: str) -> Path:
    """The folder of dataset ``name``; a clear error naming the known ones otherwise."""
    if not isinstance(name, str) or not _NAME.match(name) or not (ROOT / name).is_dir():
        known = ", ".join(available()) or "none"
        raise FileNotFoundError(f"no dataset named {name!r} ships with labkit (known: {known})")
    return ROOT / name
