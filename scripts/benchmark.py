"""Benchmarks behind the numbers in docs/benchmarks.md. Run: .venv/bin/python scripts/benchmark.py

Measures (0) a session notebook's first cells in fresh kernels (targets: import ≤ 0.3 s, first
``llc.show`` ≤ 0.2 s; ``--first-cell`` measures only that), (1) how long a durable
``AnswerStore.set`` takes with a typical and a 1 MB answers file,
(2) the delay from a widget change to the answer being on disk (target: under 1 s), and
(3) workbook builds (``--cohort``): the sample cohort built by ``llc build`` side by side with the
naive loop a facilitator would write (papermill CLI → ``jupyter nbconvert --to html --no-input`` →
``weasyprint`` CLI, per participant) in the same run (target ≥ 10× faster); each workbook's build in
a warm worker against printing its finished HTML in an already-running browser (target ≤ 3×); and
(4) ``--scale 100,300,1000``: synthetic cohorts (fictional copies of the sample) built with wall time
and the peak memory of the whole process tree (targets: time linear, memory flat).
Timed here, on purpose, rather than in unit tests, which would flake on shared machines.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llc_exercises import AnswerStore  # noqa: E402
from llc_exercises.core import definitions as defs  # noqa: E402


def store_set(size_bytes: int, n: int = 50) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        s = AnswerStore(Path(d) / "p.json")
        s.set("visioning.core_beliefs.what_i_do", "x" * size_bytes)
        times = []
        for i in range(n):
            t = time.perf_counter()
            s.set("visioning.core_beliefs.why", f"answer {i}")
            times.append(time.perf_counter() - t)
        return times


def widget_to_disk(n: int = 20) -> list[float]:
    from llc_exercises.participant.widgets import WorksheetView

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.json"
        view = WorksheetView(defs.worksheet("visioning.core_beliefs"), AnswerStore(path))
        out = []
        for i in range(n):
            text = f"typed {i}"
            t = time.perf_counter()
            view.controls["why"].input.value = text
            while True:
                try:
                    if json.loads(path.read_text())["answers"]["visioning.core_beliefs.why"]["value"] == text:
                        break
                except (FileNotFoundError, KeyError, ValueError):
                    pass
                time.sleep(0.005)
            out.append(time.perf_counter() - t)
        return out


FIRST_CELL = """
import time, json
t0 = time.perf_counter()
from llc_exercises import notebook as llc
t1 = time.perf_counter()
llc.show("visioning.core_beliefs")
t2 = time.perf_counter()
import sys
print(json.dumps({"import": t1 - t0, "show": t2 - t1,
                  "heavy": sorted(m for m in ("jsonschema", "matplotlib") if m in sys.modules)}))
"""


def first_cell(n: int = 7) -> tuple[list[float], list[float], list[str]]:
    """A session's first two cells in fresh real kernels: import the facade, show the first form."""
    import os

    from jupyter_client.manager import start_new_kernel

    imports, shows, heavy = [], [], set()
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "LLC_DATA_DIR": d, "LLC_PARTICIPANT": "bench"}
        for _ in range(n):
            km, kc = start_new_kernel(kernel_name="python3", env=env)
            try:
                out = []
                kc.execute_interactive(FIRST_CELL, timeout=120, output_hook=out.append)
                text = "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream")
                got = json.loads(text.strip().splitlines()[-1])
                imports.append(got["import"])
                shows.append(got["show"])
                heavy.update(got["heavy"])
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
    return imports, shows, sorted(heavy)


def ms(xs):
    return f"median {statistics.median(xs) * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"


SAMPLE = ROOT / "datasets" / "sample_cohort"
BIN = Path(sys.executable).parent
DATE = "2026-11-23"


def roster_rows() -> list[dict]:
    with open(SAMPLE / "roster.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_roster(rows: list[dict], path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def naive_loop(rows: list[dict], work: Path) -> float:
    """What a facilitator would script with the stock tools, one participant after another."""
    import yaml

    t = time.perf_counter()
    for row in rows:
        pid = row["id"]
        details = {k: v for k, v in row.items() if k != "id"}
        nb, html = work / f"{pid}.ipynb", work / f"{pid}.html"
        run([BIN / "papermill", ROOT / "workbook" / "workbook.ipynb", nb, "-k", "python3", "--no-progress-bar",
             "-p", "participant_id", pid, "-p", "answers_path", SAMPLE / "answers" / f"{pid}.json",
             "-p", "generated_on", DATE, "-y", yaml.safe_dump({"participant_details": details})],
            cwd=ROOT / "workbook")
        run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", nb])
        run([BIN / "weasyprint", "-q", html, work / f"{pid}.pdf"])
    return time.perf_counter() - t


def run(cmd, **kw) -> None:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")


def llc_build(roster: Path, answers: Path, out: Path, *extra) -> float:
    t = time.perf_counter()
    run([BIN / "llc", "build", "--roster", roster, "--answers-dir", answers, "--out", out, "--quiet",
         "--date", DATE, *extra])
    return time.perf_counter() - t


def cohort(naive_n: int) -> None:
    """The sample cohort: llc build and the naive loop, side by side in this run."""
    rows = roster_rows()
    from llc_exercises.documents.pdf import resolve_engine
    from llc_exercises.facilitator.builds import default_jobs

    print(f"machine: {os.cpu_count()} cores; llc build defaults: --jobs {default_jobs()}, "
          f"PDF engine {resolve_engine('auto')}")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        subset = write_roster(rows[:naive_n], d / "subset.csv")
        (d / "naive").mkdir()
        ours_subset = llc_build(subset, SAMPLE / "answers", d / "ours-subset")
        naive = naive_loop(rows[:naive_n], d / "naive")
        print(f"{naive_n} workbooks (HTML + PDF): naive loop {naive:.1f} s ({naive / naive_n:.1f} s each); "
              f"llc build {ours_subset:.1f} s → {naive / ours_subset:.1f}× faster")
        if naive_n < len(rows):
            ours_all = llc_build(SAMPLE / "roster.csv", SAMPLE / "answers", d / "ours-all")
            est = naive / naive_n * len(rows)
            print(f"{len(rows)} workbooks: llc build {ours_all:.1f} s; naive loop at its measured rate "
                  f"{est:.0f} s → {est / ours_all:.1f}×")
        ours_weasy = llc_build(subset, SAMPLE / "answers", d / "ours-weasy", "--pdf-engine", "weasyprint")
        print(f"{naive_n} workbooks, llc build --pdf-engine weasyprint: {ours_weasy:.1f} s")


def per_workbook() -> None:
    """Each sample workbook built on a warm worker, against printing its finished HTML in an
    already-running browser (a second Chromium, warm, printing the very same page)."""
    from llc_exercises.documents.pdf import ChromiumPrinter
    from llc_exercises.documents.workbook import Builder, prepare, read_template

    template = read_template()
    builder, reference = Builder(), ChromiumPrinter()
    builds: list[float] = []
    prints: list[float] = []
    try:
        builder.warm_up("chromium")
        rows = roster_rows()
        first = prepare(SAMPLE / "answers" / f"{rows[0]['id']}.json", template, rows[0]["id"], rows[0])
        reference.pdf(builder.build(first)[f"workbook-{first.participant}.html"].decode())  # warm both
        for row in rows:
            job = prepare(SAMPLE / "answers" / f"{row['id']}.json", template, row["id"], row)
            t = time.perf_counter()
            files = builder.build(job)
            builds.append(time.perf_counter() - t)
            page = files[f"workbook-{job.participant}.html"].decode()
            t = time.perf_counter()
            reference.pdf(page)
            prints.append(time.perf_counter() - t)
    finally:
        builder.close()
        reference.close()
    ratios = [b / p for b, p in zip(builds, prints)]
    print(f"one workbook on a warm worker (template run + export + PDF): {ms(builds)}")
    print(f"printing its finished HTML in an already-running browser:   {ms(prints)}")
    print(f"ratio per workbook: median {statistics.median(ratios):.2f}×, max {max(ratios):.2f}×, "
          f"total {sum(builds) / sum(prints):.2f}×")


def tagging(n: int = 4, rounds: int = 3) -> None:
    """What tagging (structure tree, bookmarks, /Lang: issue 19) costs: the same finished workbook
    pages printed untagged and tagged, one after the other in the same run, on each engine; the
    cost is set against a whole workbook build (template run + export + print)."""
    from llc_exercises.documents.pdf import open_printer
    from llc_exercises.documents.workbook import Builder, prepare, read_template

    template, builder, pages, html_s = read_template(), Builder(), [], []
    try:
        builder.warm_up("chromium", formats=("html",))
        for row in roster_rows()[:n]:
            job = prepare(SAMPLE / "answers" / f"{row['id']}.json", template, row["id"], row, formats=("html",))
            t = time.perf_counter()
            pages.append(builder.build(job)[f"workbook-{job.participant}.html"].decode())
            html_s.append(time.perf_counter() - t)
    finally:
        builder.close()
    print(f"{n} sample workbooks, HTML (template run + export) on a warm worker: {ms(html_s)}")
    for engine in ("chromium", "weasyprint"):
        times: dict[bool, list[float]] = {False: [], True: []}
        with open_printer(engine, tagged=False) as plain, open_printer(engine, tagged=True) as tagged:
            plain.pdf(pages[0]), tagged.pdf(pages[0])  # warm both
            for r in range(rounds):
                for page in pages:  # alternate, so a busy moment of the machine falls on both alike
                    order = (plain, tagged) if r % 2 == 0 else (tagged, plain)
                    for printer in order:
                        t = time.perf_counter()
                        printer.pdf(page)
                        times[printer.tagged].append(time.perf_counter() - t)
        untagged, with_tags = statistics.median(times[False]), statistics.median(times[True])
        build = statistics.median(html_s) + with_tags
        print(f"{engine}: print untagged {ms(times[False])}; tagged {ms(times[True])}; "
              f"tagging adds {(with_tags - untagged) * 1000:.0f} ms = {(with_tags / untagged - 1) * 100:.0f} % of "
              f"the print, {(with_tags - untagged) / build * 100:.0f} % of a tagged workbook's build "
              f"({build * 1000:.0f} ms)")


def synthetic_cohort(n: int, folder: Path) -> Path:
    """n fictional participants: the sample answers again, each with its own id and name, a
    numbered vision statement, and the first row of every table numbered too, so no two workbooks
    (and no two charts drawn from a table) are alike; worksheets left empty stay empty."""
    rows, out_rows = roster_rows(), []
    answers = folder / "answers"
    answers.mkdir(parents=True)
    for i in range(n):
        src = rows[i % len(rows)]
        pid = f"synthetic{i:05d}"
        doc = json.loads((SAMPLE / "answers" / f"{src['id']}.json").read_text(encoding="utf-8"))
        doc["participant"] = {**doc.get("participant", {}), "id": pid,
                              "name": f"Synthetic Participant {i} (fictional)"}
        entry = doc["answers"].setdefault("visioning.mission_vision.vision", {"value": ""})
        entry["value"] = f"Vision number {i}: {entry.get('value') or ''}"
        for key, a in doc["answers"].items():
            f, table = defs.field_for_key(key), a.get("value")
            if f.type == "table" and table:
                text = next((c.id for c in f.columns if c.type in ("short_text", "long_text")
                             and (table[0].get(c.id) or "").strip()), None)
                if text:
                    table[0][text] = f"{table[0][text]} ({i})"
        (answers / f"{pid}.json").write_text(json.dumps(doc), encoding="utf-8")
        out_rows.append({**src, "id": pid, "name": f"Synthetic Participant {i} (fictional)"})
    return write_roster(out_rows, folder / "roster.csv")


def tree_rss(pid: int) -> tuple[int, int]:
    """(sum, largest) resident memory in bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, largest, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        largest = max(largest, rss.get(p, 0))
        stack.extend(children.get(p, []))
    return total, largest


class MemoryWatcher:
    """Samples a process tree's resident memory every half second until ``finish()``."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.largest = pid, 0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            total, big = tree_rss(self.pid)
            self.peak, self.largest = max(self.peak, total), max(self.largest, big)
            self.stop.wait(0.5)

    def finish(self) -> tuple[int, int]:
        self.stop.set()
        self.thread.join()
        return self.peak, self.largest


def scale(sizes: list[int]) -> None:
    print("| participants | wall time | per workbook | peak memory, whole tree | largest process |")
    print("|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            roster = synthetic_cohort(n, d / "cohort")
            cmd = [str(BIN / "llc"), "build", "--roster", str(roster), "--answers-dir", str(d / "cohort" / "answers"),
                   "--out", str(d / "out"), "--quiet", "--date", DATE]
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            watcher = MemoryWatcher(proc.pid)
            out, err = proc.communicate()
            elapsed = time.perf_counter() - t
            peak, largest = watcher.finish()
            if proc.returncode:
                raise SystemExit(f"build of {n} failed: {out[-1000:]}{err[-1000:]}")
            pdfs = len(list((d / "out").glob("*.pdf")))
            assert pdfs == n, (pdfs, n)
            print(f"| {n:,} | {elapsed:.0f} s | {elapsed / n:.2f} s | {peak / 2**20:,.0f} MiB | "
                  f"{largest / 2**20:,.0f} MiB |", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first-cell", action="store_true", help="only the session first-cell timings")
    ap.add_argument("--cohort", action="store_true", help="only the workbook-build comparisons")
    ap.add_argument("--per-workbook", action="store_true", help="only one workbook against printing its HTML")
    ap.add_argument("--naive", type=int, default=30, metavar="N",
                    help="participants the naive loop builds (default: all 30; it takes ~20 s each)")
    ap.add_argument("--tagging", type=int, metavar="N",
                    help="only tagged against untagged printing of N sample workbooks, both engines")
    ap.add_argument("--scale", metavar="N,N,…", help="synthetic cohort sizes to build, e.g. 100,300,1000")
    a = ap.parse_args()
    if a.scale:
        scale([int(x) for x in a.scale.split(",")])
        sys.exit(0)
    if a.tagging:
        tagging(a.tagging)
        sys.exit(0)
    if a.per_workbook:
        per_workbook()
        sys.exit(0)
    if not a.cohort:
        imports, shows, heavy = first_cell()
        print("first cell (import the facade), real kernel:", ms(imports))
        print("first llc.show after it, real kernel:       ", ms(shows), "| heavy modules loaded:", heavy or "none")
        if a.first_cell:
            sys.exit(0)
        print("store.set, small file:  ", ms(store_set(2_000)))
        print("store.set, 1 MB file:   ", ms(store_set(1_000_000, n=20)))
        print("widget change → on disk:", ms(widget_to_disk()))
    per_workbook()
    cohort(a.naive)
