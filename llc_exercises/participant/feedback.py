"""Feedback from the facilitator (or team leader), shown where the participant works: under each
form ``llc.show`` displays, and all of it in ``llc.feedback()`` (issue 20).

On a hub that runs the service, the kernel asks ``GET api/feedback/<me>`` once and keeps the answer
for every form after it (a form's first display may grow by one short request, never one per form);
a failure is kept too, so an unreachable service costs one short timeout per kernel, and every form
then shows as it always did plus one quiet line. ``llc.feedback()`` asks again, since a participant
runs it to see what is new. Off a hub nothing is asked and nothing is shown.

The answer also carries the participant's cohort time zone: feedback times and the forms' "saved"
line are shown in it, labelled with its abbreviation ("16:04 CST"); without one, the computer's own.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import settings
from ..core import definitions as defs
from ..core.values import zoned
from ..errors import LeadingEdgeError
from .submit import can_send, service_url

TIMEOUT_S = 3.0  # the service is on the hub's own network: a longer wait means it is not answering
HEADING = "Feedback from your facilitator"  # under a form
LIST_HEADING = "Feedback on all your worksheets"  # llc.feedback(), under a notebook heading like HEADING


@dataclass
class Item:
    """One feedback item as the service sends it; ``read`` changes when the participant marks it."""
    id: int
    worksheet: str  # "<session>.<worksheet>"
    author_name: str
    text: str
    written: str  # ISO 8601, UTC
    read: bool

    @classmethod
    def from_json(cls, d: dict) -> Item:
        return cls(int(d["id"]), str(d.get("worksheet", "")), str(d.get("author_name") or d.get("author") or ""),
                   str(d.get("text", "")), str(d.get("written", "")), bool(d.get("read")))


@dataclass
class Inbox:
    """What ``GET api/feedback/<me>`` answered, newest first."""
    user: str
    cohort: str | None
    timezone: str | None  # IANA name of the participant's current cohort, or None
    items: list[Item] = field(default_factory=list)

    def on(self, worksheet: str) -> list[Item]:
        return [i for i in self.items if i.worksheet == worksheet]


class FeedbackError(RuntimeError):
    """The service did not answer as expected; the message is one plain sentence."""


_lock = threading.RLock()
_asked = False
_inbox: Inbox | None = None
_problem: str | None = None
_BOXES: weakref.WeakSet[FeedbackBox] = weakref.WeakSet()


def available() -> bool:
    """True on a hub that runs the service and says who the participant is."""
    return can_send() and settings.HUB_USER.is_set()


def forget() -> None:
    """Drop the kept answer (the next form asks again)."""
    global _asked, _inbox, _problem
    with _lock:
        _asked, _inbox, _problem = False, None, None


def _request(path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(f"{service_url()}api/{path}", method=method,
                                 data=b"" if method == "POST" else None,
                                 headers={"Authorization": f"token {settings.HUB_API_TOKEN.raw()}"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise FeedbackError(f"the service answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FeedbackError(str(getattr(exc, "reason", exc))) from None


def _me() -> str:
    return urllib.parse.quote(settings.HUB_USER.raw(), safe="")


def inbox(refresh: bool = False) -> Inbox | None:
    """The participant's feedback, asked for once per kernel (again with ``refresh``); None off a
    hub or when the service could not be reached (``problem()`` says why)."""
    global _asked, _inbox, _problem
    if not available():
        return None
    with _lock:
        if _asked and not refresh:
            return _inbox
        try:
            body = _request(f"feedback/{_me()}")
            got = Inbox(str(body.get("user", "")), body.get("cohort"), body.get("timezone"),
                        [Item.from_json(d) for d in body.get("feedback") or []])
        except (FeedbackError, KeyError, TypeError, ValueError, AttributeError) as exc:
            # keep what an earlier ask got; say why this one failed
            _asked, _problem = True, f"{exc}"
        else:
            _asked, _inbox, _problem = True, got, None
        inbox_now = _inbox
    if refresh:
        _redraw()
    return inbox_now


def problem() -> str | None:
    return _problem


def mark_read(item_id: int) -> None:
    """Tell the service the participant has read item ``item_id``; raises FeedbackError if it did not
    take. The kept answer is updated (by id: ``llc.feedback()`` may have asked again meanwhile)."""
    body = _request(f"feedback/{_me()}/{int(item_id)}/read", "POST")
    if not body.get("read"):
        raise FeedbackError("the service did not record it as read")
    with _lock:
        for item in _inbox.items if _inbox is not None else []:
            if item.id == item_id:
                item.read = True
    _redraw()


# ---- times ---------------------------------------------------------------------------------------
def zone() -> ZoneInfo | None:
    """The cohort's time zone from the answer already kept (never asks); None: this computer's."""
    name = _inbox.timezone if _inbox is not None else None
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _in_zone(t: dt.datetime) -> dt.datetime:
    tz = zone()
    return t.astimezone(tz) if tz is not None else t.astimezone()


def clock(now: dt.datetime | None = None) -> str:
    """"16:04:05 CST": a time of day for the "saved" line, in the cohort's zone, labelled."""
    t = _in_zone(now or dt.datetime.now(dt.timezone.utc))
    return f"{t:%H:%M:%S} {t.tzname()}"


def when(written: str) -> str:
    """"12 Jan, 16:04 CST": when feedback was written, in the cohort's zone, labelled."""
    return zoned(written, zone() or dt.datetime.now().astimezone().tzinfo)


def worksheet_title(key: str) -> str:
    """"Core-beliefs inventory (Session 1: On the Leading Edge of Visioning)", as the guide names
    sessions; the key itself for a worksheet this kit does not have."""
    try:
        ws = defs.worksheet(key)
        s = defs.session(key.split(".")[0])
    except (KeyError, ValueError, LeadingEdgeError):  # a newer kit's worksheet: name it as sent
        return key
    return f"{ws.title} (Session {s.number}: {s.title})" if s.number else f"{ws.title} ({s.title})"


# ---- what the participant sees -------------------------------------------------------------------
def item_html(item: Item, with_worksheet: bool = False) -> str:
    """One item: "From Rosalind Inkwell, 12 Jan, 16:04 CST: …", text escaped, its line breaks kept."""
    who = f"From {item.author_name}, {when(item.written)}"
    state = "read" if item.read else "unread"
    where = (f'<p class="llc-fb-where">On <i>{html.escape(worksheet_title(item.worksheet))}</i></p>'
             if with_worksheet else "")
    new = "" if item.read else '<span class="llc-fb-new">Unread</span> '
    return (f'<div class="llc-fb-item llc-fb-{state}" role="article" '
            f'aria-label="{html.escape(who)} ({state})">{where}'
            f'<p class="llc-fb-text">{new}<b>{html.escape(who)}:</b> {html.escape(item.text)}</p></div>')


class FeedbackBox:
    """The feedback on one worksheet (``worksheet``) or on all (None) as a widget, with a "Mark as
    read" button under each unread item; every box on the page redraws when an item is marked."""

    def __init__(self, worksheet: str | None = None):
        import ipywidgets as w

        self.worksheet = worksheet
        self.widget = w.VBox(layout=w.Layout(margin="6px 0"))
        self.widget.add_class("llc-feedback")
        self.head = w.HTML()  # the heading, or the one line saying why there is none
        self.message = w.HTML()  # "Marked as read." or why not
        self.message.add_class("llc-live")
        # Every part is kept across redraws, so a button pressed by keyboard keeps the focus: a Box
        # draws anew every child from the first one that changed, and the focus would drop to the
        # page (where keys reach the notebook's shortcuts).
        self._shown: dict[int, Any] = {}
        self.buttons: dict[int, Any] = {}
        _BOXES.add(self)
        self.render()

    def items(self) -> list[Item]:
        box = _inbox
        if box is None:
            return []
        return box.items if self.worksheet is None else box.on(self.worksheet)

    def render(self) -> None:
        import ipywidgets as w

        from .assets import style_tag

        items, parts = self.items(), []
        if _inbox is None and _problem:
            parts.append(self._head(f'<p class="llc-help">Feedback from your facilitator could not be loaded '
                                    f"({html.escape(_problem)}); restart the kernel later to try again.</p>"))
        elif self.worksheet is None and not items:
            parts.append(self._head(style_tag("feedback") + f"<h3 class='llc-fb-heading'>{LIST_HEADING}</h3>"
                                    "<p>No feedback yet. When your facilitator or team leader writes to "
                                    "you about a worksheet, it shows here and under that worksheet's form.</p>"))
        elif items:
            unread = sum(not i.read for i in items)
            level, heading = ("h3", LIST_HEADING) if self.worksheet is None else ("h4", HEADING)
            parts.append(self._head(style_tag("feedback") + f"<{level} class='llc-fb-heading'>{heading}"
                                    + (f" ({unread} unread)" if unread else "") + f"</{level}>"))
            for item in items:
                shown = self._shown.get(item.id)
                if shown is None:
                    shown = self._shown[item.id] = w.HTML()
                shown.value = item_html(item, with_worksheet=self.worksheet is None)
                parts.append(shown)
                button = self.buttons.get(item.id)
                if button is None and not item.read:
                    button = self.buttons[item.id] = w.Button(
                        description="Mark as read", icon="check", layout=w.Layout(width="max-content"),
                        tooltip=f"Mark the feedback from {item.author_name}, {when(item.written)} as read")
                    button.add_class("llc-fb-mark")
                    button.on_click(lambda _b, fid=item.id: self._mark(fid))
                if button is not None:
                    if item.read:  # stays where it was (and keeps the focus), saying it is done
                        button.description, button.icon = "Marked as read", ""
                    parts.append(button)
            parts.append(self.message)
        if tuple(parts) != self.widget.children:
            self.widget.children = tuple(parts)

    def _head(self, value: str):
        self.head.value = value
        return self.head

    def _mark(self, item_id: int) -> None:
        if all(i.read for i in self.items() if i.id == item_id):
            return  # already read: the button only says so now
        try:
            mark_read(item_id)  # redraws every box, this one too
        except FeedbackError as exc:
            self.message.value = (f'<span class="llc-error">Not marked as read ({html.escape(str(exc))}). '
                                  "Try again in a minute.</span>")
        else:
            self.message.value = '<span class="llc-status">Marked as read.</span>'

    def text(self) -> str:
        """What the box shows, as HTML (for tests and exports)."""
        return "".join(getattr(c, "value", "") for c in self.widget.children)


def _redraw() -> None:
    for box in list(_BOXES):
        box.render()


def box_for(worksheet: str | None) -> FeedbackBox | None:
    """The box under a form (``worksheet``) or for ``llc.feedback()`` (None); None off a hub, and
    None under a form that has no feedback and nothing to say."""
    if not available():
        return None
    inbox(refresh=worksheet is None)
    return FeedbackBox(worksheet)
