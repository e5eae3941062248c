"""HTML report per learner, cohort CSV and summary, and `grader report`, on hand-built scores."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from grader.cli import main
from grader.rubric.cohort_report import cohort_csv, summary_html, write_cohort
from grader.rubric.report import ScoreDocumentError, render_html, report_filename
from tests.grader.rubric.score_docs import score_doc

HOSTILE = "<script>alert('x')</script> & \"Bobby\""


class Tables(HTMLParser):
    """Collects tables by id: rows of (class, [cell text]) and every <img> src by id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self.images: dict[str, str] = {}
        self.tags: set[str] = set()
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append((a.get("class") or "", []))
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "img":
            self.images[a.get("id")] = a.get("src")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table:
            text = " ".join(" ".join(self._cell).split())
            self.tables[self._table][-1][1].append(text)
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Tables:
    p = Tables()
    p.feed(html)
    return p


def png_of(src: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    return base64.b64decode(src[len(prefix) :])


@pytest.fixture(scope="module")
def learner_doc():
    doc = score_doc(
        "lee",
        HOSTILE,
        {
            "leadership.knowledge_transfer": None,
            "technical.innovation": 3,
            "business.performance": 1,
        },
    )
    innovation = doc["criteria"][0]["sub_criteria"][2]
    innovation["descriptor"] = "Original <work> reused"
    innovation["rule"] = "mean of reviewer proposals [3]"
    sub = doc["criteria"][1]["sub_criteria"][1]  # operational.security
    sub["source"] = "override"
    sub["override"] = {
        "level": 3,
        "reason": "MFA on <every> account",
        "reviewer": "dana",
        "at": "2026-11-24",
    }
    sub["evidence"].append(
        {
            "sub_criterion": "operational.security",
            "collector": "reviewer",
            "summary": "walked through the IAM design",
            "level": 3,
            "details": {"comment": "Strong <b>least privilege</b>", "reviewer": "dana"},
            "missing": False,
        }
    )
    return doc


@pytest.fixture(scope="module")
def learner_html(learner_doc):
    return render_html(learner_doc)


def test_report_embeds_the_radar_chart_as_png(learner_html):
    page = parse(learner_html)
    png = png_of(page.images["radar"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 300 and height >= 300
    assert "script" not in page.tags  # no JavaScript, one file
    assert "<link" not in learner_html


def test_report_tables_hold_points_levels_and_missing(learner_doc, learner_html):
    page = parse(learner_html)
    criteria = page.tables["criteria"][1:]
    assert [r[1][0] for r in criteria] == [
        "Technical Excellence",
        "Operational Readiness",
        "Business Value",
        "Leadership and Communication",
    ]
    # technical: levels 2, 2, 3, 2 of 3 at 10 points each -> 30 of 40
    assert criteria[0][1][1:] == ["40", "30", "75 %"]
    total = f"{learner_doc['total']:.2f}".rstrip("0").rstrip(".")
    assert re.search(r'id="total">\s*' + re.escape(total), learner_html)
    rows = [r for r in page.tables["sub-criteria"][1:] if r[0] != "crit"]
    assert len(rows) == 16
    by_id = {cells[0].split()[-1]: (css, cells) for css, cells in rows}
    css, cells = by_id["leadership.knowledge_transfer"]
    assert css == "missing" and cells[2] == "MISSING (no evidence, 0 points)" and cells[3] == "0"
    assert by_id["technical.innovation"][1][2] == "3 Exemplary Original <work> reused"
    assert by_id["technical.innovation"][1][4] == "evidence mean of reviewer proposals [3]"
    assert by_id["business.performance"][1][2] == "1 Developing"
    css, cells = by_id["operational.security"]
    assert css == "override" and cells[4] == "override"
    assert "by dana" in cells[6] and "MFA on <every> account" in cells[6]
    assert "reviewer : walked through the IAM design [level 3]" in cells[5]
    assert "leadership.knowledge_transfer" in learner_html.split('id="missing"')[1][:400]


def test_report_comments_and_checklist(learner_html):
    page = parse(learner_html)
    comments = [r[1] for r in page.tables["comments"][1:]]
    assert ["operational.security", "dana", "Strong <b>least privilege</b>"] in comments
    assert any(c[2].startswith("override to level 3: MFA") for c in comments)
    checklist = page.tables["checklist"][1:]
    assert checklist[0][0] == "" and "yes" in checklist[0][1][2]
    assert checklist[1][0] == "missing" and "no" in checklist[1][1][2]


def test_report_escapes_learner_text(learner_html):
    assert "<script>" not in learner_html and "<every>" not in learner_html
    assert "<b>least" not in learner_html and "<work>" not in learner_html
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Bobby&quot;" in learner_html
    )
    assert "&lt;b&gt;least privilege&lt;/b&gt;" in learner_html


def test_report_rejects_a_document_that_is_not_a_score():
    with pytest.raises(ScoreDocumentError, match="schema 'cloudlabs.portfolio.score/1'"):
        render_html({"schema": "cloudlabs.autograde.result/1"})
    doc = score_doc("x", "X", {})
    del doc["learner"]["id"]
    with pytest.raises(ScoreDocumentError, match="learner.id is required"):
        render_html(doc)


def test_report_filename_is_safe():
    assert report_filename("../../etc/passwd") == "etc_passwd.html"
    assert report_filename("ana.silva") == "ana.silva.html"
    assert report_filename("///") == "learner.html"


COHORT = [
    ("mid", "Mia", {}),  # every sub-criterion level 2: 66.67
    ("top", "Tom", dict.fromkeys(["technical.innovation", "technical.code_quality"], 3)),
    ("low", "Lou", {"operational.security": None, "business.performance": None}),
]


@pytest.fixture(scope="module")
def cohort():
    return [score_doc(i, n, lv, default=2 if i != "low" else 1) for i, n, lv in COHORT]


def test_cohort_csv_has_one_row_per_learner(cohort):
    rows = list(csv.DictReader(io.StringIO(cohort_csv(cohort))))
    assert [r["learner_id"] for r in rows] == ["low", "mid", "top"]
    mid = rows[1]
    assert mid["total"] == "66.67" and mid["technical_points"] == "26.67"
    assert mid["leadership_points"] == "6.67" and mid["missing_count"] == "0"
    top = rows[2]  # two technical subs at 3: + 2 * 10/3
    assert top["technical_points"] == "33.33" and top["total"] == "73.33"
    low = rows[0]  # 14 subs at level 1, two missing
    assert low["missing"] == "operational.security;business.performance"
    assert low["missing_count"] == "2"
    assert low["operational_points"] == "7.50" and low["business_points"] == "5.00"


def test_cohort_summary_ranks_learners_and_embeds_plots(cohort):
    html = summary_html(cohort)
    page = parse(html)
    assert png_of(page.images["histogram"])[:4] == b"\x89PNG"
    assert png_of(page.images["heatmap"])[:4] == b"\x89PNG"
    ranking = [r[1] for r in page.tables["ranking"][1:]]
    assert [r[2] for r in ranking] == ["top", "mid", "low"]
    assert [r[3] for r in ranking] == ["73.33", "66.67", "29.17"]
    assert "href='top.html'" in html


def test_grader_report_writes_every_report(tmp_path, cohort, capsys):
    scores = tmp_path / "scores"
    scores.mkdir()
    for doc in cohort:
        (scores / f"{doc['learner']['id']}.json").write_text(json.dumps(doc))
    out = tmp_path / "out"
    assert main(["report", str(scores), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cohort.csv",
        "index.html",
        "low.html",
        "mid.html",
        "top.html",
    ]
    assert "Portfolio review: Tom" in (out / "top.html").read_text()
    assert "wrote 3 learner report(s)" in capsys.readouterr().out
    (scores / "changes.json").write_text('[{"learner": "top", "moved": []}]')
    (scores / "scores.csv").write_text("learner_id,total\n")
    assert main(["report", str(scores), "--out", str(out)]) == 0  # other files skipped
    assert "wrote 3 learner report(s)" in capsys.readouterr().out
    bad = dict(cohort[0], criteria=[])
    (scores / "bad.json").write_text(json.dumps(bad))
    assert main(["report", str(scores), "--out", str(out)]) == 2
    assert "bad.json: criteria must be a non-empty list" in capsys.readouterr().err
    (scores / "bad.json").unlink()
    (scores / "broken.json").write_text("{")
    assert main(["report", str(scores), "--out", str(out)]) == 2
    assert "broken.json: unreadable" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope"), "--out", str(out)]) == 2


def test_write_cohort_returns_the_learner_files(tmp_path, cohort):
    written = write_cohort(cohort, tmp_path)
    assert set(written) == {"top", "mid", "low"}
    assert all(p.is_file() and p.parent == tmp_path for p in written.values())


def test_heatmap_groups_ranks_in_a_large_cohort():
    from grader.rubric.cohort_report import criterion_ids, heatmap_rows, ranked

    docs = ranked([score_doc(f"l{i:03d}", f"L{i}", {}, default=i % 4) for i in range(100)])
    crits = criterion_ids(docs)
    labels, grid = heatmap_rows(docs, [d["learner"]["id"] for d in docs], crits, limit=40)
    assert len(labels) == 34 and labels[0] == "#1-3" and labels[-1] == "#100-100"
    # ranks 1-3 are three level-3 learners (100 %); the last is one of the level-0 ones
    assert grid[0] == [100.0] * 4 and grid[-1] == [0.0] * 4
    small_labels, small = heatmap_rows(docs[:5], ["a", "b", "c", "d", "e"], crits, limit=40)
    assert small_labels == ["a", "b", "c", "d", "e"] and len(small) == 5
