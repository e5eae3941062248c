"""Starting state of p4_w14_network: an empty account in both regions.

This is the first lab of Project 4: nothing exists yet. The seed only derives the names the
notebook uses for each region's resources (``<prefix>-vpc``, ``<prefix>-public-a``, ...), so the
checks and the learner's code agree on them. Idempotent (it creates nothing).
"""

from __future__ import annotations


def seed(lab) -> dict[str, str]:
    names = lab.names
    derived: dict[str, str] = {}
    for side in ("primary", "dr"):
        prefix = names[f"{side}_prefix"]
        derived[f"vpc_{side}"] = f"{prefix}-vpc"
        derived[f"igw_{side}"] = f"{prefix}-igw"
        derived[f"rt_public_{side}"] = f"{prefix}-public-rt"
    return derived
