"""``lab.yaml``: what a lab is, what it needs, what it is worth.

Shared by the learner runtime (``start_lab`` reads the seed and names) and the grader (build,
lint, selftest). Loading validates the shape and says exactly which field is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MANIFEST_NAME = "lab.yaml"
LAB_ID = re.compile(r"^p[1-9]_w\d{2}_[a-z][a-z0-9_]*$")
EMULATORS = ("labkit", "localstack")


class ManifestError(ValueError):
    """A lab.yaml that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class LabManifest:
    id: str
    project: str
    week: int
    title: str
    points: float
    folder: Path
    day: str = ""
    services: tuple[str, ...] = ()
    emulators: tuple[str, ...] = ("labkit",)
    requires: tuple[str, ...] = ()
    seed: str | None = None
    cell_timeout: int = 120
    notebook_timeout: int = 900
    data: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    # Speed-up of the emulator's waits (health-check intervals, alarm periods, failover
    # transitions) while this lab runs, e.g. 0.05 = 20x faster; None leaves it as it is.
    time_scale: float | None = None

    @property
    def source(self) -> Path:
        """The jupytext py:percent source (present in solutions/, not in labs/)."""
        return self.folder / f"{self.id}.py"

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.id}.ipynb"

    @property
    def seed_path(self) -> Path | None:
        return self.folder / self.seed if self.seed else None

    @property
    def week_folder(self) -> str:
        return f"w{self.week:02d}"

    @classmethod
    def load(cls, folder: Path) -> LabManifest:
        path = Path(folder) / MANIFEST_NAME
        try:
            raw = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ManifestError(f"{path}: missing (every lab folder needs a lab.yaml)") from None
        except yaml.YAMLError as e:
            raise ManifestError(f"{path}: not valid YAML: {e}") from None
        if not isinstance(raw, dict):
            raise ManifestError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
        return cls._from_mapping(raw, Path(folder), path)

    @classmethod
    def _from_mapping(cls, raw: dict[str, Any], folder: Path, path: Path) -> LabManifest:
        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            if key not in raw:
                raise ManifestError(f"{path}: field {key!r} is required")
            value = raw[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ManifestError(f"{path}: field {key!r} has the wrong type ({value!r})")
            return value

        def strings(key: str) -> tuple[str, ...]:
            value = raw.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ManifestError(f"{path}: field {key!r} must be a list of strings")
            return tuple(value)

        lab_id = need("id", str)
        if not LAB_ID.match(lab_id) or not lab_id.isidentifier():
            raise ManifestError(
                f"{path}: id {lab_id!r} must look like p<project>_w<2-digit week>_<name> in "
                f"lower case, e.g. p1_w04_landing_zone"
            )
        known = {
            "id",
            "project",
            "week",
            "day",
            "title",
            "points",
            "services",
            "emulators",
            "requires",
            "seed",
            "timeouts",
            "data",
            "names",
            "time_scale",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ManifestError(f"{path}: unknown field(s) {unknown}; known: {sorted(known)}")
        timeouts = raw.get("timeouts") or {}
        if not isinstance(timeouts, dict) or set(timeouts) - {"cell", "notebook"}:
            raise ManifestError(f"{path}: timeouts must be a mapping with 'cell' and 'notebook'")
        emulators = strings("emulators") or ("labkit",)
        bad = sorted(set(emulators) - set(EMULATORS))
        if bad:
            raise ManifestError(f"{path}: unknown emulator(s) {bad}; known: {list(EMULATORS)}")
        names = raw.get("names") or {}
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            raise ManifestError(f"{path}: names must map keys to resource names (strings)")
        seed = raw.get("seed")
        if seed is not None and not isinstance(seed, str):
            raise ManifestError(f"{path}: seed must be a file name such as seed.py")
        time_scale = raw.get("time_scale")
        if time_scale is not None and (
            isinstance(time_scale, bool)
            or not isinstance(time_scale, (int, float))
            or not 0 < time_scale <= 10
        ):
            raise ManifestError(f"{path}: time_scale must be a number > 0 and <= 10, e.g. 0.05")
        return cls(
            id=lab_id,
            project=need("project", str),
            week=need("week", int),
            title=need("title", str),
            points=need("points", (int, float)),
            folder=folder,
            day=str(raw.get("day", "")),
            services=strings("services"),
            emulators=emulators,
            requires=strings("requires"),
            seed=seed,
            cell_timeout=int(timeouts.get("cell", 120)),
            notebook_timeout=int(timeouts.get("notebook", 900)),
            data=strings("data"),
            names={str(k): v for k, v in names.items()},
            time_scale=float(time_scale) if time_scale is not None else None,
        )
