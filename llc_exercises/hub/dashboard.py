"""Pages of the Leading Edge hub service: the facilitator's dashboard, a participant's history, the
attendance grid and error pages.

Each is a template in ``templates/`` extending the kit's ``base.html.j2`` (through ``hub.html.j2``),
rendered by ``documents.pages`` with autoescape on: all participant text is escaped there. The pages
are self-contained (no external assets: hubs are often on closed networks): the palette and
``static/hub.css`` are inlined, and the only script, ``static/build.js``, is the service's own,
carrying a per-response nonce; it inserts build results with ``textContent``.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from ..core.values import zoned
from ..documents import pages

HUB_TEMPLATES = Path(__file__).resolve().parent / "templates"
HUB_STATIC = Path(__file__).resolve().parent / "static"
LEVELS = ("nothing", "started", "under way", "most", "complete")  # the legend, by ``level``


@functools.cache
def asset(name: str) -> str:
    """A file of ``static/`` (the hub's stylesheet, the dashboard's script) as text."""
    return (HUB_STATIC / name).read_text(encoding="utf-8")


def level(answered: int, total: int) -> int:
    """0 nothing, 1 under a third, 2 under two thirds, 3 most, 4 all — the cell's colour class."""
    if not total or not answered:
        return 0
    if answered >= total:
        return 4
    return 1 + min(2, 3 * answered // total)


class Cell(NamedTuple):
    """A progress cell: its colour class (``level``), what a screen reader says, what it shows."""
    level: int
    label: str
    text: str


class Box(NamedTuple):
    """An attendance cell: the tick and the hours box of one participant at one event."""
    meeting: bool
    name: str  # "<event>:<participant>", after p: (ticked) or h: (hours)
    present_label: str
    ticked: bool
    typed: str
    bad: bool  # the typed text is not hours: shown as written, in a text box marked invalid
    hours_label: str
    most: str


def progress_cells(done: dict | None, sessions: Sequence[dict]) -> list[Cell]:
    """One ``Cell`` per session for a participant's progress (None: nothing sent)."""
    cells = []
    for s in sessions:
        p = (done or {}).get(s["id"])
        if p is None:
            cells.append(Cell(0, f"{s['short']}: nothing sent", "—"))
        else:
            a, total = p["answered"], s["total"]
            cells.append(Cell(level(a, total), f"{s['short']}: {a} of {total} answered", f"{a}/{total}"))
    return cells


def when(stamp: str | None, tz: dt.tzinfo | None = None) -> str:
    """'12 Jan, 16:04 CST' in ``tz`` (the cohort's zone; None: UTC), labelled; '' for none (the page
    shows a dash)."""
    return zoned(stamp, tz)


def zone_label(tz: dt.tzinfo | None) -> str:
    """How the page names its time zone: 'America/Chicago' (an IANA name), or 'UTC'."""
    return str(getattr(tz, "key", "") or "UTC")


def attendance_boxes(p: dict, events: Sequence[dict]) -> list[Box]:
    who = f"{p['name']} ({p['user']})" if p["name"] else p["user"]
    boxes = []
    for e in events:
        ticked, typed = p["marks"][e["id"]]
        boxes.append(Box(e["kind"] == "meeting", f"{e['id']}:{p['user']}", f"{who}: present at {e['label']}",
                         ticked, typed, bool(typed) and not hours_in(typed, e["hours"]),
                         f"{who}: hours at {e['label']}, if only part of its {e['hours']}", e["hours"]))
    return boxes


def hours_in(text: str, most: str) -> bool:
    """Whether a typed hours box holds a number from 0 to ``most`` (NaN and inf do not)."""
    try:
        return 0 <= float(text) <= float(most)
    except ValueError:
        return False


def render(template: str, title: str, script: str = "", nonce: str = "", **context) -> str:
    """A page of ``templates/``. Grids come as plain values made here (``Cell``, ``Box``, ``when``):
    at 1,000 participants a template computing each cell itself takes several times as long."""
    return pages.render(template, folders=(HUB_TEMPLATES,), title=title, hub_style=pages.safe(asset("hub.css")),
                        script=pages.safe(script), nonce=nonce, **context)


class Choice(NamedTuple):
    """A cohort in the dashboard's picker."""
    id: str
    name: str


def dashboard_html(progress: dict, user: str, export_url: str, nonce: str, xsrf: str, *,
                   tz: dt.tzinfo | None = None, cohorts: Sequence[Choice] = (), current: str = "",
                   cohort_name: str = "", progress_url: str = "api/progress", runs: bool = True,
                   feedback: Mapping[str, Mapping] | None = None, build: Mapping | None = None,
                   may_build: bool = True) -> str:
    """The facilitator's view of one cohort (or, legacy, of everyone): a participant × session grid
    with online status, feedback counts and last activity, the cohort picker, export and build.
    ``runs``: the viewer runs this cohort (export, attendance, build); a team leader does not.
    ``feedback``: login → {"unread": n, "latest": ISO of the latest feedback to them}.
    ``may_build``: the viewer may run hub-wide builds (``build``: the latest one's status)."""
    sessions, people = progress["sessions"], progress["participants"]
    feedback = feedback or {}
    rows = []
    for p in sorted(people, key=lambda p: ((p.get("name") or p["user"]).casefold(), p["user"])):
        fb = feedback.get(p["user"]) or {}
        sent = p["last_submission"]
        rows.append({"user": p["user"], "name": p.get("name") or "", "school": p.get("school") or "",
                     "cells": progress_cells(p["sessions"], sessions), "online": bool(p.get("online")),
                     "sent_iso": sent or "", "sent": when(sent, tz), "changed": when(p["last_change"], tz),
                     "seen": when(p.get("hub_last_activity"), tz),
                     "unread": int(fb.get("unread") or 0), "latest_feedback": fb.get("latest") or "",
                     "unanswered": bool(sent) and sent > (fb.get("latest") or "")})
    script = asset("dashboard.js") + (asset("build.js") if may_build else "")
    return render("dashboard.html.j2", "Leading Edge · cohort dashboard", script, nonce,
                  sessions=sessions, rows=rows, user=user, export_url=export_url, xsrf=xsrf,
                  sent=sum(1 for p in people if p["last_submission"]), levels=LEVELS, zone=zone_label(tz),
                  cohorts=cohorts, current=current, cohort_name=cohort_name, progress_url=progress_url,
                  runs=runs, may_build=may_build, online=sum(r["online"] for r in rows),
                  unread=sum(r["unread"] for r in rows),
                  unanswered=sum(r["unanswered"] for r in rows),
                  all_pdfs=(build or {}).get("all_pdfs") or "")


def history_html(user: str, history: list[dict], sessions: Sequence[dict], tz: dt.tzinfo | None = None) -> str:
    """A participant's own page: every send, with how much of each session it held."""
    rows = [{"sent": when(h["submitted"], tz), "cells": progress_cells(h["progress"], sessions)} for h in history]
    return render("history.html.j2", "Leading Edge · my submissions", user=user, rows=rows, sessions=sessions,
                  zone=zone_label(tz))


def attendance_html(view: dict) -> str:
    """The facilitator's attendance grid (``hub.attendance.attendance_view`` plus the page's state:
    user, xsrf, errors, notice, problem), or how to set up a cohort file."""
    kept = []
    if view.get("other_rows"):
        kept.append(f"{view['other_rows']} row{'s' * (view['other_rows'] != 1)} for people who are not "
                    "participants on this hub")
    if view.get("other_columns"):
        kept.append("the column" + "s" * (len(view["other_columns"]) > 1) + " "
                    + ", ".join(view["other_columns"]) + ", which the cohort file does not list")
    boxes = [attendance_boxes(p, view["events"]) for p in view.get("people", [])]
    return render("attendance.html.j2", "Leading Edge · attendance", view=view, kept=kept, boxes=boxes)


def error_html(status: int, message: str) -> str:
    """The page for an error a person sees (the API answers errors in JSON)."""
    return render("error.html.j2", f"{status}", status=status, message=message)
