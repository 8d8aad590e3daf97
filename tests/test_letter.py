"""``llc letter``: the one-page year-end letter to the principal, printed and read back from the PDF
(poppler's pdfinfo and pdftotext)."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers import SAMPLE, PdfText, pdf_text

from llc_exercises.cli import main
from llc_exercises.documents import letter
from llc_exercises.documents.pdf import page_count

STAMP = "2026-03-01T10:00:00+00:00"
NOTE = "(the full text is in my workbook)"


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found, info
    return int(found[1])


def answers_file(tmp: Path, base: str, name: str, **answers) -> Path:
    """A sample participant's answers file with some answers replaced (``None`` removes one)."""
    doc = json.loads((SAMPLE / "answers" / f"{base}.json").read_text(encoding="utf-8"))
    for key, value in answers.items():
        key = key.replace("__", ".")
        doc["answers"].pop(key, None)
        if value is not None:
            doc["answers"][key] = {"value": value, "updated": STAMP}
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


YES, GROWTH, PD, VALUE = ("opportunity__year_end_summary__", "opportunity__growth_plan__",
                          "opportunity__pd_log__", "opportunity__value_tracking__")
FULL = {
    YES + "principal_name": "Dr. Imogen Ledger",
    YES + "remember": "Co-taught research units doubled this year, and the students noticed.",
    YES + "request": "One common planning period a month with each grade-level team.",
    GROWTH + "growth_areas": ["Digital literacy", "Leadership"],
    GROWTH + "smart_goal": "By May, 60% of grade 7 classes will complete a co-taught inquiry unit.",
    GROWTH + "evidence": "Collaboration log, unit rubrics and a spring student survey.",
    GROWTH + "reflection": "Planning time is the bottleneck; I will book it at the start of each term.",
    PD + "target_hours": 8,
    PD + "log": [{"date": "2026-01-10", "activity": "Inquiry by design", "type": "Webinar", "hours": 1.5},
                 {"date": "2026-02-02", "activity": "Visit to a partner library", "type": "Site visit", "hours": 3},
                 {"date": "2026-02-20", "activity": "State conference", "type": "Conference", "hours": 2}],
    VALUE + "rows": [{"question": "Do co-taught classes score higher on the research rubric?",
                      "level": "5 · Student learning outcomes", "indicator": "Rubric scores",
                      "source": "Unit rubrics", "frequency": "Each grading period"}],
}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("letter")
    path = answers_file(tmp, "ebookwright", "full", **FULL)
    printed = letter.write_letter(path, tmp / "letter.pdf", engine="chromium", on=dt.date(2026, 6, 5))
    return printed, PdfText(printed.path)


def test_the_letter_is_one_page_with_the_participants_own_evidence(full):
    printed, text = full
    assert pages(printed.path) == 1 and printed.shortened == 0
    for expected in ["June 5, 2026", "Dear Dr. Imogen Ledger,", "Ezra Bookwright", "Puddleford Elementary (fictional)",
                     FULL[YES + "remember"], FULL[YES + "request"], FULL[GROWTH + "smart_goal"],
                     FULL[GROWTH + "evidence"], FULL[GROWTH + "reflection"], "digital literacy and leadership",
                     "I logged 6.5 hours of professional development against my target of 8 hours, "
                     "with 1.5 hours still to go.", "Webinar: Inquiry by design, 1.5 hours",
                     "Do co-taught classes score higher on the research rubric?", "Rubric scores, from Unit rubrics",
                     "my Leading Edge workbook", "Sincerely,"]:
        assert expected in text, expected
    assert "None" not in pdf_text(printed.path)


def test_highlights_come_from_the_year_end_summarys_picks():
    doc = json.loads((SAMPLE / "answers" / "llong.json").read_text(encoding="utf-8"))
    answers = {k: e["value"] for k, e in doc["answers"].items()}
    got = letter.compose(doc["participant"], answers, dt.date(2026, 6, 5)).highlights
    assert got and all(h.where and h.text for h in got)
    long_answer = answers["visioning.core_beliefs.what_i_do"]
    assert letter.Highlight("Visioning", long_answer) in got  # the summary's first answer of Visioning


def test_a_blank_principal_and_a_sparse_participant_leave_things_out(tmp_path):
    path = answers_file(tmp_path, "bdogear", "sparse", **{YES + "principal_name": "  "})
    out = letter.write_letter(path, tmp_path / "sparse.pdf", engine="chromium").path
    text = pdf_text(out)
    assert pages(out) == 1
    assert "Dear Principal," in text and "None" not in text
    assert "GROWTH PLAN" not in text and "REQUEST" not in text and "hours" not in text
    assert f"{dt.date.today():%B} {dt.date.today().day}, {dt.date.today().year}" in text


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_long_answers_are_shortened_to_keep_one_page(tmp_path, engine):
    doc = json.loads((SAMPLE / "answers" / "llong.json").read_text(encoding="utf-8"))
    long_answer = doc["answers"]["visioning.core_beliefs.what_i_do"]["value"]
    assert len(long_answer) > 2500
    path = answers_file(tmp_path, "llong", "long", **{**FULL, **{
        GROWTH + k: long_answer for k in ("smart_goal", "evidence", "reflection", "school_alignment")},
        YES + "remember": long_answer, YES + "request": long_answer})
    printed = letter.write_letter(path, tmp_path / "long.pdf", engine=engine)
    assert pages(printed.path) == 1 and page_count(printed.path.read_bytes()) == 1
    assert printed.shortened >= 1
    text = PdfText(printed.path)
    assert NOTE in text and "Dear Dr. Imogen Ledger," in text and "6.5 hours" in text
    assert long_answer[:60] in text and long_answer[-200:] not in text


def test_markup_emoji_and_arabic_print_literally(tmp_path):
    doc = json.loads((SAMPLE / "answers" / "tmarkup.json").read_text(encoding="utf-8"))
    why = doc["answers"]["visioning.core_beliefs.why"]["value"]
    vision = doc["answers"]["visioning.mission_vision.vision"]["value"]
    path = answers_file(tmp_path, "tmarkup", "markup", **{
        YES + "principal_name": "<b>Ms</b> $5 & مكتبة", YES + "remember": why, YES + "request": vision,
        GROWTH + "smart_goal": '=HYPERLINK("http://x","y") & <i>x</i>'})
    out = letter.write_letter(path, tmp_path / "markup.pdf", engine="chromium").path
    text = PdfText(out)
    assert pages(out) == 1
    for expected in ["Dear <b>Ms</b> $5 & مكتبة,", why, '=HYPERLINK("http://x","y") & <i>x</i>',
                     "Tess Markup-Tester (fictional)"]:
        assert expected in text, expected
    # pdftotext sets colour emoji apart from the words around them: the answer's pieces, in order of script
    assert "📚" in vision and "مكتبة للجميع" in vision and "ספרייה לכולם" in vision
    for piece in ["Every reader", "finds a home", "مكتبة للجميع", "ספרייה לכולם"]:
        assert piece in text, piece


def test_escaping_in_the_html_itself():
    page = letter.letter_html(letter.Letter(on=dt.date(2026, 6, 5), name="<script>x()</script>", school="",
                                            district="", cohort="", principal="</p><h1>", remember="a & b"))
    assert "<script>x" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "</p><h1>" not in page and "a &amp; b" in page


def test_the_command_line(tmp_path, capsys):
    path = answers_file(tmp_path, "ebookwright", "cli", **FULL)
    assert main(["letter", "--answers", str(path), "--out", str(tmp_path / "l.txt")]) == 2
    assert "llc: --out should name a .pdf file" in capsys.readouterr().err
    assert main(["letter", "--answers", str(tmp_path / "nobody.json"), "--out", str(tmp_path / "l.pdf")]) == 1
    assert "llc: No answers file at" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.json"]
    assert main(["letter", "--answers", str(path), "--out", str(tmp_path / "out" / "l.pdf"),
                 "--date", "2026-06-30", "--pdf-engine", "weasyprint"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "l.pdf")
    assert "June 30, 2026" in PdfText(tmp_path / "out" / "l.pdf")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["l.pdf"]  # no temporary file left


def test_shortening_cuts_at_a_word_and_says_where_the_rest_is():
    text = "word " * 100
    short = letter.shorten(text, 83)
    assert short.endswith("… " + NOTE) and len(short) < 83 + len(NOTE) + 2
    assert short[: -len("… " + NOTE)].split() == ["word"] * 16
    assert letter.shorten("short", 80) == "short"


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_page_count_agrees_with_pdfinfo(tmp_path, engine):
    """WeasyPrint keeps page objects in compressed object streams, Chromium does not; participant
    text that reads "/Type /Page" is drawn, not counted."""
    from llc_exercises.documents.pdf import open_printer

    with open_printer(engine) as printer:
        for paragraphs in (1, 150):
            data = printer.pdf("<html><body>" + "<p>/Type /Page</p>" * paragraphs + "</body></html>")
            (tmp_path / "p.pdf").write_bytes(data)
            assert page_count(data) == pages(tmp_path / "p.pdf") >= (1 if paragraphs == 1 else 3)
