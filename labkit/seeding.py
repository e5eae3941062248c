"""Run a lab's seed code: the starting state the lab assumes, created idempotently.

A lab's ``seed.py`` defines ``seed(lab) -> dict | None``; it creates what the lab starts from
(including what earlier labs would have built) when missing, and returns resource names or
ids to add to ``lab.names``. It must be safe to run again on a seeded account.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labkit.lab import Lab


class SeedError(RuntimeError):
    """A lab's seed code failed; the message names the lab and the cause."""


def run_seed(lab: Lab) -> dict[str, str]:
    path = lab.manifest.seed_path
    if path is None:
        return {}
    if not path.is_file():
        raise SeedError(f"lab {lab.id}: seed file {path} is missing")
    spec = importlib.util.spec_from_file_location(f"labkit_seed_{lab.id}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        fn = getattr(module, "seed", None)
        if not callable(fn):
            raise SeedError(f"lab {lab.id}: {path} defines no seed(lab) function")
        names = fn(lab) or {}
    except SeedError:
        raise
    except Exception as e:
        raise SeedError(f"lab {lab.id}: seeding failed: {type(e).__name__}: {e}") from e
    if not isinstance(names, dict):
        raise SeedError(f"lab {lab.id}: seed() must return a dict of names, got {type(names)}")
    return {str(k): str(v) for k, v in names.items()}
