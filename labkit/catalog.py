"""Find labs on disk: by id, or all of them under a root (labs/ or solutions/)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from labkit.manifest import MANIFEST_NAME, LabManifest


class LabNotFoundError(LookupError):
    """No lab folder with this id under any searched root."""


def iter_labs(root: Path) -> Iterator[LabManifest]:
    """Every lab under ``root``, in a stable order (by path)."""
    for manifest in sorted(Path(root).rglob(MANIFEST_NAME)):
        if ".ipynb_checkpoints" in manifest.parts:
            continue
        yield LabManifest.load(manifest.parent)


def default_roots(start: Path | None = None) -> list[Path]:
    """``labs/`` (and ``solutions/``) of the nearest checkout at or above ``start``."""
    here = Path(start or Path.cwd()).resolve()
    roots: list[Path] = []
    for folder in (here, *here.parents):
        for name in ("labs", "solutions"):
            candidate = folder / name
            if candidate.is_dir() and candidate not in roots:
                roots.append(candidate)
        if roots:
            break
    return roots


def find_lab(lab_id: str, roots: Iterable[Path] = (), start: Path | None = None) -> LabManifest:
    """The lab ``lab_id``: the folder ``start`` itself when it is that lab, else searched.

    ``roots`` are searched first, then the labs/ and solutions/ of the enclosing checkout.
    """
    here = Path(start or Path.cwd())
    if (here / MANIFEST_NAME).is_file():
        manifest = LabManifest.load(here)
        if manifest.id == lab_id:
            return manifest
    searched = [*map(Path, roots), *default_roots(here)]
    for root in searched:
        for hit in sorted(root.rglob(f"{lab_id}/{MANIFEST_NAME}")):
            return LabManifest.load(hit.parent)
    where = ", ".join(str(r) for r in searched) or "no labs/ folder above the current directory"
    raise LabNotFoundError(
        f"no lab {lab_id!r} found (looked in {here} and {where}). Open the notebook from its "
        f"folder in labs/, or set LABKIT_LABS_DIR to the folder that holds the labs."
    )
