"""Feedback: what a facilitator or team leader writes to a participant about one worksheet.

Kept in the service's SQLite file beside the submissions, one row per item, never deleted; the
only change a row ever sees is the participant marking it read. The text is stored as written and
escaped wherever it is shown (dashboard, notebook, app, PDF), like every participant's answer.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..core import definitions as defs
from ..errors import LeadingEdgeError
from .cohorts import Book
from .submissions import Database

MAX_CHARS = 20_000  # a long letter's worth; more is a paste gone wrong

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    worksheet TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    written TEXT NOT NULL,
    read TEXT
);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback (user, id);
"""


class FeedbackRejected(LeadingEdgeError, ValueError):
    """A feedback body that cannot be stored; ``status`` is the HTTP code to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Feedback:
    id: int
    user: str  # the participant it is for
    worksheet: str  # "<session>.<worksheet>"
    author: str  # hub login of who wrote it
    text: str
    written: str  # ISO 8601, UTC
    read: str | None  # when the participant marked it read

    def as_json(self) -> dict:
        return {"id": self.id, "user": self.user, "worksheet": self.worksheet, "author": self.author,
                "text": self.text, "written": self.written, "read": self.read is not None,
                "read_at": self.read}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def check_feedback(body: bytes) -> tuple[str, str]:
    """(worksheet key, text) from a request body, or FeedbackRejected naming the field at fault."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedbackRejected(400, f"The body is not JSON ({exc}); send "
                                    '{"worksheet": "<session>.<worksheet>", "text": "…"}.') from None
    if not isinstance(doc, dict):
        raise FeedbackRejected(400, 'The body must be a JSON object: {"worksheet": …, "text": …}.')
    key, text = doc.get("worksheet"), doc.get("text")
    if not isinstance(key, str) or not key:
        raise FeedbackRejected(400, "'worksheet' is missing: name the worksheet as <session>.<worksheet>, "
                                    "e.g. visioning.core_beliefs.")
    try:
        defs.worksheet(key)
    except (KeyError, ValueError, LeadingEdgeError):
        raise FeedbackRejected(400, f"'worksheet': {key!r} is not a worksheet of the kit; name it as "
                                    "<session>.<worksheet>, e.g. visioning.core_beliefs.") from None
    if not isinstance(text, str) or not text.strip():
        raise FeedbackRejected(400, "'text' is empty: write the feedback to send.")
    if len(text) > MAX_CHARS:
        raise FeedbackRejected(413, f"'text' is {len(text):,} characters; the limit is {MAX_CHARS:,}. "
                                    "Shorten it or send it in parts.")
    return key, text


class FeedbackDB(Database):
    """Feedback rows in the service's SQLite file. Safe to share between threads of one process."""
    SCHEMA = _SCHEMA

    _COLUMNS = "id, user, worksheet, author, text, written, read"

    def add(self, user: str, worksheet: str, author: str, text: str) -> Feedback:
        written = _now()
        with self._lock:
            cur = self._conn.execute("INSERT INTO feedback (user, worksheet, author, text, written) "
                                     "VALUES (?, ?, ?, ?, ?)", (user, worksheet, author, text, written))
        assert cur.lastrowid is not None  # an INSERT always sets it
        return Feedback(cur.lastrowid, user, worksheet, author, text, written, None)

    def _rows(self, sql: str, args=()) -> list[Feedback]:
        with self._lock:
            return [Feedback(*row) for row in self._conn.execute(sql, args).fetchall()]

    def for_user(self, user: str) -> list[Feedback]:
        """Every item for ``user``, newest first."""
        return self._rows(f"SELECT {self._COLUMNS} FROM feedback WHERE user = ? ORDER BY id DESC", (user,))

    def mark_read(self, user: str, fid: int) -> Feedback | None:
        """Mark ``user``'s item ``fid`` read (the first time only); None if they have no such item."""
        with self._lock:
            self._conn.execute("UPDATE feedback SET read = ? WHERE id = ? AND user = ? AND read IS NULL",
                               (_now(), fid, user))
        found = self._rows(f"SELECT {self._COLUMNS} FROM feedback WHERE id = ? AND user = ?", (fid, user))
        return found[0] if found else None

    def unread_counts(self) -> dict[str, int]:
        """Participants with feedback they have not marked read, and how many items."""
        with self._lock:
            return dict(self._conn.execute(
                "SELECT user, COUNT(*) FROM feedback WHERE read IS NULL GROUP BY user").fetchall())

    def summary(self) -> dict[str, dict]:
        """Per participant: items not yet read and when the latest was written (ISO UTC), which the
        dashboard compares with their last send ("sent since your last feedback")."""
        with self._lock:
            rows = self._conn.execute("SELECT user, SUM(read IS NULL), MAX(written) FROM feedback "
                                      "GROUP BY user").fetchall()
        return {user: {"unread": int(unread or 0), "latest": latest} for user, unread, latest in rows}


def feedback_document(user: str, user_groups: Iterable[str], book: Book, feedback: FeedbackDB,
                      names: Callable[[Iterable[str]], Mapping[str, str]]) -> dict:
    """Everything a participant's feedback shows with: what GET api/feedback/<user> answers and what
    an export's ``feedback/<user>.json`` holds (one function, so the two never drift apart).

    Items newest first, each with its author's name (a facilitator's as the cohort file writes it,
    anyone else's from their own latest send: ``names``, e.g. SubmissionDB.names) and ``role``
    ("facilitator", "team leader" or null) in the user's cohorts, so a workbook built without the
    cohort file still says whose feedback it is; ``timezone``: the user's current cohort's (or null)."""
    groups = set(user_groups)
    cid = book.current_cohort(groups)
    items = feedback.for_user(user)
    who = {**names({f.author for f in items}), **book.display_names()}
    roles: dict[str, str] = {}
    for c in (book.cohorts[i] for i in book.cohorts_of(groups)):
        team = c.team_of(user)
        if team is not None and team.leader != user:
            roles.setdefault(team.leader, "team leader")
        for login in c.facilitator_logins():
            roles[login] = "facilitator"  # a facilitator who also leads a team writes as facilitator
    return {"user": user, "cohort": cid, "timezone": book.cohorts[cid].timezone if cid else None,
            "feedback": [{**f.as_json(), "author_name": who.get(f.author) or f.author,
                          "role": roles.get(f.author)} for f in items]}
