import pytest

from grader.lint import lint

SRC = "solutions/p9_demo/w01/p9_w01_buckets/p9_w01_buckets.py"
YAML = "solutions/p9_demo/w01/p9_w01_buckets/lab.yaml"


def edit(checkout, rel, old, new):
    path = checkout.root / rel
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def messages(checkout):
    return [p.message for p in lint(checkout)]


def test_fixture_is_clean(fixture_checkout):
    assert messages(fixture_checkout) == []


@pytest.mark.parametrize(
    "rel, old, new, expected",
    [
        (YAML, "points: 3", "points: 4", "points is 4 but the grade cells add up to 3"),
        (
            SRC,
            '"grade_id": "log_tests"',
            '"grade_id": "bucket_tests"',
            "grade_id 'bucket_tests' already used by cell 4",
        ),
        (
            SRC,
            '"grade_id": "setup", "locked": true, "schema_version": 3',
            '"grade_id": "setup", "locked": true, "schema_version": 2',
            "Outdated schema version",
        ),
        (SRC, '"points": 1, ', '"points": 0, ', "grade cell worth 0.0 points"),
        (
            SRC,
            'start_lab("p9_w01_buckets")',
            'start_lab("p9_w01_other")',
            "must call start_lab('p9_w01_buckets') (found: p9_w01_other)",
        ),
        (SRC, "### BEGIN SOLUTION\ns3.create", "s3.create", "without a ### BEGIN SOLUTION region"),
        (
            YAML,
            "requires: []",
            "requires: [p9_w00_missing]",
            "requires unknown lab 'p9_w00_missing'",
        ),
        (YAML, "seed: seed.py", "seed: seeds.py", "seed file seeds.py does not exist"),
        (YAML, "data: [data/readme.txt]", "data: [data/nope.csv]", "data entry 'data/nope.csv'"),
        (YAML, "week: 1", "week: 2", "lab folder should be solutions/p9_demo/w02/p9_w01_buckets"),
        (YAML, "title:", "titel:", "unknown field(s) ['titel']"),
    ],
)
def test_lint_reports_each_problem(fixture_checkout, rel, old, new, expected):
    edit(fixture_checkout, rel, old, new)
    found = messages(fixture_checkout)
    assert any(expected in m for m in found), found


def test_cell_without_metadata_is_reported(fixture_checkout):
    edit(
        fixture_checkout,
        SRC,
        '# %% nbgrader={"grade": false, "grade_id": "setup"',
        '# %%\n\n# %% nbgrader={"grade": false, "grade_id": "setup"',
    )
    assert any("has no nbgrader metadata" in m for m in messages(fixture_checkout))


def test_state_checks_must_name_test_cells(fixture_checkout):
    checks = "solutions/p9_demo/w01/p9_w01_buckets/state_checks.py"
    edit(fixture_checkout, checks, '{"bucket_tests":', '{"bucket_answer":')
    assert any("CHECKS names ['bucket_answer']" in m for m in messages(fixture_checkout))
    edit(fixture_checkout, checks, "CHECKS = ", "CHECK = ")
    assert any("defines no CHECKS" in m for m in messages(fixture_checkout))
