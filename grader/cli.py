"""``grader``: the instructor's command line.

grader build [LAB ...] [--check]    student notebooks in labs/ from solutions/
grader lint                         validate every lab source
grader selftest [LAB ...]           solution full marks, student version 0, per lab
grader report SCORES_DIR --out DIR  portfolio score documents -> HTML reports, cohort CSV
grader portfolios --out DIR         write the sample cohort of synthetic portfolios
grader score / grader override      portfolio rubric scores, reviewer overrides (grader.rubric)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader.paths import Checkout
from grader.rubric import cli_args as rubric_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Build, check and grade labs.")
    parser.add_argument("--root", type=Path, help="project checkout (default: found from cwd)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="generate the student notebooks in labs/")
    b.add_argument("labs", nargs="*", metavar="LAB")
    b.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary folder and fail if labs/ differs",
    )
    sub.add_parser("lint", help="validate every lab source")
    s = sub.add_parser("selftest", help="prove each lab is gradable")
    s.add_argument("labs", nargs="*", metavar="LAB")
    s.add_argument(
        "--endpoint",
        help="use this running emulator (it is reset before each run) instead of a private one",
    )
    s.add_argument(
        "--workers",
        type=int,
        default=None,
        help="labs tested at once, each on a private emulator (default: cores; 1 with --endpoint)",
    )
    a = _lab_in_course(sub.add_parser("autograde", help="grade every submission of a lab"))
    a.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel workers, each with its own emulator (default: cores)",
    )
    _students(a, "ID", "grade only this student (repeatable)")
    a.add_argument("--dask", metavar="ADDRESS", help="run the workers on a Dask cluster")
    a.add_argument("--force", action="store_true", help="regrade submissions already graded")
    a.add_argument("--cell-timeout", type=int, help="seconds per cell (default: lab.yaml)")
    a.add_argument("--notebook-timeout", type=int, help="seconds per notebook (default: lab.yaml)")
    co = sub.add_parser("cohort", help="a course with generated sample submissions of labs")
    co.add_argument("labs", nargs="*", metavar="LAB", help="labs (default: all)")
    co.add_argument("--course", type=Path, required=True, help="course directory to fill")
    _students(co, "KIND", "only these sample kinds (solution, blank, partial, kernel_exit, ...)")
    f = _lab_in_course(sub.add_parser("feedback", help="HTML feedback without hidden tests"))
    _students(f, "ID", "only this student (repeatable; default: every graded one)")
    e = _lab_in_course(sub.add_parser("export", help="export a lab's grades for an LMS"))
    e.add_argument("--format", choices=["csv"], default="csv")
    e.add_argument("--output", type=Path, help="file to write (default: standard output)")
    r = sub.add_parser("report", help="portfolio score documents -> HTML reports, cohort CSV")
    r.add_argument("scores", type=Path, metavar="SCORES_DIR", help="folder of *.json scores")
    r.add_argument("--out", type=Path, required=True, help="folder for the reports")
    pf = sub.add_parser("portfolios", help="write the sample cohort of synthetic portfolios")
    pf.add_argument("--out", type=Path, required=True, help="folder for the portfolios")
    rubric_cli.add_parsers(sub)
    return parser


def _lab_in_course(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("lab", metavar="LAB")
    p.add_argument("--course", type=Path, required=True, help="nbgrader course directory")
    return p


def _students(p: argparse.ArgumentParser, metavar: str, help: str) -> None:
    p.add_argument("--student", action="append", default=[], metavar=metavar, help=help)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        checkout = Checkout(args.root.resolve()) if args.root else Checkout.find_optional()
        if checkout is None and args.command in ("build", "lint", "selftest", "cohort"):
            raise FileNotFoundError(
                "no solutions/ folder here or above; run grader from the project checkout "
                "or pass --root"
            )
        handlers = {
            "build": _build,
            "lint": _lint,
            "selftest": _selftest,
            "autograde": _autograde,
            "export": _export,
            "feedback": _feedback,
            "cohort": _cohort,
            "report": _report,
            "portfolios": _portfolios,
            "score": lambda args, _: _rubric_command().score(args),
            "override": lambda args, _: _rubric_command().override(args),
        }
        return handlers[args.command](args, checkout)
    except (FileNotFoundError, KeyError) as e:
        print(f"grader {args.command}: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _lint_first(checkout: Checkout) -> int:
    from grader.lint import lint

    problems = lint(checkout)
    for p in problems:
        print(p, file=sys.stderr)
    return len(problems)


def _build(args, checkout: Checkout) -> int:
    from grader.build import build, stale

    if _lint_first(checkout):
        print("grader build: fix the lint problems above first", file=sys.stderr)
        return 1
    if args.check:
        problems = stale(checkout, args.labs)
        for p in problems:
            print(p)
        if problems:
            print("labs/ is out of date: run `grader build`", file=sys.stderr)
            return 1
        print("labs/ is up to date")
        return 0
    report = build(checkout, args.labs, progress=_say)
    for path in report.written:
        print(f"wrote   {path.relative_to(checkout.root)}")
    for path in report.removed:
        print(f"removed {path.relative_to(checkout.root)}")
    print(
        f"built {len(report.labs)} lab(s); {len(report.written)} file(s) written, "
        f"{len(report.removed)} removed"
    )
    return 0


def _lint(args, checkout: Checkout) -> int:
    count = _lint_first(checkout)
    if count:
        print(f"{count} problem(s)", file=sys.stderr)
        return 1
    from labkit.catalog import iter_labs

    print(f"{len(list(iter_labs(checkout.solutions)))} lab source(s) valid")
    return 0


def _selftest(args, checkout: Checkout) -> int:
    from grader.selftest import format_table, selftest, selftest_parallel

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if args.endpoint:
        if args.workers and args.workers > 1:
            print(
                "grader selftest: --workers needs private emulators; drop --endpoint",
                file=sys.stderr,
            )
            return 2
        results = selftest(checkout, args.labs, endpoint_url=args.endpoint, progress=_say)
    else:
        results = selftest_parallel(checkout, args.labs, workers=max(1, workers), progress=_say)
    print(format_table(results))
    return 0 if results and all(r.ok for r in results) else 1


def _autograde(args, checkout: Checkout | None) -> int:
    from grader.autograde.batch import CourseError, Options, autograde, format_summary
    from grader.autograde.lab_settings import lab_options

    if not args.course.is_dir():
        print(f"grader autograde: no course directory {args.course}", file=sys.stderr)
        return 2
    options = Options(
        workers=max(1, args.workers), students=tuple(args.student), force=args.force, dask=args.dask
    )
    options = lab_options(checkout, args.lab, options)
    if args.cell_timeout or args.notebook_timeout:
        from dataclasses import replace

        options = replace(
            options,
            limits=replace(
                options.limits,
                cell_timeout=args.cell_timeout or options.limits.cell_timeout,
                notebook_timeout=args.notebook_timeout or options.limits.notebook_timeout,
            ),
        )
    try:
        docs = autograde(args.course, args.lab, options)
    except CourseError as e:
        print(f"grader autograde: {e}", file=sys.stderr)
        return 2
    print(format_summary(docs))
    return 0 if all(d["status"] == "graded" for d in docs) else 1


def _export(args, checkout: Checkout | None) -> int:
    from grader.autograde.batch import CourseError
    from grader.export import export_csv

    try:
        text = export_csv(args.course, args.lab)
    except CourseError as e:
        print(f"grader export: {e}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _feedback(args, checkout: Checkout | None) -> int:
    from grader.feedback import generate_feedback

    graded = args.course / "autograded"
    students = args.student or sorted(p.parent.name for p in graded.glob(f"*/{args.lab}"))
    if not students:
        print(
            f"grader feedback: nothing autograded for {args.lab} in {args.course}", file=sys.stderr
        )
        return 2
    for path in generate_feedback(args.course, args.lab, students):
        print(path)
    return 0


def _cohort(args, checkout: Checkout) -> int:
    from grader.build import select_labs
    from grader.cohort import make_cohort
    from grader.course import Course

    course = Course(args.course)
    for manifest in select_labs(checkout, args.labs):
        course.add_source(manifest)
        course.generate(manifest.id)
        made = make_cohort(args.course, manifest.id, args.student or None)
        print(
            f"{manifest.id}: {len(made)} submissions in {args.course}/submitted ({', '.join(made)})"
        )
    return 0


def _report(args, checkout: Checkout | None) -> int:
    from grader.rubric.cohort_report import load_documents, write_cohort
    from grader.rubric.report import ScoreDocumentError

    try:
        docs = load_documents(args.scores)
    except ScoreDocumentError as e:
        print(f"grader report: {e}", file=sys.stderr)
        return 2
    written = write_cohort(docs, args.out)
    print(f"wrote {len(written)} learner report(s), cohort.csv and index.html in {args.out}")
    return 0


def _rubric_command():
    from grader.rubric import commands

    return commands


def _portfolios(args, checkout: Checkout | None) -> int:
    from grader.rubric.samples import REVIEWS, write_samples

    for folder in write_samples(args.out):
        print(folder)
    print(f"reviewer input: {args.out / REVIEWS}", file=sys.stderr)
    return 0
