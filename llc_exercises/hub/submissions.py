"""Submissions: the answers documents participants send to their facilitator, kept in SQLite.

One row per submission, never updated or deleted, so a participant's history is kept and a crash
or a restart of the service loses nothing that was acknowledged (WAL mode, synchronous=FULL). Each
row also holds a small per-session progress summary computed once on arrival, so the facilitator's
progress view reads a few hundred bytes per participant instead of re-parsing every document.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core import definitions as defs
from ..core.values import counted_keys, is_blank
from ..errors import LeadingEdgeError

MAX_BODY_BYTES = 5 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    submitted TEXT NOT NULL,
    answered INTEGER NOT NULL,
    progress TEXT NOT NULL,
    participant TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_user ON submissions (user, id);
"""


class SubmissionRejected(LeadingEdgeError, ValueError):
    """A body that cannot be stored; ``status`` is the HTTP code, ``problems`` the schema findings."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status, self.problems = status, list(problems or [])


@dataclass(frozen=True)
class Submission:
    id: int
    user: str
    submitted: str
    answered: int
    progress: dict
    participant: dict

    def as_json(self) -> dict:
        return {"id": self.id, "user": self.user, "submitted": self.submitted,
                "answered": self.answered, "progress": self.progress, "participant": self.participant}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def summarize(doc: Mapping) -> dict:
    """Per session: questions answered, questions in total, and when an answer last changed
    (blank means what it means in the participant's own progress view: ``values.is_blank``)."""
    answers = doc.get("answers") or {}
    out = {}
    for s in defs.sessions():
        # the same questions as the participant's own progress line (SOAR or SWOT: the chosen lens's)
        keys, total = counted_keys(s, {k: e.get("value") for k, e in answers.items() if isinstance(e, Mapping)})
        entries = [answers[k] for k in keys if k in answers]
        answered = [e for e in entries if not is_blank(e.get("value"))]
        out[s.id] = {"answered": len(answered), "total": total,
                     "last_change": max((e.get("updated") or "" for e in answered), default="") or None}
    return out


def check_submission(owner: str, body: bytes) -> dict:
    """The document to store for ``owner``, or SubmissionRejected saying what is wrong.

    The owner is whoever the Hub says the token belongs to; a document naming someone else is
    refused rather than filed under either name, so nobody's work is ever shown as another's.
    """
    from ..core import schema  # jsonschema is loaded here only, never in a participant's kernel

    if len(body) > MAX_BODY_BYTES:
        raise SubmissionRejected(413, f"The answers document is {len(body) / 1e6:.1f} MB; the limit is "
                                      f"{MAX_BODY_BYTES / 1e6:.0f} MB. Check for a very large pasted answer.")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SubmissionRejected(400, f"The body is not a JSON answers document ({exc}).") from None
    if not isinstance(doc, dict):
        raise SubmissionRejected(400, "The body must be a JSON object: an answers document.")
    participant = doc.get("participant")
    if participant is None:
        participant = doc["participant"] = {}
    if not isinstance(participant, dict):
        raise SubmissionRejected(400, "'participant' must be an object.")
    claimed = participant.get("id")
    if claimed not in (None, "", owner):
        raise SubmissionRejected(
            400, f"This answers file belongs to {claimed!r}, but you are signed in as {owner!r}. "
                 "Only your own answers can be sent; nothing was stored.")
    participant["id"] = owner
    problems = schema.problems(doc)
    if problems:
        raise SubmissionRejected(400, f"The answers document has {len(problems)} problem(s); nothing "
                                      "was stored.", problems)
    return doc


class Database:
    """A store in the service's SQLite file (submissions and feedback share it), with ``SCHEMA``'s
    tables: WAL so readers never wait for a send, every write on disk before it is acknowledged,
    0600 in a 0700 folder. One connection, used under the lock from any thread of the process."""
    SCHEMA = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk
        self._conn.executescript(self.SCHEMA)
        self.path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SubmissionDB(Database):
    """Append-only store of submissions. Safe to share between threads of one process."""
    SCHEMA = _SCHEMA

    def add(self, user: str, doc: Mapping) -> Submission:
        return self.add_many([(user, doc)])[0]

    def add_many(self, sends: list[tuple[str, Mapping]]) -> list[Submission]:
        """Store several sends in one transaction: one wait for the disk for all of them (a
        session's end brings hundreds within seconds), each on disk when this returns."""
        rows = []
        for user, doc in sends:
            progress = summarize(doc)
            rows.append((user, _now(), sum(p["answered"] for p in progress.values()), progress,
                         dict(doc.get("participant") or {}), json.dumps(doc, ensure_ascii=False)))
        out = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for user, submitted, answered, progress, participant, document in rows:
                    cur = self._conn.execute(
                        "INSERT INTO submissions (user, submitted, answered, progress, participant, document) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (user, submitted, answered, json.dumps(progress),
                         json.dumps(participant, ensure_ascii=False), document))
                    assert cur.lastrowid is not None  # an INSERT always sets it
                    out.append(Submission(cur.lastrowid, user, submitted, answered, progress, participant))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return out

    @staticmethod
    def _row(row) -> Submission:
        return Submission(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]))

    def _query(self, sql: str, args=()) -> list:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def history(self, user: str) -> list[Submission]:
        """Every submission of ``user``, newest first."""
        rows = self._query("SELECT id, user, submitted, answered, progress, participant FROM submissions "
                           "WHERE user = ? ORDER BY id DESC", (user,))
        return [self._row(r) for r in rows]

    def latest_document(self, user: str) -> tuple[Submission, dict] | None:
        rows = self._query("SELECT id, user, submitted, answered, progress, participant, document "
                           "FROM submissions WHERE user = ? ORDER BY id DESC LIMIT 1", (user,))
        return (self._row(rows[0]), json.loads(rows[0][6])) if rows else None

    def names(self, users: Iterable[str]) -> dict[str, str]:
        """The name each of ``users`` gave in their latest send (those who gave one)."""
        users = list(users)
        if not users:
            return {}
        rows = self._query("SELECT user, participant FROM submissions WHERE id IN (SELECT MAX(id) FROM "
                           f"submissions WHERE user IN ({','.join('?' * len(users))}) GROUP BY user)", users)
        found = {u: (json.loads(p).get("name") or "") for u, p in rows}
        return {u: n for u, n in found.items() if isinstance(n, str) and n.strip()}

    _LATEST = "WHERE id IN (SELECT MAX(id) FROM submissions GROUP BY user) ORDER BY user"

    def latest_all(self) -> list[Submission]:
        """The newest submission of every participant, by user name (without the documents)."""
        rows = self._query("SELECT id, user, submitted, answered, progress, participant FROM submissions "
                           + self._LATEST)
        return [self._row(r) for r in rows]

    def latest_documents(self) -> list[tuple[Submission, dict]]:
        """(Submission, document) for every participant's newest submission."""
        rows = self._query("SELECT id, user, submitted, answered, progress, participant, document "
                           "FROM submissions " + self._LATEST)
        return [(self._row(r), json.loads(r[6])) for r in rows]

    def counts(self) -> dict[str, int]:
        return dict(self._query("SELECT user, COUNT(*) FROM submissions GROUP BY user"))


class GroupCommit:
    """Sends written in groups, off the event loop: each send waits for the group being written
    (at most one commit) and then is written with everyone who arrived meanwhile, in one
    transaction. Acknowledged still means on disk; 300 sends cost a few commits, not 300, and the
    service keeps answering while the disk works."""

    def __init__(self, db: SubmissionDB):
        self.db = db
        self._waiting: list[tuple[str, Mapping, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def add(self, user: str, doc: Mapping) -> Submission:
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        self._waiting.append((user, doc, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write())
        return await done

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                stored = await loop.run_in_executor(None, self.db.add_many, [(u, d) for u, d, _ in group])
            except Exception as exc:  # noqa: BLE001 - every waiting send hears of it
                for *_, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (*_, done), sub in zip(group, stored):
                if not done.done():
                    done.set_result(sub)
