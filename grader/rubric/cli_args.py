"""The arguments of ``grader score`` and ``grader override`` (grader/cli.py adds them; the
commands themselves are in ``grader.rubric.commands``, imported only when one runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_RUBRIC = Path("rubrics/portfolio.yaml")


def add_parsers(sub: Any) -> None:
    s = sub.add_parser("score", help="score learner portfolios against the rubric")
    s.add_argument("portfolios", nargs="+", type=Path, metavar="PORTFOLIO_DIR")
    s.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric YAML")
    s.add_argument("--out", type=Path, required=True, help="folder for the score documents")
    s.add_argument("--reviews", type=Path, help="reviewer levels and comments (YAML or CSV)")
    s.add_argument("--audit", type=Path, help="audit log of overrides (JSON lines)")
    s.add_argument("--no-static", action="store_true", help="skip ruff/detect-secrets/checkov")
    s.add_argument(
        "--no-reports",
        action="store_true",
        help="skip the HTML reports (OUT/reports: one per learner, cohort.csv, index.html)",
    )
    o = sub.add_parser("override", help="override a sub-criterion's level (audit-logged)")
    o.add_argument("learner", metavar="LEARNER")
    o.add_argument("sub_criterion", metavar="SUB_CRITERION")
    o.add_argument("level", metavar="LEVEL", help="0..3, or none to withdraw an override")
    o.add_argument("--reason", required=True)
    o.add_argument("--reviewer", required=True)
    o.add_argument("--audit", type=Path, required=True, help="audit log (appended to)")
    o.add_argument("--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric YAML")
