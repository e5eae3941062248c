"""Portfolio rubric: evidence-backed scoring on the curriculum's 40/30/20/10 criteria.

- ``portfolio.py``: read a learner's portfolio folder (format: ``docs/portfolio-format.md``).
- ``evidence.py``: what every collector returns: a proposed level for one sub-criterion and
  what it saw.
- collectors (autograde results, account-state rules named like AWS Config managed rules,
  static analysis, documentation completeness, measured figures, reviewer input) propose
  levels; scoring combines them with reviewer overrides (an append-only audit log) into a
  weighted total out of 100; reports render it.

Depends on the results JSON schema of ``grader.autograde.results`` and on the portfolio format,
never on autograde internals.
"""
