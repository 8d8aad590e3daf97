"""The facilitator guide: a full-day agenda for each session, kept as data a facilitator can edit.

Each session has one YAML file in ``llc_exercises/guide/`` (``01_visioning.yaml`` …): a purpose
paragraph, what to prepare before the day, the day's materials, and the agenda's blocks (start,
minutes, title, kind, what happens, worksheets, prompts, materials). ``load_guides`` reads and checks
them all, naming the file and the block of any mistake; ``guide_html`` renders the printed guide and
``build_guide`` writes it as HTML and PDF, both or neither. A facilitator may point ``LLC_GUIDE_DIR``
(or ``llc guide --guide-dir``) at an edited copy of the folder, as ``LLC_SESSIONS_DIR`` does for the
session files.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import settings
from ..core import definitions as defs
from ..core.cohort import Cohort, Event
from ..core.files import write_all
from ..documents import render
from ..documents.pdf import open_printer
from ..errors import LeadingEdgeError

BUILTIN_DIR = Path(__file__).resolve().parent / "guide"
HTML_NAME, PDF_NAME = "facilitator-guide.html", "facilitator-guide.pdf"
TOP_KEYS = ("session", "purpose", "before_the_day", "materials", "agenda")
BLOCK_KEYS = ("start", "minutes", "title", "kind", "what_happens", "worksheets", "prompts", "materials")
# Each kind: how the agenda names it, and its colour in the day's timeline (always with a text label).
KINDS: dict[str, tuple[str, str]] = {
    "welcome": ("Welcome", "#6a4c93"),
    "input": ("Input", "#1d3557"),
    "worksheet": ("Worksheet", "#2a6f97"),
    "pairs": ("Pairs", "#2d6a4f"),
    "breakout": ("Breakout groups", "#74c69d"),
    "break": ("Break", "#d4d4d4"),
    "lunch": ("Lunch", "#a8a8a8"),
    "reflection": ("Reflection", "#e9c46a"),
    "close": ("Close", "#9d0208"),
}
RESTS = ("break", "lunch")  # blocks that need no words of their own
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GuideError(LeadingEdgeError, ValueError):
    """A guide file cannot be used; the message names the file, the block and the fix."""


@dataclass(frozen=True)
class Block:
    number: int  # 1-based position in the day, shown in the agenda and on the timeline
    start: int  # minutes after midnight
    minutes: int
    title: str
    kind: str
    what_happens: str
    worksheets: tuple[str, ...] = ()  # session.worksheet keys
    prompts: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()

    @property
    def end(self) -> int:
        return self.start + self.minutes

    def span(self) -> str:
        """'09:30–10:10'."""
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True)
class SessionGuide:
    session: defs.Session
    purpose: str
    before_the_day: tuple[str, ...]
    materials: tuple[str, ...]
    agenda: tuple[Block, ...]
    source: Path

    @property
    def start(self) -> int:
        return self.agenda[0].start

    @property
    def end(self) -> int:
        return self.agenda[-1].end

    def span(self) -> str:
        return f"{clock(self.start)}–{clock(self.end)}"

    def worksheet_keys(self) -> set[str]:
        return {k for b in self.agenda for k in b.worksheets}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def guide_dir() -> Path:
    return Path(settings.GUIDE_DIR.raw() or BUILTIN_DIR)


# ---- reading and checking ------------------------------------------------------------------------
def _suggest_time(value: Any) -> str:
    """What a time someone wrote probably meant, as "HH:MM" ("09:30" when there is no telling)."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    m = re.match(r"^\s*(\d{1,2})(?:\s*[.:h,]\s*(\d{2}))?\s*([ap])?\.?\s*m?\.?\s*$", text, re.I)
    if m:
        hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
        hour += 12 if half == "p" and hour < 12 else 0
        hour -= 12 if half == "a" and hour == 12 else 0
        if hour < 24 and minute < 60:
            return clock(hour * 60 + minute)
    return "09:30"


def _time(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 10:15 as the base-60 number 615: take it back to 10:15.
        return value
    m = _TIME.match(str(value).strip()) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        shown = f"{value:.2f}" if isinstance(value, float) else value
        raise GuideError(f'{where}: start {shown} is not a time; write "{_suggest_time(value)}" '
                         '(24-hour clock, hours:minutes, in quotes).')
    return int(m.group(1)) * 60 + int(m.group(2))


def _text(raw: dict, key: str, where: str, required: bool = False) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise GuideError(f"{where}: '{key}' is missing; add a line `{key}: …`.")
        return ""
    if isinstance(value, (dict, list)):
        raise GuideError(f"{where}: '{key}' should be text, not a list or a block; if the text contains "
                         "': ' (a colon and a space), put it all in double quotes.")
    return str(value).strip()


def _texts(raw: dict, key: str, where: str) -> tuple[str, ...]:
    """A list of lines of text (one text alone counts as a list of one)."""
    value = raw.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, dict):
            first = next(iter(item), "")
            raise GuideError(f"{where}: item {i} of '{key}' reads as '{first}: …' because of the colon "
                             "followed by a space; put the whole item in double quotes.")
        if isinstance(item, list):
            raise GuideError(f"{where}: item {i} of '{key}' is a list inside the list; write one line "
                             "of text per item, each starting '- '.")
        if item is not None and str(item).strip():
            out.append(str(item).strip())
    return tuple(out)


def _unknown(raw: dict, allowed: Sequence[str], where: str) -> None:
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else " (a typo?)"
            raise GuideError(f"{where}: unknown entry '{key}'{hint}; allowed here: {', '.join(allowed)}.")


def _worksheets(raw: dict, where: str, session: defs.Session, known: dict[str, defs.Session]) -> tuple[str, ...]:
    keys = _texts(raw, "worksheets", where)
    for key in keys:
        sid, _, wid = key.partition(".")
        owner = known.get(sid)
        if owner is not None and any(w.id == wid for w in owner.worksheets):
            continue
        listed = owner or session
        raise GuideError(
            f"{where}: unknown worksheet '{key}'; worksheets are written session.worksheet, and session "
            f"'{listed.id}' has: {', '.join(w.key for w in listed.worksheets)}"
            + ("" if owner else f" (the sessions are: {', '.join(known)})") + ".")
    return keys


def _block(raw: Any, i: int, where: str, session: defs.Session, known: dict[str, defs.Session]) -> Block:
    here = f"{where}, agenda block {i}"
    if not isinstance(raw, dict):
        raise GuideError(f"{here}: expected entries `start:`, `minutes:`, `title:` and `kind:`, the first "
                         "starting with '- '.")
    title = _text(raw, "title", here)
    if title:
        here = f"{here} ('{title}')"
    _unknown(raw, BLOCK_KEYS, here)
    if raw.get("start") is None:
        raise GuideError(f'{here}: \'start\' is missing; add a line `start: "09:30"`.')
    start = _time(raw["start"], here)
    minutes = raw.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= 12 * 60:
        shown = "missing" if minutes is None else f"{minutes!r}"
        raise GuideError(f"{here}: minutes is {shown}; write how long the block lasts as a whole number "
                         "of minutes, for example `minutes: 45`.")
    if start + minutes > 24 * 60:
        raise GuideError(f"{here}: starting at {clock(start)} and lasting {minutes} minutes, it would end "
                         "after midnight.")
    if not title:
        raise GuideError(f"{here}: 'title' is missing; add a line `title: …`.")
    kind = _text(raw, "kind", here, required=True)
    if kind not in KINDS:
        raise GuideError(f"{here}: kind '{kind}' is not one of: {', '.join(KINDS)}.")
    return Block(number=i, start=start, minutes=minutes, title=title, kind=kind,
                 what_happens=_text(raw, "what_happens", here, required=kind not in RESTS),
                 worksheets=_worksheets(raw, here, session, known),
                 prompts=_texts(raw, "prompts", here), materials=_texts(raw, "materials", here))


def parse_guide(raw: Any, source: Path, known: dict[str, defs.Session] | None = None) -> SessionGuide:
    """One guide file's content (already read as YAML) → a checked SessionGuide."""
    known = known if known is not None else {s.id: s for s in defs.sessions()}
    where = str(source)
    if not isinstance(raw, dict):
        raise GuideError(f"{where}: expected entries `session:`, `purpose:`, `before_the_day:`, `materials:` "
                         "and `agenda:`; compare it with a file in the kit's llc_exercises/guide/ folder.")
    _unknown(raw, TOP_KEYS, where)
    sid = _text(raw, "session", where, required=True)
    session = known.get(sid)
    if session is None:
        raise GuideError(f"{where}: session '{sid}' is not a session of the kit; the sessions are: "
                         f"{', '.join(known)}.")
    purpose = _text(raw, "purpose", where, required=True)
    agenda_raw = raw.get("agenda")
    if not isinstance(agenda_raw, list) or not agenda_raw:
        raise GuideError(f"{where}: 'agenda' is missing or empty; list the day's blocks under `agenda:`, "
                         "each starting with '- start:'.")
    blocks = [_block(b, i, where, session, known) for i, b in enumerate(agenda_raw, start=1)]
    for before, after in zip(blocks, blocks[1:]):
        if after.start < before.end:
            raise GuideError(
                f"{where}: agenda block {after.number} ('{after.title}') starts at {clock(after.start)}, "
                f"before block {before.number} ('{before.title}', {before.span()}) ends; start it at "
                f"{clock(before.end)} or later, or shorten block {before.number}.")
    used = {k for b in blocks for k in b.worksheets}
    unused = [w.key for w in session.worksheets if w.key not in used]
    if unused:
        raise GuideError(f"{where}: no block uses worksheet(s) {', '.join(unused)}; every worksheet of "
                         f"session '{sid}' needs a block (add it to a block's `worksheets:`).")
    return SessionGuide(session=session, purpose=purpose, before_the_day=_texts(raw, "before_the_day", where),
                        materials=_texts(raw, "materials", where), agenda=tuple(blocks), source=source)


def read_guide_file(path: Path, known: dict[str, defs.Session] | None = None) -> SessionGuide:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GuideError(f"Guide file {path} cannot be read ({exc}).") from None
    try:
        raw = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None and mark is not None and cmark.line != mark.line:
            problem += f", {context} at line {cmark.line + 1}"
        raise GuideError(f"{path}: not valid YAML{line} ({problem}); check the indentation (spaces, not "
                         "tabs) and put text containing ': ' in double quotes.") from None
    return parse_guide(raw, path, known)


def load_guides(directory: Path | str | None = None) -> tuple[SessionGuide, ...]:
    """Every session's guide, in series order. Sessions numbered 0 (orientation, done before the
    series) need none; every other session needs exactly one file."""
    folder = Path(directory) if directory is not None else guide_dir()
    if not folder.is_dir():
        raise GuideError(f"Guide folder {folder} not found. Check --guide-dir or LLC_GUIDE_DIR, or copy the "
                         "kit's llc_exercises/guide/ folder there.")
    known = {s.id: s for s in defs.sessions()}
    guides: dict[str, SessionGuide] = {}
    for path in sorted(folder.glob("*.yaml")):
        g = read_guide_file(path, known)
        if g.session.id in guides:
            raise GuideError(f"{path}: session '{g.session.id}' already has a guide file, "
                             f"{guides[g.session.id].source.name}; keep one of the two.")
        guides[g.session.id] = g
    for s in known.values():
        if s.number >= 1 and s.id not in guides:
            raise GuideError(f"{folder}: no guide file for session '{s.id}' (Session {s.number}); add "
                             f"{s.number:02d}_{s.id}.yaml with `session: {s.id}` (copy it from the kit's "
                             "llc_exercises/guide/ folder).")
    return tuple(sorted(guides.values(), key=lambda g: g.session.number))


# ---- rendering -----------------------------------------------------------------------------------
GUIDE_CSS = """<style>
.llc-guide { font-size: 10pt; }
.llc-guide h2.llc-session { margin: 0 0 2mm 0; }
.llc-guide h3 { color: #1d3557; font-size: 11.5pt; margin: 4mm 0 1.5mm 0; break-after: avoid; page-break-after: avoid; }
.llc-guide p { margin: 0 0 2mm 0; }
.llc-guide ul { margin: 0 0 2mm 0; padding-left: 5mm; }
.llc-guide li { margin-bottom: 0.8mm; }
.llc-when { color: #2a6f97; font-weight: bold; margin: 0 0 3mm 0; }
.llc-warn { border-left: 3px solid #b5651d; padding: 1mm 3mm; color: #5c3310; background: #fdf3e7; }
.llc-guide li { break-inside: avoid; page-break-inside: avoid; }
ul.llc-materials { columns: 2; column-gap: 10mm; }
.llc-keep { break-inside: avoid; page-break-inside: avoid; }
.llc-sched { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 2mm 0 3mm 0; }
.llc-sched th, .llc-sched td { border-bottom: 1px solid #ccd; padding: 1.2mm 2mm; text-align: left;
  vertical-align: top; }
.llc-sched thead th { background: #e9eef4; border-bottom: 1px solid #99a; }
.llc-guide-cover { padding-top: 10mm; }
.llc-guide-cover h1 { font-size: 28pt; }
.llc-cover h2 { color: #1d3557; margin: 6mm 0 1mm 0; font-size: 13pt; }
.llc-sched td.llc-nowrap { white-space: nowrap; }
.llc-cohort { font-size: 14pt; color: #1d3557; font-weight: bold; margin: 6mm 0 1mm 0; }
.llc-by { color: #444; margin: 0 0 4mm 0; }
.llc-contents { page-break-after: always; }
.llc-contents h2 { color: #1d3557; border-bottom: 2px solid #2a6f97; }
.llc-toc { font-size: 11pt; padding-left: 6mm; }
.llc-toc li { margin-bottom: 2mm; }
.llc-toc a { color: #1d3557; text-decoration: none; font-weight: bold; }
.llc-toc .llc-sub { color: #555; font-size: 9.5pt; }
.llc-timeline { margin: 1mm 0 1mm 0; }
.llc-timeline svg { width: 100%; height: auto; display: block; }
ul.llc-legend { font-size: 8.5pt; color: #333; margin: 1mm 0 0 0; padding: 0; list-style: none; }
.llc-legend li { display: inline-block; margin: 0 4mm 1mm 0; }
ul.llc-legend.llc-kinds { font-size: 9.5pt; columns: 2; column-gap: 8mm; margin-bottom: 3mm; }
.llc-legend.llc-kinds li { display: block; margin: 0 0 1.5mm 0; break-inside: avoid; }
.llc-sw { display: inline-block; width: 3.2mm; height: 3.2mm; border: 1px solid #666; vertical-align: -0.5mm;
  margin-right: 1mm; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
/* 2px short of the page: Chromium clips the right half of a collapsed border at the page's edge */
.llc-agenda { border-collapse: collapse; width: calc(100% - 2px); font-size: 9pt; margin-top: 1mm;
  table-layout: fixed; }
.llc-agenda col.llc-c-time { width: 15%; } .llc-agenda col.llc-c-block { width: 29%; }
.llc-agenda th, .llc-agenda td { border: 1px solid #b8bfc8; padding: 1.6mm 2mm; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }
.llc-agenda thead th { background: #e9eef4; }
.llc-agenda tr { break-inside: avoid; page-break-inside: avoid; }
.llc-agenda tr.llc-rest td { background: #f4f4f4; color: #444; padding-top: 1mm; padding-bottom: 1mm;
  print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.llc-agenda p { margin: 0 0 1.5mm 0; }
.llc-range { display: block; white-space: nowrap; font-weight: bold; }
.llc-len { display: block; color: #555; font-size: 8.5pt; }
.llc-btitle { font-weight: bold; color: #111; display: block; margin-bottom: 1mm; padding-left: 6mm;
  text-indent: -6mm; }
.llc-n { display: inline-block; min-width: 6mm; text-indent: 0; color: #2a6f97; }
.llc-kind { display: block; font-size: 8.5pt; color: #333; margin-bottom: 1.5mm; }
ul.llc-ws { font-size: 8.5pt; margin: 1mm 0 0 0; padding-left: 0; list-style: none; }
.llc-ws li { margin-bottom: 1mm; }
.llc-ws code { display: block; color: #2a6f97; font-size: 7.5pt; font-family: "DejaVu Sans Mono", monospace; }
.llc-label { font-weight: bold; color: #1d3557; font-size: 8.5pt; margin: 1.5mm 0 0.5mm 0; }
ul.llc-prompts { margin: 0 0 1mm 0; padding-left: 4.5mm; font-style: italic; }
.llc-mat { font-size: 8.5pt; color: #333; }
.llc-src { color: #666; font-size: 8.5pt; margin-top: 12mm; }
</style>"""


def _paragraphs(text: str) -> str:
    """Facilitator prose: escaped, a paragraph per blank-line-separated part, with **bold** and *italic*."""
    parts = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{render.instructions_html(p)}</p>" for p in parts)


def _items(items: Sequence[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{render.instructions_html(i)}</li>" for i in items) + "</ul>"


def _long_date(on: dt.date, short: bool = False) -> str:
    """'Thursday 7 October 2021', or 'Thu 7 Oct 2021' where space is short."""
    return f"{on:%a} {on.day} {on:%b %Y}" if short else f"{on:%A} {on.day} {on:%B %Y}"


def swatch(kind: str) -> str:
    """A kind's colour as a small square (breaks hatched, as on the timeline), always beside its name."""
    if kind == "break":
        style = ("background-color: #ececec; background-image: repeating-linear-gradient(45deg, #9a9a9a 0, "
                 "#9a9a9a 1px, transparent 1px, transparent 4px)")
    else:
        style = f"background: {KINDS[kind][1]}"
    return f'<span class="llc-sw" style="{style}"></span>'


def _original_date(s: defs.Session) -> str:
    try:
        return _long_date(dt.date.fromisoformat(s.original_date))
    except ValueError:
        return s.original_date or "not dated"


def _ink(hex_colour: str) -> str:
    """Black or white, whichever reads better on the colour."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def timeline_svg(g: SessionGuide) -> str:
    """The day at a glance: one bar, a segment per block in proportion to its minutes, numbered as in
    the agenda, coloured by kind (breaks also hatched), with the hours marked beneath. The legend
    beside it names every colour, and the agenda table says the same in words."""
    width, top, bar = 1000.0, 2.0, 30.0
    day = max(g.end - g.start, 1)

    def x(minute: int) -> float:
        return round((minute - g.start) / day * width, 2)

    pid = f"llc-hatch-{g.session.id}"
    parts = [f'<defs><pattern id="{render.esc(pid)}" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ececec"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>']
    for b in g.agenda:
        x0, x1 = x(b.start), x(b.end)
        label, colour = KINDS[b.kind]
        fill = f"url(#{pid})" if b.kind == "break" else colour
        parts.append(f'<rect x="{x0}" y="{top}" width="{round(x1 - x0, 2)}" height="{bar}" fill="{fill}" '
                     f'stroke="#ffffff" stroke-width="1.5"><title>'
                     f'{render.esc(f"{b.number}. {b.span()} {b.title} ({label})")}</title></rect>')
        if x1 - x0 >= 16:
            ink = "#111111" if b.kind == "break" else _ink(colour)
            parts.append(f'<text x="{round((x0 + x1) / 2, 2)}" y="{top + bar / 2 + 5}" font-size="14" '
                         f'font-weight="bold" text-anchor="middle" fill="{ink}" '
                         f'font-family="DejaVu Sans, sans-serif">{b.number}</text>')
    first_hour = -(-g.start // 60) * 60
    for minute in range(first_hour, g.end + 1, 60):
        xm = x(minute)
        anchor = "start" if xm < 20 else "end" if xm > width - 20 else "middle"
        parts.append(f'<line x1="{xm}" y1="{top + bar}" x2="{xm}" y2="{top + bar + 6}" stroke="#555"/>'
                     f'<text x="{xm}" y="{top + bar + 20}" font-size="12" text-anchor="{anchor}" fill="#333" '
                     f'font-family="DejaVu Sans, sans-serif">{clock(minute)}</text>')
    summary = (f"The day from {clock(g.start)} to {clock(g.end)} in {len(g.agenda)} blocks: "
               + "; ".join(f"{b.number} {b.title}, {b.minutes} minutes" for b in g.agenda))
    kinds = [k for k in KINDS if any(b.kind == k for b in g.agenda)]
    legend = "".join(
        f"<li>{swatch(k)}{render.esc(KINDS[k][0])}</li>" for k in kinds)
    return (f'<div class="llc-timeline"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} '
            f'{top + bar + 24:g}" role="img" aria-label="{render.esc(summary)}">{"".join(parts)}</svg>'
            f'<ul class="llc-legend" aria-hidden="true">{legend}</ul></div>')


def _worksheet_item(key: str, home: defs.Session) -> str:
    sid, _, wid = key.partition(".")
    s = defs.session(sid)
    ws = s.worksheet(wid)
    where = "" if s.id == home.id else f" (Session {s.number}: {s.title})" if s.number else f" ({s.title})"
    return f"<li>{render.esc(ws.title)}{render.esc(where)}<code>{render.esc(key)}</code></li>"


def agenda_html(g: SessionGuide) -> str:
    rows = []
    for b in g.agenda:
        label, colour = KINDS[b.kind]
        time = f'<span class="llc-range">{b.span()}</span><span class="llc-len">{b.minutes} min</span>'
        block = (f'<span class="llc-btitle"><span class="llc-n">{b.number}</span>{render.esc(b.title)}</span>'
                 f'<span class="llc-kind">{swatch(b.kind)}'
                 f"{render.esc(label)}</span>")
        if b.worksheets:
            block += ('<div class="llc-label">Worksheets</div><ul class="llc-ws">'
                      + "".join(_worksheet_item(k, g.session) for k in b.worksheets) + "</ul>")
        what = _paragraphs(b.what_happens)
        if b.prompts:
            what += '<div class="llc-label">Prompts for discussion</div>' + _items(b.prompts, "llc-prompts")
        if b.materials:
            what += (f'<div class="llc-mat"><span class="llc-label">Materials:</span> '
                     f'{render.esc("; ".join(b.materials))}</div>')
        cls = ' class="llc-rest"' if b.kind in RESTS else ""
        rows.append(f"<tr{cls}><td>{time}</td><td>{block}</td><td>{what}</td></tr>")
    return ('<table class="llc-agenda"><colgroup><col class="llc-c-time"><col class="llc-c-block"><col>'
            '</colgroup><thead><tr><th scope="col">Time</th><th scope="col">Block</th>'
            f'<th scope="col">What happens</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _event_line(e: Event) -> str:
    return f"{_long_date(e.date)}, {e.start:%H:%M}–{e.end:%H:%M}" + (f" · {e.where}" if e.where else "")


def session_html(g: SessionGuide, cohort: Cohort | None = None) -> str:
    s = g.session
    if cohort is not None:
        e = cohort.event(s.id)
        when = render.esc(_event_line(e))
        start, end = e.start.hour * 60 + e.start.minute, e.end.hour * 60 + e.end.minute
        if (start, end) != (g.start, g.end):
            when += (f'</p><p class="llc-warn">This cohort meets {clock(start)}–{clock(end)}; the agenda below '
                     f"runs {g.span()}. Shift the start times in {render.esc(g.source.name)} to match.")
    else:
        when = render.esc(f"Original series date: {_original_date(s)} · {g.span()}")
    prep = f"<h3>Before the day</h3>{_items(g.before_the_day)}" if g.before_the_day else ""
    prep += f"<h3>Materials</h3>{_items(g.materials, 'llc-materials')}" if g.materials else ""
    return (f'<section class="llc-guide-session" id="guide-{render.esc(s.id)}">'
            f'<h2 class="llc-session">Session {s.number}: {render.esc(s.title)}</h2>'
            f'<p class="llc-when">{when}</p>'
            f"<h3>Purpose of the day</h3>{_paragraphs(g.purpose)}"
            f"{prep}"
            f'<div class="llc-keep"><h3>The day at a glance</h3>{timeline_svg(g)}</div>'
            f"<h3>Agenda</h3>{agenda_html(g)}</section>")


def cover_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None, source: Path | None = None) -> str:
    series = cohort.series if cohort is not None else "On the Leading Edge"
    head = (f'<p class="llc-kicker">Library Leadership Cooperative</p><h1>{render.esc(series)}</h1>'
            '<p class="llc-subtitle">Facilitator guide: six full-day sessions</p>')
    if cohort is not None:
        head += f'<p class="llc-cohort">{render.esc(cohort.name)}</p>'
        by = [cohort.organiser] if cohort.organiser else []
        by += [f"{f.name}{f' ({f.role})' if f.role else ''}" for f in cohort.facilitators]
        head += f'<p class="llc-by">{render.esc(" · ".join(by))}</p>' if by else ""
        rows = "".join(
            f"<tr><td>{g.session.number}</td><td>{render.esc(g.session.title)}</td>"
            f'<td class="llc-nowrap">{render.esc(_long_date(e.date, short=True))}</td>'
            f'<td class="llc-nowrap">{e.start:%H:%M}–{e.end:%H:%M}</td>'
            f"<td>{render.esc(e.where)}</td></tr>"
            for g in guides for e in [cohort.event(g.session.id)])
        table = ('<h2>Dates</h2><table class="llc-sched"><thead><tr><th>#</th><th>Session</th><th>Date</th>'
                 f'<th>Time</th><th>Where</th></tr></thead><tbody>{rows}</tbody></table>' + meetings_html(cohort))
    else:
        rows = "".join(f"<tr><td>{g.session.number}</td><td>{render.esc(g.session.title)}</td>"
                       f"<td>{render.esc(_original_date(g.session))}</td><td>{g.span()}</td></tr>"
                       for g in guides)
        table = ('<h2>The series</h2><table class="llc-sched"><thead><tr><th>#</th><th>Session</th>'
                 f"<th>Original date</th><th>Agenda</th></tr></thead><tbody>{rows}</tbody></table>"
                 '<p class="llc-note" style="margin-top:2mm">These are the dates of the original 2021–22 series. '
                 "For your own cohort's dates, times and places, build the guide with "
                 "<code>llc guide --cohort FILE</code>.</p>")
    src = ""
    if source is not None and source.resolve() != BUILTIN_DIR.resolve():
        src = f'<p class="llc-src">Agendas read from {render.esc(source)}.</p>'
    return f'<section class="llc-cover llc-guide-cover">{head}{table}{src}</section>'


def meetings_html(cohort: Cohort) -> str:
    """The cohort meetings between sessions (peer coaching; set up in Coaching)."""
    if not cohort.meetings:
        return ""
    rows = "".join(f"<tr><td>{render.esc(m.title)}</td>"
                   f'<td class="llc-nowrap">{render.esc(_long_date(m.date, short=True))}</td>'
                   f'<td class="llc-nowrap">{m.start:%H:%M}–{m.end:%H:%M}</td><td>{render.esc(m.where)}</td></tr>'
                   for m in cohort.meetings)
    return ('<h2>Cohort meetings</h2><table class="llc-sched"><thead><tr><th>Meeting</th><th>Date</th>'
            f"<th>Time</th><th>Where</th></tr></thead><tbody>{rows}</tbody></table>")


def contents_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None) -> str:
    items = []
    for g in guides:
        s = g.session
        when = _event_line(cohort.event(s.id)) if cohort is not None else f"{_original_date(s)}, {g.span()}"
        sheets = len(s.worksheets)
        items.append(f'<li><a href="#guide-{render.esc(s.id)}">Session {s.number}: {render.esc(s.title)}</a><br>'
                     f'<span class="llc-sub">{render.esc(when)} · {len(g.agenda)} blocks · '
                     f'{sheets} worksheet{"s" if sheets != 1 else ""}</span></li>')
    kinds = "".join(f"<li>{swatch(k)}<strong>{render.esc(label)}</strong>: {render.esc(KIND_NOTES[k])}</li>"
                    for k, (label, _colour) in KINDS.items())
    return (f'<section class="llc-contents llc-guide"><h2>Contents</h2><ol class="llc-toc">{"".join(items)}</ol>'
            +
            "<h2>How to read an agenda</h2>"
            "<p>Each session opens with the purpose of the day, what to prepare beforehand and what to have in "
            "the room, then a bar showing the day at a glance and the agenda itself. Every block is numbered "
            "the same way in both. Worksheets are named by their title with their key "
            "(<code>session.worksheet</code>), as in the participants' notebooks and printed workbooks. Prompts "
            "are questions to put to the room or to pairs; use them freely and add your own.</p>"
            f'<p>Each block has a kind:</p><ul class="llc-legend llc-kinds">{kinds}</ul>'
            "<p>The agendas are plain text files that you can edit (see <code>docs/facilitator-guide.md</code>); "
            "rebuild with <code>llc guide --out DIR</code> after changing them.</p></section>")


KIND_NOTES = {
    "welcome": "opening the day, introductions, check-ins",
    "input": "a short talk or demonstration by the facilitator",
    "worksheet": "participants work on a worksheet, mostly alone",
    "pairs": "work or practice in pairs",
    "breakout": "small groups of three or four",
    "break": "a short break",
    "lunch": "the lunch break",
    "reflection": "looking back and committing to next steps",
    "close": "closing the day",
}


def guide_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None, source: Path | None = None) -> str:
    """The whole guide as one standalone HTML page (no scripts, nothing fetched)."""
    body = (GUIDE_CSS + cover_html(guides, cohort, source) + contents_html(guides, cohort)
            + "".join(f'<div class="llc-guide">{session_html(g, cohort)}</div>' for g in guides))
    title = "On the Leading Edge — facilitator guide" + (f" — {cohort.name}" if cohort is not None else "")
    return render.page_html(body, title, footer_name="Facilitator guide")


def build_guide(out_dir: Path, cohort: Cohort | None = None, directory: Path | str | None = None,
                engine: str = "auto") -> list[Path]:
    """Write ``facilitator-guide.html`` and ``.pdf`` into ``out_dir``: both, or neither if anything
    fails (the data is checked and the PDF printed before either file takes its name)."""
    folder = Path(directory) if directory is not None else guide_dir()
    guides = load_guides(folder)
    page = guide_html(guides, cohort, folder)
    with open_printer(engine) as printer:
        pdf = printer.pdf(page)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / HTML_NAME, out_dir / PDF_NAME
    write_all({pdf_path: pdf, html_path: page.encode("utf-8")})
    return [html_path, pdf_path]
