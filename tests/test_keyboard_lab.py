"""Every worksheet of every session completed with the keyboard alone in real JupyterLab.

One JupyterLab and one Chromium for the module; each session notebook is opened, run, and each of
its forms filled by keystrokes (formdriver). Then the answers file must hold exactly what was
typed, no key may have reached a notebook shortcut (the cells are as they were), and axe-core must
find no serious or critical problem in the forms and the summary.
"""
from __future__ import annotations

import pytest
from axe import violations
from formdriver import complete_session
from labtools import answers_file, chromium, open_in_lab, running_lab, wait_for_forms

from llc_exercises.core import definitions as defs
from llc_exercises.participant.app import notebook_name

PARTICIPANT = "kb-lab"
CELLS_JS = "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.type)"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyboard-lab")
    with running_lab(tmp, PARTICIPANT) as url, chromium() as browser:
        yield url, browser, answers_file(tmp, PARTICIPANT)


@pytest.mark.parametrize("notebook", [notebook_name(s) for s in defs.sessions()])
def test_every_worksheet_by_keyboard_in_jupyterlab(lab, notebook):
    url, browser, saved_to = lab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_in_lab(page, url, notebook)
        wait_for_forms(page)
        cells = page.evaluate(CELLS_JS)
        complete_session(page, notebook, saved_to, "kb")
        assert page.evaluate(CELLS_JS) == cells, "a key reached a notebook shortcut"
        assert violations(page, include=[".llc-ws", ".llc-form", ".llc-static"]) == []
    finally:
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()
