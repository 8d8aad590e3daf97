"""Feedback in the workbook (issue 20, item 4): a hub export carries each participant's feedback
(``feedback/<user>.json``), and ``llc build`` from that export prints it under the worksheet it is
about, marked with its author and role and the time in the cohort's zone; hostile text stays text;
a bad feedback file is named and stops only its own workbook; a workbook without feedback is as
it always was. The last test runs it all on a real hub: POST api/feedback, then "Build all"."""
from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import SAMPLE, PdfText, pdf_text, squash
from pypdf import PdfReader
from test_html_valid import check, shown  # the Nu checker, as every other page is checked
from test_pdf_structure import assert_tagged, outline, sessions_outline

from llc_exercises.core import definitions as defs
from llc_exercises.documents import render
from llc_exercises.documents.feedback import FeedbackFileError, read_feedback
from llc_exercises.hub.cohorts import CohortFolder
from llc_exercises.hub.exports import export_zip
from llc_exercises.hub.feedback import FeedbackDB
from llc_exercises.hub.submissions import SubmissionDB

LLC = [sys.executable, "-m", "llc_exercises.cli"]
BASE = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8").replace("attendance: attendance.csv\n", "")
FACILITATOR = "Rosalind Inkwell (fictional)"  # the sample cohort file's facilitator
HOSTILE = "<img src=x onerror=alert(1)> </textarea><script>alert(2)</script> {{ 7*7 }} **bold**\nsecond line"
SHEET, OTHER = "visioning.core_beliefs", "visioning.mission_vision"
# avellum has feedback; ebookwright has none; mquillfeather's file is made bad after the export
WHO = ("avellum", "ebookwright", "mquillfeather")


def cohort_text(group: str, facilitator: str, teams: str = "") -> str:
    text = BASE.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {facilitator}\n', 1)
    return text + f"hub_group: {group}\n" + teams


def sample(pid: str) -> dict:
    return json.loads((SAMPLE / "answers" / f"{pid}.json").read_text(encoding="utf-8"))


def when(written: str) -> str:
    """What the workbook should print for a UTC time: the sample cohort is in America/Chicago."""
    t = dt.datetime.fromisoformat(written).astimezone(ZoneInfo("America/Chicago"))
    return f"{t.day} {t:%b %Y, %H:%M} {t.tzname()}"


@pytest.fixture
def hub_state(tmp_path):
    """The service's stores with three senders, feedback for two of them, one cohort with a team."""
    cohorts = tmp_path / "cohorts"
    cohorts.mkdir()
    (cohorts / "a.yaml").write_text(cohort_text("cohort-a", "faca", "teams:\n  - name: North\n    leader: "
                                                "ebookwright\n    members: [avellum]\n"), encoding="utf-8")
    db, fb = SubmissionDB(tmp_path / "s.sqlite"), FeedbackDB(tmp_path / "s.sqlite")
    for pid in (*WHO, "outsider"):
        db.add(pid, sample("avellum") | {"participant": {"id": pid}} if pid == "outsider" else sample(pid))
    items = [fb.add("avellum", SHEET, "faca", "Lovely beliefs.\nKeep going."),
             fb.add("avellum", SHEET, "ebookwright", HOSTILE),
             fb.add("avellum", OTHER, "faca", "A clear mission."),
             fb.add("outsider", SHEET, "faca", "Not for this cohort's export.")]
    groups = {pid: {"cohort-a"} for pid in WHO}
    yield db, fb, CohortFolder(cohorts).book(), groups, items
    db.close()
    fb.close()


def test_an_export_carries_each_exported_participants_feedback_and_nobody_elses(hub_state):
    db, fb, book, groups, items = hub_state
    data = export_zip(db, set(WHO), fb, book, groups)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert set(zf.namelist()) == {"roster.csv", *(f"answers/{p}.json" for p in WHO), "feedback/avellum.json"}
    doc = json.loads(zf.read("feedback/avellum.json"))
    assert set(doc) == {"user", "timezone", "feedback"}
    assert doc["user"] == "avellum" and doc["timezone"] == "America/Chicago"
    # as GET api/feedback/<user> gives them: newest first, with names and roles
    names = {"faca": (FACILITATOR, "facilitator"), "ebookwright": ("Ezra Bookwright", "team leader")}
    assert doc["feedback"] == [
        {**f.as_json(), "author_name": names[f.author][0], "role": names[f.author][1]}
        for f in reversed(items[:3])]
    assert "Not for this cohort" not in data.decode("latin-1")  # deflated, but check the raw bytes too
    assert all("outsider" not in n for n in zf.namelist())


def test_without_feedback_the_export_is_as_before(hub_state):
    db, _fb, _book, _groups, _items = hub_state
    names = set(zipfile.ZipFile(io.BytesIO(export_zip(db, set(WHO)))).namelist())
    assert names == {"roster.csv", *(f"answers/{p}.json" for p in WHO)}


def feedback_file(tmp_path: Path, doc) -> Path:
    path = tmp_path / "feedback" / "avellum.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


GOOD_ITEM = {"id": 1, "worksheet": SHEET, "author": "faca", "author_name": "R", "text": "hi",
             "written": "2027-01-12T22:04:00+00:00", "read": False, "read_at": None}


@pytest.mark.parametrize(("doc", "field"), [
    ("{not json", "could not be read as JSON"),
    ([], "the file must be a JSON object"),
    ({"user": "ebookwright", "timezone": None, "feedback": []}, "'user' is 'ebookwright'"),
    ({"user": "avellum", "timezone": "Mars/Olympus", "feedback": []}, "'timezone' 'Mars/Olympus'"),
    ({"user": "avellum", "timezone": None, "feedback": {}}, "'feedback' must be a list"),
    ({"user": "avellum", "timezone": None, "feedback": [GOOD_ITEM, 7]}, "feedback[1] must be an object"),
    ({"user": "avellum", "timezone": None, "feedback": [{**GOOD_ITEM, "worksheet": "nowhere.x"}]},
     "feedback[0].worksheet 'nowhere.x' is not a worksheet"),
    ({"user": "avellum", "timezone": None, "feedback": [{**GOOD_ITEM, "text": ""}]}, "feedback[0].text is missing"),
    ({"user": "avellum", "timezone": None, "feedback": [{**GOOD_ITEM, "written": "yesterday"}]},
     "feedback[0].written 'yesterday' is not an ISO 8601 time"),
    ({"user": "avellum", "timezone": None, "feedback": [{**GOOD_ITEM, "role": "boss"}]}, "feedback[0].role 'boss'"),
])
def test_a_bad_feedback_file_is_named_with_its_field(tmp_path, doc, field):
    path = feedback_file(tmp_path, doc)
    with pytest.raises(FeedbackFileError) as caught:
        read_feedback(path, "avellum")
    assert str(path) in str(caught.value) and field in str(caught.value), str(caught.value)


def test_roles_come_from_the_file_else_from_the_cohort_file_else_none(tmp_path, hub_state):
    _db, _fb, book, _groups, _items = hub_state
    cohort = book.cohorts["a"]
    items = [GOOD_ITEM | {"id": 3, "author": "ebookwright", "written": "2027-01-12T23:00:00Z"},
             GOOD_ITEM | {"id": 2, "author": "someone"}, GOOD_ITEM | {"role": "team leader"}]
    path = feedback_file(tmp_path, {"user": "avellum", "timezone": None, "feedback": items})
    plain = read_feedback(path, "avellum")
    assert [(i["author"], i["role"]) for i in plain["items"]] == [  # oldest first
        ("faca", "team leader"), ("someone", None), ("ebookwright", None)]
    assert plain["timezone"] is None
    withc = read_feedback(path, "avellum", cohort)
    assert [i["role"] for i in withc["items"]] == ["team leader", None, "team leader"]
    assert withc["timezone"] == "America/Chicago"  # the file had none: the cohort's
    facilitated = read_feedback(feedback_file(tmp_path, {"user": "avellum", "timezone": "Europe/Paris",
                                                         "feedback": [GOOD_ITEM]}), "avellum", cohort)
    assert facilitated["items"][0]["role"] == "facilitator" and facilitated["timezone"] == "Europe/Paris"
    assert render.feedback_when("2027-01-12T22:04:00+00:00", None) == "12 Jan 2027, 22:04 UTC"
    assert render.feedback_when("2027-07-12T22:04:00+00:00", "America/Chicago") == "12 Jul 2027, 17:04 CDT"


def test_a_session_without_feedback_on_it_renders_exactly_as_before():
    answers = {k: v["value"] for k, v in sample("avellum")["answers"].items()}
    s = defs.session("coaching")
    elsewhere = {"timezone": "UTC", "items": [{**GOOD_ITEM, "role": None}]}  # on a visioning worksheet
    assert render.session_html(s, answers, False, elsewhere) == render.session_html(s, answers, False)
    assert render.session_markdown(s, answers, elsewhere) == render.session_markdown(s, answers)


def test_hostile_feedback_is_literal_in_html_and_markdown():
    item = {**GOOD_ITEM, "text": HOSTILE, "author_name": "<b>Lee</b>", "role": "team leader"}
    page = render.feedback_html([item], None)
    assert "<img" not in page and "<script" not in page and "<b>" not in page and "<strong>" not in page
    assert html.escape(HOSTILE.split("\n")[0], quote=True) in page
    md = "\n".join(render.feedback_markdown([item], None))
    # Markdown backslash-escapes every mark it could act on: each < and * of the text is escaped
    assert r"\<img src\=x onerror\=alert\(1\)\>" in md and r"\*\*bold\*\*" in md and r"\{\{ 7\*7 \}\}" in md
    assert not re.search(r"(?<!\\)<", md) and "\n> second line" in md


def section_of(text: str, title: str, next_title: str) -> str:
    start = text.index(squash(title))
    return text[start:text.index(squash(next_title), start)]


def test_llc_build_from_an_export_prints_feedback_under_its_worksheet(tmp_path, hub_state):
    db, fb, book, groups, items = hub_state
    folder = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(export_zip(db, set(WHO), fb, book, groups))).extractall(folder)
    # one participant's file damaged after the export: their workbook fails, named; the rest build
    (folder / "feedback" / "mquillfeather.json").write_text('{"user": "mquillfeather", "feedback": 3}',
                                                            encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([*LLC, "build", "--roster", str(folder / "roster.csv"), "--answers-dir",
                          str(folder / "answers"), "--out", str(out), "--jobs", "2", "--quiet"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 1, run.stdout + run.stderr
    bad = folder / "feedback" / "mquillfeather.json"
    assert f"✗ mquillfeather: {bad}: 'feedback' must be a list" in run.stdout, run.stdout
    assert "Built 2 of 3" in run.stdout
    assert not (out / "workbook-mquillfeather.pdf").exists()

    pdf = out / "workbook-avellum.pdf"
    text = squash(pdf_text(pdf))
    core = section_of(text, defs.worksheet(SHEET).title, defs.worksheet(OTHER).title)
    first, second = items[0], items[1]
    head1 = f"Feedback from {FACILITATOR} (facilitator) · {when(first.written)}"
    head2 = f"Feedback from Ezra Bookwright (team leader) · {when(second.written)}"
    assert squash(head1) in core and squash(head2) in core
    assert core.index(squash(head1)) < core.index(squash(head2))  # oldest first
    assert squash("Lovely beliefs.\nKeep going.") in core
    assert squash(HOSTILE) in core  # literally: nothing ran, nothing was read as Markdown or Jinja
    assert squash("A clear mission.") not in core
    mission = section_of(text, defs.worksheet(OTHER).title, defs.worksheet("visioning.soar_swot").title)
    assert squash("A clear mission.") in mission
    lines = pdf_text(pdf, raw=False).splitlines()
    assert "Lovely beliefs." in [ln.strip() for ln in lines]  # line breaks kept
    assert "Keep going." in [ln.strip() for ln in lines]
    page = (out / "workbook-avellum.html").read_text(encoding="utf-8")
    assert page.count('class="llc-feedback"') == 2
    assert "<img src=x" not in page and "<script>alert" not in page and "<strong>bold" not in page
    assert html.escape("</textarea><script>alert(2)</script> {{ 7*7 }} **bold**") in page

    # still a tagged PDF whose bookmarks are the sessions and their worksheets (feedback adds no
    # heading), and a page the Nu checker passes
    reader = PdfReader(pdf)
    assert_tagged(reader, "On the Leading Edge — workbook of Augustina Vellum")
    assert outline(reader)[0][1][1:] == sessions_outline()
    problems = check([out / "workbook-avellum.html"])
    assert not problems, "The Nu checker found:\n" + "\n".join(map(shown, problems))

    assert "Feedback from" not in PdfText(out / "workbook-ebookwright.pdf").raw
    assert "llc-feedback\"" not in (out / "workbook-ebookwright.html").read_text(encoding="utf-8")


def test_build_all_on_a_real_hub_prints_feedback_written_through_the_api(tmp_path):
    """On a real JupyterHub: the cohort's facilitator writes feedback through POST api/feedback,
    the participant's team leader too; "Build all" (POST api/builds) prints both in the workbook,
    each marked with its role and the time in the cohort's zone; the other participant's has none."""
    from hubtools import call, running_hub

    with running_hub(tmp_path / "hub", ["faca", "ann", "lead"], []) as (s, tokens):
        def api(path):
            return f"{s.service_url}api/{path}"

        admin = s.admin_token
        assert call(f"{s.url}/hub/api/users/boss", admin, "POST", {"admin": True})[0] == 201
        tokens["boss"] = call(f"{s.url}/hub/api/users/boss/tokens", admin, "POST", {})[1]["token"]
        assert call(f"{s.url}/hub/api/groups/cohort-a", admin, "POST")[0] == 201
        assert call(f"{s.url}/hub/api/groups/cohort-a/users", admin, "POST", {"users": ["ann", "lead"]})[0] == 200
        (s.service_data / "cohorts" / "a.yaml").write_text(cohort_text(
            "cohort-a", "faca", "teams:\n  - name: North\n    leader: lead\n    members: [ann]\n"), encoding="utf-8")
        for user, pid in (("ann", "avellum"), ("lead", "ebookwright")):
            doc = sample(pid) | {"participant": {**sample(pid)["participant"], "id": user}}
            status, body = call(api("submissions"), tokens[user], "POST", doc)
            assert status == 201, (status, body)
        time.sleep(1.5)  # the cohorts folder is looked at again at most once a second
        written = {}
        for author, text in (("faca", "From your facilitator: " + HOSTILE), ("lead", "From your team leader.")):
            status, item = call(api("feedback/ann"), tokens[author], "POST", {"worksheet": SHEET, "text": text})
            assert status == 201, (status, item)
            written[author] = item["written"]

        status, started = call(api("builds"), tokens["boss"], "POST")
        assert status == 202, (status, started)
        deadline = time.monotonic() + 600
        while not (st := call(api("builds/latest"), tokens["boss"])[1]).get("finished"):
            assert time.monotonic() < deadline, st
            time.sleep(2)
        assert not st["errors"], st
        workbooks = s.service_data / "builds" / str(st["id"]) / "workbooks"
        text = squash(pdf_text(workbooks / "workbook-ann.pdf"))
        core = section_of(text, defs.worksheet(SHEET).title, defs.worksheet(OTHER).title)
        fac = squash(f"Feedback from {FACILITATOR} (facilitator) · {when(written['faca'])}")
        lead = squash(f"Feedback from Ezra Bookwright (team leader) · {when(written['lead'])}")
        assert fac in core and lead in core and core.index(fac) < core.index(lead), core[:2000]
        assert squash("From your facilitator: " + HOSTILE) in core
        assert "Feedbackfrom" not in squash(pdf_text(workbooks / "workbook-lead.pdf"))
