"""Per-learner HTML report from a score document (schema ``cloudlabs.portfolio.score/1``).

One self-contained file: a radar chart of the criteria (matplotlib, embedded as a base64 PNG),
the criterion and sub-criterion tables (level, level name and the rubric's descriptor for it,
points, source and the scoring rule applied, the evidence behind each, overrides with reason
and reviewer, missing evidence marked as such), reviewer comments,
the presentation checklist, and any problems reading the portfolio. Plain HTML with a little
inline CSS, no JavaScript; every string from the document is HTML-escaped.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from grader.rubric import charts

SCHEMA = "cloudlabs.portfolio.score/1"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:72em;color:#222;line-height:1.4;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #1f5f99;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eef3f8}td.num{text-align:right;white-space:nowrap}
tr.crit td{background:#f6f6f6;font-weight:600}
.missing{background:#fde8e8;color:#9b1c1c;font-weight:600}
.override{background:#fff6dd}.ok{color:#1d7a36;font-weight:600}.no{color:#9b1c1c;font-weight:600}
.total{font-size:2em;font-weight:700;color:#1f5f99}.muted{color:#666;font-size:.9em}
ul.ev{margin:0;padding-left:1.1em}.lvl{min-width:14em}
.grid{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}
"""


class ScoreDocumentError(ValueError):
    """Not a score document this report can render; the message says what is wrong."""


def check_document(doc: Any, where: str = "score document") -> dict[str, Any]:
    """Validate the parts the reports rely on; returns the document."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ScoreDocumentError(f"{where}: expected a JSON object with schema {SCHEMA!r}")
    learner = doc.get("learner")
    if not isinstance(learner, dict) or not learner.get("id"):
        raise ScoreDocumentError(f"{where}: learner.id is required")
    if not isinstance(doc.get("total"), int | float):
        raise ScoreDocumentError(f"{where}: total must be a number")
    criteria = doc.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise ScoreDocumentError(f"{where}: criteria must be a non-empty list")
    for c in criteria:
        if not isinstance(c, dict) or not {"id", "points", "weight"} <= c.keys():
            raise ScoreDocumentError(f"{where}: each criterion needs id, weight and points")
    return doc


def criterion_percent(criterion: dict[str, Any]) -> float:
    if isinstance(criterion.get("percent"), int | float):
        return float(criterion["percent"])
    weight = float(criterion.get("weight") or 0)
    return 100.0 * float(criterion.get("points") or 0) / weight if weight else 0.0


def radar_figure(doc: dict[str, Any]) -> Figure:
    """The radar chart of the document's criteria (percent of each criterion's points)."""
    criteria = doc["criteria"]
    labels = [str(c.get("name") or c["id"]) for c in criteria]
    return charts.radar(labels, [criterion_percent(c) for c in criteria])


def report_filename(learner_id: str) -> str:
    """A file name for a learner's report that is safe whatever the id contains."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", learner_id).strip("._")
    return f"{slug or 'learner'}.html"


def render_html(doc: dict[str, Any]) -> str:
    """The whole report as one HTML string."""
    doc = check_document(doc)
    learner = doc["learner"]
    name = str(learner.get("name") or learner["id"])
    rubric = doc.get("rubric") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Portfolio review: {esc(name)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Portfolio review: {esc(name)}</h1>",
        f'<p class="muted">learner id {esc(learner["id"])} &middot; rubric '
        f"{esc(rubric.get('id', '?'))} version {esc(rubric.get('version', '?'))}</p>",
        '<div class="grid"><div>',
        f'<p>Total</p><p class="total" id="total">{fmt_num(doc["total"])} / 100</p>',
        _criteria_table(doc["criteria"]),
        _missing_summary(doc.get("missing") or []),
        "</div><div>",
        f'<img id="radar" alt="radar chart of the criteria" width="420" height="420" '
        f'src="data:image/png;base64,{charts.png_base64(radar_figure(doc))}">',
        "</div></div>",
        "<h2>Sub-criteria</h2>",
        _sub_criteria_table(doc["criteria"]),
        "<h2>Reviewer comments</h2>",
        _comments(doc),
        "<h2>Presentation checklist</h2>",
        _checklist(doc.get("presentation_checklist") or []),
    ]
    problems = doc.get("problems") or []
    if problems:
        parts += ["<h2>Problems reading the portfolio</h2>", _list(problems)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(doc: dict[str, Any], out_dir: Path) -> Path:
    """Write ``<out_dir>/<learner id>.html``; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(str(doc["learner"]["id"]))
    path.write_text(render_html(doc), encoding="utf-8")
    return path


def _criteria_table(criteria: list[dict[str, Any]]) -> str:
    rows = [
        '<table id="criteria"><tr><th>criterion</th><th>weight</th><th>points</th>'
        "<th>percent</th></tr>"
    ]
    for c in criteria:
        rows.append(
            f"<tr><td>{esc(c.get('name') or c['id'])}</td><td class='num'>{fmt_num(c['weight'])}"
            f"</td><td class='num'>{fmt_num(c['points'])}</td>"
            f"<td class='num'>{fmt_num(criterion_percent(c))} %</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _missing_summary(missing: list[str]) -> str:
    if not missing:
        return '<p class="ok">Every sub-criterion has a level.</p>'
    items = ", ".join(esc(m) for m in missing)
    return (
        f'<p class="missing" id="missing">Missing evidence ({len(missing)} sub-criteria, '
        f"scored 0 until evidence or a reviewer level exists): {items}</p>"
    )


def _sub_criteria_table(criteria: list[dict[str, Any]]) -> str:
    rows = [
        '<table id="sub-criteria"><tr><th>sub-criterion</th><th>weight</th><th>level</th>'
        "<th>points</th><th>source</th><th>evidence</th><th>override</th></tr>"
    ]
    for c in criteria:
        rows.append(
            f"<tr class='crit'><td colspan='7'>{esc(c.get('name') or c['id'])} "
            f"({fmt_num(c['points'])} / {fmt_num(c['weight'])})</td></tr>"
        )
        for s in c.get("sub_criteria") or []:
            rows.append(_sub_row(s))
    rows.append("</table>")
    return "\n".join(rows)


def _sub_row(s: dict[str, Any]) -> str:
    missing = s.get("source") == "missing" or s.get("level") is None
    css = "missing" if missing else ("override" if s.get("source") == "override" else "")
    if missing:
        level = "MISSING (no evidence, 0 points)"
    else:
        level = f"{esc(s['level'])} {esc(s.get('level_name') or '')}".strip()
    if s.get("descriptor"):  # what the rubric says this level means
        level += f"<br><span class='muted'>{esc(s['descriptor'])}</span>"
    source = esc(s.get("source") or "")
    if s.get("rule"):  # how scoring reached the level
        source += f"<br><span class='muted'>{esc(s['rule'])}</span>"
    override = s.get("override")
    if isinstance(override, dict):
        over = (
            f"level {esc(override.get('level'))} by {esc(override.get('reviewer') or '?')}"
            f"{' at ' + esc(override['at']) if override.get('at') else ''}: "
            f"{esc(override.get('reason') or '')}"
        )
    else:
        over = ""
    return (
        f"<tr class='{css}' data-id='{esc(s.get('id', ''))}'>"
        f"<td>{esc(s.get('name') or s.get('id', ''))}<br><span class='muted'>"
        f"{esc(s.get('id', ''))}</span></td><td class='num'>{fmt_num(s.get('weight', 0))}</td>"
        f"<td class='lvl'>{level}</td><td class='num'>{fmt_num(s.get('points', 0))}</td>"
        f"<td>{source}</td><td>{_evidence(s.get('evidence') or [])}</td>"
        f"<td>{over}</td></tr>"
    )


def _evidence(evidence: list[dict[str, Any]]) -> str:
    if not evidence:
        return "<span class='missing'>no evidence</span>"
    items = []
    for ev in evidence:
        level = ev.get("level")
        tag = "missing" if ev.get("missing") else (f"level {level}" if level is not None else "")
        note = f" <span class='muted'>[{esc(tag)}]</span>" if tag else ""
        css = " class='missing'" if ev.get("missing") else ""
        items.append(
            f"<li{css}><b>{esc(ev.get('collector', ''))}</b>: "
            f"{esc(ev.get('summary', ''))}{note}</li>"
        )
    return "<ul class='ev'>" + "".join(items) + "</ul>"


def _comments(doc: dict[str, Any]) -> str:
    """Reviewer evidence (summary and comment), override reasons, and top-level comments."""
    rows: list[tuple[str, str, str]] = []
    for c in doc["criteria"]:
        for s in c.get("sub_criteria") or []:
            sid = str(s.get("id", ""))
            for ev in s.get("evidence") or []:
                if ev.get("collector") == "reviewer":
                    details = ev.get("details") or {}
                    text = str(details.get("comment") or ev.get("summary") or "")
                    rows.append((sid, str(details.get("reviewer") or ""), text))
            override = s.get("override")
            if isinstance(override, dict) and override.get("reason"):
                who = str(override.get("reviewer") or "")
                rows.append(
                    (sid, who, f"override to level {override.get('level')}: {override['reason']}")
                )
    for extra in doc.get("comments") or []:
        if isinstance(extra, dict):
            rows.append(
                (
                    str(extra.get("about", "")),
                    str(extra.get("reviewer", "")),
                    str(extra.get("text", "")),
                )
            )
        else:
            rows.append(("", "", str(extra)))
    if not rows:
        return "<p class='muted'>No reviewer comments.</p>"
    body = "".join(
        f"<tr><td>{esc(sid)}</td><td>{esc(who)}</td><td>{esc(text)}</td></tr>"
        for sid, who, text in rows
    )
    return (
        "<table id='comments'><tr><th>about</th><th>reviewer</th><th>comment</th></tr>"
        f"{body}</table>"
    )


def _checklist(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p class='missing'>No presentation checklist in the score document.</p>"
    rows = [
        "<table id='checklist'><tr><th>section</th><th>item</th><th>present</th>"
        "<th>evidence</th></tr>"
    ]
    for it in items:
        ok = bool(it.get("present"))
        mark = (
            "<span class='ok'>&#10003; yes</span>" if ok else "<span class='no'>&#10007; no</span>"
        )
        rows.append(
            f"<tr class='{'' if ok else 'missing'}'><td>{esc(it.get('section', ''))}</td>"
            f"<td>{esc(it.get('item', ''))}</td><td>{mark}</td>"
            f"<td>{esc(it.get('evidence') or '')}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _list(items: list[Any]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def fmt_num(value: Any) -> str:
    try:
        return f"{float(value):.2f}".rstrip("0").rstrip(".")  # as scores are rounded
    except (TypeError, ValueError):
        return esc(value)


def esc(value: Any) -> str:
    return escape(str(value), quote=True)
