"""Feedback in a workbook: ``feedback/<user>.json`` of a hub export (what GET api/feedback/<user>
answers), read and checked where the facilitator builds, and packed as plain data for the worker
that prints it under each worksheet (``render.feedback_html``)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..core import cohort as cohorts
from ..core import definitions as defs
from ..errors import LeadingEdgeError

ROLES = ("facilitator", "team leader")


class FeedbackFileError(LeadingEdgeError, ValueError):
    """A feedback file that cannot be printed; the message names the file and the field."""


def folder_for(answers_dir: Path) -> Path:
    """Where an export keeps feedback: ``feedback/`` beside ``answers/``."""
    return Path(answers_dir).parent / "feedback"


def read_feedback(path: Path, user: str, cohort: cohorts.Cohort | None = None) -> dict:
    """``{"timezone": IANA name or None, "items": [...]}`` from one participant's feedback file, items
    oldest first, each ``{worksheet, author, author_name, role, text, written}``. ``role`` is the
    file's, else — with the cohort file — "facilitator" for its facilitators' logins and "team
    leader" for the user's team's leader, else None (the name alone is printed).

    Raises FeedbackFileError naming the file and the field at fault."""
    path = Path(path)

    def bad(field: str, what: str) -> FeedbackFileError:
        return FeedbackFileError(f"{path}: {field} {what}. Export the answers from the hub again, or move "
                                 "this file aside to build the workbook without feedback.")

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FeedbackFileError(f"{path} could not be read as JSON ({exc}). Export the answers from the hub "
                                "again, or move this file aside to build the workbook without feedback.") from None
    if not isinstance(doc, dict):
        raise bad("the file", 'must be a JSON object {"user": …, "timezone": …, "feedback": […]}')
    if doc.get("user") != user:
        # Never print one person's feedback in another's workbook.
        raise bad("'user'", f"is {doc.get('user')!r}, but the file is named for {user!r}")
    tz = doc.get("timezone")
    if tz is not None:
        try:
            if not isinstance(tz, str):
                raise ValueError(tz)
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad("'timezone'", f"{tz!r} is not a tz database name such as America/Chicago (or null)") from None
    raw = doc.get("feedback")
    if not isinstance(raw, list):
        raise bad("'feedback'", "must be a list of feedback items")
    facilitators = set(cohort.facilitator_logins()) if cohort else set()
    team = cohort.team_of(user) if cohort else None
    items = []
    for i, item in enumerate(raw):
        where = f"feedback[{i}]"
        if not isinstance(item, dict):
            raise bad(where, "must be an object with worksheet, author, text and written")
        for key in ("worksheet", "author", "text", "written"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise bad(f"{where}.{key}", "is missing or not text")
        try:
            defs.worksheet(item["worksheet"])
        except (KeyError, ValueError, LeadingEdgeError):
            raise bad(f"{where}.worksheet", f"{item['worksheet']!r} is not a worksheet of the kit") from None
        try:
            written = dt.datetime.fromisoformat(item["written"])
        except ValueError:
            raise bad(f"{where}.written", f"{item['written']!r} is not an ISO 8601 time") from None
        if written.tzinfo is None:
            raise bad(f"{where}.written", f"{item['written']!r} has no UTC offset")
        name = item.get("author_name")
        if name is not None and not isinstance(name, str):
            raise bad(f"{where}.author_name", "is not text")
        role = item.get("role")
        if role is not None and role not in ROLES:
            raise bad(f"{where}.role", f"{role!r} is not one of {', '.join(ROLES)} (or null)")
        if role is None and item["author"] in facilitators:
            role = "facilitator"
        elif role is None and team is not None and team.leader == item["author"] != user:
            role = "team leader"
        items.append({"worksheet": item["worksheet"], "author": item["author"],
                      "author_name": name or item["author"], "role": role, "text": item["text"],
                      "written": written.astimezone(dt.timezone.utc).isoformat(), "id": item.get("id")})
    items.sort(key=lambda it: (it["written"], it["id"] if isinstance(it["id"], int) else 0))
    for it in items:
        del it["id"]
    return {"timezone": tz or (cohort.timezone if cohort else None), "items": items}
