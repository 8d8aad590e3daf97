"""Every worksheet of every session completed with the keyboard alone in app mode (`llc app`, Voila).

The same walk as in JupyterLab (formdriver): the forms' Tab stops match their definitions, every
field is filled by keystrokes, rows are added and removed by keyboard, the answers file holds what
was typed, and axe-core finds no serious or critical problem on the page.
"""
from __future__ import annotations

import pytest
from axe import violations
from formdriver import assert_named_for_screen_readers, complete, wait_for_answers, worksheet_keys
from labtools import answers_file, chromium, open_in_app, running_app

from llc_exercises import definitions as defs
from llc_exercises.app import notebook_name

PARTICIPANT = "kb-app"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyboard-app")
    with running_app(tmp, PARTICIPANT) as url, chromium() as browser:
        yield url, browser, answers_file(tmp, PARTICIPANT)


@pytest.mark.parametrize("notebook", [notebook_name(s) for s in defs.sessions()])
def test_every_worksheet_by_keyboard_in_app_mode(app, notebook):
    url, browser, saved_to = app
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_in_app(page, url, notebook)
        keys = worksheet_keys(notebook)
        forms = page.locator(".llc-ws")
        assert forms.count() == len(keys)
        typed: dict = {}
        for i, key in enumerate(keys):
            ws = defs.worksheet(key)
            form = forms.nth(i)
            assert form.locator("h3").first.text_content() == ws.title
            assert_named_for_screen_readers(form, ws)
            typed.update(complete(page, form, ws, "app"))
            form.get_by_role("status").filter(has_text="All changes saved").wait_for(timeout=15_000)
        assert wait_for_answers(saved_to, typed) == typed
        # the whole page: Voila's own frame around the forms is what a participant meets too
        assert violations(page) == []
    finally:
        page.close()  # Voila shuts the page's kernel down when it is left
