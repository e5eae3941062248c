"""Portfolio rubric throughput: score N portfolios (without static analysis), then reports.

It writes N synthetic portfolios (``grader.rubric.samples``: the five sample postures, weak to
exemplary, cycled, each under its own learner id) and one reviewer file into a temporary
folder, untimed. Then, in this one process, timed:

1. scoring: the collectors' setup (it parses the reviews file of all N learners) +
   ``Portfolio.load`` + every collector ``grader score --no-static`` runs (autograde,
   docs, metrics, reviewer, account-state rules; ``grader.rubric.commands.collectors``) +
   ``scoring.score``, for all N; the score documents are kept in memory. Wall and CPU seconds.
   Repeated ``--runs`` times (the file cache is warm after the first; each run starts with the
   previous run's documents freed and collected); the best and the median are printed.
   Target (issue 6): under 10 s for 1,000 portfolios.
2. writing the N score documents as JSON (what ``grader score`` adds on top).
3. reports: the cohort CSV and the summary HTML for all N (two matplotlib figures), and
   ``--reports`` per-learner HTML reports (a radar chart each), whose mean is extrapolated to N.

Run it from the checkout::

    .venv/bin/python bench/rubric.py [--portfolios 1000] [--runs 3] [--reports 50] [--keep DIR]

It exits non-zero only when something fails to run; a missed target is reported, not asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10.0


def make_portfolios(out: Path, n: int) -> tuple[list[Path], Path]:
    from grader.rubric.samples import REVIEWS, SAMPLES, Sample, write_samples

    samples = tuple(
        Sample(f"l{i:04d}", f"{SAMPLES[i % 5].name} {i}", SAMPLES[i % 5].posture) for i in range(n)
    )
    return write_samples(out, samples), out / REVIEWS


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portfolios", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3, help="timed scoring runs (default 3)")
    ap.add_argument("--reports", type=int, default=50, help="per-learner HTML reports timed")
    ap.add_argument("--keep", type=Path, help="write portfolios, scores and reports here")
    args = ap.parse_args()

    from grader.rubric import scoring
    from grader.rubric.cohort_report import cohort_csv, summary_html
    from grader.rubric.commands import collectors
    from grader.rubric.model import Rubric
    from grader.rubric.portfolio import Portfolio
    from grader.rubric.report import render_html

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-rubric-"))
    try:
        (folders, reviews), secs, _ = timed(
            lambda: make_portfolios(work / "portfolios", args.portfolios)
        )
        size = sum(f.stat().st_size for d in folders for f in d.rglob("*") if f.is_file())
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average before "
            f"{os.getloadavg()[0]:.2f} (other work on the machine inflates wall time)"
        )
        print(
            f"wrote {len(folders)} portfolios ({size / len(folders) / 1024:.0f} KiB each, "
            f"{sum(1 for d in folders for f in d.rglob('*') if f.is_file()) / len(folders):.0f} "
            f"files each) in {secs:.1f} s (untimed)"
        )
        rubric = Rubric.load(ROOT / "rubrics" / "portfolio.yaml")

        walls, cpus, docs = [], [], None
        for i in range(max(1, args.runs)):
            docs = None  # drop the previous run's documents: each run starts as `grader score`
            gc.collect()
            run, setup_wall, setup_cpu = timed(
                lambda: collectors(rubric, reviews, static_analysis=False)
            )
            docs, wall, cpu = timed(
                lambda run=run: [scoring.score(Portfolio.load(f), rubric, run) for f in folders]
            )
            walls.append(setup_wall + wall)
            cpus.append(setup_cpu + cpu)
            print(
                f"scoring run {i + 1}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU "
                f"(collectors' setup incl. the reviews file: {setup_wall:.2f} s wall)"
            )
        names = sorted({e["collector"] for s in _subs(docs[-1]) for e in s["evidence"]})
        print(f"collectors: {', '.join(names)}")
        best, median = min(walls), statistics.median(walls)
        print(f"CPU: best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s")
        per = 1000 * best / len(folders)
        verdict = "MET" if best * 1000 / len(folders) < TARGET_SECONDS else "MISSED"
        print(
            f"scoring {len(folders)} portfolios: best {best:.2f} s, median {median:.2f} s "
            f"({per:.2f} ms each); 1,000 at this rate: {per:.2f} s -> target < "
            f"{TARGET_SECONDS:.0f} s {verdict}"
        )

        out = work / "scores"
        out.mkdir(exist_ok=True)

        def write_scores():
            for d in docs:
                (out / f"{d['learner']['id']}.json").write_text(json.dumps(d, indent=1) + "\n")

        _, wall, _ = timed(write_scores)
        print(f"writing {len(docs)} score documents (JSON): {wall:.2f} s")
        text, wall, _ = timed(lambda: cohort_csv(docs))
        print(f"cohort CSV ({len(docs)} rows): {wall:.2f} s")
        html, wall, _ = timed(lambda: summary_html(docs))
        print(f"cohort summary HTML (histogram, heatmap, ranking): {wall:.2f} s")
        sample = docs[: max(1, min(args.reports, len(docs)))]
        pages, wall, _ = timed(lambda: [render_html(d) for d in sample])
        each = wall / len(sample)
        print(
            f"per-learner HTML report: {1000 * each:.0f} ms each (mean of {len(sample)}); "
            f"{len(docs)} reports at this rate: {each * len(docs):.0f} s"
        )
        if args.keep:
            reports = work / "reports"
            reports.mkdir(exist_ok=True)
            (reports / "cohort.csv").write_text(text)
            (reports / "index.html").write_text(html)
            for d, page in zip(sample, pages, strict=True):
                (reports / f"{d['learner']['id']}.html").write_text(page)
            print(f"kept in {work}")
        totals = sorted(d["total"] for d in docs)
        print(
            f"totals: min {totals[0]:.2f}, median {statistics.median(totals):.2f}, "
            f"max {totals[-1]:.2f}"
        )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _subs(doc):
    return [s for c in doc["criteria"] for s in c["sub_criteria"]]


if __name__ == "__main__":
    sys.exit(main())
