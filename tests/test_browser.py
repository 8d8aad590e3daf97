"""The participant's path in a real JupyterLab and browser: type, restart the kernel, re-run, answer back.

Debian's Chromium is driven by Playwright; the answer box is found by its visible label, so the test
also proves the label is tied to the control (what a screen reader announces).
"""
from __future__ import annotations

import json

from labtools import answers_file, chromium, open_in_lab, run_all_and_wait, running_lab, wait_for_file_text

TYPED = "Typed in the browser <b>kept</b> & safe ✓"


def test_answer_survives_kernel_restart_in_jupyterlab(tmp_path):
    saved_to = answers_file(tmp_path, "browser-test")
    with running_lab(tmp_path) as url, chromium() as browser:
        page = browser.new_page()
        open_in_lab(page, url, "01_visioning.ipynb")
        box = page.get_by_label("Why do you do it?")
        box.click()
        page.keyboard.type(TYPED)  # real keystrokes: notebook shortcuts must not steal them
        wait_for_file_text(saved_to, TYPED)
        saved = json.loads(saved_to.read_text(encoding="utf-8"))
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
