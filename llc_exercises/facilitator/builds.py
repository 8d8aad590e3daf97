"""Cohort builds: every roster member's workbook, on local worker processes or a Dask cluster.

Workers keep a kernel and a printer between participants (see ``workbook.Builder``) and send the
files back; this process writes them, shows one progress bar and reports each participant's
failure while still building everyone else — also when a participant's build kills its worker.
"""
from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.cohort import Cohort
from ..core.files import PRIVATE, SHARED, write_atomic
from ..core.roster import csv_safe, read_roster
from ..documents import pages, render
from ..documents.feedback import folder_for as feedback_folder
from ..documents.feedback import read_feedback
from ..documents.pdf import resolve_engine
from ..documents.workbook import (
    FORMATS,
    Job,
    Outcome,
    cohort_parameters,
    prepare,
    read_template,
    release,
    run_job,
    warm_up,
)
from ..errors import LeadingEdgeError, first_line

CRASHED = ("Building this workbook stopped the worker process that ran it (the other workbooks were "
           "built). Build it alone to see why: llc build --answers FILE --out DIR")
DASK_CONNECT_TIMEOUT_S = 10


class ClusterError(LeadingEdgeError, RuntimeError):
    pass


@dataclass
class Result:
    participant: str
    name: str = ""
    outputs: list[Path] = field(default_factory=list)
    error: str | None = None
    # What the shared files say (index, build-report.csv, status): never an answer's value.
    shared: str | None = None

    @property
    def shared_error(self) -> str | None:
        return self.shared or self.error


def default_jobs() -> int:
    return max(1, min(4, (os.cpu_count() or 2)))


# ---- where the jobs run --------------------------------------------------------------------------
def run_here(jobs: list[Job]) -> Iterator[Outcome]:
    """In this process, one after another (``--jobs 1``)."""
    try:
        for job in jobs:
            yield run_job(job)
    finally:
        release()


class ProcessRunner:
    """Worker processes (spawned: they must not inherit this process's threads), each warm —
    imports done, kernel and printer started — before its first job.

    Only as many jobs as workers are in flight, so when a worker dies the culprit is one of those
    few; each is then retried alone, and the one that kills a worker on its own is reported."""

    def __init__(self, workers: int, engine: str, formats):
        self.workers, self.initargs = workers, (engine, tuple(formats))
        self.ctx = multiprocessing.get_context("spawn")
        # Workers keep their temp files (answers in transit, kernel files) in here, and it goes at
        # the end even if a worker was killed before it could clean up.
        self.scratch = tempfile.mkdtemp(prefix="leading-edge-build-")
        self.pool: cf.ProcessPoolExecutor | None = self._pool(workers)  # warming starts now

    def _pool(self, size: int) -> cf.ProcessPoolExecutor:
        pool = cf.ProcessPoolExecutor(size, mp_context=self.ctx, initializer=warm_up,
                                      initargs=(*self.initargs, self.scratch))
        for _ in range(size):  # a pool starts its processes as work arrives: start them all now
            pool.submit(os.getpid)
        return pool

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        todo, suspects = list(reversed(jobs)), list[Job]()  # popped from the end: roster order
        try:
            while todo or suspects:
                alone = not todo
                size = 1 if alone else self.workers
                pool = self.pool or self._pool(size)
                self.pool = None
                with pool:
                    queue = [suspects.pop(0)] if alone else todo
                    running: dict[cf.Future, Job] = {}
                    broken = False
                    while (queue or running) and not broken:
                        while queue and len(running) < size:
                            job = queue.pop()
                            running[pool.submit(run_job, job)] = job
                        finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                        for fut in finished:
                            job = running.pop(fut)
                            try:
                                yield fut.result()
                            except cf.process.BrokenProcessPool:
                                broken = True
                                if alone:
                                    yield Outcome(job.participant, job.name, error=CRASHED)
                                else:
                                    suspects.append(job)
                    if broken:
                        suspects.extend(running.values())
                        pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_on_dask(jobs: list[Job], address: str) -> Iterator[Outcome]:
    """On an existing Dask cluster (dask.distributed): one task per participant.

    Connects now (not when the first outcome is asked for), so an unreachable scheduler is one
    error line before any progress bar is drawn."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--dask-scheduler needs dask.distributed: pip install 'leading-edge[dask]' "
                           "(or `pip install distributed`).") from None
    try:
        client = Client(address, timeout=f"{DASK_CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"Could not reach the Dask scheduler at {address} ({exc}). Check the address "
                           "(like tcp://10.0.0.5:8786) and that `dask scheduler` is running there.") from None
    return _dask_outcomes(client, jobs)


def _dask_outcomes(client, jobs: list[Job]) -> Iterator[Outcome]:
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        futures = {client.submit(run_job, job, pure=False, key=f"llc-workbook-{job.participant}-{i}"): job
                   for i, job in enumerate(jobs)}
        for fut in as_completed(futures, loop=client.loop):  # not a default client: say which loop
            job = futures[fut]
            try:
                yield fut.result()
            except FutureCancelledError:
                yield Outcome(job.participant, job.name, error="The Dask cluster cancelled this build.")
            except Exception as exc:  # noqa: BLE001 - KilledWorker, or the kit missing on a worker
                why = f"{type(exc).__name__}: {first_line(exc)}"
                if isinstance(exc, KilledWorker):
                    why = f"{CRASHED} (Dask: {why})"
                elif isinstance(exc, ImportError):
                    why += " — install the kit on the Dask workers (the same environment as here)."
                yield Outcome(job.participant, job.name, error=why)
            finally:
                fut.release()
        try:  # close the kept kernels and browsers on the workers
            client.run(release)
        except Exception:  # noqa: BLE001 - a worker that left already closed its own
            pass
    finally:
        client.close()


# ---- the build -----------------------------------------------------------------------------------
def _save(outcome: Outcome, out_dir: Path) -> Result:
    result = Result(outcome.participant, name=outcome.name, error=outcome.error)
    try:
        for name, data in outcome.files.items():
            write_atomic(out_dir / name, data, access=PRIVATE)  # one participant's workbook
            result.outputs.append(out_dir / name)
    except OSError as exc:
        result.error = f"Could not write {out_dir / name}: {exc.strerror or exc}"
    return result


def build_cohort(roster: Path, answers_dir: Path, out_dir: Path, jobs: int = 2, formats=FORMATS,
                 engine: str = "auto", template: Path | None = None, progress: bool = True,
                 generated_on: str = "", on_result: Callable | None = None, keep_notebooks: bool = False,
                 dask_scheduler: str | None = None, cohort: Cohort | None = None) -> list[Result]:
    """Build every roster member's workbook; returns one Result per roster row. ``cohort``: its
    name and dates go on every cover. A hub export's ``feedback/<id>.json`` (beside ``answers_dir``)
    is printed under the worksheets it is about.

    ``on_result(done, total, results)`` is called after each workbook (e.g. to write a status
    file a dashboard polls)."""
    roster, answers_dir, out_dir = Path(roster), Path(answers_dir), Path(out_dir)
    feedback_dir = feedback_folder(answers_dir)  # an export from the hub: feedback/ beside answers/
    members, problems = read_roster(roster)
    template_text = read_template(template)
    cohort_data = cohort_parameters(cohort)
    engine = resolve_engine(engine) if "pdf" in formats else engine
    out_dir.mkdir(parents=True, exist_ok=True)
    local = None
    if not dask_scheduler and jobs > 1 and len(members) > 1:
        local = ProcessRunner(min(jobs, len(members)), engine, formats)  # warms up while files are checked
    try:
        results = [Result(participant="?", error=p) for p in problems]
        prepared: list[Job] = []
        for m in members:
            answers_file = answers_dir / f"{m.id}.json"
            name = m.details.get("name", "")
            if not answers_file.exists():
                results.append(Result(m.id, name=name, error=(
                    f"{roster}, line {m.row}: no answers file {answers_file}. The participant may not "
                    "have started yet: ask them to open 00_orientation, or remove the row.")))
                continue
            feedback_file = feedback_dir / f"{m.id}.json"
            try:
                # A bad feedback file stops this workbook (printed without it, it would look as if
                # nobody had answered the participant), never the others.
                given = read_feedback(feedback_file, m.id, cohort) if feedback_file.exists() else None
                prepared.append(prepare(answers_file, template_text, m.id, m.details, formats, engine,
                                        generated_on, keep_notebooks, cohort_data, given))
            except LeadingEdgeError as exc:
                results.append(Result(m.id, name=name, error=str(exc), shared=getattr(exc, "shared", None)))
    except BaseException:
        if local is not None:
            local.close()
        raise

    if dask_scheduler:
        outcomes: Iterable[Outcome] = run_on_dask(prepared, dask_scheduler)
    elif local is not None and len(prepared) > 1:
        outcomes = local.run(prepared)
    else:
        if local is not None:
            local.close()
        outcomes = run_here(prepared)
    _collect(outcomes, len(prepared), out_dir, results, progress, on_result)
    write_report(results, out_dir)
    return results


def _collect(outcomes: Iterable[Outcome], total: int, out_dir: Path, results: list[Result], progress: bool,
             on_result: Callable | None) -> None:
    from tqdm.auto import tqdm

    if on_result:
        on_result(0, total, results)
    with tqdm(total=total, desc="Building workbooks", unit="workbook", disable=not progress) as bar:
        for done, outcome in enumerate(outcomes, 1):
            result = _save(outcome, out_dir)
            results.append(result)
            bar.update()
            if result.error and progress:  # live, beside the bar; the CLI lists every failure at the end
                bar.write(f"✗ {result.participant}: {result.error}", file=sys.stderr)
            if on_result:
                on_result(done, total, results)


def write_report(results: list[Result], out_dir: Path) -> None:
    """``index.html`` for the facilitator to click through, and ``build-report.csv``."""
    page = pages.render("cohort-index.html.j2", **render.page_context("Cohort workbooks", styles=("cohort-index",)),
                        results=results, built=sum(not r.error for r in results))
    write_atomic(out_dir / "index.html", page.encode("utf-8"), access=SHARED)  # names and status
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["participant", "name", "files", "error"])
    for r in results:
        # Spreadsheet apps run cells that start with = + - @ as formulas; neutralise them.
        writer.writerow([csv_safe(r.participant), csv_safe(r.name),
                         " ".join(p.name for p in r.outputs), csv_safe(r.shared_error or "")])
    write_atomic(out_dir / "build-report.csv", buf.getvalue().encode("utf-8"), access=SHARED)

