"""The dashboard a facilitator lives in (issue 20, item 5): one cohort at a time with a picker, times in
the cohort's zone, online now, feedback counts, participants sorted by name and linked to their page,
a grid that fits 1,280 × 800 and refreshes itself; all PDFs in one zip; where a login lands.

The unit tests render the page through the functions the handler calls; the last test runs a real
JupyterHub with two cohorts as files and looks at the page in Chromium.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from helpers import SAMPLE
from traitlets.config import Config

from llc_exercises.hub import config as hub_config
from llc_exercises.hub import dashboard
from llc_exercises.hub.feedback import FeedbackDB
from llc_exercises.hub.jobs import Builds
from llc_exercises.hub.progress import online, sessions_summary
from llc_exercises.hub.submissions import SubmissionDB

CHICAGO = ZoneInfo("America/Chicago")
HOSTILE = '<img src=x onerror="window.__pwned=1"></th><script>window.__pwned=2</script>'
KEY = "visioning.core_beliefs.why"


def person(user, name="", sent=None, answered=None, **more):
    total = next(x["total"] for x in sessions_summary() if x["id"] == "visioning")
    sessions = {"visioning": {"answered": answered, "total": total}} if answered is not None else None
    return {"user": user, "name": name, "school": "", "sessions": sessions, "last_change": sent,
            "last_submission": sent, "submissions": int(bool(sent)), "hub_last_activity": None, **more}


def page_of(people, **view):
    return dashboard.dashboard_html({"sessions": sessions_summary(), "participants": people}, "fac",
                                    "api/cohorts/a/export.zip", "N0NCE", "XS", **view)


# ---- the page ----------------------------------------------------------------------------------------
def test_times_are_in_the_cohorts_zone_and_say_which():
    assert dashboard.when("2027-01-12T22:04:00+00:00", CHICAGO) == "12 Jan, 16:04 CST"
    assert dashboard.when("2027-07-12T22:04:00+00:00", CHICAGO) == "12 Jul, 17:04 CDT"
    assert dashboard.when("2027-01-12T22:04:00+00:00") == "12 Jan, 22:04 UTC"  # legacy: no cohort
    assert dashboard.when(None) == "" and dashboard.zone_label(None) == "UTC"
    page = page_of([person("ann", "Ann", "2027-01-12T22:04:00+00:00", 2)], tz=CHICAGO)
    assert "Times are in\n<strong>America/Chicago</strong>" in page and "12 Jan, 16:04 CST" in page
    assert "UTC" not in page.split("<script")[0]
    history = dashboard.history_html("ann", [{"submitted": "2027-01-12T22:04:00+00:00", "progress": {}}],
                                     sessions_summary(), CHICAGO)
    assert "12 Jan, 16:04 CST" in history and "Times are in America/Chicago" in history


def test_rows_sorted_by_name_linked_counted_and_escaped():
    people = [person("zed", "Zoë Zephyr", "2027-01-10T10:00:00+00:00", 3, online=True),
              person("amy", "", None),
              person("bob", HOSTILE, "2027-01-11T10:00:00+00:00", 1),
              person("cat", "carla Ink", "2027-01-09T10:00:00+00:00", 5, online=True)]
    feedback = {"zed": {"unread": 2, "latest": "2027-01-11T00:00:00+00:00"},  # answered after the send
                "cat": {"unread": 1, "latest": "2027-01-08T00:00:00+00:00"}}  # sent since: unanswered
    page = page_of(people, tz=CHICAGO, feedback=feedback)
    order = re.findall(r'<tr data-user="([^"]+)"', page)
    assert order == ["bob", "amy", "cat", "zed"]  # by name ('<img' sorts first), else login; case-blind
    assert 'href="participants/cat">carla Ink</a> <small>cat</small>' in page
    assert 'href="participants/amy">amy</a>' in page
    counts = dict(re.findall(r'id="count-([a-z]+)">(\d+)<', page))
    # unanswered: bob (no feedback yet) and cat (sent after the feedback); zed was answered, amy never sent
    assert counts == {"people": "4", "sent": "3", "online": "2", "unread": "3", "unanswered": "2"}
    row = {m.group(1): m.group(0) for m in re.finditer(r'<tr data-user="([^"]+)".*?</tr>', page, re.S)}
    assert "2 unread" in row["zed"] and "new send" not in row["zed"] and "1 unread; <strong>new send" in row["cat"]
    assert 'data-on="1"><span class="dot" aria-hidden="true"></span> online</td>' in row["cat"]
    assert 'data-on="0"><span class="none">—</span></td>' in row["amy"]
    assert HOSTILE not in page and "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in page
    assert page.count("<script") == 1 and "__pwned=2</script>" not in page


def test_a_team_leader_reads_but_does_not_run_the_cohort():
    page = page_of([person("ann", "Ann")], tz=CHICAGO, runs=False, may_build=False, progress_url="",
                   cohorts=[dashboard.Choice("a", "Cohort A")], current="a", cohort_name="Cohort A")
    assert "Team leader view" in page and "participants/ann" in page
    body = page.split("<body", 1)[1]
    assert "export.zip" not in body and 'href="attendance' not in body and 'id="build"' not in body
    assert 'data-progress=""' in body and "api/builds" not in body  # no refresh, no build script
    assert "<select" not in body  # one cohort: no picker


def test_the_picker_lists_the_cohorts_and_marks_the_current_one():
    page = page_of([], tz=CHICAGO, current="b", cohort_name="Cohort <B>",
                   cohorts=[dashboard.Choice("a", "Cohort A"), dashboard.Choice("b", "Cohort <B>")])
    assert '<label for="cohort">Cohort</label>' in page
    assert '<option value="a">Cohort A</option><option value="b" selected>Cohort &lt;B&gt;</option>' in page
    assert 'href="attendance?cohort=b"' in page and "Leading Edge · Cohort &lt;B&gt;" in page


def test_feedback_summary_counts_unread_and_finds_the_latest(tmp_path):
    db = FeedbackDB(tmp_path / "s.sqlite")
    first = db.add("ann", "visioning.core_beliefs", "fac", "One")
    second = db.add("ann", "visioning.core_beliefs", "fac", "Two")
    db.add("bob", "visioning.core_beliefs", "fac", "Three")
    db.mark_read("ann", first.id)
    summary = db.summary()
    assert summary["ann"] == {"unread": 1, "latest": second.written} and summary["bob"]["unread"] == 1
    db.mark_read("bob", 3)
    assert db.summary()["bob"]["unread"] == 0


def test_online_means_a_ready_server_heard_from_lately():
    now = dt.datetime(2027, 1, 12, 12, 0, tzinfo=dt.timezone.utc)
    recent, old = "2027-01-12T11:55:00Z", "2027-01-12T11:00:00.000000Z"
    assert online({"servers": {"": {"ready": True, "last_activity": recent}}, "last_activity": recent}, now)
    assert not online({"servers": {"": {"ready": True, "last_activity": old}}, "last_activity": old}, now)
    assert not online({"servers": {"": {"ready": False, "pending": "spawn"}}, "last_activity": recent}, now)
    assert not online({"servers": {}, "last_activity": recent}, now)
    assert not online(None, now) and not online({"name": "x"}, now)


def test_built_pdfs_are_listed_by_name_and_zipped(tmp_path):
    builds = Builds(tmp_path, SubmissionDB(tmp_path / "s.sqlite"), 1)
    folder = tmp_path / "3" / "workbooks"
    folder.mkdir(parents=True)
    results = []
    for pid, name in (("zed", "Aaron Zed"), ("amy", "Zelda Amy"), ("bob", "")):
        (folder / f"workbook-{pid}.pdf").write_bytes(b"%PDF-1.7 " + pid.encode())
        results.append({"participant": pid, "name": name, "files": [f"workbook-{pid}.pdf"]})
    (folder.parent / "status.json").write_text(json.dumps({"done": 3, "total": 3, "finished": True,
                                                           "results": results}))
    status = builds.status()
    assert [f["url"].rsplit("-", 1)[1] for f in status["files"]] == ["zed.pdf", "bob.pdf", "amy.pdf"]
    assert status["all_pdfs"] == "builds/3/all.zip"
    with zipfile.ZipFile(io.BytesIO(builds.all_pdfs("3"))) as z:
        assert sorted(z.namelist()) == ["workbook-amy.pdf", "workbook-bob.pdf", "workbook-zed.pdf"]
        assert z.read("workbook-bob.pdf") == b"%PDF-1.7 bob"
    assert builds.all_pdfs("4") is None and builds.all_pdfs("../3") is None


def test_a_stale_user_list_is_answered_at_once_and_read_again_behind():
    import asyncio

    from llc_exercises.hub import directory

    class Hub(directory.HubDirectory):
        reads = 0

        async def _all(self, resource):
            Hub.reads += 1
            await asyncio.sleep(0.05)  # the Hub paging through its users
            return [{"name": f"v{Hub.reads}"}]

    async def run():
        d = Hub("http://hub.invalid/hub/api", "t", "facilitators")
        assert await d.users() == [{"name": "v1"}]  # nothing yet: waits
        d._fetched -= directory.USERS_CACHE_S + 1  # the list goes stale
        assert await d.users() == [{"name": "v1"}]  # answered at once from the old list …
        await asyncio.sleep(0.2)
        assert await d.users() == [{"name": "v2"}] and Hub.reads == 2  # … which was read again behind
        assert await d.users(fresh=True) == [{"name": "v3"}]  # fresh: waits for the Hub

    asyncio.run(run())


# ---- where a login lands -----------------------------------------------------------------------------
def cohort_file(folder, facilitator: str, group: str = "cohort-a") -> None:
    text = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8").replace("attendance: attendance.csv\n", "")
    text = text.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {facilitator}\n', 1)
    folder.mkdir(exist_ok=True)
    (folder / "a.yaml").write_text(text + f"hub_group: {group}\n", encoding="utf-8")


def test_default_url_sends_facilitators_to_the_dashboard_and_participants_to_orientation(tmp_path):
    c = Config()
    c.JupyterHub.base_url = "/jh/"
    c.Spawner.default_url = "/lab/tree/notebooks/00_orientation.ipynb"
    cohort_file(tmp_path / "cohorts", "rinkwell")
    hub_config.configure(c, data_dir=tmp_path, cohorts_dir=tmp_path / "cohorts")
    land = c.JupyterHub.default_url
    assert callable(land)

    def handler(user):
        return SimpleNamespace(current_user=user, base_url="/jh/")

    group = SimpleNamespace(name="facilitators")
    assert land(handler(SimpleNamespace(name="root", admin=True, groups=[]))) == "/jh/services/leading-edge/"
    assert land(handler(SimpleNamespace(name="gina", admin=False, groups=[group]))) == "/jh/services/leading-edge/"
    assert land(handler({"name": "rinkwell", "admin": False, "groups": []})) == "/jh/services/leading-edge/"
    assert land(handler({"name": "ann", "admin": False, "groups": ["cohort-a"]})) == (
        "/jh/hub/spawn/ann?next=%2Fjh%2Fuser%2Fann%2Flab%2Ftree%2Fnotebooks%2F00_orientation.ipynb")
    assert land(handler(None)) == ""

    # a facilitator's own server opens the file browser; a participant's still opens orientation
    import asyncio
    for user, expected in ((SimpleNamespace(name="rinkwell", admin=False, groups=[]), "/lab"),
                           (SimpleNamespace(name="ann", admin=False, groups=[]), c.Spawner.default_url)):
        spawner = SimpleNamespace(user=user, default_url=c.Spawner.default_url)
        asyncio.run(c.Spawner.pre_spawn_hook(spawner))
        assert spawner.default_url == expected


def test_configure_keeps_a_default_url_and_hook_the_config_set(tmp_path):
    import asyncio
    calls = []
    c = Config()
    c.JupyterHub.default_url = "/hub/home"
    c.Spawner.default_url = "/lab/tree/notebooks/00_orientation.ipynb"
    c.Spawner.pre_spawn_hook = calls.append
    hub_config.configure(c, data_dir=tmp_path)
    assert c.JupyterHub.default_url == "/hub/home"
    spawner = SimpleNamespace(user=SimpleNamespace(name="root", admin=True, groups=[]),
                              default_url=c.Spawner.default_url)
    asyncio.run(c.Spawner.pre_spawn_hook(spawner))
    assert calls == [spawner] and spawner.default_url == "/lab"
    plain = Config()
    hub_config.configure(plain, data_dir=tmp_path)  # no notebook configured: no hook needed
    assert "pre_spawn_hook" not in plain.Spawner and callable(plain.JupyterHub.default_url)


# ---- a real hub, in Chromium -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from hubtools import call, running_hub
    from test_hub_cohorts_api import cohort_text
    people = ["faca", "facb", "ann", "bob", "cid"]
    with running_hub(tmp_path_factory.mktemp("hub"), people, []) as (s, tokens):
        admin = s.admin_token
        for group, members in (("cohort-a", ["ann", "bob"]), ("cohort-b", ["cid"]), ("cohort-c", ["cid"])):
            assert call(f"{s.url}/hub/api/groups/{group}", admin, "POST")[0] == 201
            assert call(f"{s.url}/hub/api/groups/{group}/users", admin, "POST", {"users": members})[0] == 200
        folder = s.service_data / "cohorts"
        (folder / "a.yaml").write_text(cohort_text("Cohort A", "cohort-a", "faca"), encoding="utf-8")
        (folder / "b.yaml").write_text(cohort_text("Cohort B", "cohort-b", "facb"), encoding="utf-8")
        (folder / "c.yaml").write_text(cohort_text("Cohort C", "cohort-c", "faca"), encoding="utf-8")
        for user, name in (("ann", HOSTILE), ("bob", "Bob Binder"), ("cid", "Cid Cedar")):
            send(s, tokens[user], user, name, "first")
        yield s, tokens


def send(s, token, user, name, text):
    from hubtools import call
    doc = {"schema_version": 2, "participant": {"id": user, "name": name}, "answers": {KEY: {"value": text}}}
    status, body = call(f"{s.service_url}api/submissions", token, "POST", doc)
    assert status == 201, (status, body)


def test_dashboard_in_chromium(hub, tmp_path):
    from axe import violations
    from hubtools import browser_login
    from labtools import chromium
    from playwright.sync_api import expect

    s, tokens = hub
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        # A facilitator's login (no ?next) lands on the dashboard, not on an empty JupyterLab.
        page.goto(f"{s.url}/hub/login")
        page.get_by_label("Username").fill("faca")
        page.get_by_label("Password").fill(s.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/services/leading-edge/"), timeout=60_000)
        expect(page.get_by_role("heading", level=1)).to_have_text("Leading Edge · Cohort A")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), page.evaluate(
            "[document.documentElement.scrollWidth, innerWidth]")
        assert "Times are in America/Chicago" in page.inner_text("header")
        assert page.evaluate("window.__pwned") is None  # the hostile name is text
        expect(page.locator("tr[data-user=ann] th a")).to_have_text(HOSTILE)
        assert page.locator("tr[data-user=ann] th a").get_attribute("href") == "participants/ann"
        assert page.locator("tr[data-user]").evaluate_all("rs => rs.map(r => r.dataset.user)") == ["ann", "bob"]
        assert violations(page) == []
        page.screenshot(path=tmp_path / "dashboard-1280x800.png")  # kept with the test's files, to look at

        # The grid scrolls inside its box; the name column stays in view.
        box = page.locator(".grid-box")
        wide = box.evaluate("b => b.scrollWidth > b.clientWidth")
        if not wide:  # it fits: make the window narrow enough to need sideways scrolling
            page.set_viewport_size({"width": 800, "height": 800})
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
        assert box.evaluate("b => b.scrollLeft") > 0
        name = page.locator("tr[data-user=bob] th").bounding_box()
        frame = box.bounding_box()
        assert abs(name["x"] - frame["x"]) < 3, (name, frame)  # stuck to the box's left edge
        page.set_viewport_size({"width": 1280, "height": 800})

        # A new send shows without a reload; focus and the grid's scroll stay where they were.
        page.evaluate("window.__same = 1")
        page.locator("#cohort").focus()
        box.evaluate("b => { b.scrollLeft = 40; }")
        before = box.evaluate("b => b.scrollLeft")
        doc = {"schema_version": 2, "participant": {"id": "bob", "name": "Bob Binder"},
               "answers": {KEY: {"value": "more"}, "visioning.core_beliefs.what_i_do": {"value": "and more"}}}
        from hubtools import call
        assert call(f"{s.service_url}api/submissions", tokens["bob"], "POST", doc)[0] == 201
        cell = page.locator('tr[data-user=bob] td[aria-label^="Visioning"]')
        expect(cell).to_have_text(re.compile(r"^1/"))
        expect(cell).to_have_text(re.compile(r"^2/"), timeout=30_000)
        expect(cell).to_have_attribute("aria-label", re.compile(r"Visioning: 2 of \d+ answered"))
        assert page.evaluate("window.__same") == 1  # the same page: no reload
        assert page.evaluate("document.activeElement.id") == "cohort"
        assert box.evaluate("b => b.scrollLeft") == before
        expect(page.locator("#refresh-status")).to_contain_text("1 participant updated")
        # Feedback counts follow too: feedback written elsewhere shows as unread, then the
        # participant marks it read, all without a reload.
        fb = page.locator("tr[data-user=bob] td.fb")
        expect(fb).to_contain_text("new send")
        status, item = call(f"{s.service_url}api/feedback/bob", tokens["faca"], "POST",
                            {"worksheet": "visioning.core_beliefs", "text": "Noted."})
        assert status == 201, item
        expect(fb).to_have_text("1 unread", timeout=30_000)  # answered: the send is no longer new
        unread_before = int(page.locator("#count-unread").inner_text())
        assert call(f"{s.service_url}api/feedback/bob/{item['id']}/read", tokens["bob"], "POST")[0] == 200
        expect(fb).to_have_text("—", timeout=30_000)
        expect(page.locator("#count-unread")).to_have_text(str(unread_before - 1))
        assert page.evaluate("window.__same") == 1

        # The picker switches cohorts.
        page.locator("#cohort").select_option("c")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Leading Edge · Cohort C")
        assert page.url.endswith("?cohort=c")
        assert page.locator("tr[data-user]").evaluate_all("rs => rs.map(r => r.dataset.user)") == ["cid"]
        assert violations(page) == []

        # B's facilitator sees B only: no picker, no A, and A's page is closed to them.
        other = browser.new_page(viewport={"width": 1280, "height": 800})
        browser_login(other, s, "facb")
        expect(other.get_by_role("heading", level=1)).to_have_text("Leading Edge · Cohort B", timeout=60_000)
        assert other.locator("#cohort").count() == 0 and other.locator("tr[data-user=ann]").count() == 0
        response = other.goto(f"{s.service_url}?cohort=a")
        assert response.status == 403 and "Bob Binder" not in other.inner_text("body")
        assert other.locator("tr[data-user]").count() == 0



def test_attendance_is_kept_per_cohort(hub):
    """Each cohort's attendance page lists its own members and saves to its own sheet; only its
    facilitators (and hub admins) open it."""
    import html

    from hubtools import call

    s, tokens = hub
    page = f"{s.service_url}attendance"
    status, body = call(page, tokens["facb"])  # no ?cohort: the first cohort they run
    text = html.unescape(body.decode())
    assert status == 200 and "Cohort B" in text and 'name="participant" value="cid"' in text
    assert "Times are in America/Chicago" in text and 'value="ann"' not in text
    assert call(f"{page}?cohort=a", tokens["facb"])[0] == 403
    assert call(f"{page}?cohort=a", tokens["ann"])[0] == 403
    status, body = call(f"{page}?cohort=a", tokens["faca"])
    text = body.decode()
    assert status == 200 and 'value="ann"' in text and 'value="bob"' in text and 'value="cid"' not in text
    assert 'action="attendance?cohort=a"' in text
    version = re.search(r'name="version" value="([^"]+)"', text).group(1)
    status, body = call(f"{page}?cohort=a", tokens["faca"], "POST",
                        form=[("version", version), ("participant", "ann"), ("participant", "bob"),
                              ("event", "visioning"), ("p:visioning:ann", "1")])
    assert status == 200 and "1 cell changed" in body.decode(), body[:500]
    sheet = (s.service_data / "attendance-a.csv").read_text(encoding="utf-8-sig")
    assert re.search(r"^ann,.*,yes", sheet, re.M), sheet
    assert not (s.service_data / "attendance-b.csv").exists()
    status, body = call(f"{s.service_url}attendance.csv?cohort=a", tokens["faca"])
    assert status == 200 and b"ann" in body
    assert call(f"{s.service_url}attendance.csv?cohort=a", tokens["facb"])[0] == 403
