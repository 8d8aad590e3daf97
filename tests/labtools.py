"""Real servers and a real browser for tests: JupyterLab, the kit's app (`llc app`, Voila), Chromium.

Each server runs in its own temporary HOME, Jupyter config and answers folder, on a free port, and
is stopped (with its kernels) when the ``with`` block ends. Every wait has a timeout, so a server
that never comes up fails its test instead of stalling the suite.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

from llc_exercises.core.ports import free_port
from llc_exercises.documents.pdf import CHROMIUM_FLAGS, find_chromium

TOKEN = "llc-browser-test"
LLC = str(Path(sys.executable).with_name("llc"))


def server_env(tmp_path: Path, participant: str | None) -> dict[str, str]:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "LLC_DATA_DIR": str(tmp_path / "data")}
    env.pop("LLC_PARTICIPANT", None)
    if participant:
        env["LLC_PARTICIPANT"] = participant
    return env


def wait_for_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"{what} did not start (exit code {proc.poll()})")
            time.sleep(0.3)


@contextlib.contextmanager
def _serving(cmd: list[str], env: dict, ready_url: str, what: str):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(ready_url, proc, what)
        yield
    finally:
        proc.terminate()  # also shuts down the kernels it started
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def copy_notebooks(tmp_path: Path) -> Path:
    nbdir = tmp_path / "notebooks"
    if not nbdir.exists():
        shutil.copytree(ROOT / "notebooks", nbdir)
    return nbdir


@contextlib.contextmanager
def running_lab(tmp_path: Path, participant: str | None = "browser-test"):
    """JupyterLab on a copy of notebooks/; yields its base URL (append ``?token=TOKEN``)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip", "127.0.0.1",
           "--port", str(port), f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=", f"--ServerApp.root_dir={copy_notebooks(tmp_path)}"]
    with _serving(cmd, server_env(tmp_path, participant), f"{url}/api/status?token={TOKEN}", "JupyterLab"):
        yield url


@contextlib.contextmanager
def running_app(tmp_path: Path, participant: str | None = "app-test"):
    """`llc app` (Voila) on a copy of notebooks/, as a participant starts it; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [LLC, "app", "--no-browser", "--port", str(port), "--notebooks", str(copy_notebooks(tmp_path))]
    with _serving(cmd, server_env(tmp_path, participant), url + "/", "llc app"):
        yield url


def answers_file(tmp_path: Path, participant: str) -> Path:
    return tmp_path / "data" / "answers" / f"{participant}.json"


@contextlib.contextmanager
def chromium():
    """Debian's Chromium under Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


LAB_KERNEL_READY = (
    "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
    " && window.jupyterapp.shell.currentWidget.sessionContext"
    " && window.jupyterapp.shell.currentWidget.sessionContext.session"
    " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")


def open_in_lab(page, url: str, notebook: str) -> None:
    """Open a notebook in JupyterLab, Run All, and wait until its last cell (the summary) has output."""
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={TOKEN}")
    page.wait_for_function(LAB_KERNEL_READY, timeout=90_000)
    run_all_and_wait(page)


def run_all_and_wait(page) -> None:
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # the summary cell comes after every worksheet; once its output appears they have all run
    page.wait_for_selector("text=questions answered", timeout=90_000)


def wait_for_file_text(path: Path, text: str, timeout: float = 8) -> None:
    """Autosave is asynchronous: wait until ``text`` is on disk (the caller then asserts exactly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return
        time.sleep(0.1)
    held = path.read_text(encoding="utf-8") if path.exists() else "(no file)"
    raise AssertionError(f"{text!r} was not in {path} within {timeout} s; it holds:\n{held}")


def open_in_app(page, url: str, notebook: str) -> None:
    """Open a session in `llc app` (Voila runs it before it sends the page) and wait for its forms."""
    page.goto(f"{url}/voila/render/{notebook}")
    wait_for_app_page(page)


def wait_for_app_page(page) -> None:
    """Voila runs every cell before it shows the page; then the widgets draw themselves."""
    page.wait_for_selector("text=questions answered", timeout=120_000)  # the summary, after every form
    page.wait_for_function("() => !document.body.innerText.includes('Loading widget')", timeout=60_000)
    wait_for_forms(page)


def wait_for_forms(page) -> None:
    """Until the kit's accessibility helper has marked up every form on the page (llc_exercises.participant.a11y)."""
    page.wait_for_function(
        "() => { const f = [...document.querySelectorAll('.llc-ws, .llc-form')];"
        " return f.length && f.every(e => e.hasAttribute('data-lm-suppress-shortcuts')); }", timeout=60_000)
