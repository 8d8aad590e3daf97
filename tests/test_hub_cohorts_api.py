"""Cohorts, teams and feedback through the service's API on a real JupyterHub (issue 20, item 2).

Two cohorts as files in the service's cohorts folder, their groups made through the Hub's REST API
as an admin would: cohort A (facilitator ``faca``; team North led by ``lead`` with ``ann`` and
``bob``; team South led by ``dee`` with ``eve``) and cohort B (facilitator ``facb``; participant
``cid``); ``boss`` is a hub admin. Nobody is in the legacy ``facilitators`` group, so every right
here comes from the cohort files. No server is spawned: API tokens are all these calls need.
"""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from helpers import SAMPLE
from hubtools import call, running_hub

BASE = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8").replace("attendance: attendance.csv\n", "")
KEY = "visioning.core_beliefs.why"
SHEET = "visioning.core_beliefs"
HOSTILE = '<img src=x onerror="window.__pwned=1"> </textarea><script>alert(1)</script> "\' & ✓ {{ 7*7 }}'
ROLES = ("boss", "faca", "facb", "lead", "ann", "bob", "cid")
A_MEMBERS = {"lead", "ann", "bob", "dee", "eve"}
TEAMS_A = ("teams:\n  - name: North\n    leader: lead\n    members: [ann, bob]\n"
           "  - name: South\n    leader: dee\n    members: [eve]\n")


def cohort_text(name: str, group: str, facilitator: str, teams: str = "") -> str:
    text = BASE.replace('name: "LLC-2025 (sample)"', f'name: "{name}"', 1)
    text = text.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {facilitator}\n', 1)
    return text + f"hub_group: {group}\n" + teams


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    people = ["faca", "facb", *sorted(A_MEMBERS), "cid"]
    with running_hub(tmp_path_factory.mktemp("hub"), people, []) as (s, tokens):
        admin = s.admin_token
        status, _ = call(f"{s.url}/hub/api/users/boss", admin, "POST", {"admin": True})
        assert status == 201, status
        tokens["boss"] = call(f"{s.url}/hub/api/users/boss/tokens", admin, "POST", {})[1]["token"]
        for group, members in (("cohort-a", sorted(A_MEMBERS)), ("cohort-b", ["cid"])):
            assert call(f"{s.url}/hub/api/groups/{group}", admin, "POST")[0] == 201
            status, body = call(f"{s.url}/hub/api/groups/{group}/users", admin, "POST", {"users": members})
            assert status == 200, (status, body)
        folder = s.service_data / "cohorts"
        assert folder.is_dir()  # the service makes its default cohorts folder
        (folder / "a.yaml").write_text(cohort_text("Cohort A", "cohort-a", "faca", TEAMS_A), encoding="utf-8")
        (folder / "b.yaml").write_text(cohort_text("Cohort B", "cohort-b", "facb"), encoding="utf-8")
        for user in [*sorted(A_MEMBERS), "cid"]:
            doc = {"schema_version": 2, "participant": {"id": user}, "answers": {KEY: {"value": f"{user} wrote"}}}
            status, body = call(api(s, "submissions"), tokens[user], "POST", doc)
            assert status == 201, (status, body)
        yield s, tokens


def api(s, path: str) -> str:
    return f"{s.service_url}api/{path}"


def cohorts_of(s, token) -> dict:
    status, body = call(api(s, "cohorts"), token)
    assert status == 200, (status, body)
    return body


def feedback(s, token, user: str, text: str = "Good start.", worksheet: str = SHEET):
    return call(api(s, f"feedback/{user}"), token, "POST", {"worksheet": worksheet, "text": text})


def test_the_cohorts_each_role_sees(hub):
    s, tokens = hub
    deadline = time.monotonic() + 5  # the files were written a moment ago: read within a second
    while sorted(c["id"] for c in cohorts_of(s, tokens["boss"])["cohorts"]) != ["a", "b"]:
        assert time.monotonic() < deadline, cohorts_of(s, tokens["boss"])
        time.sleep(0.2)
    boss = cohorts_of(s, tokens["boss"])
    assert boss["problems"] == []
    a = next(c for c in boss["cohorts"] if c["id"] == "a")
    assert a["name"] == "Cohort A" and a["hub_group"] == "cohort-a" and a["facilitators"] == ["faca"]
    assert a["timezone"] == "America/Chicago"
    assert a["teams"] == [{"name": "North", "leader": "lead", "members": ["ann", "bob"]},
                          {"name": "South", "leader": "dee", "members": ["eve"]}]

    faca = cohorts_of(s, tokens["faca"])
    assert [c["id"] for c in faca["cohorts"]] == ["a"] and faca["cohorts"][0]["teams"] == a["teams"]
    assert "problems" not in faca  # files' mistakes go to admins (and the log)
    assert [c["id"] for c in cohorts_of(s, tokens["facb"])["cohorts"]] == ["b"]
    lead = cohorts_of(s, tokens["lead"])["cohorts"]
    assert [c["id"] for c in lead] == ["a"] and lead[0]["runs"] is False
    assert lead[0]["teams"] == [{"name": "North", "leader": "lead", "members": ["ann", "bob"]}]  # not South
    for participant in ("ann", "bob", "cid"):
        assert cohorts_of(s, tokens[participant])["cohorts"] == []


# Every endpoint as every role, in ROLES order: boss (hub admin), faca, facb, lead, ann, bob, cid.
MATRIX = {
    ("GET", "cohorts"): "200 200 200 200 200 200 200",
    ("GET", "cohorts/a/progress"): "200 200 403 403 403 403 403",
    ("GET", "cohorts/a/export.zip"): "200 200 403 403 403 403 403",
    ("GET", "cohorts/b/progress"): "200 403 200 403 403 403 403",
    ("GET", "cohorts/b/export.zip"): "200 403 200 403 403 403 403",
    # an unknown id: 404 for those who run a cohort; to others it is as closed as any cohort
    ("GET", "cohorts/nope/progress"): "404 404 404 403 403 403 403",
    ("GET", "cohorts/nope/export.zip"): "404 404 404 403 403 403 403",
    # builds: a cohort's for those who run it; everyone's (no ?cohort) for hub admins only
    ("GET", "builds/latest?cohort=a"): "200 200 403 403 403 403 403",
    ("GET", "builds/latest?cohort=nope"): "404 404 404 403 403 403 403",
    ("GET", "builds/latest"): "200 403 403 403 403 403 403",
    ("GET", "progress"): "200 200 200 403 403 403 403",
    ("GET", "export.zip"): "200 200 200 403 403 403 403",
    ("GET", "submissions/ann"): "200 200 403 200 200 403 403",
    ("GET", "submissions/lead"): "200 200 403 200 403 403 403",
    ("GET", "submissions/eve"): "200 200 403 403 403 403 403",
    ("GET", "submissions/cid"): "200 403 200 403 403 403 200",
    ("GET", "feedback/ann"): "200 200 403 200 200 403 403",
    ("GET", "feedback/cid"): "200 403 200 403 403 403 200",
    ("POST", "feedback/ann"): "201 201 403 201 403 403 403",
    ("POST", "feedback/eve"): "201 201 403 403 403 403 403",
    ("POST", "feedback/cid"): "201 403 201 403 403 403 403",
    ("POST", "feedback/ann/{ann_item}/read"): "403 403 403 403 200 403 403",
    ("POST", "feedback/ann/999999/read"): "403 403 403 403 404 403 403",
}


def test_every_endpoint_as_every_role(hub):
    s, tokens = hub
    status, item = feedback(s, tokens["faca"], "ann")
    assert status == 201, item
    got, want = {}, {}
    for (method, path), row in MATRIX.items():
        path = path.format(ann_item=item["id"])
        body = {"worksheet": SHEET, "text": "matrix"} if method == "POST" and path.count("/") == 1 else None
        want[method, path] = row
        got[method, path] = " ".join(str(call(api(s, path), tokens[r], method, body)[0]) for r in ROLES)
        # Without a token: 401 everywhere, before anything else is looked at.
        assert call(api(s, path), None, method, body)[0] == 401, (method, path)
    assert got == want


def test_a_cohort_build_is_its_facilitators_alone(hub):
    """B's facilitator builds B's workbooks (cid's only); A's facilitator cannot start it, see it
    or open its files, and a team leader builds nothing."""
    s, tokens = hub
    assert call(api(s, "builds?cohort=b"), tokens["faca"], "POST")[0] == 403
    assert call(api(s, "builds?cohort=a"), tokens["lead"], "POST")[0] == 403
    assert call(api(s, "builds"), tokens["facb"], "POST")[0] == 403  # everyone's: hub admins only
    status, build = call(api(s, "builds?cohort=b"), tokens["facb"], "POST")
    assert status == 202 and build["total"] == 1, build
    deadline = time.monotonic() + 240
    while not build["finished"] and time.monotonic() < deadline:
        time.sleep(2)
        build = call(api(s, "builds/latest?cohort=b"), tokens["facb"])[1]
    assert build["finished"] and [f["url"].rsplit("/", 1)[1] for f in build["files"]] == ["workbook-cid.pdf"], build
    pdf = build["files"][0]["url"]
    assert call(s.service_url + pdf, tokens["facb"])[0] == 200
    assert call(s.service_url + pdf, tokens["faca"])[0] == 403
    assert call(s.service_url + build["all_pdfs"], tokens["faca"])[0] == 403
    assert call(s.service_url + build["all_pdfs"], tokens["boss"])[0] == 200
    # A's latest build is not B's
    assert call(api(s, "builds/latest?cohort=a"), tokens["faca"])[1].get("id") != build["id"]


def test_a_cohort_progress_and_export_hold_its_members_only(hub):
    s, tokens = hub
    status, body = call(api(s, "cohorts/a/progress"), tokens["faca"])
    assert status == 200 and {p["user"] for p in body["participants"]} == A_MEMBERS
    assert next(p for p in body["participants"] if p["user"] == "ann")["submissions"] >= 1
    status, body = call(api(s, "progress"), tokens["facb"])  # all a facilitator runs: cohort B
    assert status == 200 and {p["user"] for p in body["participants"]} == {"cid"}
    status, body = call(api(s, "progress"), tokens["boss"])
    assert status == 200 and {*A_MEMBERS, "cid"} <= {p["user"] for p in body["participants"]}

    status, data = call(api(s, "cohorts/a/export.zip"), tokens["faca"])
    assert status == 200
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    # feedback/<user>.json too, for members given feedback (by other tests, on this hub or not)
    given = {n for n in names if n.startswith("feedback/")}
    assert names - given == {"roster.csv", *(f"answers/{u}.json" for u in A_MEMBERS)}
    assert given <= {f"feedback/{u}.json" for u in A_MEMBERS}
    roster = zipfile.ZipFile(io.BytesIO(data)).read("roster.csv").decode()
    assert "cid" not in roster.split() and "ann" in roster
    status, data = call(api(s, "export.zip"), tokens["facb"])
    assert status == 200 and set(zipfile.ZipFile(io.BytesIO(data)).namelist()) - {"feedback/cid.json"} == {
        "roster.csv", "answers/cid.json"}


def test_feedback_round_trip_and_read_mark(hub):
    s, tokens = hub
    status, item = feedback(s, tokens["faca"], "bob", "Bob, say more about the why.")
    assert status == 201 and set(item) >= {"id", "written"} and item["author"] == "faca"
    status, body = call(api(s, "feedback/bob"), tokens["bob"])
    assert status == 200
    mine = next(f for f in body["feedback"] if f["id"] == item["id"])
    assert mine == {**item, "read": False, "read_at": None, "author_name": "Rosalind Inkwell (fictional)",
                    "role": "facilitator"}
    assert mine["worksheet"] == SHEET and mine["text"] == "Bob, say more about the why."

    status, marked = call(api(s, f"feedback/bob/{item['id']}/read"), tokens["bob"], "POST")
    assert status == 200 and marked["read"] is True
    # Seen by its author too, and the first read time stays.
    again = call(api(s, f"feedback/bob/{item['id']}/read"), tokens["bob"], "POST")[1]
    assert again["read_at"] == marked["read_at"]
    body = call(api(s, "feedback/bob"), tokens["faca"])[1]
    assert next(f for f in body["feedback"] if f["id"] == item["id"])["read"] is True
    # Someone else's item by id: not theirs to mark (another participant's id is a 404 for them).
    assert call(api(s, f"feedback/ann/{item['id']}/read"), tokens["ann"], "POST")[0] == 404

    # Newest first.
    status, later = feedback(s, tokens["lead"], "bob", "From your team leader.")
    assert status == 201 and later["author"] == "lead"
    ids = [f["id"] for f in call(api(s, "feedback/bob"), tokens["bob"])[1]["feedback"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == later["id"]


def test_leaders_answer_their_team_only_and_facb_nothing_of_a(hub):
    s, tokens = hub
    assert feedback(s, tokens["lead"], "ann")[0] == 201
    assert feedback(s, tokens["lead"], "eve")[0] == 403  # South is dee's team
    assert feedback(s, tokens["lead"], "cid")[0] == 403
    assert feedback(s, tokens["dee"], "eve")[0] == 201
    assert feedback(s, tokens["ann"], "ann")[0] == 403  # nobody answers themselves
    for path in ["cohorts/a/progress", "cohorts/a/export.zip", *(f"submissions/{u}" for u in A_MEMBERS),
                 *(f"feedback/{u}" for u in A_MEMBERS)]:
        assert call(api(s, path), tokens["facb"])[0] == 403, path
    for u in A_MEMBERS:
        status, body = feedback(s, tokens["facb"], u)
        assert status == 403 and u in body["error"], (u, body)
    assert "a" not in {c["id"] for c in cohorts_of(s, tokens["facb"])["cohorts"]}


def test_bad_bodies_name_the_field_and_store_nothing(hub):
    s, tokens = hub
    before = len(call(api(s, "feedback/ann"), tokens["faca"])[1]["feedback"])
    status, body = feedback(s, tokens["faca"], "ann", worksheet="visioning.nope")
    assert status == 400 and "'worksheet'" in body["error"] and "visioning.nope" in body["error"]
    status, body = call(api(s, "feedback/ann"), tokens["faca"], "POST", {"text": "no sheet"})
    assert status == 400 and "'worksheet'" in body["error"]
    status, body = feedback(s, tokens["faca"], "ann", "   ")
    assert status == 400 and "'text'" in body["error"]
    status, body = call(api(s, "feedback/ann"), tokens["faca"], "POST", raw=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = feedback(s, tokens["faca"], "ann", "x" * 20_001)
    assert status == 413 and "20,000" in body["error"]
    # An outsider's bad body is a 403, not a lesson in what a good one looks like.
    assert call(api(s, "feedback/ann"), tokens["cid"], "POST", raw=b"{not json")[0] == 403
    assert len(call(api(s, "feedback/ann"), tokens["faca"])[1]["feedback"]) == before
    assert feedback(s, tokens["faca"], "ann", "y" * 20_000)[0] == 201  # the limit itself is fine
    status, body = feedback(s, tokens["boss"], "nobody")  # an admin may answer anyone, if they exist
    assert status == 404 and "nobody" in body["error"]


def test_hostile_text_is_stored_and_returned_as_written(hub):
    s, tokens = hub
    status, item = feedback(s, tokens["faca"], "ann", HOSTILE)
    assert status == 201 and item["text"] == HOSTILE
    body = call(api(s, "feedback/ann"), tokens["ann"])[1]
    assert next(f for f in body["feedback"] if f["id"] == item["id"])["text"] == HOSTILE


def test_a_cohort_file_added_while_running_shows_within_seconds(hub):
    s, tokens = hub
    path = s.service_data / "cohorts" / "c.yaml"
    path.write_text(cohort_text("Cohort C", "cohort-c", "facb"), encoding="utf-8")
    try:
        deadline = time.monotonic() + 5
        while "c" not in {c["id"] for c in cohorts_of(s, tokens["facb"])["cohorts"]}:
            assert time.monotonic() < deadline, "cohort c did not show within 5 s"
            time.sleep(0.2)
        assert call(api(s, "cohorts/c/progress"), tokens["facb"])[0] == 200
        assert call(api(s, "cohorts/c/progress"), tokens["faca"])[0] == 403
    finally:
        path.unlink()
    deadline = time.monotonic() + 5
    while "c" in {c["id"] for c in cohorts_of(s, tokens["boss"])["cohorts"]}:
        assert time.monotonic() < deadline, "cohort c still shown 5 s after its file was removed"
        time.sleep(0.2)
    assert call(api(s, "cohorts/c/progress"), tokens["boss"])[0] == 404


def test_a_broken_file_is_named_to_admins_and_the_rest_keep_serving(hub):
    s, tokens = hub
    path = s.service_data / "cohorts" / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    try:
        deadline = time.monotonic() + 5
        while not any("broken.yaml" in p for p in cohorts_of(s, tokens["boss"])["problems"]):
            assert time.monotonic() < deadline, cohorts_of(s, tokens["boss"])
            time.sleep(0.2)
        assert [c["id"] for c in cohorts_of(s, tokens["faca"])["cohorts"]] == ["a"]
        assert call(api(s, "cohorts/a/progress"), tokens["faca"])[0] == 200
    finally:
        path.unlink()


def test_configure_points_the_service_at_another_cohorts_folder(tmp_path):
    from traitlets.config import Config

    from llc_exercises.hub import configure
    from llc_exercises.hub.service import Service

    elsewhere = tmp_path / "shared-cohorts"
    elsewhere.mkdir()
    (elsewhere / "x.yaml").write_text(cohort_text("Cohort X", "cohort-x", "fac"), encoding="utf-8")
    command = configure(Config(), data_dir=tmp_path / "data", cohorts_dir=elsewhere)["command"]
    assert command[command.index("--cohorts-dir") + 1] == str(elsewhere.resolve())
    svc = Service(tmp_path / "data", api_url="http://127.0.0.1:1/hub/api", token="unused",
                  cohorts_dir=elsewhere)
    try:
        assert list(svc.cohorts.book().cohorts) == ["x"]
        assert not (tmp_path / "data" / "cohorts").exists()  # the default folder is not made
        # Feedback shares the submissions' SQLite file, private to the service.
        assert svc.feedback.path == svc.db.path and oct(svc.db.path.stat().st_mode & 0o777) == "0o600"
    finally:
        svc.feedback.close()
        svc.db.close()


def test_what_the_hub_contradicts_in_a_file_is_named_to_who_runs_it(hub):
    """An unknown group or facilitator login, a team leader outside the cohort's group: named to the
    cohort's facilitators and hub admins, while every cohort keeps serving."""
    s, tokens = hub
    path = s.service_data / "cohorts" / "d.yaml"
    teams = "teams:\n  - name: East\n    leader: cid\n    members: [ghost]\n"
    path.write_text(cohort_text("Cohort D", "cohort-a-typo", "facb", teams).replace(
        "  - name: \"Tobias Marginalia (fictional)\"\n",
        "  - name: \"Tobias Marginalia (fictional)\"\n    hub_user: nobody\n", 1), encoding="utf-8")
    try:
        deadline = time.monotonic() + 5
        while "d" not in {c["id"] for c in cohorts_of(s, tokens["facb"])["cohorts"]}:
            assert time.monotonic() < deadline, cohorts_of(s, tokens["boss"])
            time.sleep(0.2)
        d = next(c for c in cohorts_of(s, tokens["facb"])["cohorts"] if c["id"] == "d")
        said = " | ".join(d["problems"])
        assert "hub_group 'cohort-a-typo' is not a group on this hub" in said, said
        assert "facilitator hub_user 'nobody' is not a user of this hub" in said, said
        assert "team 'East' member 'ghost' is not a user of this hub" in said, said
        assert all("d.yaml" in p for p in d["problems"])
        assert set(d["problems"]) <= set(cohorts_of(s, tokens["boss"])["problems"])
        assert call(api(s, "cohorts/a/progress"), tokens["faca"])[0] == 200  # the others keep serving
    finally:
        path.unlink()
