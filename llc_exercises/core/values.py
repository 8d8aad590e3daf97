"""What an answer means as plain text: blank or not, how a value reads, how much of a session is
answered. Shared by the static renders, the computed panels and the hub service, below all three
(so none of them imports another to get it)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from . import definitions as defs


def is_blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def fmt_date(value) -> str:
    try:
        return f"{dt.date.fromisoformat(value):%d %b %Y}"
    except (TypeError, ValueError):
        return str(value)


def fmt_number(f: defs.Field, value) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"${text}" if f.unit == "$" else f"{text} {f.unit}".strip()


def answer_text(answers: Mapping, key: str) -> str:
    """A text answer, stripped; '' when blank or not text."""
    value = answers.get(key)
    return value.strip() if isinstance(value, str) else ""


def level_text(f: defs.Field, value) -> str:
    """A rating as its level's words ("Emerging"); a value that is no level stays as written."""
    try:
        return f.level_label(int(value))
    except (IndexError, ValueError, TypeError):
        return str(value)


def scalar_text(f: defs.Field, value) -> str:
    """A scalar answer as plain text (unescaped); '' when blank."""
    if is_blank(value):
        return ""
    if f.type == "scale":
        return level_text(f, value)
    if f.type == "number":
        try:
            return fmt_number(f, value)
        except (TypeError, ValueError):
            return str(value)
    if f.type == "date":
        return fmt_date(value)
    if f.type == "multi_choice":
        return ", ".join(map(str, value))
    return str(value)


def counted_keys(s: defs.Session, answers: Mapping) -> tuple[list[str], int]:
    """The answer keys that count towards the session's progress, and its total number of questions.

    A field with ``counts_if`` (choice field, option) counts only when that option is chosen: with
    SOAR chosen, the empty SWOT boxes are not "unanswered". The total counts each choice's largest
    option, so it is the same for every participant (the facilitator's dashboard compares against
    it); with no option chosen yet, the option with the most answers stands in."""
    keys: list[str] = []
    total = 0
    for ws in s.worksheets:
        by_choice: dict[str, dict[str, list[str]]] = {}
        for f in ws.fields:
            if f.counts_if is None:
                keys.append(f.key)
                total += 1
            else:
                choice, option = f.counts_if
                by_choice.setdefault(choice, {}).setdefault(option, []).append(f.key)
        for choice, options in by_choice.items():
            total += max(len(k) for k in options.values())
            chosen = answers.get(ws.field(choice).key)
            keys += options[chosen] if chosen in options else max(
                options.values(), key=lambda ks: sum(not is_blank(answers.get(k)) for k in ks))
    return keys, total


def progress(s: defs.Session, answers: Mapping) -> tuple[int, int]:
    """(questions answered, questions in total) for session ``s`` (``counted_keys``)."""
    keys, total = counted_keys(s, answers)
    return sum(not is_blank(answers.get(k)) for k in keys), total


def number(value) -> float | None:
    """A number answer as a float; None for blanks, text and booleans (JSON's true is not 1)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def level(value, size: int) -> int | None:
    """A rating on a scale of ``size`` levels; None when unrated, out of range or not a whole number
    (booleans included: a damaged ``true`` is not level 1)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= size else None


def stamp_time(stamp) -> dt.datetime | None:
    """An ISO 8601 time as the store writes it (``updated``, ``started``), as an aware datetime:
    a trailing ``Z`` is UTC, and so is a time without a zone. None when missing or unreadable."""
    try:
        when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def zoned(stamp, tz: dt.tzinfo | None = None, year: bool = False) -> str:
    """'12 Jan, 16:04 CST' ('12 Jan 2027, 16:04 CST' with ``year``): a stored time in ``tz`` (None:
    UTC), always labelled with its zone, since a participant and their facilitator may sit in
    different ones; the text as stored when it is not a time; '' for none. The one way the kit
    says when (dashboard, participant pages, notebooks, workbooks)."""
    if stamp is None or stamp == "":
        return ""
    t = stamp_time(stamp)
    if t is None:
        return str(stamp)
    t = t.astimezone(tz or dt.timezone.utc)
    day = f"{t.day} {t:%b %Y}" if year else f"{t.day} {t:%b}"
    return f"{day}, {t:%H:%M} {t.tzname() or 'UTC'}"

