"""Every worksheet of every session completed with the keyboard alone in app mode (`llc app`, Voila).

The same walk as in JupyterLab (formdriver): the forms' Tab stops match their definitions, every
field is filled by keystrokes, rows are added and removed by keyboard, the answers file holds what
was typed, and axe-core finds no serious or critical problem on the whole page.
"""
from __future__ import annotations

import pytest
from axe import violations
from formdriver import complete_session
from labtools import answers_file, chromium, open_in_app, running_app

from llc_exercises.core import definitions as defs
from llc_exercises.participant.app import notebook_name

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
        complete_session(page, notebook, saved_to, "app")
        # the whole page: Voila's frame around the forms is what a participant meets too
        assert violations(page) == []
    finally:
        page.close()  # Voila shuts the page's kernel down when it is left
