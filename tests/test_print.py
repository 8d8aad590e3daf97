"""Printed workbooks read right: word positions from a real PDF (poppler's ``pdftotext -bbox``).

A label that wraps must not slide the answers below it up beside the wrong question; levels print
once; worksheet instructions are printed; a right-to-left override typed into a name cannot flip
the running footer.
"""
from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from llc_exercises import definitions as defs
from llc_exercises import render
from llc_exercises.pdf import write_pdf
from llc_exercises.store import AnswerStore

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words(pdf: Path, page: int | None = None) -> list[tuple[float, float, str]]:
    """(x, y, text) of every word, in the order poppler reads them."""
    args = ["pdftotext", "-bbox", "-enc", "UTF-8", *(["-f", str(page), "-l", str(page)] if page else []),
            str(pdf), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [(float(m[1]), float(m[2]), html.unescape(m[5])) for m in WORD.finditer(out)]


def first(ws, text: str, after: float = -1.0):
    return next(w for w in ws if w[2] == text and w[1] > after)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("print")
    store = AnswerStore(tmp / "p.json", participant={"id": "p"})
    store.set_participant(name="\u202eAnn Example")  # a right-to-left override in the name
    store.set("relationships.stakeholders.rows", [
        {"stakeholder": "Principal", "status": 3, "power": 3, "interest": 5, "needs": "Data"},
        {"stakeholder": "Teachers", "status": 2, "power": 4, "interest": 2, "needs": "Time"}])
    s = defs.session("relationships")
    cover = render.cover_html(store.participant, __import__("datetime").date(2026, 11, 23),
                              [(s, render.progress(s, store))])
    page = render.page_html(cover + render.session_html(s, store, with_charts=False), "print test")
    return write_pdf(page, tmp / "p.pdf"), store


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
    pdf, _ = printed
    page = words(pdf, page=2)
    bottom = max(w[1] for w in page)
    footer = [w for w in page if w[1] > bottom - 2]  # the running footer is the lowest line
    texts = [w[2] for w in sorted(footer, key=lambda w: w[0])]
    i = texts.index("page")
    assert texts[i + 1:i + 3] == ["2", "of"], texts  # read left to right, in order
