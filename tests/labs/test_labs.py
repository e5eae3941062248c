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


# Every "Day" block of the curriculum's weeks that have labs (Project 4's days 18-20 and 21
# are one lab: the drill, its documentation and the handover).
CURRICULUM_DAYS = {
    ("p1_migration", 4): {"1-2", "3-4", "5-7"},
    ("p1_migration", 5): {"8-10", "11-13", "14"},
    ("p1_migration", 6): {"15-17", "18-20", "21"},
    ("p4_dr", 14): {"1-2", "3-4", "5-7"},
    ("p4_dr", 15): {"8-10", "11-13", "14"},
    ("p4_dr", 16): {"15-17", "18-21"},
}


def test_every_day_block_of_projects_1_and_4_is_a_lab():
    days: dict = {}
    for manifest in iter_labs(CHECKOUT.solutions):
        days.setdefault((manifest.project, manifest.week), set()).add(manifest.day)
    for week, wanted in CURRICULUM_DAYS.items():
        assert days.get(week) == wanted, week


def test_every_source_lints_clean():
    assert [str(p) for p in lint(CHECKOUT)] == []


def test_labs_folder_is_up_to_date_with_solutions():
    problems = stale(CHECKOUT)
    assert problems == [], "labs/ is out of date, run `grader build`:\n" + "\n".join(problems)


def test_readme_lab_table_lists_every_lab_with_its_week_day_and_title():
    readme = (REPO / "README.md").read_text()
    rows = re.findall(
        r"^\|\s*`(p\d_w\d\d_[a-z0-9_]+)`\s*\|[^|]*\|\s*(\d+)\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|",
        readme,
        flags=re.MULTILINE,
    )
    listed = {lab_id: (int(week), day, title) for lab_id, week, day, title in rows}
    assert set(listed) == set(LAB_IDS)
    for manifest in iter_labs(CHECKOUT.solutions):
        assert listed[manifest.id] == (manifest.week, manifest.day, manifest.title), manifest.id


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_lab_selftest(lab_id, emulator):
    [result] = selftest(CHECKOUT, [lab_id], endpoint_url=emulator.endpoint_url)
    assert result.ok, "\n".join(result.problems)
    assert result.solution_score == result.points > 0
    assert result.blank_score == 0
