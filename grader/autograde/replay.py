"""An nbgrader preprocessor that takes a worker's outputs instead of executing.

Registered in place of nbgrader's Execute in the parent's autograde pipeline, so nbgrader
itself writes the gradebook, the autograded notebook and later the feedback, from outputs
produced in an isolated worker.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class ReplayMismatch(RuntimeError):
    """The worker's notebook does not line up with nbgrader's sanitized one."""


class ReplayOutputs(NbGraderPreprocessor):
    replay_dir = Unicode("", help="folder holding <notebook>.ipynb as executed by a worker").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        name = resources["nbgrader"]["notebook"]
        executed = nbformat.read(Path(self.replay_dir) / f"{name}.ipynb", as_version=4)
        if len(executed.cells) != len(nb.cells):
            raise ReplayMismatch(
                f"{name}: worker ran {len(executed.cells)} cells, nbgrader has {len(nb.cells)}"
            )
        for cell, ran in zip(nb.cells, executed.cells, strict=True):
            if cell.cell_type != ran.cell_type or cell.source != ran.source:
                raise ReplayMismatch(f"{name}: cell {cell.get('id')} differs from the worker's")
            if cell.cell_type == "code":
                cell.outputs = ran.outputs
                cell.execution_count = ran.execution_count
        return nb, resources
