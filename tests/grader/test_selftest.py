from grader.selftest import format_table, selftest
from tests.grader.test_lint import SRC, edit


def test_fixture_lab_is_gradable(fixture_checkout, emulator):
    [result] = selftest(fixture_checkout, endpoint_url=emulator.endpoint_url)
    assert (result.solution_score, result.blank_score, result.points) == (3, 0, 3)
    assert result.ok, result.problems
    table = format_table([result])
    assert "p9_w01_buckets  3       3         0" in table and "ok" in table


def test_vacuous_test_and_broken_solution_are_caught(fixture_checkout, emulator):
    # a test cell that checks nothing (it passes without an answer: selftest must flag it),
    # and a solution that misses a hidden check
    edit(
        fixture_checkout, SRC, "assert log_bucket_name() in", "checks_nothing = log_bucket_name in"
    )
    edit(fixture_checkout, SRC, '"Status": "Enabled"}', '"Status": "Suspended"}')
    [result] = selftest(fixture_checkout, endpoint_url=emulator.endpoint_url)
    assert not result.ok
    assert result.solution_score == 1 and result.blank_score == 1
    assert any(
        "solution scores 0/2 on bucket_tests" in p and "versioning is 'Suspended'" in p
        for p in result.problems
    ), result.problems
    assert "student version scores 1 on log_tests without an answer" in result.problems
    assert "FAIL" in format_table([result])


def test_crashing_read_only_cell_is_caught(fixture_checkout, emulator):
    edit(fixture_checkout, SRC, 's3 = lab.client("s3")', 's3 = lab.client("s3")\n1 / 0')
    [result] = selftest(fixture_checkout, endpoint_url=emulator.endpoint_url)
    assert "student version: read-only cell setup raised ZeroDivisionError: division by zero" in (
        result.problems
    )


def test_parallel_selftest_keeps_lab_order_and_isolates_a_broken_lab(fixture_checkout):
    """Two labs at once, each on a private emulator: the good one passes, the broken one's
    problem is reported on it, in the catalogue's order."""
    import shutil

    from grader.selftest import selftest_parallel

    week = fixture_checkout.solutions / "p9_demo" / "w01"
    good, broken = week / "p9_w01_buckets", week / "p9_w01_broken"
    shutil.copytree(good, broken)
    (broken / "p9_w01_buckets.py").rename(broken / "p9_w01_broken.py")
    for path in (broken / "lab.yaml", broken / "p9_w01_broken.py"):
        path.write_text(path.read_text().replace("p9_w01_buckets", "p9_w01_broken"))
    src = broken / "p9_w01_broken.py"
    src.write_text(src.read_text().replace('s3 = lab.client("s3")', 's3 = lab.client("s3")\n1 / 0'))
    said: list[str] = []
    results = selftest_parallel(fixture_checkout, workers=2, progress=said.append)
    assert [r.lab for r in results] == ["p9_w01_broken", "p9_w01_buckets"]
    broken_result, good_result = results
    assert good_result.ok and good_result.solution_score == 3
    assert not broken_result.ok
    assert any("ZeroDivisionError" in p for p in broken_result.problems)
    assert any("2/2" in line for line in said)


def test_state_checks_must_pass_after_the_solution_and_name_grade_cells(fixture_checkout, emulator):
    checks = fixture_checkout.solutions / "p9_demo" / "w01" / "p9_w01_buckets" / "state_checks.py"
    text = checks.read_text()
    checks.write_text(
        text.replace('status == "Enabled"', 'status == "Suspended"').replace(
            'CHECKS = {"bucket_tests": bucket_versioned}',
            'CHECKS = {"bucket_tests": bucket_versioned, "no_such_cell": bucket_versioned}',
        )
    )
    [result] = selftest(fixture_checkout, endpoint_url=emulator.endpoint_url)
    assert result.solution_score == 3  # the kernel's own tests pass ...
    assert not result.ok  # ... but the grader's state check disagrees
    assert any(
        p.startswith("solution fails the state check of bucket_tests: versioning of")
        for p in result.problems
    ), result.problems
    assert "state_checks.py: 'no_such_cell' is not a grade cell of the lab" in result.problems
