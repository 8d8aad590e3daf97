"""Submissions (SQLite), their checks, the export, the dashboard pages, hub configuration, the
nbgitpuller link and the participant's Send form — everything of the hub service below HTTP."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
import urllib.parse

import pytest
from helpers import SAMPLE
from traitlets.config import Config

from llc_exercises import cli
from llc_exercises.core.store import AnswerStore
from llc_exercises.hub import config as hub
from llc_exercises.hub import dashboard
from llc_exercises.hub.exports import export_files
from llc_exercises.hub.progress import sessions_summary
from llc_exercises.hub.submissions import (
    MAX_BODY_BYTES,
    GroupCommit,
    SubmissionDB,
    SubmissionRejected,
    check_submission,
    summarize,
)
from llc_exercises.participant import submit

KEY = "visioning.core_beliefs.why"


def doc_for(pid: str, text: str = "hello", **participant) -> dict:
    return {"schema_version": 2, "participant": {"id": pid, **participant},
            "answers": {KEY: {"value": text, "updated": "2026-11-01T10:00:00.000+00:00"},
                        "visioning.core_beliefs.what_i_do": {"value": "  ", "updated": "2026-11-02T10:00:00+00:00"}}}


def body(doc) -> bytes:
    return json.dumps(doc).encode()


def test_summary_counts_answers_per_session_and_ignores_blanks():
    s = summarize(doc_for("ann"))
    assert s["visioning"]["answered"] == 1  # the blank answer does not count
    assert s["visioning"]["last_change"] == "2026-11-01T10:00:00.000+00:00"
    assert s["relationships"] == {"answered": 0, "total": s["relationships"]["total"], "last_change": None}
    assert s["visioning"]["total"] == next(x["total"] for x in sessions_summary() if x["id"] == "visioning")


def test_check_submission_files_under_the_owner_only():
    assert check_submission("ann", body(doc_for("ann")))["participant"]["id"] == "ann"
    nameless = doc_for("ann")
    del nameless["participant"]["id"]
    assert check_submission("ann", body(nameless))["participant"]["id"] == "ann"
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("ann", body(doc_for("ben")))
    assert exc.value.status == 400 and "'ben'" in str(exc.value) and "'ann'" in str(exc.value)


@pytest.mark.parametrize("raw, status, words", [
    (b"{nope", 400, "not a JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (json.dumps({"participant": "x", "answers": {}}).encode(), 400, "'participant' must be an object"),
    (b" " * (MAX_BODY_BYTES + 1), 413, "limit is 5 MB"),
])
def test_bad_bodies_get_clear_messages(raw, status, words):
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("ann", raw)
    assert exc.value.status == status and words in str(exc.value)


def test_schema_problems_name_the_keys():
    d = doc_for("ann")
    d["answers"]["visioning.nope.x"] = {"value": 1}
    d["answers"][KEY] = {"value": 42}
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("ann", body(d))
    assert any("visioning.nope.x" in p for p in exc.value.problems)
    assert any(KEY in p and "string" in p for p in exc.value.problems)


def test_db_keeps_history_survives_reopening_and_is_private(tmp_path):
    path = tmp_path / "svc" / "submissions.sqlite"
    db = SubmissionDB(path)
    first = db.add("ann", doc_for("ann", "one"))
    db.add("ben", doc_for("ben", "b"))
    second = db.add("ann", doc_for("ann", "two"))
    db.close()
    db = SubmissionDB(path)  # as after a service restart
    assert [h.id for h in db.history("ann")] == [second.id, first.id]
    sub, doc = db.latest_document("ann")
    assert sub.id == second.id and doc["answers"][KEY]["value"] == "two"
    assert [s.user for s in db.latest_all()] == ["ann", "ben"]
    assert db.counts() == {"ann": 2, "ben": 1}
    assert db.latest_document("nobody") is None
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    db.close()


def test_names_are_those_of_each_latest_send(tmp_path):
    db = SubmissionDB(tmp_path / "s.sqlite")
    db.add("lead", doc_for("lead", name="Old Name"))
    db.add("lead", doc_for("lead", name="Lee Leader (fictional)"))
    db.add("ann", doc_for("ann", name=""))
    assert db.names(["lead", "ann", "nobody"]) == {"lead": "Lee Leader (fictional)"}
    assert db.names([]) == {}


def test_sends_arriving_together_are_stored_once_each_in_few_commits(tmp_path):
    """A session's end: 120 sends at once. Each is acknowledged with its own row, on disk (a new
    connection reads them all), and the disk is waited for a few times, not 120."""
    db = SubmissionDB(tmp_path / "s.sqlite")
    groups: list[int] = []
    add_many = db.add_many
    db.add_many = lambda sends: groups.append(len(sends)) or add_many(sends)  # counts the commits
    sends = GroupCommit(db)

    async def everyone():
        return await asyncio.gather(*(sends.add(f"p{i:03d}", doc_for(f"p{i:03d}", f"text {i}"))
                                      for i in range(120)))

    stored = asyncio.run(everyone())
    assert [s.user for s in stored] == [f"p{i:03d}" for i in range(120)]
    assert len({s.id for s in stored}) == 120 and sum(groups) == 120 and len(groups) < 10
    other = SubmissionDB(tmp_path / "s.sqlite")
    assert other.counts() == {f"p{i:03d}": 1 for i in range(120)}
    assert other.latest_document("p042")[1]["answers"][KEY]["value"] == "text 42"


def test_a_failed_commit_is_told_to_every_send_waiting_on_it(tmp_path):
    db = SubmissionDB(tmp_path / "s.sqlite")
    sends = GroupCommit(db)
    db.close()  # the disk gone: nothing can be stored

    async def two():
        return await asyncio.gather(sends.add("ann", doc_for("ann")), sends.add("ben", doc_for("ben")),
                                    return_exceptions=True)

    results = asyncio.run(two())
    assert all(isinstance(r, sqlite3.ProgrammingError) for r in results), results


def test_export_is_what_llc_build_reads_and_neutralises_formulas(tmp_path):
    db = SubmissionDB(tmp_path / "s.sqlite")
    db.add("ann", doc_for("ann", name="=HYPERLINK(\"x\")", school="Oak, \"Hollow\""))
    db.add("ben", doc_for("ben", name="Ben"))
    files = dict(export_files(db))
    assert set(files) == {"roster.csv", "answers/ann.json", "answers/ben.json"}
    rows = list(csv.DictReader(io.StringIO(files["roster.csv"].decode())))
    assert rows[0]["id"] == "ann" and rows[0]["name"].startswith("'=") and rows[0]["school"] == 'Oak, "Hollow"'
    assert json.loads(files["answers/ben.json"])["answers"][KEY]["value"] == "hello"
    from llc_exercises.core.roster import read_roster

    (tmp_path / "roster.csv").write_bytes(files["roster.csv"])
    members, problems = read_roster(tmp_path / "roster.csv")
    assert [m.id for m in members] == ["ann", "ben"] and not problems


def progress_for(people):
    return {"sessions": sessions_summary(), "participants": people}


def test_dashboard_escapes_participant_text_and_labels_cells():
    hostile = '<img src=x onerror="alert(1)">'
    total = next(x["total"] for x in sessions_summary() if x["id"] == "visioning")
    people = [{"user": "ann", "name": hostile, "school": "</td><script>x()</script>",
               "sessions": {"visioning": {"answered": 3, "total": total, "last_change": "2026-11-01T10:00:00+00:00"}},
               "last_change": "2026-11-01T10:00:00+00:00", "last_submission": "2026-11-02T09:30:00+00:00",
               "submissions": 1, "hub_last_activity": None},
              {"user": "ben", "name": "", "school": "", "sessions": None, "last_change": None,
               "last_submission": None, "submissions": 0, "hub_last_activity": None}]
    page = dashboard.dashboard_html(progress_for(people), "fac", "api/export.zip", "N0NCE", "XS<RF")
    assert hostile not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<script>x()" not in page and page.count("<script") == 1 and 'nonce="N0NCE"' in page
    assert 'data-xsrf="XS&lt;RF"' in page
    assert f'aria-label="Visioning: 3 of {total} answered">3/{total}</td>' in page
    assert "2 Nov, 09:30 UTC" in page and re.search(r'count-sent">1</span> have sent', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external assets


def test_level_buckets():
    assert [dashboard.level(a, 9) for a in (0, 1, 3, 6, 8, 9)] == [0, 1, 2, 3, 3, 4]
    assert dashboard.level(0, 0) == 0


def test_participant_history_page():
    sessions = sessions_summary()
    page = dashboard.history_html("ann<", [{"submitted": "2026-11-02T09:30:00+00:00",
                                           "progress": summarize(doc_for("ann"))}], sessions)
    assert "ann&lt;" in page and "2 Nov, 09:30 UTC" in page and "<script" not in page
    assert "Nothing sent yet" in dashboard.history_html("ann", [], sessions)


# ---- hub configuration ------------------------------------------------------------------------------
def test_configure_adds_to_settings_already_there():
    c = Config()
    c.JupyterHub.services = [{"name": "idle-culler", "command": ["cull"]}]
    c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self"]}]
    c.Spawner.environment = {"LLC_SERVICE_URL": "http://mine/", "TZ": "UTC"}
    c.JupyterHub.base_url = "/jh/"
    entry = hub.configure(c, data_dir="/srv/x", port=12345, facilitators=["fac"])
    assert [s["name"] for s in c.JupyterHub.services] == ["idle-culler", "leading-edge"]
    assert entry["url"] == "http://127.0.0.1:12345" and "/srv/x" in entry["command"]
    user = next(r for r in c.JupyterHub.load_roles if r["name"] == "user")
    assert hub.ACCESS_SCOPE in user["scopes"] and "self" in user["scopes"]
    assert c.Spawner.environment == {"LLC_SERVICE_URL": "http://mine/", "TZ": "UTC"}  # set by hand: kept
    assert hub.ACCESS_SCOPE in c.Spawner.server_token_scopes
    assert "access:servers!server" in c.Spawner.server_token_scopes
    hub.configure(c, data_dir="/srv/x")  # twice: still one service entry
    assert [s["name"] for s in c.JupyterHub.services] == ["idle-culler", "leading-edge"]

    fresh = Config()
    fresh.JupyterHub.base_url = "/jh/"
    hub.configure(fresh, port=1)
    from jupyterhub.spawner import Spawner

    assert Spawner(config=fresh).environment["LLC_SERVICE_URL"] == "http://127.0.0.1:1/jh/services/leading-edge/"


def test_configure_refuses_a_scopes_function():
    c = Config()
    c.Spawner.server_token_scopes = lambda spawner: []
    with pytest.raises(TypeError, match="server_token_scopes"):
        hub.configure(c)


def test_llc_link_prints_an_nbgitpuller_link(capsys):
    assert cli.main(["link", "--hub", "https://hub.example.org/", "--repo",
                     "https://git.example.org/district/leading-edge.git", "--branch", "cohort-2026"]) == 0
    link = capsys.readouterr().out.strip()
    parts = urllib.parse.urlsplit(link)
    assert parts.netloc == "hub.example.org" and parts.path == "/hub/user-redirect/git-pull"
    q = dict(urllib.parse.parse_qsl(parts.query))
    assert q == {"repo": "https://git.example.org/district/leading-edge.git", "branch": "cohort-2026",
                 "urlpath": "lab/tree/leading-edge/notebooks/00_orientation.ipynb"}
    assert cli.main(["link", "--hub", "hub.example.org", "--repo", "x"]) == 2
    assert "https://" in capsys.readouterr().err


# ---- the participant's Send ---------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    store = AnswerStore(tmp_path / "data" / "answers" / "ann.json", participant={"id": "ann"})
    store.set(KEY, "Kept <safe> & sound")
    return store


def test_answers_folder_is_private(saved):
    assert oct(saved.path.stat().st_mode & 0o777) == "0o600"
    assert oct(saved.path.parent.stat().st_mode & 0o777) == "0o700"


def test_off_a_hub_the_form_points_to_download_my_answers(saved, monkeypatch):
    monkeypatch.delenv("LLC_SERVICE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    form = submit.submit_form(saved)
    assert form.button is None
    # no copy of the file in the page, which would go stale: the carry section downloads it fresh
    assert "Download my answers" in form.status.value and "data:" not in form.status.value
    assert str(saved.path) in form.status.value and "llc-form" in form._dom_classes
    with pytest.raises(submit.SendError, match="no Leading Edge service"):
        submit.send(saved)


def test_send_to_a_service_that_is_down_says_so_and_keeps_the_file(saved, monkeypatch):
    from llc_exercises.core.ports import free_port

    monkeypatch.setenv("LLC_SERVICE_URL", f"http://127.0.0.1:{free_port()}/services/leading-edge")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    before = saved.path.read_bytes()
    form = submit.submit_form(saved)
    assert form.button.description == "Send my answers to my facilitator"
    form.button.click()
    assert "Not sent" in form.status.value and "Could not reach" in form.status.value
    assert str(saved.path) in form.status.value and 'role="alert"' in form.status.value
    assert saved.path.read_bytes() == before and not form.button.disabled


def test_sample_answers_are_accepted_as_submissions():
    for path in sorted((SAMPLE / "answers").glob("*.json"))[:5]:
        pid = path.stem
        assert check_submission(pid, path.read_bytes())["participant"]["id"] == pid


def test_a_damaged_answers_file_is_named_not_sent(saved, monkeypatch):
    monkeypatch.setenv("LLC_SERVICE_URL", "http://127.0.0.1:9/services/leading-edge/")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    saved.set(KEY, "second save makes a backup")
    saved.path.write_text("{damaged")
    with pytest.raises(submit.SendError, match="damaged") as exc:
        submit.send(saved)
    assert "llc restore" in str(exc.value) and saved.path.read_text() == "{damaged"


def test_a_build_with_nobody_to_build_leaves_no_folder(tmp_path):
    from llc_exercises.hub.jobs import Builds

    builds = Builds(tmp_path / "builds", SubmissionDB(tmp_path / "s.sqlite"), jobs=1)
    with pytest.raises(SubmissionRejected) as exc:
        builds.start()
    assert exc.value.status == 409 and "Nobody has sent" in str(exc.value)
    assert builds.status() == {} and not (tmp_path / "builds").exists()
