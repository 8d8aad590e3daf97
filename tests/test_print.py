"""Printed workbooks read right: word positions from a real PDF (poppler's ``pdftotext -bbox``),
printed by each PDF engine (Chromium and WeasyPrint).

A label that wraps must not slide the answers below it up beside the wrong question; levels print
once; worksheet instructions are printed; a right-to-left override typed into a name cannot flip
the running footer, and no quote, backslash, ``</style>`` or newline in a name can break out of it.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
from pathlib import Path

import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.core.store import AnswerStore
from llc_exercises.documents import render
from llc_exercises.documents.pdf import write_pdf

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
# Bidi controls are invisible; Chromium keeps them in the PDF's text (WeasyPrint drops them).
BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def words(pdf: Path, page: int | None = None) -> list[tuple[float, float, str, float]]:
    """(x, y, text, height) of every word, in the order poppler reads them."""
    args = ["pdftotext", "-bbox", "-enc", "UTF-8", *(["-f", str(page), "-l", str(page)] if page else []),
            str(pdf), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [(float(m[1]), float(m[2]), html.unescape(m[5]), float(m[4]) - float(m[2]))
            for m in WORD.finditer(out)]


def first(ws, text: str, after: float = -1.0):
    return next(w for w in ws if w[2] == text and w[1] > after)


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert found, info
    return int(found[1])


def footer(pdf: Path, page: int) -> list[str]:
    """The running footer (the page's lowest line) as visible words, left to right."""
    ws = words(pdf, page=page)
    bottom = max(w[1] for w in ws)
    line = sorted((w for w in ws if w[1] > bottom - 2), key=lambda w: w[0])
    return [t for w in line if (t := w[2].translate(BIDI))]


def print_page(tmp: Path, name: str, engine: str) -> tuple[Path, AnswerStore, str]:
    """A cover and the Relationships session for a participant called ``name``, printed."""
    store = AnswerStore(tmp / "p.json", participant={"id": "p"})
    store.set_participant(name=name)
    store.set("relationships.stakeholders.rows", [
        {"stakeholder": "Principal", "status": 3, "power": 3, "interest": 5, "needs": "Data"},
        {"stakeholder": "Teachers", "status": 2, "power": 4, "interest": 2, "needs": "Time"}])
    s = defs.session("relationships")
    cover = render.cover_html(store.participant, dt.date(2026, 11, 23), [(s, render.progress(s, store))])
    page = render.page_html(cover + render.session_html(s, store, with_charts=False), "print test",
                            footer_name=store.participant["name"])
    return write_pdf(page, tmp / "p.pdf", engine=engine), store, page


@pytest.fixture(scope="module", params=["chromium", "weasyprint"])
def printed(request, tmp_path_factory):
    """(pdf, store) for a participant with a right-to-left override in their name, per engine."""
    pdf, store, _ = print_page(tmp_path_factory.mktemp(f"print-{request.param}"), "\u202eAnn Example",
                               request.param)
    return pdf, store


def test_a_wrapped_label_stays_level_with_its_value(printed):
    pdf, _ = printed
    ws = words(pdf)
    power = first(ws, "Power")  # "Power over the library" wraps in the card's label column
    wrapped = first(ws, "library", after=power[1])
    interest = first(ws, "Interest", after=power[1])
    moderate = first(ws, "Moderate", after=power[1] - 1)
    champion = first(ws, "Champion", after=power[1])
    assert wrapped[1] > power[1] + 3, "the label was expected to wrap onto a second line"
    assert abs(moderate[1] - power[1]) < 1.5, (power, moderate)  # value level with its label
    assert interest[1] > wrapped[1] + 3  # the next label starts below the wrapped one...
    assert abs(champion[1] - interest[1]) < 1.5, (interest, champion)  # ...and so does its value


def test_levels_print_once(printed):
    pdf, _ = printed
    text = " ".join(w[2] for w in words(pdf))
    assert "3 · Moderate" in text and "3 · 3" not in text and "of 5 ·" not in text


def test_instructions_are_printed(printed):
    pdf, _ = printed
    text = " ".join(w[2] for w in words(pdf))
    ws = defs.worksheet("relationships.stakeholders")
    assert ws.instructions.strip(), "the stakeholder worksheet has instructions in its YAML"
    assert " ".join(ws.instructions.split()[:8]) in text
    engagement = defs.worksheet("relationships.engagement_plan")
    assert "**reach**" in engagement.instructions  # written in Markdown...
    assert "**" not in text and "reach" in text  # ...printed as emphasis, not as asterisks


def test_an_rtl_override_in_a_name_cannot_flip_the_footer(printed):
    pdf, store = printed
    n = pages(pdf)
    assert n >= 3, "the cover, the session, and more: page 2 is not the last"
    texts = footer(pdf, page=2)
    i = texts.index("page")
    assert texts[i:] == ["page", "2", "of", str(n)], texts  # read left to right, in order
    assert texts[:5] == ["On", "the", "Leading", "Edge", "·"] and texts[i - 1] == "·", texts
    # The name is there between the dots: its override still reverses the name itself, inside its
    # isolate, and nothing after it.
    assert store.participant["name"] == "\u202eAnn Example"
    assert texts[5:i - 1] == ["elpmaxE", "nnA"], texts


NASTY = 'Ann "Q" O\'Neil \\ </style><script>alert(1)</script>\nSecond line'


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_a_name_prints_literally_and_cannot_break_out_of_the_css(engine, tmp_path):
    pdf, store, page = print_page(tmp_path, NASTY, engine)
    assert store.participant["name"] == NASTY
    assert "<script" not in page  # escaped in the cover's HTML, hex-escaped in the footer's CSS
    n = pages(pdf)
    for p in (1, 2, n):  # every page's footer: the name word for word, on the one line
        assert footer(pdf, page=p) == ["On", "the", "Leading", "Edge", "·", *NASTY.split(), "·",
                                       "page", str(p), "of", str(n)]
    # The page's own styles still apply after the footer's: a 30 pt cover title, 8 pt footer.
    cover = words(pdf, page=1)
    title = first(cover, "Leading")
    small = [w for w in cover if w[2] == "Leading"][-1]
    assert title[3] > 3 * small[3], (title, small)
    assert "Principal" not in {w[2] for w in cover}  # and the session starts on a page of its own
