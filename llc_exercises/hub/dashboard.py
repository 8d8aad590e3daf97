"""Pages of the Leading Edge hub service: the facilitator's dashboard, a participant's history, the
attendance grid and error pages.

Each is a template in ``templates/`` extending the kit's ``base.html.j2`` (through ``hub.html.j2``),
rendered by ``documents.pages`` with autoescape on: all participant text is escaped there. The pages
are self-contained (no external assets: hubs are often on closed networks): the palette and
``static/hub.css`` are inlined, and the only script, ``static/build.js``, is the service's own,
carrying a per-response nonce; it inserts build results with ``textContent``.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

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


def hours_in(text: str, most: str) -> bool:
    """Whether a typed hours box holds a number from 0 to ``most`` (NaN and inf do not)."""
    try:
        return 0 <= float(text) <= float(most)
    except ValueError:
        return False


def render(template: str, title: str, script: str = "", nonce: str = "", **context) -> str:
    return pages.render(template, folders=(HUB_TEMPLATES,), title=title, hub_style=pages.safe(asset("hub.css")),
                        script=pages.safe(script), nonce=nonce, level=level, hours_in=hours_in, **context)


def dashboard_html(progress: dict, user: str, export_url: str, nonce: str, xsrf: str) -> str:
    """The facilitator's view: participant × session grid, last activity, export and build."""
    people = progress["participants"]
    return render("dashboard.html.j2", "Leading Edge · cohort dashboard", asset("build.js"), nonce,
                  sessions=progress["sessions"], people=people, user=user, export_url=export_url, xsrf=xsrf,
                  sent=sum(1 for p in people if p["last_submission"]), levels=LEVELS)


def history_html(user: str, history: list[dict], sessions: Sequence[dict]) -> str:
    """A participant's own page: every send, with how much of each session it held."""
    return render("history.html.j2", "Leading Edge · my submissions", user=user, history=history,
                  sessions=sessions)


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
    return render("attendance.html.j2", "Leading Edge · attendance", view=view, kept=kept)


def error_html(status: int, message: str) -> str:
    """The page for an error a person sees (the API answers errors in JSON)."""
    return render("error.html.j2", f"{status}", status=status, message=message)
