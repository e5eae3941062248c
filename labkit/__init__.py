"""labkit: the learner-side runtime of the cloud-engineering labs.

``labkit.start_lab("p1_w04_landing_zone")`` gets a lab ready on the embedded emulator.
Imports stay lazy so that ``labkit serve`` starts fast.
"""

from __future__ import annotations

__all__ = ["Lab", "start_lab", "Settings"]


def __getattr__(name: str):
    if name in ("Lab", "start_lab"):
        from labkit import lab

        return getattr(lab, name)
    if name == "Settings":
        from labkit.settings import Settings

        return Settings
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
