"""Where a checkout keeps its lab sources and generated labs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Checkout:
    root: Path

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def labs(self) -> Path:
        return self.root / "labs"

    @classmethod
    def find_optional(cls, start: Path | None = None) -> Checkout | None:
        try:
            return cls.find(start)
        except FileNotFoundError:
            return None

    @classmethod
    def find(cls, start: Path | None = None) -> Checkout:
        """The nearest folder at or above ``start`` that holds ``solutions/``."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "solutions").is_dir():
                return cls(folder)
        raise FileNotFoundError(
            f"no solutions/ folder at or above {here}; run grader from the project checkout "
            f"or pass --root"
        )
