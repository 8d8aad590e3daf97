"""``llc build``: real PDFs whose extracted text holds each participant's answers, as plain text."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import pytest
from helpers import SAMPLE, PdfText, pdf_text, squash

from llc_exercises.core import definitions as defs

LLC = [sys.executable, "-m", "llc_exercises.cli"]


def llc(*args, timeout=900):
    return subprocess.run([*LLC, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    proc = llc("build", "--roster", str(SAMPLE / "roster.csv"), "--answers-dir",
               str(SAMPLE / "answers"), "--out", str(out), "--jobs", "2", "--date", "2026-03-24")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc


def roster_ids():
    with open(SAMPLE / "roster.csv", encoding="utf-8") as fh:
        return [row["id"] for row in csv.DictReader(fh)]


def text_answers(doc):
    """Every piece of free text a participant wrote, including inside tables."""
    for key, entry in doc["answers"].items():
        f = defs.field_for_key(key)
        value = entry["value"]
        if f.type in ("short_text", "long_text") and value and value.strip():
            yield value
        if f.type == "table":
            for row in value or []:
                for c in f.columns:
                    if c.type in ("short_text", "long_text") and (row.get(c.id) or "").strip():
                        yield row[c.id]


def test_cohort_build_writes_one_pdf_per_participant_holding_their_answers(cohort):
    out, proc = cohort
    ids = roster_ids()
    assert len(ids) == 30
    assert "Built 30 of 30 workbooks" in proc.stdout
    names = {}
    with open(SAMPLE / "roster.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names[row["id"]] = row["name"]
    for pid in ids:
        pdf = out / f"workbook-{pid}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-"
        text = PdfText(pdf)
        doc = json.loads((SAMPLE / "answers" / f"{pid}.json").read_text(encoding="utf-8"))
        answers = list(text_answers(doc))
        assert answers, pid
        for a in answers:
            assert a in text, f"{pid}: answer {a[:60]!r} missing from the PDF"
        assert names[pid] in text
        others = [n for p, n in names.items() if p != pid]
        assert not any(n in text for n in others), f"{pid}'s workbook names someone else"


def test_markup_in_answers_appears_as_plain_text(cohort):
    out, _ = cohort
    doc = json.loads((SAMPLE / "answers" / "tmarkup.json").read_text(encoding="utf-8"))
    why = doc["answers"]["visioning.core_beliefs.why"]["value"]
    assert "<script>" in why
    assert squash(why) in squash(pdf_text(out / "workbook-tmarkup.pdf"))
    reading = pdf_text(out / "workbook-tmarkup.pdf", raw=False)
    assert "finds a home — مكتبة للجميع — ספרייה לכולם" in reading  # right-to-left runs read in order
    assert "📚✨" in reading
    page = (out / "workbook-tmarkup.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()  # the export carries no JavaScript at all
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page  # html.escape


def test_export_has_no_code_and_no_widget_placeholders(cohort):
    out, _ = cohort
    page = (out / "workbook-mquillfeather.html").read_text(encoding="utf-8")
    text = pdf_text(out / "workbook-mquillfeather.pdf")
    for leak in ("llc.workbook", "load_answers", "import ", "Textarea(", "widget-view",
                 "IPython.core.display", "In [", "participant_details"):
        assert leak not in page and leak not in text, leak
    assert "24 March 2026" in text  # --date reached the cover
    assert "Session 1: On the Leading Edge of Visioning" in text
    assert "data:image/svg+xml;base64," in page  # the charts are embedded, as vector drawings


def test_cohort_report_lists_everyone(cohort):
    out, _ = cohort
    with open(out / "build-report.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["participant"] for r in rows) == sorted(roster_ids())
    assert all(r["error"] == "" and r["files"].endswith(".pdf") for r in rows)
    assert "30 built, 0 need attention" in (out / "index.html").read_text()


def test_bad_rows_are_reported_per_participant_and_the_rest_still_build(tmp_path):
    answers = tmp_path / "answers"
    answers.mkdir()
    for pid in ("ebookwright", "tmarkup"):
        shutil.copy(SAMPLE / "answers" / f"{pid}.json", answers)
    # someone else's answers under this id: must not be printed under the wrong name
    shutil.copy(SAMPLE / "answers" / "ebookwright.json", answers / "impostor.json")
    (answers / "broken.json").write_text("{oops", encoding="utf-8")
    (answers / "typo.json").write_text(json.dumps({"schema_version": 2, "participant": {"id": "typo"},
                                                   "answers": {"visioning.core_beliefs.whyy": {"value": "x"}}}))
    before = {p.name: p.read_bytes() for p in answers.iterdir()}
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nebookwright,Ezra\n../../etc/x,Evil\nnobody,No File\ntmarkup,Tess\n"
                      "impostor,Imp\nbroken,Broken\ntypo,Typo\nEbookwright,Dup\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = llc("build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
               "--format", "html", "--quiet")
    assert proc.returncode == 1
    report = proc.stdout
    assert "Built 2 of 8 workbooks" in report
    assert f"{roster}, line 3: participant id '../../etc/x' is not allowed" in report
    assert f"{roster}, line 4: no answers file {answers / 'nobody.json'}" in report
    assert "belongs to participant 'ebookwright', not 'impostor'" in report
    assert f"Answers file {answers / 'broken.json'} is damaged" in report
    assert "answer 'visioning.core_beliefs.whyy': unknown key" in report
    assert f"{roster}, line 9: id 'Ebookwright' repeats line 2" in report
    assert sorted(p.name for p in out.glob("workbook-*")) == ["workbook-ebookwright.html", "workbook-tmarkup.html"]
    assert not (tmp_path / "etc").exists()
    assert {p.name: p.read_bytes() for p in answers.iterdir()} == before  # nothing saved was touched


def test_single_build_and_usage_errors(tmp_path):
    proc = llc("build", "--answers", str(SAMPLE / "answers" / "ebookwright.json"), "--out", str(tmp_path),
               "--format", "html")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["workbook-ebookwright.html"]
    assert llc("build", "--out", str(tmp_path)).returncode == 2
    bad_format = llc("build", "--answers", "x.json", "--out", str(tmp_path), "--format", "docx")
    assert bad_format.returncode == 2 and "--format" in bad_format.stderr
    missing = llc("build", "--answers", str(tmp_path / "none.json"), "--out", str(tmp_path))
    assert missing.returncode == 1 and "No answers file at" in missing.stderr


def test_chromium_engine_prints_through_nbconvert_webpdf(tmp_path):
    proc = llc("build", "--answers", str(SAMPLE / "answers" / "tmarkup.json"), "--out", str(tmp_path),
               "--format", "pdf", "--pdf-engine", "chromium")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = tmp_path / "workbook-tmarkup.pdf"
    text = pdf_text(pdf)
    assert "Producer" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Skia/PDF" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "<script>alert('x')</script>" in text
    assert "Tess Markup-Tester" in text
