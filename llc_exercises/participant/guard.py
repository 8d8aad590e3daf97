"""The browser half of "never lose a word": every worksheet form carries a ``Guard``, which keeps what
is typed in the browser until the kernel has saved it, says within 2 s when nothing is being saved,
and hands the kept typing back when the page is back (details on ``Guard``)."""
from __future__ import annotations

from collections.abc import Callable

import anywidget
import traitlets

from .assets import STATIC, script

PATH_CLASS = "llc-p-"


class Guard(anywidget.AnyWidget):
    """Shown inside each worksheet form. ``on_restore(entries)`` is called with
    what the browser kept, ``{path: {"v": value, "base": version, "at": time, "trail": [fingerprint, …]}}``
    (``trail``: the texts the box held since the last save the page heard of, as ``fingerprint``s).

    Saving happens in the kernel, so when the kernel or the app is gone, typing goes nowhere and the
    page cannot tell by itself. The guard's script, in JupyterLab and in Voila alike:

    * keeps everything typed in the form in the browser's local storage (per participant and box, with
      the version of the answer the form had loaded and what the box held since) until the kernel reports
      that value saved;
    * asks the kernel for a reply after each keystroke; with none within ~1 s it checks whether the
      server answers at all, and within 2 s of the keystroke says in the save line and a banner that
      nothing is being saved and that the typing is kept in this browser;
    * when the page is back (the kernel answers again, or the page reloads once the app runs again)
      hands what it kept to the kernel, which puts it back into the form and saves it, or offers it
      for confirmation when the answer changed on disk in between (``widgets.WorksheetView.restore``).

    Boxes are found by a class the kernel puts on each control, ``llc-p-<path>``: ``<key>`` for a
    single box, ``<key>#<option>`` for a checkbox of a multiple choice, and ``<key>#<column>`` for a
    table cell, whose row the script counts from the page (``<key>#<row>#<column>``). Values are kept
    as the page holds them: text as typed, a radio group's chosen index, a checkbox "1"/"0", a date
    "YYYY-MM-DD"."""

    _esm = script("guard")  # static/guard.js
    _css = STATIC / "guard.css"
    participant = traitlets.Unicode("").tag(sync=True)
    fields = traitlets.List(traitlets.Unicode()).tag(sync=True)  # answer keys of the form
    versions = traitlets.Dict().tag(sync=True)

    def __init__(self, on_restore: Callable[[dict], None], **kwargs):
        super().__init__(**kwargs)
        self.on_restore = on_restore
        self.on_msg(self.handle_message)

    def handle_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if "ping" in content:
            self.send({"pong": content["ping"]})
        elif isinstance(content.get("restore"), dict):
            self.on_restore(content["restore"])

    def saved(self, cells: dict[str, str], keys: list[str], bad: list[str] | None = None) -> None:
        """Tell the browser these boxes are on disk with these values (``bad``: cells refused, still
        kept by the browser): it forgets what it kept of the rest."""
        self.send({"saved": cells, "keys": keys, "bad": bad or []})

    def drop(self, paths: list[str]) -> None:
        """The participant chose the saved answer over what the browser kept: forget it."""
        self.send({"drop": paths})


def fingerprint(text: str) -> str:
    """cyrb53 of ``text``'s UTF-16 code units, as ``static/guard.js`` computes it: a box's texts are
    kept in the browser as these, to recognise on disk a save whose reply the page never got."""
    m = 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & m

    h1, h2 = 0xDEADBEEF, 0x41C6CE57
    units = text.encode("utf-16-le")
    for i in range(0, len(units), 2):
        ch = units[i] | units[i + 1] << 8
        h1 = imul(h1 ^ ch, 2654435761)
        h2 = imul(h2 ^ ch, 1597334677)
    h1 = imul(h1 ^ (h1 >> 16), 2246822507)
    h1 ^= imul(h2 ^ (h2 >> 13), 3266489909)
    h2 = imul(h2 ^ (h2 >> 16), 2246822507)
    h2 ^= imul(h1 ^ (h1 >> 13), 3266489909)
    return str(4294967296 * (2097151 & h2) + h1)
