"""Every lab of the curriculum: valid source, labs/ up to date, gradable (selftest)."""

import re

import pytest

from grader.build import stale
from grader.lint import lint
from grader.paths import Checkout
from grader.selftest import selftest
from labkit.catalog import iter_labs
from tests.conftest import REPO

CHECKOUT = Checkout(REPO)
LAB_IDS = [m.id for m in iter_labs(CHECKOUT.solutions)]


def test_the_curriculum_has_labs():
    assert "p1_w04_landing_zone" in LAB_IDS


def test_every_source_lints_clean():
    assert [str(p) for p in lint(CHECKOUT)] == []


def test_labs_folder_is_up_to_date_with_solutions():
    problems = stale(CHECKOUT)
    assert problems == [], "labs/ is out of date, run `grader build`:\n" + "\n".join(problems)


def test_readme_lab_table_lists_every_lab():
    readme = (REPO / "README.md").read_text()
    listed = set(re.findall(r"^\|\s*`(p\d_w\d\d_[a-z0-9_]+)`", readme, flags=re.MULTILINE))
    assert listed == set(LAB_IDS)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_lab_selftest(lab_id, emulator):
    [result] = selftest(CHECKOUT, [lab_id], endpoint_url=emulator.endpoint_url)
    assert result.ok, "\n".join(result.problems)
    assert result.solution_score == result.points > 0
    assert result.blank_score == 0
