"""App mode (`llc app`): the sessions as forms without code, served by Voila on 127.0.0.1, offline.

The browser test opens the index and three sessions in Debian's Chromium and records every request:
all of them stay on this machine, none fails, the console shows no error, no code is visible, and
what is typed into a worksheet reaches the answers file.
"""
from __future__ import annotations

import json
import re
import signal
import socket
import urllib.parse

import pytest
from axe import violations
from formdriver import complete, wait_for_answers
from labtools import answers_file, chromium, running_app, wait_for_app_page, wait_for_file_text

from llc_exercises.cli import main
from llc_exercises.core import definitions as defs
from llc_exercises.participant import app

TYPED = "Because every student deserves a librarian <b>who</b> leads & listens ✓"
CODE_TEXT = ("llc.show(", "llc.summary(", "llc.submit(", "llc.carry(", "llc.whoami(", "import notebook as llc")
LOCAL = re.compile(r"^(http://127\.0\.0\.1:\d+/|data:|blob:)")


# ---- the command line ---------------------------------------------------------------------------
def test_app_names_a_missing_notebooks_folder(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["app", "--no-browser", "--notebooks", str(missing)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("llc: ") and str(missing) in err and "--notebooks" in err


def test_app_refuses_a_folder_without_session_notebooks(tmp_path, capsys):
    assert main(["app", "--no-browser", "--notebooks", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "00_orientation.ipynb" in err


def test_a_port_given_and_taken_is_an_error_the_default_moves_on(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        with pytest.raises(app.AppError, match=f"port {taken}.*--port"):
            app.pick_port(taken)
        monkeypatch.setattr(app, "DEFAULT_PORT", taken)
        assert app.pick_port(None) != taken


def test_link_app_opens_orientation_as_an_app_page(capsys):
    repo = "https://git.example.org/district/leading-edge.git"
    assert main(["link", "--app", "--hub", "https://hub.example.org/", "--repo", repo]) == 0
    link = capsys.readouterr().out.strip()
    base, _, query = link.partition("?")
    assert base == "https://hub.example.org/hub/user-redirect/git-pull"
    params = dict(urllib.parse.parse_qsl(query))
    assert params == {"repo": repo, "branch": "main",
                      "urlpath": "voila/render/leading-edge/notebooks/00_orientation.ipynb"}


def test_link_app_takes_open_and_branch_and_checks_the_hub(capsys):
    assert main(["link", "--app", "--hub", "https://hub.example.org", "--repo", "https://git.example.org/x/kit",
                 "--branch", "2026", "--open", "notebooks/03_coaching.ipynb"]) == 0
    params = dict(urllib.parse.parse_qsl(capsys.readouterr().out.strip().partition("?")[2]))
    assert params["urlpath"] == "voila/render/kit/notebooks/03_coaching.ipynb" and params["branch"] == "2026"
    assert main(["link", "--app", "--hub", "hub.example.org", "--repo", "https://git.example.org/x/kit"]) == 2
    assert "https://" in capsys.readouterr().err


# ---- pieces without a server ------------------------------------------------------------------------
def test_every_session_has_its_notebook_in_the_checkout():
    entries = app.session_notebooks(app.notebooks_dir())
    assert [e.notebook for e in entries] == [
        "00_orientation.ipynb", "01_visioning.ipynb", "02_relationships.ipynb", "03_coaching.ipynb",
        "04_influence.ipynb", "05_promotion.ipynb", "06_opportunity.ipynb"]
    assert [e.session.id for e in entries] == [s.id for s in defs.sessions()]


@pytest.fixture
def configured(monkeypatch):
    """The app as `llc app` configures it, not started (its SIGTERM handler put back afterwards)."""
    monkeypatch.setenv("JUPYTER_PATH", "")  # configured_app prepends the kit's template folder to it
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield app.configured_app(port=None, open_browser=False)
    finally:
        signal.signal(signal.SIGTERM, before)


def test_voila_is_configured_local_clean_and_offline(configured):
    assert configured.ip == "127.0.0.1" and configured.root_dir == str(app.CHECKOUT_NOTEBOOKS.resolve())
    vc = configured.voila_configuration
    assert vc.strip_sources and not vc.show_tracebacks and not vc.preheat_kernel
    assert vc.template == app.TEMPLATE and str(app.TEMPLATE_ROOT / "voila" / "templates" / app.TEMPLATE) \
        in configured.template_paths
    config = vc.page_config_hook({"fullMathjaxUrl": "https://cdnjs.example/mathjax.js"})
    assert config["fullMathjaxUrl"] == config["mathjaxConfig"] == "null"


def test_a_kit_error_in_a_cell_shows_its_message_other_errors_a_hint(configured):
    import nbformat
    import voila.notebook_renderer as renderer

    executor = renderer.VoilaExecutor(nbformat.v4.new_notebook(), config=configured.config)
    cell = nbformat.v4.new_code_cell("llc.show('x')")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="NotIdentified", evalue="Open orientation first.",
                               traceback=["\x1b[31mTraceback …", "NotIdentified: Open orientation first."]),
        nbformat.v4.new_output("error", ename="KeyError", evalue="'secret'", traceback=["Traceback …"])]
    executor.strip_code_cell_errors(cell)
    kit, other = cell.outputs
    assert kit["traceback"] == ["Open orientation first."]
    assert "Traceback" not in other["traceback"][0] and app.CELL_ERROR_HINT in other["traceback"][0]
    assert executor.allow_errors  # one failing worksheet does not hide the rest of the page


# ---- the real thing, in a browser ----------------------------------------------------------------------
def wait_until_rendered(page, label: str) -> None:
    wait_for_app_page(page)
    page.get_by_label(label).first.wait_for(timeout=60_000)


def assert_no_code(page) -> None:
    text = page.inner_text("body")
    shown = [c for c in CODE_TEXT if c in text]
    assert not shown, f"code visible on {page.url}: {shown}"
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0


def test_app_serves_clean_offline_forms_that_save(tmp_path):
    saved_to = answers_file(tmp_path, "app-test")
    requests: list[str] = []
    failed: list[tuple[str, str, str]] = []
    errors: list[str] = []
    bad_status: list[tuple[int, str]] = []
    with running_app(tmp_path) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append((r.url, r.failure or "", r.method)))
        page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on("response", lambda r: r.status >= 400 and bad_status.append((r.status, r.url)))

        # the index: a titled, labelled page linking each session by its title
        page.goto(url + "/")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.get_by_role("heading", level=1).inner_text() == "Your sessions"
        assert "save" in page.inner_text("main") and str(saved_to) in page.inner_text("main")
        links = page.locator("ul.sessions a")
        assert links.all_inner_texts() == [s.heading for s in defs.sessions()]
        assert [a.get_attribute("href") for a in links.all()] == [
            f"/voila/render/{app.notebook_name(s)}" for s in defs.sessions()]
        page.screenshot(path="/tmp/app-index.png")

        # orientation, reached by its link
        page.get_by_role("link", name="Orientation").click()
        wait_until_rendered(page, "Your name")
        assert page.title().startswith("Orientation")
        assert_no_code(page)
        page.screenshot(path="/tmp/app-orientation.png")

        # a session: what is typed reaches the answers file
        page.goto(url + "/voila/render/01_visioning.ipynb")
        wait_until_rendered(page, "Why do you do it?")
        assert_no_code(page)
        page.get_by_label("Why do you do it?").click()
        page.keyboard.type(TYPED)
        wait_for_file_text(saved_to, TYPED, timeout=15)
        saved = json.loads(saved_to.read_text(encoding="utf-8"))
        assert saved["answers"]["visioning.core_beliefs.why"]["value"] == TYPED

        # a session with table worksheets
        page.goto(url + "/voila/render/03_coaching.ipynb")
        wait_until_rendered(page, "Skill")
        assert_no_code(page)
        assert page.get_by_role("button", name="Add a row").count() >= 1
        page.get_by_role("button", name="Add a row").first.scroll_into_view_if_needed()
        page.screenshot(path="/tmp/app-coaching.png")

        # back home: the index reads the progress from the answers file
        page.get_by_role("link", name="All sessions").click()
        page.wait_for_selector("ul.sessions", timeout=30_000)
        visioning = page.locator("ul.sessions li").nth(1).inner_text()
        assert re.search(r"\b1 of \d+ questions answered", visioning), visioning

    remote = [u for u in requests if not LOCAL.match(u)]
    assert not remote, f"requests left the machine: {remote}"
    # Leaving a page, Voila's widget manager sends a beacon that shuts its kernel down; Chromium
    # reports a beacon still in flight when the next page loads as aborted, though the server got it.
    # A form's guard asks the server whether it is there (HEAD) when its kernel is slow to answer;
    # leaving the page aborts that question too.
    unexpected = [(u, f) for u, f, m in failed
                  if not (re.search(r"/voila/api/shutdown/[0-9a-f-]+$", u) and f == "net::ERR_ABORTED")
                  and not (m == "HEAD" and f == "net::ERR_ABORTED")]
    assert not unexpected, f"failed requests: {unexpected}"
    assert not bad_status, f"error responses: {bad_status}"
    assert not errors, f"console errors: {errors}"


def test_a_first_visit_by_keyboard_forms_appear_once_about_you_is_saved(tmp_path):
    """A newcomer on their own laptop: nobody is known yet. The index says to start with
    Orientation; there, every form waits with a note until About you is saved (by keyboard), then
    appears without a reload, and the survey saves to the new participant's file."""
    with running_app(tmp_path, participant=None) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + "/")
        assert "does not know who you are yet" in page.inner_text("main")
        assert violations(page) == []
        page.get_by_role("link", name="Orientation").focus()
        page.keyboard.press("Enter")
        page.get_by_label("Participant id").first.wait_for(timeout=120_000)
        page.wait_for_function("() => document.body.innerText.split('appears here as soon as you save').length > 3",
                               timeout=60_000)
        assert page.locator(".llc-ws").count() == 0
        page.get_by_label("Participant id").first.focus()
        for text in ("newbie", "Nova Newbie (fictional)", "Lakeside Elementary (fictional)"):
            page.keyboard.type(text)
            page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # district
        page.keyboard.press("Tab")  # cohort
        assert page.evaluate("document.activeElement.textContent.trim()") == "Save my details"
        page.keyboard.press("Enter")
        form = page.locator(".llc-ws")
        form.first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Download my answers").wait_for(timeout=30_000)
        assert "appears here as soon as you save" not in page.inner_text("body")
        typed = complete(page, form.first, defs.worksheet("orientation.before_survey"), "new")
        saved_to = answers_file(tmp_path, "newbie")
        wait_for_file_text(saved_to, "orientation.before_survey", timeout=15)
        doc = json.loads(saved_to.read_text(encoding="utf-8"))
        assert doc["participant"]["name"] == "Nova Newbie (fictional)"
        assert wait_for_answers(saved_to, typed) == typed
        assert violations(page) == []
        page.screenshot(path="/tmp/app-first-visit.png", full_page=True)
