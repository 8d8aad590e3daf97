"""``llc``: the kit's command line, for facilitators and for participants on their own computer.

Participants: ``app`` (the sessions as forms in the browser), ``whoami``, ``letter``, ``export``,
``build --answers`` (one workbook), ``restore`` (an answers file's backup), ``new-year``.
Facilitators: ``build --roster`` (every workbook), ``cohort init|check``, ``calendar``,
``attendance init``, ``certificates``, ``report``, ``guide``, ``link`` (nbgitpuller or Binder).
Anyone: ``schema``, ``validate``, ``coverage``, ``hub-demo`` (a local JupyterHub to try the service).
``llc --help`` lists the same, ``llc COMMAND --help`` each command's options."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _err(msg: str) -> None:
    print(f"llc: {msg}", file=sys.stderr)


def cmd_schema(args) -> int:
    from .core import definitions, schema

    if args.keys:
        for key, f in definitions.all_fields().items():
            vs = schema.value_schema(f)
            print(f"{key}\t{f.type}\t{vs.get('description', '')}")
    else:
        print(schema.schema_json())
    return EXIT_OK


def cmd_validate(args) -> int:
    from .core import schema
    from .core.store import AnswerFileError, read_document

    worst = EXIT_OK
    for path in args.files:
        try:
            problems = schema.problems(read_document(Path(path)))  # older versions migrated first
        except AnswerFileError as exc:
            _err(str(exc))
            worst = EXIT_INVALID
            continue
        if problems:
            worst = EXIT_INVALID
            print(f"{path}: {len(problems)} problem(s)")
            for p in problems:
                print(f"  - {p}")
        else:
            print(f"{path}: valid")
    return worst


def _formats(text: str) -> tuple[str, ...]:
    from .documents.workbook import FORMATS

    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(f"--format takes a comma list of {', '.join(FORMATS)}; got {text!r}")
    return chosen


def _status_writer(path: str):
    """Progress of a cohort build as JSON, rewritten atomically after each workbook (the hub
    dashboard polls it)."""
    import json

    from .core.files import SHARED, write_atomic

    def write(done, total, results, finished=False):
        rows = [{"participant": r.participant, "name": r.name, "files": [p.name for p in r.outputs],
                 "error": r.shared_error} for r in results]
        write_atomic(Path(path), json.dumps({"done": done, "total": total, "finished": finished,
                                             "results": rows}, ensure_ascii=False).encode("utf-8"),
                     access=SHARED)  # what build-report.csv says: names and status, no answers
    return write


def cmd_build(args) -> int:
    from .core.cohort import load_cohort
    from .documents.workbook import build_one
    from .facilitator.builds import build_cohort

    out = Path(args.out)
    # Read once, here: a mistake in it is one `llc: …` line (a CohortError) before any workbook starts.
    cohort = load_cohort(Path(args.cohort)) if args.cohort else None
    if args.roster:
        if not args.answers_dir:
            _err("--roster needs --answers-dir DIR (the folder of <id>.json answers files)")
            return EXIT_USAGE
        results = build_cohort(Path(args.roster), Path(args.answers_dir), out, jobs=args.jobs,
                               formats=args.format, engine=args.pdf_engine, template=args.template,
                               progress=not args.quiet, generated_on=args.date.isoformat() if args.date else "",
                               on_result=_status_writer(args.status_file) if args.status_file else None,
                               keep_notebooks=args.keep_notebooks, dask_scheduler=args.dask_scheduler,
                               cohort=cohort)
        if args.status_file:
            _status_writer(args.status_file)(len(results), len(results), results, finished=True)
        failed = [r for r in results if r.error]
        print(f"Built {len(results) - len(failed)} of {len(results)} workbooks into {out}/ "
              f"(open {out / 'index.html'}).")
        for r in failed:
            print(f"  ✗ {r.participant}: {r.error}")
        return EXIT_INVALID if failed else EXIT_OK
    if not args.answers:
        _err("give --answers FILE for one participant, or --roster CSV --answers-dir DIR for a cohort")
        return EXIT_USAGE
    if args.dask_scheduler:
        _err("--dask-scheduler builds a cohort: give --roster CSV --answers-dir DIR")
        return EXIT_USAGE
    # a BuildError becomes `llc: …` in main()
    for p in build_one(Path(args.answers), out, formats=args.format, engine=args.pdf_engine,
                       template=args.template, generated_on=args.date.isoformat() if args.date else "",
                       keep_notebook=args.keep_notebooks, cohort=cohort):
        print(p)
    return EXIT_OK


def cmd_restore(args) -> int:
    from .core.store import AnswerFileError, AnswerStore

    try:
        kept = AnswerStore(Path(args.file)).restore_backup()
    except AnswerFileError as exc:
        _err(str(exc))
        return EXIT_INVALID
    print(f"Restored {args.file} from its backup; the damaged copy is kept as {kept}.")
    return EXIT_OK


def cmd_new_year(args) -> int:
    from .core.years import new_year

    done = new_year(Path(args.file), args.year)  # a YearError becomes `llc: …` in main()
    print("\n".join(done.report()))
    return EXIT_OK


def cmd_coverage(args) -> int:
    from .facilitator.coverage import coverage_markdown

    sys.stdout.write(coverage_markdown())
    return EXIT_OK


def cmd_whoami(args) -> int:
    from .core import identity
    from .core.paths import answers_path

    pid = identity.current_participant_id()
    if not pid:
        print("Not identified yet: open notebooks/00_orientation.ipynb, or set LLC_PARTICIPANT.")
        return EXIT_INVALID
    print(f"{pid} (from {identity.source_of_identity()}); answers: {answers_path(pid)}")
    return EXIT_OK


def cmd_link(args) -> int:
    from .core.links import nbgitpuller_link

    try:
        if args.binder:
            from .core.links import binder_link

            print(binder_link(args.repo, args.branch, args.open, app=args.app))
        elif not args.hub:
            _err("`llc link` needs --hub URL (the cohort's JupyterHub), or --binder for a mybinder.org link")
            return EXIT_USAGE
        elif args.app:
            from .participant.app import hub_link

            print(hub_link(args.hub, args.repo, args.branch, args.open))
        else:
            print(nbgitpuller_link(args.hub, args.repo, args.branch, args.open))
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    return EXIT_OK


def cmd_app(args) -> int:
    from .participant.app import run

    # an AppError (no such folder, port taken) becomes `llc: …` in main()
    return run(notebooks=args.notebooks, port=args.port, open_browser=not args.no_browser)


def cmd_hub_demo(args) -> int:
    from .hub.demo import run

    return run(port=args.port, state=args.state)  # a HubDemoError becomes `llc: …` in main()


def cmd_cohort(args) -> int:
    from .core.cohort import init_cohort, load_cohort

    if args.action == "init":
        c = init_cohort(Path(args.file), name=args.name, school_year=args.school_year,
                        facilitator=args.facilitator or "", force=args.force)
        print(f"Wrote {args.file}: {len(c.sessions)} sessions and {len(c.meetings)} meetings, "
              f"{c.hours_available():g} hours in all, {c.credit.required_hours:g} required. "
              "Edit the names, dates and places, then run `llc cohort check` on it.")
        return EXIT_OK
    c = load_cohort(Path(args.file))
    print(f"{args.file}: valid — {c.name!r}, {len(c.facilitators)} facilitator(s), time zone {c.timezone}")
    for e in c.events():
        print(f"  {e.date:%a %Y-%m-%d} {e.start:%H:%M}–{e.end:%H:%M}  {e.hours:>4g} h  {e.title}")
    print(f"  {c.hours_available():g} hours from sessions and meetings; {c.credit.required_hours:g} required for "
          f"{c.credit.offered}" + ("" if c.credit.pd_log_max_hours is None else
                                  f" (up to {c.credit.pd_log_max_hours:g} more from each PD log)"))
    if c.hub_group or c.facilitator_logins():
        logins = ", ".join(c.facilitator_logins()) or "none named (only hub admins see it)"
        print(f"  On the hub: participants are the members of group {c.hub_group or '(none)'!r}; "
              f"facilitators {logins}")
    for t in c.teams:
        others = ", ".join(m for m in t.members if m != t.leader)
        print(f"  Team {t.name!r}: led by {t.leader}, with {others or 'no one else yet'}")
    return EXIT_OK


def cmd_calendar(args) -> int:
    from .core.cohort import load_cohort
    from .facilitator.ics import write_calendar

    out = Path(args.out)
    if out.suffix.lower() != ".ics":
        _err(f"--out should name a .ics file (calendar apps import .ics), e.g. cohort.ics; got {args.out!r}")
        return EXIT_USAGE
    c = load_cohort(Path(args.cohort))  # a CohortError becomes `llc: …` in main(), before anything is written
    write_calendar(c, out)
    print(f"Wrote {out}: {len(c.sessions)} sessions and {len(c.meetings)} meetings of {c.name} "
          f"({c.timezone}). Participants import it into their calendar app; importing an updated "
          "file again moves the events instead of adding copies.")
    return EXIT_OK


def cmd_guide(args) -> int:
    from .facilitator.guide import build_guide

    cohort = None
    if args.cohort:
        from .core.cohort import load_cohort

        cohort = load_cohort(Path(args.cohort))  # a CohortError becomes `llc: …` in main()
    # a GuideError (bad agenda data) too, before anything is written
    for p in build_guide(Path(args.out), cohort=cohort, directory=args.guide_dir, engine=args.pdf_engine):
        print(p)
    return EXIT_OK


def _out_refused(check, error: type[Exception], out: str) -> bool:
    """Check ``--out`` before any work: a refused path is a usage error (exit 2), said in one line."""
    try:
        check(Path(out))
    except error as exc:
        _err(str(exc))
        return True
    return False


def cmd_export(args) -> int:
    from .facilitator.export import ExportError, check_out, export

    if _out_refused(check_out, ExportError, args.out):
        return EXIT_USAGE
    for path in export(Path(args.answers), Path(args.out)):  # store and export errors become `llc: …`
        print(path)
    return EXIT_OK


def _date_arg(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def cmd_letter(args) -> int:
    from .documents.letter import LetterError, check_out, write_letter

    if _out_refused(check_out, LetterError, args.out):
        return EXIT_USAGE
    printed = write_letter(Path(args.answers), Path(args.out), engine=args.pdf_engine, on=args.date)
    print(printed.path)
    if printed.shortened:
        print(f"  {printed.shortened} long answer(s) were shortened to fit one page; each ends with "
              "\"(the full text is in my workbook)\".", file=sys.stderr)
    return EXIT_OK


def cmd_attendance(args) -> int:
    from .core.attendance import init_sheet
    from .core.cohort import load_cohort

    cohort = load_cohort(Path(args.cohort))  # errors become `llc: …` in main(), before anything is written
    path, n = init_sheet(cohort, Path(args.roster), Path(args.out) if args.out else None)
    print(f"Wrote {path}: {n} participants × {len(cohort.events())} sessions and meetings, all blank. In each "
          "cell write yes, no or the hours attended; then run `llc certificates`.")
    return EXIT_OK


def cmd_certificates(args) -> int:
    from .core.cohort import load_cohort
    from .facilitator.certificates import issue, verify

    if args.verify:
        if not args.register:
            _err("--verify CODE needs --register FILE (the certificates.csv written beside the certificates)")
            return EXIT_USAGE
        cohort = load_cohort(Path(args.cohort)) if args.cohort else None
        row = verify(args.verify, Path(args.register), cohort)  # a CertificateError becomes `llc: …`
        checked = " (its facts match the code under the cohort's secret)" if cohort else ""
        print(f"Valid: {row.get('code')} — {row.get('name')} ({row.get('id')}), {row.get('hours')} hours, "
              f"cohort {row.get('cohort')}, issued {row.get('date')}{checked}.")
        return EXIT_OK
    missing = [f"--{k.replace('_', '-')}" for k in ("cohort", "roster", "answers_dir", "out") if not getattr(args, k)]
    if missing:
        _err(f"certificates needs {', '.join(missing)} (or --verify CODE --register FILE to check a code)")
        return EXIT_USAGE
    done = issue(Path(args.cohort), Path(args.roster), Path(args.answers_dir), Path(args.out),
                 attendance=Path(args.attendance) if args.attendance else None, on=args.date,
                 engine=args.pdf_engine)
    print(done.summary())
    return EXIT_OK


def cmd_report(args) -> int:
    from .facilitator.report import write_report

    # a CohortError, ReportError or AttendanceError becomes `llc: …` in main(), with nothing written
    done = write_report(Path(args.cohort), Path(args.answers_dir), Path(args.out), engine=args.pdf_engine)
    for s in done.gathered.skipped:  # on stderr only: the report itself never names a file or person
        _err(f"skipped {s.path}: {s.reason}")
    print(done.html)
    print(done.pdf)
    print(done.summary())
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    from .documents.pdf import CHOICES
    from .documents.workbook import FORMATS
    from .facilitator.builds import default_jobs

    # Options several commands share, defined once (argparse parents).
    engine = argparse.ArgumentParser(add_help=False)
    engine.add_argument("--pdf-engine", choices=CHOICES, default="auto",
                        help="chromium (fast; the system's Chromium, kept open), weasyprint (pip only), or auto "
                             "(default: chromium when installed)")

    # The files several commands read: one name, metavar and wording each; the command says what for.
    def cohort(cmd: argparse.ArgumentParser, use: str = "", required: bool = False) -> None:
        cmd.add_argument("--cohort", required=required, metavar="FILE",
                         help="the cohort file (cohort.yaml)" + (f": {use}" if use else ""))

    def roster(cmd: argparse.ArgumentParser, required: bool = False) -> None:
        cmd.add_argument("--roster", required=required, metavar="CSV",
                         help="cohort roster (columns id,name,school,district,cohort; only id is required)")

    def answers_dir(cmd: argparse.ArgumentParser, use: str, required: bool = False) -> None:
        cmd.add_argument("--answers-dir", required=required, metavar="DIR",
                         help=f"folder of the participants' <id>.json answers files ({use})")

    def answers(cmd: argparse.ArgumentParser, use: str = "") -> None:
        cmd.add_argument("--answers", required=not use, metavar="FILE",
                         help="the participant's answers file" + (f" ({use})" if use else ""))

    def dated(what: str) -> argparse.ArgumentParser:
        d = argparse.ArgumentParser(add_help=False)
        d.add_argument("--date", type=_date_arg, metavar="YYYY-MM-DD", help=f"{what} (default today)")
        return d

    p = argparse.ArgumentParser(prog="llc", description="Leading Edge: worksheets and workbooks for "
                                "the On the Leading Edge library-leadership series.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("schema", help="print the JSON Schema of an answers file")
    s.add_argument("--keys", action="store_true", help="list answer keys with their types instead")
    s.set_defaults(func=cmd_schema)

    v = sub.add_parser("validate", help="check answers files; exit 1 if any is invalid")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.set_defaults(func=cmd_validate)

    b = sub.add_parser("build", help="build personalized workbooks (HTML and PDF)",
                       parents=[engine, dated("date printed on covers")])
    answers(b, "one workbook")
    roster(b)
    answers_dir(b, "with --roster")
    b.add_argument("--out", metavar="DIR", required=True, help="where workbooks are written")
    b.add_argument("--format", type=_formats, default=FORMATS, metavar="html,pdf",
                   help="comma list of formats (default: html,pdf)")
    b.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                   help=f"worker processes building at once (default {default_jobs()})")
    b.add_argument("--keep-notebooks", action="store_true",
                   help="also write each participant's filled notebook (workbook-<id>.ipynb)")
    b.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="build on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (needs dask.distributed "
                        "and the kit on its workers)")
    b.add_argument("--template", type=Path, help="workbook template notebook (default: the kit's own)")
    cohort(b, "its name and the dates of its sessions and meetings go on every cover")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--status-file", metavar="FILE", help="keep FILE updated with the build's progress (JSON)")
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("restore", help="put an answers file's backup back after damage")
    r.add_argument("file", metavar="FILE")
    r.set_defaults(func=cmd_restore)

    y = sub.add_parser("new-year", help="archive an answers file and start the next programme year in it")
    y.add_argument("file", metavar="ANSWERS_FILE")
    y.add_argument("--year", metavar="LABEL",
                   help="the new programme year, e.g. 2026-27 (default: the year after the archived one)")
    y.set_defaults(func=cmd_new_year)

    c = sub.add_parser("coverage", help="print docs/coverage.md: objectives → worksheets")
    c.set_defaults(func=cmd_coverage)

    k = sub.add_parser("link", help="print the nbgitpuller link that hands the notebooks to every participant")
    k.add_argument("--hub", metavar="URL", help="the hub's address, e.g. https://hub.example.org")
    k.add_argument("--repo", required=True, metavar="URL", help="git address of your copy of the kit")
    k.add_argument("--branch", default="main", metavar="B", help="branch to hand out (default main)")
    k.add_argument("--open", default="notebooks/00_orientation.ipynb", metavar="PATH",
                   help="notebook to open first, inside the repository")
    k.add_argument("--app", action="store_true",
                   help="open the notebook as a form without code (Voila's voila/render/ page) instead of in "
                        "JupyterLab")
    k.add_argument("--binder", action="store_true",
                   help="print the mybinder.org link for self-paced study instead (no hub needed)")
    k.set_defaults(func=cmd_link)

    ap = sub.add_parser("app", help="open the sessions in your browser as forms without code (Voila, on this "
                        "computer only)")
    ap.add_argument("--notebooks", metavar="DIR",
                    help="folder of the session notebooks (default: notebooks/ of this copy of the kit)")
    ap.add_argument("--port", type=int, metavar="N", help="port on 127.0.0.1 (default 8866, or a free one)")
    ap.add_argument("--no-browser", action="store_true", help="only print the address; do not open a browser")
    ap.set_defaults(func=cmd_app)

    d = sub.add_parser("hub-demo", help="run a local JupyterHub with the Leading Edge service and demo logins")
    d.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    d.add_argument("--state", type=Path, default=None, metavar="DIR",
                   help="where the demo hub keeps its files (default build/hub-demo)")
    d.set_defaults(func=cmd_hub_demo)

    co = sub.add_parser("cohort", help="write or check the cohort file (names, dates, hours, credit)")
    co_sub = co.add_subparsers(dest="action", required=True)
    ci = co_sub.add_parser("init", help="write a starter cohort file to edit")
    ci.add_argument("file", metavar="FILE", help="where to write it, e.g. cohort.yaml")
    ci.add_argument("--name", default="My cohort", help="the cohort's name (default: 'My cohort')")
    ci.add_argument("--school-year", type=int, metavar="YYYY",
                    help="move the series to the school year starting in YYYY, same weekdays "
                         "(default: the original 2021–22 series dates)")
    ci.add_argument("--facilitator", metavar="NAME", help="lead facilitator's name")
    ci.add_argument("--force", action="store_true", help="replace an existing file")
    cc = co_sub.add_parser("check", help="check a cohort file and list its dates")
    cc.add_argument("file", metavar="FILE")
    co.set_defaults(func=cmd_cohort)

    ca = sub.add_parser("calendar", help="write the cohort's sessions and meetings as a calendar file (.ics)")
    cohort(ca, required=True)
    ca.add_argument("--out", required=True, metavar="FILE.ics", help="where to write the calendar")
    ca.set_defaults(func=cmd_calendar)

    gu = sub.add_parser("guide", help="write the facilitator guide (a full-day agenda per session) as HTML and PDF",
                        parents=[engine])
    gu.add_argument("--out", metavar="DIR", required=True, help="where facilitator-guide.html and .pdf are written")
    cohort(gu, "its name, dates, times and places go on the guide (default: the original series dates)")
    gu.add_argument("--guide-dir", metavar="DIR", help="an edited copy of the agenda files (default: $LLC_GUIDE_DIR, "
                    "else the kit's llc_exercises/facilitator/guide/)")
    gu.set_defaults(func=cmd_guide)

    ex = sub.add_parser("export", help="write a participant's plans for district systems (.xlsx or .csv)")
    answers(ex)
    ex.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv",
                    help="plans.xlsx: one workbook, a sheet per plan; plans.csv: plans-strategic-plan.csv, "
                         "plans-engagement-plan.csv, … beside it")
    ex.set_defaults(func=cmd_export)

    le = sub.add_parser("letter", help="print the one-page year-end letter to the principal (PDF)",
                        parents=[engine, dated("date on the letter")])
    answers(le)
    le.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the letter")
    le.set_defaults(func=cmd_letter)

    at = sub.add_parser("attendance", help="the attendance sheet the facilitator fills in (CSV)")
    at_sub = at.add_subparsers(dest="action", required=True)
    ai = at_sub.add_parser("init", help="write a blank sheet: one row per roster member, a column per event")
    cohort(ai, required=True)
    roster(ai, required=True)
    ai.add_argument("--out", metavar="FILE", help="where to write it (default: the cohort file's `attendance:`); "
                    "never over an existing file")
    at.set_defaults(func=cmd_attendance)

    ce = sub.add_parser("certificates", help="print certificates of completion for everyone whose hours qualify",
                        parents=[engine, dated("date of issue")])
    cohort(ce, "hours, credit, certificate_secret")
    roster(ce)
    answers_dir(ce, "for PD-log hours")
    ce.add_argument("--out", metavar="DIR", help="where certificate-<id>.pdf, certificates.csv and "
                    "not-yet-qualified.csv are written")
    ce.add_argument("--attendance", metavar="CSV", help="attendance sheet (default: the cohort file's `attendance:`)")
    ce.add_argument("--verify", metavar="CODE", help="check a verification code instead (with --register)")
    ce.add_argument("--register", metavar="CSV", help="the certificates.csv to look the code up in; add --cohort "
                    "to also check the facts against the code")
    ce.set_defaults(func=cmd_certificates)

    rp = sub.add_parser("report", help="the anonymous cohort report (HTML and PDF): before/after survey, "
                        "self-assessment, stakeholders, PD hours, goal themes", parents=[engine])
    cohort(rp, required=True)
    answers_dir(rp, "as collected", required=True)
    rp.add_argument("--out", required=True, metavar="DIR",
                    help="where cohort-report.html and cohort-report.pdf are written")
    rp.set_defaults(func=cmd_report)

    w = sub.add_parser("whoami", help="which participant this machine saves answers for")
    w.set_defaults(func=cmd_whoami)
    return p


def main(argv: list[str] | None = None) -> int:
    """The one boundary: the kit's own errors become ``llc: <message>`` and exit 1, never a
    traceback; a reader that closes the pipe early (``llc schema | head``) ends output quietly."""
    from .errors import LeadingEdgeError

    try:
        args = parser().parse_args(argv)
        return args.func(args)
    except LeadingEdgeError as exc:
        _err(str(exc))
        return EXIT_INVALID
    except KeyboardInterrupt:
        _err("interrupted; answers already saved are untouched")
        return 130
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit: point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
