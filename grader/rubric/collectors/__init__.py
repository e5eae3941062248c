"""Evidence collectors: each proposes levels for the sub-criteria it informs.

A collector is ``collect(portfolio) -> list[Evidence]``; modules whose collector needs the
rubric's settings expose ``collector(rubric, ...)`` returning one.

- ``autograde``: lab results -> score ratio -> level
- ``docs``: required sections per document kind, diagrams present
- ``metrics``: measured figures against the curriculum's targets
- ``reviewer``: a reviewer's levels and comments (YAML or CSV)
- ``static``: ruff, detect-secrets and checkov run as subprocesses when installed
"""
