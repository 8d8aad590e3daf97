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


def scalar_text(f: defs.Field, value) -> str:
    """A scalar answer as plain text (unescaped); '' when blank."""
    if is_blank(value):
        return ""
    if f.type == "scale":
        try:
            return f.level_label(int(value))
        except (IndexError, ValueError, TypeError):
            return str(value)
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


def progress(s: defs.Session, answers: Mapping) -> tuple[int, int]:
    keys = [f.key for ws in s.worksheets for f in ws.fields]
    return sum(not is_blank(answers.get(k)) for k in keys), len(keys)
