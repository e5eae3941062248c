"""A sample cohort: generated submissions of a lab, for the demo, the tests and benchmarks.

From the lab's reference solution (source notebook) and its student version (release), in an
nbgrader course directory, ``make_cohort`` writes ``submitted/<student>/<lab>/`` for:

- ``solution``: the reference solution; expected full marks.
- ``blank``: the student version untouched; expected 0.
- ``partial``: solutions for the first half of the answer cells; expected part marks.
- hostile ones, each expected to be graded with a clear reason and never stop the batch:
  ``invalid_json``, ``missing_notebook``, ``wrong_name``, ``tests_edited`` (grade cells
  replaced by ``pass``, restored from the gradebook), ``cell_deleted`` (a test cell removed),
  ``kernel_exit`` (``os._exit``), ``segfault``, ``memory_bomb`` (grows until the memory
  limit), ``fork_bomb`` (forks until the process limit), ``infinite_loop``,
  ``sleeper`` (``time.sleep(10**6)``),
  ``output_flood`` (100 MB printed), ``real_aws`` (calls s3.amazonaws.com), ``swallow_errors``
  (installs an IPython handler that hides every later exception: fools plain nbgrader; the
  grader removes it before each test cell), ``read_gradebook`` (tries to read gradebook.db
  and the source notebook).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path

Notebook = dict

HOSTILE_CODE = {
    "kernel_exit": "import os\nos._exit(3)",
    "segfault": "import ctypes\nctypes.string_at(0)",
    "memory_bomb": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 * 1024))",
    "fork_bomb": "import os\nwhile True:\n    os.fork()",
    "infinite_loop": "while True:\n    pass",
    "sleeper": "import time\ntime.sleep(10**6)",
    "output_flood": "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)",
    "real_aws": (
        "import boto3\n"
        "boto3.client('s3', endpoint_url='https://s3.amazonaws.com').create_bucket(Bucket='x1')"
    ),
    "swallow_errors": (
        "ip = get_ipython()\n"
        "ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"
    ),
    "read_gradebook": (
        "import glob\n"
        "found = [p for top in ('/tmp', '/var/tmp', '/home', '/srv')\n"
        "         for pat in ('/**/gradebook.db', '/**/source/*/*.ipynb')\n"
        "         for p in glob.glob(top + pat, recursive=True)][:5]\n"
        "leaked = {p: open(p, 'rb').read(64) for p in found}\n"
        "print('leaked', len(leaked), 'files')\n"
        "assert not leaked, 'hidden files were readable'"
    ),
}


def _answer_cells(nb: Notebook) -> list[int]:
    return [
        i
        for i, c in enumerate(nb["cells"])
        if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
    ]


def _test_cells(nb: Notebook) -> list[int]:
    return [
        i
        for i, c in enumerate(nb["cells"])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and not c["metadata"]["nbgrader"].get("solution")
    ]


def _with_code_first(blank: Notebook, solution: Notebook, code: str, keep_solution: bool):
    """The solution (or blank), with ``code`` as the first thing the first answer cell does."""
    nb = copy.deepcopy(solution if keep_solution else blank)
    first = _answer_cells(nb)[0]
    source = "".join(nb["cells"][first]["source"])
    nb["cells"][first]["source"] = code + "\n" + source
    return nb


Maker = Callable[[], Notebook | bytes | None]


def variants(solution: Notebook, blank: Notebook) -> dict[str, Maker]:
    def partial() -> Notebook:
        nb = copy.deepcopy(blank)
        answers = _answer_cells(nb)
        for i in answers[: max(1, len(answers) // 2)]:
            nb["cells"][i] = copy.deepcopy(solution["cells"][i])
        return nb

    def tests_edited() -> Notebook:
        nb = copy.deepcopy(blank)
        for i in _test_cells(nb):
            nb["cells"][i]["source"] = "pass"
        return nb

    def cell_deleted() -> Notebook:
        nb = copy.deepcopy(solution)
        del nb["cells"][_test_cells(nb)[-1]]
        return nb

    out: dict[str, Maker] = {
        "solution": lambda: copy.deepcopy(solution),
        "blank": lambda: copy.deepcopy(blank),
        "partial": partial,
        "invalid_json": lambda: b'{"cells": [ this is not json',
        "missing_notebook": lambda: None,
        "wrong_name": lambda: copy.deepcopy(solution),
        "tests_edited": tests_edited,
        "cell_deleted": cell_deleted,
    }
    for name, code in HOSTILE_CODE.items():
        keep = name in ("output_flood", "real_aws", "read_gradebook", "swallow_errors")
        if name == "swallow_errors":
            out[name] = lambda code=code: _with_code_first(blank, solution, code, False)
        else:
            out[name] = lambda code=code, keep=keep: _with_code_first(blank, solution, code, keep)
    return out


def make_cohort(course: Path, lab: str, names: list[str] | None = None) -> list[str]:
    """Write the cohort's submissions into ``course/submitted``; returns the student ids."""
    course = Path(course)
    source = course / "source" / lab
    release = course / "release" / lab
    notebooks = sorted(p.name for p in source.glob("*.ipynb"))
    if not notebooks or not release.is_dir():
        raise FileNotFoundError(
            f"{course}: source/{lab} and release/{lab} must exist (run generate_assignment first)"
        )
    nb_name = notebooks[0]
    solution = json.loads((source / nb_name).read_text())
    blank = json.loads((release / nb_name).read_text())
    made = []
    for student, make in variants(solution, blank).items():
        if names and student not in names:
            continue
        dest = course / "submitted" / student / lab
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(release, dest, ignore=shutil.ignore_patterns("*.ipynb"))
        content = make()
        target = dest / ("renamed.ipynb" if student == "wrong_name" else nb_name)
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content is not None:
            target.write_text(json.dumps(content, indent=1))
        made.append(student)
    return made
