"""Reading one participant (issue 20, item 3): the page a facilitator or team leader opens from the
dashboard's grid at ``participants/<user>`` — the participant's latest sent answers session by
session as the workbook shows them, their send history, and beside every worksheet the feedback
already given and (for those who may answer) a box to write more.

This module is the page's view model: what to show, from the submissions, the feedback and the
cohort files. The answers are rendered by ``documents.render`` (escaped there); everything else
reaches the page through the template, escaped by autoescape, or through ``static/participant.js``,
which sets text with ``textContent`` only.

Charts are matplotlib and a new participant's seven sessions take 0.3–2 s to draw, over the page's
0.5 s budget: ``Answers`` draws them in one worker process, keeps the result per submission
(a submission never changes), and the page waits for them only briefly; until they are drawn it
shows the answers without charts and says so.
"""
from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import multiprocessing
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ..core import definitions as defs
from ..core.values import progress, zoned
from ..documents import pages, render
from . import dashboard
from .cohorts import Book
from .feedback import Feedback
from .submissions import Submission, SubmissionDB

log = logging.getLogger("leading-edge")
CHART_WAIT_S = 0.2  # how long a page waits for charts before showing the answers without them
UTC = ZoneInfo("UTC")


def local_time(stamp: str | None, zone: ZoneInfo) -> str:
    """ISO time → '12 Jan 2027, 16:04 CST' in ``zone``, labelled with it; '' for none."""
    return zoned(stamp, zone, year=True)


@dataclass(frozen=True)
class Item:
    """One feedback item as the page shows it."""
    id: int
    author_name: str
    written: str  # ISO, for <time datetime>
    when: str  # in the cohort's zone, labelled
    text: str
    read: bool
    read_when: str


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its answers as the workbook renders them, and the feedback on it."""
    key: str
    title: str
    html: str  # kit-made (render.worksheet_html), participant text escaped there
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class SessionPart:
    heading: str
    progress: str
    sheets: list[Sheet]


def answer_values(doc: Mapping) -> dict:
    """An answers document's ``answers`` as key → value (what ``render`` reads)."""
    return {k: e.get("value") for k, e in (doc.get("answers") or {}).items() if isinstance(e, Mapping)}


def worksheets_html(answers: Mapping, with_charts: bool) -> dict[str, str]:
    """Worksheet key → its HTML as the workbook shows it, for every session."""
    return {ws.key: render.worksheet_html(ws, answers, with_charts)
            for s in defs.sessions() for ws in s.worksheets}


class Answers:
    """Rendered answers with charts, per submission (submissions are never changed, so a rendering
    stays right). Charts are drawn in one worker process, started on first use: drawn in a thread
    of the service they would hold the GIL and slow every page and send the event loop answers
    meanwhile (measured: a 16 ms page took 0.6 s while another participant's charts were drawn)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._done: collections.OrderedDict[tuple[str, int], dict[str, str]] = collections.OrderedDict()
        self._pending: dict[tuple[str, int], concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _store(self, key: tuple[str, int], future: concurrent.futures.Future) -> None:
        with self._lock:
            self._pending.pop(key, None)
            if future.cancelled() or future.exception() is not None:
                return
            self._done[key] = future.result()
            while len(self._done) > self.size:
                self._done.popitem(last=False)

    def cached(self, db: SubmissionDB, sub: Submission) -> dict[str, str] | None:
        with self._lock:
            return self._done.get((str(db.path), sub.id))

    def start(self, db: SubmissionDB, sub: Submission, answers: Mapping) -> concurrent.futures.Future:
        """The drawing of ``sub``'s charts, started now unless it already is (or is done)."""
        key = (str(db.path), sub.id)
        with self._lock:
            if key in self._done:
                done: concurrent.futures.Future = concurrent.futures.Future()
                done.set_result(self._done[key])
                return done
            if key not in self._pending:
                if self._pool is None:
                    # spawned, not forked: the service's threads and event loop must not be copied
                    self._pool = concurrent.futures.ProcessPoolExecutor(
                        1, mp_context=multiprocessing.get_context("spawn"))
                try:
                    future = self._pool.submit(worksheets_html, dict(answers), True)
                except concurrent.futures.process.BrokenProcessPool:  # the worker died: a new one next time
                    self._pool = None
                    raise
                self._pending[key] = future
                future.add_done_callback(lambda f: self._store(key, f))
            return self._pending[key]

    def close(self) -> None:
        """Stop the worker process (it also ends with the service)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    async def html(self, db: SubmissionDB, sub: Submission, answers: Mapping,
                   wait: float = CHART_WAIT_S) -> tuple[dict[str, str], bool]:
        """(worksheet key → HTML, whether it has its charts): with them if they are drawn within
        ``wait`` seconds, else without (fast), while they go on being drawn for the next visit."""
        done = self.cached(db, sub)
        if done is not None:
            return done, True
        try:
            future = self.start(db, sub, answers)
            if future.done():
                return future.result(), True
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), wait), True
        except asyncio.TimeoutError:
            return worksheets_html(answers, False), False
        except Exception:  # noqa: BLE001 - a chart that cannot be drawn must not hide the answers
            log.exception("could not draw the charts of submission %d", sub.id)
            with self._lock:
                self._pending.pop((str(db.path), sub.id), None)
            return worksheets_html(answers, False), False


ANSWERS = Answers()


def _items(found: Iterable[Feedback], names: Mapping[str, str], zone: ZoneInfo) -> list[Item]:
    return [Item(f.id, names.get(f.author) or f.author, f.written, local_time(f.written, zone), f.text,
                 f.read is not None, local_time(f.read, zone)) for f in found]


def participant_view(user: str, latest: tuple[Submission, dict] | None, history: Sequence[Submission],
                     feedback: Sequence[Feedback], book: Book, user_groups: Iterable[str],
                     sessions: Sequence[dict], viewer_name: str, may_respond: bool,
                     sheets_html: Mapping[str, str] | None = None, charts: bool = True,
                     names: Mapping[str, str] | None = None) -> dict:
    """Everything the page shows. ``latest``: (submission, document) or None (nothing sent);
    ``feedback``: the user's items, newest first; ``sheets_html``: worksheet key → rendered answers
    (rendered here without charts when not given); ``names``: hub login → name, for authors."""
    cid = book.current_cohort(user_groups)
    cohort = book.cohorts[cid] if cid else None
    zone = cohort.tz if cohort else UTC
    display = {**(names or {}), **book.display_names()}
    by_sheet: dict[str, list[Feedback]] = collections.defaultdict(list)
    for f in feedback:
        by_sheet[f.worksheet].append(f)

    sub, doc = latest if latest else (None, {})
    answers = answer_values(doc)
    if latest and sheets_html is None:
        sheets_html = worksheets_html(answers, False)
        charts = False
    rendered = sheets_html or {}
    parts = []
    for s in defs.sessions():
        done, total = progress(s, answers)
        parts.append(SessionPart(s.heading, f"{done} of {total} questions answered", [
            Sheet(ws.key, ws.title, rendered.get(ws.key, ""), _items(by_sheet.pop(ws.key, []), display, zone))
            for ws in s.worksheets]))
    # Feedback on a worksheet the kit no longer has (renamed in a later version) is still shown.
    others = _items([f for items in by_sheet.values() for f in items], display, zone)

    details = sub.participant if sub else {}
    name = details.get("name") if isinstance(details.get("name"), str) else ""
    school = details.get("school") if isinstance(details.get("school"), str) else ""
    rows = [{"sent": local_time(h.submitted, zone), "cells": dashboard.progress_cells(h.progress, sessions)}
            for h in history]
    return {"user": user, "name": name or "", "school": school or "", "sent": latest is not None,
            "latest": local_time(sub.submitted, zone) if sub else "", "parts": parts, "others": others,
            "history": rows, "sessions": list(sessions), "cohort": cohort.name if cohort else "",
            "timezone": str(zone.key), "may_respond": may_respond, "charts": charts,
            "own": viewer_name == user, "author_name": display.get(viewer_name) or viewer_name,
            "feedback_count": len(feedback)}


def participant_html(view: dict, nonce: str, xsrf: str) -> str:
    """The page (``templates/participant.html.j2``), its script carrying this response's nonce."""
    title = f"Leading Edge · {view['name'] or view['user']}"
    return dashboard.render("participant.html.j2", title, dashboard.asset("participant.js"), nonce,
                            view=view, xsrf=xsrf, page_style=pages.safe(dashboard.asset("participant.css")))
