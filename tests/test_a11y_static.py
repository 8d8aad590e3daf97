"""axe-core in Chromium on the static HTML the kit writes: workbooks (`llc build`) and the cohort's
index page, the notebooks' "My answers" summaries (the same render functions), the cohort report
and the facilitator guide. No serious or critical violation may remain (see ``axe.py``).

Each page is also checked for what it must hold — headings, tables, charts with their text
alternative — so a page that came out blank, or that axe could not look into, cannot pass.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from axe import violations
from helpers import SAMPLE
from labtools import chromium

from llc_exercises.core import definitions as defs
from llc_exercises.core import years
from llc_exercises.core.cohort import load_cohort
from llc_exercises.core.store import AnswerStore
from llc_exercises.documents import charts, render
from llc_exercises.documents.pdf import PdfEngineError, find_chromium
from llc_exercises.facilitator import agendas, guide, report, report_data

try:
    find_chromium()
except PdfEngineError as exc:
    pytest.skip(f"axe runs in a real browser, and there is none: {exc}", allow_module_level=True)

# The fullest sample file (given a last year as well, so its workbook has "This year beside last
# year"), and the one with markup and right-to-left text in its answers.
FULL, MARKUP = "bfablethorn", "tmarkup"
PEOPLE = (FULL, MARKUP)
MISSING = "nobody"  # on the roster without an answers file: the index page lists the failure
RTL = "مكتبة للجميع"
CHARTED = sum(ws.chart is not None for s in defs.sessions() for ws in s.worksheets)


def with_last_year(path: Path) -> None:
    """`llc new-year` on the file, then this year's answers put back as they were: every section
    filled, and last year's self-assessment and PD hours beside them."""
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    years.new_year(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["answers"] = answers
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store = AnswerStore(path)
    areas = store[years.SELF_ASSESSMENT]
    assert areas and store.document_extra("last_year")["answers"][years.SELF_ASSESSMENT] == areas
    store.set(years.SELF_ASSESSMENT, [{**areas[0], "level": 1 if areas[0]["level"] > 1 else 2}, *areas[1:]])


def summaries_page(answers: AnswerStore, cohort) -> str:
    """What a participant's notebooks show as static HTML, all on one page: the overview, the
    cohort's dates (also with the notes shown when the cohort file is missing or broken), every
    session's "My answers" with its charts, a chart as the practice cells draw it (PNG) and, after
    `llc new-year`, this year beside last year."""
    drawn = charts.draw(defs.worksheet("relationships.stakeholders"), answers)
    assert drawn is not None
    parts = [render.overview(defs.sessions(), answers, cohort), render.schedule(cohort),
             render.schedule(cohort, original=True, problem="cohort.yaml, line 3: not a date."),
             render.chart_static(drawn)]
    parts += [render.Static(render.session_html(s, answers), "") for s in defs.sessions()]
    comparison = render.year_over_year(answers, answers.document_extra("last_year"),
                                       answers.document_extra("program_year"))
    assert comparison is not None
    # Each display carries the stylesheet, as in a notebook; page_html keeps one copy.
    body = "<h1>My answers</h1>" + "".join(p._repr_mimebundle_()["text/html"] for p in [*parts, comparison])
    return render.page_html(body, f"My answers — {answers.participant.get('name')}")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    tmp = tmp_path_factory.mktemp("a11y")
    answers = tmp / "answers"
    answers.mkdir()
    for pid in PEOPLE:
        shutil.copy(SAMPLE / "answers" / f"{pid}.json", answers)
    with_last_year(answers / f"{FULL}.json")
    with open(SAMPLE / "roster.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["id"] in PEOPLE]
    rows.append({"id": MISSING, "name": "No Body", "school": "", "district": "", "cohort": ""})
    with open(tmp / "roster.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp / "workbooks"
    proc = subprocess.Popen(
        [sys.executable, "-m", "llc_exercises.cli", "build", "--roster", str(tmp / "roster.csv"),
         "--answers-dir", str(answers), "--out", str(out), "--format", "html", "--jobs", "1",
         "--cohort", str(SAMPLE / "cohort.yaml"), "--date", "2026-03-24", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:  # the other pages are made while the workbooks build
        cohort = load_cohort(SAMPLE / "cohort.yaml")
        pages = tmp / "pages"
        pages.mkdir()
        (pages / "summaries.html").write_text(summaries_page(AnswerStore(answers / f"{FULL}.json"), cohort),
                                              encoding="utf-8")
        g = report_data.gather(SAMPLE / "cohort.yaml", SAMPLE / "answers")
        (pages / "report.html").write_text(report.report_html(g), encoding="utf-8")
        (pages / "guide.html").write_text(guide.guide_html(agendas.load_guides(), cohort), encoding="utf-8")
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        proc.kill()
        proc.wait()
    assert f"Built {len(PEOPLE)} of {len(PEOPLE) + 1} workbooks" in stdout, stdout + stderr
    return SimpleNamespace(workbooks=out, pages=pages)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def open_file(page, path: Path) -> None:
    assert path.exists(), path
    page.goto(path.as_uri())
    assert page.title().strip() and page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main").count() == 1


def assert_charts_described(page, at_least: int) -> None:
    """Every image has a text alternative that says something, and there are charts to have one."""
    alts = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('alt'))")
    assert len(alts) >= at_least, alts
    assert all(a and len(a.strip()) > 10 for a in alts), alts


@pytest.mark.parametrize("pid", PEOPLE)
def test_workbook(built, page, pid):
    open_file(page, built.workbooks / f"workbook-{pid}.html")
    assert page.get_by_role("heading", level=1, name="On the Leading Edge").count() == 1
    assert page.locator("h2.llc-session").count() == len(defs.sessions()) + (pid == FULL)
    assert page.locator("table.llc-cover-dates tbody tr").count() >= 6  # --cohort: its dates on the cover
    assert page.locator("table.llc-table th").count() > 10
    assert page.locator(".llc-blank").count() > 0 and page.locator(".llc-off").count() > 0
    assert_charts_described(page, at_least=CHARTED + (pid == FULL))
    if pid == MARKUP:
        text = page.locator("main").inner_text()
        assert "<script>" in text and RTL in text  # markup shown as typed, not run
    if pid == FULL:
        assert page.get_by_role("heading", name="This year beside last year").count() == 1
        assert page.locator("#year-over-year table").count() == 2
    assert not violations(page)


def test_cohort_index_page(built, page):
    open_file(page, built.workbooks / "index.html")
    table = page.locator("table.llc-table")
    assert table.locator("tbody tr").count() == len(PEOPLE) + 1
    assert table.get_by_role("link", name="HTML").count() == len(PEOPLE)
    assert "no answers file" in page.locator(".bad").inner_text()
    assert not violations(page)


def test_notebook_summaries(built, page):
    open_file(page, built.pages / "summaries.html")
    assert page.locator("h2.llc-session").count() == len(defs.sessions()) + 1
    assert page.locator("[role=img][aria-label$='percent answered']").count() == len(defs.sessions())
    assert page.locator("table.llc-schedule").count() == 2
    assert page.locator("[role=alert]", has_text="could not be used").count() == 1
    assert page.locator("img[src^='data:image/png']").count() == 1  # chart_static, as notebooks draw it
    assert page.locator(".llc-blank").count() > 0 and page.locator(".llc-off").count() > 0
    assert page.locator("#year-over-year table").count() == 2
    assert_charts_described(page, at_least=CHARTED + 2)
    assert not violations(page)


def test_cohort_report(built, page):
    open_file(page, built.pages / "report.html")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("h2.llc-rh").count() >= 4 and page.locator("table").count() >= 4
    assert_charts_described(page, at_least=4)
    assert not violations(page)


def test_facilitator_guide(built, page):
    open_file(page, built.pages / "guide.html")
    assert page.locator("h2.llc-session").count() == len(agendas.load_guides())
    timelines = page.locator(".llc-timeline svg[role=img]")
    assert timelines.count() == len(agendas.load_guides())
    assert all(len(a) > 40 for a in timelines.evaluate_all("s => s.map(x => x.getAttribute('aria-label'))"))
    # axe cannot work out the contrast of the numbers drawn on the timeline's coloured bars; they
    # are black or white by the bar's colour: test_guide_timeline_numbers_meet_aa checks them.
    assert not violations(page)


def contrast(a: str, b: str) -> float:
    def lum(hex_colour: str) -> float:
        c = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_guide_timeline_numbers_meet_aa():
    for kind, (_label, colour) in agendas.KINDS.items():
        ink = "#111111" if kind == "break" else guide._ink(colour)
        behind = ("#ececec", "#9a9a9a") if kind == "break" else (colour,)  # breaks: timeline_svg's hatching
        assert all(contrast(ink, c) >= 4.5 for c in behind), (kind, colour, ink)


def test_axe_would_catch_a_low_contrast_blank(page):
    """The check can fail: the blanks' old grey (#888, 3.5:1 on white) is reported."""
    page.set_content(render.page_html(render.session_html(defs.session("visioning"), {}, with_charts=False), "t"))
    assert page.locator(".llc-blank").count() > 3 and not violations(page)
    page.add_style_tag(content=".llc-blank { color: #888 !important; }")
    found = violations(page)
    assert any(v.startswith("color-contrast (serious") and "#888888" in v for v in found), found
