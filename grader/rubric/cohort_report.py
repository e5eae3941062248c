"""Cohort outputs from many score documents: a CSV for an LMS and a summary HTML.

The CSV has one row per learner (total, each criterion's points, the number and ids of
sub-criteria without a level). The summary HTML holds a histogram of the totals, a heatmap of
criterion percentages across learners, and the learners sorted by total with links to their
reports (:func:`grader.rubric.report.report_filename`). Self-contained, no JavaScript.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.rubric import charts
from grader.rubric.report import (
    CSS,
    SCHEMA,
    ScoreDocumentError,
    check_document,
    criterion_percent,
    esc,
    fmt_num,
    report_filename,
    write_report,
)

HEATMAP_ROWS = 40  # above this many learners the heatmap shows groups of consecutive ranks


def criterion_ids(docs: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """(id, name) of every criterion, in first-seen order across the documents."""
    seen: dict[str, str] = {}
    for doc in docs:
        for c in doc["criteria"]:
            seen.setdefault(str(c["id"]), str(c.get("name") or c["id"]))
    return list(seen.items())


def ranked(docs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest total first; ties by learner id."""
    return sorted(docs, key=lambda d: (-float(d["total"]), str(d["learner"]["id"])))


def cohort_csv(docs: Sequence[dict[str, Any]]) -> str:
    """One row per learner (in learner id order) for an LMS gradebook import."""
    docs = [check_document(d) for d in docs]
    crits = criterion_ids(docs)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["learner_id", "learner_name", "rubric_version", "total", "max_total"]
        + [f"{cid}_points" for cid, _ in crits]
        + ["missing_count", "missing"]
    )
    for doc in sorted(docs, key=lambda d: str(d["learner"]["id"])):
        points = {str(c["id"]): c["points"] for c in doc["criteria"]}
        missing = [str(m) for m in doc.get("missing") or []]
        writer.writerow(
            [
                doc["learner"]["id"],
                doc["learner"].get("name") or "",
                (doc.get("rubric") or {}).get("version", ""),
                f"{float(doc['total']):.2f}",
                "100",
            ]
            + [f"{float(points[cid]):.2f}" if cid in points else "" for cid, _ in crits]
            + [len(missing), ";".join(missing)]
        )
    return out.getvalue()


def summary_html(docs: Sequence[dict[str, Any]], title: str = "Portfolio review: cohort") -> str:
    docs = ranked([check_document(d) for d in docs])
    crits = criterion_ids(docs)
    names = [str(d["learner"].get("name") or d["learner"]["id"]) for d in docs]
    totals = [float(d["total"]) for d in docs]
    hist = charts.png_base64(charts.histogram(totals))
    labels, grid = heatmap_rows(docs, names, crits)
    heat = charts.png_base64(charts.heatmap(labels, [n for _, n in crits], grid))
    mean = sum(totals) / len(totals) if totals else 0.0
    head = "".join(f"<th>{esc(n)}</th>" for _, n in crits)
    rows = []
    for rank, (doc, name) in enumerate(zip(docs, names, strict=True), 1):
        by_id = {str(c["id"]): c for c in doc["criteria"]}
        cells = "".join(
            f"<td class='num'>{fmt_num(by_id[cid]['points'])}</td>" if cid in by_id else "<td></td>"
            for cid, _ in crits
        )
        missing = doc.get("missing") or []
        miss = f"<td class='missing'>{len(missing)}</td>" if missing else "<td class='num'>0</td>"
        link = report_filename(str(doc["learner"]["id"]))
        rows.append(
            f"<tr><td class='num'>{rank}</td><td><a href='{esc(link)}'>{esc(name)}</a></td>"
            f"<td>{esc(doc['learner']['id'])}</td><td class='num'>{fmt_num(doc['total'])}</td>"
            f"{cells}{miss}</tr>"
        )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
            f"<h1>{esc(title)}</h1>",
            f"<p>{len(docs)} learners &middot; mean total {fmt_num(mean)} &middot; "
            f"median {fmt_num(_median(totals))}</p>",
            "<h2>Score distribution</h2>",
            f'<img id="histogram" alt="histogram of total scores" '
            f'src="data:image/png;base64,{hist}">',
            "<h2>Criteria across learners (% of each criterion's points)</h2>",
            *(
                [
                    f"<p class='muted'>{len(docs)} learners: one row per group of consecutive "
                    "ranks, mean percent of the group.</p>"
                ]
                if len(docs) > HEATMAP_ROWS
                else []
            ),
            f'<img id="heatmap" alt="heatmap of criterion percentages by learner" '
            f'src="data:image/png;base64,{heat}">',
            "<h2>Learners by total</h2>",
            f"<table id='ranking'><tr><th>rank</th><th>learner</th><th>id</th><th>total</th>"
            f"{head}<th>missing</th></tr>",
            *rows,
            "</table></body></html>",
        ]
    )


def heatmap_rows(
    docs: Sequence[dict[str, Any]],
    names: Sequence[str],
    crits: Sequence[tuple[str, str]],
    limit: int = HEATMAP_ROWS,
) -> tuple[list[str], list[list[float | None]]]:
    """One heatmap row per learner (docs ranked), or, above ``limit`` learners, one row per
    group of consecutive ranks ("#1-25") holding the group's mean percent per criterion."""
    grid = []
    for doc in docs:
        by_id = {str(c["id"]): c for c in doc["criteria"]}
        grid.append([criterion_percent(by_id[cid]) if cid in by_id else None for cid, _ in crits])
    if len(docs) <= limit:
        return list(names), grid
    size = -(-len(docs) // limit)
    labels, rows = [], []
    for start in range(0, len(docs), size):
        chunk = grid[start : start + size]
        labels.append(f"#{start + 1}-{start + len(chunk)}")
        means = []
        for j in range(len(crits)):
            seen = [r[j] for r in chunk if r[j] is not None]
            means.append(sum(seen) / len(seen) if seen else None)
        rows.append(means)
    return labels, rows


def write_cohort(docs: Sequence[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """Write every learner's report, ``cohort.csv`` and ``index.html`` into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {str(d["learner"]["id"]): write_report(d, out_dir) for d in docs}
    (out_dir / "cohort.csv").write_text(cohort_csv(docs), encoding="utf-8")
    (out_dir / "index.html").write_text(summary_html(docs), encoding="utf-8")
    return written


def load_documents(scores_dir: Path) -> list[dict[str, Any]]:
    """Every score document among the folder's ``*.json`` files. Other JSON that
    ``grader score`` writes there (``changes.json``: a list) is skipped; a file that is not
    JSON, or claims the score schema but lacks its parts, raises, naming the file."""
    scores_dir = Path(scores_dir)
    if not scores_dir.is_dir():
        raise FileNotFoundError(f"no folder {scores_dir}")
    docs = []
    for path in sorted(scores_dir.glob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ScoreDocumentError(f"{path}: unreadable ({e})") from None
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
            docs.append(check_document(doc, str(path)))
    if not docs:
        raise FileNotFoundError(f"no score documents (schema {SCHEMA}) in {scores_dir}")
    return docs


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
