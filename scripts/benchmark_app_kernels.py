"""App mode's kernels and memory after a learner's tour of every session.

Run: .venv/bin/python scripts/benchmark_app_kernels.py [--settle 20] [--only before|after] [--write]

A real `llc app` (Voila) serves a copy of notebooks/ in a temporary HOME and answers folder; one
Chromium tab visits all seven session pages twice, in series order, each by following a link
(the "All sessions" link back to the index, then the next session's link), and waits for every
form to be drawn; the tour ends on the last session's page, still open. After the tour, and again
``--settle`` seconds later, the script counts the app's live kernels (its child processes running
ipykernel) and sums the resident memory (RSS) of the app and all its descendants. Then it opens
each session in a tab of its own and closes all seven without their unload handlers, as a killed
browser or a closed laptop would (no shutdown beacon), and counts again at once and 90 s later.

Two configurations in the same run: "before" is the app as it was (Voila's kernel manager with
MappingKernelManager culling after 10 idle minutes; a page's kernel is shut down only by the
page's own beacon on unload), "after" is the app as it is now (``app.voila_argv``). ``--write``
puts the table into docs/benchmarks.md (replacing this section if it is there).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from labtools import chromium, server_env, wait_for_app_page  # noqa: E402
from test_app_kernels import kernels, rss_mb  # noqa: E402  (one way to count, in the test and here)

from llc_exercises.core.ports import free_port  # noqa: E402
from llc_exercises.participant import app  # noqa: E402

SECTION = "## App mode: kernels and memory after visiting every session twice"
# The app as it was before issue 17: voila_argv's kernel settings then.
BEFORE = """
from llc_exercises.participant import app
_argv = app.voila_argv
def voila_argv(notebooks, port):
    keep = [a for a in _argv(notebooks, port) if not a.startswith(("--VoilaConfiguration.multi_kernel_manager_class",
            "--MappingKernelManager.", "--VoilaKernelManager.", "--AsyncMappingKernelManager."))]
    return keep + ["--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=120"]
app.voila_argv = voila_argv
import sys
sys.exit(app.run(sys.argv[1], int(sys.argv[2]), open_browser=False))
"""
# What the numbers measured on 2026-12-07 say (kept when --write replaces the section).
READING = (
    "Reading: following links frees each page's kernel at once in both (Voila's shutdown beacon, "
    "which needs the _xsrf cookie `SessionHandler` sets); after the tour the app holds one kernel, "
    "the open page's, and about 260 MB in all. What piled up were pages that end without the beacon: "
    "before, each such kernel (~120 MB) stayed for ten minutes, so seven dropped tabs held about "
    "1.1 GB, over the issue's 800 MB; now the culler ends a kernel with no page connected after "
    "60 idle seconds (a connected page's kernel is never culled).\n")
AFTER = """
import sys
from llc_exercises.participant import app
sys.exit(app.run(sys.argv[1], int(sys.argv[2]), open_browser=False))
"""


@contextlib.contextmanager
def serving(code: str, tmp: Path):
    nbdir = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", nbdir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", code, str(nbdir), str(port)],
                            env=server_env(tmp, "bench-tour"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("llc app did not start") from None
                time.sleep(0.3)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def tour(page, url: str, rounds: int = 2) -> int:
    """Every session twice in one tab, each reached through links as a learner moves; pages seen."""
    names = [e.session.heading for e in app.session_notebooks(ROOT / "notebooks")]
    page.goto(url + "/")
    seen = 0
    for r in range(rounds):
        for i, heading in enumerate(names):
            page.get_by_role("link", name=heading, exact=True).click()
            wait_for_app_page(page)
            seen += 1
            if r == rounds - 1 and i == len(names) - 1:
                break  # the tour ends on the last session's page, open
            page.get_by_role("link", name="All sessions").click()
            page.wait_for_selector("h1:has-text('Your sessions')")
    return seen


def measure(code: str, settle: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="llc-bench-kernels-") as d, serving(code, Path(d)) as (url, proc), \
            chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        start = time.monotonic()
        pages = tour(page, url)
        took = time.monotonic() - start
        time.sleep(2)
        now = {"kernels": len(kernels(proc)), "rss": rss_mb(proc)}
        time.sleep(settle)
        later = {"kernels": len(kernels(proc)), "rss": rss_mb(proc)}
        page.close()
        # Pages that cannot say goodbye (a killed browser, a laptop lid): each session in its own
        # tab, every tab closed without its unload handlers.
        tabs = []
        for e in app.session_notebooks(ROOT / "notebooks"):
            tab = browser.new_page(viewport={"width": 1366, "height": 768})
            tab.goto(f"{url}/voila/render/{e.notebook}")
            wait_for_app_page(tab)
            tabs.append(tab)
        for tab in tabs:
            tab.close(run_before_unload=False)
        time.sleep(2)
        dropped = {"kernels": len(kernels(proc)), "rss": rss_mb(proc)}
        time.sleep(90)
        dropped_later = {"kernels": len(kernels(proc)), "rss": rss_mb(proc)}
        return {"pages": pages, "tour_s": took, "now": now, "later": later, "dropped": dropped,
                "dropped_later": dropped_later}


def table(results: dict[str, dict], settle: float) -> str:
    rows = ["| app | tour: pages | tour (s) | kernels at its end | MB at its end "
            f"| kernels {settle:.0f} s later | MB {settle:.0f} s later | 7 tabs dropped: kernels | MB "
            "| kernels 90 s later | MB 90 s later |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        rows.append(f"| {name} | {r['pages']} | {r['tour_s']:.0f} | {r['now']['kernels']} | {r['now']['rss']:.0f} | "
                    f"{r['later']['kernels']} | {r['later']['rss']:.0f} | {r['dropped']['kernels']} | "
                    f"{r['dropped']['rss']:.0f} | {r['dropped_later']['kernels']} | {r['dropped_later']['rss']:.0f} |")
    return "\n".join(rows)


def write_section(text: str) -> None:
    doc_path = ROOT / "docs" / "benchmarks.md"
    doc = doc_path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(SECTION) + r".*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text
    doc_path.write_text(doc, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settle", type=float, default=20, help="seconds to wait after the tour before counting again")
    ap.add_argument("--only", choices=["before", "after"], help="measure one configuration")
    ap.add_argument("--write", action="store_true", help="put the results into docs/benchmarks.md")
    args = ap.parse_args()
    results = {}
    for name, code in (("before", BEFORE), ("after", AFTER)):
        if args.only in (None, name):
            results[name] = measure(code, args.settle)
            print(name, results[name], flush=True)
    out = table(results, args.settle)
    print(out)
    if args.write:
        write_section(f"{SECTION}\n\nMeasured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores) "
                      f"with `scripts/benchmark_app_kernels.py --settle {args.settle:g}`: one Chromium tab follows "
                      "the links through all seven sessions twice (14 pages, ending on the last one, open); then seven "
                      "tabs, one per session, are closed without their unload handlers (as a killed browser "
                      "or a closed laptop: no shutdown beacon). Kernels are the app's ipykernel child "
                      "processes; MB is the resident memory (RSS) of the app plus all its child processes. "
                      "\"before\" culled kernels without a connection after 600 idle seconds, \"after\" "
                      "(now) after 60.\n\n" + out + "\n\n" + READING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
