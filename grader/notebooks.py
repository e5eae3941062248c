"""Lab sources (jupytext py:percent) to notebooks, deterministically.

The same source always gives the same bytes: cell ids come from nbgrader grade ids (or the
cell's position), outputs and execution counts are empty, and JSON is written the way
nbformat writes it (sorted keys, one-space indent, trailing newline).
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def read_source(path: Path) -> NotebookNode:
    """Read a py:percent lab source into a notebook with stable ids and a python3 kernel."""
    nb = jupytext.read(path, fmt="py:percent")
    return normalise(nb)


def normalise(nb: NotebookNode) -> NotebookNode:
    """Make a notebook deterministic: ids, no outputs, fixed metadata."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        cell_id = _ID_SAFE.sub("-", grade_id)[:64] if grade_id else f"cell-{index}"
        while cell_id in seen:
            cell_id = f"{cell_id[:58]}-{index}"
        seen.add(cell_id)
        cell["id"] = cell_id
        cell.metadata.pop("jupytext", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def to_bytes(nb: NotebookNode) -> bytes:
    return (nbformat.writes(nb, version=4) + "\n").encode()


def write(nb: NotebookNode, path: Path) -> None:
    """Write ``nb`` to ``path`` only when its bytes change (keeps mtimes stable)."""
    data = to_bytes(nb)
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
