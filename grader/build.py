"""``grader build``: student notebooks in labs/ from the sources in solutions/.

Every lab goes through nbgrader's generate_assignment (solutions and hidden tests stripped,
checksums recorded) in a throwaway course; the release is copied to
``labs/<project>/w<week>/<id>/`` without outputs. Files are only rewritten when their bytes
change, so building twice leaves ``git status`` clean.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.course import Course
from grader.notebooks import normalise, to_bytes
from grader.paths import Checkout
from labkit.catalog import iter_labs
from labkit.manifest import LabManifest


@dataclass
class BuildReport:
    written: list[Path] = field(default_factory=list)  # files created or changed
    removed: list[Path] = field(default_factory=list)  # stale files deleted
    labs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


def select_labs(checkout: Checkout, ids: Iterable[str] = ()) -> list[LabManifest]:
    """The labs of ``checkout`` (all when ``ids`` is empty); unknown ids are an error."""
    labs = list(iter_labs(checkout.solutions))
    wanted = list(ids)
    if not wanted:
        return labs
    by_id = {m.id: m for m in labs}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise KeyError(f"unknown lab(s): {', '.join(unknown)}; known: {', '.join(sorted(by_id))}")
    return [by_id[i] for i in wanted]


def lab_destination(labs_root: Path, manifest: LabManifest) -> Path:
    return labs_root / manifest.project / manifest.week_folder / manifest.id


def build(
    checkout: Checkout,
    ids: Iterable[str] = (),
    labs_root: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> BuildReport:
    """Build the student version of the selected labs into ``labs_root`` (default labs/)."""
    labs_root = labs_root or checkout.labs
    report = BuildReport()
    manifests = select_labs(checkout, ids)
    with tempfile.TemporaryDirectory(prefix="grader-build-") as tmp:
        course = Course(Path(tmp))
        for manifest in manifests:
            progress(f"building {manifest.id}")
            course.add_source(manifest)
            release = course.generate(manifest.id)
            nb_path = release / manifest.notebook.name
            nb_path.write_bytes(to_bytes(normalise(nbformat.read(nb_path, as_version=4))))
            _sync(release, lab_destination(labs_root, manifest), report)
            report.labs.append(manifest.id)
    return report


def _sync(src: Path, dest: Path, report: BuildReport) -> None:
    """Make ``dest`` hold exactly the files of ``src``, touching only what differs."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        target = dest / rel
        if target.is_file() and filecmp.cmp(src / rel, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
        report.written.append(target)
    for path in sorted(dest.rglob("*"), reverse=True):
        rel = path.relative_to(dest)
        if path.is_file() and rel not in wanted:
            path.unlink()
            report.removed.append(path)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def stale(checkout: Checkout, ids: Iterable[str] = ()) -> list[str]:
    """Differences between labs/ and a fresh build: empty when labs/ is up to date."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        fresh = Path(tmp) / "labs"
        build(checkout, ids, labs_root=fresh)
        for manifest in select_labs(checkout, ids):
            rel = lab_destination(fresh, manifest).relative_to(fresh)
            new, old = fresh / rel, checkout.labs / rel
            new_files = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
            old_files = {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
            for f in sorted(new_files - old_files):
                problems.append(f"labs/{rel / f} is missing")
            for f in sorted(old_files - new_files):
                problems.append(f"labs/{rel / f} is not produced by the build (stale)")
            for f in sorted(new_files & old_files):
                if (new / f).read_bytes() != (old / f).read_bytes():
                    problems.append(f"labs/{rel / f} differs from its source")
        built = {lab_destination(checkout.labs, m) for m in select_labs(checkout)}
        if not list(ids) and checkout.labs.is_dir():
            for manifest_path in checkout.labs.rglob("lab.yaml"):
                if manifest_path.parent not in built:
                    rel = manifest_path.parent.relative_to(checkout.labs)
                    problems.append(f"labs/{rel} has no source in solutions/")
    return problems
