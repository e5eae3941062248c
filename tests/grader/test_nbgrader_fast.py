"""nbgrader_fast: nbgrader's metadata validation gives the same verdicts with a cached validator."""

from __future__ import annotations

import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from grader.autograde import nbgrader_fast


def _cell(**meta) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {
        "schema_version": 3,
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": "t1",
        "points": 2,
        **meta,
    }
    return cell


@pytest.mark.parametrize(
    "meta",
    [{}, {"points": "two"}, {"grade_id": 7}, {"unknown": 1}, {"grade": "yes", "points": -1}],
)
def test_same_verdict_and_message_as_jsonschema(meta):
    schema = MetadataValidator().schema
    instance = _cell(**meta).metadata["nbgrader"]
    try:
        jsonschema.validate(instance, schema)
        expected = None
    except jsonschema.ValidationError as e:
        expected = e.message
    try:
        nbgrader_fast.validate(instance, schema)
        got = None
    except jsonschema.ValidationError as e:
        got = e.message
    assert got == expected
    assert (got is None) == (meta == {})  # only the untouched metadata is valid


def test_nbgrader_uses_it_and_still_rejects_bad_metadata():
    nbgrader_fast.apply()
    validator = MetadataValidator()
    validator.validate_cell(_cell())
    with pytest.raises(ValidationError):
        validator.validate_cell(_cell(points="two"))
    from nbgrader.nbgraderformat import common

    assert common.jsonschema.validate is nbgrader_fast.validate


def test_gradebooks_share_an_engine_and_work_after_close(tmp_path):
    from nbgrader.api import Gradebook

    nbgrader_fast.apply()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        gb.add_student("ada")
        first = gb.engine
    with Gradebook(url, "course") as gb:  # the engine was disposed of by close(), still works
        assert gb.engine is first
        assert [s.id for s in gb.students] == ["ada"]
        gb.add_student("bob")
    other = tmp_path / "other.db"
    with Gradebook(f"sqlite:///{other}", "course") as gb:
        assert gb.engine is not first and gb.students == []
    with Gradebook(url, "course") as gb:
        assert sorted(s.id for s in gb.students) == ["ada", "bob"]
