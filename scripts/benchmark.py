"""Benchmarks behind the numbers in docs/benchmarks.md. Run: .venv/bin/python scripts/benchmark.py

Measures (0) a session notebook's first cells in fresh kernels (targets: import ≤ 0.3 s, first
``llc.show`` ≤ 0.2 s; ``--first-cell`` measures only that), (1) how long a durable
``AnswerStore.set`` takes with a typical and a 1 MB answers file,
(2) the delay from a widget change to the answer being on disk (target: under 1 s), and
(3) the sample cohort's workbook build (30 participants, HTML + PDF). Timed here, on purpose, rather
than in unit tests, which would flake on shared machines.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llc_exercises import AnswerStore  # noqa: E402
from llc_exercises import definitions as defs  # noqa: E402


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
    from llc_exercises.widgets import WorksheetView

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


def cohort_build(jobs: int) -> float:
    from llc_exercises.workbook import build_cohort

    sample = ROOT / "datasets" / "sample_cohort"
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        results = build_cohort(sample / "roster.csv", sample / "answers", Path(d), jobs=jobs, progress=False)
        elapsed = time.perf_counter() - t
        assert all(not r.error for r in results), [r.error for r in results if r.error]
        return elapsed


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


if __name__ == "__main__":
    imports, shows, heavy = first_cell()
    print("first cell (import the facade), real kernel:", ms(imports))
    print("first llc.show after it, real kernel:       ", ms(shows), "| heavy modules loaded:", heavy or "none")
    if "--first-cell" in sys.argv:
        sys.exit(0)
    print("store.set, small file:  ", ms(store_set(2_000)))
    print("store.set, 1 MB file:   ", ms(store_set(1_000_000, n=20)))
    print("widget change → on disk:", ms(widget_to_disk()))
    for jobs in (1, 2):
        print(f"cohort build, 30 workbooks, --jobs {jobs}: {cohort_build(jobs):.1f} s")
