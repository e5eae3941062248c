"""Write into a learner's portfolio folder: the one way labs add evidence to it.

The folder format is documented in docs/portfolio-format.md and read by
``grader.rubric.portfolio``. This module only writes: every file is written atomically (a temp
file in the same folder, then ``os.replace``), names are checked so nothing escapes the folder,
and the manifest is created when absent but never replaced by another learner's.

    from labkit.portfolio import Portfolio
    pf = Portfolio.default("alice", settings=settings)      # <LABKIT_PORTFOLIO_DIR>
    pf.write_document("runbook", "failover", markdown)
    pf.record_measurement("api_p95", 143.0, "ms", target="< 200", project="p2")
    pf.add_figure("latency", fig)                           # a matplotlib Figure, as PNG

No moto internals are touched.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from labkit.settings import Settings

SCHEMA = "cloudlabs.portfolio/1"
MANIFEST = "portfolio.yaml"
MEASUREMENT_SCHEMA = "cloudlabs.portfolio.measurement/1"
RESULT_SCHEMA_PREFIX = "cloudlabs.autograde"
TARGET_OPS = ("<", "<=", ">", ">=", "==")
DIAGRAM_SUFFIXES = (".png", ".svg", ".drawio", ".mmd", ".jpg", ".jpeg", ".pdf")
FILE_FOLDERS = ("iac", "code", "diagrams", "figures", "documents", "measurements", "state")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class PortfolioWriteError(ValueError):
    """Bad input for a portfolio write; the message says what to fix."""


def _slug(what: str, value: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value) or ".." in value:
        raise PortfolioWriteError(
            f"{what} must be 1-128 letters, digits, '.', '_' or '-' (no '/' or '..'), got {value!r}"
        )
    return value


def learner_slug(learner_id: str | None) -> str:
    """A valid learner id from ``learner_id`` (a gradebook student id, a login name): characters
    outside letters, digits, '.', '_' and '-' become '-'; nothing usable gives ``learner``."""
    if not learner_id:
        try:
            learner_id = getpass.getuser()
        except (KeyError, OSError):  # a uid without a passwd entry (a grading sandbox)
            learner_id = ""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(learner_id)).strip(".-_")[:128]
    return slug if _SLUG.match(slug) and ".." not in slug else "learner"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` so a reader sees all of it or the previous file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def parse_target(target: Any) -> dict[str, Any] | None:
    """``None``, ``{"op", "value"}``, ``(op, value)`` or a string like ``"< 200"`` ->
    ``{"op", "value"}``."""
    if target is None:
        return None
    if isinstance(target, str):
        m = re.match(r"^\s*(<=|>=|==|<|>)\s*(-?[0-9.]+(?:[eE]-?[0-9]+)?)\s*$", target)
        if not m:
            raise PortfolioWriteError(f"target must look like '< 200' or '>= 30', got {target!r}")
        op, value = m.group(1), float(m.group(2))
    elif isinstance(target, dict):
        op, value = target.get("op"), target.get("value")
    elif isinstance(target, (tuple, list)) and len(target) == 2:
        op, value = target
    else:
        raise PortfolioWriteError(
            f"target must be None, 'op value', (op, value) or a dict, got {target!r}"
        )
    if op not in TARGET_OPS:
        raise PortfolioWriteError(f"target op must be one of {TARGET_OPS}, got {op!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PortfolioWriteError(f"target value must be a number, got {value!r}")
    return {"op": op, "value": value}


class Portfolio:
    """A learner's portfolio folder, opened for writing."""

    def __init__(self, root: Path | str, learner_id: str, name: str | None = None) -> None:
        self.root = Path(root)
        self.learner_id = _slug("learner_id", learner_id)
        self.manifest = self._open_manifest(name)

    @classmethod
    def default(
        cls, learner_id: str, name: str | None = None, settings: Settings | None = None
    ) -> Portfolio:
        """The portfolio at ``settings.portfolio_root`` (LABKIT_PORTFOLIO_DIR or
        <LABKIT_HOME>/portfolio)."""
        settings = settings or Settings.from_env()
        return cls(settings.portfolio_root, learner_id, name)

    def _open_manifest(self, name: str | None) -> dict[str, Any]:
        file = self.root / MANIFEST
        if file.is_file():
            try:
                doc = yaml.safe_load(file.read_text())
            except yaml.YAMLError as e:
                raise PortfolioWriteError(
                    f"{file}: not valid YAML ({e}); fix or remove it"
                ) from None
            learner = doc.get("learner") if isinstance(doc, dict) else None
            if not isinstance(learner, dict) or doc.get("schema") != SCHEMA:
                raise PortfolioWriteError(
                    f"{file}: not a {SCHEMA} manifest; refusing to replace it"
                )
            if str(learner.get("id")) != self.learner_id:
                raise PortfolioWriteError(
                    f"{file} belongs to learner {learner.get('id')!r}, not {self.learner_id!r}; "
                    f"use another folder (LABKIT_PORTFOLIO_DIR)"
                )
            if name and not learner.get("name"):
                learner["name"] = name
                self._write_manifest(doc)
            return doc
        doc = {
            "schema": SCHEMA,
            "learner": {"id": self.learner_id, **({"name": name} if name else {})},
            "created_at": _now(),
        }
        self._write_manifest(doc)
        return doc

    def _write_manifest(self, doc: dict[str, Any]) -> None:
        write_atomic(self.root / MANIFEST, yaml.safe_dump(doc, sort_keys=False).encode())

    def write_document(self, kind: str, name: str, markdown: str) -> Path:
        """documents/<kind>/<name>.md (see docs/portfolio-format.md for each kind's sections)."""
        _slug("document kind", kind)
        stem = _slug("document name", name.removesuffix(".md"))
        if not isinstance(markdown, str):
            raise PortfolioWriteError(f"markdown must be text, got {type(markdown).__name__}")
        return write_atomic(self.root / "documents" / kind / f"{stem}.md", markdown.encode())

    def add_diagram(self, name: str, data_or_path: bytes | str | Path) -> Path:
        """diagrams/<name>: a copy of the file at a Path (or at a one-line string naming an
        existing file), else the bytes or text as given. Without a suffix, ``name`` takes the
        source file's."""
        _slug("diagram name", name)
        if (
            isinstance(data_or_path, str)
            and "\n" not in data_or_path
            and Path(data_or_path).is_file()
        ):
            data_or_path = Path(data_or_path)
        if isinstance(data_or_path, Path):
            if not data_or_path.is_file():
                raise PortfolioWriteError(f"diagram source {data_or_path} is not a file")
            data = data_or_path.read_bytes()
            if not Path(name).suffix:
                name += data_or_path.suffix
        else:
            data = data_or_path.encode() if isinstance(data_or_path, str) else data_or_path
        if Path(name).suffix.lower() not in DIAGRAM_SUFFIXES:
            raise PortfolioWriteError(
                f"diagram {name!r} needs one of the suffixes {', '.join(DIAGRAM_SUFFIXES)}"
            )
        return write_atomic(self.root / "diagrams" / name, bytes(data))

    def add_figure(self, name: str, figure: Any, dpi: int = 100) -> Path:
        """figures/<name>.png from a matplotlib ``Figure`` (object API, no pyplot state)."""
        stem = _slug("figure name", name.removesuffix(".png"))
        if not hasattr(figure, "savefig"):
            raise PortfolioWriteError(
                f"figure must be a matplotlib Figure, got {type(figure).__name__}"
            )
        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=dpi)
        return write_atomic(self.root / "figures" / f"{stem}.png", buf.getvalue())

    def record_measurement(
        self,
        name: str,
        value: float,
        unit: str,
        target: Any = None,
        project: str | None = None,
        source: str | None = None,
    ) -> Path:
        """measurements/<project>_<name>.json (or <name>.json without a project); recording
        the same name for the same project again replaces it."""
        _slug("measurement name", name)
        if project is not None:
            _slug("project", project)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise PortfolioWriteError(f"measurement value must be a number, got {value!r}")
        doc = {
            "schema": MEASUREMENT_SCHEMA,
            "name": name,
            "value": value,
            "unit": str(unit),
            "target": parse_target(target),
            "project": project,
            "source": source,
            "measured_at": _now(),
        }
        stem = f"{project}_{name}" if project else name
        return write_atomic(self.root / "measurements" / f"{stem}.json", _json(doc))

    def add_result(self, results_doc: dict[str, Any]) -> Path:
        """results/<lab>.json from an autograde results document."""
        if not isinstance(results_doc, dict):
            raise PortfolioWriteError("results_doc must be a dict (an autograde results document)")
        schema = str(results_doc.get("schema", ""))
        if not schema.startswith(RESULT_SCHEMA_PREFIX):
            raise PortfolioWriteError(
                f"results_doc schema must be cloudlabs.autograde.result/1, got {schema!r}"
            )
        lab = _slug("results_doc['lab']", str(results_doc.get("lab", "")))
        return write_atomic(self.root / "results" / f"{lab}.json", _json(results_doc))

    def add_file(self, folder: str, relpath: str, data: bytes | str) -> Path:
        """<folder>/<relpath> for IaC, code and other files (folder one of FILE_FOLDERS)."""
        if folder not in FILE_FOLDERS:
            raise PortfolioWriteError(
                f"folder must be one of {', '.join(FILE_FOLDERS)}, got {folder!r}"
            )
        rel = PurePosixPath(str(relpath))
        if rel.is_absolute() or not rel.parts or any(p in ("..", ".", "") for p in rel.parts):
            raise PortfolioWriteError(f"relpath must be relative inside {folder}/, got {relpath!r}")
        if rel.parts[0] == MANIFEST:
            raise PortfolioWriteError(f"{MANIFEST} is written by Portfolio itself")
        raw = data.encode() if isinstance(data, str) else bytes(data)
        return write_atomic(self.root / folder / Path(*rel.parts), raw)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()
