"""Plots for the rubric reports, with matplotlib's object API (no pyplot, no global state).

Every function takes data and returns a :class:`matplotlib.figure.Figure`; :func:`png_base64`
renders one to a base64 PNG for embedding in a self-contained HTML file.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

from matplotlib.figure import Figure


def radar(labels: Sequence[str], percents: Sequence[float], title: str = "") -> Figure:
    """A radar (spider) chart: one axis per criterion, 0..100 % of that criterion's points."""
    if len(labels) != len(percents) or len(labels) < 3:
        raise ValueError("a radar chart needs at least 3 labels and one value per label")
    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)]
    values = [max(0.0, min(100.0, float(p))) for p in percents]
    fig = Figure(figsize=(4.2, 4.2), dpi=100)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.plot(angles + angles[:1], values + values[:1], color="#1f5f99", linewidth=2)
    ax.fill(angles + angles[:1], values + values[:1], color="#1f5f99", alpha=0.25)
    ax.set_xticks(angles)
    ax.set_xticklabels([_wrap(label) for label in labels], fontsize=8)
    ax.tick_params(axis="x", pad=10)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100])
    ax.set_yticklabels(["25", "50", "75", "100"], fontsize=7, color="#666")
    ax.set_rlabel_position(180 / n)  # between the first two axes, clear of the polygon's corners
    if title:
        ax.set_title(title, fontsize=10, pad=18)
    fig.tight_layout()
    return fig


def histogram(totals: Sequence[float], title: str = "Total score distribution") -> Figure:
    """Totals (0..100) in ten bins of 10 points."""
    fig = Figure(figsize=(6, 3), dpi=100)
    ax = fig.add_subplot()
    ax.hist([float(t) for t in totals], bins=range(0, 101, 10), color="#1f5f99", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("total score")
    ax.set_ylabel("learners")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def heatmap(
    rows: Sequence[str], columns: Sequence[str], percents: Sequence[Sequence[float | None]]
) -> Figure:
    """Learners (rows) by criteria (columns), each cell the percent of that criterion's points;
    None (nothing scored) is drawn grey and labelled "-"."""
    if len(percents) != len(rows) or any(len(r) != len(columns) for r in percents):
        raise ValueError("heatmap needs one row of len(columns) values per row label")
    grid = [[math.nan if v is None else float(v) for v in r] for r in percents]
    height = 1.2 + 0.32 * max(1, len(rows))
    fig = Figure(figsize=(1.6 + 1.3 * len(columns), height), dpi=100)
    ax = fig.add_subplot()
    cmap = _cmap()
    image = ax.imshow(grid or [[math.nan] * len(columns)], cmap=cmap, vmin=0, vmax=100)
    image.axes.set_aspect("auto")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels([_wrap(c) for c in columns], fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=8)
    for i, r in enumerate(grid):
        for j, v in enumerate(r):
            text = "-" if math.isnan(v) else f"{v:.0f}"
            colour = "white" if not math.isnan(v) and (v < 25 or v > 80) else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, label="% of criterion points")
    fig.tight_layout()
    return fig


def png_base64(fig: Figure) -> str:
    """The figure as a base64-encoded PNG (for ``<img src="data:image/png;base64,...">``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _cmap():
    from matplotlib import colormaps

    return colormaps["RdYlGn"].with_extremes(bad="#dddddd")


def _wrap(label: str, width: int = 14) -> str:
    words, lines, line = label.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)
