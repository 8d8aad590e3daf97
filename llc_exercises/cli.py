"""``llc``: schema, validate, build, restore, whoami — the facilitator's command line."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _err(msg: str) -> None:
    print(f"llc: {msg}", file=sys.stderr)


def cmd_schema(args) -> int:
    from . import definitions, schema

    if args.keys:
        for key, f in definitions.all_fields().items():
            vs = schema.value_schema(f)
            print(f"{key}\t{f.type}\t{vs.get('description', '')}")
    else:
        print(schema.schema_json())
    return EXIT_OK


def cmd_validate(args) -> int:
    from . import schema
    from .store import AnswerFileError, read_document

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
    from .workbook import FORMATS

    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(f"--format takes a comma list of {', '.join(FORMATS)}; got {text!r}")
    return chosen


def _status_writer(path: str):
    """Progress of a cohort build as JSON, rewritten atomically after each workbook (the hub
    dashboard polls it)."""
    import json

    from .store import write_atomic

    def write(done, total, results, finished=False):
        rows = [{"participant": r.participant, "name": r.name, "files": [p.name for p in r.outputs],
                 "error": r.error} for r in results]
        write_atomic(Path(path), json.dumps({"done": done, "total": total, "finished": finished,
                                             "results": rows}, ensure_ascii=False).encode("utf-8"))
    return write


def cmd_build(args) -> int:
    from .builds import build_cohort
    from .workbook import build_one

    out = Path(args.out)
    if args.roster:
        if not args.answers_dir:
            _err("--roster needs --answers-dir DIR (the folder of <id>.json answers files)")
            return EXIT_USAGE
        results = build_cohort(Path(args.roster), Path(args.answers_dir), out, jobs=args.jobs,
                               formats=args.format, engine=args.pdf_engine, template=args.template,
                               progress=not args.quiet, generated_on=args.date or "",
                               on_result=_status_writer(args.status_file) if args.status_file else None,
                               keep_notebooks=args.keep_notebooks, dask_scheduler=args.dask_scheduler)
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
                       template=args.template, generated_on=args.date or "", keep_notebook=args.keep_notebooks):
        print(p)
    return EXIT_OK


def cmd_restore(args) -> int:
    from .store import AnswerFileError, AnswerStore

    try:
        kept = AnswerStore(Path(args.file)).restore_backup()
    except AnswerFileError as exc:
        _err(str(exc))
        return EXIT_INVALID
    print(f"Restored {args.file} from its backup; the damaged copy is kept as {kept}.")
    return EXIT_OK


def cmd_coverage(args) -> int:
    from .coverage import coverage_markdown

    sys.stdout.write(coverage_markdown())
    return EXIT_OK


def cmd_whoami(args) -> int:
    from . import identity
    from .paths import answers_path

    pid = identity.current_participant_id()
    if not pid:
        print("Not identified yet: open notebooks/00_orientation.ipynb, or set LLC_PARTICIPANT.")
        return EXIT_INVALID
    print(f"{pid} (from {identity.source_of_identity()}); answers: {answers_path(pid)}")
    return EXIT_OK


def cmd_link(args) -> int:
    from .hub import nbgitpuller_link

    try:
        print(nbgitpuller_link(args.hub, args.repo, args.branch, args.open))
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    return EXIT_OK


def cmd_hub_demo(args) -> int:
    from .hubdemo import run

    return run(port=args.port, state=args.state)  # a HubDemoError becomes `llc: …` in main()


def parser() -> argparse.ArgumentParser:
    from .builds import default_jobs
    from .pdf import CHOICES
    from .workbook import FORMATS

    p = argparse.ArgumentParser(prog="llc", description="Leading Edge: worksheets and workbooks for "
                                "the On the Leading Edge library-leadership series.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("schema", help="print the JSON Schema of an answers file")
    s.add_argument("--keys", action="store_true", help="list answer keys with their types instead")
    s.set_defaults(func=cmd_schema)

    v = sub.add_parser("validate", help="check answers files; exit 1 if any is invalid")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.set_defaults(func=cmd_validate)

    b = sub.add_parser("build", help="build personalized workbooks (HTML and PDF)")
    b.add_argument("--answers", metavar="FILE", help="one participant's answers file")
    b.add_argument("--roster", metavar="CSV", help="cohort roster (columns id,name,school,district,cohort)")
    b.add_argument("--answers-dir", metavar="DIR", help="folder of <id>.json answers files (with --roster)")
    b.add_argument("--out", metavar="DIR", required=True, help="where workbooks are written")
    b.add_argument("--format", type=_formats, default=FORMATS, metavar="html,pdf",
                   help="comma list of formats (default: html,pdf)")
    b.add_argument("--pdf-engine", choices=CHOICES, default="auto",
                   help="chromium (fast; the system's Chromium, kept open), weasyprint (pip only), or auto "
                        "(default: chromium when installed)")
    b.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                   help=f"worker processes building at once (default {default_jobs()})")
    b.add_argument("--keep-notebooks", action="store_true",
                   help="also write each participant's filled notebook (workbook-<id>.ipynb)")
    b.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="build on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (needs dask.distributed "
                        "and the kit on its workers)")
    b.add_argument("--template", type=Path, help="workbook template notebook (default: workbook/workbook.ipynb)")
    b.add_argument("--date", metavar="YYYY-MM-DD", help="date printed on covers (default today)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--status-file", metavar="FILE", help="keep FILE updated with the build's progress (JSON)")
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("restore", help="put an answers file's backup back after damage")
    r.add_argument("file", metavar="FILE")
    r.set_defaults(func=cmd_restore)

    c = sub.add_parser("coverage", help="print docs/coverage.md: objectives → worksheets")
    c.set_defaults(func=cmd_coverage)

    k = sub.add_parser("link", help="print the nbgitpuller link that hands the notebooks to every participant")
    k.add_argument("--hub", required=True, metavar="URL", help="the hub's address, e.g. https://hub.example.org")
    k.add_argument("--repo", required=True, metavar="URL", help="git address of your copy of the kit")
    k.add_argument("--branch", default="main", metavar="B", help="branch to hand out (default main)")
    k.add_argument("--open", default="notebooks/00_orientation.ipynb", metavar="PATH",
                   help="notebook to open first, inside the repository")
    k.set_defaults(func=cmd_link)

    d = sub.add_parser("hub-demo", help="run a local JupyterHub with the Leading Edge service and demo logins")
    d.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    d.add_argument("--state", type=Path, default=None, metavar="DIR",
                   help="where the demo hub keeps its files (default build/hub-demo)")
    d.set_defaults(func=cmd_hub_demo)

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
