"""One personalized workbook: papermill fills the template → nbconvert exports it without code → PDF.

``prepare`` runs where the facilitator is: it checks the answers file (schema, whose it is) and packs
a ``Job`` of plain data that can travel to a worker process or to a Dask worker on another machine.
``Builder`` runs in a worker and keeps one Python kernel and one PDF printer between participants:
starting a kernel, importing the kit in it and starting a browser cost more than filling a workbook.
A worker returns the files as bytes; the facilitator's process writes them (see ``builds``).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import settings
from ..core import cohort as cohorts
from ..core import schema
from ..core.files import PRIVATE, write_atomic
from ..core.paths import check_participant_id, output_stem
from ..core.store import AnswerFileError, read_document
from ..errors import LeadingEdgeError, first_line
from . import render
from .pdf import Printer, open_printer, resolve_engine

FORMATS = ("html", "pdf")
ENGINE_NAME = "leading-edge"  # the papermill engine that runs on a kept kernel
CELL_TIMEOUT_S = 600  # a template cell that hangs must not hang the whole cohort
# A new history session too: otherwise In/_ih (and _i, _ii, _iii) still hold the last participant's
# cells, their injected parameters (name, school, ...) among them.
RESET = ("_h = get_ipython().history_manager; _h._i00 = _h._i = _h._ii = _h._iii = ''; "
         "get_ipython().reset(new_session=True)")


def default_template() -> Path:
    """The papermill template, shipped in the package (``workbook/workbook.ipynb`` in a checkout links to it)."""
    return Path(__file__).resolve().parent / "templates" / "workbook.ipynb"


class BuildError(LeadingEdgeError, RuntimeError):
    """``shared``: the same problem said without any answer's value, for the files a facilitator
    shares (the build's index, build-report.csv, the hub's status); the message itself may quote
    the value at fault, for the facilitator's terminal."""

    def __init__(self, message: str, shared: str | None = None) -> None:
        super().__init__(message)
        self.shared = shared or message


@dataclass
class Job:
    """Everything a worker needs to build one workbook; plain data, so it pickles small."""
    participant: str
    name: str
    document: dict
    details: dict
    template: str  # the template notebook's JSON text
    formats: tuple[str, ...] = FORMATS
    engine: str = "auto"
    generated_on: str = ""
    keep_notebook: bool = False
    # {"name": …, "schedule": [plain dicts]} from `llc build --cohort` (see cohort_parameters);
    # empty: the cover shows no dates, as before there were cohort files.
    cohort: dict = field(default_factory=dict)
    # {"timezone", "items"} from the export's feedback/<id>.json (see documents.feedback); empty:
    # none, and the template gets exactly the parameters it always did.
    feedback: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What a worker sends back: file name → bytes, or an error a facilitator can act on."""
    participant: str
    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


def read_template(template: Path | None = None) -> str:
    template = Path(template or default_template())
    try:
        return template.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(f"Workbook template {template} not found; pass --template PATH.") from None


def cohort_parameters(cohort: cohorts.Cohort | None) -> dict:
    """A cohort as a Job carries it: its name and its dates as plain data (pickles small, and
    papermill writes it into the template as Python literals)."""
    return {"name": cohort.name, "schedule": render.schedule_rows(cohort)} if cohort else {}


def prepare(answers_file: Path, template_text: str, expected_id: str | None = None,
            details: dict | None = None, formats=FORMATS, engine: str = "auto", generated_on: str = "",
            keep_notebook: bool = False, cohort: dict | None = None, feedback: dict | None = None) -> Job:
    """Check one participant's answers file and pack their Job (``feedback``: as
    ``documents.feedback.read_feedback`` gives it). Raises BuildError naming the file."""
    answers_file = Path(answers_file)
    try:
        doc = read_document(answers_file)
    except AnswerFileError as exc:
        raise BuildError(str(exc)) from None
    problems = schema.problems(doc)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        many = len(problems) > 1
        raise BuildError(f"{answers_file} does not match the worksheets: {shown}. "
                         f"Run `llc validate {answers_file}` for the full list.",
                         shared=f"{answers_file} does not match the worksheets ({len(problems)} "
                                f"problem{'s' if many else ''}): run `llc validate {answers_file}` to see "
                                f"{'them' if many else 'it'}.")
    file_id = (doc.get("participant") or {}).get("id")
    pid = check_participant_id(expected_id or file_id or "", f"participant id in {answers_file}")
    if expected_id and file_id and file_id != expected_id:
        # Never print one person's answers under another's name.
        raise BuildError(f"{answers_file} belongs to participant {file_id!r}, not {expected_id!r}. "
                         "Check the roster or the file name.")
    participant = {**(details or {}), **{k: v for k, v in doc["participant"].items() if v}}
    return Job(pid, participant.get("name") or pid, doc, dict(details or {}), template_text, tuple(formats),
               engine, generated_on, keep_notebook, dict(cohort or {}), dict(feedback or {}))


@functools.cache  # one class, registered once per process
def _engine_class():
    """papermill's nbclient engine on a kernel (and kernel client) the Builder keeps, instead of a
    new kernel per notebook; each notebook starts by clearing the kernel's variables, so nothing of
    the last participant can reach the next."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine

    class KeptKernelClient(PapermillNotebookClient):
        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
            if not reply or reply["content"]["status"] != "ok":
                raise BuildError("Could not clear the Python kernel between participants.")
            super().papermill_execute_cells()

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, start_timeout=60,
                                     execution_timeout=None, km=None, kc=None, **_ignored):
            client = KeptKernelClient(nb_man, km=km, kernel_name=kernel_name, log_output=log_output,
                                      startup_timeout=start_timeout, timeout=execution_timeout)
            client.kc = kc  # already connected: no new channels, no wait for the kernel per notebook
            return client.execute()

    return KeptKernelEngine


def _workbook_exporter():
    """nbconvert's HTML exporter (basic template, no code, no prompts) without its last step, a
    BeautifulSoup pass over the page that gives images lacking alt text a stock one and makes notebook
    cells focusable: every workbook image carries its own alt text, the page is a document rather than
    a notebook, and that pass took 90% of the export's time."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class WorkbookExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return WorkbookExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)


class Builder:
    """Builds workbooks one after another on one kept kernel; one Builder per worker thread."""

    def __init__(self) -> None:
        self.km: Any = None  # jupyter_client KernelManager, started on first use
        self.kc: Any = None  # its AsyncKernelClient, connected once
        self.printers: dict[str, Printer] = {}
        # 0700; answers pass through it. Under the build's own scratch folder when there is one, which
        # the facilitator's process removes even if this worker is killed.
        self.home = Path(tempfile.mkdtemp(prefix="leading-edge-build-", dir=settings.BUILD_SCRATCH.raw() or None))
        self.lock = threading.Lock()  # held while building: release() leaves a busy builder alone
        self._exporter: Any = None
        self._templates: dict[str, object] = {}
        self.closed = False

    # -- the kernel ------------------------------------------------------------------------------
    def _kernel(self):
        if self.km is not None and self.km.is_alive():
            return self.km, self.kc
        self._stop_kernel()
        from jupyter_client.manager import KernelManager

        kw = {}
        socket = str(self.home / f"kernel-{uuid.uuid4().hex[:8]}")
        # Unix sockets: parallel workers picking TCP ports race for the same one. Their paths are
        # limited (~100 bytes, "-N" added); a long TMPDIR falls back to TCP.
        if os.name == "posix" and len(socket.encode()) < 96:
            kw = {"transport": "ipc", "ip": socket}
        km = KernelManager(kernel_name="python3", client_class="jupyter_client.asynchronous.AsyncKernelClient",
                           connection_file=str(self.home / "kernel.json"), **kw)
        log = Path(tempfile.gettempdir()) / "leading-edge-kernels.log"
        # The kernel's stderr goes to a log, not over the facilitator's progress bar.
        with open(log, "ab") as err:  # the child keeps its own copy of the handle
            # No history database: the injected parameters (names, schools) are not kept on disk.
            km.start_kernel(cwd=str(self.home), stderr=err, stdout=subprocess.DEVNULL,
                            extra_arguments=["--HistoryManager.enabled=False"])
        self.km, self.kc = km, km.client()
        self.kc.start_channels()
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.kc.wait_for_ready)(timeout=60)
        except RuntimeError:
            self._stop_kernel()
            raise
        return self.km, self.kc

    def _stop_kernel(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a kernel that already died needs no stopping
                pass
            self.km = None

    def warm_up(self, engine: str = "auto", formats=FORMATS) -> None:
        """Start the kernel (and the printer) before the first participant arrives."""
        import nbconvert  # noqa: F401 - the import is the slow part
        import papermill  # noqa: F401

        self._kernel()
        if "pdf" in formats:
            self._printer(engine)

    def _printer(self, engine: str) -> Printer:
        engine = resolve_engine(engine)
        if engine not in self.printers:
            self.printers[engine] = open_printer(engine)
        return self.printers[engine]

    # -- one workbook ----------------------------------------------------------------------------
    def _execute(self, job: Job, answers: Path):
        import nbformat
        import papermill
        from nbclient.exceptions import DeadKernelError
        from papermill.engines import papermill_engines

        papermill_engines.register(ENGINE_NAME, _engine_class())  # a dict entry; the class is made once
        if job.template not in self._templates:
            self._templates = {job.template: nbformat.reads(job.template, as_version=4)}
        params = {"participant_id": job.participant, "answers_path": str(answers),
                  "generated_on": job.generated_on, "participant_details": job.details}
        if job.cohort:  # only then: without --cohort a template gets exactly the parameters it always did
            params.update(cohort_name=job.cohort.get("name", ""), cohort_schedule=job.cohort.get("schedule", []))
        if job.feedback.get("items"):
            params["participant_feedback"] = job.feedback
        for attempt in (1, 2):
            try:
                km, kc = self._kernel()
                return papermill.execute_notebook(
                    self._templates[job.template], None, engine_name=ENGINE_NAME, kernel_name="python3",
                    km=km, kc=kc, progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT_S,
                    parameters=params)
            except papermill.PapermillExecutionError as exc:
                raise BuildError(f"The workbook template failed for {job.participant}: "
                                 f"{exc.ename}: {exc.evalue}") from None
            except (DeadKernelError, RuntimeError) as exc:
                self._stop_kernel()  # the next participant gets a new one
                if attempt == 2 or "kernel" not in str(exc).lower():
                    raise BuildError(f"The Python kernel stopped while building {job.participant}'s "
                                     f"workbook: {first_line(exc)}") from None
        raise AssertionError("unreachable")

    def _export_html(self, nb) -> str:
        if self._exporter is None:
            self._exporter = _workbook_exporter()
        body, _ = self._exporter.from_notebook_node(nb)
        return body

    def build(self, job: Job) -> dict[str, bytes]:
        """The participant's files as bytes, named ``workbook-<id>.<ext>``."""
        import nbformat

        answers = self.home / f"{uuid.uuid4().hex}.json"
        write_atomic(answers, json.dumps(job.document, ensure_ascii=False).encode("utf-8"), access=PRIVATE)
        try:
            nb = self._execute(job, answers)
        finally:
            answers.unlink(missing_ok=True)
        page = render.page_html(self._export_html(nb), f"On the Leading Edge — workbook of {job.name}",
                                footer_name=job.name)
        stem = output_stem(job.participant)
        files: dict[str, bytes] = {}
        if "html" in job.formats:
            files[f"{stem}.html"] = page.encode("utf-8")
        if "pdf" in job.formats:
            files[f"{stem}.pdf"] = self._printer(job.engine).pdf(page)
        if job.keep_notebook:
            nb.metadata.get("papermill", {}).pop("input_path", None)  # no temp paths of this machine
            files[f"{stem}.ipynb"] = nbformat.writes(nb).encode("utf-8")
        return files

    def close(self) -> None:
        self.closed = True
        self._stop_kernel()
        for printer in self.printers.values():
            printer.close()
        self.printers.clear()
        shutil.rmtree(self.home, ignore_errors=True)


# One Builder per thread (Dask runs tasks on several threads of a worker; Playwright and kernels
# are not shared between threads), all listed so ``release`` can close them from any thread.
_local = threading.local()
_builders: list[Builder] = []
_builders_lock = threading.RLock()


def current_builder() -> Builder:
    builder = getattr(_local, "builder", None)
    if builder is None or builder.closed:  # release() ran on another thread (Dask: client.run)
        builder = _local.builder = Builder()
        with _builders_lock:
            _builders.append(builder)
    return builder


def release() -> int:
    """Close every idle kept kernel and browser in this process; returns how many closed. A builder
    busy with another build's participant (two builds on one Dask cluster) is left to that build's
    own release."""
    closed = 0
    with _builders_lock:
        for b in list(_builders):
            if b.lock.acquire(blocking=False):
                try:
                    b.close()
                finally:
                    b.lock.release()
                _builders.remove(b)
                closed += 1
    return closed


def warm_up(engine: str = "auto", formats=FORMATS, scratch: str | None = None) -> None:
    """Worker-process initializer: imports, kernel and printer ready before the first job; temp
    files go under ``scratch``, the build's own folder."""
    import atexit

    if scratch:
        settings.for_child(settings.BUILD_SCRATCH, scratch)
    atexit.register(release)
    try:
        current_builder().warm_up(engine, formats)
    except Exception:  # noqa: BLE001 - the first job will meet the same problem and report it
        pass


def run_job(job: Job) -> Outcome:
    """Build one Job on this thread's Builder; any failure becomes the participant's error."""
    try:
        with _builders_lock:  # release() on another thread must not close it between these lines
            builder = current_builder()
            builder.lock.acquire()
        try:
            return Outcome(job.participant, job.name, builder.build(job))
        finally:
            builder.lock.release()
    except Exception as exc:  # noqa: BLE001 - one participant's failure must not stop the cohort
        return Outcome(job.participant, job.name, error=str(exc) or type(exc).__name__)


def build_one(answers_file: Path, out_dir: Path, formats=FORMATS, engine: str = "auto",
              template: Path | None = None, expected_id: str | None = None, details: dict | None = None,
              generated_on: str = "", keep_notebook: bool = False,
              cohort: cohorts.Cohort | None = None) -> list[Path]:
    """Build one participant's workbook here and now; returns the files written. ``cohort``: its
    name and dates go on the cover. Raises BuildError with a message a facilitator can act on."""
    files = build_files(answers_file, formats, engine, template, expected_id, details, generated_on,
                        keep_notebook, cohort)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        write_atomic(out_dir / name, data, access=PRIVATE)
        written.append(out_dir / name)
    return written


def build_files(answers_file: Path, formats=FORMATS, engine: str = "auto", template: Path | None = None,
                expected_id: str | None = None, details: dict | None = None, generated_on: str = "",
                keep_notebook: bool = False, cohort: cohorts.Cohort | None = None) -> dict[str, bytes]:
    """One participant's workbook files as bytes (``workbook-<id>.pdf`` → …), built on a kernel and
    printer of their own that are closed afterwards: ``build_one`` writes them, the app sends them
    to the browser. Raises BuildError (or PdfEngineError) with a message a participant can act on."""
    job = prepare(answers_file, read_template(template), expected_id, details, formats, engine,
                  generated_on, keep_notebook, cohort_parameters(cohort))
    builder = Builder()
    try:
        return builder.build(job)
    finally:
        builder.close()
