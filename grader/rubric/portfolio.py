"""Read a learner's portfolio folder (the format is documented in docs/portfolio-format.md).

```
<portfolio>/
  portfolio.yaml            manifest: schema cloudlabs.portfolio/1, learner {id, name}, cohort
  results/<lab>.json        autograde results (schema cloudlabs.autograde.result/1)
  documents/<kind>/*.md     kinds: assessment-report, runbook, dr-report, architecture,
                            test-report, cost-analysis, go-live-runbook, lessons-learned, ...
  diagrams/*                architecture diagrams (.png, .svg, .drawio, .mmd)
  figures/*.png             charts drawn by the labs (labkit.portfolio add_figure), shown only
  iac/**                    CloudFormation / Terraform / Kubernetes manifests / Dockerfiles
  code/**                   the learner's code (Python)
  measurements/*.json       {"name", "value", "unit", "target": {"op", "value"} | null,
                            "project", "source", "measured_at"}
  state/account.json        `labkit export-state` (schema cloudlabs.account-state/1)
```

Reading never raises for missing optional parts (they are simply empty); a folder without a
readable manifest raises :class:`PortfolioError` with a message saying what to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCHEMA = "cloudlabs.portfolio/1"
MANIFEST = "portfolio.yaml"


class PortfolioError(ValueError):
    """The folder is not a readable portfolio; the message says why and what to do."""


@dataclass
class Portfolio:
    root: Path
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)  # unreadable parts, reported as evidence

    @property
    def learner_id(self) -> str:
        return str(self.manifest["learner"]["id"])

    @property
    def learner_name(self) -> str:
        return str(self.manifest["learner"].get("name") or self.learner_id)

    @classmethod
    def load(cls, path: Path) -> Portfolio:
        root = Path(path).resolve()  # tools run inside it get absolute paths
        file = root / MANIFEST
        if not file.is_file():
            raise PortfolioError(f"{root}: no {MANIFEST} (is this a portfolio folder?)")
        try:
            manifest = yaml.safe_load(file.read_text())
        except yaml.YAMLError as e:
            raise PortfolioError(f"{file}: not valid YAML: {e}") from None
        if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
            raise PortfolioError(f"{file}: expected a mapping with schema: {SCHEMA}")
        learner = manifest.get("learner")
        if not isinstance(learner, dict) or not learner.get("id"):
            raise PortfolioError(f"{file}: learner.id is required")
        return cls(root=root, manifest=manifest)

    def _json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as e:
            self.problems.append(f"{path.relative_to(self.root)}: unreadable ({e})")
            return None

    def results(self) -> dict[str, dict[str, Any]]:
        """lab id -> autograde results document."""
        out = {}
        for path in sorted((self.root / "results").glob("*.json")):
            doc = self._json(path)
            if isinstance(doc, dict) and doc.get("schema", "").startswith("cloudlabs.autograde"):
                out[str(doc.get("lab") or path.stem)] = doc
        return out

    def documents(self) -> dict[str, list[Path]]:
        """document kind -> its files."""
        out: dict[str, list[Path]] = {}
        base = self.root / "documents"
        for path in sorted(base.glob("*/*")):
            if path.is_file():
                out.setdefault(path.parent.name, []).append(path)
        return out

    def measurements(self) -> list[dict[str, Any]]:
        docs = (self._json(p) for p in sorted((self.root / "measurements").glob("*.json")))
        return [d for d in docs if isinstance(d, dict) and "name" in d and "value" in d]

    def state(self) -> dict[str, Any] | None:
        path = self.root / "state" / "account.json"
        return self._json(path) if path.is_file() else None

    def files(self, folder: str, pattern: str = "**/*") -> list[Path]:
        return sorted(p for p in (self.root / folder).glob(pattern) if p.is_file())
