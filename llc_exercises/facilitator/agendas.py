"""The facilitator guide's agendas, kept as data a facilitator can edit: reading and checking them.

Each session has one YAML file in ``llc_exercises/facilitator/guide/`` (``01_visioning.yaml`` …): a
purpose paragraph, what to prepare before the day, the day's materials, and the agenda's blocks
(start, minutes, title, kind, what happens, worksheets, prompts, materials). ``load_guides`` reads
and checks them all, naming the file and the block of any mistake (``guide`` prints them). A
facilitator may point ``LLC_GUIDE_DIR`` (or ``llc guide --guide-dir``) at an edited copy of the
folder, as ``LLC_SESSIONS_DIR`` does for the session files.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import settings
from ..core import definitions as defs
from ..core.readers import text_field
from ..documents import charts
from ..errors import LeadingEdgeError

BUILTIN_DIR = Path(__file__).resolve().parent / "guide"
TOP_KEYS = ("session", "purpose", "before_the_day", "materials", "agenda")
BLOCK_KEYS = ("start", "minutes", "title", "kind", "what_happens", "worksheets", "prompts", "materials")
# Each kind: how the agenda names it, and its colour in the day's timeline (always with a text label).
KINDS: dict[str, tuple[str, str]] = {
    "welcome": ("Welcome", "#6a4c93"),
    "input": ("Input", charts.BRAND),
    "worksheet": ("Worksheet", charts.ACCENT),
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
    return text_field(raw, key, where, GuideError, required)


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
