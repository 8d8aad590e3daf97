"""The workbook and the letter without a terminal, and the way through the sessions (issue 17, items 4-5).

The browser tests run one real `llc app` (Voila) for the whole module, in Debian's Chromium: what is
typed into Visioning reaches the workbook PDF downloaded from the end of that page (read back with
pdftotext) while the page keeps saving; the index offers where to continue, marks progress and
downloads the workbook; Opportunity downloads the letter; a session page prints whole; the
next-session link leads on. The widget and the pages' HTML are also checked without a server.
"""
from __future__ import annotations

import re
import subprocess
import threading

import ipywidgets as w
import pytest
from axe import violations
from labtools import answers_file, chromium, open_in_app, running_app, wait_for_file_text
from playwright.sync_api import expect

from llc_exercises import notebook
from llc_exercises.core import definitions as defs
from llc_exercises.core.store import AnswerStore, NothingSaved
from llc_exercises.errors import LeadingEdgeError
from llc_exercises.participant import app, downloads, my_files

PID = "dl-test"
NAME = "Dana Downloader (fictional)"
SEEDED = "Seeded sentence: the quiet reading nook became the school's busiest room."
TYPED = "Typed sentence: every Tuesday the fourth graders teach their parents to search the catalogue."
WHILE_BUILDING = "Typed while the workbook was building: the kernel kept saving."
ORIENTATION = "orientation.before_survey"


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def flat(text: str) -> str:
    return " ".join(text.split())


def seed(path) -> None:
    """Orientation complete, one Visioning answer, and a name for the letter."""
    store = AnswerStore(path, participant={"id": PID})
    answers = {f.key: 3 for f in defs.worksheet(ORIENTATION).fields if f.type == "scale"}
    answers[f"{ORIENTATION}.hopes"] = "To lead with evidence."
    answers["visioning.core_beliefs.why"] = SEEDED
    store.update(answers, participant={"id": PID, "name": NAME, "school": "Lakeside Elementary (fictional)"})


# ---- without a server -----------------------------------------------------------------------------
def test_placeholders_link_to_orientation_in_full_once_then_short(monkeypatch, tmp_path):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LLC_PARTICIPANT", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    monkeypatch.setattr(notebook, "_WAITING", [])  # a page of its own: nothing waiting before
    notebook.show("visioning.core_beliefs")
    notebook.show("visioning.mission_vision")
    notebook.workbook()
    notes = [box.children[0].value for box in shown]
    assert all('<a href="00_orientation.ipynb">' in n for n in notes)
    first, *later = notes
    assert "About you</a> in Orientation" in first and "reload the page" in first
    words = [re.sub(r"<[^>]+>", "", n) for n in notes]
    assert later and all(len(t) < len(words[0]) / 2 and "reload" not in t for t in words[1:])
    assert all("appears here as soon as you save" in n for n in notes)


def press(button: downloads.DownloadButton):
    thread = button.handle_message(button, {"request": "download"}, [])
    assert thread is not None
    return thread


def test_the_download_button_builds_on_a_thread_and_sends_the_file(monkeypatch):
    started, release = threading.Event(), threading.Event()

    def producer():
        started.set()
        release.wait(10)
        return "my-file.pdf", b"%PDF-1.4 bytes", "application/pdf"

    status = w.HTML()
    button = downloads.DownloadButton(producer, status, working="Building… about 3 seconds.",
                                      description="Download my file (PDF)")
    sent = []
    monkeypatch.setattr(button, "send", lambda content, buffers=None: sent.append((content, buffers)))
    thread = press(button)
    assert started.wait(10)
    # while it builds: the button is disabled, the line says so, a second press starts nothing
    assert button.busy and "Building… about 3 seconds." in status.value
    assert button.handle_message(button, {"request": "download"}, []) is None
    release.set()
    thread.join(10)
    assert not button.busy
    assert sent == [({"reply": "download", "filename": "my-file.pdf", "mime": "application/pdf"},
                     [b"%PDF-1.4 bytes"])]
    assert "Downloaded my-file.pdf." in status.value
    assert button.handle_message(button, {"request": "other"}, []) is None


def test_the_download_button_says_what_went_wrong_and_can_be_pressed_again(monkeypatch):
    class Refused(LeadingEdgeError):
        pass

    problems = [Refused("Save About you first <b>now</b>."), KeyError("boom")]

    def producer():
        raise problems.pop(0)

    status = w.HTML()
    button = downloads.DownloadButton(producer, status)
    sent = []
    monkeypatch.setattr(button, "send", lambda content, buffers=None: sent.append(content))
    press(button).join(10)
    assert 'role="alert"' in status.value and "Save About you first &lt;b&gt;now&lt;/b&gt;." in status.value
    press(button).join(10)
    assert "something unexpected went wrong" in status.value and "facilitator" in status.value
    assert not sent and not button.busy


def test_a_participant_with_nothing_saved_is_told_to_fill_a_worksheet(monkeypatch, tmp_path):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLC_PARTICIPANT", "nobody-yet")
    with pytest.raises(NothingSaved, match="Fill in a worksheet first"):
        my_files.workbook_file()
    with pytest.raises(NothingSaved):
        my_files.letter_file()


def test_the_index_before_about_you_says_what_to_do_instead_of_a_download(monkeypatch, tmp_path):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LLC_PARTICIPANT", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    page = app.index_html(app.session_notebooks(app.notebooks_dir()))
    assert "workbook.pdf" not in page and "Continue where you left off" not in page
    assert 'saved <a href="/voila/render/00_orientation.ipynb">About you</a> in Orientation' in page


def test_the_index_marks_complete_sessions_and_where_to_continue(monkeypatch, tmp_path):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLC_PARTICIPANT", PID)
    seed(tmp_path / "answers" / f"{PID}.json")
    page = app.index_html(app.session_notebooks(app.notebooks_dir()))
    assert ('<p class="continue"><a href="/voila/render/01_visioning.ipynb">Continue where you left off</a>: '
            "Session 1: On the Leading Edge of Visioning</p>") in page
    assert page.count("<progress ") == len(defs.sessions())
    assert '<progress value="6" max="6"' in page and '<span class="complete">complete</span> (6 of 6' in page
    assert 'href="/workbook.pdf"' in page and "Download my workbook (PDF)" in page


# ---- the real thing, in a browser ------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module (Playwright's sync API allows one at a time per thread)."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def served(tmp_path_factory, browser):
    """One `llc app` for the module, the participant's file seeded first."""
    tmp = tmp_path_factory.mktemp("app-downloads")
    seed(answers_file(tmp, PID))
    with running_app(tmp, participant=PID) as url:
        yield url, browser, answers_file(tmp, PID)


def new_page(browser):
    return browser.new_page(accept_downloads=True, viewport={"width": 1366, "height": 768})


def test_a_session_page_downloads_the_workbook_with_what_was_typed_prints_whole_and_leads_on(served):
    url, browser, saved_to = served
    page = new_page(browser)
    open_in_app(page, url, "01_visioning.ipynb")
    page.get_by_label("In two or three sentences").click()
    page.keyboard.type(TYPED)
    wait_for_file_text(saved_to, TYPED, timeout=15)
    assert TYPED in saved_to.read_text(encoding="utf-8")

    button = page.get_by_role("button", name="Download my workbook (PDF)")
    button.scroll_into_view_if_needed()
    status = page.locator(".llc-download-form .llc-live")
    with page.expect_download(timeout=120_000) as caught:
        button.click()
        expect(button).to_be_disabled(timeout=5_000)
        expect(status).to_contain_text("Building your workbook… this takes about", timeout=5_000)
        # the kernel keeps answering while it builds: a box typed into now still saves
        page.get_by_label("Vision — what will be true").click()
        page.keyboard.type(WHILE_BUILDING)
        wait_for_file_text(saved_to, WHILE_BUILDING, timeout=8)
        assert WHILE_BUILDING in saved_to.read_text(encoding="utf-8")
    download = caught.value
    assert download.suggested_filename == "my-workbook.pdf"
    path = download.path()
    text, pages = flat(pdf_text(path)), pdf_pages(path)
    assert TYPED in text and SEEDED in text and pages >= 10
    expect(status).to_have_text(f"Downloaded my-workbook.pdf, {pages} pages. Look for it in your browser's "
                                "downloads.", timeout=10_000)
    expect(button).to_be_enabled()

    # printed from the browser: every worksheet, nothing wider than the sheet, no navigation link
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 720, "height": 900})  # a Letter sheet's printable width
    too_wide = page.evaluate("""() => [...document.querySelectorAll('#rendered_cells *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.className).slice(0, 5)""")
    assert too_wide == []
    printed = page.pdf()
    (saved_to.parent / "printed.pdf").write_bytes(printed)
    text = flat(pdf_text(saved_to.parent / "printed.pdf"))
    last = defs.session("visioning").worksheets[-1].title
    assert pdf_pages(saved_to.parent / "printed.pdf") > 5 and last in text and TYPED in text
    assert "All sessions" not in text
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 768})

    # the way on: the next session, as an app page
    link = page.get_by_role("link", name="Next: Session 2 · Relationships")
    assert link.get_attribute("href") == "02_relationships.ipynb"
    link.click()
    page.wait_for_url(f"{url}/voila/render/02_relationships.ipynb", timeout=120_000)
    expect(page).to_have_title(re.compile(r"^Session 2 · On the Leading Edge of Relationships"), timeout=120_000)
    page.close()


def test_the_index_offers_where_to_continue_and_the_workbook(served):
    url, browser, _saved_to = served
    page = new_page(browser)
    page.goto(url + "/")
    assert violations(page) == []
    resume = page.locator("p.continue")
    expect(resume).to_have_text("Continue where you left off: Session 1: On the Leading Edge of Visioning")
    assert resume.get_by_role("link").get_attribute("href") == "/voila/render/01_visioning.ipynb"
    rows = page.locator("ul.sessions li")
    assert rows.count() == len(defs.sessions()) == page.locator("ul.sessions progress").count()
    assert "complete (6 of 6 questions answered)" in rows.nth(0).inner_text()
    assert "complete" not in rows.nth(1).inner_text()

    link = page.get_by_role("link", name="Download my workbook (PDF)")
    status = page.locator("#llc-status")
    with page.expect_download(timeout=120_000) as caught:
        link.click()
        expect(status).to_contain_text("Building your workbook… this takes about", timeout=5_000)
    path = caught.value.path()
    assert caught.value.suggested_filename == "my-workbook.pdf"
    pages = pdf_pages(path)
    assert SEEDED in flat(pdf_text(path)) and pages >= 10
    expect(status).to_have_text(f"Downloaded my-workbook.pdf, {pages} pages. Look for it in your browser's "
                                "downloads.")
    # without the script it is a plain link: the file comes as an attachment, never cached
    response = page.request.get(url + "/letter.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="letter-to-my-principal.pdf"'
    assert response.headers["cache-control"] == "no-store"
    page.close()


def test_opportunity_downloads_the_letter_to_the_principal(served):
    url, browser, _saved_to = served
    page = new_page(browser)
    open_in_app(page, url, "06_opportunity.ipynb")
    button = page.get_by_role("button", name="My letter to my principal (PDF)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    path = caught.value.path()
    assert caught.value.suggested_filename == "letter-to-my-principal.pdf"
    assert NAME in flat(pdf_text(path)) and pdf_pages(path) == 1
    form = page.locator(".llc-download-form", has=button)
    expect(form.locator(".llc-live")).to_contain_text("Downloaded letter-to-my-principal.pdf, 1 page.")
    # the series ends pointing back to the start
    assert page.get_by_role("link", name="Back to the start: Orientation").get_attribute("href") == \
        "00_orientation.ipynb"
    page.close()


def test_in_jupyterlab_the_workbook_downloads_by_keyboard_and_the_next_link_opens_the_next_notebook(
        tmp_path, browser):
    from labtools import LAB_KERNEL_READY, open_in_lab, running_lab

    seed(answers_file(tmp_path, PID))
    with running_lab(tmp_path, PID) as url:
        page = new_page(browser)
        open_in_lab(page, url, "05_promotion.ipynb")
        button = page.get_by_role("button", name="Download my workbook (PDF)")
        button.wait_for(timeout=60_000)
        button.focus()
        with page.expect_download(timeout=120_000) as caught:
            page.keyboard.press("Enter")
        path = caught.value.path()
        assert caught.value.suggested_filename == "my-workbook.pdf"
        assert SEEDED in flat(pdf_text(path)) and pdf_pages(path) >= 10

        link = page.get_by_role("link", name="Next: Session 6 · Opportunity")
        link.scroll_into_view_if_needed()
        link.click()
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget.context.path.endsWith("
                               "'06_opportunity.ipynb')", timeout=60_000)
        page.wait_for_function(LAB_KERNEL_READY, timeout=90_000)
