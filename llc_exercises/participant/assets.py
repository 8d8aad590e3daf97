"""Where the participant folder's browser code and styles live: ``static/`` (``.js`` for the
anywidget forms and the app's index, ``.css`` using the palette's custom properties) and
``templates/`` (the app's pages, extending documents' ``base.html.j2``)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from ..documents import pages

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def script(name: str) -> Path:
    """``static/<name>.js``: anywidget takes the path as ``_esm`` and reads the file."""
    return STATIC / f"{name}.js"


COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@functools.cache
def stylesheet(*names: str) -> str:
    """The palette (its ``:root`` custom properties) and then ``static/<name>.css`` for each name,
    without their comments (they are for whoever edits the files, not for every form's output)."""
    sheets = [pages.stylesheet("palette"), *((STATIC / f"{n}.css").read_text(encoding="utf-8") for n in names)]
    lines = COMMENT.sub("", "\n".join(sheets)).splitlines()
    return "".join(line.rstrip() + "\n" for line in lines if line.strip())


def style_tag(*names: str) -> str:
    """``stylesheet(*names)`` as a ``<style>`` element, for an ipywidgets HTML widget: a notebook's
    output has no <head>, and widget HTML keeps its <style> where ordinary output would drop it."""
    return f"<style>\n{stylesheet(*names)}</style>"
