"""labkit.portfolio writes what grader.rubric.portfolio reads (the documented folder format)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from matplotlib.figure import Figure

from grader.rubric.portfolio import Portfolio as Reader
from labkit.portfolio import Portfolio, PortfolioWriteError, parse_target
from labkit.settings import Settings


def test_manifest_created_and_read_back(tmp_path: Path):
    Portfolio(tmp_path, "alice", name="Alice A.")
    doc = yaml.safe_load((tmp_path / "portfolio.yaml").read_text())
    assert doc["schema"] == "cloudlabs.portfolio/1"
    assert doc["learner"] == {"id": "alice", "name": "Alice A."}
    r = Reader.load(tmp_path)
    assert (r.learner_id, r.learner_name) == ("alice", "Alice A.")


def test_never_clobbers_another_learners_manifest(tmp_path: Path):
    Portfolio(tmp_path, "alice")
    before = (tmp_path / "portfolio.yaml").read_bytes()
    with pytest.raises(PortfolioWriteError, match="belongs to learner 'alice'"):
        Portfolio(tmp_path, "bob")
    assert (tmp_path / "portfolio.yaml").read_bytes() == before
    # the same learner reopens it, and a missing name is filled in
    Portfolio(tmp_path, "alice", name="Alice")
    assert Reader.load(tmp_path).learner_name == "Alice"


def test_refuses_foreign_manifest(tmp_path: Path):
    (tmp_path / "portfolio.yaml").write_text("just: something\n")
    with pytest.raises(PortfolioWriteError, match="refusing to replace"):
        Portfolio(tmp_path, "alice")


def test_documents_results_measurements_round_trip(tmp_path: Path):
    pf = Portfolio(tmp_path, "alice")
    pf.write_document("runbook", "failover", "# Purpose\nfail over\n")
    pf.write_document("dr-report", "drill-1.md", "# Scenario\n")
    pf.record_measurement("api_p95", 143.5, "ms", target="< 200", project="p2", source="k6")
    pf.record_measurement("rto", 12, "min", target={"op": "<=", "value": 15})
    pf.add_result({"schema": "cloudlabs.autograde.result/1", "lab": "p1_w04", "score": 3.0})
    r = Reader.load(tmp_path)
    docs = r.documents()
    assert sorted(docs) == ["dr-report", "runbook"]
    assert docs["runbook"][0].read_text() == "# Purpose\nfail over\n"
    assert docs["dr-report"][0].name == "drill-1.md"
    ms = {m["name"]: m for m in r.measurements()}
    assert ms["api_p95"]["target"] == {"op": "<", "value": 200.0}
    assert (ms["api_p95"]["value"], ms["api_p95"]["unit"], ms["api_p95"]["project"]) == (
        143.5,
        "ms",
        "p2",
    )
    assert ms["rto"]["target"] == {"op": "<=", "value": 15}
    # the same name in two projects: two files, neither replaces the other
    pf.record_measurement("rto", 200, "min", target="< 240", project="p1")
    pf.record_measurement("rto", 11, "min", target="<= 15", project="p4")
    names = sorted(p.name for p in (tmp_path / "measurements").iterdir())
    assert names == ["p1_rto.json", "p2_api_p95.json", "p4_rto.json", "rto.json"]
    assert r.results()["p1_w04"]["score"] == 3.0
    assert r.problems == []


def test_figure_is_a_png_and_diagram_copies(tmp_path: Path):
    pf = Portfolio(tmp_path, "alice")
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    png = pf.add_figure("latency", fig)
    assert png == tmp_path / "figures" / "latency.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    src = tmp_path / "arch.mmd"
    src.write_text("graph TD; A-->B")
    assert pf.add_diagram("arch", src).name == "arch.mmd"
    pf.add_diagram("net.svg", "<svg/>")
    png_src = tmp_path / "src.png"
    png_src.write_bytes(b"\x89PNG fake")
    assert pf.add_diagram("copied", str(png_src)).read_bytes() == b"\x89PNG fake"
    assert [p.name for p in Reader.load(tmp_path).files("diagrams")] == [
        "arch.mmd",
        "copied.png",
        "net.svg",
    ]
    with pytest.raises(PortfolioWriteError, match="suffixes"):
        pf.add_diagram("notes.txt", "x")


def test_add_file_stays_inside(tmp_path: Path):
    pf = Portfolio(tmp_path, "alice")
    pf.add_file("iac", "cfn/vpc.yaml", "Resources: {}\n")
    assert (tmp_path / "iac" / "cfn" / "vpc.yaml").read_text() == "Resources: {}\n"
    for bad in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(PortfolioWriteError, match="relative"):
            pf.add_file("code", bad, "x")
    with pytest.raises(PortfolioWriteError, match="folder must be one of"):
        pf.add_file("elsewhere", "x.py", "x")
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda pf: pf.write_document("../up", "x", "#"),
        lambda pf: pf.record_measurement("p95", "fast", "ms"),
        lambda pf: pf.record_measurement("p95", 1.0, "ms", target="about 200"),
        lambda pf: pf.add_result({"schema": "other", "lab": "x"}),
        lambda pf: pf.add_figure("f", object()),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, call):
    with pytest.raises(PortfolioWriteError):
        call(Portfolio(tmp_path, "alice"))


def test_parse_target_forms():
    assert parse_target(">= 30") == {"op": ">=", "value": 30.0}
    assert parse_target(("<", 2)) == {"op": "<", "value": 2}
    assert parse_target(None) is None
    with pytest.raises(PortfolioWriteError, match="op must be one of"):
        parse_target({"op": "~", "value": 1})


def test_default_location_from_settings(tmp_path: Path):
    s = Settings.from_env({"LABKIT_HOME": str(tmp_path / "home")})
    assert s.portfolio_root == tmp_path / "home" / "portfolio"
    s = Settings.from_env({"LABKIT_PORTFOLIO_DIR": str(tmp_path / "pf")})
    pf = Portfolio.default("carol", settings=s)
    assert pf.root == tmp_path / "pf"
    assert json.dumps(Reader.load(tmp_path / "pf").manifest["learner"]) == '{"id": "carol"}'


@pytest.mark.parametrize(
    ("given", "expected"),
    [("alice", "alice"), ("Ann Lee <ann@x>", "Ann-Lee-ann-x"), ("../..", "learner"), ("", None)],
)
def test_learner_slug_makes_a_valid_id(given, expected):
    import getpass

    from labkit.portfolio import learner_slug

    slug = learner_slug(given)
    if expected is None:  # nothing given: the login name, made valid
        expected = learner_slug(getpass.getuser())
    assert slug == expected
    assert "/" not in slug and ".." not in slug


def test_lab_portfolio_writes_for_the_configured_learner(tmp_path: Path):
    from labkit.lab import Lab
    from labkit.manifest import LabManifest

    settings = Settings.from_env(
        {"LABKIT_HOME": str(tmp_path / "home"), "LABKIT_LEARNER_ID": "student 7"}
    )
    manifest = LabManifest(
        id="p9_w01_x", project="p9_demo", week=1, title="t", points=1, folder=tmp_path
    )
    lab = Lab(manifest=manifest, settings=settings, session=None)
    assert lab.portfolio is lab.portfolio
    lab.portfolio.write_document("runbook", "cutover", "# Cutover\n")
    doc = Reader.load(tmp_path / "home" / "portfolio")
    assert doc.manifest["learner"]["id"] == "student-7"
    assert (tmp_path / "home/portfolio/documents/runbook/cutover.md").read_text() == "# Cutover\n"


def test_datasets_path_names_the_known_ones():
    from labkit import datasets

    with pytest.raises(FileNotFoundError, match=r"no dataset named 'nope'.*known"):
        datasets.path("nope")
    with pytest.raises(FileNotFoundError):
        datasets.path("../grader")
    for name in datasets.available():
        assert datasets.path(name).is_dir()
