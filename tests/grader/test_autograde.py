"""grader autograde on a whole generated cohort: scores, reasons, gradebook, exports."""

import csv
import io
import json
import shutil
import subprocess

import pytest

from grader.autograde.batch import autograde
from grader.autograde.results import learner_view, results_path
from grader.course import COURSE_ID
from grader.export import export_csv
from grader.feedback import generate_feedback
from tests.grader.autograde_support import LAB, make_course, options

# student -> (score out of 3, flag that must be present or None, status of bucket_tests)
EXPECTED = {
    "solution": (3, None),
    "blank": (0, None),
    "partial": (2, None),
    "invalid_json": (0, "invalid_notebook"),
    "missing_notebook": (0, "missing_notebook"),
    "wrong_name": (0, "missing_notebook"),
    "tests_edited": (0, None),
    "cell_deleted": (2, None),
    "kernel_exit": (0, "kernel_died"),
    "segfault": (0, "kernel_died"),
    "memory_bomb": (0, None),
    "fork_bomb": (0, None),
    "infinite_loop": (0, "cell_timeout"),
    "sleeper": (0, "cell_timeout"),
    "output_flood": (3, "output_truncated"),
    "real_aws": (1, None),
    "swallow_errors": (0, "exception_handler_removed"),
    "read_gradebook": (3, None),
    "monkeypatch_boto3": (0, "state_check_disagreement"),
}

# Fakes the resources the tests look for: the in-kernel bucket test passes, the emulator
# holds nothing. Plain nbgrader would award bucket_tests.
MONKEYPATCH = """import botocore.client
_real_call = botocore.client.BaseClient._make_api_call
def _fake_call(self, operation, params):
    if operation == "ListBuckets":
        return {"Buckets": [{"Name": "fixture-artifacts"}, {"Name": "fixture-logs"}]}
    if operation == "GetBucketVersioning":
        return {"Status": "Enabled"}
    return _real_call(self, operation, params)
botocore.client.BaseClient._make_api_call = _fake_call
"""


def add_monkeypatch_submission(course):
    release = course / "release" / LAB
    dest = course / "submitted/monkeypatch_boto3" / LAB
    shutil.copytree(release, dest)
    nb = json.loads((dest / f"{LAB}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "bucket_answer":
            cell["source"] = MONKEYPATCH
    (dest / f"{LAB}.ipynb").write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("cohort") / "course")
    add_monkeypatch_submission(course)
    docs = autograde(course, LAB, options(), progress=None)
    return course, {d["student"]: d for d in docs}


def test_the_cohort_covers_every_case(graded):
    _, docs = graded
    assert set(docs) == set(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_score_and_reason(graded, student):
    _, docs = graded
    doc = docs[student]
    score, flag = EXPECTED[student]
    assert doc["status"] == "graded", doc
    assert (doc["score"], doc["max_score"]) == (score, 3), doc["tasks"]
    if flag:
        assert flag in doc["flags"]
        assert doc["messages"], "a flagged submission tells the learner why"
    elif student not in ("memory_bomb", "fork_bomb"):  # these may also kill the kernel
        assert set(doc["flags"]) <= {"output_truncated"}


def test_hostile_kernels_are_reported_precisely(graded):
    course, docs = graded
    real_aws = next(t for t in docs["real_aws"]["tasks"] if t["grade_id"] == "bucket_tests")
    assert real_aws["status"] == "failed"
    autograded = (course / "autograded/real_aws" / LAB / f"{LAB}.ipynb").read_text()
    assert "RealAWSBlockedError" in autograded
    exit_tasks = docs["kernel_exit"]["tasks"]
    assert {t["status"] for t in exit_tasks} == {"not_run"}
    leak = (course / "autograded/read_gradebook" / LAB / f"{LAB}.ipynb").read_text()
    assert "leaked 0 files" in leak  # the course dir and /tmp are hidden from the kernel


def test_a_kernel_that_hides_its_errors_earns_nothing(graded):
    # set_custom_exc hides every exception from nbgrader; the handler is removed before each
    # test cell, so the tests fail as they would for a blank notebook
    course, docs = graded
    doc = docs["swallow_errors"]
    assert {t["status"] for t in doc["tasks"]} == {"failed"}
    assert any("custom exception handler" in m for m in doc["messages"])
    autograded = (course / "autograded/swallow_errors" / LAB / f"{LAB}.ipynb").read_text()
    assert "NotImplementedError" in autograded


def test_state_checks_defeat_a_kernel_that_fakes_its_resources(graded):
    _, docs = graded
    task = next(t for t in docs["monkeypatch_boto3"]["tasks"] if t["grade_id"] == "bucket_tests")
    assert task["score"] == 0 and task["hidden"]["state_check"].startswith("failed: bucket")
    assert "emulator's state does not support it" in task["message"]
    solution = next(t for t in docs["solution"]["tasks"] if t["grade_id"] == "bucket_tests")
    assert solution["hidden"]["state_check"] == "passed"


def test_gradebook_matches_results_json(graded):
    from nbgrader.api import Gradebook

    course, docs = graded
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        for student, doc in docs.items():
            sub = gb.find_submission(LAB, student)
            assert float(sub.score) == doc["score"], student
            grades = {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
            assert grades == {t["grade_id"]: t["score"] for t in doc["tasks"]} or not doc["tasks"]
            on_disk = json.loads(results_path(course, LAB, student).read_text())
            assert on_disk["score"] == doc["score"]


def test_nbgrader_export_and_grader_export_agree(graded):
    course, docs = graded
    out = subprocess.run(
        ["nbgrader", "export", f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader((course / "grades.csv").open()))
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: d["score"] for s, d in docs.items()
    }
    ours = list(csv.DictReader(io.StringIO(export_csv(course, LAB))))
    assert {r["student_id"]: float(r["score"]) for r in ours} == {
        s: d["score"] for s, d in docs.items()
    }
    assert next(r for r in ours if r["student_id"] == "kernel_exit")["flags"] == "kernel_died"
    assert next(r for r in ours if r["student_id"] == "solution")["percent"] == "100"


def test_feedback_never_shows_hidden_tests(graded):
    course, _ = graded
    [html] = generate_feedback(course, LAB, ["blank"])
    text = html.read_text()
    autograded = (course / "autograded/blank" / LAB / f"{LAB}.ipynb").read_text()
    assert "get_bucket_versioning" in autograded  # hidden test was restored for grading
    assert "get_bucket_versioning" not in text and "HIDDEN TESTS" not in text
    # the instructor's message still reaches the learner
    assert "create the bucket fixture-artifacts" in text


def test_learner_view_has_no_hidden_details(graded):
    _, docs = graded
    view = learner_view(docs["swallow_errors"])
    assert "hidden" not in view and all("hidden" not in t for t in view["tasks"])
    assert "worker" not in view


def test_rerun_skips_graded_submissions_and_regrades_changed_ones(graded):
    course, docs = graded
    again = {d["student"]: d for d in autograde(course, LAB, options(), progress=None)}
    assert all(again[s]["graded_at"] == docs[s]["graded_at"] for s in docs)
    nb = course / "submitted/blank" / LAB / f"{LAB}.ipynb"
    solution = (course / "submitted/solution" / LAB / f"{LAB}.ipynb").read_text()
    original = nb.read_text()
    nb.write_text(solution)
    try:
        third = {
            d["student"]: d
            for d in autograde(course, LAB, options(students=("blank",)), progress=None)
        }
        assert third["blank"]["score"] == 3
        assert third["blank"]["graded_at"] >= docs["blank"]["graded_at"]
    finally:
        nb.write_text(original)
        autograde(course, LAB, options(students=("blank",)), progress=None)


def test_bombs_are_contained_and_cleaned_up(graded):
    course, docs = graded
    memory = (course / "autograded/memory_bomb" / LAB / f"{LAB}.ipynb").read_text()
    assert "MemoryError" in memory or "kernel_died" in docs["memory_bomb"]["flags"]
    fork = (course / "autograded/fork_bomb" / LAB / f"{LAB}.ipynb").read_text()
    assert (
        "BlockingIOError" in fork
        or "Resource temporarily unavailable" in fork
        or (set(docs["fork_bomb"]["flags"]) & {"kernel_died", "cell_timeout"})
    )
    # nothing of any sandboxed kernel survives its grading (worker k's kernels ran as uid
    # 60000 + pid % 5000, see grader.autograde.worker._sandbox)
    import os
    from pathlib import Path

    uids = {60000 + d["worker"]["pid"] % 5000 for d in docs.values() if "pid" in d["worker"]}
    leftovers = []
    for stat in Path("/proc").glob("[0-9]*/status"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        uid = int(text.split("Uid:")[1].split()[0])
        if uid in uids and "State:\tZ" not in text:
            leftovers.append((stat.parent.name, uid))
    assert leftovers == [] or os.getuid() != 0, leftovers


def test_faked_boto3_earns_nothing_on_state_checked_tasks(graded):
    _, docs = graded
    task = next(t for t in docs["monkeypatch_boto3"]["tasks"] if t["grade_id"] == "bucket_tests")
    assert task["score"] == 0
    assert task["hidden"]["state_check"] == "failed: bucket fixture-artifacts does not exist"


def test_kernel_still_imports_labkit_when_the_checkout_is_hidden(tmp_path):
    # A CI clone under /tmp sits inside the sandbox's private /tmp: the kernel must still
    # import labkit (exposed read-only) while solutions/ stays out of reach.
    from tests.conftest import REPO

    course = make_course(tmp_path / "course", ["solution"])
    [doc] = autograde(course, LAB, options(workers=1, hide=(str(REPO),)), progress=None)
    assert doc["score"] == 3, doc["tasks"]
