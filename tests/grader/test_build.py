import json

import nbformat

from grader.build import build, stale
from grader.notebooks import read_source, to_bytes

NB = "labs/p9_demo/w01/p9_w01_buckets/p9_w01_buckets.ipynb"


def test_build_produces_the_student_version(fixture_checkout):
    report = build(fixture_checkout)
    assert report.labs == ["p9_w01_buckets"]
    folder = fixture_checkout.root / "labs/p9_demo/w01/p9_w01_buckets"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "data/readme.txt",
        "lab.yaml",
        "p9_w01_buckets.ipynb",
        "seed.py",
    ]
    text = (fixture_checkout.root / NB).read_text()
    assert "BEGIN SOLUTION" not in text and "put_bucket_versioning" not in text
    assert "HIDDEN TESTS" not in text and "get_bucket_versioning" not in text
    assert "raise NotImplementedError()" in text
    nb = nbformat.read(fixture_checkout.root / NB, as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.id for c in graded] == ["bucket_tests", "log_tests"]
    assert all(c.metadata["nbgrader"].get("checksum") for c in graded)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in nb.cells
        if c.cell_type == "code"
    )
    assert '"output_type"' not in text


def test_building_twice_is_byte_stable(fixture_checkout):
    build(fixture_checkout)
    first = (fixture_checkout.root / NB).read_bytes()
    again = build(fixture_checkout)
    assert not again.changed
    assert (fixture_checkout.root / NB).read_bytes() == first


def test_source_reads_are_deterministic(fixture_checkout):
    src = next(fixture_checkout.solutions.rglob("p9_w01_buckets.py"))
    assert to_bytes(read_source(src)) == to_bytes(read_source(src))
    ids = [c["id"] for c in json.loads(to_bytes(read_source(src)))["cells"]]
    assert ids[:3] == ["intro", "setup", "bucket_answer"]


def test_stale_labs_are_detected(fixture_checkout):
    assert stale(fixture_checkout) == [
        "labs/p9_demo/w01/p9_w01_buckets/data/readme.txt is missing",
        "labs/p9_demo/w01/p9_w01_buckets/lab.yaml is missing",
        f"{NB} is missing",
        "labs/p9_demo/w01/p9_w01_buckets/seed.py is missing",
    ]
    build(fixture_checkout)
    assert stale(fixture_checkout) == []
    src = next(fixture_checkout.solutions.rglob("p9_w01_buckets.py"))
    src.write_text(src.read_text().replace("# Versioned buckets", "# Versioned S3 buckets"))
    assert stale(fixture_checkout) == [f"{NB} differs from its source"]
    extra = fixture_checkout.root / "labs/p9_demo/w01/p9_w01_buckets/old.txt"
    extra.write_text("x")
    assert "labs/p9_demo/w01/p9_w01_buckets/old.txt is not produced by the build (stale)" in stale(
        fixture_checkout
    )
    report = build(fixture_checkout)
    assert extra in report.removed and not extra.exists()
    assert stale(fixture_checkout) == []
