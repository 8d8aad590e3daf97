"""Never lose a word, in real browsers: two tabs of one session, the app killed under an open page,
an upload while a form is open, and a bad cell beside good rows — in `llc app` (Voila) and in
JupyterLab, driven in Chromium; every check reads the answers file on disk."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time

import pytest
from labtools import (
    LLC,
    answers_file,
    chromium,
    copy_notebooks,
    open_in_app,
    open_in_lab,
    run_all_and_wait,
    running_lab,
    server_env,
    wait_for_file_text,
    wait_for_http,
)

from llc_exercises.core.ports import free_port
from llc_exercises.core.store import AnswerStore
from llc_exercises.participant.assets import STATIC
from llc_exercises.participant.guard import fingerprint

PID = "never-lose"
WHY_LABEL = "Why do you do it? What difference do you want the library to make?"
WHY = "visioning.core_beliefs.why"
BELIEFS = "visioning.core_beliefs.beliefs"
ROWS = "visioning.strategic_plan.rows"
VISIONING = "01_visioning.ipynb"


def answers(tmp_path) -> dict:
    path = answers_file(tmp_path, PID)
    return {k: v["value"] for k, v in json.loads(path.read_text(encoding="utf-8"))["answers"].items()}


def wait_until(predicate, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextlib.contextmanager
def app_on(tmp_path, port: int):
    """`llc app` in a process group of its own (so the test can kill it and its kernels at once)."""
    env = server_env(tmp_path, PID)
    cmd = [LLC, "app", "--no-browser", "--port", str(port), "--notebooks", str(copy_notebooks(tmp_path))]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc, "llc app")
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def why_box(page):
    return page.get_by_label(WHY_LABEL)


def core_beliefs(page):
    return page.locator(".llc-ws").filter(has_text="Core-beliefs inventory")


def test_two_tabs_of_one_session_in_the_app_lose_no_words(tmp_path):
    port = free_port()
    with app_on(tmp_path, port), chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        older, newer = context.new_page(), context.new_page()
        for page in (older, newer):
            open_in_app(page, f"http://127.0.0.1:{port}", VISIONING)

        why_box(newer).fill("Tab B's words, saved first")
        wait_for_file_text(answers_file(tmp_path, PID), "Tab B's words")
        why_box(older).fill("Tab A's old view plus a word")  # this tab still showed the empty box
        form = core_beliefs(older)
        form.get_by_text("Changed in another window at").wait_for(timeout=15_000)
        assert answers(tmp_path)[WHY] == "Tab B's words, saved first"
        assert why_box(older).input_value() == "Tab B's words, saved first"  # the newer answer shown
        assert "Tab A's old view plus a word" in form.locator(".llc-kept").inner_text()  # kept to copy

        # the same with a table row
        core_beliefs(newer).get_by_label("I believe…").first.fill("Every student finds a book (tab B)")
        wait_until(lambda: (answers(tmp_path).get(BELIEFS) or [{}])[0].get("belief") == "Every student finds a "
                   "book (tab B)", "tab B's row on disk")
        form.get_by_label("I believe…").first.fill("Typed in tab A")
        wait_until(lambda: form.get_by_label("I believe…").first.input_value() == "Every student finds a book (tab B)",
                   "tab A to show tab B's row")
        # the kept box is redrawn just after the row (a separate widget update): wait for it, not race it
        wait_until(lambda: "Typed in tab A" in form.locator(".llc-kept").inner_text(), "tab A's row kept to copy")
        assert answers(tmp_path)[BELIEFS][0]["belief"] == "Every student finds a book (tab B)"


def save_then_stop_the_app(page, port, app, path, saved: str, typed: str):
    """Open Visioning, save ``saved``, kill the app and its kernels (no chance to clean up), type
    ``typed``; returns the banner, which must be up within 2 s of the keystrokes (with some slack)."""
    open_in_app(page, f"http://127.0.0.1:{port}", VISIONING)
    why_box(page).fill(saved)
    wait_for_file_text(path, saved)
    # as a participant sees it: the save line says saved (the page has heard of the save)
    core_beliefs(page).locator(".llc-live").filter(has_text="All changes saved").wait_for(timeout=15_000)
    os.killpg(app.pid, signal.SIGKILL)
    app.wait(10)
    why_box(page).press_sequentially(typed, delay=20)
    banner = page.locator("#llc-offline-banner")
    banner.wait_for(timeout=2_500)
    return banner


def test_the_app_killed_under_an_open_page_loses_nothing_typed(tmp_path):
    port = free_port()
    path = answers_file(tmp_path, PID)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        with app_on(tmp_path, port) as app:
            banner = save_then_stop_the_app(page, port, app, path, "Saved before the app stopped.", " Typed after")
            assert "the app has stopped" in banner.inner_text() and "llc app" in banner.inner_text()
            line = core_beliefs(page).locator(".llc-live").first
            assert "Not saved: the app has stopped" in line.inner_text()
            why_box(page).press_sequentially(" it stopped.", delay=20)
            assert "Typed after" not in path.read_text(encoding="utf-8")
        # the participant starts the app again: the page reloads itself and saves what was kept
        with app_on(tmp_path, port):
            wait_for_file_text(path, "Saved before the app stopped. Typed after it stopped.", timeout=90)
            assert answers(tmp_path)[WHY] == "Saved before the app stopped. Typed after it stopped."
            page.wait_for_function(f"() => !localStorage.getItem('llc:pending:{PID}')", timeout=30_000)


def test_typing_kept_over_an_answer_changed_meanwhile_is_offered_for_confirmation(tmp_path):
    port = free_port()
    path = answers_file(tmp_path, PID)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        with app_on(tmp_path, port) as app:
            save_then_stop_the_app(page, port, app, path, "First version.", " Typed while stopped.")
        # meanwhile the answer changes elsewhere (JupyterLab, another computer through an upload)
        AnswerStore(path).set(WHY, "Changed on the laptop while the app was stopped.")
        with app_on(tmp_path, port):
            form = page.locator(".llc-ws").filter(has_text="Core-beliefs inventory")
            offer = form.locator(".llc-kept")
            offer.wait_for(timeout=90_000)
            assert "First version. Typed while stopped." in offer.inner_text()
            assert answers(tmp_path)[WHY] == "Changed on the laptop while the app was stopped."
            form.get_by_role("button", name="Use what I typed").click()
            wait_for_file_text(path, "First version. Typed while stopped.")
            assert answers(tmp_path)[WHY] == "First version. Typed while stopped."


def test_two_tabs_of_one_notebook_in_jupyterlab_lose_no_words(tmp_path):
    path = answers_file(tmp_path, PID)
    with running_lab(tmp_path, PID) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        older, newer = context.new_page(), context.new_page()
        open_in_lab(older, url, VISIONING)
        open_in_lab(newer, url, VISIONING)  # the same kernel: Run All again makes a second set of forms
        why_box(newer).fill("Saved from the newer tab.")
        wait_for_file_text(path, "Saved from the newer tab.")
        why_box(older).fill("Typed in the older tab.")
        form = core_beliefs(older)
        form.get_by_text("Changed in another window at").wait_for(timeout=15_000)
        assert why_box(older).input_value() == "Saved from the newer tab."
        assert "Typed in the older tab." in form.locator(".llc-kept").inner_text()
        assert answers(tmp_path)[WHY] == "Saved from the newer tab."


def test_an_upload_while_a_form_is_open_shows_the_merged_rows_and_typing_keeps_them(tmp_path):
    port = free_port()
    later = "2099-01-01T00:00:00.000+00:00"
    upload = tmp_path / f"{PID}.json"
    upload.write_text(json.dumps({"schema_version": 2, "participant": {"id": PID}, "answers": {
        BELIEFS: {"value": [{"belief": "Merged row one"}, {"belief": "Merged row two"}], "updated": later}}}),
        encoding="utf-8")
    with app_on(tmp_path, port), chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("filechooser", lambda _chooser: None)
        open_in_app(page, f"http://127.0.0.1:{port}", VISIONING)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Upload answers").click()
        chooser.value.set_files(str(upload))
        beliefs = core_beliefs(page).get_by_label("I believe…")
        wait_until(lambda: beliefs.count() == 2 and beliefs.nth(1).input_value() == "Merged row two",
                   "the open form to show the merged rows")
        core_beliefs(page).get_by_role("button", name="Add a row").click()
        wait_until(lambda: beliefs.count() == 3, "a third row")
        beliefs.nth(2).fill("Typed after the upload")
        wait_until(lambda: [r.get("belief") for r in answers(tmp_path).get(BELIEFS, [])]
                   == ["Merged row one", "Merged row two", "Typed after the upload"], "all three rows on disk")
        page.reload()
        page.get_by_role("button", name="Undo the last upload").wait_for(timeout=120_000)


def test_a_bad_cost_beside_valid_rows_saves_the_valid_rows(tmp_path):
    port = free_port()
    store = AnswerStore(answers_file(tmp_path, PID), participant={"id": PID})
    store.set(ROWS, [{"goal": "Read more", "action": "Book club", "cost": 50, "start": "2026-09-01",
                      "due": "2026-12-01"},
                     {"goal": "Partner up", "action": "Co-teach", "cost": 0, "start": "2026-10-01",
                      "due": "2027-01-15"}])
    with app_on(tmp_path, port), chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        open_in_app(page, f"http://127.0.0.1:{port}", VISIONING)
        plan = page.locator(".llc-ws").filter(has_text="Plan rows")
        plan.get_by_label("Cost ($)").nth(1).fill("lots")
        plan.get_by_label("Action").first.fill("Book club, twice a month")
        plan.get_by_text("row 2, Cost ($)").first.wait_for(timeout=15_000)
        wait_until(lambda: answers(tmp_path)[ROWS][0]["action"] == "Book club, twice a month", "row 1 saved")
        rows = answers(tmp_path)[ROWS]
        assert [r["goal"] for r in rows] == ["Read more", "Partner up"] and rows[1]["cost"] == 0
        assert plan.locator(".llc-chart img").count() == 1  # the timeline still draws the valid rows


def test_jupyterlab_a_restarted_kernel_warns_and_run_all_saves_what_was_typed(tmp_path):
    path = answers_file(tmp_path, PID)
    with running_lab(tmp_path, PID) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        open_in_lab(page, url, VISIONING)
        why_box(page).fill("Saved in JupyterLab.")
        wait_for_file_text(path, "Saved in JupyterLab.")
        # Kernel → Restart Kernel, as a participant would (the API the menu item calls, without its dialog)
        page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
        why_box(page).press_sequentially(" Typed with no kernel.", delay=20)  # into the old, dead form
        page.locator("#llc-offline-banner").wait_for(timeout=15_000)
        assert "kernel is not answering" in page.locator("#llc-offline-banner").inner_text()
        assert "Typed with no kernel" not in path.read_text(encoding="utf-8")
        # the browser keeps what the box held, for when the page missed the last save's version
        # (the box's texts since the last save it heard of, to recognise the one on disk)
        kept = page.evaluate(f"JSON.parse(localStorage.getItem('llc:pending:{PID}'))")
        assert kept[WHY]["v"] == "Saved in JupyterLab. Typed with no kernel."
        assert fingerprint("Saved in JupyterLab.") in kept[WHY]["trail"]
        run_all_and_wait(page)
        try:
            wait_for_file_text(path, "Saved in JupyterLab. Typed with no kernel.", timeout=60)
        except AssertionError as exc:
            notices = page.locator(".llc-notice").all_inner_texts()
            raise AssertionError(f"{exc}\nThe page's notices: {notices}") from None
        assert json.loads(path.read_text(encoding="utf-8"))["answers"][WHY]["value"] == \
            "Saved in JupyterLab. Typed with no kernel."


def test_the_browser_and_the_kernel_fingerprint_a_text_alike():
    texts = ["", "Saved in JupyterLab.", "Ünïcödé — “quotes”\n\ttabs", "emoji 👩🏽‍🏫📚", "x" * 5000]
    source = (STATIC / "guard.js").read_text(encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><title>fingerprints</title>")
        prints = page.evaluate("""async ([source, texts]) => {
            const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
            const guard = await import(url);
            return texts.map(guard.fingerprint);
        }""", [source, texts])
    assert prints == [fingerprint(t) for t in texts]
    assert len(set(prints)) == len(texts)
