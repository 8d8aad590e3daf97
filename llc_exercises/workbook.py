"""Personalized workbooks: papermill fills the template → nbconvert exports it without code → PDF.

A cohort build runs participants in worker processes (each pays the papermill import once) and
reports failures per participant while still building everyone else.
"""
from __future__ import annotations

import concurrent.futures as cf
import csv
import functools
import io
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import render, schema
from .errors import LeadingEdgeError
from .paths import check_participant_id, output_stem
from .pdf import write_pdf
from .roster import csv_safe, read_roster
from .store import AnswerFileError, read_document, write_atomic

FORMATS = ("html", "pdf")


def default_template() -> Path:
    return Path(__file__).resolve().parents[1] / "workbook" / "workbook.ipynb"


class BuildError(LeadingEdgeError, RuntimeError):
    pass


@dataclass
class Result:
    participant: str
    name: str = ""
    outputs: list[Path] = field(default_factory=list)
    error: str | None = None


@functools.cache  # one class (and socket folder) per process, not per participant
def _quiet_kernel_manager():
    """Kernels for workbook builds: on Unix sockets (parallel workers picking TCP ports race for
    the same port), with stderr in a log file instead of over the facilitator's progress bar."""
    import subprocess
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    sockets = Path(tempfile.gettempdir()) / f"leading-edge-kernels-{os.getuid()}"
    sockets.mkdir(mode=0o700, exist_ok=True)

    class QuietKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            if os.name == "posix":
                kw.setdefault("transport", "ipc")
                kw.setdefault("ip", str(sockets / uuid.uuid4().hex[:12]))
            super().__init__(**kw)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log = Path(tempfile.gettempdir()) / "leading-edge-kernels.log"
            with open(log, "ab") as err:  # the child keeps its own copy of the handle
                kw["stderr"] = err
                kw.setdefault("stdout", subprocess.DEVNULL)
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def _export_html(nb) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def build_one(answers_file: Path, out_dir: Path, formats=FORMATS, engine: str = "weasyprint",
              template: Path | None = None, expected_id: str | None = None,
              details: dict | None = None, generated_on: str = "") -> Result:
    """Build one participant's workbook. Raises BuildError with a message a facilitator can act on."""
    import papermill

    answers_file, out_dir = Path(answers_file), Path(out_dir)
    template = Path(template or default_template())
    if not template.exists():
        raise BuildError(f"Workbook template {template} not found; pass --template PATH.")
    try:
        doc = read_document(answers_file)
    except AnswerFileError as exc:
        raise BuildError(str(exc)) from None
    problems = schema.problems(doc)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise BuildError(f"{answers_file} does not match the worksheets: {shown}. "
                         f"Run `llc validate {answers_file}` for the full list.")
    file_id = (doc.get("participant") or {}).get("id")
    pid = check_participant_id(expected_id or file_id or "", f"participant id in {answers_file}")
    if expected_id and file_id and file_id != expected_id:
        # Never print one person's answers under another's name.
        raise BuildError(f"{answers_file} belongs to participant {file_id!r}, not {expected_id!r}. "
                         "Check the roster or the file name.")
    params = {"participant_id": pid, "answers_path": str(answers_file.resolve()),
              "generated_on": generated_on, "participant_details": dict(details or {})}
    for attempt in (1, 2):
        try:
            nb = papermill.execute_notebook(
                str(template), None, kernel_name="python3", progress_bar=False, log_output=False,
                cwd=str(template.parent), kernel_manager_class=_quiet_kernel_manager(), parameters=params)
            break
        except papermill.PapermillExecutionError as exc:
            raise BuildError(f"The workbook template failed for {pid}: {exc.ename}: {exc.evalue}") from None
        except RuntimeError as exc:  # a kernel that dies while starting is worth one more try
            if attempt == 2 or "kernel" not in str(exc).lower():
                raise BuildError(f"Could not start a Python kernel for {pid}: {exc}") from None
    participant = {**(details or {}), **{k: v for k, v in doc["participant"].items() if v}}
    who = participant.get("name") or pid
    page = render.page_html(_export_html(nb), f"On the Leading Edge — workbook of {who}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = output_stem(pid)
    result = Result(pid, name=who)
    if "html" in formats:
        write_atomic(out_dir / f"{stem}.html", page.encode("utf-8"))
        result.outputs.append(out_dir / f"{stem}.html")
    if "pdf" in formats:
        result.outputs.append(write_pdf(page, out_dir / f"{stem}.pdf", engine))
    return result


def _build_member(args) -> Result:
    pid, name, kwargs = args
    try:
        return build_one(**kwargs)
    except Exception as exc:  # noqa: BLE001 - one participant's failure must not stop the cohort
        return Result(pid, name=name, error=str(exc) or type(exc).__name__)


def build_cohort(roster: Path, answers_dir: Path, out_dir: Path, jobs: int = 2, formats=FORMATS,
                 engine: str = "weasyprint", template: Path | None = None, progress: bool = True,
                 generated_on: str = "", on_result=None) -> list[Result]:
    """Build every roster member's workbook; returns one Result per roster row.

    ``on_result(done, total, results)`` is called after each workbook (e.g. to write a status
    file a dashboard polls)."""
    roster, answers_dir, out_dir = Path(roster), Path(answers_dir), Path(out_dir)
    members, problems = read_roster(roster)
    results = [Result(participant="?", error=p) for p in problems]
    tasks = []
    for m in members:
        answers_file = answers_dir / f"{m.id}.json"
        if not answers_file.exists():
            results.append(Result(m.id, name=m.details.get("name", ""), error=(
                f"{roster}, line {m.row}: no answers file {answers_file}. The participant may not "
                "have started yet: ask them to open 00_orientation, or remove the row.")))
            continue
        tasks.append((m.id, m.details.get("name", ""), dict(
            answers_file=answers_file, out_dir=out_dir, formats=formats, engine=engine,
            template=template, expected_id=m.id, details=m.details, generated_on=generated_on)))
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="Building workbooks", unit="workbook", disable=not progress)
    done = 0

    def finished(r: Result) -> None:
        nonlocal done
        done += 1
        results.append(r)
        bar.update()
        if on_result:
            on_result(done, len(tasks), results)

    if on_result:
        on_result(0, len(tasks), results)
    if jobs <= 1 or len(tasks) <= 1:
        for t in tasks:
            finished(_build_member(t))
    else:
        # spawn: worker processes must not inherit the parent's threads (tqdm, kernels).
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for r in pool.map(_build_member, tasks):
                finished(r)
                if r.error:
                    bar.write(f"✗ {r.participant}: {r.error}")
    bar.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_report(results, out_dir)
    return results


def write_report(results: list[Result], out_dir: Path) -> None:
    """``index.html`` for the facilitator to click through, and ``build-report.csv``."""
    rows = []
    for r in results:
        links = " ".join(f'<a href="{render.esc(p.name)}">{render.esc(p.suffix[1:].upper())}</a>'
                         for p in r.outputs)
        status = f'<span class="bad">{render.esc(r.error)}</span>' if r.error else "built"
        rows.append(f"<tr><td>{render.esc(r.participant)}</td><td>{render.esc(r.name)}</td>"
                    f"<td>{links}</td><td>{status}</td></tr>")
    ok = sum(not r.error for r in results)
    body = (f"<h1>Cohort workbooks</h1><p>{ok} built, {len(results) - ok} need attention.</p>"
            "<table class='llc-table'><thead><tr><th>Id</th><th>Name</th><th>Files</th><th>Status</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    page = render.page_html(body, "Cohort workbooks").replace(
        "</style>", ".bad{color:#a4161a}</style>", 1)
    write_atomic(out_dir / "index.html", page.encode("utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["participant", "name", "files", "error"])
    for r in results:
        # Spreadsheet apps run cells that start with = + - @ as formulas; neutralise them.
        writer.writerow([csv_safe(r.participant), csv_safe(r.name),
                         " ".join(p.name for p in r.outputs), csv_safe(r.error or "")])
    write_atomic(out_dir / "build-report.csv", buf.getvalue().encode("utf-8"))


def default_jobs() -> int:
    return max(1, min(4, (os.cpu_count() or 2)))
