"""``grader lint``: every lab source is well-formed before anything is built from it.

Checks: lab.yaml loads; id = folder name = notebook stem and the folder sits at
solutions/<project>/w<week>/<id>; nbgrader cell metadata is valid schema v3 on every cell;
grade ids are unique; lab.yaml points = the sum of grade cells' points; every grade cell is
worth something; solution cells carry a SOLUTION region; the notebook starts the right lab;
seed, data and required labs exist; lab ids are unique across the checkout.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from grader.notebooks import read_source
from grader.paths import Checkout
from labkit.manifest import MANIFEST_NAME, LabManifest, ManifestError

BEGIN_SOLUTION = re.compile(r"^\s*#+\s*BEGIN SOLUTION", re.MULTILINE)
START_LAB = re.compile(r"start_lab\(\s*['\"]([^'\"]+)['\"]")


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def lint(checkout: Checkout) -> list[Problem]:
    problems: list[Problem] = []
    manifests: list[LabManifest] = []
    for path in sorted(checkout.solutions.rglob(MANIFEST_NAME)):
        try:
            manifests.append(LabManifest.load(path.parent))
        except ManifestError as e:
            problems.append(Problem(path, str(e).removeprefix(f"{path}: ")))
    seen: dict[str, Path] = {}
    for m in manifests:
        if m.id in seen:
            problems.append(Problem(m.folder, f"lab id {m.id} is also used by {seen[m.id]}"))
        seen.setdefault(m.id, m.folder)
    for m in manifests:
        problems.extend(lint_lab(checkout, m, known_ids=set(seen)))
    return problems


def lint_lab(checkout: Checkout, m: LabManifest, known_ids: set[str]) -> list[Problem]:
    out: list[Problem] = []

    def bad(message: str, path: Path | None = None) -> None:
        out.append(Problem(path or m.folder / MANIFEST_NAME, message))

    expected = checkout.solutions / m.project / m.week_folder / m.id
    if m.folder.resolve() != expected.resolve():
        bad(
            f"lab folder should be {expected.relative_to(checkout.root)} "
            f"(project {m.project!r}, week {m.week}, id {m.id!r})"
        )
    if not m.id.startswith(f"{m.project.split('_')[0]}_{m.week_folder}_"):
        bad(
            f"id {m.id!r} should start with {m.project.split('_')[0]}_{m.week_folder}_ "
            f"to match project {m.project!r} and week {m.week}"
        )
    for req in m.requires:
        if req not in known_ids:
            bad(f"requires unknown lab {req!r}")
        if req == m.id:
            bad("a lab cannot require itself")
    if m.seed and not (m.folder / m.seed).is_file():
        bad(f"seed file {m.seed} does not exist")
    for item in m.data:
        if not (m.folder / item).exists():
            bad(f"data entry {item!r} does not exist in the lab folder")
    if not m.source.is_file():
        bad(f"notebook source {m.source.name} is missing")
        return out
    out.extend(_lint_notebook(m))
    return out


def _lint_notebook(m: LabManifest) -> list[Problem]:
    from nbgrader.nbgraderformat import ValidationError
    from nbgrader.nbgraderformat.common import SchemaMismatchError
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    out: list[Problem] = []
    src = m.source
    try:
        nb = read_source(src)
    except Exception as e:  # jupytext parse errors come in many types
        return [Problem(src, f"cannot be read as a py:percent notebook: {e}")]
    validator = MetadataValidatorV3()
    grade_ids: dict[str, int] = {}
    total = 0.0
    for index, cell in enumerate(nb.cells, start=1):
        where = f"cell {index}"
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            out.append(Problem(src, f"{where} has no nbgrader metadata (every cell needs it)"))
            continue
        try:
            validator.validate_cell(cell)
        except (ValidationError, SchemaMismatchError) as e:
            out.append(Problem(src, f"{where}: invalid nbgrader metadata: {_short(e)}"))
            continue
        except Exception as e:  # jsonschema.ValidationError and friends
            out.append(Problem(src, f"{where}: invalid nbgrader metadata: {_short(e)}"))
            continue
        grade_id = meta.get("grade_id")
        if grade_id:
            if grade_id in grade_ids:
                out.append(
                    Problem(
                        src,
                        f"{where}: grade_id {grade_id!r} already used by cell "
                        f"{grade_ids[grade_id]}",
                    )
                )
            grade_ids.setdefault(grade_id, index)
        if meta.get("grade"):
            points = float(meta.get("points", 0))
            if points <= 0:
                out.append(Problem(src, f"{where} ({grade_id}): grade cell worth {points} points"))
            total += points
        if (
            meta.get("solution")
            and cell.cell_type == "code"
            and not BEGIN_SOLUTION.search(cell.source)
        ):
            out.append(
                Problem(
                    src, f"{where} ({grade_id}): solution cell without a ### BEGIN SOLUTION region"
                )
            )
        if cell.cell_type == "markdown" and not meta.get("locked") and not meta.get("solution"):
            out.append(Problem(src, f"{where} ({grade_id}): markdown cells must be locked"))
    if abs(total - float(m.points)) > 1e-9:
        out.append(
            Problem(
                m.folder / MANIFEST_NAME,
                f"points is {m.points} but the grade cells add up to {total:g}",
            )
        )
    tests = {
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
    }
    out.extend(_lint_state_checks(m, tests))
    started = {match for cell in nb.cells for match in START_LAB.findall(cell.source)}
    if started != {m.id}:
        found = ", ".join(sorted(started)) or "none"
        out.append(Problem(src, f"the notebook must call start_lab({m.id!r}) (found: {found})"))
    return out


def _short(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:300]


def _lint_state_checks(m: LabManifest, test_ids: set[str]) -> list[Problem]:
    """state_checks.py (optional): parses, defines CHECKS keyed by the lab's test cells."""
    path = m.folder / "state_checks.py"
    if not path.is_file():
        return []
    try:
        tree = ast.parse(path.read_text(), str(path))
    except SyntaxError as e:
        return [Problem(path, f"does not parse: {e}")]
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "CHECKS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
            unknown = sorted(set(keys) - test_ids)
            if unknown:
                return [
                    Problem(
                        path,
                        f"CHECKS names {unknown}, which are not test cells of "
                        f"the notebook (test cells: {sorted(test_ids)})",
                    )
                ]
            return []
    return [Problem(path, "defines no CHECKS = {grade_id: check, ...} dict literal")]
