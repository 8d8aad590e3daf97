"""Attendance on a real JupyterHub: the facilitator ticks who came on the service's attendance page
(in Chromium, from the dashboard's link) and the sheet on disk changes in just those cells; bad
input, participants and forged posts change nothing; the download is safe to open in a spreadsheet.

One hub for the module, with the sample cohort's twelve sessions and meetings. No server is spawned
and the users need not be Unix users, so it runs without root.
"""
from __future__ import annotations

import codecs
import csv
import html
import io
import re

import pytest
from axe import violations
from helpers import SAMPLE
from hubtools import browser_login, call, running_hub

from llc_exercises.core.cohort import load_cohort
from llc_exercises.documents.pdf import CHROMIUM_FLAGS, PdfEngineError, find_chromium
from llc_exercises.hub import dashboard

try:
    CHROMIUM = find_chromium()
except PdfEngineError as exc:
    pytest.skip(f"the attendance page is checked in a real browser, and there is none: {exc}",
                allow_module_level=True)

ANN, BEN, FAC = "attann", "attben", "attfac"
COHORT = SAMPLE / "cohort.yaml"
EVENTS = load_cohort(COHORT).events()
# Already in the sheet: a row for someone not on this hub (with a formula for a name) and a column
# for a meeting the cohort file no longer lists; both must survive every save untouched.
GHOST = 'ghost,"=HYPERLINK(""http://example.invalid"",""x"")",yes,no,kept as written'
SEEDED = f"id,name,visioning,kickoff,meeting_9\r\n{ANN},Ann Attendee,x,,\r\n{GHOST}\r\n"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    state = tmp_path_factory.mktemp("hub")
    sheet = state / "service" / "attendance.csv"
    sheet.parent.mkdir(mode=0o700)
    sheet.write_bytes(codecs.BOM_UTF8 + SEEDED.encode())  # as a spreadsheet saves it
    with running_hub(state, [ANN, BEN], [FAC], cohort=COHORT) as (s, tokens):
        yield s, tokens, sheet


def page_url(s, path: str = "attendance") -> str:
    return f"{s.service_url}{path}"


def rows_of(data: bytes) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))}


def test_facilitator_records_attendance_in_chromium(hub):
    from playwright.sync_api import expect, sync_playwright

    s, _, sheet = hub
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            browser_login(page, s, FAC)
            page.wait_for_selector("text=cohort dashboard", timeout=60_000)
            page.get_by_role("link", name="Attendance").click()
            expect(page.get_by_role("heading", name="Leading Edge · attendance")).to_be_visible()
            assert not violations(page)

            # Every box is named for its participant and event (date included), in date order.
            boxes = page.get_by_role("checkbox")
            assert boxes.count() == 2 * len(EVENTS)
            names = [boxes.nth(i).get_attribute("aria-label") for i in range(boxes.count())]
            for who in (ANN, BEN):
                mine = [n for n in names if f"({who})" in n or n.startswith(f"{who}:")]
                assert len(mine) == len(EVENTS)
                for n, e in zip(mine, EVENTS):
                    assert f"{e.date.day} {e.date:%b %Y}" in n and "present" in n, n
            heads = page.locator("table.att thead th time").all_inner_texts()
            assert [h.split()[:2] for h in heads] == [[str(e.date.day), f"{e.date:%b}"] for e in EVENTS]
            ann_visioning = page.get_by_label("Ann Attendee (attann): present at Visioning, 9 Sep 2025")
            assert ann_visioning.is_checked()  # the sheet's "x"

            # Keyboard only: tab into Ben's kickoff box and tick it with the space bar.
            page.get_by_label(f"{BEN}: present at Cohort kickoff (half day), 26 Aug 2025").focus()
            page.keyboard.press("Space")
            page.get_by_label(f"{BEN}: present at Coaching, 18 Nov 2025").check()
            page.get_by_label(f"{BEN}: present at Cohort meeting 1 and reflection, 28 Oct 2025").check()
            page.get_by_label(f"{BEN}: hours at Cohort meeting 1 and reflection, 28 Oct 2025, if only part "
                              "of its 1.5").fill("1")
            page.get_by_label("Ann Attendee (attann): present at Cohort kickoff (half day), 26 Aug 2025").check()
            page.get_by_role("button", name="Save attendance").first.click()
            expect(page.get_by_role("status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d .*4 cells changed"))
            assert page.url.endswith("attendance?saved=4")
            assert not violations(page)  # with the notice and the download link it adds
            link = page.get_by_role("link", name="Download attendance.csv")
            got = page.request.get(f"{s.service_url}{link.get_attribute('href')}")
            assert got.status == 200 and got.headers["content-type"].startswith("text/csv")
            totals = page.locator("table.att tfoot td").all_inner_texts()
            assert totals[[e.id for e in EVENTS].index("kickoff")].startswith("2")
            assert totals[[e.id for e in EVENTS].index("coaching")].startswith("1")

            # A form post the page did not make (no xsrf token, the session cookie alone) is refused.
            before = sheet.read_bytes()
            forged = page.request.post(page_url(s), form={"participant": BEN, "event": "promotion",
                                                          f"p:promotion:{BEN}": "1"})
            assert forged.status == 403 and "security token" in forged.text() and sheet.read_bytes() == before
        finally:
            browser.close()

    data = sheet.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # kept as the spreadsheet wrote it
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "id,name,visioning,kickoff,meeting_9," + ",".join(
        e.id for e in EVENTS if e.id not in ("visioning", "kickoff"))
    assert lines[2] == GHOST  # not shown on the page, not touched
    rows = rows_of(data)
    assert set(rows) == {ANN, "ghost", BEN}
    assert rows[ANN]["visioning"] == "x" and rows[ANN]["kickoff"] == "yes" and rows[ANN]["coaching"] == ""
    assert (rows[BEN]["kickoff"], rows[BEN]["coaching"], rows[BEN]["meeting_1"]) == ("yes", "yes", "1")
    assert rows[BEN]["visioning"] == "" and rows[BEN]["name"] == ""


def test_who_may_see_and_bad_input_changes_nothing(hub):
    s, tokens, sheet = hub
    for path in ("attendance", "attendance.csv"):
        status, body = call(page_url(s, path), tokens[ANN])
        assert status == 403 and b"Facilitators only" in body
    assert call(page_url(s), tokens[ANN], "POST", form={"participant": ANN, "event": "visioning",
                                                       f"p:visioning:{ANN}": "1"})[0] == 403

    status, page = call(page_url(s), tokens[FAC])
    assert status == 200
    version = re.search(rb'name="version" value="([^"]+)"', page).group(1).decode()
    before = sheet.read_bytes()

    def post(*fields, version=version):
        return call(page_url(s), tokens[FAC], "POST",
                    form=[("version", version), ("participant", ANN), ("participant", BEN),
                          *(("event", e.id) for e in EVENTS), *fields])

    bad = {
        "is not a number": [(f"p:visioning:{BEN}", "1"), (f"h:visioning:{BEN}", "lots")],
        "outside 0 to 1.5": [(f"p:meeting_1:{BEN}", "1"), (f"h:meeting_1:{BEN}", "2")],
        "outside 0 to 6": [(f"p:coaching:{BEN}", "1"), (f"h:coaching:{BEN}", "-1")],
        "“present” is not ticked": [(f"h:promotion:{ANN}", "3")],
        "'meeting_9' is not a session or meeting": [("event", "meeting_9"), (f"p:meeting_9:{ANN}", "1")],
        "'mallory' is not a participant on this hub": [("participant", "mallory"), ("p:kickoff:mallory", "1")],
        f"'{FAC}' is not a participant": [("participant", FAC)],
    }
    for message, fields in bad.items():
        status, body = post(*fields)
        text = html.unescape(body.decode())
        assert status == 400 and message in text and "Nothing was saved" in text, (message, text[:300])
        assert sheet.read_bytes() == before
    # The posted (bad) value is shown again in a box marked invalid, for correcting.
    status, body = post((f"p:visioning:{BEN}", "1"), (f"h:visioning:{BEN}", "lots"))
    assert re.search(rb'class="h bad" type="text" name="h:visioning:attben" value="lots" aria-invalid="true"', body)

    # A page opened before someone else saved may not undo their save.
    status, body = post((f"p:promotion:{ANN}", "1"), version="0123456789abcdef")
    assert status == 409 and b"Someone saved attendance" in body and sheet.read_bytes() == before

    # Saving what is already there writes nothing.
    ticked = [(f"p:{e}:{ANN}", "1") for e in ("visioning", "kickoff")]
    ticked += [(f"p:{e}:{BEN}", "1") for e in ("kickoff", "coaching", "meeting_1")] + [(f"h:meeting_1:{BEN}", "1")]
    status, body = post(*ticked)
    assert status == 200 and b"Nothing had changed" in body and sheet.read_bytes() == before


def test_download_is_formula_safe(hub):
    s, tokens, sheet = hub
    status, data = call(page_url(s, "attendance.csv"), tokens[FAC])
    assert status == 200
    rows = rows_of(data)
    assert rows["ghost"]["name"] == "'" + rows_of(sheet.read_bytes())["ghost"]["name"]
    assert rows["ghost"]["name"].startswith("'=HYPERLINK")
    assert rows[BEN]["meeting_1"] == "1" and rows[ANN]["visioning"] == "x"
    assert not any((c or "").startswith(("=", "+", "-", "@")) for r in rows.values() for c in r.values())


def test_without_a_cohort_the_page_says_how_to_set_one_up():
    page = dashboard.attendance_html({"user": FAC, "xsrf": "", "errors": [], "notice": "", "setup": True,
                                      "problem": ""})
    assert "llc cohort init" in page and 'cohort="/srv/leading-edge/cohort.yaml"' in page
    assert "--cohort FILE" in page
