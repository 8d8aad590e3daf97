#!/usr/bin/env python
"""Benchmarks for issue 17's two timed promises, written to docs/benchmarks.md by hand:

1. the page says it cannot save within 2 s of a keystroke after the app dies: time from the key
   press to the banner, measured inside Chromium (performance.now(), no test-harness latency);
2. the workbook PDF from the app "in seconds": ``GET /workbook.pdf`` on a running app, beside what a
   learner would otherwise run, ``llc build --answers FILE --out DIR`` in a terminal, same answers.

Usage: .venv/bin/python scripts/benchmark_never_lose.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from labtools import answers_file, chromium, open_in_app  # noqa: E402
from test_never_lose_a_word import PID, app_on, why_box  # noqa: E402

from llc_exercises.core.ports import free_port  # noqa: E402

SAMPLE = ROOT / "datasets" / "sample_cohort" / "answers"
LLC = str(Path(sys.executable).with_name("llc"))

# The clock starts at the key press (keydown, before the page handles it) and stops when the banner
# is in the page.
WATCH = """() => {
  window.__llcWarnedAfter = null;
  let start = null;
  document.addEventListener("keydown", () => { start = performance.now(); }, { capture: true, once: true });
  new MutationObserver((_r, obs) => {
    if (start !== null && document.getElementById("llc-offline-banner")) {
      window.__llcWarnedAfter = performance.now() - start;
      obs.disconnect();
    }
  }).observe(document.body, { childList: true, subtree: true });
}"""


def warning_latency(runs: int) -> list[float]:
    out = []
    with chromium() as browser:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                port = free_port()
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                with app_on(Path(tmp), port) as app:
                    open_in_app(page, f"http://127.0.0.1:{port}", "01_visioning.ipynb")
                    why_box(page).fill("Saved.")
                    page.locator(".llc-live").filter(has_text="All changes saved").first.wait_for(timeout=15_000)
                    os.killpg(app.pid, signal.SIGKILL)
                    app.wait(10)
                    time.sleep(2)  # a pause in typing: no check already under way (the slow case)
                    why_box(page).focus()
                    page.evaluate(WATCH)
                    if page.locator("#llc-offline-banner").count():
                        raise SystemExit("the banner was up before the key press: nothing to time")
                    page.keyboard.press("x")
                    page.wait_for_function("() => window.__llcWarnedAfter !== null", timeout=30_000)
                    out.append(page.evaluate("() => window.__llcWarnedAfter") / 1000)
                page.close()
    return out


def workbook_times(runs: int) -> tuple[list[float], list[float]]:
    source = next(SAMPLE.glob("*.json"))
    app_s, cli_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = answers_file(Path(tmp), PID)
        path.parent.mkdir(parents=True, mode=0o700)
        text = source.read_text(encoding="utf-8")
        participant = source.stem
        path.write_text(text.replace(f'"id": "{participant}"', f'"id": "{PID}"'), encoding="utf-8")
        port = free_port()
        with app_on(Path(tmp), port):
            for _ in range(runs):
                t0 = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/workbook.pdf", timeout=300) as r:
                    assert r.read(5) == b"%PDF-"
                app_s.append(time.perf_counter() - t0)
        for i in range(runs):
            t0 = time.perf_counter()
            subprocess.run([LLC, "build", "--answers", str(path), "--out", f"{tmp}/cli{i}"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cli_s.append(time.perf_counter() - t0)
    return app_s, cli_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    latency = warning_latency(runs)
    print(f"keystroke → 'not saved' banner after the app died: median {statistics.median(latency):.2f} s, "
          f"max {max(latency):.2f} s ({runs} runs: {', '.join(f'{x:.2f}' for x in latency)})")
    app_s, cli_s = workbook_times(runs)
    print(f"workbook PDF from the running app (GET /workbook.pdf): median {statistics.median(app_s):.1f} s "
          f"({', '.join(f'{x:.1f}' for x in app_s)})")
    print(f"the terminal alternative, llc build --answers (whole process): median {statistics.median(cli_s):.1f} s "
          f"({', '.join(f'{x:.1f}' for x in cli_s)})")


if __name__ == "__main__":
    main()
