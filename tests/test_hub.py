"""The cohort on a real JupyterHub: real proxy, real Unix users, servers spawned as those users.

Two participants write answers with the kit inside their own servers' kernels and press Send (the
same call the notebook button makes); a facilitator (a member of the hub group) reads progress, the
export and the dashboard in Chromium. Needs root (to create users and spawn as them), as in CI.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import time
import zipfile

import pytest
from axe import violations
from helpers import pdf_text
from hubtools import (
    browser_login,
    call,
    find_service_pid,
    hub_of_unix_users,
    open_as_app,
    run_in_kernel,
    start_server,
)

from llc_exercises.core import definitions as defs

if os.geteuid() != 0 or not shutil.which("useradd"):
    pytest.skip("real-hub tests create Unix users and spawn servers as them: run as root (CI does)",
                allow_module_level=True)

ANN, BEN, FAC = "llcann", "llcben", "llcfac"
ANN_TEXT = "Ann: every learner deserves a librarian who says yes. ✓ <b>bold?</b>"
BEN_TEXT = "Ben: the library is the school's living room."
HOSTILE = '<img src=x onerror="window.__pwned=1">'
KEY = "visioning.core_beliefs.why"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with hub_of_unix_users(tmp_path_factory.mktemp("hub"), [ANN, BEN], [FAC], default_url="/lab") as hub:
        yield hub


def send_from_server(s, tokens, user: str, name: str, text: str) -> dict:
    """In the participant's own server: save details and one answer with the kit, then Send."""
    start_server(s.url, s.admin_token, user)
    code = f"""
import json, os
from llc_exercises.core import identity
from llc_exercises.participant import submit
store = identity.current_store()
store.set_participant(name={name!r}, school="Oak Hollow (fictional)")
store.set({KEY!r}, {text!r})
try:
    sent = submit.send(store)
    result = {{"answered": sent.answered, "submitted": sent.submitted}}
except submit.SendError as exc:
    result = {{"error": str(exc)}}
result.update(path=str(store.path), user=os.environ["JUPYTERHUB_USER"], service=submit.service_url())
print(json.dumps(result))
"""
    return json.loads(run_in_kernel(s.url, user, tokens[user], code).strip().splitlines()[-1])


def api(s, path):
    return f"{s.service_url}api/{path}"


def test_participants_send_from_their_own_servers(hub):
    s, tokens, homes = hub
    for user, name, text in [(ANN, "Ann Example (fictional)", ANN_TEXT), (BEN, HOSTILE, BEN_TEXT)]:
        result = send_from_server(s, tokens, user, name, text)
        assert "error" not in result, result
        assert result["user"] == user and result["answered"] >= 1
        assert result["path"] == str(homes[user] / ".leading-edge" / "answers" / f"{user}.json")

    # Each answers file is its owner's alone: 0600 in a 0700 folder, unreadable to the other user.
    f = homes[ANN] / ".leading-edge" / "answers" / f"{ANN}.json"
    st = f.stat()
    assert oct(st.st_mode & 0o777) == "0o600" and oct(f.parent.stat().st_mode & 0o777) == "0o700"
    assert st.st_uid == int(subprocess.run(["id", "-u", ANN], capture_output=True, text=True).stdout)
    peek = subprocess.run(["runuser", "-u", BEN, "--", "cat", str(f)], capture_output=True, text=True)
    assert peek.returncode != 0 and ANN_TEXT not in peek.stdout

    # Stored as sent, under the token's owner.
    status, body = call(api(s, f"submissions/{ANN}"), tokens[ANN])
    assert status == 200 and body["document"]["answers"][KEY]["value"] == ANN_TEXT
    assert body["document"]["participant"]["id"] == ANN


def test_who_may_read_what(hub):
    s, tokens, _ = hub
    assert call(api(s, f"submissions/{BEN}"), tokens[ANN])[0] == 403
    assert call(api(s, "progress"), tokens[ANN])[0] == 403
    assert call(api(s, "export.zip"), tokens[ANN])[0] == 403
    status, body = call(api(s, f"submissions/{ANN}"), tokens[FAC])
    assert status == 200 and body["document"]["answers"][KEY]["value"] == ANN_TEXT
    # A hub admin outside the group is a facilitator too (the service asks the Hub for the flag).
    status, _ = call(f"{s.url}/hub/api/users/llcadmin", s.admin_token, "POST", {"admin": True})
    assert status in (201, 409)
    admin_token = call(f"{s.url}/hub/api/users/llcadmin/tokens", s.admin_token, "POST", {})[1]["token"]
    status, body = call(api(s, "progress"), admin_token)
    assert status == 200 and "llcadmin" not in {p["user"] for p in body["participants"]}
    status, body = call(api(s, "progress"), "not-a-real-token")
    assert status == 401 and "token" in body["error"]
    assert call(api(s, "progress"))[0] == 401


def test_bad_bodies_are_refused_and_store_nothing(hub):
    s, tokens, _ = hub
    before = call(api(s, f"submissions/{BEN}"), tokens[FAC])[1]
    # Ann claims to be Ben: refused, and Ben's latest is untouched.
    forged = {"schema_version": 2, "participant": {"id": BEN}, "answers": {KEY: {"value": "forged"}}}
    status, body = call(api(s, "submissions"), tokens[ANN], "POST", forged)
    assert status == 400 and BEN in body["error"] and ANN in body["error"]
    after = call(api(s, f"submissions/{BEN}"), tokens[FAC])[1]
    assert after["id"] == before["id"] and after["document"]["answers"][KEY]["value"] == BEN_TEXT
    assert call(api(s, f"submissions/{ANN}"), tokens[ANN])[1]["document"]["answers"][KEY]["value"] == ANN_TEXT

    status, body = call(api(s, "submissions"), tokens[ANN], "POST", raw=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    bad = {"schema_version": 2, "participant": {"id": ANN}, "answers": {"visioning.nope.x": {"value": 1},
                                                                       "visioning.core_beliefs.why": {"value": 5}}}
    status, body = call(api(s, "submissions"), tokens[ANN], "POST", bad)
    assert status == 400
    assert any("visioning.nope.x" in p for p in body["problems"])
    assert any("visioning.core_beliefs.why" in p for p in body["problems"])
    big = {"schema_version": 2, "participant": {"id": ANN}, "answers": {KEY: {"value": "x" * 6_000_000}}}
    status, body = call(api(s, "submissions"), tokens[ANN], "POST", big)
    assert status == 413 and "MB" in body["error"]
    assert call(api(s, f"submissions/{ANN}"), tokens[ANN])[1]["document"]["answers"][KEY]["value"] == ANN_TEXT


def test_facilitator_progress_and_export(hub):
    s, tokens, _ = hub
    status, body = call(api(s, "progress"), tokens[FAC])
    assert status == 200
    people = {p["user"]: p for p in body["participants"]}
    assert set(people) == {ANN, BEN}  # the facilitator is not listed as a participant
    visioning = next(x for x in body["sessions"] if x["id"] == "visioning")
    assert people[ANN]["sessions"]["visioning"] == {
        "answered": 1, "total": visioning["total"], "last_change": people[ANN]["last_change"]}
    assert people[ANN]["last_submission"] and people[ANN]["submissions"] >= 1
    assert people[BEN]["name"] == HOSTILE

    status, data = call(api(s, "export.zip"), tokens[FAC])
    assert status == 200
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(zf.namelist()) == sorted(["roster.csv", f"answers/{ANN}.json", f"answers/{BEN}.json"])
    roster = zf.read("roster.csv").decode()
    assert roster.splitlines()[0] == "id,name,school,district,cohort" and f"{ANN},Ann Example" in roster
    assert json.loads(zf.read(f"answers/{ANN}.json"))["answers"][KEY]["value"] == ANN_TEXT


def test_dashboard_in_chromium_shows_text_inert_and_builds_pdfs(hub):
    from playwright.sync_api import expect, sync_playwright

    from llc_exercises.documents.pdf import CHROMIUM_FLAGS, find_chromium

    s, tokens, _ = hub
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            browser_login(page, s, FAC)
            page.wait_for_selector("text=cohort dashboard", timeout=60_000)
            grid = page.locator("table.grid")
            assert grid.locator("th", has_text=ANN).count() == 1
            ben_row = grid.locator("tr", has_text=BEN)
            assert HOSTILE in ben_row.inner_text()  # shown as the characters typed
            assert grid.locator("img").count() == 0
            assert page.evaluate("window.__pwned") is None and not dialogs
            # the Visioning cell (Orientation, session 0, comes first)
            cell = ann_cell = grid.locator("tr", has_text=ANN).locator('td.s[aria-label^="Visioning"]')
            assert "1/" in ann_cell.inner_text() and "answered" in cell.get_attribute("aria-label")

            page.get_by_role("button", name="Build all workbooks").click()
            expect(page.locator("#build-status")).to_contain_text("Built", timeout=240_000)
            status = page.locator("#build-status").inner_text()
            assert "Built 2 of 2 workbooks" in status, (status, page.locator("#build-files").inner_text())
            link = page.locator("#build-files a", has_text=ANN)
            resp = page.request.get(link.get_attribute("href") and
                                    f"{s.service_url}{link.get_attribute('href')}")
            assert resp.status == 200 and resp.body()[:5] == b"%PDF-"
            # Every PDF in one zip, listed by participant name.
            everything = page.get_by_role("link", name="Download all PDFs (zip)")
            expect(everything).to_be_visible()
            resp = page.request.get(f"{s.service_url}{everything.get_attribute('href')}")
            with zipfile.ZipFile(io.BytesIO(resp.body())) as z:
                assert sorted(z.namelist()) == sorted(f"workbook-{u}.pdf" for u in (ANN, BEN))
                assert all(z.read(n)[:5] == b"%PDF-" for n in z.namelist())
            # The whole dashboard, its grid, legend, progress bar and links to the built files included.
            assert page.locator("#build-files a").count() == 2 and not violations(page)

            # A participant's own page: the history of what they sent.
            mine = browser.new_page()
            browser_login(mine, s, ANN)
            mine.wait_for_selector("text=my submissions", timeout=60_000)
            assert mine.locator("table.grid tbody tr td.s").count() > 0 and not violations(mine)
        finally:
            browser.close()
    pdfs = sorted((s.service_data / "builds").glob(f"*/workbooks/workbook-{ANN}.pdf"))
    assert pdfs and ANN_TEXT.split(" <b>")[0][:40] in pdf_text(pdfs[-1], raw=False).replace("\n", " ")


def test_service_restart_loses_nothing_and_send_recovers(hub):
    s, tokens, homes = hub
    before = call(api(s, f"submissions/{ANN}"), tokens[ANN])[1]
    pid = find_service_pid(s.service_data)
    assert pid
    os.kill(pid, signal.SIGKILL)
    # While it is down, Send says so, and Ann's own file keeps her answer.
    down = send_from_server(s, tokens, ANN, "Ann Example (fictional)", ANN_TEXT + " (again)")
    assert "Could not reach" in down.get("error", "") and down["path"] in down["error"]
    saved = json.loads((homes[ANN] / ".leading-edge" / "answers" / f"{ANN}.json").read_text())
    assert saved["answers"][KEY]["value"] == ANN_TEXT + " (again)"
    # The Hub restarts its managed service (it polls every 30 s); nothing acknowledged is lost.
    deadline = time.monotonic() + 90
    while call(api(s, "health"))[0] != 200:
        assert time.monotonic() < deadline, "the Hub did not restart the service"
        time.sleep(1)
    assert find_service_pid(s.service_data) not in (None, pid)
    after = call(api(s, f"submissions/{ANN}"), tokens[ANN])[1]
    assert after["id"] == before["id"] and after["document"] == before["document"]
    assert call(api(s, f"submissions/{BEN}"), tokens[FAC])[1]["document"]["answers"][KEY]["value"] == BEN_TEXT
    retry = send_from_server(s, tokens, ANN, "Ann Example (fictional)", ANN_TEXT + " (again)")
    assert "error" not in retry, retry
    latest = call(api(s, f"submissions/{ANN}"), tokens[ANN])[1]
    assert latest["id"] > before["id"] and latest["document"]["answers"][KEY]["value"].endswith("(again)")


def test_a_session_opens_as_an_app_page_on_the_hub(hub):
    """`llc link --app` sends participants to voila/render/…: in a participant's own server, Voila
    (installed with the kit) shows the session as a form with no code, filled from their own file."""
    from labtools import chromium

    s, tokens, homes = hub
    start_server(s.url, s.admin_token, ANN)
    run_in_kernel(s.url, ANN, tokens[ANN],
                  f"from llc_exercises.core import identity\nidentity.current_store().set({KEY!r}, {ANN_TEXT!r})")
    with chromium() as browser:
        page = browser.new_page()
        open_as_app(page, s, ANN, homes[ANN])  # the kit where nbgitpuller would have put it
        box = page.get_by_label("Why do you do it?")
        box.wait_for(timeout=120_000)
        assert box.input_value() == ANN_TEXT  # the participant's own answer, from their own file
        assert "llc.show(" not in page.inner_text("body")  # a form, not code
        assert page.locator(".llc-ws").count() == len(defs.session("visioning").worksheets)
