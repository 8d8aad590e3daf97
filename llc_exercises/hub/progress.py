"""Where everyone is: for each participant and session, questions answered, last change and last
send, from the latest submissions and the Hub's user list (the dashboard and ``api/progress``)."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection

from ..core import definitions as defs
from ..core.values import progress
from .directory import HubDirectory
from .submissions import SubmissionDB

log = logging.getLogger("leading-edge")
# "Online now": the user's server is running and the Hub heard from them this recently. A server
# reports activity to the Hub about every 5 minutes (JUPYTERHUB_ACTIVITY_INTERVAL, and the proxy's
# last_activity_interval), so a shorter window would drop people who are working.
ONLINE_S = 10 * 60


def online(model: dict | None, now: dt.datetime | None = None) -> bool:
    """Whether the Hub's user model shows someone at work now (see ``ONLINE_S``). Needs the
    ``read:servers`` scope for ``servers``; without it everyone shows offline."""
    if not model:
        return False
    servers = model.get("servers") or {}
    # ``servers`` lists running and starting servers; only a ready one is someone at work
    running = any(s.get("ready") for s in servers.values()) if servers else bool(model.get("server"))
    stamps = [model.get("last_activity"), *((s or {}).get("last_activity") for s in servers.values())]
    times = []
    for t in stamps:
        try:
            times.append(dt.datetime.fromisoformat(str(t).replace("Z", "+00:00")))
        except ValueError:
            continue
    if not running or not times:
        return False
    latest = max(t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc) for t in times)
    return ((now or dt.datetime.now(dt.timezone.utc)) - latest).total_seconds() <= ONLINE_S


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
    now = dt.datetime.now(dt.timezone.utc)
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
            "hub_last_activity": (seen.get(name) or {}).get("last_activity"),
            "online": online(seen.get(name), now)})
    return {"sessions": sessions, "participants": people}
