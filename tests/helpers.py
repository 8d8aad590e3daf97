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


class PdfText:
    """Both extractions of one PDF, squashed, for 'does this answer appear' checks."""

    def __init__(self, path: Path):
        self.raw = squash(pdf_text(path, raw=True))
        self.reading = squash(pdf_text(path, raw=False))

    def __contains__(self, answer: str) -> bool:
        a = squash(answer)
        return a in self.raw or a in self.reading
