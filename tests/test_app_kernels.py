"""Kernels that leave: app mode does not pile up a kernel per page visited.

A real `llc app` and Chromium. Each app page runs in a kernel of its own (~120–170 MB). Leaving a
page by a link shuts its kernel down (Voila's beacon); a page that cannot say goodbye (a killed
browser, a tab closed without unload) leaves a kernel with no connection, which the server culls
after a quiet minute, while a page that is still open keeps its kernel however long it is idle.
Kernels are counted as the app's ipykernel child processes (psutil).
"""
from __future__ import annotations

import contextlib
import time
import urllib.parse

import psutil
import pytest
from labtools import answers_file, chromium, running_app, wait_for_app_page, wait_for_file_text

from llc_exercises.participant import app

MEMORY_LIMIT_MB = 800  # the limit for the app and its kernels after the tour
SESSIONS = [e.session.heading for e in app.session_notebooks(app.CHECKOUT_NOTEBOOKS)]


def app_process(url: str) -> psutil.Process:
    port = str(urllib.parse.urlsplit(url).port)
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if "app" in cmd and "--port" in cmd and port in cmd:
            return p
    raise AssertionError(f"no `llc app` process for port {port}")


def kernels(proc: psutil.Process) -> list[psutil.Process]:
    found = []
    for p in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            if p.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(p.cmdline()):
                found.append(p)
    return found


def rss_mb(proc: psutil.Process) -> float:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total / 2**20


def wait_for_kernels(proc: psutil.Process, at_most: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (n := len(kernels(proc))) > at_most and time.monotonic() < deadline:
        time.sleep(1)
    return n


def test_a_tour_of_every_session_twice_leaves_one_kernel(tmp_path, record_property):
    with running_app(tmp_path, "kernel-tour") as url, chromium() as browser:
        proc = app_process(url)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + "/")
        most = 0
        for round_ in range(2):
            for i, heading in enumerate(SESSIONS):
                page.get_by_role("link", name=heading, exact=True).click()
                wait_for_app_page(page)
                most = max(most, len(kernels(proc)))
                if round_ == 1 and i == len(SESSIONS) - 1:
                    break  # the tour ends on a session page, whose kernel must stay
                page.get_by_role("link", name="All sessions").click()
                page.wait_for_selector("h1:has-text('Your sessions')")
        live = len(kernels(proc))
        memory = rss_mb(proc)
        record_property("kernels_after_tour", live)
        record_property("rss_mb_after_tour", round(memory))
        print(f"after 14 pages: {live} live kernel(s) (at most {most} at once), app + kernels {memory:.0f} MB")
        # the open page's kernel, and at most one still shutting down
        assert 1 <= live <= 2, f"{live} kernels alive after the tour (at most {most} at once)"
        assert most <= 3, f"{most} kernels were alive at once during the tour"
        assert memory < MEMORY_LIMIT_MB, f"the app and its kernels take {memory:.0f} MB after the tour"
        # the last page still works: its kernel saves what is typed
        box = page.get_by_role("textbox").first
        box.fill("Still saving after the tour")
        path = answers_file(tmp_path, "kernel-tour")
        wait_for_file_text(path, "Still saving after the tour")
        assert "Still saving after the tour" in path.read_text(encoding="utf-8")


def test_a_page_gone_without_goodbye_is_culled_an_open_one_is_not(tmp_path):
    with running_app(tmp_path, "kernel-cull") as url, chromium() as browser:
        proc = app_process(url)
        reading = browser.new_page()
        reading.goto(url + "/voila/render/01_visioning.ipynb")
        wait_for_app_page(reading)
        crashed = browser.new_page()
        crashed.goto(url + "/voila/render/02_relationships.ipynb")
        wait_for_app_page(crashed)
        assert len(kernels(proc)) == 2
        crashed.close(run_before_unload=False)  # as a killed browser: no beacon, the socket just drops
        # culled after 60 idle seconds, checked every 15 s (app.voila_argv)
        assert wait_for_kernels(proc, 1, timeout=120) == 1, "the kernel of the page that went was not culled"
        # the page being read (idle for the same time, but connected) kept its kernel and saves
        time.sleep(20)  # another culling round or more
        assert len(kernels(proc)) == 1
        reading.get_by_role("textbox").first.fill("Read for a long time, then typed")
        path = answers_file(tmp_path, "kernel-cull")
        wait_for_file_text(path, "Read for a long time, then typed")
        assert "Read for a long time, then typed" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("leave", ["link", "close"])
def test_a_page_left_at_once_still_saves_what_was_typed(tmp_path, leave):
    """Typed, then the page left before the autosave delay: the kernel's shutdown writes it."""
    with running_app(tmp_path, "kernel-leave") as url, chromium() as browser:
        proc = app_process(url)
        page = browser.new_page()
        page.goto(url + "/voila/render/01_visioning.ipynb")
        wait_for_app_page(page)
        page.get_by_role("textbox").first.fill("Typed just before leaving")
        page.wait_for_timeout(100)  # the keystrokes reach the kernel; its save waits 0.4 s more
        if leave == "link":
            page.get_by_role("link", name="All sessions").click()
        else:  # headless Chromium sends no beacon from a closing tab: the culler ends the kernel
            page.close(run_before_unload=True)
        assert wait_for_kernels(proc, 0, timeout=120) == 0
        path = answers_file(tmp_path, "kernel-leave")
        assert path.exists() and "Typed just before leaving" in path.read_text(encoding="utf-8")


def test_a_kernel_the_server_shuts_down_writes_its_pending_saves(tmp_path):
    """The way Voila's shutdown and the culler end a kernel (MappingKernelManager.shutdown_kernel,
    a shutdown request, not a kill) runs widgets.py's exit hook: a change still waiting for its
    autosave (here for 60 s) is written."""
    import asyncio
    import json

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    path = tmp_path / "answers.json"
    code = (f"import sys; sys.path.insert(0, {str(app.CHECKOUT_NOTEBOOKS.parent)!r})\n"
            "from llc_exercises.core import definitions as defs\n"
            "from llc_exercises.participant import widgets\n"
            "from llc_exercises.core.store import AnswerStore\n"
            f"store = AnswerStore({str(path)!r}, participant={{'id': 'p1'}})\n"
            "view = widgets.WorksheetView(defs.worksheet('visioning.core_beliefs'), store, delay=60)\n"
            "box = next(c for c in view.controls.values() if c.field.type == 'long_text')\n"
            "box.input.value = 'Pending when the kernel went'\n"
            "assert view._pending\n")

    async def run() -> None:
        km = AsyncMappingKernelManager()
        kid = await km.start_kernel(kernel_name="python3")
        client = km.get_kernel(kid).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive(code, timeout=60)
            assert reply["content"]["status"] == "ok", reply["content"]
            assert not path.exists() or "Pending" not in path.read_text(encoding="utf-8")
        finally:
            client.stop_channels()
            await km.shutdown_kernel(kid)  # what VoilaShutdownKernelHandler and the culler call

    asyncio.run(run())
    key = next(f.key for f in app.defs.worksheet("visioning.core_beliefs").fields if f.type == "long_text")
    assert json.loads(path.read_text(encoding="utf-8"))["answers"][key]["value"] == "Pending when the kernel went"
