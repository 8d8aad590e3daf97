"""Derived panels: feedback computed from answers (SMART check, elevator speech, lowest areas, …).

Each kind returns a ``Panel`` of plain-text lines; ``render`` escapes and lays them out, and the live
form shows the same panel, refreshed on every save. Computing from answers (never from widgets)
keeps the form, the summary and the PDF in agreement.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from . import definitions as defs
from .values import answer_text, is_blank, level, number, progress, scalar_text


@dataclass
class Panel:
    title: str
    lines: list[str] = field(default_factory=list)   # short status lines (✓/✗ …)
    body: str = ""                                   # a longer assembled text, shown as a quote


def _key(ws: defs.Worksheet, name: str) -> str:
    return name if "." in name else ws.field(name).key


def _field(ws: defs.Worksheet, name: str) -> defs.Field:
    return defs.field_for_key(name) if "." in name else ws.field(name)


# ---- SMART --------------------------------------------------------------------------------------
_NUMBER = re.compile(r"\d|%|\bpercent\b|\bper\s|\bhalf\b|\bdouble\b|\btwice\b", re.I)
_TIME = re.compile(r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                   r"\bby (the )?end\b|\bby\b.*\b(semester|quarter|year|term|week|month|grading period)\b|"
                   r"\bwithin\b|\bweekly\b|\bmonthly\b|\d{1,2}/\d{1,2}", re.I)
_WHO = re.compile(r"\b(student|learner|teacher|class|grade|family|families|staff|reader|school|campus|"
                  r"district|principal)s?\b", re.I)
SMART = {
    "specific": ("Specific", "Say exactly what will change and for whom (which students, which classes)."),
    "measurable": ("Measurable", "Add a number you will count: 'from 40% to 60% of classes', '300 checkouts'."),
    "achievable": ("Achievable", "Name the time, people and resources that make it doable."),
    "relevant": ("Relevant", "Tie it to a school or district goal, or to student learning."),
    "time_bound": ("Time-bound", "Give a deadline: a date, month, or 'by the end of the spring semester'."),
}


def smart_check(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    statement = answer_text(answers, _key(ws, d.options["statement"]))
    parts = {k: answer_text(answers, _key(ws, v)) for k, v in (d.options.get("parts") or {}).items()}
    everything = " ".join([statement, *parts.values()])
    ok = {
        "specific": len(statement.split()) >= 8 and bool(_WHO.search(everything)) or
                    len(parts.get("specific", "").split()) >= 5,
        "measurable": bool(_NUMBER.search(statement) or _NUMBER.search(parts.get("measurable", ""))),
        "achievable": len(parts.get("achievable", "").split()) >= 3,
        "relevant": bool(parts.get("relevant")) or bool(re.search(r"\b(goal|plan|standard|learning)\b",
                                                                 everything, re.I)),
        "time_bound": bool(_TIME.search(statement) or _TIME.search(parts.get("time_bound", ""))),
    }
    panel = Panel(d.title or "SMART check")
    if not everything.strip():
        panel.lines.append("Write your goal to see which SMART elements it has.")
        return panel
    for k, (name, hint) in SMART.items():
        panel.lines.append(f"✓ {name}" if ok[k] else f"✗ {name} — missing or unclear. {hint}")
    missing = [SMART[k][0] for k in SMART if not ok[k]]
    panel.lines.insert(0, "All five SMART elements are there." if not missing
                       else f"Missing: {', '.join(missing)}.")
    return panel


# ---- Elevator speech ----------------------------------------------------------------------------
def elevator_speech(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    wpm = float(d.options.get("words_per_minute") or 140)
    texts = [answer_text(answers, _key(ws, p)) for p in d.options.get("parts") or ()]
    speech = "\n\n".join(t for t in texts if t)
    panel = Panel(d.title or "Your elevator speech", body=speech)
    if not speech:
        panel.lines.append("Fill in the parts above; your speech is assembled here in speaking order.")
        return panel
    words = len(speech.split())
    seconds = round(words / wpm * 60)
    panel.lines.append(f"{words} words ≈ {seconds} seconds at {wpm:g} words a minute.")
    if seconds < 30:
        panel.lines.append("Under 30 seconds: add a concrete detail to the story.")
    elif seconds > 60:
        panel.lines.append("Over a minute: trim until it fits one elevator ride (30–60 seconds).")
    else:
        panel.lines.append("Within 30–60 seconds: good length.")
    empty = [_field(ws, p).label for p, t in zip(d.options.get("parts") or (), texts) if not t]
    if empty:
        panel.lines.append("Still empty: " + "; ".join(empty))
    return panel


# ---- Lowest areas -------------------------------------------------------------------------------
def lowest_areas(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    table = _field(ws, d.options["table"])
    col = table.column(d.options["value"])
    rows = answers.get(table.key) or []
    rated = [(r[col.id], str(r.get(d.options["label"]) or "").strip() or f"Row {i}")
             for i, r in enumerate(rows, 1)
             if isinstance(r, dict) and isinstance(r.get(col.id), int) and 1 <= r[col.id] <= len(col.levels)]
    panel = Panel(d.title or "Lowest-rated areas")
    if not rated:
        panel.lines.append(f"Rate the areas in “{table.label}” to see your lowest-rated ones here.")
        return panel
    for v, label in sorted(rated)[: int(d.options.get("count") or 3)]:
        panel.lines.append(f"{label} — {col.levels[v - 1]} ({v} of {len(col.levels)})")
    return panel


# ---- Stakeholders by strategy ------------------------------------------------------------------
QUADRANTS = {  # (high power, high interest) → Mendelow's strategy
    (True, True): "Manage closely", (True, False): "Keep satisfied",
    (False, True): "Keep informed", (False, False): "Monitor",
}


def quadrant_groups(rows: list[dict], label: str, pcol: defs.Field, icol: defs.Field):
    """Mendelow placement: ([(label, power, interest)], {strategy: [labels]}, [unrated labels])."""
    pmid, imid = (len(pcol.levels) + 1) / 2, (len(icol.levels) + 1) / 2
    rated, unrated = [], []
    groups: dict[str, list[str]] = {name: [] for name in QUADRANTS.values()}
    for i, r in enumerate(rows, 1):
        name = str(r.get(label) or "").strip() or f"Row {i}"
        p, q = level(r.get(pcol.id), len(pcol.levels)), level(r.get(icol.id), len(icol.levels))
        if p and q:
            rated.append((name, p, q))
            groups[QUADRANTS[(p >= pmid, q >= imid)]].append(name)
        else:
            unrated.append(name)
    return rated, groups, unrated


def quadrants(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    table = _field(ws, d.options["table"])
    _, groups, unrated = quadrant_groups(answers.get(table.key) or [], d.options["label"],
                                         table.column(d.options["power"]), table.column(d.options["interest"]))
    panel = Panel(d.title or "Stakeholders by strategy (Mendelow)")
    panel.lines = [f"{k}: {', '.join(v)}" for k, v in groups.items() if v]
    if unrated:
        panel.lines.append(f"Not yet rated: {', '.join(unrated)}")
    if not panel.lines:
        panel.lines.append(f"Rate power and interest in “{table.label}” to sort stakeholders here.")
    return panel


# ---- Totals -------------------------------------------------------------------------------------
def target_value(spec_target, ws: defs.Worksheet, answers: Mapping) -> float | None:
    """A target given as a number, or as the id/key of a number field."""
    if isinstance(spec_target, (int, float)):
        return float(spec_target)
    if isinstance(spec_target, str) and spec_target:
        key = spec_target if "." in spec_target else ws.field(spec_target).key
        return number(answers.get(key))
    return None


def column_total(rows, column: str) -> float:
    """The sum of a table column's numbers; rows without a number there (or a table that is not a
    list) count as nothing."""
    if not isinstance(rows, list):
        return 0.0
    return float(sum(n for r in rows if isinstance(r, dict) and (n := number(r.get(column))) is not None))


def total(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    table = _field(ws, d.options["table"])
    col = table.column(d.options["value"])
    s = column_total(answers.get(table.key) or [], col.id)
    unit = d.options.get("unit") or col.label.lower()
    target = target_value(d.options.get("target"), ws, answers)
    panel = Panel(d.title or "Total", [f"{s:g} {unit} logged."])
    if target:
        panel.lines.append(f"Target met ({s:g} of {target:g})." if s >= target
                           else f"{target - s:g} {unit} to go to reach {target:g}.")
    return panel


# ---- Year-end summary ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Highlight:
    """What the year-end summary shows of one worksheet: its first answered text, whole (``kind``
    "text"; whoever shows it decides how much); else how many rows its first answered table has
    ("table", "3 row(s)."); else its first answer as text ("value")."""
    worksheet: defs.Worksheet
    field: defs.Field
    kind: str
    text: str


@dataclass(frozen=True)
class SessionHighlights:
    session: defs.Session
    answered: int
    total: int
    highlights: tuple[Highlight, ...]


def session_highlights(answers: Mapping, keys=None, skip: Collection[str] = ()) -> list[SessionHighlights]:
    """Each session with any answer, in series order: how much of it is answered, and a Highlight of
    each worksheet with an answer — only answers among ``keys`` when given, and no worksheet whose
    key (``session.worksheet``) is in ``skip``. The year-end summary and the year-end letter
    (``llc letter``) both draw on it."""
    out = []
    for s in defs.sessions():
        done, total_ = progress(s, answers)
        if not done or not any(w.year_end for w in s.worksheets):
            continue
        found = []
        for w in s.worksheets:
            if w.key in skip or not w.year_end:
                continue
            fields = [f for f in w.fields if (not keys or f.key in keys) and not is_blank(answers.get(f.key))]
            text = next((f for f in fields if f.type in ("long_text", "short_text")), None)
            table = next((f for f in fields if f.type == "table"), None)
            if text:
                found.append(Highlight(w, text, "text", str(answers.get(text.key)).strip()))
            elif table:
                found.append(Highlight(w, table, "table", f"{len(answers.get(table.key) or [])} row(s)."))
            elif fields:
                found.append(Highlight(w, fields[0], "value", scalar_text(fields[0], answers.get(fields[0].key))))
        out.append(SessionHighlights(s, done, total_, tuple(found)))
    return out


def year_end_summary(ws: defs.Worksheet, d: defs.Derived, answers: Mapping) -> Panel:
    """A page for the principal from the participant's own answers: per session, the first thing
    they wrote in each worksheet and how many plan rows they made."""
    panel = Panel(d.title or "Year-end summary for my principal")
    paragraphs = []
    for s in session_highlights(answers, d.options.get("highlights"), skip=(ws.key,)):
        bits = [f"{h.worksheet.title}: {h.text[:280] + '…' if h.kind == 'text' and len(h.text) > 280 else h.text}"
                for h in s.highlights]
        paragraphs.append(f"{s.session.title} ({s.answered} of {s.total} answered)\n"
                          + "\n".join(f"• {b}" for b in bits))
    if not paragraphs:
        panel.lines.append("Your summary fills in as you answer the sessions' worksheets.")
    panel.body = "\n\n".join(paragraphs)
    return panel


KINDS: dict[str, Callable[[defs.Worksheet, defs.Derived, Mapping], Panel]] = {
    "smart_check": smart_check, "elevator_speech": elevator_speech, "lowest_areas": lowest_areas,
    "total": total, "year_end_summary": year_end_summary, "quadrants": quadrants,
}


def panels(ws: defs.Worksheet, answers: Mapping) -> list[Panel]:
    out = []
    for d in ws.derived:
        try:
            fn = KINDS[d.kind]
        except KeyError:
            raise defs.DefinitionError(f"{ws.key}: unknown derived kind {d.kind!r}; "
                                       f"known: {', '.join(KINDS)}") from None
        out.append(fn(ws, d, answers))
    return out
