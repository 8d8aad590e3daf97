"""Cohort builds: kept kernels stay private to each participant, notebooks can be kept, a workbook
that kills its worker is named while everyone else is built, Dask clusters, and nothing left running."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, SAMPLE, PdfText

from llc_exercises.core.ports import free_port
from llc_exercises.documents.workbook import Builder, prepare, read_template
from llc_exercises.facilitator.builds import CRASHED

LLC = [sys.executable, "-m", "llc_exercises.cli"]
DASK = Path(sys.executable).parent / "dask"
TEMPLATE = ROOT / "workbook" / "workbook.ipynb"
CRASHER = "ebookwright"
CRASH_CELL = f'import os, signal\nif participant_id == "{CRASHER}":\n    os.kill(os.getppid(), signal.SIGKILL)'


def llc(*args, env=None, timeout=600):
    return subprocess.run([*LLC, *args], capture_output=True, text=True, timeout=timeout, env=env)


def roster_rows() -> dict[str, dict]:
    with open(SAMPLE / "roster.csv", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def small_cohort(where: Path, ids: list[str]) -> tuple[Path, Path]:
    """A roster of ``ids`` (rows from the sample roster) and a folder with their answers files."""
    answers = where / "answers"
    answers.mkdir(parents=True)
    rows = roster_rows()
    roster = where / "roster.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(next(iter(rows.values()))))
        writer.writeheader()
        for pid in ids:
            writer.writerow(rows[pid])
            shutil.copy(SAMPLE / "answers" / f"{pid}.json", answers)
    return roster, answers


def template_with(where: Path, early: list[str] = (), late: list[str] = ()) -> Path:
    """The real workbook template with ``early`` cells right after the parameters cell and ``late``
    cells at the end."""
    nb = nbformat.read(TEMPLATE, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells[at:at] = [nbformat.v4.new_code_cell(src) for src in early]
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in late)
    path = where / "template.ipynb"
    nbformat.write(nb, path)
    return path


def answer_text(pid: str, key: str) -> str:
    doc = json.loads((SAMPLE / "answers" / f"{pid}.json").read_text(encoding="utf-8"))
    return doc["answers"][key]["value"]


def report(out: Path) -> dict[str, dict]:
    with open(out / "build-report.csv", encoding="utf-8") as fh:
        return {row["participant"]: row for row in csv.DictReader(fh)}


def failure_lines(output: str, pid: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(rf"\s*✗ {re.escape(pid)}:", line)]


# ---- processes -----------------------------------------------------------------------------------
def _proc_read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:  # gone meanwhile, or not ours to read
        return b""


def live_processes() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line) of every running (not zombie) process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _proc_read(int(entry.name), "stat").decode(errors="replace")
        if not stat:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        if fields[0] == "Z":
            continue
        cmd = _proc_read(int(entry.name), "cmdline").replace(b"\0", b" ").decode(errors="replace")
        found[int(entry.name)] = (int(fields[1]), cmd)
    return found


def is_kernel_or_browser(cmd: str) -> bool:
    return "ipykernel_launcher" in cmd or "chromium" in cmd or "playwright" in cmd


def with_marker(pid: int, marker: str) -> bool:
    """Whether the process was started with our marker in its environment: children inherit it, so
    this finds whatever a build started, and nothing of the tests running beside this one."""
    return f"LLC_TEST_BUILD_MARKER={marker}".encode() in _proc_read(pid, "environ").split(b"\0")


def descends_from(pid: int, ancestor: int, procs: dict[int, tuple[int, str]]) -> bool:
    seen = set()
    while pid in procs and pid not in seen:
        seen.add(pid)
        pid = procs[pid][0]
        if pid == ancestor:
            return True
    return False


def survivors(marker: str, grace_s: float = 30) -> list[str]:
    """Processes started with ``marker`` in their environment (the build, its workers, their
    kernels, Playwright, Chromium and its helpers) that are still running; ones on their way out
    get ``grace_s`` to finish."""
    deadline = time.monotonic() + grace_s
    while True:
        left = [f"{pid}: {cmd[:160]}" for pid, (_, cmd) in live_processes().items() if with_marker(pid, marker)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


# ---- 1. a kept kernel keeps nothing of the last participant -------------------------------------
# Early cells of the template (right after the parameters): the kernel's input history (In, _i,
# _ii, _iii) holds none of the last participant's cells — its injected parameters carry their name
# and school — and none of their variables are left. The history check must be the first cell:
# _iii looks three cells back.
PRIVATE_CHECKS = [
    'history = [*In, _i, _ii, _iii]\n'
    'assert all(f\'participant_id = "{participant_id}"\' in s for s in history if s.startswith("# Parameters")), '
    '"the last participant\'s parameters are in this one\'s input history"\n'
    'assert not any(s.startswith("leftover =") for s in history), '
    '"the last participant\'s cells are in this one\'s history"',
    'assert "leftover" not in globals(), "the last participant\'s variables reached this one"',
]


def test_a_kept_kernel_carries_nothing_from_one_participant_to_the_next(tmp_path):
    first, second = "mquillfeather", "ebookwright"
    template = template_with(tmp_path, early=PRIVATE_CHECKS, late=["leftover = participant_id"])
    text = read_template(template)
    rows = roster_rows()
    builder = Builder()
    try:
        built = {}
        kernels = []
        for pid in (first, second):
            job = prepare(SAMPLE / "answers" / f"{pid}.json", text, pid, {"name": rows[pid]["name"]},
                          formats=("html",))
            built[pid] = builder.build(job)[f"workbook-{pid}.html"].decode("utf-8")
            kernels.append(builder.km.provisioner.pid)
    finally:
        builder.close()
    assert kernels[0] == kernels[1], "the second participant did not run on the kept kernel"
    mine = answer_text(first, "visioning.core_beliefs.why")
    assert mine[:80] in built[first]
    assert mine[:80] not in built[second]
    assert rows[first]["name"] not in built[second]
    assert rows[second]["name"] in built[second]


# ---- 2 and 5. a local build on worker processes --------------------------------------------------
LOCAL_IDS = ["mquillfeather", "tmarkup"]


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """``--jobs 2`` with PDFs and ``--keep-notebooks``; every process it starts carries a marker."""
    where = tmp_path_factory.mktemp("local")
    roster, answers = small_cohort(where, LOCAL_IDS)
    marker = uuid.uuid4().hex
    env = {**os.environ, "LLC_TEST_BUILD_MARKER": marker}
    out = where / "out"
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
               "--jobs", "2", "--format", "html,pdf", "--keep-notebooks", "--quiet", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, marker


def test_keep_notebooks_writes_each_executed_notebook_next_to_the_workbook(local_build):
    out, _ = local_build
    for pid in LOCAL_IDS:
        assert (out / f"workbook-{pid}.pdf").read_bytes()[:5] == b"%PDF-"
        assert (out / f"workbook-{pid}.html").exists()
        nb = nbformat.read(out / f"workbook-{pid}.ipynb", as_version=4)
        nbformat.validate(nb)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        assert f'participant_id = "{pid}"' in injected[0].source
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), "a cell was not run"
        assert any(c.outputs for c in code), "no outputs: the notebook was not executed"
        assert nb.metadata.papermill.parameters.participant_id == pid
    assert report(out)[LOCAL_IDS[0]]["files"].split() == [f"workbook-{LOCAL_IDS[0]}.{ext}"
                                                          for ext in ("html", "pdf", "ipynb")]


def test_no_kernel_or_browser_outlives_a_local_build(local_build):
    _, marker = local_build
    assert survivors(marker) == []


# ---- 3. a workbook that kills its worker process -------------------------------------------------
CRASH_IDS = ["mquillfeather", CRASHER, "tmarkup", "llong"]


def test_a_workbook_that_kills_its_worker_is_named_and_the_rest_are_built(tmp_path):
    roster, answers = small_cohort(tmp_path, CRASH_IDS)
    template = template_with(tmp_path, early=[CRASH_CELL])
    out = tmp_path / "out"
    scratch = tmp_path / "tmp"  # the build's temp files: answers in transit must not outlive it
    scratch.mkdir()
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
               "--jobs", "2", "--format", "html", "--template", str(template), "--quiet",
               env={**os.environ, "TMPDIR": str(scratch)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Built 3 of 4 workbooks" in proc.stdout
    left = [p for p in scratch.rglob("*") if p.suffix == ".json" or p.name.startswith("leading-edge-build-")]
    assert not left, f"a killed worker's temp files outlived the build: {left}"
    rows = report(out)
    assert rows[CRASHER]["error"] == CRASHED
    assert rows[CRASHER]["files"] == ""
    assert not list(out.glob(f"workbook-{CRASHER}.*"))
    for pid in CRASH_IDS:
        if pid != CRASHER:
            assert (out / f"workbook-{pid}.html").exists(), pid
            assert rows[pid]["error"] == "" and rows[pid]["files"] == f"workbook-{pid}.html"
    assert failure_lines(proc.stdout + proc.stderr, CRASHER) == [f"  ✗ {CRASHER}: {CRASHED}"]
    assert [pid for pid in CRASH_IDS if failure_lines(proc.stdout + proc.stderr, pid)] == [CRASHER]


# ---- 4. Dask -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real scheduler and one single-threaded worker (with its nanny) on 127.0.0.1."""
    from distributed import Client

    where = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    # A worker that dies fails its task at once (no retry on another worker), and a worker holds
    # only the task it runs, so the innocent ones queued behind a crash are not blamed for it.
    scheduler_env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
                     "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    procs = []
    try:
        with open(where / "scheduler.log", "wb") as log:
            procs.append(subprocess.Popen(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                env=scheduler_env, cwd=where, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        with open(where / "worker.log", "wb") as log:
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--local-directory", str(where / "worker-space")],
                cwd=where, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)


def worker_pids(address: str) -> list[int]:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(1, timeout=60)
        return list(client.run(os.getpid).values())


DASK_IDS = ["mquillfeather", "tmarkup", "llong"]


@pytest.fixture(scope="module")
def dask_build(dask_cluster, tmp_path_factory):
    where = tmp_path_factory.mktemp("dask-build")
    roster, answers = small_cohort(where, DASK_IDS)
    out = where / "out"
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
               "--format", "pdf", "--dask-scheduler", dask_cluster, "--quiet")
    return out, proc


def test_dask_builds_every_participant_on_the_cluster(dask_build):
    out, proc = dask_build
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Built 3 of 3 workbooks" in proc.stdout
    rows = roster_rows()
    for pid in DASK_IDS:
        text = PdfText(out / f"workbook-{pid}.pdf")
        assert rows[pid]["name"] in text, pid
        assert answer_text(pid, "visioning.core_beliefs.why") in text, pid
        assert not any(rows[other]["name"] in text for other in DASK_IDS if other != pid)
    assert {pid: (r["files"], r["error"]) for pid, r in report(out).items()} == {
        pid: (f"workbook-{pid}.pdf", "") for pid in DASK_IDS}


def test_dask_workers_let_go_of_their_kernels_and_browsers_after_a_build(dask_cluster, dask_build):
    assert dask_build[1].returncode == 0, dask_build[1].stdout + dask_build[1].stderr
    procs = live_processes()
    for worker in worker_pids(dask_cluster):
        kept = [f"{pid}: {cmd[:160]}" for pid, (_, cmd) in procs.items()
                if is_kernel_or_browser(cmd) and descends_from(pid, worker, procs)]
        assert kept == []


def test_dask_names_the_workbook_that_kills_its_worker(dask_cluster, dask_build, tmp_path):
    """Also a second build on workers that served (and released after) ``dask_build``."""
    ids = ["mquillfeather", CRASHER, "tmarkup"]
    roster, answers = small_cohort(tmp_path, ids)
    template = template_with(tmp_path, early=[CRASH_CELL])
    out = tmp_path / "out"
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
               "--format", "html", "--template", str(template), "--dask-scheduler", dask_cluster, "--quiet")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Built 2 of 3 workbooks" in proc.stdout, proc.stdout
    rows = report(out)
    assert rows[CRASHER]["error"].startswith(f"{CRASHED} (Dask: KilledWorker"), rows[CRASHER]["error"]
    for pid in ids:
        if pid != CRASHER:
            assert (out / f"workbook-{pid}.html").exists(), pid
            assert rows[pid]["error"] == "", rows[pid]["error"]
    assert len(failure_lines(proc.stdout + proc.stderr, CRASHER)) == 1
    assert [pid for pid in ids if failure_lines(proc.stdout + proc.stderr, pid)] == [CRASHER]


def test_an_unreachable_scheduler_is_one_line_not_a_traceback(tmp_path):
    roster, answers = small_cohort(tmp_path, ["tmarkup"])
    address = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(tmp_path / "out"),
               "--format", "html", "--dask-scheduler", address)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"llc: Could not reach the Dask scheduler at {address}"), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
