"""The participant's path in a real JupyterLab and browser: type, restart the kernel, re-run, answer back.

Debian's Chromium is driven by Playwright; the answer box is found by its visible label, so the test
also proves the label is tied to the control (what a screen reader announces).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import ROOT

from llc_exercises.hubdemo import free_port
from llc_exercises.pdf import CHROMIUM_FLAGS, find_chromium

TOKEN = "llc-browser-test"
TYPED = "Typed in the browser <b>kept</b> & safe ✓"


@pytest.fixture
def lab(tmp_path):
    home = tmp_path / "home"
    nbdir = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", nbdir)
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "LLC_DATA_DIR": str(tmp_path / "data"), "LLC_PARTICIPANT": "browser-test"}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip", "127.0.0.1",
         "--port", str(port), f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", f"--ServerApp.root_dir={nbdir}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("JupyterLab did not start")
            time.sleep(0.3)
    yield url, tmp_path / "data" / "answers" / "browser-test.json"
    proc.terminate()  # also shuts down the kernels it started
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_all_and_wait(page):
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # the summary cell is last; once its output appears every cell above has run
    page.wait_for_selector("text=questions answered", timeout=90_000)


def test_answer_survives_kernel_restart_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    url, answers_file = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/lab/tree/01_visioning.ipynb?reset&token={TOKEN}")
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                timeout=90_000)
            run_all_and_wait(page)
            box = page.get_by_label("Why do you do it?")
            box.click()
            page.keyboard.type(TYPED)  # real keystrokes: notebook shortcuts must not steal them
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if answers_file.exists() and TYPED in answers_file.read_text(encoding="utf-8"):
                    break
                time.sleep(0.1)
            saved = json.loads(answers_file.read_text(encoding="utf-8"))
            assert saved["answers"]["visioning.core_beliefs.why"]["value"] == TYPED

            page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
            page.wait_for_function(
                "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                timeout=60_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            run_all_and_wait(page)
            assert page.get_by_label("Why do you do it?").input_value() == TYPED
            # the static summary shows the same text, escaped
            assert page.locator(".llc-static").filter(has_text=TYPED).count() >= 1
        finally:
            browser.close()
