"""State checks: the lab is seeded before the kernel, so a seeded resource the learner's code
deletes is missing when the checks run; one session and client cache per emulator."""

from __future__ import annotations

from grader.autograde.state_checks import prepare_lab, run_state_checks
from tests.conftest import emulator_client
from tests.grader.autograde_support import LAB, MANIFEST

CHECKS = """
def log_bucket_kept(lab):
    names = {b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]}
    assert lab.names["log_bucket"] in names, f"bucket {lab.names['log_bucket']} is gone"

def always_fails(lab):
    raise RuntimeError("broken check")

CHECKS = {"kept": log_bucket_kept, "broken": always_fails}
"""


def test_a_seeded_resource_deleted_after_seeding_fails_its_check(fresh_emulator, tmp_path):
    url = fresh_emulator.endpoint_url
    lab = prepare_lab(LAB, MANIFEST.folder, url, tmp_path / "home")
    assert lab.names["log_bucket"] == "fixture-logs"  # from the seed's return value
    kept = {c.grade_id: c for c in run_state_checks(CHECKS, lab)}
    assert kept["kept"].passed
    assert (kept["broken"].passed, kept["broken"].message) == (False, "RuntimeError: broken check")

    # what the learner's code would do in the kernel, through its own client
    s3 = emulator_client(url, "s3")
    s3.delete_bucket(Bucket="fixture-logs")
    gone = {c.grade_id: c for c in run_state_checks(CHECKS, lab)}
    assert not gone["kept"].passed and gone["kept"].message == "bucket fixture-logs is gone"


def test_one_session_and_client_cache_per_emulator(fresh_emulator, tmp_path):
    url = fresh_emulator.endpoint_url
    first = prepare_lab(LAB, MANIFEST.folder, url, tmp_path / "a")
    second = prepare_lab(LAB, MANIFEST.folder, url, tmp_path / "b")
    assert first is not second and first.session is second.session
    assert first.client("s3") is second.client("s3")
