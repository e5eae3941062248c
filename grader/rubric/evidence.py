"""Evidence: what a collector saw for one sub-criterion, and the level it proposes.

Every collector is a function ``collect(portfolio) -> list[Evidence]``. A collector that needs
something the portfolio lacks returns ``Evidence(..., level=None, missing=True)`` saying what is
missing, so scoring can show it as missing instead of silently scoring it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LEVELS = (0, 1, 2, 3)  # Missing, Developing, Proficient, Exemplary (names in the rubric YAML)


@dataclass(frozen=True)
class Evidence:
    sub_criterion: str  # "<criterion id>.<sub-criterion id>", e.g. "operational.security"
    collector: str  # "autograde", "state_rules", "static", "docs", "metrics", "reviewer"
    summary: str  # one line a reviewer reads in the report
    level: int | None = None  # proposed level (one of LEVELS), None: observed, no proposal
    details: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable specifics
    missing: bool = False  # what this collector needs is absent from the portfolio

    def __post_init__(self) -> None:
        if self.level is not None and self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS} or None, got {self.level!r}")
        if "." not in self.sub_criterion:
            got = self.sub_criterion
            raise ValueError(f"sub_criterion must be '<criterion>.<sub>', got {got!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Evidence:
        return cls(**doc)
