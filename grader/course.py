"""A throwaway nbgrader course directory, driven through nbgrader's own API.

nbgrader stays the engine: generate_assignment strips solutions and hidden tests and records
checksums; autograde restores hidden tests, runs the notebook and fills the gradebook.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

from grader.notebooks import read_source, write
from labkit.manifest import LabManifest

COURSE_ID = "cloudlabs"


class NbgraderError(RuntimeError):
    """nbgrader reported a failure; the message carries the end of its log."""


def venv_path() -> str:
    """PATH with this interpreter's bin first: nbgrader shells out to ``alembic``."""
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join([bin_dir, *[p for p in parts if p != bin_dir]])


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (kernels inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class Course:
    """An nbgrader course rooted at ``root``."""

    def __init__(self, root: Path, cell_timeout: int = 120) -> None:
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config

        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = COURSE_ID
        config.Exchange.root = str(self.root / "exchange")
        config.Execute.timeout = cell_timeout
        config.Execute.interrupt_on_timeout = True
        self.config = config
        self.api = NbGraderAPI(config=config)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def add_source(self, manifest: LabManifest) -> Path:
        """Copy a lab's source (as a notebook), manifest, seed and data into source/<id>/."""
        dest = self.root / "source" / manifest.id
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        write(read_source(manifest.source), dest / manifest.notebook.name)
        for name in shipped_files(manifest):
            src = manifest.folder / name
            if src.is_dir():
                shutil.copytree(src, dest / name)
            else:
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        return dest

    def _run(self, what: str, fn, *args) -> dict:
        with patched_environ({"PATH": venv_path()}), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*args)
        if not result.get("success"):
            log = (result.get("log") or "").strip()
            detail = log[-3000:] or (result.get("error") or "").strip()[-3000:]
            raise NbgraderError(f"nbgrader {what} failed:\n{detail}")
        return result

    def generate(self, lab_id: str) -> Path:
        self._run("generate_assignment", self.api.generate_assignment, lab_id)
        return self.root / "release" / lab_id

    def submit(self, lab_id: str, student: str, folder: Path) -> Path:
        dest = self.root / "submitted" / student / lab_id
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(folder, dest)
        return dest

    def autograde(self, lab_id: str, student: str) -> Path:
        self._run(f"autograde of {student}", self.api.autograde, lab_id, student)
        return self.root / "autograded" / student / lab_id


def shipped_files(manifest: LabManifest) -> list[str]:
    """What a learner's copy of the lab contains besides the notebook."""
    names = ["lab.yaml"]
    if manifest.seed:
        names.append(manifest.seed)
    names.extend(manifest.data)
    return names
