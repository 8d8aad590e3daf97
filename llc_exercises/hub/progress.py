"""Where everyone is: for each participant and session, questions answered, last change and last
send, from the latest submissions and the Hub's user list (the dashboard and ``api/progress``)."""
from __future__ import annotations

import logging
from collections.abc import Collection

from ..core import definitions as defs
from ..core.values import progress
from .directory import HubDirectory
from .submissions import SubmissionDB

log = logging.getLogger("leading-edge")


def sessions_summary() -> list[dict]:
    # `short` is the series' own name for a session ("Visioning"), which fits a column header.
    return [{"id": s.id, "number": s.number, "title": s.title, "short": s.id.replace("_", " ").capitalize(),
             "total": progress(s, {})[1]} for s in defs.sessions()]


async def cohort_progress(db: SubmissionDB, directory: HubDirectory, sessions: list[dict],
                          users: Collection[str] | None = None) -> dict:
    """For each participant and session: answered, total, last change, last submission.
    ``users``: only these logins (one cohort's members, whether or not they have sent); None: everyone."""
    try:
        hub_users = await directory.users()
    except Exception as exc:  # noqa: BLE001 - the Hub being slow must not hide submissions
        log.warning("could not list hub users: %s", exc)
        hub_users = []
    latest = {s.user: s for s in db.latest_all()}
    counts = db.counts()
    seen = {u["name"]: u for u in hub_users}
    if users is None:
        names = sorted({*latest, *(n for n, u in seen.items() if not directory.is_facilitator_model(u))})
    else:
        names = sorted(set(users))
    people = []
    for name in names:
        sub = latest.get(name)
        details = sub.participant if sub else {}
        changes = [p["last_change"] for p in sub.progress.values() if p.get("last_change")] if sub else []
        people.append({
            "user": name, "name": details.get("name", ""), "school": details.get("school", ""),
            "sessions": sub.progress if sub else None,
            "last_change": max(changes, default=None),
            "last_submission": sub.submitted if sub else None,
            "submissions": counts.get(name, 0),
            "hub_last_activity": (seen.get(name) or {}).get("last_activity")})
    return {"sessions": sessions, "participants": people}
