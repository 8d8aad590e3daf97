"""Feedback reaches the participant where they work, on a real JupyterHub (issue 20, items 4 and 6).

Real proxy, real Unix users, the participant's own spawned server: a cohort file in the service's
cohorts folder names ``llcfbfac`` as its facilitator and the hub group ``cohort-fb`` (made through
the Hub's REST API, as an admin would) as its participants. The facilitator POSTs feedback through
the API; in the participant's own kernel ``llc.show`` shows it under the form, in the cohort's time
zone, inert however hostile; "Mark as read" pressed there reaches the service; the forms' "saved"
line names the cohort's zone; and the session opened as an app page (Voila) in Chromium shows the
same. Needs root (to create users and spawn as them), as in CI.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from zoneinfo import ZoneInfo

import pytest
from hubtools import (
    call,
    hub_of_unix_users,
    open_as_app,
    run_in_kernel,
    start_server,
)
from test_hub_cohorts_api import cohort_text

if os.geteuid() != 0 or not shutil.which("useradd"):
    pytest.skip("real-hub tests create Unix users and spawn servers as them: run as root (CI does)",
                allow_module_level=True)

ANN, FAC = "llcfbann", "llcfbfac"
SHEET = "visioning.core_beliefs"
HOSTILE = '<img src=x onerror="window.__pwned=1"> </textarea><script>window.__pwned=2</script>'
CHICAGO = ZoneInfo("America/Chicago")  # the sample cohort's zone


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with hub_of_unix_users(tmp_path_factory.mktemp("hub"), [ANN, FAC], [], default_url="/lab") as hub:
        s, admin = hub[0], hub[0].admin_token
        assert call(f"{s.url}/hub/api/groups/cohort-fb", admin, "POST")[0] == 201
        status, body = call(f"{s.url}/hub/api/groups/cohort-fb/users", admin, "POST", {"users": [ANN]})
        assert status == 200, (status, body)
        (s.service_data / "cohorts" / "fb.yaml").write_text(
            cohort_text("Feedback cohort", "cohort-fb", FAC), encoding="utf-8")
        yield hub


def api(s, path: str) -> str:
    return f"{s.service_url}api/{path}"


def write(s, tokens, text: str) -> dict:
    """The facilitator's feedback on SHEET, once the service has read the cohort file."""
    deadline = time.monotonic() + 15
    while True:
        status, item = call(api(s, f"feedback/{ANN}"), tokens[FAC], "POST", {"worksheet": SHEET, "text": text})
        if status == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status == 201, (status, item)
    return item


def shown_at(item: dict) -> str:
    t = dt.datetime.fromisoformat(item["written"]).astimezone(CHICAGO)
    return f"{t.day} {t:%b}, {t:%H:%M} {t.tzname()}"


KERNEL = """
import json
from unittest import mock
import ipywidgets as w
import llc_exercises.notebook as llc
from llc_exercises.core import definitions as defs, identity
from llc_exercises.participant.widgets import WorksheetView

def walk(x):
    yield x
    for c in getattr(x, "children", ()):
        yield from walk(c)

shown = []
with mock.patch.object(llc, "display", shown.append):
    llc.show(%(sheet)r)
box = next(x for x in walk(shown[0]) if "llc-feedback" in x._dom_classes)
before = "".join(x.value for x in walk(box) if isinstance(x, w.HTML))
buttons = [x for x in walk(box) if isinstance(x, w.Button)]
labels = [b.description for b in buttons]
buttons[0].click()
after = "".join(x.value for x in walk(box) if isinstance(x, w.HTML))
view = WorksheetView(defs.worksheet(%(sheet)r), identity.current_store())
view.controls["why"].input.value = "Saved on the hub."
view.flush()
print(json.dumps({"before": before, "after": after, "labels": labels,
                  "after_labels": [b.description for b in buttons], "saved": view.status.value}))
"""


def test_feedback_reaches_the_participants_own_kernel_and_is_marked_read_there(hub):
    s, tokens, _ = hub
    item = write(s, tokens, f"Say more about the why.\n{HOSTILE}")
    start_server(s.url, s.admin_token, ANN)
    out = json.loads(run_in_kernel(s.url, ANN, tokens[ANN], KERNEL % {"sheet": SHEET}).strip().splitlines()[-1])

    when = shown_at(item)
    assert f"<b>From Rosalind Inkwell (fictional), {when}:</b> Say more about the why.\n" in out["before"]
    assert "Feedback from your facilitator (1 unread)" in out["before"]
    # hostile text arrives as text: escaped, never an element
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in out["before"]
    assert "<img" not in out["before"] and "<script" not in out["before"]
    assert out["labels"] == ["Mark as read"] and out["after_labels"] == ["Marked as read"]
    assert "(1 unread)" not in out["after"] and "llc-fb-read" in out["after"]

    # the participant's press reached the service: the facilitator sees it read
    status, body = call(api(s, f"feedback/{ANN}"), tokens[FAC])
    assert status == 200 and body["timezone"] == "America/Chicago"
    mine = next(f for f in body["feedback"] if f["id"] == item["id"])
    assert mine["read"] is True and mine["read_at"]

    # the saved line in the cohort's zone, labelled
    zone = dt.datetime.now(CHICAGO).tzname()
    assert "All changes saved at " in out["saved"] and f" {zone}</div>" in out["saved"], out["saved"]


def test_the_app_page_shows_the_same_feedback_inert(hub):
    """The session as an app page (Voila in the participant's server, as ``llc link --app`` opens it):
    the feedback under the form and in the closing list, hostile text inert, marked read by keyboard."""
    from labtools import chromium

    s, tokens, homes = hub
    item = write(s, tokens, f"App note. {HOSTILE}")
    start_server(s.url, s.admin_token, ANN)
    with chromium() as browser:
        page = browser.new_page()
        open_as_app(page, s, ANN, homes[ANN])
        note = page.locator(".llc-ws .llc-fb-item", has_text="App note.")
        note.wait_for(timeout=120_000)
        assert f"From Rosalind Inkwell (fictional), {shown_at(item)}: App note. {HOSTILE}" in note.inner_text()
        assert page.locator(".llc-ws .llc-fb-heading", has_text="Feedback from your facilitator").count() == 1
        # the closing list names the worksheet
        listed = page.locator(".llc-form .llc-fb-item", has_text="App note.")
        assert "On Core-beliefs inventory (Session 1: On the Leading Edge of Visioning)" in listed.inner_text()
        assert page.evaluate("window.__pwned") is None
        assert page.locator(".llc-fb-item img, .llc-fb-item script").count() == 0
        button = page.locator(".llc-ws .llc-fb-mark").first
        button.focus()
        page.keyboard.press("Enter")
        page.locator(".llc-ws .llc-fb-mark", has_text="Marked as read").first.wait_for(timeout=15_000)
        # the pressed button stays, so the keyboard stays on it (not on the page, where keys would
        # reach the notebook's shortcuts)
        assert page.evaluate("document.activeElement.textContent").strip() == "Marked as read"
    deadline = time.monotonic() + 10
    while not next(f for f in call(api(s, f"feedback/{ANN}"), tokens[FAC])[1]["feedback"]
                   if f["id"] == item["id"])["read"]:
        assert time.monotonic() < deadline, "Mark as read in the app did not reach the service"
        time.sleep(0.3)
