"""Every PDF the kit prints is tagged and navigable, from both engines: read back with pypdf (an
independent reader), not from what the kit meant to write. A structure tree (/StructTreeRoot,
/MarkInfo /Marked), the page's language (/Lang), its title shown as the document's title, and
bookmarks: the workbook's sessions with their worksheets, as the session definitions name them."""
from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import load_cohort
from llc_exercises.documents import letter, render, workbook
from llc_exercises.documents.pdf import chromium_path
from llc_exercises.facilitator import certificates, guide, report

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "sample_cohort"
ENGINES = [pytest.param("chromium", marks=pytest.mark.skipif(not chromium_path(), reason="no Chromium")),
           "weasyprint"]
LONG_NAME = ("Augustina Vellum " * 600)[:10_000]
HEBREW = "אביגיל בן־דוד"
ARABIC = "ليلى عبد الرحمن"
COHORT_NAME = "מחזור אביב 2025"
COHORT = workbook.cohort_parameters(load_cohort(SAMPLE / "cohort.yaml")) | {"name": COHORT_NAME}


def outline(reader: PdfReader) -> list:
    """The bookmarks as [(title, [children…]), …]; pypdf lists an entry's children right after it."""
    def tree(items) -> list:
        out: list = []
        for item in items:
            if isinstance(item, list):
                out[-1] = (out[-1][0], tree(item))
            else:
                out.append((item.title, []))
        return out
    return tree(reader.outline)


def structure(reader: PdfReader) -> list[tuple[str, object]]:
    """Every element of the structure tree as (type, /Alt or None), in document order."""
    found: list[tuple[str, object]] = []
    seen: set[int] = set()

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
            return
        if not hasattr(node, "get") or id(node) in seen:
            return
        seen.add(id(node))
        if "/S" in node:
            found.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        if kids is not None and not isinstance(kids, int):
            walk(kids)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def assert_tagged(reader: PdfReader, title: str, lang: str = "en") -> None:
    root = reader.trailer["/Root"]
    assert title, "the PDF has no title"
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is untagged"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == lang
    assert reader.metadata.title == title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # readers show the title, not the file name
    types = [t for t, _ in structure(reader)]
    assert types[0] == "/Document" and len(types) > 3, types[:20]  # the page inside, not an empty root


def sessions_outline() -> list:
    return [(s.heading, [(ws.title, []) for ws in s.worksheets]) for s in defs.sessions()]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """One participant's workbook per engine, and the same answers under a 10,000-character name and
    under right-to-left names: built on one kept kernel, as a cohort build does."""
    folder = tmp_path_factory.mktemp("answers")
    document = json.loads((SAMPLE / "answers" / "avellum.json").read_text(encoding="utf-8"))
    builder, template, built = workbook.Builder(), workbook.read_template(), {}
    try:
        for key, name in (("sample", None), ("long", LONG_NAME), ("hebrew", HEBREW), ("arabic", ARABIC)):
            doc = json.loads(json.dumps(document))
            if name:
                doc["participant"]["name"] = name
            answers = folder / f"{key}.json"
            answers.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            for engine in ("chromium", "weasyprint"):
                if engine == "chromium" and not chromium_path():
                    continue
                if key == "arabic" and engine == "weasyprint":
                    continue  # the Hebrew build covers WeasyPrint's right-to-left; ~6 s saved
                job = workbook.prepare(answers, template, formats=("pdf",), engine=engine,
                                       generated_on="2026-01-01")
                built[key, engine] = builder.build(job)["workbook-avellum.pdf"]
                if key == "hebrew":  # and with a cohort of a right-to-left name: its dates on the cover
                    job = workbook.prepare(answers, template, formats=("pdf",), engine=engine,
                                           generated_on="2026-01-01", cohort=COHORT)
                    built["cohort", engine] = builder.build(job)["workbook-avellum.pdf"]
    finally:
        builder.close()
    return built


def reader_of(data: bytes) -> PdfReader:
    from io import BytesIO

    return PdfReader(BytesIO(data))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_workbook_is_tagged_with_its_language_and_title(workbooks, engine):
    assert_tagged(reader_of(workbooks["sample", engine]), "On the Leading Edge — workbook of Augustina Vellum")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_workbooks_bookmarks_are_its_sessions_with_their_worksheets(workbooks, engine):
    tree = outline(reader_of(workbooks["sample", engine]))
    assert [title for title, _ in tree] == ["On the Leading Edge"]  # the cover's title holds the rest
    cover, *sessions = tree[0][1]
    assert cover == ("Contents", [])
    assert sessions == sessions_outline()
    assert len(sessions) == 7 and [s.number for s in defs.sessions()] == list(range(7))


@pytest.mark.parametrize("engine", ENGINES)
def test_headings_are_tagged_in_order_and_charts_carry_their_alt_text(workbooks, engine):
    elements = structure(reader_of(workbooks["sample", engine]))
    levels = [int(t[2]) for t, _ in elements if re.fullmatch(r"/H[1-6]", t)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels  # none skipped
    assert levels.count(2) == 1 + len(defs.sessions())  # Contents and each session
    figures = [alt for t, alt in elements if t == "/Figure"]
    assert figures, "no chart is tagged as a figure"
    # every figure has alt text, and it is the chart's own description, not a placeholder
    assert all(alt and len(str(alt)) > 20 for alt in figures), figures
    assert any(str(alt).startswith("Plan timeline:") for alt in figures)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_10000_character_name_gives_a_short_title_and_footer_and_the_same_bookmarks(workbooks, engine):
    reader = reader_of(workbooks["long", engine])
    title = reader.metadata.title
    assert len(title) == 120 and title.endswith("…") and title.startswith("On the Leading Edge — workbook of Augustina")
    assert outline(reader)[0][1][1:] == sessions_outline()
    # the footer stays one line at the foot of the page: the name cut short, the page number after it
    last = reader.pages[-1].extract_text()
    footer = re.search(r"On the Leading Edge · \W*(Augustina[\w ]+…)\W* · page (\d+) of \2", last)
    assert footer and len(footer[1]) <= render.FOOTER_NAME, last[-300:]
    assert len(reader.pages) < 40


# Arabic on Chromium only: the Hebrew build covers WeasyPrint's right-to-left (the fixture saves ~6 s).
@pytest.mark.parametrize(("key", "name", "engine"), [("hebrew", HEBREW, "chromium"), ("hebrew", HEBREW, "weasyprint"),
                                                     ("arabic", ARABIC, "chromium")])
def test_a_right_to_left_name_is_kept_whole_in_the_title(workbooks, engine, key, name):
    reader = reader_of(workbooks[key, engine])
    assert reader.metadata.title == f"On the Leading Edge — workbook of {name}"
    assert outline(reader)[0][1][1:] == sessions_outline()
    # the cover holds the name in its logical order (a bidi isolate around it, nothing reversed)
    # (NFKC: pypdf gives Arabic as the presentation forms the font drew, which NFKC maps back to letters)
    cover = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert name in cover.replace("\u2068", "").replace("\u2069", ""), cover[:400]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cohorts_dates_are_a_bookmark_of_the_cover_with_its_name_as_written(workbooks, engine):
    reader = reader_of(workbooks["cohort", engine])
    (_, children), = outline(reader)
    # the name as typed: no bidi control characters (some readers draw them as boxes in bookmarks)
    assert children[0] == ("Contents", []) and children[2:] == sessions_outline()
    assert children[1][0].startswith("Cohort dates — ") and "\u2068" not in children[1][0]
    assert "מחזור אביב" in children[1][0] and "2025" in children[1][0]


@pytest.mark.parametrize("engine", [
    pytest.param("chromium", marks=[
        pytest.mark.skipif(not chromium_path(), reason="no Chromium"),
        # Chromium writes a bookmark's text run by run in visual order: the Hebrew words keep their
        # order but the digits after them come first ("… — 2025מחזור אביב "). Its limitation; the
        # page and its text layer are right. strict: this test says when a Chromium fixes it.
        pytest.mark.xfail(strict=True, reason="Chromium orders a mixed-direction bookmark visually")]),
    "weasyprint"])
def test_a_mixed_direction_bookmark_keeps_its_logical_order(workbooks, engine):
    (_, children), = outline(reader_of(workbooks["cohort", engine]))
    assert children[1] == (f"Cohort dates — {COHORT_NAME}", [])


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """The cohort report, the guide, one letter and the certificates, from each engine."""
    out = {}
    cohort = load_cohort(SAMPLE / "cohort.yaml")
    for engine in ("chromium", "weasyprint") if chromium_path() else ("weasyprint",):
        folder = tmp_path_factory.mktemp(engine)
        written = report.write_report(SAMPLE / "cohort.yaml", SAMPLE / "answers", folder / "report", engine=engine)
        guides = guide.build_guide(folder / "guide", cohort, engine=engine)
        letter.write_letter(SAMPLE / "answers" / "avellum.json", folder / "letter.pdf", engine=engine)
        certificates.issue(cohort, SAMPLE / "roster.csv", SAMPLE / "answers", folder / "certs",
                           attendance=SAMPLE / "attendance.csv", engine=engine)
        out[engine] = {"report": written.pdf, "report.html": written.html,
                       "guide": next(p for p in guides if p.suffix == ".pdf"),
                       "letter": folder / "letter.pdf", "certs": sorted((folder / "certs").glob("*.pdf"))}
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_the_reports_bookmarks_are_its_sections(documents, engine):
    files = documents[engine]
    reader = PdfReader(files["report"])
    assert_tagged(reader, "Cohort report — " + load_cohort(SAMPLE / "cohort.yaml").name)
    sections = [html.unescape(t) for t in re.findall(r'<h2 class="llc-rh[^"]*">(.*?)</h2>',
                                                    files["report.html"].read_text(encoding="utf-8"))]
    assert len(sections) == 5
    (title, children), = outline(reader)
    assert [t for t, _ in children] == ["How to read this report", *sections]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_guides_bookmarks_are_its_sessions(documents, engine):
    reader = PdfReader(documents[engine]["guide"])
    assert_tagged(reader, reader.metadata.title)
    assert reader.metadata.title.startswith("On the Leading Edge — facilitator guide")
    (_, children), = outline(reader)
    assert [t for t, _ in children if t.startswith("Session ")] == [s.heading for s in defs.sessions() if s.number]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_letter_and_every_certificate_are_tagged(documents, engine):
    files = documents[engine]
    assert_tagged(PdfReader(files["letter"]), "Year-end letter — Augustina Vellum")
    assert files["certs"]
    for cert in files["certs"]:
        reader = PdfReader(cert)
        assert_tagged(reader, reader.metadata.title)
        assert reader.metadata.title.startswith("Certificate: ")
