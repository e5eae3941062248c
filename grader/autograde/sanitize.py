"""nbgrader's own sanitize step, run on one submitted notebook.

ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells (locked cells and tests,
hidden ones included, restored from the gradebook; deleted grade cells put back) and
CheckCellMetadata: exactly what ``nbgrader autograde`` does before executing.
"""

from __future__ import annotations

import json

import nbformat
from nbformat import NotebookNode

from grader.autograde import nbgrader_fast


class InvalidSubmission(ValueError):
    """The notebook cannot be graded; the message is shown to the learner."""


def sanitize(data: bytes, db_url: str, lab: str, notebook: str) -> NotebookNode:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    nbgrader_fast.apply()
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as e:
        raise InvalidSubmission(f"{notebook}.ipynb is not a valid notebook file ({e})") from None
    except Exception as e:  # nbformat raises several types for malformed notebooks
        raise InvalidSubmission(f"{notebook}.ipynb cannot be read as a notebook ({e})") from None
    resources = {"nbgrader": {"db_url": db_url, "assignment": lab, "notebook": notebook}}
    try:
        for pp in (
            ClearOutput(),
            DeduplicateIds(),
            OverwriteKernelspec(),
            OverwriteCells(),
            CheckCellMetadata(),
        ):
            nb, resources = pp.preprocess(nb, resources)
    except Exception as e:
        raise InvalidSubmission(
            f"{notebook}.ipynb has damaged grading metadata and cannot be graded ({e})"
        ) from None
    return nb
