"""The one-page year-end letter to the principal (``llc letter``), the Colorado cohort's idea: what to
remember, the growth plan, PD hours against target, value-added measures, highlights and the
request, from the participant's own answers. It always fits one page: printed, counted, and printed
again smaller, then shortened, until it does."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..core import derived
from ..core.files import PRIVATE, write_atomic
from ..core.store import read_answers
from ..core.values import answer_text, number
from ..errors import LeadingEdgeError
from . import pages
from .pdf import open_printer, page_count
from .render import ISOLATE, esc

YES, GROWTH, PD, VALUE = ("opportunity.year_end_summary", "opportunity.growth_plan", "opportunity.pd_log",
                          "opportunity.value_tracking")
KEYS = (f"{YES}.principal_name", f"{YES}.remember", f"{YES}.request", f"{GROWTH}.growth_areas",
        f"{GROWTH}.school_alignment", f"{GROWTH}.smart_goal", f"{GROWTH}.evidence", f"{GROWTH}.reflection",
        f"{PD}.target_hours", f"{PD}.log", f"{VALUE}.rows")
TYPE_SIZES = (10.5, 9.75, 9.0)  # points, tried in turn before any text is shortened
SHORTENED = "… (the full text is in my workbook)"
SHORTEST = 80  # characters: texts are not cut below this; lists get shorter instead
LISTS = {"highlights": 2, "measures": 4, "activities": 3}  # most items a list shows
NAME_LIMIT = 100  # names and places longer than this end in "…"


class LetterError(LeadingEdgeError, ValueError):
    """The letter cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Measure:
    question: str
    detail: str


@dataclass(frozen=True)
class Highlight:
    where: str  # the session, "Visioning"
    text: str


@dataclass(frozen=True)
class Letter:
    """Everything the letter says, as plain text; blank strings and empty lists are left out."""
    on: dt.date
    name: str
    school: str
    district: str
    cohort: str
    principal: str
    remember: str = ""
    request: str = ""
    growth_areas: tuple[str, ...] = ()
    alignment: str = ""
    goal: str = ""
    evidence: str = ""
    reflection: str = ""
    pd_hours: float | None = None  # None: nothing logged
    pd_target: float | None = None
    activities: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class Printed:
    path: Path
    type_size: float
    shortened: int  # how many texts were shortened to fit


def check_out(out: Path) -> None:
    if Path(out).suffix.lower() != ".pdf":
        raise LetterError(f"--out should name a .pdf file, e.g. letter.pdf; got {str(out)!r}.")


# ---- What the letter says -----------------------------------------------------------------------
def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1].rstrip() + "…"





def hours(value: float) -> str:
    return f"{value:g} hour" + ("" if value == 1 else "s")


def _activities(rows) -> tuple[str, ...]:
    """PD log rows as "Webinar: Reading across the curriculum (State library), 3 hours", by date."""
    out = []
    for row in sorted(rows, key=lambda r: str(r.get("date") or "9999")):
        what = " ".join(str(row.get("activity") or "").split())
        kind, provider = str(row.get("type") or ""), " ".join(str(row.get("provider") or "").split())
        h = number(row.get("hours"))
        if not (what or kind):
            continue
        text = f"{kind}: {what}" if kind and what and kind.lower() != what.lower() else what or kind
        if provider and provider != what:
            text += f" ({provider})"
        out.append(text + (f", {hours(h)}" if h else ""))
    return tuple(out)


def _measures(rows) -> tuple[Measure, ...]:
    out = []
    for row in rows:
        question = " ".join(str(row.get("question") or "").split())
        level = re.sub(r"^\d+\s*·\s*", "", str(row.get("level") or ""))
        bits = [" ".join(str(row.get(k) or "").split()) for k in ("indicator", "source")]
        detail = ", from ".join(b for b in bits if b)
        if row.get("frequency"):
            detail += (", " if detail else "") + str(row["frequency"]).lower()
        if level:
            detail += (" · " if detail else "") + level.lower()
        if question or detail:
            out.append(Measure(question, detail))
    return tuple(out)


def _highlights(answers: Mapping) -> tuple[Highlight, ...]:
    """The first long written answer of each session, as the year-end summary picks them, from the
    worksheets the letter does not already draw on."""
    out = []
    for s in derived.session_highlights(answers, skip=(YES, GROWTH, PD, VALUE)):
        h = next((h for h in s.highlights if h.kind == "text" and h.field.type == "long_text"), None)
        if h:
            session = s.session.title.removeprefix("On the Leading Edge of ").strip()
            out.append(Highlight(session, h.text))
    return tuple(out)


def compose(participant: Mapping, answers: Mapping, on: dt.date) -> Letter:
    rows = [r for r in answers.get(f"{PD}.log") or () if isinstance(r, dict)]
    logged = [h for r in rows if (h := number(r.get("hours"))) is not None]
    return Letter(
        on=on, name=_short(participant.get("name") or participant.get("id") or ""),
        school=_short(participant.get("school") or ""), district=_short(participant.get("district") or ""),
        cohort=_short(participant.get("cohort") or ""),
        principal=_short(answer_text(answers, f"{YES}.principal_name")),
        remember=answer_text(answers, f"{YES}.remember"), request=answer_text(answers, f"{YES}.request"),
        growth_areas=tuple(answers.get(f"{GROWTH}.growth_areas") or ()),
        alignment=answer_text(answers, f"{GROWTH}.school_alignment"), goal=answer_text(answers, f"{GROWTH}.smart_goal"),
        evidence=answer_text(answers, f"{GROWTH}.evidence"), reflection=answer_text(answers, f"{GROWTH}.reflection"),
        pd_hours=derived.column_total(rows, "hours") if logged else None,
        pd_target=number(answers.get(f"{PD}.target_hours")),
        activities=_activities(rows), measures=_measures(answers.get(f"{VALUE}.rows") or ()),
        highlights=_highlights(answers))


# ---- Fitting one page ---------------------------------------------------------------------------
def shorten(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a word, ending with SHORTENED."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" \n\t,;:.–—-") + SHORTENED


def trimmed(letter: Letter, limit: int) -> tuple[Letter, int]:
    """The letter with every text longer than ``limit`` shortened, and how many were."""
    count = 0

    def cut(text: str) -> str:
        nonlocal count
        short = shorten(text, limit)
        count += short != text
        return short

    return replace(
        letter, remember=cut(letter.remember), request=cut(letter.request), alignment=cut(letter.alignment),
        goal=cut(letter.goal), evidence=cut(letter.evidence), reflection=cut(letter.reflection),
        activities=tuple(cut(a) for a in letter.activities),
        measures=tuple(Measure(cut(m.question), cut(m.detail)) for m in letter.measures),
        highlights=tuple(Highlight(h.where, cut(h.text)) for h in letter.highlights)), count


def longest(letter: Letter) -> int:
    texts = [letter.remember, letter.request, letter.alignment, letter.goal, letter.evidence, letter.reflection,
             *letter.activities, *(m.question for m in letter.measures), *(m.detail for m in letter.measures),
             *(h.text for h in letter.highlights)]
    return max(map(len, texts))


def fit(letter: Letter, printer) -> tuple[bytes, float, int]:
    """(PDF, type size, texts shortened) of the letter on one page: in the largest type of
    TYPE_SIZES that fits; else in the smallest, with the fewest of the longest texts shortened
    (the longest length limit that fits, found by halving); else with shorter lists too."""
    def attempt(size: float, limit: int | None, lists: Mapping[str, int]) -> tuple[bytes | None, int]:
        short, count = trimmed(letter, limit) if limit else (letter, 0)
        data = printer.pdf(letter_html(short, size, lists))
        return (data if page_count(data) == 1 else None), count

    for size in TYPE_SIZES:
        data = printer.pdf(letter_html(letter, size))
        pages = page_count(data)
        if pages == 1:
            return data, size, 0
        if pages > 2:
            break  # smaller type cannot take back whole pages (9 pt holds about a third more than 10.5)
    size = TYPE_SIZES[-1]
    lists = dict(LISTS)
    while not (best := attempt(size, SHORTEST, lists))[0]:
        if all(n == 1 for n in lists.values()):
            raise LetterError(f"The letter does not fit one page even in {size:g}-point type with every "
                              f"answer shortened to {SHORTEST} characters.")
        lists = {k: max(1, n - 1) for k, n in lists.items()}
        data, _ = attempt(size, None, lists)
        if data:
            return data, size, 0
    fits, too_long = SHORTEST, longest(letter)  # a limit that fits, and one that does not
    while too_long - fits > max(30, fits // 6):
        middle = (fits + too_long) // 2
        data, count = attempt(size, middle, lists)
        if data:
            fits, best = middle, (data, count)
        else:
            too_long = middle
    data, count = best
    assert data is not None
    return data, size, count


# ---- HTML (letter.html.j2, static/letter.css) ---------------------------------------------------


def _inline(text: str) -> str:
    """Participant text for the middle of a sentence: escaped and isolated, so a right-to-left
    name cannot reorder the words around it."""
    return esc(ISOLATE.format(text))


def _prose(text: str) -> list[str]:
    """Escaped text with its paragraphs and line breaks; a shortened text's note set apart."""
    note = ""
    if text.endswith(SHORTENED):
        text, note = text[: -len(SHORTENED)] + "…", f' <span class="note">{esc(SHORTENED[2:])}</span>'
    paras = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    out = [esc(p.strip()).replace("\n", "<br>") for p in paras]
    if out:
        out[-1] += note
    return out


def _paragraphs(text: str, label: str = "", cls: str = "") -> str:
    paras = _prose(text)
    if label and paras:
        paras[0] = f'<span class="label">{esc(label)}</span> {paras[0]}'
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<p{attr}>{p}</p>" for p in paras)


def _one_line(text: str) -> str:
    return " ".join(_prose(text))


def _series(items) -> str:
    items = [i[0].lower() + i[1:] if len(i) > 1 and i[1].islower() else i for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _pick(items: tuple, k: int) -> list:
    """``k`` of ``items`` spread from first to last (the year's start, middle and end)."""
    if len(items) <= k:
        return list(items)
    if k == 1:
        return [items[-1]]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def _more(shown: int, total: int, what: str) -> str:
    return f'<li class="note">and {total - shown} more {what} in my workbook</li>' if total > shown else ""


def letter_html(letter: Letter, size: float = TYPE_SIZES[0], lists: Mapping[str, int] | None = None) -> str:
    lists = {**LISTS, **(lists or {})}
    parts = ['<div class="head">', f'<h1 class="who">{_inline(letter.name)}</h1>']
    where = " · ".join(x for x in (letter.school, letter.district) if x)
    if where:
        parts.append(f'<div class="where">{_inline(where)}</div>')
    parts.append("</div>")
    parts.append(f'<p class="date">{esc(f"{letter.on:%B} {letter.on.day}, {letter.on.year}")}</p>')
    parts.append(f"<p>Dear {_inline(letter.principal) if letter.principal else 'Principal'},</p>")
    cohort = f" with the {_inline(letter.cohort)} cohort" if letter.cohort else ""
    parts.append(
        f"<p>This year I took part in <em>On the Leading Edge</em>, the Library Leadership Cooperative’s six "
        f"full-day sessions on leading a school library program{cohort}. I am writing to share what I set "
        "out to do, the evidence of my professional growth, and what I hope we can do together next year.</p>")

    if letter.remember:
        parts.append("<h2>What I hope you will remember</h2>")
        parts.append(f'<div class="remember">{_paragraphs(letter.remember)}</div>')

    growth = []
    if letter.growth_areas:
        growth.append(f"<p>My growth plan this year focused on {esc(_series(letter.growth_areas))}.</p>")
    growth += [_paragraphs(text, label) for text, label in (
        (letter.alignment, "The school goal it serves."), (letter.goal, "My goal."),
        (letter.evidence, "Evidence of progress."), (letter.reflection, "What is working, and what I will adjust."))
        if text]
    if growth:
        parts += ["<h2>My growth plan</h2>", *growth]

    if letter.pd_hours is not None or letter.pd_target is not None or letter.activities:
        parts.append("<h2>Professional learning</h2>")
        if letter.pd_hours is not None:
            sentence = f'I logged <span class="figure">{esc(hours(letter.pd_hours))}</span> of professional development'
            if letter.pd_target:
                gap = letter.pd_target - letter.pd_hours
                sentence += (f" against my target of {esc(hours(letter.pd_target))}" +
                             (" — the target is met" if gap <= 0 else f", with {esc(hours(gap))} still to go"))
            parts.append(f"<p>{sentence}.</p>")
        elif letter.pd_target:
            parts.append(f"<p>My target for professional development this year is "
                         f'<span class="figure">{esc(hours(letter.pd_target))}</span>.</p>')
        if letter.activities:
            shown = letter.activities[: lists["activities"]]
            parts.append("<ul>" + "".join(f"<li>{_one_line(a)}</li>" for a in shown)
                         + _more(len(shown), len(letter.activities), "activities") + "</ul>")

    if letter.measures:
        shown_m = letter.measures[: lists["measures"]]
        parts.append("<h2>How I am tracking the value the library adds</h2>")
        parts.append("<ul>" + "".join(
            "<li>" + (f'<span class="label">{_one_line(m.question)}</span>' if m.question else "")
            + (f'{" — " if m.question and m.detail else ""}<span class="detail">{_one_line(m.detail)}</span>'
               if m.detail else "") + "</li>" for m in shown_m)
            + _more(len(shown_m), len(letter.measures), "measures") + "</ul>")

    if letter.highlights:
        shown_h = _pick(letter.highlights, lists["highlights"])
        parts.append("<h2>From my year in the series</h2>")
        parts.append("<ul>" + "".join(f'<li><span class="where">{esc(h.where)}:</span> {_one_line(h.text)}</li>'
                                      for h in shown_h) + "</ul>")

    if letter.request:
        parts += ["<h2>My request for next year</h2>", _paragraphs(letter.request)]

    parts.append('<p class="closing">The full record behind this letter — every plan, log and chart — is in '
                 "my Leading Edge workbook, and I would welcome the chance to walk you through it.</p>")
    sign = [f'<p class="name">{_inline(letter.name)}</p>'] if letter.name else []
    sign += [f"<p>{_inline(x)}</p>" for x in (letter.school,) if x]
    parts.append('<div class="sign"><p>Sincerely,</p>' + "".join(sign) + "</div>")
    title = f"Year-end letter — {letter.name}" if letter.name else "Year-end letter"
    return pages.render("letter.html.j2", title=title, size=f"{size:g}", body=pages.safe("".join(parts)))


# ---- Writing ------------------------------------------------------------------------------------
def letter_pdf(answers_file: Path, engine: str = "auto", on: dt.date | None = None) -> tuple[bytes, float, int]:
    """(the one-page PDF, its type size, how many texts were shortened), in memory: ``write_letter``
    writes it to a file, the app sends it to the browser. Raises as ``write_letter`` does."""
    participant, answers = read_answers(Path(answers_file), KEYS)
    letter = compose(participant, answers, on or dt.date.today())
    with open_printer(engine) as printer:
        return fit(letter, printer)


def write_letter(answers_file: Path, out: Path, engine: str = "auto", on: dt.date | None = None) -> Printed:
    """Print the participant's year-end letter to ``out`` (one page). The file appears only when
    complete. Raises AnswerFileError for a missing or damaged answers file, LetterError or
    PdfEngineError otherwise."""
    out = Path(out)
    check_out(out)
    data, size, shortened = letter_pdf(answers_file, engine, on)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, data, access=PRIVATE)
    except OSError as exc:
        raise LetterError(f"Could not write {out}: {exc.strerror or exc}. Nothing was written.") from None
    return Printed(out, size, shortened)
