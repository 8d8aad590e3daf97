"""Shared test helpers."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "sample_cohort"
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(path: Path, raw: bool = True) -> str:
    """Text of a real PDF via poppler's pdftotext. ``raw`` keeps drawing order, so each table cell
    stays in one piece; reading order (raw=False) puts right-to-left runs the right way round."""
    args = ["pdftotext", *(["-raw"] if raw else []), "-enc", "UTF-8", str(path), "-"]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return _BIDI_MARKS.sub("", text)


def squash(text: str) -> str:
    """Whitespace-insensitive form: PDF line wrapping may split an answer anywhere."""
    return "".join(_BIDI_MARKS.sub("", text).split())


# The running footer: Chromium draws it where a page ends, which may be inside a long answer.
_FOOTER = re.compile(r"On the Leading Edge ·.{0,300}?page \d+ of \d+", re.S)
# Colour emoji are drawn from their own font; pdftotext places them apart from the words around them.
EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")


class PdfText:
    """Both extractions of one PDF, squashed and without page footers, for 'does this answer
    appear' checks (an answer may run on over a page break)."""

    def __init__(self, path: Path):
        self.raw = squash(EMOJI.sub("", _FOOTER.sub("", pdf_text(path, raw=True))))
        self.reading = squash(EMOJI.sub("", _FOOTER.sub("", pdf_text(path, raw=False))))

    def __contains__(self, answer: str) -> bool:
        a = squash(EMOJI.sub("", answer))
        return a in self.raw or a in self.reading
