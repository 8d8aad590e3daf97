"""One participant's page, ``participants/<user>`` (issue 20, item 3): their latest sent answers as
the workbook shows them, their send history, and under every worksheet the feedback on it with a box
to write more for those who may answer them.

The first tests render the page offline, through the functions its handler calls, with hostile
participant and feedback text. The rest run a real JupyterHub (as ``test_hub_cohorts_api.py``: a
cohort file, its group made through the Hub's REST API, answers sent with the participant's token,
no server spawned) and a facilitator who reads, types and sends feedback in Chromium by keyboard.
"""
from __future__ import annotations

import asyncio
import html
import json
import re
import time

import pytest
from helpers import SAMPLE
from hubtools import browser_login, call, running_hub

from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import load_cohort
from llc_exercises.hub import reading
from llc_exercises.hub.cohorts import Book
from llc_exercises.hub.feedback import Feedback, FeedbackDB
from llc_exercises.hub.progress import sessions_summary
from llc_exercises.hub.submissions import SubmissionDB

HOSTILE = '<img src=x onerror="window.__pwned=1"> </textarea><script>window.__pwned=2</script> {{ 7*7 }}'
SHEET = "visioning.core_beliefs"
SHEET_TITLE = defs.worksheet(SHEET).title
BASE = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8").replace("attendance: attendance.csv\n", "")
TEAMS = "teams:\n  - name: North\n    leader: lead\n    members: [ann]\n"


def cohort_text(name: str, group: str, facilitator: str, teams: str = "") -> str:
    text = BASE.replace('name: "LLC-2025 (sample)"', f'name: "{name}"', 1)
    text = text.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {facilitator}\n', 1)
    return text + f"hub_group: {group}\n" + teams


def sample_doc(user: str, hostile: bool = True) -> dict:
    """The sample cohort's fullest answers file (every session filled), as ``user``'s, with markup in
    the name, the school and one answer."""
    doc = json.loads((SAMPLE / "answers" / "avellum.json").read_text(encoding="utf-8"))
    doc["participant"]["id"] = user
    if hostile:
        doc["participant"]["name"] = "Ann " + HOSTILE
        doc["participant"]["school"] = HOSTILE
        doc["answers"][f"{SHEET}.why"]["value"] = "Because " + HOSTILE
    return doc


def visible_text(page_html: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S)))


@pytest.fixture
def stores(tmp_path):
    db = SubmissionDB(tmp_path / "service.sqlite")
    return db, FeedbackDB(tmp_path / "service.sqlite")


def cohort_book(tmp_path) -> Book:
    path = tmp_path / "a.yaml"
    path.write_text(cohort_text("Cohort A", "cohort-a", "faca", TEAMS), encoding="utf-8")
    return Book(cohorts={"a": load_cohort(path)})


def page_for(db, fb, book, user="ann", viewer="faca", may_respond=True, groups=("cohort-a",)) -> str:
    latest = db.latest_document(user)
    view = reading.participant_view(user, latest, db.history(user), fb.for_user(user), book, groups,
                                    sessions_summary(), viewer, may_respond,
                                    names=db.names({f.author for f in fb.for_user(user)}))
    return reading.participant_html(view, "N0NCE", "XS<RF")


# ---- offline ------------------------------------------------------------------------------------
def test_hostile_answers_names_and_feedback_are_escaped(stores, tmp_path):
    db, fb = stores
    db.add("ann", sample_doc("ann"))
    db.add("lead", {"schema_version": 2, "participant": {"id": "lead", "name": "Lee " + HOSTILE}, "answers": {}})
    fb.add("ann", SHEET, "lead", HOSTILE)
    fb.add("ann", "gone.worksheet", "faca", "On a worksheet a later kit renamed.")
    page = page_for(db, fb, cohort_book(tmp_path))
    # No participant markup reaches the page as markup: not the name, school, answer, author or feedback.
    assert "<img src=x" not in page and "</textarea><script>" not in page and "window.__pwned=2</script>" not in page
    assert page.count("<script") == 1 and 'nonce="N0NCE"' in page  # the page's own script only
    assert "XS&lt;RF" in page
    text = visible_text(page)
    assert text.count(HOSTILE) >= 4  # name (heading), school, answer, feedback text — literally
    assert "Lee " + HOSTILE in text  # the team leader's name from their own send
    assert "Because " + HOSTILE in text  # never evaluated as a template: {{ 7*7 }} stays as typed
    # The feedback sits under its worksheet, with its author, time zone and read state.
    sheet = page.split(f'data-worksheet="{SHEET}"', 1)[1].split('class="feedback"', 1)[0]
    assert "not read yet" in sheet and HOSTILE in visible_text(sheet)
    assert "On a worksheet a later kit renamed." in page.split("no longer in the kit", 1)[1]
    assert "Times are in America/Chicago" in text


def test_times_are_in_the_cohorts_zone_and_labelled(tmp_path):
    book = cohort_book(tmp_path)
    items = [Feedback(1, "ann", SHEET, "faca", "Good.", "2027-01-12T22:04:00+00:00", None),
             Feedback(2, "ann", SHEET, "faca", "Later.", "2027-07-01T15:30:00+00:00", "2027-07-02T01:00:00+00:00")]
    view = reading.participant_view("ann", None, [], items, book, ["cohort-a"], sessions_summary(), "faca", True)
    sheet = next(sh for p in view["parts"] for sh in p.sheets if sh.key == SHEET)
    assert [i.when for i in sheet.items] == ["12 Jan 2027, 16:04 CST", "1 Jul 2027, 10:30 CDT"]
    assert sheet.items[1].read and sheet.items[1].read_when == "1 Jul 2027, 20:00 CDT"
    # The facilitator's name as the cohort file writes it, not their login.
    assert sheet.items[0].author_name == "Rosalind Inkwell (fictional)"
    # Outside every cohort: UTC, labelled as such.
    view = reading.participant_view("ann", None, [], items, Book(), [], sessions_summary(), "boss", True)
    assert next(sh for p in view["parts"] for sh in p.sheets if sh.key == SHEET).items[0].when == \
        "12 Jan 2027, 22:04 UTC"


def test_nothing_sent_says_so_and_still_lists_feedback(stores, tmp_path):
    db, fb = stores
    fb.add("ann", SHEET, "faca", "Looking forward to your first send.")
    page = page_for(db, fb, cohort_book(tmp_path))
    text = " ".join(visible_text(page).split())
    assert "ann has not sent any answers yet" in text
    assert "Looking forward to your first send." in text and "Nothing sent yet." in text
    assert page.count('class="fb-form"') == sum(len(p.sheets) for p in
                                                reading.participant_view("ann", None, [], [], Book(), [], [],
                                                                         "faca", True)["parts"])


def test_only_those_who_may_respond_get_boxes(stores, tmp_path):
    db, fb = stores
    db.add("ann", sample_doc("ann", hostile=False))
    mine = page_for(db, fb, cohort_book(tmp_path), viewer="ann", may_respond=False)
    assert "<textarea" not in mine and "Send feedback" not in mine and "Cohort dashboard" not in mine
    theirs = page_for(db, fb, cohort_book(tmp_path))
    assert theirs.count("<textarea") == theirs.count("Send feedback") > 20
    # every box has a visible label of its own
    ids = re.findall(r'<textarea id="([^"]+)"', theirs)
    assert all(f'<label for="{i}">' in theirs for i in ids) and len(set(ids)) == len(ids)


def test_charts_come_from_a_per_submission_cache_without_holding_up_the_page(stores):
    db, _ = stores
    sub = db.add("ann", sample_doc("ann", hostile=False))
    sub, doc = db.latest_document("ann")
    answers = reading.answer_values(doc)
    cache = reading.Answers()

    async def twice():
        first, charted = await cache.html(db, sub, answers, wait=0)  # not waiting for the worker
        cache.start(db, sub, answers).result(timeout=60)
        second, again = await cache.html(db, sub, answers, wait=0)
        return first, charted, second, again

    try:
        first, charted, second, again = asyncio.run(twice())
    finally:
        cache.close()
    assert not charted and "<figure" not in "".join(first.values())
    assert again and "<figure" in "".join(second.values())
    assert set(first) == set(second)  # every worksheet, either way


# ---- a real hub ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    people = ["boss", "faca", "lead", "ann", "bob"]
    with running_hub(tmp_path_factory.mktemp("hub"), people, []) as (s, tokens):
        admin = s.admin_token
        assert call(f"{s.url}/hub/api/users/boss", admin, "PATCH", {"admin": True})[0] == 200
        assert call(f"{s.url}/hub/api/groups/cohort-a", admin, "POST")[0] == 201
        status, body = call(f"{s.url}/hub/api/groups/cohort-a/users", admin, "POST",
                            {"users": ["lead", "ann", "bob"]})
        assert status == 200, (status, body)
        (s.service_data / "cohorts" / "a.yaml").write_text(cohort_text("Cohort A", "cohort-a", "faca", TEAMS),
                                                           encoding="utf-8")
        for user, doc in (("ann", sample_doc("ann")), ("bob", sample_doc("bob", hostile=False))):
            status, body = call(f"{s.service_url}api/submissions", tokens[user], "POST", doc)
            assert status == 201, (status, body)
        time.sleep(1.2)  # the cohorts folder is looked at again at most once a second
        yield s, tokens


def page(s, token, user):
    status, body = call(f"{s.service_url}participants/{user}", token)
    return status, body.decode("utf-8") if isinstance(body, bytes) else json.dumps(body)


def test_who_may_open_which_page(hub):
    s, tokens = hub
    want = {("faca", "ann"): 200, ("faca", "bob"): 200, ("lead", "ann"): 200, ("lead", "bob"): 403,
            ("ann", "ann"): 200, ("ann", "bob"): 403, ("bob", "ann"): 403}
    got = {(viewer, user): page(s, tokens[viewer], user)[0] for viewer, user in want}
    assert got == want
    # an admin may read anyone: a name the Hub does not know is a 404 (to others, a 403 like any)
    assert page(s, tokens["boss"], "nobody")[0] == 404 and page(s, tokens["boss"], "ann")[0] == 200
    assert page(s, tokens["faca"], "nobody")[0] == 403
    status, body = page(s, tokens["lead"], "bob")
    assert "may not see" in body and "<h1>" in body  # the error page, not JSON
    lead = page(s, tokens["lead"], "ann")[1]
    assert "Send feedback" in lead and "Because " + HOSTILE in visible_text(lead)
    own = page(s, tokens["ann"], "ann")[1]
    assert "Send feedback" not in own and "<textarea" not in own


def test_a_new_send_shows_at_once_and_its_charts_follow(hub):
    """Right after a send the page shows the answers (charts are drawn in the service's worker) and
    says the charts are coming; later views carry them. How fast: scripts/benchmark_cohort_pages.py."""
    s, tokens = hub
    assert call(f"{s.service_url}api/submissions", tokens["bob"], "POST", sample_doc("bob", hostile=False))[0] == 201
    views = 0
    deadline = time.monotonic() + 90
    while True:
        status, body = page(s, tokens["faca"], "bob")
        assert status == 200 and "Core-beliefs" in body
        views += 1
        if "<figure" in body:
            break
        assert "Charts are still being drawn" in body
        assert time.monotonic() < deadline, "the charts never showed"
        time.sleep(0.2)
    assert "Charts are still being drawn" not in body


def test_facilitator_reads_and_answers_by_keyboard_in_chromium(hub):
    from axe import violations
    from labtools import chromium
    from playwright.sync_api import expect

    s, tokens = hub
    with chromium() as browser:
        pg = browser.new_page(viewport={"width": 1280, "height": 800})
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        browser_login(pg, s, "faca", "/services/leading-edge/participants/ann")
        pg.wait_for_selector("h1", timeout=60_000)
        expect(pg.locator("h1")).to_have_text("Ann " + HOSTILE)
        assert "Checkouts per student up 10% by May." in pg.locator("main").inner_text()
        answer = pg.locator(f'section[id="{SHEET}"]')
        assert "Because " + HOSTILE in answer.inner_text()
        assert pg.locator("main img:not(.llc-chart img)").count() == 0

        panel = pg.locator(f'.feedback[data-worksheet="{SHEET}"]')
        box = pg.get_by_label(f"Your feedback on “{SHEET_TITLE}”")
        # Keyboard only: focus the box, type, Tab to its button, Enter.
        box.focus()
        pg.keyboard.type("Good start. " + HOSTILE)
        pg.keyboard.press("Tab")
        assert pg.evaluate("document.activeElement.textContent") == "Send feedback"
        pg.keyboard.press("Enter")
        expect(pg.locator("#fb-status")).to_have_text(f"Feedback sent: Feedback on “{SHEET_TITLE}”.")
        item = panel.locator(".fb-item").first
        expect(item.locator(".fb-text")).to_have_text("Good start. " + HOSTILE)
        assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d C[SD]T", item.locator("time").inner_text())
        assert item.locator(".fb-author").inner_text() == "Rosalind Inkwell (fictional)"
        assert box.input_value() == "" and panel.locator("img").count() == 0

        # An error from the API shows beside the box, and what was typed stays.
        long_text = "x" * 20_001
        box.fill(long_text)
        panel.get_by_role("button", name="Send feedback").press("Enter")
        expect(panel.locator(".fb-error")).to_contain_text("the limit is 20,000")
        assert box.input_value() == long_text and panel.locator(".fb-item").count() == 1
        box.fill("")

        status, body = call(f"{s.service_url}api/feedback/ann", tokens["faca"])
        assert status == 200
        sent = [f for f in body["feedback"] if f["worksheet"] == SHEET]
        assert [f["text"] for f in sent] == ["Good start. " + HOSTILE] and sent[0]["author"] == "faca"

        # Reloaded: the server's rendering of it, as inert.
        pg.reload()
        pg.wait_for_selector(f'.feedback[data-worksheet="{SHEET}"] .fb-item')
        expect(panel.locator(".fb-item .fb-text")).to_have_text("Good start. " + HOSTILE)
        expect(panel.locator(".fb-item .fb-unread")).to_have_text("not read yet")
        assert pg.evaluate("window.__pwned") is None and not dialogs
        assert not violations(pg)

        # A team leader sees their member's page in the browser too, and not a non-member's.
        other = browser.new_page()
        browser_login(other, s, "lead", "/services/leading-edge/participants/bob")
        other.wait_for_selector("h1", timeout=60_000)
        assert "403" in other.locator("h1").inner_text() or "may not see" in other.content()
