"""The rubric as data: load ``rubrics/portfolio.yaml`` and validate it.

Validation fails with :class:`RubricError` naming the place to fix: criterion weights that do
not sum to 100, sub-criterion weights that do not sum to 100 within their criterion, duplicate
ids, an unknown collector, levels other than 0..3 or without a name, a sub-criterion without a
descriptor for every level. Collector settings (``autograde``, ``metrics``, ``documents``,
``static``) and the presentation checklist are kept as plain mappings on :class:`Rubric`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.rubric.evidence import LEVELS

SCHEMA = "cloudlabs.rubric/1"
COLLECTORS = ("autograde", "state_rules", "static", "docs", "metrics", "reviewer")


class RubricError(ValueError):
    """The rubric file is invalid; the message says where and what to fix."""


@dataclass(frozen=True)
class SubCriterion:
    id: str  # "<criterion>.<sub>"
    name: str
    weight: float  # share of its criterion, the criterion's sub-criteria sum to 100
    summary: str
    collectors: tuple[str, ...]
    descriptors: dict[int, str]
    labs: tuple[str, ...] = ()  # lab id patterns (fnmatch) whose autograde results inform it
    reviewer_led: bool = False  # reviewer evidence wins over machine evidence


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    weight: float  # out of 100
    sub_criteria: tuple[SubCriterion, ...]


@dataclass
class Rubric:
    id: str
    version: str
    name: str
    levels: dict[int, str]
    criteria: tuple[Criterion, ...]
    settings: dict[str, Any] = field(default_factory=dict)  # autograde, metrics, documents, ...
    presentation_checklist: list[dict[str, Any]] = field(default_factory=list)

    def sub_criteria(self) -> list[SubCriterion]:
        return [s for c in self.criteria for s in c.sub_criteria]

    def sub_criterion(self, sid: str) -> SubCriterion:
        for s in self.sub_criteria():
            if s.id == sid:
                return s
        raise KeyError(f"no sub-criterion {sid!r} in rubric {self.id} {self.version}")

    @classmethod
    def load(cls, path: Path) -> Rubric:
        try:
            doc = yaml.safe_load(Path(path).read_text())
        except yaml.YAMLError as e:
            raise RubricError(f"{path}: not valid YAML: {e}") from None
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: Any, where: str = "rubric") -> Rubric:
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise RubricError(f"{where}: expected a mapping with schema: {SCHEMA}")
        for key in ("id", "version", "criteria", "levels"):
            if key not in doc:
                raise RubricError(f"{where}: '{key}' is required")
        levels = _levels(doc["levels"], where)
        criteria = tuple(
            _criterion(c, levels, f"{where}: criteria[{i}]")
            for i, c in enumerate(_list(doc["criteria"], f"{where}: criteria"))
        )
        _unique([c.id for c in criteria], f"{where}: criterion")
        _sums_to_100([c.weight for c in criteria], f"{where}: criterion weights")
        settings = {k: doc.get(k) or {} for k in ("autograde", "metrics", "documents", "static")}
        rubric = cls(
            id=str(doc["id"]),
            version=str(doc["version"]),
            name=str(doc.get("name") or doc["id"]),
            levels=levels,
            criteria=criteria,
            settings=settings,
            presentation_checklist=list(doc.get("presentation_checklist") or []),
        )
        _check_references(rubric, where)
        return rubric


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise RubricError(f"{where}: expected a non-empty list")
    return value


def _levels(value: Any, where: str) -> dict[int, str]:
    out = {}
    for item in _list(value, f"{where}: levels"):
        if not isinstance(item, dict) or not item.get("name") or "level" not in item:
            raise RubricError(f"{where}: every level needs 'level' and 'name', got {item!r}")
        out[item["level"]] = str(item["name"])
    if sorted(out) != list(LEVELS):
        raise RubricError(f"{where}: levels must be exactly {list(LEVELS)}, got {sorted(out)}")
    return out


def _weight(item: dict, where: str) -> float:
    w = item.get("weight")
    if isinstance(w, bool) or not isinstance(w, int | float) or w <= 0:
        raise RubricError(f"{where}: weight must be a positive number, got {w!r}")
    return float(w)


def _sums_to_100(weights: list[float], where: str) -> None:
    if abs(sum(weights) - 100) > 1e-9:
        raise RubricError(f"{where} sum to {sum(weights):g}, must sum to 100")


def _unique(ids: list[str], what: str) -> None:
    seen = set()
    for i in ids:
        if i in seen:
            raise RubricError(f"{what} id {i!r} is duplicated")
        seen.add(i)


def _criterion(doc: Any, levels: dict[int, str], where: str) -> Criterion:
    if not isinstance(doc, dict) or not doc.get("id"):
        raise RubricError(f"{where}: needs an id")
    cid = str(doc["id"])
    where = f"{where} ({cid})"
    subs = tuple(
        _sub(s, cid, levels, f"{where}: sub_criteria[{i}]")
        for i, s in enumerate(_list(doc.get("sub_criteria"), f"{where}: sub_criteria"))
    )
    _unique([s.id for s in subs], f"{where}: sub-criterion")
    _sums_to_100([s.weight for s in subs], f"{where}: sub-criterion weights")
    return Criterion(cid, str(doc.get("name") or cid), _weight(doc, where), subs)


def _sub(doc: Any, cid: str, levels: dict[int, str], where: str) -> SubCriterion:
    if not isinstance(doc, dict) or not doc.get("id"):
        raise RubricError(f"{where}: needs an id")
    sid = f"{cid}.{doc['id']}"
    where = f"{where} ({sid})"
    collectors = tuple(doc.get("collectors") or ())
    for name in collectors:
        if name not in COLLECTORS:
            raise RubricError(
                f"{where}: unknown collector {name!r} (known: {', '.join(COLLECTORS)})"
            )
    descriptors = {int(k): str(v) for k, v in (doc.get("descriptors") or {}).items()}
    if sorted(descriptors) != sorted(levels):
        missing = sorted(set(levels) - set(descriptors))
        raise RubricError(f"{where}: descriptors missing for levels {missing}")
    return SubCriterion(
        id=sid,
        name=str(doc.get("name") or doc["id"]),
        weight=_weight(doc, where),
        summary=str(doc.get("summary") or ""),
        collectors=collectors,
        descriptors=descriptors,
        labs=tuple(doc.get("labs") or ()),
        reviewer_led=bool(doc.get("reviewer_led", False)),
    )


def _check_references(rubric: Rubric, where: str) -> None:
    """Settings that name sub-criteria must name existing ones."""
    ids = {s.id for s in rubric.sub_criteria()}
    refs = [
        (t.get("sub_criterion"), "metrics.targets")
        for t in rubric.settings["metrics"].get("targets", [])
    ]
    docs = rubric.settings["documents"]
    refs += [(s, "documents.diagrams_inform") for s in docs.get("diagrams_inform", [])]
    for kind, spec in (docs.get("kinds") or {}).items():
        refs += [(s, f"documents.kinds.{kind}.informs") for s in spec.get("informs", [])]
    for sid, place in refs:
        if sid not in ids:
            raise RubricError(f"{where}: {place} names unknown sub-criterion {sid!r}")
